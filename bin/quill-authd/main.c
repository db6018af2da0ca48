/*
 * quill-authd: accounts, login and tokens (port 8001).
 *
 * Everything a daemon shares (configuration, master and workers, health,
 * readiness and metrics routes) comes from lib/daemon.c; this file declares
 * what is particular to this one.  Signing keys: keys.c.
 */
#include "lib/daemon.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/router.h"
#include "bin/quill-authd/keys.h"

/* GET /api/auth/jwks: the public keys that verify quill's access tokens. */
static void
jwks(struct http_request *hr)
{
	const struct jwt_keyset *ks = keys_public();
	yajl_gen g = json_gen_new();

	yajl_gen_map_open(g);
	json_gen_key(g, "keys");
	yajl_gen_array_open(g);
	for (int i = 0; i < ks->n; i++)
		jwt_jwk_public(&ks->keys[i], g);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}

static void
add_routes(struct router *r)
{
	router_add(r, "GET", "/api/auth/jwks", (void *)jwks, 0);
}

static const struct daemon_def quill_authd_def = {
	.name = "quill-authd",
	.section = "auth",
	.has_http = 1,
	.has_database = 1,
	.add_routes = add_routes,
	.master_init = keys_load,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &quill_authd_def);
}
