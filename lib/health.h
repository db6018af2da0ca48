/*
 * health: the routes every daemon serves the same way.
 *
 *   GET /healthz  200 {"status":"ok"} while the worker's loop turns
 *   GET /readyz   200 when the daemon's dependencies answer (its database:
 *                 a real round trip), otherwise 503 naming what is down
 *   GET /metrics  Prometheus text, summed over all workers
 */
#ifndef QUILL_HEALTH_H
#define QUILL_HEALTH_H

struct router;

void health_add_routes(struct router *r);

#endif
