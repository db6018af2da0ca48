/*
 * export: invoices as one file for accountants, written row by row and
 * handed out in chunks (GET /api/invoices/export?format=csv|jsonl|xlsx;
 * ARCHITECTURE.md, "Invoices API").
 *
 * Use: export_begin(), then per invoice export_write_row() and
 * export_take() until it gives nothing, then export_finish() and
 * export_take() until it gives nothing.  What a take hands out is the
 * caller's to send before its next call on the export; memory stays
 * flat however many rows go through (one row's bytes for CSV and JSON
 * lines; for XLSX, libxlsxwriter's constant_memory mode keeps rows in a
 * temporary file, and the finished workbook is read back in chunks).
 * The first error sticks: every later call returns it.  No logging: the
 * caller decides.
 *
 * Columns of CSV and XLSX, in this order (export_columns[]): id,
 * invoice_number, invoice_date, due_date, seller_name, seller_tax_id,
 * seller_address, buyer_name, buyer_tax_id, buyer_address, currency,
 * subtotal, tax_rate, tax_amount, total, document_type, payment_method,
 * payment_account, transaction_id, customer_code, needs_review, source,
 * created_at (UTC), line_item_count, line_items.  line_items is text,
 * one item a line, "description: quantity x unit_price = amount" ("?"
 * for what is unknown), so a row stays one invoice and a spreadsheet
 * filter on it still works; confidences, review reasons and the values
 * as first extracted are in the JSON lines only.
 *
 * CSV (RFC 4180): UTF-8 with a byte order mark, without which Excel
 * reads UTF-8 as the local code page and mangles Vietnamese (LibreOffice,
 * Python's utf-8-sig and most importers skip it); records end in CRLF;
 * a field holding a comma, a quote, CR or LF is quoted, its quotes
 * doubled.  null is an empty field, the empty string a quoted one ("").
 * Numbers are as stored ("1250000", "-12.50"), '.' the decimal mark.  A
 * text cell a spreadsheet would run as a formula (starting with = + - @
 * tab or CR) gets a leading apostrophe, unless it is a plain number
 * ("-5"): OWASP's advice against CSV injection.
 *
 * JSON lines: each row's json (the Invoice as the API serves it, made by
 * the database) on a line of its own; a line break between its tokens
 * becomes a space (JSON strings cannot hold a raw one).
 *
 * XLSX: one sheet "Invoices", the header row bold and frozen.  Money and
 * rates are number cells, formatted with as many decimals as stored, so
 * an accountant can sum and filter them.  A cell is an IEEE double: an
 * amount of at most 15 significant digits (every VND amount below 10^15;
 * 2-decimal ones below 10^13) is the double nearest to it and reads back
 * as the same decimal in Excel, LibreOffice and openpyxl; one with 16 to
 * 18 (lib/money allows 14 + 4) would not, so it is written as a text
 * cell, exact.  Sums made by the spreadsheet are double arithmetic.
 * Dates are date cells (yyyy-mm-dd), created_at a date-time cell in UTC.
 * Text is written as strings, never formulas: no injection guard is
 * needed.  The empty string is a blank cell, as null is (a spreadsheet
 * has no empty string apart from a blank).  At most 1,048,575 rows
 * (Excel's limit less the header).
 */
#ifndef QUILL_EXPORT_H
#define QUILL_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/invoice.h"

enum export_format {
	EXPORT_CSV,
	EXPORT_JSONL,
	EXPORT_XLSX,
};

/* One invoice: the row's own columns beside the invoice value. */
struct export_row {
	const char *id;			/* uuid */
	const struct invoice *inv;	/* CSV, XLSX */
	const char *source;		/* "ocr", "pdf_text", "einvoice", "manual" */
	const char *created_at;		/* UTC: "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" ("+00", "+00:00", ' ' too) */
	const char *json;		/* JSON lines: one Invoice object, json_len bytes */
	size_t json_len;
};

struct export_options {
	const char *tmpdir;	/* XLSX: where its temporary files go; NULL: "/tmp" */
};

enum export_status {
	EXPORT_OK = 0,
	EXPORT_BAD_ROW,		/* a value not in its stored form, text not UTF-8, json not an object */
	EXPORT_TOO_MANY_ROWS,	/* beyond what an XLSX sheet holds */
	EXPORT_NOMEM,
	EXPORT_IO,		/* the temporary file (errno says why) */
	EXPORT_XLSX_FAILED,	/* libxlsxwriter failed */
	EXPORT_ORDER,		/* a row after export_finish(), or the like */
};

struct export;

/* The format named so in ?format=; -1 when none is. */
int export_format_from_name(const char *name, size_t len);
const char *export_content_type(enum export_format f);	/* for Content-Type */
const char *export_file_extension(enum export_format f);	/* "csv", for Content-Disposition */

/* Starts an export into *out (NULL on failure); opt may be NULL. */
enum export_status export_begin(enum export_format f, const struct export_options *opt,
    struct export **out);
enum export_status export_write_row(struct export *e, const struct export_row *row);
/* No more rows: the rest of the file becomes ready to take. */
enum export_status export_finish(struct export *e);
/*
 * Points *data at the next *len bytes of the file, valid until the next
 * call on e; *len 0: nothing ready now (before export_finish()), or the
 * end (after it).
 */
enum export_status export_take(struct export *e, const char **data, size_t *len);
void export_free(struct export *e);

/* The enumerator's name without EXPORT_, for a log line ("BAD_ROW"). */
const char *export_status_name(enum export_status st);

#endif
