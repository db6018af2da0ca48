/*
 * json: request bodies parsed with yajl's callback parser into a read-only
 * tree, and responses written with yajl's generator.
 *
 * Guarantees of json_parse():
 * - the input is checked against max_bytes before any parsing, and nesting
 *   is refused in the start callbacks as soon as it passes max_depth, so a
 *   hostile body costs at most one pass and a bounded stack;
 * - the whole input must be exactly one JSON value (RFC 8259, no comments,
 *   no trailing garbage, no second value) in strict UTF-8: overlong forms,
 *   encoded surrogates, code points past U+10FFFF and \u escapes that do
 *   not form a surrogate pair are refused (yajl alone lets these through
 *   or quietly turns them into '?'), so every string handed to a caller is
 *   valid UTF-8 and may be stored in PostgreSQL as is;
 * - error messages are one short line, safe to send back to the client;
 *   errno says why parsing failed: EINVAL (bad input), EMSGSIZE (too
 *   large) or ENOMEM;
 * - all nodes and strings of a document live in one arena, released by a
 *   single json_free(); every failure path releases what it built.
 *
 * Numbers keep their text, so json_int64() is exact over the whole int64_t
 * range and json_double() rounds once.  Both parse with the C library in
 * the "C" numeric locale, which quill never changes.
 *
 * Accessors take NULL and values of the wrong type without complaint and
 * leave their output untouched on failure, so a caller can preset a
 * default and ignore the status.
 */
#include <errno.h>
#include <math.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "lib/json.h"

struct json_value {
	enum json_type		 type;
	bool			 boolean;
	const char		*key;		/* member name in the parent object */
	size_t			 keylen;
	struct json_value	*next;		/* next sibling, while the parent is open */
	size_t			 len;		/* text bytes, or items */
	union {
		char			 *text;	/* string, or number as written */
		struct json_value	**items;
	} u;
};

/*
 * The arena: a list of chunks, bump-allocated.  Chunks double from 4 KiB
 * to 64 KiB; an allocation too large for that gets a chunk of its own.
 */
#define ARENA_FIRST	4096
#define ARENA_MAX	65536

struct chunk {
	struct chunk	*next;
	size_t		 size;
	size_t		 used;
	max_align_t	 data[];
};

struct arena {
	struct chunk	*head;
	size_t		 next_size;
};

/* A document: its arena and its root, which json_parse() hands out. */
struct json_doc {
	struct arena		 arena;
	struct json_value	 root;
};

/* An open array or object while parsing: its children in document order. */
struct frame {
	struct json_value	*node;
	struct json_value	*head;
	struct json_value	*tail;
};

enum build_failure {
	BUILD_OK,
	BUILD_NOMEM,
	BUILD_TOO_DEEP,
};

struct builder {
	struct json_doc		*doc;
	struct frame		*stack;
	size_t			 depth;
	size_t			 cap;
	size_t			 max_depth;
	bool			 have_root;
	const char		*key;		/* pending member name */
	size_t			 keylen;
	enum build_failure	 failure;
};

static void *
arena_alloc(struct arena *a, size_t n, size_t align)
{
	struct chunk *c = a->head;
	size_t off, size;

	if (c != NULL) {
		off = (c->used + align - 1) & ~(align - 1);
		if (off <= c->size && c->size - off >= n) {
			c->used = off + n;
			return (char *)c->data + off;
		}
	}
	if (n > SIZE_MAX - sizeof(*c))
		return NULL;
	if (a->next_size == 0)
		a->next_size = ARENA_FIRST;
	if (n > a->next_size / 2) {
		/* Its own chunk, behind the current one, which keeps its room. */
		if ((c = malloc(sizeof(*c) + n)) == NULL)
			return NULL;
		c->size = c->used = n;
		if (a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = NULL;
			a->head = c;
		}
		return c->data;
	}
	size = a->next_size;
	if ((c = malloc(sizeof(*c) + size)) == NULL)
		return NULL;
	c->size = size;
	c->used = n;
	c->next = a->head;
	a->head = c;
	if (a->next_size < ARENA_MAX)
		a->next_size *= 2;
	return c->data;
}

