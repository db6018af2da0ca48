/*
 * test_password: lib/password against a real h2o loop and real threads.
 *
 * Most checks use tiny argon2id parameters (1 pass, 64 KiB) so they run
 * in milliseconds, also under valgrind; the responsiveness check uses the
 * interactive parameters so the hashes are slow enough to overlap a timer.
 * Every wait on the loop is bounded.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "lib/log.h"
#include "lib/password.h"
#include "tests/unit/tap.h"
#include "tests/unit/evloop_wait.h"


static const struct password_params small = { 1, 8192 * 8 };
static const struct password_params small2 = { 2, 8192 * 8 };

/* What one callback saw. */
struct result {
	int			 calls;
	enum password_result	 r;
	char			 hash[crypto_pwhash_STRBYTES];
	int			 got_hash;
	bool			 needs_rehash;
	int			 order;		/* 1-based position among completions */
	struct password_pool	*pool;		/* for callbacks that submit more */
	struct password_job	*other;		/* for callbacks that abandon another */
	struct password_job	*refused;	/* what a submission from a callback returned */
	int			 submitted;
};

static int in_async;		/* set around password_*_async calls */
static int cb_while_async;	/* a callback ran inside one */
static int completions;

/* CPU time of the whole process: unlike wall time, not stretched by load. */
static uint64_t
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
record(void *arg, enum password_result r, const char *hash, bool needs_rehash)
{
	struct result *res = arg;

	if (in_async)
		cb_while_async = 1;
	res->calls++;
	res->r = r;
	res->got_hash = hash != NULL;
	if (hash != NULL)
		snprintf(res->hash, sizeof res->hash, "%s", hash);
	res->needs_rehash = needs_rehash;
	res->order = ++completions;
}

static struct password_job *
hash(struct password_pool *pool, const char *pw, struct result *res)
{
	struct password_job *job;

	in_async = 1;
	job = password_hash_async(pool, pw, strlen(pw), record, res);
	in_async = 0;
	return job;
}

static struct password_job *
verify(struct password_pool *pool, const char *stored, const char *pw, struct result *res)
{
	struct password_job *job;

	in_async = 1;
	job = password_verify_async(pool, stored, pw, strlen(pw), record, res);
	in_async = 0;
	return job;
}

static void
test_new(void)
{
	struct password_params bad = { 0, 1024 };
	struct password_pool *pool;

	errno = 0;
	ok(password_pool_new(loop, 1, &bad) == NULL && errno == EINVAL,
	    "pool_new refuses a memlimit below libsodium's minimum");
	errno = 0;
	ok(password_pool_new(loop, -1, &small) == NULL && errno == EINVAL,
	    "pool_new refuses a negative thread count");
	errno = 0;
	ok(password_pool_new(loop, 65, &small) == NULL && errno == EINVAL,
	    "pool_new refuses more than 64 threads");
	pool = password_pool_new(loop, 0, NULL);
	ok(pool != NULL, "pool_new with 0 threads and NULL params");
	if (pool != NULL) {
		is_int(password_pool_params(pool)->opslimit, crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    "default opslimit is interactive");
		is_int(password_pool_params(pool)->memlimit, crypto_pwhash_MEMLIMIT_INTERACTIVE,
		    "default memlimit is interactive");
	}
	password_pool_free(pool);
	password_pool_free(NULL);
}

