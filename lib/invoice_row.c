/*
 * invoice_row: see invoice_row.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/invoice_row.h"
#include "lib/invoices.h"
#include "lib/json.h"

/* The row's own columns by name, in the order of enum invoice_row_column. */
static const char *const own_names[INVOICE_ROW_FIELDS] = {
	"id", "source", "created_at", "language", "needs_review", "line_items",
};

/* Whether res names its columns from col as lib/invoices' statements do. */
static bool
columns_named(const PGresult *res, int col)
{
	if (PQnfields(res) < col + INVOICE_ROW_NCOLUMNS)
		return false;
	for (int c = 0; c < INVOICE_ROW_FIELDS; c++)
		if (strcmp(PQfname(res, col + c), own_names[c]) != 0)
			return false;
	for (int f = 0; f < INVOICE_NFIELDS; f++)
		if (strcmp(PQfname(res, col + INVOICE_ROW_FIELDS + f), invoice_field_name((enum invoice_field)f)) != 0)
			return false;
	return true;
}

static const char *
value_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* A member of a line item: a string, or NULL for null or absent; false for another type. */
static bool
item_member(const struct json_value *item, const char *key, const char **out)
{
	const struct json_value *v = json_get(item, key);

	*out = NULL;
	if (v == NULL || json_type(v) == JSON_NULL)
		return true;
	return (*out = json_string(v, NULL)) != NULL;
}

static enum invoice_row_status
read_items(struct invoice *inv, const char *text, size_t len)
{
	char err[160];
	struct json_value *root = json_parse(text, len, 3, 0, err, sizeof(err));
	enum invoice_row_status st = INVOICE_ROW_READ;

	if (root == NULL)
		return errno == ENOMEM ? INVOICE_ROW_NOMEM : INVOICE_ROW_MALFORMED;
	if (json_type(root) != JSON_ARRAY)
		st = INVOICE_ROW_MALFORMED;
	for (size_t i = 0; st == INVOICE_ROW_READ && i < json_length(root); i++) {
		const struct json_value *item = json_at(root, i);
		const char *d, *q, *u, *a;

		if (json_type(item) != JSON_OBJECT || !item_member(item, "description", &d) ||
		    !item_member(item, "quantity", &q) || !item_member(item, "unit_price", &u) ||
		    !item_member(item, "amount", &a))
			st = INVOICE_ROW_MALFORMED;
		else if (invoice_add_item(inv, d, q, u, a) != 0)
			st = errno == ENOSPC ? INVOICE_ROW_MALFORMED : INVOICE_ROW_NOMEM;
	}
	json_free(root);
	return st;
}

static enum invoice_row_status
read_row(const PGresult *res, int row, int col, struct invoice *inv)
{
	const char *language = value_or_null(res, row, col + INVOICE_ROW_LANGUAGE);

	if (!columns_named(res, col) || PQgetisnull(res, row, col + INVOICE_ROW_LINE_ITEMS))
		return INVOICE_ROW_MALFORMED;
	for (int f = 0; f < INVOICE_NFIELDS; f++) {
		int c = col + INVOICE_ROW_FIELDS + f;

		if (!PQgetisnull(res, row, c) &&
		    invoice_set(inv, (enum invoice_field)f, PQgetvalue(res, row, c), (size_t)PQgetlength(res, row, c),
		    1) != 0)
			return INVOICE_ROW_NOMEM;
	}
	if (language != NULL && (inv->language = strdup(language)) == NULL)
		return INVOICE_ROW_NOMEM;
	inv->needs_review = strcmp(PQgetvalue(res, row, col + INVOICE_ROW_NEEDS_REVIEW), "t") == 0;
	return read_items(inv, PQgetvalue(res, row, col + INVOICE_ROW_LINE_ITEMS),
	    (size_t)PQgetlength(res, row, col + INVOICE_ROW_LINE_ITEMS));
}

enum invoice_row_status
invoice_row_read(const PGresult *res, int row, int col, struct invoice *out)
{
	enum invoice_row_status st = read_row(res, row, col, out);

	if (st != INVOICE_ROW_READ)
		invoice_free(out);
	return st;
}

const char *
invoice_row_id(const PGresult *res, int row, int col)
{
	return PQgetvalue(res, row, col + INVOICE_ROW_ID);
}

const char *
invoice_row_source(const PGresult *res, int row, int col)
{
	return PQgetvalue(res, row, col + INVOICE_ROW_SOURCE);
}

const char *
invoice_row_created_at(const PGresult *res, int row, int col)
{
	return PQgetvalue(res, row, col + INVOICE_ROW_CREATED_AT);
}
