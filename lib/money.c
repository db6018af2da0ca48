/*
 * money: invoice amounts read into exact decimals, and exact arithmetic
 * on them.  The contract is in money.h; this file is how.
 *
 * SECURITY: the text parsed comes from OCR of an uploaded image, chosen by
 * whoever uploads.  Every read is bounded by the length given (no NUL is
 * looked for), numbers are accumulated only after their digit count is
 * checked, and products are formed in 128 bits from operands already
 * within +-MONEY_MAX_UNITS, so nothing can wrap.
 */
#include <stdio.h>
#include <string.h>

#include "lib/money.h"
#include "lib/text.h"

__extension__ typedef __int128 i128;

static const int64_t pow10s[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };

#define MAX_GROUPS 24		/* digit groups in one number; more is TOO_LONG */


/* Bytes of the minus at p ('-' or U+2212), or 0. */
static size_t
minus_at(const unsigned char *p, size_t n)
{
	if (n >= 1 && p[0] == '-')
		return 1;
	if (n >= 3 && p[0] == 0xe2 && p[1] == 0x88 && p[2] == 0x92)
		return 3;
	return 0;
}

/*
 * What invoices print for a currency.  ASCII letters match in any case;
 * the Vietnamese letters are listed in both cases.  A longer spelling comes
 * before its prefix ("đồng" before "đ").
 */
static const struct {
	const char *mark, *code;
} marks[] = {
	{ "$", "USD" }, { "\xe2\x82\xac", "EUR" }, { "\xc2\xa3", "GBP" }, { "\xe2\x82\xab", "VND" },
	{ "usd", "USD" }, { "eur", "EUR" }, { "gbp", "GBP" }, { "vnd", "VND" },
	{ "vn\xc4\x91", "VND" }, { "vn\xc4\x90", "VND" },
	{ "\xc4\x91\xe1\xbb\x93ng", "VND" }, { "\xc4\x90\xe1\xbb\x93ng", "VND" },
	{ "\xc4\x90\xe1\xbb\x92ng", "VND" },
	{ "\xc4\x91", "VND" }, { "\xc4\x90", "VND" },
	/* the ringgit of Malaysian receipts, the rupee of Indian invoices */
	{ "myr", "MYR" }, { "rm", "MYR" }, { "\xe2\x82\xb9", "INR" }, { "inr", "INR" }, { "rs.", "INR" },
	{ "rs", "INR" },
};

/* Bytes of the currency mark at p, its code in *code; 0 if none. */
static size_t
currency_at(const unsigned char *p, size_t n, const char **code)
{
	for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
		const unsigned char *k = (const unsigned char *)marks[m].mark;
		size_t len = strlen(marks[m].mark), i;

		if (len > n)
			continue;
		for (i = 0; i < len && text_lower(p[i]) == k[i]; i++)
			;
		if (i < len)
			continue;
		/* "USDX", "đa": a word that only starts like a currency. */
		if ((text_is_alpha(k[len - 1]) || k[len - 1] >= 0x80) && len < n && text_is_alpha(p[len]))
			continue;
		*code = marks[m].code;
		return len;
	}
	return 0;
}

int
money_minor_units(const char *currency)
{
	static const struct {
		const char *code;
		int minor;
	} known[] = { { "VND", 0 }, { "USD", 2 }, { "EUR", 2 }, { "GBP", 2 }, { "MYR", 2 }, { "INR", 2 } };

	if (currency == NULL)
		return -1;
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		size_t i;

		for (i = 0; i < 3 && currency[i] != '\0' &&
		    text_lower((unsigned char)currency[i]) == text_lower((unsigned char)known[k].code[i]); i++)
			;
		if (i == 3 && currency[3] == '\0')
			return known[k].minor;
	}
	return -1;
}

