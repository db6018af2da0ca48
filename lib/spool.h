/*
 * spool: the OCR queue as directories, in the manner of maildir and
 * Postfix's maildrop.  The directory a file is in is its state, and
 * rename(2) within one file system is the only transition:
 *
 *   tmp/<job>.<pid>.<host>   being written by quill-ocrd or a drop-in pickup
 *   new/<job>                complete and fsync'd, waiting for a worker
 *   cur/<job>.<pid>          claimed by the worker with that pid
 *   done/<job>               processed, kept for the retention period
 *   failed/<job>             given up, with failed/<job>.reason beside it
 *   incoming/[<user>/]<any>  drop-in: files put here by people or scripts
 *
 * So a crash at any point loses nothing: a file in tmp/ was never
 * acknowledged, one in new/ waits, and one in cur/ whose worker is dead
 * goes back to new/ (spool_recover).  Two workers never hold the same
 * file, because only one rename out of new/ can succeed.
 *
 * A spool file is self-contained: a short text header (job id, owner,
 * image type, size, sha256, original name, idempotency key, source,
 * time) and then the image bytes, so one rename moves a job and all it
 * needs, and a job can wait here while PostgreSQL is away.
 *
 * Nothing here blocks on anything but the local disk.
 */
#ifndef QUILL_SPOOL_H
#define QUILL_SPOOL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "lib/direct_write.h"
#include "lib/uuid.h"

enum spool_dir {
	SPOOL_TMP,
	SPOOL_NEW,
	SPOOL_CUR,
	SPOOL_DONE,
	SPOOL_FAILED,
	SPOOL_INCOMING,
	SPOOL_NDIRS
};

#define SPOOL_NAME_MAX		128	/* every name the spool makes fits */
#define SPOOL_FILENAME_MAX	255	/* an upload's original name, bytes */
#define SPOOL_KEY_MAX		255	/* an Idempotency-Key, bytes */
#define SPOOL_HEADER_MAX	4096

struct spool {
	int dir_fd[SPOOL_NDIRS];
	char host[64];		/* for tmp/ names; no '.' or '/' */
	struct direct_stage stage;	/* spool_deliver's writes */
};

/* What travels with a job.  Strings are NUL-terminated copies. */
struct spool_meta {
	char job_id[UUID_STR_LEN + 1];
	char user_id[UUID_STR_LEN + 1];
	char type[16];				/* lib/imagetype name: "png" */
	char filename[SPOOL_FILENAME_MAX + 1];	/* "" when none was given */
	char idempotency_key[SPOOL_KEY_MAX + 1];	/* "" when none */
	char source[16];			/* "upload" or "dropin" */
	int64_t created_us;			/* when it was accepted */
	uint64_t size;				/* of the image, set by spool_deliver */
	char sha256[65];			/* of the image, set by spool_deliver */
};

/* A spool file mapped for reading: the header parsed, the image a slice. */
struct spool_file {
	struct spool_meta meta;
	const unsigned char *image;	/* meta.size bytes */
	void *map;
	size_t map_len;
};

/*
 * Opens (creating what is missing, mode 0770) the six directories under
 * path.  Returns 0, or -1 with a line in err.
 */
int spool_open(struct spool *s, const char *path, char *err, size_t errsize);
void spool_close(struct spool *s);
const char *spool_dir_name(enum spool_dir d);

/* The lower-case hex SHA-256 of data, as the header records it; 0 or -1. */
int spool_sha256(const void *data, size_t len, char hex[65]);

/*
 * Writes the header and len bytes of data to tmp/, fsyncs it, renames it
 * to new/<m->job_id> and fsyncs new/.  Sets m->size and m->sha256 first.
 * Returns 0, or -1 with errno set (ENOSPC or EDQUOT: the disk is full)
 * and nothing left behind in tmp/ or new/.
 */
int spool_deliver(struct spool *s, struct spool_meta *m, const void *data, size_t len);

