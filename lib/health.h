/*
 * health: the routes every daemon serves the same way.
 *
 *   GET /healthz  200 {"status":"ok"} while the worker's loop turns
 *   GET /readyz   200 when the daemon's dependencies answer (its database:
 *                 a real round trip), otherwise 503 naming what is down
 *   GET /metrics  Prometheus text, summed over all workers, only to a peer
 *                 of [http] metrics_allow (403 to others)
 */
#ifndef QUILL_HEALTH_H
#define QUILL_HEALTH_H

struct pg_pool;
struct router;

void health_add_routes(struct router *r);
/* In a worker: the pool /readyz asks (a real round trip); NULL, the default, when there is none. */
void health_set_database(struct pg_pool *db);

#endif
