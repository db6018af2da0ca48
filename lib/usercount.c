/*
 * usercount: see usercount.h.
 *
 * The table is `nsets` sets of SET_WAYS slots, each slot one (user,
 * process, count).  A user's slots all live in the set its id picks, so
 * "sum this user's counts, then add one" is done under that set's lock
 * alone: the bounded probe is the set, as in lib/ratelimit.
 *
 * Locks are 32-bit words in the mapping taken by atomic exchange (the
 * mapping starts zeroed: unlocked).  A critical section is a scan of the
 * set's slots with no call in it, so a process killed while holding one
 * is not a case worth robust-lock machinery.  Sets start on cache lines of
 * their own.
 */
#ifndef _GNU_SOURCE
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS when built alone with -std=c11 */
#endif

#include <errno.h>
#include <sched.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/usercount.h"

#define SET_WAYS		16
#define CACHE_LINE		64
#define SPINS_BEFORE_YIELD	256
#define MAX_ENTRIES		((size_t)1 << 24)

struct slot {
	unsigned char user[USERCOUNT_ID_LEN];
	int32_t pid;		/* 0: free */
	uint32_t count;
};

struct set {
	alignas(CACHE_LINE) uint32_t lock;
	struct slot slot[SET_WAYS];
};

struct usercount {
	size_t nsets;		/* a power of two */
	size_t mapsize;
	struct set sets[];
};

static void
lock(struct set *s)
{
	unsigned spins = 0;

	while (__atomic_exchange_n(&s->lock, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&s->lock, __ATOMIC_RELAXED) != 0) {
			if (++spins >= SPINS_BEFORE_YIELD) {
				spins = 0;
				sched_yield();	/* the holder was likely preempted */
			}
		}
	}
}

static void
unlock(struct set *s)
{
	__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
}

/* FNV-1a over the id: user ids are made by quill, not chosen by users. */
static struct set *
set_of(struct usercount *uc, const unsigned char user[USERCOUNT_ID_LEN])
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < USERCOUNT_ID_LEN; i++)
		h = (h ^ user[i]) * 1099511628211ULL;
	return &uc->sets[h & (uc->nsets - 1)];
}

struct usercount *
usercount_create(size_t entries)
{
	struct usercount *uc;
	size_t nsets = 1, size;
	void *p;

	if (entries == 0 || entries > MAX_ENTRIES) {
		errno = EINVAL;
		return NULL;
	}
	while (nsets * SET_WAYS < entries)
		nsets *= 2;
	size = sizeof(*uc) + nsets * sizeof(struct set);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uc = p;
	uc->nsets = nsets;
	uc->mapsize = size;
	return uc;
}

void
usercount_destroy(struct usercount *uc)
{
	if (uc != NULL)
		munmap(uc, uc->mapsize);
}

enum usercount_result
usercount_take(struct usercount *uc, const unsigned char user[USERCOUNT_ID_LEN], pid_t pid, unsigned limit)
{
	struct set *s = set_of(uc, user);
	struct slot *mine = NULL, *free_slot = NULL;
	unsigned held = 0;
	enum usercount_result r;

	lock(s);
	for (int i = 0; i < SET_WAYS; i++) {
		struct slot *e = &s->slot[i];

		if (e->pid == 0) {
			if (free_slot == NULL)
				free_slot = e;
		} else if (memcmp(e->user, user, USERCOUNT_ID_LEN) == 0) {
			held += e->count;
			if (e->pid == (int32_t)pid)
				mine = e;
		}
	}
	if (held >= limit)
		r = USERCOUNT_AT_LIMIT;
	else if (mine != NULL) {
		mine->count++;
		r = USERCOUNT_TAKEN;
	} else if (free_slot != NULL) {
		memcpy(free_slot->user, user, USERCOUNT_ID_LEN);
		free_slot->pid = (int32_t)pid;
		free_slot->count = 1;
		r = USERCOUNT_TAKEN;
	} else
		r = USERCOUNT_NO_ROOM;
	unlock(s);
	return r;
}

void
usercount_release(struct usercount *uc, const unsigned char user[USERCOUNT_ID_LEN], pid_t pid)
{
	struct set *s = set_of(uc, user);

	lock(s);
	for (int i = 0; i < SET_WAYS; i++) {
		struct slot *e = &s->slot[i];

		if (e->pid == (int32_t)pid && memcmp(e->user, user, USERCOUNT_ID_LEN) == 0) {
			/* a count already forgotten (pid reused after a death) stays at zero */
			if (e->count > 0 && --e->count == 0)
				memset(e, 0, sizeof(*e));
			break;
		}
	}
	unlock(s);
}

void
usercount_forget_pid(struct usercount *uc, pid_t pid)
{
	for (size_t n = 0; n < uc->nsets; n++) {
		struct set *s = &uc->sets[n];

		lock(s);
		for (int i = 0; i < SET_WAYS; i++)
			if (s->slot[i].pid == (int32_t)pid)
				memset(&s->slot[i], 0, sizeof(s->slot[i]));
		unlock(s);
	}
}

unsigned
usercount_held(struct usercount *uc, const unsigned char user[USERCOUNT_ID_LEN])
{
	struct set *s = set_of(uc, user);
	unsigned held = 0;

	lock(s);
	for (int i = 0; i < SET_WAYS; i++)
		if (s->slot[i].pid != 0 && memcmp(s->slot[i].user, user, USERCOUNT_ID_LEN) == 0)
			held += s->slot[i].count;
	unlock(s);
	return held;
}
