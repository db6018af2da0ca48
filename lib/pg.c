/*
 * pg: PostgreSQL through libpq's non-blocking API on a worker's h2o loop.
 *
 * Each connection of a pool walks DOWN -> CONNECTING -> IDLE <-> BUSY and
 * back to DOWN when it fails, is lost or is dropped; from DOWN a timer
 * starts the next attempt (100 ms doubling to 2 s after failures, at once
 * after a deliberate drop).  Queries wait in one FIFO and go to whichever
 * connection is idle; a connection carries one query at a time.
 *
 * What this file guarantees:
 * - The loop is never blocked: connecting is PQconnectStartParams plus
 *   PQconnectPoll driven by readiness, sending is PQsendQueryParams plus
 *   PQflush, reading is PQconsumeInput/PQisBusy/PQgetResult.  (libpq does
 *   resolve a host name synchronously; use an address or a unix socket.)
 * - A query's callback runs exactly once, unless it is abandoned first.
 *   It runs inside pg_query_params_async() only when that returns NULL;
 *   any later failure is delivered from a pool timer on the next turn of
 *   the loop, so no function of ours is ever re-entered by a callback.
 * - A query that overruns its timeout costs its connection: the connection
 *   is closed (PQcancel would block on a new connection) and reopened.
 * - Up and down transitions of the pool are logged once each; retries are
 *   not.  The conninfo is never logged, only host, port, dbname and user.
 *
 * Why h2o watches a duplicate of libpq's socket: libpq may close its socket
 * and open another inside PQconnectPoll (next address of a host, SSL
 * fallback), and the new socket usually gets the same descriptor number.
 * Had h2o registered libpq's own descriptor, the close would silently drop
 * it from epoll and a same-numbered successor would never be polled.  The
 * duplicate keeps the old socket alive until we close it ourselves, so h2o
 * can always unregister it cleanly, and a change of socket is seen by
 * comparing inode numbers rather than descriptor numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/pg.h"

#define DEFAULT_CONNECTIONS	2
#define DEFAULT_QUERY_MS	5000
#define DEFAULT_CONNECT_MS	3000
#define RETRY_STEPS		6

/*
 * Reconnect delays; an h2o_timeout_t has one fixed length, so one each.
 * The last, 2 s, bounds how long a daemon stays unready after PostgreSQL
 * is back, and costs a down server one attempt a connection every 2 s.
 */
static const uint64_t retry_ms[RETRY_STEPS] = { 100, 200, 400, 800, 1600, 2000 };

static const struct pg_error ERR_UNAVAILABLE[1] = { { PG_ERR_UNAVAILABLE, "", "database unavailable" } };
static const struct pg_error ERR_TIMEOUT[1] = { { PG_ERR_TIMEOUT, "", "query timed out" } };
static const struct pg_error ERR_LOST[1] = { { PG_ERR_LOST, "", "connection to database lost" } };
static const struct pg_error ERR_CLOSED[1] = { { PG_ERR_CLOSED, "", "database pool closed" } };
static const struct pg_error ERR_SEND[1] = { { PG_ERR_REFUSED, "", "could not send query" } };
static const struct pg_error ERR_NOMEM[1] = { { PG_ERR_NOMEM, "", "out of memory" } };
static const struct pg_error ERR_COPY[1] = { { PG_ERR_REFUSED, "", "COPY is not supported" } };

enum conn_state {
	CONN_DOWN,		/* no PGconn; timer set for the next attempt */
	CONN_CONNECTING,	/* PQconnectPoll in progress; timer = connect timeout */
	CONN_IDLE,
	CONN_BUSY,		/* query in flight */
};

/* What the log last said about the pool, so each transition is said once. */
enum link_said {
	SAID_NOTHING,
	SAID_UP,
	SAID_DOWN,
};

struct pg_conn {
	struct pg_pool		*pool;
	enum conn_state		 state;
	PGconn			*pg;
	h2o_socket_t		*sock;		/* watches a dup of PQsocket() */
	dev_t			 sock_dev;	/* identity of the watched socket */
	ino_t			 sock_ino;
	PostgresPollingStatusType poll;		/* CONNECTING: what libpq waits for */
	int			 flushing;	/* BUSY: query not fully sent yet */
	struct pg_query		*query;		/* BUSY: the query in flight */
	PGresult		*res;		/* BUSY: its first result so far */
	int			 retry_step;	/* index into retry_ms for the next failure */
	h2o_timeout_entry_t	 timer;
};

