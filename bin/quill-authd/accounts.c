/*
 * accounts: POST /api/auth/register, GET and PATCH /api/auth/me, and
 * POST /api/auth/password.
 *
 * What needs the password again: changing the address (it is what logs
 * in) and changing the password.  Each such check is a guess like a
 * login's, counted first against the same limits per account and client
 * address (lockout.c), so a stolen access token cannot be used to guess
 * the password.  A new password ends every other session of the
 * account, so whoever else held one is out.
 */
#include <string.h>

#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-authd/authd.h"

/* Longest password worth hashing for a check: the policy allows 128 characters of UTF-8. */
#define PASSWORD_CHECK_MAX (CREDENTIALS_PASSWORD_MAX * 4)

struct change {
	char email[CREDENTIALS_EMAIL_MAX + 1];
	const char *name;
	const char *password;
	size_t password_len;
	const char *new_password;
	size_t new_password_len;
	bool change_email;
};

static void
send_user(struct op *op, int status, const PGresult *res)
{
	yajl_gen g = json_gen_new();

	user_json(g, res, 0, 0);
	http_send_gen(op->hr, status, g);
}

/* A string of the body that must pass a credentials check: NULL after answering 422. */
static const char *
checked(struct op *op, const char *reason)
{
	if (reason != NULL)
		http_send_error(op->hr, 422, "validation_failed", reason);
	return reason;
}

/* --- register --- */

static void
on_registered(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;

	op->query = NULL;
	if (res == NULL && pg_error_is(err, "23505")) {
		http_send_error(op->hr, 409, "email_taken", "an account with this email already exists");
		return;
	}
	if (res == NULL) {
		op_db_failed(op, err);
		return;
	}
	send_user(op, 201, res);
}

static void
on_register_hashed(void *arg, enum password_result r, const char *hash, bool needs_rehash)
{
	struct op *op = arg;
	struct change *c = op->data;
	char id[UUID_STR_LEN + 1];
	const char *params[4];

	(void)needs_rehash;
	op->job = NULL;
	if (r != PASSWORD_OK) {
		op_hash_failed(op, r);
		return;
	}
	uuid_v4(id);
	params[0] = id;
	params[1] = c->email;
	params[2] = hash;
	params[3] = c->name != NULL ? c->name : "";
	op_query(op, "INSERT INTO auth.users AS u (id, email, password_hash, name) "
	    "VALUES ($1, lower($2), $3, $4) RETURNING " USER_COLUMNS, 4, params, on_registered);
}

void
accounts_register(struct http_request *hr)
{
	struct op *op = op_new(hr, sizeof(struct change));
	struct change *c = op->data;
	const char *email;
	size_t email_len, name_len = 0;
	bool answered;

	if (op_body_object(op) == NULL ||
	    (email = op_body_string(op, "email", true, &email_len, &answered)) == NULL ||
	    (c->password = op_body_string(op, "password", true, &c->password_len, &answered)) == NULL)
		return;
	c->name = op_body_string(op, "name", false, &name_len, &answered);
	if (answered ||
	    checked(op, credentials_email(email, email_len, c->email)) != NULL ||
	    checked(op, credentials_password(c->password, c->password_len, c->email)) != NULL ||
	    (c->name != NULL && checked(op, credentials_name(c->name, name_len)) != NULL))
		return;
	op_hash(op, c->password, c->password_len, on_register_hashed);
}

/* --- me --- */

static void
on_me(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) != 1) {
		http_send_unauthorized(op->hr, "invalid_token", "the account no longer exists");
		return;
	}
	send_user(op, 200, res);
}

static void
me_authenticated(struct op *op)
{
	yajl_gen g = json_gen_new();

	user_json(g, op->who.user, 0, PRINCIPAL_USER_COLUMN);
	http_send_gen(op->hr, 200, g);
}

void
accounts_me(struct http_request *hr)
{
	bearer_authenticate(op_new(hr, 0), me_authenticated);
}

/* --- PATCH me --- */

static void
on_patched(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;

	op->query = NULL;
	if (res == NULL && pg_error_is(err, "23505")) {
		http_send_error(op->hr, 409, "email_taken", "an account with this email already exists");
		return;
	}
	on_me(arg, res, err);
}

static void
apply_patch(struct op *op)
{
	struct change *c = op->data;
	const char *params[4];

	params[0] = op->who.id;
	params[1] = c->name;
	params[2] = c->change_email ? c->email : NULL;
	params[3] = client_ip(op->hr);
	/* an email change passed a password check: its address's count is cleared */
	op_query(op, "WITH " LOCKOUT_CLEAR_CTE("$4::text", "$3::text IS NOT NULL")
	    "UPDATE auth.users u SET name = coalesce($2, u.name), email = coalesce(lower($3), u.email), "
	    "updated_at = now() WHERE u.id = $1 RETURNING " USER_COLUMNS, 4, params, on_patched);
}

