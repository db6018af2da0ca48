/*
 * router: maps a method and a path to a route.
 *
 * A pattern is a sequence of '/'-separated segments, each either literal
 * text or a parameter "{name}" that matches one non-empty segment; a last
 * segment "*" matches the rest of the path, nothing included, so
 * the pattern /api/auth/ followed by "*" takes /api/auth and everything below it but not
 * /api/authx.  A route with method "*" takes every method.  Routes
 * are tried in the order they were added; the first match wins.  When the
 * path matches some route but none with the method, the result is
 * ROUTER_METHOD_NOT_ALLOWED and `allow` lists the methods that would match.
 *
 * The router holds no per-request state; matching allocates nothing and is
 * safe from any worker once every route has been added.
 */
#ifndef QUILL_ROUTER_H
#define QUILL_ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_ROUTES 128
#define ROUTER_MAX_PARAMS 4
#define ROUTER_MAX_SEGMENTS 16

enum router_result {
	ROUTER_FOUND,
	ROUTER_NOT_FOUND,
	ROUTER_METHOD_NOT_ALLOWED,
};

struct http_request;

/*
 * What a route runs: lib/http's handler type (http_handler), named here
 * so that router_add takes nothing else and a function with another
 * signature is a compile error, not a cast.  The router never calls it
 * and needs nothing of struct http_request.
 */
typedef void (*router_handler)(struct http_request *hr);

struct router_route {
	const char *method;	/* "GET", "POST", ... */
	const char *pattern;	/* "/api/ocr/jobs/{id}" */
	router_handler handler;
	size_t max_body;	/* 0: the daemon's default limit */
	int index;		/* position in the table, for metrics */
};

struct router_param {
	const char *name;
	size_t name_len;
	const char *value;	/* points into the matched path */
	size_t value_len;
};

struct router_match {
	const struct router_route *route;
	struct router_param params[ROUTER_MAX_PARAMS];
	int nparams;
	char allow[64];		/* "GET, POST" for ROUTER_METHOD_NOT_ALLOWED */
};

struct router {
	struct router_route routes[ROUTER_MAX_ROUTES];
	int nroutes;
	int refused;		/* router_add calls refused; a daemon checks this at start */
};

void router_init(struct router *r);
/* Returns the route's index, or -1 for a malformed pattern or a full table. */
int router_add(struct router *r, const char *method, const char *pattern, router_handler handler,
    size_t max_body);
enum router_result router_match(const struct router *r, const char *method, size_t method_len,
    const char *path, size_t path_len, struct router_match *m);
/* Value of a named parameter of a match, or NULL (with *len 0). */
const char *router_param(const struct router_match *m, const char *name, size_t *len);

#endif
