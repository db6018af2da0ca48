/*
 * test_jwt: EdDSA JWTs signed and verified round trip, the JWK form, key
 * files (save/load, permissions, malformed content), and the tampering
 * matrix an attacker would try: alg none, HS256 keyed with the public key,
 * changed header or payload, unknown kid, expiry and nbf around the
 * leeway, wrong issuer, every truncation, bad base64url, wrong signature
 * size, mistyped and oversized claims, plus a fixed-seed byte-flip fuzz
 * loop.  Meant to run under valgrind and ASan/UBSan as well.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <yajl/yajl_gen.h>

#include "lib/json.h"
#include "lib/jwt.h"
#include "tests/unit/tap.h"

#define NOW	INT64_C(1700000000)
#define ISS	"quill-authd"
#define LEEWAY	30

static struct jwt_key key1, key2;
static struct jwt_keyset ks;
static char tok[JWT_MAX_TOKEN + 64];

/* Appends the base64 (any variant) of bin to out at *pos. */
static void
enc(char *out, size_t *pos, const void *bin, size_t n, int variant)
{
	size_t need = sodium_base64_ENCODED_LEN(n, variant);

	sodium_bin2base64(out + *pos, need, bin, n, variant);
	*pos += need - 1;
}

/* header.payload.sig with the given parts; sig NULL gives an empty part. */
static size_t
make_raw(char *out, const char *hdr, const char *pl, const unsigned char *sig, size_t siglen)
{
	size_t pos = 0;

	enc(out, &pos, hdr, strlen(hdr), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out[pos++] = '.';
	enc(out, &pos, pl, strlen(pl), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out[pos++] = '.';
	out[pos] = '\0';
	if (sig != NULL)
		enc(out, &pos, sig, siglen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return pos;
}

/* A token with header hdr and payload pl, really signed by k (siglen bytes of it). */
static size_t
make_signed_len(char *out, const struct jwt_key *k, const char *hdr, const char *pl, size_t siglen)
{
	unsigned char sig[crypto_sign_BYTES + 1] = { 0 };
	size_t pos;

	pos = make_raw(out, hdr, pl, NULL, 0);
	crypto_sign_detached(sig, NULL, (const unsigned char *)out, pos - 1, k->sk);
	enc(out, &pos, sig, siglen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return pos;
}

static size_t
make_signed(char *out, const struct jwt_key *k, const char *hdr, const char *pl)
{
	return make_signed_len(out, k, hdr, pl, crypto_sign_BYTES);
}

static const char *
hdr1(void)
{
	static char h[128];

	snprintf(h, sizeof(h), "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"%s\"}", key1.kid);
	return h;
}

/* A valid payload with exp/nbf and sub as given. */
static const char *
payload(long long exp, long long nbf, const char *sub)
{
	static char p[512];

	snprintf(p, sizeof(p), "{\"iss\":\"" ISS "\",\"sub\":\"%s\",\"sid\":\"s-1\","
	    "\"role\":\"user\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"jti\":\"j-1\"}",
	    sub, (long long)NOW, nbf, exp);
	return p;
}

static enum jwt_status
verify(const char *t)
{
	return jwt_verify(&ks, t, strlen(t), ISS, NOW, LEEWAY, NULL);
}

static void
fill_claims(struct jwt_claims *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->iss, ISS);
	strcpy(c->sub, "6f1c1a52-5c1e-4c59-9d0e-3f8cf0a5b7e2");
	strcpy(c->sid, "a4d8e1f0-2b3c-4d5e-8f90-123456789abc");
	strcpy(c->role, "admin");
	strcpy(c->jti, "jti-\"quoted\"\\é");
	c->iat = NOW;
	c->nbf = NOW;
	c->exp = NOW + 900;
}

static void
test_round_trip(void)
{
	struct jwt_claims c, got;
	struct jwt_key pub;
	char small[512];
	long len, n;
	size_t i;
	int bad = 0;

	fill_claims(&c);
	len = jwt_sign(&key1, &c, tok, sizeof(tok));
	ok(len > 0 && (size_t)len == strlen(tok), "jwt_sign returns the token length");
	is_int(jwt_verify(&ks, tok, (size_t)len, ISS, NOW, LEEWAY, &got), JWT_OK, "signed token verifies");
	is_str(got.iss, c.iss, "iss round trips");
	is_str(got.sub, c.sub, "sub round trips");
	is_str(got.sid, c.sid, "sid round trips");
	is_str(got.role, c.role, "role round trips");
	is_str(got.jti, c.jti, "jti with quotes and UTF-8 round trips");
	ok(got.iat == c.iat && got.nbf == c.nbf && got.exp == c.exp, "times round trip");
	ok(strchr(tok, '=') == NULL && strchr(tok, '+') == NULL && strchr(tok, '/') == NULL,
	    "token uses unpadded base64url");

	/* Every buffer one byte short of the token and its NUL is refused cleanly. */
	for (i = 0; i <= (size_t)len; i++)
		if (jwt_sign(&key1, &c, small, i) != -1 || (i > 0 && small[0] != '\0'))
			bad++;
	is_int(bad, 0, "jwt_sign refuses every buffer that is too small");
	n = jwt_sign(&key1, &c, small, (size_t)len + 1);
	is_int(n, len, "jwt_sign fits a buffer of exactly length + 1");

	memset(&pub, 0, sizeof(pub));
	memcpy(pub.kid, key1.kid, sizeof(pub.kid));
	memcpy(pub.pk, key1.pk, sizeof(pub.pk));
	is_int(jwt_sign(&pub, &c, small, sizeof(small)), -1, "jwt_sign refuses a key without secret");

	/* Claims filling their arrays without a NUL are not read past. */
	memset(c.role, 'r', sizeof(c.role));
	len = jwt_sign(&key1, &c, tok, sizeof(tok));
	ok(len > 0, "jwt_sign with an unterminated claim array");
	is_int(verify(tok), JWT_BAD_CLAIMS, "a role of 16 characters is refused by the verifier");

	ok(strlen(key1.kid) == JWT_KID_LEN && strspn(key1.kid, "0123456789abcdef") == JWT_KID_LEN,
	    "kid is 16 lower-case hex characters");
	ok(strcmp(key1.kid, key2.kid) != 0, "different keys have different kids");
}

static void
test_jwk(void)
{
	yajl_gen g = json_gen_new();
	struct json_value *doc, *bad;
	struct jwt_key k;
	struct jwt_keyset set = { .n = 0 };
	struct jwt_claims c;
	unsigned char pk[64];
	const char *text, *x;
	char err[128];
	size_t len, xlen, pklen;

	jwt_jwk_public(&key1, g);
	text = json_gen_text(g, &len);
	doc = json_parse(text, len, 0, 0, err, sizeof(err));
	ok(doc != NULL && json_type(doc) == JSON_OBJECT, "JWK is a JSON object");
	is_str(json_get_string(doc, "kty", NULL), "OKP", "JWK kty");
	is_str(json_get_string(doc, "crv", NULL), "Ed25519", "JWK crv");
	is_str(json_get_string(doc, "alg", NULL), "EdDSA", "JWK alg");
	is_str(json_get_string(doc, "use", NULL), "sig", "JWK use");
	is_str(json_get_string(doc, "kid", NULL), key1.kid, "JWK kid");
	x = json_get_string(doc, "x", &xlen);
	ok(x != NULL && sodium_base642bin(pk, sizeof(pk), x, xlen, NULL, &pklen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 && pklen == 32 &&
	    memcmp(pk, key1.pk, 32) == 0, "JWK x decodes to the public key");
	is_int(json_length(doc), 6, "JWK has exactly six members");

	is_int(jwt_jwk_parse(doc, &k), 0, "jwt_jwk_parse reads our JWK");
	ok(memcmp(k.pk, key1.pk, 32) == 0 && strcmp(k.kid, key1.kid) == 0 && !k.has_secret,
	    "parsed JWK holds the public key and kid only");
	is_int(jwt_keyset_add(&set, &k), 0, "parsed JWK joins a key set");
	fill_claims(&c);
	jwt_sign(&key1, &c, tok, sizeof(tok));
	is_int(jwt_verify(&set, tok, strlen(tok), ISS, NOW, LEEWAY, NULL), JWT_OK,
	    "a key set built from the JWK verifies tokens");
	json_free(doc);
	yajl_gen_free(g);

	static const char *bads[] = {
		"{\"kty\":\"RSA\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"kid\":\"a\"}",
		"{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"kid\":\"a\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR\",\"kid\":\"a\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=\",\"kid\":\"a\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"kid\":\"\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"kid\":\"a\",\"alg\":\"HS256\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"kid\":\"a\",\"use\":\"enc\"}",
		"[1]",
	};
	int refused = 0;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		bad = json_parse(bads[i], strlen(bads[i]), 0, 0, err, sizeof(err));
		if (bad != NULL && jwt_jwk_parse(bad, &k) == -1 && k.kid[0] == '\0')
			refused++;
		json_free(bad);
	}
	is_int(refused, (int)(sizeof(bads) / sizeof(bads[0])), "jwt_jwk_parse refuses every bad JWK");
}

static void
test_alg(void)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES], sig[64];
	char hdr[160];
	size_t len;
	const char *pl = payload(NOW + 900, NOW, "u1");

	snprintf(hdr, sizeof(hdr), "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"%s\"}", key1.kid);
	make_raw(tok, hdr, pl, NULL, 0);
	is_int(verify(tok), JWT_BAD_ALG, "alg none with an empty signature");
	make_signed(tok, &key1, hdr, pl);
	is_int(verify(tok), JWT_BAD_ALG, "alg none with a real signature");
	make_raw(tok, "{\"alg\":\"none\"}", pl, NULL, 0);
	is_int(verify(tok), JWT_BAD_ALG, "alg none without kid");

	/* The classic confusion: HMAC keyed with the public key bytes. */
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", key1.kid);
	len = make_raw(tok, hdr, pl, NULL, 0);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key1.pk, sizeof(key1.pk));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, len - 1);
	crypto_auth_hmacsha256_final(&st, mac);
	len = make_raw(tok, hdr, pl, mac, sizeof(mac));
	is_int(verify(tok), JWT_BAD_ALG, "alg HS256 keyed with the public key");

	/* Even an HMAC padded out to 64 bytes is refused on alg alone. */
	memset(sig, 0, sizeof(sig));
	memcpy(sig, mac, sizeof(mac));
	make_raw(tok, hdr, pl, sig, sizeof(sig));
	is_int(verify(tok), JWT_BAD_ALG, "alg HS256 with a 64-byte MAC");

	static const char *algs[] = { "eddsa", "EDDSA", "EdDSA ", "Ed25519", "ES256", "RS256", "" };
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		char what[64];

		snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"kid\":\"%s\"}", algs[i], key1.kid);
		make_signed(tok, &key1, hdr, pl);
		snprintf(what, sizeof(what), "alg \"%s\" refused", algs[i]);
		is_int(verify(tok), JWT_BAD_ALG, what);
	}
	snprintf(hdr, sizeof(hdr), "{\"kid\":\"%s\"}", key1.kid);
	make_signed(tok, &key1, hdr, pl);
	is_int(verify(tok), JWT_BAD_ALG, "missing alg");
	snprintf(hdr, sizeof(hdr), "{\"alg\":null,\"kid\":\"%s\"}", key1.kid);
	make_signed(tok, &key1, hdr, pl);
	is_int(verify(tok), JWT_BAD_ALG, "alg null");
	snprintf(hdr, sizeof(hdr), "{\"alg\":[\"EdDSA\"],\"kid\":\"%s\"}", key1.kid);
	make_signed(tok, &key1, hdr, pl);
	is_int(verify(tok), JWT_BAD_ALG, "alg as an array");
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"crit\":[\"exp\"]}", key1.kid);
	make_signed(tok, &key1, hdr, pl);
	is_int(verify(tok), JWT_BAD_ALG, "crit present");
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"alg\":\"none\"}", key1.kid);
	make_signed(tok, &key1, hdr, pl);
	is_int(verify(tok), JWT_MALFORMED, "header with alg twice");
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"EdDSA\",\"typ\":\"JWE\",\"kid\":\"%s\"}", key1.kid);
	make_signed(tok, &key1, hdr, pl);
	is_int(verify(tok), JWT_MALFORMED, "typ other than JWT");
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"EdDSA\",\"kid\":\"%s\"}", key1.kid);
	make_signed(tok, &key1, hdr, pl);
	is_int(verify(tok), JWT_OK, "typ may be absent");
	make_signed(tok, &key1, "[\"EdDSA\"]", pl);
	is_int(verify(tok), JWT_MALFORMED, "header not an object");
	make_signed(tok, &key1, "{\"alg\":\"EdDSA\"", pl);
	is_int(verify(tok), JWT_MALFORMED, "header not JSON");
}

