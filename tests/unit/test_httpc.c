/*
 * test_httpc: the curl-on-h2o HTTP client against a tiny HTTP server.
 *
 * The server runs on a thread of its own, on 127.0.0.1 and an ephemeral
 * port: plain blocking sockets, one connection at a time, one request per
 * connection ("Connection: close"), every read and write bounded by a
 * socket timeout.  The path says how to answer (see serve()).  Every wait
 * on the loop is bounded, so a broken client fails checks instead of
 * hanging the test.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/httpc.h"
#include "tests/unit/tap.h"
#include "tests/unit/evloop_wait.h"

#define MAX_HUNG	8

/* The server, and what the last request it read carried. */
static struct {
	int		 lfd;
	int		 port;
	int		 stop[2];
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	char		 method[16];
	char		 path[256];
	char		 header[128];	/* X-Quill-Test */
	char		 body[256];
	int		 hung[MAX_HUNG];	/* connections never answered */
	int		 nhung;
} srv = { .mu = PTHREAD_MUTEX_INITIALIZER };

static char base[64];		/* "http://127.0.0.1:<port>" */
static int in_request;		/* set around httpc_request */
static int cb_in_request;	/* a callback ran inside it */

/* What one request's callbacks saw. */
struct result {
	int			 calls;
	long			 status;
	char			 err[256];
	int			 has_err;
	char			 body[256];
	size_t			 body_len;
	char			 retry_after[64];
	int			 has_retry_after;
	int			 chunks;
	char			 streamed[256];
	size_t			 streamed_len;
	int			 abort_at;	/* on_data returns -1 on this chunk */
	int			 abandon_at;	/* on_data abandons self on this chunk */
	struct httpc		*client;	/* for callbacks that make requests */
	struct httpc_call	*self;
	struct httpc_call	*made;		/* what a request from a callback returned */
	struct result		*next;		/* where that request reports */
	int			 made_tried;
};

/* The server. */

static void
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	/* a client that gave up must not kill the test with SIGPIPE */
	while (len > 0 && (n = send(fd, p, len, MSG_NOSIGNAL)) > 0) {
		p += n;
		len -= (size_t)n;
	}
}

static void
reply(int fd, const char *status, const char *extra, const char *body)
{
	char head[512];

	snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Length: %zu\r\n%s"
	    "Connection: close\r\n\r\n", status, strlen(body), extra);
	write_all(fd, head, strlen(head));
	write_all(fd, body, strlen(body));
}

static void
chunk(int fd, const char *data, size_t len)
{
	char head[32];

	snprintf(head, sizeof head, "%zx\r\n", len);
	write_all(fd, head, strlen(head));
	write_all(fd, data, len);
	write_all(fd, "\r\n", 2);
}

/* A header's value in the request head, or "". */
static void
header_value(const char *head, const char *name, char *out, size_t size)
{
	const char *p = head;
	size_t n = strlen(name), len;

	out[0] = '\0';
	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			len = strcspn(p, "\r\n");
			snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), p);
			return;
		}
	}
}

