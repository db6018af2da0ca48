/*
 * quill-testd: a daemon built on libquill with routes that exist only to
 * exercise the shared HTTP layer from the integration tests: JSON bodies,
 * per-route body limits, path and query parameters, a slow answer to have
 * requests in flight while the master reloads or stops, and a route that
 * makes its worker die, for the master's restart and crash-loop logic,
 * and GET /whoami, which checks a bearer token the way every daemon other
 * than quill-authd does (lib/verifier, fed from [auth] url).
 *
 * It reads the [gateway] section for its address and worker count.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/jwt.h"
#include "lib/router.h"

#define SLOW_MS 1000

struct slow_request {
	h2o_timeout_entry_t entry;
	struct http_request *hr;
};

static h2o_timeout_t slow_timeout;

/* POST /echo: answers {"received": <the body>, "keys": <member count>}. */
static void
echo(struct http_request *hr)
{
	const struct json_value *body = http_json_body(hr);
	yajl_gen g;
	size_t len;
	const char *name;

	if (body == NULL)
		return;
	if (json_type(body) != JSON_OBJECT) {
		http_send_error(hr, 422, "invalid_body", "the body must be a JSON object");
		return;
	}
	name = json_get_string(body, "name", &len);
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_kv_int(g, "keys", (long long)json_length(body));
	json_gen_key(g, "name");
	if (name != NULL)
		json_gen_string_len(g, name, len);
	else
		json_gen_string(g, NULL);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}

/* GET /items/{id}?q=...: echoes the path and query parameters. */
static void
item(struct http_request *hr)
{
	yajl_gen g = json_gen_new();

	yajl_gen_map_open(g);
	json_gen_kv_string(g, "id", http_param(hr, "id"));
	json_gen_kv_string(g, "q", http_query(hr, "q"));
	json_gen_kv_string(g, "request_id", hr->request_id);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}

/* POST /small: a route with its own 16-byte body limit. */
static void
small(struct http_request *hr)
{
	static const char body[] = "{\"ok\":true}";

	http_send_json(hr, 200, body, sizeof(body) - 1);
}

static void
on_slow_done(h2o_timeout_entry_t *entry)
{
	struct slow_request *s = (struct slow_request *)entry;
	static const char body[] = "{\"slow\":true}";

	http_send_json(s->hr, 200, body, sizeof(body) - 1);
}

static void
slow_dispose(void *p)
{
	struct slow_request *s = p;

	if (h2o_timeout_is_linked(&s->entry))
		h2o_timeout_unlink(&s->entry);
}

/* GET /slow: answers after SLOW_MS without blocking the loop. */
static void
slow(struct http_request *hr)
{
	struct slow_request *s = http_request_alloc(hr, sizeof(*s), slow_dispose);

	memset(s, 0, sizeof(*s));
	s->hr = hr;
	s->entry.cb = on_slow_done;
	h2o_timeout_link(hr->worker->loop, &slow_timeout, &s->entry);
}

/* POST /crash: the worker exits without answering, as a crashing worker would. */
static void
crash(struct http_request *hr)
{
	_exit(3);
}

/* GET /whoami: the claims of a valid, unrevoked bearer token. */
static void
whoami(struct http_request *hr)
{
	const struct jwt_claims *c = http_authenticate(hr);
	yajl_gen g;

	if (c == NULL)
		return;
	g = json_gen_new();
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "sub", c->sub);
	json_gen_kv_string(g, "sid", c->sid);
	json_gen_kv_string(g, "role", c->role);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}

static void
add_routes(struct router *r)
{
	router_add(r, "GET", "/whoami", (void *)whoami, 0);
	router_add(r, "POST", "/echo", (void *)echo, 0);
	router_add(r, "GET", "/items/{id}", (void *)item, 0);
	router_add(r, "POST", "/small", (void *)small, 16);
	router_add(r, "GET", "/slow", (void *)slow, 0);
	router_add(r, "POST", "/crash", (void *)crash, 0);
}

static int
worker_init(struct worker *w)
{
	h2o_timeout_init(w->loop, &slow_timeout, SLOW_MS);
	return 0;
}

static const struct daemon_def testd_def = {
	.name = "quill-testd",
	.section = "gateway",
	.has_http = 1,
	.has_database = 0,
	.verify_tokens = 1,
	.add_routes = add_routes,
	.worker_init = worker_init,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &testd_def);
}
