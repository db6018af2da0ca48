/*
 * invoice_date: finds the date printed in a span of an invoice's OCR text
 * and gives it as "YYYY-MM-DD", the form the Invoices API stores.
 *
 * A pure module: no I/O, no locale, no allocation, no global state; the
 * same bytes and hint always give the same answer.  It reads OCR text,
 * which is hostile input: any bytes (not only UTF-8, NUL included) are
 * taken, every read is bounded by the length given, and nothing beyond
 * it is read.
 *
 * What it reads (case does not matter):
 *   2025-03-15  2025/03/15  2025.03.15           year first: always Y-M-D
 *   15/03/2025  15-03-2025  15.03.2025  15/03/25  day and month by number:
 *                                                 day-first or month-first,
 *                                                 see "ambiguity" below
 *   15 Mar 2025  15-Mar-2025  15th March 2025  15 Sept. 2025
 *   Mar 15, 2025  March 15 2025  Sept 15th, 2025
 *   Ngày 15 tháng 03 năm 2025   15 tháng 3 năm 2025   15 tháng 3, 2025
 *     (Vietnamese: ngày/tháng/năm precomposed, with combining marks
 *     U+0300..U+036F, or without marks as OCR often leaves them; any
 *     spacing, none included; an English gloss in parentheses after each
 *     word, "Ngày (Date) 15 tháng (Month) 03 năm (Year) 2025", as
 *     bilingual VAT invoices print it, is skipped.)
 *
 * Two-digit years pivot as POSIX strptime's %y does: 00..68 are 2000..2068,
 * 69..99 are 1969..1999.  Four-digit years are taken from 1900 to 2099;
 * others make the date INVALID.  A two-digit year is read only last:
 * 25-03-15 is the 25th of March 2015, never YY-MM-DD.
 *
 * Ambiguity: in 03/04/2025 either number may be the day.  A first number
 * above 12 makes it day-first, a second above 12 month-first, equal
 * numbers read the same both ways.  Otherwise the hint decides, first
 * what decides first:
 *   1. the page: other dates on it that decided themselves
 *      (invoice_date_order_from());
 *   2. the language: "vi" is day-first (other languages decide nothing:
 *      English is written both ways);
 *   3. the currency: "USD" is month-first; "VND", "EUR", "GBP" and the
 *      other currencies of day-first countries listed in invoice_date.c
 *      are day-first; others decide nothing.
 * When nothing decides, the status is INVOICE_DATE_AMBIGUOUS and the
 * date is the day-first reading (the usual one on the invoices we see).
 */
#ifndef QUILL_INVOICE_DATE_H
#define QUILL_INVOICE_DATE_H

#include <stddef.h>

enum invoice_date_status {
	INVOICE_DATE_OK,		/* a date was found and its reading is certain */
	INVOICE_DATE_AMBIGUOUS,		/* found, day and month undecided: the day-first reading */
	INVOICE_DATE_INVALID,		/* only date-shaped text that is no calendar date (30/02/2025) */
	INVOICE_DATE_NOT_FOUND,		/* nothing date-shaped in the span */
};

enum invoice_date_order {
	INVOICE_DATE_ORDER_UNKNOWN,
	INVOICE_DATE_ORDER_DMY,		/* day first: 25/03/2025 */
	INVOICE_DATE_ORDER_MDY,		/* month first: 03/25/2025 */
};

/* What decided the day and the month of a found date. */
enum invoice_date_basis {
	INVOICE_DATE_BY_FORMAT,		/* the format leaves no choice: ISO, a month name, tháng */
	INVOICE_DATE_BY_NUMBERS,	/* a number above 12, or day and month equal */
	INVOICE_DATE_BY_PAGE,		/* hint->page_order */
	INVOICE_DATE_BY_LANGUAGE,	/* hint->language */
	INVOICE_DATE_BY_CURRENCY,	/* hint->currency */
	INVOICE_DATE_BY_DEFAULT,	/* nothing: day-first, and the status says AMBIGUOUS */
};

/* What the caller knows about the page; every member may be left empty. */
struct invoice_date_hint {
	enum invoice_date_order page_order;	/* from invoice_date_order_from(), or UNKNOWN */
	const char *language;			/* "vi", "en", ...; NULL if not known */
	const char *currency;			/* ISO 4217, "VND", "USD", ...; NULL if not known */
};

struct invoice_date {
	int year, month, day;
	char iso[11];		/* "YYYY-MM-DD", NUL-terminated; "" unless OK or AMBIGUOUS */
	size_t offset, length;	/* where the date is in the span (also for INVALID) */
	enum invoice_date_basis basis;
};

/*
 * Finds the first date in the len bytes at s.  OK and AMBIGUOUS fill all
 * of *out; INVALID (returned only when the span holds no valid date) gives
 * the first date-shaped text's offset and length, so that a caller can
 * say what was refused; NOT_FOUND zeroes *out (iso "", span 0).
 * The next date of the text is found by calling again after
 * out->offset + out->length.  hint may be NULL.
 */
enum invoice_date_status invoice_date_parse(const char *s, size_t len,
    const struct invoice_date_hint *hint, struct invoice_date *out);

/*
 * The order the dates of a page are written in, from those whose numbers
 * decide it (25/03/2025 is day-first, 03/25/2025 month-first): UNKNOWN
 * when none does or when they disagree.
 */
enum invoice_date_order invoice_date_order_from(const char *s, size_t len);

/* A status's name for a log line: "ok", "ambiguous", "invalid", "not found". */
const char *invoice_date_status_name(enum invoice_date_status st);

#endif
