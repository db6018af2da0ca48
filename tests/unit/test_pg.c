/*
 * test_pg: the async PostgreSQL pool against a real server.
 *
 * Needs QUILL_TEST_PG_DIR, a cluster directory managed by
 * tests/pgcluster.sh (started before the test; it is stopped and started
 * again here to check reconnection, and left running).  The script is
 * found as $QUILL_PGCLUSTER, else under $srcdir (automake's make check)
 * or $QUILL_SRC (tests/run), else as ./tests/pgcluster.sh.
 *
 * Every wait is bounded by a deadline, so a broken pool fails checks
 * instead of hanging the test.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/pg.h"
#include "tests/unit/tap.h"
#include "tests/unit/evloop_wait.h"

static char conninfo[512];
static char script[512];
static char clusterdir[256];
static int completions;		/* callbacks so far, to number them */

struct result {
	int calls;
	int order;		/* value of completions when it ran */
	int ok;
	char err[256];
	enum pg_error_kind kind;
	char sqlstate[6];
	int transient;
	int nrows;
	char v[3][64];		/* first row, first columns; "NULL" for SQL NULL */
	struct pg_query *self;	/* for abandoning from inside the callback */
};

static uint64_t
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static void
on_result(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct result *r = arg;
	int i;

	r->calls++;
	r->order = ++completions;
	r->ok = res != NULL && err == NULL;
	snprintf(r->err, sizeof r->err, "%s", err != NULL ? err->message : "");
	r->kind = err != NULL ? err->kind : PG_ERR_SERVER;
	snprintf(r->sqlstate, sizeof r->sqlstate, "%s", err != NULL ? err->sqlstate : "");
	r->transient = err != NULL && pg_error_transient(err);
	if (res == NULL)
		return;
	r->nrows = PQntuples(res);
	for (i = 0; i < 3 && i < PQnfields(res) && r->nrows > 0; i++)
		snprintf(r->v[i], sizeof r->v[i], "%s",
		    PQgetisnull(res, 0, i) ? "NULL" : PQgetvalue(res, 0, i));
}

static void
on_result_abandon_self(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct result *r = arg;

	on_result(arg, res, err);
	pg_query_abandon(r->self);	/* must be harmless */
}

static struct pg_query *
query(struct pg_pool *pool, const char *sql, int n, const char *const *params, struct result *r)
{
	memset(r, 0, sizeof *r);
	return pg_query_params_async(pool, sql, n, params, on_result, r);
}

/* Bytes with a NUL and high bytes in as a binary parameter, out as a binary result. */
static void
on_bytes(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct result *r = arg;
	static const char want[] = { 'a', 0, (char)0xff, 'z' };

	r->calls++;
	r->ok = res != NULL && PQntuples(res) == 1 && PQgetlength(res, 0, 0) == (int)sizeof(want) &&
	    memcmp(PQgetvalue(res, 0, 0), want, sizeof(want)) == 0 && strcmp(PQgetvalue(res, 0, 1), "text") == 0;
}

static void
test_binary(struct pg_pool *pool)
{
	static const char bytes[] = { 'a', 0, (char)0xff, 'z' };
	const char *params[] = { bytes, "text" };
	const int lengths[] = { (int)sizeof(bytes), 0 }, formats[] = { 1, 0 }, bad[] = { 2, 0 };
	struct pg_binary bin = { lengths, formats, 1 };
	struct result r;

	memset(&r, 0, sizeof(r));
	pg_query_params_bin_async(pool, "SELECT $1::bytea, $2::text", 2, params, &bin, on_bytes, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && r.ok, "a bytea with a NUL goes in and comes back byte for byte");
	bin.formats = bad;
	memset(&r, 0, sizeof(r));
	ok(pg_query_params_bin_async(pool, "SELECT $1", 2, params, &bin, on_result, &r) == NULL &&
	    r.calls == 1 && r.kind == PG_ERR_REFUSED, "a format other than 0 or 1 is refused");
}

static int
cluster(const char *action)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "'%s' %s '%s' >/dev/null", script, action, clusterdir);
	return system(cmd);
}

