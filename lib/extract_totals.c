/*
 * extract_totals: the totals block -- subtotal, tax rate, tax, total --
 * and the amount in words.
 *
 * Each label of the block gives its candidate amounts (the rightmost
 * amount of its value: "Sales Tax (8%)  $786.80"); a page has several
 * "Total"s (a column header, "Total excl. tax" read badly, a receipt's
 * "Total" before rounding), so the few best candidates of each field are
 * kept and the three are chosen together: the choice where subtotal + tax
 * = total wins over a slightly better-placed one where it does not
 * (extract_check.c then says how sure that is).  A rate is read from the
 * label's gloss ("Tax (8%)") or a rate label; 0 % is a rate too.
 */
#include <stdio.h>
#include <string.h>

#include "lib/amount_words.h"
#include "lib/extract_int.h"

#define NVALUES 3

/* "33, 92": an amount OCR split after its decimal mark, tokens t and t + 1 of s, joined and read. */
static bool
split_decimals(const struct xpage *p, const char *s, const size_t *starts, size_t ns, size_t len, size_t t,
    struct money_parsed *out)
{
	size_t a = starts[t], b = starts[t + 1], bend = t + 2 < ns ? starts[t + 2] - 1 : len;
	char buf[64];

	if (b - 1 - a < 2 || b - 1 - a + 2 >= sizeof(buf) || (s[b - 2] != ',' && s[b - 2] != '.') ||
	    bend - b != 2 || s[b] < '0' || s[b] > '9' || s[b + 1] < '0' || s[b + 1] > '9')
		return false;
	memcpy(buf, s + a, b - 1 - a);
	memcpy(buf + (b - 1 - a), s + b, 2);
	return extract_money(p, buf, b - 1 - a + 2, out);
}

/*
 * The rightmost amount in s: tokens tried alone and with the token after
 * them (a currency, or a group of a spaced number), longest first.
 */
bool
extract_last_amount(const struct xpage *p, const char *s, size_t len, struct money_parsed *out)
{
	size_t starts[64], ns = 0;
	bool found = false;

	for (size_t i = 0; i < len && ns < 64; i++)
		if (s[i] != ' ' && (i == 0 || s[i - 1] == ' '))
			starts[ns++] = i;
	for (size_t t = ns; t-- > 0 && !found;) {
		if (t > 0 && split_decimals(p, s, starts, ns, len, t - 1, out))
			return true;
		for (size_t k = t + 3 < ns ? t + 3 : ns; k > t && !found; k--) {
			size_t end = k < ns ? starts[k] - 1 : len;
			struct money_parsed m;

			if (extract_money(p, s + starts[t], end - starts[t], &m)) {
				*out = m;
				found = true;
			}
		}
	}
	return found;
}

/*
 * A totals row may go on in columns ("Total  24.99  5.00  29.99": excl.
 * tax, tax, incl. tax): the last amount right of seg before another label
 * is the label's.  Returns the segment it is in (seg when none is), *out
 * the amount and *found set when there is one.
 */
static size_t
rightmost_amount(const struct xpage *p, size_t seg, struct money_parsed *out, bool *found)
{
	size_t s = seg;

	while ((s = extract_seg_right(p, s)) != (size_t)-1 && !extract_seg_starts_with_label(p, s)) {
		struct money_parsed m;

		if (extract_last_amount(p, p->segs[s].text, p->segs[s].len, &m)) {
			*out = m;
			*found = true;
			seg = s;
		}
	}
	return seg;
}

int
extract_total_candidates(const struct xpage *p, enum xlabel want, struct amount_candidate *c, int nmax)
{
	int n = 0;

	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		struct xvalue v[NVALUES];
		int nv;

		if (m->label != want)
			continue;
		nv = extract_value_text(p, m, v, NVALUES);
		for (int k = 0; k < nv; k++) {
			struct money_parsed mp;
			bool found = extract_last_amount(p, v[k].text, v[k].len, &mp);
			double score;

			/* on the label's row, the last amount is the label's ("Tax 15% on $112.90  $16.94") */
			if (v[k].where >= 0.9) {
				size_t from = v[k].where == 1.0 ? m->seg : extract_seg_right(p, m->seg);
				size_t at = rightmost_amount(p, from, &mp, &found);

				if (found && at != m->seg)
					v[k] = (struct xvalue){ at, p->segs[at].text, p->segs[at].len, 0.9 };
			}
			if (!found)
				continue;
			/* later on the page is more likely the block's last word */
			score = v[k].where * (0.5 + p->segs[v[k].seg].conf / 200) *
			    (0.9 + 0.1 * (double)m->seg / (double)p->nsegs);
			if (n < nmax) {
				c[n++] = (struct amount_candidate){ .m = mp, .score = score, .seg = m->seg, .match = i };
			} else {
				int worst = 0;

				for (int j = 1; j < n; j++)
					if (c[j].score < c[worst].score)
						worst = j;
				if (score > c[worst].score)
					c[worst] = (struct amount_candidate){ .m = mp, .score = score, .seg = m->seg, .match = i };
			}
			break;
		}
	}
	return n;
}

