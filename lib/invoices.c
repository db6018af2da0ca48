/*
 * invoices: see invoices.h.  The Invoice as JSON first, then the filters
 * and orders of the list, then each statement.
 */
#include "lib/invoices.h"

/*
 * The Invoice of `i`, keys in the contract's order.  jsonb keeps its
 * keys in its own order, so the line items are written again in theirs.
 */
#define LINE_ITEMS_JSON \
	"(SELECT coalesce(json_agg(json_build_object('description', e -> 'description', " \
	"'quantity', e -> 'quantity', 'unit_price', e -> 'unit_price', 'amount', e -> 'amount') ORDER BY n), " \
	"'[]') FROM jsonb_array_elements(i.line_items) WITH ORDINALITY AS x(e, n))"
#define SQL_DATE(x) "to_char(" x ", 'YYYY-MM-DD')"
#define INVOICE_JSON \
	"json_build_object('id', i.id, 'job_id', i.job_id, 'invoice_number', i.invoice_number, " \
	"'invoice_date', " SQL_DATE("i.invoice_date") ", 'due_date', " SQL_DATE("i.due_date") ", " \
	"'seller_name', i.seller_name, 'seller_address', i.seller_address, 'seller_tax_id', i.seller_tax_id, " \
	"'buyer_name', i.buyer_name, 'buyer_address', i.buyer_address, 'buyer_tax_id', i.buyer_tax_id, " \
	"'currency', i.currency, 'subtotal', i.subtotal::text, 'tax_rate', i.tax_rate::text, " \
	"'tax_amount', i.tax_amount::text, 'total', i.total::text, 'language', i.language, " \
	"'line_items', " LINE_ITEMS_JSON ", 'confidence', i.confidence, 'needs_review', i.needs_review, " \
	"'review_reasons', i.review_reasons, 'extracted', i.extracted, 'corrected', to_json(i.corrected), " \
	"'document_type', i.document_type, 'payment_method', i.payment_method, " \
	"'payment_account', i.payment_account, 'transaction_id', i.transaction_id, " \
	"'customer_code', i.customer_code, 'source', i.source, " \
	"'created_at', " SQL_RFC3339("i.created_at") ", 'updated_at', " SQL_RFC3339("i.updated_at") ")"

#define WHOSE "($3::bool OR i.user_id = $2::uuid)"

/* --- the list --- */

/*
 * A substring pattern for ILIKE made of the parameter p: its own %, _
 * and \ match themselves.
 */
#define SQL_CONTAINS(p) \
	"('%' || replace(replace(replace(" p ", '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')"

/*
 * The filters, $1..$11 in the order of enum invoice_filter_param.  The
 * statements go as unnamed ones, planned with their values, so a filter
 * not given ("$n IS NULL") costs nothing and one given can use an index
 * (sql/ocr/006).  q searches ocr.invoice_search_text(), which joins the
 * fields with a control character that q cannot hold
 * (lib/invoice_filter), so no match spans two fields.
 */
#define FILTERS \
	"($2::bool OR i.user_id = $1::uuid) " \
	"AND ($3::date IS NULL OR i.invoice_date >= $3::date) " \
	"AND ($4::date IS NULL OR i.invoice_date <= $4::date) " \
	"AND ($5::text IS NULL OR i.seller_name ILIKE " SQL_CONTAINS("$5::text") ") " \
	"AND ($6::text IS NULL OR i.currency = $6::text) " \
	"AND ($7::numeric IS NULL OR i.total >= $7::numeric) " \
	"AND ($8::numeric IS NULL OR i.total <= $8::numeric) " \
	"AND ($9::bool IS NULL OR i.needs_review = $9::bool) " \
	"AND ($10::text IS NULL OR ocr.invoice_search_text(i.invoice_number, i.seller_name, i.buyer_name, " \
	"i.line_items) ILIKE " SQL_CONTAINS("$10::text") ") " \
	"AND ($11::text IS NULL OR i.document_type = $11::text)"

/* created_at in microseconds, the default order's cursor key */
#define CREATED_US "(extract(epoch FROM i.created_at) * 1000000)::bigint"

/*
 * A page: the ids the query ids chose, in order, and each one's Invoice
 * and cursor key.  The Invoice is made for the page's rows only, after
 * the choice: made for every row a sort reads, it cost 0.4 s for 100k
 * rows.
 */
