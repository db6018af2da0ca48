/*
 * json: request bodies parsed (with yajl) into a small read-only tree, and
 * responses written with yajl's generator.
 *
 * A parsed document owns all of its nodes and strings; json_free() releases
 * it at once.  Parsing refuses input nested deeper than max_depth or longer
 * than max_bytes, invalid UTF-8, and trailing garbage, with a short message
 * fit to return to a client.  Accessors never crash on a wrong type or a
 * missing key: they return NULL or an error status.
 */
#ifndef QUILL_JSON_H
#define QUILL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value;

#define JSON_DEFAULT_MAX_DEPTH 32

/*
 * Returns the root, or NULL with a one-line message in err and errno set to
 * EINVAL (bad input), EMSGSIZE (over max_bytes) or ENOMEM.  max_depth 0
 * means JSON_DEFAULT_MAX_DEPTH; max_bytes 0 means no size limit.
 */
struct json_value *json_parse(const char *text, size_t len, size_t max_depth, size_t max_bytes,
    char *err, size_t errsize);
void json_free(struct json_value *root);

enum json_type json_type(const struct json_value *v);	/* JSON_NULL for NULL too */
/* Member of an object (first match), or NULL when v is not an object or lacks it. */
const struct json_value *json_get(const struct json_value *obj, const char *key);
size_t json_length(const struct json_value *v);	/* array items or object members; 0 otherwise */
const struct json_value *json_at(const struct json_value *arr, size_t i);
/* i-th member of an object: its key, and the value through *value. */
const char *json_member(const struct json_value *obj, size_t i, const struct json_value **value);

/* String value (NUL-terminated; *len may be NULL), or NULL when not a string. */
const char *json_string(const struct json_value *v, size_t *len);
/* 0 on success; -1 when not a number or not an integer that fits. */
int json_int64(const struct json_value *v, int64_t *out);
int json_double(const struct json_value *v, double *out);
/* 0 on success; -1 when not a boolean. */
int json_bool(const struct json_value *v, bool *out);

/* Shorthands for a member of an object: NULL / -1 when missing or mistyped. */
const char *json_get_string(const struct json_value *obj, const char *key, size_t *len);
int json_get_int64(const struct json_value *obj, const char *key, int64_t *out);
int json_get_bool(const struct json_value *obj, const char *key, bool *out);

/*
 * Generation: a yajl_gen with quill's settings (no beautify, UTF-8
 * validated) and helpers for the common key/value shapes.
 */
yajl_gen json_gen_new(void);
void json_gen_key(yajl_gen g, const char *key);
void json_gen_string(yajl_gen g, const char *s);	/* NULL writes null */
void json_gen_string_len(yajl_gen g, const char *s, size_t len);
void json_gen_kv_string(yajl_gen g, const char *key, const char *value);	/* NULL value writes null */
void json_gen_kv_int(yajl_gen g, const char *key, long long value);
void json_gen_kv_bool(yajl_gen g, const char *key, bool value);
void json_gen_kv_double(yajl_gen g, const char *key, double value);
/*
 * Writes len bytes of text that is already one JSON value (PostgreSQL's
 * json output) as the next value, unchecked: the caller vouches for it.
 */
void json_gen_raw(yajl_gen g, const char *json, size_t len);
/* The text generated so far (owned by g), and its length. */
const char *json_gen_text(yajl_gen g, size_t *len);

#endif
