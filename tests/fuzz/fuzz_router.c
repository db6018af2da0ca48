/*
 * fuzz_router: lib/router on any request line.  The routes are the
 * API's own: every path and method of the OpenAPI document (QUILL_OPENAPI,
 * or doc/api/openapi.json from the current directory) and the gateway's
 * built-in route prefixes.  The input is "METHOD path".  A match must
 * take the method, give each parameter a non-empty slice of the path
 * with no '/' in it, and find it again by name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/json.h"
#include "lib/router.h"
#include "lib/uuid.h"

static struct router r;

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "fuzz_router: %s\n", what);
	exit(1);
}

/* The router keeps the strings, not copies: they live as long as it does. */
static void
add(const char *method, const char *pattern)
{
	if (router_add(&r, strdup(method), strdup(pattern), NULL, 0) < 0)
		die(pattern);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die(path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
add_openapi(const char *path)
{
	static const char *const methods[] = { "get", "post", "put", "patch", "delete" };
	const struct json_value *paths, *ops;
	struct json_value *doc;
	char err[160], upper[8];
	size_t len;
	char *text = slurp(path, &len);

	if ((doc = json_parse(text, len, 0, 0, err, sizeof(err))) == NULL ||
	    (paths = json_get(doc, "paths")) == NULL)
		die(path);
	for (size_t i = 0; i < json_length(paths); i++) {
		const char *p = json_member(paths, i, &ops);

		for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
			if (json_get(ops, methods[k]) == NULL)
				continue;
			for (size_t c = 0; c <= strlen(methods[k]); c++)
				upper[c] = (char)(methods[k][c] >= 'a' ? methods[k][c] - 32 : methods[k][c]);
			add(upper, p);
		}
	}
	json_free(doc);
	free(text);
}

/* The gateway's routes: "PREFIX/" then "*" for each built-in prefix. */
static void
add_gateway(void)
{
	const char *names[32];
	char err[256], pattern[256];
	struct config *cfg = config_load(NULL, err, sizeof(err));
	size_t n;

	if (cfg == NULL)
		die(err);
	n = config_sections(cfg, "route", names, 32);
	for (size_t i = 0; i < n; i++) {
		char prefixes[256], *save = NULL;

		snprintf(prefixes, sizeof(prefixes), "%s", config_str(cfg, names[i], "prefix"));
		for (char *p = strtok_r(prefixes, " ", &save); p != NULL; p = strtok_r(NULL, " ", &save)) {
			snprintf(pattern, sizeof(pattern), "%s/*", strcmp(p, "/") == 0 ? "" : p);
			add("*", pattern);
		}
	}
	config_free(cfg);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *openapi = getenv("QUILL_OPENAPI");

	(void)argc;
	(void)argv;
	router_init(&r);
	add_openapi(openapi != NULL ? openapi : "doc/api/openapi.json");
	add_gateway();
	if (r.refused != 0)
		die("a route was refused");
	return 0;
}

static size_t
params_in(const char *pattern)
{
	size_t n = 0;

	for (const char *p = pattern; *p != '\0'; p++)
		n += *p == '{';
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *sp = memchr(in, ' ', size), *path, *end;
	struct router_match m;
	size_t method_len, path_len;

	if (sp == NULL)
		return 0;
	method_len = (size_t)(sp - in);
	path = sp + 1;
	path_len = size - method_len - 1;
	end = path + path_len;
	switch (router_match(&r, in, method_len, path, path_len, &m)) {
	case ROUTER_FOUND:
		if (m.route == NULL || (strcmp(m.route->method, "*") != 0 &&
		    (strlen(m.route->method) != method_len || memcmp(m.route->method, in, method_len) != 0)))
			abort();
		if ((size_t)m.nparams != params_in(m.route->pattern))
			abort();
		for (int i = 0; i < m.nparams; i++) {
			const struct router_param *p = &m.params[i];
			char name[64];
			size_t len;

			if (p->value < path || p->value_len == 0 || p->value_len > (size_t)(end - p->value) ||
			    memchr(p->value, '/', p->value_len) != NULL)
				abort();
			if (p->name_len >= sizeof(name))
				abort();
			memcpy(name, p->name, p->name_len);
			name[p->name_len] = '\0';
			if (router_param(&m, name, &len) != p->value || len != p->value_len)
				abort();
			(void)uuid_valid(p->value, p->value_len);	/* what the handlers ask of {id} */
		}
		break;
	case ROUTER_METHOD_NOT_ALLOWED:
		if (m.allow[0] == '\0')
			abort();
		break;
	case ROUTER_NOT_FOUND:
		break;
	}
	return 0;
}
