/*
 * upload: POST /api/ocr/jobs, an image into the spool.
 *
 * The body is a multipart/form-data form with the image in field `file`,
 * or the raw image with an image Content-Type (its name, if any, in
 * ?filename=).  What the bytes are is decided by their magic, never by
 * the name or the declared type.  A job is accepted (202) once its spool
 * file is fsync'd in new/: the row in PostgreSQL is written next, but if
 * the database is away the answer is still 202 and the worker that
 * claims the file writes the row.
 *
 * libh2o 2.2 hands a handler the whole body.  Bodies above
 * [http] body_memory are buffered by libh2o in an unlinked file under
 * [http] body_buffer_dir and mapped (lib/http.c), so an upload is never
 * held in the heap; this file hashes and copies that mapping into the
 * spool file.
 *
 * An Idempotency-Key makes the job id a hash of the user and the key, so
 * a repeat names the same job even while the database is away: it gets
 * the job (200), or 409 when the key came with a different file.
 *
 * SECURITY: anyone holding a valid access token reaches this file, so
 * everything but the token's subject is hostile: the body (any bytes, any
 * size up to [http] max_body), the Content-Type, the multipart headers,
 * ?filename=, ?lang= and Idempotency-Key.  Trusted: the token (checked
 * first, by job_op_new) and the spool directory.  Refused before anything is
 * written: a body that is not a PNG, JPEG, TIFF, WebP, BMP or PNM by its
 * magic (415), larger than max_upload (413) or declaring more than
 * max_pixels (422); a ?lang= that is not a language set (400,
 * lib/ocr_languages) or asks for one not offered (422); a malformed
 * multipart body (400); a file name that is not strict UTF-8 (lib/utf8: surrogates, overlongs, above U+10FFFF, cut
 * short, NUL; 400), since PostgreSQL would refuse its row for ever; an
 * Idempotency-Key that is not 1 to 255 visible ASCII bytes (400).  Kept
 * of a name: its last path component, control bytes made '_', cut on a
 * character boundary; it never names a file (the spool names files by
 * job id) and reaches the log only through log_quote().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "lib/daemon.h"
#include "lib/imagetype.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/multipart.h"
#include "lib/ocr_languages.h"
#include "lib/utf8.h"
#include "bin/quill-ocrd/ocrd.h"

struct upload {
	struct spool_meta meta;
	const char *data;
	size_t len;
};

static void
add_location(struct http_request *hr, const char *job_id)
{
	h2o_req_t *req = hr->req;
	char *url = h2o_mem_alloc_pool(&req->pool, 64);
	int n = snprintf(url, 64, "/api/ocr/jobs/%s", job_id);

	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL, url, (size_t)n);
}

static void
answer_spooled(struct job_op *op, int status)
{
	struct upload *u = op->data;
	yajl_gen g = json_gen_new();

	job_json_spooled(g, &u->meta, "queued");
	add_location(op->hr, u->meta.job_id);
	http_send_gen(op->hr, status, g);
}

/*
 * The row is written after the answer, by a query the request does not
 * own: the client may be gone by then, and a row that cannot be written
 * now is written by the worker that claims the file.  One the server
 * refuses for good (what this file checks should leave none) the worker
 * fails, with the same reason: it is logged as a warning here.
 */
static void
on_row_written(void *arg, const PGresult *res, const struct pg_error *err)
{
	char *job = arg;
	char quoted[600];

	if (res == NULL && pg_error_transient(err))
		log_info("event=job_row_deferred job=%s error=%s", job,
		    log_quote(quoted, sizeof(quoted), err->message, (size_t)-1));
	else if (res == NULL)
		log_warnx("event=job_row_refused job=%s error=%s", job,
		    log_quote(quoted, sizeof(quoted), err->message, (size_t)-1));
	free(job);
}

/*
 * The row is written after the answer: the 202 rests on the fsync'd
 * file alone, and a query sent first woke PostgreSQL's backend, which on
 * a busy machine could run before the answer was written.  The answer
 * may end the request and free its memory, so the row is made from a copy.
 */
