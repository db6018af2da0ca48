/*
 * http: dispatch, responses, request ids, the JSON error filter, the
 * access log and request metrics, over libh2o 2.2's evloop.
 *
 * libh2o calls on_req() for every request on "/", after it has read the
 * whole body (libh2o 2.2 buffers request bodies; it refuses a body over
 * gconf.max_request_entity_size itself, as soon as Content-Length or the
 * chunked stream says so).  Errors libh2o sends on its own are text/plain;
 * json_error_filter turns them into quill's JSON error format so a client
 * sees one format whatever refused its request.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include <sodium.h>

#include "lib/config.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/jwt.h"
#include "lib/log.h"
#include "lib/metrics.h"

#define STATUS_CLASSES 5

/*
 * A request line or header block larger than a client needs.  libh2o
 * takes up to about 400 kB of head before it refuses one itself; these
 * answer earlier, with the JSON error every other refusal has.  The
 * sizes are those of the common servers' defaults (8 KiB a line).
 */
#define MAX_TARGET_LEN		8192	/* path and query */
#define MAX_HEADER_LEN		8192	/* one field, name and value */
#define MAX_HEADERS_LEN		32768	/* every field together */

struct quill_handler {
	h2o_handler_t super;
	struct http_server *srv;
};

struct quill_logger {
	h2o_logger_t super;
	struct http_server *srv;
};

/* Series ids, registered in the master before fork and so the same in every worker. */
static metrics_id requests_base = -1, latency_base = -1, connections_gauge = -1;

/*
 * The route each request was dispatched to, for the access logger, which
 * runs when the response ends.  A small direct-mapped table keyed by the
 * request's address: a request found here needs no second router match; a
 * miss (libh2o answered before dispatch, or a collision) matches again.
 */
#define ROUTE_MEMO_SIZE 256
static struct {
	const h2o_req_t *req;
	int route;
} route_memo[ROUTE_MEMO_SIZE];

static size_t
route_memo_slot(const h2o_req_t *req)
{
	return ((uintptr_t)req >> 4) % ROUTE_MEMO_SIZE;
}

/* Request ids: a random per-worker prefix and a counter; unique, and cheap to make. */
static char id_prefix[17];
static uint64_t id_counter;

static const char *
status_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 507: return "Insufficient Storage";
	default: return status < 400 ? "OK" : "Error";
	}
}

/* The code word of the JSON error format for errors libh2o raises itself. */
static const char *
status_code_word(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 408: return "request_timeout";
	case 413: return "payload_too_large";
	case 414: return "uri_too_long";
	case 417: return "expectation_failed";
	case 431: return "headers_too_large";
	case 502: return "bad_gateway";
	case 503: return "unavailable";
	case 504: return "gateway_timeout";
	default: return status < 500 ? "bad_request" : "internal_error";
	}
}

/* Compares the media type of a Content-Type value (parameters and case ignored). */
static int
media_type_is(h2o_iovec_t value, const char *type)
{
	const char *semi = memchr(value.base, ';', value.len);	/* values are not NUL-terminated */
	size_t len = semi != NULL ? (size_t)(semi - value.base) : value.len;

	while (len > 0 && (value.base[len - 1] == ' ' || value.base[len - 1] == '\t'))
		len--;
	return h2o_lcstris(value.base, len, type, strlen(type));
}

static int
request_id_valid(const char *s, size_t len)
{
	if (len == 0 || len > HTTP_REQUEST_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':')
			return 0;
	}
	return 1;
}

/* prefix + 16 hex digits of the counter: written by hand, this is on every request's path. */
static void
format_request_id(char id[HTTP_REQUEST_ID_MAX + 1], uint64_t n)
{
	static const char hex[] = "0123456789abcdef";

	memcpy(id, id_prefix, 16);
	for (int i = 31; i >= 16; i--, n >>= 4)
		id[i] = hex[n & 15];
	id[32] = '\0';
}