struct pg_query {
	h2o_linklist_t		 link;		/* in pool->queue or pool->failing */
	struct pg_pool		*pool;
	struct pg_conn		*conn;		/* while in flight */
	h2o_timeout_entry_t	 timer;		/* query timeout */
	pg_query_cb		 cb;
	void			*arg;
	const struct pg_error	*err;		/* while in pool->failing */
	int			 abandoned;
	int			 delivering;
	int			 nparams;
	const char		*sql;
	const char		**params;
	int			*lengths;	/* of binary parameters; NULL: all text */
	int			*formats;	/* NULL: all text */
	int			 result_format;	/* 0 text, 1 binary */
	/* the copies of the parameters and the SQL text follow */
};

struct pg_pool {
	h2o_loop_t		*loop;
	char			*conninfo;
	char			 target[256];	/* "host=... dbname=..." for logs */
	struct pg_conn		*conns;
	int			 nconns;
	int			 nready;	/* connections IDLE or BUSY */
	int			 query_timeout_ms;
	enum link_said		 said;
	int			 closing;
	int			 in_callback;
	h2o_linklist_t		 queue;		/* waiting for a connection, FIFO */
	h2o_linklist_t		 failing;	/* failed, callback due next turn */
	h2o_timeout_entry_t	 fail_timer;
	h2o_timeout_t		 query_timeout;
	h2o_timeout_t		 connect_timeout;
	h2o_timeout_t		 soon;		/* 1 ms: next turn of the loop */
	h2o_timeout_t		 retry[RETRY_STEPS];
};

static void conn_start(struct pg_conn *);
static void conn_dispatch(struct pg_conn *);

/* Logs libpq's notices at debug level instead of letting it print them. */
static void
on_notice(void *arg, const char *message)
{
	char line[512], quoted[600];

	if (!log_enabled(LOG_LEVEL_DEBUG))
		return;
	log_one_line(line, sizeof line, message);
	log_debug("event=pg_notice message=%s",
	    log_quote(quoted, sizeof quoted, line, (size_t)-1));
}

/* The parts of the conninfo that are safe to log; never the password. */
static void
describe_target(struct pg_pool *pool)
{
	static const char *const shown[] = { "host", "hostaddr", "port", "dbname", "user" };
	PQconninfoOption *opts, *o;
	char quoted[128];
	size_t len = 0, i;

	pool->target[0] = '\0';
	if ((opts = PQconninfoParse(pool->conninfo, NULL)) == NULL) {
		snprintf(pool->target, sizeof pool->target, "conninfo=invalid");
		return;
	}
	for (o = opts; o->keyword != NULL; o++) {
		for (i = 0; i < sizeof shown / sizeof shown[0]; i++)
			if (strcmp(o->keyword, shown[i]) == 0)
				break;
		if (i == sizeof shown / sizeof shown[0] || o->val == NULL || o->val[0] == '\0')
			continue;
		/* a dbname holding a whole connection string may hold a password */
		if (strcmp(o->keyword, "dbname") == 0 && strchr(o->val, '=') != NULL)
			continue;
		if (len < sizeof pool->target)
			len += snprintf(pool->target + len, sizeof pool->target - len, "%s%s=%s",
			    len > 0 ? " " : "", o->keyword,
			    log_quote(quoted, sizeof quoted, o->val, (size_t)-1));
	}
	PQconninfoFree(opts);
	if (pool->target[0] == '\0')
		snprintf(pool->target, sizeof pool->target, "conninfo=defaults");
}

/* Queries. */

static void
query_free(struct pg_query *q)
{
	h2o_timeout_unlink(&q->timer);
	if (h2o_linklist_is_linked(&q->link))
		h2o_linklist_unlink(&q->link);
	free(q);
}

/* Runs the callback (unless abandoned) and frees the query. */
static void
query_deliver(struct pg_query *q, const PGresult *res, const struct pg_error *err)
{
	struct pg_pool *pool = q->pool;

	if (!q->abandoned) {
		q->delivering = 1;
		pool->in_callback++;
		q->cb(q->arg, res, err);
		pool->in_callback--;
	}
	query_free(q);
}