static void
test_tamper(void)
{
	struct jwt_claims c;
	char t2[JWT_MAX_TOKEN], hdr[160];
	const char *d1, *d2;
	size_t pos;

	fill_claims(&c);
	jwt_sign(&key1, &c, tok, sizeof(tok));
	d1 = strchr(tok, '.');
	d2 = strchr(d1 + 1, '.');

	/* Changed payload, old signature. */
	c.sub[0] = 'X';
	jwt_sign(&key1, &c, t2, sizeof(t2));
	pos = (size_t)(strrchr(t2, '.') - t2);
	strcpy(t2 + pos, d2);
	is_int(verify(t2), JWT_BAD_SIGNATURE, "changed payload with the old signature");
	c.sub[0] = '6';

	/* Changed header (same meaning, other bytes), old signature. */
	snprintf(hdr, sizeof(hdr), "{\"kid\":\"%s\",\"alg\":\"EdDSA\",\"typ\":\"JWT\"}", key1.kid);
	pos = 0;
	enc(t2, &pos, hdr, strlen(hdr), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	strcpy(t2 + pos, d1);
	is_int(verify(t2), JWT_BAD_SIGNATURE, "changed header with the old signature");

	/* Header and payload of one token, signature of another. */
	c.exp++;
	jwt_sign(&key1, &c, t2, sizeof(t2));
	strcpy(t2 + (strrchr(t2, '.') - t2), d2);
	is_int(verify(t2), JWT_BAD_SIGNATURE, "signature moved from another token");

	/* Wrong kid: unknown, missing, mistyped. */
	const char *pl = payload(NOW + 900, NOW, "u1");
	make_signed(t2, &key1, "{\"alg\":\"EdDSA\",\"kid\":\"0000000000000000\"}", pl);
	is_int(verify(t2), JWT_UNKNOWN_KID, "unknown kid");
	make_signed(t2, &key1, "{\"alg\":\"EdDSA\"}", pl);
	is_int(verify(t2), JWT_UNKNOWN_KID, "missing kid");
	make_signed(t2, &key1, "{\"alg\":\"EdDSA\",\"kid\":12}", pl);
	is_int(verify(t2), JWT_MALFORMED, "kid not a string");
	make_signed(t2, &key1, "{\"alg\":\"EdDSA\",\"kid\":\"\"}", pl);
	is_int(verify(t2), JWT_MALFORMED, "empty kid");

	/* key2 is not in the set; its token with key1's kid fails the signature. */
	jwt_sign(&key2, &c, t2, sizeof(t2));
	is_int(verify(t2), JWT_UNKNOWN_KID, "token of a key not in the set");
	make_signed(t2, &key2, hdr1(), pl);
	is_int(verify(t2), JWT_BAD_SIGNATURE, "other key's signature under a known kid");
	is_int(jwt_verify(NULL, tok, strlen(tok), ISS, NOW, LEEWAY, NULL), JWT_UNKNOWN_KID,
	    "no key set at all");
}

static void
test_times_and_claims(void)
{
	struct jwt_claims got;
	char sub[80];

	make_signed(tok, &key1, hdr1(), payload(NOW - 100, NOW - 1000, "u1"));
	is_int(verify(tok), JWT_EXPIRED, "expired");
	make_signed(tok, &key1, hdr1(), payload(NOW - 10, NOW - 1000, "u1"));
	is_int(verify(tok), JWT_OK, "expired 10 s ago is accepted within 30 s leeway");
	is_int(jwt_verify(&ks, tok, strlen(tok), ISS, NOW, 0, NULL), JWT_EXPIRED,
	    "the same token without leeway is expired");
	is_int(jwt_verify(&ks, tok, strlen(tok), ISS, NOW, -50, NULL), JWT_EXPIRED,
	    "a negative leeway counts as none");
	make_signed(tok, &key1, hdr1(), payload(NOW - LEEWAY, NOW - 1000, "u1"));
	is_int(verify(tok), JWT_EXPIRED, "exp exactly now - leeway is expired");
	make_signed(tok, &key1, hdr1(), payload(NOW, NOW - 1000, "u1"));
	is_int(jwt_verify(&ks, tok, strlen(tok), ISS, NOW, 0, NULL), JWT_EXPIRED,
	    "exp == now is expired");
	make_signed(tok, &key1, hdr1(), payload(NOW + 100, NOW + 100, "u1"));
	is_int(verify(tok), JWT_NOT_YET_VALID, "not yet valid");
	make_signed(tok, &key1, hdr1(), payload(NOW + 100, NOW + LEEWAY, "u1"));
	is_int(verify(tok), JWT_OK, "nbf == now + leeway is valid");
	make_signed(tok, &key1, hdr1(), payload(NOW + 100, NOW + LEEWAY + 1, "u1"));
	is_int(verify(tok), JWT_NOT_YET_VALID, "nbf one second past the leeway");
	make_signed(tok, &key1, hdr1(), payload(INT64_MAX, INT64_MIN, "u1"));
	is_int(jwt_verify(&ks, tok, strlen(tok), ISS, INT64_MIN, LEEWAY, NULL), JWT_OK,
	    "extreme times do not overflow");

	make_signed(tok, &key1, hdr1(), payload(NOW + 900, NOW, "u1"));
	is_int(jwt_verify(&ks, tok, strlen(tok), "quill-other", NOW, LEEWAY, NULL), JWT_BAD_ISSUER,
	    "wrong issuer");
	is_int(jwt_verify(&ks, tok, strlen(tok), "quill-auth", NOW, LEEWAY, NULL), JWT_BAD_ISSUER,
	    "issuer that is a prefix of iss");
	is_int(jwt_verify(&ks, tok, strlen(tok), ISS "d", NOW, LEEWAY, NULL), JWT_BAD_ISSUER,
	    "issuer longer than iss");
	is_int(jwt_verify(&ks, tok, strlen(tok), NULL, NOW, LEEWAY, NULL), JWT_BAD_ISSUER,
	    "no expected issuer refuses everything");
	make_signed(tok, &key1, hdr1(), "{\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,"
	    "\"nbf\":1,\"exp\":1800000000,\"jti\":\"j\"}");
	is_int(verify(tok), JWT_BAD_ISSUER, "missing iss");

	static const char *bad_payloads[] = {
		"[1,2,3]",
		"\"a string\"",
		"42",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":\"1800000000\",\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":1800000000.5,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":1800000000.0,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":1.8e9,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":99999999999999999999,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"nbf\":1,\"exp\":1800000000,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"iat\":null,\"nbf\":1,\"exp\":1800000000,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":1800000000,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":7,\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":1800000000,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"a\\u0000b\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":1800000000,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":1800000000,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"administrator123\",\"iat\":1,\"nbf\":1,\"exp\":1800000000,\"jti\":\"j\"}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":1800000000}",
		"{\"iss\":\"" ISS "\",\"sub\":\"u\",\"sub\":\"admin\",\"sid\":\"s\",\"role\":\"r\",\"iat\":1,\"nbf\":1,\"exp\":1800000000,\"jti\":\"j\"}",
	};
	for (size_t i = 0; i < sizeof(bad_payloads) / sizeof(bad_payloads[0]); i++) {
		char what[64];

		make_signed(tok, &key1, hdr1(), bad_payloads[i]);
		snprintf(what, sizeof(what), "bad payload %zu refused as bad claims", i);
		is_int(verify(tok), JWT_BAD_CLAIMS, what);
	}
	make_signed(tok, &key1, hdr1(), "{not json");
	is_int(verify(tok), JWT_MALFORMED, "signed payload that is not JSON");

	memset(sub, 'a', 64);
	sub[64] = '\0';
	make_signed(tok, &key1, hdr1(), payload(NOW + 900, NOW, sub));
	is_int(verify(tok), JWT_BAD_CLAIMS, "sub of 64 characters is oversized");
	sub[63] = '\0';
	make_signed(tok, &key1, hdr1(), payload(NOW + 900, NOW, sub));
	is_int(jwt_verify(&ks, tok, strlen(tok), ISS, NOW, LEEWAY, &got), JWT_OK,
	    "sub of 63 characters fits");
	is_str(got.sub, sub, "63-character sub copied whole");
	ok(got.sid[0] == 's' && strcmp(got.role, "user") == 0, "other claims copied");
	got.sub[0] = 'z';
	make_signed(tok, &key1, hdr1(), payload(NOW - 100, NOW, sub));
	is_int(jwt_verify(&ks, tok, strlen(tok), ISS, NOW, LEEWAY, &got), JWT_EXPIRED,
	    "expired token with claims output");
	ok(got.sub[0] == '\0' && got.exp == 0, "claims are zeroed on failure");
}

