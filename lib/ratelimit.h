/*
 * ratelimit: token buckets shared by every worker of a daemon, in one
 * MAP_SHARED anonymous mapping made by the master before it forks.
 *
 * A key (any bytes: the caller composes e.g. route index + "ip" + address)
 * names one bucket of `limit` tokens that refills at limit tokens per
 * period.  Whichever worker serves a request takes the token from the same
 * bucket, so the N+1-th request in a burst is refused whichever process
 * asks.
 *
 * Guarantees:
 * - Exact integer arithmetic: no drift however often or seldom a key is
 *   asked; a clock going backwards counts as no time elapsed.
 * - A refusal is always right: when the table is full a client may be
 *   given a fresh (full) bucket, so the limit errs on the side of allowing
 *   (counted by ratelimit_evictions()), never refuses wrongly.
 * - ratelimit_take() never blocks for long, allocates nothing and makes no
 *   system call except sched_yield() while another process holds a lock.
 *
 * Rules should come from ratelimit_parse(); a rule made by hand is clamped
 * to limit <= RATELIMIT_MAX_LIMIT and 1 ms <= period <= RATELIMIT_MAX_PERIOD_MS.
 * Nothing here logs: functions return a status and the caller logs once.
 */
#ifndef QUILL_RATELIMIT_H
#define QUILL_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_MAX_LIMIT	1000000u	/* requests per period */
#define RATELIMIT_MAX_PERIOD_MS	86400000u	/* one day */

struct ratelimit;	/* the shared table */

struct ratelimit_rule {
	uint32_t limit;		/* bucket capacity: requests allowed in a burst; 0 means "no limit" (rule off) */
	uint64_t period_ms;	/* time to refill the whole bucket from empty: limit tokens per period */
};

struct ratelimit_result {
	bool allowed;
	uint32_t limit;			/* the rule's limit (for RateLimit-Limit) */
	uint32_t remaining;		/* whole tokens left after this request (RateLimit-Remaining) */
	uint64_t reset_ms;		/* time until the bucket is full again (RateLimit-Reset, caller rounds up to seconds) */
	uint64_t retry_after_ms;	/* when refused: time until one whole token is back (Retry-After); 0 when allowed */
};

/*
 * Maps a table of `entries` buckets (rounded up to a power of two, at
 * least 8) shared with every process forked afterwards, keyed by SipHash
 * under a fresh random key.  Calls sodium_init() itself (it may be called
 * any number of times).  NULL with errno on failure (EINVAL for 0 or a
 * size that cannot be mapped).
 */
struct ratelimit *ratelimit_create(size_t entries);
void ratelimit_destroy(struct ratelimit *rl);

/*
 * Takes one token from the bucket named by key under rule at time now_ms
 * (a monotonic millisecond clock supplied by the caller, so tests control
 * time).  Fills *out; returns out->allowed.  A rule with limit 0 always
 * allows (remaining = 0, limit = 0) and does not touch the table.
 */
bool ratelimit_take(struct ratelimit *rl, const void *key, size_t keylen, const struct ratelimit_rule *rule,
    uint64_t now_ms, struct ratelimit_result *out);

/*
 * Parses "N/DURATION" (e.g. "10/1m", "100/1s", "5/30s", "1000/1h";
 * durations ms, s, m, h, without case; a bare number after the slash is
 * seconds) or "off" (limit 0).  N is 1 to RATELIMIT_MAX_LIMIT and the
 * duration 1 ms to RATELIMIT_MAX_PERIOD_MS.  "0/1s" is refused, not read
 * as "off": whoever wrote it may have meant "refuse everything", and
 * silently allowing everything is the worse surprise.
 * Returns 0, or -1 with one line in err.
 */
int ratelimit_parse(const char *text, struct ratelimit_rule *out, char *err, size_t errsize);

/* Buckets taken over from other keys because the table was full (for a metric). */
uint64_t ratelimit_evictions(const struct ratelimit *rl);

/* Buckets in the table, after rounding (for a start-up log line). */
size_t ratelimit_entries(const struct ratelimit *rl);

#endif
