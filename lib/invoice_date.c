/*
 * invoice_date: the dates of invoices, found in OCR text and read as
 * "YYYY-MM-DD".  What is read and how day and month are decided is in
 * invoice_date.h.
 *
 * SECURITY: the text is whatever OCR made of an uploaded image, so any
 * bytes at all.  Every read goes through at() or a bound checked just
 * before it; nothing is written but *out; numbers are at most four digits,
 * so no arithmetic can overflow.
 *
 * How the text is scanned: every position where a number or a word
 * begins is tried, left to right, by each reader of one family of
 * formats (numbers with separators, a Vietnamese date, a day before an
 * English month, an English month before the day).  A reader either
 * gives a candidate -- a span and its numbers -- or nothing; the first
 * candidate that is a calendar date is the answer.
 */
#include "lib/invoice_date.h"
#include "lib/text.h"

#include <stdbool.h>
#include <string.h>

/* One date-shaped piece of text, before the calendar has been asked. */
struct candidate {
	size_t start, end;
	int year, first, second;	/* numbers as read; first/second are day/month once decided */
	bool numeric_dm;		/* both by number, order undecided: 15/03/2025 */
	bool bad_year;			/* a year outside 1900..2099 */
};

static int
at(const char *s, size_t len, size_t i)
{
	return i < len ? (unsigned char)s[i] : -1;
}

/* lib/text's blanks: space, tab, U+00A0 (PDF text layers), U+202F. */
static size_t
skip_blanks(const char *s, size_t len, size_t i)
{
	size_t n;

	while (i < len && (n = text_blank_at(s + i, len - i)) > 0)
		i += n;
	return i;
}

/* Like skip_blanks, line ends included: a Vietnamese date may wrap. */
static size_t
skip_space(const char *s, size_t len, size_t i)
{
	for (;;) {
		size_t j = skip_blanks(s, len, i);
		int c = at(s, len, j);

		if (c == '\n' || c == '\r')
			j++;
		if (j == i)
			return i;
		i = j;
	}
}

/* A run of digits at i: its value and its end; 0 digits, or more than 4, is no number. */
static int
read_number(const char *s, size_t len, size_t i, int *value, size_t *end)
{
	size_t j = i;
	int v = 0;

	while (text_is_digit(at(s, len, j)) && j - i < 5)
		v = v * 10 + (at(s, len, j++) - '0');
	if (j == i || j - i > 4)
		return 0;
	*value = v;
	*end = j;
	return (int)(j - i);
}

/* A year of 2 or 4 digits read as a four-digit one (the %y pivot); -1 if neither. */
static int
full_year(int value, int digits)
{
	if (digits == 4)
		return value;
	if (digits == 2)
		return value < 69 ? 2000 + value : 1900 + value;
	return -1;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
calendar_date(int y, int m, int d)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days[m - 1] + (m == 2 && leap(y));
}

/*
 * Whether the word w (lower-case ASCII, the marks left out) is at i as a
 * whole word, whatever its case and marks, precomposed or combining
 * (lib/text's fold): its end in *end.
 */
static bool
match_word(const char *s, size_t len, size_t i, const char *w, size_t *end)
{
	size_t e = text_word_end(s, len, i);
	char folded[TEXT_WORD_MAX * 4 + 1];

	if (e == i || !text_fold_word(s + i, e - i, true, folded, sizeof(folded)) || strcmp(folded, w) != 0)
		return false;
	*end = e;
	return true;
}

/* An English gloss after a Vietnamese word, "(Date)", "(month)": skipped if short and digit-free. */
static size_t
skip_gloss(const char *s, size_t len, size_t i)
{
	size_t j = skip_space(s, len, i);

	if (at(s, len, j) != '(')
		return i;
	for (size_t k = j + 1; k < len && k <= j + 24; k++) {
		int c = at(s, len, k);

		if (c == ')')
			return k + 1;
		if (text_is_digit(c) || c == '(' || c == '\n')
			return i;
	}
	return i;
}

/* A Vietnamese word, then a gloss, spaces and a colon as labels have them. */
static bool
vi_word(const char *s, size_t len, size_t i, const char *w, size_t *end)
{
	if (!match_word(s, len, i, w, &i))
		return false;
	i = skip_space(s, len, skip_gloss(s, len, i));
	if (at(s, len, i) == ':')
		i = skip_space(s, len, i + 1);
	*end = i;
	return true;
}

static const struct {
	const char *name;
	int month;
} months[] = {
	{ "january", 1 }, { "february", 2 }, { "march", 3 }, { "april", 4 }, { "may", 5 },
	{ "june", 6 }, { "july", 7 }, { "august", 8 }, { "september", 9 }, { "october", 10 },
	{ "november", 11 }, { "december", 12 },
	{ "jan", 1 }, { "feb", 2 }, { "mar", 3 }, { "apr", 4 }, { "jun", 6 }, { "jul", 7 },
	{ "aug", 8 }, { "sept", 9 }, { "sep", 9 }, { "oct", 10 }, { "nov", 11 }, { "dec", 12 },
};

