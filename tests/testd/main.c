/*
 * quill-testd: a daemon built on libquill with routes that exist only to
 * exercise the shared HTTP layer from the integration tests: JSON bodies,
 * per-route body limits, path and query parameters, a slow answer to have
 * requests in flight while the master reloads or stops, and a route that
 * makes its worker die, for the master's restart and crash-loop logic,
 * and GET /whoami, which checks a bearer token the way every daemon other
 * than quill-authd does (lib/verifier, fed from [auth] url).
 *
 * Under /api/test/ it is a backend for quill-gatewayd's tests; every such
 * route answers with X-Backend: $QUILL_TESTD_NAME (default "testd"), so a
 * test can tell which of two upstreams answered:
 *
 *   GET|POST /api/test/headers   the request's method, path and headers
 *                                (names lower-cased; POST adds body_bytes)
 *   POST /api/test/upload        {"bytes": N}, with a 20 MB body limit
 *   GET  /api/test/stall         never answers while the client is there
 *   GET  /api/test/sse           text/event-stream: one event at once, a
 *                                second 1.5 s later, then the end
 *   GET  /api/test/ws            WebSocket echo of text and binary messages
 *   GET  /api/test/status/{code} answers with that status, 200..599
 *   GET|POST /api/test/crash     the worker exits without answering
 *
 * It reads the [gateway] section for its address and worker count, or the
 * section named by $QUILL_TESTD_SECTION ("chat", "ocr"), so that two of it
 * can run beside a gateway from one configuration file.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <h2o/websocket.h>

#include "lib/daemon.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/jwt.h"
#include "lib/router.h"

#define SLOW_MS 1000
#define SSE_GAP_MS 1500		/* between the two events of /api/test/sse */
#define STALL_POLL_MS 200	/* how often a stalled request looks for its client */
#define UPLOAD_MAX (20 * 1024 * 1024)

struct slow_request {
	h2o_timeout_entry_t entry;
	struct http_request *hr;
};

struct stalled_request {
	h2o_timeout_entry_t entry;
	struct http_request *hr;
	int fd;
};

struct sse_stream {
	h2o_generator_t gen;
	h2o_timeout_entry_t entry;
	h2o_req_t *req;
	int writing;		/* h2o_send() may be called again only after proceed */
	int second_due;
};

static h2o_timeout_t slow_timeout, stall_timeout, sse_timeout;
static const char *backend_name = "testd";

/* POST /echo: answers {"received": <the body>, "keys": <member count>}. */
static void
echo(struct http_request *hr)
{
	const struct json_value *body = http_json_body(hr);
	yajl_gen g;
	size_t len;
	const char *name;

	if (body == NULL)
		return;
	if (json_type(body) != JSON_OBJECT) {
		http_send_error(hr, 422, "invalid_body", "the body must be a JSON object");
		return;
	}
	name = json_get_string(body, "name", &len);
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_kv_int(g, "keys", (long long)json_length(body));
	json_gen_key(g, "name");
	if (name != NULL)
		json_gen_string_len(g, name, len);
	else
		json_gen_string(g, NULL);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}

/* GET /items/{id}?q=...: echoes the path and query parameters. */
static void
item(struct http_request *hr)
{
	yajl_gen g = json_gen_new();

	yajl_gen_map_open(g);
	json_gen_kv_string(g, "id", http_param(hr, "id"));
	json_gen_kv_string(g, "q", http_query(hr, "q"));
	json_gen_kv_string(g, "request_id", hr->request_id);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}

/* POST /small: a route with its own 16-byte body limit. */
static void
small(struct http_request *hr)
{
	static const char body[] = "{\"ok\":true}";

	http_send_json(hr, 200, body, sizeof(body) - 1);
}

static void
on_slow_done(h2o_timeout_entry_t *entry)
{
	struct slow_request *s = (struct slow_request *)entry;
	static const char body[] = "{\"slow\":true}";

	http_send_json(s->hr, 200, body, sizeof(body) - 1);
}

static void
slow_dispose(void *p)
{
	struct slow_request *s = p;

	if (h2o_timeout_is_linked(&s->entry))
		h2o_timeout_unlink(&s->entry);
}

