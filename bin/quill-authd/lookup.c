/*
 * lookup: GET /internal/auth/users/lookup?email=..., the id of an active
 * account by its e-mail address.  quill-ocr-worker asks it for the owner
 * of a drop-in directory named incoming/<email>/, since services never
 * read another service's tables.
 *
 * Like every /internal path the gateway never routes it; it also answers
 * only a peer on this host, as it tells whether an address has an account.
 */
#include <string.h>

#include "lib/json.h"
#include "bin/quill-authd/authd.h"

enum lookup_column {
	LOOKUP_ID,
	LOOKUP_EMAIL,
};

static void
on_lookup(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct op *op = arg;
	yajl_gen g;

	if (!op_query_ok(op, res, err))
		return;
	if (PQntuples(res) != 1) {
		http_send_error(op->hr, 404, "not_found", "no active account with this email");
		return;
	}
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "id", PQgetvalue(res, 0, LOOKUP_ID));
	json_gen_kv_string(g, "email", PQgetvalue(res, 0, LOOKUP_EMAIL));
	yajl_gen_map_close(g);
	http_send_gen(op->hr, 200, g);
}

void
users_lookup(struct http_request *hr)
{
	const char *email = http_query(hr, "email");
	struct op *op;
	const char *params[1];

	if (!peer_is_local(hr)) {
		http_send_error(hr, 404, "not_found", "no such route");
		return;
	}
	if (email == NULL || email[0] == '\0' || strlen(email) > CREDENTIALS_EMAIL_MAX) {
		http_send_error(hr, 400, "bad_request", "email is required");
		return;
	}
	op = op_new(hr, 0);
	params[0] = email;
	op_query(op, "SELECT id, email FROM auth.users WHERE email = lower($1) AND is_active", 1, params, on_lookup);
}