static void
test_hash_verify(struct password_pool *pool)
{
	struct result h = { 0 }, good = { 0 }, bad = { 0 }, unknown = { 0 }, empty = { 0 };
	struct result eh = { 0 };

	cb_while_async = 0;
	ok(hash(pool, "correct horse battery", &h) != NULL, "hash job accepted");
	is_int(h.calls, 0, "hash callback not called inside password_hash_async");
	ok(WAIT_FOR(h.calls > 0, 5000), "hash job completed");
	is_int(h.calls, 1, "hash callback called once");
	is_int(h.r, PASSWORD_OK, "hash: PASSWORD_OK");
	ok(h.got_hash && strncmp(h.hash, "$argon2id$v=19$m=64,t=1,p=1$", 28) == 0,
	    "hash is argon2id with the pool's parameters");
	ok(crypto_pwhash_str_verify(h.hash, "correct horse battery", 21) == 0,
	    "libsodium verifies the new hash");

	verify(pool, h.hash, "correct horse battery", &good);
	verify(pool, h.hash, "correct horse battery!", &bad);
	verify(pool, NULL, "correct horse battery", &unknown);
	ok(WAIT_FOR(good.calls && bad.calls && unknown.calls, 5000), "verify jobs completed");
	is_int(good.r, PASSWORD_OK, "right password: PASSWORD_OK");
	ok(!good.needs_rehash, "same parameters: no rehash needed");
	ok(!good.got_hash, "verify gives no hash");
	is_int(bad.r, PASSWORD_MISMATCH, "wrong password: PASSWORD_MISMATCH");
	ok(!bad.needs_rehash, "mismatch: needs_rehash false");
	is_int(unknown.r, PASSWORD_MISMATCH, "NULL stored hash (unknown user): PASSWORD_MISMATCH");

	/* the empty password is a password like any other */
	hash(pool, "", &eh);
	ok(WAIT_FOR(eh.calls > 0, 5000) && eh.r == PASSWORD_OK, "empty password hashes");
	verify(pool, eh.hash, "", &empty);
	ok(WAIT_FOR(empty.calls > 0, 5000) && empty.r == PASSWORD_OK, "and verifies");
	ok(!cb_while_async, "no callback ran inside a *_async call");
}

/* An unknown user costs a real hash, as much CPU as a wrong password. */
static void
test_unknown_user_cost(void)
{
	struct password_params mid = { 2, 16 * 1024 * 1024 };
	struct password_pool *pool;
	struct result wrong = { 0 }, unknown = { 0 };
	char stored[crypto_pwhash_STRBYTES];
	uint64_t t0, c_wrong, c_unknown;

	pool = password_pool_new(loop, 1, &mid);
	password_hash_sync(&mid, "the real one", 12, stored);
	t0 = cpu_us();
	verify(pool, stored, "a wrong one", &wrong);
	ok(WAIT_FOR(wrong.calls > 0, 30000), "wrong password verified");
	c_wrong = cpu_us() - t0;
	t0 = cpu_us();
	verify(pool, NULL, "a wrong one", &unknown);
	ok(WAIT_FOR(unknown.calls > 0, 30000), "unknown user verified");
	c_unknown = cpu_us() - t0;
	is_int(unknown.r, PASSWORD_MISMATCH, "unknown user: PASSWORD_MISMATCH");
	if (!ok(c_wrong >= 2000 && c_unknown * 2 >= c_wrong && c_unknown <= c_wrong * 2,
	    "unknown user costs about as much CPU as a wrong password"))
		printf("#   wrong %llu us, unknown %llu us\n", (unsigned long long)c_wrong,
		    (unsigned long long)c_unknown);
	password_pool_free(pool);
}

static void
test_rehash(struct password_pool *pool)
{
	struct password_pool *other;
	struct result v1 = { 0 }, v2 = { 0 }, vi = { 0 };
	char h[crypto_pwhash_STRBYTES], hi[crypto_pwhash_STRBYTES];

	ok(password_hash_sync(&small, "s3cret passw0rd", 15, h) == 0, "password_hash_sync");
	ok(strncmp(h, "$argon2id$", 10) == 0, "sync hash is argon2id");
	other = password_pool_new(loop, 1, &small2);
	verify(other, h, "s3cret passw0rd", &v1);
	verify(pool, h, "s3cret passw0rd", &v2);
	/* an argon2i hash with the same cost still verifies, but should be replaced */
	ok(crypto_pwhash_str_alg(hi, "s3cret passw0rd", 15, 3, small.memlimit,
	    crypto_pwhash_ALG_ARGON2I13) == 0, "made an argon2i hash");
	verify(pool, hi, "s3cret passw0rd", &vi);
	ok(WAIT_FOR(v1.calls && v2.calls && vi.calls, 5000), "rehash verifies completed");
	is_int(v1.r, PASSWORD_OK, "verified by a pool with other parameters");
	ok(v1.needs_rehash, "other parameters: needs_rehash");
	is_int(v2.r, PASSWORD_OK, "verified by a pool with the same parameters");
	ok(!v2.needs_rehash, "same parameters: no rehash");
	is_int(vi.r, PASSWORD_OK, "argon2i hash verifies");
	ok(vi.needs_rehash, "argon2i hash: needs_rehash");
	password_pool_free(other);

	errno = 0;
	ok(password_hash_sync(&small, "x", PASSWORD_MAX_LEN + 1, h) == -1 && errno == EINVAL,
	    "password_hash_sync refuses a too long password");
}

