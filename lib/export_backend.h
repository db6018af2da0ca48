/*
 * export_backend: what lib/export.c shares with the file per format
 * (export_csv.c, export_jsonl.c, export_xlsx.c): the export itself, the
 * table of operations a format implements, and the columns of a table
 * format.  Not for callers of lib/export.
 */
#ifndef QUILL_EXPORT_BACKEND_H
#define QUILL_EXPORT_BACKEND_H

#include "lib/export.h"
#include "lib/strbuf.h"

struct export_backend {
	bool reads_json;	/* rows are export_row.json, not .inv */
	/* Each may write into e->out; rows come checked.  NULL: nothing to do. */
	enum export_status (*begin)(struct export *e);
	enum export_status (*row)(struct export *e, const struct export_row *r);
	enum export_status (*finish)(struct export *e);
	/* The output after finish when it is not e->out (XLSX: its file); NULL: e->out. */
	enum export_status (*take)(struct export *e, const char **data, size_t *len);
	void (*free)(struct export *e);
};

extern const struct export_backend export_csv_backend, export_jsonl_backend, export_xlsx_backend;

struct export {
	const struct export_backend *backend;
	void *state;			/* the backend's */
	const char *tmpdir;
	struct strbuf out;		/* bytes ready to take */
	bool handed_out;		/* out was taken: emptied before it grows again */
	bool finished;
	enum export_status failed;	/* the first error, for every later call */
	struct strbuf cell;		/* a cell made from several values */
};

/* What a cell holds: how CSV guards it, which XLSX cell it becomes. */
enum export_kind {
	EXPORT_KIND_TEXT,
	EXPORT_KIND_DATE,	/* "YYYY-MM-DD" */
	EXPORT_KIND_TIMESTAMP,	/* created_at */
	EXPORT_KIND_DECIMAL,	/* money, a rate */
	EXPORT_KIND_COUNT,
	EXPORT_KIND_BOOL,	/* "true" / "false" */
};

/* What fills a column besides an invoice field. */
enum export_source {
	EXPORT_FROM_FIELD,
	EXPORT_FROM_ID,
	EXPORT_FROM_NEEDS_REVIEW,
	EXPORT_FROM_SOURCE,
	EXPORT_FROM_CREATED_AT,
	EXPORT_FROM_ITEM_COUNT,
	EXPORT_FROM_ITEMS,
};

struct export_column {
	const char *name;
	enum export_kind kind;
	enum export_source from;
	enum invoice_field field;	/* EXPORT_FROM_FIELD */
};

extern const struct export_column export_columns[];
extern const size_t export_ncolumns;

/* Column c's text in row r (NULL: the API's null); made in e->cell when it is not stored so. */
const char *export_cell(struct export *e, const struct export_row *r, size_t c);

struct export_timestamp {
	int year, month, day, hour, min;
	double sec;
};

/* Reads created_at's UTC forms (export.h); false for anything else. */
bool export_timestamp_parse(const char *s, struct export_timestamp *t);

#endif
