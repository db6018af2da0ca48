/*
 * test_direct_write: files written past the page cache hold exactly the
 * bytes given, whatever their length against the block size and the
 * staging buffer, on the disk and on tmpfs; and a file that refuses
 * O_DIRECT is written all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/direct_write.h"
#include "tests/unit/tap.h"

#define MiB (1 << 20)

static unsigned char *pattern;	/* 4 MiB of bytes that show where each came from */

/* 1 when the file at path is exactly head then body. */
static int
holds(const char *path, const unsigned char *head, size_t hlen, const unsigned char *body, size_t blen)
{
	struct stat st;
	unsigned char *got;
	int fd = open(path, O_RDONLY), same;

	if (fd == -1 || fstat(fd, &st) != 0 || (size_t)st.st_size != hlen + blen) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	got = malloc(hlen + blen + 1);
	same = got != NULL && read(fd, got, hlen + blen + 1) == (ssize_t)(hlen + blen) &&
	    memcmp(got, head, hlen) == 0 && memcmp(got + hlen, body, blen) == 0;
	free(got);
	close(fd);
	return same;
}

/* Writes a header of hlen bytes and a body of blen into a new file in dir. */
static int
write_one(struct direct_stage *st, const char *dir, size_t hlen, size_t blen, int open_flags)
{
	char path[512];
	struct iovec parts[2] = {
		{ .iov_base = pattern + 3 * MiB, .iov_len = hlen },
		{ .iov_base = pattern, .iov_len = blen },
	};
	int fd, rc;

	snprintf(path, sizeof(path), "%s/f-%zu-%zu", dir, hlen, blen);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | open_flags, 0600)) == -1)
		return 0;
	rc = direct_write(st, fd, parts, 2) == 0 && fsync(fd) == 0;
	close(fd);
	rc = rc && holds(path, pattern + 3 * MiB, hlen, pattern, blen);
	unlink(path);
	return rc;
}

static void
test_lengths(const char *where, const char *dir)
{
	static const size_t bodies[] = {
		0, 1, 4095, 4096, 4097, MiB - 300, MiB - 1, MiB, MiB + 1, 3 * MiB - 7,
	};
	struct direct_stage st = { 0 };
	char what[160];
	int good = 0;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		if (write_one(&st, dir, 300, bodies[i], 0))
			good++;
		else
			printf("#   %s: header 300 + body %zu bytes differs\n", where, bodies[i]);
	}
	snprintf(what, sizeof(what), "%s: 10 lengths around the block and the buffer come back exact", where);
	is_int(good, 10, what);
	snprintf(what, sizeof(what), "%s: an empty file stays empty", where);
	ok(write_one(&st, dir, 0, 0, 0), what);
	snprintf(what, sizeof(what), "%s: a body alone, no header", where);
	ok(write_one(&st, dir, 0, 2 * MiB + 4096, 0), what);
	direct_stage_free(&st);
	ok(st.buf == NULL, "the staging buffer is freed");
}

int
main(void)
{
	char disk[] = "./quill-test-direct.XXXXXX", shm[] = "/dev/shm/quill-test-direct.XXXXXX";
	struct direct_stage st = { 0 };
	int fd;

	if ((pattern = malloc(4 * MiB)) == NULL)
		return 1;
	for (size_t i = 0; i < 4 * MiB; i++)
		pattern[i] = (unsigned char)(i * 131 + i / 4096);
	if (mkdtemp(disk) == NULL)
		return 1;
	test_lengths("the build directory's file system", disk);

	/* a read-only descriptor: the error comes back, nothing crashes */
	{
		char path[600];

		snprintf(path, sizeof(path), "%s/ro", disk);
		close(open(path, O_WRONLY | O_CREAT, 0600));
		fd = open(path, O_RDONLY);
		struct iovec part = { .iov_base = pattern, .iov_len = 10 };
		ok(direct_write(&st, fd, &part, 1) == -1 && errno == EBADF, "a read-only file is refused with EBADF");
		close(fd);
		unlink(path);
	}
	direct_stage_free(&st);
	rmdir(disk);

	if (mkdtemp(shm) == NULL)
		printf("# /dev/shm is not writable here: tmpfs part skipped\n");
	else {
		test_lengths("tmpfs", shm);
		rmdir(shm);
	}
	free(pattern);
	return done_testing();
}
