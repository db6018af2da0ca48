/*
 * invoices: the invoice's rows, ocr.invoices and ocr.invoice_originals,
 * in one module.
 *
 * Every statement on the two tables is here -- quill-ocrd's list, show,
 * create, correct, delete, original, stats, export and UBL, and the
 * part of the worker's finish (lib/jobs) that writes the invoice -- with
 * the columns each result holds as named constants, as lib/jobs does
 * for the jobs.
 *
 * The Invoice of the API (ARCHITECTURE.md, "Invoices API") is made in
 * one place, INVOICE_JSON: PostgreSQL writes it, keys in the contract's
 * order, money as the NUMERIC's own text (what was stored, digit for
 * digit: "1250000", "1234.50"), dates as YYYY-MM-DD, times as RFC 3339
 * UTC.  Callers pass that text on untouched.
 *
 * An invoice's values come in as one JSON object with lib/invoice's
 * invoice_to_json() shape (the fields by name, language, line_items,
 * confidence, needs_review, review_reasons), checked before it gets
 * here; jsonb_populate_record() spreads it into the columns, so a key
 * missing from it is a column left alone (PATCH) or NULL (a new row).
 *
 * What the statements guarantee together (sql/ocr/005 and 006):
 * - A user reaches only their own invoices; an admin reaches all.
 *   Another user's invoice is not found, the same as none.
 * - A job has at most one invoice.  Made again from the same job (the
 *   job requeued), the invoice keeps its id and every field its owner
 *   corrected (listed in `corrected`, with their confidence); the rest,
 *   and `extracted`, are the new extraction's.
 * - A correction never touches `extracted`: it is what the extractor
 *   read, whatever the owner made of it.
 * - The original file goes when its invoice goes.
 */
#ifndef QUILL_INVOICES_H
#define QUILL_INVOICES_H

#include "lib/invoice_filter.h"
#include "lib/pg.h"

/* The id of the invoice made from the job whose id is the SQL expression job, or NULL. */
#define INVOICE_ID_OF_JOB(job) "(SELECT iv.id FROM ocr.invoices iv WHERE iv.job_id = " job ")"

/* --- quill-ocrd --- */

/* get, create and patch answer one column: the Invoice as JSON text. */
enum invoice_column { INVOICE_COL_JSON };

/* $1 id, $2 user, $3 admin: the invoice if it is this user's, or any for an admin. */
extern const char invoice_sql_get[];

/*
 * The list in each order of lib/invoice_filter, with its parameters
 * (enum invoice_filter_param, then enum invoice_page_param): limit + 1
 * rows, the extra one only saying there are more.
 */
extern const char *const invoice_sql_list[INVOICE_NSORTS];
enum invoice_list_column {
	INVOICE_LIST_JSON,
	INVOICE_LIST_ID,
	INVOICE_LIST_KEY,	/* the sort key as its cursor holds it; NULL when the invoice has none */
	INVOICE_LIST_NCOLUMNS
};

/*
 * The export: the list in each order, with the same parameters (the
 * limit is the page the export fetches at a time), and after the list's
 * columns the invoice's values one per column (enum invoice_row_column,
 * from INVOICE_LIST_NCOLUMNS), for lib/invoice_row.
 */
extern const char *const invoice_sql_export[INVOICE_NSORTS];

/*
 * The values of one invoice, one per column, each named as its API field
 * (lib/invoice_row reads them): the row's own, then lib/invoice's fields
 * in the order of enum invoice_field.  Money and rates as the NUMERIC's
 * text, dates "YYYY-MM-DD", created_at RFC 3339 UTC, line_items JSON.
 */
enum invoice_row_column {
	INVOICE_ROW_ID,
	INVOICE_ROW_SOURCE,
	INVOICE_ROW_CREATED_AT,
	INVOICE_ROW_LANGUAGE,
	INVOICE_ROW_NEEDS_REVIEW,	/* "t" or "f" */
	INVOICE_ROW_LINE_ITEMS,
	INVOICE_ROW_FIELDS,		/* the first of INVOICE_NFIELDS */
	INVOICE_ROW_NCOLUMNS = INVOICE_ROW_FIELDS + INVOICE_NFIELDS
};

/* $1..$3 as get: the invoice's values (enum invoice_row_column), for UBL. */
extern const char invoice_sql_values[];

/*
 * The stats: the filters' parameters, then $12 the group ("month",
 * "seller" or "currency"): one column, the whole answer as JSON,
 * {"items": [{key, currency, count, subtotal, tax_amount, total}]}.
 */
enum invoice_stats_param {
	INVOICE_P_GROUP = INVOICE_FILTER_NPARAMS,
	INVOICE_STATS_NPARAMS
};
extern const char invoice_sql_stats[];

/*
 * $1 new id, $2 user, $3 values (see above; `confidence` in it): an
 * invoice entered by hand, source "manual", nothing extracted.
 */
