/*
 * bearer: who is calling.  quill-authd holds the keys and the tables, so
 * it checks more than any other verifier can: after the token's signature
 * and claims (lib/jwt), the session must still be open, the account active
 * and its role the one the token names -- a logout, a revocation or a
 * deactivation takes effect here on the very next request.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/json.h"
#include "bin/quill-authd/authd.h"
#include "bin/quill-authd/keys.h"

static const char session_sql[] =
	"SELECT u.email, u.password_hash, " USER_COLUMNS " FROM auth.user_sessions s "
	"JOIN auth.users u ON u.id = s.user_id "
	"WHERE s.id = $1 AND u.id = $2 AND u.role = $3 AND s.revoked_at IS NULL "
	"AND s.expires_at > now() AND u.is_active";

/* session_sql's columns; the user's, as USER_COLUMNS, from BEARER_USER on. */
enum bearer_column {
	BEARER_EMAIL,
	BEARER_PASSWORD_HASH,
	BEARER_USER,
};
_Static_assert(BEARER_USER == PRINCIPAL_USER_COLUMN, "principal.user starts at BEARER_USER");

static void
on_session(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) != 1) {
		http_send_unauthorized(op->hr, "invalid_token", "the session has ended");
		return;
	}
	snprintf(op->who.email, sizeof(op->who.email), "%s", PQgetvalue(res, 0, BEARER_EMAIL));
	op->who.password_hash = h2o_strdup(&op->hr->req->pool, PQgetvalue(res, 0, BEARER_PASSWORD_HASH), SIZE_MAX).base;
	if (op->admin_only && strcmp(op->who.role, "admin") != 0) {
		http_send_error(op->hr, 403, "forbidden", "this needs the admin role");
		return;
	}
	op->who.user = res;
	op->next(op);
	op->who.user = NULL;
}

static void
authenticate(struct op *op, op_next next, bool admin_only)
{
	struct jwt_claims *c = &op->who.claims;
	const char *token, *params[3];
	enum jwt_status st;
	size_t len;

	if ((token = http_bearer_token(op->hr, &len)) == NULL) {
		http_send_unauthorized(op->hr, "missing_token", "an Authorization: Bearer token is required");
		return;
	}
	st = jwt_verify(keys_public(), token, len, op->authd->issuer, (int64_t)time(NULL),
	    op->authd->leeway_s, c);
	if (st != JWT_OK) {
		char msg[64];

		snprintf(msg, sizeof(msg), "the token is not valid (%s)", jwt_status_string(st));
		http_send_unauthorized(op->hr, "invalid_token", msg);
		return;
	}
	if (!uuid_valid(c->sub, strlen(c->sub)) || !uuid_valid(c->sid, strlen(c->sid))) {
		http_send_unauthorized(op->hr, "invalid_token", "the token is not valid (bad_claims)");
		return;
	}
	memcpy(op->who.id, c->sub, sizeof(op->who.id));
	memcpy(op->who.sid, c->sid, sizeof(op->who.sid));
	snprintf(op->who.role, sizeof(op->who.role), "%s", c->role);
	op->next = next;
	op->admin_only = admin_only;
	params[0] = op->who.sid;
	params[1] = op->who.id;
	params[2] = op->who.role;
	op_query(op, session_sql, 3, params, on_session);
}

void
bearer_authenticate(struct op *op, op_next next)
{
	authenticate(op, next, false);
}

void
bearer_authenticate_admin(struct op *op, op_next next)
{
	authenticate(op, next, true);
}
