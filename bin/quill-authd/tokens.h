/*
 * tokens: what a login or a refresh hands out.  The access token is a
 * signed JWT any daemon can check alone; the refresh token is 32 random
 * bytes that only quill-authd can redeem, stored as its SHA-256 so a copy
 * of the table redeems nothing.
 */
#ifndef QUILL_AUTHD_TOKENS_H
#define QUILL_AUTHD_TOKENS_H

#include <stddef.h>

#include <libpq-fe.h>

#define REFRESH_TOKEN_LEN	43	/* base64url of 32 bytes, unpadded */
#define REFRESH_HASH_PARAM	(2 + 64 + 1)	/* "\x" + hex of SHA-256 + NUL: a bytea parameter */

struct op;

/* A new refresh token and the bytea parameter of its hash. */
void tokens_new_refresh(char token[REFRESH_TOKEN_LEN + 1], char hash[REFRESH_HASH_PARAM]);
/* The bytea parameter of a presented token's hash. */
void tokens_hash_refresh(const char *token, size_t len, char hash[REFRESH_HASH_PARAM]);

/*
 * Answers 200 with a new access token for (user id, session id, role)
 * and the given refresh token (good for refresh_expires_in more
 * seconds): {access_token, token_type, expires_in,
 * refresh_token, refresh_expires_in, user}, the user read with user_json
 * from row 0 of res at column col.
 */
void tokens_send(struct op *op, const char *user_id, const char *sid, const char *role,
    const char *refresh_token, long long refresh_expires_in, const PGresult *res, int col);

#endif
