/*
 * pool.h: an upstream's keep-alive connections, as forward.c uses them.
 *
 * A connection either serves one request or waits on its pool's idle
 * list, still registered on the loop and reading.
 */
#ifndef QUILL_GATEWAY_POOL_H
#define QUILL_GATEWAY_POOL_H

#include <stdbool.h>

#include <h2o.h>

#include "bin/quill-gatewayd/forward.h"

struct fwd_req;

struct fwd_conn {
	h2o_socket_t *sock;		/* sock->data is this */
	struct fwd_pool *pool;
	struct fwd_req *fr;		/* the request it serves; NULL while idle */
	h2o_linklist_t idle_link;
	h2o_timeout_entry_t idle_entry;
	bool writing;			/* the request's write has not completed */
};

/* A connection of p on a socket just opened; NULL when out of memory (sock is the caller's then). */
struct fwd_conn *conn_new(struct fwd_pool *p, h2o_socket_t *sock);
/* Closes the socket and frees c, off the idle list if it is on it. */
void conn_close(struct fwd_conn *c);
/* A whole answer was read: c waits on the idle list, or closes when it may not. */
void conn_release(struct fwd_conn *c);
/* The most recently used idle connection, off the list; NULL when there is none. */
struct fwd_conn *conn_take_idle(struct fwd_pool *p);

#endif