static void
test_malformed(void)
{
	struct jwt_claims c;
	unsigned char sig[crypto_sign_BYTES];
	char t2[2 * JWT_MAX_TOKEN + 256], *p;
	size_t len, i, pos;
	int bad = 0, j;
	const char *pl = payload(NOW + 900, NOW, "u1");

	fill_claims(&c);
	len = (size_t)jwt_sign(&key1, &c, tok, sizeof(tok));

	/* Each prefix in a buffer of exactly its size, so ASan sees any overread. */
	for (i = 0; i < len; i++) {
		p = malloc(i ? i : 1);
		memcpy(p, tok, i);
		if (jwt_verify(&ks, p, i, ISS, NOW, LEEWAY, NULL) == JWT_OK)
			bad++;
		free(p);
	}
	is_int(bad, 0, "every truncation of a valid token is refused");
	is_int(jwt_verify(&ks, tok, len - 1, ISS, NOW, LEEWAY, NULL), JWT_MALFORMED,
	    "dropping the last character breaks the base64url");

	static const char *garbage[] = {
		"", ".", "..", "...", "a.b", "a.b.c", "a..c", ".b.c", "Bearer x",
		"eyJhbGciOiJFZERTQSJ9", "\xff\xfe.\x01.\x80", "{}.{}.{}",
	};
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (verify(garbage[i]) != JWT_MALFORMED)
			bad++;
	is_int(bad, 0, "garbage strings are malformed");
	is_int(jwt_verify(&ks, NULL, 0, ISS, NOW, LEEWAY, NULL), JWT_MALFORMED, "NULL token");
	is_int(jwt_verify(&ks, tok, len, ISS, NOW, LEEWAY, NULL), JWT_OK, "control: full token is fine");

	snprintf(t2, sizeof(t2), "%s.", tok);
	is_int(verify(t2), JWT_MALFORMED, "trailing extra dot");
	snprintf(t2, sizeof(t2), "%s.%s", tok, strrchr(tok, '.') + 1);
	is_int(verify(t2), JWT_MALFORMED, "four parts");
	pos = (size_t)(strchr(tok, '.') - tok);
	memcpy(t2, tok, pos);
	t2[pos] = '.';
	strcpy(t2 + pos + 1, tok + pos);
	is_int(verify(t2), JWT_MALFORMED, "doubled dot");

	/* A NUL inside the counted length is not a terminator. */
	memcpy(t2, tok, len + 1);
	t2[len - 5] = '\0';
	is_int(jwt_verify(&ks, t2, len, ISS, NOW, LEEWAY, NULL), JWT_MALFORMED, "embedded NUL");

	/* Over the size limit, even if otherwise plausible. */
	memset(t2, 'A', JWT_MAX_TOKEN + 1);
	t2[10] = '.';
	t2[20] = '.';
	is_int(jwt_verify(&ks, t2, JWT_MAX_TOKEN + 1, ISS, NOW, LEEWAY, NULL), JWT_MALFORMED,
	    "token over JWT_MAX_TOKEN");

	/* Padded and standard-alphabet base64 of the same bytes. */
	pos = 0;
	enc(t2, &pos, hdr1(), strlen(hdr1()), sodium_base64_VARIANT_URLSAFE);
	ok(strchr(t2, '=') != NULL, "control: padded header has '='");
	t2[pos++] = '.';
	enc(t2, &pos, pl, strlen(pl), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_sign_detached(sig, NULL, (unsigned char *)t2, pos, key1.sk);
	t2[pos++] = '.';
	enc(t2, &pos, sig, sizeof(sig), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	is_int(verify(t2), JWT_MALFORMED, "padded header refused even when signed");

	make_signed(t2, &key1, hdr1(), pl);
	strcat(t2, "==");
	is_int(verify(t2), JWT_MALFORMED, "padded signature");

	/* Find a token whose signature uses '-' or '_', then spell it + and /. */
	for (j = 0; j < 200; j++) {
		snprintf(c.jti, sizeof(c.jti), "j%d", j);
		jwt_sign(&key1, &c, t2, sizeof(t2));
		p = strrchr(t2, '.');
		if (strpbrk(p, "-_") != NULL)
			break;
	}
	ok(j < 200, "control: found a signature with - or _");
	for (; *p != '\0'; p++)
		*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
	is_int(verify(t2), JWT_MALFORMED, "signature in the standard base64 alphabet");

	/* Non-zero trailing bits: a second spelling of the same signature. */
	make_signed(t2, &key1, hdr1(), pl);
	len = strlen(t2);
	p = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", t2[len - 1]);
	t2[len - 1] = p[1] != '\0' ? p[1] : 'A';
	is_int(verify(t2), JWT_MALFORMED, "signature with non-zero trailing bits");

	/* libsodium 1.0.18 alone reads bytes 0x80-0xff as '_'. */
	for (j = 0; j < 200; j++) {
		snprintf(c.jti, sizeof(c.jti), "k%d", j);
		jwt_sign(&key1, &c, t2, sizeof(t2));
		if ((p = strchr(strrchr(t2, '.'), '_')) != NULL)
			break;
	}
	ok(p != NULL, "control: found a signature with _");
	is_int(verify(t2), JWT_OK, "control: that token verifies");
	*p = (char)0xdf;
	is_int(verify(t2), JWT_MALFORMED, "byte 0xdf in place of '_' in the signature");
	*p = (char)0xff;
	is_int(verify(t2), JWT_MALFORMED, "byte 0xff in place of '_' in the signature");
	memcpy(t2, tok, strlen(tok) + 1);
	t2[2] = (char)('y' | 0x80);
	is_int(verify(t2), JWT_MALFORMED, "high-bit byte in the header");

	make_signed_len(t2, &key1, hdr1(), pl, 63);
	is_int(verify(t2), JWT_BAD_SIGNATURE, "signature of 63 bytes");
	make_signed_len(t2, &key1, hdr1(), pl, 65);
	is_int(verify(t2), JWT_BAD_SIGNATURE, "signature of 65 bytes");
	make_raw(t2, hdr1(), pl, NULL, 0);
	is_int(verify(t2), JWT_BAD_SIGNATURE, "empty signature under alg EdDSA");
	memset(sig, 0, sizeof(sig));
	make_raw(t2, hdr1(), pl, sig, sizeof(sig));
	is_int(verify(t2), JWT_BAD_SIGNATURE, "all-zero signature");
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd == -1)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	return close(fd);
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void
test_key_files(void)
{
	char dir[] = "/tmp/test_jwt.XXXXXX", path[256], bad[256], line[256], err[256];
	struct jwt_key loaded, pub;
	struct jwt_keyset set = { .n = 0 };
	struct jwt_claims c;
	struct stat st;
	FILE *f;
	size_t i;
	int failed = 0;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/signing.key", dir);
	snprintf(bad, sizeof(bad), "%s/bad.key", dir);

	is_int(jwt_key_save(&key1, path, err, sizeof(err)), 0, "jwt_key_save");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "key file has mode 0600");
	is_int(count_entries(dir), 1, "no temp file left behind");
	f = fopen(path, "r");
	ok(f != NULL && fgets(line, sizeof(line), f) != NULL, "key file readable");
	if (f != NULL)
		fclose(f);
	ok(strncmp(line, "quill-ed25519 ", 14) == 0 && strncmp(line + 14, key1.kid, 16) == 0 &&
	    line[30] == ' ' && strlen(line) == 31 + 43 + 1 && line[74] == '\n',
	    "key file is one line: magic, kid, 43-character seed");

	is_int(jwt_key_load(path, &loaded, err, sizeof(err)), 0, "jwt_key_load");
	ok(loaded.has_secret && strcmp(loaded.kid, key1.kid) == 0 &&
	    memcmp(loaded.pk, key1.pk, 32) == 0 && memcmp(loaded.sk, key1.sk, 64) == 0,
	    "loaded key equals the saved one");

	/* Tokens of the loaded key verify with the saved key's public half. */
	jwt_keyset_add(&set, &key1);
	fill_claims(&c);
	jwt_sign(&loaded, &c, tok, sizeof(tok));
	is_int(jwt_verify(&set, tok, strlen(tok), ISS, NOW, LEEWAY, NULL), JWT_OK,
	    "loaded key signs tokens the saved key verifies");
	set.n = 0;
	jwt_keyset_add(&set, &loaded);
	jwt_sign(&key1, &c, tok, sizeof(tok));
	is_int(jwt_verify(&set, tok, strlen(tok), ISS, NOW, LEEWAY, NULL), JWT_OK,
	    "saved key signs tokens the loaded key verifies");

	is_int(jwt_key_save(&key2, path, err, sizeof(err)), 0, "jwt_key_save replaces a key file");
	ok(jwt_key_load(path, &loaded, err, sizeof(err)) == 0 &&
	    strcmp(loaded.kid, key2.kid) == 0, "the replaced file holds the new key");
	is_int(count_entries(dir), 1, "still one file after replacing");

	chmod(path, 0644);
	is_int(jwt_key_load(path, &loaded, err, sizeof(err)), -1, "mode 0644 refused");
	is_str(err, "mode 0644 is too open, want 0600", "mode error message");
	ok(loaded.kid[0] == '\0' && !loaded.has_secret, "key wiped after a refused load");
	chmod(path, 0640);
	is_int(jwt_key_load(path, &loaded, err, sizeof(err)), -1, "mode 0640 refused");
	chmod(path, 0602);
	is_int(jwt_key_load(path, &loaded, err, sizeof(err)), -1, "mode 0602 refused");
	chmod(path, 0400);
	is_int(jwt_key_load(path, &loaded, err, sizeof(err)), 0, "mode 0400 accepted");

	memset(&pub, 0, sizeof(pub));
	memcpy(pub.kid, key1.kid, sizeof(pub.kid));
	is_int(jwt_key_save(&pub, bad, err, sizeof(err)), -1, "a key without secret is not saved");
	snprintf(line, sizeof(line), "%s/no/such/dir/k", dir);
	is_int(jwt_key_save(&key1, line, err, sizeof(err)), -1, "save into a missing directory fails");
	ok(err[0] != '\0', "with a message");
	is_int(jwt_key_load(line, &loaded, err, sizeof(err)), -1, "load of a missing file fails");
	is_int(jwt_key_load(dir, &loaded, err, sizeof(err)), -1, "load of a directory fails");

	/* Malformed content, each written 0600. */
	f = fopen(path, "r");
	fgets(line, sizeof(line), f);
	fclose(f);
	char *seed = line + 31;
	char text[512];
	static const char *fmts[] = {
		"",				/* empty */
		"quill-ed25519 %s %.43s",	/* no newline */
		"quill-ed25519 %s %.43s\n\n",	/* two lines */
		"quill-ed25519 %s %.43s\r\n",	/* CRLF */
		"quill-ed448 %s %.43s\n",	/* wrong magic */
		"quill-ed25519  %s %.43s\n",	/* double space */
		"quill-ed25519 %s %.43s \n",	/* trailing space */
		"quill-ed25519 %s %.42s\n",	/* seed too short */
		"quill-ed25519 %s %.43sAAAA\n",	/* seed too long */
		"quill-ed25519 %s %.43s=\n",	/* padded seed */
		"quill-ed25519 %s\n",		/* no seed */
		"quill-ed25519 %.15s %.43s\n",	/* kid too short */
		"quill-ed25519 %sa %.43s\n",	/* kid too long */
	};
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		snprintf(text, sizeof(text), fmts[i], key2.kid, seed);
		if (write_file(bad, text, 0600) != 0 ||
		    jwt_key_load(bad, &loaded, err, sizeof(err)) != -1 || err[0] == '\0')
			failed++;
	}
	is_int(failed, 0, "malformed key files refused with a message");
	snprintf(text, sizeof(text), "quill-ed25519 %s %.43s\n", key1.kid, seed);
	write_file(bad, text, 0600);
	is_int(jwt_key_load(bad, &loaded, err, sizeof(err)), -1, "kid not matching the seed refused");
	is_str(err, "kid in key file does not match the key", "kid mismatch message");
	snprintf(text, sizeof(text), "quill-ed25519 %s %.43s\n", key2.kid, seed);
	for (i = 14; i < 30; i++)
		text[i] = (char)toupper((unsigned char)text[i]);
	write_file(bad, text, 0600);
	is_int(jwt_key_load(bad, &loaded, err, sizeof(err)), -1, "upper-case kid refused");
	snprintf(text, sizeof(text), "quill-ed25519 %s %.43s\n", key2.kid, seed);
	write_file(bad, text, 0600);
	is_int(jwt_key_load(bad, &loaded, err, sizeof(err)), 0, "control: the same line is accepted");
	memset(text, 'A', 300);
	text[299] = '\n';
	text[300] = '\0';
	write_file(bad, text, 0600);
	is_int(jwt_key_load(bad, &loaded, err, sizeof(err)), -1, "overlong key file refused");

	jwt_key_wipe(&loaded);
	unlink(bad);
	unlink(path);
	ok(rmdir(dir) == 0, "temp directory cleaned up");
}