/*
 * Moves q to the failing list; its callback runs on the next turn, so no
 * caller of ours is ever re-entered by a callback.
 */
static void
query_fail(struct pg_query *q, const struct pg_error *err)
{
	struct pg_pool *pool = q->pool;

	h2o_timeout_unlink(&q->timer);
	if (h2o_linklist_is_linked(&q->link))
		h2o_linklist_unlink(&q->link);
	q->conn = NULL;
	q->err = err;
	h2o_linklist_insert(&pool->failing, &q->link);
	if (!pool->closing && !h2o_timeout_is_linked(&pool->fail_timer))
		h2o_timeout_link(pool->loop, &pool->soon, &pool->fail_timer);
}

static void
pool_fail_queue(struct pg_pool *pool, const struct pg_error *err)
{
	while (!h2o_linklist_is_empty(&pool->queue))
		query_fail(H2O_STRUCT_FROM_MEMBER(struct pg_query, link, pool->queue.next), err);
}

static void
on_fail_timer(h2o_timeout_entry_t *entry)
{
	struct pg_pool *pool = H2O_STRUCT_FROM_MEMBER(struct pg_pool, fail_timer, entry);
	h2o_linklist_t batch;
	struct pg_query *q;

	/* Failures added by these callbacks wait for the next turn. */
	h2o_linklist_init_anchor(&batch);
	h2o_linklist_insert_list(&batch, &pool->failing);
	while (!h2o_linklist_is_empty(&batch)) {
		q = H2O_STRUCT_FROM_MEMBER(struct pg_query, link, batch.next);
		h2o_linklist_unlink(&q->link);
		query_deliver(q, NULL, q->err);
	}
}

/* Socket watching. */

static void
conn_unwatch(struct pg_conn *c)
{
	if (c->sock != NULL) {
		h2o_socket_close(c->sock);
		c->sock = NULL;
	}
}

/*
 * Makes h2o watch libpq's current socket, through a duplicate (see the top
 * of this file).  Returns 0, or -1 with errno set.
 */
