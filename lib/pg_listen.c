/*
 * pg_listen: see pg_listen.h.
 *
 * The connection walks DOWN -> CONNECTING -> SUBSCRIBING -> LISTENING and
 * back to DOWN on any failure; from DOWN a timer starts the next attempt.
 * SUBSCRIBING is the LISTEN statement in flight: only once its result is
 * in does the server queue notifications for us, so only then is the
 * caller told `listening`.
 *
 * The loop watches a duplicate of libpq's socket, not the socket itself:
 * PQconnectPoll may close its socket and open another (the next address
 * of a host) that gets the same number, and epoll forgets a closed
 * descriptor silently.  Owning the duplicate, we close it ourselves, and
 * a new socket is recognised by its inode, not its number.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "lib/log.h"
#include "lib/pg_listen.h"

#define DEFAULT_CONNECT_MS	3000
#define CHANNEL_MAX		63	/* NAMEDATALEN - 1 */
#define BACKOFF_STEPS		6

/* An h2o_timeout_t has one length, so one per step: 100 ms doubling to 3.2 s. */
static const uint64_t backoff_ms[BACKOFF_STEPS] = { 100, 200, 400, 800, 1600, 3200 };

enum listen_state {
	LISTEN_DOWN,
	LISTEN_CONNECTING,
	LISTEN_SUBSCRIBING,
	LISTEN_LISTENING,
};

struct pg_listen {
	h2o_loop_t *loop;
	char *conninfo;
	char channel[CHANNEL_MAX + 1];
	char target[256];		/* the loggable part of the conninfo */
	struct pg_listen_callbacks cb;
	enum listen_state state;
	PGconn *pg;
	PostgresPollingStatusType polling;	/* CONNECTING: what libpq waits for */
	bool flushing;			/* SUBSCRIBING: the statement is not all sent */
	bool said_up, said_down;
	int step;			/* next backoff step */
	h2o_socket_t *sock;
	dev_t sock_dev;
	ino_t sock_ino;
	h2o_timeout_entry_t timer;	/* DOWN: retry; CONNECTING: give up */
	h2o_timeout_t connect_timeout;
	h2o_timeout_t backoff[BACKOFF_STEPS];
};

static void listen_start(struct pg_listen *l);
static void on_ready(h2o_socket_t *sock, const char *err);

static bool
channel_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CHANNEL_MAX || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* host, port, dbname and user, quoted; never the password. */
static void
describe(struct pg_listen *l)
{
	static const char *const keep[] = { "host", "hostaddr", "port", "dbname", "user", NULL };
	PQconninfoOption *opts = PQconninfoParse(l->conninfo, NULL);
	char q[128];
	size_t len = 0;

	l->target[0] = '\0';
	if (opts == NULL) {
		snprintf(l->target, sizeof(l->target), "conninfo=invalid");
		return;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		bool shown = false;

		for (int i = 0; keep[i] != NULL; i++)
			shown = shown || strcmp(o->keyword, keep[i]) == 0;
		/* a dbname may be a whole conninfo, password and all */
		if (!shown || o->val == NULL || o->val[0] == '\0' || strchr(o->val, '=') != NULL)
			continue;
		if (len < sizeof(l->target))
			len += (size_t)snprintf(l->target + len, sizeof(l->target) - len, "%s%s=%s",
			    len == 0 ? "" : " ", o->keyword, log_quote(q, sizeof(q), o->val, (size_t)-1));
	}
	PQconninfoFree(opts);
}

static void
unwatch(struct pg_listen *l)
{
	if (l->sock != NULL)
		h2o_socket_close(l->sock);
	l->sock = NULL;
}

