/*
 * verifier: bearer-token checking for every daemon other than quill-authd.
 *
 * It knows what lib/jwt needs (authd's public keys, fetched from
 * GET <url>/api/auth/jwks) and what a token alone cannot say: whether its
 * session or its account has been ended since it was issued.  For that it
 * polls GET <url>/internal/auth/revocations every poll_ms and keeps the
 * revoked sessions and users until their tokens would have expired anyway,
 * so a logout anywhere reaches this worker within poll_ms plus one round
 * trip.
 *
 * Fails closed: until the first keys and revocation list have arrived, or
 * when no poll has been answered for max_staleness_ms, every check answers
 * VERIFIER_UNAVAILABLE (the caller says 503), because a revocation may
 * have been missed.
 *
 * Verified tokens are remembered in a fixed-size table keyed by a hash of
 * the whole token, so a client repeating its token costs one hash and one
 * comparison instead of an Ed25519 verification.  The revocation check
 * runs on every call, cached or not.
 *
 * One verifier per worker, on that worker's loop; nothing here blocks.
 */
#ifndef QUILL_VERIFIER_H
#define QUILL_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "lib/jwt.h"

struct httpc;
struct verifier;

struct verifier_options {
	const char *url;		/* quill-authd's base URL, "http://127.0.0.1:8001" */
	const char *issuer;
	int leeway_s;
	int poll_ms;			/* default 500 */
	int max_staleness_ms;		/* default 5000; also a poll's timeout */
	size_t cache_entries;		/* 0: no cache */
};

enum verifier_result {
	VERIFIER_OK,
	VERIFIER_INVALID,	/* *why says what lib/jwt found ("expired") */
	VERIFIER_REVOKED,	/* the session or the account has been ended */
	VERIFIER_UNAVAILABLE,	/* no fresh word from quill-authd */
};

/* Starts fetching at once.  Returns NULL when out of memory. */
struct verifier *verifier_new(h2o_loop_t *loop, struct httpc *http, const struct verifier_options *opt);
/* Abandons the requests in flight; before httpc_free() and h2o_evloop_destroy(). */
void verifier_free(struct verifier *v);

/*
 * Checks token (len bytes) at time now (seconds).  out, when not NULL,
 * gets the claims on VERIFIER_OK.  *why, when not NULL, gets a short fixed
 * word for logs and error messages.
 */
enum verifier_result verifier_check(struct verifier *v, const char *token, size_t len, int64_t now,
    struct jwt_claims *out, const char **why);

/* Whether checks can succeed now (keys and a fresh revocation list). */
bool verifier_ready(const struct verifier *v);
/*
 * Whether the first fetches have had an outcome: ready, or one of them
 * failed.  A new worker waits for this before it takes requests.
 */
bool verifier_settled(const struct verifier *v);

/*
 * Takes ks as the key set (a JWKS fetched, or a test's keys).  A kid that
 * was in the old set and is not in ks stops verifying at once: the
 * tokens the cache remembers are forgotten with it.
 */
void verifier_set_keys(struct verifier *v, const struct jwt_keyset *ks);
/*
 * Applies one answer of quill-authd's revocation feed (the JSON body of
 * GET /internal/auth/revocations): its revocations, and its "kids", the
 * key set authd has now, so a removed key is dropped with this answer.
 * Returns 0, or -1 when body is not a feed (nothing is marked fresh).
 * *more says the feed has more rows to fetch at once.
 */
int verifier_take_feed(struct verifier *v, const char *body, size_t len, bool *more);

/*
 * For tests and benchmarks without a quill-authd: use these keys, and
 * treat the revocation list as empty and always fresh.  No polling.
 */
struct verifier *verifier_new_static(const struct jwt_keyset *ks, const struct verifier_options *opt);

#endif
