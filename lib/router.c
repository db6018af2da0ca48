/*
 * router: first-match routing over a small table of method + pattern.
 *
 * Tables are tens of routes, so a linear scan that compares segment by
 * segment is both the simplest and, at this size, the fastest choice.
 */
#include <string.h>

#include "lib/router.h"

void
router_init(struct router *r)
{
	memset(r, 0, sizeof(*r));
}

static int
pattern_valid(const char *p)
{
	int params = 0, segments = 0;

	if (p[0] != '/')
		return 0;
	while (*p == '/') {
		const char *seg = ++p;
		size_t len = strcspn(seg, "/");

		segments++;
		if (seg[0] == '*') {
			/* "*" stands for the rest of the path: whole segment, last one. */
			if (len != 1 || seg[1] != '\0')
				return 0;
		} else if (seg[0] == '{') {
			if (len < 3 || seg[len - 1] != '}' || memchr(seg + 1, '{', len - 1) != NULL)
				return 0;
			params++;
		} else if (memchr(seg, '{', len) != NULL || memchr(seg, '}', len) != NULL ||
		    memchr(seg, '*', len) != NULL)
			return 0;
		p = seg + len;
	}
	return params <= ROUTER_MAX_PARAMS && segments <= ROUTER_MAX_SEGMENTS;
}

int
router_add(struct router *r, const char *method, const char *pattern, router_handler handler, size_t max_body)
{
	struct router_route *rt;

	if (r->nroutes == ROUTER_MAX_ROUTES || !pattern_valid(pattern)) {
		r->refused++;
		return -1;
	}
	rt = &r->routes[r->nroutes];
	rt->method = method;
	rt->pattern = pattern;
	rt->handler = handler;
	rt->max_body = max_body;
	rt->index = r->nroutes;
	return r->nroutes++;
}

/* Matches path against pattern, filling params; 1 on a match. */
static int
path_matches(const char *pattern, const char *path, size_t path_len, struct router_match *m)
{
	const char *p = pattern, *s = path, *end = path + path_len;

	m->nparams = 0;
	while (*p != '\0') {
		const char *pseg, *sseg;
		size_t plen, slen;

		/* A last segment "*": the prefix itself, or anything below it. */
		if (p[1] == '*')
			return s == end || *s == '/';
		if (*p != '/' || s == end || *s != '/')
			return 0;
		pseg = ++p;
		plen = strcspn(pseg, "/");
		sseg = ++s;
		slen = 0;
		while (sseg + slen < end && sseg[slen] != '/')
			slen++;
		if (pseg[0] == '{') {
			struct router_param *param;

			if (slen == 0)
				return 0;
			param = &m->params[m->nparams++];
			param->name = pseg + 1;
			param->name_len = plen - 2;
			param->value = sseg;
			param->value_len = slen;
		} else if (plen != slen || memcmp(pseg, sseg, slen) != 0)
			return 0;
		p = pseg + plen;
		s = sseg + slen;
	}
	return s == end;
}

static void
allow_append(char *allow, size_t size, const char *method)
{
	size_t used = strlen(allow), mlen = strlen(method);

	/* Several routes may share a method (GET /a/{id} and GET /a/{b}). */
	if (strstr(allow, method) != NULL)
		return;
	if (used + mlen + 3 > size)
		return;
	if (used > 0) {
		memcpy(allow + used, ", ", 2);
		used += 2;
	}
	memcpy(allow + used, method, mlen + 1);
}

enum router_result
router_match(const struct router *r, const char *method, size_t method_len, const char *path,
    size_t path_len, struct router_match *m)
{
	struct router_match probe;
	int path_seen = 0;

	m->route = NULL;
	m->nparams = 0;
	m->allow[0] = '\0';
	for (int i = 0; i < r->nroutes; i++) {
		const struct router_route *rt = &r->routes[i];

		if (!path_matches(rt->pattern, path, path_len, &probe))
			continue;
		if ((rt->method[0] == '*' && rt->method[1] == '\0') ||
		    (strlen(rt->method) == method_len && memcmp(rt->method, method, method_len) == 0)) {
			*m = probe;
			m->route = rt;
			m->allow[0] = '\0';
			return ROUTER_FOUND;
		}
		path_seen = 1;
		allow_append(m->allow, sizeof(m->allow), rt->method);
	}
	return path_seen ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}

const char *
router_param(const struct router_match *m, const char *name, size_t *len)
{
	size_t nlen = strlen(name);

	for (int i = 0; i < m->nparams; i++) {
		if (m->params[i].name_len == nlen && memcmp(m->params[i].name, name, nlen) == 0) {
			if (len != NULL)
				*len = m->params[i].value_len;
			return m->params[i].value;
		}
	}
	if (len != NULL)
		*len = 0;
	return NULL;
}
