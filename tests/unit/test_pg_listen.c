/*
 * test_pg_listen: lib/pg_listen against a real server.
 *
 * Needs QUILL_TEST_PG_HOST, the socket directory of a cluster started by
 * tests/pgcluster.sh (tests/run starts one).  The test talks to the
 * server besides through a blocking libpq connection of its own, to send
 * NOTIFY, to kill the listener's backend and to see its sessions go.
 * What PostgreSQL itself guarantees (delivery at commit, one channel per
 * LISTEN) is not tested here.  Every wait is bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "lib/log.h"
#include "lib/pg_listen.h"
#include "tests/unit/tap.h"
#include "tests/unit/evloop_wait.h"

static char conninfo[512];

struct seen {
	int listening;
	int notes;
	char last[128];
};

static void
on_notify(void *arg, const char *payload)
{
	struct seen *s = arg;

	s->notes++;
	snprintf(s->last, sizeof(s->last), "%s", payload);
}

static void
on_listening(void *arg)
{
	struct seen *s = arg;

	s->listening++;
}

/* One statement on the test's own connection; whether it succeeded. */
static bool
exec_sql(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	bool good = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!good)
		printf("#   %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return good;
}

/* How many sessions of this program the server has (the listener's, not the test's own). */
static int
listener_backends(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'test_pg_listen'");
	int n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : -1;

	PQclear(r);
	return n;
}

/* Lines of the captured log that hold both words. */
static int
log_lines(const char *path, const char *a, const char *b)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, a) != NULL && strstr(line, b) != NULL;
	fclose(f);
	return n;
}

static void
test_channel_names(void)
{
	struct seen s = { 0 };
	struct pg_listen_callbacks cb = { on_notify, on_listening, &s };

	ok(pg_listen_new(loop, conninfo, "", 0, &cb) == NULL, "an empty channel is refused");
	ok(pg_listen_new(loop, conninfo, "a; DROP TABLE x", 0, &cb) == NULL, "a channel that is not an identifier is refused");
	ok(pg_listen_new(loop, conninfo, "Upper", 0, &cb) == NULL, "  upper case too (LISTEN would fold it)");
	ok(pg_listen_new(loop, conninfo, "9lives", 0, &cb) == NULL, "  and a leading digit");
}

static void
test_notify_and_reconnect(PGconn *c)
{
	struct seen s = { 0 };
	struct pg_listen_callbacks cb = { on_notify, on_listening, &s };
	struct pg_listen *l = pg_listen_new(loop, conninfo, "quill_test_chan", 0, &cb);

	ok(l != NULL, "listener made");
	ok(!pg_listen_ready(l), "  not listening before the loop ran");
	is_int(s.listening, 0, "  and no callback from inside pg_listen_new");
	ok(WAIT_FOR(pg_listen_ready(l), 5000), "it comes to listen");
	is_int(s.listening, 1, "  and says so once");

	exec_sql(c, "NOTIFY quill_test_chan, 'job-1 processing'");
	ok(WAIT_FOR(s.notes == 1, 2000), "a NOTIFY on its channel reaches the callback");
	is_str(s.last, "job-1 processing", "  with its payload");
	exec_sql(c, "NOTIFY quill_test_chan");
	ok(WAIT_FOR(s.notes == 2, 2000), "one without a payload arrives too");
	is_str(s.last, "", "  as an empty payload");
	exec_sql(c, "NOTIFY quill_test_chan, 'one'; NOTIFY quill_test_chan, 'two'");
	ok(WAIT_FOR(s.notes == 4, 2000) && strcmp(s.last, "two") == 0,
	    "two in one round trip both arrive, in order");

	ok(exec_sql(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	    "WHERE application_name = 'test_pg_listen' AND query LIKE 'LISTEN%'"),
	    "the listener's backend is killed");
	ok(WAIT_FOR(!pg_listen_ready(l), 2000), "  it sees its connection go");
	ok(WAIT_FOR(pg_listen_ready(l), 5000), "  and listens again");
	is_int(s.listening, 2, "  saying so again, for the caller to re-read what it watches");
	exec_sql(c, "NOTIFY quill_test_chan, 'after'");
	ok(WAIT_FOR(s.notes == 5, 2000) && strcmp(s.last, "after") == 0,
	    "  notifications flow again after the reconnect");
	pg_listen_free(l);
	ok(WAIT_FOR(listener_backends(c) == 0, 2000), "freed, its session ends on the server");
}

/*
 * With no server: it tries again and again with backoff (100, 200, 400
 * ms...), warning once and logging the rest at debug.  Its log, at debug,
 * goes to a file for the time of the test.
 */
static void
test_unreachable(PGconn *c)
{
	struct seen s = { 0 };
	struct pg_listen_callbacks cb = { on_notify, on_listening, &s };
	struct pg_listen *l;
	char path[] = "/tmp/test_pg_listen.XXXXXX";
	int fd = mkstemp(path), saved = dup(2), tries;

	if (fd < 0 || saved < 0 || dup2(fd, 2) < 0) {
		skip("the log cannot be captured");
		return;
	}
	log_set_level(LOG_LEVEL_DEBUG);
	l = pg_listen_new(loop, "host=/nonexistent dbname=quill user=quill", "chan", 200, &cb);
	ok(l != NULL, "a listener with no server is still made");
	spin(800);
	ok(!pg_listen_ready(l) && s.listening == 0, "  it never listens");
	tries = log_lines(path, "event=pg_listen_connect_failed", "host=/nonexistent");
	ok(tries >= 3 && tries <= 5, "  it tries again with backoff: 4 tries in 800 ms");
	if (tries < 3 || tries > 5)
		printf("#   %d tries\n", tries);
	is_int(log_lines(path, "event=pg_listen_connect_failed", "level=warn"), 1, "  warning once, the rest at debug");
	pg_listen_free(l);
	spin(800);
	is_int(log_lines(path, "event=pg_listen_connect_failed", "host=/nonexistent"), tries,
	    "  freed while waiting to retry: no try after that");

	l = pg_listen_new(loop, conninfo, "chan", 0, &cb);
	pg_listen_free(l);
	spin(300);
	ok(s.listening == 0 && s.notes == 0, "one freed while it connects calls nothing after");
	ok(WAIT_FOR(listener_backends(c) == 0, 2000), "  and leaves no session on the server");
	dup2(saved, 2);
	close(saved);
	close(fd);
	unlink(path);
	log_set_level(getenv("QUILL_TEST_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
}

int
main(void)
{
	const char *host = getenv("QUILL_TEST_PG_HOST");
	PGconn *c;

	if (host == NULL || host[0] == '\0')
		skip_all("QUILL_TEST_PG_HOST not set");
	snprintf(conninfo, sizeof(conninfo), "host=%s port=5432 dbname=quill user=quill", host);
	log_open("test_pg_listen", "stderr", NULL, getenv("QUILL_TEST_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	loop = h2o_evloop_create();
	c = PQconnectdb(conninfo);
	if (!ok(PQstatus(c) == CONNECTION_OK, "the test's own connection")) {
		PQfinish(c);
		return done_testing();
	}
	test_channel_names();
	test_notify_and_reconnect(c);
	test_unreachable(c);
	PQfinish(c);
	h2o_evloop_run(loop, 0);	/* libh2o frees closed sockets on the next turn */
	h2o_evloop_destroy(loop);
	return done_testing();
}