const char *
money_status_name(enum money_status st)
{
	switch (st) {
	case MONEY_OK: return "OK";
	case MONEY_EMPTY: return "EMPTY";
	case MONEY_AMBIGUOUS: return "AMBIGUOUS";
	case MONEY_BAD_CHAR: return "BAD_CHAR";
	case MONEY_BAD_GROUPING: return "BAD_GROUPING";
	case MONEY_TWO_DECIMALS: return "TWO_DECIMALS";
	case MONEY_BAD_SIGN: return "BAD_SIGN";
	case MONEY_TWO_CURRENCIES: return "TWO_CURRENCIES";
	case MONEY_TOO_LONG: return "TOO_LONG";
	case MONEY_OVERFLOW: return "OVERFLOW";
	case MONEY_NOSPACE: return "NOSPACE";
	}
	return "UNKNOWN";
}

static bool
in_range(int64_t u)
{
	return u >= -MONEY_MAX_UNITS && u <= MONEY_MAX_UNITS;
}

/* One run of digits and the separator printed before it (0 for the first). */
struct group {
	size_t start, len;
	char sep;		/* '.', ',' or ' ' (a space, U+00A0 or U+202F) */
};

/*
 * Which group is the fraction (ng if none), for groups that are known to
 * be well formed as runs.  Why the rules are these: a separator repeated,
 * or followed by exactly three digits after a one-to-three-digit lead,
 * is how every locale on our invoices groups thousands; a last separator
 * followed by one or two digits is a decimal separator everywhere; two
 * different separators leave the last as the decimal one.  The one case
 * the digits cannot decide is "1,234" / "1.234": a currency with 0 or 2
 * minor units cannot have three decimals, so it is grouping; else the
 * caller's hint decides, else it is refused as AMBIGUOUS.
 */
static enum money_status
find_fraction(const unsigned char *p, const struct group *g, size_t ng, const char *printed,
    const struct money_hint *hint, size_t *frac, enum money_confidence *conf)
{
	size_t dots = 0, commas = 0, blanks = 0, last = 0;

	*conf = MONEY_SURE;
	*frac = ng;
	for (size_t k = 1; k < ng; k++) {
		if (g[k].sep == '.')
			dots++, last = k;
		else if (g[k].sep == ',')
			commas++, last = k;
		else
			blanks++;
	}
	if (dots == 0 && commas == 0)
		return MONEY_OK;
	if (dots > 0 && commas > 0) {
		if ((g[last].sep == '.' ? dots : commas) > 1)
			return MONEY_TWO_DECIMALS;
		if (last != ng - 1 || blanks > 0)
			return MONEY_BAD_GROUPING;
		*frac = last;
		return MONEY_OK;
	}
	/* One kind of mark, perhaps repeated, perhaps with blanks. */
	if (blanks > 0) {
		if (dots + commas > 1) {
			/* "1 234,5,6": the mark cannot both group and end. */
			return MONEY_TWO_DECIMALS;
		}
		if (last != ng - 1)
			return MONEY_BAD_GROUPING;
		*frac = last;
		return MONEY_OK;
	}
	if (dots + commas > 1) {
		/* Repeated: grouping.  "1.234.56" looks like a decimal after groups. */
		if (g[ng - 1].len < 3)
			return MONEY_TWO_DECIMALS;
		return MONEY_OK;
	}
	/* One mark, two groups. */
	if (g[1].len != 3 || g[0].len > 3 || p[g[0].start] == '0') {
		*frac = 1;
		return MONEY_OK;
	}
	if (money_minor_units(printed) >= 0) {
		*conf = MONEY_BY_CURRENCY;
		return MONEY_OK;
	}
	if (hint != NULL && money_minor_units(hint->currency) >= 0) {
		*conf = MONEY_BY_HINT;
		return MONEY_OK;
	}
	if (hint != NULL && (hint->decimal_mark == '.' || hint->decimal_mark == ',')) {
		*conf = MONEY_BY_HINT;
		if (hint->decimal_mark == g[1].sep)
			*frac = 1;
		return MONEY_OK;
	}
	return MONEY_AMBIGUOUS;
}

