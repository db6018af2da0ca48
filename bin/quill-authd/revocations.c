/*
 * revocations: GET /internal/auth/revocations, the feed every other
 * verifier polls so that a logout or a deactivation reaches it within a
 * second, and the pruning that keeps the tables small.
 *
 * Rows are written by triggers (sql/auth/002): a session ended, or every
 * token of a user issued before a moment.  A reader asks for rows after
 * the last seq it has seen.  Sequence numbers are taken at insert but
 * become visible at commit, so a smaller seq can appear after a larger
 * one: every answer also repeats the rows of the last OVERLAP_S seconds,
 * and readers apply rows idempotently.  Rows older than the longest an
 * access token lives (plus the clock leeway) refuse nothing any more.
 *
 * The path is under /internal: the gateway does not route it, and the
 * ids it lists redeem nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/daemon.h"
#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-authd/authd.h"
#include "bin/quill-authd/keys.h"

#define FEED_MAX	5000
#define OVERLAP_S	"10"
#define PRUNE_MS	60000

/*
 * The rows after $1 (all of the window when $1 is NULL), at most $3 of
 * them, then the rows at or before $1 from the last OVERLAP_S seconds,
 * again at most $3: repeats never crowd out news.  Column 4 says which.
 */
static const char feed_sql[] =
	"(SELECT seq, session_id, user_id, ceil(extract(epoch FROM revoked_at))::bigint, true "
	"FROM auth.revocations WHERE revoked_at > now() - make_interval(secs => $2::bigint) "
	"AND ($1::bigint IS NULL OR seq > $1::bigint) ORDER BY seq LIMIT $3::int) "
	"UNION ALL "
	"(SELECT seq, session_id, user_id, ceil(extract(epoch FROM revoked_at))::bigint, false "
	"FROM auth.revocations WHERE $1::bigint IS NOT NULL AND seq <= $1::bigint "
	"AND revoked_at > now() - make_interval(secs => least($2::bigint, " OVERLAP_S ")) "
	"ORDER BY seq DESC LIMIT $3::int)";

/* feed_sql's columns: FEED_FRESH is false for the rows repeated from before `after`. */
enum feed_column {
	FEED_SEQ,
	FEED_SESSION_ID,
	FEED_USER_ID,
	FEED_BEFORE,
	FEED_FRESH,
};

struct feed {
	long long after;
	char window[24];
};

static long long
window_s(const struct authd *a)
{
	return (long long)a->access_ttl_s + a->leeway_s;
}

static void
on_feed(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;
	struct feed *f = op->data;
	const struct jwt_keyset *ks = keys_public();
	long long last = f->after;
	int n, fresh = 0;
	bool more = false;
	yajl_gen g;

	if (!op_query_ok(op, res, err))
		return;
	n = PQntuples(res);
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_key(g, "items");
	yajl_gen_array_open(g);
	for (int i = 0; i < n; i++) {
		long long seq = strtoll(PQgetvalue(res, i, FEED_SEQ), NULL, 10);

		if (PQgetvalue(res, i, FEED_FRESH)[0] == 't' && ++fresh > FEED_MAX) {
			more = true;
			continue;
		}
		if (seq > last)
			last = seq;
		yajl_gen_map_open(g);
		json_gen_kv_int(g, "seq", seq);
		json_gen_kv_string(g, "session_id", PQgetisnull(res, i, FEED_SESSION_ID) ? NULL : PQgetvalue(res, i, FEED_SESSION_ID));
		json_gen_kv_string(g, "user_id", PQgetvalue(res, i, FEED_USER_ID));
		json_gen_kv_int(g, "before", strtoll(PQgetvalue(res, i, FEED_BEFORE), NULL, 10));
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	json_gen_kv_int(g, "last_seq", last);
	json_gen_kv_bool(g, "more", more);
	json_gen_kv_int(g, "window", window_s(op->authd));
	/* a new kid here tells verifiers to fetch the JWKS again */
	json_gen_key(g, "kids");
	yajl_gen_array_open(g);
	for (int i = 0; i < ks->n; i++)
		json_gen_string(g, ks->keys[i].kid);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	h2o_add_header(&op->hr->req->pool, &op->hr->req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
	    H2O_STRLIT("no-store"));
	http_send_gen(op->hr, 200, g);
}

void
revocations_feed(struct http_request *hr)
{
	struct op *op = op_new(hr, sizeof(struct feed));
	struct feed *f = op->data;
	const char *after = http_query(hr, "after"), *params[3];
	char after_text[24], limit[16];

	if (after != NULL) {
		char *end;

		f->after = strtoll(after, &end, 10);
		if (end == after || *end != '\0' || f->after < 0) {
			http_send_error(hr, 400, "bad_request", "after must be a non-negative integer");
			return;
		}
	}
	snprintf(after_text, sizeof(after_text), "%lld", f->after);
	snprintf(f->window, sizeof(f->window), "%lld", window_s(op->authd));
	snprintf(limit, sizeof(limit), "%d", FEED_MAX + 1);
	params[0] = after != NULL ? after_text : NULL;
	params[1] = f->window;
	params[2] = limit;
	op_query(op, feed_sql, 3, params, on_feed);
}

/* --- pruning --- */

static struct {
	struct worker *w;
	h2o_timeout_t every;
	h2o_timeout_entry_t entry;
	char window[24];
	char lockout_window[24];
} prune;

/* Failures older than the lockout window count for nothing (lockout.c). */
static const char prune_sql[] =
	"WITH r AS (DELETE FROM auth.revocations "
	"WHERE revoked_at < now() - make_interval(secs => $1::bigint + 60)), "
	"f AS (DELETE FROM auth.login_failures "
	"WHERE last_failed_at < now() - make_interval(secs => $2::bigint)) "
	"DELETE FROM auth.user_sessions "
	"WHERE expires_at < now() - interval '1 day' OR revoked_at < now() - interval '7 days'";

static void
on_pruned(void *arg, const PGresult *res, const struct pg_error *err)
{
	char quoted[512];

	(void)arg;
	if (res == NULL)
		log_warnx("event=prune_failed error=%s", log_quote(quoted, sizeof(quoted), err->message, (size_t)-1));
	else if (strcmp(PQcmdTuples((PGresult *)res), "0") != 0)
		log_info("event=sessions_pruned count=%s", PQcmdTuples((PGresult *)res));
}

static void
on_prune_timer(h2o_timeout_entry_t *entry)
{
	const char *params[2] = { prune.window, prune.lockout_window };

	(void)entry;
	pg_query_params_async(prune.w->db, prune_sql, 2, params, on_pruned, NULL);
	h2o_timeout_link(prune.w->loop, &prune.every, &prune.entry);
}

void
revocations_start_pruning(struct worker *w)
{
	prune.w = w;
	snprintf(prune.window, sizeof(prune.window), "%lld", window_s(w->app));
	snprintf(prune.lockout_window, sizeof(prune.lockout_window), "%lld",
	    (long long)((struct authd *)w->app)->lockout_window_s);
	/* workers started together should not all prune in the same second */
	h2o_timeout_init(w->loop, &prune.every, PRUNE_MS + randombytes_uniform(PRUNE_MS / 2));
	prune.entry.cb = on_prune_timer;
	h2o_timeout_link(w->loop, &prune.every, &prune.entry);
}
