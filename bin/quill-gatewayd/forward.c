/*
 * forward.c: a request to an upstream over HTTP/1.1 and its answer back
 * to the client, on keep-alive connections that never leave the loop.
 *
 * This is the request's life: its connection, taken from the upstream's
 * pool (pool.c) or opened, the write of its head (request_head.c) and
 * body, the answer's head, the body streamed back, and the retries and
 * timeouts on the way.
 *
 * What it guarantees:
 *
 *   - the upstream gets the request line with the routed path, Host (the
 *     upstream's authority), Content-Length when there is a body (0 for a
 *     POST, PUT or PATCH without one), the request's headers less the
 *     hop-by-hop ones, X-Forwarded-For (the list the caller kept, the
 *     peer appended) and X-Forwarded-Proto; all in one write;
 *   - before the answer's head, a timeout is 504 and a refused or failed
 *     connection, or a head cut short, is 502 (and the hooks' on_failure);
 *     a connection that closes before any byte of the answer (an idle one
 *     the upstream had closed, a worker of it that died) is tried again
 *     once, on a new connection, when the method is one that may be
 *     repeated, and is a 502 without on_failure otherwise; a second such
 *     close is a 502 with on_failure;
 *   - after the head the body is streamed as it arrives (length,
 *     chunked, or until close), at the pace the client takes it: nothing
 *     more is read from the upstream while libh2o holds a piece; an error
 *     then ends the response as broken;
 *   - a connection goes back to the idle list only after a whole answer
 *     to HTTP/1.1 without Connection: close, nothing extra on it and no
 *     write in flight; any other ends closed;
 *   - a WebSocket upgrade the route allows becomes a tunnel between the
 *     two sockets, with what the upstream sent after its 101 kept;
 *   - the client may go away at any point: the request's dispose closes
 *     the connection it held and unlinks its timer.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2o.h>
#include <h2o/http1.h>
#include <h2o/tunnel.h>

#include "lib/http.h"
#include "bin/quill-gatewayd/forward.h"
#include "bin/quill-gatewayd/pool.h"
#include "bin/quill-gatewayd/request_head.h"

#define FWD_MAX_HEADERS 100		/* in an answer's head */
#define FWD_MAX_HEAD (64 * 1024)	/* bytes of an answer's head */
#define FWD_COPY_FINAL 16384		/* a last piece up to this is copied, a larger one's buffer kept */

/*
 * picohttpparser, as libh2o-evloop exports it; no header of it is
 * installed.  The layouts are those of libh2o 2.2.5's copy, the one
 * release configure accepts.
 */
struct phr_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

struct phr_chunked_decoder {
	size_t bytes_left_in_chunk;
	char consume_trailer;
	char _hex_count;
	char _state;
};

int phr_parse_response(const char *buf, size_t len, int *minor_version, int *status, const char **msg,
    size_t *msg_len, struct phr_header *headers, size_t *num_headers, size_t last_len);
ssize_t phr_decode_chunked(struct phr_chunked_decoder *decoder, char *buf, size_t *bufsz);

enum fwd_body {
	BODY_NONE,
	BODY_LENGTH,
	BODY_CHUNKED,
	BODY_UNTIL_CLOSE,
};

struct fwd_req {
	h2o_generator_t gen;
	struct http_request *hr;
	h2o_req_t *req;
	struct fwd_options opt;
	struct fwd_conn *conn;		/* NULL once released, closed or handed to a tunnel */
	h2o_timeout_entry_t io_entry;
	h2o_iovec_t out[2];		/* the head, the body */
	size_t nout;
	bool websocket;			/* an upgrade is asked for */
	bool retried;
	bool rerouted;			/* sent to another upstream after a refused connect */
	bool started;			/* the answer's head has gone to the client */
	bool keepalive;			/* the upstream allows the connection to be reused */
	bool received;			/* some byte of the answer has arrived */
	enum fwd_body body;
	size_t left;			/* BODY_LENGTH: bytes still to come */
	size_t ready;			/* bytes at the front of the input that are body to send */
	struct phr_chunked_decoder chunked;
	h2o_buffer_t *held;		/* the input buffer a last piece was sent from */
	h2o_socket_t *client;		/* the client's socket while parked (see client_park) */
};

struct fwd_upgrade {
	h2o_context_t *ctx;
	h2o_timeout_t *timeout;
	h2o_socket_t *upstream;
};

static void connect_upstream(struct fwd_req *fr);
static void on_read(h2o_socket_t *sock, const char *err);

