/*
 * quill-authd: accounts, login and tokens (port 8001).
 *
 * Everything a daemon shares (configuration, master and workers, health,
 * readiness and metrics routes) comes from lib/daemon.c; this file declares
 * what is particular to this one: its routes and the per-worker password
 * pool.  Routes live by concern in accounts.c, login.c, sessions.c,
 * admin.c, revocations.c and lookup.c; signing keys in keys.c.
 */
#include <stdlib.h>

#include "lib/config.h"
#include "lib/daemon.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/router.h"
#include "bin/quill-authd/authd.h"
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
add_routes(struct router *r, const struct config *cfg)
{
	router_add(r, "POST", "/api/auth/register", accounts_register, 0);
	router_add(r, "POST", "/api/auth/login", login_login, 0);
	router_add(r, "POST", "/api/auth/refresh", login_refresh, 0);
	router_add(r, "POST", "/api/auth/logout", login_logout, 0);
	router_add(r, "GET", "/api/auth/me", accounts_me, 0);
	router_add(r, "PATCH", "/api/auth/me", accounts_patch_me, 0);
	router_add(r, "POST", "/api/auth/password", accounts_password, 0);
	router_add(r, "GET", "/api/auth/sessions", sessions_list, 0);
	router_add(r, "DELETE", "/api/auth/sessions/{id}", sessions_revoke, 0);
	router_add(r, "GET", "/api/auth/jwks", jwks, 0);
	router_add(r, "GET", "/api/auth/users", admin_users_list, 0);
	router_add(r, "PATCH", "/api/auth/users/{id}", admin_users_patch, 0);
	router_add(r, "GET", "/internal/auth/revocations", revocations_feed, 0);
	router_add(r, "GET", "/internal/auth/users/lookup", users_lookup, 0);
}

static struct authd authd;

static int
worker_init(struct worker *w)
{
	const struct config *cfg = w->cfg;
	struct password_params params = {
		.opslimit = (unsigned long long)config_int(cfg, "auth", "argon2_opslimit"),
		.memlimit = (size_t)config_size(cfg, "auth", "argon2_memlimit"),
	};

	authd.issuer = config_str(cfg, "auth", "issuer");
	authd.access_ttl_s = config_duration_ms(cfg, "auth", "access_token_ttl") / 1000;
	authd.refresh_ttl_s = config_duration_ms(cfg, "auth", "refresh_token_ttl") / 1000;
	authd.leeway_s = (int)(config_duration_ms(cfg, "auth", "clock_leeway") / 1000);
	authd.lockout_failures = (int)config_int(cfg, "auth", "lockout_failures");
	authd.lockout_window_s = config_duration_ms(cfg, "auth", "lockout_window") / 1000;
	authd.lockout_account_failures = (int)config_int(cfg, "auth", "lockout_account_failures");
	if (authd.lockout_window_s < 1)
		authd.lockout_window_s = 1;
	authd.passwords = password_pool_new(w->loop, (int)config_int(cfg, "auth", "hash_threads"), &params);
	if (authd.passwords == NULL) {
		log_warn("event=password_pool_failed");
		return -1;
	}
	password_pool_set_max_queued(authd.passwords, (int)config_int(cfg, "auth", "hash_queue"));
	w->app = &authd;
	revocations_start_pruning(w);
	return 0;
}

static void
worker_exit(struct worker *w)
{
	(void)w;
	password_pool_free(authd.passwords);
	authd.passwords = NULL;
}

static const struct daemon_def quill_authd_def = {
	.name = "quill-authd",
	.section = "auth",
	.has_http = 1,
	.has_database = 1,
	.add_routes = add_routes,
	.master_init = keys_load,
	.worker_init = worker_init,
	.worker_exit = worker_exit,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &quill_authd_def);
}
