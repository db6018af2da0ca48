/*
 * jobs: see jobs.h.  The statements first, then the helpers that fill
 * their parameters.
 */
#include <limits.h>
#include <stdio.h>

#include "lib/imagetype.h"
#include "lib/jobs.h"
#include "lib/spool.h"
#include "lib/uuid.h"

/* A time in microseconds since the epoch, as the spool header keeps it. */
#define SQL_US(p) "timestamptz 'epoch' + " p "::bigint * interval '1 microsecond'"

/* --- quill-ocrd --- */

static const char create_sql[] =
	"INSERT INTO ocr.ocr_jobs AS j (id, user_id, filename, content_type, size_bytes, sha256, "
	"source, idempotency_key, created_at) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, " SQL_US("$9") ") "
	"ON CONFLICT DO NOTHING";

const char job_sql_get[] =
	"SELECT " JOB_COLUMNS " FROM ocr.ocr_jobs j WHERE j.id = $1 AND ($3::bool OR j.user_id = $2::uuid)";

const char job_sql_get_any[] =
	"SELECT " JOB_COLUMNS " FROM ocr.ocr_jobs j WHERE j.id = $1";

const char job_sql_list[] =
	"SELECT " JOB_COLUMNS " FROM ocr.ocr_jobs j "
	"WHERE ($2::bool OR j.user_id = $1::uuid) AND ($3::text IS NULL OR j.status = $3) "
	"AND ($4::bigint IS NULL OR (j.created_at, j.id) < (" SQL_US("$4") ", $5::uuid)) "
	"ORDER BY j.created_at DESC, j.id DESC LIMIT $6::int + 1";

const char job_sql_text[] =
	"SELECT j.status, coalesce(j.text, '') FROM ocr.ocr_jobs j "
	"WHERE j.id = $1 AND ($3::bool OR j.user_id = $2::uuid)";

const char job_sql_hocr[] =
	"SELECT j.status, coalesce(j.hocr, '') FROM ocr.ocr_jobs j "
	"WHERE j.id = $1 AND ($3::bool OR j.user_id = $2::uuid)";

/*
 * The row goes first, leaving a mark in ocr.deleted_jobs (sql/ocr/003);
 * a worker holding the job's file finds the row gone when it records the
 * result, or the mark when it starts, and drops the file itself.
 */
const char job_sql_delete[] =
	"WITH d AS (DELETE FROM ocr.ocr_jobs j WHERE j.id = $1 AND ($3::bool OR j.user_id = $2::uuid) "
	"RETURNING j.id, j.created_at), "
	"mark AS (INSERT INTO ocr.deleted_jobs (id, created_at) SELECT id, created_at FROM d "
	"ON CONFLICT DO NOTHING) "
	"SELECT id FROM d";

/* --- the worker --- */

static const char start_sql[] =
	"WITH mark AS (SELECT 1 FROM ocr.deleted_jobs WHERE id = $1 AND created_at = " SQL_US("$9") "), "
	"up AS (INSERT INTO ocr.ocr_jobs AS j (id, user_id, filename, content_type, size_bytes, sha256, source, "
	"idempotency_key, created_at, status, attempts, started_at) "
	"SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::bigint, $6::text, $7::text, $8::text, "
	SQL_US("$9") ", 'processing', 1, now() "
	"WHERE NOT EXISTS (SELECT 1 FROM mark) "
	"ON CONFLICT (id) DO UPDATE SET status = 'processing', attempts = j.attempts + 1, started_at = now(), "
	"updated_at = now() WHERE j.status IN ('queued', 'processing') "
	"RETURNING j.attempts) "
	"SELECT attempts, false FROM up UNION ALL SELECT 0, true FROM mark";

/* $8.. the invoice: its values, a new id, its source, then the original's name, type, sha256 and bytes */
static const char finish_sql[] =
	"WITH done AS (UPDATE ocr.ocr_jobs SET status = 'done', text = $2, hocr = $3, words = $4::jsonb, "
	"mean_confidence = $5, page_count = $6, ocr_ms = $7, error = NULL, finished_at = now(), "
	"updated_at = now() WHERE id = $1 AND status = 'processing' RETURNING id, user_id), "
	INVOICE_FINISH_CTES("$8", "$9", "$10", "$11", "$12", "$13", "$14")
	"SELECT id FROM done";

static const char fail_sql[] =
	"UPDATE ocr.ocr_jobs SET status = 'failed', error = $2, finished_at = now(), updated_at = now() "
	"WHERE id = $1 AND status IN ('queued', 'processing') RETURNING id";

static const char defer_sql[] =
	"UPDATE ocr.ocr_jobs SET status = 'queued', error = $2, updated_at = now() "
	"WHERE id = $1 AND status = 'processing' RETURNING id";

/* --- quillctl --- */

/* A timestamptz as RFC 3339 UTC, whole seconds, under its own name. */
#define UTC_AS(col) SQL_RFC3339(col) " AS " col