static int
conn_watch(struct pg_conn *c)
{
	struct stat st;
	int fd, dupfd;

	if ((fd = PQsocket(c->pg)) < 0) {
		errno = EBADF;
		return -1;
	}
	if (fstat(fd, &st) != 0)
		return -1;
	if (c->sock != NULL && st.st_dev == c->sock_dev && st.st_ino == c->sock_ino)
		return 0;
	conn_unwatch(c);
	if ((dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	c->sock = h2o_evloop_socket_create(c->pool->loop, dupfd, H2O_SOCKET_FLAG_DONT_READ);
	c->sock->data = c;
	c->sock_dev = st.st_dev;
	c->sock_ino = st.st_ino;
	return 0;
}

static void on_sock_ready(h2o_socket_t *, const char *);

/* Tells the loop what this connection waits for now. */
static void
conn_interest(struct pg_conn *c)
{
	int rd = 0, wr = 0;

	switch (c->state) {
	case CONN_DOWN:
		return;
	case CONN_CONNECTING:
		rd = c->poll == PGRES_POLLING_READING;
		wr = !rd;
		break;
	case CONN_IDLE:
		rd = 1;		/* to see the server go away while idle */
		break;
	case CONN_BUSY:
		rd = 1;
		wr = c->flushing;
		break;
	}
	if (rd && !h2o_socket_is_reading(c->sock))
		h2o_socket_read_start(c->sock, on_sock_ready);
	else if (!rd && h2o_socket_is_reading(c->sock))
		h2o_socket_read_stop(c->sock);
	/* A write notification cannot be withdrawn; a stale one is harmless. */
	if (wr && !h2o_socket_is_writing(c->sock))
		h2o_socket_notify_write(c->sock, on_sock_ready);
}

/* Connection life cycle. */

/* Forgets the PGconn; the caller has taken any query off c first. */
static void
conn_close(struct pg_conn *c)
{
	h2o_timeout_unlink(&c->timer);
	conn_unwatch(c);
	if (c->res != NULL) {
		PQclear(c->res);
		c->res = NULL;
	}
	if (c->pg != NULL) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	if (c->state == CONN_IDLE || c->state == CONN_BUSY)
		c->pool->nready--;
	c->state = CONN_DOWN;
	c->flushing = 0;
}

static void
on_retry_timer(h2o_timeout_entry_t *entry)
{
	conn_start(H2O_STRUCT_FROM_MEMBER(struct pg_conn, timer, entry));
}

/* Schedules the next attempt of a DOWN connection after the backoff delay. */
static void
conn_retry_later(struct pg_conn *c)
{
	struct pg_pool *pool = c->pool;

	c->timer.cb = on_retry_timer;
	h2o_timeout_link(pool->loop, &pool->retry[c->retry_step], &c->timer);
	if (c->retry_step < RETRY_STEPS - 1)
		c->retry_step++;
}

/*
 * Closes a healthy connection we cannot keep (a query overran, or left it
 * in COPY) and opens it again on the next turn; the caller has taken its
 * query off it.
 */
static void
conn_reset(struct pg_conn *c)
{
	struct pg_pool *pool = c->pool;

	conn_close(c);
	c->timer.cb = on_retry_timer;
	h2o_timeout_link(pool->loop, &pool->soon, &c->timer);
}

/* A connection attempt failed: msg may point into c->pg, so copy it first. */
static void
conn_connect_failed(struct pg_conn *c, const char *msg)
{
	struct pg_pool *pool = c->pool;
	char line[512], quoted[600];

	log_quote(quoted, sizeof quoted, log_one_line(line, sizeof line, msg), (size_t)-1);
	conn_close(c);
	if (pool->nready == 0) {
		if (pool->said != SAID_DOWN) {
			log_warnx("event=pg_connect_failed %s error=%s", pool->target, quoted);
			pool->said = SAID_DOWN;
		} else
			log_debug("event=pg_connect_failed %s error=%s", pool->target, quoted);
		pool_fail_queue(pool, ERR_UNAVAILABLE);
	} else
		log_debug("event=pg_connect_failed %s error=%s", pool->target, quoted);
	conn_retry_later(c);
}

/* An established connection broke (server gone, protocol error). */
static void
conn_lost(struct pg_conn *c)
{
	struct pg_pool *pool = c->pool;
	struct pg_query *q = c->query;
	char line[512], quoted[600];

	log_quote(quoted, sizeof quoted,
	    log_one_line(line, sizeof line, PQerrorMessage(c->pg)), (size_t)-1);
	c->query = NULL;
	conn_close(c);
	if (q != NULL)
		query_fail(q, ERR_LOST);
	if (pool->nready == 0) {
		if (pool->said == SAID_UP) {
			log_warnx("event=pg_disconnected %s error=%s", pool->target, quoted);
			pool->said = SAID_DOWN;
		}
		pool_fail_queue(pool, ERR_UNAVAILABLE);
	} else
		log_debug("event=pg_connection_lost %s error=%s", pool->target, quoted);
	c->retry_step = 0;
	conn_retry_later(c);
}

static void
conn_connected(struct pg_conn *c)
{
	struct pg_pool *pool = c->pool;

	h2o_timeout_unlink(&c->timer);
	if (PQsetnonblocking(c->pg, 1) != 0) {
		conn_connect_failed(c, PQerrorMessage(c->pg));
		return;
	}
	c->state = CONN_IDLE;
	c->retry_step = 0;
	if (pool->nready++ == 0 && pool->said != SAID_UP) {
		log_info("event=pg_connected %s", pool->target);
		pool->said = SAID_UP;
	}
	conn_interest(c);
	conn_dispatch(c);
}

/* One step of PQconnectPoll, on the readiness it asked for. */
static void
conn_connect_step(struct pg_conn *c)
{
	PostgresPollingStatusType st;

	st = PQconnectPoll(c->pg);
	if (st == PGRES_POLLING_FAILED) {
		conn_connect_failed(c, PQerrorMessage(c->pg));
		return;
	}
	/* libpq may have moved to another socket (next address, SSL retry) */
	if (conn_watch(c) != 0) {
		conn_connect_failed(c, strerror(errno));
		return;
	}
	if (st == PGRES_POLLING_OK) {
		conn_connected(c);
		return;
	}
	c->poll = st == PGRES_POLLING_READING ? PGRES_POLLING_READING : PGRES_POLLING_WRITING;
	conn_interest(c);
}

static void
on_connect_timeout(h2o_timeout_entry_t *entry)
{
	conn_connect_failed(H2O_STRUCT_FROM_MEMBER(struct pg_conn, timer, entry),
	    "timed out connecting");
}

static void
conn_start(struct pg_conn *c)
{
	struct pg_pool *pool = c->pool;
	/*
	 * Keywords before dbname are defaults the conninfo may override;
	 * the keepalives make a dead peer on TCP show up within about a
	 * minute instead of hours.
	 */
	const char *keys[] = { "keepalives_idle", "keepalives_interval",
	    "keepalives_count", "dbname", "fallback_application_name", NULL };
	const char *vals[] = { "30", "10", "3", pool->conninfo,
	    program_invocation_short_name, NULL };

	if ((c->pg = PQconnectStartParams(keys, vals, 1)) == NULL) {
		conn_connect_failed(c, ERR_NOMEM->message);
		return;
	}
	PQsetNoticeProcessor(c->pg, on_notice, NULL);
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		conn_connect_failed(c, PQerrorMessage(c->pg));
		return;
	}
	if (conn_watch(c) != 0) {
		conn_connect_failed(c, strerror(errno));
		return;
	}
	/* libpq: start as if PQconnectPoll had asked for writability */
	c->state = CONN_CONNECTING;
	c->poll = PGRES_POLLING_WRITING;
	c->timer.cb = on_connect_timeout;
	h2o_timeout_link(pool->loop, &pool->connect_timeout, &c->timer);
	conn_interest(c);
}

/* Queries on a connection. */

/* Sends what libpq still holds; returns -1 when the connection broke. */
static int
conn_flush(struct pg_conn *c)
{
	switch (PQflush(c->pg)) {
	case 0:
		c->flushing = 0;
		break;
	case 1:
		c->flushing = 1;
		break;
	default:
		conn_lost(c);
		return -1;
	}
	conn_interest(c);
	return 0;
}

static void
conn_send(struct pg_conn *c, struct pg_query *q)
{
	char line[512], quoted[600];

	if (!PQsendQueryParams(c->pg, q->sql, q->nparams, NULL, q->params, q->lengths, q->formats,
	    q->result_format)) {
		if (PQstatus(c->pg) == CONNECTION_BAD) {
			query_fail(q, ERR_LOST);
			conn_lost(c);
			return;
		}
		/* the connection is fine: the query itself was refused */
		log_warnx("event=pg_send_failed %s error=%s", c->pool->target,
		    log_quote(quoted, sizeof quoted,
		    log_one_line(line, sizeof line, PQerrorMessage(c->pg)), (size_t)-1));
		query_fail(q, ERR_SEND);
		return;
	}
	c->state = CONN_BUSY;
	c->query = q;
	q->conn = c;
	conn_flush(c);
}

/* Gives waiting queries to c while it is idle. */
static void
conn_dispatch(struct pg_conn *c)
{
	struct pg_pool *pool = c->pool;
	struct pg_query *q;

	while (c->state == CONN_IDLE && !h2o_linklist_is_empty(&pool->queue)) {
		q = H2O_STRUCT_FROM_MEMBER(struct pg_query, link, pool->queue.next);
		h2o_linklist_unlink(&q->link);
		conn_send(c, q);
	}
}

/*
 * Classes whose errors come from the server's state, not the statement:
 * connection exception, transaction rollback (serialization failure,
 * deadlock), insufficient resources, operator intervention (shutdown,
 * cancel), system error.
 */
static const char transient_classes[][3] = { "08", "40", "53", "57", "58" };

static enum pg_error_kind
sqlstate_kind(const char *state)
{
	if (strncmp(state, "22", 2) == 0)
		return PG_ERR_DATA;
	if (strncmp(state, "23", 2) == 0)
		return PG_ERR_CONSTRAINT;
	if (strcmp(state, "55P03") == 0)	/* lock_not_available: NOWAIT lost a race */
		return PG_ERR_SERVER_TRANSIENT;
	for (size_t i = 0; i < sizeof transient_classes / sizeof transient_classes[0]; i++)
		if (strncmp(state, transient_classes[i], 2) == 0)
			return PG_ERR_SERVER_TRANSIENT;
	return PG_ERR_SERVER;
}

/* The server's error: its SQLSTATE and kind, and "SQLSTATE: primary message" in buf. */
static void
result_error(const PGresult *res, struct pg_error *err, char *buf, size_t size)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char line[400];

	if (msg == NULL || msg[0] == '\0')
		msg = PQresultErrorMessage(res);
	if (msg[0] == '\0')
		msg = PQresStatus(PQresultStatus(res));
	log_one_line(line, sizeof line, msg);
	err->message = buf;
	if (state != NULL && strlen(state) == 5) {
		memcpy(err->sqlstate, state, 6);
		err->kind = sqlstate_kind(state);
		snprintf(buf, size, "%s: %s", state, line);
	} else {
		/* an error result without a SQLSTATE is libpq's own: the link is at fault */
		err->sqlstate[0] = '\0';
		err->kind = PG_ERR_LOST;
		snprintf(buf, size, "%s", line);
	}
}

