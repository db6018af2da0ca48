/*
 * ocrd: what the route files of quill-ocrd share.
 *
 * A route that waits on PostgreSQL keeps its state in a `struct job_op`
 * in the request's memory; when the request ends early its dispose hook
 * abandons the query, so no callback touches a dead request.
 *
 * Who may see a job: its owner, and an admin.  Anyone else gets 404, the
 * answer for an id that never existed.
 */
#ifndef QUILL_OCRD_H
#define QUILL_OCRD_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <yajl/yajl_gen.h>

#include "lib/http.h"
#include "lib/jwt.h"
#include "lib/page.h"
#include "lib/pg.h"
#include "lib/spool.h"
#include "lib/uuid.h"

/* Per-worker state, made in worker_init. */
struct ocrd {
	struct spool *spool;
	size_t max_upload;
	uint64_t max_pixels;
	int64_t events_poll_ms;
	h2o_timeout_t events_every;	/* the SSE streams' tick */
};

struct job_op {
	struct http_request *hr;
	struct ocrd *ocrd;
	struct pg_query *query;
	char user_id[UUID_STR_LEN + 1];
	bool admin;
	char job_id[UUID_STR_LEN + 1];
	void *data;			/* the route's own state */
};

struct ocrd *ocrd_of(struct http_request *hr);

/*
 * Checks the bearer token and makes the op, with data_size zeroed bytes
 * of route state.  NULL after answering (401, 503).
 */
struct job_op *job_op_new(struct http_request *hr, size_t data_size);
/* Sends sql with op as the callback's arg.  cb must call job_op_result() first. */
void job_op_query(struct job_op *op, const char *sql, int n, const char *const *params, pg_query_cb cb);
/* Clears op->query; on a failed query answers (503 or 500) and returns false. */
bool job_op_result(struct job_op *op, const PGresult *res, const char *err);
/* Reads the {id} path parameter into op->job_id; false after answering 404. */
bool job_op_id(struct job_op *op);

/*
 * The columns of a job, as job_json() reads them; `j` is ocr.ocr_jobs.
 * Column JOB_USER_COLUMN is the owner, for the access check.
 */
#define JOB_COLUMNS \
	"j.id, j.status, j.filename, j.content_type, j.size_bytes, j.sha256, j.attempts, j.error, " \
	"j.mean_confidence, j.page_count, j.source, " SQL_RFC3339("j.created_at") ", " \
	SQL_RFC3339("j.started_at") ", " SQL_RFC3339("j.finished_at") ", j.ocr_ms, j.user_id, " \
	"(extract(epoch FROM j.created_at) * 1000000)::bigint"
#define JOB_USER_COLUMN		15
#define JOB_TIME_US_COLUMN	16
#define JOB_NCOLUMNS		17

/* Writes the job of row `row` (JOB_COLUMNS from column `col`) as an object. */
void job_json(yajl_gen g, const PGresult *res, int row, int col);
/* The same for a job still waiting in the spool, not yet in the database. */
void job_json_spooled(yajl_gen g, const struct spool_meta *m, const char *status);

/* Route handlers, by file. */
void upload_create(struct http_request *hr);
void jobs_list(struct http_request *hr);
void jobs_get(struct http_request *hr);
void jobs_delete(struct http_request *hr);
void jobs_text(struct http_request *hr);
void jobs_hocr(struct http_request *hr);
void events_stream(struct http_request *hr);

#endif