/* GET /slow: answers after SLOW_MS without blocking the loop. */
static void
slow(struct http_request *hr)
{
	struct slow_request *s = http_request_alloc(hr, sizeof(*s), slow_dispose);

	memset(s, 0, sizeof(*s));
	s->hr = hr;
	s->entry.cb = on_slow_done;
	h2o_timeout_link(hr->worker->loop, &slow_timeout, &s->entry);
}

/* POST /crash, GET|POST /api/test/crash: the worker exits without answering, as a crashing worker would. */
static void
crash(struct http_request *hr)
{
	_exit(3);
}

/* GET /whoami: the claims of a valid, unrevoked bearer token. */
static void
whoami(struct http_request *hr)
{
	const struct jwt_claims *c = http_authenticate(hr);
	yajl_gen g;

	if (c == NULL)
		return;
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "sub", c->sub);
	json_gen_kv_string(g, "sid", c->sid);
	json_gen_kv_string(g, "role", c->role);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}

/* --- /api/test/: backends for quill-gatewayd's tests --- */

/* Every /api/test route says which backend answered. */
static void
mark_backend(struct http_request *hr)
{
	h2o_add_header_by_str(&hr->req->pool, &hr->req->res.headers, H2O_STRLIT("x-backend"), 0, NULL,
	    backend_name, strlen(backend_name));
}

/*
 * GET|POST /api/test/headers: what reached the backend, names as libh2o
 * keeps them (lower case).  A name sent more than once is listed once with
 * its values joined by ", ", so a header a proxy should have replaced but
 * appended to shows up as such.  libh2o keeps Host, Upgrade and the body's
 * framing headers out of req->headers; Host is added back from the
 * authority.
 */
static void
headers(struct http_request *hr)
{
	h2o_req_t *req = hr->req;
	yajl_gen g = json_gen_new();

	mark_backend(hr);
	yajl_gen_map_open(g);
	json_gen_key(g, "headers");
	yajl_gen_map_open(g);
	if (req->input.authority.len != 0) {
		json_gen_key(g, "host");
		json_gen_string_len(g, req->input.authority.base, req->input.authority.len);
	}
	for (size_t i = 0; i < req->headers.size; i++) {
		h2o_header_t *h = &req->headers.entries[i];
		h2o_iovec_t value = h->value;
		int seen = 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = h2o_memis(req->headers.entries[j].name->base, req->headers.entries[j].name->len,
			    h->name->base, h->name->len);
		if (seen)
			continue;
		for (size_t j = i + 1; j < req->headers.size; j++) {
			h2o_header_t *o = &req->headers.entries[j];

			if (h2o_memis(o->name->base, o->name->len, h->name->base, h->name->len))
				value = h2o_concat(&req->pool, value, h2o_iovec_init(H2O_STRLIT(", ")), o->value);
		}
		json_gen_string_len(g, h->name->base, h->name->len);
		json_gen_string_len(g, value.base, value.len);
	}
	yajl_gen_map_close(g);
	json_gen_key(g, "method");
	json_gen_string_len(g, req->method.base, req->method.len);
	json_gen_key(g, "path");
	json_gen_string_len(g, req->path.base, req->path.len);
	if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST")))
		json_gen_kv_int(g, "body_bytes", req->entity.base != NULL ? (long long)req->entity.len : 0);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}

/* POST /api/test/upload: the size of a body up to UPLOAD_MAX. */
static void
upload(struct http_request *hr)
{
	yajl_gen g = json_gen_new();

	mark_backend(hr);
	yajl_gen_map_open(g);
	json_gen_kv_int(g, "bytes", hr->req->entity.base != NULL ? (long long)hr->req->entity.len : 0);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}

/*
 * libh2o 2.2 stops reading an HTTP/1 connection while its request is being
 * handled, so it would not notice the client closing until it had
 * something to write; a stalled request would then hold its connection
 * (and the worker's drain) for ever.  So it peeks at the socket now and
 * then, and once the client has gone answers into the void: libh2o then
 * closes the connection and frees the request, running stall_dispose.
 */