/* The query in flight has all its results: hand the first to the caller. */
static void
conn_finish_query(struct pg_conn *c)
{
	struct pg_query *q = c->query;
	PGresult *res = c->res;
	const struct pg_error *err = NULL;
	struct pg_error server;
	char buf[512];

	c->query = NULL;
	c->res = NULL;
	q->conn = NULL;
	h2o_timeout_unlink(&q->timer);
	if (PQstatus(c->pg) == CONNECTION_BAD)
		conn_lost(c);
	else {
		/* The next query goes out before this callback runs. */
		c->state = CONN_IDLE;
		conn_interest(c);
		conn_dispatch(c);
	}

	if (res == NULL)
		err = ERR_NOMEM;
	else if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		result_error(res, &server, buf, sizeof buf);
		err = &server;
	}
	query_deliver(q, err == NULL ? res : NULL, err);
	PQclear(res);
}

static void
conn_busy_io(struct pg_conn *c)
{
	PGresult *r;

	if (c->flushing && conn_flush(c) != 0)
		return;
	if (!PQconsumeInput(c->pg)) {
		conn_lost(c);
		return;
	}
	while (!PQisBusy(c->pg)) {
		if ((r = PQgetResult(c->pg)) == NULL) {
			conn_finish_query(c);
			return;
		}
		if (PQresultStatus(r) == PGRES_COPY_IN || PQresultStatus(r) == PGRES_COPY_OUT ||
		    PQresultStatus(r) == PGRES_COPY_BOTH) {
			/* the connection now waits for COPY data we never send */
			struct pg_query *q = c->query;

			PQclear(r);
			c->query = NULL;
			conn_reset(c);
			query_fail(q, ERR_COPY);
			return;
		}
		/* one statement, one result; anything after it is dropped */
		if (c->res == NULL)
			c->res = r;
		else
			PQclear(r);
	}
	if (PQstatus(c->pg) == CONNECTION_BAD)
		conn_lost(c);
}

