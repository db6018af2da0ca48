/*
 * test_verifier: lib/verifier without a quill-authd (a static verifier
 * fed the keys and revocation feed answers a poll would bring): tokens
 * verified and then answered from the cache, expiry on a cache hit,
 * session and user revocation, and a key removed from the set (by a
 * JWKS or by the feed's kids) that stops its tokens at once, cached or
 * not.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/jwt.h"
#include "lib/verifier.h"
#include "tests/unit/tap.h"

#define ISS	"quill-authd"
#define UID	"0b8f3c2e-5d1a-4c7e-9f00-1a2b3c4d5e6f"
#define SID1	"7e57a1b2-0c3d-4e5f-8a9b-0c1d2e3f4a5b"
#define SID2	"11111111-2222-4333-8444-555555555555"
#define OTHER	"99999999-8888-4777-8666-555555555555"

static struct jwt_key key1, key2, key3;
static int64_t now;

/* A token of key k for session sid, issued at iat, valid for ttl seconds. */
static void
mint(char *out, size_t size, const struct jwt_key *k, const char *sid, int64_t iat, int64_t ttl)
{
	struct jwt_claims c;

	memset(&c, 0, sizeof(c));
	snprintf(c.iss, sizeof(c.iss), "%s", ISS);
	snprintf(c.sub, sizeof(c.sub), "%s", UID);
	snprintf(c.sid, sizeof(c.sid), "%s", sid);
	snprintf(c.role, sizeof(c.role), "user");
	snprintf(c.jti, sizeof(c.jti), "j%08x", (unsigned)randombytes_random());	/* two tokens differ */
	c.iat = iat;
	c.nbf = iat;
	c.exp = iat + ttl;
	if (jwt_sign(k, &c, out, size) < 0)
		fprintf(stderr, "# jwt_sign failed\n");
}

static enum verifier_result
check(struct verifier *v, const char *tok, int64_t at, const char **why)
{
	return verifier_check(v, tok, strlen(tok), at, NULL, why);
}

/* A feed answer: optional revocation row, and the kids authd has. */
static int
feed(struct verifier *v, const char *row, const char *kids)
{
	char body[1024];
	bool more;

	snprintf(body, sizeof(body), "{\"items\":[%s],\"window\":3600,\"last_seq\":1,\"more\":false,\"kids\":[%s]}",
	    row, kids);
	return verifier_take_feed(v, body, strlen(body), &more);
}

static struct verifier *
new_verifier(size_t cache_entries)
{
	struct jwt_keyset ks;
	struct verifier_options opt = { .issuer = ISS, .leeway_s = 30, .cache_entries = cache_entries };

	memset(&ks, 0, sizeof(ks));
	jwt_keyset_add(&ks, &key1);
	jwt_keyset_add(&ks, &key2);
	return verifier_new_static(&ks, &opt);
}

static void
test_cache_and_expiry(void)
{
	struct verifier *v = new_verifier(64);
	struct jwt_claims c;
	struct jwt_keyset swapped;
	struct jwt_key impostor;
	char t1[JWT_MAX_TOKEN], t1b[JWT_MAX_TOKEN];
	const char *why;

	mint(t1, sizeof(t1), &key1, SID1, now, 600);
	is_int(verifier_check(v, t1, strlen(t1), now, &c, &why), VERIFIER_OK, "a valid token verifies");
	is_str(c.sub, UID, "  with its claims");
	is_str(why, "ok", "  why says ok");

	/*
	 * A hit is answered without the signature: with key1's kid now naming
	 * another public key (no kid removed), the cached token still passes
	 * and an uncached one of key1 does not.
	 */
	impostor = key3;
	memcpy(impostor.kid, key1.kid, sizeof(impostor.kid));
	memset(&swapped, 0, sizeof(swapped));
	jwt_keyset_add(&swapped, &impostor);
	jwt_keyset_add(&swapped, &key2);
	verifier_set_keys(v, &swapped);
	mint(t1b, sizeof(t1b), &key1, SID1, now, 600);
	is_int(check(v, t1, now, &why), VERIFIER_OK, "the same token again is a cache hit");
	is_int(check(v, t1b, now, &why), VERIFIER_INVALID, "  (a token not cached needs its signature)");
	is_str(why, "bad_signature", "  which fails under the other key");

	is_int(check(v, t1, now + 600 + 31, &why), VERIFIER_INVALID, "a cached token past exp + leeway is refused");
	is_str(why, "expired", "  as expired");
	is_int(check(v, t1, now + 600 + 29, &why), VERIFIER_OK, "  within the leeway it passes");
	is_int(check(v, t1, now - 31, &why), VERIFIER_INVALID, "a cached token before nbf - leeway is refused");
	verifier_free(v);
}

