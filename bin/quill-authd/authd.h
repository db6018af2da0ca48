/*
 * authd: what the route files of quill-authd share.
 *
 * Every route that waits -- on PostgreSQL or on the password pool -- keeps
 * its state in a `struct op` allocated in the request's memory.  When the
 * request ends early (the client went away) the op's dispose hook
 * abandons whatever is still pending, so no callback ever touches a dead
 * request.  op_query() and op_hash()/op_verify() record what is pending;
 * their callbacks clear it first thing (op_query_ok() for queries).  The
 * query half of this is lib/op's; the password jobs are authd's own.
 */
#ifndef QUILL_AUTHD_H
#define QUILL_AUTHD_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "lib/credentials.h"
#include "lib/cursor.h"
#include "lib/page.h"
#include "lib/http.h"
#include "lib/jwt.h"
#include "lib/op.h"
#include "lib/password.h"
#include "lib/pg.h"
#include "lib/uuid.h"

struct json_value;

/* Per-worker settings and helpers, made in worker_init. */
struct authd {
	struct password_pool *passwords;
	const char *issuer;
	int64_t access_ttl_s;
	int64_t refresh_ttl_s;
	int leeway_s;
	int lockout_failures;		/* per (account, address) */
	int64_t lockout_window_s;
	int lockout_account_failures;	/* per account, closing it to new addresses */
};

/* The account behind an authenticated request (see bearer.c). */
#define PRINCIPAL_USER_COLUMN 2
struct principal {
	char id[UUID_STR_LEN + 1];
	char sid[UUID_STR_LEN + 1];
	char email[CREDENTIALS_EMAIL_MAX + 1];
	char role[16];
	char *password_hash;	/* in the request's pool */
	struct jwt_claims claims;
	/*
	 * The account as USER_COLUMNS from column PRINCIPAL_USER_COLUMN of
	 * row 0, for user_json(); valid only while the `next` of
	 * bearer_authenticate() runs, NULL after.
	 */
	const PGresult *user;
};

struct op;
typedef void (*op_next)(struct op *op);

struct op {
	OP_HEAD;			/* hr, query, data: see lib/op.h */
	struct authd *authd;
	struct password_job *job;
	struct principal who;		/* filled by bearer_authenticate */
	op_next next;			/* what runs once authenticated */
	bool admin_only;
	struct recheck *recheck;	/* lockout_count_recheck's state */
	const struct json_value *body;
};

struct authd *authd_of(struct http_request *hr);

/* A new op for hr, with `data_size` zeroed bytes of route state in op->data. */
struct op *op_new(struct http_request *hr, size_t data_size);

/* Sends sql; cb gets op as its arg.  cb must start with `op->query = NULL`. */
void op_query(struct op *op, const char *sql, int n, const char *const *params, pg_query_cb cb);
/*
 * Hand the password to the pool; when it refuses (its queue is full:
 * [auth] hash_queue) they answer 503 busy with Retry-After instead.
 */
void op_hash(struct op *op, const char *password, size_t len, password_cb cb);
void op_verify(struct op *op, const char *stored_hash, const char *password, size_t len, password_cb cb);

/*
 * Answers a failed query: 503 when it may pass (unreachable, timed out,
 * busy), else 500 (logged once, with the request id).  See lib/op.h.
 */
void op_db_failed(struct op *op, const struct pg_error *err);
/*
 * First thing in a query callback: forgets the finished query, and
 * answers with op_db_failed() when it failed.  Returns whether res is there.
 */
bool op_query_ok(struct op *op, const PGresult *res, const struct pg_error *err);
/* Answers a failed hashing job (500, logged). */
void op_hash_failed(struct op *op, enum password_result r);

/*
 * The request body as a JSON object, or NULL after answering (400/415 for
 * a body that is not JSON, 422 for one that is not an object).
 */
