/*
 * fuzz_money: money_parse() on any bytes, as OCR hands over a word run
 * it thinks is an amount, and the arithmetic on the values it yields.
 * The first byte picks the caller's hint (none, a currency, a decimal
 * mark); the rest is the text.  What lib/money promises is checked
 * independently here:
 *   - a refusal is a known status and leaves text "" and amount 0;
 *   - an accepted amount's text is canonical by the grammar checked
 *     below, within 14 integer digits and 4 decimals, with at least the
 *     currency's minor units, and its currency is "" or a known code;
 *   - that text read by money_from_canonical(), and by money_parse()
 *     with a '.' hint, is the same value; formatted again it is the same
 *     text;
 *   - add then sub gives back the operand, multiplying by 1 and taking
 *     100 % change nothing, and a result either fits or is OVERFLOW.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/money.h"

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* -?(0|[1-9][0-9]{0,13})(\.[0-9]{1,4})?, not "-0" nor "-0.00". */
static int
canonical(const char *s)
{
	size_t i = 0, idig = 0, fdig = 0;
	int nonzero = 0;

	if (s[i] == '-')
		i++;
	if (s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9')
		return 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++, idig++)
		nonzero |= s[i] != '0';
	if (idig == 0 || idig > MONEY_INT_DIGITS)
		return 0;
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++, fdig++)
			nonzero |= s[i] != '0';
		if (fdig == 0 || fdig > MONEY_SCALE)
			return 0;
	}
	if (s[i] != '\0')
		return 0;
	return s[0] != '-' || nonzero;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *currencies[] = { NULL, "VND", "USD", "EUR", "GBP" };
	static const char marks[] = { 0, '.', ',' };
	struct money_hint hint, dot = { NULL, '.' };
	struct money_parsed out, again;
	struct money v, r, one = { 10000 }, hundred = { 1000000 };
	enum money_status st;
	char buf[MONEY_TEXT_MAX];
	int minor;

	if (size == 0)
		return 0;
	hint.currency = currencies[data[0] % 5];
	hint.decimal_mark = marks[(data[0] / 5) % 3];
	st = money_parse((const char *)data + 1, size - 1, data[0] >= 128 ? NULL : &hint, &out);
	if (st != MONEY_OK) {
		check(st > MONEY_OK && st <= MONEY_NOSPACE && st != MONEY_OVERFLOW && st != MONEY_NOSPACE);
		check(out.text[0] == '\0' && out.amount.units == 0 && out.currency[0] == '\0');
		return 0;
	}
	check(canonical(out.text));
	check(out.currency[0] == '\0' || money_minor_units(out.currency) >= 0);
	minor = money_minor_units(out.currency[0] != '\0' ? out.currency :
	    data[0] >= 128 ? NULL : hint.currency);
	check(out.scale >= minor && out.scale <= MONEY_SCALE);
	check(out.confidence == MONEY_SURE || out.confidence == MONEY_BY_CURRENCY ||
	    out.confidence == MONEY_BY_HINT);

	check(money_from_canonical(out.text, strlen(out.text), &v) == MONEY_OK);
	check(v.units == out.amount.units);
	check(money_parse(out.text, strlen(out.text), &dot, &again) == MONEY_OK);
	check(again.amount.units == out.amount.units && again.currency[0] == '\0');
	check(strcmp(again.text, out.text) == 0);
	check(money_format(v, out.scale, buf, sizeof(buf)) == MONEY_OK && strcmp(buf, out.text) == 0);

	if (money_add(v, v, &r) == MONEY_OK) {
		check(money_sub(r, v, &r) == MONEY_OK && r.units == v.units);
	} else
		check(r.units == 0 && (v.units > MONEY_MAX_UNITS / 2 || -v.units > MONEY_MAX_UNITS / 2));
	check(money_mul(v, one, &r) == MONEY_OK && r.units == v.units);
	check(money_percent(v, hundred, &r) == MONEY_OK && r.units == v.units);
	st = money_mul(v, v, &r);
	check(st == MONEY_OK || (st == MONEY_OVERFLOW && r.units == 0));
	check(r.units >= -MONEY_MAX_UNITS && r.units <= MONEY_MAX_UNITS);
	check(money_round(v, minor < 0 ? 0 : minor, &r) == MONEY_OK || r.units == 0);
	check(money_near(v, v, 0, 4) && money_cmp(v, v) == 0);
	return 0;
}
