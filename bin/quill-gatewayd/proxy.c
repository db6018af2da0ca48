/*
 * proxy.c: a request on a route's prefix, from the client to a service.
 *
 * In order, each step answering the request itself when it must:
 *
 *   0. what is not the services' API, /internal and /metrics, is a 404
 *      (the gateway's own /metrics is lib/health's, for metrics_allow);
 *   1. a CORS preflight is answered here (cors.c);
 *   2. the client address's bucket of the route (429);
 *   3. on a token route, the bearer token (401, or 503 while the tokens
 *      cannot be checked), then the user's bucket (429);
 *   4. the headers are rewritten: every client-sent X-Quill-* is dropped
 *      and X-Quill-User-Id / X-Quill-Role are set from the verified token
 *      only, so a service can believe them, with X-Quill-Client-Ip the
 *      address the limits counted; X-Request-Id is the request's id; a
 *      client's own X-Forwarded-For is dropped unless it came through a
 *      trusted proxy (forward.c appends the peer's address);
 *   5. an upstream is picked (503 at once when none can take it) and the
 *      request goes to it over that upstream's pool (forward.c).
 *
 * The answer, the upstream's or forward.c's 502/504, gets the RateLimit
 * headers from on_upstream_response(); a refused or broken connection
 * tells upstream.c through on_upstream_failure().  Every response, the
 * gateway's own included, gets the CORS headers in gw_on_response().
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/daemon.h"
#include "lib/http.h"
#include "lib/jwt.h"
#include "lib/metrics.h"
#include "bin/quill-gatewayd/gateway.h"

/* What the gateway remembers of a proxied request. */
struct gw_request {
	struct gw_worker *worker;
	int route;
	struct gw_upstream *upstream;
	struct ratelimit_result limit;	/* the tighter of the two buckets */
	bool limited;			/* limit holds a rule's result */
};

static void
gw_request_dispose(void *p)
{
	struct gw_request *gr = p;

	if (gr->upstream != NULL)
		gr->upstream->inflight--;
}

/* Without snprintf: three of these go with every proxied response. */
static void
add_uint_header(h2o_req_t *req, const char *name, size_t name_len, uint64_t v)
{
	char *buf = h2o_mem_alloc_pool(&req->pool, 20), *end = buf + 20, *p = end;

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	h2o_add_header_by_str(&req->pool, &req->res.headers, name, name_len, 0, NULL, p, (size_t)(end - p));
}

static uint64_t
seconds_up(uint64_t ms)
{
	return (ms + 999) / 1000;
}

static void
add_limit_headers(h2o_req_t *req, const struct ratelimit_result *r)
{
	add_uint_header(req, H2O_STRLIT("ratelimit-limit"), r->limit);
	add_uint_header(req, H2O_STRLIT("ratelimit-remaining"), r->remaining);
	add_uint_header(req, H2O_STRLIT("ratelimit-reset"), seconds_up(r->reset_ms));
}

/* Keeps in *kept the result that leaves the client fewer requests. */
static void
keep_tighter(struct gw_request *gr, const struct ratelimit_result *r)
{
	if (r->limit == 0)
		return;
	if (!gr->limited || r->remaining < gr->limit.remaining || !r->allowed)
		gr->limit = *r;
	gr->limited = true;
}

static bool
take_token(struct http_request *hr, struct gw_request *gr, const struct gw_route *rt, const void *key,
    size_t keylen, const struct ratelimit_rule *rule, metrics_id limited)
{
	struct ratelimit_result r;
	char msg[160];

	if (rule->limit == 0)
		return true;
	if (ratelimit_take(gw_limits, key, keylen, rule, h2o_now(hr->worker->loop), &r)) {
		keep_tighter(gr, &r);
		return true;
	}
	metrics_add(limited, 1);
	add_uint_header(hr->req, H2O_STRLIT("retry-after"), seconds_up(r.retry_after_ms));
	add_limit_headers(hr->req, &r);
	snprintf(msg, sizeof(msg), "too many requests on %s; retry in %llu s", rt->name,
	    (unsigned long long)seconds_up(r.retry_after_ms));
	http_send_error(hr, 429, "rate_limited", msg);
	return false;
}

/*
 * A bucket's key: the route, what is counted, and who.  Routes share no
 * bucket, so login's strict limit is its own.
 */
