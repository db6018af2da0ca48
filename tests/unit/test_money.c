/*
 * Unit tests for lib/money: every way an invoice prints an amount (both
 * grouping conventions, blanks and no-break spaces, VND without minor
 * unit, negatives, each currency mark before and after) reads as the
 * exact decimal meant; ambiguous and malformed ones are refused with the
 * status that says why; and the arithmetic of the cross-checks is exact,
 * rounds half away from zero where it must round, and reports overflow.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/money.h"
#include "tests/unit/tap.h"

static struct money_parsed got;

/*
 * Parses s from a copy without its NUL, exactly strlen(s) bytes on the
 * heap, so that valgrind sees a read past the length given.
 */
static enum money_status
parse(const char *s, const struct money_hint *hint)
{
	size_t len = strlen(s);
	char *copy = malloc(len > 0 ? len : 1);
	enum money_status st;

	memcpy(copy, s, len);
	st = money_parse(copy, len, hint, &got);
	free(copy);
	return st;
}

/* That s parses to want (and currency cur), sure or as conf says. */
#define READS(s, hint, want, cur, conf) do {					\
	enum money_status st_ = parse(s, hint);					\
	if (!ok(st_ == MONEY_OK && strcmp(got.text, want) == 0 &&		\
	    strcmp(got.currency, cur) == 0 && got.confidence == (conf),		\
	    "\"" s "\" reads " want " " cur))					\
		printf("#   got %s \"%s\" \"%s\" confidence %d\n",		\
		    money_status_name(st_), got.text, got.currency,		\
		    (int)got.confidence);					\
} while (0)

