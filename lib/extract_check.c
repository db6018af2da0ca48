/*
 * extract_check: the totals chosen together, and the cross-checks an
 * invoice carries in itself, with lib/money's exact arithmetic --
 * subtotal + tax = total, the line amounts add up to the subtotal,
 * quantity x unit price = amount, rate x subtotal = tax, and the amount
 * in words is the total.  What agrees raises the confidence of the fields
 * involved; what disagrees sets needs_review with a reason naming them.
 * Nothing is derived: a field not printed stays empty even when the
 * others would give it.
 *
 * Printed amounts are rounded, so "equal" is within one unit of the
 * currency's last decimal (a cent, a đồng); a rate times a subtotal
 * within one unit per line item, as VAT is often rounded per line.
 */
#include <stdio.h>
#include <string.h>

#include "lib/extract_int.h"

static int
decimals(const struct xpage *p)
{
	int d = money_minor_units(p->currency);

	return d < 0 ? 2 : d;
}

static bool
near(const struct xpage *p, struct money a, struct money b, int64_t tolerance)
{
	return money_near(a, b, tolerance, decimals(p));
}

/* Whether sub + tax = total. */
static bool
adds_up(const struct xpage *p, const struct amount_candidate *s, const struct amount_candidate *t,
    const struct amount_candidate *tot)
{
	struct money sum;

	return s != NULL && t != NULL && tot != NULL && money_add(s->m.amount, t->m.amount, &sum) == MONEY_OK &&
	    near(p, sum, tot->m.amount, 1);
}

static bool
distinct(const struct amount_candidate *a, const struct amount_candidate *b)
{
	return a == NULL || b == NULL || a->seg != b->seg || a->match != b->match;
}

struct choice {
	const struct amount_candidate *sub, *tax, *total;
	double score;
};

/* What a receipt says for total candidate c (extract_evidence.c). */
static double
receipt_evidence(const struct xpage *p, const struct amount_candidate *c)
{
	/* a receipt prints its total again: the items' sum, the cash, the card slip */
	double bonus = 0.3 * (c->echoes < 2 ? c->echoes : 2);
	struct money diff;

	if (p->has_tendered && near(p, c->m.amount, p->tendered, 0))
		bonus += 1;
	/* the rounded total: below another total, and apart from it by the rounding (its sign OCR may drop) */
	for (int i = 0; p->has_rounding && p->rounding.units != 0 && i < p->ntotal; i++)
		if (p->total[i].seg < c->seg && money_sub(c->m.amount, p->total[i].m.amount, &diff) == MONEY_OK &&
		    (near(p, diff, p->rounding, 0) || (money_sub(p->total[i].m.amount, c->m.amount, &diff) == MONEY_OK &&
		    near(p, diff, p->rounding, 0)))) {
			bonus += 1;
			break;
		}
	return bonus;
}

/* Every combination of at most 6 x 6 x 6 candidates (and none): the best score. */
static struct choice
choose(const struct xpage *p)
{
	struct choice best = { 0 };

	for (int i = -1; i < p->nsub; i++)
		for (int j = -1; j < p->ntax; j++)
			for (int k = -1; k < p->ntotal; k++) {
				struct choice c = { i >= 0 ? &p->sub[i] : NULL, j >= 0 ? &p->tax[j] : NULL,
					k >= 0 ? &p->total[k] : NULL, 0 };

				if (!distinct(c.sub, c.tax) || !distinct(c.sub, c.total) || !distinct(c.tax, c.total))
					continue;
				c.score = (c.sub ? c.sub->score : 0) + (c.tax ? c.tax->score : 0) +
				    (c.total ? c.total->score * 1.5 : 0);
				if (adds_up(p, c.sub, c.tax, c.total))
					c.score += 2;
				if (c.total)
					c.score += receipt_evidence(p, c.total);
				if (c.total && p->has_words_amount && near(p, c.total->m.amount, p->words_amount, 0))
					c.score += 1.5;
				/* a total below its subtotal is no total */
				if (c.total && c.sub && money_cmp(c.total->m.amount, c.sub->m.amount) < 0)
					c.score -= 1;
				if (c.score > best.score)
					best = c;
			}
	return best;
}

static int
flag(struct invoice *inv, const char *reason)
{
	inv->needs_review = true;
	return invoice_add_reason(inv, reason);
}

