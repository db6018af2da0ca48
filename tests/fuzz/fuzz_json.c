/*
 * fuzz_json: lib/json on any request body, then every JSON body type the
 * API takes, read the way its handler reads it.
 *
 * A body is parsed with the limits http_json_body uses.  What parses is
 * walked with every accessor, written back with the generator and parsed
 * again: the two trees must be the same.  Then each body type's fields
 * are fetched with their types and given to the validators that decide
 * them (lib/credentials), which must answer NULL or a short reason.
 * A new body type is one more line in body_types.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/credentials.h"
#include "lib/json.h"
#include "tests/unit/json_tree.h"

enum field_kind { STR, STR_EMAIL, STR_PASSWORD, STR_NAME, BOOL };

struct field {
	const char *key;
	enum field_kind kind;
};

/* Every JSON request body of the API (authd's handlers), by its fields. */
static const struct body_type {
	const char *route;
	struct field fields[4];
} body_types[] = {
	{ "POST /api/auth/register", { { "email", STR_EMAIL }, { "password", STR_PASSWORD }, { "name", STR_NAME } } },
	{ "POST /api/auth/login", { { "email", STR_EMAIL }, { "password", STR } } },
	{ "POST /api/auth/refresh", { { "refresh_token", STR } } },
	{ "POST /api/auth/logout", { { "refresh_token", STR } } },
	{ "PATCH /api/auth/me", { { "name", STR_NAME }, { "email", STR_EMAIL }, { "password", STR } } },
	{ "POST /api/auth/password", { { "current_password", STR }, { "new_password", STR_PASSWORD } } },
	{ "PATCH /api/auth/users/{id}", { { "is_active", BOOL }, { "role", STR } } },
};

static void
check_reason(const char *reason)
{
	if (reason != NULL && (reason[0] == '\0' || strlen(reason) > 200))
		abort();
}

static void
read_body_type(const struct body_type *t, const struct json_value *body)
{
	char email[CREDENTIALS_EMAIL_MAX + 1];
	const char *given_email = NULL;

	for (const struct field *f = t->fields; f < t->fields + 4 && f->key != NULL; f++) {
		const struct json_value *v = json_get(body, f->key);
		const char *s, *reason;
		size_t len;
		bool b;

		if (f->kind == BOOL) {
			(void)json_bool(v, &b);
			continue;
		}
		if ((s = json_string(v, &len)) == NULL)
			continue;
		if (strlen(s) > len)
			abort();
		switch (f->kind) {
		case STR_EMAIL:
			reason = credentials_email(s, len, email);
			check_reason(reason);
			if (reason == NULL) {
				if (strlen(email) > CREDENTIALS_EMAIL_MAX)
					abort();
				given_email = email;
			}
			break;
		case STR_PASSWORD:
			check_reason(credentials_password(s, len, given_email));
			break;
		case STR_NAME:
			check_reason(credentials_name(s, len));
			break;
		default:
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_value *doc, *again;
	const char *text;
	char err[160];
	size_t len;
	yajl_gen g;

	err[0] = '\0';
	if ((doc = json_parse((const char *)data, size, JSON_DEFAULT_MAX_DEPTH, size, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();	/* a refusal the client could not read */
		return 0;
	}
	if ((g = json_gen_new()) == NULL)
		abort();
	gen_value(g, doc);
	text = json_gen_text(g, &len);
	if ((again = json_parse(text, len, JSON_DEFAULT_MAX_DEPTH, 0, err, sizeof(err))) == NULL ||
	    !same_value(doc, again))
		abort();
	json_free(again);
	yajl_gen_free(g);
	if (json_type(doc) == JSON_OBJECT)
		for (size_t i = 0; i < sizeof(body_types) / sizeof(body_types[0]); i++)
			read_body_type(&body_types[i], doc);
	json_free(doc);
	return 0;
}
