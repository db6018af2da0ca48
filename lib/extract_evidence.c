/*
 * extract_evidence: what else on a page speaks for one totals candidate
 * over another, mostly on receipts, whose scans OCR reads worst.
 *
 * - A rounding line ("Rounding Adj. -0.02") between the total and the
 *   rounded total: the rounded one is what was paid.
 * - The cash tendered less the change given is the total paid.
 * - An amount printed again elsewhere (the single item's amount, a
 *   "Total Sales" line) was read the same twice: a misread digit ("9.60"
 *   for "9.00") rarely is.
 * - A decimal point OCR lost ("900", "5142" where the page's other totals
 *   have cents) is put back as a second reading of the amount; the
 *   cross-checks (subtotal + tax = total, the above) choose between them.
 * - A total read less surely than the subtotal and the tax, which add up
 *   to it but for one digit ("64.50" where 51.42 + 3.08 make 54.50), is
 *   read as their sum too, a second candidate: OCR takes 5 for 6 and 8
 *   for 3; a subtotal and a tax that agree do not err alike.
 * - A totals row in columns ("Total  278.61  40.39  319.00", under "Net,
 *   Tax, Total" headers) whose last three amounts add up gives the
 *   subtotal and the tax too.
 * The scores are read by extract_check.c's choice; nothing here sets a
 * field.
 */
#include <string.h>

#include "lib/extract_int.h"

#define NVALUES 3

/* The amount on the value of the first label of kind want; false when none. */
static bool
labelled_amount(const struct xpage *p, enum xlabel want, struct money *out)
{
	for (size_t i = 0; i < p->nmatches; i++) {
		struct xvalue v[NVALUES];
		struct money_parsed m;
		int n;

		if (p->matches[i].label != want)
			continue;
		n = extract_value_text(p, &p->matches[i], v, NVALUES);
		for (int k = 0; k < n; k++)
			if (v[k].where >= 0.9 && extract_last_amount(p, v[k].text, v[k].len, &m)) {
				*out = m.amount;
				return true;
			}
	}
	return false;
}

static bool
any_in_cents(const struct amount_candidate *c, int n)
{
	for (int i = 0; i < n; i++)
		if (c[i].m.printed_decimals == 2)
			return true;
	return false;
}

/*
 * "900" read as "9.00" too: the whole number with its last two digits as
 * cents, a second candidate beside the first, which is trusted less.
 */
static int
restore_cents(struct amount_candidate *c, int n, int nmax)
{
	int n0 = n;

	for (int i = 0; i < n0; i++) {
		struct amount_candidate alt = c[i];
		int64_t whole = c[i].m.amount.units / 10000;

		if (c[i].m.printed_decimals != 0 || whole < 100 || whole > 99999 || c[i].m.amount.units % 10000 != 0)
			continue;
		alt.m.amount.units = whole * 100;
		if (money_format(alt.m.amount, 2, alt.m.text, sizeof(alt.m.text)) != MONEY_OK)
			continue;
		alt.m.scale = alt.m.printed_decimals = 2;
		alt.restored = true;
		alt.score = c[i].score * 0.95;
		c[i].score *= 0.7;
		if (n < nmax) {
			c[n++] = alt;
		} else {
			int worst = 0;

			for (int j = 1; j < n; j++)
				if (c[j].score < c[worst].score)
					worst = j;
			if (alt.score > c[worst].score)
				c[worst] = alt;
		}
	}
	return n;
}

/* In how many segments other than its own c's amount is printed (restored: its own reads otherwise). */
static int
echoes(const struct xpage *p, const struct amount_candidate *c)
{
	int seen = 0;

	if (c->m.amount.units == 0)
		return 0;
	for (size_t i = 0; i < p->nsegs; i++) {
		struct money_parsed m;

		if (extract_last_amount(p, p->segs[i].text, p->segs[i].len, &m) &&
		    money_cmp(m.amount, c->m.amount) == 0)
			seen++;
	}
	return c->restored || seen == 0 ? seen : seen - 1;
}

/* Adds c to the list of n candidates if there is room; the new count. */
static int
add_candidate(struct amount_candidate *list, int n, const struct amount_candidate *c)
{
	for (int i = 0; i < n; i++)
		if (money_cmp(list[i].m.amount, c->m.amount) == 0)
			return n;
	if (n < EXTRACT_NCANDIDATES)
		list[n++] = *c;
	return n;
}

/* The amounts of the tokens of s, appended to a (at most max); the new count. */
static int
token_amounts(const struct xpage *p, const char *s, size_t len, struct money_parsed *a, int n, int max)
{
	for (size_t i = 0; i < len && n < max;) {
		size_t e = i;

		while (e < len && s[e] != ' ')
			e++;
		if (e > i && extract_money(p, s + i, e - i, &a[n]))
			n++;
		i = e + 1;
	}
	return n;
}

/* The digits of s (at most size - 1 of them), as a string. */
static void
digits_of(const char *s, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++)
		if (s[i] >= '0' && s[i] <= '9')
			out[n++] = s[i];
	out[n] = '\0';
}

/*
 * How surely the amount of c was read: the least confidence of the words
 * whose digits are its digits, 100 when no word is (then it was read
 * across words, and says nothing against the others).
 */
