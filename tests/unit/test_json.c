/*
 * test_json: the JSON parser and generator against valid documents of every
 * type, the limits (depth, size, int64 range), hostile input (bad UTF-8,
 * unpaired surrogates, truncation, trailing garbage) and a fixed-seed
 * mutation fuzz loop whose accepted documents must survive a generate and
 * parse round trip.  Meant to run under valgrind and ASan/UBSan as well.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "lib/json.h"
#include "tests/unit/json_tree.h"
#include "tests/unit/tap.h"

static char err[256];

/* An error message fit for a client: non-empty, one line, no control bytes. */
static int
one_line(const char *msg)
{
	const unsigned char *p;

	if (msg == NULL || msg[0] == '\0' || strlen(msg) > 200)
		return 0;
	for (p = (const unsigned char *)msg; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static struct json_value *
parse(const char *text)
{
	return json_parse(text, strlen(text), 0, 0, err, sizeof(err));
}

static struct json_value *
parse_depth(const char *text, size_t max_depth)
{
	return json_parse(text, strlen(text), max_depth, 0, err, sizeof(err));
}

/* Input that must be refused with a message containing want. */
static void
refused_len(const char *text, size_t len, size_t max_depth, size_t max_bytes,
    const char *want, const char *what)
{
	struct json_value *v;
	char label[160];

	err[0] = '\0';
	v = json_parse(text, len, max_depth, max_bytes, err, sizeof(err));
	snprintf(label, sizeof(label), "refused: %s", what);
	if (!ok(v == NULL, label))
		json_free(v);
	snprintf(label, sizeof(label), "message for %s says \"%s\"", what, want);
	if (!ok(strstr(err, want) != NULL, label))
		printf("#   got \"%s\"\n", err);
	snprintf(label, sizeof(label), "message for %s is one line", what);
	ok(one_line(err), label);
}

static void
refused(const char *text, const char *want, const char *what)
{
	refused_len(text, strlen(text), 0, 0, want, what);
}

static void
test_types(void)
{
	const char *doc = "{\"n\":null,\"t\":true,\"f\":false,\"i\":42,\"d\":-1.5e2,"
	    "\"s\":\"h\xc3\xa9llo\",\"a\":[1,\"two\",[3]],\"o\":{\"k\":\"v\"},\"e\":{},\"z\":[]}";
	const struct json_value *a, *o;
	struct json_value *root;
	int64_t i = 0;
	double d = 0;
	bool b = false;
	size_t len = 0;

	root = parse(doc);
	if (!ok(root != NULL, "document with every type parses")) {
		printf("#   %s\n", err);
		return;
	}
	is_int(json_type(root), JSON_OBJECT, "root is an object");
	is_int(json_length(root), 10, "root has 10 members");
	is_int(json_type(json_get(root, "n")), JSON_NULL, "null member");
	ok(json_get(root, "n") != NULL, "null member is present, not missing");
	ok(json_get_bool(root, "t", &b) == 0 && b == true, "true");
	ok(json_get_bool(root, "f", &b) == 0 && b == false, "false");
	ok(json_get_int64(root, "i", &i) == 0 && i == 42, "integer 42");
	ok(json_double(json_get(root, "d"), &d) == 0 && d == -150.0, "double -1.5e2");
	is_str(json_get_string(root, "s", &len), "h\xc3\xa9llo", "UTF-8 string");
	is_int(len, 6, "string length in bytes");

	a = json_get(root, "a");
	is_int(json_type(a), JSON_ARRAY, "array member");
	is_int(json_length(a), 3, "array of 3");
	ok(json_int64(json_at(a, 0), &i) == 0 && i == 1, "a[0] == 1");
	is_str(json_string(json_at(a, 1), NULL), "two", "a[1] == \"two\"");
	ok(json_int64(json_at(json_at(a, 2), 0), &i) == 0 && i == 3, "nested a[2][0] == 3");
	ok(json_at(a, 3) == NULL, "a[3] is out of range");

	o = json_get(root, "o");
	is_str(json_get_string(o, "k", NULL), "v", "nested object o.k");
	is_int(json_type(json_get(root, "e")), JSON_OBJECT, "empty object");
	is_int(json_length(json_get(root, "e")), 0, "empty object has no members");
	is_int(json_length(json_get(root, "z")), 0, "empty array has no items");
	ok(json_at(json_get(root, "z"), 0) == NULL, "empty array has no item 0");
	ok(json_get(root, "missing") == NULL, "missing member is NULL");
	json_free(root);

	root = parse("null");
	ok(root != NULL && json_type(root) == JSON_NULL, "top-level null");
	json_free(root);
	root = parse(" true ");
	ok(json_bool(root, &b) == 0 && b, "top-level true with whitespace");
	json_free(root);
	root = parse("-0");
	ok(json_int64(root, &i) == 0 && i == 0, "top-level -0 is integer 0");
	json_free(root);
	root = parse("\"x\"");
	is_str(json_string(root, NULL), "x", "top-level string");
	json_free(root);
	root = parse("\t[ ]\r\n");
	ok(root != NULL && json_type(root) == JSON_ARRAY && json_length(root) == 0,
	    "top-level empty array among whitespace");
	json_free(root);
}

static void
test_members(void)
{
	const struct json_value *v = NULL;
	struct json_value *root;
	int64_t i = 0;
	size_t len = 0;
	const char *key;

	root = parse("{\"b\":1,\"a\":2,\"b\":3,\"a\\u0000b\":4,\"\":5}");
	if (!ok(root != NULL, "object with duplicate keys parses"))
		return;
	is_int(json_length(root), 5, "all five members kept");
	is_str(json_member(root, 0, &v), "b", "member 0 is b");
	ok(json_int64(v, &i) == 0 && i == 1, "member 0 value");
	is_str(json_member(root, 1, &v), "a", "member 1 is a");
	is_str(json_member(root, 2, &v), "b", "member 2 is b again");
	ok(json_int64(v, &i) == 0 && i == 3, "member 2 value");
	ok(json_get_int64(root, "b", &i) == 0 && i == 1, "json_get returns the first duplicate");
	key = json_member(root, 3, &v);
	ok(key != NULL && memcmp(key, "a\0b", 4) == 0, "key with NUL kept whole");
	ok(json_get_int64(root, "a", &i) == 0 && i == 2, "key with NUL does not match its prefix");
	ok(json_get_int64(root, "", &i) == 0 && i == 5, "empty key");
	v = root;
	ok(json_member(root, 5, &v) == NULL && v == NULL, "member past the end is NULL");
	json_free(root);

	root = parse("[{\"s\":\"x\"}]");
	ok(json_get_string(json_at(root, 0), "s", &len) != NULL && len == 1, "object in array");
	json_free(root);
}

static void
test_wrong_types(void)
{
	struct json_value *root;
	const struct json_value *v = root = parse("{\"s\":\"12\",\"n\":12,\"a\":[true],\"z\":null}");
	int64_t i = 77;
	double d = 7.5;
	bool b = true;
	size_t len = 99;

	if (!ok(root != NULL, "document for wrong-type checks parses"))
		return;
	ok(json_string(json_get(v, "n"), &len) == NULL && len == 99, "json_string on a number");
	ok(json_int64(json_get(v, "s"), &i) == -1 && i == 77, "json_int64 on a string");
	ok(json_double(json_get(v, "s"), &d) == -1 && d == 7.5, "json_double on a string");
	ok(json_bool(json_get(v, "z"), &b) == -1 && b, "json_bool on null");
	ok(json_bool(json_get(v, "n"), &b) == -1, "json_bool on a number");
	ok(json_get(json_get(v, "a"), "s") == NULL, "json_get on an array");
	ok(json_at(v, 0) == NULL, "json_at on an object");
	is_int(json_length(json_get(v, "s")), 0, "json_length of a string");
	ok(json_member(json_get(v, "a"), 0, NULL) == NULL, "json_member on an array");
	ok(json_get_string(v, "n", NULL) == NULL, "json_get_string on a number");
	ok(json_get_int64(v, "a", &i) == -1, "json_get_int64 on an array");
	ok(json_get_bool(v, "missing", &b) == -1, "json_get_bool on a missing key");
	ok(json_get_string(v, "missing", NULL) == NULL, "json_get_string on a missing key");

	is_int(json_type(NULL), JSON_NULL, "json_type(NULL)");
	ok(json_get(NULL, "x") == NULL, "json_get(NULL)");
	ok(json_get(v, NULL) == NULL, "json_get with a NULL key");
	is_int(json_length(NULL), 0, "json_length(NULL)");
	ok(json_at(NULL, 0) == NULL, "json_at(NULL)");
	ok(json_string(NULL, NULL) == NULL, "json_string(NULL)");
	ok(json_int64(NULL, &i) == -1 && json_double(NULL, &d) == -1 &&
	    json_bool(NULL, &b) == -1, "number and bool accessors on NULL");
	ok(json_get_int64(NULL, "n", &i) == -1, "shorthand on a NULL object");
	json_free(NULL);
	ok(1, "json_free(NULL) is harmless");
	json_free(root);
}

static void
number_case(const char *text, int int_rc, int64_t want, int dbl_rc, const char *what)
{
	struct json_value *root = parse(text);
	int64_t i = 0;
	double d = 0;
	char label[160];

	snprintf(label, sizeof(label), "%s parses", what);
	if (!ok(root != NULL, label))
		return;
	snprintf(label, sizeof(label), "%s: json_int64 %s", what, int_rc == 0 ? "succeeds" : "fails");
	ok(json_int64(root, &i) == int_rc && (int_rc != 0 || i == want), label);
	snprintf(label, sizeof(label), "%s: json_double %s", what, dbl_rc == 0 ? "succeeds" : "fails");
	ok(json_double(root, &d) == dbl_rc, label);
	json_free(root);
}

static void
test_numbers(void)
{
	struct json_value *root;
	double d = 0;

	number_case("9223372036854775807", 0, INT64_MAX, 0, "INT64_MAX");
	number_case("9223372036854775808", -1, 0, 0, "INT64_MAX + 1");
	number_case("-9223372036854775808", 0, INT64_MIN, 0, "INT64_MIN");
	number_case("-9223372036854775809", -1, 0, 0, "INT64_MIN - 1");
	number_case("123456789012345678901234567890", -1, 0, 0, "30-digit integer");
	number_case("1.5", -1, 0, 0, "1.5");
	number_case("1e3", -1, 0, 0, "1e3");
	number_case("1E3", -1, 0, 0, "1E3");
	number_case("2.0", -1, 0, 0, "2.0");
	number_case("1e400", -1, 0, -1, "1e400 (overflows a double)");
	number_case("-1e400", -1, 0, -1, "-1e400");
	number_case("1e-400", -1, 0, 0, "1e-400 (underflows to zero)");
	number_case("[0]", -1, 0, -1, "an array");

	root = parse("[0.1, -2.5e-3, 12]");
	ok(json_double(json_at(root, 0), &d) == 0 && d == 0.1, "0.1 reads back exactly");
	ok(json_double(json_at(root, 1), &d) == 0 && d == -2.5e-3, "-2.5e-3");
	ok(json_double(json_at(root, 2), &d) == 0 && d == 12.0, "integer as double");
	json_free(root);

	refused("01", "invalid JSON", "leading zero");
	refused("-", "invalid JSON", "lone minus");
	refused("1.", "invalid JSON", "no digit after the point");
	refused("+1", "invalid JSON", "leading plus");
	refused("NaN", "invalid JSON", "NaN");
	refused("[Infinity]", "invalid JSON", "Infinity");
	refused(".5", "invalid JSON", "no digit before the point");
}

static char *
nested(size_t depth, char open, char close)
{
	char *s = malloc(2 * depth + 1);

	memset(s, open, depth);
	memset(s + depth, close, depth);
	s[2 * depth] = '\0';
	return s;
}

static void
test_depth(void)
{
	const char *mixed = "{\"a\":{\"b\":[{\"c\":[]}]}}";
	struct json_value *root;
	const struct json_value *v;
	char *s;
	size_t i;

	s = nested(4, '[', ']');
	root = parse_depth(s, 4);
	ok(root != NULL, "depth 4 with max_depth 4 parses");
	json_free(root);
	free(s);
	s = nested(5, '[', ']');
	refused_len(s, strlen(s), 4, 0, "nesting deeper than 4", "depth 5 with max_depth 4");
	is_int(errno, EINVAL, "depth failure sets EINVAL");
	free(s);

	root = parse_depth("{\"a\":{\"b\":[{}]}}", 4);
	ok(root != NULL, "objects and arrays count alike: depth 4 ok");
	json_free(root);
	refused_len(mixed, strlen(mixed), 4, 0, "nesting deeper than 4",
	    "mixed depth 5 with max_depth 4");
	root = parse_depth("[1,[2],[3],[[4]]]", 3);
	ok(root != NULL, "siblings do not add up to depth");
	json_free(root);
	root = parse_depth("7", 1);
	ok(root != NULL, "a scalar has depth 0");
	json_free(root);

	s = nested(JSON_DEFAULT_MAX_DEPTH, '[', ']');
	root = parse_depth(s, 0);
	ok(root != NULL, "max_depth 0 means the default: default depth parses");
	json_free(root);
	free(s);
	s = nested(JSON_DEFAULT_MAX_DEPTH + 1, '[', ']');
	refused_len(s, strlen(s), 0, 0, "nesting deeper than 32", "default depth + 1");
	free(s);

	/* Hostile depth is refused early, and a huge allowed depth still works. */
	s = nested(200000, '[', ']');
	refused_len(s, strlen(s), 0, 0, "nesting deeper than", "200000 nested arrays");
	root = parse_depth(s, SIZE_MAX);
	if (ok(root != NULL, "200000 nested arrays parse when allowed")) {
		for (i = 0, v = root; json_length(v) == 1; i++)
			v = json_at(v, 0);
		is_int(i, 199999, "and all levels are there");
	}
	json_free(root);
	free(s);
}

static void
test_limits_and_garbage(void)
{
	struct json_value *root;

	root = json_parse("[1,2,3,4]", 9, 0, 9, err, sizeof(err));
	ok(root != NULL, "body of exactly max_bytes parses");
	json_free(root);
	refused_len("[1,2,3,4] ", 10, 0, 9, "body larger than 9 bytes", "one byte over max_bytes");
	is_int(errno, EMSGSIZE, "size failure sets EMSGSIZE");

	refused_len("", 0, 0, 0, "empty body", "empty input");
	refused_len(NULL, 0, 0, 0, "empty body", "NULL input");
	refused("   \n", "invalid JSON", "whitespace only");
	is_int(errno, EINVAL, "syntax failure sets EINVAL");

	refused("{} x", "trailing garbage", "{} x");
	refused("{}{}", "trailing garbage", "{}{}");
	refused("1 2", "invalid JSON", "two numbers");
	refused("[]]", "invalid JSON", "extra bracket");
	refused("\"a\" \"b\"", "invalid JSON", "two strings");
	root = parse("{}  \n\t");
	ok(root != NULL, "trailing whitespace is fine");
	json_free(root);

	refused("{\"a\":", "invalid JSON", "truncated after colon");
	refused("[1,2", "invalid JSON", "truncated array");
	refused("\"abc", "invalid JSON", "truncated string");
	refused("tru", "invalid JSON", "truncated literal");
	refused("{\"a\"", "invalid JSON", "truncated after key");
	refused("{\"a\":1,", "invalid JSON", "truncated after comma");
	refused("\"\\u12", "invalid JSON", "truncated escape");
	refused("\"\\", "invalid JSON", "lone backslash at the end");

	refused("/* c */ {}", "invalid JSON", "block comment");
	refused("{} // c", "invalid JSON", "line comment");
	refused("[1,]", "invalid JSON", "trailing comma in array");
	refused("{\"a\":1,}", "invalid JSON", "trailing comma in object");
	refused("{'a':1}", "invalid JSON", "single quotes");
	refused("{a:1}", "invalid JSON", "bare key");
	refused("{1:1}", "invalid JSON", "number as key");
	refused("\"a\tb\"", "invalid JSON", "raw tab in a string");
	refused("\"\\x41\"", "invalid JSON", "unknown escape");
	refused_len("[1,\0]", 5, 0, 0, "invalid JSON", "raw NUL byte");
	refused("[1, 2", "at byte 5: unexpected end of input", "premature end is reported at the end");
	refused("{} x", "at byte 4: trailing garbage", "offset of the garbage, counted from 1");
	refused("[1 x]", "at byte", "syntax error names a byte offset");
}

static void
test_utf8(void)
{
	struct json_value *root;
	size_t len = 0;
	const char *s;

	refused("\"\xff\"", "invalid UTF-8", "byte 0xff");
	refused("\"\xc0\xaf\"", "invalid UTF-8", "overlong slash");
	refused("\"\xe0\x80\xaf\"", "invalid UTF-8", "3-byte overlong");
	refused("\"\xed\xa0\x80\"", "invalid UTF-8", "encoded surrogate");
	refused("\"\xf4\x90\x80\x80\"", "invalid UTF-8", "past U+10FFFF");
	refused("\"\xe2\x82\"", "invalid UTF-8", "truncated sequence");
	refused("\"\x80\"", "invalid UTF-8", "lone continuation byte");
	refused("{\"k\xfe\":1}", "invalid UTF-8", "bad byte in a key");
	refused("\"ab\xff\"", "at byte 4", "offset of the bad byte, counted from 1");
	refused("[\"\\u0041\\udc00\"]", "at byte 9", "offset of the bad escape");

	root = parse("\"\xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
	is_str(json_string(root, NULL), "\xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
	    "raw 3- and 4-byte sequences and U+10FFFF pass");
	json_free(root);

	root = parse("\"\\u00e9\\u20AC\\ud83d\\ude00\\uDBFF\\uDFFF\"");
	is_str(json_string(root, &len), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf",
	    "\\u escapes and surrogate pairs decode to UTF-8");
	is_int(len, 13, "decoded length");
	json_free(root);

	root = parse("\"a\\u0000b\"");
	s = json_string(root, &len);
	is_int(len, 3, "escaped NUL: length 3");
	ok(s != NULL && memcmp(s, "a\0b", 4) == 0, "escaped NUL kept, string still NUL-terminated");
	json_free(root);

	root = parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
	is_str(json_string(root, NULL), "\"\\/\b\f\n\r\t", "simple escapes");
	json_free(root);

	/* An escaped backslash followed by "ud800" is text, not an escape. */
	root = parse("\"\\\\ud800\"");
	is_str(json_string(root, NULL), "\\ud800", "escaped backslash before u");
	json_free(root);

	refused("\"\\ud800\"", "unpaired surrogate", "lone high surrogate");
	refused("\"\\udc00x\"", "unpaired surrogate", "lone low surrogate");
	refused("\"\\ud800\\u0041\"", "unpaired surrogate", "high surrogate then not a low one");
	refused("\"\\ud83d\\ud83d\"", "unpaired surrogate", "two high surrogates");
	refused("[\"\\ud83d\"]", "unpaired surrogate", "high surrogate at the end of a string");
	refused("{\"\\udfff\":1}", "unpaired surrogate", "lone surrogate in a key");
}

static void
test_big(void)
{
	const size_t n = 1 << 20;
	struct json_value *root;
	const char *s;
	size_t len = 0, i;
	char *text, *p;
	int64_t v = 0;
	int same;

	text = malloc(n + 3);
	text[0] = '"';
	memset(text + 1, 'a', n);
	text[n + 1] = '"';
	text[n + 2] = '\0';
	root = json_parse(text, n + 2, 0, 2 * n, err, sizeof(err));
	s = json_string(root, &len);
	ok(s != NULL && len == n && s[0] == 'a' && s[n - 1] == 'a' && s[n] == '\0',
	    "1 MB string");
	json_free(root);
	refused_len(text, n + 2, 0, n, "body larger than 1048576 bytes", "1 MB string over a 1 MB limit");

	/* The same size with escapes, which yajl decodes into its own buffer. */
	for (i = 1; i + 1 <= n; i += 2) {
		text[i] = '\\';
		text[i + 1] = 'n';
	}
	root = json_parse(text, n + 2, 0, 0, err, sizeof(err));
	s = json_string(root, &len);
	ok(s != NULL && len == n / 2 && s[0] == '\n' && s[len - 1] == '\n' && s[len] == '\0',
	    "1 MB of escapes decode to 512 KB");
	json_free(root);
	free(text);

	/* Many small nodes: several arena chunks and a large item array. */
	text = malloc(100000 * 8 + 3);
	p = text;
	*p++ = '[';
	for (i = 0; i < 100000; i++)
		p += sprintf(p, "%s%zu", i ? "," : "", i);
	*p++ = ']';
	*p = '\0';
	root = parse(text);
	is_int(json_length(root), 100000, "array of 100000 numbers");
	same = 1;
	for (i = 0; i < 100000; i += 997)
		if (json_int64(json_at(root, i), &v) != 0 || v != (int64_t)i)
			same = 0;
	ok(same && json_int64(json_at(root, 99999), &v) == 0 && v == 99999,
	    "items keep their order");
	json_free(root);
	free(text);
}

static void
test_errors(void)
{
	struct json_value *root;
	char small[8];

	memset(small, 'x', sizeof(small));
	root = json_parse("{} x", 4, 0, 0, small, sizeof(small));
	ok(root == NULL && strlen(small) == sizeof(small) - 1, "message truncated to errsize");
	root = json_parse("{} x", 4, 0, 0, NULL, 0);
	ok(root == NULL, "NULL err buffer is allowed");
	strcpy(err, "stale");
	root = parse("{}");
	is_str(err, "", "success clears the message");
	json_free(root);
}

/* Generates v, parses the text back, and compares; 1 when all agree. */
static int
round_trip(const struct json_value *v)
{
	struct json_value *back;
	const char *text;
	size_t len;
	yajl_gen g;
	int same;

	if ((g = json_gen_new()) == NULL)
		return 0;
	gen_value(g, v);
	text = json_gen_text(g, &len);
	back = json_parse(text, len, SIZE_MAX, 0, err, sizeof(err));
	same = back != NULL && same_value(v, back);
	json_free(back);
	yajl_gen_free(g);
	return same;
}

static void
test_generator(void)
{
	const struct json_value *a;
	struct json_value *root;
	const char *text;
	int64_t i = 0;
	double d = 0;
	size_t len = 0;
	yajl_gen g;
	bool b = false;

	g = json_gen_new();
	if (!ok(g != NULL, "json_gen_new"))
		return;
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "s", "x\"y");
	json_gen_kv_string(g, "n", NULL);
	json_gen_kv_int(g, "i", -5);
	json_gen_kv_bool(g, "b", true);
	json_gen_kv_double(g, "d", 0.1);
	json_gen_kv_double(g, "nan", NAN);
	json_gen_kv_double(g, "inf", -INFINITY);
	yajl_gen_map_close(g);
	text = json_gen_text(g, &len);
	is_str(text, "{\"s\":\"x\\\"y\",\"n\":null,\"i\":-5,\"b\":true,\"d\":0.1,"
	    "\"nan\":null,\"inf\":null}", "compact text, shortest double, non-finite as null");
	is_int(len, strlen(text ? text : ""), "json_gen_text length");
	yajl_gen_free(g);

	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_kv_int(g, "max", LLONG_MAX);
	json_gen_kv_int(g, "min", LLONG_MIN);
	json_gen_kv_double(g, "big", 1e300);
	json_gen_kv_double(g, "tiny", 5e-324);
	json_gen_kv_double(g, "third", 1.0 / 3.0);
	json_gen_kv_double(g, "negzero", -0.0);
	json_gen_key(g, "text");
	json_gen_string_len(g, "a\0b\x01\n\xc3\xa9\xf0\x9f\x98\x80</", 13);
	json_gen_key(g, "bad");
	json_gen_string(g, "ok\xff\xc0\xafok\xed\xa0\x80");
	json_gen_key(g, NULL);
	json_gen_string(g, NULL);
	json_gen_key(g, "list");
	yajl_gen_array_open(g);
	json_gen_string(g, "one");
	yajl_gen_integer(g, 2);
	yajl_gen_map_open(g);
	json_gen_kv_bool(g, "deep", false);
	yajl_gen_map_close(g);
	yajl_gen_array_close(g);
	json_gen_kv_string(g, "after", "still in order");
	yajl_gen_map_close(g);
	text = json_gen_text(g, &len);
	ok(text != NULL && memchr(text, '\n', len) == NULL, "generated text has no newline");

	root = json_parse(text, len, 0, 0, err, sizeof(err));
	if (!ok(root != NULL, "generated document parses back")) {
		printf("#   %s\n", err);
		yajl_gen_free(g);
		return;
	}
	ok(json_get_int64(root, "max", &i) == 0 && i == INT64_MAX, "LLONG_MAX round trip");
	ok(json_get_int64(root, "min", &i) == 0 && i == INT64_MIN, "LLONG_MIN round trip");
	ok(json_double(json_get(root, "big"), &d) == 0 && d == 1e300, "1e300 round trip");
	ok(json_double(json_get(root, "tiny"), &d) == 0 && d == 5e-324, "5e-324 round trip");
	ok(json_double(json_get(root, "third"), &d) == 0 && d == 1.0 / 3.0, "1/3 round trip");
	ok(json_double(json_get(root, "negzero"), &d) == 0 && d == 0 && signbit(d),
	    "-0.0 round trip");
	ok(json_get_string(root, "text", &len) != NULL && len == 13 &&
	    memcmp(json_get_string(root, "text", NULL),
	    "a\0b\x01\n\xc3\xa9\xf0\x9f\x98\x80</", 13) == 0,
	    "string with NUL, control bytes and UTF-8 round trip");
	is_str(json_get_string(root, "bad", NULL),
	    "ok\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdok\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "invalid UTF-8 is written as U+FFFD, not dropped");
	is_int(json_type(json_get(root, "")), JSON_NULL, "NULL key written as \"\", NULL string as null");
	ok(json_get(root, "") != NULL, "the \"\" member exists");
	a = json_get(root, "list");
	is_int(json_length(a), 3, "nested array round trip");
	ok(json_get_bool(json_at(a, 2), "deep", &b) == 0 && !b, "object inside array");
	is_str(json_get_string(root, "after", NULL), "still in order",
	    "members after a repaired string stay paired");
	ok(round_trip(root), "whole document survives a second round trip");
	json_free(root);
	yajl_gen_free(g);
}

/* xorshift64*: a fixed seed keeps every run identical. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t
mutate(char *buf, size_t len, size_t cap)
{
	static const char interesting[] = "{}[]\",:\\u0123456789.eE-+ \ntrufalsn\xff\xc3\xa9\xed\xf0";
	size_t pos, n, steps = 1 + rng() % 4;

	while (steps-- > 0) {
		pos = len ? rng() % len : 0;
		switch (rng() % 6) {
		case 0:		/* flip a bit */
			if (len)
				buf[pos] ^= (char)(1 << (rng() % 8));
			break;
		case 1:		/* insert a character that matters to JSON */
			if (len < cap) {
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = interesting[rng() % (sizeof(interesting) - 1)];
				len++;
			}
			break;
		case 2:		/* delete a run */
			n = len - pos < 4 ? len - pos : 1 + rng() % 4;
			memmove(buf + pos, buf + pos + n, len - pos - n);
			len -= n;
			break;
		case 3:		/* duplicate a run */
			n = 1 + rng() % 16;
			if (pos + n > len)
				n = len - pos;
			if (len + n <= cap) {
				memmove(buf + pos + n, buf + pos, len - pos);
				len += n;
			}
			break;
		case 4:		/* truncate */
			len = pos;
			break;
		default:	/* overwrite with a random byte */
			if (len)
				buf[pos] = (char)rng();
			break;
		}
	}
	return len;
}

