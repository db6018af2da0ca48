/*
 * Unit tests for lib/ratelimit: parsing rules, the exact token arithmetic
 * (burst, refill to the millisecond, reset and retry times, a clock going
 * back), independence of keys, forgetting full buckets, eviction when the
 * table is full, and four processes sharing one bucket: across them the
 * bucket allows exactly its limit.  Time is the test's own clock.  Meant
 * to run under valgrind and ASan/UBSan as well.
 */
#ifndef _GNU_SOURCE
#define _DEFAULT_SOURCE		/* fork, pipe, waitpid when built alone with -std=c11 */
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ratelimit.h"
#include "tests/unit/tap.h"

#define NCHILDREN	4
#define CHILD_TAKES	1000

static bool
take(struct ratelimit *rl, const char *key, const struct ratelimit_rule *rule, uint64_t now,
    struct ratelimit_result *res)
{
	return ratelimit_take(rl, key, strlen(key), rule, now, res);
}

/* A test name must stay on one TAP line. */
static const char *
printable(const char *text, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && text[i] != '\0'; i++)
		buf[i] = text[i] >= ' ' && text[i] < 0x7f ? text[i] : '?';
	buf[i] = '\0';
	return buf;
}

static void
test_parse_valid(void)
{
	static const struct {
		const char *text;
		uint32_t limit;
		uint64_t period_ms;
	} cases[] = {
		{ "10/1m", 10, 60000 }, { "100/1s", 100, 1000 }, { "5/30s", 5, 30000 },
		{ "1000/1h", 1000, 3600000 }, { "3/250ms", 3, 250 }, { "7/10", 7, 10000 },
		{ "2/1H", 2, 3600000 }, { "1000000/24h", 1000000, 86400000 }, { "1/1ms", 1, 1 },
		{ "off", 0, 0 }, { "OFF", 0, 0 },
	};
	char msg[128], err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ratelimit_rule r = { 99, 99 };

		snprintf(msg, sizeof(msg), "parse \"%s\"", cases[i].text);
		err[0] = '\0';
		ok(ratelimit_parse(cases[i].text, &r, err, sizeof(err)) == 0 && r.limit == cases[i].limit &&
		    r.period_ms == cases[i].period_ms && err[0] == '\0', msg);
	}
}

static void
test_parse_invalid(void)
{
	static const char *const bad[] = {
		"abc", "10/", "/1m", "10/0s", "10/0", "0/1s", "10/1x", "10/1d", "10/25h", "10/86400001ms",
		"1000001/1s", "99999999999999999999/1s", "10/99999999999999999999s", "-1/1s", "+1/1s",
		" 10/1s", "10/1s ", "10/ 1s", "10//1s", "10/1s/", "", "on", "10/1m\nx", "1e3/1s", "10/-1s",
	};
	char msg[128], err[256], shown[24];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ratelimit_rule r = { 99, 99 };

		snprintf(msg, sizeof(msg), "refuse \"%s\" with one line, rule untouched",
		    printable(bad[i], shown, sizeof(shown)));
		memset(err, 0, sizeof(err));
		ok(ratelimit_parse(bad[i], &r, err, sizeof(err)) == -1 && err[0] != '\0' &&
		    strchr(err, '\n') == NULL && r.limit == 99 && r.period_ms == 99, msg);
		if (i == 5)
			ok(strstr(err, "off") != NULL, "0/1s is refused and the message points at off");
	}
	{
		struct ratelimit_rule r;
		char tiny[8];

		ok(ratelimit_parse("abc", &r, NULL, 0) == -1, "no error buffer is fine");
		ok(ratelimit_parse("abc", &r, tiny, sizeof(tiny)) == -1 && strlen(tiny) == sizeof(tiny) - 1,
		    "message truncated to the buffer");
	}
}

