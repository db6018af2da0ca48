/*
 * test_usercount: per-user places shared by processes, and given back by
 * a process that ends.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/usercount.h"
#include "tests/unit/tap.h"

static void
user_id(unsigned char id[USERCOUNT_ID_LEN], int n)
{
	memset(id, 0, USERCOUNT_ID_LEN);
	id[0] = (unsigned char)n;
	id[15] = (unsigned char)(n >> 8);
}

/*
 * In a child: takes up to `tries` places of user u and exits with how
 * many it got; with a pipe, only once its other end is closed.
 */
static pid_t
child_taking(struct usercount *uc, const unsigned char *u, int tries, unsigned limit, const int *hold)
{
	pid_t pid = fork();
	int got = 0, hold_fd = -1;
	char c;

	if (pid != 0)
		return pid;
	if (hold != NULL) {
		close(hold[1]);
		hold_fd = hold[0];
	}

	for (int i = 0; i < tries; i++)
		got += usercount_take(uc, u, getpid(), limit) == USERCOUNT_TAKEN;
	if (hold_fd >= 0)
		(void)!read(hold_fd, &c, 1);	/* hold the places until told */
	_exit(got);
}

int
main(void)
{
	struct usercount *uc = usercount_create(1024), *tiny;
	unsigned char a[USERCOUNT_ID_LEN], b[USERCOUNT_ID_LEN];
	int status, total = 0, hold[2];
	pid_t kids[4];

	ok(usercount_create(0) == NULL, "a table of no entries is refused");
	if (!ok(uc != NULL, "a table is mapped"))
		return done_testing();
	user_id(a, 1);
	user_id(b, 2);

	is_int(usercount_take(uc, a, 100, 3), USERCOUNT_TAKEN, "a first place");
	is_int(usercount_take(uc, a, 100, 3), USERCOUNT_TAKEN, "a second");
	is_int(usercount_take(uc, a, 101, 3), USERCOUNT_TAKEN, "a third, by another process");
	is_int(usercount_take(uc, a, 101, 3), USERCOUNT_AT_LIMIT, "a fourth is over the limit, whichever process asks");
	is_int(usercount_take(uc, b, 100, 3), USERCOUNT_TAKEN, "another user is counted apart");
	is_int(usercount_held(uc, a), 3, "the user holds three");
	usercount_release(uc, a, 101);
	is_int(usercount_held(uc, a), 2, "a release gives one back");
	is_int(usercount_take(uc, a, 100, 3), USERCOUNT_TAKEN, "  which can be taken again");
	usercount_forget_pid(uc, 100);
	is_int(usercount_held(uc, a), 0, "forgetting a process gives back all it held");
	is_int(usercount_held(uc, b), 0, "  for every user");
	usercount_release(uc, a, 100);
	is_int(usercount_held(uc, a), 0, "a release after that changes nothing");

	/* four processes race for ten places of one user, 20 tries each */
	for (int i = 0; i < 4; i++)
		kids[i] = child_taking(uc, a, 20, 10, NULL);
	for (int i = 0; i < 4; i++) {
		waitpid(kids[i], &status, 0);
		total += WIFEXITED(status) ? WEXITSTATUS(status) : 100;
	}
	is_int(total, 10, "four processes racing get exactly the limit between them");
	is_int(usercount_held(uc, a), 10, "  and the parent sees them, in the shared table");
	for (int i = 0; i < 4; i++)
		usercount_forget_pid(uc, kids[i]);
	is_int(usercount_held(uc, a), 0, "  until the master forgets the ended processes");

	if (pipe(hold) == 0) {
		pid_t k = child_taking(uc, b, 2, 5, hold);

		close(hold[0]);
		for (int i = 0; i < 100 && usercount_held(uc, b) < 2; i++)
			usleep(10000);
		is_int(usercount_held(uc, b), 2, "a live child's places are seen by its parent");
		close(hold[1]);
		waitpid(k, &status, 0);
		usercount_forget_pid(uc, k);
		is_int(usercount_held(uc, b), 0, "  and given back once it has ended");
	}

	tiny = usercount_create(16);	/* one set of 16 */
	for (int i = 0; i < 16; i++) {
		unsigned char u[USERCOUNT_ID_LEN];

		user_id(u, 10 + i);
		usercount_take(tiny, u, 1, 5);
	}
	user_id(b, 99);
	is_int(usercount_take(tiny, b, 1, 5), USERCOUNT_NO_ROOM, "a full table says so, and counts nothing");
	is_int(usercount_held(tiny, b), 0, "  nothing held");
	usercount_destroy(tiny);

	/*
	 * A user's pairs share one set of 16: the user's 17th process finds
	 * no room although the table of 1024 holds only 16 pairs.
	 */
	for (pid_t p = 1; p <= 16; p++)
		usercount_take(uc, a, p, 100);
	is_int(usercount_held(uc, a), 16, "a user held by 16 processes: 16");
	is_int(usercount_take(uc, a, 17, 100), USERCOUNT_NO_ROOM,
	    "  a 17th process: no room, the user's set is full and the table is not");
	is_int(usercount_take(uc, a, 1, 100), USERCOUNT_TAKEN, "  one of the 16 can still take more");
	for (pid_t p = 1; p <= 16; p++)
		usercount_forget_pid(uc, p);
	usercount_destroy(uc);
	return done_testing();
}
