/*
 * invoice_export: GET /api/invoices/export?format=csv|jsonl|xlsx, the
 * caller's invoices (an admin's: everyone's) as one file, with the
 * list's filters and sort (lib/invoice_filter); format defaults to csv.
 *
 * Streamed, so memory stays flat however many invoices there are: the
 * rows come from the export statements of lib/invoices in keyset pages
 * of PAGE_ROWS (the list's own order and cursor, kept in the stream's
 * struct invoice_page: no state on the server beyond this request), go
 * through lib/export one by one, and a page's bytes go out with one
 * h2o_send().  The next page is fetched only when h2o has sent them and
 * asks for more (proceed), so a slow client slows the queries, never
 * piles up memory.  XLSX is written to a file under [http]
 * body_buffer_dir until the last row, then read back a chunk per proceed.
 *
 * Errors: one before the first byte (a query, a row lib/export refuses,
 * the temporary file) is a JSON error as any route's; one after it ends
 * the response abruptly (no last chunk), so the client sees a truncated
 * file, never a short one that looks whole.  Either is logged once.  A
 * client that goes away stops the fetching: the pending query is
 * abandoned by the op's dispose hook, the export freed by the stream's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/export.h"
#include "lib/invoice_row.h"
#include "lib/invoices.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "bin/quill-ocrd/ocrd.h"

/*
 * Rows a query fetches: a page's bytes (about 1 KB a row in CSV, 2 in
 * JSON lines) stay well under a megabyte, and 10,000 invoices take 50
 * round trips.
 */
#define PAGE_ROWS 200

struct stream {
	struct job_op *op;
	h2o_generator_t gen;
	struct export *ex;
	enum export_format format;
	struct invoice_filter filter;
	struct invoice_page page;	/* after the last row fetched */
	struct strbuf out;		/* a page's bytes, in flight until proceed */
	bool started;			/* the response head is out */
	bool more;			/* pages left to fetch */
	bool done;			/* ended, or the client is gone: nothing more */
	unsigned long rows;
};

static void fetch_page(struct stream *s);

/* The request is over however it ended: what the stream owns goes. */
static void
stream_dispose(void *p)
{
	struct stream *s = p;

	s->done = true;
	export_free(s->ex);
	s->ex = NULL;
	free(s->out.p);
	s->out.p = NULL;
}

/* The client went away mid-stream; the dispose hooks follow. */
static void
on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
	H2O_STRUCT_FROM_MEMBER(struct stream, gen, gen)->done = true;
}

static void
start_response(struct stream *s)
{
	h2o_req_t *req = s->op->hr->req;
	char day[16], *disposition;
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	disposition = h2o_mem_alloc_pool(&req->pool, 64);
	n = snprintf(disposition, 64, "attachment; filename=\"invoices-%s.%s\"", day,
	    export_file_extension(s->format));
	req->res.status = 200;
	req->res.reason = "OK";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
	    export_content_type(s->format), strlen(export_content_type(s->format)));
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-disposition"), 0, NULL,
	    disposition, (size_t)n);
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL,
	    H2O_STRLIT("nosniff"));
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("private, no-store"));
	h2o_start_response(req, &s->gen);
	s->started = true;
}

/* Sends len bytes that stay valid until proceed; the last send is an empty final one. */
static void
send_bytes(struct stream *s, const char *data, size_t len, h2o_send_state_t state)
{
	h2o_iovec_t vec = h2o_iovec_init(data, len);

	if (!s->started)
		start_response(s);
	if (state != H2O_SEND_STATE_IN_PROGRESS)
		s->done = true;
	/* after the last send the request may be gone: s is not touched again */
	h2o_send(s->op->hr->req, &vec, len > 0, state);
}

/* Ends a response already under way without its last chunk: the client sees it broken. */
static void
cut_short(struct stream *s)
{
	send_bytes(s, NULL, 0, H2O_SEND_STATE_ERROR);
}

/*
 * The export cannot go on.  Before the first byte the client gets a JSON
 * error; after it, a response cut short.  at: the invoice it stopped at.
 */
static void
fail(struct stream *s, enum export_status st, const char *at)
{
	log_warnx("event=export_failed reason=%s format=%s rows=%lu invoice=%s streaming=%s request_id=%s",
	    export_status_name(st), export_file_extension(s->format), s->rows, at != NULL ? at : "-",
	    s->started ? "yes" : "no", s->op->hr->request_id);
	if (s->started) {
		cut_short(s);
		return;
	}
	s->done = true;
	if (st == EXPORT_TOO_MANY_ROWS)
		http_send_error(s->op->hr, 422, "too_many_rows",
		    "an XLSX sheet holds at most 1048575 invoices; narrow the filters or export as csv or jsonl");
	else
		http_send_error(s->op->hr, 500, "internal_error", "the export failed; it was logged");
}

/* What comes after the bytes sent: the next page, or the file's next chunk, or its end. */
static void
send_next(struct stream *s)
{
	const char *data;
	size_t len;
	enum export_status st;

	if (s->more) {
		fetch_page(s);
		return;
	}
	if ((st = export_take(s->ex, &data, &len)) != EXPORT_OK)
		fail(s, st, NULL);
	else
		send_bytes(s, data, len, len > 0 ? H2O_SEND_STATE_IN_PROGRESS : H2O_SEND_STATE_FINAL);
}