static void
test_ready_and_params(struct pg_pool *pool)
{
	const char *params[] = { "41", "h\xc3\xa9llo 'quoted' $2", NULL };
	const char *five[] = { "5" };
	struct result r;
	uint64_t cpu;

	ok(WAIT_FOR(pg_pool_ready(pool), 5000), "pool becomes ready");
	ok(pg_pool_settled(pool), "a ready pool is settled");

	ok(query(pool, "SELECT $1::int + 1, $2::text, $3::text IS NULL", 3, params, &r) != NULL,
	    "query returns a handle");
	is_int(r.calls, 0, "callback does not run before the query returns");
	ok(WAIT_FOR(r.calls > 0, 3000), "query completes");
	is_int(r.calls, 1, "callback runs once");
	ok(r.ok, "query succeeds");
	is_int(r.nrows, 1, "one row");
	is_str(r.v[0], "42", "integer parameter");
	is_str(r.v[1], "h\xc3\xa9llo 'quoted' $2", "text parameter kept as is, not interpolated");
	is_str(r.v[2], "t", "NULL parameter is SQL NULL");

	query(pool, "SELECT generate_series(1, $1::int)", 1, five, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && r.ok, "set-returning query succeeds");
	is_int(r.nrows, 5, "all rows delivered");

	query(pool, "CREATE TEMP TABLE t (x int)", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && r.ok, "command (COMMAND_OK) succeeds");

	/* a socket left polled for the wrong readiness would spin the loop */
	cpu = cpu_ms();
	spin(1000);
	cpu = cpu_ms() - cpu;
	ok(cpu < 200, "an idle pool leaves the loop asleep");
	if (cpu >= 200)
		printf("#   %llu ms of CPU in 1 s idle\n", (unsigned long long)cpu);
}

static void
test_errors(struct pg_pool *pool)
{
	const char *bad[] = { "not a number" };
	struct result r;

	query(pool, "SELECT 1/0", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000), "failing query completes");
	ok(!r.ok && r.nrows == 0, "SQL error gives no result");
	is_str(r.err, "22012: division by zero", "SQL error as SQLSTATE: message");
	is_str(r.sqlstate, "22012", "  with its SQLSTATE kept");
	ok(r.kind == PG_ERR_DATA && !r.transient, "  class 22 is PG_ERR_DATA, not transient");

	query(pool, "DO $$ BEGIN RAISE unique_violation; END $$", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && r.kind == PG_ERR_CONSTRAINT && !r.transient,
	    "class 23 is PG_ERR_CONSTRAINT, not transient");
	is_str(r.sqlstate, "23505", "  with its SQLSTATE");
	{
		struct pg_error e = { PG_ERR_CONSTRAINT, "23505", "23505: duplicate" };
		struct pg_error u = { PG_ERR_UNAVAILABLE, "", "database unavailable" };

		ok(pg_error_is(&e, "23505") && !pg_error_is(&e, "23503"), "pg_error_is matches the SQLSTATE only");
		ok(!pg_error_is(NULL, "23505") && !pg_error_is(&u, ""), "  never NULL or an error without one");
	}

	query(pool, "DO $$ BEGIN RAISE serialization_failure; END $$", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && r.kind == PG_ERR_SERVER_TRANSIENT && r.transient,
	    "a serialization failure (40001) is transient");
	query(pool, "DO $$ BEGIN RAISE lock_not_available; END $$", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && r.kind == PG_ERR_SERVER_TRANSIENT && r.transient,
	    "lock_not_available (55P03) is transient");
	query(pool, "DO $$ BEGIN RAISE object_in_use; END $$", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && r.kind == PG_ERR_SERVER && !r.transient,
	    "  but the rest of class 55 is not");

	query(pool, "SELEC 1\nFROM nowhere", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && !r.ok, "syntax error fails");
	is_str(r.sqlstate, "42601", "syntax error has SQLSTATE 42601");
	ok(r.kind == PG_ERR_SERVER && !r.transient, "  and is PG_ERR_SERVER, not transient");
	ok(strchr(r.err, '\n') == NULL, "error message is one line");

	query(pool, "SELECT $1::int", 1, bad, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && strcmp(r.sqlstate, "22P02") == 0 && r.kind == PG_ERR_DATA,
	    "bad parameter value is the server's error, PG_ERR_DATA");

	query(pool, "COPY (SELECT 1) TO STDOUT", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000), "COPY completes");
	is_str(r.err, "COPY is not supported", "COPY is refused");
	ok(r.kind == PG_ERR_REFUSED && !r.transient && r.sqlstate[0] == '\0', "  as PG_ERR_REFUSED, no SQLSTATE");
	ok(WAIT_FOR(pg_pool_ready(pool), 3000), "pool ready after a COPY");

	query(pool, "", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && !r.ok && r.err[0] != '\0', "empty query is an error");

	ok(query(pool, "SELECT $1", -1, NULL, &r) == NULL, "negative nparams is refused");
	is_int(r.calls, 1, "refused query was called back before returning");
	is_str(r.err, "could not send query", "refusal says why");
	ok(r.kind == PG_ERR_REFUSED && !r.transient, "  as PG_ERR_REFUSED");

	query(pool, "SELECT 1", 0, NULL, &r);
	ok(WAIT_FOR(r.calls > 0, 3000) && r.ok, "pool still works after errors");
}

