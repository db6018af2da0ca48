/*
 * invoices: list, show and delete invoices (lib/invoices has the SQL).
 *
 * The list's filters and page come from lib/invoice_filter, which the
 * stats and export routes read the same way; a value it refuses is a 400
 * naming the parameter.  The Invoice is PostgreSQL's JSON text, sent on
 * as it comes.  Another user's invoice, like a malformed id, is a 404.
 */
#include <string.h>

#include "lib/invoices.h"
#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-ocrd/ocrd.h"

/* --- list --- */

struct list {
	struct invoice_filter filter;
	struct invoice_page page;
};

const char *
invoices_query_param(void *arg, const char *name, size_t *len)
{
	return http_query_n(arg, name, len);
}

bool
invoices_filter_read(struct http_request *hr, struct invoice_filter *f)
{
	char why[200];

	if (invoice_filter_read(f, invoices_query_param, hr, why, sizeof(why)) == 0)
		return true;
	http_send_error(hr, 400, "bad_request", why);
	return false;
}

static void
on_list(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;
	struct list *l = op->data;
	int n, shown;
	yajl_gen g;
	char cursor[CURSOR_MAX];

	if (!job_op_result(op, res, err))
		return;
	n = PQntuples(res);
	shown = n > l->page.limit ? l->page.limit : n;
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_key(g, "items");
	yajl_gen_array_open(g);
	for (int i = 0; i < shown; i++)
		json_gen_raw(g, PQgetvalue(res, i, INVOICE_LIST_JSON), (size_t)PQgetlength(res, i, INVOICE_LIST_JSON));
	yajl_gen_array_close(g);
	json_gen_key(g, "next_cursor");
	if (n > l->page.limit) {
		int last = shown - 1;

		invoice_page_cursor(&l->page, PQgetisnull(res, last, INVOICE_LIST_KEY) ? NULL :
		    PQgetvalue(res, last, INVOICE_LIST_KEY), PQgetvalue(res, last, INVOICE_LIST_ID), cursor);
		json_gen_string(g, cursor);
	} else {
		yajl_gen_null(g);
	}
	yajl_gen_map_close(g);
	http_send_gen(op->hr, 200, g);
}

void
invoices_list(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, sizeof(struct list));
	const char *params[INVOICE_LIST_NPARAMS];
	struct list *l;
	char why[200];

	if (op == NULL)
		return;
	l = op->data;
	if (!invoices_filter_read(hr, &l->filter))
		return;
	if (invoice_page_read(&l->page, invoices_query_param, hr, why, sizeof(why)) != 0) {
		http_send_error(hr, 400, "bad_request", why);
		return;
	}
	invoice_page_params(&l->filter, &l->page, op->user_id, op->admin, params);
	job_op_query(op, invoice_sql_list[l->page.sort], INVOICE_LIST_NPARAMS, params, on_list);
}

/* --- one --- */

void
invoices_query_one(struct job_op *op, const char *sql, pg_query_cb cb)
{
	const char *params[3] = { op->invoice_id, op->user_id, op->admin ? "true" : "false" };

	job_op_query(op, sql, 3, params, cb);
}

void
invoices_answer(struct job_op *op, int status, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		http_send_error(op->hr, 404, "not_found", "no such invoice");
		return;
	}
	http_send_json(op->hr, status, PQgetvalue(res, 0, INVOICE_COL_JSON),
	    (size_t)PQgetlength(res, 0, INVOICE_COL_JSON));
}

void
invoices_one(struct http_request *hr, const char *sql, pg_query_cb cb)
{
	struct job_op *op = job_op_new(hr, 0);

	if (op != NULL && job_op_invoice_id(op))
		invoices_query_one(op, sql, cb);
}

static void
on_one(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;

	if (job_op_result(op, res, err))
		invoices_answer(op, 200, res);
}

void
invoices_get(struct http_request *hr)
{
	invoices_one(hr, invoice_sql_get, on_one);
}

/* --- delete: the invoice and its original; the job it came from stays --- */

static void
on_deleted(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;

	if (!job_op_result(op, res, err))
		return;
	if (PQntuples(res) == 0) {
		http_send_error(op->hr, 404, "not_found", "no such invoice");
		return;
	}
	log_info("event=invoice_deleted invoice=%s user=%s request_id=%s", op->invoice_id, op->user_id,
	    op->hr->request_id);
	http_send_no_content(op->hr);
}

void
invoices_delete(struct http_request *hr)
{
	invoices_one(hr, invoice_sql_delete, on_deleted);
}