static void
test_burst(struct ratelimit *rl)
{
	struct ratelimit_rule rule = { 10, 60000 };	/* one token each 6 s */
	struct ratelimit_result res;
	int allowed = 0, right = 1;

	for (int i = 0; i < 10; i++) {
		if (take(rl, "burst", &rule, 1000, &res))
			allowed++;
		if (res.remaining != (uint32_t)(9 - i) || res.limit != 10 || res.retry_after_ms != 0 ||
		    res.reset_ms != (uint64_t)(i + 1) * 6000)
			right = 0;
	}
	is_int(allowed, 10, "a burst of limit requests is allowed");
	ok(right, "remaining counts down, reset grows by one token time each");
	ok(!take(rl, "burst", &rule, 1000, &res), "the N+1-th is refused");
	ok(!res.allowed && res.limit == 10 && res.remaining == 0, "refused: limit 10, remaining 0");
	is_int(res.retry_after_ms, 6000, "retry after one token time");
	is_int(res.reset_ms, 60000, "reset after the whole period");

	/* 15 s later: 2.5 tokens back. */
	ok(take(rl, "burst", &rule, 16000, &res) && res.remaining == 1, "refill: 2.5 tokens, one taken");
	is_int(res.reset_ms, 51000, "reset counts the half token (8.5 tokens missing)");
	ok(take(rl, "burst", &rule, 16000, &res) && res.remaining == 0, "second refilled token");
	ok(!take(rl, "burst", &rule, 16000, &res), "then refused again");
	is_int(res.retry_after_ms, 3000, "the half token left shortens the wait to 3 s");
	is_int(res.reset_ms, 57000, "reset: 9.5 tokens missing");
	ok(!take(rl, "burst", &rule, 18999, &res) && res.retry_after_ms == 1, "1 ms early: refused, 1 ms to go");
	ok(take(rl, "burst", &rule, 19000, &res) && res.remaining == 0, "exactly on time: allowed");
	ok(take(rl, "burst", &rule, 10000000, &res) && res.remaining == 9 && res.reset_ms == 6000,
	    "long after: full again");
}

/* 3 per second does not divide: tokens at 333.3 ms steps, none lost or made up. */
static void
test_exact_refill(struct ratelimit *rl)
{
	struct ratelimit_rule rule = { 3, 1000 };
	struct ratelimit_result res;
	int allowed = 0, first = 0;

	for (int i = 0; i < 3; i++)
		take(rl, "third", &rule, 0, &res);
	ok(!take(rl, "third", &rule, 0, &res) && res.retry_after_ms == 334, "drained: retry after ceil(1000/3)");
	ok(!take(rl, "third", &rule, 333, &res) && res.retry_after_ms == 1, "333 ms: 999/1000 of a token");
	ok(take(rl, "third", &rule, 334, &res), "334 ms: one token");

	/* Asked every millisecond for three seconds: exactly nine more. */
	for (uint64_t t = 335; t <= 3334; t++)
		if (take(rl, "third", &rule, t, &res)) {
			allowed++;
			if (first == 0)
				first = (int)t;
		}
	is_int(allowed, 9, "polling every ms for 3 s gives exactly 9 tokens, no drift");
	is_int(first, 667, "the next one at 667 ms");
}

static void
test_clock_back(struct ratelimit *rl)
{
	struct ratelimit_rule rule = { 2, 10000 };
	struct ratelimit_result res;

	take(rl, "clock", &rule, 50000, &res);
	take(rl, "clock", &rule, 50000, &res);
	ok(!take(rl, "clock", &rule, 40000, &res) && res.retry_after_ms == 5000,
	    "clock 10 s back: no time elapsed, still refused");
	ok(!take(rl, "clock", &rule, 54999, &res), "the backwards step was not counted as time");
	ok(take(rl, "clock", &rule, 55000, &res), "one token 5 s after the real last time");
}

static void
test_keys_and_off(struct ratelimit *rl)
{
	struct ratelimit_rule rule = { 1, 3600000 }, off = { 0, 0 };
	struct ratelimit_result res;
	int all = 1;

	ok(take(rl, "k", &rule, 0, &res) && !take(rl, "k", &rule, 0, &res), "key k: one, then refused");
	ok(take(rl, "k2", &rule, 0, &res), "key k2 has its own bucket");
	ok(take(rl, "K", &rule, 0, &res), "keys are bytes: K is not k");
	ok(ratelimit_take(rl, "k\0x", 3, &rule, 0, &res) && ratelimit_take(rl, "k\0y", 3, &rule, 0, &res),
	    "bytes after a NUL count");
	ok(ratelimit_take(rl, "", 0, &rule, 0, &res) && !ratelimit_take(rl, NULL, 0, &rule, 0, &res),
	    "the empty key is a key too");
	for (int i = 0; i < 100; i++) {
		memset(&res, 0xff, sizeof(res));
		if (!take(rl, "k", &off, 0, &res) || !res.allowed || res.limit != 0 || res.remaining != 0 ||
		    res.reset_ms != 0 || res.retry_after_ms != 0)
			all = 0;
	}
	ok(all, "rule off always allows, limit 0, remaining 0, no waits");
	ok(!take(rl, "k", &rule, 0, &res), "and left the key's bucket alone");
}