static void
test_fifo(const char *conninfo)
{
	struct pg_pool_options one = { 1, 5000, 3000 }, three = { 3, 5000, 3000 };
	struct pg_pool *pool;
	struct result r[50];
	char vals[50][12];	/* room for any int, as the compiler checks */
	const char *params[1];
	int i, in_order, right, all;
	uint64_t t0, elapsed;

	/* One connection: completion order is submission order. */
	pool = pg_pool_new(loop, conninfo, &one);
	ok(WAIT_FOR(pg_pool_ready(pool), 5000), "1-connection pool ready");
	completions = 0;
	for (i = 0; i < 20; i++) {
		snprintf(vals[i], sizeof vals[i], "%d", i);
		params[0] = vals[i];
		query(pool, "SELECT $1::int", 1, params, &r[i]);
	}
	ok(WAIT_FOR(completions == 20, 5000), "20 queries on 1 connection complete");
	for (i = 0, in_order = right = 1; i < 20; i++) {
		in_order &= r[i].order == i + 1 && r[i].calls == 1;
		right &= r[i].ok && strcmp(r[i].v[0], vals[i]) == 0;
	}
	ok(in_order, "callbacks in FIFO order");
	ok(right, "each query got its own result");
	pg_pool_free(pool);

	/* Three connections, fifty queries: all complete, each its own. */
	pool = pg_pool_new(loop, conninfo, &three);
	ok(WAIT_FOR(pg_pool_ready(pool), 5000), "3-connection pool ready");
	completions = 0;
	for (i = 0; i < 50; i++) {
		snprintf(vals[i], sizeof vals[i], "%d", i);
		params[0] = vals[i];
		query(pool, "SELECT $1::int, pg_backend_pid()", 1, params, &r[i]);
	}
	ok(WAIT_FOR(completions == 50, 10000), "50 queries on 3 connections complete");
	for (i = 0, right = all = 1; i < 50; i++) {
		all &= r[i].calls == 1;
		right &= r[i].ok && strcmp(r[i].v[0], vals[i]) == 0;
	}
	ok(all, "every callback ran exactly once");
	ok(right, "each query got its own result");

	/* Six 300 ms sleeps on 3 connections: two rounds, in parallel. */
	t0 = now_ms();
	completions = 0;
	for (i = 0; i < 6; i++)
		query(pool, "SELECT pg_sleep(0.3)", 0, NULL, &r[i]);
	ok(WAIT_FOR(completions == 6, 5000), "6 sleeps complete");
	elapsed = now_ms() - t0;
	ok(elapsed >= 550, "more queries than connections wait their turn");
	ok(elapsed < 1500, "connections run queries in parallel");
	if (elapsed < 550 || elapsed >= 1500)
		printf("#   elapsed %llu ms\n", (unsigned long long)elapsed);
	for (i = 0, in_order = 1; i < 3; i++)
		in_order &= r[i].order <= 3;
	ok(in_order, "the first three submitted finish first");
	pg_pool_free(pool);
}

