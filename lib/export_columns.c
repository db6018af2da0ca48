/*
 * export_columns: an invoice flattened into the columns of the table
 * formats (CSV, XLSX), one place for both so they cannot drift apart.
 */
#include <stdio.h>
#include <string.h>

#include "lib/export_backend.h"

const struct export_column export_columns[] = {
	{ "id", EXPORT_KIND_TEXT, EXPORT_FROM_ID },
	{ "invoice_number", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_NUMBER },
	{ "invoice_date", EXPORT_KIND_DATE, EXPORT_FROM_FIELD, INVOICE_DATE },
	{ "due_date", EXPORT_KIND_DATE, EXPORT_FROM_FIELD, INVOICE_DUE_DATE },
	{ "seller_name", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_SELLER_NAME },
	{ "seller_tax_id", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_SELLER_TAX_ID },
	{ "seller_address", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_SELLER_ADDRESS },
	{ "buyer_name", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_BUYER_NAME },
	{ "buyer_tax_id", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_BUYER_TAX_ID },
	{ "buyer_address", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_BUYER_ADDRESS },
	{ "currency", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_CURRENCY },
	{ "subtotal", EXPORT_KIND_DECIMAL, EXPORT_FROM_FIELD, INVOICE_SUBTOTAL },
	{ "tax_rate", EXPORT_KIND_DECIMAL, EXPORT_FROM_FIELD, INVOICE_TAX_RATE },
	{ "tax_amount", EXPORT_KIND_DECIMAL, EXPORT_FROM_FIELD, INVOICE_TAX_AMOUNT },
	{ "total", EXPORT_KIND_DECIMAL, EXPORT_FROM_FIELD, INVOICE_TOTAL },
	{ "document_type", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_DOCUMENT_TYPE },
	{ "payment_method", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_PAYMENT_METHOD },
	{ "payment_account", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_PAYMENT_ACCOUNT },
	{ "transaction_id", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_TRANSACTION_ID },
	{ "customer_code", EXPORT_KIND_TEXT, EXPORT_FROM_FIELD, INVOICE_CUSTOMER_CODE },
	{ "needs_review", EXPORT_KIND_BOOL, EXPORT_FROM_NEEDS_REVIEW },
	{ "source", EXPORT_KIND_TEXT, EXPORT_FROM_SOURCE },
	{ "created_at", EXPORT_KIND_TIMESTAMP, EXPORT_FROM_CREATED_AT },
	{ "line_item_count", EXPORT_KIND_COUNT, EXPORT_FROM_ITEM_COUNT },
	{ "line_items", EXPORT_KIND_TEXT, EXPORT_FROM_ITEMS },
};

const size_t export_ncolumns = sizeof(export_columns) / sizeof(export_columns[0]);

static const char *
or_unknown(const char *s)
{
	return s != NULL ? s : "?";
}

/* "Cà phê: 2 x 25000 = 50000", one line per item. */
static const char *
items_text(struct strbuf *b, const struct invoice *inv)
{
	b->len = 0;
	if (inv->nitems == 0)
		return "";
	for (size_t i = 0; i < inv->nitems; i++) {
		const struct invoice_line_item *it = &inv->items[i];

		strbuf_printf(b, "%s%s: %s x %s = %s", i > 0 ? "\n" : "", or_unknown(it->description),
		    or_unknown(it->quantity), or_unknown(it->unit_price), or_unknown(it->amount));
	}
	return b->failed ? NULL : b->p;
}

const char *
export_cell(struct export *e, const struct export_row *r, size_t c)
{
	switch (export_columns[c].from) {
	case EXPORT_FROM_FIELD:
		return r->inv->value[export_columns[c].field];
	case EXPORT_FROM_ID:
		return r->id;
	case EXPORT_FROM_NEEDS_REVIEW:
		return r->inv->needs_review ? "true" : "false";
	case EXPORT_FROM_SOURCE:
		return r->source;
	case EXPORT_FROM_CREATED_AT:
		return r->created_at;
	case EXPORT_FROM_ITEM_COUNT:
		e->cell.len = 0;
		strbuf_printf(&e->cell, "%zu", r->inv->nitems);
		return e->cell.failed ? NULL : e->cell.p;
	case EXPORT_FROM_ITEMS:
		return items_text(&e->cell, r->inv);
	}
	return NULL;
}

static bool
digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

bool
export_timestamp_parse(const char *s, struct export_timestamp *t)
{
	const char *p;
	int sec, frac_digits = 0;
	double frac = 0, scale = 1;

	if (strlen(s) < 19 || !digits(s, 4, &t->year) || s[4] != '-' || !digits(s + 5, 2, &t->month) ||
	    s[7] != '-' || !digits(s + 8, 2, &t->day) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2, &t->hour) || s[13] != ':' || !digits(s + 14, 2, &t->min) ||
	    s[16] != ':' || !digits(s + 17, 2, &sec))
		return false;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, frac_digits++) {
			scale /= 10;
			frac += (*p - '0') * scale;
		}
		if (frac_digits == 0)
			return false;
	}
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00") != 0 && strcmp(p, "+00:00") != 0 && *p != '\0')
		return false;
	if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 || t->hour > 23 ||
	    t->min > 59 || sec > 59)
		return false;
	t->sec = sec + frac;
	return true;
}
