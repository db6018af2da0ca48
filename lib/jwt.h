/*
 * jwt: access tokens as JSON Web Tokens signed with EdDSA (Ed25519), the
 * compact form header.payload.signature in unpadded base64url.
 *
 * Only authd holds a secret key (a 0600 file read by jwt_key_load); every
 * other daemon holds public keys only, from authd's JWKS, in a jwt_keyset.
 *
 * jwt_verify() guarantees, in this order:
 * - the token is at most JWT_MAX_TOKEN bytes with exactly two dots, and
 *   every part is canonical unpadded base64url (no '=', '+', '/', or
 *   stray trailing bits);
 * - the header is a JSON object with alg exactly "EdDSA", no "crit", typ
 *   absent or "JWT", and a string kid found in the key set;
 * - the signature is exactly 64 bytes and verifies over the header.payload
 *   bytes as received, before the payload is even decoded;
 * - the payload is a JSON object with iss equal to the expected issuer,
 *   integer iat/nbf/exp, non-empty string sub, string sid/role/jti that fit
 *   struct jwt_claims, and exp > now - leeway, nbf <= now + leeway.
 * Objects with a repeated member name are refused, so no two readers of
 * the same token can disagree about a claim.
 *
 * sodium_init() is the caller's job, once, before any function here.
 * Nothing here logs: functions return a status and the caller logs once.
 */
#ifndef QUILL_JWT_H
#define QUILL_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>
#include <yajl/yajl_gen.h>

struct json_value;

#define JWT_MAX_KEYS	8
#define JWT_MAX_TOKEN	4096	/* bytes; longer tokens are refused unread */
#define JWT_KID_LEN	16	/* hex characters of a kid made by jwt_key_generate */

struct jwt_key {
	char kid[33];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	bool has_secret;
};

struct jwt_keyset {
	struct jwt_key keys[JWT_MAX_KEYS];
	int n;
};

struct jwt_claims {
	char iss[128];
	char sub[64];
	char sid[64];
	char role[16];
	char jti[64];
	int64_t iat, nbf, exp;
};

enum jwt_status {
	JWT_OK,
	JWT_MALFORMED,		/* not three base64url parts of JSON; bad header */
	JWT_BAD_ALG,		/* alg missing or not exactly "EdDSA", or "crit" */
	JWT_UNKNOWN_KID,	/* kid missing or not in the key set */
	JWT_BAD_SIGNATURE,	/* not 64 bytes, or does not verify */
	JWT_EXPIRED,
	JWT_NOT_YET_VALID,
	JWT_BAD_ISSUER,
	JWT_BAD_CLAIMS,		/* payload not an object, claim missing or mistyped */
};

/*
 * A fresh key pair with its secret; kid is the lower-case hex of the first
 * 8 bytes of SHA-256(pk), so the same public key always has the same kid.
 * Returns 0, or -1 (only if libsodium fails).
 */
int jwt_key_generate(struct jwt_key *k);

/* Overwrites the whole key, secret included. */
void jwt_key_wipe(struct jwt_key *k);

/*
 * Writes the secret key to path as the one line
 * "quill-ed25519 <kid> <base64url seed>\n", mode 0600: through a temp file
 * in the same directory (created with O_EXCL), fsync, then rename, so path
 * is either the old file or the complete new one.  Returns 0, or -1 with a
 * one-line message in err.
 */
int jwt_key_save(const struct jwt_key *k, const char *path, char *err, size_t errsize);

/*
 * Reads a file written by jwt_key_save.  Refuses a file that is not a
 * regular file, that group or others may read or write, or whose content is
 * not exactly that one line with a kid matching the key.  Returns 0, or -1
 * with a one-line message in err ("mode 0644 is too open, want 0600").
 */
int jwt_key_load(const char *path, struct jwt_key *k, char *err, size_t errsize);

/*
 * Adds a copy of k's public half (never its secret) to ks.  Returns 0, or
 * -1 when ks is full or already has that kid.
 */
int jwt_keyset_add(struct jwt_keyset *ks, const struct jwt_key *k);
/* The key with that kid, or NULL. */
const struct jwt_key *jwt_keyset_find(const struct jwt_keyset *ks, const char *kid);

/*
 * Signs c with k into out as a NUL-terminated compact JWT with header
 * {"alg":"EdDSA","typ":"JWT","kid":...}.  Returns its length, or -1 when
 * k has no secret, out is too small, or memory runs out.
 */
long jwt_sign(const struct jwt_key *k, const struct jwt_claims *c, char *out, size_t outsize);

/*
 * Checks token (len bytes, need not be NUL-terminated) as described above;
 * issuer must not be NULL.  now is in seconds since the epoch; leeway_s
 * (clamped to 0..3600) allows for clock skew on exp and nbf.  out is
 * filled only on JWT_OK and zeroed otherwise; it may be NULL.
 */
enum jwt_status jwt_verify(const struct jwt_keyset *ks, const char *token, size_t len,
    const char *issuer, int64_t now, int leeway_s, struct jwt_claims *out);

/* A short fixed name for logs ("expired", "bad_signature"). */
const char *jwt_status_string(enum jwt_status st);

/*
 * Writes k's public key as a JWK object:
 * {"kty":"OKP","crv":"Ed25519","x":...,"kid":...,"alg":"EdDSA","use":"sig"}.
 */
void jwt_jwk_public(const struct jwt_key *k, yajl_gen g);

/*
 * Reads one JWK (as written by jwt_jwk_public) into k, public half only.
 * kty must be "OKP", crv "Ed25519", x 32 bytes of base64url, kid a string
 * of 1 to 32 characters; alg and use, when present, "EdDSA" and "sig".
 * Returns 0, or -1 for anything else.
 */
int jwt_jwk_parse(const struct json_value *jwk, struct jwt_key *k);

#endif