/* Idle: only the server going away (or a stray notice) makes us readable. */
static void
conn_idle_io(struct pg_conn *c)
{
	PGnotify *n;

	if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
		conn_lost(c);
		return;
	}
	while ((n = PQnotifies(c->pg)) != NULL)
		PQfreemem(n);
}

static void
on_sock_ready(h2o_socket_t *sock, const char *err)
{
	struct pg_conn *c = sock->data;

	switch (c->state) {
	case CONN_CONNECTING:
		conn_connect_step(c);
		break;
	case CONN_IDLE:
		conn_idle_io(c);
		break;
	case CONN_BUSY:
		conn_busy_io(c);
		break;
	case CONN_DOWN:
		break;
	}
}

/* The query overran: fail it, and drop its connection if it was sent. */
static void
on_query_timeout(h2o_timeout_entry_t *entry)
{
	struct pg_query *q = H2O_STRUCT_FROM_MEMBER(struct pg_query, timer, entry);
	struct pg_pool *pool = q->pool;
	struct pg_conn *c = q->conn;

	if (c != NULL) {
		log_warnx("event=pg_query_timeout %s timeout_ms=%d action=reconnect",
		    pool->target, pool->query_timeout_ms);
		c->query = NULL;
		q->conn = NULL;
		conn_reset(c);
	} else if (h2o_linklist_is_linked(&q->link))
		h2o_linklist_unlink(&q->link);
	query_deliver(q, NULL, ERR_TIMEOUT);
}