/* A stored hash that libsodium cannot parse is PASSWORD_ERROR. */
static void
test_garbage(struct password_pool *pool)
{
	static const char *const garbage[] = {
		"",
		"not a hash",
		"$argon2id$v=19$m=65536,t=2,p=1$garbage",
		"$argon2id$v=19$m=64,t=1,p=1$$",
		"$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
	};
	enum { N = sizeof garbage / sizeof garbage[0] };
	struct result res[N + 1];
	char huge[600];
	int i, all;

	memset(res, 0, sizeof res);
	for (i = 0; i < N; i++)
		verify(pool, garbage[i], "password", &res[i]);
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	memcpy(huge, "$argon2id$", 10);
	ok(verify(pool, huge, "password", &res[N]) != NULL, "oversized stored hash accepted");
	is_int(res[N].calls, 0, "and not answered synchronously");
	all = 0;
	ok(WAIT_FOR(({ for (all = 1, i = 0; i <= N; i++) all &= res[i].calls == 1; all; }), 5000),
	    "garbage verifies completed");
	for (i = 0; i < N; i++)
		if (!ok(res[i].r == PASSWORD_ERROR, "garbage stored hash: PASSWORD_ERROR"))
			printf("#   stored \"%s\" gave %d\n", garbage[i], res[i].r);
	is_int(res[N].r, PASSWORD_ERROR, "oversized stored hash: PASSWORD_ERROR");
}

static void
test_too_long(struct password_pool *pool)
{
	static char pw[PASSWORD_MAX_LEN + 1];
	struct result longest = { 0 }, toolong = { 0 }, vlong = { 0 };
	struct password_job *job;
	int turns;

	memset(pw, 'p', sizeof pw);
	in_async = 1;
	job = password_hash_async(pool, pw, PASSWORD_MAX_LEN + 1, record, &toolong);
	password_verify_async(pool, NULL, pw, PASSWORD_MAX_LEN + 1, record, &vlong);
	password_hash_async(pool, pw, PASSWORD_MAX_LEN, record, &longest);
	in_async = 0;
	ok(job != NULL, "too long password: a job handle");
	is_int(toolong.calls, 0, "too long password: no synchronous callback");
	for (turns = 0; toolong.calls == 0 && turns < 100; turns++)
		h2o_evloop_run(loop, 10);
	is_int(toolong.calls, 1, "too long password: callback once");
	ok(turns <= 2, "too long password: answered on the next turn");
	is_int(toolong.r, PASSWORD_ERROR, "too long password: PASSWORD_ERROR");
	ok(!toolong.got_hash, "too long password: no hash");
	ok(WAIT_FOR(vlong.calls && longest.calls, 5000), "the others completed");
	is_int(vlong.r, PASSWORD_ERROR, "too long password to verify: PASSWORD_ERROR");
	is_int(longest.r, PASSWORD_OK, "a password of exactly PASSWORD_MAX_LEN hashes");
}

