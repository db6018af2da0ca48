/*
 * evloop_wait.h: for unit tests that drive a libh2o event loop of their own
 * (the file-scope `loop`): a monotonic clock, a bounded wait for a
 * condition, and a bounded spin.  Every wait ends by time, never hangs.
 */
#ifndef QUILL_EVLOOP_WAIT_H
#define QUILL_EVLOOP_WAIT_H

#include <stdint.h>
#include <time.h>

#include <h2o.h>

static h2o_evloop_t *loop;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the loop until cond holds or ms pass; evaluates to cond. */
#define WAIT_FOR(cond, ms) ({							\
	uint64_t deadline_ = now_ms() + (ms);					\
	while (!(cond) && now_ms() < deadline_)					\
		h2o_evloop_run(loop, 10);					\
	(cond);									\
})

/* Runs the loop for ms. */
static inline void
spin(int ms)
{
	uint64_t deadline = now_ms() + ms;

	while (now_ms() < deadline)
		h2o_evloop_run(loop, 10);
}

#endif
