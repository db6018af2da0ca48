/*
 * Unit tests for lib/strbuf: adding bytes and strings, printf that fits
 * and printf that makes it grow, past the first allocation, with the text
 * always NUL-terminated and nothing added once it has failed.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "tests/unit/tap.h"

int
main(void)
{
	struct strbuf b = { 0 };
	char big[10000];

	strbuf_adds(&b, "");
	ok(b.p != NULL && b.p[0] == '\0' && b.len == 0, "an empty addition gives an empty string");
	strbuf_add(&b, "abcdef", 3);
	strbuf_adds(&b, "-");
	strbuf_printf(&b, "%d:%s", 42, "x");
	is_str(b.p, "abc-42:x", "add, adds and printf append");
	is_int(b.len, 8, "  and count the length");

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_printf(&b, "[%s]", big);
	is_int(b.len, 8 + 2 + sizeof(big) - 1, "a printf longer than the room left grows the buffer");
	ok(b.cap > b.len && b.p[b.len] == '\0', "  and the text stays NUL-terminated");
	ok(b.p[8] == '[' && b.p[9] == 'y' && b.p[b.len - 1] == ']', "  with all of it formatted");
	for (int i = 0; i < 100; i++)
		strbuf_add(&b, big, sizeof(big) - 1);
	is_int(b.len, 8 + 2 + 101 * (sizeof(big) - 1), "many additions past the first allocation");
	ok(!b.failed, "  without failing");

	b.failed = 1;
	strbuf_adds(&b, "lost");
	strbuf_printf(&b, "%s", "lost");
	is_int(b.len, 8 + 2 + 101 * (sizeof(big) - 1), "once failed, nothing more is added");
	free(b.p);
	return done_testing();
}