/* Watches libpq's current socket through a duplicate.  -1 with errno. */
static int
watch(struct pg_listen *l)
{
	struct stat st;
	int fd = PQsocket(l->pg), dupfd;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (fstat(fd, &st) != 0)
		return -1;
	if (l->sock != NULL && l->sock_dev == st.st_dev && l->sock_ino == st.st_ino)
		return 0;
	unwatch(l);
	if ((dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	l->sock = h2o_evloop_socket_create(l->loop, dupfd, H2O_SOCKET_FLAG_DONT_READ);
	l->sock->data = l;
	l->sock_dev = st.st_dev;
	l->sock_ino = st.st_ino;
	return 0;
}

/* Asks the loop for what the state waits on. */
static void
want(struct pg_listen *l)
{
	bool rd = true, wr = false;

	if (l->state == LISTEN_CONNECTING) {
		rd = l->polling == PGRES_POLLING_READING;
		wr = !rd;
	} else if (l->state == LISTEN_SUBSCRIBING)
		wr = l->flushing;
	if (rd && !h2o_socket_is_reading(l->sock))
		h2o_socket_read_start(l->sock, on_ready);
	else if (!rd && h2o_socket_is_reading(l->sock))
		h2o_socket_read_stop(l->sock);
	/* a write notification cannot be taken back; one that comes late does no harm */
	if (wr && !h2o_socket_is_writing(l->sock))
		h2o_socket_notify_write(l->sock, on_ready);
}

static void
on_retry(h2o_timeout_entry_t *entry)
{
	listen_start(H2O_STRUCT_FROM_MEMBER(struct pg_listen, timer, entry));
}

/* Drops the connection and tries again after the backoff.  why may point into l->pg. */
static void
listen_fail(struct pg_listen *l, const char *event, const char *why)
{
	char line[512], q[600];

	log_quote(q, sizeof(q), log_one_line(line, sizeof(line), why), (size_t)-1);
	if (!l->said_down) {
		log_warnx("event=%s %s channel=%s error=%s", event, l->target, l->channel, q);
		l->said_down = true;
		l->said_up = false;
	} else
		log_debug("event=%s %s channel=%s error=%s", event, l->target, l->channel, q);
	if (h2o_timeout_is_linked(&l->timer))
		h2o_timeout_unlink(&l->timer);
	unwatch(l);
	if (l->pg != NULL)
		PQfinish(l->pg);
	l->pg = NULL;
	l->state = LISTEN_DOWN;
	l->flushing = false;
	l->timer.cb = on_retry;
	h2o_timeout_link(l->loop, &l->backoff[l->step], &l->timer);
	if (l->step < BACKOFF_STEPS - 1)
		l->step++;
}

static void
flush(struct pg_listen *l)
{
	int r = PQflush(l->pg);

	if (r < 0) {
		listen_fail(l, "pg_listen_lost", PQerrorMessage(l->pg));
		return;
	}
	l->flushing = r == 1;
	want(l);
}

/* Connected: ask for the channel. */
static void
subscribe(struct pg_listen *l)
{
	char sql[sizeof("LISTEN ") + CHANNEL_MAX];

	if (h2o_timeout_is_linked(&l->timer))
		h2o_timeout_unlink(&l->timer);
	if (PQsetnonblocking(l->pg, 1) != 0) {
		listen_fail(l, "pg_listen_connect_failed", PQerrorMessage(l->pg));
		return;
	}
	/* the channel was checked to be a plain identifier: nothing to quote */
	snprintf(sql, sizeof(sql), "LISTEN %s", l->channel);
	if (!PQsendQuery(l->pg, sql)) {
		listen_fail(l, "pg_listen_connect_failed", PQerrorMessage(l->pg));
		return;
	}
	l->state = LISTEN_SUBSCRIBING;
	flush(l);
}

static void
connect_step(struct pg_listen *l)
{
	PostgresPollingStatusType st = PQconnectPoll(l->pg);

	if (st == PGRES_POLLING_FAILED) {
		listen_fail(l, "pg_listen_connect_failed", PQerrorMessage(l->pg));
		return;
	}
	if (watch(l) != 0) {
		listen_fail(l, "pg_listen_connect_failed", strerror(errno));
		return;
	}
	if (st == PGRES_POLLING_OK) {
		subscribe(l);
		return;
	}
	l->polling = st == PGRES_POLLING_READING ? PGRES_POLLING_READING : PGRES_POLLING_WRITING;
	want(l);
}

/* The LISTEN statement's results, as they come. */
static void
subscribe_step(struct pg_listen *l)
{
	PGresult *r;

	if (l->flushing) {
		flush(l);
		if (l->state != LISTEN_SUBSCRIBING || l->flushing)
			return;
	}
	if (!PQconsumeInput(l->pg)) {
		listen_fail(l, "pg_listen_lost", PQerrorMessage(l->pg));
		return;
	}
	while (!PQisBusy(l->pg)) {
		if ((r = PQgetResult(l->pg)) == NULL) {
			l->state = LISTEN_LISTENING;
			l->step = 0;
			if (!l->said_up)
				log_info("event=pg_listen_up %s channel=%s", l->target, l->channel);
			l->said_up = true;
			l->said_down = false;
			want(l);
			l->cb.listening(l->cb.arg);
			return;
		}
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
			PQclear(r);
			listen_fail(l, "pg_listen_refused", msg);
			return;
		}
		PQclear(r);
	}
	want(l);
}

static void
listening_step(struct pg_listen *l)
{
	PGnotify *n;

	if (!PQconsumeInput(l->pg) || PQstatus(l->pg) == CONNECTION_BAD) {
		listen_fail(l, "pg_listen_lost", PQerrorMessage(l->pg));
		return;
	}
	/* the session LISTENs to l->channel alone, so every notification is of it */
	while ((n = PQnotifies(l->pg)) != NULL) {
		l->cb.notify(l->cb.arg, n->extra != NULL ? n->extra : "");
		PQfreemem(n);
	}
}

static void
on_ready(h2o_socket_t *sock, const char *err)
{
	struct pg_listen *l = sock->data;

	switch (l->state) {
	case LISTEN_CONNECTING:
		connect_step(l);
		break;
	case LISTEN_SUBSCRIBING:
		subscribe_step(l);
		break;
	case LISTEN_LISTENING:
		listening_step(l);
		break;
	case LISTEN_DOWN:
		break;
	}
}

/* libpq prints notices to stderr unless told otherwise; they are of no use here */
static void
on_notice(void *arg, const char *message)
{
	char line[512], q[600];

	log_debug("event=pg_listen_notice message=%s",
	    log_quote(q, sizeof(q), log_one_line(line, sizeof(line), message), (size_t)-1));
}

static void
on_connect_timeout(h2o_timeout_entry_t *entry)
{
	listen_fail(H2O_STRUCT_FROM_MEMBER(struct pg_listen, timer, entry), "pg_listen_connect_failed",
	    "timed out connecting");
}

static void
listen_start(struct pg_listen *l)
{
	/* keepalives: a peer gone without a word shows within about a minute */
	const char *keys[] = { "keepalives_idle", "keepalives_interval", "keepalives_count",
	    "dbname", "fallback_application_name", NULL };
	const char *vals[] = { "30", "10", "3", l->conninfo, program_invocation_short_name, NULL };

	if ((l->pg = PQconnectStartParams(keys, vals, 1)) == NULL) {
		listen_fail(l, "pg_listen_connect_failed", "out of memory");
		return;
	}
	PQsetNoticeProcessor(l->pg, on_notice, NULL);
	if (PQstatus(l->pg) == CONNECTION_BAD) {
		listen_fail(l, "pg_listen_connect_failed", PQerrorMessage(l->pg));
		return;
	}
	if (watch(l) != 0) {
		listen_fail(l, "pg_listen_connect_failed", strerror(errno));
		return;
	}
	l->state = LISTEN_CONNECTING;
	l->polling = PGRES_POLLING_WRITING;	/* libpq: begin as if asked for writability */
	l->timer.cb = on_connect_timeout;
	h2o_timeout_link(l->loop, &l->connect_timeout, &l->timer);
	want(l);
}

struct pg_listen *
pg_listen_new(h2o_loop_t *loop, const char *conninfo, const char *channel, int connect_timeout_ms,
    const struct pg_listen_callbacks *cb)
{
	struct pg_listen *l;

	if (!channel_valid(channel) || (l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->conninfo = strdup(conninfo)) == NULL) {
		free(l);
		return NULL;
	}
	l->loop = loop;
	snprintf(l->channel, sizeof(l->channel), "%s", channel);
	l->cb = *cb;
	describe(l);
	h2o_timeout_init(loop, &l->connect_timeout,
	    (uint64_t)(connect_timeout_ms > 0 ? connect_timeout_ms : DEFAULT_CONNECT_MS));
	for (int i = 0; i < BACKOFF_STEPS; i++)
		h2o_timeout_init(loop, &l->backoff[i], backoff_ms[i]);
	/* a failure here arms the retry timer: no callback runs before we return */
	listen_start(l);
	return l;
}

void
pg_listen_free(struct pg_listen *l)
{
	if (l == NULL)
		return;
	if (h2o_timeout_is_linked(&l->timer))
		h2o_timeout_unlink(&l->timer);
	unwatch(l);
	if (l->pg != NULL)
		PQfinish(l->pg);
	h2o_timeout_dispose(l->loop, &l->connect_timeout);
	for (int i = 0; i < BACKOFF_STEPS; i++)
		h2o_timeout_dispose(l->loop, &l->backoff[i]);
	free(l->conninfo);
	free(l);
}

bool
pg_listen_ready(const struct pg_listen *l)
{
	return l->state == LISTEN_LISTENING;
}
