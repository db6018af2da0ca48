/*
 * login: POST /api/auth/login, /refresh and /logout.
 *
 * A login costs one password hash whether or not the account exists (an
 * unknown address is verified against the pool's dummy hash) and answers
 * wrong address, wrong password and a guess the lockout refused with the
 * same 401 after the same one hash, so neither the status, the body nor
 * the time tells which it was: a lock is no oracle of an account's
 * existence.  Each guess is counted before its password is checked, per
 * account and client address (lockout.c); a successful login clears its
 * own address's count.
 *
 * A refresh rotates the session's refresh token.  The token it replaces is
 * kept as retired: presented again, it can only be a copy (the rightful
 * holder has the new one), so the whole session is revoked.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-authd/authd.h"
#include "bin/quill-authd/tokens.h"

struct login {
	char email[CREDENTIALS_EMAIL_MAX + 1];
	const char *password;
	size_t password_len;
	bool active;
	char user_id[UUID_STR_LEN + 1];
	char *stored_hash;		/* the hash the password was checked against */
	char sid[UUID_STR_LEN + 1];
	char refresh[REFRESH_TOKEN_LEN + 1];
};

/*
 * Clears this address's failures, stores a rehash if there is one, opens
 * the session.  Only if the password is still the one just checked: a
 * password change that committed meanwhile wins, and no session outlives it.
 */
static const char session_sql[] =
	"WITH u AS (UPDATE auth.users u SET password_hash = coalesce($7, u.password_hash) "
	"WHERE u.id = $1 AND u.is_active AND u.password_hash = $8 RETURNING u.*), "
	"s AS (INSERT INTO auth.user_sessions (id, user_id, refresh_token_hash, expires_at, ip, user_agent) "
	"SELECT $2, u.id, $3, now() + make_interval(secs => $4::bigint), $5, $6 FROM u RETURNING id), "
	LOCKOUT_CLEAR_CTE("$5", "true")
	"SELECT " USER_COLUMNS " FROM u, s";

/* The columns of session_sql's row: the user's, as USER_COLUMNS. */
enum session_column {
	SESSION_USER_ID,
	SESSION_EMAIL,
	SESSION_NAME,
	SESSION_ROLE,
};

static void
send_bad_credentials(struct op *op)
{
	http_send_error(op->hr, 401, "invalid_credentials", "wrong email or password");
}

static void
on_session_opened(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;
	struct login *l = op->data;

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) != 1) {	/* deactivated, or the password changed, meanwhile */
		send_bad_credentials(op);
		return;
	}
	/* the role as stored now, not as read before the hash */
	tokens_send(op, l->user_id, l->sid, PQgetvalue(res, 0, SESSION_ROLE), l->refresh,
	    op->authd->refresh_ttl_s, res, SESSION_USER_ID);
}

static void
open_session(struct op *op, const char *new_hash)
{
	struct login *l = op->data;
	char hash[REFRESH_HASH_PARAM], ttl[24];
	const char *params[8];

	uuid_v4(l->sid);
	tokens_new_refresh(l->refresh, hash);
	snprintf(ttl, sizeof(ttl), "%lld", (long long)op->authd->refresh_ttl_s);
	params[0] = l->user_id;
	params[1] = l->sid;
	params[2] = hash;
	params[3] = ttl;
	params[4] = client_ip(op->hr);
	params[5] = client_user_agent(op->hr);
	params[6] = new_hash;
	params[7] = l->stored_hash;
	op_query(op, session_sql, 8, params, on_session_opened);
}

/* The parameters changed since this hash was made: store one made with the new ones. */
static void
on_rehashed(void *arg, enum password_result r, const char *hash, bool needs_rehash)
{
	struct op *op = arg;

	(void)needs_rehash;
	op->job = NULL;
	if (r != PASSWORD_OK) {
		op_hash_failed(op, r);
		return;
	}
	open_session(op, hash);
}

static void
on_verified(void *arg, enum password_result r, const char *hash, bool needs_rehash)
{
	struct op *op = arg;
	struct login *l = op->data;

	(void)hash;
	op->job = NULL;
	if (r == PASSWORD_MISMATCH)
		send_bad_credentials(op);	/* the attempt was counted before the check */
	else if (r != PASSWORD_OK)
		op_hash_failed(op, r);
	else if (!l->active)
		http_send_error(op->hr, 403, "account_disabled", "this account is disabled");
	else if (needs_rehash)
		op_hash(op, l->password, l->password_len, on_rehashed);
	else
		open_session(op, NULL);
}

static void
on_attempt_counted(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;
	struct login *l = op->data;

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) != 1) {
		/* no such account: the same hash's time and the same answer as a wrong password */
		op_verify(op, NULL, l->password, l->password_len, on_verified);
		return;
	}
	if (PQgetvalue(res, 0, LOGIN_COUNTED)[0] != 't') {
		/* refused by the lockout: answered as an unknown account, after the same hash */
		lockout_log_refused(op, PQgetvalue(res, 0, LOGIN_USER_ID));
		op_verify(op, NULL, l->password, l->password_len, on_verified);
		return;
	}
	snprintf(l->user_id, sizeof(l->user_id), "%s", PQgetvalue(res, 0, LOGIN_USER_ID));
	l->stored_hash = h2o_strdup(&op->hr->req->pool, PQgetvalue(res, 0, LOGIN_PASSWORD_HASH), SIZE_MAX).base;
	l->active = PQgetvalue(res, 0, LOGIN_IS_ACTIVE)[0] == 't';
	op_verify(op, l->stored_hash, l->password, l->password_len, on_verified);
}

