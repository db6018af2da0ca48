/*
 * forward.h: the gateway's HTTP/1.1 client to its upstreams.
 *
 * A request the gateway has accepted goes to one upstream over a
 * connection of that upstream's pool, and the answer is streamed back to
 * the client as it arrives.  The pool's idle keep-alive connections stay
 * registered on the worker's loop between requests, so a reused
 * connection costs the write and the reads, nothing else.
 *
 * Everything here is per worker and runs on the worker's loop.
 */
#ifndef QUILL_GATEWAY_FORWARD_H
#define QUILL_GATEWAY_FORWARD_H

#include <stddef.h>
#include <sys/socket.h>

#include <h2o.h>

struct http_request;

/* One upstream's connections in one worker. */
struct fwd_pool {
	h2o_loop_t *loop;
	const struct sockaddr *addr;
	socklen_t addrlen;
	h2o_iovec_t authority;		/* the Host header it is sent */
	h2o_timeout_t *idle_timeout;	/* idle connections close when it expires */
	h2o_linklist_t idle;		/* most recently used first */
	size_t nidle;
};

/* What the caller is told about a request's way through; arg is fwd_options.arg. */
struct fwd_hooks {
	/* Right before a response starts, the upstream's or an error: may add headers to req->res. */
	void (*on_response)(void *arg, h2o_req_t *req);
	/* The upstream refused the connection or broke it before its answer (a slow one is not told). */
	void (*on_failure)(void *arg, const char *why);
	/*
	 * Optional.  The upstream could not be connected to, so nothing was
	 * sent: this is told instead of on_failure, and may name the pool of
	 * another upstream to try (NULL: the answer is 502).  At most once
	 * per request.
	 */
	struct fwd_pool *(*reroute)(void *arg, const char *why);
};

struct fwd_options {
	struct fwd_pool *pool;
	h2o_timeout_t *io_timeout;	/* connect, the answer's head, each read of its body */
	h2o_timeout_t *websocket_timeout; /* NULL: upgrades are not passed on */
	h2o_iovec_t path;		/* the request target the upstream gets, in the request's pool */
	const struct fwd_hooks *hooks;
	void *arg;			/* lives as long as the request */
};

/* addr, authority and idle_timeout must outlive the pool. */
void fwd_pool_init(struct fwd_pool *p, h2o_loop_t *loop, const struct sockaddr *addr, socklen_t addrlen,
    const char *authority, h2o_timeout_t *idle_timeout);
/* Closes the idle connections; those in use close with their requests. */
void fwd_pool_close(struct fwd_pool *p);

/*
 * Sends hr's request, its headers as they are now, to the pool's upstream
 * and answers hr with what comes back: the upstream's response, 502
 * bad_gateway when it cannot be reached or breaks before answering, 504
 * gateway_timeout when it does not answer in time.
 */
void fwd_request(struct http_request *hr, const struct fwd_options *opt);

#endif
