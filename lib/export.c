/*
 * export: see export.h.  The order of calls, the checks every row goes
 * through and the buffer handed out are here; each format is a table of
 * operations in a file of its own (export_backend.h).
 *
 * SECURITY: a row's values come from OCR of anyone's upload or from a
 * client's PATCH, through the database.  Each is checked as the API
 * stores it (invoice_valid(), UTF-8) before a format
 * sees it, so a format writes only text it can carry; a row that fails
 * fails the export (EXPORT_BAD_ROW) rather than being written repaired.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/export_backend.h"
#include "lib/utf8.h"

static const struct {
	const char *name;
	const char *content_type;
	const struct export_backend *backend;
} formats[] = {
	[EXPORT_CSV] = { "csv", "text/csv; charset=utf-8", &export_csv_backend },
	[EXPORT_JSONL] = { "jsonl", "application/jsonl", &export_jsonl_backend },
	[EXPORT_XLSX] = { "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	    &export_xlsx_backend },
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

int
export_format_from_name(const char *name, size_t len)
{
	for (size_t f = 0; f < NFORMATS; f++)
		if (strlen(formats[f].name) == len && memcmp(formats[f].name, name, len) == 0)
			return (int)f;
	return -1;
}

const char *
export_content_type(enum export_format f)
{
	return (unsigned)f < NFORMATS ? formats[f].content_type : "application/octet-stream";
}

const char *
export_file_extension(enum export_format f)
{
	return (unsigned)f < NFORMATS ? formats[f].name : "bin";
}

static bool
text_ok(const char *s)
{
	return s != NULL && utf8_valid(s, strlen(s));
}

static bool
row_ok(const struct export *e, const struct export_row *r)
{
	struct export_timestamp t;
	char why[200];

	if (e->backend->reads_json)
		return r->json != NULL && utf8_valid(r->json, r->json_len);
	return r->inv != NULL && text_ok(r->id) && text_ok(r->source) && r->created_at != NULL &&
	    export_timestamp_parse(r->created_at, &t) && invoice_valid(r->inv, why, sizeof(why));
}

/* Bytes already taken leave the buffer before more are written. */
static void
drop_taken(struct export *e)
{
	if (e->handed_out && e->out.p != NULL) {
		e->out.len = 0;
		e->out.p[0] = '\0';
	}
	e->handed_out = false;
}

/* The first error sticks; ENOMEM in either buffer is one. */
static enum export_status
settle(struct export *e, enum export_status st)
{
	if (st == EXPORT_OK && (e->out.failed || e->cell.failed))
		st = EXPORT_NOMEM;
	if (e->failed == EXPORT_OK)
		e->failed = st;
	return e->failed;
}

enum export_status
export_begin(enum export_format f, const struct export_options *opt, struct export **out)
{
	struct export *e;
	enum export_status st;

	*out = NULL;
	if ((unsigned)f >= NFORMATS)
		return EXPORT_ORDER;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return EXPORT_NOMEM;
	e->backend = formats[f].backend;
	e->tmpdir = opt != NULL && opt->tmpdir != NULL ? opt->tmpdir : "/tmp";
	if (e->backend->begin != NULL && (st = settle(e, e->backend->begin(e))) != EXPORT_OK) {
		export_free(e);
		return st;
	}
	*out = e;
	return EXPORT_OK;
}

enum export_status
export_write_row(struct export *e, const struct export_row *row)
{
	if (e->failed != EXPORT_OK)
		return e->failed;
	if (e->finished)
		return settle(e, EXPORT_ORDER);
	if (!row_ok(e, row))
		return settle(e, EXPORT_BAD_ROW);
	drop_taken(e);
	return settle(e, e->backend->row(e, row));
}

enum export_status
export_finish(struct export *e)
{
	if (e->failed != EXPORT_OK)
		return e->failed;
	if (e->finished)
		return settle(e, EXPORT_ORDER);
	e->finished = true;
	drop_taken(e);
	return settle(e, e->backend->finish != NULL ? e->backend->finish(e) : EXPORT_OK);
}

enum export_status
export_take(struct export *e, const char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	if (e->failed != EXPORT_OK)
		return e->failed;
	drop_taken(e);
	if (e->out.len > 0) {
		*data = e->out.p;
		*len = e->out.len;
		e->handed_out = true;
		return EXPORT_OK;
	}
	if (e->finished && e->backend->take != NULL)
		return settle(e, e->backend->take(e, data, len));
	return EXPORT_OK;
}

void
export_free(struct export *e)
{
	if (e == NULL)
		return;
	if (e->backend->free != NULL)
		e->backend->free(e);
	free(e->out.p);
	free(e->cell.p);
	free(e);
}

const char *
export_status_name(enum export_status st)
{
	static const char *const names[] = {
		[EXPORT_OK] = "OK",
		[EXPORT_BAD_ROW] = "BAD_ROW",
		[EXPORT_TOO_MANY_ROWS] = "TOO_MANY_ROWS",
		[EXPORT_NOMEM] = "NOMEM",
		[EXPORT_IO] = "IO",
		[EXPORT_XLSX_FAILED] = "XLSX_FAILED",
		[EXPORT_ORDER] = "ORDER",
	};

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}
