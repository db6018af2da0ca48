/*
 * usercount: see usercount.h.
 *
 * The table is `nsets` sets of SET_WAYS slots, each slot one (user,
 * process, count).  A user's slots all live in the set its id picks, so
 * "sum this user's counts, then add one" is done under that set's lock
 * alone: the bounded probe is the set, as in lib/ratelimit.
 *
 * The mapping and its locks are lib/shmsets': 32-bit words taken by
 * atomic exchange (the mapping starts zeroed: unlocked).  A critical section is a scan of the
 * set's slots with no call in it, so a process killed while holding one
 * is not a case worth robust-lock machinery.  Sets start on cache lines of
 * their own.
 */
#ifndef _GNU_SOURCE
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS when built alone with -std=c11 */
#endif

#include <stdalign.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/shmsets.h"
#include "lib/usercount.h"

#define SET_WAYS		16
#define CACHE_LINE		64
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
	size_t nsets, size;

	uc = shmsets_map(entries, MAX_ENTRIES, SET_WAYS, sizeof(*uc), sizeof(struct set), &nsets, &size);
	if (uc == NULL)
		return NULL;
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

	shmsets_lock(&s->lock);
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
	shmsets_unlock(&s->lock);
	return r;
}

void
usercount_release(struct usercount *uc, const unsigned char user[USERCOUNT_ID_LEN], pid_t pid)
{
	struct set *s = set_of(uc, user);

	shmsets_lock(&s->lock);
	for (int i = 0; i < SET_WAYS; i++) {
		struct slot *e = &s->slot[i];

		if (e->pid == (int32_t)pid && memcmp(e->user, user, USERCOUNT_ID_LEN) == 0) {
			/* a count already forgotten (pid reused after a death) stays at zero */
			if (e->count > 0 && --e->count == 0)
				memset(e, 0, sizeof(*e));
			break;
		}
	}
	shmsets_unlock(&s->lock);
}

void
usercount_forget_pid(struct usercount *uc, pid_t pid)
{
	for (size_t n = 0; n < uc->nsets; n++) {
		struct set *s = &uc->sets[n];

		shmsets_lock(&s->lock);
		for (int i = 0; i < SET_WAYS; i++)
			if (s->slot[i].pid == (int32_t)pid)
				memset(&s->slot[i], 0, sizeof(s->slot[i]));
		shmsets_unlock(&s->lock);
	}
}

unsigned
usercount_held(struct usercount *uc, const unsigned char user[USERCOUNT_ID_LEN])
{
	struct set *s = set_of(uc, user);
	unsigned held = 0;

	shmsets_lock(&s->lock);
	for (int i = 0; i < SET_WAYS; i++)
		if (s->slot[i].pid != 0 && memcmp(s->slot[i].user, user, USERCOUNT_ID_LEN) == 0)
			held += s->slot[i].count;
	shmsets_unlock(&s->lock);
	return held;
}