static size_t
bucket_key(unsigned char *key, size_t size, int route, char kind, const void *who, size_t who_len)
{
	if (who_len > size - 2)
		who_len = size - 2;
	key[0] = (unsigned char)route;
	key[1] = (unsigned char)kind;
	memcpy(key + 2, who, who_len);
	return who_len + 2;
}

static bool
is_quill_header(const h2o_iovec_t *name)
{
	return name->len >= 8 && strncasecmp(name->base, "x-quill-", 8) == 0;
}

/* Step 4: the headers the service gets. */
static void
rewrite_headers(struct http_request *hr, const struct jwt_claims *claims, bool believe_forwarded_for)
{
	h2o_req_t *req = hr->req;
	h2o_headers_t out = { NULL, 0, 0 };
	h2o_iovec_t v;

	h2o_vector_reserve(&req->pool, &out, req->headers.size + 3);
	for (size_t i = 0; i != req->headers.size; i++) {
		const h2o_header_t *h = &req->headers.entries[i];

		if (is_quill_header(h->name) || h2o_lcstris(h->name->base, h->name->len, H2O_STRLIT("x-request-id")))
			continue;
		if (h->name == &H2O_TOKEN_X_FORWARDED_FOR->buf && !believe_forwarded_for)
			continue;
		out.entries[out.size++] = *h;
	}
	req->headers = out;
	v = h2o_strdup(&req->pool, hr->request_id, SIZE_MAX);
	h2o_add_header_by_str(&req->pool, &req->headers, H2O_STRLIT("x-request-id"), 0, NULL, v.base, v.len);
	if (claims != NULL) {
		v = h2o_strdup(&req->pool, claims->sub, SIZE_MAX);
		h2o_add_header_by_str(&req->pool, &req->headers, H2O_STRLIT("x-quill-user-id"), 0, NULL, v.base, v.len);
		v = h2o_strdup(&req->pool, claims->role, SIZE_MAX);
		h2o_add_header_by_str(&req->pool, &req->headers, H2O_STRLIT("x-quill-role"), 0, NULL, v.base, v.len);
	}
}

/* Whether path is prefix itself or below it, by whole segments. */
static bool
is_under(h2o_iovec_t path, const char *prefix, size_t n)
{
	return path.len >= n && memcmp(path.base, prefix, n) == 0 && (path.len == n || path.base[n] == '/');
}

/*
 * Paths of the services that are not the API: their internal feeds
 * (authd's revocations) and their /metrics.  The gateway reaches a
 * service from loopback, which every service's metrics_allow lets in, so
 * forwarding /metrics would serve it to anyone.
 */
static bool
is_not_api(h2o_iovec_t path)
{
	return is_under(path, H2O_STRLIT("/internal")) || is_under(path, H2O_STRLIT("/metrics"));
}

/*
 * The path the service gets: the normalised path that was routed and
 * authorised, percent-encoded again (libh2o decoded it whole, so a %0D%0A
 * or a %252e%252e must not reach the service as a line break or as a
 * second round of decoding), then the query as the client sent it.
 * Returns base NULL when the query holds bytes no request line may.
 */
static h2o_iovec_t
upstream_path(h2o_req_t *req)
{
	h2o_iovec_t path = h2o_uri_escape(&req->pool, req->path_normalized.base, req->path_normalized.len, "/@:");
	h2o_iovec_t query;

	if (req->query_at == SIZE_MAX)
		return path;
	query = h2o_iovec_init(req->path.base + req->query_at, req->path.len - req->query_at);
	for (size_t i = 0; i < query.len; i++) {
		unsigned char c = (unsigned char)query.base[i];

		if (c <= 0x20 || c >= 0x7f)
			return h2o_iovec_init(NULL, 0);
	}
	return h2o_concat(&req->pool, path, query);
}

static void
on_upstream_response(void *arg, h2o_req_t *req)
{
	struct gw_request *gr = arg;

	if (gr->limited && req->res.status != 429)
		add_limit_headers(req, &gr->limit);
}

/*
 * A refused or broken connection cools the upstream down; a slow answer
 * (forward.c's 504) is not told, or one slow request could take a
 * service out.
 */
static void
on_upstream_failure(void *arg, const char *why)
{
	struct gw_request *gr = arg;

	gw_upstream_failed(gr->upstream, why, strlen(why));
}