const struct json_value *op_body_object(struct op *op);
/*
 * A string member of the body.  Returns it (NUL-terminated, *len set), or
 * NULL: after answering 422 when it is required and missing, or when it
 * is present but not a string; with *answered == false when it is merely
 * absent and optional.
 */
const char *op_body_string(struct op *op, const char *key, bool required, size_t *len, bool *answered);
/*
 * Refuses (422) any member of the body not named in allowed (NULL
 * terminated).  Returns 0, or -1 after answering.
 */
int op_body_only(struct op *op, const char *const *allowed);

/* Writes the user object of row `row` of a result selected with USER_COLUMNS from column `col`. */
void user_json(yajl_gen g, const PGresult *res, int row, int col);

/* The columns of a user, as user_json() reads them; `u` is auth.users. */
#define USER_COLUMNS \
	"u.id, u.email, u.name, u.role, u.is_active, " \
	"to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define USER_NCOLUMNS 7
/* Each one's place in USER_COLUMNS, counted from its first. */
enum user_column { USER_ID, USER_EMAIL, USER_NAME, USER_ROLE, USER_ACTIVE, USER_CREATED, USER_UPDATED };


/* Whether the request came from this host (loopback or a unix socket). */
bool peer_is_local(struct http_request *hr);

/* The client's address and User-Agent for the session list, in the request pool. */
const char *client_ip(struct http_request *hr);
const char *client_user_agent(struct http_request *hr);

/*
 * lockout.c: counts a password guess against the limits of its account
 * and client address (the scheme is described there), before the hash.
 *
 * lockout_count_login sends the statement for a login by email; cb gets
 * no row for an unknown account, else one with the columns below, where
 * LOGIN_COUNTED is "f" when the guess was refused.
 */
enum lockout_login_column {
	LOGIN_USER_ID,
	LOGIN_PASSWORD_HASH,
	LOGIN_IS_ACTIVE,
	LOGIN_COUNTED,
};
void lockout_count_login(struct op *op, const char *email, pg_query_cb cb);
/*
 * Before re-checking a signed-in user's password (PATCH /me, POST
 * /password): counts the guess as a login from the same address would
 * be, then calls next, or answers 429 with Retry-After when refused.
 * The route's successful update clears the pair (LOCKOUT_CLEAR_CTE).
 */
void lockout_count_recheck(struct op *op, op_next next);
/* Logs a refused guess once (user id, client address). */
void lockout_log_refused(struct op *op, const char *user_id);
/*
 * A CTE for a statement whose $1 is the account's id and CLIENT the
 * client address (client_ip(), possibly NULL): forgets that pair's
 * failures, when WHEN holds, once its password was right.
 */
#define LOCKOUT_CLEAR_CTE(CLIENT, WHEN) \
	"cleared AS (DELETE FROM auth.login_failures WHERE user_id = $1 AND ip = coalesce(" \
	CLIENT ", '') AND (" WHEN ")) "

/* bearer.c: checks the access token and its session, then calls next. */
void bearer_authenticate(struct op *op, op_next next);
/* Like bearer_authenticate, then 403 unless the account is an admin. */
void bearer_authenticate_admin(struct op *op, op_next next);

/* Route handlers, by file. */
void accounts_register(struct http_request *hr);
void accounts_me(struct http_request *hr);
void accounts_patch_me(struct http_request *hr);
void accounts_password(struct http_request *hr);
void login_login(struct http_request *hr);
void login_refresh(struct http_request *hr);
void login_logout(struct http_request *hr);
void sessions_list(struct http_request *hr);
void users_lookup(struct http_request *hr);
void sessions_revoke(struct http_request *hr);
void admin_users_list(struct http_request *hr);
void admin_users_patch(struct http_request *hr);
void revocations_feed(struct http_request *hr);
/* revocations.c: each worker deletes, about once a minute, what nobody needs any more. */
void revocations_start_pruning(struct worker *w);

#endif