/* --- the client's socket while its request is upstream --- */

/*
 * libh2o's HTTP/1 server stops reading a client's socket before it hands
 * the request to a handler and starts again once the response is
 * written.  Its loop applies such changes to epoll at the top of the next
 * turn, and a proxied response comes turns later: the socket is taken out
 * of epoll and put back, two epoll_ctl per request, a third of what a
 * small proxied request costs in system calls.  So while the request is
 * upstream the socket stays polled, with reading held off (dont_read:
 * nothing is read into the buffer the request's headers point into), and
 * is let go right before the response's last piece, when libh2o's own
 * read_start follows in the same turn and nothing changes for epoll.
 */
static void
on_client_readable(h2o_socket_t *sock, const char *err)
{
	/* More from the client, or its close, before the answer: libh2o reads it after, as it would have. */
	h2o_socket_read_stop(sock);
}

static void
client_park(struct fwd_req *fr)
{
	h2o_conn_t *conn = fr->req->conn;
	h2o_socket_t *sock;

	/* HTTP/2 streams share their connection's socket, which libh2o keeps reading. */
	if (fr->req->version >= 0x200 || conn->callbacks->get_socket == NULL ||
	    (sock = conn->callbacks->get_socket(conn)) == NULL || h2o_socket_is_reading(sock))
		return;
	h2o_socket_dont_read(sock, 1);
	h2o_socket_read_start(sock, on_client_readable);
	fr->client = sock;
}

/* Before anything of the response goes out, and when the request ends however it ends. */
static void
client_unpark(struct fwd_req *fr)
{
	if (fr->client == NULL)
		return;
	h2o_socket_read_stop(fr->client);
	h2o_socket_dont_read(fr->client, 0);
	fr->client = NULL;
}

/* --- the request's timer and its connection --- */

static void
timer_restart(struct fwd_req *fr)
{
	h2o_timeout_unlink(&fr->io_entry);
	h2o_timeout_link(fr->opt.pool->loop, fr->opt.io_timeout, &fr->io_entry);
}

static void
drop_conn(struct fwd_req *fr)
{
	h2o_timeout_unlink(&fr->io_entry);
	if (fr->conn != NULL) {
		conn_close(fr->conn);
		fr->conn = NULL;
	}
}

/* Before the head: the client gets the JSON error. */
static void
fail_head(struct fwd_req *fr, int status, const char *code, const char *message, const char *why)
{
	drop_conn(fr);
	if (why != NULL)
		fr->opt.hooks->on_failure(fr->opt.arg, why);
	fr->opt.hooks->on_response(fr->opt.arg, fr->req);
	client_unpark(fr);
	http_send_error(fr->hr, status, code, message);
}

static void
fail_unreachable(struct fwd_req *fr, const char *why)
{
	char message[96];

	snprintf(message, sizeof(message), "the service could not be reached (%s)", why);
	fail_head(fr, 502, "bad_gateway", message, why);
}

/* After the head: the response ends as broken. */
static void
fail_body(struct fwd_req *fr)
{
	drop_conn(fr);
	client_unpark(fr);
	h2o_send(fr->req, NULL, 0, H2O_SEND_STATE_ERROR);
}

static bool
method_repeatable(h2o_iovec_t m)
{
	return h2o_memis(m.base, m.len, H2O_STRLIT("GET")) || h2o_memis(m.base, m.len, H2O_STRLIT("HEAD")) ||
	    h2o_memis(m.base, m.len, H2O_STRLIT("OPTIONS")) || h2o_memis(m.base, m.len, H2O_STRLIT("PUT")) ||
	    h2o_memis(m.base, m.len, H2O_STRLIT("DELETE"));
}

/*
 * The connection broke before the head.  With no byte of an answer, the
 * service that took the connection is alive: it had closed a kept-alive
 * connection meanwhile, or the worker holding the request died and its
 * master is starting another.  That alone does not cool the upstream
 * down (a refused connect does): the request is tried once more on a new
 * connection when repeating it does no harm (a DELETE that was done
 * before the worker died then finds nothing to delete), and is a 502
 * otherwise.  A second close for the same request, or a head cut short,
 * is a broken service, and cools it down.
 */
static void
broken_before_head(struct fwd_req *fr, const char *why)
{
	if (fr->received || fr->retried) {
		fail_unreachable(fr, why);
		return;
	}
	if (method_repeatable(fr->req->method)) {
		drop_conn(fr);
		fr->retried = true;
		connect_upstream(fr);
		return;
	}
	fail_head(fr, 502, "bad_gateway", "the service closed the connection; try again", NULL);
}

