/*
 * fuzz_invoice_date: the invoice date finder on any bytes, as OCR would
 * hand them over.  Each input is parsed with no hint and with each kind
 * of hint, and what invoice_date_parse() promises is checked here
 * independently: a found date (OK or AMBIGUOUS) is a real calendar date
 * between 1900 and 2099, its iso is exactly "YYYY-MM-DD" of its numbers,
 * and its span is non-empty and within the input; INVALID has a span
 * within the input and no date; NOT_FOUND has neither; where the date is
 * found does not depend on the hint (a hint only picks between two valid
 * readings); only an ambiguous date changes with the hint, and only by
 * swapping day and month; the span parsed alone gives the same date; and
 * the page order is one of the three values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/invoice_date.h"

static int
days_in(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

static void
check_one(size_t size, enum invoice_date_status st, const struct invoice_date *d)
{
	char want[16];

	switch (st) {
	case INVOICE_DATE_OK:
	case INVOICE_DATE_AMBIGUOUS:
		if (d->year < 1900 || d->year > 2099 || d->month < 1 || d->month > 12 || d->day < 1 ||
		    d->day > days_in(d->year, d->month))
			abort();	/* not a calendar date */
		snprintf(want, sizeof(want), "%04d-%02d-%02d", d->year, d->month, d->day);
		if (strcmp(want, d->iso) != 0)
			abort();	/* iso is not the date's numbers */
		if (d->length == 0 || d->offset > size || d->length > size - d->offset)
			abort();	/* the span is outside the input */
		if (st == INVOICE_DATE_AMBIGUOUS && d->basis != INVOICE_DATE_BY_DEFAULT)
			abort();
		break;
	case INVOICE_DATE_INVALID:
		if (d->iso[0] != '\0' || d->length == 0 || d->offset > size || d->length > size - d->offset)
			abort();
		break;
	case INVOICE_DATE_NOT_FOUND:
		if (d->iso[0] != '\0' || d->offset != 0 || d->length != 0)
			abort();
		break;
	default:
		abort();	/* a status the header does not declare */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct invoice_date_hint hints[] = {
		{ INVOICE_DATE_ORDER_DMY, NULL, NULL },
		{ INVOICE_DATE_ORDER_MDY, NULL, NULL },
		{ INVOICE_DATE_ORDER_UNKNOWN, "vi", NULL },
		{ INVOICE_DATE_ORDER_UNKNOWN, NULL, "USD" },
		{ INVOICE_DATE_ORDER_UNKNOWN, "en", "VND" },
	};
	const char *s = (const char *)data;
	struct invoice_date base, d, alone;
	enum invoice_date_status st, st0;
	enum invoice_date_order order;

	st0 = invoice_date_parse(s, size, NULL, &base);
	check_one(size, st0, &base);
	for (size_t k = 0; k < sizeof(hints) / sizeof(hints[0]); k++) {
		st = invoice_date_parse(s, size, &hints[k], &d);
		check_one(size, st, &d);
		if ((st == INVOICE_DATE_NOT_FOUND) != (st0 == INVOICE_DATE_NOT_FOUND) ||
		    (st == INVOICE_DATE_INVALID) != (st0 == INVOICE_DATE_INVALID))
			abort();	/* the hint changed whether there is a date */
		if (st == INVOICE_DATE_AMBIGUOUS)
			abort();	/* every hint above decides */
		if (d.offset != base.offset || d.length != base.length || d.year != base.year)
			abort();	/* the hint moved the date */
		if (st0 == INVOICE_DATE_OK && strcmp(d.iso, base.iso) != 0)
			abort();	/* the hint changed a date that was certain */
		if (st0 == INVOICE_DATE_AMBIGUOUS && !(d.day == base.day && d.month == base.month) &&
		    !(d.day == base.month && d.month == base.day))
			abort();	/* a hint may only swap day and month */
	}
	if (st0 == INVOICE_DATE_OK || st0 == INVOICE_DATE_AMBIGUOUS) {
		st = invoice_date_parse(s + base.offset, base.length, NULL, &alone);
		if (st != st0 || alone.offset != 0 || alone.length != base.length || strcmp(alone.iso, base.iso) != 0)
			abort();	/* the span alone is not the same date */
	}
	order = invoice_date_order_from(s, size);
	if (order != INVOICE_DATE_ORDER_UNKNOWN && order != INVOICE_DATE_ORDER_DMY && order != INVOICE_DATE_ORDER_MDY)
		abort();
	return 0;
}