/* The number's digit groups from p[*i], which is a digit; *i ends after it. */
static enum money_status
scan_number(const unsigned char *p, size_t *i, size_t e, struct group *g, size_t *ng)
{
	char sep = 0;

	*ng = 0;
	for (;;) {
		size_t start = *i, b;

		while (*i < e && text_is_digit(p[*i]))
			(*i)++;
		if (*ng == MAX_GROUPS || *i - start > MONEY_INT_DIGITS + MONEY_SCALE + 8)
			return MONEY_TOO_LONG;
		g[*ng].start = start;
		g[*ng].len = *i - start;
		g[*ng].sep = sep;
		(*ng)++;
		if (*i < e && (p[*i] == '.' || p[*i] == ',')) {
			if (*i + 1 < e && text_is_digit(p[*i + 1])) {
				sep = (char)p[(*i)++];
				continue;
			}
			/* "12.", "1.,5", "1. 5": a mark with no digit after it. */
			return MONEY_BAD_GROUPING;
		}
		/* A tab is a gap between words, never a thousands separator. */
		if (*i < e && p[*i] != '\t' && (b = text_blank_at((const char *)p + *i, e - *i)) > 0 && *i + b < e &&
		    text_is_digit(p[*i + b])) {
			sep = ' ';
			*i += b;
			continue;
		}
		return MONEY_OK;
	}
}

static void
clear(struct money_parsed *out)
{
	memset(out, 0, sizeof(*out));
}

/* Strips blanks from both ends of [*i, *e). */
static void
trim(const unsigned char *p, size_t *i, size_t *e)
{
	size_t b;

	while (*i < *e && (b = text_blank_at((const char *)p + *i, *e - *i)) > 0)
		*i += b;
	for (;;) {
		if (*e > *i && (p[*e - 1] == ' ' || p[*e - 1] == '\t'))
			(*e)--;
		else if (*e - *i >= 2 && p[*e - 2] == 0xc2 && p[*e - 1] == 0xa0)
			*e -= 2;
		else if (*e - *i >= 3 && p[*e - 3] == 0xe2 && p[*e - 2] == 0x80 && p[*e - 1] == 0xaf)
			*e -= 3;
		else
			break;
	}
}

/* Takes a currency mark seen at either end; a different one is an error. */
static enum money_status
take_currency(const char **cur, const char *code)
{
	if (*cur != NULL && strcmp(*cur, code) != 0)
		return MONEY_TWO_CURRENCIES;
	*cur = code;
	return MONEY_OK;
}

