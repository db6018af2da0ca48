/*
 * Unit tests for lib/invoice: the field table matches the API's names,
 * every kind of value is checked as the API stores it (and a wrong one
 * is refused with a reason naming the field), and the JSON the worker
 * hands to the database holds every field, null where nothing was found.
 */
#include <string.h>

#include "lib/invoice.h"
#include "lib/json.h"
#include "tests/unit/tap.h"

static bool
valid(enum invoice_field f, const char *s)
{
	char why[200];

	return invoice_value_valid(f, s, strlen(s), why, sizeof(why));
}

int
main(void)
{
	struct invoice inv = { 0 };
	char why[200];
	yajl_gen g;
	const char *text;
	size_t len;
	struct json_value *doc;

	for (int f = 0; f < INVOICE_NFIELDS; f++) {
		const char *name = invoice_field_name(f);

		if (invoice_field_from_name(name, strlen(name)) != f)
			break;
		if (f == INVOICE_NFIELDS - 1)
			ok(1, "every field's name finds the field again");
	}
	is_int(invoice_field_from_name("total", 5), INVOICE_TOTAL, "total is a field");
	is_int(invoice_field_from_name("totals", 6), -1, "totals is not");
	is_int(invoice_field_from_name("id", 2), -1, "id is not a field a client sets");

	ok(valid(INVOICE_DATE, "2024-02-29"), "a leap day is a date");
	ok(!valid(INVOICE_DATE, "2023-02-29"), "  not in 2023");
	ok(!valid(INVOICE_DATE, "2024-13-01"), "month 13 is refused");
	ok(!valid(INVOICE_DATE, "15/03/2025"), "a date as printed is not the stored form");
	ok(!valid(INVOICE_DATE, "2024-1-01"), "  nor one without its zeros");
	ok(valid(INVOICE_TOTAL, "1250000"), "VND money");
	ok(valid(INVOICE_TOTAL, "-12.50"), "a credit");
	ok(!valid(INVOICE_TOTAL, "1,250.00"), "grouping is refused");
	ok(!valid(INVOICE_TOTAL, "1e5"), "  as is an exponent");
	ok(!valid(INVOICE_TOTAL, "100000000000000"), "  and 15 integer digits");
	ok(valid(INVOICE_TAX_RATE, "8"), "a rate of 8 %");
	ok(!valid(INVOICE_TAX_RATE, "100.5"), "  not above 100");
	ok(!valid(INVOICE_TAX_RATE, "-1"), "  nor below 0");
	ok(valid(INVOICE_CURRENCY, "VND"), "VND is a currency code");
	ok(!valid(INVOICE_CURRENCY, "vnd"), "  in capitals only");
	ok(!valid(INVOICE_CURRENCY, "₫"), "  not a sign");
	ok(valid(INVOICE_DOCUMENT_TYPE, "e_wallet_receipt"), "a MoMo receipt's type");
	ok(!valid(INVOICE_DOCUMENT_TYPE, "bill"), "  a type not listed is refused");
	ok(valid(INVOICE_SELLER_NAME, "Công ty TNHH Sao Việt"), "Vietnamese text");
	ok(valid(INVOICE_SELLER_ADDRESS, "12 Lê Lợi\nQuận 1"), "an address of two lines");
	ok(!valid(INVOICE_SELLER_NAME, "a\x01" "b"), "a control character is refused");
	ok(!valid(INVOICE_SELLER_NAME, "\xc3\x28"), "  as is bad UTF-8");
	ok(!invoice_value_valid(INVOICE_DUE_DATE, "x", 1, why, sizeof(why)) && strstr(why, "due_date") != NULL,
	    "a refusal names the field");

	ok(invoice_set(&inv, INVOICE_TOTAL, "1250000", 7, 1.5) == 0 && inv.confidence[INVOICE_TOTAL] == 1.0,
	    "a confidence above 1 is 1");
	ok(invoice_set(&inv, INVOICE_TOTAL, "1350000", 7, 0.8) == 0 && strcmp(inv.value[INVOICE_TOTAL], "1350000") == 0,
	    "setting again replaces the value");
	ok(invoice_add_item(&inv, "Cà phê", "2", "25000", "50000") == 0 && invoice_add_item(&inv, NULL, NULL, NULL,
	    "1300000") == 0 && inv.nitems == 2, "two line items");
	ok(invoice_add_reason(&inv, "subtotal + tax_amount differs from total") == 0, "a review reason");
	inv.needs_review = true;

	g = json_gen_new();
	invoice_to_json(&inv, g);
	text = json_gen_text(g, &len);
	doc = json_parse(text, len, 0, 0, why, sizeof(why));
	ok(doc != NULL, "the JSON parses");
	is_str(json_get_string(doc, "total", NULL), "1350000", "total as a string");
	ok(json_type(json_get(doc, "invoice_number")) == JSON_NULL, "a field not found is null");
	is_int(json_length(json_get(doc, "line_items")), 2, "both items");
	ok(json_type(json_get(json_at(json_get(doc, "line_items"), 1), "description")) == JSON_NULL,
	    "  an item's missing description is null");
	is_int(json_length(json_get(doc, "confidence")), 2, "confidence only for the fields found and the items");
	is_int(json_length(json_get(doc, "review_reasons")), 1, "the reason");
	json_free(doc);
	yajl_gen_free(g);
	invoice_free(&inv);
	ok(inv.nitems == 0 && inv.value[INVOICE_TOTAL] == NULL, "freed, the invoice is empty");

	ok(invoice_valid(&inv, why, sizeof(why)), "an empty invoice is valid");
	invoice_set(&inv, INVOICE_TOTAL, "12.50", 5, 1);
	invoice_add_item(&inv, "Phở bò", "2", "45000", NULL);
	ok(invoice_valid(&inv, why, sizeof(why)), "values and an item in their stored forms are valid");
	invoice_set(&inv, INVOICE_DUE_DATE, "2025-02-30", 10, 1);
	ok(!invoice_valid(&inv, why, sizeof(why)) && strstr(why, "due_date") != NULL,
	    "a field's bad value makes it invalid, and why names the field");
	invoice_free(&inv);
	invoice_add_item(&inv, "x", "1,5", NULL, NULL);
	ok(!invoice_valid(&inv, why, sizeof(why)) && strstr(why, "line item 1") != NULL,
	    "  as does an item's quantity not in decimal form");
	invoice_free(&inv);
	invoice_add_item(&inv, "bell\a", NULL, NULL, NULL);
	ok(!invoice_valid(&inv, why, sizeof(why)), "  or an item's description with a control character");
	invoice_free(&inv);
	return done_testing();
}
