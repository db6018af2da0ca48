/*
 * fuzz_extract: the invoice extractor on any page.  The first byte picks
 * the mode: even, the rest is cut into words (each a header of 8 bytes --
 * text length, confidence, line, page, and the box as four signed bytes
 * scaled, so that words share rows and columns -- then its text, any
 * bytes); odd, the rest is the words JSON for extract_invoice_json().
 * The languages come from the first byte too.  What lib/extract promises
 * is checked independently:
 *   - it returns 0 (or -1 for JSON it refuses, with a reason);
 *   - every field set is valid for the database (invoice_value_valid),
 *     every confidence in 0..1;
 *   - line items are at most INVOICE_MAX_LINE_ITEMS, their decimals
 *     canonical and their descriptions UTF-8 text;
 *   - the review reasons are UTF-8, and the invoice writes as JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/extract.h"
#include "lib/json.h"
#include "lib/money.h"
#include "lib/utf8.h"

#define MAX_FUZZ_WORDS 4096

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
check_decimal(const char *s)
{
	struct money m;

	check(s == NULL || money_from_canonical(s, strlen(s), &m) == MONEY_OK);
}

static void
check_invoice(const struct invoice *inv)
{
	char why[128];
	yajl_gen g;
	size_t len;

	for (int f = 0; f < INVOICE_NFIELDS; f++) {
		if (inv->value[f] == NULL)
			continue;
		check(invoice_value_valid((enum invoice_field)f, inv->value[f], strlen(inv->value[f]), why,
		    sizeof(why)));
		check(inv->confidence[f] >= 0 && inv->confidence[f] <= 1);
	}
	check(inv->nitems <= INVOICE_MAX_LINE_ITEMS);
	for (size_t i = 0; i < inv->nitems; i++) {
		const struct invoice_line_item *it = &inv->items[i];

		check(it->description == NULL || (strlen(it->description) <= INVOICE_TEXT_MAX &&
		    utf8_valid(it->description, strlen(it->description))));
		check_decimal(it->quantity);
		check_decimal(it->unit_price);
		check_decimal(it->amount);
	}
	for (size_t i = 0; i < inv->nreasons; i++)
		check(utf8_valid(inv->review_reasons[i], strlen(inv->review_reasons[i])));
	check(inv->language == NULL || strcmp(inv->language, "en") == 0 || strcmp(inv->language, "vi") == 0);
	g = json_gen_new();
	invoice_to_json(inv, g);
	check(json_gen_text(g, &len) != NULL && len > 0);
	yajl_gen_free(g);
}

static const char *const languages[] = { NULL, "eng", "vie", "vie+eng" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct extract_word words[MAX_FUZZ_WORDS];
	struct invoice inv = { 0 };
	const char *lang;
	size_t n = 0, i = 1;

	if (size < 1)
		return 0;
	lang = languages[(data[0] >> 1) & 3];
	if (data[0] & 1) {
		char why[128];

		if (extract_invoice_json((const char *)data + 1, size - 1, lang, &inv, why, sizeof(why)) == 0)
			check_invoice(&inv);
		else
			check(why[0] != '\0');
		invoice_free(&inv);
		return 0;
	}
	while (i + 8 <= size && n < MAX_FUZZ_WORDS) {
		const uint8_t *h = data + i;
		size_t len = h[0] & 63;

		if (i + 8 + len > size)
			len = size - i - 8;
		words[n] = (struct extract_word){ (const char *)data + i + 8, len, h[1] * 100.0 / 255, h[2] >> 4,
			h[2] & 15, (int8_t)h[4] * 24, (int8_t)h[5] * 24, (int8_t)h[6] * 24 + 40, (int8_t)h[7] * 24 + 30 };
		if (h[3] & 1)
			words[n].page = 1;
		n++;
		i += 8 + len;
	}
	check(extract_invoice(words, n, lang, &inv) == 0);
	check_invoice(&inv);
	invoice_free(&inv);
	return 0;
}