static void
test_concurrent(void)
{
	enum { N = 50 };
	struct password_pool *pool;
	struct result res[N];
	char stored[crypto_pwhash_STRBYTES];
	int i, done, once, right;

	pool = password_pool_new(loop, 2, &small);
	password_hash_sync(&small, "pw-even", 7, stored);
	memset(res, 0, sizeof res);
	cb_while_async = 0;
	for (i = 0; i < N; i++) {
		if (i % 2 == 0)
			verify(pool, stored, i % 4 == 0 ? "pw-even" : "pw-odd", &res[i]);
		else
			hash(pool, "pw-odd", &res[i]);
	}
	ok(WAIT_FOR(({ for (done = 0, i = 0; i < N; i++) done += res[i].calls > 0;
	    done == N; }), 20000), "50 jobs on 2 threads all completed");
	spin(30);
	for (once = right = 0, i = 0; i < N; i++) {
		once += res[i].calls == 1;
		if (i % 2 == 1)
			right += res[i].r == PASSWORD_OK && res[i].got_hash;
		else
			right += res[i].r == (i % 4 == 0 ? PASSWORD_OK : PASSWORD_MISMATCH);
	}
	is_int(once, N, "each callback called exactly once");
	is_int(right, N, "each with the right result");
	ok(!cb_while_async, "none inside a *_async call");
	password_pool_free(pool);
}

/* One thread: completion order is submission order, and so is delivery. */
static void
test_fifo(void)
{
	enum { N = 6 };
	struct password_pool *pool;
	struct result res[N];
	int i, base, inorder;

	pool = password_pool_new(loop, 1, &small);
	memset(res, 0, sizeof res);
	base = completions;
	for (i = 0; i < N; i++)
		hash(pool, "fifo", &res[i]);
	ok(WAIT_FOR(res[N - 1].calls > 0, 5000), "fifo jobs completed");
	for (inorder = 0, i = 0; i < N; i++)
		inorder += res[i].order == base + i + 1;
	is_int(inorder, N, "callbacks ran in order of completion");
	password_pool_free(pool);
}

static void
chain(void *arg, enum password_result r, const char *h, bool needs_rehash)
{
	struct result *res = arg;

	record(arg, r, h, needs_rehash);
	res->refused = password_hash_async(res->pool, "again", 5, record, res + 1);
	res->submitted = 1;
}

static void
abandon_other(void *arg, enum password_result r, const char *h, bool needs_rehash)
{
	struct result *res = arg;

	record(arg, r, h, needs_rehash);
	password_job_abandon(res->other);
}

static void
abandon_self(void *arg, enum password_result r, const char *h, bool needs_rehash)
{
	struct result *res = arg;

	record(arg, r, h, needs_rehash);
	password_job_abandon(res->other);	/* res->other is this job */
}

static void
test_callbacks_reenter(struct password_pool *pool)
{
	struct result pair[2], a = { 0 }, b = { 0 }, self = { 0 };
	struct password_pool *one;

	memset(pair, 0, sizeof pair);
	pair[0].pool = pool;
	in_async = 1;
	password_hash_async(pool, "a", 1, chain, &pair[0]);
	in_async = 0;
	ok(WAIT_FOR(pair[1].calls > 0, 5000), "a job submitted from a callback completed");
	ok(pair[0].refused != NULL, "submitting from a callback works");
	is_int(pair[0].calls, 1, "the first callback ran once");

	/* b finishes right after a on one thread; a's callback abandons b */
	one = password_pool_new(loop, 1, &small);
	in_async = 1;
	password_hash_async(one, "x", 1, abandon_other, &a);
	a.other = password_hash_async(one, "y", 1, record, &b);
	in_async = 0;
	usleep(200 * 1000);	/* both done and waiting for the loop */
	ok(WAIT_FOR(a.calls > 0, 5000), "abandoning callback ran");
	spin(30);
	is_int(b.calls, 0, "a job abandoned by an earlier callback of the same batch never calls back");

	in_async = 1;
	self.other = password_hash_async(one, "z", 1, abandon_self, &self);
	in_async = 0;
	ok(WAIT_FOR(self.calls > 0, 5000), "self-abandoning callback ran");
	spin(20);
	is_int(self.calls, 1, "abandoning from inside its own callback is harmless");
	password_pool_free(one);
}

