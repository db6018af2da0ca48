/*
 * metrics: counters and latency histograms in one MAP_SHARED segment made
 * by the master before it forks, rendered as Prometheus text by any worker.
 *
 * Each worker slot has its own copy of every series, so workers never
 * contend for a cache line; /metrics sums the slots.  A restarted worker
 * takes over the slot of the one it replaces and keeps adding to it, so
 * counters never go backwards.
 *
 * Series are registered before fork (the set of routes is known at start);
 * registering after metrics_freeze() is a programming error.
 */
#ifndef QUILL_METRICS_H
#define QUILL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_SERIES 1024	/* 6 per route: 128 routes fit */
#define METRICS_MAX_WORKERS 1024	/* two generations of the largest worker count */
#define METRICS_BUCKETS 12	/* latency bucket upper bounds in metrics.c */

typedef int metrics_id;

enum metrics_kind { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

/* name is a Prometheus metric name; labels is "" or 'route="/x",code="2xx"'. */
metrics_id metrics_register(enum metrics_kind kind, const char *name, const char *labels, const char *help);
/* Maps the segment for nworkers slots; after this no series may be added. */
int metrics_freeze(int nworkers);
/* The calling worker's slot (0..nworkers-1), set once after fork. */
void metrics_set_slot(int slot);
/* Number of slots mapped by metrics_freeze(). */
int metrics_slots(void);
/* Zeroes the gauges of a slot whose worker died (its gauges would stay stale). */
void metrics_clear_gauges(int slot);

void metrics_add(metrics_id id, uint64_t n);
void metrics_gauge_set(metrics_id id, int64_t value);
void metrics_observe_us(metrics_id id, uint64_t microseconds);

/* Prometheus text exposition of every series summed over slots; returns a malloc'd buffer. */
char *metrics_render(size_t *len);

#endif