enum money_status
money_parse(const char *s, size_t len, const struct money_hint *hint, struct money_parsed *out)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *cur = NULL, *code;
	struct group g[MAX_GROUPS];
	enum money_confidence conf;
	enum money_status st;
	size_t i = 0, e = len, n, ng, frac, k;
	bool neg = false;
	int64_t ipart = 0, fpart = 0;
	size_t idigits = 0, fdigits = 0;
	int minor;

	clear(out);
	if (s == NULL)
		return MONEY_EMPTY;
	trim(p, &i, &e);
	if (i < e && p[i] == '(') {
		if (p[e - 1] != ')')
			return MONEY_BAD_SIGN;
		neg = true;
		i++, e--;
		trim(p, &i, &e);
	}
	/* Before the digits: a sign and a currency, either order, blanks between. */
	while (i < e && !text_is_digit(p[i])) {
		if ((n = text_blank_at((const char *)p + i, e - i)) > 0) {
			i += n;
		} else if ((n = minus_at(p + i, e - i)) > 0) {
			if (neg)
				return MONEY_BAD_SIGN;
			neg = true;
			i += n;
		} else if ((n = currency_at(p + i, e - i, &code)) > 0) {
			if ((st = take_currency(&cur, code)) != MONEY_OK)
				return st;
			i += n;
		} else if (p[i] == '(' || p[i] == ')' || p[i] == '+') {
			return MONEY_BAD_SIGN;
		} else
			return MONEY_BAD_CHAR;
	}
	if (i == e)
		return MONEY_EMPTY;
	if ((st = scan_number(p, &i, e, g, &ng)) != MONEY_OK)
		return st;
	/* After the digits: a currency, blanks. */
	while (i < e) {
		if ((n = text_blank_at((const char *)p + i, e - i)) > 0) {
			i += n;
		} else if ((n = currency_at(p + i, e - i, &code)) > 0) {
			if ((st = take_currency(&cur, code)) != MONEY_OK)
				return st;
			i += n;
		} else if (p[i] == '(' || p[i] == ')' || p[i] == '+' || minus_at(p + i, e - i) > 0) {
			return MONEY_BAD_SIGN;
		} else
			return MONEY_BAD_CHAR;
	}

	if ((st = find_fraction(p, g, ng, cur, hint, &frac, &conf)) != MONEY_OK)
		return st;
	/* The integer part's groups: 1-3 digits, then exactly 3 each. */
	for (k = 1; k < frac; k++)
		if (g[k].len != 3 || g[0].len > 3)
			return MONEY_BAD_GROUPING;
	for (k = 0; k < frac; k++)
		for (size_t d = 0; d < g[k].len; d++) {
			int digit = p[g[k].start + d] - '0';

			if (idigits == 0 && digit == 0)
				continue;
			if (++idigits > MONEY_INT_DIGITS)
				return MONEY_TOO_LONG;
			ipart = ipart * 10 + digit;
		}
	if (frac < ng) {
		fdigits = g[frac].len;
		if (fdigits > MONEY_SCALE)
			return MONEY_TOO_LONG;
		for (size_t d = 0; d < fdigits; d++)
			fpart = fpart * 10 + (p[g[frac].start + d] - '0');
	}

	out->amount.units = ipart * pow10s[MONEY_SCALE] + fpart * pow10s[MONEY_SCALE - fdigits];
	if (neg)
		out->amount.units = -out->amount.units;
	minor = money_minor_units(cur != NULL ? cur : hint != NULL ? hint->currency : NULL);
	out->scale = minor > (int)fdigits ? minor : (int)fdigits;
	out->printed_decimals = (int)fdigits;
	if (cur != NULL)
		memcpy(out->currency, cur, 4);
	out->confidence = conf;
	/* Cannot fail: within range by the digit counts, and the buffer is sized for it. */
	money_format(out->amount, out->scale, out->text, sizeof(out->text));
	return MONEY_OK;
}

enum money_status
money_from_canonical(const char *s, size_t len, struct money *out)
{
	size_t i = 0, idigits = 0, fdigits = 0;
	int64_t ipart = 0, fpart = 0;
	bool neg = false;

	out->units = 0;
	if (s == NULL || len == 0)
		return MONEY_EMPTY;
	if (s[0] == '-')
		neg = true, i++;
	if (i == len || !text_is_digit((unsigned char)s[i]))
		return MONEY_BAD_CHAR;
	if (s[i] == '0' && i + 1 < len && text_is_digit((unsigned char)s[i + 1]))
		return MONEY_BAD_CHAR;		/* a leading zero */
	for (; i < len && text_is_digit((unsigned char)s[i]); i++) {
		if (++idigits > MONEY_INT_DIGITS)
			return MONEY_TOO_LONG;
		ipart = ipart * 10 + (s[i] - '0');
	}
	if (i < len) {
		if (s[i++] != '.' || i == len)
			return MONEY_BAD_CHAR;
		for (; i < len && text_is_digit((unsigned char)s[i]); i++) {
			if (++fdigits > MONEY_SCALE)
				return MONEY_TOO_LONG;
			fpart = fpart * 10 + (s[i] - '0');
		}
		if (i < len)
			return MONEY_BAD_CHAR;
	}
	out->units = ipart * pow10s[MONEY_SCALE] + fpart * pow10s[MONEY_SCALE - fdigits];
	if (neg) {
		if (out->units == 0)
			return MONEY_BAD_SIGN;	/* "-0" is not canonical */
		out->units = -out->units;
	}
	return MONEY_OK;
}