static void
test_abandon(void)
{
	struct password_pool *pool;
	struct password_params mid = { 1, 8 * 1024 * 1024 };
	struct result r[5], last = { 0 };
	struct password_job *j[5];
	int i;

	/* one thread, hashes of a few ms: j0 runs, the rest wait */
	pool = password_pool_new(loop, 1, &mid);
	memset(r, 0, sizeof r);
	for (i = 0; i < 5; i++)
		j[i] = hash(pool, "abandon me", &r[i]);
	hash(pool, "keep me", &last);
	usleep(2000);		/* let the worker pick up j0 */
	password_job_abandon(j[0]);	/* running (or still queued) */
	password_job_abandon(j[2]);	/* queued */
	password_job_abandon(j[4]);	/* queued */
	ok(WAIT_FOR(last.calls > 0, 10000), "the job after the abandoned ones completed");
	is_int(r[0].calls + r[2].calls + r[4].calls, 0, "abandoned jobs never call back");
	is_int(r[1].calls + r[3].calls, 2, "the others did, once each");

	/* abandoned after it finished but before the loop delivered it */
	memset(r, 0, sizeof r);
	j[0] = hash(pool, "done but unread", &r[0]);
	usleep(300 * 1000);
	password_job_abandon(j[0]);
	spin(50);
	is_int(r[0].calls, 0, "a finished but undelivered job abandoned: no callback");
	password_job_abandon(NULL);
	password_pool_free(pool);
}

/* A bounded queue refuses at submission (EAGAIN), and a slot comes back when a job leaves it. */
static void
test_bounded_queue(void)
{
	enum { N = 4 };
	struct password_pool *pool;
	struct password_params mid = { 1, 32 * 1024 * 1024 };
	struct result r[N + 2];
	struct password_job *j[N];
	int i, accepted = 0, refused = 0, eagain = 0;

	/* one thread, hashes of tens of ms: at most 1 running + 2 queued */
	pool = password_pool_new(loop, 1, &mid);
	password_pool_set_max_queued(pool, 2);
	memset(r, 0, sizeof r);
	for (i = 0; i < N; i++) {
		errno = 0;
		if ((j[i] = hash(pool, "bounded", &r[i])) != NULL)
			accepted++;
		else {
			refused++;
			eagain += errno == EAGAIN;
		}
	}
	ok(accepted >= 2 && accepted <= 3, "a queue of 2 behind one thread takes 2 or 3 of 4 jobs");
	is_int(eagain, refused, "each refusal says EAGAIN");
	ok(refused >= 1, "at least one was refused at once");
	/* abandoning a queued job gives its slot back at once */
	password_job_abandon(j[1]);
	r[1].calls = -100;	/* must stay unnoticed */
	ok(hash(pool, "after abandon", &r[N]) != NULL, "after abandoning a queued job, a new one is taken");
	ok(WAIT_FOR(r[N].calls > 0, 10000), "and it completes");
	is_int(r[1].calls, -100, "the abandoned job never called back");
	ok(hash(pool, "drained", &r[N + 1]) != NULL, "once the queue drained, jobs are taken again");
	ok(WAIT_FOR(r[N + 1].calls > 0, 10000), "and complete");
	password_pool_free(pool);
}