/* Deletes every X-Request-Id of the response after the one at index keep. */
static void
request_id_dedup(h2o_req_t *req, ssize_t keep)
{
	ssize_t i;

	while ((i = h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), keep)) != -1)
		h2o_delete_header(&req->res.headers, i);
}

/*
 * Fills id with the request's id and makes sure the response carries it,
 * once: the id already on the response, else a valid incoming
 * X-Request-Id, else a new one.
 */
static void
request_id_assign(h2o_req_t *req, char id[HTTP_REQUEST_ID_MAX + 1])
{
	ssize_t i;

	/* A service behind a proxy sets it too: taken only when it is one we would make. */
	if ((i = h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1)) != -1 &&
	    request_id_valid(req->res.headers.entries[i].value.base, req->res.headers.entries[i].value.len)) {
		h2o_iovec_t v = req->res.headers.entries[i].value;

		memcpy(id, v.base, v.len);
		id[v.len] = '\0';
		request_id_dedup(req, i);
		return;
	}
	while (i != -1) {
		h2o_delete_header(&req->res.headers, i);
		i = h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1);
	}
	i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
	if (i != -1 && request_id_valid(req->headers.entries[i].value.base, req->headers.entries[i].value.len)) {
		h2o_iovec_t v = req->headers.entries[i].value;

		memcpy(id, v.base, v.len);
		id[v.len] = '\0';
	} else {
		if (id_prefix[0] == '\0') {
			unsigned char r[8];

			randombytes_buf(r, sizeof(r));
			sodium_bin2hex(id_prefix, sizeof(id_prefix), r, sizeof(r));
		}
		format_request_id(id, ++id_counter);
	}
	h2o_iovec_t copy = h2o_strdup(&req->pool, id, SIZE_MAX);
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL, copy.base, copy.len);
}

/* Writes the JSON error document for status into the pool. */
static h2o_iovec_t
error_document(h2o_mem_pool_t *pool, const char *code, const char *message, const char *request_id)
{
	yajl_gen g = json_gen_new();
	const char *text;
	size_t len;
	h2o_iovec_t out;

	yajl_gen_map_open(g);
	json_gen_key(g, "error");
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "code", code);
	json_gen_kv_string(g, "message", message);
	json_gen_kv_string(g, "request_id", request_id);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	text = json_gen_text(g, &len);
	out = h2o_strdup(pool, text, len);
	yajl_gen_free(g);
	return out;
}

static void
send_body(h2o_req_t *req, int status, const char *content_type, size_t ct_len, const char *body, size_t len)
{
	req->res.status = status;
	req->res.reason = status_reason(status);
	req->res.content_length = len;
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type, ct_len);
	h2o_send_inline(req, body, len);
}

void
http_send_json(struct http_request *hr, int status, const char *json, size_t len)
{
	send_body(hr->req, status, H2O_STRLIT("application/json"), json, len);
}

void
http_send_gen(struct http_request *hr, int status, yajl_gen g)
{
	size_t len;
	const char *text = json_gen_text(g, &len);

	http_send_json(hr, status, text, len);
	yajl_gen_free(g);
}

void
http_send_text(struct http_request *hr, int status, const char *content_type, const char *body, size_t len)
{
	send_body(hr->req, status, content_type, strlen(content_type), body, len);
}

void
http_send_unauthorized(struct http_request *hr, const char *code, const char *message)
{
	static const char missing[] = "Bearer realm=\"quill\"";
	static const char invalid[] = "Bearer realm=\"quill\", error=\"invalid_token\"";
	int is_missing = strcmp(code, "missing_token") == 0;

	h2o_add_header(&hr->req->pool, &hr->req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
	    is_missing ? missing : invalid, is_missing ? sizeof(missing) - 1 : sizeof(invalid) - 1);
	http_send_error(hr, 401, code, message);
}

