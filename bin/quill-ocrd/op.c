/*
 * op: the request state of quill-ocrd's routes, and a job as JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/daemon.h"
#include "lib/imagetype.h"
#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-ocrd/ocrd.h"

struct ocrd *
ocrd_of(struct http_request *hr)
{
	return hr->worker->app;
}

struct job_op *
job_op_new(struct http_request *hr, size_t data_size)
{
	const struct jwt_claims *c = http_authenticate(hr);
	char user_id[UUID_STR_LEN + 1];
	struct job_op *op;

	if (c == NULL)
		return NULL;
	if (!uuid_canonical(c->sub, strlen(c->sub), user_id)) {
		http_send_unauthorized(hr, "invalid_token", "the token names no user");
		return NULL;
	}
	op = op_alloc(hr, sizeof(*op), data_size, NULL);
	op->ocrd = ocrd_of(hr);
	memcpy(op->user_id, user_id, sizeof(user_id));
	op->admin = strcmp(c->role, "admin") == 0;
	return op;
}

void
job_op_query(struct job_op *op, const char *sql, int n, const char *const *params, pg_query_cb cb)
{
	op_head_query(&op->head, sql, n, params, cb, op);
}

bool
job_op_result(struct job_op *op, const PGresult *res, const struct pg_error *err)
{
	return op_head_result(&op->head, res, err);
}

/* The {id} path parameter in lower case into out; a malformed one is a 404, as an unknown one. */
static bool
path_id(struct job_op *op, char out[UUID_STR_LEN + 1], const char *what)
{
	const char *id = http_param(op->hr, "id");

	if (id == NULL || !uuid_canonical(id, strlen(id), out)) {
		http_send_error(op->hr, 404, "not_found", what);
		return false;
	}
	return true;
}

bool
job_op_id(struct job_op *op)
{
	return path_id(op, op->job_id, "no such job");
}

bool
job_op_invoice_id(struct job_op *op)
{
	return path_id(op, op->invoice_id, "no such invoice");
}

static const char *
value_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void
kv_int_or_null(yajl_gen g, const char *key, const PGresult *res, int row, int col)
{
	json_gen_key(g, key);
	if (PQgetisnull(res, row, col))
		yajl_gen_null(g);
	else
		yajl_gen_integer(g, strtoll(PQgetvalue(res, row, col), NULL, 10));
}

static void
kv_url(yajl_gen g, const char *id)
{
	char url[96];

	snprintf(url, sizeof(url), "/api/ocr/jobs/%s", id);
	json_gen_kv_string(g, "url", url);
}

void
job_json(yajl_gen g, const PGresult *res, int row, int col)
{
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "id", PQgetvalue(res, row, col + JOB_COL_ID));
	json_gen_kv_string(g, "status", PQgetvalue(res, row, col + JOB_COL_STATUS));
	json_gen_kv_string(g, "filename", value_or_null(res, row, col + JOB_COL_FILENAME));
	json_gen_kv_string(g, "content_type", value_or_null(res, row, col + JOB_COL_CONTENT_TYPE));
	kv_int_or_null(g, "size_bytes", res, row, col + JOB_COL_SIZE);
	json_gen_kv_string(g, "sha256", value_or_null(res, row, col + JOB_COL_SHA256));
	kv_int_or_null(g, "attempts", res, row, col + JOB_COL_ATTEMPTS);
	json_gen_kv_string(g, "error", value_or_null(res, row, col + JOB_COL_ERROR));
	json_gen_key(g, "mean_confidence");
	if (PQgetisnull(res, row, col + JOB_COL_CONFIDENCE))
		yajl_gen_null(g);
	else
		yajl_gen_double(g, strtod(PQgetvalue(res, row, col + JOB_COL_CONFIDENCE), NULL));
	kv_int_or_null(g, "page_count", res, row, col + JOB_COL_PAGES);
	json_gen_kv_string(g, "source", PQgetvalue(res, row, col + JOB_COL_SOURCE));
	json_gen_kv_string(g, "created_at", PQgetvalue(res, row, col + JOB_COL_CREATED));
	json_gen_kv_string(g, "started_at", value_or_null(res, row, col + JOB_COL_STARTED));
	json_gen_kv_string(g, "finished_at", value_or_null(res, row, col + JOB_COL_FINISHED));
	kv_int_or_null(g, "ocr_ms", res, row, col + JOB_COL_OCR_MS);
	json_gen_kv_string(g, "invoice_id", value_or_null(res, row, col + JOB_COL_INVOICE));
	kv_url(g, PQgetvalue(res, row, col + JOB_COL_ID));
	yajl_gen_map_close(g);
}

void
job_json_spooled(yajl_gen g, const struct spool_meta *m, const char *status)
{
	char created[32];
	time_t t = (time_t)(m->created_us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "id", m->job_id);
	json_gen_kv_string(g, "status", status);
	json_gen_kv_string(g, "filename", m->filename[0] != '\0' ? m->filename : NULL);
	json_gen_kv_string(g, "content_type", imagetype_mime(imagetype_from_name(m->type)));
	json_gen_kv_int(g, "size_bytes", (long long)m->size);
	json_gen_kv_string(g, "sha256", m->sha256);
	json_gen_kv_int(g, "attempts", 0);
	json_gen_kv_string(g, "error", NULL);
	json_gen_key(g, "mean_confidence");
	yajl_gen_null(g);
	json_gen_key(g, "page_count");
	yajl_gen_null(g);
	json_gen_kv_string(g, "source", m->source);
	json_gen_kv_string(g, "created_at", created);
	json_gen_kv_string(g, "started_at", NULL);
	json_gen_kv_string(g, "finished_at", NULL);
	json_gen_key(g, "ocr_ms");
	yajl_gen_null(g);
	json_gen_kv_string(g, "invoice_id", NULL);
	kv_url(g, m->job_id);
	yajl_gen_map_close(g);
}
