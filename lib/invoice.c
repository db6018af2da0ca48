/*
 * invoice: see invoice.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/invoice.h"
#include "lib/json.h"
#include "lib/money.h"
#include "lib/utf8.h"

static const struct {
	const char *name;
	enum invoice_kind kind;
} fields[INVOICE_NFIELDS] = {
	[INVOICE_NUMBER] = { "invoice_number", INVOICE_KIND_TEXT },
	[INVOICE_DATE] = { "invoice_date", INVOICE_KIND_DATE },
	[INVOICE_DUE_DATE] = { "due_date", INVOICE_KIND_DATE },
	[INVOICE_SELLER_NAME] = { "seller_name", INVOICE_KIND_TEXT },
	[INVOICE_SELLER_ADDRESS] = { "seller_address", INVOICE_KIND_TEXT },
	[INVOICE_SELLER_TAX_ID] = { "seller_tax_id", INVOICE_KIND_TEXT },
	[INVOICE_BUYER_NAME] = { "buyer_name", INVOICE_KIND_TEXT },
	[INVOICE_BUYER_ADDRESS] = { "buyer_address", INVOICE_KIND_TEXT },
	[INVOICE_BUYER_TAX_ID] = { "buyer_tax_id", INVOICE_KIND_TEXT },
	[INVOICE_CURRENCY] = { "currency", INVOICE_KIND_CURRENCY },
	[INVOICE_SUBTOTAL] = { "subtotal", INVOICE_KIND_MONEY },
	[INVOICE_TAX_RATE] = { "tax_rate", INVOICE_KIND_RATE },
	[INVOICE_TAX_AMOUNT] = { "tax_amount", INVOICE_KIND_MONEY },
	[INVOICE_TOTAL] = { "total", INVOICE_KIND_MONEY },
	[INVOICE_DOCUMENT_TYPE] = { "document_type", INVOICE_KIND_DOCUMENT_TYPE },
	[INVOICE_PAYMENT_METHOD] = { "payment_method", INVOICE_KIND_TEXT },
	[INVOICE_PAYMENT_ACCOUNT] = { "payment_account", INVOICE_KIND_TEXT },
	[INVOICE_TRANSACTION_ID] = { "transaction_id", INVOICE_KIND_TEXT },
	[INVOICE_CUSTOMER_CODE] = { "customer_code", INVOICE_KIND_TEXT },
};

/* sql/ocr/005_invoices.sql checks the same list */
const char *const invoice_document_types[] = {
	"invoice", "receipt", "utility_bill", "e_wallet_receipt", "credit_note", NULL
};

const char *
invoice_field_name(enum invoice_field f)
{
	return (unsigned)f < INVOICE_NFIELDS ? fields[f].name : "?";
}

enum invoice_kind
invoice_field_kind(enum invoice_field f)
{
	return (unsigned)f < INVOICE_NFIELDS ? fields[f].kind : INVOICE_KIND_TEXT;
}

