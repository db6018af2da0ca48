/*
 * admin: GET /api/auth/users and PATCH /api/auth/users/{id}, for accounts
 * with the admin role (403 for anyone else).
 *
 * Deactivating an account ends its sessions; a change of role ends its
 * access tokens (the role is in them) but keeps its sessions, so the next
 * refresh carries the new role.  An admin cannot deactivate or demote
 * themselves: the last admin would otherwise lock everyone out.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cursor.h"
#include "lib/json.h"
#include "bin/quill-authd/authd.h"

#define TIME_US_COLUMN USER_NCOLUMNS

static const char list_sql[] =
	"SELECT " USER_COLUMNS ", (extract(epoch FROM u.created_at) * 1000000)::bigint "
	"FROM auth.users u "
	"WHERE $1::bigint IS NULL OR (u.created_at, u.id) > "
	"(timestamptz 'epoch' + $1::bigint * interval '1 microsecond', $2::uuid) "
	"ORDER BY u.created_at, u.id LIMIT $3::int + 1";

static void
on_list(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;

	if (op_query_ok(op, res, err))
		page_answer(op->hr, op->data, res, user_json, TIME_US_COLUMN, 0);
}

static void
list_authenticated(struct op *op)
{
	struct page *p = op->data;
	char time_us[24];
	const char *params[3];

	snprintf(time_us, sizeof(time_us), "%lld", (long long)p->after.time_us);
	params[0] = p->has_cursor ? time_us : NULL;
	params[1] = p->has_cursor ? p->after.id : NULL;
	params[2] = p->limit_param;
	op_query(op, list_sql, 3, params, on_list);
}

void
admin_users_list(struct http_request *hr)
{
	struct op *op = op_new(hr, sizeof(struct page));
	struct page *p = op->data;

	if (page_read(hr, p) != 0)
		return;
	bearer_authenticate_admin(op, list_authenticated);
}

/* --- patch --- */

struct patch {
	const char *is_active;	/* "true", "false" or NULL */
	const char *role;
};

static void
on_patched(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;
	yajl_gen g;

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) != 1) {
		http_send_error(op->hr, 404, "not_found", "no such user");
		return;
	}
	g = json_gen_new();
	user_json(g, res, 0, 0);
	http_send_gen(op->hr, 200, g);
}

static void
patch_authenticated(struct op *op)
{
	struct patch *p = op->data;
	const char *id = http_param(op->hr, "id");
	const char *params[3];

	if (!uuid_valid(id, strlen(id))) {
		http_send_error(op->hr, 404, "not_found", "no such user");
		return;
	}
	if (strcasecmp(id, op->who.id) == 0 && ((p->is_active != NULL && strcmp(p->is_active, "false") == 0) ||
	    (p->role != NULL && strcmp(p->role, "admin") != 0))) {
		http_send_error(op->hr, 409, "conflict", "an admin cannot deactivate or demote themselves");
		return;
	}
	params[0] = id;
	params[1] = p->is_active;
	params[2] = p->role;
	/* deactivation ends the sessions by trigger (sql/auth/002) */
	op_query(op, "UPDATE auth.users u SET is_active = coalesce($2::boolean, u.is_active), "
	    "role = coalesce($3, u.role), updated_at = now() WHERE u.id = $1 RETURNING " USER_COLUMNS,
	    3, params, on_patched);
}

void
admin_users_patch(struct http_request *hr)
{
	static const char *const allowed[] = { "is_active", "role", NULL };
	struct op *op = op_new(hr, sizeof(struct patch));
	struct patch *p = op->data;
	const struct json_value *v;
	bool active;

	if (op_body_object(op) == NULL || op_body_only(op, allowed) != 0)
		return;
	if ((v = json_get(op->body, "is_active")) != NULL) {
		if (json_bool(v, &active) != 0) {
			http_send_error(hr, 422, "validation_failed", "is_active must be true or false");
			return;
		}
		p->is_active = active ? "true" : "false";
	}
	if ((v = json_get(op->body, "role")) != NULL) {
		p->role = json_string(v, NULL);
		if (p->role == NULL || (strcmp(p->role, "user") != 0 && strcmp(p->role, "admin") != 0)) {
			http_send_error(hr, 422, "validation_failed", "role must be \"user\" or \"admin\"");
			return;
		}
	}
	if (p->is_active == NULL && p->role == NULL) {
		http_send_error(hr, 422, "validation_failed", "nothing to change: give is_active or role");
		return;
	}
	bearer_authenticate_admin(op, patch_authenticated);
}