static char *
arena_strndup(struct arena *a, const void *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX || (p = arena_alloc(a, len + 1, 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/*
 * Length of the strict UTF-8 sequence (RFC 3629) at p, or 0 when the bytes
 * there are not one: no overlong forms, no surrogates, nothing past U+10FFFF.
 */
static size_t
utf8_sequence(const unsigned char *p, size_t left)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static bool
utf8_valid(const unsigned char *p, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_sequence(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* The four hex digits at p as a code unit, or -1. */
static long
hex4(const unsigned char *p, size_t left)
{
	long v = 0;
	size_t i;

	if (left < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * The checks yajl does not make, in one pass before it runs: strict UTF-8
 * everywhere, and \u escapes inside strings that pair their surrogates.
 * Other malformed escapes are left for yajl to report.  On failure *at is
 * the offset of the offending bytes and *why says what they are.
 */
static int
check_text(const unsigned char *p, size_t len, size_t *at, const char **why)
{
	bool in_string = false;
	size_t i = 0, n;
	long u, low;

	while (i < len) {
		if (p[i] >= 0x80) {
			if ((n = utf8_sequence(p + i, len - i)) == 0) {
				*at = i;
				*why = "invalid UTF-8";
				return -1;
			}
			i += n;
		} else if (!in_string) {
			in_string = p[i++] == '"';
		} else if (p[i] == '"') {
			in_string = false;
			i++;
		} else if (p[i] != '\\') {
			i++;
		} else if (i + 1 < len && p[i + 1] == 'u' &&
		    (u = hex4(p + i + 2, len - i - 2)) != -1) {
			if (u >= 0xdc00 && u <= 0xdfff)
				goto unpaired;
			if (u < 0xd800 || u > 0xdbff) {
				i += 6;
				continue;
			}
			if (len - i < 12 || p[i + 6] != '\\' || p[i + 7] != 'u')
				goto unpaired;
			low = hex4(p + i + 8, len - i - 8);
			if (low < 0xdc00 || low > 0xdfff)
				goto unpaired;
			i += 12;
		} else
			i += 2;
	}
	return 0;
unpaired:
	*at = i;
	*why = "unpaired surrogate in \\u escape";
	return -1;
}

/* A new node, attached to the open container (or made the root). */
static struct json_value *
node_new(struct builder *b, enum json_type type)
{
	struct json_value *v;
	struct frame *f;

	if (b->depth == 0) {
		v = &b->doc->root;
		b->have_root = true;
	} else if ((v = arena_alloc(&b->doc->arena, sizeof(*v),
	    alignof(struct json_value))) == NULL) {
		b->failure = BUILD_NOMEM;
		return NULL;
	}
	memset(v, 0, sizeof(*v));
	v->type = type;
	if (b->depth == 0)
		return v;
	f = &b->stack[b->depth - 1];
	if (f->node->type == JSON_OBJECT) {
		v->key = b->key;
		v->keylen = b->keylen;
		b->key = NULL;
	}
	if (f->tail != NULL)
		f->tail->next = v;
	else
		f->head = v;
	f->tail = v;
	f->node->len++;
	return v;
}

/* A node with a copy of text: strings and numbers. */
static int
node_text(struct builder *b, enum json_type type, const void *s, size_t len)
{
	struct json_value *v;
	char *text;

	if ((text = arena_strndup(&b->doc->arena, s, len)) == NULL) {
		b->failure = BUILD_NOMEM;
		return 0;
	}
	if ((v = node_new(b, type)) == NULL)
		return 0;
	v->u.text = text;
	v->len = len;
	return 1;
}

static int
cb_null(void *ctx)
{
	return node_new(ctx, JSON_NULL) != NULL;
}

static int
cb_boolean(void *ctx, int value)
{
	struct json_value *v;

	if ((v = node_new(ctx, JSON_BOOL)) == NULL)
		return 0;
	v->boolean = value != 0;
	return 1;
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	return node_text(ctx, JSON_NUMBER, s, len);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return node_text(ctx, JSON_STRING, s, len);
}

static int
cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct builder *b = ctx;

	if ((b->key = arena_strndup(&b->doc->arena, s, len)) == NULL) {
		b->failure = BUILD_NOMEM;
		return 0;
	}
	b->keylen = len;
	return 1;
}

static int
container_open(struct builder *b, enum json_type type)
{
	struct json_value *v;
	struct frame *stack;
	size_t cap;

	if (b->depth >= b->max_depth) {
		b->failure = BUILD_TOO_DEEP;
		return 0;
	}
	if (b->depth == b->cap) {
		cap = b->cap ? b->cap * 2 : 16;
		if ((stack = reallocarray(b->stack, cap, sizeof(*stack))) == NULL) {
			b->failure = BUILD_NOMEM;
			return 0;
		}
		b->stack = stack;
		b->cap = cap;
	}
	if ((v = node_new(b, type)) == NULL)
		return 0;
	b->stack[b->depth].node = v;
	b->stack[b->depth].head = b->stack[b->depth].tail = NULL;
	b->depth++;
	return 1;
}

/* Closing turns the list of children into an array, for json_at(). */
static int
container_close(void *ctx)
{
	struct builder *b = ctx;
	struct frame *f = &b->stack[b->depth - 1];
	struct json_value *v, **items;
	size_t i = 0;

	if (f->node->len > 0) {
		if (f->node->len > SIZE_MAX / sizeof(*items) ||
		    (items = arena_alloc(&b->doc->arena,
		    f->node->len * sizeof(*items), alignof(struct json_value *))) == NULL) {
			b->failure = BUILD_NOMEM;
			return 0;
		}
		for (v = f->head; v != NULL; v = v->next)
			items[i++] = v;
		f->node->u.items = items;
	}
	b->depth--;
	return 1;
}

static int
cb_start_map(void *ctx)
{
	return container_open(ctx, JSON_OBJECT);
}

static int
cb_start_array(void *ctx)
{
	return container_open(ctx, JSON_ARRAY);
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = container_close,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = container_close,
};

static void
set_error(char *err, size_t errsize, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsize > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	errno = code;
}

/*
 * yajl's own words for a syntax error, as one line: without the "parse
 * error: " prefix, control characters and the trailing newline and period,
 * and with its one piece of jargon spelt out.
 */
static void
yajl_reason(yajl_handle h, const char *text, size_t len, char *buf, size_t bufsize)
{
	unsigned char *msg;
	const char *s, *colon;
	size_t n = 0;

	msg = yajl_get_error(h, 0, (const unsigned char *)text, len);
	s = msg != NULL ? (const char *)msg : "syntax error";
	if ((colon = strstr(s, "error: ")) != NULL)
		s = colon + strlen("error: ");
	for (; *s != '\0' && n + 1 < bufsize; s++)
		buf[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '.'))
		n--;
	buf[n] = '\0';
	if (strcmp(buf, "premature EOF") == 0)
		snprintf(buf, bufsize, "unexpected end of input");
	if (msg != NULL)
		yajl_free_error(h, msg);
}

static int
parse_with_yajl(struct builder *b, const char *text, size_t len, char *err, size_t errsize)
{
	yajl_handle h;
	yajl_status st;
	size_t at;
	char reason[128];

	if ((h = yajl_alloc(&callbacks, NULL, b)) == NULL) {
		set_error(err, errsize, ENOMEM, "out of memory");
		return -1;
	}
	yajl_config(h, yajl_allow_comments, 0);
	yajl_config(h, yajl_dont_validate_strings, 0);
	yajl_config(h, yajl_allow_trailing_garbage, 0);
	yajl_config(h, yajl_allow_multiple_values, 0);
	yajl_config(h, yajl_allow_partial_values, 0);

	st = yajl_parse(h, (const unsigned char *)text, len);
	at = yajl_get_bytes_consumed(h);
	/*
	 * Offsets count from 1, as yajl's do: the byte it stopped at.
	 * Errors found while finishing are at the end of the input.
	 */
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		at = len;
	}
	if (st == yajl_status_ok && b->have_root && b->depth == 0) {
		yajl_free(h);
		return 0;
	}
	if (b->failure == BUILD_NOMEM)
		set_error(err, errsize, ENOMEM, "out of memory");
	else if (b->failure == BUILD_TOO_DEEP)
		set_error(err, errsize, EINVAL, "nesting deeper than %zu", b->max_depth);
	else {
		yajl_reason(h, text, len, reason, sizeof(reason));
		set_error(err, errsize, EINVAL, "invalid JSON at byte %zu: %s", at, reason);
	}
	yajl_free(h);
	return -1;
}

struct json_value *
json_parse(const char *text, size_t len, size_t max_depth, size_t max_bytes,
    char *err, size_t errsize)
{
	struct builder b;
	struct json_doc *doc;
	const char *why;
	size_t at;
	int rc;

	if (err != NULL && errsize > 0)
		err[0] = '\0';
	if (text == NULL || len == 0) {
		set_error(err, errsize, EINVAL, "empty body");
		return NULL;
	}
	if (max_bytes != 0 && len > max_bytes) {
		set_error(err, errsize, EMSGSIZE, "body larger than %zu bytes", max_bytes);
		return NULL;
	}
	if (check_text((const unsigned char *)text, len, &at, &why) == -1) {
		set_error(err, errsize, EINVAL, "invalid JSON at byte %zu: %s", at + 1, why);
		return NULL;
	}
	if ((doc = calloc(1, sizeof(*doc))) == NULL) {
		set_error(err, errsize, ENOMEM, "out of memory");
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	b.doc = doc;
	b.max_depth = max_depth != 0 ? max_depth : JSON_DEFAULT_MAX_DEPTH;
	rc = parse_with_yajl(&b, text, len, err, errsize);
	free(b.stack);
	if (rc == -1) {
		arena_free(&doc->arena);
		free(doc);
		return NULL;
	}
	return &doc->root;
}

void
json_free(struct json_value *root)
{
	struct json_doc *doc;

	if (root == NULL)
		return;
	doc = (struct json_doc *)((char *)root - offsetof(struct json_doc, root));
	arena_free(&doc->arena);
	free(doc);
}

enum json_type
json_type(const struct json_value *v)
{
	return v != NULL ? v->type : JSON_NULL;
}

const struct json_value *
json_get(const struct json_value *obj, const char *key)
{
	size_t i, keylen;

	if (obj == NULL || obj->type != JSON_OBJECT || key == NULL)
		return NULL;
	keylen = strlen(key);
	for (i = 0; i < obj->len; i++) {
		const struct json_value *v = obj->u.items[i];

		if (v->keylen == keylen && memcmp(v->key, key, keylen) == 0)
			return v;
	}
	return NULL;
}

size_t
json_length(const struct json_value *v)
{
	if (v == NULL || (v->type != JSON_ARRAY && v->type != JSON_OBJECT))
		return 0;
	return v->len;
}

const struct json_value *
json_at(const struct json_value *arr, size_t i)
{
	if (arr == NULL || arr->type != JSON_ARRAY || i >= arr->len)
		return NULL;
	return arr->u.items[i];
}

const char *
json_member(const struct json_value *obj, size_t i, const struct json_value **value)
{
	if (obj == NULL || obj->type != JSON_OBJECT || i >= obj->len) {
		if (value != NULL)
			*value = NULL;
		return NULL;
	}
	if (value != NULL)
		*value = obj->u.items[i];
	return obj->u.items[i]->key;
}

const char *
json_string(const struct json_value *v, size_t *len)
{
	if (v == NULL || v->type != JSON_STRING)
		return NULL;
	if (len != NULL)
		*len = v->len;
	return v->u.text;
}

int
json_int64(const struct json_value *v, int64_t *out)
{
	long long n;
	char *end;

	if (v == NULL || v->type != JSON_NUMBER)
		return -1;
	/* 1.0 and 1e3 are numbers, not integers: refuse rather than round. */
	if (strpbrk(v->u.text, ".eE") != NULL)
		return -1;
	errno = 0;
	n = strtoll(v->u.text, &end, 10);
	if (errno != 0 || end == v->u.text || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

int
json_double(const struct json_value *v, double *out)
{
	double d;
	char *end;

	if (v == NULL || v->type != JSON_NUMBER)
		return -1;
	/* Underflow to zero is a fine answer; overflow to infinity is not. */
	d = strtod(v->u.text, &end);
	if (end == v->u.text || *end != '\0' || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

int
json_bool(const struct json_value *v, bool *out)
{
	if (v == NULL || v->type != JSON_BOOL)
		return -1;
	*out = v->boolean;
	return 0;
}

const char *
json_get_string(const struct json_value *obj, const char *key, size_t *len)
{
	return json_string(json_get(obj, key), len);
}

int
json_get_int64(const struct json_value *obj, const char *key, int64_t *out)
{
	return json_int64(json_get(obj, key), out);
}

int
json_get_bool(const struct json_value *obj, const char *key, bool *out)
{
	return json_bool(json_get(obj, key), out);
}

yajl_gen
json_gen_new(void)
{
	yajl_gen g;

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		return NULL;
	if (!yajl_gen_config(g, yajl_gen_beautify, 0) ||
	    !yajl_gen_config(g, yajl_gen_validate_utf8, 1)) {
		yajl_gen_free(g);
		return NULL;
	}
	return g;
}

/*
 * Text that is not strict UTF-8 (a file name, OCR output) is written with
 * each bad byte replaced by U+FFFD rather than dropped: dropping a key or
 * a value would shift every later key/value pair of the object.
 */
static void
gen_repaired(yajl_gen g, const unsigned char *s, size_t len)
{
	static const unsigned char fffd[] = { 0xef, 0xbf, 0xbd };
	unsigned char *buf;
	size_t i = 0, o = 0, n;

	if (len > SIZE_MAX / 3 || (buf = malloc(len * 3 + 1)) == NULL) {
		yajl_gen_string(g, (const unsigned char *)"", 0);
		return;
	}
	while (i < len) {
		if ((n = utf8_sequence(s + i, len - i)) == 0) {
			memcpy(buf + o, fffd, sizeof(fffd));
			o += sizeof(fffd);
			i++;
		} else {
			memcpy(buf + o, s + i, n);
			o += n;
			i += n;
		}
	}
	yajl_gen_string(g, buf, o);
	free(buf);
}

void
json_gen_string_len(yajl_gen g, const char *s, size_t len)
{
	if (s == NULL)
		yajl_gen_null(g);
	else if (utf8_valid((const unsigned char *)s, len))
		yajl_gen_string(g, (const unsigned char *)s, len);
	else
		gen_repaired(g, (const unsigned char *)s, len);
}

void
json_gen_string(yajl_gen g, const char *s)
{
	json_gen_string_len(g, s, s != NULL ? strlen(s) : 0);
}

void
json_gen_key(yajl_gen g, const char *key)
{
	/* A key cannot be null; "" keeps the object well formed. */
	json_gen_string(g, key != NULL ? key : "");
}

void
json_gen_kv_string(yajl_gen g, const char *key, const char *value)
{
	json_gen_key(g, key);
	json_gen_string(g, value);
}

void
json_gen_kv_int(yajl_gen g, const char *key, long long value)
{
	json_gen_key(g, key);
	yajl_gen_integer(g, value);
}

void
json_gen_kv_bool(yajl_gen g, const char *key, bool value)
{
	json_gen_key(g, key);
	yajl_gen_bool(g, value);
}

/*
 * The shortest of %.15g..%.17g that reads back as the same double: yajl's
 * own "%.20g" would write 0.1 as 0.10000000000000000555.
 */
void
json_gen_kv_double(yajl_gen g, const char *key, double value)
{
	char buf[32];
	int prec;

	json_gen_key(g, key);
	if (!isfinite(value)) {
		yajl_gen_null(g);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, value);
		if (strtod(buf, NULL) == value)
			break;
	}
	yajl_gen_number(g, buf, strlen(buf));
}

/* yajl has no call for a ready value; a number is written as it is given, separators and all. */
void
json_gen_raw(yajl_gen g, const char *json, size_t len)
{
	yajl_gen_number(g, json, len);
}

const char *
json_gen_text(yajl_gen g, size_t *len)
{
	const unsigned char *buf;
	size_t n;

	if (yajl_gen_get_buf(g, &buf, &n) != yajl_gen_status_ok) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = n;
	return (const char *)buf;
}
