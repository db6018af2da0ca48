/*
 * shmsets: the frame of a table shared by a daemon's workers, as
 * lib/ratelimit and lib/usercount keep theirs: one MAP_SHARED anonymous
 * mapping the master makes before it forks, a header, then a power of two
 * of equal sets, each guarded by a spinlock of its own (a 32-bit word at
 * the set's start).  What a set holds and how a key picks its set is the
 * caller's.
 *
 * Guarantees:
 * - shmsets_map() gives zero-filled memory: every set empty, every lock
 *   free; nothing to initialise.
 * - shmsets_lock() makes no system call except sched_yield() while
 *   another process holds the lock; nothing here allocates or logs.
 */
#ifndef QUILL_SHMSETS_H
#define QUILL_SHMSETS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A mapping of `header` bytes and then enough sets of `set_size` bytes,
 * `ways` entries each, for `entries` entries: the number of sets is the
 * least power of two that holds them.  Sets *nsets and *mapsize (give
 * *mapsize to munmap()).  NULL with errno EINVAL when entries is 0 or
 * above max_entries, or the size does not fit; errno from mmap() else.
 */
void *shmsets_map(size_t entries, size_t max_entries, size_t ways, size_t header, size_t set_size,
    size_t *nsets, size_t *mapsize);

/* Takes a set's lock, spinning (and yielding) until it is free. */
void shmsets_lock(uint32_t *lock);
void shmsets_unlock(uint32_t *lock);

#endif
