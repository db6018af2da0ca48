/*
 * extract_fields: the fields that are one value beside one label -- the
 * invoice number, the invoice and due dates, the payment method and
 * account, a transaction id, a customer code.  Every label of the kind
 * gives candidates (extract_values.c); each is scored by how sure the
 * label is (a strong "Invoice No." over a weak "No."), where the value
 * sits (its own segment over the right over below) and the OCR's
 * confidence, and the best that reads as the field's kind wins.
 */
#include <stdio.h>
#include <string.h>

#include "lib/extract_int.h"
#include "lib/invoice_date.h"

#define NVALUES 3
#define ID_MAX 48	/* an identifier longer than this is prose */

/* The first token of v, trimmed of trailing punctuation. */
static void
first_token(const char **s, size_t *len)
{
	size_t n = 0;

	while (n < *len && (*s)[n] != ' ')
		n++;
	while (n > 0 && strchr(".,;:)", (*s)[n - 1]) != NULL)
		n--;
	*len = n;
}

/* Whether the whole of s is a date: then it is not an identifier. */
static bool
is_date(const char *s, size_t len)
{
	struct invoice_date d;
	enum invoice_date_status st = invoice_date_parse(s, len, NULL, &d);

	return (st == INVOICE_DATE_OK || st == INVOICE_DATE_AMBIGUOUS) && d.offset == 0 && d.length == len;
}

struct best {
	const char *text;
	size_t len;
	double score;
	size_t seg;
};

static void
consider(struct best *b, const char *s, size_t len, double score, size_t seg)
{
	if (score > b->score) {
		*b = (struct best){ s, len, score, seg };
	}
}

/* Whether m's segment is nothing but m. */
static bool
label_alone(const struct xpage *p, const struct xmatch *m)
{
	const struct xseg *s = &p->segs[m->seg];
	const char *rest = s->text + m->raw_end;
	size_t len = s->len - m->raw_end;

	extract_trim_value(&rest, &len);
	return m->fold_start == 0 && s->nmatches == 1 && len == 0;
}

static double
label_weight(const struct xmatch *m)
{
	if (m->label == L_INVOICE_WORD)
		return 0.6;
	return m->strong ? 1.0 : 0.5;
}

static int
find_invoice_number(struct xpage *p, struct invoice *inv)
{
	struct best b = { 0 };

	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		struct xvalue v[NVALUES];
		int n;

		if (m->label != L_INVOICE_NUMBER && m->label != L_INVOICE_WORD)
			continue;
		n = extract_value_text(p, m, v, NVALUES);
		for (int k = 0; k < n; k++) {
			const char *s = v[k].text;
			size_t len = v[k].len;

			first_token(&s, &len);
			if (len == 0 || len > ID_MAX || !extract_has_digit(s, len) || is_date(s, len))
				continue;
			/* a weak label's value: beside it, or under it when the label stands alone (a header) */
			if ((!m->strong || m->label == L_INVOICE_WORD) && (len < 3 ||
			    (v[k].where < 0.9 && !label_alone(p, m))))
				continue;
			consider(&b, s, len, label_weight(m) * v[k].where * (0.5 + p->segs[v[k].seg].conf / 200),
			    v[k].seg);
			break;
		}
	}
	/* "# 10234" under a title read badly ("| N V | E"): the number sign is its label */
	for (size_t i = 0; i < p->nsegs && b.text == NULL; i++) {
		const struct xseg *seg = &p->segs[i];
		const char *s = seg->text + 1;
		size_t len = seg->len - 1;

		if (seg->text[0] != '#' || seg->page != p->segs[0].page || seg->y0 > p->height / 3)
			continue;
		extract_trim_value(&s, &len);
		first_token(&s, &len);
		if (len >= 3 && len <= ID_MAX && extract_has_digit(s, len) && !is_date(s, len))
			consider(&b, s, len, 0.5 * (0.5 + seg->conf / 200), i);
	}
	if (b.text == NULL)
		return 0;
	return extract_set(inv, INVOICE_NUMBER, b.text, b.len, b.score);
}