static void
write_row(struct pg_pool *db, const struct spool_meta *m)
{
	char *job = strdup(m->job_id);

	/* a NULL handle means on_row_written has run already: it logged and freed */
	if (job != NULL)
		(void)job_row_create(db, m, on_row_written, job);
}

static void
spool_and_record(struct job_op *op)
{
	struct upload *u = op->data;
	struct pg_pool *db = op->hr->worker->db;
	struct spool_meta meta;

	if (spool_deliver(op->ocrd->spool, &u->meta, u->data, u->len) != 0) {
		if (errno == ENOSPC || errno == EDQUOT) {
			log_warnx("event=spool_full request_id=%s", op->hr->request_id);
			http_send_error(op->hr, 507, "insufficient_storage", "the spool is full; try again later");
			return;
		}
		log_warn("event=spool_write_failed request_id=%s", op->hr->request_id);
		http_send_error(op->hr, 500, "internal_error", "the upload could not be stored; it was logged");
		return;
	}
	/* languages: a checked set of [a-z0-9_+], or "" for the default */
	log_info("event=job_spooled job=%s user=%s type=%s bytes=%zu languages=%s request_id=%s", u->meta.job_id,
	    u->meta.user_id, u->meta.type, u->len, u->meta.languages[0] != '\0' ? u->meta.languages : "default",
	    op->hr->request_id);
	meta = u->meta;
	answer_spooled(op, 202);
	write_row(db, &meta);
}

/* --- Idempotency-Key --- */

/* The job id a user's key names: the same key from the same user, the same id. */
static void
keyed_job_id(const char *user_id, const char *key, char out[UUID_STR_LEN + 1])
{
	char text[UUID_STR_LEN + SPOOL_KEY_MAX + 48];
	int n = snprintf(text, sizeof(text), "quill ocr idempotency key\n%s\n%s", user_id, key);

	uuid_v8_hash(text, (size_t)n, out);
}

/* Not in the database (or it is away): the spool may still hold the job. */
static void
keyed_from_spool(struct job_op *op)
{
	struct upload *u = op->data;
	struct spool_file f;

	if (spool_map(op->ocrd->spool, SPOOL_NEW, u->meta.job_id, &f) != 0) {
		spool_and_record(op);
		return;
	}
	if (strcmp(f.meta.sha256, u->meta.sha256) != 0) {
		spool_unmap(&f);
		http_send_error(op->hr, 409, "idempotency_key_reused",
		    "this Idempotency-Key was used with a different file");
		return;
	}
	u->meta = f.meta;
	spool_unmap(&f);
	h2o_add_header_by_str(&op->hr->req->pool, &op->hr->req->res.headers,
	    H2O_STRLIT("idempotent-replayed"), 0, NULL, H2O_STRLIT("true"));
	answer_spooled(op, 200);
}

static void
on_keyed(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;
	struct upload *u = op->data;
	yajl_gen g;

	op->query = NULL;
	if (res == NULL || PQntuples(res) == 0) {
		keyed_from_spool(op);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, JOB_COL_USER), u->meta.user_id) != 0 ||
	    strcmp(PQgetvalue(res, 0, JOB_COL_SHA256), u->meta.sha256) != 0) {
		http_send_error(op->hr, 409, "idempotency_key_reused",
		    "this Idempotency-Key was used with a different file");
		return;
	}
	g = json_gen_new();
	job_json(g, res, 0, 0);
	add_location(op->hr, u->meta.job_id);
	h2o_add_header_by_str(&op->hr->req->pool, &op->hr->req->res.headers,
	    H2O_STRLIT("idempotent-replayed"), 0, NULL, H2O_STRLIT("true"));
	http_send_gen(op->hr, 200, g);
}

/* --- reading the request --- */

/*
 * The name to remember: the last path component of a name that must be
 * strict UTF-8 (the database holds UTF-8 text, and refuses the rest for
 * ever), control characters made '_', cut on a character boundary to fit.
 * Returns -1 when the name is not UTF-8.
 */
