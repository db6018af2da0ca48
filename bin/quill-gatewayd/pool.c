/*
 * pool.c: an upstream's keep-alive connections in one worker.
 *
 * libh2o 2.2's socketpool takes a kept-alive connection out of the event
 * loop when it is returned and puts it back when it is taken (an
 * epoll_ctl each way, a peek, two fcntl): half the system calls of a
 * small proxied request.  Here an idle connection stays registered and
 * reading; its read callback is how a close or stray bytes from the
 * upstream are noticed (the connection is then closed and forgotten), so
 * a reused connection costs the write of the request and the reads of the
 * answer.  Whether a connection may be kept is forward.c's to decide.
 */
#include <stdlib.h>
#include <string.h>

#include <h2o.h>

#include "bin/quill-gatewayd/forward.h"
#include "bin/quill-gatewayd/pool.h"

#define FWD_MAX_IDLE 64			/* idle connections kept per upstream */

void
conn_close(struct fwd_conn *c)
{
	if (h2o_linklist_is_linked(&c->idle_link)) {
		h2o_linklist_unlink(&c->idle_link);
		c->pool->nidle--;
	}
	h2o_timeout_unlink(&c->idle_entry);
	h2o_socket_close(c->sock);
	free(c);
}

static void
on_idle_timeout(h2o_timeout_entry_t *entry)
{
	conn_close(H2O_STRUCT_FROM_MEMBER(struct fwd_conn, idle_entry, entry));
}

/* Idle: the upstream closed it, or says something nobody asked for. */
static void
on_idle_read(h2o_socket_t *sock, const char *err)
{
	struct fwd_conn *c = sock->data;

	if (err == NULL && sock->input->size == 0)
		return;		/* woken with nothing to read */
	conn_close(c);
}

struct fwd_conn *
conn_new(struct fwd_pool *p, h2o_socket_t *sock)
{
	struct fwd_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->sock = sock;
	c->pool = p;
	c->idle_entry.cb = on_idle_timeout;
	sock->data = c;
	return c;
}

/* A whole answer was read: the connection waits for the next request, still reading. */
void
conn_release(struct fwd_conn *c)
{
	struct fwd_pool *p = c->pool;

	if (p->nidle >= FWD_MAX_IDLE || c->sock->input->size != 0) {
		conn_close(c);
		return;
	}
	c->fr = NULL;
	h2o_linklist_insert(p->idle.next, &c->idle_link);
	p->nidle++;
	h2o_timeout_link(p->loop, p->idle_timeout, &c->idle_entry);
	h2o_socket_read_start(c->sock, on_idle_read);
}

struct fwd_conn *
conn_take_idle(struct fwd_pool *p)
{
	struct fwd_conn *c;

	if (h2o_linklist_is_empty(&p->idle))
		return NULL;
	c = H2O_STRUCT_FROM_MEMBER(struct fwd_conn, idle_link, p->idle.next);
	h2o_linklist_unlink(&c->idle_link);
	p->nidle--;
	h2o_timeout_unlink(&c->idle_entry);
	return c;
}

void
fwd_pool_init(struct fwd_pool *p, h2o_loop_t *loop, const struct sockaddr *addr, socklen_t addrlen,
    const char *authority, h2o_timeout_t *idle_timeout)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->addr = addr;
	p->addrlen = addrlen;
	p->authority = h2o_iovec_init(authority, strlen(authority));
	p->idle_timeout = idle_timeout;
	h2o_linklist_init_anchor(&p->idle);
}

void
fwd_pool_close(struct fwd_pool *p)
{
	while (!h2o_linklist_is_empty(&p->idle))
		conn_close(H2O_STRUCT_FROM_MEMBER(struct fwd_conn, idle_link, p->idle.next));
}
