/*
 * lockout: how many password guesses an account takes, and from where.
 *
 * The scheme is OWASP's "device cookie" lockout (Authentication Cheat
 * Sheet; "Slow Down Online Guessing Attacks with Device Cookies") with the
 * client address standing in for the device:
 * - Failures are counted per (account, client address) in
 *   auth.login_failures: lockout_failures of them, each within
 *   lockout_window of the last, lock that pair until the window has
 *   passed since the last one.  Nobody at another address is affected.
 * - The sum of an account's counts within the window is its ceiling:
 *   past lockout_account_failures, the account takes no more guesses
 *   from addresses it has no session from (auth.user_sessions.ip).  Its
 *   owner still signs in from any address he used before; a botnet gets
 *   at most that many guesses per window however many addresses it has.
 * A guess is counted before its password is checked, in the statement
 * that tests both limits, so concurrent guesses cannot slip past the
 * pair's limit (the row is locked by ON CONFLICT); the ceiling is read
 * from the statement's snapshot, so it may be passed by the guesses in
 * flight at that moment.  A success clears its own pair.
 *
 * The client address is client_ip(): the peer, or behind the gateway
 * (a loopback peer) the client the gateway counted.  Login answers a
 * locked pair exactly as an unknown account (login.c); an authenticated
 * re-check of the password, whose caller knows the account exists,
 * answers 429 with Retry-After.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "bin/quill-authd/authd.h"

/*
 * After a CTE `u` holding the account's id (zero or one row), with $2
 * the client address, $3 lockout_failures, $4 lockout_window in seconds
 * and $5 lockout_account_failures: `k` says whether the address is known
 * to the account and how many guesses it took in the window, `c` counts
 * this one (a row when counted, none when locked).
 */
#define COUNT_CTES \
	"k AS (SELECT EXISTS (SELECT 1 FROM auth.user_sessions s, u " \
	"WHERE s.user_id = u.id AND s.ip = $2) AS known, " \
	"(SELECT coalesce(sum(f.failures), 0) FROM auth.login_failures f, u WHERE f.user_id = u.id " \
	"AND f.last_failed_at > now() - make_interval(secs => $4::bigint)) AS total), " \
	"c AS (INSERT INTO auth.login_failures AS f (user_id, ip, failures, last_failed_at) " \
	"SELECT u.id, $2, 1, now() FROM u, k WHERE k.known OR k.total < $5::int " \
	"ON CONFLICT (user_id, ip) DO UPDATE SET last_failed_at = now(), failures = " \
	"CASE WHEN f.last_failed_at > now() - make_interval(secs => $4::bigint) " \
	"THEN f.failures + 1 ELSE 1 END " \
	"WHERE NOT (f.failures >= $3::int " \
	"AND f.last_failed_at > now() - make_interval(secs => $4::bigint)) RETURNING 1) "

static const char login_sql[] =
	"WITH u AS (SELECT u.id, u.password_hash, u.is_active FROM auth.users u WHERE u.email = lower($1)), "
	COUNT_CTES
	"SELECT u.id, u.password_hash, u.is_active, EXISTS (SELECT 1 FROM c) FROM u";

/*
 * Retry-After when locked: the end of the pair's window, or, closed to
 * an unknown address by the ceiling, the end of the account's latest
 * failure's window (the ceiling may lift sooner).
 */
static const char recheck_sql[] =
	"WITH u AS (SELECT u.id FROM auth.users u WHERE u.id = $1), "
	COUNT_CTES
	"SELECT EXISTS (SELECT 1 FROM c), (SELECT greatest(1, ceil(extract(epoch FROM "
	"max(f.last_failed_at) + make_interval(secs => $4::bigint) - now())))::bigint "
	"FROM auth.login_failures f WHERE f.user_id = u.id AND (f.ip = $2 OR NOT k.known)) "
	"FROM u, k";

enum recheck_column {
	RECHECK_COUNTED,
	RECHECK_RETRY_AFTER,
};

struct recheck {
	op_next next;
};

/* The address failures are counted on: '' when there is none (a unix socket). */
static const char *
counted_ip(struct op *op)
{
	const char *ip = client_ip(op->hr);

	return ip != NULL ? ip : "";
}

/* The limits as statement parameters, kept in the request's memory with the statement. */
struct count_text {
	char failures[16];
	char window[24];
	char account[16];
};

/* The parameters both statements share, $2 to $5, into params[1..4]. */
static void
count_params(struct op *op, const char *params[5])
{
	struct count_text *t = http_request_alloc(op->hr, sizeof(*t), NULL);

	snprintf(t->failures, sizeof(t->failures), "%d", op->authd->lockout_failures);
	snprintf(t->window, sizeof(t->window), "%lld", (long long)op->authd->lockout_window_s);
	snprintf(t->account, sizeof(t->account), "%d", op->authd->lockout_account_failures);
	params[1] = counted_ip(op);
	params[2] = t->failures;
	params[3] = t->window;
	params[4] = t->account;
}

void
lockout_count_login(struct op *op, const char *email, pg_query_cb cb)
{
	const char *params[5];

	params[0] = email;
	count_params(op, params);
	op_query(op, login_sql, 5, params, cb);
}

void
lockout_log_refused(struct op *op, const char *user_id)
{
	char quoted[128];
	const char *ip = counted_ip(op);

	log_info("event=login_locked user_id=%s client=%s request_id=%s", user_id,
	    log_quote(quoted, sizeof(quoted), ip, strlen(ip)), op->hr->request_id);
}

static void
send_locked(struct op *op, const char *retry_after)
{
	h2o_req_t *req = op->hr->req;

	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
	    retry_after, strlen(retry_after));
	http_send_error(op->hr, 429, "too_many_attempts",
	    "too many failed password checks for this account; try again later");
}

static void
on_recheck_counted(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;
	struct recheck *r = op->recheck;

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) != 1) {	/* the account went away meanwhile */
		send_locked(op, "1");
		return;
	}
	if (PQgetvalue(res, 0, RECHECK_COUNTED)[0] != 't') {
		lockout_log_refused(op, op->who.id);
		send_locked(op, h2o_strdup(&op->hr->req->pool,
		    PQgetvalue(res, 0, RECHECK_RETRY_AFTER), SIZE_MAX).base);
		return;
	}
	r->next(op);
}

void
lockout_count_recheck(struct op *op, op_next next)
{
	struct recheck *r = http_request_alloc(op->hr, sizeof(*r), NULL);
	const char *params[5];

	r->next = next;
	op->recheck = r;
	params[0] = op->who.id;
	count_params(op, params);
	op_query(op, recheck_sql, 5, params, on_recheck_counted);
}