static void
test_keyset(void)
{
	struct jwt_keyset set = { .n = 0 };
	struct jwt_key keys[JWT_MAX_KEYS + 1];
	struct jwt_claims c;
	int i, added = 0;

	for (i = 0; i <= JWT_MAX_KEYS; i++) {
		jwt_key_generate(&keys[i]);
		if (jwt_keyset_add(&set, &keys[i]) == 0)
			added++;
	}
	is_int(added, JWT_MAX_KEYS, "a key set holds JWT_MAX_KEYS keys and no more");
	set.n = 1;
	is_int(jwt_keyset_add(&set, &keys[0]), -1, "a kid is not added twice");
	set.n = JWT_MAX_KEYS;
	ok(!set.keys[3].has_secret && sodium_is_zero(set.keys[3].sk, sizeof(set.keys[3].sk)),
	    "a key set keeps no secrets");
	ok(jwt_keyset_find(&set, keys[5].kid) == &set.keys[5], "jwt_keyset_find");
	ok(jwt_keyset_find(&set, "nope") == NULL, "jwt_keyset_find of an unknown kid");
	fill_claims(&c);
	jwt_sign(&keys[6], &c, tok, sizeof(tok));
	is_int(jwt_verify(&set, tok, strlen(tok), ISS, NOW, LEEWAY, NULL), JWT_OK,
	    "any key of the set verifies (rotation)");
	for (i = 0; i <= JWT_MAX_KEYS; i++)
		jwt_key_wipe(&keys[i]);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
test_fuzz(void)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \0";
	struct jwt_claims c;
	char t2[JWT_MAX_TOKEN + 64];
	size_t len, n, pos;
	int i, k, flips, accepted = 0, changed = 0, bad_status = 0;
	enum jwt_status st;

	fill_claims(&c);
	len = (size_t)jwt_sign(&key1, &c, tok, sizeof(tok));
	for (i = 0; i < 20000; i++) {
		memcpy(t2, tok, len);
		n = len;
		flips = 1 + (int)(next_rand() % 3);
		for (k = 0; k < flips; k++) {
			pos = next_rand() % n;
			switch (next_rand() % 3) {
			case 0:
				t2[pos] ^= (char)(1u << (next_rand() % 8));
				break;
			case 1:
				t2[pos] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
				break;
			default:
				n = pos + 1;	/* truncate */
				break;
			}
		}
		if (n == len && memcmp(t2, tok, len) == 0)
			continue;
		changed++;
		st = jwt_verify(&ks, t2, n, ISS, NOW, LEEWAY, NULL);
		if (st == JWT_OK) {
			accepted++;
			printf("# accepted %.*s\n#   original %s\n", (int)n, t2, tok);
		}
		if (st > JWT_BAD_CLAIMS)
			bad_status++;
	}
	ok(changed > 19000, "fuzz changed nearly every token");
	is_int(accepted, 0, "no changed token is ever accepted");
	is_int(bad_status, 0, "every fuzz status is a known one");
}

