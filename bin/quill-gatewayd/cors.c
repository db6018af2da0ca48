/*
 * cors.c: cross-origin requests from browsers, decided at the gateway.
 *
 * A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
 * answered here and never reaches a service.  An allowed origin gets the
 * Access-Control-* headers from [gateway] cors_*; any other origin gets
 * none, on the preflight or on any response, so the browser keeps the
 * response from the page; a service's own Access-Control-* headers are
 * dropped.  Responses vary by Origin, and say so, so a
 * cache in between never hands one origin's answer to another.
 */
#include <string.h>

#include "lib/http.h"
#include "bin/quill-gatewayd/gateway.h"

/* Headers a page may read besides the simple ones. */
static const char expose[] = "X-Request-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";

static bool
origin_allowed(h2o_iovec_t origin)
{
	if (gw.any_origin)
		return true;
	for (int i = 0; i < gw.norigins; i++)
		if (h2o_lcstris(origin.base, origin.len, gw.origins[i], strlen(gw.origins[i])))
			return true;
	return false;
}

/* The request's Origin when it is allowed; base NULL otherwise. */
static h2o_iovec_t
allowed_origin(h2o_req_t *req)
{
	ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), -1);

	if (i == -1 || !origin_allowed(req->headers.entries[i].value))
		return h2o_iovec_init(NULL, 0);
	return req->headers.entries[i].value;
}

static void
add_origin_headers(h2o_req_t *req, h2o_iovec_t origin)
{
	h2o_mem_pool_t *pool = &req->pool;

	if (gw.any_origin && !gw.cors_credentials)
		h2o_add_header(pool, &req->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, NULL, H2O_STRLIT("*"));
	else
		h2o_add_header(pool, &req->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, NULL, origin.base,
		    origin.len);
	if (gw.cors_credentials)
		h2o_add_header_by_str(pool, &req->res.headers, H2O_STRLIT("access-control-allow-credentials"), 0,
		    NULL, H2O_STRLIT("true"));
}

bool
gw_cors_preflight(struct http_request *hr)
{
	h2o_req_t *req = hr->req;
	h2o_iovec_t origin;

	if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("OPTIONS")) ||
	    h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), -1) == -1 ||
	    h2o_find_header_by_str(&req->headers, H2O_STRLIT("access-control-request-method"), -1) == -1)
		return false;
	origin = allowed_origin(req);
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Origin"));
	if (origin.base == NULL) {
		http_send_error(hr, 403, "origin_not_allowed", "cross-origin requests from this origin are not allowed");
		return true;
	}
	add_origin_headers(req, origin);
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("access-control-allow-methods"), 0, NULL,
	    gw.cors_methods, strlen(gw.cors_methods));
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("access-control-allow-headers"), 0, NULL,
	    gw.cors_headers, strlen(gw.cors_headers));
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("access-control-max-age"), 0, NULL,
	    gw.cors_max_age, strlen(gw.cors_max_age));
	http_send_no_content(hr);
	return true;
}

void
gw_cors_headers(h2o_req_t *req)
{
	h2o_iovec_t origin;

	ssize_t i;

	if (gw.norigins == 0 && !gw.any_origin)
		return;
	if (req->res.status == 204 && h2o_find_header_by_str(&req->res.headers,
	    H2O_STRLIT("access-control-allow-methods"), -1) != -1)
		return;		/* a preflight answered here */
	/* The gateway alone decides: a service's own CORS headers go. */
	for (i = (ssize_t)req->res.headers.size - 1; i >= 0; i--) {
		h2o_iovec_t *name = req->res.headers.entries[i].name;

		if (name->len > 15 && h2o_lcstris(name->base, 15, H2O_STRLIT("access-control-")))
			h2o_delete_header(&req->res.headers, i);
	}
	/* The answer depends on Origin whether or not this one is allowed: caches must know. */
	if (!gw.any_origin || gw.cors_credentials)
		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Origin"));
	if ((origin = allowed_origin(req)).base == NULL)
		return;
	add_origin_headers(req, origin);
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("access-control-expose-headers"), 0, NULL,
	    expose, sizeof(expose) - 1);
}
