/*
 * metrics: per-worker slots of 64-bit cells in one shared mapping.
 *
 * Series descriptions live in ordinary memory, filled before fork and so
 * identical in every worker.  Only the cells are shared.  Each worker
 * writes only its own slot; readers sum all slots.  With one writer per
 * cell an update needs no locked instruction: a relaxed load and store are
 * enough for a scrape in another process to see whole values.
 *
 * A histogram takes METRICS_BUCKETS + 2 cells: per-bucket counts (not
 * cumulative; summed and accumulated when rendered), the sum in
 * microseconds, and the count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/metrics.h"
#include "lib/strbuf.h"
#include "lib/log.h"

/* Bucket upper bounds in microseconds (0.5 ms .. 2.5 s). */
static const uint64_t bucket_us[METRICS_BUCKETS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
};

struct series {
	enum metrics_kind kind;
	char name[64];
	char labels[160];
	const char *help;
	size_t cell;		/* first cell */
};

static struct series series[METRICS_MAX_SERIES];
static int nseries;
static size_t ncells;		/* cells per slot */
static uint64_t *cells;		/* shared: nslots * ncells */
static int nslots;
static int my_slot;

static size_t
kind_cells(enum metrics_kind kind)
{
	return kind == METRICS_HISTOGRAM ? METRICS_BUCKETS + 2 : 1;
}

metrics_id
metrics_register(enum metrics_kind kind, const char *name, const char *labels, const char *help)
{
	struct series *s;

	if (cells != NULL || nseries == METRICS_MAX_SERIES) {
		log_error("event=metrics_register_refused name=%s", name);
		abort();
	}
	s = &series[nseries];
	s->kind = kind;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->labels, sizeof(s->labels), "%s", labels != NULL ? labels : "");
	s->help = help;
	s->cell = ncells;
	ncells += kind_cells(kind);
	return nseries++;
}

int
metrics_freeze(int nworkers)
{
	size_t size;

	if (cells != NULL || nworkers < 1 || nworkers > METRICS_MAX_WORKERS)
		return -1;
	size = (size_t)nworkers * (ncells > 0 ? ncells : 1) * sizeof(uint64_t);
	cells = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cells == MAP_FAILED) {
		cells = NULL;
		return -1;
	}
	nslots = nworkers;
	return 0;
}

void
metrics_set_slot(int slot)
{
	my_slot = slot;
}

int
metrics_slots(void)
{
	return nslots;
}

static uint64_t *
slot_cell(int slot, metrics_id id)
{
	return &cells[(size_t)slot * ncells + series[id].cell];
}

/* The only writer of its slot adds without a locked instruction. */
static inline void
cell_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

void
metrics_add(metrics_id id, uint64_t n)
{
	if (cells == NULL || id < 0)
		return;
	cell_add(slot_cell(my_slot, id), n);
}

void
metrics_gauge_set(metrics_id id, int64_t value)
{
	if (cells == NULL || id < 0)
		return;
	__atomic_store_n(slot_cell(my_slot, id), (uint64_t)value, __ATOMIC_RELAXED);
}

void
metrics_observe_us(metrics_id id, uint64_t us)
{
	uint64_t *c;
	int b;

	if (cells == NULL || id < 0)
		return;
	c = slot_cell(my_slot, id);
	for (b = 0; b < METRICS_BUCKETS && us > bucket_us[b]; b++)
		;
	if (b < METRICS_BUCKETS)
		cell_add(&c[b], 1);
	cell_add(&c[METRICS_BUCKETS], us);
	cell_add(&c[METRICS_BUCKETS + 1], 1);
}

void
metrics_clear_gauges(int slot)
{
	if (cells == NULL || slot < 0 || slot >= nslots)
		return;
	for (int i = 0; i < nseries; i++)
		if (series[i].kind == METRICS_GAUGE)
			__atomic_store_n(slot_cell(slot, i), 0, __ATOMIC_RELAXED);
}

static uint64_t
sum_cell(metrics_id id, size_t offset)
{
	uint64_t total = 0;

	for (int s = 0; s < nslots; s++)
		total += __atomic_load_n(slot_cell(s, id) + offset, __ATOMIC_RELAXED);
	return total;
}

static const char *
type_name(enum metrics_kind kind)
{
	switch (kind) {
	case METRICS_COUNTER:
		return "counter";
	case METRICS_GAUGE:
		return "gauge";
	default:
		return "histogram";
	}
}

/* Writes `name{labels}` or `name{labels,extra}`, omitting empty braces. */
static void
series_head(struct strbuf *t, const struct series *s, const char *suffix, const char *extra)
{
	const char *sep = s->labels[0] != '\0' && extra != NULL ? "," : "";

	if (s->labels[0] == '\0' && extra == NULL)
		strbuf_printf(t, "%s%s ", s->name, suffix);
	else
		strbuf_printf(t, "%s%s{%s%s%s} ", s->name, suffix, s->labels, sep, extra != NULL ? extra : "");
}

static void
render_histogram(struct strbuf *t, const struct series *s, metrics_id id)
{
	uint64_t cumulative = 0;
	char le[48];

	for (int b = 0; b < METRICS_BUCKETS; b++) {
		cumulative += sum_cell(id, (size_t)b);
		snprintf(le, sizeof(le), "le=\"%g\"", (double)bucket_us[b] / 1e6);
		series_head(t, s, "_bucket", le);
		strbuf_printf(t, "%llu\n", (unsigned long long)cumulative);
	}
	series_head(t, s, "_bucket", "le=\"+Inf\"");
	strbuf_printf(t, "%llu\n", (unsigned long long)sum_cell(id, METRICS_BUCKETS + 1));
	series_head(t, s, "_sum", NULL);
	strbuf_printf(t, "%.6f\n", (double)sum_cell(id, METRICS_BUCKETS) / 1e6);
	series_head(t, s, "_count", NULL);
	strbuf_printf(t, "%llu\n", (unsigned long long)sum_cell(id, METRICS_BUCKETS + 1));
}

char *
metrics_render(size_t *len)
{
	struct strbuf t = { 0 };
	const char *last_name = "";

	strbuf_adds(&t, "");
	for (int i = 0; i < nseries && cells != NULL; i++) {
		const struct series *s = &series[i];

		/* HELP and TYPE once per family; a family's series are registered together. */
		if (strcmp(s->name, last_name) != 0) {
			strbuf_printf(&t, "# HELP %s %s\n# TYPE %s %s\n", s->name, s->help, s->name,
			    type_name(s->kind));
			last_name = s->name;
		}
		if (s->kind == METRICS_HISTOGRAM)
			render_histogram(&t, s, i);
		else if (s->kind == METRICS_GAUGE) {
			series_head(&t, s, "", NULL);
			strbuf_printf(&t, "%lld\n", (long long)sum_cell(i, 0));
		} else {
			series_head(&t, s, "", NULL);
			strbuf_printf(&t, "%llu\n", (unsigned long long)sum_cell(i, 0));
		}
	}
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	*len = t.len;
	return t.p;
}
