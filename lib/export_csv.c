/*
 * export_csv: the table as RFC 4180 CSV, with a byte order mark and a
 * guard against formula injection (export.h says why each).
 */
#include <string.h>

#include "lib/export_backend.h"

/* A plain number: Excel reads it as one, never as a formula. */
static bool
plain_number(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	size_t n = strspn(p, "0123456789");

	if (n == 0)
		return false;
	p += n;
	if (*p == '.') {
		n = strspn(++p, "0123456789");
		if (n == 0)
			return false;
		p += n;
	}
	return *p == '\0';
}

/* OWASP: a cell starting with one of these runs as a formula. */
static bool
formula_like(const char *s)
{
	return *s != '\0' && strchr("=+-@\t\r", *s) != NULL && !plain_number(s);
}

static void
field(struct strbuf *b, const char *s, bool guard)
{
	bool quote = *s == '\0' || strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		strbuf_add(b, "\"", 1);
	if (guard && formula_like(s))
		strbuf_add(b, "'", 1);
	/* each quote doubled */
	for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
		strbuf_add(b, s, (size_t)(q - s) + 1);
		strbuf_add(b, "\"", 1);
	}
	strbuf_adds(b, s);
	if (quote)
		strbuf_add(b, "\"", 1);
}

static enum export_status
csv_begin(struct export *e)
{
	strbuf_add(&e->out, "\xef\xbb\xbf", 3);
	for (size_t c = 0; c < export_ncolumns; c++) {
		if (c > 0)
			strbuf_add(&e->out, ",", 1);
		field(&e->out, export_columns[c].name, false);
	}
	strbuf_add(&e->out, "\r\n", 2);
	return EXPORT_OK;
}

static enum export_status
csv_row(struct export *e, const struct export_row *r)
{
	for (size_t c = 0; c < export_ncolumns; c++) {
		const char *v = export_cell(e, r, c);

		if (c > 0)
			strbuf_add(&e->out, ",", 1);
		/* null stays an empty field, unquoted: "" is the empty string */
		if (v != NULL)
			field(&e->out, v, export_columns[c].kind == EXPORT_KIND_TEXT);
	}
	strbuf_add(&e->out, "\r\n", 2);
	return EXPORT_OK;
}

const struct export_backend export_csv_backend = {
	.begin = csv_begin,
	.row = csv_row,
};
