/*
 * jobs: the cycle of one job in a worker.
 *
 *   claim      rename new/<job> -> cur/<job>.<pid>
 *   start      upsert the row as processing (attempts + 1); a row that is
 *              done or failed already means this file came back after a
 *              crash: it only moves on to done/
 *   recognise  lib/ocr_engine, in this process, with the engine for the
 *              job's languages (lib/ocr_engine_set), then lib/extract
 *              reads the invoice's fields from the words (extract.c)
 *   record     one statement: the UPDATE with text, hOCR, words,
 *              confidence, timings, only while the row is still
 *              processing (a row deleted meanwhile drops the file), and
 *              with it the job's invoice and its original (lib/invoices)
 *   move on    cur/ -> done/ (or failed/ with a reason)
 *
 * A job is finished in the database once; that, not the file, is what
 * keeps a job from being done twice when a file comes back to new/.
 * Errors that a retry may cure put the file back in new/ with its mtime
 * in the future (retry_backoff, doubling); an image that cannot be
 * decoded fails at once; a job is failed when its attempts run out,
 * which also covers an image that kills the worker every time.
 *
 * A query error is decided by its kind (lib/pg), never its message: the
 * database away, slow or busy defers the job; a value the server refuses
 * (SQLSTATE class 22: a name that is not UTF-8, a time out of range) or a
 * constraint the row breaks (class 23) will be refused on every retry, so
 * the job fails with that reason and its file goes to failed/ -- also
 * when its row could not be written at all, so that quillctl jobs show
 * and spool status still see it.  Any other server error means a
 * statement or the schema is wrong: the job waits for the operator.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/imagetype.h"
#include "lib/jobs.h"
#include "lib/log.h"
#include "lib/master.h"
#include "lib/pg.h"
#include "bin/quill-ocr-worker/ocrw.h"

static void run_next(struct ocrw *o);

void
jobs_kick(struct ocrw *o)
{
	if (!o->busy && !h2o_timeout_is_linked(&o->kick))
		h2o_timeout_link(o->w->loop, &o->soon, &o->kick);
}

/* Keeps the handle of a query sent for the job in hand (lib/jobs), while it is pending. */
static void
pending(struct ocrw *o, struct pg_query *q)
{
	/* NULL: the callback has run already */
	if (q != NULL)
		o->query = q;
}

/* The job in hand is over, whatever became of it: look for the next. */
static void
release(struct ocrw *o)
{
	spool_unmap(&o->file);
	ocr_result_free(&o->result);
	o->busy = false;
	o->cur[0] = '\0';
	jobs_kick(o);
}

/*
 * The job was deleted: its file goes, not to done/.  If the unlink fails
 * the file stays in cur/, comes back to new/ with the next recovery and
 * is dropped then.
 */
static void
drop_deleted(struct ocrw *o)
{
	if (spool_drop(o->spool, o->cur) != 0)
		log_warn("event=spool_unlink_failed file=cur/%s", o->cur);
	log_info("event=job_dropped job=%s reason=deleted", o->file.meta.job_id);
	release(o);
}

/* Back to new/, to be tried again after the backoff for this attempt. */
static void
defer(struct ocrw *o, const char *why)
{
	int64_t delay = o->backoff_s;
	char quoted[600];

	for (int i = 1; i < o->attempts && delay < 86400; i++)
		delay *= 2;
	if (spool_requeue_at(o->spool, o->cur, time(NULL) + delay) != 0)
		log_warn("event=requeue_failed file=cur/%s", o->cur);
	log_warnx("event=job_deferred job=%s attempt=%d retry_in_s=%lld reason=%s", o->file.meta.job_id,
	    o->attempts, (long long)delay, log_quote(quoted, sizeof(quoted), why, (size_t)-1));
	release(o);
}

/* Whether the values sent are at fault: the same query will be refused on every retry. */
static bool
refused_for_good(const struct pg_error *err)
{
	return err->kind == PG_ERR_DATA || err->kind == PG_ERR_CONSTRAINT;
}

/* The job is over as failed: its file goes to failed/ with o->why beside it. */
static void
fail_file(struct ocrw *o)
{
	char quoted[600];

	if (spool_fail(o->spool, o->cur, o->why) != 0)
		log_warn("event=spool_fail_failed file=cur/%s", o->cur);
	log_warnx("event=job_failed job=%s attempt=%d reason=%s", o->file.meta.job_id, o->attempts,
	    log_quote(quoted, sizeof(quoted), o->why, (size_t)-1));
	release(o);
}

static void
on_failed_recorded(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct ocrw *o = arg;

	o->query = NULL;
	if (res == NULL && !refused_for_good(err)) {
		/* the failure is not in the database yet: the file waits, and is failed again */
		defer(o, err->message);
		return;
	}
	/* recorded, or refused for good (then no row can say it: the reason file does) */
	fail_file(o);
}

