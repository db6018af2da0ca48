/*
 * fuzz_jwt: lib/jwt's parsers on any bytes.  The first byte picks what the
 * rest is:
 *   0  a token as a client sends it: it must never verify, since only
 *      the key made here can sign and it signs nothing in this mode;
 *   1  a header and a payload, as JSON on two lines, that are encoded and
 *      signed here with the key set's key, so the checks after the
 *      signature are reached; "@KID@" in the header becomes that key's
 *      kid.  Claims that verify must be the ones jwt_verify promises;
 *   2  a JWK, as authd's JWKS serves it to the other daemons.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/json.h"
#include "lib/jwt.h"

#define ISSUER	"quill"
#define NOW	1800000000	/* fixed, so that a crash replays */
#define LEEWAY	60
#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING

static struct jwt_key key;
static struct jwt_keyset keys;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || jwt_key_generate(&key) != 0 || jwt_keyset_add(&keys, &key) != 0) {
		fprintf(stderr, "fuzz_jwt: no key\n");
		exit(1);
	}
	return 0;
}

static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void
check_claims(const struct jwt_claims *c)
{
	if (!terminated(c->iss, sizeof(c->iss)) || !terminated(c->sub, sizeof(c->sub)) ||
	    !terminated(c->sid, sizeof(c->sid)) || !terminated(c->role, sizeof(c->role)) ||
	    !terminated(c->jti, sizeof(c->jti)))
		abort();
	if (strcmp(c->iss, ISSUER) != 0 || c->sub[0] == '\0' || c->exp <= NOW - LEEWAY || c->nbf > NOW + LEEWAY)
		abort();
}

/* Appends the base64url of n bytes at *pos; the caller sized out. */
static void
put_b64(char *out, size_t *pos, const void *bin, size_t n)
{
	sodium_bin2base64(out + *pos, sodium_base64_ENCODED_LEN(n, B64), bin, n, B64);
	*pos += strlen(out + *pos);
}

/* The header line with "@KID@" replaced by the key's kid. */
static size_t
header_with_kid(const char *in, size_t len, char *out, size_t outsize)
{
	size_t n = 0, kid_len = strlen(key.kid);

	for (size_t i = 0; i < len; i++) {
		if (len - i >= 5 && memcmp(in + i, "@KID@", 5) == 0) {
			if (n + kid_len > outsize)
				return 0;
			memcpy(out + n, key.kid, kid_len);
			n += kid_len;
			i += 4;
			continue;
		}
		if (n + 1 > outsize)
			return 0;
		out[n++] = in[i];
	}
	return n;
}

static void
signed_token(const char *in, size_t len)
{
	const char *nl = memchr(in, '\n', len);
	static char header[JWT_MAX_TOKEN], token[3 * JWT_MAX_TOKEN];
	unsigned char sig[crypto_sign_BYTES];
	struct jwt_claims c;
	size_t hlen, plen, pos = 0;

	if (nl == NULL || (hlen = header_with_kid(in, (size_t)(nl - in), header, sizeof(header))) == 0)
		return;
	plen = len - (size_t)(nl - in) - 1;
	if (plen > JWT_MAX_TOKEN)
		return;
	put_b64(token, &pos, header, hlen);
	token[pos++] = '.';
	put_b64(token, &pos, nl + 1, plen);
	crypto_sign_detached(sig, NULL, (const unsigned char *)token, pos, key.sk);
	token[pos++] = '.';
	put_b64(token, &pos, sig, sizeof(sig));
	if (jwt_verify(&keys, token, pos, ISSUER, NOW, LEEWAY, &c) == JWT_OK)
		check_claims(&c);
}

static void
jwk(const char *in, size_t len)
{
	struct json_value *doc;
	struct jwt_key k;
	char err[160];

	if ((doc = json_parse(in, len, 0, 0, err, sizeof(err))) == NULL)
		return;
	if (jwt_jwk_parse(doc, &k) == 0) {
		if (k.has_secret || !terminated(k.kid, sizeof(k.kid)) || k.kid[0] == '\0')
			abort();
	}
	json_free(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	struct jwt_claims c;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (jwt_verify(&keys, in, size - 1, ISSUER, NOW, LEEWAY, &c) == JWT_OK)
			abort();	/* a token nobody signed */
		break;
	case 1:
		signed_token(in, size - 1);
		break;
	case 2:
		jwk(in, size - 1);
		break;
	}
	return 0;
}
