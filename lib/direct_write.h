/*
 * direct_write: the bytes of a new file written past the page cache.
 *
 * A buffered write of a new file needs page-cache pages the kernel has
 * to find and the machine has to back; where freed memory goes back to
 * the host at once (a VM with free page reporting) that is most of the
 * time of writing 1 MiB, and the spool's files stay queued, so every
 * upload needs new ones (bench/RESULTS.md).  Here the bytes are copied
 * into one staging buffer, kept for the life of the process so its pages
 * stay backed, and written from it with O_DIRECT.  The file's blocks are
 * allocated first with fallocate(2), which also tells a full disk
 * before anything is written.  A file system that refuses O_DIRECT gets
 * ordinary writes.  The caller still fsyncs: O_DIRECT skips the cache,
 * not the disk's own.
 */
#ifndef QUILL_DIRECT_WRITE_H
#define QUILL_DIRECT_WRITE_H

#include <stddef.h>
#include <sys/uio.h>

/* The staging buffer, made on first use; one per process that writes. */
struct direct_stage {
	unsigned char *buf;
};

/*
 * Writes the parts one after the other into fd, a new empty regular file
 * open for writing, so that it ends up exactly their total size.
 * Returns 0, or -1 with errno set (ENOSPC or EDQUOT when the disk is
 * full).
 */
int direct_write(struct direct_stage *st, int fd, const struct iovec *parts, int nparts);

void direct_stage_free(struct direct_stage *st);

#endif