/* An English month's name or abbreviation at i, with an abbreviation's dot. */
static int
month_name(const char *s, size_t len, size_t i, size_t *end)
{
	for (size_t k = 0; k < sizeof(months) / sizeof(months[0]); k++) {
		size_t j = i;
		const char *p = months[k].name;

		while (*p != '\0' && text_lower(at(s, len, j)) == *p)
			j++, p++;
		if (*p != '\0' || text_is_alpha(at(s, len, j)))
			continue;
		if (at(s, len, j) == '.')
			j++;
		*end = j;
		return months[k].month;
	}
	return 0;
}

/* The separator between the parts of a date with a month's name: blanks and at most one of , - . / */
static size_t
skip_separator(const char *s, size_t len, size_t i)
{
	int c;

	i = skip_blanks(s, len, i);
	c = at(s, len, i);
	if (c == ',' || c == '-' || c == '.' || c == '/')
		i = skip_blanks(s, len, i + 1);
	return i;
}

/* An ordinal's ending after a day: 1st, 2nd, 3rd, 15th (not checked against the number). */
static size_t
skip_ordinal(const char *s, size_t len, size_t i)
{
	int a = text_lower(at(s, len, i)), b = text_lower(at(s, len, i + 1));

	if (((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
	    (a == 't' && b == 'h')) && !text_is_alpha(at(s, len, i + 2)))
		return i + 2;
	return i;
}

/* The end of a date: no more digits, and not a longer number such as 15.03.2025.7. */
static bool
ends_here(const char *s, size_t len, size_t i, int sep)
{
	return !text_is_digit(at(s, len, i)) && !(sep != 0 && at(s, len, i) == sep && text_is_digit(at(s, len, i + 1)));
}

/* 15/03/2025, 2025-03-15 and the like: three numbers and the same separator twice. */
static bool
read_numeric(const char *s, size_t len, size_t i, struct candidate *c)
{
	int v[3], n[3], sep = 0;
	size_t j = i;

	for (int k = 0; k < 3; k++) {
		if (k > 0) {
			j = skip_blanks(s, len, j);
			if (k == 1) {
				sep = at(s, len, j);
				if (sep != '/' && sep != '-' && sep != '.')
					return false;
			} else if (at(s, len, j) != sep)
				return false;
			j = skip_blanks(s, len, j + 1);
		}
		if ((n[k] = read_number(s, len, j, &v[k], &j)) == 0)
			return false;
	}
	if (!ends_here(s, len, j, sep))
		return false;
	if (i >= 2 && at(s, len, i - 1) == sep && text_is_digit(at(s, len, i - 2)))
		return false;	/* the tail of a longer number: 1.15.03.2025 */
	memset(c, 0, sizeof(*c));
	c->start = i;
	c->end = j;
	if (n[0] == 4 && n[1] <= 2 && n[2] <= 2) {
		c->year = v[0];
		c->first = v[2];
		c->second = v[1];
	} else if (n[0] <= 2 && n[1] <= 2 && (n[2] == 2 || n[2] == 4)) {
		c->year = full_year(v[2], n[2]);
		c->first = v[0];
		c->second = v[1];
		c->numeric_dm = true;
	} else
		return false;
	return true;
}

/* A date whose month is a word: day first, month second, never swapped. */
static bool
found_named(struct candidate *c, size_t start, size_t end, int year, int day, int month)
{
	memset(c, 0, sizeof(*c));
	c->start = start;
	c->end = end;
	c->year = year;
	c->first = day;
	c->second = month;
	return true;
}

/* [Ngày] 15 tháng 03 năm 2025, 15 tháng 3, 2025. */
static bool
read_vietnamese(const char *s, size_t len, size_t i, struct candidate *c)
{
	size_t j = i;
	int d, m, y, nd, nm, ny;

	if (!text_is_digit(at(s, len, j)) && !vi_word(s, len, j, "ngay", &j))
		return false;
	if ((nd = read_number(s, len, j, &d, &j)) == 0 || nd > 2)
		return false;
	j = skip_space(s, len, j);
	if (!vi_word(s, len, j, "thang", &j) || (nm = read_number(s, len, j, &m, &j)) == 0 || nm > 2)
		return false;
	j = skip_space(s, len, j);
	if (vi_word(s, len, j, "nam", &j)) {
		if ((ny = read_number(s, len, j, &y, &j)) != 2 && ny != 4)
			return false;
	} else {
		if (at(s, len, j) == ',')
			j = skip_space(s, len, j + 1);
		if ((ny = read_number(s, len, j, &y, &j)) != 4)
			return false;
	}
	if (!ends_here(s, len, j, 0))
		return false;
	return found_named(c, i, j, full_year(y, ny), d, m);
}

/* The year (2 or 4 digits) at j of a date begun at i with day d of month m, ending it. */
static bool
named_year(const char *s, size_t len, size_t i, size_t j, int d, int m, struct candidate *c)
{
	int y, ny;

	if ((ny = read_number(s, len, j, &y, &j)) != 2 && ny != 4)
		return false;
	if (!ends_here(s, len, j, 0))
		return false;
	return found_named(c, i, j, full_year(y, ny), d, m);
}

/* 15 Mar 2025, 15-Mar-25, 15th March, 2025. */
static bool
read_day_month(const char *s, size_t len, size_t i, struct candidate *c)
{
	size_t j;
	int d, m, nd;

	if ((nd = read_number(s, len, i, &d, &j)) == 0 || nd > 2)
		return false;
	j = skip_separator(s, len, skip_ordinal(s, len, j));
	if ((m = month_name(s, len, j, &j)) == 0)
		return false;
	return named_year(s, len, i, skip_separator(s, len, j), d, m, c);
}

/* Mar 15, 2025, March 15th 2025, Sept. 15, 25. */
static bool
read_month_day(const char *s, size_t len, size_t i, struct candidate *c)
{
	size_t j;
	int d, m, nd;

	if ((m = month_name(s, len, i, &j)) == 0)
		return false;
	j = skip_separator(s, len, j);
	if ((nd = read_number(s, len, j, &d, &j)) == 0 || nd > 2)
		return false;
	return named_year(s, len, i, skip_separator(s, len, skip_ordinal(s, len, j)), d, m, c);
}

/*
 * The next candidate at or after *from; *from is moved past where it
 * began, so that a loop finds each one once.  Numbers are tried where a
 * run of digits begins, words where a word begins.
 */
static bool
next_candidate(const char *s, size_t len, size_t *from, struct candidate *c)
{
	for (size_t i = *from; i < len; i++) {
		int ch = at(s, len, i), prev = i > 0 ? at(s, len, i - 1) : -1;
		bool found;

		if (text_is_digit(ch) && !text_is_digit(prev))
			found = read_numeric(s, len, i, c) || read_vietnamese(s, len, i, c) ||
			    read_day_month(s, len, i, c);
		else if (text_letter_at(s, len, i) > 0 && (prev < 0 || text_letter_at(s, len, i - 1) == 0) &&
		    (prev < 0x80 || prev >= 0xc0))
			found = read_vietnamese(s, len, i, c) || read_month_day(s, len, i, c);
		else
			found = false;
		if (found) {
			*from = i + 1;
			return true;
		}
	}
	*from = len;
	return false;
}

/* The order a candidate's own numbers decide, or UNKNOWN (not numeric, or both at most 12). */
static enum invoice_date_order
order_of_numbers(const struct candidate *c)
{
	if (c->first > 12 && c->second >= 1 && c->second <= 12)
		return INVOICE_DATE_ORDER_DMY;
	if (c->second > 12 && c->first >= 1 && c->first <= 12)
		return INVOICE_DATE_ORDER_MDY;
	return INVOICE_DATE_ORDER_UNKNOWN;
}

static bool
same_code(const char *a, const char *b)
{
	if (a == NULL)
		return false;
	while (*a != '\0' && text_lower((unsigned char)*a) == text_lower((unsigned char)*b))
		a++, b++;
	return *a == '\0' && *b == '\0';
}

/*
 * Currencies of countries that write the day first (and Vietnam's).
 * The US dollar is the one month-first currency we know of; dollars of
 * other countries (CAD, SGD is day-first) are not guessed at.
 */
static const char *const day_first_currencies[] = {
	"VND", "EUR", "GBP", "MYR", "SGD", "AUD", "NZD", "INR", "IDR", "THB", "CHF",
};

static enum invoice_date_order
order_of_hint(const struct invoice_date_hint *h, enum invoice_date_basis *basis)
{
	if (h == NULL)
		return INVOICE_DATE_ORDER_UNKNOWN;
	if (h->page_order == INVOICE_DATE_ORDER_DMY || h->page_order == INVOICE_DATE_ORDER_MDY) {
		*basis = INVOICE_DATE_BY_PAGE;
		return h->page_order;
	}
	if (same_code(h->language, "vi")) {
		*basis = INVOICE_DATE_BY_LANGUAGE;
		return INVOICE_DATE_ORDER_DMY;
	}
	if (same_code(h->currency, "USD")) {
		*basis = INVOICE_DATE_BY_CURRENCY;
		return INVOICE_DATE_ORDER_MDY;
	}
	for (size_t k = 0; k < sizeof(day_first_currencies) / sizeof(day_first_currencies[0]); k++)
		if (same_code(h->currency, day_first_currencies[k])) {
			*basis = INVOICE_DATE_BY_CURRENCY;
			return INVOICE_DATE_ORDER_DMY;
		}
	return INVOICE_DATE_ORDER_UNKNOWN;
}

static void
format_iso(struct invoice_date *out)
{
	int y = out->year;

	out->iso[0] = (char)('0' + y / 1000);
	out->iso[1] = (char)('0' + y / 100 % 10);
	out->iso[2] = (char)('0' + y / 10 % 10);
	out->iso[3] = (char)('0' + y % 10);
	out->iso[4] = '-';
	out->iso[5] = (char)('0' + out->month / 10);
	out->iso[6] = (char)('0' + out->month % 10);
	out->iso[7] = '-';
	out->iso[8] = (char)('0' + out->day / 10);
	out->iso[9] = (char)('0' + out->day % 10);
	out->iso[10] = '\0';
}

/*
 * Decides a candidate: fills *out and says OK or AMBIGUOUS, or INVALID
 * when it is no calendar date.  Which reading of a numeric date is tried
 * does not change whether it is one: the hint only chooses between two
 * readings when both numbers are 1..12, and then both are valid.
 */
static enum invoice_date_status
decide(const struct candidate *c, const struct invoice_date_hint *hint, struct invoice_date *out)
{
	enum invoice_date_order order = INVOICE_DATE_ORDER_DMY;
	enum invoice_date_status st = INVOICE_DATE_OK;

	memset(out, 0, sizeof(*out));
	out->offset = c->start;
	out->length = c->end - c->start;
	out->basis = INVOICE_DATE_BY_FORMAT;
	if (c->numeric_dm) {
		out->basis = INVOICE_DATE_BY_NUMBERS;
		if (c->first == c->second)
			order = INVOICE_DATE_ORDER_DMY;
		else if ((order = order_of_numbers(c)) == INVOICE_DATE_ORDER_UNKNOWN &&
		    c->first <= 12 && c->second <= 12) {
			if ((order = order_of_hint(hint, &out->basis)) == INVOICE_DATE_ORDER_UNKNOWN) {
				order = INVOICE_DATE_ORDER_DMY;
				out->basis = INVOICE_DATE_BY_DEFAULT;
				st = INVOICE_DATE_AMBIGUOUS;
			}
		} else if (order == INVOICE_DATE_ORDER_UNKNOWN)
			order = INVOICE_DATE_ORDER_DMY;	/* both above 12, or a zero: refused below */
	}
	out->year = c->year;
	out->day = order == INVOICE_DATE_ORDER_MDY ? c->second : c->first;
	out->month = order == INVOICE_DATE_ORDER_MDY ? c->first : c->second;
	if (!calendar_date(out->year, out->month, out->day)) {
		out->year = out->month = out->day = 0;
		return INVOICE_DATE_INVALID;
	}
	format_iso(out);
	return st;
}

enum invoice_date_status
invoice_date_parse(const char *s, size_t len, const struct invoice_date_hint *hint, struct invoice_date *out)
{
	struct candidate c, first_invalid;
	bool have_invalid = false;
	size_t from = 0;

	while (next_candidate(s, len, &from, &c)) {
		enum invoice_date_status st = decide(&c, hint, out);

		if (st != INVOICE_DATE_INVALID)
			return st;
		if (!have_invalid) {
			first_invalid = c;
			have_invalid = true;
		}
	}
	if (have_invalid)
		return decide(&first_invalid, hint, out);
	memset(out, 0, sizeof(*out));
	return INVOICE_DATE_NOT_FOUND;
}

enum invoice_date_order
invoice_date_order_from(const char *s, size_t len)
{
	struct candidate c;
	struct invoice_date d;
	size_t from = 0;
	bool dmy = false, mdy = false;

	while (next_candidate(s, len, &from, &c)) {
		if (!c.numeric_dm || decide(&c, NULL, &d) != INVOICE_DATE_OK)
			continue;
		switch (order_of_numbers(&c)) {
		case INVOICE_DATE_ORDER_DMY:
			dmy = true;
			break;
		case INVOICE_DATE_ORDER_MDY:
			mdy = true;
			break;
		default:
			break;
		}
	}
	if (dmy == mdy)
		return INVOICE_DATE_ORDER_UNKNOWN;
	return dmy ? INVOICE_DATE_ORDER_DMY : INVOICE_DATE_ORDER_MDY;
}

const char *
invoice_date_status_name(enum invoice_date_status st)
{
	switch (st) {
	case INVOICE_DATE_OK:
		return "ok";
	case INVOICE_DATE_AMBIGUOUS:
		return "ambiguous";
	case INVOICE_DATE_INVALID:
		return "invalid";
	case INVOICE_DATE_NOT_FOUND:
		return "not found";
	}
	return "unknown";
}