const char job_sql_admin_list[] =
	"SELECT id, status, attempts, user_id, filename, size_bytes, "
	SQL_RFC3339("created_at") ", " SQL_RFC3339("finished_at") " "
	"FROM ocr.ocr_jobs "
	"WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR user_id = $2) "
	"ORDER BY created_at DESC, id DESC LIMIT $3";

const char job_sql_show[] =
	"SELECT id, user_id, status, source, filename, content_type, size_bytes, sha256, "
	"idempotency_key, attempts, error, mean_confidence, page_count, ocr_ms, "
	UTC_AS("created_at") ", " UTC_AS("started_at") ", " UTC_AS("finished_at") ", " UTC_AS("updated_at") ", "
	"octet_length(text) AS text, octet_length(hocr) AS hocr, octet_length(words::text) AS words "
	"FROM ocr.ocr_jobs WHERE id = $1";

const char job_sql_lock_status[] =
	"SELECT status FROM ocr.ocr_jobs WHERE id = $1 FOR UPDATE";

const char job_sql_requeue[] =
	"UPDATE ocr.ocr_jobs SET status = 'queued', attempts = 0, error = NULL, text = NULL, "
	"hocr = NULL, words = NULL, mean_confidence = NULL, page_count = NULL, ocr_ms = NULL, "
	"started_at = NULL, finished_at = NULL, updated_at = now() WHERE id = $1";

const char job_sql_purge[] =
	"DELETE FROM ocr.ocr_jobs WHERE status = ANY ($1::text[]) "
	"AND coalesce(finished_at, updated_at) < now() - $2::bigint * interval '1 millisecond' "
	"RETURNING id";

const char job_sql_purge_marks[] =
	"DELETE FROM ocr.deleted_jobs WHERE deleted_at < now() - $1::bigint * interval '1 millisecond'";

/* --- helpers --- */

void
job_row_params(const struct spool_meta *m, struct job_row *r)
{
	snprintf(r->size, sizeof(r->size), "%llu", (unsigned long long)m->size);
	snprintf(r->created, sizeof(r->created), "%lld", (long long)m->created_us);
	r->params[0] = m->job_id;
	r->params[1] = m->user_id;
	r->params[2] = m->filename[0] != '\0' ? m->filename : NULL;
	r->params[3] = imagetype_mime(imagetype_from_name(m->type));
	r->params[4] = r->size;
	r->params[5] = m->sha256;
	r->params[6] = m->source;
	r->params[7] = m->idempotency_key[0] != '\0' ? m->idempotency_key : NULL;
	r->params[8] = r->created;
}

struct pg_query *
job_row_create(struct pg_pool *db, const struct spool_meta *m, pg_query_cb cb, void *arg)
{
	struct job_row r;

	job_row_params(m, &r);
	return pg_query_params_async(db, create_sql, 9, r.params, cb, arg);
}

struct pg_query *
job_row_start(struct pg_pool *db, const struct spool_meta *m, pg_query_cb cb, void *arg)
{
	struct job_row r;

	job_row_params(m, &r);
	return pg_query_params_async(db, start_sql, 9, r.params, cb, arg);
}

struct pg_query *
job_row_finish(struct pg_pool *db, const struct spool_file *f, const struct job_result *r, pg_query_cb cb,
    void *arg)
{
	char conf[32], npages[16], ms[24], invoice_id[UUID_STR_LEN + 1];
	const struct spool_meta *m = &f->meta;
	/* the image goes only with an invoice: it is the invoice's original */
	const char *params[14] = {
		m->job_id, r->text, r->hocr, r->words, conf, npages, ms,
		r->invoice, invoice_id, "ocr", m->filename[0] != '\0' ? m->filename : NULL,
		imagetype_mime(imagetype_from_name(m->type)), m->sha256,
		r->invoice != NULL && m->size <= INT_MAX ? (const char *)f->image : NULL
	};
	int lengths[14] = { 0 }, formats[14] = { 0 };
	struct pg_binary bin = { lengths, formats, 0 };

	snprintf(conf, sizeof(conf), "%.2f", r->mean_confidence);
	snprintf(npages, sizeof(npages), "%d", r->pages);
	snprintf(ms, sizeof(ms), "%ld", r->ocr_ms);
	uuid_v4(invoice_id);
	formats[13] = 1;
	lengths[13] = (int)m->size;
	return pg_query_params_bin_async(db, finish_sql, 14, params, &bin, cb, arg);
}

struct pg_query *
job_row_fail(struct pg_pool *db, const char *id, const char *reason, pg_query_cb cb, void *arg)
{
	const char *params[2] = { id, reason };

	return pg_query_params_async(db, fail_sql, 2, params, cb, arg);
}

struct pg_query *
job_row_defer(struct pg_pool *db, const char *id, const char *reason, pg_query_cb cb, void *arg)
{
	const char *params[2] = { id, reason };

	return pg_query_params_async(db, defer_sql, 2, params, cb, arg);
}
