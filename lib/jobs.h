/*
 * jobs: the OCR job's row, ocr.ocr_jobs, in one module.
 *
 * Every statement on the table is here -- quill-ocrd's create, show, list,
 * output and delete, the worker's start, finish, fail and defer,
 * quillctl's list, show, requeue and purge -- with the columns each
 * result holds as named constants, so no caller reads a result by a bare
 * number and a column added here cannot silently shift another program's
 * reading.  The daemons send them on the event loop through lib/pg (the
 * job_row_*() helpers below); quillctl sends the same text with blocking
 * libpq.
 *
 * What the statements guarantee together (sql/ocr/ has the schema):
 * - A job's id is made before its row (lib/uuid), so the row may be
 *   written by quill-ocrd after the 202 or by the worker that claims its
 *   spool file; create and start write the same nine columns from the
 *   spool header, and whichever is second changes nothing.
 * - A job is finished (done or failed) once: finish and fail change only
 *   a row still queued or processing, start never reopens a finished one.
 *   Its invoice (lib/invoices) is written by the finish, or not at all.
 * - A job deleted by its owner leaves a mark in ocr.deleted_jobs for its
 *   creation time, so a worker that still holds its file drops it
 *   instead of writing the row again.
 */
#ifndef QUILL_JOBS_H
#define QUILL_JOBS_H

#include "lib/invoices.h"
#include "lib/pg.h"

struct spool_file;
struct spool_meta;

/*
 * The columns of a job as the API shows it; `j` is ocr.ocr_jobs.  The
 * order is enum job_column's.
 */
#define JOB_COLUMNS \
	"j.id, j.status, j.filename, j.content_type, j.size_bytes, j.sha256, j.attempts, j.error, " \
	"j.mean_confidence, j.page_count, j.source, " SQL_RFC3339("j.created_at") ", " \
	SQL_RFC3339("j.started_at") ", " SQL_RFC3339("j.finished_at") ", j.ocr_ms, j.user_id, " \
	"(extract(epoch FROM j.created_at) * 1000000)::bigint, " INVOICE_ID_OF_JOB("j.id")
enum job_column {
	JOB_COL_ID, JOB_COL_STATUS, JOB_COL_FILENAME, JOB_COL_CONTENT_TYPE, JOB_COL_SIZE, JOB_COL_SHA256,
	JOB_COL_ATTEMPTS, JOB_COL_ERROR, JOB_COL_CONFIDENCE, JOB_COL_PAGES, JOB_COL_SOURCE,
	JOB_COL_CREATED, JOB_COL_STARTED, JOB_COL_FINISHED, JOB_COL_OCR_MS,
	JOB_COL_USER,		/* the owner, for the access check */
	JOB_COL_TIME_US,	/* created_at in microseconds, for cursors */
	JOB_COL_INVOICE,	/* the invoice made from it, or NULL */
	JOB_NCOLUMNS
};

/* --- quill-ocrd (JOB_COLUMNS results unless said) --- */

/* $1 id, $2 user, $3 admin: the job if it is this user's, or any for an admin. */
extern const char job_sql_get[];
/* $1 id: the job whoever owns it (an Idempotency-Key's job). */
extern const char job_sql_get_any[];
/* $1 user, $2 admin, $3 status or NULL, $4 cursor time (us) and $5 id or NULL, $6 limit: newest first, limit + 1 rows. */
extern const char job_sql_list[];
/* $1..$3 as job_sql_get: the status and the text, or the hOCR ('' when none). */
extern const char job_sql_text[];
extern const char job_sql_hocr[];
enum job_output_column { JOB_OUT_STATUS, JOB_OUT_BODY };
/* $1..$3 as job_sql_get: deletes the row, leaving its mark; a row of the id when one went. */
extern const char job_sql_delete[];
enum job_delete_column { JOB_DELETED_ID };

/* --- the worker --- */

/*
 * Marks the job processing (attempts + 1), writing its row from the
 * header when it has none: one row (attempts, false) to go on, (0, true)
 * when the job was deleted (drop the file), none when it is finished.
 */
enum job_start_column { JOB_START_ATTEMPTS, JOB_START_DELETED };

/* --- quillctl --- */

/* $1 status or NULL, $2 user or NULL, $3 limit: newest first. */
extern const char job_sql_admin_list[];
enum job_admin_list_column {
	JOB_LIST_ID, JOB_LIST_STATUS, JOB_LIST_ATTEMPTS, JOB_LIST_USER, JOB_LIST_FILENAME, JOB_LIST_SIZE,
	JOB_LIST_CREATED, JOB_LIST_FINISHED
};
/* $1 id: every column by name; the last JOB_SHOW_BODIES are the bodies' lengths. */
extern const char job_sql_show[];
#define JOB_SHOW_BODIES 3
/* $1 id: its status, the row locked for the transaction. */
extern const char job_sql_lock_status[];
enum job_lock_column { JOB_LOCK_STATUS };
/* $1 id: back to queued with nothing of its last run. */
extern const char job_sql_requeue[];
/* $1 statuses as a text[] literal, $2 age in ms: deletes finished rows older than that. */
extern const char job_sql_purge[];
enum job_purge_column { JOB_PURGED_ID };
/* $1 age in ms: forgets deletion marks older than that. */
extern const char job_sql_purge_marks[];

/*
 * The nine parameters create and start share, from the spool header: id,
 * user, file name, content type, size, sha256, source, Idempotency-Key,
 * creation time in microseconds.  An empty name or key is NULL.  params
 * point into m and into r.
 */
struct job_row {
	char size[24], created[24];
	const char *params[9];
};
void job_row_params(const struct spool_meta *m, struct job_row *r);

/* --- on an event loop: each returns what pg_query_params_async() does --- */

/* Writes the row of a job just spooled; nothing when it exists already. */
struct pg_query *job_row_create(struct pg_pool *db, const struct spool_meta *m, pg_query_cb cb, void *arg);
/* The worker's start: see enum job_start_column. */
struct pg_query *job_row_start(struct pg_pool *db, const struct spool_meta *m, pg_query_cb cb, void *arg);
/*
 * What a job finishes with: the OCR's results (text, hOCR, words as
 * JSON), and the invoice read from them as invoice_to_json() writes it,
 * or NULL when none could be.
 */
struct job_result {
	const char *text, *hocr, *words;
	double mean_confidence;
	int pages;
	long ocr_ms;
	const char *invoice;
};
/*
 * Done with r: a row of the id unless it was deleted.  In the same
 * statement, and so the same transaction, the job's invoice is written
 * (lib/invoices.h INVOICE_FINISH_CTES) with the spool file's image as its
 * original; a job finished before writes nothing, so a file that comes
 * back after a crash cannot make a second invoice.
 */
struct pg_query *job_row_finish(struct pg_pool *db, const struct spool_file *f, const struct job_result *r,
    pg_query_cb cb, void *arg);
/* Failed with reason, unless finished already. */
struct pg_query *job_row_fail(struct pg_pool *db, const char *id, const char *reason, pg_query_cb cb,
    void *arg);
/* Queued again after a failed attempt, with its reason. */
struct pg_query *job_row_defer(struct pg_pool *db, const char *id, const char *reason, pg_query_cb cb,
    void *arg);

#endif
