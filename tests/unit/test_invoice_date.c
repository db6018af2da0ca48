/*
 * Unit tests for lib/invoice_date: every format the header lists reads
 * as its "YYYY-MM-DD"; day/month ambiguity is decided by the numbers,
 * then the page, the language, the currency, else flagged with the
 * day-first reading; impossible and malformed dates are refused; a date
 * is found inside a line of text, with its offset and length; Vietnamese
 * reads the same precomposed, with combining marks and without marks.
 */
#include <string.h>

#include "lib/invoice_date.h"
#include "tests/unit/tap.h"

/* ngày, tháng, năm: precomposed (NFC) and decomposed (NFD) */
#define NGAY_NFC "Ng\xc3\xa0y"
#define THANG_NFC "th\xc3\xa1ng"
#define NAM_NFC "n\xc4\x83m"
#define NGAY_NFD "Nga\xcc\x80y"
#define THANG_NFD "tha\xcc\x81ng"
#define NAM_NFD "na\xcc\x86m"

static const struct invoice_date_hint no_hint;

/* Parses s with hint h; checks the status and, when one is wanted, the date. */
static void
check(const char *s, const struct invoice_date_hint *h, enum invoice_date_status want, const char *iso, const char *what)
{
	struct invoice_date d;
	enum invoice_date_status st = invoice_date_parse(s, strlen(s), h, &d);

	if (!ok(st == want, what))
		printf("#   got %s, want %s for \"%s\"\n", invoice_date_status_name(st),
		    invoice_date_status_name(want), s);
	if (iso != NULL && strcmp(d.iso, iso) != 0) {
		ok(0, "  and the date");
		printf("#   got \"%s\", want \"%s\"\n", d.iso, iso);
	}
}

#define OK(s, iso) check((s), NULL, INVOICE_DATE_OK, (iso), (s))
#define REFUSED(s) check((s), NULL, INVOICE_DATE_INVALID, "", "refused: " s)
#define NONE(s) check((s), NULL, INVOICE_DATE_NOT_FOUND, "", "no date in: " s)

