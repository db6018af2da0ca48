/*
 * extract_document: what the whole page says about itself, decided before
 * any field is read since amounts and dates are read in its light -- the
 * language, the currency (by the votes of every currency sign and code on
 * the page), the decimal mark (by the amounts whose digits decide it:
 * "1.234,56", "12,50", "1.250.000"), the order of day and month (by the
 * dates whose numbers decide it), and the kind of document.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/extract_int.h"
#include "lib/invoice_date.h"

/* Vietnamese letters no other language of ours writes: ă â đ ê ô ơ ư and the tones on them. */
static bool
vietnamese_letter(const unsigned char *s, size_t len)
{
	static const char *const marks[] = { "ă", "ơ", "ư", "đ", "Đ", "Ă", "Ơ", "Ư", "ạ", "ả", "ấ", "ầ",
		"ẩ", "ẫ", "ậ", "ắ", "ằ", "ẳ", "ẵ", "ặ", "ẹ", "ẻ", "ẽ", "ế", "ề", "ể", "ễ", "ệ", "ỉ",
		"ị", "ọ", "ỏ", "ố", "ồ", "ổ", "ỗ", "ộ", "ớ", "ờ", "ở", "ỡ", "ợ", "ụ", "ủ", "ứ", "ừ",
		"ử", "ữ", "ự", "ỳ", "ỵ", "ỷ", "ỹ" };

	if (len < 2 || s[0] < 0xc4)
		return false;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strncmp((const char *)s, marks[i], strlen(marks[i])) == 0)
			return true;
	return false;
}

static void
decide_language(struct xpage *p, struct invoice *inv)
{
	int vi = 0, en = 0;
	bool ocr_vi = p->ocr_languages != NULL && strstr(p->ocr_languages, "vie") != NULL;

	for (size_t i = 0; i < p->nwords; i++) {
		const struct xword *w = &p->words[i];

		for (size_t k = 0; k < w->len; k++)
			if (vietnamese_letter((const unsigned char *)w->text + k, w->len - k)) {
				vi++;
				break;
			}
	}
	for (size_t i = 0; i < p->nsegs; i++) {
		const struct xseg *s = &p->segs[i];

		vi += extract_fold_has(s->fold, s->foldlen, "hoa don") + extract_fold_has(s->fold, s->foldlen, "ma so thue") +
		    extract_fold_has(s->fold, s->foldlen, "tong cong") + extract_fold_has(s->fold, s->foldlen, "thanh tien");
		en += extract_fold_has(s->fold, s->foldlen, "invoice") + extract_fold_has(s->fold, s->foldlen, "total") +
		    extract_fold_has(s->fold, s->foldlen, "date") + extract_fold_has(s->fold, s->foldlen, "receipt") +
		    extract_fold_has(s->fold, s->foldlen, "amount");
	}
	/* the Vietnamese model was asked for, or the marks say so beyond a stray letter */
	p->vietnamese = vi >= 3 && (ocr_vi || vi > en);
	inv->language = NULL;
	if (p->vietnamese)
		inv->language = strdup("vi");
	else if (en > 0)
		inv->language = strdup("en");
}

struct vote {
	const char *code;
	int n;
};

/* Whether s is digits then suffix: "497đ". */
static bool
ends_in_digit_then(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && memcmp(s + len - n, suffix, n) == 0 && s[len - n - 1] >= '0' && s[len - n - 1] <= '9';
}