const char *
http_bearer_token(struct http_request *hr, size_t *len)
{
	ssize_t i = h2o_find_header(&hr->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
	h2o_iovec_t v;

	if (i == -1)
		return NULL;
	v = hr->req->headers.entries[i].value;
	if (v.len < 8 || strncasecmp(v.base, "bearer ", 7) != 0)
		return NULL;
	*len = v.len - 7;
	return v.base + 7;
}

const struct jwt_claims *
http_authenticate(struct http_request *hr)
{
	struct jwt_claims *c = h2o_mem_alloc_pool(&hr->req->pool, sizeof(*c));
	const char *token, *why;
	char msg[64];
	size_t len;

	if ((token = http_bearer_token(hr, &len)) == NULL) {
		http_send_unauthorized(hr, "missing_token", "an Authorization: Bearer token is required");
		return NULL;
	}
	if (hr->srv->hooks.check_token == NULL) {
		http_send_error(hr, 503, "auth_unavailable", "tokens cannot be checked here");
		return NULL;
	}
	switch (hr->srv->hooks.check_token(hr->srv->hooks.check_arg, token, len, (int64_t)time(NULL), c, &why)) {
	case VERIFIER_OK:
		return c;
	case VERIFIER_UNAVAILABLE:
		h2o_add_header(&hr->req->pool, &hr->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
		    H2O_STRLIT("1"));
		http_send_error(hr, 503, "auth_unavailable", "tokens cannot be checked right now; try again");
		return NULL;
	case VERIFIER_REVOKED:
		http_send_unauthorized(hr, "invalid_token", "the session has ended");
		return NULL;
	case VERIFIER_INVALID:
		break;
	}
	snprintf(msg, sizeof(msg), "the token is not valid (%s)", why);
	http_send_unauthorized(hr, "invalid_token", msg);
	return NULL;
}

void
http_send_no_content(struct http_request *hr)
{
	hr->req->res.status = 204;
	hr->req->res.reason = status_reason(204);
	/* A 204 has no body and, by RFC 9110, no Content-Length either. */
	hr->req->res.content_length = SIZE_MAX;
	h2o_send_inline(hr->req, "", 0);
}

void
http_send_error(struct http_request *hr, int status, const char *code, const char *message)
{
	h2o_iovec_t doc = error_document(&hr->req->pool, code, message, hr->request_id);

	http_send_json(hr, status, doc.base, doc.len);
}

/* --- the filter that gives libh2o's own errors the JSON format --- */

struct json_error_ostream {
	h2o_ostream_t super;
	h2o_iovec_t body;
};

static void
json_error_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt, h2o_send_state_t state)
{
	struct json_error_ostream *o = (struct json_error_ostream *)self;
	h2o_iovec_t body = o->body;

	/* The original text/plain body is dropped; ours goes out with the first call (none for HEAD). */
	o->body.base = NULL;
	if (body.base != NULL && !h2o_memis(req->input.method.base, req->input.method.len, H2O_STRLIT("HEAD")))
		h2o_ostream_send_next(self, req, &body, 1, state);
	else
		h2o_ostream_send_next(self, req, NULL, 0, state);
}

/*
 * What libh2o's proxy logged when it gave up on an upstream, or NULL: its
 * 502s say "connection failure", "I/O timeout" and the like.
 */
static const char *
proxy_error(h2o_req_t *req, size_t *len)
{
	for (size_t i = req->error_logs.size; i > 0; i--) {
		h2o_req_error_log_t *e = &req->error_logs.entries[i - 1];

		if (strcmp(e->module, "lib/core/proxy.c") == 0) {
			*len = e->msg.len;
			return e->msg.base;
		}
	}
	return NULL;
}

/*
 * Gives a text/plain error libh2o wrote the JSON format; a proxy that
 * waited in vain for its upstream is a 504, not the 502 libh2o says.
 * Returns the slot for the next filter.
 */
