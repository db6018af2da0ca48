/*
 * invoice_row: an invoice's values as lib/invoices' statements give them
 * (enum invoice_row_column, one per column) made into a struct invoice,
 * for the writers of whole invoices (lib/ubl, lib/export).  The one place
 * that reads those columns.
 *
 * SECURITY: the values come from OCR of anyone's upload or from a
 * client's PATCH, through the database.  Only their shape is checked
 * here (each column named as expected, line_items an array of objects
 * whose members are strings or null); what they hold is the writers' to
 * check (invoice_valid()), as they do before writing anything.
 */
#ifndef QUILL_INVOICE_ROW_H
#define QUILL_INVOICE_ROW_H

#include <libpq-fe.h>

#include "lib/invoice.h"

enum invoice_row_status {
	INVOICE_ROW_READ,
	INVOICE_ROW_MALFORMED,	/* a column not as lib/invoices makes it */
	INVOICE_ROW_NOMEM,
};

/*
 * Fills the empty invoice out from row `row` of res, whose values start
 * at column col.  On anything but INVOICE_ROW_READ out is empty again.
 * The caller invoice_free()s it.
 */
enum invoice_row_status invoice_row_read(const PGresult *res, int row, int col, struct invoice *out);

/* The row's own values, which the invoice does not hold (NUL-terminated, in res). */
const char *invoice_row_id(const PGresult *res, int row, int col);
const char *invoice_row_source(const PGresult *res, int row, int col);
const char *invoice_row_created_at(const PGresult *res, int row, int col);	/* RFC 3339 UTC */

#endif