static void
test_timeout(const char *conninfo)
{
	struct pg_pool_options opts = { 1, 400, 3000 };
	struct pg_pool *pool;
	struct result slow, queued, after;
	const char *two[] = { "2" };
	uint64_t t0, took;

	pool = pg_pool_new(loop, conninfo, &opts);
	ok(WAIT_FOR(pg_pool_ready(pool), 5000), "pool with 400 ms timeout ready");
	t0 = now_ms();
	query(pool, "SELECT pg_sleep(2)", 0, NULL, &slow);
	spin(200);
	query(pool, "SELECT $1::int", 1, two, &queued);
	ok(WAIT_FOR(slow.calls > 0, 3000), "overrunning query is called back");
	took = now_ms() - t0;
	is_str(slow.err, "query timed out", "timeout reported");
	ok(slow.kind == PG_ERR_TIMEOUT && slow.transient, "  as PG_ERR_TIMEOUT, transient");
	ok(took >= 350 && took < 1500, "timeout fires on time");
	if (took < 350 || took >= 1500)
		printf("#   took %llu ms\n", (unsigned long long)took);
	ok(WAIT_FOR(queued.calls > 0, 3000), "query queued behind it completes");
	ok(queued.ok && strcmp(queued.v[0], "2") == 0,
	    "queued query runs on the reopened connection");
	ok(WAIT_FOR(pg_pool_ready(pool), 3000), "pool recovers after a timeout");
	query(pool, "SELECT 1", 0, NULL, &after);
	ok(WAIT_FOR(after.calls > 0, 3000) && after.ok, "queries work after a timeout");
	is_int(slow.calls, 1, "timed-out query is not called back again");
	pg_pool_free(pool);
}