static h2o_ostream_t **
json_error_rewrite(h2o_req_t *req, h2o_ostream_t **slot)
{
	ssize_t ct;
	char id[HTTP_REQUEST_ID_MAX + 1];

	request_id_assign(req, id);
	ct = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
	if (req->res.status >= 400 && ct != -1 && media_type_is(req->res.headers.entries[ct].value, "text/plain")) {
		struct json_error_ostream *o;
		const char *upstream_error;
		char message[96];
		size_t len = 0;

		snprintf(message, sizeof(message), "%s", req->res.status == 413 ?
		    "request body is larger than the limit" : status_reason(req->res.status));
		req->res.reason = status_reason(req->res.status);
		if (req->res.status == 502 && (upstream_error = proxy_error(req, &len)) != NULL) {
			if (h2o_memis(upstream_error, len, H2O_STRLIT("I/O timeout"))) {
				req->res.status = 504;
				req->res.reason = status_reason(504);
				snprintf(message, sizeof(message), "the service did not answer in time");
			} else
				snprintf(message, sizeof(message), "the service could not be reached (%.*s)",
				    (int)(len > 48 ? 48 : len), upstream_error);
		}
		o = (struct json_error_ostream *)h2o_add_ostream(req, sizeof(*o), slot);
		o->super.do_send = json_error_do_send;
		o->body = error_document(&req->pool, status_code_word(req->res.status), message, id);
		req->res.headers.entries[ct].value = h2o_iovec_init(H2O_STRLIT("application/json"));
		req->res.content_length = o->body.len;
		slot = &o->super.next;
	}
	return slot;
}

/* On the host's fallback path: libh2o's answers before any handler. */
static void
json_error_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
	h2o_setup_next_ostream(req, json_error_rewrite(req, slot));
}

/*
 * On the handlers' path: every response, the handlers' own and those a
 * handler passed to libh2o's proxy, meets the daemon's hook, and a proxy
 * error is rewritten like libh2o's other errors.
 */
struct response_filter {
	h2o_filter_t super;
	struct http_server *srv;
};

static void
response_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
	struct http_server *srv = ((struct response_filter *)self)->srv;

	slot = json_error_rewrite(req, slot);
	srv->hooks.on_response(req);
	h2o_setup_next_ostream(req, slot);
}

/* --- metrics and the access log --- */

static void
route_label(const struct router_route *rt, char *buf, size_t size)
{
	if (rt == NULL)
		snprintf(buf, size, "route=\"unmatched\"");
	else
		snprintf(buf, size, "route=\"%s %s\"", rt->method, rt->pattern);
}

void
http_metrics_register(const struct router *r)
{
	char labels[160], route[128];

	for (int i = 0; i <= r->nroutes; i++) {
		route_label(i < r->nroutes ? &r->routes[i] : NULL, route, sizeof(route));
		for (int c = 1; c <= STATUS_CLASSES; c++) {
			metrics_id id;

			snprintf(labels, sizeof(labels), "%s,code=\"%dxx\"", route, c);
			id = metrics_register(METRICS_COUNTER, "quill_http_requests_total", labels,
			    "HTTP responses by route and status class.");
			if (requests_base < 0)
				requests_base = id;
		}
	}
	for (int i = 0; i <= r->nroutes; i++) {
		metrics_id id;

		route_label(i < r->nroutes ? &r->routes[i] : NULL, route, sizeof(route));
		id = metrics_register(METRICS_HISTOGRAM, "quill_http_request_duration_seconds", route,
		    "Time from the first byte of a request to the end of its response.");
		if (latency_base < 0)
			latency_base = id;
	}
	connections_gauge = metrics_register(METRICS_GAUGE, "quill_http_connections", "",
	    "Client connections open.");
}

static void
format_peer(h2o_conn_t *conn, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = conn->callbacks->get_peername(conn, (struct sockaddr *)&ss);

	buf[0] = '-';
	buf[1] = '\0';
	if (len == 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, (socklen_t)size);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, (socklen_t)size);
	else if (ss.ss_family == AF_UNIX)
		snprintf(buf, size, "unix");
}

