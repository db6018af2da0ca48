/*
 * http: quill's layer over libh2o's event loop.
 *
 * One h2o handler per worker receives every request and dispatches it
 * through the router to a `http_handler`.  Around that it provides what
 * every daemon must do the same way:
 *
 *   - a request id: a valid incoming X-Request-Id is kept, otherwise one is
 *     made; it is echoed in the response and named in every log line;
 *   - the JSON error format {"error":{"code","message","request_id"}} for
 *     every error, including those libh2o produces itself once it has a
 *     request (413 for a body over the limit, 400 for broken chunked
 *     encoding), which are rewritten by a response filter.  The one
 *     exception: a request libh2o cannot parse at all (a malformed request
 *     line, too many or too large headers) gets its plain 400 written
 *     straight to the socket, before there is a request to answer;
 *   - 404 for an unknown path, 405 with Allow for a known path and a wrong
 *     method, 413 above the route's body limit, 414 for a request target
 *     over 8 KiB, 431 for a header field over 8 KiB or all of them over
 *     32 KiB;
 *   - an access-log line and the request metrics for every response.
 *
 * A handler must eventually send exactly one response with one of the
 * http_send_* functions, now or later from a callback on the same loop.
 * The http_request lives in the h2o request's memory pool.
 */
#ifndef QUILL_HTTP_H
#define QUILL_HTTP_H

#include <h2o.h>
#include <yajl/yajl_gen.h>

#include "lib/netmask.h"
#include "lib/router.h"
#include "lib/verifier.h"

struct config;
struct worker;
struct json_value;

#define HTTP_REQUEST_ID_MAX 64
#define HTTP_METRICS_ALLOW_MAX 32

struct http_server;

struct http_request {
	h2o_req_t *req;
	struct http_server *srv;
	struct worker *worker;		/* the hooks' worker, for handlers; opaque here */
	struct router_match match;
	char request_id[HTTP_REQUEST_ID_MAX + 1];
};

/* A route's handler; router_add takes exactly this type. */
typedef router_handler http_handler;

/*
 * What the program above lib/http hands it when a server starts, so that
 * lib/http needs nothing of the skeleton that sets it up (lib/daemon):
 * the per-worker state handlers reach, the bearer-token check, a hook on
 * every response, the TLS context.
 */
struct http_hooks {
	/* Given to every handler as hr->worker; lib/http never looks inside. */
	struct worker *worker;
	/*
	 * Checks a bearer token for http_authenticate(), as verifier_check()
	 * does (check_arg is its first argument).  NULL: no token can be
	 * checked, every http_authenticate() answers 503.
	 */
	enum verifier_result (*check_token)(void *check_arg, const char *token, size_t len, int64_t now,
	    struct jwt_claims *out, const char **why);
	void *check_arg;
	/*
	 * Optional: sees every response of a handler as it starts (one passed
	 * to a proxy or streamed included) and may add headers to it.
	 */
	void (*on_response)(h2o_req_t *req);
	/* The TLS context the listener speaks, or NULL for cleartext. */
	SSL_CTX *ssl_ctx;
};

struct http_server {
	h2o_globalconf_t gconf;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept_ctx;
	h2o_socket_t *listener;
	const struct router *router;
	struct http_hooks hooks;
	struct netmask metrics_allow[HTTP_METRICS_ALLOW_MAX];	/* [http] metrics_allow */
	int nmetrics_allow;
	size_t connections;
	size_t max_body;
	int access_log;
	int draining;
	h2o_timeout_t accept_pause;		/* out of descriptors: wait, then accept again */
	h2o_timeout_entry_t accept_resume;
};

/* In the master, before fork: registers the per-route request metrics. */
void http_metrics_register(const struct router *r);
/*
 * The [http] settings a start would refuse (metrics_allow that does not
 * parse): 0, or -1 after writing one line into err.  For -t, start and reload.
 */
int http_check_config(const struct config *cfg, char *err, size_t errsize);
/*
 * In a worker: sets up h2o on loop with the [http] settings of cfg (which
 * must outlive the server) and starts accepting from listen_fd.
 */
int http_server_start(struct http_server *s, h2o_loop_t *loop, const struct config *cfg, int listen_fd,
    const struct router *r, const struct http_hooks *hooks);
/* Stops accepting; responses from now on close their connection. */
void http_server_drain(struct http_server *s);
/*
 * Frees the configuration http_server_start made, draining the server
 * first; the server must not be used again.  A worker never needs it
 * (it exits); a program that runs a server and goes on does.
 */
void http_server_dispose(struct http_server *s);

void http_send_json(struct http_request *hr, int status, const char *json, size_t len);
/* Sends what g generated and frees g. */
void http_send_gen(struct http_request *hr, int status, yajl_gen g);
void http_send_text(struct http_request *hr, int status, const char *content_type, const char *body, size_t len);
/*
 * Answers 401 with WWW-Authenticate: Bearer and the JSON error; code is
 * "missing_token" or "invalid_token".
 */
void http_send_unauthorized(struct http_request *hr, const char *code, const char *message);

/*
 * The claims of the request's bearer token, checked by the worker's
 * verifier (signature, expiry, issuer, revocation), or NULL after
 * answering: 401 for a missing, invalid or revoked token, 503 when the
 * verifier has no fresh word from quill-authd.  The claims live in the
 * request's pool.  Only for daemons with verify_tokens set.
 */
struct jwt_claims;
const struct jwt_claims *http_authenticate(struct http_request *hr);
/*
 * Whether the connection's peer, its TCP address and never a header, is
 * one of [http] metrics_allow: who may read /metrics.
 */
bool http_peer_may_read_metrics(struct http_request *hr);
/* The token of "Authorization: Bearer <token>" (not NUL-terminated), or NULL. */
const char *http_bearer_token(struct http_request *hr, size_t *len);

/* 204 No Content. */
void http_send_no_content(struct http_request *hr);
/* The JSON error format; code is a short snake_case word ("not_found"). */
void http_send_error(struct http_request *hr, int status, const char *code, const char *message);

/*
 * The request body as JSON.  Answers the request itself and returns NULL
 * when the body is not JSON (415), malformed (400) or missing (400); the
 * returned tree is freed with the request.
 */
const struct json_value *http_json_body(struct http_request *hr);

/* The named path parameter as a NUL-terminated string in the request pool, or NULL. */
const char *http_param(struct http_request *hr, const char *name);
/* The named query-string parameter (percent-decoded), or NULL. */
const char *http_query(struct http_request *hr, const char *name);
/* The same, with the decoded value's length in *len: a %00 in it is a byte like any other. */
const char *http_query_n(struct http_request *hr, const char *name, size_t *len);

/*
 * Allocates size bytes in the request's pool; `dispose` runs when the
 * request ends however it ends (the client may disconnect while a
 * callback is pending: dispose is where such a callback is cancelled).
 */
void *http_request_alloc(struct http_request *hr, size_t size, void (*dispose)(void *));

#endif
