/*
 * ocrd: what the route files of quill-ocrd share.
 *
 * A route that waits on PostgreSQL keeps its state in a `struct job_op`
 * in the request's memory, a lib/op op: when the request ends early its
 * dispose hook abandons the query, so no callback touches a dead request.
 *
 * Who may see a job: its owner, and an admin.  Anyone else gets 404, the
 * answer for an id that never existed.
 */
#ifndef QUILL_OCRD_H
#define QUILL_OCRD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <libpq-fe.h>
#include <yajl/yajl_gen.h>

#include "lib/http.h"
#include "lib/jobs.h"
#include "lib/jwt.h"
#include "lib/op.h"
#include "lib/page.h"
#include "lib/pg.h"
#include "lib/spool.h"
#include "lib/uuid.h"

/* Per-worker state, made in worker_init. */
struct ocrd {
	struct spool *spool;
	size_t max_upload;
	uint64_t max_pixels;
	struct events *events;		/* the job event streams (events.c) */
	uint32_t max_pages;		/* [ocr_worker] max_pages: a TIFF with more is refused here */
	const char *export_tmpdir;	/* [http] body_buffer_dir: an XLSX export's files */
	/* what ?lang= may ask for: [ocr_worker] allowed_languages and languages' codes */
	char *allowed_languages;
	const char *default_languages;	/* [ocr_worker] languages */
	bool other_languages;		/* [ocr_worker] max_engines > 0: sets besides the default are read */
};

struct job_op {
	OP_HEAD;			/* hr, query, data: see lib/op.h */
	struct ocrd *ocrd;
	char user_id[UUID_STR_LEN + 1];
	bool admin;
	char job_id[UUID_STR_LEN + 1];
	char invoice_id[UUID_STR_LEN + 1];
};

struct ocrd *ocrd_of(struct http_request *hr);

/*
 * Checks the bearer token and makes the op, with data_size zeroed bytes
 * of route state.  NULL after answering (401, 503).
 */
struct job_op *job_op_new(struct http_request *hr, size_t data_size);
/* A route on the invoice of the path: the token, the {id}, then sql as invoices_query_one. */
void invoices_one(struct http_request *hr, const char *sql, pg_query_cb cb);
/* Sends sql with op as the callback's arg.  cb must call job_op_result() first. */
void job_op_query(struct job_op *op, const char *sql, int n, const char *const *params, pg_query_cb cb);
/* Clears op->query; on a failed query answers (503 or 500, lib/op.h) and returns false. */
bool job_op_result(struct job_op *op, const PGresult *res, const struct pg_error *err);
/* Reads the {id} path parameter into op->job_id; false after answering 404. */
bool job_op_id(struct job_op *op);
/* The same into op->invoice_id. */
bool job_op_invoice_id(struct job_op *op);

/* Writes the job of row `row` (lib/jobs.h JOB_COLUMNS from column `col`) as an object. */
void job_json(yajl_gen g, const PGresult *res, int row, int col);
/* The same for a job still waiting in the spool, not yet in the database. */
void job_json_spooled(yajl_gen g, const struct spool_meta *m, const char *status);

/* invoices.c: lib/invoice_filter's reader of hr's (the arg's) query parameters. */
const char *invoices_query_param(void *arg, const char *name, size_t *len);
/* Reads the list filters into f; false after answering 400 naming the parameter. */
struct invoice_filter;
bool invoices_filter_read(struct http_request *hr, struct invoice_filter *f);
/* A route on the invoice of the path: the token, the {id}, then sql as invoices_query_one. */
void invoices_one(struct http_request *hr, const char *sql, pg_query_cb cb);
/* Sends sql with op->invoice_id, user, admin ($1..$3); cb must call job_op_result() first. */
void invoices_query_one(struct job_op *op, const char *sql, pg_query_cb cb);
/* Answers status with the Invoice of res (INVOICE_COL_JSON), or 404 when it has no row. */
void invoices_answer(struct job_op *op, int status, const PGresult *res);

/* Route handlers, by file. */
void upload_create(struct http_request *hr);
void jobs_list(struct http_request *hr);
void jobs_get(struct http_request *hr);
void jobs_delete(struct http_request *hr);
void jobs_text(struct http_request *hr);
void jobs_hocr(struct http_request *hr);
void events_stream(struct http_request *hr);
void invoices_list(struct http_request *hr);
void invoices_get(struct http_request *hr);
void invoices_delete(struct http_request *hr);
void invoices_original(struct http_request *hr);	/* invoice_original.c */
void invoices_create(struct http_request *hr);		/* invoice_write.c */
void invoices_patch(struct http_request *hr);
void invoices_stats(struct http_request *hr);		/* invoice_stats.c */
void invoices_export(struct http_request *hr);		/* invoice_export.c */
void invoices_ubl(struct http_request *hr);		/* invoice_ubl.c */

/*
 * events.c's state.  In the master: the per-user stream counts every
 * worker shares (made once, kept across reloads), and giving back what a
 * dead worker held.  In a worker: the LISTEN connection and the sweep of
 * its streams (NULL when out of memory).
 */
struct worker;
int events_master_init(char *err, size_t errsize);
void events_worker_exited(pid_t pid);
struct events *events_new(struct worker *w);
void events_free(struct events *ev);

#endif
