/*
 * money: amounts as printed on invoices, read into exact decimals, and the
 * exact arithmetic the invoice cross-checks need (subtotal + tax = total,
 * quantity x unit price = amount, rate x subtotal = tax).
 *
 * Money is never binary floating point here: a value is a count of
 * ten-thousandths (struct money, 10^-4 units in an int64_t), and text is
 * the canonical decimal the API stores and serves ("1234.56", VND
 * "1250000"; ARCHITECTURE.md, "Invoices API").
 *
 * Guarantees: pure (no I/O, no allocation, no global state, no locale);
 * every function returns a typed status, and one that fails leaves a
 * value the caller can ignore (out->text "" and amount 0).  Every value
 * lies within +-MONEY_MAX_UNITS (14 integer digits, 4 decimals: 99
 * trillion, beyond any invoice even in VND); a result outside is
 * MONEY_OVERFLOW, never a wrapped number.  What money_parse() accepts,
 * money_format() writes back as canonical text that money_from_canonical()
 * reads again as the same value, and money_parse() too given the hint of
 * a '.' decimal mark (without it "123.456" is AMBIGUOUS, by design).
 *
 * SECURITY: money_parse() reads OCR output, i.e. text anyone who uploads
 * an image chooses.  It trusts no length or terminator (it reads exactly
 * len bytes), refuses rather than guesses, and writes only into *out.
 */
#ifndef QUILL_MONEY_H
#define QUILL_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MONEY_SCALE 4				/* decimals held: units of 10^-4 */
#define MONEY_INT_DIGITS 14			/* integer digits at most */
#define MONEY_MAX_UNITS 999999999999999999LL	/* 10^18 - 1 units */
#define MONEY_TEXT_MAX 24			/* "-" 14 digits "." 4 digits NUL, rounded up */

/* An exact amount: units of 10^-MONEY_SCALE. */
struct money {
	int64_t units;
};

enum money_status {
	MONEY_OK = 0,
	MONEY_EMPTY,		/* nothing but blanks and currency: no digits */
	MONEY_AMBIGUOUS,	/* a lone "1,234" / "1.234" and nothing to decide it */
	MONEY_BAD_CHAR,		/* a letter or sign where none goes, an unknown currency */
	MONEY_BAD_GROUPING,	/* groups of the wrong size, mixed group separators */
	MONEY_TWO_DECIMALS,	/* a second decimal separator */
	MONEY_BAD_SIGN,		/* two signs, an unbalanced parenthesis */
	MONEY_TWO_CURRENCIES,	/* a currency before and another after */
	MONEY_TOO_LONG,		/* more than MONEY_INT_DIGITS integer digits or MONEY_SCALE decimals */
	MONEY_OVERFLOW,		/* an arithmetic result beyond +-MONEY_MAX_UNITS */
	MONEY_NOSPACE,		/* the caller's buffer is too small */
};

/* How the decimal separator was decided, most certain first. */
enum money_confidence {
	MONEY_SURE,		/* the digits decide: two separators, repeated groups, a 1-2 digit tail, none */
	MONEY_BY_CURRENCY,	/* a lone 3-digit group is grouping: the printed currency has 0 or 2 minor units */
	MONEY_BY_HINT,		/* decided by the caller's hint (the document's currency or decimal mark) */
};

/* What the caller knows of the document; all fields optional (NULL / 0). */
struct money_hint {
	const char *currency;	/* "VND", "USD", "EUR", "GBP" if the document says so elsewhere */
	char decimal_mark;	/* '.' or ',' if the document's language decides it */
};

struct money_parsed {
	struct money amount;
	int scale;			/* decimals in text */
	int printed_decimals;		/* decimals as printed: "RM 900" has none, text "900.00" two */
	char text[MONEY_TEXT_MAX];	/* canonical decimal, e.g. "1234.56", "1250000", "-12.50" */
	char currency[4];		/* "VND", "USD", "EUR", "GBP", "MYR", "INR", or "" if none was printed */
	enum money_confidence confidence;
};

/*
 * Reads the len bytes at s, an amount as an invoice prints it: "1,234.56",
 * "1.234,56", "1 234,56" (space, U+00A0 or U+202F grouping), "1.250.000",
 * "-12.50", "(12.50)", U+2212 minus, with $ EUR-sign GBP-sign VND-sign d-stroke
 * VND VNĐ USD EUR GBP, MYR RM, INR-sign INR Rs Rs. (letters in any case)
 * before or after, spaced or not.
 * Decimals in out->text: as printed, at least the currency's minor units
 * (printed currency, else hint->currency): "$12.5" -> "12.50",
 * "1.250.000 đ" -> "1250000", "12.5" -> "12.5".  hint may be NULL.
 */
enum money_status money_parse(const char *s, size_t len, const struct money_hint *hint,
    struct money_parsed *out);

/* Reads canonical text only: -?(0|[1-9][0-9]*)(\.[0-9]{1,4})?, within range, no "-0". */
enum money_status money_from_canonical(const char *s, size_t len, struct money *out);

/*
 * Writes a as canonical text with at least min_decimals decimals (0..4),
 * more only where a has more non-zero ones: nothing is rounded away.
 */
enum money_status money_format(struct money a, int min_decimals, char *buf, size_t size);

enum money_status money_add(struct money a, struct money b, struct money *out);
enum money_status money_sub(struct money a, struct money b, struct money *out);
/* a x quantity (quantity may have decimals: 2.5 x 1200.00), rounded half away from zero to 10^-4. */
enum money_status money_mul(struct money a, struct money quantity, struct money *out);
/* a x rate / 100 (rate in percent: 10 for 10 % VAT), rounded half away from zero to 10^-4. */
enum money_status money_percent(struct money a, struct money rate, struct money *out);
/* a rounded half away from zero to decimals (0..4): a currency's minor units. */
enum money_status money_round(struct money a, int decimals, struct money *out);

/* -1, 0 or 1 as a <, =, > b. */
int money_cmp(struct money a, struct money b);
/*
 * Whether a and b differ by at most tolerance units of 10^-decimals (0..4):
 * money_near(3 x 33.33, 100.00, 1, 2) holds, printed values being rounded.
 */
bool money_near(struct money a, struct money b, int64_t tolerance, int decimals);

/* 0 for VND, 2 for USD, EUR, GBP, MYR, INR; -1 for anything else (a code in any case). */
int money_minor_units(const char *currency);

/* The enumerator's name without MONEY_, for a log line ("AMBIGUOUS"). */
const char *money_status_name(enum money_status st);

#endif
