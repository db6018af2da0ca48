/*
 * gateway.h: what the files of quill-gatewayd share.
 *
 * The route table (struct gw_config) is read from the [route.NAME]
 * sections by the master, at start and on every reload, and inherited by
 * the workers it forks.  Each worker keeps its own upstream state (the
 * connection pools, requests in flight, cool-downs, readiness) in struct
 * gw_worker; what must hold across workers, the rate-limit buckets, lives
 * in lib/ratelimit's shared table.
 */
#ifndef QUILL_GATEWAY_H
#define QUILL_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <h2o.h>

#include "bin/quill-gatewayd/forward.h"
#include "lib/listen.h"
#include "lib/metrics.h"
#include "lib/netmask.h"
#include "lib/ratelimit.h"

struct config;
struct http_request;
struct router;
struct worker;

#define GW_MAX_ROUTES 32
#define GW_MAX_PREFIXES 8
#define GW_MAX_UPSTREAMS 16
#define GW_MAX_PROXIES 32
#define GW_MAX_ORIGINS 32

struct gw_upstream_spec {
	char spec[128];			/* as configured: "127.0.0.1:8001", "unix:/run/x.sock" */
	struct listen_addr addr;
	char authority[80];		/* the Host header it is sent: "127.0.0.1:8001" */
};

struct gw_route {
	char name[64];			/* "auth", of [route.auth] */
	char prefixes[GW_MAX_PREFIXES][128];
	int nprefixes;
	struct gw_upstream_spec upstreams[GW_MAX_UPSTREAMS];
	int nupstreams;
	bool least_conn;
	bool public;
	bool websocket;
	uint64_t timeout_ms;
	size_t max_body;
	struct ratelimit_rule rate_ip, rate_user;
	metrics_id limited_ip, limited_user, upstream_failures;
};

struct gw_config {
	struct gw_route routes[GW_MAX_ROUTES];
	int nroutes;
	struct netmask proxies[GW_MAX_PROXIES];
	int nproxies;
	/* CORS */
	char origins[GW_MAX_ORIGINS][128];
	int norigins;
	bool any_origin;
	bool cors_credentials;
	char cors_methods[256], cors_headers[256], cors_max_age[24];
	uint64_t cooldown_ms, health_interval_ms, idle_timeout_ms, websocket_timeout_ms;
};

/* The table every worker forked from now on uses. */
extern struct gw_config gw;
/* Router index -> route index, for the proxied prefixes; -1 elsewhere. */
extern int gw_route_of_router_index[];
extern struct ratelimit *gw_limits;

/* routes.c: reads [gateway] and the [route.NAME] sections into out. */
int gw_config_read(const struct config *cfg, struct gw_config *out, char *err, size_t errsize);
/* Whether two tables have the same routes and prefixes (the router is fixed at start). */
bool gw_config_same_routes(const struct gw_config *a, const struct gw_config *b);

/* client.c: the address a request came from, proxies in front considered. */
struct gw_client_addr {
	int family;
	unsigned char addr[16];
	size_t len;			/* 4, 16, or 0 when unknown (a unix socket) */
	bool via_trusted_proxy;		/* the peer is one of trusted_proxies */
};
void gw_client_addr(h2o_req_t *req, struct gw_client_addr *out);

/* cors.c */
/* Answers a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method); false if it is not one. */
bool gw_cors_preflight(struct http_request *hr);
/* Adds the CORS headers of an allowed origin to a response. */
void gw_cors_headers(h2o_req_t *req);

/* upstream.c: per worker */
struct gw_upstream {
	const struct gw_upstream_spec *spec;
	struct fwd_pool pool;		/* its keep-alive connections (pool.c) */
	size_t inflight;
	uint64_t cooldown_until;	/* loop time (ms); skipped until then */
	uint64_t failed_at;		/* loop time of the last failure */
	uint64_t check_started_at;	/* loop time the last /readyz was asked */
	bool ready;			/* as its last /readyz said */
	bool answering;			/* /readyz had an answer, 200 or not, lately */
	int unanswered;			/* /readyz asked in a row without an answer */
	struct httpc_call *check;	/* the /readyz in flight */
	struct gw_worker *gwk;
	int route;
	metrics_id failures;
};

struct gw_route_state {
	struct gw_upstream upstreams[GW_MAX_UPSTREAMS];
	int nupstreams;
	unsigned rr;
	h2o_timeout_t io_timeout;		/* the route's timeout */
	h2o_timeout_t websocket_timeout;	/* initialised on a websocket route only */
};

struct gw_worker {
	struct worker *w;
	struct gw_route_state routes[GW_MAX_ROUTES];
	h2o_timeout_t health_timeout;
	h2o_timeout_entry_t health_entry;
	h2o_timeout_t idle_timeout;		/* upstream_idle_timeout, for every pool */
};

int gw_upstreams_start(struct gw_worker *g);
void gw_upstreams_stop(struct gw_worker *g);
/* An upstream of the route to send a request to, or NULL when none can take it now. */
struct gw_upstream *gw_upstream_pick(struct gw_worker *g, int route);
/* The upstream did not answer: skipped for the cool-down. */
void gw_upstream_failed(struct gw_upstream *u, const char *why, size_t why_len);
/* Milliseconds until some upstream of the route leaves its cool-down (for Retry-After). */
uint64_t gw_upstream_retry_ms(struct gw_worker *g, int route);

/* proxy.c */
void gw_proxy(struct http_request *hr);
void gw_on_response(h2o_req_t *req);

/* docs.c: /openapi.json and /docs, loaded by the master. */
int gw_docs_load(const struct config *cfg, char *err, size_t errsize);
void gw_docs_add_routes(struct router *r);

/* tls.c */
int gw_tls_load(const struct config *cfg, char *err, size_t errsize);
SSL_CTX *gw_tls_context(void);

#endif
