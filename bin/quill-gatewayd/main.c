/*
 * quill-gatewayd: the public entry point of the API (port 8000).
 *
 * Every path prefix of a [route.NAME] section goes to that route's
 * upstreams through proxy.c, after the edge checks (CORS, rate limits,
 * the bearer token); /openapi.json and /docs are served here (docs.c);
 * /healthz, /readyz and /metrics come from lib/daemon.c like everywhere.
 *
 * Files: routes.c reads the table, client.c finds the client's address,
 * cors.c, proxy.c, forward.c (the HTTP/1.1 client to the upstreams and
 * its keep-alive pools), upstream.c (balancing, health), docs.c, tls.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/daemon.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/router.h"
#include "bin/quill-gatewayd/gateway.h"

struct gw_config gw;
int gw_route_of_router_index[ROUTER_MAX_ROUTES];
struct ratelimit *gw_limits;

static struct gw_worker gw_worker;

/* One router entry per prefix, longest first, so the most specific route wins. */
struct prefix_ref {
	int route;
	const char *prefix;
};

static int
by_length_desc(const void *a, const void *b)
{
	const struct prefix_ref *x = a, *y = b;
	size_t lx = strlen(x->prefix), ly = strlen(y->prefix);

	return lx < ly ? 1 : lx > ly ? -1 : strcmp(x->prefix, y->prefix);
}

static void
register_metrics(struct gw_route *rt)
{
	char labels[128];

	snprintf(labels, sizeof(labels), "route=\"%s\",bucket=\"ip\"", rt->name);
	rt->limited_ip = metrics_register(METRICS_COUNTER, "quill_gateway_rate_limited_total", labels,
	    "Requests refused with 429, by route and bucket.");
	snprintf(labels, sizeof(labels), "route=\"%s\",bucket=\"user\"", rt->name);
	rt->limited_user = metrics_register(METRICS_COUNTER, "quill_gateway_rate_limited_total", labels,
	    "Requests refused with 429, by route and bucket.");
	snprintf(labels, sizeof(labels), "route=\"%s\"", rt->name);
	rt->upstream_failures = metrics_register(METRICS_COUNTER, "quill_gateway_upstream_failures_total", labels,
	    "Requests and readiness checks an upstream failed (refused, timed out, broken, not ready), by route.");
}

static void
add_routes(struct router *r, const struct config *cfg)
{
	struct prefix_ref refs[GW_MAX_ROUTES * GW_MAX_PREFIXES];
	char err[512], quoted[600];
	int n = 0;

	if (gw_config_read(cfg, &gw, err, sizeof(err)) != 0)
		fatalx("event=start_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
	for (int i = 0; i < ROUTER_MAX_ROUTES; i++)
		gw_route_of_router_index[i] = -1;
	gw_docs_add_routes(r);
	for (int i = 0; i < gw.nroutes; i++) {
		register_metrics(&gw.routes[i]);
		for (int j = 0; j < gw.routes[i].nprefixes; j++)
			refs[n++] = (struct prefix_ref){ i, gw.routes[i].prefixes[j] };
	}
	qsort(refs, (size_t)n, sizeof(refs[0]), by_length_desc);
	for (int k = 0; k < n; k++) {
		const char *p = refs[k].prefix;
		char *pattern;
		int index;

		/* The pattern lives as long as the router: the whole process. */
		if (asprintf(&pattern, "%s/*", strcmp(p, "/") == 0 ? "" : p) < 0)
			fatalx("event=start_failed reason=out_of_memory");
		if ((index = router_add(r, "*", pattern, gw_proxy, gw.routes[refs[k].route].max_body)) < 0)
			continue;	/* counted as refused; daemon_main stops */
		gw_route_of_router_index[index] = refs[k].route;
	}
}

/* The routes and their settings; what start would refuse, -t refuses. */
static int
check_config(const struct config *cfg, char *err, size_t errsize)
{
	static struct gw_config scratch;

	return gw_config_read(cfg, &scratch, err, errsize);
}

/*
 * At start and on SIGHUP: the route table for the next workers, the
 * shared rate-limit table (made once; it outlives reloads, so a reload
 * forgives no one), the TLS context and the documentation.
 */
static int
master_init(const struct config *cfg, char *err, size_t errsize)
{
	static struct gw_config next;
	static bool started;

	if (gw_config_read(cfg, &next, err, errsize) != 0)
		return -1;
	if (started && !gw_config_same_routes(&gw, &next)) {
		snprintf(err, errsize, "routes, prefixes or body limits changed: they take effect on restart");
		return -1;
	}
	if (gw_tls_load(cfg, err, errsize) != 0 || gw_docs_load(cfg, err, errsize) != 0)
		return -1;
	if (gw_limits == NULL &&
	    (gw_limits = ratelimit_create((size_t)config_int(cfg, "gateway", "rate_limit_entries"))) == NULL) {
		snprintf(err, errsize, "cannot map the rate-limit table");
		return -1;
	}
	/* The series were registered for the routes at start; the same routes keep them. */
	for (int i = 0; i < next.nroutes; i++) {
		next.routes[i].limited_ip = gw.routes[i].limited_ip;
		next.routes[i].limited_user = gw.routes[i].limited_user;
		next.routes[i].upstream_failures = gw.routes[i].upstream_failures;
	}
	gw = next;
	started = true;
	return 0;
}

static int
worker_init(struct worker *w)
{
	gw_worker.w = w;
	w->app = &gw_worker;
	return gw_upstreams_start(&gw_worker);
}

static void
worker_exit(struct worker *w)
{
	gw_upstreams_stop(w->app);
}

static const struct daemon_def quill_gatewayd_def = {
	.name = "quill-gatewayd",
	.section = "gateway",
	.has_http = 1,
	.has_database = 0,
	.verify_tokens = 1,
	.add_routes = add_routes,
	.check_config = check_config,
	.master_init = master_init,
	.worker_init = worker_init,
	.worker_exit = worker_exit,
	.on_response = gw_on_response,
	.tls_context = gw_tls_context,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &quill_gatewayd_def);
}