int
main(void)
{
	struct invoice_date d;
	struct invoice_date_hint h;
	const char *s;

	/* Year first. */
	OK("2025-03-15", "2025-03-15");
	OK("2025/03/15", "2025-03-15");
	OK("2025.3.5", "2025-03-05");
	OK("2025-03-15T10:42:00Z", "2025-03-15");

	/* Numbers that decide themselves. */
	OK("15/03/2025", "2025-03-15");
	OK("03/15/2025", "2025-03-15");
	OK("15-03-2025", "2025-03-15");
	OK("15.03.2025", "2025-03-15");
	OK("15 / 03 / 2025", "2025-03-15");
	OK("15/3/2025", "2025-03-15");
	OK("05/05/2025", "2025-05-05");
	OK("15/03/25", "2025-03-15");
	OK("31.12.68", "2068-12-31");
	OK("31.12.69", "1969-12-31");
	OK("15/03/1999", "1999-03-15");
	OK("25-03-15", "2015-03-25");	/* never YY-MM-DD */

	/* English month names. */
	OK("15 Mar 2025", "2025-03-15");
	OK("15 March 2025", "2025-03-15");
	OK("Mar 15, 2025", "2025-03-15");
	OK("March 15, 2025", "2025-03-15");
	OK("March 15 2025", "2025-03-15");
	OK("15-Mar-2025", "2025-03-15");
	OK("15-MAR-25", "2025-03-15");
	OK("15th March 2025", "2025-03-15");
	OK("1st Jan 2025", "2025-01-01");
	OK("2nd February, 2024", "2024-02-02");
	OK("23rd Aug 2025", "2025-08-23");
	OK("Sept 15, 2025", "2025-09-15");
	OK("Sept. 15th, 2025", "2025-09-15");
	OK("15 Sep 2025", "2025-09-15");
	OK("15 September 2025", "2025-09-15");
	OK("15 sept 2025", "2025-09-15");
	OK("May 1, 2025", "2025-05-01");
	OK("1 Jun 2025", "2025-06-01");
	OK("4 July 2025", "2025-07-04");
	OK("Oct 31, 2025", "2025-10-31");
	OK("Nov 30 2025", "2025-11-30");
	OK("25 Dec 2025", "2025-12-25");
	OK("15Mar2025", "2025-03-15");
	NONE("Marketing 15, 2025");
	NONE("15 March");
	NONE("March 2025");

	/* Vietnamese, precomposed, combining and without marks. */
	OK(NGAY_NFC " 15 " THANG_NFC " 03 " NAM_NFC " 2025", "2025-03-15");
	OK("ng\xc3\xa0y 15 " THANG_NFC " 3 " NAM_NFC " 2025", "2025-03-15");
	OK(NGAY_NFD " 15 " THANG_NFD " 03 " NAM_NFD " 2025", "2025-03-15");
	OK("NG\xc3\x80Y 05 TH\xc3\x81NG 11 N\xc4\x82M 2025", "2025-11-05");
	OK("Ngay 15 thang 03 nam 2025", "2025-03-15");
	OK(NGAY_NFC "15" THANG_NFC "03" NAM_NFC "2025", "2025-03-15");
	OK(NGAY_NFC "  15   " THANG_NFC "  3  " NAM_NFC "   2025", "2025-03-15");
	OK(NGAY_NFC ": 15 " THANG_NFC " 03 " NAM_NFC " 2025", "2025-03-15");
	check(NGAY_NFC " 15 " THANG_NFC "\n03 " NAM_NFC " 2025", NULL, INVOICE_DATE_OK, "2025-03-15",
	    "a Vietnamese date wrapped after th\xc3\xa1ng");
	OK(NGAY_NFC " (Date) 15 " THANG_NFC " (Month) 03 " NAM_NFC " (Year) 2025", "2025-03-15");
	OK("15 " THANG_NFC " 3 " NAM_NFC " 2025", "2025-03-15");
	OK("15 " THANG_NFC " 3, 2025", "2025-03-15");
	OK("15 " THANG_NFD " 3, 2025", "2025-03-15");
	OK(NGAY_NFC " 3 " THANG_NFC " 4 " NAM_NFC " 2025", "2025-04-03");
	/* a tone OCR put on the wrong vowel still folds: nga\xcc\x89y */
	OK("nga\xcc\x89y 15 th\xe1\xba\xa3ng 03 n\xe1\xba\xafm 2025", "2025-03-15");
	s = "H\xc3\xb3" "a \xc4\x91\xc6\xa1n " NGAY_NFC " 15 " THANG_NFC " 03 " NAM_NFC " 2025 K\xc3\xbd hi\xe1\xbb\x87u";
	ok(invoice_date_parse(s, strlen(s), NULL, &d) == INVOICE_DATE_OK && d.offset == 11 &&
	    d.length == strlen(NGAY_NFC " 15 " THANG_NFC " 03 " NAM_NFC " 2025"),
	    "the span of a Vietnamese date takes in the word ng\xc3\xa0y");
	REFUSED(NGAY_NFC " 30 " THANG_NFC " 02 " NAM_NFC " 2025");
	NONE(NGAY_NFC " 15 " THANG_NFC " 03");
	NONE("15 " THANG_NFC " 3");

	/* The calendar. */
	OK("29/02/2024", "2024-02-29");
	OK("29/02/2000", "2000-02-29");
	REFUSED("29/02/2025");
	REFUSED("29/02/1900");
	REFUSED("30/02/2025");
	REFUSED("31/04/2025");
	REFUSED("30 Feb 2025");
	REFUSED("Feb 29, 2023");
	REFUSED("2025-13-01");
	REFUSED("2025-02-30");
	REFUSED("00/03/2025");
	REFUSED("15/00/2025");
	REFUSED("32/01/2025");
	REFUSED("13/13/2025");
	REFUSED("15/03/2100");
	REFUSED("15/03/1899");
	OK("31/12/2099", "2099-12-31");
	OK("01/01/1900", "1900-01-01");

	/* Not dates at all. */
	NONE("");
	NONE("Invoice no. 12345");
	NONE("Total 1.250.000 VND");
	NONE("Tel: 028.3822.1234");
	NONE("15/03");
	NONE("15/03/202");
	NONE("15/03-2025");
	NONE("115/03/2025");
	NONE("15/03/20255");
	NONE("1.15.03.2025");
	NONE("15.03.2025.7");
	NONE("15 / 03");
	NONE("version 1.2.3");

	/* Dates inside text: the first one, where it is. */
	s = "Invoice date: 15/03/2025 Due: 30/03/2025";
	ok(invoice_date_parse(s, strlen(s), NULL, &d) == INVOICE_DATE_OK && d.offset == 14 &&
	    d.length == 10 && strcmp(d.iso, "2025-03-15") == 0, "the first date of a line, its offset and length");
	ok(invoice_date_parse(s + d.offset + d.length, strlen(s) - d.offset - d.length, NULL, &d) ==
	    INVOICE_DATE_OK && d.offset == 6 && strcmp(d.iso, "2025-03-30") == 0,
	    "  and the next after it");
	s = "Date: 30/02/2025 Due 15/03/2025";
	ok(invoice_date_parse(s, strlen(s), NULL, &d) == INVOICE_DATE_OK && strcmp(d.iso, "2025-03-15") == 0,
	    "an invalid date is passed over for a valid one after it");
	s = "Date: 30/02/2025 Due 31/02/2025";
	ok(invoice_date_parse(s, strlen(s), NULL, &d) == INVOICE_DATE_INVALID && d.offset == 6 &&
	    d.length == 10 && d.iso[0] == '\0', "only invalid ones: the first, with its span");
	s = "K\xe1\xbb\xb3: 01/03/2025-31/03/2025";
	ok(invoice_date_parse(s, strlen(s), NULL, &d) == INVOICE_DATE_AMBIGUOUS && d.length == 10,
	    "a period's first date, the hyphen not taken for part of it");
	OK("Date:15/03/2025.", "2025-03-15");
	OK("Dated15/03/2025", "2025-03-15");
	OK("(15 March 2025)", "2025-03-15");
	OK("Invoice No INV-0042 dated March 15, 2025 for services", "2025-03-15");
	OK("Amount 1,234.56 Date 2025-03-15", "2025-03-15");
	check("10/10/2025", NULL, INVOICE_DATE_OK, "2025-10-10", "day equal to month decides itself");
	s = "15/03/2025";
	ok(invoice_date_parse(s, 9, NULL, &d) == INVOICE_DATE_NOT_FOUND, "only the length given is read");

	/* Ambiguity: each hint. */
	check("03/04/2025", NULL, INVOICE_DATE_AMBIGUOUS, "2025-04-03", "no hint: ambiguous, day first");
	check("03/04/2025", &no_hint, INVOICE_DATE_AMBIGUOUS, "2025-04-03", "an empty hint: the same");
	h = (struct invoice_date_hint){ .page_order = INVOICE_DATE_ORDER_MDY };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-03-04", "the page month-first");
	invoice_date_parse("03/04/2025", 10, &h, &d);
	is_int(d.basis, INVOICE_DATE_BY_PAGE, "  decided by the page");
	h = (struct invoice_date_hint){ .page_order = INVOICE_DATE_ORDER_DMY };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-04-03", "the page day-first");
	h = (struct invoice_date_hint){ .language = "vi" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-04-03", "Vietnamese: day first");
	invoice_date_parse("03/04/2025", 10, &h, &d);
	is_int(d.basis, INVOICE_DATE_BY_LANGUAGE, "  decided by the language");
	h = (struct invoice_date_hint){ .language = "en" };
	check("03/04/2025", &h, INVOICE_DATE_AMBIGUOUS, "2025-04-03", "English alone decides nothing");
	h = (struct invoice_date_hint){ .currency = "USD" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-03-04", "USD: month first");
	invoice_date_parse("03/04/2025", 10, &h, &d);
	is_int(d.basis, INVOICE_DATE_BY_CURRENCY, "  decided by the currency");
	h = (struct invoice_date_hint){ .currency = "usd" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-03-04", "  in any case");
	h = (struct invoice_date_hint){ .currency = "VND" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-04-03", "VND: day first");
	h = (struct invoice_date_hint){ .currency = "EUR" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-04-03", "EUR: day first");
	h = (struct invoice_date_hint){ .currency = "GBP" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-04-03", "GBP: day first");
	h = (struct invoice_date_hint){ .currency = "MYR" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-04-03", "MYR: day first");
	h = (struct invoice_date_hint){ .currency = "JPY" };
	check("03/04/2025", &h, INVOICE_DATE_AMBIGUOUS, "2025-04-03", "a currency not listed decides nothing");
	h = (struct invoice_date_hint){ .currency = "US" };
	check("03/04/2025", &h, INVOICE_DATE_AMBIGUOUS, NULL, "  nor does a prefix of one");
	h = (struct invoice_date_hint){ .page_order = INVOICE_DATE_ORDER_DMY, .currency = "USD" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-04-03", "the page comes before the currency");
	h = (struct invoice_date_hint){ .language = "vi", .currency = "USD" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-04-03", "the language comes before the currency");
	h = (struct invoice_date_hint){ .page_order = INVOICE_DATE_ORDER_MDY, .language = "vi" };
	check("03/04/2025", &h, INVOICE_DATE_OK, "2025-03-04", "the page comes before the language");
	h = (struct invoice_date_hint){ .currency = "USD" };
	check("25/03/2025", &h, INVOICE_DATE_OK, "2025-03-25", "a day above 12 decides against the hint");
	invoice_date_parse("25/03/2025", 10, &h, &d);
	is_int(d.basis, INVOICE_DATE_BY_NUMBERS, "  decided by the numbers");
	h = (struct invoice_date_hint){ .language = "vi" };
	check("03/25/2025", &h, INVOICE_DATE_OK, "2025-03-25", "a month-first date decides against vi");
	h = (struct invoice_date_hint){ .currency = "USD" };
	check("2025-03-04", &h, INVOICE_DATE_OK, "2025-03-04", "ISO is never reordered");
	check("4 Mar 2025", &h, INVOICE_DATE_OK, "2025-03-04", "nor a month's name");
	invoice_date_parse("4 Mar 2025", 10, &h, &d);
	is_int(d.basis, INVOICE_DATE_BY_FORMAT, "  decided by the format");

	/* The page's order. */
	s = "Invoice date 03/04/2025  Delivered 25/03/2025";
	is_int(invoice_date_order_from(s, strlen(s)), INVOICE_DATE_ORDER_DMY, "25/03/2025 makes a page day-first");
	h = (struct invoice_date_hint){ .page_order = invoice_date_order_from(s, strlen(s)) };
	check(s, &h, INVOICE_DATE_OK, "2025-04-03", "  and its 03/04/2025 is the 3rd of April");
	s = "Date 03/04/2025 Due 03/25/2025";
	is_int(invoice_date_order_from(s, strlen(s)), INVOICE_DATE_ORDER_MDY, "03/25/2025 makes it month-first");
	s = "03/04/2025 05/06/2025 2025-03-25 25 Mar 2025";
	is_int(invoice_date_order_from(s, strlen(s)), INVOICE_DATE_ORDER_UNKNOWN,
	    "ambiguous dates, ISO and names decide nothing");
	s = "25/03/2025 and 03/25/2025";
	is_int(invoice_date_order_from(s, strlen(s)), INVOICE_DATE_ORDER_UNKNOWN, "dates that disagree decide nothing");
	s = "31/02/2025 04/05/2025";
	is_int(invoice_date_order_from(s, strlen(s)), INVOICE_DATE_ORDER_UNKNOWN, "an invalid date decides nothing");
	is_int(invoice_date_order_from("", 0), INVOICE_DATE_ORDER_UNKNOWN, "an empty page decides nothing");

	/* lib/text's blanks, as amounts have them: U+00A0 and U+202F part a date too */
	OK("15\xc2\xa0Mar\xc2\xa0" "2025", "2025-03-15");
	OK("15\xe2\x80\xafMar\xe2\x80\xaf" "2025", "2025-03-15");
	OK("Mar\xe2\x80\xaf" "15,\xe2\x80\xaf" "2025", "2025-03-15");
	OK(NGAY_NFC "\xe2\x80\xaf" "15\xe2\x80\xaf" THANG_NFC "\xe2\x80\xaf" "3 " NAM_NFC "\xe2\x80\xaf" "2025", "2025-03-15");

	is_str(invoice_date_status_name(INVOICE_DATE_AMBIGUOUS), "ambiguous", "a status has a name");
	return done_testing();
}
