/*
 * usercount: how many of something each user holds at once (open event
 * streams, sockets), counted across all the workers of a daemon in one
 * MAP_SHARED anonymous mapping the master makes before it forks.
 *
 * A count is kept per (user, process), so that when a worker dies the
 * master can give back everything it held with usercount_forget_pid(),
 * and the user is not locked out by places nobody holds any more.  A
 * user's total is the sum over the processes.
 *
 * Guarantees:
 * - usercount_take() is atomic: two workers taking a user's last place at
 *   the same moment cannot both get it.
 * - Nothing blocks for long, allocates or makes a system call (except
 *   sched_yield() while another process holds a lock); nothing logs.
 * - A user's pairs all live in one set of 16 slots picked by the user's
 *   id, so a set can fill while the table as a whole has room.  When the
 *   user's set has no slot left for a new (user, process) pair,
 *   usercount_take() says USERCOUNT_NO_ROOM and counts nothing: the
 *   caller decides (and must then not release).
 */
#ifndef QUILL_USERCOUNT_H
#define QUILL_USERCOUNT_H

#include <stddef.h>
#include <sys/types.h>

#define USERCOUNT_ID_LEN	16	/* a user id's bytes: a UUID */

struct usercount;

enum usercount_result {
	USERCOUNT_TAKEN,	/* counted; release it with usercount_release() */
	USERCOUNT_AT_LIMIT,	/* the user holds `limit` already */
	USERCOUNT_NO_ROOM,	/* the user's set of slots is full, however empty the rest */
};

/*
 * Maps a table of about `entries` (user, process) pairs, shared with every
 * process forked afterwards.  NULL with errno on failure.
 */
struct usercount *usercount_create(size_t entries);
void usercount_destroy(struct usercount *uc);

/* Takes one place of user's for process pid, unless the user holds limit. */
enum usercount_result usercount_take(struct usercount *uc, const unsigned char user[USERCOUNT_ID_LEN],
    pid_t pid, unsigned limit);
/* Gives back one place taken by usercount_take() for the same user and pid. */
void usercount_release(struct usercount *uc, const unsigned char user[USERCOUNT_ID_LEN], pid_t pid);
/* Gives back every place process pid held (it has ended). */
void usercount_forget_pid(struct usercount *uc, pid_t pid);
/* The places user holds now, over every process. */
unsigned usercount_held(struct usercount *uc, const unsigned char user[USERCOUNT_ID_LEN]);

#endif