static void
test_revocation(void)
{
	struct verifier *v = new_verifier(64);
	char t1[JWT_MAX_TOKEN], t2[JWT_MAX_TOKEN], t3[JWT_MAX_TOKEN], row[256], kids[128];
	const char *why;

	snprintf(kids, sizeof(kids), "\"%s\",\"%s\"", key1.kid, key2.kid);
	mint(t1, sizeof(t1), &key1, SID1, now, 600);
	mint(t2, sizeof(t2), &key1, SID2, now, 600);
	is_int(check(v, t1, now, &why), VERIFIER_OK, "session 1's token verifies (and is cached)");
	is_int(check(v, t2, now, &why), VERIFIER_OK, "session 2's too");
	snprintf(row, sizeof(row), "{\"session_id\":\"%s\",\"user_id\":\"%s\",\"before\":%lld}", SID1, UID,
	    (long long)now);
	is_int(feed(v, row, kids), 0, "a feed answer with a revoked session is taken");
	is_int(check(v, t1, now, &why), VERIFIER_REVOKED, "the revoked session's cached token is refused");
	is_str(why, "revoked", "  as revoked");
	is_int(check(v, t2, now, &why), VERIFIER_OK, "another session of the user still passes");

	snprintf(row, sizeof(row), "{\"user_id\":\"%s\",\"before\":%lld}", UID, (long long)now + 1);
	is_int(feed(v, row, kids), 0, "a feed answer revoking the user's earlier tokens");
	is_int(check(v, t2, now, &why), VERIFIER_REVOKED, "a token issued before it is refused");
	mint(t3, sizeof(t3), &key1, SID2, now + 2, 600);
	is_int(check(v, t3, now + 2, &why), VERIFIER_OK, "one issued after it passes");
	snprintf(row, sizeof(row), "{\"session_id\":\"%s\",\"user_id\":\"%s\",\"before\":%lld}", OTHER, OTHER,
	    (long long)now);
	is_int(feed(v, row, kids), 0, "another user's revocation");
	is_int(check(v, t3, now + 2, &why), VERIFIER_OK, "  changes nothing for this one");
	is_int(verifier_take_feed(v, "{\"items\":5}", 11, &(bool){ false }), -1, "a body that is not a feed is refused");
	is_int(verifier_take_feed(v, "not json", 8, &(bool){ false }), -1, "  and one that is not JSON");
	is_int(check(v, t3, now + 2, &why), VERIFIER_OK, "  leaving what was known");
	verifier_free(v);
}

/* A key removed by a JWKS (verifier_set_keys) or by the feed's kids, with and without the cache. */
static void
test_removed_key(size_t cache_entries)
{
	struct verifier *v = new_verifier(cache_entries);
	struct jwt_keyset only1;
	char t1[JWT_MAX_TOKEN], t2[JWT_MAX_TOKEN], kids[64], what[96];
	const char *why;
	const char *mode = cache_entries > 0 ? "cache" : "no cache";

	mint(t1, sizeof(t1), &key1, SID1, now, 600);
	mint(t2, sizeof(t2), &key2, SID2, now, 600);
	snprintf(what, sizeof(what), "%s: tokens of both keys verify", mode);
	ok(check(v, t1, now, &why) == VERIFIER_OK && check(v, t2, now, &why) == VERIFIER_OK, what);
	ok(check(v, t2, now, &why) == VERIFIER_OK, "  and again");

	/* the feed's kids no longer name key2 */
	snprintf(kids, sizeof(kids), "\"%s\"", key1.kid);
	is_int(feed(v, "", kids), 0, "a feed answer whose kids leave key2 out");
	snprintf(what, sizeof(what), "%s: key2's token stops verifying with that answer", mode);
	is_int(check(v, t2, now, &why), VERIFIER_INVALID, what);
	is_str(why, "unknown_kid", "  its kid is unknown now");
	is_int(check(v, t1, now, &why), VERIFIER_OK, "  key1's token still verifies");

	/* a JWKS without key1 */
	memset(&only1, 0, sizeof(only1));
	jwt_keyset_add(&only1, &key2);
	verifier_set_keys(v, &only1);
	snprintf(what, sizeof(what), "%s: a key set without key1 stops key1's token at once", mode);
	is_int(check(v, t1, now, &why), VERIFIER_INVALID, what);
	is_int(check(v, t2, now, &why), VERIFIER_OK, "  and key2, back in the set, verifies again");

	is_int(feed(v, "", ""), 0, "a feed answer without kids");
	is_int(check(v, t2, now, &why), VERIFIER_OK, "  removes no key");
	verifier_free(v);
}

int
main(void)
{
	if (sodium_init() < 0 || jwt_key_generate(&key1) != 0 || jwt_key_generate(&key2) != 0 ||
	    jwt_key_generate(&key3) != 0) {
		ok(0, "keys made");
		return done_testing();
	}
	now = (int64_t)time(NULL);
	test_cache_and_expiry();
	test_revocation();
	test_removed_key(64);
	test_removed_key(0);
	return done_testing();
}