/* Reads one request; returns 0, or -1 when it did not come whole. */
static int
read_request(int fd, char *buf, size_t size, char **body, size_t *body_len)
{
	size_t len = 0, want;
	char cl[32], *end;
	ssize_t n;

	while ((end = (buf[len] = '\0', strstr(buf, "\r\n\r\n"))) == NULL) {
		if (len + 1 >= size || (n = read(fd, buf + len, size - 1 - len)) <= 0)
			return -1;
		len += (size_t)n;
	}
	*body = end + 4;
	header_value(buf, "Content-Length", cl, sizeof cl);
	want = (size_t)atol(cl);
	if (*body - buf + want >= size)
		return -1;
	while ((size_t)(buf + len - *body) < want) {
		if ((n = read(fd, buf + len, size - 1 - len)) <= 0)
			return -1;
		len += (size_t)n;
	}
	*body_len = want;
	(*body)[want] = '\0';
	return 0;
}

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Answers according to the path; returns 1 when fd was kept open. */
static int
serve(int fd, const char *path, const char *body)
{
	static char big[65536 + 1];
	int i;

	if (strcmp(path, "/hello") == 0)
		reply(fd, "200 OK", "Content-Type: application/json\r\n", "{\"hello\":\"world\"}");
	else if (strcmp(path, "/echo") == 0)
		reply(fd, "200 OK", "", body);
	else if (strcmp(path, "/busy") == 0)
		reply(fd, "429 Too Many Requests", "retry-after:   7  \r\n", "slow down");
	else if (strcmp(path, "/big") == 0) {
		memset(big, 'x', sizeof big - 1);
		reply(fd, "200 OK", "", big);
	} else if (strcmp(path, "/bigchunked") == 0 || strcmp(path, "/stream") == 0) {
		static const char *const parts[] = { "one", "two", "three" };
		const char *head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Connection: close\r\n\r\n";

		write_all(fd, head, strlen(head));
		memset(big, 'x', sizeof big - 1);
		for (i = 0; path[1] == 'b' && i < 16; i++)
			chunk(fd, big, 4096);
		for (i = 0; path[1] == 's' && i < 3; i++) {
			chunk(fd, parts[i], strlen(parts[i]));
			pause_ms(100);	/* so they arrive apart */
		}
		write_all(fd, "0\r\n\r\n", 5);
	} else if (strcmp(path, "/slow") == 0) {
		pause_ms(300);
		reply(fd, "200 OK", "", "late");
	} else if (strncmp(path, "/n/", 3) == 0)
		reply(fd, "200 OK", "", path + 3);
	else if (strcmp(path, "/hang") == 0 && srv.nhung < MAX_HUNG) {
		srv.hung[srv.nhung++] = fd;
		return 1;
	} else if (strcmp(path, "/close") != 0)
		reply(fd, "404 Not Found", "", "{\"error\":\"not found\"}");
	return 0;
}

static void
serve_connection(int fd)
{
	struct timeval tv = { 2, 0 };
	char buf[16384], method[16], path[256], *body;
	size_t body_len = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (read_request(fd, buf, sizeof buf, &body, &body_len) != 0 ||
	    sscanf(buf, "%15s %255s", method, path) != 2) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&srv.mu);
	snprintf(srv.method, sizeof srv.method, "%s", method);
	snprintf(srv.path, sizeof srv.path, "%s", path);
	snprintf(srv.body, sizeof srv.body, "%s", body);
	header_value(buf, "X-Quill-Test", srv.header, sizeof srv.header);
	pthread_mutex_unlock(&srv.mu);
	if (serve(fd, path, body))
		return;
	shutdown(fd, SHUT_WR);
	close(fd);
}

