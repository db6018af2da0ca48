/*
 * export_xlsx: the table as an Excel workbook (libxlsxwriter), cells
 * typed as export.h says.
 *
 * libxlsxwriter writes to a file name, never to a descriptor.  The
 * workbook goes to an unnamed file (O_TMPFILE in the export's tmpdir)
 * reached by its /proc/self/fd name, so nothing is left behind when the
 * process dies; where the file system has no O_TMPFILE, a mkstemp() file
 * is unlinked as soon as it is open for reading.  constant_memory mode
 * keeps each finished row in libxlsxwriter's own temporary file (same
 * tmpdir), so memory stays flat; workbook_close() then zips the workbook
 * in one go, which is the CPU cost export_finish() carries (see the
 * diagnostic of tests/unit/test_export).
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "lib/export_backend.h"

#define XLSX_CHUNK (64 * 1024)
#define XLSX_STRING_MAX 32767	/* characters in a cell: Excel's limit */
#define DOUBLE_DIGITS 15	/* significant digits any double keeps exactly */

struct xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *date, *timestamp;
	lxw_format *decimals[5];	/* "#,##0", "#,##0.0", .. "#,##0.0000" */
	lxw_row_t row;
	int fd;				/* the workbook, read back after workbook_close() */
	char path[4096];		/* what libxlsxwriter opens */
	bool named;			/* path is a mkstemp() name to unlink */
	locale_t c_locale;		/* strtod_l(): '.' whatever the process's locale */
	char *tmpdir;			/* libxlsxwriter wants it writable */
	char chunk[XLSX_CHUNK];
};

/* The file the workbook goes to; -1 with errno. */
static int
open_workbook_file(struct xlsx *x, const char *tmpdir)
{
	x->fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (x->fd >= 0) {
		snprintf(x->path, sizeof(x->path), "/proc/self/fd/%d", x->fd);
		return 0;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -1;
	if ((size_t)snprintf(x->path, sizeof(x->path), "%s/quill-export.XXXXXX", tmpdir) >= sizeof(x->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((x->fd = mkostemp(x->path, O_CLOEXEC)) < 0)
		return -1;
	x->named = true;
	return 0;
}

static lxw_format *
number_format(lxw_workbook *wb, const char *pattern, bool bold)
{
	lxw_format *f = workbook_add_format(wb);

	if (f != NULL && pattern != NULL)
		format_set_num_format(f, pattern);
	if (f != NULL && bold)
		format_set_bold(f);
	return f;
}

static enum export_status
xlsx_begin(struct export *e)
{
	static const char *const patterns[5] = {
		"#,##0", "#,##0.0", "#,##0.00", "#,##0.000", "#,##0.0000"
	};
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE };
	struct xlsx *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return EXPORT_NOMEM;
	x->fd = -1;
	e->state = x;
	if ((x->tmpdir = strdup(e->tmpdir)) == NULL ||
	    (x->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0)) == (locale_t)0)
		return EXPORT_NOMEM;
	if (open_workbook_file(x, e->tmpdir) != 0)
		return EXPORT_IO;
	opt.tmpdir = x->tmpdir;
	if ((x->wb = workbook_new_opt(x->path, &opt)) == NULL ||
	    (x->ws = workbook_add_worksheet(x->wb, "Invoices")) == NULL)
		return EXPORT_XLSX_FAILED;
	x->bold = number_format(x->wb, NULL, true);
	x->date = number_format(x->wb, "yyyy-mm-dd", false);
	x->timestamp = number_format(x->wb, "yyyy-mm-dd hh:mm:ss", false);
	for (int i = 0; i < 5; i++)
		x->decimals[i] = number_format(x->wb, patterns[i], false);
	for (size_t c = 0; c < export_ncolumns; c++)
		if (worksheet_write_string(x->ws, 0, (lxw_col_t)c, export_columns[c].name, x->bold) != LXW_NO_ERROR)
			return EXPORT_XLSX_FAILED;
	worksheet_freeze_panes(x->ws, 1, 0);
	return EXPORT_OK;
}

/*
 * A stored decimal as a number cell with its own decimals shown, or as
 * text when a double cannot hold all its digits (export.h).
 */
static lxw_error
write_decimal(struct xlsx *x, lxw_col_t col, const char *s)
{
	const char *dot = strchr(s, '.');
	int decimals = dot != NULL ? (int)strlen(dot + 1) : 0, significant = 0;
	bool leading = true;

	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || (leading && *p == '0'))
			continue;
		leading = false;
		significant++;
	}
	if (significant > DOUBLE_DIGITS || decimals > 4)
		return worksheet_write_string(x->ws, x->row, col, s, NULL);
	return worksheet_write_number(x->ws, x->row, col, strtod_l(s, NULL, x->c_locale),
	    x->decimals[decimals]);
}

