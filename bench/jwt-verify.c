/*
 * jwt-verify: in-process EdDSA JWT verifications per second on one core,
 * next to libsodium's bare Ed25519 verification of the same bytes, so the
 * cost of quill's own parsing and checks is visible as a ratio, and
 * lib/verifier's verifier_check() -- what a daemon calls per request --
 * with its cache of verified tokens warm (64 users' tokens, cycled), the
 * revocation lookup included.
 *
 * Usage: bench/jwt-verify [SECONDS] [ROUNDS]   (defaults 2 and 5)
 * Prints one line per round and the medians.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/jwt.h"
#include "lib/verifier.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	struct jwt_key key;
	struct jwt_keyset ks = { .n = 0 };
	struct jwt_claims c, out;
	char token[JWT_MAX_TOKEN];
	long len;
	double full[64], bare[64], cached[64];
	static char tokens[64][JWT_MAX_TOKEN];
	size_t lens[64];
	struct verifier_options vopt = { .issuer = "quill", .leeway_s = 30, .cache_entries = 4096 };
	struct verifier *v;

	if (sodium_init() < 0 || rounds < 1 || rounds > 64 || secs <= 0)
		return 2;
	if (jwt_key_generate(&key) != 0 || jwt_keyset_add(&ks, &key) != 0)
		return 1;
	memset(&c, 0, sizeof(c));
	snprintf(c.iss, sizeof(c.iss), "quill");
	snprintf(c.sub, sizeof(c.sub), "6f1c2b0e-8d6a-4f7e-9a51-2c3d4e5f6a7b");
	snprintf(c.sid, sizeof(c.sid), "0b9e8d7c-6a5f-4e3d-2c1b-0a9f8e7d6c5b");
	snprintf(c.role, sizeof(c.role), "user");
	snprintf(c.jti, sizeof(c.jti), "a1b2c3d4e5f60718293a4b5c6d7e8f90");
	c.iat = c.nbf = (int64_t)time(NULL);
	c.exp = c.iat + 900;
	if ((len = jwt_sign(&key, &c, token, sizeof(token))) < 0)
		return 1;

	/* 64 users, each with a token of their own, for the cached check */
	for (int i = 0; i < 64; i++) {
		struct jwt_claims ci = c;
		long l;

		snprintf(ci.sub, sizeof(ci.sub), "6f1c2b0e-8d6a-4f7e-9a51-2c3d4e5f6a%02x", i);
		if ((l = jwt_sign(&key, &ci, tokens[i], sizeof(tokens[i]))) < 0)
			return 1;
		lens[i] = (size_t)l;
	}
	if ((v = verifier_new_static(&ks, &vopt)) == NULL)
		return 1;

	/* The bare comparison: the same signature over the same signed bytes. */
	const char *last_dot = strrchr(token, '.');
	unsigned char sig[crypto_sign_BYTES];
	size_t siglen;
	if (sodium_base642bin(sig, sizeof(sig), last_dot + 1, strlen(last_dot + 1), NULL, &siglen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || siglen != sizeof(sig))
		return 1;

	for (int r = 0; r < rounds; r++) {
		double t0 = now_s(), t;
		long n = 0;

		do {
			for (int i = 0; i < 256; i++)
				if (jwt_verify(&ks, token, (size_t)len, "quill", c.iat, 30, &out) != JWT_OK)
					return 1;
			n += 256;
		} while ((t = now_s()) - t0 < secs);
		full[r] = n / (t - t0);

		t0 = now_s();
		n = 0;
		do {
			for (int i = 0; i < 256; i++)
				if (crypto_sign_verify_detached(sig, (const unsigned char *)token,
				    (unsigned long long)(last_dot - token), key.pk) != 0)
					return 1;
			n += 256;
		} while ((t = now_s()) - t0 < secs);
		bare[r] = n / (t - t0);

		t0 = now_s();
		n = 0;
		do {
			for (int i = 0; i < 256; i++)
				if (verifier_check(v, tokens[i % 64], lens[i % 64], c.iat, &out, NULL) != VERIFIER_OK)
					return 1;
			n += 256;
		} while ((t = now_s()) - t0 < secs);
		cached[r] = n / (t - t0);
		printf("round %d: jwt_verify %.0f/s  bare Ed25519 verify %.0f/s  verifier_check (cached) %.0f/s\n",
		    r + 1, full[r], bare[r], cached[r]);
	}
	qsort(full, (size_t)rounds, sizeof(double), cmp_double);
	qsort(bare, (size_t)rounds, sizeof(double), cmp_double);
	qsort(cached, (size_t)rounds, sizeof(double), cmp_double);
	printf("median: jwt_verify %.0f/s per core, bare Ed25519 %.0f/s per core, ratio %.2f\n",
	    full[rounds / 2], bare[rounds / 2], full[rounds / 2] / bare[rounds / 2]);
	printf("median: verifier_check with the token cached %.0f/s per core\n", cached[rounds / 2]);
	verifier_free(v);
	jwt_key_wipe(&key);
	return 0;
}