extern const char invoice_sql_create[];

/*
 * $1 id, $2 user, $3 admin, $4 values (only the keys to change; no
 * `confidence`), $5 their confidences as an object: the corrected
 * invoice.  Each key of $4 joins `corrected`.
 */
extern const char invoice_sql_patch[];

/* $1..$3 as get: deletes it (and its original); a row of the id when one went. */
extern const char invoice_sql_delete[];

/*
 * $1..$3 as get, with every result column in binary (lib/pg's
 * pg_binary): no row when no such invoice; a row with a NULL content
 * type when it has no original (one entered by hand).
 */
extern const char invoice_sql_original[];
enum invoice_original_column { INVOICE_ORIG_TYPE, INVOICE_ORIG_NAME, INVOICE_ORIG_BODY };

/* --- the worker's finish (lib/jobs), as common table expressions --- */

/*
 * After a CTE named done that returns the finished job's id and user_id:
 * with the invoice's values (invoice_to_json()) in $v, the new invoice's
 * id in $id and its source in $src, "inv" upserts the job's invoice as
 * the guarantees above say, and "orig" stores the original file ($name,
 * $type, $sha, the bytes in $body) beside it.  Nothing is written when
 * $v is NULL (nothing was extracted), or when done returned no row; no
 * original when $body is NULL.
 */
#define INVOICE_FINISH_CTES(v, id, src, name, type, sha, body) \
	"inv AS (INSERT INTO ocr.invoices AS i (id, job_id, user_id, source, " INVOICE_VALUE_COLUMNS ", " \
	"confidence, extracted) " \
	"SELECT " id "::uuid, d.id, d.user_id, " src "::text, " INVOICE_VALUES("r") ", " \
	"coalesce(r.confidence, '{}'), " INVOICE_EXTRACTED(v) " " \
	"FROM done d, jsonb_populate_record(NULL::ocr.invoices, " v "::jsonb) r WHERE " v "::jsonb IS NOT NULL " \
	"ON CONFLICT (job_id) DO UPDATE SET (" INVOICE_VALUE_COLUMNS ") = " \
	"(SELECT " INVOICE_VALUES("r") " FROM jsonb_populate_record(i, " v "::jsonb - i.corrected) r), " \
	"confidence = (coalesce(" v "::jsonb -> 'confidence', '{}') - i.corrected) || " \
	"(SELECT coalesce(jsonb_object_agg(c.key, c.value), '{}') FROM jsonb_each(i.confidence) c " \
	"WHERE c.key = ANY (i.corrected)), " \
	"extracted = EXCLUDED.extracted, source = EXCLUDED.source, updated_at = now() " \
	"RETURNING i.id), " \
	"orig AS (INSERT INTO ocr.invoice_originals (invoice_id, filename, content_type, sha256, body) " \
	"SELECT inv.id, " name "::text, " type "::text, " sha "::text, " body "::bytea FROM inv " \
	"WHERE " body "::bytea IS NOT NULL " \
	"ON CONFLICT (invoice_id) DO UPDATE SET filename = EXCLUDED.filename, " \
	"content_type = EXCLUDED.content_type, sha256 = EXCLUDED.sha256, body = EXCLUDED.body) "

/* --- the pieces the statements share --- */

/* The columns an invoice's values fill, and the same from a populated record r, in that order. */
#define INVOICE_VALUE_COLUMNS \
	"document_type, language, invoice_number, invoice_date, due_date, seller_name, seller_address, " \
	"seller_tax_id, buyer_name, buyer_address, buyer_tax_id, currency, subtotal, tax_rate, tax_amount, " \
	"total, payment_method, payment_account, transaction_id, customer_code, line_items, needs_review, " \
	"review_reasons"
#define INVOICE_VALUES(r) \
	"coalesce(" r ".document_type, 'invoice'), " r ".language, " r ".invoice_number, " r ".invoice_date, " \
	r ".due_date, " r ".seller_name, " r ".seller_address, " r ".seller_tax_id, " r ".buyer_name, " \
	r ".buyer_address, " r ".buyer_tax_id, " r ".currency, " r ".subtotal, " r ".tax_rate, " \
	r ".tax_amount, " r ".total, " r ".payment_method, " r ".payment_account, " r ".transaction_id, " \
	r ".customer_code, coalesce(" r ".line_items, '[]'), coalesce(" r ".needs_review, false), " \
	"coalesce(" r ".review_reasons, '[]')"

/* `extracted`: the values found in the JSON v (its non-null members but the judgements). */
#define INVOICE_EXTRACTED(v) \
	"(SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}') FROM jsonb_each(" v "::jsonb - " \
	"'{confidence,needs_review,review_reasons}'::text[]) e WHERE e.value <> 'null')"

#endif
