/*
 * verifier: see verifier.h.
 *
 * The revocation set is an open-addressing table of (kind, 16-byte id)
 * entries, each with the time after which it refuses nothing (revoked at
 * plus the window authd announces).  Expired entries are dropped when the
 * table is rebuilt to grow, and at least once per window.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/httpc.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/uuid.h"
#include "lib/verifier.h"

#define DEFAULT_POLL_MS		500
#define DEFAULT_STALENESS_MS	5000
#define FETCH_TIMEOUT_MS	2000	/* the JWKS; a poll waits up to max_staleness_ms */
#define JWKS_MIN_INTERVAL_S	1	/* between two JWKS fetches asked for by unknown kids */
#define TABLE_MIN		64

enum entry_kind { KIND_FREE, KIND_SESSION, KIND_USER };

struct revoked {
	unsigned char id[16];
	unsigned char kind;
	int64_t before;		/* KIND_USER: tokens issued before this are refused */
	int64_t expires;	/* after this the entry refuses nothing */
};

struct cached {
	unsigned char digest[16];	/* all zero: empty slot */
	struct jwt_claims claims;
};

struct verifier {
	h2o_loop_t *loop;
	struct httpc *http;
	char *url;
	char *issuer;
	int leeway_s;
	int max_staleness_ms;
	bool is_static;

	struct jwt_keyset keys;
	bool have_keys;
	int64_t jwks_fetched_at;
	struct httpc_call *jwks_call;
	bool jwks_failed;		/* the last fetch of the keys failed */

	struct revoked *table;
	size_t table_size, table_used;
	long long last_seq;
	bool have_list;
	uint64_t fresh_at_ms;		/* last successful poll, monotonic */
	int64_t purged_at;
	struct httpc_call *poll_call;
	h2o_timeout_t poll_every;
	h2o_timeout_entry_t poll_timer;
	bool poll_failing;		/* log the change only, not every failure */

	struct cached *cache;
	size_t cache_entries;
};

static uint64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- the revocation table --- */

static size_t
slot_of(const unsigned char id[16], int kind, size_t size)
{
	uint64_t h;

	memcpy(&h, id + 8, sizeof(h));	/* random bits of a v4 UUID */
	return (size_t)(h ^ (uint64_t)kind) & (size_t)(size - 1);
}

static struct revoked *
table_find(const struct verifier *v, const unsigned char id[16], int kind)
{
	if (v->table_size == 0)
		return NULL;
	for (size_t i = slot_of(id, kind, v->table_size);; i = (i + 1) & (v->table_size - 1)) {
		struct revoked *e = &v->table[i];

		if (e->kind == KIND_FREE)
			return NULL;
		if (e->kind == kind && memcmp(e->id, id, 16) == 0)
			return e;
	}
}

static void
table_put(struct revoked *table, size_t size, const struct revoked *r)
{
	size_t i = slot_of(r->id, r->kind, size);

	while (table[i].kind != KIND_FREE)
		i = (i + 1) & (size - 1);
	table[i] = *r;
}

/* Rebuilds at `size` slots, dropping entries expired at now.  -1 when out of memory. */
static int
table_rebuild(struct verifier *v, size_t size, int64_t now)
{
	struct revoked *t = calloc(size, sizeof(*t));
	size_t used = 0;

	if (t == NULL)
		return -1;
	for (size_t i = 0; i < v->table_size; i++) {
		if (v->table[i].kind != KIND_FREE && v->table[i].expires > now) {
			table_put(t, size, &v->table[i]);
			used++;
		}
	}
	free(v->table);
	v->table = t;
	v->table_size = size;
	v->table_used = used;
	v->purged_at = now;
	return 0;
}

/* Returns 0, or -1 when out of memory (the row is not applied). */
static int
table_add(struct verifier *v, const struct revoked *r, int64_t now)
{
	struct revoked *e = table_find(v, r->id, r->kind);

	if (e != NULL) {
		if (r->before > e->before)
			e->before = r->before;
		if (r->expires > e->expires)
			e->expires = r->expires;
		return 0;
	}
	if ((v->table_used + 1) * 2 > v->table_size) {
		size_t size = v->table_size < TABLE_MIN ? TABLE_MIN : v->table_size;

		while ((v->table_used + 1) * 2 > size)
			size *= 2;
		/* after dropping the expired, the table may need no more room */
		if (table_rebuild(v, size, now) != 0)
			return -1;
	}
	table_put(v->table, v->table_size, r);
	v->table_used++;
	return 0;
}

/* --- polling quill-authd --- */

static void poll_now(struct verifier *v);
static void fetch_jwks(struct verifier *v);