static void
fail(struct ocrw *o)
{
	pending(o, job_row_fail(o->w->db, o->file.meta.job_id, o->why, on_failed_recorded, o));
}

static void
on_deferred_recorded(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct ocrw *o = arg;

	o->query = NULL;
	defer(o, o->why);
}

static void on_done_recorded(void *arg, const PGresult *res, const struct pg_error *err);

/* The job done with its results, and with the invoice read from them unless it is NULL. */
static void
record_done(struct ocrw *o, const char *invoice)
{
	struct job_result r = {
		.text = o->result.text, .hocr = o->result.hocr, .words = o->result.words,
		.mean_confidence = o->result.mean_confidence, .pages = o->result.pages, .ocr_ms = o->result.ocr_ms,
		.invoice = invoice,
	};

	o->has_invoice = invoice != NULL;
	/* lib/pg copies the parameters: the caller may free the invoice's text at once */
	pending(o, job_row_finish(o->w->db, &o->file, &r, on_done_recorded, o));
}

static void
on_done_recorded(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct ocrw *o = arg;
	char quoted[600];

	o->query = NULL;
	if (res == NULL && refused_for_good(err) && o->has_invoice) {
		/* the invoice is what a constraint refused, not the job: done without it */
		log_warnx("event=invoice_refused job=%s error=%s", o->file.meta.job_id,
		    log_quote(quoted, sizeof(quoted), err->message, (size_t)-1));
		record_done(o, NULL);
		return;
	}
	if (res == NULL) {
		snprintf(o->why, sizeof(o->why), "recording the result failed: %s", err->message);
		if (refused_for_good(err))
			fail(o);
		else
			defer(o, o->why);
		return;
	}
	if (PQntuples(res) == 0) {
		/* the job was deleted while it ran: nothing is kept */
		drop_deleted(o);
		return;
	}
	if (spool_finish(o->spool, o->cur) != 0)
		log_warn("event=spool_finish_failed file=cur/%s", o->cur);
	log_info("event=job_done job=%s pages=%d ocr_ms=%ld confidence=%.1f bytes=%llu invoice=%s",
	    o->file.meta.job_id, o->result.pages, o->result.ocr_ms, o->result.mean_confidence,
	    (unsigned long long)o->file.meta.size, o->has_invoice ? "yes" : "no");
	release(o);
}

static void
recognise(struct ocrw *o)
{
	enum ocr_status st;
	char *invoice = NULL;
	struct ocr_engine *e;

	/* the master's watchdog kills this process if the engine (or the extractor) runs past job_timeout */
	master_job_begin(o->file.meta.job_id);
	/* a set's first job loads its models: part of the job, under the same watchdog */
	if ((e = ocr_engine_set_get(o->engines, o->file.meta.languages, o->why, sizeof(o->why))) == NULL) {
		master_job_end();
		/* not installed, or no room under memory_limit: no retry would differ (the reason names them) */
		fail(o);
		return;
	}
	st = ocr_engine_run(e, o->file.image, (size_t)o->file.meta.size, &o->result, o->why, sizeof(o->why));
	if (st == OCR_OK)
		invoice = extract_job_invoice(o);
	master_job_end();
	switch (st) {
	case OCR_OK:
		break;
	case OCR_UNREADABLE:
	case OCR_TOO_LARGE:
		fail(o);
		return;
	case OCR_ERROR:
		if (o->attempts >= o->max_attempts) {
			fail(o);
		} else {
			pending(o, job_row_defer(o->w->db, o->file.meta.job_id, o->why, on_deferred_recorded, o));
		}
		return;
	}
	record_done(o, invoice);
	free(invoice);
}

static void
on_started(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct ocrw *o = arg;
	char lost[160];

	o->query = NULL;
	if (res == NULL) {
		if (refused_for_good(err)) {
			/* the header holds what the row cannot: no retry will write it */
			snprintf(o->why, sizeof(o->why), "the job's row is refused: %s", err->message);
			fail(o);
			return;
		}
		/* not counted as an attempt: the database is away, not the job at fault */
		if (pg_pool_ready(o->w->db)) {
			o->attempts = 1;
			defer(o, err->message);
			return;
		}
		if (spool_requeue(o->spool, o->cur) != 0)
			log_warn("event=requeue_failed file=cur/%s", o->cur);
		release(o);
		return;
	}
	/* why the previous attempt was lost, if the master noted it (main.c job_lost) */
	if (spool_take_lost(o->spool, o->file.meta.job_id, lost, sizeof(lost)) < 0)
		log_warn("event=job_note_unreadable job=%s", o->file.meta.job_id);
	if (PQntuples(res) == 0) {
		/* finished before: this file came back after a crash */
		if (spool_finish(o->spool, o->cur) != 0)
			log_warn("event=spool_finish_failed file=cur/%s", o->cur);
		log_info("event=job_already_finished job=%s", o->file.meta.job_id);
		release(o);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, JOB_START_DELETED), "t") == 0) {
		/* deleted while its file was claimed or away in cur/ */
		drop_deleted(o);
		return;
	}
	o->attempts = atoi(PQgetvalue(res, 0, JOB_START_ATTEMPTS));
	if (o->attempts > o->max_attempts) {
		if (lost[0] != '\0')
			snprintf(o->why, sizeof(o->why), "%s; gave up after %d attempts", lost, o->max_attempts);
		else
			snprintf(o->why, sizeof(o->why), "gave up after %d attempts", o->max_attempts);
		fail(o);
		return;
	}
	recognise(o);
}

