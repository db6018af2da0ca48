/*
 * jobs: the cycle of one job in a worker.
 *
 *   claim      rename new/<job> -> cur/<job>.<pid>
 *   start      upsert the row as processing (attempts + 1); a row that is
 *              done or failed already means this file came back after a
 *              crash: it only moves on to done/
 *   recognise  lib/ocr_engine, in this process
 *   record     one UPDATE with text, hOCR, words, confidence, timings,
 *              only while the row is still processing: a row deleted
 *              meanwhile drops the file
 *   move on    cur/ -> done/ (or failed/ with a reason)
 *
 * A job is finished in the database once; that, not the file, is what
 * keeps a job from being done twice when a file comes back to new/.
 * Errors that a retry may cure put the file back in new/ with its mtime
 * in the future (retry_backoff, doubling); an image that cannot be
 * decoded fails at once; a job is failed when its attempts run out,
 * which also covers an image that kills the worker every time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/imagetype.h"
#include "lib/log.h"
#include "lib/pg.h"
#include "bin/quill-ocr-worker/ocrw.h"

/*
 * The row as processing, unless the job was deleted (its mark in
 * ocr.deleted_jobs, for this upload's time): one row (attempts, false) to
 * go on, (0, true) to drop the file, none when the job is finished.
 */
static const char start_sql[] =
	"WITH mark AS (SELECT 1 FROM ocr.deleted_jobs WHERE id = $1 "
	"AND created_at = timestamptz 'epoch' + $9::bigint * interval '1 microsecond'), "
	"up AS (INSERT INTO ocr.ocr_jobs AS j (id, user_id, filename, content_type, size_bytes, sha256, source, "
	"idempotency_key, created_at, status, attempts, started_at) "
	"SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::bigint, $6::text, $7::text, $8::text, "
	"timestamptz 'epoch' + $9::bigint * interval '1 microsecond', 'processing', 1, now() "
	"WHERE NOT EXISTS (SELECT 1 FROM mark) "
	"ON CONFLICT (id) DO UPDATE SET status = 'processing', attempts = j.attempts + 1, started_at = now(), "
	"updated_at = now() WHERE j.status IN ('queued', 'processing') "
	"RETURNING j.attempts) "
	"SELECT attempts, false FROM up UNION ALL SELECT 0, true FROM mark";

static const char done_sql[] =
	"UPDATE ocr.ocr_jobs SET status = 'done', text = $2, hocr = $3, words = $4::jsonb, "
	"mean_confidence = $5, page_count = $6, ocr_ms = $7, error = NULL, finished_at = now(), "
	"updated_at = now() WHERE id = $1 AND status = 'processing' RETURNING id";

static const char failed_sql[] =
	"UPDATE ocr.ocr_jobs SET status = 'failed', error = $2, finished_at = now(), updated_at = now() "
	"WHERE id = $1 AND status IN ('queued', 'processing') RETURNING id";

static const char deferred_sql[] =
	"UPDATE ocr.ocr_jobs SET status = 'queued', error = $2, updated_at = now() "
	"WHERE id = $1 AND status = 'processing' RETURNING id";

static void run_next(struct ocrw *o);

void
jobs_kick(struct ocrw *o)
{
	if (!o->busy && !h2o_timeout_is_linked(&o->kick))
		h2o_timeout_link(o->w->loop, &o->soon, &o->kick);
}

static void
query(struct ocrw *o, const char *sql, int n, const char *const *params, pg_query_cb cb)
{
	struct pg_query *q = pg_query_params_async(o->w->db, sql, n, params, cb, o);

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

	for (int i = 1; i < o->attempts && delay < 86400; i++)
		delay *= 2;
	if (spool_requeue_at(o->spool, o->cur, time(NULL) + delay) != 0)
		log_warn("event=requeue_failed file=cur/%s", o->cur);
	log_warnx("event=job_deferred job=%s attempt=%d retry_in_s=%lld reason=\"%s\"", o->file.meta.job_id,
	    o->attempts, (long long)delay, why);
	release(o);
}