static void
on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
	struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, gen, gen);

	if (!s->done)
		send_next(s);
}

/* Takes what the export has ready into s->out. */
static enum export_status
take_all(struct stream *s)
{
	const char *data;
	size_t len;
	enum export_status st;

	while ((st = export_take(s->ex, &data, &len)) == EXPORT_OK && len > 0)
		strbuf_add(&s->out, data, len);
	return st == EXPORT_OK && s->out.failed ? EXPORT_NOMEM : st;
}

/* Row i of the page through the export. */
static enum export_status
write_row(struct stream *s, const PGresult *res, int i)
{
	struct invoice inv = { 0 };
	struct export_row r = {
		.id = invoice_row_id(res, i, INVOICE_LIST_NCOLUMNS),
		.source = invoice_row_source(res, i, INVOICE_LIST_NCOLUMNS),
		.created_at = invoice_row_created_at(res, i, INVOICE_LIST_NCOLUMNS),
		.json = PQgetvalue(res, i, INVOICE_LIST_JSON),
		.json_len = (size_t)PQgetlength(res, i, INVOICE_LIST_JSON),
	};
	enum export_status st;

	/* JSON lines write the Invoice as served; only the table formats read the values */
	if (s->format != EXPORT_JSONL) {
		switch (invoice_row_read(res, i, INVOICE_LIST_NCOLUMNS, &inv)) {
		case INVOICE_ROW_READ:
			r.inv = &inv;
			break;
		case INVOICE_ROW_MALFORMED:
			return EXPORT_BAD_ROW;
		case INVOICE_ROW_NOMEM:
			return EXPORT_NOMEM;
		}
	}
	st = export_write_row(s->ex, &r);
	invoice_free(&inv);
	return st == EXPORT_OK ? take_all(s) : st;
}

static void
on_page(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct stream *s = arg;
	int n, rows;
	enum export_status st = EXPORT_OK;

	s->op->query = NULL;
	if (s->done)
		return;
	if (res == NULL && !s->started) {
		s->done = true;
		op_head_db_failed(&s->op->head, err);	/* answers 503 or 500, logged */
		return;
	}
	if (res == NULL) {
		char quoted[600];

		log_warnx("event=export_failed reason=query_failed format=%s rows=%lu streaming=yes error=%s "
		    "request_id=%s", export_file_extension(s->format), s->rows,
		    log_quote(quoted, sizeof(quoted), err->message, (size_t)-1), s->op->hr->request_id);
		cut_short(s);
		return;
	}
	n = PQntuples(res);
	rows = n > s->page.limit ? s->page.limit : n;
	s->out.len = 0;
	for (int i = 0; i < rows && st == EXPORT_OK; i++, s->rows++)
		if ((st = write_row(s, res, i)) != EXPORT_OK) {
			fail(s, st, PQgetvalue(res, i, INVOICE_LIST_ID));
			return;
		}
	s->more = n > s->page.limit;
	if (s->more)
		invoice_page_after(&s->page, PQgetisnull(res, rows - 1, INVOICE_LIST_KEY) ? NULL :
		    PQgetvalue(res, rows - 1, INVOICE_LIST_KEY), PQgetvalue(res, rows - 1, INVOICE_LIST_ID));
	else if ((st = export_finish(s->ex)) != EXPORT_OK || (st = take_all(s)) != EXPORT_OK) {
		fail(s, st, NULL);
		return;
	}
	if (s->out.len > 0)
		send_bytes(s, s->out.p, s->out.len, H2O_SEND_STATE_IN_PROGRESS);
	else
		send_next(s);	/* nothing to send yet (XLSX): on to the next page */
}

static void
fetch_page(struct stream *s)
{
	const char *params[INVOICE_LIST_NPARAMS];

	invoice_page_params(&s->filter, &s->page, s->op->user_id, s->op->admin, params);
	op_head_query(&s->op->head, invoice_sql_export[s->page.sort], INVOICE_LIST_NPARAMS, params, on_page, s);
}

/* ?format=, csv when absent; -1 after answering 400. */
static int
read_format(struct http_request *hr)
{
	size_t len;
	const char *v = http_query_n(hr, "format", &len);
	int f = v != NULL ? export_format_from_name(v, len) : EXPORT_CSV;

	if (f < 0)
		http_send_error(hr, 400, "bad_request", "format must be csv, jsonl or xlsx");
	return f;
}

void
invoices_export(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);
	struct export_options opt = { 0 };
	struct stream *s;
	enum export_status st;
	char why[200];
	int format;

	if (op == NULL || (format = read_format(hr)) < 0)
		return;
	s = http_request_alloc(hr, sizeof(*s), stream_dispose);
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->format = (enum export_format)format;
	if (!invoices_filter_read(hr, &s->filter))
		return;
	if (invoice_sort_read(&s->page, PAGE_ROWS, invoices_query_param, hr, why, sizeof(why)) != 0) {
		http_send_error(hr, 400, "bad_request", why);
		return;
	}
	opt.tmpdir = op->ocrd->export_tmpdir;
	if ((st = export_begin(s->format, &opt, &s->ex)) != EXPORT_OK) {
		fail(s, st, NULL);
		return;
	}
	s->gen.proceed = on_proceed;
	s->gen.stop = on_stop;
	fetch_page(s);
}