static double
digits_conf(const struct xpage *p, const struct amount_candidate *c)
{
	char want[MONEY_TEXT_MAX], got[MONEY_TEXT_MAX];
	double conf = 100;

	digits_of(c->m.text, strlen(c->m.text), want, sizeof(want));
	for (size_t i = 0; want[0] != '\0' && i < p->nwords; i++) {
		digits_of(p->words[i].text, p->words[i].len, got, sizeof(got));
		if (strcmp(got, want) == 0 && p->words[i].conf < conf)
			conf = p->words[i].conf;
	}
	return conf;
}

/* Whether canonical amounts a and b differ in exactly one digit, in place. */
static bool
one_digit_apart(const char *a, const char *b)
{
	int differ = 0;

	if (strlen(a) != strlen(b))
		return false;
	for (; *a != '\0'; a++, b++)
		if (*a != *b && (++differ > 1 || *a < '0' || *a > '9' || *b < '0' || *b > '9'))
			return false;
	return differ == 1;
}

/* A second reading of each total a digit off subtotal + tax, read less surely than both. */
static void
misread_totals(struct xpage *p)
{
	double sconf[EXTRACT_NCANDIDATES], xconf[EXTRACT_NCANDIDATES];
	int n0 = p->ntotal;

	/* each a walk over the page's words: once per candidate, not per combination */
	for (int s = 0; s < p->nsub; s++)
		sconf[s] = digits_conf(p, &p->sub[s]);
	for (int t = 0; t < p->ntax; t++)
		xconf[t] = digits_conf(p, &p->tax[t]);
	for (int i = 0; i < n0; i++) {
		double tconf = digits_conf(p, &p->total[i]);

		for (int s = 0; s < p->nsub; s++)
			for (int t = 0; t < p->ntax; t++) {
				struct amount_candidate alt = p->total[i];
				struct money sum;

				if (p->sub[s].seg == p->tax[t].seg || p->sub[s].seg == alt.seg || p->tax[t].seg == alt.seg ||
				    money_add(p->sub[s].m.amount, p->tax[t].m.amount, &sum) != MONEY_OK || sum.units <= 0 ||
				    money_format(sum, alt.m.printed_decimals, alt.m.text, sizeof(alt.m.text)) != MONEY_OK ||
				    !one_digit_apart(alt.m.text, p->total[i].m.text) ||
				    tconf >= sconf[s] || tconf >= xconf[t])
					continue;
				alt.m.amount = sum;
				alt.misread = true;
				alt.score = p->total[i].score * 0.9;
				p->ntotal = add_candidate(p->total, p->ntotal, &alt);
			}
	}
}

/* "Total  278.61  40.39  319.00": net, tax and gross in columns, the last three adding up. */
static void
columned_totals(struct xpage *p)
{
	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		const struct xseg *seg = &p->segs[m->seg];
		struct money_parsed a[8];
		struct money sum;
		int n = token_amounts(p, seg->text + m->raw_end, m->value_end - m->raw_end, a, 0, 8);
		double score = 0.8 * (0.5 + seg->conf / 200);

		if (m->label != L_TOTAL || m->value_end != seg->len)
			continue;
		for (size_t s = extract_seg_right(p, m->seg); s != (size_t)-1 && !extract_seg_starts_with_label(p, s);
		    s = extract_seg_right(p, s))
			n = token_amounts(p, p->segs[s].text, p->segs[s].len, a, n, 8);
		if (n < 3 || a[n - 3].amount.units <= 0 || a[n - 2].amount.units < 0 ||
		    money_add(a[n - 3].amount, a[n - 2].amount, &sum) != MONEY_OK ||
		    !money_near(sum, a[n - 1].amount, 1, 2))
			continue;
		/* one label, three amounts: told apart by "match" numbers past the labels' */
		p->nsub = add_candidate(p->sub, p->nsub,
		    &(struct amount_candidate){ .m = a[n - 3], .score = score, .seg = m->seg,
		    .match = p->nmatches + 2 * i });
		p->ntax = add_candidate(p->tax, p->ntax,
		    &(struct amount_candidate){ .m = a[n - 2], .score = score, .seg = m->seg,
		    .match = p->nmatches + 2 * i + 1 });
	}
}

void
extract_total_evidence(struct xpage *p)
{
	struct money cash, change;

	p->has_rounding = labelled_amount(p, L_ROUNDING, &p->rounding);
	p->has_tendered = labelled_amount(p, L_CASH, &cash) && labelled_amount(p, L_CHANGE, &change) &&
	    money_sub(cash, change, &p->tendered) == MONEY_OK && p->tendered.units > 0;
	if (any_in_cents(p->sub, p->nsub) || any_in_cents(p->tax, p->ntax) || any_in_cents(p->total, p->ntotal)) {
		p->nsub = restore_cents(p->sub, p->nsub, EXTRACT_NCANDIDATES);
		p->ntax = restore_cents(p->tax, p->ntax, EXTRACT_NCANDIDATES);
		p->ntotal = restore_cents(p->total, p->ntotal, EXTRACT_NCANDIDATES);
	}
	columned_totals(p);
	misread_totals(p);
	for (int i = 0; i < p->ntotal; i++)
		p->total[i].echoes = echoes(p, &p->total[i]);
}