static int
clean_filename(const char *name, size_t len, char out[SPOOL_FILENAME_MAX + 1])
{
	size_t n = 0;

	if (!utf8_valid(name, len))
		return -1;
	for (size_t i = len; i > 0; i--)
		if (name[i - 1] == '/' || name[i - 1] == '\\') {
			name += i;
			len -= i;
			break;
		}
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)name[i];
		size_t seq = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

		if (n + seq > SPOOL_FILENAME_MAX)
			break;
		if (c < 0x20 || c == 0x7f)
			out[n] = '_';
		else
			memcpy(out + n, name + i, seq);
		n += seq;
		i += seq;
	}
	out[n] = '\0';
	return 0;
}

static void
send_bad_filename(struct job_op *op)
{
	http_send_error(op->hr, 400, "bad_request", "the file name is not valid UTF-8");
}

/* Visible ASCII only: stricter than UTF-8, so the key's row is never refused. */
static bool
key_valid(const char *k, size_t len)
{
	if (len == 0 || len > SPOOL_KEY_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			return false;
	return true;
}

/* Finds the image in the body; answers and returns -1 when there is none. */
static int
read_body(struct job_op *op)
{
	struct upload *u = op->data;
	h2o_req_t *req = op->hr->req;
	ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
	char boundary[80];

	if (i < 0) {
		http_send_error(op->hr, 415, "unsupported_media_type",
		    "send multipart/form-data with a field named file, or the image with its Content-Type");
		return -1;
	}
	h2o_iovec_t ct = req->headers.entries[i].value;
	if (multipart_boundary(ct.base, ct.len, boundary, sizeof(boundary)) > 0) {
		struct multipart_part part;
		int rc = multipart_find(req->entity.base, req->entity.len, boundary, "file", &part);

		if (rc != 0) {
			http_send_error(op->hr, 400, "bad_request", rc > 0 ? "the form has no field named file" :
			    "the multipart body is malformed or cut short");
			return -1;
		}
		u->data = part.data;
		u->len = part.data_len;
		if (part.filename != NULL && clean_filename(part.filename, part.filename_len, u->meta.filename) != 0) {
			send_bad_filename(op);
			return -1;
		}
		return 0;
	}
	if (imagetype_from_mime(ct.base, ct.len) == IMAGETYPE_UNKNOWN) {
		http_send_error(op->hr, 415, "unsupported_media_type",
		    "the Content-Type is not an image type quill reads");
		return -1;
	}
	u->data = req->entity.base;
	u->len = req->entity.base != NULL ? req->entity.len : 0;
	size_t name_len;
	const char *name = http_query_n(op->hr, "filename", &name_len);
	if (name != NULL && clean_filename(name, name_len, u->meta.filename) != 0) {
		send_bad_filename(op);
		return -1;
	}
	return 0;
}

/*
 * ?lang=, the OCR languages to read the image with, into the job's meta:
 * a set of lib/ocr_languages that [ocr_worker] allowed_languages (or
 * languages) allows.  A '+' of a query string decodes as a space, so a
 * space joins codes as '+' does.  None: the worker's default, as for a
 * drop-in.  Answers and returns -1 when the set cannot be read.
 */
static int
read_languages(struct job_op *op)
{
	struct upload *u = op->data;
	struct ocrd *o = op->ocrd;
	size_t len;
	const char *lang = http_query_n(op->hr, "lang", &len);
	char why[OCR_LANGUAGES_MAX + 256];

	if (lang == NULL)
		return 0;
	if (len > OCR_LANGUAGES_MAX) {
		http_send_error(op->hr, 400, "bad_request", "lang is longer than a language set may be");
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		u->meta.languages[i] = lang[i] == ' ' ? '+' : lang[i];
	u->meta.languages[len] = '\0';
	switch (ocr_languages_check(u->meta.languages, len, o->allowed_languages, why, sizeof(why))) {
	case OCR_LANGUAGES_OK:
		break;
	case OCR_LANGUAGES_MALFORMED:
		http_send_error(op->hr, 400, "bad_request", why);
		return -1;
	case OCR_LANGUAGES_NOT_ALLOWED:
		http_send_error(op->hr, 422, "unsupported_language", why);
		return -1;
	}
	/* the default's own set is no choice: the job reads as a drop-in does */
	if (strcmp(u->meta.languages, o->default_languages) == 0) {
		u->meta.languages[0] = '\0';
		return 0;
	}
	if (!o->other_languages) {
		snprintf(why, sizeof(why), "only the languages %s are read here", o->default_languages);
		http_send_error(op->hr, 422, "unsupported_language", why);
		return -1;
	}
	return 0;
}

/* Checks what the bytes are; answers and returns -1 when they cannot be a job. */
static int
check_image(struct job_op *op)
{
	struct upload *u = op->data;
	struct imagetype_limits lim = { op->ocrd->max_pixels, op->ocrd->max_pages };
	struct imagetype_report rep;
	enum imagetype t;

	if (u->len == 0) {
		http_send_error(op->hr, 400, "empty_file", "the file is empty");
		return -1;
	}
	if (u->len > op->ocrd->max_upload) {
		http_send_error(op->hr, 413, "payload_too_large", "the file is larger than the upload limit");
		return -1;
	}
	t = imagetype_sniff(u->data, u->len);
	if (t == IMAGETYPE_UNKNOWN || t == IMAGETYPE_PDF) {
		http_send_error(op->hr, 415, "unsupported_media_type", t == IMAGETYPE_PDF ?
		    "PDF is not read here; upload its pages as images" :
		    "the file is not a PNG, JPEG, TIFF, WebP, BMP or PNM image");
		return -1;
	}
	/* every page a TIFF holds is checked here, as the worker will */
	switch (imagetype_check(u->data, u->len, t, &lim, &rep)) {
	case IMAGETYPE_OK:
		break;
	case IMAGETYPE_TOO_LARGE:
	case IMAGETYPE_TOO_MANY_PAGES:
		http_send_error(op->hr, 422, "image_too_large", rep.why);
		return -1;
	case IMAGETYPE_MALFORMED:
	case IMAGETYPE_UNSUPPORTED:
		http_send_error(op->hr, 422, "unsupported_image", rep.why);
		return -1;
	}
	snprintf(u->meta.type, sizeof(u->meta.type), "%s", imagetype_name(t));
	return 0;
}

void
upload_create(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, sizeof(struct upload));
	struct upload *u;
	struct timeval tv;
	ssize_t ki;

	if (op == NULL)
		return;
	u = op->data;
	if (read_languages(op) != 0 || read_body(op) != 0 || check_image(op) != 0)
		return;
	gettimeofday(&tv, NULL);
	u->meta.created_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	snprintf(u->meta.user_id, sizeof(u->meta.user_id), "%s", op->user_id);
	snprintf(u->meta.source, sizeof(u->meta.source), "upload");
	ki = h2o_find_header_by_str(&hr->req->headers, H2O_STRLIT("idempotency-key"), -1);
	if (ki < 0) {
		uuid_v4(u->meta.job_id);
		spool_and_record(op);
		return;
	}
	h2o_iovec_t key = hr->req->headers.entries[ki].value;
	if (!key_valid(key.base, key.len)) {
		http_send_error(hr, 400, "bad_request", "Idempotency-Key must be 1 to 255 visible ASCII characters");
		return;
	}
	memcpy(u->meta.idempotency_key, key.base, key.len);
	u->meta.idempotency_key[key.len] = '\0';
	keyed_job_id(u->meta.user_id, u->meta.idempotency_key, u->meta.job_id);
	if (spool_sha256(u->data, u->len, u->meta.sha256) != 0) {
		http_send_error(hr, 503, "unavailable", "the server is out of resources; try again");
		return;
	}
	const char *params[1] = { u->meta.job_id };
	job_op_query(op, job_sql_get_any, 1, params, on_keyed);
}