static void *
server_main(void *unused)
{
	struct pollfd p[2];
	int fd;

	for (;;) {
		p[0].fd = srv.lfd;
		p[0].events = POLLIN;
		p[1].fd = srv.stop[0];
		p[1].events = POLLIN;
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			break;
		if (p[1].revents != 0)
			break;
		if ((p[0].revents & POLLIN) == 0)
			continue;
		if ((fd = accept4(srv.lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			serve_connection(fd);
	}
	return NULL;
}

/* A TCP socket on 127.0.0.1 and an ephemeral port; *port gets the port. */
static int
listen_any(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
server_start(void)
{
	if ((srv.lfd = listen_any(&srv.port)) < 0 || pipe(srv.stop) != 0 ||
	    pthread_create(&srv.thread, NULL, server_main, NULL) != 0)
		return -1;
	snprintf(base, sizeof base, "http://127.0.0.1:%d", srv.port);
	return 0;
}

static void
server_stop(void)
{
	int i;

	if (write(srv.stop[1], "x", 1) != 1)
		printf("#   could not stop the server\n");
	pthread_join(srv.thread, NULL);
	for (i = 0; i < srv.nhung; i++)
		close(srv.hung[i]);
	close(srv.lfd);
	close(srv.stop[0]);
	close(srv.stop[1]);
}

/* The client's side. */

static void
on_done(void *arg, const struct httpc_response *res, const char *err)
{
	struct result *r = arg;

	if (in_request)
		cb_in_request = 1;
	r->calls++;
	r->has_err = err != NULL;
	snprintf(r->err, sizeof r->err, "%s", err != NULL ? err : "");
	if (res == NULL)
		return;
	r->status = res->status;
	r->body_len = res->body_len;
	snprintf(r->body, sizeof r->body, "%s", res->body);
	r->has_retry_after = res->retry_after != NULL;
	if (res->retry_after != NULL)
		snprintf(r->retry_after, sizeof r->retry_after, "%s", res->retry_after);
}

static int
on_data(void *arg, const char *data, size_t len)
{
	struct result *r = arg;

	if (in_request)
		cb_in_request = 1;
	r->chunks++;
	if (r->streamed_len + len < sizeof r->streamed) {
		memcpy(r->streamed + r->streamed_len, data, len);
		r->streamed_len += len;
		r->streamed[r->streamed_len] = '\0';
	}
	if (r->next != NULL && !r->made_tried) {
		char url[128];

		r->made_tried = 1;
		snprintf(url, sizeof url, "%s/n/from-data", base);
		memset(r->next, 0, sizeof *r->next);
		r->made = httpc_request(r->client, url, NULL, on_done, r->next);
	}
	if (r->abandon_at == r->chunks)
		httpc_abandon(r->self);
	return r->abort_at == r->chunks ? -1 : 0;
}

/* Abandons itself, which must be harmless, then makes another request. */
static void
on_done_then_more(void *arg, const struct httpc_response *res, const char *err)
{
	struct result *r = arg;
	char url[128];

	on_done(arg, res, err);
	httpc_abandon(r->self);
	if (r->next == NULL)
		return;
	r->made_tried = 1;
	snprintf(url, sizeof url, "%s/n/chained", base);
	memset(r->next, 0, sizeof *r->next);
	r->made = httpc_request(r->client, url, NULL, on_done, r->next);
}

static struct httpc_call *
request(struct httpc *c, const char *path, const struct httpc_options *opt,
    httpc_done_cb cb, struct result *r)
{
	char url[256];
	struct httpc_call *call;

	memset(r, 0, sizeof *r);
	r->client = c;
	snprintf(url, sizeof url, "%s%s", base, path);
	in_request = 1;
	call = httpc_request(c, url, opt, cb != NULL ? cb : on_done, r);
	in_request = 0;
	r->self = call;
	return call;
}

static void
server_saw(char *method, char *path, char *header, char *body)
{
	pthread_mutex_lock(&srv.mu);
	strcpy(method, srv.method);
	strcpy(path, srv.path);
	strcpy(header, srv.header);
	strcpy(body, srv.body);
	pthread_mutex_unlock(&srv.mu);
}

static int
count_fds(void)
{
	DIR *d;
	int n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static uint64_t
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The checks. */

static void
test_get(struct httpc *c)
{
	struct result r;

	ok(request(c, "/hello", NULL, NULL, &r) != NULL, "GET returns a handle");
	is_int(r.calls, 0, "callback does not run before httpc_request returns");
	ok(WAIT_FOR(r.calls > 0, 5000), "GET completes");
	is_int(r.calls, 1, "callback runs once");
	ok(!r.has_err, "GET succeeds");
	is_int(r.status, 200, "status 200");
	is_str(r.body, "{\"hello\":\"world\"}", "body delivered");
	is_int(r.body_len, 17, "body length");
	ok(!r.has_retry_after, "no Retry-After when the server sent none");
	spin(100);
	is_int(r.calls, 1, "callback still ran only once");
}

static void
test_post(struct httpc *c)
{
	const char *headers[] = { "X-Quill-Test: yes-42", "Content-Type: application/json", NULL };
	struct httpc_options opt = { .method = "POST", .headers = headers,
	    .body = "{\"a\":1}", .body_len = 7 };
	char method[16], path[256], header[128], body[256];
	struct result r;

	request(c, "/echo", &opt, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000), "POST completes");
	is_int(r.status, 200, "POST status 200");
	is_str(r.body, "{\"a\":1}", "POST body echoed back");
	server_saw(method, path, header, body);
	is_str(method, "POST", "server saw POST");
	is_str(body, "{\"a\":1}", "server saw the body");
	is_str(header, "yes-42", "server saw the request header");

	opt.body = NULL;
	opt.body_len = 0;
	request(c, "/echo", &opt, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000) && r.status == 200 && r.body_len == 0,
	    "POST without a body sends an empty one");
}

static void
test_statuses(struct httpc *c)
{
	struct result r;

	request(c, "/nowhere", NULL, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000), "404 completes");
	ok(!r.has_err, "404 is a response, not an error");
	is_int(r.status, 404, "status 404 reported");
	is_str(r.body, "{\"error\":\"not found\"}", "404 body delivered");

	request(c, "/busy", NULL, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000), "429 completes");
	is_int(r.status, 429, "status 429 reported");
	ok(r.has_retry_after, "Retry-After captured");
	is_str(r.retry_after, "7", "Retry-After value trimmed");

	request(c, "/close", NULL, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000), "empty reply completes");
	ok(r.has_err && strchr(r.err, '\n') == NULL, "empty reply is a one-line error");
	printf("#   empty reply: %s\n", r.err);
}

