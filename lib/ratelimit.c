/*
 * ratelimit: a set-associative table of token buckets in shared memory.
 *
 * One mapping holds a header (the SipHash key, the table size, the
 * eviction counter) and then `nsets` sets of SET_WAYS buckets ("ways").
 * A key's 64-bit SipHash picks its set, and inside the set its way is
 * found by comparing the whole hash.  The key itself is not stored: two
 * keys with the same 64-bit hash would share a bucket, and under a random
 * SipHash key nobody can aim for that while by chance it is negligible
 * (about 2^-64 per pair of live keys).
 *
 * Why sets rather than a probe running across the table: a key must never
 * get two buckets, or two workers seeing a new key at the same moment
 * would each make one and both allow.  Lookup-or-insert must therefore be
 * atomic over the whole probe window, so the window is a set under one
 * lock: the bounded probe is the set.
 *
 * Locking: one spinlock per set (lib/shmsets), a 32-bit word in the
 * mapping taken with an atomic exchange (no pthread mutexes, nothing to
 * initialise: the mapping starts zeroed, i.e. unlocked).  The critical section is a scan
 * of eight ways and a few multiplications, with no system or library
 * call, so a process dying while it holds the lock would have to be
 * killed by a signal within those instructions; that is not a realistic
 * concern and no robust-lock machinery is carried for it.  Every set
 * starts on a cache line of its own, so workers busy with different keys
 * do not bounce each other's lines.
 *
 * Arithmetic: a bucket's level is counted in units of 1/period_ms of a
 * token, so one token is period_ms units, a full bucket is
 * limit * period_ms units and each elapsed millisecond adds exactly limit
 * units.  Refill is elapsed * limit: no division, no rounding, so nothing
 * is lost between two calls however close together.  With limit <= 1e6
 * and period <= 1 day the largest value is 8.64e13, far inside 64 bits;
 * elapsed is capped at one period before it is multiplied.  Waits are
 * those units divided by limit and rounded up, so a client that waits
 * retry_after_ms and asks again is allowed.
 *
 * Forgetting: a bucket that has refilled completely is the same as no
 * bucket, so its way may be given to another key.  When no way of the set
 * is empty or full, the least recently used one is taken over and counted
 * as an eviction; its owner gets a fresh, full bucket when it comes back.
 * Under table exhaustion the limit thus errs on the side of allowing: it
 * never refuses anyone wrongly.
 */
#ifndef _GNU_SOURCE
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS when built alone with -std=c11 */
#endif

#include <ctype.h>
#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include <sodium.h>

#include "lib/ratelimit.h"
#include "lib/shmsets.h"

#define SET_WAYS		8	/* the bounded probe: ways a key may live in */
#define CACHE_LINE		64
#define MAX_ENTRIES		((size_t)1 << 30)

struct way {
	uint64_t hash;		/* 0: empty (a key hashing to 0 is stored as 1) */
	uint64_t level;		/* units of 1/period_ms token, as of last_ms */
	uint64_t last_ms;	/* when level was computed; also the LRU clock */
	uint32_t limit;		/* the rule level is counted under */
	uint32_t period_ms;
};

struct set {
	alignas(CACHE_LINE) uint32_t lock;
	struct way way[SET_WAYS];
};

struct ratelimit {
	unsigned char key[crypto_shorthash_KEYBYTES];
	size_t nsets;		/* a power of two */
	size_t mapsize;
	/* A line of its own: every worker writes it under exhaustion. */
	alignas(CACHE_LINE) uint64_t evictions;
	struct set sets[];
};

_Static_assert(crypto_shorthash_BYTES == sizeof(uint64_t), "SipHash-2-4 gives 64 bits");
_Static_assert(RATELIMIT_MAX_PERIOD_MS <= UINT32_MAX, "a period fits a way's 32 bits");
_Static_assert(sizeof(struct set) % CACHE_LINE == 0, "sets do not share cache lines");