static void
on_io_timeout(h2o_timeout_entry_t *entry)
{
	struct fwd_req *fr = H2O_STRUCT_FROM_MEMBER(struct fwd_req, io_entry, entry);

	if (!fr->started)
		fail_head(fr, 504, "gateway_timeout", "the service did not answer in time", NULL);
	else
		fail_body(fr);
}

/* --- the request --- */

static void
on_write_done(h2o_socket_t *sock, const char *err)
{
	struct fwd_conn *c = sock->data;
	struct fwd_req *fr = c->fr;

	c->writing = false;
	if (err == NULL || fr == NULL)
		return;
	/* An answer already begun is read to its end or its error; the connection is not kept. */
	if (fr->started) {
		fr->keepalive = false;
		return;
	}
	broken_before_head(fr, err);
}

static void
send_request(struct fwd_req *fr)
{
	struct fwd_conn *c = fr->conn;

	c->writing = true;
	h2o_socket_write(c->sock, fr->out, fr->nout, on_write_done);
	h2o_socket_read_start(c->sock, on_read);
	timer_restart(fr);
}

/*
 * No connection, so nothing was sent: any request may go to another
 * upstream, once, as the caller's reroute hook decides.
 */
static void
connect_failed(struct fwd_req *fr, const char *why)
{
	struct fwd_pool *p;
	struct fwd_conn *c;
	char message[96];

	if (fr->rerouted || fr->opt.hooks->reroute == NULL) {
		fail_unreachable(fr, why);
		return;
	}
	fr->rerouted = true;
	drop_conn(fr);
	if ((p = fr->opt.hooks->reroute(fr->opt.arg, why)) == NULL) {
		snprintf(message, sizeof(message), "the service could not be reached (%s)", why);
		fail_head(fr, 502, "bad_gateway", message, NULL);	/* reroute has told the failure */
		return;
	}
	fr->opt.pool = p;
	fr->out[0] = request_head(fr->req, &p->authority, fr->opt.path, fr->websocket);
	if ((c = conn_take_idle(p)) == NULL) {
		connect_upstream(fr);
		return;
	}
	c->fr = fr;
	fr->conn = c;
	send_request(fr);
}

static void
on_connect(h2o_socket_t *sock, const char *err)
{
	struct fwd_conn *c = sock->data;

	if (err != NULL) {
		connect_failed(c->fr, err);
		return;
	}
	send_request(c->fr);
}

static void
connect_upstream(struct fwd_req *fr)
{
	struct fwd_pool *p = fr->opt.pool;
	struct fwd_conn *c;
	h2o_socket_t *sock;

	/* libh2o sets TCP_NODELAY on the socket: a request goes out whole, at once. */
	if ((sock = h2o_socket_connect(p->loop, (struct sockaddr *)p->addr, p->addrlen, on_connect)) == NULL) {
		connect_failed(fr, "connect failed");
		return;
	}
	if ((c = conn_new(p, sock)) == NULL) {
		h2o_socket_close(sock);
		fail_head(fr, 503, "service_unavailable", "out of memory", NULL);
		return;
	}
	c->fr = fr;
	fr->conn = c;
	timer_restart(fr);
}

/* --- the answer --- */

/* The request is done with its connection: kept for the next one when it may be. */
static void
release_conn(struct fwd_req *fr)
{
	struct fwd_conn *c = fr->conn;

	h2o_timeout_unlink(&fr->io_entry);
	fr->conn = NULL;
	if (fr->keepalive && !c->writing)
		conn_release(c);
	else
		conn_close(c);
}

/*
 * The whole body has arrived.  The last piece leaves the connection's
 * buffer before the connection is released (libh2o may still be writing
 * it when the connection serves its next request).
 */
static void
finish(struct fwd_req *fr)
{
	h2o_buffer_t **in = &fr->conn->sock->input;
	h2o_iovec_t last = h2o_iovec_init(NULL, 0);

	if (fr->ready != 0 && fr->ready <= FWD_COPY_FINAL) {
		last = h2o_strdup(&fr->req->pool, (*in)->bytes, fr->ready);
		h2o_buffer_consume(in, fr->ready);
	} else if (fr->ready != 0) {
		fr->held = *in;
		h2o_buffer_init(in, &h2o_socket_buffer_prototype);
		last = h2o_iovec_init(fr->held->bytes, fr->ready);
		if (fr->held->size != fr->ready)
			fr->keepalive = false;
	}
	fr->ready = 0;
	release_conn(fr);
	client_unpark(fr);
	h2o_send(fr->req, &last, last.len != 0 ? 1 : 0, H2O_SEND_STATE_FINAL);
}