static void
on_log_access(h2o_logger_t *self, h2o_req_t *req)
{
	struct http_server *srv = ((struct quill_logger *)self)->srv;
	struct router_match m;
	struct timeval now;
	uint64_t us = 0;
	int route, cls;

	gettimeofday(&now, NULL);
	if (req->timestamps.request_begin_at.tv_sec != 0) {
		long long d = (long long)(now.tv_sec - req->timestamps.request_begin_at.tv_sec) * 1000000 +
		    (now.tv_usec - req->timestamps.request_begin_at.tv_usec);
		us = d > 0 ? (uint64_t)d : 0;
	}
	route = srv->router->nroutes;
	size_t slot = route_memo_slot(req);
	if (route_memo[slot].req == req) {
		route = route_memo[slot].route;
		route_memo[slot].req = NULL;
	} else if (router_match(srv->router, req->method.base, req->method.len, req->path_normalized.base,
	    req->path_normalized.len, &m) == ROUTER_FOUND)
		route = m.route->index;
	cls = req->res.status / 100;
	if (cls < 1 || cls > STATUS_CLASSES)
		cls = 5;
	metrics_add(requests_base + route * STATUS_CLASSES + (cls - 1), 1);
	metrics_observe_us(latency_base + route, us);

	if (srv->access_log && log_enabled(LOG_LEVEL_INFO)) {
		char path[512], method[32], peer[INET6_ADDRSTRLEN], id[HTTP_REQUEST_ID_MAX + 1];
		ssize_t i = h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1);

		id[0] = '-';
		id[1] = '\0';
		if (i != -1 && req->res.headers.entries[i].value.len <= HTTP_REQUEST_ID_MAX) {
			memcpy(id, req->res.headers.entries[i].value.base, req->res.headers.entries[i].value.len);
			id[req->res.headers.entries[i].value.len] = '\0';
		}
		format_peer(req->conn, peer, sizeof(peer));
		log_info("event=access method=%s path=%s status=%d bytes=%zu duration_us=%llu peer=%s request_id=%s",
		    log_quote(method, sizeof(method), req->method.base, req->method.len),
		    log_quote(path, sizeof(path), req->path.base, req->path.len), req->res.status,
		    req->bytes_sent, (unsigned long long)us, peer, id);
	}
}

/* --- dispatch --- */

/* 0, or the status of a request whose head is too large to serve. */
static int
head_too_large(const h2o_req_t *req)
{
	size_t total = 0;

	if (req->path.len > MAX_TARGET_LEN)
		return 414;
	for (size_t i = 0; i < req->headers.size; i++) {
		size_t len = req->headers.entries[i].name->len + req->headers.entries[i].value.len;

		if (len > MAX_HEADER_LEN || (total += len) > MAX_HEADERS_LEN)
			return 431;
	}
	return 0;
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct http_server *srv = ((struct quill_handler *)self)->srv;
	struct http_request *hr = h2o_mem_alloc_pool(&req->pool, sizeof(*hr));
	size_t limit;

	hr->req = req;
	hr->srv = srv;
	hr->worker = srv->hooks.worker;
	request_id_assign(req, hr->request_id);
	switch (head_too_large(req)) {
	case 414:
		req->http1_is_persistent = 0;
		http_send_error(hr, 414, "uri_too_long", "the request target is longer than 8192 bytes");
		return 0;
	case 431:
		req->http1_is_persistent = 0;
		http_send_error(hr, 431, "headers_too_large",
		    "a header field is longer than 8192 bytes, or all of them than 32768");
		return 0;
	}
	switch (router_match(srv->router, req->method.base, req->method.len, req->path_normalized.base,
	    req->path_normalized.len, &hr->match)) {
	case ROUTER_NOT_FOUND:
		http_send_error(hr, 404, "not_found", "no such route");
		return 0;
	case ROUTER_METHOD_NOT_ALLOWED: {
		h2o_iovec_t allow = h2o_strdup(&req->pool, hr->match.allow, SIZE_MAX);

		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, allow.base, allow.len);
		http_send_error(hr, 405, "method_not_allowed", "method not allowed for this route");
		return 0;
	}
	case ROUTER_FOUND:
		break;
	}
	route_memo[route_memo_slot(req)].req = req;
	route_memo[route_memo_slot(req)].route = hr->match.route->index;
	limit = hr->match.route->max_body != 0 ? hr->match.route->max_body : srv->max_body;
	if (req->entity.base != NULL && req->entity.len > limit) {
		req->http1_is_persistent = 0;
		http_send_error(hr, 413, "payload_too_large", "request body is larger than the limit");
		return 0;
	}
	hr->match.route->handler(hr);
	return 0;
}