static void
on_stall_check(h2o_timeout_entry_t *entry)
{
	struct stalled_request *s = (struct stalled_request *)entry;
	char c;
	ssize_t n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))) {
		h2o_timeout_link(s->hr->worker->loop, &stall_timeout, &s->entry);
		return;
	}
	s->hr->req->http1_is_persistent = 0;
	http_send_error(s->hr, 499, "client_closed_request", "the client went away");
}

static void
stall_dispose(void *p)
{
	struct stalled_request *s = p;

	if (h2o_timeout_is_linked(&s->entry))
		h2o_timeout_unlink(&s->entry);
}

/* GET /api/test/stall: parks the request; for the gateway's upstream timeout. */
static void
stall(struct http_request *hr)
{
	struct stalled_request *s = http_request_alloc(hr, sizeof(*s), stall_dispose);
	h2o_conn_t *conn = hr->req->conn;
	h2o_socket_t *sock;

	memset(s, 0, sizeof(*s));
	s->hr = hr;
	s->fd = -1;
	s->entry.cb = on_stall_check;
	mark_backend(hr);
	/* HTTP/2 keeps reading and frees a reset stream's request itself. */
	if (hr->req->version >= 0x200 || conn->callbacks->get_socket == NULL ||
	    (sock = conn->callbacks->get_socket(conn)) == NULL)
		return;
	s->fd = h2o_socket_get_fd(sock);
	h2o_timeout_link(hr->worker->loop, &stall_timeout, &s->entry);
}

static void
sse_send_second(struct sse_stream *s)
{
	static h2o_iovec_t second = { H2O_STRLIT("data: second\n\n") };

	s->second_due = 0;
	s->writing = 1;
	/* FINAL: the request may be gone once this returns; s is not touched again. */
	h2o_send(s->req, &second, 1, H2O_SEND_STATE_FINAL);
}

static void
on_sse_timer(h2o_timeout_entry_t *entry)
{
	struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, entry, entry);

	if (s->writing)
		s->second_due = 1;
	else
		sse_send_second(s);
}

static void
sse_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
	struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, gen, gen);

	s->writing = 0;
	if (s->second_due)
		sse_send_second(s);
}

/* The client went away mid-stream (a write failed): no second event. */
static void
sse_stop(h2o_generator_t *gen, h2o_req_t *req)
{
	struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, gen, gen);

	if (h2o_timeout_is_linked(&s->entry))
		h2o_timeout_unlink(&s->entry);
}

static void
sse_dispose(void *p)
{
	struct sse_stream *s = p;

	if (h2o_timeout_is_linked(&s->entry))
		h2o_timeout_unlink(&s->entry);
}

/*
 * GET /api/test/sse: a stream through libh2o's generator interface, so
 * the first event leaves at once and a proxy that buffered the response
 * would show.  No Content-Length: HTTP/1.1 gets it chunked.
 */
static void
sse(struct http_request *hr)
{
	static h2o_iovec_t first = { H2O_STRLIT("data: first\n\n") };
	struct sse_stream *s = http_request_alloc(hr, sizeof(*s), sse_dispose);
	h2o_req_t *req = hr->req;

	memset(s, 0, sizeof(*s));
	s->gen.proceed = sse_proceed;
	s->gen.stop = sse_stop;
	s->entry.cb = on_sse_timer;
	s->req = req;
	mark_backend(hr);
	req->res.status = 200;
	req->res.reason = "OK";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("text/event-stream"));
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-cache"));
	h2o_start_response(req, &s->gen);
	h2o_timeout_link(hr->worker->loop, &sse_timeout, &s->entry);
	s->writing = 1;
	h2o_send(req, &first, 1, H2O_SEND_STATE_IN_PROGRESS);
}

/*
 * Echoes data messages; wslay answers a close frame with one of its own,
 * after which h2o_websocket_proceed finds nothing left to do and calls
 * here with NULL, as it does when the connection fails.
 */