#define PAGE_OF(more, ids, key, order) \
	"SELECT " INVOICE_JSON ", i.id, " key more " FROM (" ids ") p JOIN ocr.invoices i ON i.id = p.id " \
	"ORDER BY " order " LIMIT $14::int + 1"

/*
 * Newest first; $12 the cursor's microseconds, $13 its id, $14 the
 * limit.  more: the columns after the list's (none, or the export's).
 */
#define LIST_CREATED(more) PAGE_OF(more, \
	"SELECT i.id FROM ocr.invoices i WHERE " FILTERS " " \
	"AND ($13::uuid IS NULL OR (i.created_at, i.id) < " \
	"(timestamptz 'epoch' + $12::bigint * interval '1 microsecond', $13::uuid)) " \
	"ORDER BY i.created_at DESC, i.id DESC LIMIT $14::int + 1", \
	CREATED_US "::text", "i.created_at DESC, i.id DESC")

/*
 * By a column that may be NULL, those without it last both ways, id
 * breaking ties: the invoices with the key after the cursor's (none when
 * the cursor's had no key), then those without, after the cursor's id
 * when it had none.  Each half is a plain range of one index on
 * (user_id, column, id), read forwards or backwards (sql/ocr/006), and
 * stops at the limit; only the two short halves are sorted together.
 * The half without the key is ordered by the column too, all NULL there,
 * so that the planner sees the index's order is the one wanted (it does
 * not take "IS NULL" for an equality).  $12 is the cursor's key, $13 its
 * id, $14 the limit.
 */
#define LIST_BY(more, col, type, key, cmp, dir) PAGE_OF(more, \
	"(SELECT i.id FROM ocr.invoices i WHERE " FILTERS " AND i." col " IS NOT NULL " \
	"AND ($13::uuid IS NULL OR ($12::" type " IS NOT NULL AND (i." col ", i.id) " cmp " ($12::" type ", " \
	"$13::uuid))) ORDER BY i." col " " dir ", i.id " dir " LIMIT $14::int + 1) " \
	"UNION ALL " \
	"(SELECT i.id FROM ocr.invoices i WHERE " FILTERS " AND i." col " IS NULL " \
	"AND ($13::uuid IS NULL OR $12::" type " IS NOT NULL OR i.id " cmp " $13::uuid) " \
	"ORDER BY i." col " " dir ", i.id " dir " LIMIT $14::int + 1)", \
	key, "i." col " " dir " NULLS LAST, i.id " dir)

#define LIST_DATE(more) LIST_BY(more, "invoice_date", "date", SQL_DATE("i.invoice_date"), ">", "ASC")
#define LIST_DATE_DESC(more) LIST_BY(more, "invoice_date", "date", SQL_DATE("i.invoice_date"), "<", "DESC")
#define LIST_TOTAL(more) LIST_BY(more, "total", "numeric", "i.total::text", ">", "ASC")
#define LIST_TOTAL_DESC(more) LIST_BY(more, "total", "numeric", "i.total::text", "<", "DESC")

const char *const invoice_sql_list[INVOICE_NSORTS] = {
	[INVOICE_SORT_CREATED] = LIST_CREATED(""),
	[INVOICE_SORT_DATE] = LIST_DATE(""),
	[INVOICE_SORT_DATE_DESC] = LIST_DATE_DESC(""),
	[INVOICE_SORT_TOTAL] = LIST_TOTAL(""),
	[INVOICE_SORT_TOTAL_DESC] = LIST_TOTAL_DESC(""),
};

/* --- the export: the list's pages, each row with its values in columns too --- */

/*
 * The values of `i` one per column, in the order of enum
 * invoice_row_column, each named as its field (what lib/invoice_row
 * checks), money as the NUMERIC's own text.
 */
#define ROW_COLUMNS \
	"i.id AS id, i.source AS source, " SQL_RFC3339("i.created_at") " AS created_at, " \
	"i.language AS language, i.needs_review AS needs_review, i.line_items AS line_items, " \
	"i.invoice_number AS invoice_number, " SQL_DATE("i.invoice_date") " AS invoice_date, " \
	SQL_DATE("i.due_date") " AS due_date, i.seller_name AS seller_name, " \
	"i.seller_address AS seller_address, i.seller_tax_id AS seller_tax_id, i.buyer_name AS buyer_name, " \
	"i.buyer_address AS buyer_address, i.buyer_tax_id AS buyer_tax_id, i.currency AS currency, " \
	"i.subtotal::text AS subtotal, i.tax_rate::text AS tax_rate, i.tax_amount::text AS tax_amount, " \
	"i.total::text AS total, i.document_type AS document_type, i.payment_method AS payment_method, " \
	"i.payment_account AS payment_account, i.transaction_id AS transaction_id, " \
	"i.customer_code AS customer_code"

