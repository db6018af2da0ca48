/*
 * test_http: lib/http on its own, with no lib/daemon above it: a server
 * started on a loop of the test's with hooks of the test's, and requests
 * over real loopback sockets.  The token check and the response hook are
 * the ones handed in; the worker pointer reaches handlers untouched;
 * /metrics-style checks follow [http] metrics_allow by the peer's own
 * address; every response has one X-Request-Id and JSON errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/http.h"
#include "lib/metrics.h"
#include "tests/unit/evloop_wait.h"
#include "tests/unit/tap.h"

static int worker_marker;
#define TEST_WORKER ((struct worker *)(void *)&worker_marker)
static int token_checks;

static enum verifier_result
fake_check_token(void *arg, const char *token, size_t len, int64_t now, struct jwt_claims *out, const char **why)
{
	(void)now;
	token_checks++;
	if (arg != &token_checks)
		return VERIFIER_UNAVAILABLE;
	*why = "malformed";
	if (len == 4 && memcmp(token, "good", 4) == 0) {
		memset(out, 0, sizeof(*out));
		snprintf(out->sub, sizeof(out->sub), "user-1");
		*why = "ok";
		return VERIFIER_OK;
	}
	if (len == 7 && memcmp(token, "revoked", 7) == 0)
		return VERIFIER_REVOKED;
	if (len == 4 && memcmp(token, "down", 4) == 0)
		return VERIFIER_UNAVAILABLE;
	return VERIFIER_INVALID;
}

static void
add_hooked(h2o_req_t *req)
{
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-hooked"), 0, NULL, H2O_STRLIT("yes"));
}

static void
who(struct http_request *hr)
{
	const struct jwt_claims *c = http_authenticate(hr);

	if (c != NULL)
		http_send_text(hr, 200, "text/plain", c->sub, strlen(c->sub));
}

static void
metrics_like(struct http_request *hr)
{
	if (!http_peer_may_read_metrics(hr)) {
		http_send_error(hr, 403, "forbidden", "not for you");
		return;
	}
	http_send_text(hr, 200, "text/plain", "metrics", 7);
}

static void
worker_is(struct http_request *hr)
{
	if (hr->worker == TEST_WORKER)
		http_send_text(hr, 200, "text/plain", "same", 4);
	else
		http_send_error(hr, 500, "internal_error", "another worker");
}

/* A listening socket on 127.0.0.1, any port; *port gets it. */
static int
listen_any(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

struct exchange {
	int fd;
	char buf[8192];
	size_t len;
	bool done;
};

/* Reads what has arrived; done at EOF or error. */
static bool
exchange_poll(struct exchange *x)
{
	while (!x->done) {
		ssize_t n = recv(x->fd, x->buf + x->len, sizeof(x->buf) - 1 - x->len, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			x->done = true;		/* the server closed (Connection: close), or it broke */
		if (n <= 0)
			break;
		x->len += (size_t)n;
		if (x->len == sizeof(x->buf) - 1)
			x->done = true;
	}
	x->buf[x->len] = '\0';
	return x->done;
}

/* One request from source address from (NULL: any), answered with Connection: close; the whole answer in x. */
static void
request(struct exchange *x, int port, const char *from, const char *path, const char *token)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char req[512];
	int n;

	memset(x, 0, sizeof(*x));
	x->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (from != NULL) {
		struct sockaddr_in src = { .sin_family = AF_INET };

		inet_pton(AF_INET, from, &src.sin_addr);
		if (bind(x->fd, (struct sockaddr *)&src, sizeof(src)) != 0)
			fprintf(stderr, "# bind %s: %s\n", from, strerror(errno));
	}
	/* a loopback connect completes at once, the listener's backlog takes it */
	if (connect(x->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		fprintf(stderr, "# connect: %s\n", strerror(errno));
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s%s%s\r\n", path,
	    token != NULL ? "Authorization: Bearer " : "", token != NULL ? token : "", token != NULL ? "\r\n" : "");
	if (write(x->fd, req, (size_t)n) != n)
		fprintf(stderr, "# write: %s\n", strerror(errno));
	WAIT_FOR(exchange_poll(x), 3000);
	close(x->fd);
}

static int
status_of(const struct exchange *x)
{
	int st = 0;

	return sscanf(x->buf, "HTTP/1.1 %d", &st) == 1 ? st : 0;
}

static int
count_header(const struct exchange *x, const char *name)
{
	int n = 0;
	size_t len = strlen(name);

	for (const char *p = strstr(x->buf, "\r\n"); p != NULL && p[2] != '\r'; p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, name, len) == 0 && p[2 + len] == ':')
			n++;
	return n;
}

/*
 * The servers live until exit, as a daemon's worker's do: at file scope
 * they stay reachable, so what libh2o holds for them is no leak.
 */
static struct http_server srv, bare;
static struct router r;

int
main(void)
{
	struct config *cfg;
	struct exchange x;
	char err[256];
	int fd, port, fd2, port2;
	struct http_hooks hooks = {
		.worker = TEST_WORKER,
		.check_token = fake_check_token,
		.check_arg = &token_checks,
		.on_response = add_hooked,
	};
	struct http_hooks no_hooks = { .worker = NULL };

	setenv("QUILL_HTTP_METRICS_ALLOW", "127.0.0.2", 1);
	setenv("QUILL_LOG_ACCESS", "no", 1);
	if ((cfg = config_load(NULL, err, sizeof(err))) == NULL) {
		ok(0, err);
		return done_testing();
	}
	is_int(http_check_config(cfg, err, sizeof(err)), 0, "metrics_allow 127.0.0.2 is taken");
	router_init(&r);
	router_add(&r, "GET", "/who", who, 0);
	router_add(&r, "GET", "/m", metrics_like, 0);
	router_add(&r, "GET", "/worker", worker_is, 0);
	http_metrics_register(&r);
	metrics_freeze(1);
	loop = h2o_evloop_create();
	fd = listen_any(&port);
	fd2 = listen_any(&port2);
	ok(fd != -1 && fd2 != -1, "listening on loopback");
	is_int(http_server_start(&srv, loop, cfg, fd, &r, &hooks), 0, "a server starts with hooks and no daemon");
	is_int(http_server_start(&bare, loop, cfg, fd2, &r, &no_hooks), 0, "and one with no hooks at all");

	request(&x, port, NULL, "/who", "good");
	is_int(status_of(&x), 200, "a token the hook accepts: 200");
	ok(strstr(x.buf, "\r\n\r\nuser-1") != NULL, "  the handler sees the hook's claims");
	is_int(count_header(&x, "x-hooked"), 1, "  the response hook ran");
	is_int(count_header(&x, "x-request-id"), 1, "  one X-Request-Id");
	request(&x, port, NULL, "/who", "revoked");
	ok(status_of(&x) == 401 && strstr(x.buf, "\"invalid_token\"") != NULL, "a revoked token: 401 invalid_token");
	request(&x, port, NULL, "/who", "down");
	ok(status_of(&x) == 503 && count_header(&x, "retry-after") == 1, "no word from the verifier: 503 with Retry-After");
	request(&x, port, NULL, "/who", "bogus");
	ok(status_of(&x) == 401 && strstr(x.buf, "malformed") != NULL, "an invalid token: 401 saying why");
	request(&x, port, NULL, "/who", NULL);
	ok(status_of(&x) == 401 && strstr(x.buf, "\"missing_token\"") != NULL, "no token: 401 missing_token");
	is_int(token_checks, 4, "the hook was asked once per token");
	request(&x, port, NULL, "/worker", NULL);
	is_int(status_of(&x), 200, "handlers get the hooks' worker pointer as it was given");

	request(&x, port, NULL, "/m", NULL);
	ok(status_of(&x) == 403 && strstr(x.buf, "\"forbidden\"") != NULL, "peer 127.0.0.1, allow 127.0.0.2: refused");
	request(&x, port, "127.0.0.2", "/m", NULL);
	is_int(status_of(&x), 200, "peer 127.0.0.2: allowed");
	request(&x, port, NULL, "/nowhere", NULL);
	ok(status_of(&x) == 404 && strstr(x.buf, "\"not_found\"") != NULL && count_header(&x, "x-request-id") == 1,
	    "an unknown path: 404 JSON with one X-Request-Id");

	request(&x, port2, NULL, "/who", "good");
	ok(status_of(&x) == 503 && strstr(x.buf, "auth_unavailable") != NULL,
	    "without a token check, a route that needs a token: 503");
	is_int(count_header(&x, "x-hooked"), 0, "  and no response hook runs");
	is_int(token_checks, 4, "  the other server's hook was not asked");

	setenv("QUILL_HTTP_METRICS_ALLOW", "127.0.0.1 nonsense", 1);
	config_free(cfg);
	cfg = config_load(NULL, err, sizeof(err));
	ok(cfg != NULL && http_check_config(cfg, err, sizeof(err)) == -1, "a metrics_allow that does not parse is refused");
	ok(strstr(err, "\"nonsense\"") != NULL, "  naming the word");
	http_server_drain(&srv);
	http_server_drain(&bare);
	spin(50);
	http_server_dispose(&srv);
	http_server_dispose(&bare);
	config_free(cfg);
	return done_testing();
}