/* The interface. */

struct pg_pool *
pg_pool_new(h2o_loop_t *loop, const char *conninfo, const struct pg_pool_options *opts)
{
	struct pg_pool *pool;
	int connect_ms, i;

	if ((pool = calloc(1, sizeof *pool)) == NULL)
		return NULL;
	pool->nconns = opts != NULL && opts->connections > 0 ? opts->connections : DEFAULT_CONNECTIONS;
	pool->query_timeout_ms = opts != NULL && opts->query_timeout_ms > 0 ?
	    opts->query_timeout_ms : DEFAULT_QUERY_MS;
	connect_ms = opts != NULL && opts->connect_timeout_ms > 0 ?
	    opts->connect_timeout_ms : DEFAULT_CONNECT_MS;
	if ((pool->conninfo = strdup(conninfo)) == NULL ||
	    (pool->conns = calloc(pool->nconns, sizeof *pool->conns)) == NULL) {
		free(pool->conninfo);
		free(pool);
		return NULL;
	}
	pool->loop = loop;
	describe_target(pool);
	h2o_linklist_init_anchor(&pool->queue);
	h2o_linklist_init_anchor(&pool->failing);
	pool->fail_timer.cb = on_fail_timer;
	h2o_timeout_init(loop, &pool->query_timeout, pool->query_timeout_ms);
	h2o_timeout_init(loop, &pool->connect_timeout, connect_ms);
	h2o_timeout_init(loop, &pool->soon, 1);
	for (i = 0; i < RETRY_STEPS; i++)
		h2o_timeout_init(loop, &pool->retry[i], retry_ms[i]);
	for (i = 0; i < pool->nconns; i++) {
		pool->conns[i].pool = pool;
		conn_start(&pool->conns[i]);
	}
	return pool;
}

void
pg_pool_free(struct pg_pool *pool)
{
	struct pg_conn *c;
	struct pg_query *q;
	int i;

	if (pool == NULL)
		return;
	/* h2o may be walking our timeouts right now; freeing them would crash it */
	if (pool->in_callback > 0)
		fatalx("pg_pool_free called from a query callback");
	pool->closing = 1;
	h2o_timeout_unlink(&pool->fail_timer);
	for (i = 0; i < pool->nconns; i++) {
		c = &pool->conns[i];
		if ((q = c->query) != NULL) {
			c->query = NULL;
			query_fail(q, ERR_CLOSED);
		}
		conn_close(c);
	}
	pool_fail_queue(pool, ERR_CLOSED);
	/* a callback that submits more is refused at once, the pool being closing */
	while (!h2o_linklist_is_empty(&pool->failing)) {
		q = H2O_STRUCT_FROM_MEMBER(struct pg_query, link, pool->failing.next);
		h2o_linklist_unlink(&q->link);
		query_deliver(q, NULL, q->err);
	}
	h2o_timeout_dispose(pool->loop, &pool->query_timeout);
	h2o_timeout_dispose(pool->loop, &pool->connect_timeout);
	h2o_timeout_dispose(pool->loop, &pool->soon);
	for (i = 0; i < RETRY_STEPS; i++)
		h2o_timeout_dispose(pool->loop, &pool->retry[i]);
	free(pool->conns);
	free(pool->conninfo);
	free(pool);
}

bool
pg_pool_ready(const struct pg_pool *pool)
{
	return pool->nready > 0;
}

bool
pg_pool_settled(const struct pg_pool *pool)
{
	return pool->said != SAID_NOTHING;
}

/* The failures pg_query_params_async reports before returning NULL. */
static struct pg_query *
query_refuse(struct pg_pool *pool, pg_query_cb cb, void *arg, const struct pg_error *err)
{
	pool->in_callback++;
	cb(arg, NULL, err);
	pool->in_callback--;
	return NULL;
}

