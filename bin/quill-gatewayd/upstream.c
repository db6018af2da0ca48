/*
 * upstream.c: a worker's view of the services behind each route.
 *
 * Each upstream has a keep-alive connection pool (pool.c; idle
 * connections close after upstream_idle_timeout, kept below the
 * services' own keep-alive so the gateway is the side that closes), a
 * count of requests in flight, and two reasons to be skipped:
 *
 *   - passive: a connection refused or broken puts it in a cool-down of
 *     upstream_cooldown, so the next requests go to another upstream at
 *     once instead of failing the same way (a slow answer does not: one
 *     slow request must not take a service out);
 *   - active: every upstream_health_interval its GET /readyz is asked;
 *     one that answers anything but 200 is passed over for a ready one
 *     of the route.  When none is ready, a request goes to one that
 *     answers at all, and the service decides: quill-ocrd takes uploads
 *     while the database is away, others answer 503 themselves.  One
 *     that leaves two checks in a row unanswered is skipped until it
 *     answers again.
 *
 * When every upstream of a route is skipped the request is answered 503
 * at once, with Retry-After: the gateway never queues behind a dead
 * service.  The state is per worker: each learns of a dead upstream from
 * its own first failure, which costs one request per worker.
 */
#include <stdio.h>
#include <string.h>

#include "lib/daemon.h"
#include "lib/http.h"
#include "lib/httpc.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "bin/quill-gatewayd/gateway.h"

static void health_check_all(h2o_timeout_entry_t *entry);

static uint64_t
loop_now(struct gw_worker *g)
{
	return h2o_now(g->w->loop);
}

static bool
usable(const struct gw_upstream *u, uint64_t now, bool need_ready)
{
	return (need_ready ? u->ready : u->answering) && now >= u->cooldown_until;
}

/* The route's next usable upstream, by its balance; NULL when none is. */
static struct gw_upstream *
pick(struct gw_route_state *rs, int route, unsigned start, uint64_t now, bool need_ready)
{
	struct gw_upstream *best = NULL;

	for (int k = 0; k < rs->nupstreams; k++) {
		struct gw_upstream *u = &rs->upstreams[(start + (unsigned)k) % (unsigned)rs->nupstreams];

		if (!usable(u, now, need_ready))
			continue;
		if (!gw.routes[route].least_conn)
			return u;
		if (best == NULL || u->inflight < best->inflight)
			best = u;
	}
	return best;
}

struct gw_upstream *
gw_upstream_pick(struct gw_worker *g, int route)
{
	struct gw_route_state *rs = &g->routes[route];
	uint64_t now = loop_now(g);
	unsigned start = rs->rr++;
	struct gw_upstream *u = pick(rs, route, start, now, true);

	return u != NULL ? u : pick(rs, route, start, now, false);
}

uint64_t
gw_upstream_retry_ms(struct gw_worker *g, int route)
{
	struct gw_route_state *rs = &g->routes[route];
	uint64_t now = loop_now(g), soonest = UINT64_MAX;

	for (int k = 0; k < rs->nupstreams; k++) {
		const struct gw_upstream *u = &rs->upstreams[k];
		uint64_t wait = !u->answering ? gw.health_interval_ms :
		    u->cooldown_until > now ? u->cooldown_until - now : 0;

		if (wait < soonest)
			soonest = wait;
	}
	return soonest == UINT64_MAX || soonest == 0 ? 1000 : soonest;
}

void
gw_upstream_failed(struct gw_upstream *u, const char *why, size_t why_len)
{
	char quoted[96];

	metrics_add(u->failures, 1);
	/* One line when it goes into the cool-down, not one per request that finds it there. */
	if (loop_now(u->gwk) >= u->cooldown_until)
		log_warnx("event=upstream_failed route=%s upstream=%s error=%s cooldown_ms=%llu",
		    gw.routes[u->route].name, u->spec->spec, log_quote(quoted, sizeof(quoted), why, why_len),
		    (unsigned long long)gw.cooldown_ms);
	u->failed_at = loop_now(u->gwk);
	u->cooldown_until = u->failed_at + gw.cooldown_ms;
}

/* --- active health: GET /readyz --- */

