/* tokens: see tokens.h. */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-authd/authd.h"
#include "bin/quill-authd/keys.h"
#include "bin/quill-authd/tokens.h"

void
tokens_hash_refresh(const char *token, size_t len, char hash[REFRESH_HASH_PARAM])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)token, len);
	hash[0] = '\\';
	hash[1] = 'x';
	sodium_bin2hex(hash + 2, REFRESH_HASH_PARAM - 2, digest, sizeof(digest));
}

void
tokens_new_refresh(char token[REFRESH_TOKEN_LEN + 1], char hash[REFRESH_HASH_PARAM])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, REFRESH_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	tokens_hash_refresh(token, REFRESH_TOKEN_LEN, hash);
}

void
tokens_send(struct op *op, const char *user_id, const char *sid, const char *role,
    const char *refresh_token, long long refresh_expires_in, const PGresult *res, int col)
{
	struct authd *a = op->authd;
	struct jwt_claims c;
	char access[1024];
	yajl_gen g;

	memset(&c, 0, sizeof(c));
	snprintf(c.iss, sizeof(c.iss), "%s", a->issuer);
	snprintf(c.sub, sizeof(c.sub), "%s", user_id);
	snprintf(c.sid, sizeof(c.sid), "%s", sid);
	snprintf(c.role, sizeof(c.role), "%s", role);
	uuid_v4(c.jti);
	c.iat = c.nbf = (int64_t)time(NULL);
	c.exp = c.iat + a->access_ttl_s;
	if (jwt_sign(keys_signing(), &c, access, sizeof(access)) < 0) {
		log_warnx("event=token_sign_failed request_id=%s", op->hr->request_id);
		http_send_error(op->hr, 500, "internal_error", "the token could not be signed");
		return;
	}
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "access_token", access);
	json_gen_kv_string(g, "token_type", "Bearer");
	json_gen_kv_int(g, "expires_in", a->access_ttl_s);
	json_gen_kv_string(g, "refresh_token", refresh_token);
	json_gen_kv_int(g, "refresh_expires_in", refresh_expires_in);
	json_gen_key(g, "user");
	user_json(g, res, 0, col);
	yajl_gen_map_close(g);
	h2o_add_header(&op->hr->req->pool, &op->hr->req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
	    H2O_STRLIT("no-store"));
	http_send_gen(op->hr, 200, g);
}
