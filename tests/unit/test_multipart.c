/*
 * Unit tests for lib/multipart: boundaries from Content-Type values, bodies
 * as curl and browsers send them, data full of near-delimiters, CRLFs and
 * NULs, a 5 MB part found in place, every cut of a body (malformed until
 * the close delimiter is whole), header limits and the many ways a body
 * is malformed.  Bodies are copied into buffers of exactly their length so
 * that ASan sees any read past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/multipart.h"
#include "tests/unit/tap.h"

#define CURL_BOUNDARY "------------------------d74496d66958873e"
#define L(s) s, sizeof(s) - 1		/* a literal and its length, NULs included */
#define CD_A "Content-Disposition: form-data; name=a\r\n"

static char *copy;	/* the last body searched; slices point into it until the next search */

static int
find(const char *body, size_t len, const char *boundary, const char *field, struct multipart_part *part)
{
	free(copy);
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(copy, body, len);
	return multipart_find(copy, len, boundary, field, part);
}

static int
slice_is(const char *p, size_t len, const char *want, size_t want_len)
{
	return p != NULL && len == want_len && memcmp(p, want, len) == 0;
}

static int
part_empty(const struct multipart_part *p)
{
	return p->name == NULL && p->name_len == 0 && p->filename == NULL && p->filename_len == 0 &&
	    p->content_type == NULL && p->content_type_len == 0 && p->data == NULL && p->data_len == 0;
}

static void
test_boundary(void)
{
	static const struct {
		const char *content_type;
		const char *boundary;	/* NULL: none */
	} cases[] = {
		{ "multipart/form-data; boundary=" CURL_BOUNDARY, CURL_BOUNDARY },
		{ "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
		    "----WebKitFormBoundary7MA4YWxkTrZu0gW" },
		{ "multipart/form-data; boundary=\"simple boundary\"", "simple boundary" },
		{ "multipart/form-data; boundary=\"a'()+_,-./:=?z\"", "a'()+_,-./:=?z" },
		{ "Multipart/Form-Data; BOUNDARY=abc", "abc" },
		{ "  multipart/form-data ; charset=utf-8;boundary=abc ", "abc" },
		{ "multipart/form-data; boundary=abc;", "abc" },
		{ "multipart/form-data", NULL },
		{ "multipart/form-data; charset=utf-8", NULL },
		{ "multipart/mixed; boundary=abc", NULL },
		{ "multipart/form-datax; boundary=abc", NULL },
		{ "multipart; boundary=abc", NULL },
		{ "text/plain; boundary=abc", NULL },
		{ "multipart/form-data; boundary=\"\"", NULL },
		{ "multipart/form-data; boundary=", NULL },
		{ "multipart/form-data; boundary=\"abc \"", NULL },
		{ "multipart/form-data; boundary=\"a\\\"b\"", NULL },
		{ "multipart/form-data; boundary=\"abc", NULL },
		{ "multipart/form-data; boundary=a@b", NULL },
		{ "multipart/form-data; boundary=a!b", NULL },
		{ "multipart/form-data; boundary=abc; boundary=abc", NULL },
		{ "multipart/form-data boundary=abc", NULL },
		{ "", NULL },
	};
	char out[MULTIPART_BOUNDARY_MAX + 1], what[256], ct[160];
	const char *seventy = "0123456789012345678901234567890123456789012345678901234567890123456789";

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *want = cases[i].boundary;
		int n = multipart_boundary(cases[i].content_type, strlen(cases[i].content_type), out, sizeof(out));

		snprintf(what, sizeof(what), "boundary of '%s'", cases[i].content_type);
		if (want == NULL)
			ok(n == -1 && out[0] == '\0', what);
		else
			ok(n == (int)strlen(want) && strcmp(out, want) == 0, what);
	}
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", seventy);
	is_int(multipart_boundary(ct, strlen(ct), out, sizeof(out)), 70, "a boundary of 70 characters");
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%sx", seventy);
	is_int(multipart_boundary(ct, strlen(ct), out, sizeof(out)), -1, "a boundary of 71 is refused");
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=abcdef");
	is_int(multipart_boundary(ct, strlen(ct) - 3, out, sizeof(out)), 3, "only len bytes are read");
	is_int(multipart_boundary(L("multipart/form-data; boundary=abc"), out, 3), -1,
	    "a boundary with no room for its NUL is refused");
	is_int(multipart_boundary(L("multipart/form-data; boundary=abc"), out, 4), 3, "  and with room, taken");
	is_int(multipart_boundary(NULL, 0, out, sizeof(out)), -1, "no Content-Type");
}