static void
test_limits(struct httpc *c)
{
	struct httpc_options opt = { .max_response = 1000 };
	struct result r;

	request(c, "/big", &opt, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000), "large response completes");
	is_str(r.err, "response too large", "announced large body refused");

	request(c, "/bigchunked", &opt, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000), "large chunked response completes");
	is_str(r.err, "response too large", "large body found out while reading refused");

	opt.max_response = 17;
	request(c, "/hello", &opt, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000) && !r.has_err && r.body_len == 17,
	    "a body of exactly max_response is accepted");

	request(c, "/big", NULL, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000) && !r.has_err && r.body_len == 65536,
	    "64 KiB body under the default limit");
}

static void
test_timeout_and_refused(struct httpc *c)
{
	struct httpc_options opt = { .timeout_ms = 300 };
	struct result r;
	uint64_t t0, took;
	char url[64];
	int fd, port;

	t0 = now_ms();
	request(c, "/hang", &opt, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 5000), "unanswered request completes");
	took = now_ms() - t0;
	is_str(r.err, "timed out", "unanswered request times out");
	ok(took >= 250 && took < 2000, "timeout within its bound");
	if (took < 250 || took >= 2000)
		printf("#   took %llu ms\n", (unsigned long long)took);

	/* a port that was just free: nothing listens there */
	fd = listen_any(&port);
	close(fd);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	memset(&r, 0, sizeof r);
	in_request = 1;
	ok(httpc_request(c, url, NULL, on_done, &r) != NULL, "request to a closed port returns a handle");
	in_request = 0;
	ok(WAIT_FOR(r.calls > 0, 5000), "refused connection completes");
	ok(r.has_err && strstr(r.err, "onnect") != NULL, "refused connection is an error");
	ok(strchr(r.err, '\n') == NULL, "error is one line");
	printf("#   refused: %s\n", r.err);
}

static void
test_streaming(struct httpc *c)
{
	struct httpc_options opt = { .on_data = on_data };
	struct result r, other;

	request(c, "/stream", &opt, NULL, &r);
	/* on_data and the done callback share the result */
	ok(WAIT_FOR(r.calls > 0, 5000), "streamed response completes");
	ok(!r.has_err && r.status == 200, "streamed response succeeds");
	ok(r.chunks >= 2, "body arrives in pieces as it is sent");
	is_str(r.streamed, "onetwothree", "pieces make up the body");
	is_int(r.body_len, 0, "streamed body is not collected");

	request(c, "/stream", &opt, NULL, &r);
	r.abort_at = 1;
	ok(WAIT_FOR(r.calls > 0, 5000), "aborted stream completes");
	is_str(r.err, "aborted", "on_data returning -1 aborts");
	is_int(r.chunks, 1, "no piece after the abort");

	request(c, "/stream", &opt, NULL, &r);
	r.abandon_at = 1;
	spin(600);
	is_int(r.calls, 0, "abandoned from on_data: no done callback");
	is_int(r.chunks, 1, "abandoned from on_data: no more pieces");

	request(c, "/stream", &opt, NULL, &r);
	r.next = &other;
	ok(WAIT_FOR(r.calls > 0 && other.calls > 0, 5000), "request made from on_data completes");
	ok(r.made != NULL, "request from on_data accepted");
	is_str(other.body, "from-data", "it got its own response");
	ok(!r.has_err, "and the stream that made it completed too");
}

static void
test_abandon(struct httpc *c)
{
	struct result r, chained;

	ok(request(c, "/slow", NULL, NULL, &r) != NULL, "slow request started");
	spin(50);
	httpc_abandon(r.self);
	spin(600);
	is_int(r.calls, 0, "abandoned request: callback never called");

	request(c, "/hello", NULL, NULL, &r);
	httpc_abandon(r.self);
	spin(200);
	is_int(r.calls, 0, "abandoned before it started: callback never called");

	request(c, "/hello", NULL, on_done_then_more, &r);
	r.next = &chained;
	ok(WAIT_FOR(r.calls > 0 && chained.calls > 0, 5000),
	    "abandoning itself in its callback is harmless; chained request completes");
	ok(r.made != NULL, "request from a done callback accepted");
	is_str(chained.body, "chained", "chained request got its response");
}