struct ratelimit *
ratelimit_create(size_t entries)
{
	struct ratelimit *rl;
	size_t nsets, size;

	if (sodium_init() < 0) {
		errno = EIO;
		return NULL;
	}
	/* Zero-filled: every way empty, every lock free. */
	rl = shmsets_map(entries, MAX_ENTRIES, SET_WAYS, sizeof(*rl), sizeof(struct set), &nsets, &size);
	if (rl == NULL)
		return NULL;
	crypto_shorthash_keygen(rl->key);
	rl->nsets = nsets;
	rl->mapsize = size;
	return rl;
}

void
ratelimit_destroy(struct ratelimit *rl)
{
	if (rl != NULL)
		munmap(rl, rl->mapsize);
}

uint64_t
ratelimit_evictions(const struct ratelimit *rl)
{
	return __atomic_load_n(&rl->evictions, __ATOMIC_RELAXED);
}

size_t
ratelimit_entries(const struct ratelimit *rl)
{
	return rl->nsets * SET_WAYS;
}

static uint64_t
key_hash(const struct ratelimit *rl, const void *key, size_t keylen)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, keylen > 0 ? key : (const void *)"", keylen, rl->key);
	memcpy(&h, out, sizeof(h));
	return h != 0 ? h : 1;
}

static uint64_t
div_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

/* A way's level at now_ms under the rule it was counted with. */
static uint64_t
way_level_at(const struct way *w, uint64_t now_ms)
{
	uint64_t full = (uint64_t)w->limit * w->period_ms;
	uint64_t elapsed = now_ms > w->last_ms ? now_ms - w->last_ms : 0;

	if (elapsed >= w->period_ms)
		return full;
	/* elapsed < period, so elapsed * limit < full and the sum < 2 * full. */
	if (w->level + elapsed * w->limit >= full)
		return full;
	return w->level + elapsed * w->limit;
}

/* Empty, or refilled completely: as good as no bucket. */
static bool
way_reusable(const struct way *w, uint64_t now_ms)
{
	return w->hash == 0 || way_level_at(w, now_ms) == (uint64_t)w->limit * w->period_ms;
}

/*
 * The way holding h, or the one to give it: an empty or full way, else
 * the least recently used (then *evicted).  Called with the set locked.
 */
static struct way *
set_find(struct set *s, uint64_t h, uint64_t now_ms, bool *evicted)
{
	struct way *reuse = NULL, *lru = &s->way[0];

	*evicted = false;
	for (int i = 0; i < SET_WAYS; i++) {
		struct way *w = &s->way[i];

		if (w->hash == h)
			return w;
		if (reuse == NULL && way_reusable(w, now_ms))
			reuse = w;
		if (w->last_ms < lru->last_ms)
			lru = w;
	}
	if (reuse != NULL)
		return reuse;
	*evicted = true;
	return lru;
}

/*
 * Re-expresses a level counted under another rule (a reload changed it)
 * in the new rule's units, keeping the tokens and the fraction of one.
 * whole <= 1e6 and frac < 8.64e7, so neither product overflows.
 */
static uint64_t
level_convert(uint64_t level, uint32_t old_period, uint32_t limit, uint32_t period)
{
	uint64_t whole = level / old_period, frac = level % old_period;

	if (whole >= limit)
		return (uint64_t)limit * period;
	return whole * period + frac * period / old_period;
}

/* Brings w up to now_ms under the rule (limit, period). */
static void
way_advance(struct way *w, uint32_t limit, uint32_t period, uint64_t now_ms)
{
	uint64_t level = way_level_at(w, now_ms);

	if (w->limit != limit || w->period_ms != period)
		level = level_convert(level, w->period_ms, limit, period);
	w->level = level;
	w->limit = limit;
	w->period_ms = period;
	/* Never back: a late caller must not have the same time counted twice. */
	if (now_ms > w->last_ms)
		w->last_ms = now_ms;
}