static void
test_status_strings(void)
{
	int i, j, distinct = 1;

	for (i = JWT_OK; i <= JWT_BAD_CLAIMS; i++)
		for (j = i + 1; j <= JWT_BAD_CLAIMS; j++)
			if (strcmp(jwt_status_string(i), jwt_status_string(j)) == 0)
				distinct = 0;
	ok(distinct, "status strings are distinct");
	is_str(jwt_status_string(JWT_EXPIRED), "expired", "status string of JWT_EXPIRED");
	is_str(jwt_status_string(JWT_BAD_SIGNATURE), "bad_signature", "status string of JWT_BAD_SIGNATURE");
	is_str(jwt_status_string((enum jwt_status)99), "unknown", "status string of a stray value");
}

int
main(void)
{
	if (sodium_init() < 0) {
		printf("Bail out! sodium_init failed\n");
		return 1;
	}
	ok(jwt_key_generate(&key1) == 0 && key1.has_secret, "jwt_key_generate");
	ok(jwt_key_generate(&key2) == 0, "jwt_key_generate again");
	is_int(jwt_keyset_add(&ks, &key1), 0, "jwt_keyset_add");

	test_round_trip();
	test_jwk();
	test_alg();
	test_tamper();
	test_times_and_claims();
	test_malformed();
	test_key_files();
	test_keyset();
	test_fuzz();
	test_status_strings();

	jwt_key_wipe(&key1);
	jwt_key_wipe(&key2);
	return done_testing();
}