/*
 * Takes in what arrived after the bytes already counted ready: for a
 * chunked body it is decoded in place, so that the input always holds
 * body bytes only.  Returns 1 when the body is complete, 0 when more is
 * to come, -1 when the upstream broke the framing.
 */
static int
take_body(struct fwd_req *fr)
{
	h2o_buffer_t *in = fr->conn->sock->input;
	size_t fresh = in->size - fr->ready;
	ssize_t r;

	switch (fr->body) {
	case BODY_NONE:
		if (fresh != 0)
			fr->keepalive = false;
		in->size = fr->ready;
		return 1;
	case BODY_LENGTH:
		if (fresh > fr->left) {
			fr->keepalive = false;	/* more than it announced: no telling where the next answer starts */
			in->size = fr->ready + fr->left;
			fresh = fr->left;
		}
		fr->left -= fresh;
		fr->ready += fresh;
		return fr->left == 0;
	case BODY_CHUNKED:
		r = phr_decode_chunked(&fr->chunked, in->bytes + fr->ready, &fresh);
		if (r == -1)
			return -1;
		fr->ready += fresh;
		in->size = fr->ready;
		if (r > 0)
			fr->keepalive = false;
		return r >= 0;
	case BODY_UNTIL_CLOSE:
		fr->ready += fresh;
		return 0;
	}
	return -1;
}

/* Passes on what is ready; with a piece out, reading waits for proceed. */
static void
pass_body(struct fwd_req *fr)
{
	h2o_iovec_t piece;
	int done;

	if ((done = take_body(fr)) == -1) {
		fail_body(fr);
		return;
	}
	if (done) {
		finish(fr);
		return;
	}
	if (fr->ready == 0) {
		timer_restart(fr);
		return;
	}
	h2o_timeout_unlink(&fr->io_entry);
	h2o_socket_read_stop(fr->conn->sock);
	piece = h2o_iovec_init(fr->conn->sock->input->bytes, fr->ready);
	h2o_send(fr->req, &piece, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void
on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
	struct fwd_req *fr = H2O_STRUCT_FROM_MEMBER(struct fwd_req, gen, gen);

	if (fr->conn == NULL)
		return;
	h2o_buffer_consume(&fr->conn->sock->input, fr->ready);
	fr->ready = 0;
	h2o_socket_read_start(fr->conn->sock, on_read);
	timer_restart(fr);
}

static void
on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
	struct fwd_req *fr = H2O_STRUCT_FROM_MEMBER(struct fwd_req, gen, gen);

	drop_conn(fr);
	client_unpark(fr);
}

static void
on_upgraded(void *arg, h2o_socket_t *client, size_t reqsize)
{
	struct fwd_upgrade *up = arg;

	if (client != NULL) {
		h2o_buffer_consume(&client->input, reqsize);
		h2o_tunnel_establish(up->ctx, client, up->upstream, up->timeout);
	} else {
		h2o_socket_close(up->upstream);
	}
	free(up);
}

/*
 * A 101 to a WebSocket upgrade: the upstream's socket leaves the pool for
 * good, with whatever it sent after the head still in its input, which
 * the tunnel passes on first.
 */
static void
upgrade(struct fwd_req *fr)
{
	struct fwd_conn *c = fr->conn;
	struct fwd_upgrade *up;

	if ((up = malloc(sizeof(*up))) == NULL) {
		fail_unreachable(fr, "out of memory");
		return;
	}
	h2o_timeout_unlink(&fr->io_entry);
	up->ctx = fr->req->conn->ctx;
	up->timeout = fr->opt.websocket_timeout;
	up->upstream = c->sock;
	h2o_socket_read_stop(c->sock);
	c->sock->data = up;
	free(c);
	fr->conn = NULL;
	fr->started = true;
	h2o_add_header(&fr->req->pool, &fr->req->res.headers, H2O_TOKEN_UPGRADE, NULL, H2O_STRLIT("websocket"));
	fr->opt.hooks->on_response(fr->opt.arg, fr->req);
	client_unpark(fr);
	h2o_http1_upgrade(fr->req, NULL, 0, on_upgraded, up);
}