/* A refused connection cools the upstream down; the request goes to another if one can take it. */
static struct fwd_pool *
on_upstream_reroute(void *arg, const char *why)
{
	struct gw_request *gr = arg;
	struct gw_upstream *u;

	gw_upstream_failed(gr->upstream, why, strlen(why));
	if ((u = gw_upstream_pick(gr->worker, gr->route)) == NULL || u == gr->upstream)
		return NULL;
	gr->upstream->inflight--;
	u->inflight++;
	gr->upstream = u;
	return &u->pool;
}

static const struct fwd_hooks upstream_hooks = { on_upstream_response, on_upstream_failure, on_upstream_reroute };

/* A client's client address for services: the one this gateway decided on. */
static void
add_client_header(h2o_req_t *req, const struct gw_client_addr *client)
{
	char text[INET6_ADDRSTRLEN];
	h2o_iovec_t v;

	if (client->len == 0 || inet_ntop(client->family, client->addr, text, sizeof(text)) == NULL)
		return;
	v = h2o_strdup(&req->pool, text, SIZE_MAX);
	h2o_add_header_by_str(&req->pool, &req->headers, H2O_STRLIT("x-quill-client-ip"), 0, NULL, v.base, v.len);
}

void
gw_proxy(struct http_request *hr)
{
	struct gw_worker *g = hr->worker->app;
	int route = gw_route_of_router_index[hr->match.route->index];
	const struct gw_route *rt = &gw.routes[route];
	const struct jwt_claims *claims = NULL;
	struct gw_client_addr client;
	struct gw_request *gr;
	struct gw_upstream *u;
	unsigned char key[80];
	size_t keylen;
	h2o_iovec_t path;
	struct fwd_options opt;

	if (is_not_api(hr->req->path_normalized)) {
		http_send_error(hr, 404, "not_found", "no such route");
		return;
	}
	if (gw_cors_preflight(hr))
		return;
	if ((path = upstream_path(hr->req)).base == NULL) {
		http_send_error(hr, 400, "bad_request", "the query holds characters a URL may not");
		return;
	}
	/* Two tokens: which one a service would read is anybody's guess. */
	if (h2o_find_header(&hr->req->headers, H2O_TOKEN_AUTHORIZATION,
	    h2o_find_header(&hr->req->headers, H2O_TOKEN_AUTHORIZATION, -1)) != -1) {
		http_send_error(hr, 400, "bad_request", "more than one Authorization header");
		return;
	}
	gr = http_request_alloc(hr, sizeof(*gr), gw_request_dispose);
	memset(gr, 0, sizeof(*gr));
	gw_client_addr(hr->req, &client);
	/* An IPv6 client is its /64: one machine is given a whole one to pick addresses from. */
	keylen = bucket_key(key, sizeof(key), route, 'i', client.addr, client.len == 16 ? 8 : client.len);
	if (!take_token(hr, gr, rt, key, keylen, &rt->rate_ip, rt->limited_ip))
		return;
	if (!rt->public) {
		if ((claims = http_authenticate(hr)) == NULL)
			return;
		keylen = bucket_key(key, sizeof(key), route, 'u', claims->sub, strlen(claims->sub));
		if (!take_token(hr, gr, rt, key, keylen, &rt->rate_user, rt->limited_user))
			return;
	}
	if ((u = gw_upstream_pick(g, route)) == NULL) {
		add_uint_header(hr->req, H2O_STRLIT("retry-after"), seconds_up(gw_upstream_retry_ms(g, route)));
		http_send_error(hr, 503, "service_unavailable", "no instance of the service can take requests now");
		return;
	}
	rewrite_headers(hr, claims, client.via_trusted_proxy);
	add_client_header(hr->req, &client);
	gr->worker = g;
	gr->route = route;
	gr->upstream = u;
	u->inflight++;
	opt = (struct fwd_options){
		.pool = &u->pool,
		.io_timeout = &g->routes[route].io_timeout,
		.websocket_timeout = rt->websocket ? &g->routes[route].websocket_timeout : NULL,
		.path = path,
		.hooks = &upstream_hooks,
		.arg = gr,
	};
	fwd_request(hr, &opt);
}

void
gw_on_response(h2o_req_t *req)
{
	gw_cors_headers(req);
}
