/* Unit tests for lib/router: literal and parameter segments, 404 vs 405, limits. */
#include <string.h>

#include "lib/router.h"
#include "tests/unit/tap.h"

static enum router_result
match(const struct router *r, const char *method, const char *path, struct router_match *m)
{
	return router_match(r, method, strlen(method), path, strlen(path), m);
}

/* Handlers are told apart by address; the router never calls them. */
static void handler_health(struct http_request *hr) { (void)hr; }
static void handler_job(struct http_request *hr) { (void)hr; }
static void handler_job_delete(struct http_request *hr) { (void)hr; }

int
main(void)
{
	struct router r;
	struct router_match m;
	int h1, h2, h3;
	size_t len;
	const char *v;

	router_init(&r);
	h1 = router_add(&r, "GET", "/healthz", handler_health, 0);
	h2 = router_add(&r, "GET", "/api/ocr/jobs/{id}", handler_job, 0);
	h3 = router_add(&r, "DELETE", "/api/ocr/jobs/{id}", handler_job_delete, 0);
	router_add(&r, "GET", "/api/chat/conversations/{cid}/messages/{mid}", NULL, 4096);
	router_add(&r, "POST", "/api/chat/conversations/{cid}/messages/{mid}", NULL, 0);
	is_int(h1, 0, "first route gets index 0");
	is_int(h2, 1, "the second 1");
	is_int(h3, 2, "indexes follow insertion order");

	is_int(match(&r, "GET", "/healthz", &m), ROUTER_FOUND, "literal route matches");
	ok(m.route != NULL && m.route->handler == handler_health, "literal route carries its handler");
	is_int(match(&r, "GET", "/healthz/", &m), ROUTER_NOT_FOUND, "trailing slash is another path");
	is_int(match(&r, "GET", "/health", &m), ROUTER_NOT_FOUND, "prefix of a literal does not match");
	is_int(match(&r, "GET", "/healthzz", &m), ROUTER_NOT_FOUND, "longer literal does not match");
	is_int(match(&r, "GET", "/", &m), ROUTER_NOT_FOUND, "root is not routed");
	is_int(match(&r, "GET", "", &m), ROUTER_NOT_FOUND, "empty path is not routed");

	is_int(match(&r, "GET", "/api/ocr/jobs/abc-123", &m), ROUTER_FOUND, "parameter route matches");
	v = router_param(&m, "id", &len);
	ok(v != NULL && len == 7 && memcmp(v, "abc-123", 7) == 0, "parameter value is the segment");
	ok(router_param(&m, "nope", &len) == NULL && len == 0, "unknown parameter is NULL");
	is_int(match(&r, "GET", "/api/ocr/jobs/", &m), ROUTER_NOT_FOUND, "empty parameter does not match");
	is_int(match(&r, "GET", "/api/ocr/jobs/a/b", &m), ROUTER_NOT_FOUND, "parameter is one segment only");
	is_int(match(&r, "DELETE", "/api/ocr/jobs/x", &m), ROUTER_FOUND, "same path, other method");
	ok(m.route->handler == handler_job_delete, "method picks the route");

	is_int(match(&r, "POST", "/api/ocr/jobs/x", &m), ROUTER_METHOD_NOT_ALLOWED, "wrong method is 405");
	is_str(m.allow, "GET, DELETE", "Allow lists the methods of the path");
	is_int(match(&r, "PUT", "/healthz", &m), ROUTER_METHOD_NOT_ALLOWED, "wrong method on a literal");
	is_str(m.allow, "GET", "Allow for a literal");
	is_int(match(&r, "get", "/healthz", &m), ROUTER_METHOD_NOT_ALLOWED, "methods are case-sensitive");

	is_int(match(&r, "GET", "/api/chat/conversations/c1/messages/m2", &m), ROUTER_FOUND, "two parameters");
	is_int(m.nparams, 2, "both parameters captured");
	v = router_param(&m, "mid", &len);
	ok(v != NULL && len == 2 && memcmp(v, "m2", 2) == 0, "second parameter value");
	is_int((long long)m.route->max_body, 4096, "per-route body limit kept");

	is_int(router_add(&r, "GET", "no-slash", NULL, 0), -1, "pattern must start with /");
	is_int(router_add(&r, "GET", "/a/{", NULL, 0), -1, "unterminated parameter refused");
	is_int(router_add(&r, "GET", "/a/{}", NULL, 0), -1, "empty parameter name refused");
	is_int(router_add(&r, "GET", "/a/x{y}", NULL, 0), -1, "brace inside a literal refused");
	is_int(router_add(&r, "GET", "/{a}/{b}/{c}/{d}/{e}", NULL, 0), -1, "too many parameters refused");
	is_int(r.refused, 5, "every refusal is counted for the daemon to check at start");

	/* Prefix routes: method "*" and a last segment "*". */
	{
		struct router pr;
		struct router_match pm;

		router_init(&pr);
		is_int(router_add(&pr, "GET", "/a/*/b", NULL, 0), -1, "\"*\" only as the last segment");
		is_int(router_add(&pr, "GET", "/a/x*", NULL, 0), -1, "\"*\" inside a literal refused");
		ok(router_add(&pr, "GET", "/api/auth/me", NULL, 0) == 0, "exact route before the prefix");
		ok(router_add(&pr, "*", "/api/auth/*", NULL, 0) == 1, "prefix route with any method");
		is_int(router_match(&pr, "GET", 3, "/api/auth/me", 12, &pm), ROUTER_FOUND, "exact route wins by order");
		is_int(pm.route->index, 0, "  the exact one");
		is_int(router_match(&pr, "DELETE", 6, "/api/auth/me", 12, &pm), ROUTER_FOUND, "other method: prefix");
		is_int(pm.route->index, 1, "  the prefix one");
		is_int(router_match(&pr, "POST", 4, "/api/auth", 9, &pm), ROUTER_FOUND, "prefix matches itself");
		is_int(router_match(&pr, "POST", 4, "/api/auth/", 10, &pm), ROUTER_FOUND, "and with a slash");
		is_int(router_match(&pr, "PATCH", 5, "/api/auth/sessions/x/y", 22, &pm), ROUTER_FOUND,
		    "and deeper paths");
		is_int(router_match(&pr, "GET", 3, "/api/authx", 10, &pm), ROUTER_NOT_FOUND,
		    "but not a longer segment");
		is_int(router_match(&pr, "GET", 3, "/api", 4, &pm), ROUTER_NOT_FOUND, "nor a shorter path");
	}

	/* A full table refuses further routes rather than overflowing. */
	{
		struct router full;
		int last = 0;

		router_init(&full);
		for (int i = 0; i < ROUTER_MAX_ROUTES + 1; i++)
			last = router_add(&full, "GET", "/x", NULL, 0);
		is_int(last, -1, "route table bound holds");
	}
	return done_testing();
}