static void
test_fuzz(void)
{
	static const char *seeds[] = {
		"{\"name\":\"Ann\",\"age\":42,\"tags\":[\"a\",\"b\"],\"ok\":true,\"x\":null}",
		"[1,-2.5e3,\"\\u00e9\\ud83d\\ude00\",{\"k\":[[],{}]},false,0]",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\\n\\\"there\\\"\"}],\"stream\":true}",
		"\"plain \xc3\xa9 text \\u0000 with \\\\ escapes\"",
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":[1,2,{\"f\":9223372036854775807}]}}}}}",
	};
	const size_t nseeds = sizeof(seeds) / sizeof(seeds[0]);
	const size_t cap = 512;
	char buf[512];
	size_t i, len, accepted = 0, refusedn = 0, bad_msg = 0, bad_trip = 0;
	struct json_value *root;
	char *exact;

	for (i = 0; i < 20000; i++) {
		const char *seed = seeds[rng() % nseeds];

		len = strlen(seed);
		memcpy(buf, seed, len);
		len = mutate(buf, len, cap);
		/*
		 * An exact-size copy: ASan and valgrind see any read past len,
		 * and the tree must not point into the input once it is freed.
		 */
		if ((exact = malloc(len > 0 ? len : 1)) == NULL)
			break;
		memcpy(exact, buf, len);
		err[0] = '\0';
		root = json_parse(exact, len, 8, cap, err, sizeof(err));
		free(exact);
		if (root == NULL) {
			refusedn++;
			if (!one_line(err))
				bad_msg++;
			continue;
		}
		accepted++;
		if (!round_trip(root))
			bad_trip++;
		json_free(root);
	}
	printf("# fuzz: %zu accepted, %zu refused\n", accepted, refusedn);
	ok(accepted > 100 && refusedn > 100, "fuzz reaches both outcomes");
	is_int(bad_msg, 0, "every refusal has a one-line message");
	is_int(bad_trip, 0, "every accepted mutation round-trips through the generator");
}

int
main(void)
{
	test_types();
	test_members();
	test_wrong_types();
	test_numbers();
	test_depth();
	test_limits_and_garbage();
	test_utf8();
	test_big();
	test_errors();
	test_generator();
	test_fuzz();
	return done_testing();
}