/* A way whose bucket refilled completely is reused without an eviction. */
static void
test_stale_reuse(void)
{
	struct ratelimit_rule rule = { 10, 10000 };
	struct ratelimit_result res;
	struct ratelimit *rl;
	char key[32];
	int fresh = 1;

	rl = ratelimit_create(8);	/* one set: every key competes for the same 8 ways */
	ok(rl != NULL && ratelimit_entries(rl) == 8, "table of one set");
	for (int i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "stale%d", i);
		take(rl, key, &rule, 0, &res);	/* 9 of 10 left: full again at 1 s */
	}
	ok(take(rl, "late", &rule, 999, &res) && ratelimit_evictions(rl) == 1,
	    "1 ms before any bucket is full: a ninth key evicts");
	ok(take(rl, "later", &rule, 1000, &res) && ratelimit_evictions(rl) == 1,
	    "once they are full: a way is reused, no eviction");
	for (int i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "stale%d", i);
		if (!take(rl, key, &rule, 1000, &res) || res.remaining != 9)
			fresh = 0;
	}
	ok(fresh, "a forgotten full bucket is the same as a kept one");
	ratelimit_destroy(rl);
}

static void
test_eviction(void)
{
	struct ratelimit_rule rule = { 2, 3600000 };
	struct ratelimit_result res;
	struct ratelimit *rl;
	char key[32];
	int all = 1;

	rl = ratelimit_create(5);
	ok(rl != NULL && ratelimit_entries(rl) == 8, "5 entries round up to 8");
	for (int i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "lru%d", i);
		take(rl, key, &rule, (uint64_t)i, &res);
		take(rl, key, &rule, (uint64_t)i, &res);	/* drained */
	}
	ok(!take(rl, "lru0", &rule, 10, &res), "lru0 drained, and now the most recent");
	is_int(ratelimit_evictions(rl), 0, "no eviction while the set has room");
	ok(take(rl, "lru8", &rule, 11, &res) && res.remaining == 1, "a ninth key gets a fresh bucket");
	is_int(ratelimit_evictions(rl), 1, "by evicting one");
	ok(!take(rl, "lru0", &rule, 12, &res), "the recently used key kept its state");
	ok(take(rl, "lru1", &rule, 13, &res), "the least recently used was forgotten: errs on allowing");
	is_int(ratelimit_evictions(rl), 2, "and its return evicted another");

	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "flood%d", i);
		if (!take(rl, key, &rule, 100, &res) || res.remaining != 1)
			all = 0;
	}
	ok(all, "a flood of new keys in a full table: each gets a fresh bucket");
	is_int(ratelimit_evictions(rl), 102, "every one counted");
	ok(take(rl, "flood99", &rule, 100, &res) && !take(rl, "flood99", &rule, 100, &res),
	    "the table still limits the keys it holds");
	ratelimit_destroy(rl);

	rl = ratelimit_create(100);
	ok(rl != NULL && ratelimit_entries(rl) == 128, "100 entries round up to 128");
	ratelimit_destroy(rl);
	errno = 0;
	ok(ratelimit_create(0) == NULL && errno == EINVAL, "0 entries: EINVAL");
	errno = 0;
	ok(ratelimit_create(SIZE_MAX) == NULL && errno == EINVAL, "absurd size: EINVAL");
	ratelimit_destroy(NULL);
}