static const char curl_body[] =
	"--" CURL_BOUNDARY "\r\n"
	"Content-Disposition: form-data; name=\"lang\"\r\n"
	"\r\n"
	"eng\r\n"
	"--" CURL_BOUNDARY "\r\n"
	"Content-Disposition: form-data; name=\"file\"; filename=\"scan.png\"\r\n"
	"Content-Type: image/png\r\n"
	"\r\n"
	"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\r\n"
	"--" CURL_BOUNDARY "--\r\n";

static void
test_curl(void)
{
	struct multipart_part p;
	const char *data;

	is_int(find(L(curl_body), CURL_BOUNDARY, "file", &p), 0, "curl body: file found");
	ok(slice_is(p.name, p.name_len, L("file")), "  its name");
	ok(slice_is(p.filename, p.filename_len, L("scan.png")), "  its filename");
	ok(slice_is(p.content_type, p.content_type_len, L("image/png")), "  its Content-Type");
	ok(slice_is(p.data, p.data_len, L("\x89PNG\r\n\x1a\n\0\0\0\rIHDR")), "  its data, CRLF and NULs included");
	data = memmem(copy, sizeof(curl_body) - 1, "\x89PNG", 4);
	ok(p.data == data, "  data is a slice of the body, not a copy");

	is_int(find(L(curl_body), CURL_BOUNDARY, "lang", &p), 0, "curl body: first part found");
	ok(slice_is(p.data, p.data_len, L("eng")), "  its data");
	ok(p.filename == NULL && p.filename_len == 0, "  no filename is NULL");
	ok(p.content_type == NULL && p.content_type_len == 0, "  no Content-Type is NULL");

	is_int(find(L(curl_body), CURL_BOUNDARY, "image", &p), 1, "a field not sent is not found");
	ok(part_empty(&p), "  and the part is left empty");
	is_int(find(L(curl_body), CURL_BOUNDARY, "fil", &p), 1, "a prefix of a name is another name");
	is_int(find(L(curl_body), CURL_BOUNDARY, "FILE", &p), 1, "names are compared exactly");
	is_int(find(L(curl_body), "d74496d66958873e", "file", &p), -1, "another boundary finds no delimiter");
}

/* What a browser sends: a quoted boundary with a space, headers in any case, preamble and epilogue. */
static void
test_browser_like(void)
{
	static const char body[] =
		"This is the preamble, to be ignored.\r\n"
		"--simple boundary\r\n"
		"content-disposition: FORM-DATA; NAME=\"file\"; FILENAME=\"My Scan (1).tif\"\r\n"
		"CONTENT-TYPE:image/tiff\r\n"
		"X-Other: ignored\r\n"
		"\r\n"
		"II*\0data\r\n"
		"--simple boundary--\r\n"
		"This is the epilogue. --simple boundary\r\n";
	struct multipart_part p;
	char boundary[MULTIPART_BOUNDARY_MAX + 1];

	is_int(multipart_boundary(L("multipart/form-data; boundary=\"simple boundary\""), boundary,
	    sizeof(boundary)), 15, "quoted boundary with a space");
	is_int(find(L(body), boundary, "file", &p), 0, "found past a preamble, header names without case");
	ok(slice_is(p.filename, p.filename_len, L("My Scan (1).tif")), "  filename with spaces and parentheses");
	ok(slice_is(p.content_type, p.content_type_len, L("image/tiff")), "  Content-Type with no space after ':'");
	ok(slice_is(p.data, p.data_len, L("II*\0data")), "  data up to the close delimiter");
}