static void
poll_failed(struct verifier *v, const char *why)
{
	char qurl[300], qwhy[200];

	if (!v->poll_failing)
		log_warnx("event=revocation_poll_failed url=%s error=%s", log_quote(qurl, sizeof(qurl), v->url,
		    (size_t)-1), log_quote(qwhy, sizeof(qwhy), why, (size_t)-1));
	v->poll_failing = true;
}

static bool
kid_known(const struct verifier *v, const char *kid)
{
	return jwt_keyset_find(&v->keys, kid) != NULL;
}

/*
 * The feed's kids are quill-authd's key set now: a key of ours that is
 * not among them has been removed (quillctl keys rotate), and its tokens
 * stop verifying with this poll, not with the next JWKS fetch.
 */
static void
drop_removed_keys(struct verifier *v, const struct json_value *kids)
{
	struct jwt_keyset left;
	bool gone = false;

	if (json_type(kids) != JSON_ARRAY || json_length(kids) == 0)
		return;		/* no word on the keys: keep them */
	memset(&left, 0, sizeof(left));
	for (int i = 0; i < v->keys.n; i++) {
		bool listed = false;

		for (size_t j = 0; j < json_length(kids) && !listed; j++) {
			const char *kid = json_string(json_at(kids, j), NULL);

			listed = kid != NULL && strcmp(kid, v->keys.keys[i].kid) == 0;
		}
		if (listed)
			jwt_keyset_add(&left, &v->keys.keys[i]);
		else
			gone = true;
	}
	if (gone)
		verifier_set_keys(v, &left);
}

/* Applies one answer of the feed.  Returns -1 when it is not one. */
static int
apply_feed(struct verifier *v, const struct json_value *doc, bool *more)
{
	const struct json_value *items = json_get(doc, "items"), *kids = json_get(doc, "kids");
	int64_t now = (int64_t)time(NULL), window, last;

	if (json_type(items) != JSON_ARRAY || json_get_int64(doc, "window", &window) != 0 ||
	    json_get_int64(doc, "last_seq", &last) != 0 || json_get_bool(doc, "more", more) != 0)
		return -1;
	for (size_t i = 0; i < json_length(items); i++) {
		const struct json_value *it = json_at(items, i);
		const char *sid = json_get_string(it, "session_id", NULL);
		const char *uid = json_get_string(it, "user_id", NULL);
		struct revoked r;
		int64_t before;

		if (uid == NULL || json_get_int64(it, "before", &before) != 0)
			return -1;
		memset(&r, 0, sizeof(r));
		r.kind = sid != NULL ? KIND_SESSION : KIND_USER;
		if (uuid_to_bytes(sid != NULL ? sid : uid, r.id) != 0)
			return -1;
		r.before = before;
		r.expires = before + window;
		/* out of memory: the poll fails, last_seq stays, the row comes again */
		if (table_add(v, &r, now) != 0)
			return -1;
	}
	if (last > v->last_seq)
		v->last_seq = last;
	drop_removed_keys(v, kids);
	for (size_t i = 0; i < json_length(kids); i++) {
		const char *kid = json_string(json_at(kids, i), NULL);

		if (kid != NULL && !kid_known(v, kid) && !v->is_static)
			fetch_jwks(v);
	}
	if (now - v->purged_at > window && v->table_size > 0)
		table_rebuild(v, v->table_size, now);
	return 0;
}

static void
on_poll(void *arg, const struct httpc_response *res, const char *err)
{
	struct verifier *v = arg;
	char perr[128], qurl[300];
	bool more = false;

	v->poll_call = NULL;
	if (res == NULL) {
		poll_failed(v, err);
	} else if (res->status != 200) {
		snprintf(perr, sizeof(perr), "status %ld", res->status);
		poll_failed(v, perr);
	} else if (verifier_take_feed(v, res->body, res->body_len, &more) != 0) {
		poll_failed(v, "not a revocation feed");
	} else if (v->poll_failing) {
		log_info("event=revocation_poll_recovered url=%s",
		    log_quote(qurl, sizeof(qurl), v->url, (size_t)-1));
		v->poll_failing = false;
	}
	if (more)
		poll_now(v);
	else
		h2o_timeout_link(v->loop, &v->poll_every, &v->poll_timer);
}

static void
poll_now(struct verifier *v)
{
	/*
	 * A slow answer is news all the same: on a saturated machine authd's
	 * database can take a second or more, and giving up sooner than
	 * staleness itself would refuse tokens over a feed that still works.
	 */
	struct httpc_options opt = { .timeout_ms = v->max_staleness_ms, .max_response = 4 << 20 };
	char url[1024];

	if (v->have_list)
		snprintf(url, sizeof(url), "%s/internal/auth/revocations?after=%lld", v->url, v->last_seq);
	else
		snprintf(url, sizeof(url), "%s/internal/auth/revocations", v->url);
	v->poll_call = httpc_request(v->http, url, &opt, on_poll, v);
	if (v->poll_call == NULL)
		h2o_timeout_link(v->loop, &v->poll_every, &v->poll_timer);
}