static void
test_extremes(struct ratelimit *rl)
{
	struct ratelimit_rule max = { RATELIMIT_MAX_LIMIT, RATELIMIT_MAX_PERIOD_MS };
	struct ratelimit_rule day = { 1, RATELIMIT_MAX_PERIOD_MS };
	struct ratelimit_rule wild = { UINT32_MAX, UINT64_MAX }, zero = { 5, 0 };
	struct ratelimit_result res;
	uint64_t late = UINT64_MAX / 2;

	ok(take(rl, "max", &max, late, &res) && res.remaining == RATELIMIT_MAX_LIMIT - 1 && res.reset_ms == 87,
	    "1e6 per day: 86.4 ms per token, reset rounds up");
	ok(take(rl, "day", &day, late, &res) && !take(rl, "day", &day, late, &res) &&
	    res.retry_after_ms == RATELIMIT_MAX_PERIOD_MS, "1 per day: retry after a day");
	ok(take(rl, "day", &day, late + RATELIMIT_MAX_PERIOD_MS, &res), "and a day later it is back");
	ok(take(rl, "wild", &wild, 0, &res) && res.limit == RATELIMIT_MAX_LIMIT,
	    "a hand-made rule beyond the bounds is clamped");
	ok(take(rl, "zero", &zero, 0, &res) && res.limit == 5, "a zero period is taken as 1 ms");

	/* A reload changes the rule: the tokens carry over. */
	{
		struct ratelimit_rule before = { 10, 1000 }, after = { 10, 3600000 };

		for (int i = 0; i < 7; i++)
			take(rl, "reload", &before, 0, &res);
		ok(take(rl, "reload", &after, 0, &res) && res.remaining == 2,
		    "a changed period keeps the 3 tokens left, takes one");
	}
}

/* NCHILDREN processes hammer one key at one instant: the bucket gives exactly its limit. */
static void
test_processes(void)
{
	struct ratelimit_rule rule = { 1500, 3600000 };
	struct ratelimit *rl;
	int go[2], counts[2], status, exited = 0;
	pid_t pids[NCHILDREN];
	uint32_t total = 0, n;

	rl = ratelimit_create(1024);
	if (rl == NULL || pipe(go) == -1 || pipe(counts) == -1) {
		ok(0, "shared table and pipes");
		return;
	}
	for (int c = 0; c < NCHILDREN; c++) {
		pids[c] = fork();
		if (pids[c] == 0) {
			struct ratelimit_result res;
			uint32_t allowed = 0;
			char byte;

			close(go[1]);
			close(counts[0]);
			/* Wait until all are forked, so they really run together. */
			if (read(go[0], &byte, 1) != 0)
				_exit(2);
			for (int i = 0; i < CHILD_TAKES; i++)
				if (ratelimit_take(rl, "shared", 6, &rule, 123456, &res))
					allowed++;
			_exit(write(counts[1], &allowed, sizeof(allowed)) == sizeof(allowed) ? 0 : 1);
		}
	}
	close(go[0]);
	close(counts[1]);
	close(go[1]);	/* EOF: everyone starts */
	while (read(counts[0], &n, sizeof(n)) == sizeof(n))
		total += n;
	close(counts[0]);
	for (int c = 0; c < NCHILDREN; c++)
		if (pids[c] > 0 && waitpid(pids[c], &status, 0) == pids[c] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			exited++;
	is_int(exited, NCHILDREN, "every child ran and reported");
	is_int(total, 1500, "4 processes x 1000 takes on one key of limit 1500: exactly 1500 allowed");
	{
		struct ratelimit_result res;

		ok(!ratelimit_take(rl, "shared", 6, &rule, 123456, &res) && res.remaining == 0,
		    "the parent sees the same empty bucket");
	}
	is_int(ratelimit_evictions(rl), 0, "no eviction on a roomy table");
	ratelimit_destroy(rl);
}

int
main(void)
{
	struct ratelimit *rl;

	test_parse_valid();
	test_parse_invalid();
	rl = ratelimit_create(4096);
	if (rl == NULL) {
		printf("# ratelimit_create: %s\n", strerror(errno));
		ok(0, "table mapped");
		return done_testing();
	}
	test_burst(rl);
	test_exact_refill(rl);
	test_clock_back(rl);
	test_keys_and_off(rl);
	test_extremes(rl);
	is_int(ratelimit_evictions(rl), 0, "no evictions in a roomy table");
	ratelimit_destroy(rl);
	test_stale_reuse();
	test_eviction();
	test_processes();
	return done_testing();
}
