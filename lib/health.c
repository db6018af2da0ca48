/*
 * health: liveness, readiness and metrics handlers.
 *
 * Readiness asks the database for real (SELECT 1 through the worker's
 * pool) rather than trusting the pool's last known state, so /readyz turns
 * 503 as soon as PostgreSQL stops answering, and back to 200 when the pool
 * has reconnected by itself.
 *
 * It knows nothing of the skeleton above it: the worker's pool is handed
 * in with health_set_database(), the metrics rule is lib/http's.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/health.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/pg.h"
#include "lib/router.h"

/* The worker's database pool, handed in by the skeleton (health_set_database); NULL: none. */
static struct pg_pool *ready_db;

void
health_set_database(struct pg_pool *db)
{
	ready_db = db;
}

static void
send_ready(struct http_request *hr, int ready, const char *database)
{
	yajl_gen g = json_gen_new();

	yajl_gen_map_open(g);
	json_gen_kv_string(g, "status", ready ? "ready" : "unavailable");
	json_gen_key(g, "checks");
	yajl_gen_map_open(g);
	if (database != NULL)
		json_gen_kv_string(g, "database", database);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	http_send_gen(hr, ready ? 200 : 503, g);
}

static void
healthz(struct http_request *hr)
{
	static const char body[] = "{\"status\":\"ok\"}";

	http_send_json(hr, 200, body, sizeof(body) - 1);
}

/* Lives in the request pool; dispose cancels the query if the request goes first. */
struct ready_probe {
	struct http_request *hr;
	struct pg_query *query;
};

static void
ready_probe_dispose(void *p)
{
	struct ready_probe *probe = p;

	if (probe->query != NULL)
		pg_query_abandon(probe->query);
}

static void
on_ready_probe(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct ready_probe *probe = arg;

	probe->query = NULL;
	send_ready(probe->hr, res != NULL, res != NULL ? "up" : "down");
}

static void
readyz(struct http_request *hr)
{
	struct ready_probe *probe;

	if (ready_db == NULL) {
		send_ready(hr, 1, NULL);
		return;
	}
	if (!pg_pool_ready(ready_db)) {
		send_ready(hr, 0, "down");
		return;
	}
	probe = http_request_alloc(hr, sizeof(*probe), ready_probe_dispose);
	probe->hr = hr;
	probe->query = NULL;
	/* NULL: the callback has already answered (the pool went down meanwhile). */
	probe->query = pg_query_params_async(ready_db, "SELECT 1", 0, NULL, on_ready_probe, probe);
}

static void
metrics(struct http_request *hr)
{
	size_t len;
	char *text;

	/* Counters tell who uses what and how much: for the operator's scraper, not the public. */
	if (!http_peer_may_read_metrics(hr)) {
		http_send_error(hr, 403, "forbidden", "metrics are served only to [http] metrics_allow");
		return;
	}
	if ((text = metrics_render(&len)) == NULL) {
		http_send_error(hr, 503, "unavailable", "metrics could not be rendered");
		return;
	}
	http_send_text(hr, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
}

void
health_add_routes(struct router *r)
{
	router_add(r, "GET", "/healthz", healthz, 0);
	router_add(r, "GET", "/readyz", readyz, 0);
	router_add(r, "GET", "/metrics", metrics, 0);
}