/* The first date in s with the page's hint; OK or AMBIGUOUS, else NOT_FOUND. */
static enum invoice_date_status
read_date(const struct xpage *p, const struct invoice *inv, const char *s, size_t len, struct invoice_date *d)
{
	struct invoice_date_hint hint = { (enum invoice_date_order)p->date_order, inv->language,
		p->currency[0] != '\0' ? p->currency : NULL };
	char buf[512];
	size_t n = extract_date_text(s, len, buf, sizeof(buf));
	enum invoice_date_status st = invoice_date_parse(buf, n, &hint, d);

	return st == INVOICE_DATE_OK || st == INVOICE_DATE_AMBIGUOUS ? st : INVOICE_DATE_NOT_FOUND;
}

struct date_pick {
	struct invoice_date d;
	enum invoice_date_status st;
	double score;
	size_t seg;
	bool found;
};

static void
find_labelled_date(struct xpage *p, const struct invoice *inv, enum xlabel want, struct date_pick *out)
{
	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		const struct xseg *seg = &p->segs[m->seg];
		struct xvalue v[NVALUES];
		struct invoice_date d;
		enum invoice_date_status st;
		double score;
		int n;

		/* "TOTAL AMOUNT DUE ON August 3, 2014": a total due by a date says the due date */
		if (want == L_DUE_DATE && m->label == L_TOTAL && extract_fold_has(seg->fold, seg->foldlen, "due on") &&
		    (st = read_date(p, inv, seg->text + m->raw_end, m->value_end - m->raw_end, &d)) !=
		    INVOICE_DATE_NOT_FOUND) {
			score = 0.7 * (0.5 + seg->conf / 200);
			if (score > out->score)
				*out = (struct date_pick){ d, st, score, m->seg, true };
			continue;
		}
		if (m->label != want)
			continue;
		/* from the label itself: "Ngày 15 tháng 03 năm 2025" is one phrase */
		st = read_date(p, inv, seg->text + m->raw_start, m->value_end - m->raw_start, &d);
		score = (m->strong ? 1.0 : 0.6) * (0.5 + seg->conf / 200);
		if (st != INVOICE_DATE_NOT_FOUND) {
			if (score > out->score)
				*out = (struct date_pick){ d, st, score, m->seg, true };
			continue;
		}
		n = extract_value_text(p, m, v, NVALUES);
		for (int k = 0; k < n; k++) {
			if ((st = read_date(p, inv, v[k].text, v[k].len, &d)) == INVOICE_DATE_NOT_FOUND)
				continue;
			score = (m->strong ? 1.0 : 0.6) * v[k].where * (0.5 + p->segs[v[k].seg].conf / 200);
			if (score > out->score)
				*out = (struct date_pick){ d, st, score, v[k].seg, true };
			break;
		}
	}
}

/* Whether s holds a time, "21:13", "8:01:11 PM": a receipt prints its date with one. */
static bool
has_time(const char *s, size_t len)
{
	for (size_t i = 1; i + 2 < len; i++)
		if (s[i] == ':' && s[i - 1] >= '0' && s[i - 1] <= '9' && s[i + 1] >= '0' && s[i + 1] <= '5' &&
		    s[i + 2] >= '0' && s[i + 2] <= '9')
			return true;
	return false;
}

/*
 * No label: the first date on the page that is not the due date's, one
 * followed by a time first; none glued to a word ("Hữ03-7 - 15" is a
 * product code read as a date).
 */
static void
find_any_date(struct xpage *p, const struct invoice *inv, size_t not_seg, struct date_pick *out)
{
	for (int pass = 0; pass < 2 && !out->found; pass++)
		for (size_t i = 0; i < p->nsegs && !out->found; i++) {
			const struct xseg *seg = &p->segs[i];
			struct invoice_date d;
			enum invoice_date_status st;
			size_t at = 0;

			if (i == not_seg)
				continue;
			while (at < seg->len && !out->found &&
			    (st = read_date(p, inv, seg->text + at, seg->len - at, &d)) != INVOICE_DATE_NOT_FOUND) {
				size_t start = at + d.offset, end = start + d.length;
				unsigned char before = start > 0 ? (unsigned char)seg->text[start - 1] : ' ';

				if (before != ' ' && before != ':' && before != '(' && before != ',')
					;	/* glued to a word */
				else if (pass == 1 || has_time(seg->text + end, seg->len - end))
					*out = (struct date_pick){ d, st, 0.4 * (0.5 + seg->conf / 200), i, true };
				at = end > at ? end : at + 1;
			}
		}
}