static void
test_abandon(struct pg_pool *pool)
{
	struct result a, b, c, d, e;

	/* two connections: a and b run, c waits */
	struct pg_query *qa = query(pool, "SELECT pg_sleep(0.3)", 0, NULL, &a);
	query(pool, "SELECT pg_sleep(0.3)", 0, NULL, &b);
	struct pg_query *qc = query(pool, "SELECT 3", 0, NULL, &c);
	pg_query_abandon(qa);
	pg_query_abandon(qc);
	ok(WAIT_FOR(b.calls > 0, 3000) && b.ok, "query beside abandoned ones completes");
	spin(500);
	is_int(a.calls, 0, "abandoned in-flight query is never called back");
	is_int(c.calls, 0, "abandoned queued query is never called back");
	query(pool, "SELECT 4", 0, NULL, &d);
	ok(WAIT_FOR(d.calls > 0, 3000) && d.ok && strcmp(d.v[0], "4") == 0,
	    "connection of an abandoned query is reused");

	memset(&e, 0, sizeof e);
	e.self = pg_query_params_async(pool, "SELECT 5", 0, NULL, on_result_abandon_self, &e);
	ok(WAIT_FOR(e.calls > 0, 3000) && e.ok, "query abandoning itself in its callback completes");
	spin(50);
	is_int(e.calls, 1, "and is called back once");
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

static void
test_unreachable(void)
{
	struct pg_pool_options opts = { 2, 1000, 500 };
	struct pg_pool *pool;
	struct result r;
	char logpath[] = "/tmp/test_pg_log.XXXXXX";
	char buf[8192];
	int fd, saved;
	ssize_t n;

	/* capture what the pool logs while it cannot connect */
	fd = mkstemp(logpath);
	saved = dup(2);
	dup2(fd, 2);
	log_set_level(LOG_LEVEL_INFO);
	pool = pg_pool_new(loop,
	    "host=/nonexistent/quill-test port=5432 dbname=quill user=quill password=sekrit-pw", &opts);
	spin(1000);
	ok(!pg_pool_ready(pool), "pool to a missing server is not ready");
	ok(pg_pool_settled(pool), "but settled: its first attempt failed");
	ok(query(pool, "SELECT 1", 0, NULL, &r) == NULL, "query on a down pool returns NULL");
	is_int(r.calls, 1, "and was called back before returning");
	is_str(r.err, "database unavailable", "with database unavailable");
	ok(r.kind == PG_ERR_UNAVAILABLE && r.transient, "  as PG_ERR_UNAVAILABLE, transient");
	pg_pool_free(pool);
	dup2(saved, 2);
	close(saved);
	if (getenv("QUILL_TEST_DEBUG") != NULL)
		log_set_level(LOG_LEVEL_DEBUG);

	n = pread(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(logpath);
	ok(strstr(buf, "event=pg_connect_failed") != NULL, "first connect failure is logged");
	ok(strstr(buf, "host=/nonexistent/quill-test") != NULL, "log names the host");
	ok(strstr(buf, "sekrit") == NULL, "log never shows the password");
	is_int(count(buf, "event=pg_connect_failed"), 1, "retries are not logged again");
}

/* A backend killed while its connection is idle is noticed and replaced. */
static void
test_idle_loss(void)
{
	struct pg_pool_options one = { 1, 5000, 3000 };
	struct pg_pool *victim, *killer;
	struct result pid, kill, again;
	const char *params[1];
	uint64_t t0;

	victim = pg_pool_new(loop, conninfo, &one);
	killer = pg_pool_new(loop, conninfo, &one);
	ok(WAIT_FOR(pg_pool_ready(victim) && pg_pool_ready(killer), 5000), "two pools ready");
	query(victim, "SELECT pg_backend_pid()", 0, NULL, &pid);
	ok(WAIT_FOR(pid.calls > 0, 3000) && pid.ok, "backend pid read");
	params[0] = pid.v[0];
	query(killer, "SELECT pg_terminate_backend($1::int)", 1, params, &kill);
	ok(WAIT_FOR(kill.calls > 0, 3000) && strcmp(kill.v[0], "t") == 0, "idle backend terminated");
	t0 = now_ms();
	ok(WAIT_FOR(!pg_pool_ready(victim), 2000), "loss of an idle connection is noticed");
	ok(WAIT_FOR(pg_pool_ready(victim), 3000), "and the connection is replaced");
	ok(now_ms() - t0 < 1500, "within the first backoff steps");
	query(victim, "SELECT pg_backend_pid()", 0, NULL, &again);
	ok(WAIT_FOR(again.calls > 0, 3000) && again.ok && strcmp(again.v[0], pid.v[0]) != 0,
	    "queries run on a new backend");
	pg_pool_free(victim);
	pg_pool_free(killer);
}

/* A server that accepts but never answers: the connect timeout ends it. */
static void
test_connect_timeout(void)
{
	struct pg_pool_options opts = { 1, 1000, 300 };
	struct pg_pool *pool;
	struct sockaddr_un sun;
	char dir[] = "/tmp/test_pg_mute.XXXXXX", info[256];
	int lfd;
	uint64_t t0;

	if (mkdtemp(dir) == NULL) {
		ok(0, "temporary directory");
		return;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/.s.PGSQL.5432", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(lfd >= 0 && bind(lfd, (struct sockaddr *)&sun, sizeof sun) == 0 && listen(lfd, 16) == 0,
	    "mute listener up");
	snprintf(info, sizeof info, "host=%s dbname=quill user=quill", dir);
	t0 = now_ms();
	pool = pg_pool_new(loop, info, &opts);
	spin(1000);
	ok(!pg_pool_ready(pool), "pool to a mute server is not ready");
	ok(now_ms() - t0 < 1300, "the loop kept turning while connecting");
	pg_pool_free(pool);
	close(lfd);
	unlink(sun.sun_path);
	rmdir(dir);
}

static void
test_free_with_pending(void)
{
	struct pg_pool_options opts = { 1, 5000, 3000 };
	struct pg_pool *pool;
	struct result a, b, c;

	pool = pg_pool_new(loop, conninfo, &opts);
	ok(WAIT_FOR(pg_pool_ready(pool), 5000), "pool ready");
	query(pool, "SELECT pg_sleep(1)", 0, NULL, &a);
	query(pool, "SELECT 2", 0, NULL, &b);
	pg_query_abandon(query(pool, "SELECT 3", 0, NULL, &c));
	spin(50);
	pg_pool_free(pool);
	is_int(a.calls, 1, "in-flight query called back on free");
	is_str(a.err, "database pool closed", "with pool closed");
	ok(a.kind == PG_ERR_CLOSED && a.transient, "  as PG_ERR_CLOSED, transient");
	is_int(b.calls, 1, "queued query called back on free");
	is_str(b.err, "database pool closed", "with pool closed");
	is_int(c.calls, 0, "abandoned query not called back on free");
}

static void
test_server_restart(struct pg_pool *pool)
{
	struct pg_pool *late;
	struct result inflight, r, s;
	uint64_t t0;

	query(pool, "SELECT pg_sleep(10)", 0, NULL, &inflight);
	spin(100);
	is_int(cluster("stop"), 0, "server stopped");
	ok(WAIT_FOR(!pg_pool_ready(pool), 5000), "pool not ready once the server is gone");
	ok(WAIT_FOR(inflight.calls > 0, 3000), "in-flight query is called back");
	ok(!inflight.ok && inflight.err[0] != '\0', "in-flight query fails with an error");
	ok(inflight.transient, "  a transient one");
	ok(query(pool, "SELECT 1", 0, NULL, &r) == NULL && r.calls == 1,
	    "new query fails at once while down");
	is_str(r.err, "database unavailable", "with database unavailable");

	late = pg_pool_new(loop, conninfo, NULL);
	spin(500);
	ok(!pg_pool_ready(late), "pool made while the server is down is not ready");

	is_int(cluster("start"), 0, "server started again");
	t0 = now_ms();
	ok(WAIT_FOR(pg_pool_ready(pool), 8000), "pool ready again by itself");
	ok(WAIT_FOR(pg_pool_ready(late), 8000), "pool made while down becomes ready");
	ok(now_ms() - t0 < 4000, "both within the 2 s backoff cap");
	query(pool, "SELECT 1", 0, NULL, &r);
	query(late, "SELECT 2", 0, NULL, &s);
	ok(WAIT_FOR(r.calls > 0 && s.calls > 0, 3000) && r.ok && s.ok,
	    "both pools answer queries again");
	pg_pool_free(late);
}

int
main(void)
{
	const char *dir = getenv("QUILL_TEST_PG_DIR");
	const char *srcdir = getenv("srcdir");	/* automake's make check */
	const char *src = getenv("QUILL_SRC");	/* tests/run */
	struct pg_pool *pool;

	if (dir == NULL || dir[0] == '\0')
		skip_all("QUILL_TEST_PG_DIR not set");
	snprintf(clusterdir, sizeof clusterdir, "%s", dir);
	snprintf(conninfo, sizeof conninfo,
	    "host=%s/socket port=5432 dbname=quill user=quill", dir);
	if (getenv("QUILL_PGCLUSTER") != NULL)
		snprintf(script, sizeof script, "%s", getenv("QUILL_PGCLUSTER"));
	else
		snprintf(script, sizeof script, "%s/tests/pgcluster.sh",
		    srcdir != NULL ? srcdir : src != NULL ? src : ".");
	log_open("test_pg", "stderr", NULL, getenv("QUILL_TEST_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	loop = h2o_evloop_create();

	pool = pg_pool_new(loop, conninfo, NULL);
	ok(pool != NULL, "pool created");
	ok(!pg_pool_ready(pool), "pool is not ready before the loop ran");
	test_ready_and_params(pool);
	test_binary(pool);
	test_errors(pool);
	test_abandon(pool);
	test_fifo(conninfo);
	test_timeout(conninfo);
	test_free_with_pending();
	test_unreachable();
	test_idle_loss();
	test_connect_timeout();
	if (ok(access(script, X_OK) == 0, "tests/pgcluster.sh found"))
		test_server_restart(pool);
	else
		printf("#   not executable: %s (set QUILL_PGCLUSTER or srcdir)\n", script);
	pg_pool_free(pool);

	/* let h2o free the closed sockets */
	h2o_evloop_run(loop, 0);
	h2o_evloop_destroy(loop);
	return done_testing();
}