static void
on_connection_closed(void *data)
{
	struct http_server *srv = data;

	srv->connections--;
	metrics_gauge_set(connections_gauge, (int64_t)srv->connections);
}

static void on_accept(h2o_socket_t *listener, const char *err);

static void
on_accept_resume(h2o_timeout_entry_t *entry)
{
	struct http_server *srv = H2O_STRUCT_FROM_MEMBER(struct http_server, accept_resume, entry);

	if (srv->listener != NULL)
		h2o_socket_read_start(srv->listener, on_accept);
}

static void
on_accept(h2o_socket_t *listener, const char *err)
{
	struct http_server *srv = listener->data;
	h2o_socket_t *sock;

	if (err != NULL)
		return;
	if ((sock = h2o_evloop_socket_accept(listener)) == NULL) {
		/*
		 * Out of descriptors: the pending connection stays in the queue
		 * and the listener stays readable, so pause accepting for a
		 * moment rather than spin.
		 */
		if (errno == EMFILE || errno == ENFILE) {
			log_warn("event=accept_paused");
			h2o_socket_read_stop(listener);
			h2o_timeout_link(srv->ctx.loop, &srv->accept_pause, &srv->accept_resume);
		}
		return;
	}
	srv->connections++;
	metrics_gauge_set(connections_gauge, (int64_t)srv->connections);
	sock->on_close.cb = on_connection_closed;
	sock->on_close.data = srv;
	h2o_accept(&srv->accept_ctx, sock);
}

static void
register_logger(h2o_pathconf_t *pathconf, struct http_server *s)
{
	struct quill_logger *lg = (struct quill_logger *)h2o_create_logger(pathconf, sizeof(*lg));

	lg->super.log_access = on_log_access;
	lg->srv = s;
}

int
http_check_config(const struct config *cfg, char *err, size_t errsize)
{
	struct netmask nets[HTTP_METRICS_ALLOW_MAX];
	char msg[160];

	if (netmask_parse_list(config_str(cfg, "http", "metrics_allow"), nets, HTTP_METRICS_ALLOW_MAX, msg,
	    sizeof(msg)) < 0) {
		snprintf(err, errsize, "[http] metrics_allow: %s", msg);
		return -1;
	}
	return 0;
}

bool
http_peer_may_read_metrics(struct http_request *hr)
{
	struct sockaddr_storage ss;
	socklen_t len = hr->req->conn->callbacks->get_peername(hr->req->conn, (struct sockaddr *)&ss);

	if (len == 0)
		return false;
	if (ss.ss_family == AF_INET)
		return netmask_contains(hr->srv->metrics_allow, hr->srv->nmetrics_allow, AF_INET,
		    (const unsigned char *)&((struct sockaddr_in *)&ss)->sin_addr);
	if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;

		/* An IPv4 client of a dual-stack listener is ::ffff:a.b.c.d: its IPv4 address counts. */
		if (IN6_IS_ADDR_V4MAPPED(a))
			return netmask_contains(hr->srv->metrics_allow, hr->srv->nmetrics_allow, AF_INET,
			    a->s6_addr + 12);
		return netmask_contains(hr->srv->metrics_allow, hr->srv->nmetrics_allow, AF_INET6, a->s6_addr);
	}
	return false;	/* a unix socket has no address to allow */
}