int
invoice_field_from_name(const char *name, size_t len)
{
	for (int f = 0; f < INVOICE_NFIELDS; f++)
		if (strlen(fields[f].name) == len && memcmp(fields[f].name, name, len) == 0)
			return f;
	return -1;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
date_valid(const char *s, size_t len)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* Control characters other than a line break or a tab have no place in a field. */
static bool
text_clean(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

bool
invoice_value_valid(enum invoice_field f, const char *s, size_t len, char *why, size_t whysize)
{
	const char *name = invoice_field_name(f);
	struct money m;

	switch (invoice_field_kind(f)) {
	case INVOICE_KIND_TEXT:
		if (len > INVOICE_TEXT_MAX) {
			snprintf(why, whysize, "%s is longer than %d bytes", name, INVOICE_TEXT_MAX);
			return false;
		}
		if (!utf8_valid(s, len) || !text_clean(s, len)) {
			snprintf(why, whysize, "%s is not UTF-8 text", name);
			return false;
		}
		return true;
	case INVOICE_KIND_DATE:
		if (!date_valid(s, len)) {
			snprintf(why, whysize, "%s is not a date YYYY-MM-DD between 1900 and 2099", name);
			return false;
		}
		return true;
	case INVOICE_KIND_MONEY:
		if (money_from_canonical(s, len, &m) != MONEY_OK) {
			snprintf(why, whysize, "%s is not a decimal string like \"1234.56\" "
			    "(14 integer digits, 4 decimals at most)", name);
			return false;
		}
		return true;
	case INVOICE_KIND_RATE:
		if (money_from_canonical(s, len, &m) != MONEY_OK || m.units < 0 ||
		    m.units > 100 * 10000LL) {
			snprintf(why, whysize, "%s is not a percentage between \"0\" and \"100\"", name);
			return false;
		}
		return true;
	case INVOICE_KIND_CURRENCY:
		if (len != 3 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2] < 'A' ||
		    s[2] > 'Z') {
			snprintf(why, whysize, "%s is not an ISO 4217 code like \"VND\"", name);
			return false;
		}
		return true;
	case INVOICE_KIND_DOCUMENT_TYPE:
		for (const char *const *t = invoice_document_types; *t != NULL; t++)
			if (strlen(*t) == len && memcmp(*t, s, len) == 0)
				return true;
		snprintf(why, whysize, "%s is not one of invoice, receipt, utility_bill, "
		    "e_wallet_receipt, credit_note", name);
		return false;
	}
	snprintf(why, whysize, "%s: unknown field", name);
	return false;
}

static bool
item_decimal_valid(const char *s)
{
	struct money m;

	return s == NULL || money_from_canonical(s, strlen(s), &m) == MONEY_OK;
}

bool
invoice_valid(const struct invoice *inv, char *why, size_t whysize)
{
	for (int f = 0; f < INVOICE_NFIELDS; f++)
		if (inv->value[f] != NULL &&
		    !invoice_value_valid(f, inv->value[f], strlen(inv->value[f]), why, whysize))
			return false;
	for (size_t i = 0; i < inv->nitems; i++) {
		const struct invoice_line_item *it = &inv->items[i];
		const char *d = it->description;

		if (d != NULL && (strlen(d) > INVOICE_TEXT_MAX || !utf8_valid(d, strlen(d)) ||
		    !text_clean(d, strlen(d)))) {
			snprintf(why, whysize, "line item %zu: description is not UTF-8 text of at most %d bytes",
			    i + 1, INVOICE_TEXT_MAX);
			return false;
		}
		if (!item_decimal_valid(it->quantity) || !item_decimal_valid(it->unit_price) ||
		    !item_decimal_valid(it->amount)) {
			snprintf(why, whysize, "line item %zu: quantity, unit_price and amount are decimal "
			    "strings like \"1234.56\"", i + 1);
			return false;
		}
	}
	return true;
}

static char *
copy(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int
invoice_set(struct invoice *inv, enum invoice_field f, const char *s, size_t len, double conf)
{
	char *p;

	if ((unsigned)f >= INVOICE_NFIELDS) {
		errno = EINVAL;
		return -1;
	}
	if ((p = copy(s, len)) == NULL)
		return -1;
	free(inv->value[f]);
	inv->value[f] = p;
	inv->confidence[f] = conf < 0 ? 0 : conf > 1 ? 1 : conf;
	return 0;
}

static int
copy_opt(char **dst, const char *s)
{
	if (s != NULL && (*dst = copy(s, strlen(s))) == NULL)
		return -1;
	return 0;
}

static void
item_free(struct invoice_line_item *it)
{
	free(it->description);
	free(it->quantity);
	free(it->unit_price);
	free(it->amount);
}

int
invoice_add_item(struct invoice *inv, const char *description, const char *quantity,
    const char *unit_price, const char *amount)
{
	struct invoice_line_item it = { NULL, NULL, NULL, NULL }, *items;

	if (inv->nitems >= INVOICE_MAX_LINE_ITEMS) {
		errno = ENOSPC;
		return -1;
	}
	if (copy_opt(&it.description, description) != 0 || copy_opt(&it.quantity, quantity) != 0 ||
	    copy_opt(&it.unit_price, unit_price) != 0 || copy_opt(&it.amount, amount) != 0 ||
	    (items = realloc(inv->items, (inv->nitems + 1) * sizeof(*items))) == NULL) {
		item_free(&it);
		return -1;
	}
	inv->items = items;
	inv->items[inv->nitems++] = it;
	return 0;
}

int
invoice_add_reason(struct invoice *inv, const char *reason)
{
	char **r, *p;

	if ((p = copy(reason, strlen(reason))) == NULL)
		return -1;
	if ((r = realloc(inv->review_reasons, (inv->nreasons + 1) * sizeof(*r))) == NULL) {
		free(p);
		return -1;
	}
	inv->review_reasons = r;
	inv->review_reasons[inv->nreasons++] = p;
	return 0;
}

void
invoice_free(struct invoice *inv)
{
	for (int f = 0; f < INVOICE_NFIELDS; f++)
		free(inv->value[f]);
	for (size_t i = 0; i < inv->nitems; i++)
		item_free(&inv->items[i]);
	free(inv->items);
	for (size_t i = 0; i < inv->nreasons; i++)
		free(inv->review_reasons[i]);
	free(inv->review_reasons);
	free(inv->language);
	memset(inv, 0, sizeof(*inv));
}

void
invoice_to_json(const struct invoice *inv, yajl_gen g)
{
	yajl_gen_map_open(g);
	for (int f = 0; f < INVOICE_NFIELDS; f++)
		json_gen_kv_string(g, fields[f].name, inv->value[f]);
	json_gen_kv_string(g, "language", inv->language);
	json_gen_key(g, "line_items");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < inv->nitems; i++) {
		const struct invoice_line_item *it = &inv->items[i];

		yajl_gen_map_open(g);
		json_gen_kv_string(g, "description", it->description);
		json_gen_kv_string(g, "quantity", it->quantity);
		json_gen_kv_string(g, "unit_price", it->unit_price);
		json_gen_kv_string(g, "amount", it->amount);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	json_gen_key(g, "confidence");
	yajl_gen_map_open(g);
	for (int f = 0; f < INVOICE_NFIELDS; f++)
		if (inv->value[f] != NULL)
			json_gen_kv_double(g, fields[f].name, round(inv->confidence[f] * 100.0) / 100.0);
	if (inv->nitems > 0)
		json_gen_kv_double(g, "line_items", round(inv->items_confidence * 100.0) / 100.0);
	yajl_gen_map_close(g);
	json_gen_kv_bool(g, "needs_review", inv->needs_review);
	json_gen_key(g, "review_reasons");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < inv->nreasons; i++)
		json_gen_string(g, inv->review_reasons[i]);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}