static void
on_poll_timer(h2o_timeout_entry_t *entry)
{
	struct verifier *v = (struct verifier *)((char *)entry - offsetof(struct verifier, poll_timer));

	poll_now(v);
}

static void
on_jwks(void *arg, const struct httpc_response *res, const char *err)
{
	struct verifier *v = arg;
	struct json_value *doc = NULL;
	const struct json_value *keys;
	struct jwt_keyset ks;
	char perr[128], qurl[300], qerr[200];

	v->jwks_call = NULL;
	v->jwks_failed = true;		/* until the keys below are taken */
	log_quote(qurl, sizeof(qurl), v->url, (size_t)-1);
	if (res == NULL || res->status != 200) {
		log_warnx("event=jwks_fetch_failed url=%s error=%s", qurl,
		    log_quote(qerr, sizeof(qerr), res == NULL ? err : "unexpected status", (size_t)-1));
		return;
	}
	if ((doc = json_parse(res->body, res->body_len, 0, 0, perr, sizeof(perr))) == NULL ||
	    json_type(keys = json_get(doc, "keys")) != JSON_ARRAY) {
		log_warnx("event=jwks_fetch_failed url=%s error=\"not a JWK set\"", qurl);
		json_free(doc);
		return;
	}
	memset(&ks, 0, sizeof(ks));
	for (size_t i = 0; i < json_length(keys); i++) {
		struct jwt_key k;

		/* a key this library cannot use is skipped, not fatal */
		if (jwt_jwk_parse(json_at(keys, i), &k) == 0)
			jwt_keyset_add(&ks, &k);
	}
	json_free(doc);
	if (ks.n == 0) {
		log_warnx("event=jwks_fetch_failed url=%s error=\"no usable key\"", qurl);
		return;
	}
	verifier_set_keys(v, &ks);
	v->jwks_failed = false;
	log_info("event=jwks_loaded url=%s keys=%d", qurl, ks.n);
}

static void
fetch_jwks(struct verifier *v)
{
	struct httpc_options opt = { .timeout_ms = FETCH_TIMEOUT_MS, .max_response = 64 << 10 };
	int64_t now = (int64_t)time(NULL);
	char url[1024];

	if (v->jwks_call != NULL || (v->have_keys && now - v->jwks_fetched_at < JWKS_MIN_INTERVAL_S))
		return;
	v->jwks_fetched_at = now;
	snprintf(url, sizeof(url), "%s/api/auth/jwks", v->url);
	v->jwks_call = httpc_request(v->http, url, &opt, on_jwks, v);
}

/* --- public --- */

int
verifier_take_feed(struct verifier *v, const char *body, size_t len, bool *more)
{
	struct json_value *doc;
	char perr[128];
	int rc;

	*more = false;
	if ((doc = json_parse(body, len, 0, 0, perr, sizeof(perr))) == NULL)
		return -1;
	rc = apply_feed(v, doc, more);
	json_free(doc);
	if (rc != 0)
		return -1;
	v->have_list = true;
	v->fresh_at_ms = monotonic_ms();
	return 0;
}

void
verifier_set_keys(struct verifier *v, const struct jwt_keyset *ks)
{
	bool removed = false;

	for (int i = 0; i < v->keys.n && !removed; i++)
		removed = jwt_keyset_find(ks, v->keys.keys[i].kid) == NULL;
	v->keys = *ks;
	v->have_keys = ks->n > 0;
	/*
	 * The cache does not remember which key signed a token, so when a key
	 * goes every entry goes: a token of that key must not pass on a hit,
	 * and a key goes rarely (a rotation), at the cost of one signature
	 * check per live token afterwards.
	 */
	if (removed && v->cache != NULL)
		memset(v->cache, 0, v->cache_entries * sizeof(*v->cache));
}

static struct verifier *
verifier_alloc(const struct verifier_options *opt)
{
	struct verifier *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->issuer = strdup(opt->issuer);
	v->url = strdup(opt->url != NULL ? opt->url : "");
	v->leeway_s = opt->leeway_s;
	v->max_staleness_ms = opt->max_staleness_ms > 0 ? opt->max_staleness_ms : DEFAULT_STALENESS_MS;
	v->cache_entries = opt->cache_entries;
	if (v->cache_entries > 0)
		v->cache = calloc(v->cache_entries, sizeof(*v->cache));
	if (v->issuer == NULL || v->url == NULL || (v->cache_entries > 0 && v->cache == NULL)) {
		verifier_free(v);
		return NULL;
	}
	/* no trailing slash, so paths can be appended */
	for (size_t n = strlen(v->url); n > 0 && v->url[n - 1] == '/'; n--)
		v->url[n - 1] = '\0';
	return v;
}