void
login_login(struct http_request *hr)
{
	struct op *op = op_new(hr, sizeof(struct login));
	struct login *l = op->data;
	const char *email;
	size_t email_len;
	bool answered;

	if (op_body_object(op) == NULL)
		return;
	if ((email = op_body_string(op, "email", true, &email_len, &answered)) == NULL ||
	    (l->password = op_body_string(op, "password", true, &l->password_len, &answered)) == NULL)
		return;
	if (l->password_len > CREDENTIALS_PASSWORD_MAX * 4) {
		http_send_error(hr, 422, "validation_failed", "password is too long");
		return;
	}
	/* an address that cannot exist is just an unknown account: same answer, same cost */
	if (credentials_email(email, email_len, l->email) != NULL) {
		op_verify(op, NULL, l->password, l->password_len, on_verified);
		return;
	}
	lockout_count_login(op, l->email, on_attempt_counted);
}

/* --- refresh --- */

struct refresh {
	char hash[REFRESH_HASH_PARAM];
	char refresh[REFRESH_TOKEN_LEN + 1];
};

static const char rotate_sql[] =
	"WITH s AS (UPDATE auth.user_sessions s SET refresh_token_hash = $2, last_used_at = now(), "
	"ip = $3, user_agent = $4 FROM auth.users u "
	"WHERE s.refresh_token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() "
	"AND u.id = s.user_id AND u.is_active "
	"RETURNING s.id AS sid, s.user_id, s.expires_at), "
	"r AS (INSERT INTO auth.retired_refresh_tokens (token_hash, session_id) SELECT $1, sid FROM s) "
	"SELECT s.sid, u.role, floor(extract(epoch FROM s.expires_at - now()))::bigint, " USER_COLUMNS
	" FROM s JOIN auth.users u ON u.id = s.user_id";

/* The columns of rotate_sql's row; the user's, as USER_COLUMNS, from ROTATE_USER on. */
enum rotate_column {
	ROTATE_SESSION_ID,
	ROTATE_ROLE,
	ROTATE_TTL_S,
	ROTATE_USER,
};

static const char reuse_sql[] =
	"WITH hit AS (SELECT session_id FROM auth.retired_refresh_tokens WHERE token_hash = $1), "
	"rev AS (UPDATE auth.user_sessions SET revoked_at = now() "
	"WHERE id IN (SELECT session_id FROM hit) AND revoked_at IS NULL RETURNING id) "
	"SELECT session_id FROM hit";

enum reuse_column {
	REUSE_SESSION_ID,
};

static void
on_reuse_checked(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) > 0) {
		log_warnx("event=refresh_token_reused session=%s action=session_revoked request_id=%s",
		    PQgetvalue(res, 0, REUSE_SESSION_ID), op->hr->request_id);
		http_send_error(op->hr, 401, "refresh_token_reused",
		    "this refresh token was already used; the session has been ended");
		return;
	}
	http_send_error(op->hr, 401, "invalid_refresh_token", "the refresh token is not valid");
}

static void
on_rotated(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;
	struct refresh *f = op->data;
	const char *params[1];

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) != 1) {
		params[0] = f->hash;
		op_query(op, reuse_sql, 1, params, on_reuse_checked);
		return;
	}
	/* the user's id is the first of its columns */
	tokens_send(op, PQgetvalue(res, 0, ROTATE_USER), PQgetvalue(res, 0, ROTATE_SESSION_ID),
	    PQgetvalue(res, 0, ROTATE_ROLE), f->refresh, strtoll(PQgetvalue(res, 0, ROTATE_TTL_S), NULL, 10),
	    res, ROTATE_USER);
}

void
login_refresh(struct http_request *hr)
{
	struct op *op = op_new(hr, sizeof(struct refresh));
	struct refresh *f = op->data;
	char new_hash[REFRESH_HASH_PARAM];
	const char *token, *params[4];
	size_t len;
	bool answered;

	if (op_body_object(op) == NULL ||
	    (token = op_body_string(op, "refresh_token", true, &len, &answered)) == NULL)
		return;
	tokens_hash_refresh(token, len, f->hash);
	tokens_new_refresh(f->refresh, new_hash);
	params[0] = f->hash;
	params[1] = new_hash;
	params[2] = client_ip(hr);
	params[3] = client_user_agent(hr);
	op_query(op, rotate_sql, 4, params, on_rotated);
}

/* --- logout --- */

static void
on_logged_out(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;

	if (!op_query_ok(op, res, err))
		return;
	http_send_no_content(op->hr);
}

static void
logout_authenticated(struct op *op)
{
	const char *params[1] = { op->who.sid };

	op_query(op, "UPDATE auth.user_sessions SET revoked_at = now() "
	    "WHERE id = $1 AND revoked_at IS NULL", 1, params, on_logged_out);
}

void
login_logout(struct http_request *hr)
{
	bearer_authenticate(op_new(hr, 0), logout_authenticated);
}
