/*
 * json_tree.h: a parsed JSON value written back with the generator, and
 * two values compared, for the tests and fuzz targets that check that
 * what lib/json reads survives being written again.
 */
#ifndef QUILL_JSON_TREE_H
#define QUILL_JSON_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "lib/json.h"

/* Writes a parsed value back out with the generator. */
static void
gen_value(yajl_gen g, const struct json_value *v)
{
	const struct json_value *m;
	const char *s, *key;
	size_t len, i;
	int64_t n;
	double d;
	bool b;

	switch (json_type(v)) {
	case JSON_NULL:
		yajl_gen_null(g);
		break;
	case JSON_BOOL:
		json_bool(v, &b);
		yajl_gen_bool(g, b);
		break;
	case JSON_NUMBER:
		if (json_int64(v, &n) == 0)
			yajl_gen_integer(g, n);
		else if (json_double(v, &d) == 0)
			yajl_gen_double(g, d);
		else
			yajl_gen_null(g);
		break;
	case JSON_STRING:
		s = json_string(v, &len);
		json_gen_string_len(g, s, len);
		break;
	case JSON_ARRAY:
		yajl_gen_array_open(g);
		for (i = 0; i < json_length(v); i++)
			gen_value(g, json_at(v, i));
		yajl_gen_array_close(g);
		break;
	case JSON_OBJECT:
		yajl_gen_map_open(g);
		for (i = 0; i < json_length(v); i++) {
			/* A key is a C string: one holding \u0000 ends there. */
			key = json_member(v, i, &m);
			json_gen_key(g, key);
			gen_value(g, m);
		}
		yajl_gen_map_close(g);
		break;
	}
}

/* Same shape and values; numbers compare as doubles (or unreadable == null). */
static int
same_value(const struct json_value *a, const struct json_value *b)
{
	const struct json_value *ma, *mb;
	const char *sa, *sb;
	size_t la, lb, i;
	double da = 0, db = 0;
	bool ba, bb;

	if (json_type(a) == JSON_NUMBER && json_double(a, &da) == -1)
		return json_type(b) == JSON_NULL;
	if (json_type(a) != json_type(b) || json_length(a) != json_length(b))
		return 0;
	switch (json_type(a)) {
	case JSON_NULL:
		return 1;
	case JSON_BOOL:
		return json_bool(a, &ba) == 0 && json_bool(b, &bb) == 0 && ba == bb;
	case JSON_NUMBER:
		return json_double(b, &db) == 0 && da == db;
	case JSON_STRING:
		sa = json_string(a, &la);
		sb = json_string(b, &lb);
		return la == lb && memcmp(sa, sb, la) == 0;
	case JSON_ARRAY:
		for (i = 0; i < json_length(a); i++)
			if (!same_value(json_at(a, i), json_at(b, i)))
				return 0;
		return 1;
	case JSON_OBJECT:
		for (i = 0; i < json_length(a); i++) {
			sa = json_member(a, i, &ma);
			sb = json_member(b, i, &mb);
			if (strcmp(sa, sb) != 0 || !same_value(ma, mb))
				return 0;
		}
		return 1;
	}
	return 0;
}

#endif