static void
test_concurrent(struct httpc *c)
{
	struct result r[50];
	char path[32];
	int i, all = 1, right = 1, done = 0;

	for (i = 0; i < 50; i++) {
		snprintf(path, sizeof path, "/n/%d", i);
		all &= request(c, path, NULL, NULL, &r[i]) != NULL;
	}
	ok(all, "50 requests started");
	ok(WAIT_FOR(({ done = 0; for (i = 0; i < 50; i++) done += r[i].calls; done == 50; }),
	    20000), "50 concurrent requests complete");
	for (i = 0; i < 50; i++) {
		snprintf(path, sizeof path, "%d", i);
		right &= r[i].calls == 1 && !r[i].has_err && r[i].status == 200 &&
		    strcmp(r[i].body, path) == 0;
	}
	ok(right, "each got its own response, once");
}

static void
test_bad_arguments(struct httpc *c)
{
	struct httpc_options get_body = { .body = "x", .body_len = 1 };
	struct httpc_options brew = { .method = "BREW" };
	const char *split[] = { "X-A: 1\r\nX-B: 2", NULL };
	struct httpc_options inject = { .headers = split };
	struct httpc_options negative = { .timeout_ms = -1 };
	struct result r;

	memset(&r, 0, sizeof r);
	ok(httpc_request(c, "ftp://127.0.0.1/", NULL, on_done, &r) == NULL, "ftp:// refused");
	ok(httpc_request(c, "file:///etc/passwd", NULL, on_done, &r) == NULL, "file:// refused");
	ok(request(c, "/hello", &get_body, NULL, &r) == NULL, "GET with a body refused");
	ok(request(c, "/hello", &brew, NULL, &r) == NULL, "unknown method refused");
	ok(request(c, "/hello", &inject, NULL, &r) == NULL, "header with CR LF refused");
	ok(request(c, "/hello", &negative, NULL, &r) == NULL, "negative timeout refused");
	ok(httpc_request(c, NULL, NULL, on_done, &r) == NULL, "NULL URL refused");
	spin(100);
	is_int(r.calls, 0, "refused requests never call back");
}

static void
test_free_with_pending(void)
{
	struct httpc *c = httpc_new(loop);
	struct result r, late;

	request(c, "/hang", NULL, on_done_then_more, &r);
	r.next = &late;
	spin(100);
	is_int(r.calls, 0, "request pending");
	httpc_free(c);
	is_int(r.calls, 1, "httpc_free calls the pending callback");
	is_str(r.err, "client closed", "with \"client closed\"");
	ok(r.made_tried && r.made == NULL, "a request from that callback is refused");
}

static void
test_idle(struct httpc *c)
{
	uint64_t cpu = cpu_ms();

	spin(500);
	cpu = cpu_ms() - cpu;
	ok(cpu < 150, "an idle client leaves the loop asleep");
	if (cpu >= 150)
		printf("#   %llu ms of CPU in 500 ms idle\n", (unsigned long long)cpu);
}

int
main(void)
{
	struct httpc *c;
	int fds;

	log_open("test_httpc", "stderr", NULL, getenv("QUILL_TEST_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	loop = h2o_evloop_create();
	fds = count_fds();
	if (server_start() != 0)
		skip_all("cannot start a server on 127.0.0.1");

	c = httpc_new(loop);
	ok(c != NULL, "client created");
	test_get(c);
	test_post(c);
	test_statuses(c);
	test_limits(c);
	test_timeout_and_refused(c);
	test_streaming(c);
	test_abandon(c);
	test_concurrent(c);
	test_bad_arguments(c);
	test_idle(c);
	ok(!cb_in_request, "no callback ever ran inside httpc_request");
	httpc_free(c);
	test_free_with_pending();

	server_stop();
	is_int(count_fds(), fds, "every descriptor closed");
	/* let h2o free the closed sockets */
	h2o_evloop_run(loop, 0);
	h2o_evloop_destroy(loop);
	return done_testing();
}
