/*
 * pg_listen: one PostgreSQL connection in LISTEN on one channel, driven
 * non-blocking on a worker's h2o loop, handing each NOTIFY to a callback.
 *
 * It is separate from lib/pg's pool on purpose: a pool connection runs
 * one query after another for anyone, while a listening connection must
 * stay in its session for as long as it listens, and a NOTIFY reaches
 * only the session that asked for it.
 *
 * Guarantees:
 * - The loop is never blocked (PQconnectStart/PQconnectPoll, PQsendQuery,
 *   PQconsumeInput, PQnotifies on readiness; use an address or a unix
 *   socket: libpq resolves host names synchronously).
 * - A connection that fails or is lost is made again with backoff (100 ms
 *   doubling to 3.2 s), for as long as the listener exists.
 * - Notifications are not queued anywhere while the connection is down:
 *   they are lost.  So `listening` is called each time LISTEN is in effect
 *   again (the first time included); from then on no notification is
 *   missed, and the caller re-reads whatever it watches.
 * - Callbacks run from the loop, never from inside pg_listen_new() or
 *   pg_listen_free(); pg_listen_free() must not be called from one.
 * - Up and down are logged once each, with host, port, dbname and user of
 *   the conninfo (never a password).
 */
#ifndef QUILL_PG_LISTEN_H
#define QUILL_PG_LISTEN_H

#include <stdbool.h>

#include <h2o.h>

struct pg_listen;

struct pg_listen_callbacks {
	/* A NOTIFY on the channel; payload is the server's text, maybe "". */
	void (*notify)(void *arg, const char *payload);
	/* LISTEN is in effect (again): what happened while it was not went unseen. */
	void (*listening)(void *arg);
	void *arg;
};

/*
 * Starts connecting at once.  channel is a plain lower-case identifier
 * ([a-z_][a-z0-9_]*, up to 63 bytes), as it is written into the LISTEN
 * statement.  connect_timeout_ms 0 means 3 s.  NULL when out of memory or
 * the channel is not such an identifier.
 */
struct pg_listen *pg_listen_new(h2o_loop_t *loop, const char *conninfo, const char *channel,
    int connect_timeout_ms, const struct pg_listen_callbacks *cb);
/* Closes the connection; before h2o_evloop_destroy(). NULL is allowed. */
void pg_listen_free(struct pg_listen *l);

/* Whether LISTEN is in effect now. */
bool pg_listen_ready(const struct pg_listen *l);

#endif
