/*
 * export_jsonl: JSON lines, each row's Invoice JSON framed on a line of
 * its own.  The database made the JSON; this only frames it.
 */
#include "lib/export_backend.h"

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The bytes between the outer blanks, which must be one object. */
static bool
object_bounds(const char *s, size_t len, size_t *start, size_t *end)
{
	size_t a = 0, z = len;

	while (a < z && blank(s[a]))
		a++;
	while (z > a && blank(s[z - 1]))
		z--;
	*start = a;
	*end = z;
	return z - a >= 2 && s[a] == '{' && s[z - 1] == '}';
}

static enum export_status
jsonl_row(struct export *e, const struct export_row *r)
{
	size_t a, z, run;

	if (!object_bounds(r->json, r->json_len, &a, &z))
		return EXPORT_BAD_ROW;
	/*
	 * A raw CR or LF in JSON is whitespace between tokens (a string holds
	 * them escaped), so a space in its place means the same and keeps the
	 * record on one line.
	 */
	for (size_t i = a; i < z; i += run) {
		for (run = 0; i + run < z && r->json[i + run] != '\r' && r->json[i + run] != '\n'; run++)
			;
		strbuf_add(&e->out, r->json + i, run);
		if (i + run < z) {
			strbuf_add(&e->out, " ", 1);
			run++;
		}
	}
	strbuf_add(&e->out, "\n", 1);
	return EXPORT_OK;
}

const struct export_backend export_jsonl_backend = {
	.reads_json = true,
	.row = jsonl_row,
};