/* Excel's limit is in characters; cutting bytes at a character's start keeps UTF-8 whole. */
static lxw_error
write_text(struct xlsx *x, lxw_col_t col, const char *s)
{
	size_t len = strlen(s);
	char *cut;
	lxw_error err;

	if (len <= XLSX_STRING_MAX)
		return worksheet_write_string(x->ws, x->row, col, s, NULL);
	while (len > XLSX_STRING_MAX || (s[len] & 0xc0) == 0x80)
		len--;
	if ((cut = strndup(s, len)) == NULL)
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	err = worksheet_write_string(x->ws, x->row, col, cut, NULL);
	free(cut);
	return err;
}

static lxw_error
write_cell(struct xlsx *x, lxw_col_t col, enum export_kind kind, const char *v)
{
	struct export_timestamp t = { 0 };
	lxw_datetime dt;

	switch (kind) {
	case EXPORT_KIND_DECIMAL:
		return write_decimal(x, col, v);
	case EXPORT_KIND_COUNT:
		return worksheet_write_number(x->ws, x->row, col, strtod_l(v, NULL, x->c_locale), NULL);
	case EXPORT_KIND_BOOL:
		return worksheet_write_boolean(x->ws, x->row, col, strcmp(v, "true") == 0, NULL);
	case EXPORT_KIND_DATE:
		/* checked as YYYY-MM-DD by invoice_valid() */
		dt = (lxw_datetime){ atoi(v), atoi(v + 5), atoi(v + 8), 0, 0, 0 };
		return worksheet_write_datetime(x->ws, x->row, col, &dt, x->date);
	case EXPORT_KIND_TIMESTAMP:
		export_timestamp_parse(v, &t);	/* checked before the row came */
		dt = (lxw_datetime){ t.year, t.month, t.day, t.hour, t.min, t.sec };
		return worksheet_write_datetime(x->ws, x->row, col, &dt, x->timestamp);
	case EXPORT_KIND_TEXT:
		break;
	}
	return write_text(x, col, v);
}

static enum export_status
xlsx_row(struct export *e, const struct export_row *r)
{
	struct xlsx *x = e->state;

	if (x->row + 1 >= LXW_ROW_MAX)
		return EXPORT_TOO_MANY_ROWS;
	x->row++;
	for (size_t c = 0; c < export_ncolumns; c++) {
		const char *v = export_cell(e, r, c);

		if (v != NULL && write_cell(x, (lxw_col_t)c, export_columns[c].kind, v) != LXW_NO_ERROR)
			return EXPORT_XLSX_FAILED;
	}
	return EXPORT_OK;
}

static enum export_status
xlsx_finish(struct export *e)
{
	struct xlsx *x = e->state;
	lxw_error err = workbook_close(x->wb);

	x->wb = NULL;	/* closed is freed, whatever the outcome */
	if (err != LXW_NO_ERROR)
		return EXPORT_XLSX_FAILED;
	/* libxlsxwriter wrote through its own descriptor: read from the start */
	if (lseek(x->fd, 0, SEEK_SET) < 0)
		return EXPORT_IO;
	if (x->named) {
		unlink(x->path);
		x->named = false;
	}
	return EXPORT_OK;
}

static enum export_status
xlsx_take(struct export *e, const char **data, size_t *len)
{
	struct xlsx *x = e->state;
	ssize_t n;

	while ((n = read(x->fd, x->chunk, sizeof(x->chunk))) < 0 && errno == EINTR)
		;
	if (n < 0)
		return EXPORT_IO;
	*data = x->chunk;
	*len = (size_t)n;
	return EXPORT_OK;
}

static void
xlsx_free(struct export *e)
{
	struct xlsx *x = e->state;

	if (x == NULL)
		return;
	/*
	 * An export given up: nothing is zipped.  lxw_workbook_free() leaves
	 * the sheet's row file open (only workbook_close() closes it), which
	 * would leak a descriptor per abandoned export in a long-lived
	 * worker; tests/unit/test_export counts them.
	 */
	if (x->wb != NULL) {
		if (x->ws != NULL && x->ws->optimize_tmpfile != NULL) {
			fclose(x->ws->optimize_tmpfile);
			x->ws->optimize_tmpfile = NULL;
		}
		lxw_workbook_free(x->wb);
	}
	if (x->fd >= 0)
		close(x->fd);
	if (x->named)
		unlink(x->path);
	if (x->c_locale != (locale_t)0)
		freelocale(x->c_locale);
	free(x->tmpdir);
	free(x);
	e->state = NULL;
}

const struct export_backend export_xlsx_backend = {
	.begin = xlsx_begin,
	.row = xlsx_row,
	.finish = xlsx_finish,
	.take = xlsx_take,
	.free = xlsx_free,
};