static int
set_date(struct invoice *inv, enum invoice_field f, const struct date_pick *dp)
{
	char reason[160];

	if (!dp->found)
		return 0;
	if (dp->st == INVOICE_DATE_AMBIGUOUS) {
		snprintf(reason, sizeof(reason), "%s: day and month could be read either way (%s taken)",
		    invoice_field_name(f), dp->d.iso);
		inv->needs_review = true;
		if (invoice_add_reason(inv, reason) != 0)
			return -1;
	}
	return extract_set(inv, f, dp->d.iso, 10, dp->st == INVOICE_DATE_AMBIGUOUS ? dp->score * 0.5 : dp->score);
}

static int
find_dates(struct xpage *p, struct invoice *inv)
{
	struct date_pick issue = { 0 }, due = { 0 };

	find_labelled_date(p, inv, L_DUE_DATE, &due);
	find_labelled_date(p, inv, L_DATE, &issue);
	if (!issue.found)
		find_any_date(p, inv, due.found ? due.seg : (size_t)-1, &issue);
	if (set_date(inv, INVOICE_DATE, &issue) != 0 || set_date(inv, INVOICE_DUE_DATE, &due) != 0)
		return -1;
	return 0;
}

/* A short text value beside a label: a payment method, an account, a code. */
static int
find_text(struct xpage *p, struct invoice *inv, enum xlabel want, enum invoice_field f, bool token, bool digits)
{
	struct best b = { 0 };

	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		struct xvalue v[NVALUES];
		int n;

		if (m->label != want)
			continue;
		n = extract_value_text(p, m, v, NVALUES);
		for (int k = 0; k < n; k++) {
			const char *s = v[k].text;
			size_t len = v[k].len;

			if (token)
				first_token(&s, &len);
			if (len == 0 || len > 120 || (digits && !extract_has_digit(s, len)))
				continue;
			consider(&b, s, len, v[k].where * (0.5 + p->segs[v[k].seg].conf / 200), v[k].seg);
			break;
		}
	}
	return b.text == NULL ? 0 : extract_set(inv, f, b.text, b.len, b.score);
}

/*
 * payment_account is the payer's account: the one a label says paid
 * ("Tài khoản nguồn", "From account"), or any account on an e-wallet
 * receipt, which shows the payer's own.  An invoice's "Account No." or IBAN
 * is the seller's, printed to be paid into, and is not it.
 */
static bool
e_wallet(const struct invoice *inv)
{
	const char *t = inv->value[INVOICE_DOCUMENT_TYPE];

	return t != NULL && strcmp(t, "e_wallet_receipt") == 0;
}

int
extract_identifiers(struct xpage *p, struct invoice *inv)
{
	if (find_invoice_number(p, inv) != 0 || find_dates(p, inv) != 0 ||
	    find_text(p, inv, L_PAYMENT_METHOD, INVOICE_PAYMENT_METHOD, false, false) != 0 ||
	    find_text(p, inv, L_PAYER_ACCOUNT, INVOICE_PAYMENT_ACCOUNT, false, true) != 0 ||
	    (inv->value[INVOICE_PAYMENT_ACCOUNT] == NULL && e_wallet(inv) &&
	    find_text(p, inv, L_ACCOUNT, INVOICE_PAYMENT_ACCOUNT, false, true) != 0) ||
	    find_text(p, inv, L_TRANSACTION_ID, INVOICE_TRANSACTION_ID, true, true) != 0 ||
	    find_text(p, inv, L_CUSTOMER_CODE, INVOICE_CUSTOMER_CODE, true, true) != 0)
		return -1;
	return 0;
}