/* The currency a word names, or NULL: a sign anywhere in it, or a code as the whole word. */
static const char *
currency_of(const struct xpage *p, size_t i)
{
	static const struct { const char *sign, *code; } signs[] = {
		{ "₫", "VND" }, { "€", "EUR" }, { "£", "GBP" }, { "₹", "INR" }, { "$", "USD" },
	};
	static const struct { const char *word, *code; } codes[] = {
		{ "vnd", "VND" }, { "vnđ", "VND" }, { "usd", "USD" }, { "eur", "EUR" }, { "euro", "EUR" },
		{ "gbp", "GBP" }, { "inr", "INR" }, { "myr", "MYR" }, { "rm", "MYR" }, { "rs", "INR" },
		{ "dong", "VND" }, { "đồng", "VND" }, { "đ", "VND" },
	};
	const struct xword *w = &p->words[i];
	char low[16];
	size_t n = 0;

	for (size_t k = 0; k < sizeof(signs) / sizeof(signs[0]); k++)
		if (memmem(w->text, w->len, signs[k].sign, strlen(signs[k].sign)) != NULL)
			return signs[k].code;
	/* "24.367.497đ", "2.215.227d", and "14.490.000 d": đ, or OCR's d without its stroke, after a number */
	if (ends_in_digit_then(w->text, w->len, "đ") || ends_in_digit_then(w->text, w->len, "d") ||
	    ((strcmp(w->text, "d") == 0 || strcmp(w->text, "đ") == 0) && i > 0 &&
	    p->words[i - 1].row == w->row && ends_in_digit_then(p->words[i - 1].text, p->words[i - 1].len, "")))
		return "VND";
	/* the word without its punctuation and digits, in lower case (ASCII, đ, ồ kept) */
	for (size_t k = 0; k < w->len && n + 1 < sizeof(low); k++) {
		unsigned char c = (unsigned char)w->text[k];

		if ((c >= '0' && c <= '9') || strchr(".,:;()", c) != NULL)
			continue;
		low[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[n] = '\0';
	if (strcmp(low, "Đ") == 0)
		return "VND";
	for (size_t k = 0; k < sizeof(codes) / sizeof(codes[0]); k++)
		if (strcmp(low, codes[k].word) == 0)
			return codes[k].code;
	return NULL;
}

/*
 * Where the page is, by words only one country writes: its legal forms
 * and its states.  Asked only when no currency is printed, or only "$",
 * which dollars of many countries share and which point-of-sale printers
 * print whatever the till's currency (Malaysian receipts: "$8.20").
 */
static const char *
country_currency(const struct xpage *p)
{
	static const struct { const char *fold, *code; } markers[] = {
		{ "sdn bhd", "MYR" }, { "bhd", "MYR" }, { "malaysia", "MYR" }, { "johor", "MYR" },
		{ "selangor", "MYR" }, { "kuala lumpur", "MYR" }, { "pulau pinang", "MYR" },
	};

	for (size_t i = 0; i < p->nsegs; i++)
		for (size_t k = 0; k < sizeof(markers) / sizeof(markers[0]); k++)
			if (extract_fold_has(p->segs[i].fold, p->segs[i].foldlen, markers[k].fold))
				return markers[k].code;
	return NULL;
}

static void
decide_currency(struct xpage *p)
{
	struct vote votes[8] = { { "VND", 0 }, { "EUR", 0 }, { "GBP", 0 }, { "INR", 0 }, { "USD", 0 },
		{ "MYR", 0 } };
	int best = -1, dollar_signs = 0;
	const char *country;

	for (size_t i = 0; i < p->nwords; i++) {
		const char *c = currency_of(p, i);

		dollar_signs += c != NULL && strcmp(c, "USD") == 0 &&
		    memchr(p->words[i].text, '$', p->words[i].len) != NULL;
		for (int k = 0; c != NULL && k < 6; k++)
			if (strcmp(votes[k].code, c) == 0)
				votes[k].n++;
	}
	for (int k = 0; k < 6; k++)
		if (votes[k].n > 0 && (best < 0 || votes[k].n > votes[best].n))
			best = k;
	p->currency[0] = '\0';
	if ((best < 0 || (strcmp(votes[best].code, "USD") == 0 && votes[best].n == dollar_signs)) &&
	    (country = country_currency(p)) != NULL) {
		memcpy(p->currency, country, 4);
		p->currency_votes = 1;
	} else if (best >= 0) {
		memcpy(p->currency, votes[best].code, 4);
		p->currency_votes = votes[best].n;
	}
}

/*
 * Which mark a number's digits show as decimal: '.' or ',', or 0 when
 * they do not decide.  "1.234,56" and "12,50" decide ','; "1.250.000"
 * decides ',' too (dots that group).  Dates ("15.03.2025") are skipped.
 */
static char
decimal_mark_of(const char *s, size_t len)
{
	size_t digits = 0, tail = 0, ndot = 0, ncomma = 0;
	char last = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9') {
			digits++;
			tail++;
		} else if (c == '.' || c == ',') {
			if (tail == 0)
				return 0;
			last = c;
			tail = 0;
			c == '.' ? ndot++ : ncomma++;
		} else if (strchr("$€£₫ -()", c) == NULL && (unsigned char)c < 0x80)
			return 0;
	}
	if (digits == 0 || last == 0 || tail == 0)
		return 0;
	if (ndot > 0 && ncomma > 0)
		return last;
	if (ndot + ncomma >= 2)
		return tail == 3 ? (last == '.' ? ',' : '.') : 0;
	if (tail <= 2)
		return last;
	return 0;
}