static void
on_patch_password_checked(void *arg, enum password_result r, const char *hash, bool needs_rehash)
{
	struct op *op = arg;

	(void)hash;
	(void)needs_rehash;
	op->job = NULL;
	if (r == PASSWORD_MISMATCH)
		http_send_error(op->hr, 403, "invalid_password", "the password is wrong");
	else if (r != PASSWORD_OK)
		op_hash_failed(op, r);
	else
		apply_patch(op);
}

static void
patch_attempt_counted(struct op *op)
{
	struct change *c = op->data;

	op_verify(op, op->who.password_hash, c->password, c->password_len, on_patch_password_checked);
}

static void
patch_authenticated(struct op *op)
{
	struct change *c = op->data;

	if (c->change_email)
		lockout_count_recheck(op, patch_attempt_counted);
	else
		apply_patch(op);
}

void
accounts_patch_me(struct http_request *hr)
{
	static const char *const allowed[] = { "name", "email", "password", NULL };
	struct op *op = op_new(hr, sizeof(struct change));
	struct change *c = op->data;
	const char *email;
	size_t email_len = 0, name_len = 0;
	bool answered;

	if (op_body_object(op) == NULL || op_body_only(op, allowed) != 0)
		return;
	c->name = op_body_string(op, "name", false, &name_len, &answered);
	if (answered)
		return;
	email = op_body_string(op, "email", false, &email_len, &answered);
	if (answered)
		return;
	c->password = op_body_string(op, "password", email != NULL, &c->password_len, &answered);
	if (answered)
		return;
	if (c->name == NULL && email == NULL) {
		http_send_error(hr, 422, "validation_failed", "nothing to change: give name or email");
		return;
	}
	if ((c->name != NULL && checked(op, credentials_name(c->name, name_len)) != NULL) ||
	    (email != NULL && checked(op, credentials_email(email, email_len, c->email)) != NULL))
		return;
	if (c->password != NULL && c->password_len > PASSWORD_CHECK_MAX) {
		http_send_error(hr, 422, "validation_failed", "password is too long");
		return;
	}
	c->change_email = email != NULL;
	bearer_authenticate(op, patch_authenticated);
}

/* --- password --- */

static void
on_password_changed(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;
	yajl_gen g;

	if (!op_query_ok(op, res, err))
		return;
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_kv_int(g, "revoked_sessions", PQntuples(res));
	yajl_gen_map_close(g);
	http_send_gen(op->hr, 200, g);
}

static void
on_new_password_hashed(void *arg, enum password_result r, const char *hash, bool needs_rehash)
{
	struct op *op = arg;
	const char *params[4];

	(void)needs_rehash;
	op->job = NULL;
	if (r != PASSWORD_OK) {
		op_hash_failed(op, r);
		return;
	}
	params[0] = op->who.id;
	params[1] = hash;
	params[2] = op->who.sid;
	params[3] = client_ip(op->hr);
	op_query(op, "WITH p AS (UPDATE auth.users SET password_hash = $2, updated_at = now() WHERE id = $1), "
	    LOCKOUT_CLEAR_CTE("$4::text", "true")
	    "UPDATE auth.user_sessions SET revoked_at = now() "
	    "WHERE user_id = $1 AND id <> $3 AND revoked_at IS NULL RETURNING id",
	    4, params, on_password_changed);
}

static void
on_current_password_checked(void *arg, enum password_result r, const char *hash, bool needs_rehash)
{
	struct op *op = arg;
	struct change *c = op->data;

	(void)hash;
	(void)needs_rehash;
	op->job = NULL;
	if (r == PASSWORD_MISMATCH)
		http_send_error(op->hr, 403, "invalid_password", "the current password is wrong");
	else if (r != PASSWORD_OK)
		op_hash_failed(op, r);
	else
		op_hash(op, c->new_password, c->new_password_len, on_new_password_hashed);
}

static void
password_attempt_counted(struct op *op)
{
	struct change *c = op->data;

	op_verify(op, op->who.password_hash, c->password, c->password_len, on_current_password_checked);
}

static void
password_authenticated(struct op *op)
{
	struct change *c = op->data;

	if (checked(op, credentials_password(c->new_password, c->new_password_len, op->who.email)) != NULL)
		return;
	lockout_count_recheck(op, password_attempt_counted);
}

void
accounts_password(struct http_request *hr)
{
	struct op *op = op_new(hr, sizeof(struct change));
	struct change *c = op->data;
	bool answered;

	if (op_body_object(op) == NULL ||
	    (c->password = op_body_string(op, "current_password", true, &c->password_len,
	    &answered)) == NULL ||
	    (c->new_password = op_body_string(op, "new_password", true, &c->new_password_len,
	    &answered)) == NULL)
		return;
	if (c->password_len > PASSWORD_CHECK_MAX) {
		http_send_error(hr, 422, "validation_failed", "current_password is too long");
		return;
	}
	if (c->password_len == c->new_password_len &&
	    memcmp(c->password, c->new_password, c->password_len) == 0) {
		http_send_error(hr, 422, "validation_failed", "new_password must differ from the current one");
		return;
	}
	bearer_authenticate(op, password_authenticated);
}