int
http_server_start(struct http_server *s, h2o_loop_t *loop, const struct config *cfg, int listen_fd,
    const struct router *r, const struct http_hooks *hooks)
{
	h2o_hostconf_t *host;
	h2o_pathconf_t *root;
	struct quill_handler *h;
	size_t largest;
	char err[160];

	memset(s, 0, sizeof(*s));
	s->router = r;
	s->hooks = *hooks;
	s->nmetrics_allow = netmask_parse_list(config_str(cfg, "http", "metrics_allow"), s->metrics_allow,
	    HTTP_METRICS_ALLOW_MAX, err, sizeof(err));
	if (s->nmetrics_allow < 0)
		return -1;	/* http_check_config refused it at start already */
	s->max_body = (size_t)config_size(cfg, "http", "max_body");
	s->access_log = config_bool(cfg, "log", "access");
	largest = s->max_body;
	for (int i = 0; i < r->nroutes; i++)
		if (r->routes[i].max_body > largest)
			largest = r->routes[i].max_body;

	/*
	 * libh2o keeps a request body in its socket buffer, which grows by
	 * doubling; once it reaches the threshold it is an unlinked file
	 * libh2o maps, so a large upload never sits in the heap.  A libh2o global: one per worker.
	 */
	snprintf(h2o_socket_buffer_mmap_settings.fn_template, sizeof(h2o_socket_buffer_mmap_settings.fn_template),
	    "%s/quill-body.XXXXXX", config_str(cfg, "http", "body_buffer_dir"));
	h2o_socket_buffer_mmap_settings.threshold = (size_t)config_size(cfg, "http", "body_memory");

	h2o_config_init(&s->gconf);
	/*
	 * No Server header: it tells a scanner what runs here, and libh2o
	 * writes it with a sprintf per response, a measurable share of a
	 * small request's user time.
	 */
	s->gconf.server_name = h2o_iovec_init("", 0);
	s->gconf.max_request_entity_size = largest;
	s->gconf.http1.req_timeout = (uint64_t)config_duration_ms(cfg, "http", "keepalive_timeout");
	s->gconf.http2.idle_timeout = s->gconf.http1.req_timeout;
	host = h2o_config_register_host(&s->gconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	root = h2o_config_register_path(host, "/", 0);
	h = (struct quill_handler *)h2o_create_handler(root, sizeof(*h));
	h->super.on_req = on_req;
	h->srv = s;
	register_logger(root, s);
	register_logger(&host->fallback_path, s);
	/*
	 * libh2o answers on its own (413, broken chunked encoding) before a
	 * request reaches a handler, under the host's fallback path; every
	 * response of our handlers is JSON already, so only there is the
	 * rewriting filter needed.
	 */
	h2o_create_filter(&host->fallback_path, sizeof(h2o_filter_t))->on_setup_ostream = json_error_setup;
	if (s->hooks.on_response != NULL) {
		struct response_filter *f = (struct response_filter *)h2o_create_filter(root, sizeof(*f));

		f->super.on_setup_ostream = response_setup;
		f->srv = s;
	}
	/*
	 * Upstream idle connections are closed by the proxy's pool; a Via
	 * header would only tell a client what runs here.
	 */
	s->gconf.proxy.emit_via_header = 0;

	h2o_context_init(&s->ctx, loop, &s->gconf);
	h2o_timeout_init(loop, &s->accept_pause, 100);
	s->accept_resume.cb = on_accept_resume;
	s->accept_ctx.ctx = &s->ctx;
	s->accept_ctx.hosts = s->gconf.hosts;
	s->accept_ctx.ssl_ctx = s->hooks.ssl_ctx;
	s->listener = h2o_evloop_socket_create(loop, listen_fd, H2O_SOCKET_FLAG_DONT_READ);
	if (s->listener == NULL)
		return -1;
	s->listener->data = s;
	h2o_socket_read_start(s->listener, on_accept);
	return 0;
}

void
http_server_drain(struct http_server *s)
{
	if (s->draining)
		return;
	s->draining = 1;
	if (h2o_timeout_is_linked(&s->accept_resume))
		h2o_timeout_unlink(&s->accept_resume);
	if (s->listener != NULL) {
		h2o_socket_read_stop(s->listener);
		h2o_socket_close(s->listener);
		s->listener = NULL;
	}
	/* From here on libh2o answers with "Connection: close". */
	h2o_context_request_shutdown(&s->ctx);
}

void
http_server_dispose(struct http_server *s)
{
	http_server_drain(s);
	/*
	 * The context is left as it is: libh2o asserts that its timeouts
	 * are empty, which a keep-alive connection still open contradicts,
	 * and it holds nothing a program that goes on would miss.
	 */
	h2o_config_dispose(&s->gconf);
}

/* --- request helpers --- */

static void
json_dispose(void *p)
{
	json_free(*(struct json_value **)p);
}

void *
http_request_alloc(struct http_request *hr, size_t size, void (*dispose)(void *))
{
	return h2o_mem_alloc_shared(&hr->req->pool, size, dispose);
}

const struct json_value *
http_json_body(struct http_request *hr)
{
	h2o_req_t *req = hr->req;
	ssize_t ct = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
	struct json_value **slot;
	char err[160];

	if (ct == -1 || !media_type_is(req->headers.entries[ct].value, "application/json")) {
		http_send_error(hr, 415, "unsupported_media_type", "the body must be application/json");
		return NULL;
	}
	if (req->entity.base == NULL || req->entity.len == 0) {
		http_send_error(hr, 400, "invalid_json", "a JSON body is required");
		return NULL;
	}
	slot = http_request_alloc(hr, sizeof(*slot), json_dispose);
	*slot = json_parse(req->entity.base, req->entity.len, JSON_DEFAULT_MAX_DEPTH, req->entity.len, err,
	    sizeof(err));
	if (*slot == NULL) {
		http_send_error(hr, 400, "invalid_json", err);
		return NULL;
	}
	return *slot;
}

const char *
http_param(struct http_request *hr, const char *name)
{
	size_t len;
	const char *v = router_param(&hr->match, name, &len);

	return v == NULL ? NULL : h2o_strdup(&hr->req->pool, v, len).base;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

const char *
http_query(struct http_request *hr, const char *name)
{
	size_t len;

	return http_query_n(hr, name, &len);
}

const char *
http_query_n(struct http_request *hr, const char *name, size_t *len)
{
	h2o_req_t *req = hr->req;
	size_t nlen = strlen(name);
	const char *p, *end;

	if (req->query_at == SIZE_MAX)
		return NULL;
	p = req->path.base + req->query_at + 1;
	end = req->path.base + req->path.len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pair_end = amp != NULL ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pair_end - p));
		const char *key_end = eq != NULL ? eq : pair_end;

		if ((size_t)(key_end - p) == nlen && memcmp(p, name, nlen) == 0) {
			const char *v = eq != NULL ? eq + 1 : pair_end;
			char *out = h2o_mem_alloc_pool(&req->pool, (size_t)(pair_end - v) + 1), *o = out;

			while (v < pair_end) {
				if (*v == '%' && pair_end - v >= 3 && hexval(v[1]) >= 0 && hexval(v[2]) >= 0) {
					*o++ = (char)(hexval(v[1]) * 16 + hexval(v[2]));
					v += 3;
				} else if (*v == '+') {
					*o++ = ' ';
					v++;
				} else
					*o++ = *v++;
			}
			*o = '\0';
			*len = (size_t)(o - out);
			return out;
		}
		p = pair_end + 1;
	}
	return NULL;
}
