/*
 * tap.h: the few TAP helpers the unit tests need.  Each test program prints
 * "ok N - what" or "not ok N - what" per check and a plan at the end, and
 * exits non-zero when any check failed.
 */
#ifndef QUILL_TAP_H
#define QUILL_TAP_H

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int tap_count, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *what)
{
	tap_count++;
	if (!cond) {
		tap_failed++;
		printf("not ok %d - %s\n#   at %s:%d\n", tap_count, what, file, line);
	} else
		printf("ok %d - %s\n", tap_count, what);
	fflush(stdout);
	return cond;
}

#define ok(cond, what) tap_ok(!!(cond), __FILE__, __LINE__, (what))
#define is_int(got, want, what) do {						\
	long long g_ = (got), w_ = (want);					\
	if (!ok(g_ == w_, what))						\
		printf("#   got %lld, want %lld\n", g_, w_);			\
} while (0)
#define is_str(got, want, what) do {						\
	const char *g_ = (got), *w_ = (want);					\
	int same_ = (g_ == NULL && w_ == NULL) ||				\
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);			\
	if (!ok(same_, what))							\
		printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");					\
} while (0)

/* Skips one check, counted as passed, with the reason. */
static inline void skip(const char *why)
{
	printf("ok %d - # SKIP %s\n", ++tap_count, why);
}

/* Skips the whole program (prints a plan of 0 with the reason). */
#define skip_all(reason) do {							\
	printf("1..0 # SKIP %s\n", (reason));					\
	exit(0);								\
} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed == 0 ? 0 : 1;
}

#endif
