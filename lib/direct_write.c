/*
 * direct_write: see direct_write.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/direct_write.h"

#define ALIGN		4096		/* O_DIRECT's buffer, offset and length unit on any disk here */
#define STAGE_SIZE	(1 << 20)	/* a typical upload in one or two writes */

static size_t
round_up(size_t n)
{
	return (n + ALIGN - 1) / ALIGN * ALIGN;
}

/* Clears O_DIRECT: the rest of the file goes through the page cache. */
static int
go_buffered(int fd, bool *direct)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_DIRECT) != 0)
		return -1;
	*direct = false;
	return 0;
}

/*
 * Writes len bytes at off.  A file that refuses a direct write (EINVAL),
 * or takes only part of one (the disk filling up), gets the rest through
 * the page cache, where any length and offset will do.
 */
static int
write_at(int fd, bool *direct, const unsigned char *p, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL && *direct) {
			if (go_buffered(fd, direct) != 0)
				return -1;
			continue;
		}
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		if ((size_t)n < len && *direct && go_buffered(fd, direct) != 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int
direct_write(struct direct_stage *st, int fd, const struct iovec *parts, int nparts)
{
	size_t total = 0, fill = 0;
	off_t off = 0;
	bool direct;
	int flags;

	for (int i = 0; i < nparts; i++)
		total += parts[i].iov_len;
	/* a full disk says so here, before any byte is written; a file system
	   without fallocate is written as it comes */
	if (total > 0) {
		int rc;

		while ((rc = fallocate(fd, 0, 0, (off_t)round_up(total))) != 0 && errno == EINTR)
			;
		if (rc != 0 && errno != EOPNOTSUPP && errno != ENOSYS)
			return -1;
	}
	if (st->buf == NULL && posix_memalign((void **)&st->buf, ALIGN, STAGE_SIZE) != 0) {
		st->buf = NULL;
		errno = ENOMEM;
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	direct = flags != -1 && fcntl(fd, F_SETFL, flags | O_DIRECT) == 0;
	for (int i = 0; i < nparts; i++) {
		const unsigned char *p = parts[i].iov_base;
		size_t left = parts[i].iov_len;

		while (left > 0) {
			size_t n = left < STAGE_SIZE - fill ? left : STAGE_SIZE - fill;

			memcpy(st->buf + fill, p, n);
			fill += n;
			p += n;
			left -= n;
			if (fill == STAGE_SIZE) {
				if (write_at(fd, &direct, st->buf, fill, off) != 0)
					return -1;
				off += (off_t)fill;
				fill = 0;
			}
		}
	}
	if (fill > 0) {
		/* a direct write is whole blocks: the last one is padded, then cut */
		size_t padded = round_up(fill);

		memset(st->buf + fill, 0, padded - fill);
		if (write_at(fd, &direct, st->buf, direct ? padded : fill, off) != 0)
			return -1;
	}
	return ftruncate(fd, (off_t)total);
}

void
direct_stage_free(struct direct_stage *st)
{
	free(st->buf);
	st->buf = NULL;
}