static void
start(struct ocrw *o)
{
	pending(o, job_row_start(o->w->db, &o->file.meta, on_started, o));
}

/* A file in cur/ that is no spool file cannot become a job: it goes to failed/. */
static void
refuse_unreadable(struct ocrw *o)
{
	char reason[128], quoted[200];

	snprintf(reason, sizeof(reason), "not a spool file: %s", errno == EINVAL ? "bad header or size" :
	    strerror(errno));
	if (spool_fail(o->spool, o->cur, reason) != 0)
		log_warn("event=spool_fail_failed file=cur/%s", o->cur);
	log_warnx("event=spool_file_refused file=cur/%s reason=%s", o->cur,
	    log_quote(quoted, sizeof(quoted), reason, (size_t)-1));
	o->busy = false;
	jobs_kick(o);
}

static void
run_next(struct ocrw *o)
{
	char job[UUID_STR_LEN + 1];

	if (o->busy || daemon_stopping())
		return;
	if (!pg_pool_ready(o->w->db)) {
		/* files wait in new/ until the database is back */
		if (!h2o_timeout_is_linked(&o->retry))
			h2o_timeout_link(o->w->loop, &o->later, &o->retry);
		return;
	}
	for (int tries = 0; tries < 64; tries++) {
		int rc = spool_next(o->spool, time(NULL), job);

		if (rc != 0) {
			if (rc < 0)
				log_warn("event=spool_scan_failed dir=new");
			if (dropin_take_one(o))
				jobs_kick(o);
			return;
		}
		rc = spool_claim(o->spool, job, getpid(), o->cur);
		if (rc == 1)
			continue;	/* another worker was first */
		if (rc < 0) {
			log_warn("event=spool_claim_failed job=%s", job);
			return;
		}
		o->busy = true;
		if (spool_map(o->spool, SPOOL_CUR, o->cur, &o->file) != 0) {
			refuse_unreadable(o);
			return;
		}
		start(o);
		return;
	}
}

static void
on_kick(h2o_timeout_entry_t *entry)
{
	run_next(H2O_STRUCT_FROM_MEMBER(struct ocrw, kick, entry));
}

static void
on_retry(h2o_timeout_entry_t *entry)
{
	run_next(H2O_STRUCT_FROM_MEMBER(struct ocrw, retry, entry));
}

static void
on_rescan(h2o_timeout_entry_t *entry)
{
	struct ocrw *o = H2O_STRUCT_FROM_MEMBER(struct ocrw, rescan, entry);

	h2o_timeout_link(o->w->loop, &o->rescan_every, &o->rescan);
	if (o->retention_s >= 0)
		spool_expire(o->spool, SPOOL_DONE, o->retention_s);
	spool_expire(o->spool, SPOOL_TMP, 86400);
	run_next(o);
}

void
jobs_start(struct ocrw *o, int64_t rescan_ms)
{
	h2o_timeout_init(o->w->loop, &o->soon, 0);
	h2o_timeout_init(o->w->loop, &o->later, 200);
	h2o_timeout_init(o->w->loop, &o->rescan_every, (uint64_t)rescan_ms);
	o->kick.cb = on_kick;
	o->retry.cb = on_retry;
	o->rescan.cb = on_rescan;
	h2o_timeout_link(o->w->loop, &o->rescan_every, &o->rescan);
	jobs_kick(o);
}

void
jobs_abandon(struct ocrw *o)
{
	if (o->query != NULL) {
		pg_query_abandon(o->query);
		o->query = NULL;
	}
	if (o->busy && o->cur[0] != '\0' && spool_requeue(o->spool, o->cur) != 0)
		log_warn("event=requeue_failed file=cur/%s", o->cur);
	spool_unmap(&o->file);
	ocr_result_free(&o->result);
	o->busy = false;
	for (h2o_timeout_entry_t *e = &o->kick; e != NULL;
	    e = e == &o->kick ? &o->retry : e == &o->retry ? &o->rescan : NULL)
		if (h2o_timeout_is_linked(e))
			h2o_timeout_unlink(e);
}