/* The rate in a text like "8%", "7.25 %", "10": 0..100 as canonical text; false when none. */
static bool
read_rate(const char *s, size_t len, bool need_percent, char *out, size_t size)
{
	for (size_t i = 0; i < len; i++) {
		size_t j = i, dot = 0;
		char digits[16];
		size_t nd = 0;
		int whole = 0;

		if (s[i] < '0' || s[i] > '9' || (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'))
			continue;
		while (j < len && nd + 1 < sizeof(digits) && ((s[j] >= '0' && s[j] <= '9') ||
		    ((s[j] == '.' || s[j] == ',') && !dot && j + 1 < len && s[j + 1] >= '0' && s[j + 1] <= '9'))) {
			if (s[j] == '.' || s[j] == ',') {
				dot = nd;
				digits[nd++] = '.';
			} else {
				digits[nd++] = s[j];
				if (!dot)
					whole = whole * 10 + (s[j] - '0');
			}
			j++;
		}
		digits[nd] = '\0';
		while (j < len && s[j] == ' ')
			j++;
		if (need_percent && (j >= len || s[j] != '%'))
			continue;
		if (whole > 100 || (dot == 0 && nd > 3))
			continue;
		struct money m;
		if (money_from_canonical(digits, nd, &m) != MONEY_OK)
			continue;
		return money_format(m, 0, out, size) == MONEY_OK;
	}
	return false;
}

/* The last rate on the page: the totals block's, below any item's note ("Tax: 0.2%"). */
static void
find_rate(struct xpage *p, char *rate, size_t size, double *conf)
{
	for (size_t i = p->nmatches; i-- > 0;) {
		const struct xmatch *m = &p->matches[i];
		const struct xseg *s = &p->segs[m->seg];
		struct xvalue v[NVALUES];

		if (m->label == L_TAX && m->gloss_end > m->gloss_start &&
		    read_rate(s->text + m->gloss_start, m->gloss_end - m->gloss_start, true, rate, size)) {
			*conf = 0.8;
			return;
		}
		/* "BTW 21%  € 124,61", "VAT 10 %": the rate right after a tax label */
		if (m->label == L_TAX && m->value_end > m->raw_end &&
		    read_rate(s->text + m->raw_end, m->value_end - m->raw_end < 8 ? m->value_end - m->raw_end : 8,
		    true, rate, size)) {
			*conf = 0.7;
			return;
		}
		if (m->label == L_TAX_RATE && extract_value_text(p, m, v, 1) == 1 &&
		    read_rate(v[0].text, v[0].len, v[0].where < 1, rate, size)) {
			*conf = 0.8;
			return;
		}
	}
	*conf = 0;
}

static void
find_amount_in_words(struct xpage *p)
{
	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		struct xvalue v[NVALUES];
		struct amount_words aw;

		if (m->label != L_AMOUNT_WORDS || extract_value_text(p, m, v, 1) != 1)
			continue;
		if ((p->vietnamese ? amount_words_vi(v[0].text, v[0].len, &aw) :
		    amount_words_en(v[0].text, v[0].len, &aw)) == AMOUNT_WORDS_OK &&
		    money_from_canonical(aw.decimal, strlen(aw.decimal), &p->words_amount) == MONEY_OK) {
			p->has_words_amount = true;
			return;
		}
	}
}

/* The lowest totals label on the page: below it is the footer. */
static void
find_footer(struct xpage *p)
{
	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xseg *s = &p->segs[p->matches[i].seg];

		if ((p->matches[i].label == L_TOTAL || p->matches[i].label == L_AMOUNT_WORDS) &&
		    (s->page > p->footer_page || (s->page == p->footer_page && s->y1 > p->footer_y))) {
			p->footer_page = s->page;
			p->footer_y = s->y1;
		}
	}
}

int
extract_totals(struct xpage *p, struct invoice *inv)
{
	char rate[MONEY_TEXT_MAX];
	double rate_conf;

	find_footer(p);
	find_amount_in_words(p);
	find_rate(p, rate, sizeof(rate), &rate_conf);
	if (rate_conf > 0 && extract_set(inv, INVOICE_TAX_RATE, rate, strlen(rate), rate_conf) != 0)
		return -1;
	p->nsub = extract_total_candidates(p, L_SUBTOTAL, p->sub, EXTRACT_NCANDIDATES);
	p->ntax = extract_total_candidates(p, L_TAX, p->tax, EXTRACT_NCANDIDATES);
	p->ntotal = extract_total_candidates(p, L_TOTAL, p->total, EXTRACT_NCANDIDATES);
	extract_total_evidence(p);
	return 0;
}