static void
decide_marks(struct xpage *p)
{
	int dot = 0, comma = 0;

	for (size_t i = 0; i < p->nwords; i++) {
		char m = decimal_mark_of(p->words[i].text, p->words[i].len);

		dot += m == '.';
		comma += m == ',';
	}
	p->money_hint.currency = p->currency[0] != '\0' ? p->currency : NULL;
	p->money_hint.decimal_mark = dot > 2 * comma ? '.' : comma > 2 * dot ? ',' : 0;
	/* đồng have no decimals, and Vietnamese groups with dots: "312.480" is 312480 */
	if (p->money_hint.decimal_mark == 0 && (strcmp(p->currency, "VND") == 0 || p->vietnamese))
		p->money_hint.decimal_mark = ',';
}

static int
decide_date_order(struct xpage *p)
{
	size_t len = 0;
	char *all;

	for (size_t i = 0; i < p->nsegs; i++)
		len += p->segs[i].len + 1;
	if ((all = malloc(len + 1)) == NULL)
		return -1;
	len = 0;
	for (size_t i = 0; i < p->nsegs; i++) {
		memcpy(all + len, p->segs[i].text, p->segs[i].len);
		len += p->segs[i].len;
		all[len++] = '\n';
	}
	p->date_order = invoice_date_order_from(all, len);
	free(all);
	return 0;
}

static bool
page_has(const struct xpage *p, const char *fold)
{
	for (size_t i = 0; i < p->nsegs; i++)
		if (extract_fold_has(p->segs[i].fold, p->segs[i].foldlen, fold))
			return true;
	return false;
}

static bool
has_label(const struct xpage *p, enum xlabel l)
{
	for (size_t i = 0; i < p->nmatches; i++)
		if (p->matches[i].label == l)
			return true;
	return false;
}

static const char *
document_type(const struct xpage *p)
{
	if (page_has(p, "credit note") || page_has(p, "creditnota") || page_has(p, "gutschrift") ||
	    page_has(p, "avoir") || page_has(p, "credit memo"))
		return "credit_note";
	if (has_label(p, L_TRANSACTION_ID) && (has_label(p, L_RECEIVER) || page_has(p, "momo") ||
	    page_has(p, "vi dien tu")))
		return "e_wallet_receipt";
	if (has_label(p, L_CUSTOMER_CODE) && (page_has(p, "kwh") || page_has(p, "tien dien") ||
	    page_has(p, "evn") || page_has(p, "dien nang") || page_has(p, "tien nuoc")))
		return "utility_bill";
	if (page_has(p, "invoice") || page_has(p, "hoa don") || page_has(p, "factuur") ||
	    page_has(p, "rechnung") || page_has(p, "facture"))
		return "invoice";
	if (page_has(p, "receipt") || has_label(p, L_CASH) || has_label(p, L_CHANGE) ||
	    page_has(p, "bien lai") || page_has(p, "phieu thu"))
		return "receipt";
	return "invoice";
}

int
extract_document(struct xpage *p, struct invoice *inv)
{
	const char *type;

	decide_language(p, inv);
	decide_currency(p);
	decide_marks(p);
	if (decide_date_order(p) != 0)
		return -1;
	type = document_type(p);
	if (p->currency[0] != '\0' &&
	    extract_set(inv, INVOICE_CURRENCY, p->currency, 3, p->currency_votes > 2 ? 0.9 : 0.6) != 0)
		return -1;
	return extract_set(inv, INVOICE_DOCUMENT_TYPE, type, strlen(type), 0.6);
}
