/*
 * jwt-mint: signs an access token with a quill-authd key file, with any
 * claims a test wants (expired, not yet valid, another issuer), so the
 * tests can show a daemon refusing a token that is well signed but wrong.
 *
 *   jwt-mint KEYFILE ISS SUB SID ROLE IAT NBF EXP
 *
 * KEYFILE "-" signs with a fresh key nobody knows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/jwt.h"
#include "lib/uuid.h"

int
main(int argc, char **argv)
{
	struct jwt_key k;
	struct jwt_claims c;
	char err[256], token[JWT_MAX_TOKEN];

	if (argc != 9) {
		fprintf(stderr, "usage: jwt-mint KEYFILE ISS SUB SID ROLE IAT NBF EXP\n");
		return 64;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "jwt-mint: libsodium cannot start\n");
		return 1;
	}
	if (strcmp(argv[1], "-") == 0) {
		if (jwt_key_generate(&k) != 0) {
			fprintf(stderr, "jwt-mint: cannot generate a key\n");
			return 1;
		}
	} else if (jwt_key_load(argv[1], &k, err, sizeof(err)) != 0) {
		fprintf(stderr, "jwt-mint: %s: %s\n", argv[1], err);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.iss, sizeof(c.iss), "%s", argv[2]);
	snprintf(c.sub, sizeof(c.sub), "%s", argv[3]);
	snprintf(c.sid, sizeof(c.sid), "%s", argv[4]);
	snprintf(c.role, sizeof(c.role), "%s", argv[5]);
	uuid_v4(c.jti);
	c.iat = strtoll(argv[6], NULL, 10);
	c.nbf = strtoll(argv[7], NULL, 10);
	c.exp = strtoll(argv[8], NULL, 10);
	if (jwt_sign(&k, &c, token, sizeof(token)) < 0) {
		fprintf(stderr, "jwt-mint: cannot sign\n");
		return 1;
	}
	puts(token);
	return 0;
}