static void
test_parameters(void)
{
	static const char tokens[] =
		"--b\r\n"
		"Content-Disposition: form-data;name=file;filename=a.png\r\n"
		"\r\n"
		"x\r\n"
		"--b--";
	static const char star[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''na%C3%AFve.png\r\n"
		"\r\n"
		"x\r\n"
		"--b--";
	static const char both[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''b.png; filename=\"a.png\"\r\n"
		"\r\n"
		"x\r\n"
		"--b--";
	static const char escaped[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=\"file\"; filename=\"a\\\"b.png\"\r\n"
		"\r\n"
		"x\r\n"
		"--b--";
	static const char empty_name[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=\"\"\r\n"
		"\r\n"
		"x\r\n"
		"--b--";
	struct multipart_part p;

	is_int(find(L(tokens), "b", "file", &p), 0, "unquoted name and filename");
	ok(slice_is(p.filename, p.filename_len, L("a.png")), "  unquoted filename");
	is_int(find(L(star), "b", "file", &p), 0, "filename*= alone");
	ok(p.filename == NULL, "  is ignored");
	is_int(find(L(both), "b", "file", &p), 0, "filename*= with filename=");
	ok(slice_is(p.filename, p.filename_len, L("a.png")), "  filename= is taken");
	is_int(find(L(escaped), "b", "file", &p), 0, "filename with an escaped quote");
	ok(slice_is(p.filename, p.filename_len, L("a\\\"b.png")), "  as sent, not unescaped");
	is_int(find(L(empty_name), "b", "", &p), 0, "an empty name is a name");
	ok(p.name != NULL && p.name_len == 0, "  empty, not absent");
}

/* Data that looks like delimiters without being one. */
static void
test_tricky_data(void)
{
	static const char data[] =
		"--boundar\r\n--boundar-\r\n--bound\r\n\r\n\r--boundary\n--boundary"
		"\0\0\r\n\0-\r\n--\r\n";
	static const char body[] =
		"--boundary\r\n"
		"Content-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n"
		"Content-Type: application/octet-stream\r\n"
		"\r\n"
		"--boundar\r\n--boundar-\r\n--bound\r\n\r\n\r--boundary\n--boundary"
		"\0\0\r\n\0-\r\n--\r\n"
		"\r\n--boundary--";
	static const char empty[] =
		"--boundary\r\n"
		"Content-Disposition: form-data; name=\"file\"\r\n"
		"\r\n"
		"\r\n--boundary--";
	static const char crlf_only[] =
		"--boundary\r\n"
		"Content-Disposition: form-data; name=\"file\"\r\n"
		"\r\n"
		"\r\n\r\n"
		"\r\n--boundary--";
	struct multipart_part p;

	is_int(find(L(body), "boundary", "file", &p), 0, "data full of near-delimiters");
	ok(slice_is(p.data, p.data_len, L(data)), "  is all data, byte for byte");
	is_int(find(L(empty), "boundary", "file", &p), 0, "empty data");
	ok(p.data != NULL && p.data_len == 0, "  is a slice of 0 bytes");
	is_int(find(L(crlf_only), "boundary", "file", &p), 0, "data of only CRLFs");
	ok(slice_is(p.data, p.data_len, L("\r\n\r\n")), "  keeps them");
}

static void
test_parts(void)
{
	static const char twice[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=\"file\"\r\n"
		"\r\n"
		"first\r\n"
		"--b\r\n"
		"Content-Disposition: form-data; name=\"file\"\r\n"
		"\r\n"
		"second\r\n"
		"--b--\r\n";
	static const char padded[] =
		"--b \t\r\n"
		"Content-Disposition: form-data; name=\"file\"\r\n"
		"\r\n"
		"x\r\n"
		"--b\t\r\n"
		"Content-Disposition: form-data; name=\"other\"\r\n"
		"\r\n"
		"y\r\n"
		"--b--";
	static const char broken_after[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=\"file\"\r\n"
		"\r\n"
		"x\r\n"
		"--b\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"y\r\n"
		"--b--";
	struct multipart_part p;

	is_int(find(L(twice), "b", "file", &p), 0, "a field sent twice");
	ok(slice_is(p.data, p.data_len, L("first")), "  the first is taken");
	is_int(find(L(padded), "b", "other", &p), 0, "transport padding after delimiters");
	ok(slice_is(p.data, p.data_len, L("y")), "  is not data");
	is_int(find(L(broken_after), "b", "file", &p), -1, "a malformed part after the one asked for");
	ok(part_empty(&p), "  leaves nothing");
	is_int(find(L("--b--"), "b", "file", &p), 1, "no parts at all");
	is_int(find(L("preamble\r\n--b--\r\n"), "b", "file", &p), 1, "  after a preamble");
	is_int(find(L("x--b\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n--b--"), "b", "file", &p), 1,
	    "a delimiter not at the start of a line is preamble");
}

/* Every cut of a body before the end of its close delimiter is malformed; after it, complete. */
static void
test_cuts(void)
{
	size_t whole = sizeof(curl_body) - 1, close_end = whole - 2;	/* the trailing CRLF is epilogue */
	int bad = 0;

	for (size_t n = 0; n <= whole; n++) {
		struct multipart_part p;
		int r = find(curl_body, n, CURL_BOUNDARY, "file", &p);

		if (n < close_end ? (r != -1 || !part_empty(&p)) : r != 0)
			bad++;
		if (n < close_end && find(curl_body, n, CURL_BOUNDARY, "lang", &p) != -1)
			bad++;
	}
	is_int(bad, 0, "every cut before the close delimiter is malformed, whichever field is asked");
}

static void
test_malformed(void)
{
	static const struct {
		const char *what;
		const char *body;
		size_t len;
	} cases[] = {
		{ "an empty body", L("") },
		{ "no delimiter", L("just some bytes\r\n") },
		{ "a delimiter followed by other characters", L("--bX\r\n" CD_A "\r\nx\r\n--b--") },
		{ "a delimiter line without CRLF", L("--b\n" CD_A "\r\nx\r\n--b--") },
		{ "lines ending in LF", L("--b\r\nContent-Disposition: form-data; name=a\n\nx\r\n--b--") },
		{ "no Content-Disposition", L("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--") },
		{ "no headers", L("--b\r\n\r\nx\r\n--b--") },
		{ "a disposition other than form-data",
		    L("--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--") },
		{ "form-data without a name", L("--b\r\nContent-Disposition: form-data; filename=a\r\n\r\nx\r\n--b--") },
		{ "two Content-Disposition",
		    L("--b\r\n" CD_A "content-disposition: form-data; name=b\r\n\r\nx\r\n--b--") },
		{ "two Content-Type", L("--b\r\n" CD_A "Content-Type: a/b\r\nContent-Type: c/d\r\n\r\nx\r\n--b--") },
		{ "name given twice", L("--b\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nx\r\n--b--") },
		{ "filename given twice",
		    L("--b\r\nContent-Disposition: form-data; name=a; filename=x; filename=y\r\n\r\nx\r\n--b--") },
		{ "an unterminated quote", L("--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--") },
		{ "a quote ending in a backslash",
		    L("--b\r\nContent-Disposition: form-data; name=\"a\\\r\n\r\nx\r\n--b--") },
		{ "an unquoted value with a space", L("--b\r\nContent-Disposition: form-data; name=a b\r\n\r\nx\r\n--b--") },
		{ "a parameter without a value", L("--b\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--b--") },
		{ "a header without a colon", L("--b\r\nContent-Disposition form-data; name=a\r\n\r\nx\r\n--b--") },
		{ "a space before the colon", L("--b\r\nContent-Disposition : form-data; name=a\r\n\r\nx\r\n--b--") },
		{ "a folded header line", L("--b\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nx\r\n--b--") },
		{ "a NUL in a header", L("--b\r\nContent-Disposition: form-data; name=a\0\r\n\r\nx\r\n--b--") },
		{ "headers cut short", L("--b\r\n" CD_A) },
		{ "data with no CRLF before the delimiter", L("--b\r\n" CD_A "\r\n--b--") },
		{ "a part whose data starts with a delimiter",
		    L("--b\r\n" CD_A "\r\n--b\r\nContent-Disposition: form-data; name=c\r\n\r\nx\r\n--b--") },
		{ "the boundary inside the data", L("--b\r\n" CD_A "\r\nx\r\n--bx\r\n--b--") },
		{ "a close delimiter cut in half", L("--b\r\n" CD_A "\r\nx\r\n--b-") },
		{ "no close delimiter", L("--b\r\n" CD_A "\r\nx\r\n--b\r\n") },
	};
	char what[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct multipart_part p;

		snprintf(what, sizeof(what), "malformed: %s", cases[i].what);
		is_int(find(cases[i].body, cases[i].len, "b", "a", &p), -1, what);
	}
	{
		struct multipart_part p;
		char long_boundary[MULTIPART_BOUNDARY_MAX + 2];

		memset(long_boundary, 'x', sizeof(long_boundary) - 1);
		long_boundary[sizeof(long_boundary) - 1] = '\0';
		is_int(multipart_find(NULL, 0, "b", "a", &p), -1, "no body");
		is_int(find(L("--b--"), "", "a", &p), -1, "an empty boundary");
		is_int(find(L("--b--"), long_boundary, "a", &p), -1, "a boundary over 70 characters");
		is_int(find(L("--b--"), "b ", "a", &p), -1, "a boundary ending in a space");
	}
}

/* A body whose one part has headers of given count and length. */
static char *
body_with_headers(int count, size_t line_len, size_t *len)
{
	size_t cap = 64 + (size_t)count * (line_len + 2) + 64;
	char *b = malloc(cap), *p = b;
	static const char cd[] = "Content-Disposition: form-data; name=a";

	if (b == NULL)
		abort();
	p += sprintf(p, "--b\r\n%s\r\n", cd);
	for (int i = 1; i < count; i++) {
		size_t n = (size_t)sprintf(p, "X-H%d: ", i);

		memset(p + n, 'v', line_len - n);
		p += line_len;
		*p++ = '\r';
		*p++ = '\n';
	}
	p += sprintf(p, "\r\nx\r\n--b--");
	*len = (size_t)(p - b);
	return b;
}

static void
test_header_limits(void)
{
	struct multipart_part p;
	size_t len;
	char *b;

	b = body_with_headers(MULTIPART_MAX_HEADERS, MULTIPART_MAX_HEADER_LEN, &len);
	is_int(find(b, len, "b", "a", &p), 0, "16 header lines of 1024 bytes");
	free(b);
	b = body_with_headers(MULTIPART_MAX_HEADERS + 1, 20, &len);
	is_int(find(b, len, "b", "a", &p), -1, "17 header lines");
	free(b);
	b = body_with_headers(2, MULTIPART_MAX_HEADER_LEN + 1, &len);
	is_int(find(b, len, "b", "a", &p), -1, "a header line of 1025 bytes");
	free(b);
	b = body_with_headers(2, 1000000, &len);
	is_int(find(b, len, "b", "a", &p), -1, "a header line of a megabyte");
	free(b);
}

static uint32_t
next_random(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

static int
within(const char *p, size_t len, const char *body, size_t body_len)
{
	return p == NULL ? len == 0 : p >= body && len <= body_len && (size_t)(p - body) <= body_len - len;
}

static int
part_within(const struct multipart_part *p, const char *body, size_t len)
{
	return within(p->name, p->name_len, body, len) && within(p->filename, p->filename_len, body, len) &&
	    within(p->content_type, p->content_type_len, body, len) && within(p->data, p->data_len, body, len);
}

/*
 * Damaged copies of a body: whatever the answer, a part found lies within
 * the body.  The point is the sanitizer build, which would report any
 * read out of bounds.
 */
static void
test_damage(void)
{
	uint32_t state = 2463534242u;
	int bad = 0;

	for (int k = 0; k < 20000; k++) {
		char buf[sizeof(curl_body)];
		size_t len = sizeof(curl_body) - 1;
		int flips = 1 + (int)(next_random(&state) % 3);
		struct multipart_part p;
		int r;

		memcpy(buf, curl_body, len);
		while (flips-- > 0) {
			static const char likely[] = "\r\n-\";:; =\\";
			uint32_t v = next_random(&state);

			buf[next_random(&state) % len] = v & 1 ? likely[v % (sizeof(likely) - 1)] : (char)(v >> 8);
		}
		if (next_random(&state) % 4 == 0)
			len = next_random(&state) % (len + 1);
		r = find(buf, len, CURL_BOUNDARY, k & 1 ? "file" : "lang", &p);
		if (r < -1 || r > 1 || (r == 0 ? !part_within(&p, copy, len) : !part_empty(&p)))
			bad++;
	}
	is_int(bad, 0, "damaged bodies: a part found always lies within the body");
}

/* A 5 MB part of random bytes is found in place, to the byte. */
static void
test_large(void)
{
	static const char head[] =
		"--" CURL_BOUNDARY "\r\n"
		"Content-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
		"Content-Type: application/octet-stream\r\n"
		"\r\n";
	static const char tail[] = "\r\n--" CURL_BOUNDARY "--\r\n";
	size_t data_len = 5u * 1024 * 1024, len = sizeof(head) - 1 + data_len + sizeof(tail) - 1;
	char *body = malloc(len);
	uint32_t state = 88172645u;
	struct multipart_part p;

	if (body == NULL)
		abort();
	memcpy(body, head, sizeof(head) - 1);
	for (size_t i = 0; i < data_len; i++)
		body[sizeof(head) - 1 + i] = (char)(next_random(&state) & 0xff);
	memcpy(body + sizeof(head) - 1 + data_len, tail, sizeof(tail) - 1);

	is_int(multipart_find(body, len, CURL_BOUNDARY, "file", &p), 0, "a 5 MB part is found");
	ok(p.data == body + sizeof(head) - 1, "  its data starts right after the headers, in place");
	is_int((long long)p.data_len, (long long)data_len, "  and has exactly its length");
	is_int(multipart_find(body, len - sizeof(tail) + 1, CURL_BOUNDARY, "file", &p), -1,
	    "  cut before its delimiter, it is malformed");
	free(body);
}

/*
 * 5 MB of near-delimiters before a last part: a search that went back
 * over the body would take hours here, not milliseconds.
 */
static void
test_linear(void)
{
	static const char near[] = "\r\n--boundar\r\n-";
	static const char part[] =
		"\r\n--boundary\r\n"
		"Content-Disposition: form-data; name=\"file\"\r\n"
		"\r\n"
		"x\r\n--boundary--";
	static const char first[] = "--boundary\r\nContent-Disposition: form-data; name=a\r\n\r\n";
	size_t n = 5u * 1024 * 1024 / (sizeof(near) - 1), len = n * (sizeof(near) - 1) + sizeof(part) - 1;
	char *body = malloc(len);
	struct multipart_part p;

	if (body == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		memcpy(body + i * (sizeof(near) - 1), near, sizeof(near) - 1);
	memcpy(body + n * (sizeof(near) - 1), part, sizeof(part) - 1);
	is_int(multipart_find(body, len, "boundary", "file", &p), 0, "a 5 MB preamble of near-delimiters");
	ok(slice_is(p.data, p.data_len, L("x")), "  then the part");

	/* The same bytes as the data of a first part. */
	memcpy(body, first, sizeof(first) - 1);
	is_int(multipart_find(body, len, "boundary", "file", &p), 0, "  and as the data of a part before it");
	free(body);
}

int
main(void)
{
	test_boundary();
	test_curl();
	test_browser_like();
	test_parameters();
	test_tricky_data();
	test_parts();
	test_cuts();
	test_malformed();
	test_header_limits();
	test_damage();
	test_large();
	test_linear();
	free(copy);
	return done_testing();
}