static void
on_ready_answer(void *arg, const struct httpc_response *res, const char *err)
{
	struct gw_upstream *u = arg;
	bool ready = res != NULL && res->status == 200;

	u->check = NULL;
	if (!ready)
		metrics_add(u->failures, 1);
	if (ready != u->ready)
		log_info("event=upstream_%s route=%s upstream=%s status=%ld%s%s", ready ? "ready" : "not_ready",
		    gw.routes[u->route].name, u->spec->spec, res != NULL ? res->status : 0L,
		    err != NULL ? " error=" : "", err != NULL ? "unreachable" : "");
	u->ready = ready;
	/*
	 * One check without an answer is not enough to stop sending to it: a
	 * worker of the service that dies holding the check looks the same.
	 * Two in a row are; a refused connect cools it down meanwhile anyway.
	 */
	u->unanswered = res != NULL ? 0 : u->unanswered + 1;
	u->answering = u->unanswered < 2;
	/* A service that is up again leaves its cool-down at once, if it was asked after it failed. */
	if (ready && u->check_started_at > u->failed_at)
		u->cooldown_until = 0;
}

static void
health_check(struct gw_upstream *u)
{
	struct httpc_options opt = { .timeout_ms = 2000, .connect_timeout_ms = 1000, .max_response = 64 * 1024 };
	char url[192];

	if (u->check != NULL || u->spec->addr.is_unix || u->gwk->w->httpc == NULL)
		return;		/* one question at a time; libcurl here speaks TCP only */
	snprintf(url, sizeof(url), "http://%s/readyz", u->spec->authority);
	u->check_started_at = loop_now(u->gwk);
	u->check = httpc_request(u->gwk->w->httpc, url, &opt, on_ready_answer, u);
}

static void
health_check_all(h2o_timeout_entry_t *entry)
{
	struct gw_worker *g = H2O_STRUCT_FROM_MEMBER(struct gw_worker, health_entry, entry);

	for (int r = 0; r < gw.nroutes; r++)
		for (int k = 0; k < g->routes[r].nupstreams; k++)
			health_check(&g->routes[r].upstreams[k]);
	h2o_timeout_link(g->w->loop, &g->health_timeout, &g->health_entry);
}

/* --- set-up --- */

int
gw_upstreams_start(struct gw_worker *g)
{
	h2o_timeout_init(g->w->loop, &g->idle_timeout, gw.idle_timeout_ms);
	for (int r = 0; r < gw.nroutes; r++) {
		const struct gw_route *rt = &gw.routes[r];
		struct gw_route_state *rs = &g->routes[r];

		h2o_timeout_init(g->w->loop, &rs->io_timeout, rt->timeout_ms);
		if (rt->websocket)
			h2o_timeout_init(g->w->loop, &rs->websocket_timeout, gw.websocket_timeout_ms);
		rs->nupstreams = rt->nupstreams;
		for (int k = 0; k < rt->nupstreams; k++) {
			struct gw_upstream *u = &rs->upstreams[k];

			u->spec = &rt->upstreams[k];
			u->gwk = g;
			u->route = r;
			u->ready = true;	/* until /readyz says otherwise */
			u->answering = true;
			u->failures = rt->upstream_failures;
			fwd_pool_init(&u->pool, g->w->loop, (const struct sockaddr *)&u->spec->addr.ss,
			    (socklen_t)u->spec->addr.len, u->spec->authority, &g->idle_timeout);
		}
	}
	if (gw.health_interval_ms > 0) {
		h2o_timeout_init(g->w->loop, &g->health_timeout, gw.health_interval_ms);
		g->health_entry.cb = health_check_all;
		h2o_timeout_link(g->w->loop, &g->health_timeout, &g->health_entry);
	}
	return 0;
}

void
gw_upstreams_stop(struct gw_worker *g)
{
	if (gw.health_interval_ms > 0 && h2o_timeout_is_linked(&g->health_entry))
		h2o_timeout_unlink(&g->health_entry);
	for (int r = 0; r < gw.nroutes; r++)
		for (int k = 0; k < g->routes[r].nupstreams; k++) {
			struct gw_upstream *u = &g->routes[r].upstreams[k];

			if (u->check != NULL) {
				httpc_abandon(u->check);
				u->check = NULL;
			}
			fwd_pool_close(&u->pool);
		}
}