/* The length of parameter i as it is copied: a text one with its NUL. */
static size_t
param_size(const char *const *params, const struct pg_binary *bin, int i)
{
	if (params[i] == NULL)
		return 0;
	if (bin != NULL && bin->formats[i] == 1)
		return (size_t)bin->lengths[i];
	return strlen(params[i]) + 1;
}

struct pg_query *
pg_query_params_bin_async(struct pg_pool *pool, const char *sql, int nparams,
    const char *const *params, const struct pg_binary *bin, pg_query_cb cb, void *arg)
{
	struct pg_query *q;
	size_t size, arrays, len;
	char *p;
	int i;

	if (pool->closing)
		return query_refuse(pool, cb, arg, ERR_CLOSED);
	if (pool->nready == 0)
		return query_refuse(pool, cb, arg, ERR_UNAVAILABLE);
	if (nparams < 0 || (nparams > 0 && params == NULL) ||
	    (bin != NULL && nparams > 0 && (bin->lengths == NULL || bin->formats == NULL)))
		return query_refuse(pool, cb, arg, ERR_SEND);
	for (i = 0; bin != NULL && i < nparams; i++)
		if ((bin->formats[i] != 0 && bin->formats[i] != 1) || (bin->formats[i] == 1 && bin->lengths[i] < 0))
			return query_refuse(pool, cb, arg, ERR_SEND);

	/* the pointers first, then the int arrays, then the bytes: each aligned for its kind */
	arrays = bin != NULL ? 2 * (size_t)nparams * sizeof(int) : 0;
	size = sizeof *q + (size_t)nparams * sizeof(char *) + arrays + strlen(sql) + 1;
	for (i = 0; i < nparams; i++)
		size += param_size(params, bin, i);
	if ((q = calloc(1, size)) == NULL)
		return query_refuse(pool, cb, arg, ERR_NOMEM);
	q->pool = pool;
	q->cb = cb;
	q->arg = arg;
	q->nparams = nparams;
	q->params = (const char **)(q + 1);
	p = (char *)(q->params + nparams);
	if (bin != NULL) {
		q->lengths = memcpy(p, bin->lengths, (size_t)nparams * sizeof(int));
		q->formats = memcpy(p + (size_t)nparams * sizeof(int), bin->formats, (size_t)nparams * sizeof(int));
		q->result_format = bin->result_format;
		p += arrays;
	}
	for (i = 0; i < nparams; i++) {
		if (params[i] == NULL)
			continue;	/* SQL NULL */
		len = param_size(params, bin, i);
		q->params[i] = memcpy(p, params[i], len);
		p += len;
	}
	q->sql = strcpy(p, sql);

	q->timer.cb = on_query_timeout;
	h2o_timeout_link(pool->loop, &pool->query_timeout, &q->timer);
	/* a non-empty queue means no connection is idle, so order holds */
	h2o_linklist_insert(&pool->queue, &q->link);
	for (i = 0; i < pool->nconns && !h2o_linklist_is_empty(&pool->queue); i++)
		conn_dispatch(&pool->conns[i]);
	return q;
}

struct pg_query *
pg_query_params_async(struct pg_pool *pool, const char *sql, int nparams,
    const char *const *params, pg_query_cb cb, void *arg)
{
	return pg_query_params_bin_async(pool, sql, nparams, params, NULL, cb, arg);
}

void
pg_query_abandon(struct pg_query *q)
{
	if (q == NULL)
		return;
	q->abandoned = 1;
	/* in flight: its result, or its timeout, frees it; in its callback: ditto */
	if (q->conn != NULL || q->delivering)
		return;
	query_free(q);
}

bool
pg_error_is(const struct pg_error *err, const char *sqlstate)
{
	return err != NULL && strcmp(err->sqlstate, sqlstate) == 0 && err->sqlstate[0] != '\0';
}

bool
pg_error_transient(const struct pg_error *err)
{
	switch (err->kind) {
	case PG_ERR_UNAVAILABLE:
	case PG_ERR_TIMEOUT:
	case PG_ERR_LOST:
	case PG_ERR_CLOSED:
	case PG_ERR_NOMEM:
	case PG_ERR_SERVER_TRANSIENT:
		return true;
	case PG_ERR_REFUSED:
	case PG_ERR_DATA:
	case PG_ERR_CONSTRAINT:
	case PG_ERR_SERVER:
		break;
	}
	return false;
}
