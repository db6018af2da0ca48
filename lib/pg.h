/*
 * pg: PostgreSQL through libpq's non-blocking API on a worker's h2o event loop.
 *
 * A pool holds a few connections to one conninfo.  Connections are made
 * with PQconnectStart/PQconnectPoll and queries sent with PQsendQueryParams;
 * the sockets are watched by the loop, so nothing here ever blocks it.
 *
 * A pool made while PostgreSQL is down is still a valid pool: it keeps
 * reconnecting with exponential backoff (100 ms doubling up to 2 s) and
 * pg_pool_ready() says whether at least one connection is up.  A query
 * issued when no connection is up fails at once (callback with an error),
 * so a caller can answer 503 instead of hanging.  Queries wait in a FIFO
 * while every live connection is busy; each query has a timeout after which
 * it is cancelled and its callback told so (the connection it ran on is
 * closed and reopened: cancelling through libpq would block).
 *
 * Ownership: the PGresult handed to a callback belongs to the pool and is
 * cleared after the callback returns.  A caller whose context goes away
 * first (the HTTP client disconnected) calls pg_query_abandon(); the
 * callback is then never called.
 *
 * The pool uses the loop's timeouts, so pg_pool_free() must run before
 * h2o_evloop_destroy(), and not from inside one of its own callbacks.
 */
#ifndef QUILL_PG_H
#define QUILL_PG_H

#include <stdbool.h>
#include <h2o.h>
#include <libpq-fe.h>

struct pg_pool;
struct pg_query;

/*
 * Why a query failed, decided once here so no caller reads a message.
 * The first group never reached a server's answer; the rest carry the
 * server's SQLSTATE, grouped by class.
 */
enum pg_error_kind {
	PG_ERR_UNAVAILABLE,	/* no connection up */
	PG_ERR_TIMEOUT,		/* no answer within query_timeout_ms */
	PG_ERR_LOST,		/* the connection broke with the query on it */
	PG_ERR_CLOSED,		/* the pool is being freed */
	PG_ERR_NOMEM,		/* out of memory here */
	PG_ERR_REFUSED,		/* libpq refused to send it, or it began a COPY */
	PG_ERR_SERVER_TRANSIENT,/* SQLSTATE 08, 40, 53, 57, 58, 55P03: may pass */
	PG_ERR_DATA,		/* SQLSTATE class 22: a value the server refuses */
	PG_ERR_CONSTRAINT,	/* SQLSTATE class 23: a constraint the row breaks */
	PG_ERR_SERVER,		/* any other SQLSTATE: the statement is wrong */
};

struct pg_error {
	enum pg_error_kind kind;
	char sqlstate[6];	/* "23505"; "" when the server did not answer */
	/*
	 * One line for logs, valid during the callback: "database
	 * unavailable", "query timed out", ..., or the server's error as
	 * "SQLSTATE: message" ("23505: duplicate key value violates ...").
	 */
	const char *message;
};

/*
 * res is the result on success (PGRES_TUPLES_OK or PGRES_COMMAND_OK) and
 * err is NULL; on any failure res is NULL and err says why.
 */
typedef void (*pg_query_cb)(void *arg, const PGresult *res, const struct pg_error *err);

struct pg_pool_options {
	int connections;		/* default 2 */
	int query_timeout_ms;		/* default 5000 */
	int connect_timeout_ms;		/* default 3000 */
};

/* opts may be NULL for the defaults. Starts connecting at once; NULL when out of memory. */
struct pg_pool *pg_pool_new(h2o_loop_t *loop, const char *conninfo, const struct pg_pool_options *opts);
/* Closes every connection; pending queries get their callback with an error. */
void pg_pool_free(struct pg_pool *pool);

bool pg_pool_ready(const struct pg_pool *pool);
/*
 * Whether the pool has had its first outcome: a connection up, or an
 * attempt failed.  A new worker waits for this before it takes requests.
 */
bool pg_pool_settled(const struct pg_pool *pool);

/*
 * Sends sql with text parameters ($1..$n; a NULL pointer is SQL NULL),
 * copying both.  Returns a handle that stays valid until the callback has
 * run or pg_query_abandon() is called.
 * Returns NULL when the callback has already been called, before this
 * returned: when no connection is up (PG_ERR_UNAVAILABLE), the pool is
 * being freed, nparams/params are invalid, or memory ran out.  So a
 * non-NULL handle always means "pending".
 */
struct pg_query *pg_query_params_async(struct pg_pool *pool, const char *sql, int nparams,
    const char *const *params, pg_query_cb cb, void *arg);
/*
 * Binary parameters and results, for bytea: formats[i] 1 sends
 * parameter i as the lengths[i] bytes at params[i] (binary), 0 as text;
 * result_format 1 asks for every column of the result in binary (text
 * then comes as its bytes, bytea as the raw bytes, still NUL-terminated
 * by libpq; a uuid or a number would come in its binary form).
 */
struct pg_binary {
	const int *lengths;
	const int *formats;
	int result_format;
};
/* pg_query_params_async() with bin (NULL: all text, as that does). */
struct pg_query *pg_query_params_bin_async(struct pg_pool *pool, const char *sql, int nparams,
    const char *const *params, const struct pg_binary *bin, pg_query_cb cb, void *arg);
/* Also safe from inside q's own callback (then it does nothing more). */
void pg_query_abandon(struct pg_query *q);

/* SQL for an RFC 3339 UTC rendering of a timestamptz expression. */
#define SQL_RFC3339(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Whether err is the server's error with this SQLSTATE ("23505"). */
bool pg_error_is(const struct pg_error *err, const char *sqlstate);
/*
 * Whether the same statement may succeed later, unchanged: the database
 * was away, slow or busy, not the statement or its values at fault.
 */
bool pg_error_transient(const struct pg_error *err);

#endif