enum money_status
money_format(struct money a, int min_decimals, char *buf, size_t size)
{
	char frac[MONEY_SCALE + 1];
	int64_t mag, ip, fp;
	int keep, w;

	if (size > 0)
		buf[0] = '\0';
	if (!in_range(a.units))
		return MONEY_OVERFLOW;
	if (min_decimals < 0)
		min_decimals = 0;
	if (min_decimals > MONEY_SCALE)
		min_decimals = MONEY_SCALE;
	mag = a.units < 0 ? -a.units : a.units;
	ip = mag / pow10s[MONEY_SCALE];
	fp = mag % pow10s[MONEY_SCALE];
	for (int d = MONEY_SCALE - 1; d >= 0; d--, fp /= 10)
		frac[d] = (char)('0' + fp % 10);
	frac[MONEY_SCALE] = '\0';
	for (keep = MONEY_SCALE; keep > min_decimals && frac[keep - 1] == '0'; keep--)
		;
	w = snprintf(buf, size, "%s%lld%s%.*s", a.units < 0 ? "-" : "", (long long)ip,
	    keep > 0 ? "." : "", keep, frac);
	if (w < 0 || (size_t)w >= size) {
		if (size > 0)
			buf[0] = '\0';
		return MONEY_NOSPACE;
	}
	return MONEY_OK;
}

/* x / d rounded half away from zero, d > 0, into *out if within range. */
static enum money_status
round_div(i128 x, int64_t d, struct money *out)
{
	i128 q = x / d, r = x % d;

	if (r < 0)
		r = -r;
	if (2 * r >= d)
		q += x < 0 ? -1 : 1;
	if (q < -MONEY_MAX_UNITS || q > MONEY_MAX_UNITS) {
		out->units = 0;
		return MONEY_OVERFLOW;
	}
	out->units = (int64_t)q;
	return MONEY_OK;
}

enum money_status
money_add(struct money a, struct money b, struct money *out)
{
	if (!in_range(a.units) || !in_range(b.units))
		return out->units = 0, MONEY_OVERFLOW;
	return round_div((i128)a.units + b.units, 1, out);
}

enum money_status
money_sub(struct money a, struct money b, struct money *out)
{
	if (!in_range(a.units) || !in_range(b.units))
		return out->units = 0, MONEY_OVERFLOW;
	return round_div((i128)a.units - b.units, 1, out);
}

/* Operands within range are below 10^18, so their product is below 10^36 < 2^127. */
enum money_status
money_mul(struct money a, struct money quantity, struct money *out)
{
	if (!in_range(a.units) || !in_range(quantity.units))
		return out->units = 0, MONEY_OVERFLOW;
	return round_div((i128)a.units * quantity.units, pow10s[MONEY_SCALE], out);
}

enum money_status
money_percent(struct money a, struct money rate, struct money *out)
{
	if (!in_range(a.units) || !in_range(rate.units))
		return out->units = 0, MONEY_OVERFLOW;
	return round_div((i128)a.units * rate.units, pow10s[MONEY_SCALE + 2], out);
}

enum money_status
money_round(struct money a, int decimals, struct money *out)
{
	int64_t d;
	enum money_status st;

	if (!in_range(a.units))
		return out->units = 0, MONEY_OVERFLOW;
	if (decimals < 0)
		decimals = 0;
	if (decimals > MONEY_SCALE)
		decimals = MONEY_SCALE;
	d = pow10s[MONEY_SCALE - decimals];
	if ((st = round_div(a.units, d, out)) != MONEY_OK)
		return st;
	return round_div((i128)out->units * d, 1, out);
}

int
money_cmp(struct money a, struct money b)
{
	return a.units < b.units ? -1 : a.units > b.units;
}

bool
money_near(struct money a, struct money b, int64_t tolerance, int decimals)
{
	i128 diff = (i128)a.units - b.units;

	if (tolerance < 0)
		return false;
	if (decimals < 0)
		decimals = 0;
	if (decimals > MONEY_SCALE)
		decimals = MONEY_SCALE;
	if (diff < 0)
		diff = -diff;
	return diff <= (i128)tolerance * pow10s[MONEY_SCALE - decimals];
}
