/*
 * shmsets: see shmsets.h.
 *
 * Locks are test-and-test-and-set spinlocks: an atomic exchange to take,
 * and while that fails a spin on a plain load, so waiters do not bounce
 * the holder's cache line.  The critical sections of both users are a scan
 * of one set with no call in it, so a process killed while it holds a
 * lock would have to die within those instructions: not a case worth
 * robust-lock machinery.  After SPINS_BEFORE_YIELD turns the holder was
 * most likely preempted, and the waiter lets it run.
 */
#ifndef _GNU_SOURCE
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS when built alone with -std=c11 */
#endif

#include <errno.h>
#include <sched.h>
#include <sys/mman.h>

#include "lib/shmsets.h"

#define SPINS_BEFORE_YIELD	256

void *
shmsets_map(size_t entries, size_t max_entries, size_t ways, size_t header, size_t set_size,
    size_t *nsets, size_t *mapsize)
{
	size_t n = 1;
	void *p;

	if (entries == 0 || entries > max_entries) {
		errno = EINVAL;
		return NULL;
	}
	while (n * ways < entries)
		n *= 2;
	if (n > (SIZE_MAX - header) / set_size) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, header + n * set_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	*nsets = n;
	*mapsize = header + n * set_size;
	return p;
}

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

void
shmsets_lock(uint32_t *lock)
{
	unsigned spins = 0;

	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(lock, __ATOMIC_RELAXED) != 0) {
			if (++spins < SPINS_BEFORE_YIELD)
				cpu_relax();
			else {
				spins = 0;
				sched_yield();
			}
		}
	}
}

void
shmsets_unlock(uint32_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}