static int
set_amount(struct invoice *inv, enum invoice_field f, const struct amount_candidate *c, double bonus)
{
	double conf = c->score + bonus;

	return extract_set(inv, f, c->m.text, strlen(c->m.text), conf > 1 ? 1 : conf);
}

/* The line items against each other and against the subtotal. */
static int
check_items(const struct xpage *p, struct invoice *inv, const struct amount_candidate *sub,
    const struct amount_candidate *total, double *bonus)
{
	struct money sum = { 0 }, a, q, u, prod;
	bool all = inv->nitems > 0;
	char reason[160];

	for (size_t i = 0; i < inv->nitems; i++) {
		const struct invoice_line_item *it = &inv->items[i];

		if (it->amount == NULL || money_from_canonical(it->amount, strlen(it->amount), &a) != MONEY_OK) {
			all = false;
			continue;
		}
		if (money_add(sum, a, &sum) != MONEY_OK)
			all = false;
		if (it->quantity != NULL && it->unit_price != NULL &&
		    money_from_canonical(it->quantity, strlen(it->quantity), &q) == MONEY_OK &&
		    money_from_canonical(it->unit_price, strlen(it->unit_price), &u) == MONEY_OK &&
		    money_mul(u, q, &prod) == MONEY_OK && !near(p, prod, a, 1)) {
			snprintf(reason, sizeof(reason), "line item %zu: quantity x unit_price is not its amount", i + 1);
			if (flag(inv, reason) != 0)
				return -1;
		}
	}
	if (!all)
		return 0;
	if (sub != NULL) {
		if (near(p, sum, sub->m.amount, (int64_t)inv->nitems)) {
			*bonus = 0.2;
			inv->items_confidence = 0.9;
		} else if (flag(inv, "line items: their amounts do not add up to the subtotal") != 0)
			return -1;
	} else if (total != NULL && near(p, sum, total->m.amount, (int64_t)inv->nitems))
		inv->items_confidence = 0.85;
	return 0;
}

int
extract_check(struct xpage *p, struct invoice *inv)
{
	struct choice c = choose(p);
	double sub_bonus = 0, tax_bonus = 0, total_bonus = 0;
	struct money expect;

	if (c.sub && c.tax && c.total) {
		if (adds_up(p, c.sub, c.tax, c.total))
			sub_bonus = tax_bonus = total_bonus = 0.3;
		else if (flag(inv, "subtotal + tax_amount is not the total") != 0)
			return -1;
	}
	if (c.total && p->has_words_amount) {
		if (near(p, c.total->m.amount, p->words_amount, 0))
			total_bonus += 0.3;
		else if (flag(inv, "total: the amount in words says otherwise") != 0)
			return -1;
	}
	if (c.sub && c.tax && inv->value[INVOICE_TAX_RATE] != NULL) {
		struct money rate;

		if (money_from_canonical(inv->value[INVOICE_TAX_RATE], strlen(inv->value[INVOICE_TAX_RATE]),
		    &rate) == MONEY_OK && money_percent(c.sub->m.amount, rate, &expect) == MONEY_OK) {
			if (near(p, expect, c.tax->m.amount, inv->nitems > 1 ? (int64_t)inv->nitems : 1))
				tax_bonus += 0.1;
			else if (flag(inv, "tax_rate x subtotal is not the tax_amount") != 0)
				return -1;
		}
	}
	if (check_items(p, inv, c.sub, c.total, &sub_bonus) != 0)
		return -1;
	if ((c.sub && set_amount(inv, INVOICE_SUBTOTAL, c.sub, sub_bonus) != 0) ||
	    (c.tax && set_amount(inv, INVOICE_TAX_AMOUNT, c.tax, tax_bonus) != 0) ||
	    (c.total && set_amount(inv, INVOICE_TOTAL, c.total, total_bonus) != 0))
		return -1;
	if (c.total == NULL && flag(inv, "total: not found") != 0)
		return -1;
	if (((c.sub && c.sub->restored) || (c.tax && c.tax->restored) || (c.total && c.total->restored)) &&
	    flag(inv, "totals: a decimal point OCR lost was put back") != 0)
		return -1;
	if (c.total && c.total->misread && flag(inv, "total: a digit OCR misread was read from subtotal + tax") != 0)
		return -1;
	return 0;
}