static void
test_free_pending(void)
{
	enum { N = 10 };
	struct password_pool *pool;
	struct password_params mid = { 1, 8 * 1024 * 1024 };
	struct result r[N], chained[2];
	struct password_job *j[N];
	uint64_t t0;
	int i, cancelled, once;

	pool = password_pool_new(loop, 2, &mid);
	memset(r, 0, sizeof r);
	memset(chained, 0, sizeof chained);
	for (i = 0; i < N; i++)
		j[i] = hash(pool, "pending", &r[i]);
	chained[0].pool = pool;
	password_hash_async(pool, "chain", 5, chain, &chained[0]);
	usleep(2000);		/* two running, the rest queued */
	password_job_abandon(j[N - 1]);
	t0 = now_ms();
	password_pool_free(pool);
	ok(now_ms() - t0 < 5000, "pool_free with jobs running and queued returns");
	for (once = cancelled = 0, i = 0; i < N - 1; i++) {
		once += r[i].calls == 1;
		cancelled += r[i].r == PASSWORD_CANCELLED && !r[i].got_hash;
	}
	is_int(once, N - 1, "every pending job called back once");
	is_int(cancelled, N - 1, "with PASSWORD_CANCELLED and no hash");
	is_int(r[N - 1].calls, 0, "the abandoned one not at all");
	is_int(chained[0].r, PASSWORD_CANCELLED, "a callback during pool_free is cancelled");
	ok(chained[0].submitted && chained[0].refused == NULL,
	    "and a job it submits then is refused (NULL)");
	spin(20);
	is_int(chained[1].calls, 0, "that refused job never calls back");
}

static uint64_t timer_fired;

static void
on_timer(h2o_timeout_entry_t *entry)
{
	timer_fired = now_ms();
}

/* The loop keeps its timers while four interactive hashes run on threads. */
static void
test_responsive(void)
{
	h2o_timeout_entry_t entry = { 0 };
	struct password_pool *pool;
	h2o_timeout_t five;
	struct result r[4];
	uint64_t t0, first_done = 0;
	int i, done;

	pool = password_pool_new(loop, 2, NULL);
	memset(r, 0, sizeof r);
	timer_fired = 0;
	h2o_timeout_init(loop, &five, 5);
	for (i = 0; i < 4; i++)
		hash(pool, "interactive", &r[i]);
	entry.cb = on_timer;
	h2o_evloop_run(loop, 0);	/* h2o links timers at its cached "now": refresh it */
	t0 = now_ms();
	h2o_timeout_link(loop, &five, &entry);
	while (timer_fired == 0 && now_ms() - t0 < 10000)
		h2o_evloop_run(loop, 10);
	for (i = 0; i < 4; i++)
		if (r[i].calls > 0 && first_done == 0)
			first_done = 1;
	ok(timer_fired != 0, "the 5 ms timer fired while hashes ran");
	ok(first_done == 0, "before any of the 4 interactive hashes completed");
	/* valgrind runs one thread at a time, so a hashing thread holds up the loop */
	if (RUNNING_ON_VALGRIND)
		ok(1, "timer latency # SKIP not measured under valgrind");
	else
		ok(timer_fired - t0 >= 4 && timer_fired - t0 < 50, "after 5 ms, within 50 ms");
	printf("#   timer fired after %llu ms\n", (unsigned long long)(timer_fired - t0));
	ok(WAIT_FOR(({ for (done = 0, i = 0; i < 4; i++) done += r[i].calls; done == 4; }),
	    120000), "the 4 interactive hashes completed");
	for (done = 0, i = 0; i < 4; i++)
		done += r[i].r == PASSWORD_OK &&
		    strncmp(r[i].hash, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0;
	is_int(done, 4, "interactive hashes carry m=65536,t=2,p=1");
	h2o_timeout_dispose(loop, &five);
	password_pool_free(pool);
}

int
main(void)
{
	struct password_pool *pool;

	if (sodium_init() < 0)
		skip_all("sodium_init failed");
	log_open("test_password", "stderr", NULL, LOG_LEVEL_INFO);
	loop = h2o_evloop_create();

	test_new();
	pool = password_pool_new(loop, 2, &small);
	ok(pool != NULL, "small pool created");
	test_hash_verify(pool);
	test_rehash(pool);
	test_unknown_user_cost();
	test_garbage(pool);
	test_too_long(pool);
	test_callbacks_reenter(pool);
	password_pool_free(pool);
	test_concurrent();
	test_fifo();
	test_abandon();
	test_bounded_queue();
	test_free_pending();
	test_responsive();

	/* let h2o free the closed sockets */
	h2o_evloop_run(loop, 0);
	h2o_evloop_destroy(loop);
	return done_testing();
}