struct verifier *
verifier_new(h2o_loop_t *loop, struct httpc *http, const struct verifier_options *opt)
{
	struct verifier *v = verifier_alloc(opt);

	if (v == NULL)
		return NULL;
	v->loop = loop;
	v->http = http;
	h2o_timeout_init(loop, &v->poll_every, opt->poll_ms > 0 ? opt->poll_ms : DEFAULT_POLL_MS);
	v->poll_timer.cb = on_poll_timer;
	fetch_jwks(v);
	poll_now(v);
	return v;
}

struct verifier *
verifier_new_static(const struct jwt_keyset *ks, const struct verifier_options *opt)
{
	struct verifier *v = verifier_alloc(opt);

	if (v == NULL)
		return NULL;
	v->is_static = true;
	v->keys = *ks;
	v->have_keys = true;
	v->have_list = true;
	return v;
}

void
verifier_free(struct verifier *v)
{
	if (v == NULL)
		return;
	if (v->poll_call != NULL)
		httpc_abandon(v->poll_call);
	if (v->jwks_call != NULL)
		httpc_abandon(v->jwks_call);
	if (v->loop != NULL) {
		if (h2o_timeout_is_linked(&v->poll_timer))
			h2o_timeout_unlink(&v->poll_timer);
		h2o_timeout_dispose(v->loop, &v->poll_every);
	}
	free(v->table);
	free(v->cache);
	free(v->issuer);
	free(v->url);
	free(v);
}

bool
verifier_ready(const struct verifier *v)
{
	if (!v->have_keys || !v->have_list)
		return false;
	return v->is_static || monotonic_ms() - v->fresh_at_ms <= (uint64_t)v->max_staleness_ms;
}

bool
verifier_settled(const struct verifier *v)
{
	return verifier_ready(v) || v->jwks_failed || v->poll_failing;
}

/* The signature and claims, through the cache when it has this very token. */
static enum jwt_status
check_token(struct verifier *v, const char *token, size_t len, int64_t now, struct jwt_claims *c)
{
	unsigned char digest[16];
	struct cached *slot = NULL;
	enum jwt_status st;

	if (v->cache != NULL && len <= JWT_MAX_TOKEN) {
		uint64_t h;

		crypto_generichash(digest, sizeof(digest), (const unsigned char *)token, len, NULL, 0);
		memcpy(&h, digest, sizeof(h));
		slot = &v->cache[h % v->cache_entries];
		if (sodium_memcmp(slot->digest, digest, sizeof(digest)) == 0) {
			*c = slot->claims;
			if (c->exp <= now - v->leeway_s)
				return JWT_EXPIRED;
			if (c->nbf > now + v->leeway_s)
				return JWT_NOT_YET_VALID;
			return JWT_OK;
		}
	}
	st = jwt_verify(&v->keys, token, len, v->issuer, now, v->leeway_s, c);
	if (st == JWT_OK && slot != NULL) {
		memcpy(slot->digest, digest, sizeof(digest));
		slot->claims = *c;
	}
	return st;
}

enum verifier_result
verifier_check(struct verifier *v, const char *token, size_t len, int64_t now,
    struct jwt_claims *out, const char **why)
{
	struct jwt_claims c;
	unsigned char id[16];
	const struct revoked *r;
	enum jwt_status st;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (!verifier_ready(v)) {
		*why = "verifier_unavailable";
		return VERIFIER_UNAVAILABLE;
	}
	if ((st = check_token(v, token, len, now, &c)) != JWT_OK) {
		*why = jwt_status_string(st);
		/* a kid we do not know yet may be a new key: look again, at most once a second */
		if (st == JWT_UNKNOWN_KID && !v->is_static)
			fetch_jwks(v);
		return VERIFIER_INVALID;
	}
	if ((uuid_to_bytes(c.sid, id) == 0 && (r = table_find(v, id, KIND_SESSION)) != NULL &&
	    r->expires > now) ||
	    (uuid_to_bytes(c.sub, id) == 0 && (r = table_find(v, id, KIND_USER)) != NULL &&
	    r->expires > now && c.iat < r->before)) {
		*why = "revoked";
		return VERIFIER_REVOKED;
	}
	*why = "ok";
	if (out != NULL)
		*out = c;
	return VERIFIER_OK;
}