bool
ratelimit_take(struct ratelimit *rl, const void *key, size_t keylen, const struct ratelimit_rule *rule,
    uint64_t now_ms, struct ratelimit_result *out)
{
	uint32_t limit, period;
	uint64_t h, level;
	struct set *s;
	struct way *w;
	bool evicted;

	memset(out, 0, sizeof(*out));
	if (rule->limit == 0) {
		out->allowed = true;
		return true;
	}
	limit = rule->limit < RATELIMIT_MAX_LIMIT ? rule->limit : RATELIMIT_MAX_LIMIT;
	period = rule->period_ms == 0 ? 1 :
	    rule->period_ms < RATELIMIT_MAX_PERIOD_MS ? (uint32_t)rule->period_ms : RATELIMIT_MAX_PERIOD_MS;
	h = key_hash(rl, key, keylen);
	s = &rl->sets[h & (rl->nsets - 1)];

	shmsets_lock(&s->lock);
	w = set_find(s, h, now_ms, &evicted);
	if (w->hash != h) {
		w->hash = h;
		w->level = (uint64_t)limit * period;
		w->last_ms = now_ms;
		w->limit = limit;
		w->period_ms = period;
	}
	way_advance(w, limit, period, now_ms);
	out->allowed = w->level >= period;
	if (out->allowed)
		w->level -= period;
	level = w->level;
	shmsets_unlock(&s->lock);

	if (evicted)
		__atomic_fetch_add(&rl->evictions, 1, __ATOMIC_RELAXED);
	out->limit = limit;
	out->remaining = (uint32_t)(level / period);
	out->reset_ms = div_up((uint64_t)limit * period - level, limit);
	/* Refused means level < period, so this is at least 1. */
	out->retry_after_ms = out->allowed ? 0 : div_up(period - level, limit);
	return out->allowed;
}

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsize > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The start of text fit to quote in a one-line message. */
static const char *
quotable(const char *text, char buf[48])
{
	size_t i;

	for (i = 0; i < 47 && text[i] != '\0'; i++)
		buf[i] = isprint((unsigned char)text[i]) ? text[i] : '?';
	buf[i] = '\0';
	return buf;
}

/*
 * Reads decimal digits at *p.  Returns 0, -1 when there are none, -2 when
 * the number is above max.  Stops adding once above max, and max is at
 * most 2^32, so v * 10 + 9 never overflows.
 */
static int
read_number(const char **p, uint64_t max, uint64_t *n)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++)
		if (v <= max)
			v = v * 10 + (uint64_t)(*s - '0');
	*p = s;
	*n = v;
	return v <= max ? 0 : -2;
}

static const struct {
	const char *suffix;
	uint64_t ms;
} units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "", 1000 },
};

/* Milliseconds per unit of the suffix, or 0 for an unknown one. */
static uint64_t
unit_ms(const char *suffix)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(units[i].suffix, suffix) == 0)
			return units[i].ms;
	return 0;
}

int
ratelimit_parse(const char *text, struct ratelimit_rule *out, char *err, size_t errsize)
{
	const char *p = text;
	uint64_t n = 0, d = 0, scale = 0;
	int rc_n, rc_d = -1;
	char q[48];

	if (strcasecmp(text, "off") == 0) {
		out->limit = 0;
		out->period_ms = 0;
		return 0;
	}
	rc_n = read_number(&p, RATELIMIT_MAX_LIMIT, &n);
	if (rc_n != -1 && *p == '/') {
		p++;
		rc_d = read_number(&p, RATELIMIT_MAX_PERIOD_MS, &d);
		if (rc_d != -1)
			scale = unit_ms(p);
	}
	if (rc_n == -1 || rc_d == -1 || scale == 0)
		return fail(err, errsize, "rate limit \"%s\": expected N/DURATION such as 10/1m, 100/1s or "
		    "5/500ms (units ms, s, m, h; a bare number is seconds), or off", quotable(text, q));
	if (rc_n == -2)
		return fail(err, errsize, "rate limit \"%s\": more than %u requests per period",
		    quotable(text, q), RATELIMIT_MAX_LIMIT);
	if (n == 0)
		return fail(err, errsize, "rate limit \"%s\": a limit of 0 would refuse everything; "
		    "write off for no limit", quotable(text, q));
	/* d <= 8.64e7 and scale <= 3.6e6 here, so the product fits. */
	if (rc_d == -2 || d * scale > RATELIMIT_MAX_PERIOD_MS)
		return fail(err, errsize, "rate limit \"%s\": the period is longer than one day (24h)",
		    quotable(text, q));
	if (d == 0)
		return fail(err, errsize, "rate limit \"%s\": the period must be at least 1ms",
		    quotable(text, q));
	out->limit = (uint32_t)n;
	out->period_ms = d * scale;
	return 0;
}