const char *const invoice_sql_export[INVOICE_NSORTS] = {
	[INVOICE_SORT_CREATED] = LIST_CREATED(", " ROW_COLUMNS),
	[INVOICE_SORT_DATE] = LIST_DATE(", " ROW_COLUMNS),
	[INVOICE_SORT_DATE_DESC] = LIST_DATE_DESC(", " ROW_COLUMNS),
	[INVOICE_SORT_TOTAL] = LIST_TOTAL(", " ROW_COLUMNS),
	[INVOICE_SORT_TOTAL_DESC] = LIST_TOTAL_DESC(", " ROW_COLUMNS),
};

/* --- the stats --- */

/*
 * One row of the filtered invoices' sums per key and currency, made into
 * the whole answer here.  A sum of NUMERICs is exact and its text keeps
 * the largest scale summed ("1250000", "2469.25"); sum() of none but
 * NULLs is NULL.  The key of an invoice without a date or a seller is
 * NULL, as is its group's.  Keys and currencies sort by code point (COLLATE
 * "C": the same order whatever the database's locale), NULL last.
 */
#define STATS_KEY \
	"CASE $12::text WHEN 'month' THEN to_char(i.invoice_date, 'YYYY-MM') " \
	"WHEN 'seller' THEN i.seller_name ELSE i.currency END"

const char invoice_sql_stats[] =
	"SELECT json_build_object('items', coalesce(json_agg(json_build_object('key', s.key, "
	"'currency', s.currency, 'count', s.count, 'subtotal', s.subtotal::text, "
	"'tax_amount', s.tax_amount::text, 'total', s.total::text) "
	"ORDER BY s.key COLLATE \"C\" NULLS LAST, s.currency COLLATE \"C\" NULLS LAST), '[]')) "
	"FROM (SELECT " STATS_KEY " AS key, i.currency, count(*) AS count, sum(i.subtotal) AS subtotal, "
	"sum(i.tax_amount) AS tax_amount, sum(i.total) AS total "
	"FROM ocr.invoices i WHERE " FILTERS " GROUP BY 1, 2) s";

/* --- one invoice --- */

const char invoice_sql_get[] =
	"SELECT " INVOICE_JSON " FROM ocr.invoices i WHERE i.id = $1 AND " WHOSE;

const char invoice_sql_create[] =
	"INSERT INTO ocr.invoices AS i (id, user_id, source, " INVOICE_VALUE_COLUMNS ", confidence) "
	"SELECT $1::uuid, $2::uuid, 'manual', " INVOICE_VALUES("r") ", coalesce(r.confidence, '{}') "
	"FROM jsonb_populate_record(NULL::ocr.invoices, $3::jsonb) r "
	"RETURNING " INVOICE_JSON;

/* corrected stays a set, in name order */
const char invoice_sql_patch[] =
	"UPDATE ocr.invoices i SET (" INVOICE_VALUE_COLUMNS ") = "
	"(SELECT " INVOICE_VALUES("r") " FROM jsonb_populate_record(i, $4::jsonb) r), "
	"confidence = i.confidence || $5::jsonb, "
	"corrected = ARRAY(SELECT unnest(i.corrected) UNION SELECT jsonb_object_keys($4::jsonb) ORDER BY 1), "
	"updated_at = now() "
	"WHERE i.id = $1 AND " WHOSE " RETURNING " INVOICE_JSON;

const char invoice_sql_delete[] =
	"DELETE FROM ocr.invoices i WHERE i.id = $1 AND " WHOSE " RETURNING i.id";

const char invoice_sql_values[] =
	"SELECT " ROW_COLUMNS " FROM ocr.invoices i WHERE i.id = $1 AND " WHOSE;

const char invoice_sql_original[] =
	"SELECT o.content_type, o.filename, o.body FROM ocr.invoices i "
	"LEFT JOIN ocr.invoice_originals o ON o.invoice_id = i.id WHERE i.id = $1 AND " WHOSE;