static void
on_failed_recorded(void *arg, const PGresult *res, const char *err)
{
	struct ocrw *o = arg;

	o->query = NULL;
	if (res == NULL) {
		/* the failure is not in the database yet: the file waits, and is failed again */
		defer(o, err);
		return;
	}
	if (spool_fail(o->spool, o->cur, o->why) != 0)
		log_warn("event=spool_fail_failed file=cur/%s", o->cur);
	log_warnx("event=job_failed job=%s attempt=%d reason=\"%s\"", o->file.meta.job_id, o->attempts, o->why);
	release(o);
}

static void
fail(struct ocrw *o)
{
	const char *params[2] = { o->file.meta.job_id, o->why };

	query(o, failed_sql, 2, params, on_failed_recorded);
}

static void
on_deferred_recorded(void *arg, const PGresult *res, const char *err)
{
	struct ocrw *o = arg;

	o->query = NULL;
	defer(o, o->why);
}

static void
on_done_recorded(void *arg, const PGresult *res, const char *err)
{
	struct ocrw *o = arg;

	o->query = NULL;
	if (res == NULL) {
		snprintf(o->why, sizeof(o->why), "recording the result failed: %s", err);
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
	log_info("event=job_done job=%s pages=%d ocr_ms=%ld confidence=%.1f bytes=%llu", o->file.meta.job_id,
	    o->result.pages, o->result.ocr_ms, o->result.mean_confidence,
	    (unsigned long long)o->file.meta.size);
	release(o);
}

static void
recognise(struct ocrw *o)
{
	char conf[32], pages[16], ms[24];
	const char *params[7];

	switch (ocr_engine_run(o->engine, o->file.image, (size_t)o->file.meta.size, &o->result, o->why,
	    sizeof(o->why))) {
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
			params[0] = o->file.meta.job_id;
			params[1] = o->why;
			query(o, deferred_sql, 2, params, on_deferred_recorded);
		}
		return;
	}
	snprintf(conf, sizeof(conf), "%.2f", o->result.mean_confidence);
	snprintf(pages, sizeof(pages), "%d", o->result.pages);
	snprintf(ms, sizeof(ms), "%ld", o->result.ocr_ms);
	params[0] = o->file.meta.job_id;
	params[1] = o->result.text;
	params[2] = o->result.hocr;
	params[3] = o->result.words;
	params[4] = conf;
	params[5] = pages;
	params[6] = ms;
	query(o, done_sql, 7, params, on_done_recorded);
}

static void
on_started(void *arg, const PGresult *res, const char *err)
{
	struct ocrw *o = arg;

	o->query = NULL;
	if (res == NULL) {
		/* not counted as an attempt: the database is away, not the job at fault */
		if (pg_pool_ready(o->w->db)) {
			o->attempts = 1;
			defer(o, err);
			return;
		}
		if (spool_requeue(o->spool, o->cur) != 0)
			log_warn("event=requeue_failed file=cur/%s", o->cur);
		release(o);
		return;
	}
	if (PQntuples(res) == 0) {
		/* finished before: this file came back after a crash */
		if (spool_finish(o->spool, o->cur) != 0)
			log_warn("event=spool_finish_failed file=cur/%s", o->cur);
		log_info("event=job_already_finished job=%s", o->file.meta.job_id);
		release(o);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
		/* deleted while its file was claimed or away in cur/ */
		drop_deleted(o);
		return;
	}
	o->attempts = atoi(PQgetvalue(res, 0, 0));
	if (o->attempts > o->max_attempts) {
		snprintf(o->why, sizeof(o->why), "gave up after %d attempts", o->max_attempts);
		fail(o);
		return;
	}
	recognise(o);
}

static void
start(struct ocrw *o)
{
	struct spool_row row;

	spool_row_params(&o->file.meta, &row);
	query(o, start_sql, 9, row.params, on_started);
}

/* A file in cur/ that is no spool file cannot become a job: it goes to failed/. */
static void
refuse_unreadable(struct ocrw *o)
{
	char reason[128];

	snprintf(reason, sizeof(reason), "not a spool file: %s", errno == EINVAL ? "bad header or size" :
	    strerror(errno));
	if (spool_fail(o->spool, o->cur, reason) != 0)
		log_warn("event=spool_fail_failed file=cur/%s", o->cur);
	log_warnx("event=spool_file_refused file=cur/%s reason=\"%s\"", o->cur, reason);
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