#define REFUSES(s, hint, status) do {						\
	enum money_status st_ = parse(s, hint);					\
	if (!ok(st_ == (status) && got.text[0] == '\0',				\
	    "\"" s "\" is refused: " #status))					\
		printf("#   got %s \"%s\"\n", money_status_name(st_), got.text);	\
} while (0)

static struct money
m(const char *canonical)
{
	struct money v = { 0 };

	if (money_from_canonical(canonical, strlen(canonical), &v) != MONEY_OK)
		printf("# bad canonical in the test: %s\n", canonical);
	return v;
}

static const char *
fmt(struct money v, int decimals)
{
	static char buf[MONEY_TEXT_MAX];

	money_format(v, decimals, buf, sizeof(buf));
	return buf;
}

int
main(void)
{
	struct money_hint vnd = { "VND", 0 }, usd = { "usd", 0 };
	struct money_hint comma = { NULL, ',' }, dot = { NULL, '.' };
	struct money r;
	char small[6];

	/* The formats of the issue. */
	READS("1,234.56", NULL, "1234.56", "", MONEY_SURE);
	READS("1.234,56", NULL, "1234.56", "", MONEY_SURE);
	READS("1 234,56", NULL, "1234.56", "", MONEY_SURE);
	READS("1\xc2\xa0" "234,56", NULL, "1234.56", "", MONEY_SURE);
	READS("1\xe2\x80\xaf" "234\xe2\x80\xaf" "567,8", NULL, "1234567.8", "", MONEY_SURE);
	READS("1 234.56", NULL, "1234.56", "", MONEY_SURE);
	READS("12 345 678", NULL, "12345678", "", MONEY_SURE);
	READS("1.250.000", NULL, "1250000", "", MONEY_SURE);
	READS("1,250,000", NULL, "1250000", "", MONEY_SURE);
	READS("1,250,000.5", NULL, "1250000.5", "", MONEY_SURE);
	READS("1.234.567,891", NULL, "1234567.891", "", MONEY_SURE);
	READS("-12.50", NULL, "-12.50", "", MONEY_SURE);
	READS("(12.50)", NULL, "-12.50", "", MONEY_SURE);
	READS("( $ 12.50 )", NULL, "-12.50", "USD", MONEY_SURE);
	READS("\xe2\x88\x92" "12,5", NULL, "-12.5", "", MONEY_SURE);
	READS("12.5", NULL, "12.5", "", MONEY_SURE);
	READS("1234", NULL, "1234", "", MONEY_SURE);
	READS("0.500", NULL, "0.500", "", MONEY_SURE);
	READS("1234.567", NULL, "1234.567", "", MONEY_SURE);
	READS("0007", NULL, "7", "", MONEY_SURE);
	READS("  42  ", NULL, "42", "", MONEY_SURE);
	READS("-0.00", NULL, "0.00", "", MONEY_SURE);

	/* Each currency, before and after, spaced or not, letters in any case. */
	READS("$1,234.56", NULL, "1234.56", "USD", MONEY_SURE);
	READS("$ 12.5", NULL, "12.50", "USD", MONEY_SURE);
	READS("12.50$", NULL, "12.50", "USD", MONEY_SURE);
	READS("\xe2\x82\xac" "1.234,56", NULL, "1234.56", "EUR", MONEY_SURE);
	READS("1.234,56 \xe2\x82\xac", NULL, "1234.56", "EUR", MONEY_SURE);
	READS("\xc2\xa3" "99", NULL, "99.00", "GBP", MONEY_SURE);
	READS("99.99\xc2\xa3", NULL, "99.99", "GBP", MONEY_SURE);
	READS("1.250.000\xe2\x82\xab", NULL, "1250000", "VND", MONEY_SURE);
	READS("\xe2\x82\xab 1.250.000", NULL, "1250000", "VND", MONEY_SURE);
	READS("1.250.000 \xc4\x91", NULL, "1250000", "VND", MONEY_SURE);
	READS("1.250.000\xc4\x90", NULL, "1250000", "VND", MONEY_SURE);
	READS("\xc4\x91" "1.250.000", NULL, "1250000", "VND", MONEY_SURE);
	READS("1.250.000 VN\xc4\x90", NULL, "1250000", "VND", MONEY_SURE);
	READS("vn\xc4\x91 1.250.000", NULL, "1250000", "VND", MONEY_SURE);
	READS("1.250.000 \xc4\x91\xe1\xbb\x93ng", NULL, "1250000", "VND", MONEY_SURE);
	READS("VND 1,250,000", NULL, "1250000", "VND", MONEY_SURE);
	READS("1250000vnd", NULL, "1250000", "VND", MONEY_SURE);
	READS("USD 12.50", NULL, "12.50", "USD", MONEY_SURE);
	READS("12.50 usd", NULL, "12.50", "USD", MONEY_SURE);
	READS("EUR12,50", NULL, "12.50", "EUR", MONEY_SURE);
	READS("12,50 Eur", NULL, "12.50", "EUR", MONEY_SURE);
	READS("GBP 3", NULL, "3.00", "GBP", MONEY_SURE);
	READS("3 gbp", NULL, "3.00", "GBP", MONEY_SURE);
	READS("-$12.50", NULL, "-12.50", "USD", MONEY_SURE);
	READS("$-12.50", NULL, "-12.50", "USD", MONEY_SURE);
	READS("- 12,50 \xe2\x82\xac", NULL, "-12.50", "EUR", MONEY_SURE);
	READS("$12.50 USD", NULL, "12.50", "USD", MONEY_SURE);
	READS("RM 33.90", NULL, "33.90", "MYR", MONEY_SURE);
	READS("RM33.90", NULL, "33.90", "MYR", MONEY_SURE);
	READS("-RM 0.02", NULL, "-0.02", "MYR", MONEY_SURE);
	READS("33.90 MYR", NULL, "33.90", "MYR", MONEY_SURE);
	READS("Rs 1939", NULL, "1939.00", "INR", MONEY_SURE);
	READS("Rs. 1,939", NULL, "1939.00", "INR", MONEY_BY_CURRENCY);
	READS("\xe2\x82\xb9" "319.00", NULL, "319.00", "INR", MONEY_SURE);
	READS("319 INR", NULL, "319.00", "INR", MONEY_SURE);
	REFUSES("RMX 12", NULL, MONEY_BAD_CHAR);
	REFUSES("RM 12 $", NULL, MONEY_TWO_CURRENCIES);

	/* The lone three-digit group: currency, then hint, then refused. */
	REFUSES("1,234", NULL, MONEY_AMBIGUOUS);
	REFUSES("1.234", NULL, MONEY_AMBIGUOUS);
	READS("1.234 \xc4\x91", NULL, "1234", "VND", MONEY_BY_CURRENCY);
	READS("$1,234", NULL, "1234.00", "USD", MONEY_BY_CURRENCY);
	READS("1.234 \xe2\x82\xac", NULL, "1234.00", "EUR", MONEY_BY_CURRENCY);
	READS("1.234", &vnd, "1234", "", MONEY_BY_HINT);
	READS("1,234", &usd, "1234.00", "", MONEY_BY_HINT);
	READS("1,234", &comma, "1.234", "", MONEY_BY_HINT);
	READS("1.234", &comma, "1234", "", MONEY_BY_HINT);
	READS("1,234", &dot, "1234", "", MONEY_BY_HINT);
	READS("1.234", &dot, "1.234", "", MONEY_BY_HINT);
	READS("12.5", &vnd, "12.5", "", MONEY_SURE);
	READS("12", &usd, "12.00", "", MONEY_SURE);

	/* Garbage, refused with the reason. */
	REFUSES("", NULL, MONEY_EMPTY);
	REFUSES("   ", NULL, MONEY_EMPTY);
	REFUSES("$", NULL, MONEY_EMPTY);
	REFUSES("()", NULL, MONEY_EMPTY);
	REFUSES("1.2.3", NULL, MONEY_TWO_DECIMALS);
	REFUSES("12.50.00", NULL, MONEY_TWO_DECIMALS);
	REFUSES("1,234.56.78", NULL, MONEY_TWO_DECIMALS);
	REFUSES("1.234,56,7", NULL, MONEY_TWO_DECIMALS);
	REFUSES("1,23,456", NULL, MONEY_BAD_GROUPING);
	REFUSES("12,34.56", NULL, MONEY_BAD_GROUPING);
	REFUSES("1234,567.89", NULL, MONEY_BAD_GROUPING);
	REFUSES("1.2345.678", NULL, MONEY_BAD_GROUPING);
	REFUSES("12 34", NULL, MONEY_BAD_GROUPING);
	REFUSES("1\t234", NULL, MONEY_BAD_CHAR);
	READS("\t1 234\t", NULL, "1234", "", MONEY_SURE);
	REFUSES("1 234.567,89", NULL, MONEY_BAD_GROUPING);
	REFUSES("12.", NULL, MONEY_BAD_GROUPING);
	REFUSES("1..5", NULL, MONEY_BAD_GROUPING);
	REFUSES(".50", NULL, MONEY_BAD_CHAR);
	REFUSES("12a34", NULL, MONEY_BAD_CHAR);
	REFUSES("1O0.00", NULL, MONEY_BAD_CHAR);
	REFUSES("abc", NULL, MONEY_BAD_CHAR);
	REFUSES("USDX 12", NULL, MONEY_BAD_CHAR);
	REFUSES("12 JPY", NULL, MONEY_BAD_CHAR);
	REFUSES("12 $ 3", NULL, MONEY_BAD_CHAR);
	REFUSES("--12", NULL, MONEY_BAD_SIGN);
	REFUSES("(-12)", NULL, MONEY_BAD_SIGN);
	REFUSES("(12", NULL, MONEY_BAD_SIGN);
	REFUSES("12)", NULL, MONEY_BAD_SIGN);
	REFUSES("12-", NULL, MONEY_BAD_SIGN);
	REFUSES("+12", NULL, MONEY_BAD_SIGN);
	REFUSES("$12 \xe2\x82\xac", NULL, MONEY_TWO_CURRENCIES);
	REFUSES("USD 12 VND", NULL, MONEY_TWO_CURRENCIES);
	READS("99999999999999.9999", NULL, "99999999999999.9999", "", MONEY_SURE);
	READS("99,999,999,999,999", NULL, "99999999999999", "", MONEY_SURE);
	REFUSES("100000000000000", NULL, MONEY_TOO_LONG);
	REFUSES("100.000.000.000.000 \xc4\x91", NULL, MONEY_TOO_LONG);
	REFUSES("1.23456", NULL, MONEY_TOO_LONG);
	REFUSES("1.2.3.4.5.6.7.8.9.0.1.2.3.4.5.6.7.8.9.0.1.2.3.4.5", NULL, MONEY_TOO_LONG);
	is_int(money_parse(NULL, 0, NULL, &got), MONEY_EMPTY, "a NULL text is empty");
	is_int(money_parse("12.50xyz", 5, NULL, &got), MONEY_OK, "only len bytes are read");
	is_str(got.text, "12.50", "  and they make the amount");

	/* Canonical text. */
	is_int(m("1234.56").units, 12345600, "canonical 1234.56 is 12345600 units");
	is_int(m("-0.0001").units, -1, "canonical -0.0001 is -1 unit");
	is_int(money_from_canonical("-0", 2, &r), MONEY_BAD_SIGN, "\"-0\" is not canonical");
	is_int(money_from_canonical("01", 2, &r), MONEY_BAD_CHAR, "a leading zero is not canonical");
	is_int(money_from_canonical("1.", 2, &r), MONEY_BAD_CHAR, "a bare point is not canonical");
	is_int(money_from_canonical("1,5", 3, &r), MONEY_BAD_CHAR, "a comma is not canonical");
	is_int(money_from_canonical("1.23456", 7, &r), MONEY_TOO_LONG, "five decimals are too many");
	is_int(money_from_canonical("100000000000000", 15, &r), MONEY_TOO_LONG, "fifteen integer digits are too many");
	is_str(fmt(m("12.5"), 2), "12.50", "format pads to the minor units");
	is_str(fmt(m("12.345"), 2), "12.345", "  and rounds nothing away");
	is_str(fmt(m("1250000"), 0), "1250000", "VND has no decimals");
	is_str(fmt(m("-0.5"), 0), "-0.5", "a negative fraction keeps its sign");
	r.units = MONEY_MAX_UNITS + 1;
	is_int(money_format(r, 2, small, sizeof(small)), MONEY_OVERFLOW, "format refuses a value out of range");
	is_int(money_format(m("123456"), 2, small, sizeof(small)), MONEY_NOSPACE, "format says when the buffer is short");
	is_str(small, "", "  and leaves it empty");

	/* Arithmetic: exact. */
	money_add(m("0.1"), m("0.2"), &r);
	ok(money_cmp(r, m("0.3")) == 0, "0.1 + 0.2 == 0.3 exactly");
	money_percent(m("1250000"), m("10"), &r);
	is_str(fmt(r, 0), "125000", "10 % of 1,250,000 is 125,000");
	money_percent(m("1234.56"), m("8.5"), &r);
	is_str(fmt(r, 2), "104.9376", "8.5 % of 1234.56 is 104.9376, not rounded yet");
	money_round(r, 2, &r);
	is_str(fmt(r, 2), "104.94", "  rounded to cents 104.94");
	money_mul(m("1200.00"), m("2.5"), &r);
	is_str(fmt(r, 2), "3000.00", "2.5 x 1,200.00 = 3,000.00");
	money_mul(m("33.33"), m("3"), &r);
	is_str(fmt(r, 2), "99.99", "3 x 33.33 = 99.99");
	ok(money_cmp(r, m("100")) < 0, "  which is less than 100.00");
	ok(money_near(r, m("100"), 1, 2), "  but within one cent of it");
	ok(!money_near(r, m("100.02"), 1, 2), "  and not within one cent of 100.02");
	ok(money_near(m("1250000"), m("1250001"), 1, 0), "one dong of tolerance in VND");
	ok(!money_near(m("1"), m("1"), -1, 2), "a negative tolerance holds nothing");
	money_sub(m("100"), m("99.99"), &r);
	is_str(fmt(r, 2), "0.01", "100 - 99.99 = 0.01");
	money_mul(m("0.0001"), m("0.5"), &r);
	is_int(r.units, 1, "0.0001 x 0.5 rounds half away from zero to 0.0001");
	money_mul(m("-0.0001"), m("0.5"), &r);
	is_int(r.units, -1, "  and -0.0001 x 0.5 to -0.0001");
	money_mul(m("0.0001"), m("0.4"), &r);
	is_int(r.units, 0, "  and 0.0001 x 0.4 to 0");
	money_round(m("2.5"), 0, &r);
	is_str(fmt(r, 0), "3", "2.5 rounds to 3");
	money_round(m("-2.5"), 0, &r);
	is_str(fmt(r, 0), "-3", "-2.5 rounds to -3");
	ok(money_cmp(m("-1"), m("1")) < 0 && money_cmp(m("1"), m("-1")) > 0, "compare orders signs");

	/* Overflow is reported, never wrapped. */
	is_int(money_add(m("99999999999999.9999"), m("0.0001"), &r), MONEY_OVERFLOW, "the largest + 0.0001 overflows");
	is_int(r.units, 0, "  and the result is 0, not a wrapped number");
	is_int(money_sub(m("-99999999999999.9999"), m("0.0001"), &r), MONEY_OVERFLOW, "the smallest - 0.0001 overflows");
	is_int(money_add(m("99999999999999.9998"), m("0.0001"), &r), MONEY_OK, "the largest is reached");
	is_int(money_mul(m("99999999999999"), m("99999999999999"), &r), MONEY_OVERFLOW, "a huge product overflows");
	is_int(money_mul(m("10000000000000"), m("10"), &r), MONEY_OVERFLOW, "10^13 x 10 overflows");
	is_int(money_mul(m("9999999999999"), m("10"), &r), MONEY_OK, "  and (10^13 - 1) x 10 does not");
	is_int(money_percent(m("99999999999999"), m("200"), &r), MONEY_OVERFLOW, "200 % of the largest overflows");
	is_int(money_round(m("99999999999999.9"), 0, &r), MONEY_OVERFLOW, "rounding up past the largest overflows");
	r.units = INT64_MAX;
	is_int(money_add(r, m("0"), &r), MONEY_OVERFLOW, "an operand out of range is refused");

	ok(strcmp(money_status_name(MONEY_AMBIGUOUS), "AMBIGUOUS") == 0, "status names for the log");
	is_int(money_minor_units("vnd"), 0, "VND has no minor unit");
	is_int(money_minor_units("EUR"), 2, "EUR has cents");
	is_int(money_minor_units("JPY"), -1, "a currency not listed is unknown");
	is_int(money_minor_units("MYR"), 2, "MYR has sen");
	is_int(money_minor_units("inr"), 2, "INR has paise");
	is_int(money_minor_units("USDX"), -1, "  as is a longer code");
	return done_testing();
}