/*
 * Hop-by-hop response headers, those libh2o writes itself, and the
 * service's X-Request-Id: the response has the request's id already (the
 * one the service was sent), and one id is one header.
 */
static bool
drop_for_client(const h2o_token_t *t, h2o_iovec_t name, const h2o_iovec_t *connection, size_t nconnection)
{
	if (h2o_lcstris(name.base, name.len, H2O_STRLIT("x-request-id")))
		return true;
	if (t != NULL) {
		if (t->proxy_should_drop_for_res || t == H2O_TOKEN_CONTENT_LENGTH || t == H2O_TOKEN_SERVER ||
		    t == H2O_TOKEN_TE)
			return true;
	} else if (h2o_lcstris(name.base, name.len, H2O_STRLIT("proxy-connection")) ||
	    h2o_lcstris(name.base, name.len, H2O_STRLIT("trailer"))) {
		return true;
	}
	for (size_t i = 0; i < nconnection; i++)
		if (h2o_contains_token(connection[i].base, connection[i].len, name.base, name.len, ','))
			return true;
	return false;
}

/*
 * The answer's head, parsed from the input: copies it to the response
 * and decides how the body is framed.  Returns false after failing the
 * request.
 */
static bool
take_head(struct fwd_req *fr, int minor, int status, const char *msg, size_t msg_len,
    struct phr_header *hs, size_t nh)
{
	h2o_req_t *req = fr->req;
	h2o_iovec_t connection[8];
	size_t nconnection = 0, length = SIZE_MAX;
	bool chunked = false, te = false;

	req->res.status = status;
	req->res.reason = h2o_strdup(&req->pool, msg, msg_len).base;
	fr->keepalive = minor >= 1;
	for (size_t i = 0; i < nh; i++) {
		if (hs[i].name == NULL)
			continue;
		h2o_strtolower((char *)hs[i].name, hs[i].name_len);
		if (h2o_memis(hs[i].name, hs[i].name_len, H2O_STRLIT("connection"))) {
			if (h2o_contains_token(hs[i].value, hs[i].value_len, H2O_STRLIT("close"), ','))
				fr->keepalive = false;
			if (nconnection < sizeof(connection) / sizeof(connection[0]))
				connection[nconnection++] = h2o_iovec_init(hs[i].value, hs[i].value_len);
		}
	}
	/* The framing first: a head refused here leaves nothing of the upstream's on the 502. */
	for (size_t i = 0; i < nh; i++) {
		if (hs[i].name == NULL)
			continue;
		if (h2o_memis(hs[i].name, hs[i].name_len, H2O_STRLIT("content-length"))) {
			size_t n = h2o_strtosize(hs[i].value, hs[i].value_len);

			if (n == SIZE_MAX || (length != SIZE_MAX && length != n)) {
				fail_unreachable(fr, "invalid content-length in the answer");
				return false;
			}
			length = n;
		} else if (h2o_memis(hs[i].name, hs[i].name_len, H2O_STRLIT("transfer-encoding"))) {
			size_t n = hs[i].value_len;

			while (n > 0 && (hs[i].value[n - 1] == ' ' || hs[i].value[n - 1] == '\t'))
				n--;
			te = true;
			chunked = n >= 7 && h2o_lcstris(hs[i].value + n - 7, 7, H2O_STRLIT("chunked")) &&
			    (n == 7 || hs[i].value[n - 8] == ',' || hs[i].value[n - 8] == ' ');
		}
	}
	/* Both framings: a desync in the making; this connection is not used again. */
	if (te && length != SIZE_MAX)
		fr->keepalive = false;
	for (size_t i = 0; i < nh; i++) {
		h2o_iovec_t name = h2o_iovec_init(hs[i].name, hs[i].name_len);
		const h2o_token_t *t;
		h2o_iovec_t value;

		if (name.base == NULL || name.len == 0)
			continue;	/* a folded line: obsolete, and dropped */
		t = h2o_lookup_token(name.base, name.len);
		if (drop_for_client(t, name, connection, nconnection))
			continue;
		value = h2o_strdup(&req->pool, hs[i].value, hs[i].value_len);
		if (t != NULL)
			h2o_add_header(&req->pool, &req->res.headers, t, NULL, value.base, value.len);
		else {
			name = h2o_strdup(&req->pool, name.base, name.len);
			h2o_add_header_by_str(&req->pool, &req->res.headers, name.base, name.len, 0, NULL, value.base,
			    value.len);
		}
	}
	if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD")) || status == 204 || status == 304) {
		fr->body = BODY_NONE;
		req->res.content_length = status == 204 ? SIZE_MAX : length;
	} else if (te) {
		/* A coding other than chunked last: the body runs until the upstream closes. */
		fr->body = chunked ? BODY_CHUNKED : BODY_UNTIL_CLOSE;
		if (!chunked)
			fr->keepalive = false;
	} else if (length != SIZE_MAX) {
		fr->body = BODY_LENGTH;
		fr->left = length;
		req->res.content_length = length;
	} else {
		fr->body = BODY_UNTIL_CLOSE;
		fr->keepalive = false;
	}
	return true;
}