static void
on_ws_message(h2o_websocket_conn_t *conn, const struct wslay_event_on_msg_recv_arg *arg)
{
	if (arg == NULL) {
		h2o_websocket_close(conn);
		return;
	}
	if (!wslay_is_ctrl_frame(arg->opcode)) {
		struct wslay_event_msg msg = { arg->opcode, arg->msg, arg->msg_length };

		wslay_event_queue_msg(conn->ws_ctx, &msg);	/* copies the payload */
	}
}

/* GET /api/test/ws: a WebSocket echo; the 101 carries X-Backend too. */
static void
ws(struct http_request *hr)
{
	const char *key;

	mark_backend(hr);
	if (h2o_is_websocket_handshake(hr->req, &key) != 0 || key == NULL) {
		http_send_error(hr, 400, "websocket_required", "this route takes a WebSocket upgrade");
		return;
	}
	h2o_upgrade_to_websocket(hr->req, key, NULL, on_ws_message);
}

/* GET /api/test/status/{code}: that status with {"status": code}, for pass-through. */
static void
status(struct http_request *hr)
{
	const char *p = http_param(hr, "code");
	char *end;
	long code = strtol(p, &end, 10);
	char body[32];
	int len;

	mark_backend(hr);
	if (*end != '\0' || code < 200 || code > 599) {
		http_send_error(hr, 400, "invalid_status", "the status must be a number from 200 to 599");
		return;
	}
	if (code == 204 || code == 304) {
		/* These never carry a body. */
		hr->req->res.status = (int)code;
		hr->req->res.reason = code == 204 ? "No Content" : "Not Modified";
		hr->req->res.content_length = 0;
		h2o_send_inline(hr->req, "", 0);
		return;
	}
	len = snprintf(body, sizeof(body), "{\"status\":%ld}", code);
	http_send_json(hr, (int)code, body, (size_t)len);
}

static void
add_routes(struct router *r, const struct config *cfg)
{
	router_add(r, "GET", "/whoami", whoami, 0);
	router_add(r, "POST", "/echo", echo, 0);
	router_add(r, "GET", "/items/{id}", item, 0);
	router_add(r, "POST", "/small", small, 16);
	router_add(r, "GET", "/slow", slow, 0);
	router_add(r, "POST", "/crash", crash, 0);
	router_add(r, "GET", "/api/test/headers", headers, 0);
	router_add(r, "POST", "/api/test/headers", headers, 0);
	router_add(r, "POST", "/api/test/upload", upload, UPLOAD_MAX);
	router_add(r, "GET", "/api/test/stall", stall, 0);
	router_add(r, "GET", "/api/test/sse", sse, 0);
	router_add(r, "GET", "/api/test/ws", ws, 0);
	router_add(r, "GET", "/api/test/status/{code}", status, 0);
	router_add(r, "GET", "/api/test/crash", crash, 0);
	router_add(r, "POST", "/api/test/crash", crash, 0);
}

static int
worker_init(struct worker *w)
{
	h2o_timeout_init(w->loop, &slow_timeout, SLOW_MS);
	h2o_timeout_init(w->loop, &stall_timeout, STALL_POLL_MS);
	h2o_timeout_init(w->loop, &sse_timeout, SSE_GAP_MS);
	return 0;
}

static const struct daemon_def testd_def = {
	.name = "quill-testd",
	.section = "gateway",
	.has_http = 1,
	.has_database = 0,
	.verify_tokens = 1,
	.add_routes = add_routes,
	.worker_init = worker_init,
};

/*
 * Another section also gets another name, and so its own pid file: two
 * instances can then share a configuration file and its run_dir.
 */
int
main(int argc, char **argv)
{
	static struct daemon_def def;
	static char name[64];
	const char *section = getenv("QUILL_TESTD_SECTION");
	const char *backend = getenv("QUILL_TESTD_NAME");

	def = testd_def;
	if (section != NULL && section[0] != '\0' && strcmp(section, testd_def.section) != 0) {
		snprintf(name, sizeof(name), "%s-%s", testd_def.name, section);
		def.name = name;
		def.section = section;
	}
	if (backend != NULL && backend[0] != '\0')
		backend_name = backend;
	return daemon_main(argc, argv, &def);
}
