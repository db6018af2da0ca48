/*
 * jobs: list, show, delete a job, and its text and hOCR.
 *
 * A job accepted while PostgreSQL was away has no row until a worker
 * claims it; until then GET /api/ocr/jobs/{id} answers from its spool
 * file in new/, so the URL a 202 gave out works at once.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-ocrd/ocrd.h"

static const char *const statuses[] = { "queued", "processing", "done", "failed" };

/* --- list --- */

static void
on_list(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;

	if (job_op_result(op, res, err))
		page_answer(op->hr, op->data, res, job_json, JOB_COL_TIME_US, 0);
}

void
jobs_list(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, sizeof(struct page));
	const char *status, *params[6];
	struct page *p;
	bool known = false;

	if (op == NULL)
		return;
	p = op->data;
	if (page_read(hr, p) != 0)
		return;
	if ((status = http_query(hr, "status")) != NULL) {
		for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
			known |= strcmp(status, statuses[i]) == 0;
		if (!known) {
			http_send_error(hr, 400, "bad_request", "status must be queued, processing, done or failed");
			return;
		}
	}
	params[0] = op->user_id;
	params[1] = op->admin ? "true" : "false";
	params[2] = status;
	params[3] = p->has_cursor ? p->after_us : NULL;
	params[4] = p->has_cursor ? p->after.id : NULL;
	params[5] = p->limit_param;
	job_op_query(op, job_sql_list, 6, params, on_list);
}

/* --- one --- */

/* The job's spool file in new/, when it is this user's; 404 otherwise. */
static void
answer_from_spool(struct job_op *op, int db_status)
{
	struct spool_file f;
	yajl_gen g;

	if (spool_map(op->ocrd->spool, SPOOL_NEW, op->job_id, &f) != 0) {
		if (db_status == 503)
			http_send_error(op->hr, 503, "database_unavailable", "the database cannot be reached; try again");
		else
			http_send_error(op->hr, 404, "not_found", "no such job");
		return;
	}
	if (!op->admin && strcmp(f.meta.user_id, op->user_id) != 0) {
		spool_unmap(&f);
		http_send_error(op->hr, 404, "not_found", "no such job");
		return;
	}
	g = json_gen_new();
	job_json_spooled(g, &f.meta, "queued");
	spool_unmap(&f);
	http_send_gen(op->hr, 200, g);
}

static void
on_one(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;
	yajl_gen g;

	op->query = NULL;
	if (res == NULL || PQntuples(res) == 0) {
		answer_from_spool(op, res == NULL ? 503 : 404);
		return;
	}
	g = json_gen_new();
	job_json(g, res, 0, 0);
	http_send_gen(op->hr, 200, g);
}

static void
query_one(struct job_op *op, const char *sql, pg_query_cb cb)
{
	const char *params[3] = { op->job_id, op->user_id, op->admin ? "true" : "false" };

	job_op_query(op, sql, 3, params, cb);
}

void
jobs_get(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);

	if (op != NULL && job_op_id(op))
		query_one(op, job_sql_get, on_one);
}

/* --- text and hOCR --- */

static void
on_output(void *arg, const PGresult *res, const struct pg_error *err, const char *content_type)
{
	struct job_op *op = arg;
	const char *status;

	if (!job_op_result(op, res, err))
		return;
	if (PQntuples(res) == 0) {
		http_send_error(op->hr, 404, "not_found", "no such job");
		return;
	}
	status = PQgetvalue(res, 0, JOB_OUT_STATUS);
	if (strcmp(status, "done") != 0) {
		http_send_error(op->hr, 409, "job_not_done", strcmp(status, "failed") == 0 ?
		    "the job failed; it has no output" : "the job is not done yet");
		return;
	}
	http_send_text(op->hr, 200, content_type, PQgetvalue(res, 0, JOB_OUT_BODY),
	    (size_t)PQgetlength(res, 0, JOB_OUT_BODY));
}

static void
on_text(void *arg, const PGresult *res, const struct pg_error *err)
{
	on_output(arg, res, err, "text/plain; charset=utf-8");
}

static void
on_hocr(void *arg, const PGresult *res, const struct pg_error *err)
{
	on_output(arg, res, err, "application/xhtml+xml; charset=utf-8");
}

void
jobs_text(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);

	if (op != NULL && job_op_id(op))
		query_one(op, job_sql_text, on_text);
}

void
jobs_hocr(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);

	if (op != NULL && job_op_id(op))
		query_one(op, job_sql_hocr, on_hocr);
}

/* --- delete --- */

/* The row goes first (lib/jobs.h); then whatever the spool still holds of the job. */
static void
on_deleted(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;

	if (!job_op_result(op, res, err))
		return;
	if (PQntuples(res) == 0) {
		struct spool_file f;
		bool mine;

		/* accepted while the database was away, not claimed yet: only the file exists */
		if (spool_map(op->ocrd->spool, SPOOL_NEW, op->job_id, &f) != 0) {
			http_send_error(op->hr, 404, "not_found", "no such job");
			return;
		}
		mine = op->admin || strcmp(f.meta.user_id, op->user_id) == 0;
		spool_unmap(&f);
		/* nothing removed: a worker claimed it meanwhile, and its row is coming */
		if (!mine || spool_remove(op->ocrd->spool, op->job_id) <= 0) {
			http_send_error(op->hr, 404, "not_found", "no such job");
			return;
		}
		log_info("event=job_deleted job=%s user=%s request_id=%s", op->job_id, op->user_id, op->hr->request_id);
		http_send_no_content(op->hr);
		return;
	}
	if (spool_remove(op->ocrd->spool, op->job_id) < 0)
		log_warn("event=spool_remove_failed job=%s", op->job_id);
	log_info("event=job_deleted job=%s user=%s request_id=%s", op->job_id, op->user_id, op->hr->request_id);
	http_send_no_content(op->hr);
}

void
jobs_delete(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);

	if (op != NULL && job_op_id(op))
		query_one(op, job_sql_delete, on_deleted);
}