/* Waiting for the head: parses what there is, skips 1xx, starts the response. */
static void
read_head(struct fwd_req *fr)
{
	h2o_buffer_t **in = &fr->conn->sock->input;
	struct phr_header hs[FWD_MAX_HEADERS];
	size_t nh, msg_len;
	const char *msg;
	int minor, status, r;

	for (;;) {
		nh = FWD_MAX_HEADERS;
		r = phr_parse_response((*in)->bytes, (*in)->size, &minor, &status, &msg, &msg_len, hs, &nh, 0);
		if (r == -2 && (*in)->size < FWD_MAX_HEAD) {
			timer_restart(fr);
			return;
		}
		if (r < 0) {
			fail_unreachable(fr, "malformed answer");
			return;
		}
		if (status >= 200 || status == 101)
			break;
		h2o_buffer_consume(in, (size_t)r);	/* 100 Continue and the like: the client asked for none */
		if ((*in)->size == 0) {
			timer_restart(fr);
			return;
		}
	}
	if (status == 101 && !fr->websocket) {
		fail_unreachable(fr, "upgrade nobody asked for");
		return;
	}
	/* A 101 before the request is written out: the socket cannot change hands mid-write. */
	if (status == 101 && fr->conn->writing) {
		fail_unreachable(fr, "upgrade before the request was sent");
		return;
	}
	if (!take_head(fr, minor, status, msg, msg_len, hs, nh))
		return;
	h2o_buffer_consume(in, (size_t)r);
	if (status == 101) {
		upgrade(fr);
		return;
	}
	fr->started = true;
	fr->chunked.consume_trailer = 1;
	fr->opt.hooks->on_response(fr->opt.arg, fr->req);
	h2o_start_response(fr->req, &fr->gen);
	pass_body(fr);
}

static void
on_read(h2o_socket_t *sock, const char *err)
{
	struct fwd_conn *c = sock->data;
	struct fwd_req *fr = c->fr;

	/* An idle connection reads with pool.c's callback: fr is never NULL here. */
	if (err != NULL) {
		if (!fr->started)
			broken_before_head(fr, err);
		else if (fr->body == BODY_UNTIL_CLOSE && err == h2o_socket_error_closed)
			finish(fr);
		else
			fail_body(fr);
		return;
	}
	if (sock->input->size != 0)
		fr->received = true;
	if (!fr->started)
		read_head(fr);
	else
		pass_body(fr);
}

static void
fwd_req_dispose(void *p)
{
	struct fwd_req *fr = p;

	drop_conn(fr);
	client_unpark(fr);
	if (fr->held != NULL)
		h2o_buffer_dispose(&fr->held);
}

void
fwd_request(struct http_request *hr, const struct fwd_options *opt)
{
	h2o_req_t *req = hr->req;
	struct fwd_req *fr = http_request_alloc(hr, sizeof(*fr), fwd_req_dispose);
	struct fwd_conn *c;

	memset(fr, 0, sizeof(*fr));
	fr->gen.proceed = on_proceed;
	fr->gen.stop = on_stop;
	fr->hr = hr;
	fr->req = req;
	fr->opt = *opt;
	fr->io_entry.cb = on_io_timeout;
	fr->websocket = opt->websocket_timeout != NULL && req->upgrade.base != NULL &&
	    h2o_lcstris(req->upgrade.base, req->upgrade.len, H2O_STRLIT("websocket"));
	fr->out[0] = request_head(req, &opt->pool->authority, opt->path, fr->websocket);
	fr->nout = 1;
	if (req->entity.len != 0)
		fr->out[fr->nout++] = req->entity;
	client_park(fr);
	if ((c = conn_take_idle(opt->pool)) == NULL) {
		connect_upstream(fr);
		return;
	}
	c->fr = fr;
	fr->conn = c;
	send_request(fr);
}
