/*
 * sessions: GET /api/auth/sessions and DELETE /api/auth/sessions/{id}.
 *
 * A user sees and ends only their own open sessions: another user's
 * session id is a 404, the same answer as an id that never existed.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cursor.h"
#include "lib/json.h"
#include "bin/quill-authd/authd.h"

static const char list_sql[] =
	"SELECT s.id, " SQL_RFC3339("s.created_at") ", " SQL_RFC3339("s.last_used_at") ", "
	"s.ip, s.user_agent, " SQL_RFC3339("s.expires_at") ", "
	"(extract(epoch FROM s.created_at) * 1000000)::bigint "
	"FROM auth.user_sessions s "
	"WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > now() "
	"AND ($2::bigint IS NULL OR (s.created_at, s.id) < "
	"(timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid)) "
	"ORDER BY s.created_at DESC, s.id DESC LIMIT $4::int + 1";

enum list_column {
	LIST_ID,
	LIST_CREATED_AT,
	LIST_LAST_USED_AT,
	LIST_IP,
	LIST_USER_AGENT,
	LIST_EXPIRES_AT,
	LIST_CURSOR_US,
};

static void
on_list(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;
	struct page *l = op->data;
	int n, shown;
	yajl_gen g;

	if (!op_query_ok(op, res, err))
		return;
	n = PQntuples(res);
	shown = n > l->limit ? l->limit : n;
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_key(g, "items");
	yajl_gen_array_open(g);
	for (int i = 0; i < shown; i++) {
		yajl_gen_map_open(g);
		json_gen_kv_string(g, "id", PQgetvalue(res, i, LIST_ID));
		json_gen_kv_string(g, "created_at", PQgetvalue(res, i, LIST_CREATED_AT));
		json_gen_kv_string(g, "last_used_at", PQgetvalue(res, i, LIST_LAST_USED_AT));
		json_gen_kv_string(g, "ip", PQgetisnull(res, i, LIST_IP) ? NULL : PQgetvalue(res, i, LIST_IP));
		json_gen_kv_string(g, "user_agent", PQgetisnull(res, i, LIST_USER_AGENT) ? NULL : PQgetvalue(res, i, LIST_USER_AGENT));
		json_gen_kv_string(g, "expires_at", PQgetvalue(res, i, LIST_EXPIRES_AT));
		json_gen_kv_bool(g, "current", strcmp(PQgetvalue(res, i, LIST_ID), op->who.sid) == 0);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	page_next_cursor(g, res, n > l->limit, shown - 1, LIST_CURSOR_US, LIST_ID);
	yajl_gen_map_close(g);
	http_send_gen(op->hr, 200, g);
}

static void
list_authenticated(struct op *op)
{
	struct page *l = op->data;
	char time_us[24];
	const char *params[4];

	snprintf(time_us, sizeof(time_us), "%lld", (long long)l->after.time_us);
	params[0] = op->who.id;
	params[1] = l->has_cursor ? time_us : NULL;
	params[2] = l->has_cursor ? l->after.id : NULL;
	params[3] = l->limit_param;
	op_query(op, list_sql, 4, params, on_list);
}

void
sessions_list(struct http_request *hr)
{
	struct op *op = op_new(hr, sizeof(struct page));
	struct page *l = op->data;

	if (page_read(hr, l) != 0)
		return;
	bearer_authenticate(op, list_authenticated);
}

/* --- revoke one --- */

static void
on_revoked(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) != 1) {
		http_send_error(op->hr, 404, "not_found", "no such session");
		return;
	}
	http_send_no_content(op->hr);
}

static void
revoke_authenticated(struct op *op)
{
	const char *id = http_param(op->hr, "id");
	const char *params[2];

	if (!uuid_valid(id, strlen(id))) {
		http_send_error(op->hr, 404, "not_found", "no such session");
		return;
	}
	params[0] = id;
	params[1] = op->who.id;
	op_query(op, "UPDATE auth.user_sessions SET revoked_at = now() "
	    "WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now() RETURNING id",
	    2, params, on_revoked);
}

void
sessions_revoke(struct http_request *hr)
{
	bearer_authenticate(op_new(hr, 0), revoke_authenticated);
}