/*
 * Claims new/<job> for the worker pid by renaming it to cur/<job>.<pid>,
 * whose name goes to cur_name.  Returns 0 when claimed, 1 when the file
 * is gone (another worker was first), -1 on error.
 */
int spool_claim(struct spool *s, const char *job, pid_t pid, char cur_name[SPOOL_NAME_MAX]);

/*
 * The oldest job in new/ whose time has come: a file's mtime is when it
 * may run (spool_requeue_at sets it in the future to defer a retry, as
 * Postfix's deferred queue does).  Returns 0 with its id in job, 1 when
 * nothing is due, -1 when new/ cannot be read.
 */
int spool_next(struct spool *s, time_t now, char job[UUID_STR_LEN + 1]);

/* Moves cur/<cur_name> back to new/ (a transient failure), to done/, or to failed/. */
int spool_requeue(struct spool *s, const char *cur_name);
/* Back to new/, not to be taken before not_before. */
int spool_requeue_at(struct spool *s, const char *cur_name, time_t not_before);
int spool_finish(struct spool *s, const char *cur_name);
/* Writes failed/<job>.reason (one line) before the rename, so the reason is never missing. */
int spool_fail(struct spool *s, const char *cur_name, const char *reason);

/*
 * Moves every cur/ file claimed by pid back to new/, or every one when
 * pid is 0 (no worker is alive: a master starting up).  Returns how many
 * were moved, or -1 when cur/ cannot be read.
 */
int spool_recover(struct spool *s, pid_t pid);

/* Maps dir/name and parses its header.  Returns 0, or -1 (errno; EINVAL: not a spool file). */
int spool_map(struct spool *s, enum spool_dir dir, const char *name, struct spool_file *f);
void spool_unmap(struct spool_file *f);

/*
 * The names the spool makes, taken apart.  Returns 0 when name is one dir
 * can hold: new/, done/, failed/ "<job>"; cur/ "<job>.<pid>"; tmp/
 * "<job>.<pid>.<host>".  job gets the id, pid the pid (0 where none).
 */
int spool_name_parse(enum spool_dir dir, const char *name, char job[UUID_STR_LEN + 1], pid_t *pid);

/*
 * Opens parent/name for reading its entries ("." for parent itself, with
 * its own position, so a kept descriptor is never disturbed); a symbolic
 * link is not followed.  NULL with errno on failure.
 */
DIR *spool_opendir(int parent, const char *name);

/* Files in dir (not counting failed/'s .reason files), or -1. */
long spool_count(struct spool *s, enum spool_dir dir);

/*
 * Removes files of dir older than max_age_s seconds: done/ after the
 * retention period, tmp/ leftovers of crashed writers (a day or more).
 * Returns how many, or -1.
 */
int spool_expire(struct spool *s, enum spool_dir dir, int64_t max_age_s);

/*
 * Notes on a job's lost attempts.  When a worker is killed or dies in
 * the middle of a job, the master writes why ("timeout: ...") with
 * spool_note_lost() before the job's file goes back to new/; the next
 * attempt takes it with spool_take_lost(), and the attempt that gives up
 * records it as the job's reason.  A note is cur/.<job>.lost: the leading
 * dot keeps it out of every scan and count of cur/.  job must be a UUID.
 * Returns 0, or -1 with errno.
 */
int spool_note_lost(struct spool *s, const char *job, const char *why);
/* Reads and removes job's note into buf (one line); 1 when there was one, 0 when none, -1 on error. */
int spool_take_lost(struct spool *s, const char *job, char *buf, size_t size);
/*
 * Removes notes older than max_age_s seconds: those of jobs deleted or
 * finished before another attempt took them.  Returns how many, or -1.
 */
int spool_expire_lost(struct spool *s, int64_t max_age_s);

/* Header text for m into buf; returns its length, or -1 when it does not fit. */
int spool_header_format(const struct spool_meta *m, char *buf, size_t size);
/* Parses a header at the start of buf; returns its length (the image's offset), or -1. */
int spool_header_parse(const char *buf, size_t len, struct spool_meta *m);

#endif
