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
 *   incoming/[<dir>/]<any>   drop-in: files put here by people or scripts
 *                            (the drop-in group writes only here; whose
 *                            jobs they become: bin/quill-ocr-worker/dropin.c)
 *
 * So a crash at any point loses nothing: a file in tmp/ was never
 * acknowledged, one in new/ waits, and one in cur/ whose worker is dead
 * goes back to new/ (spool_recover).  Two workers never hold the same
 * file, because only one rename out of new/ can succeed.
 *
 * A spool file is self-contained: a short text header (job id, owner,
 * image type, size, sha256, original name, idempotency key, source,
 * time, OCR languages) and then the image bytes, so one rename moves a job and all it
 * needs, and a job can wait here while PostgreSQL is away.
 *
 * Nothing here blocks on anything but the local disk.  This is the
 * spool's only boundary: no other code opens, renames or removes a file
 * in it, so the layout and its modes (spool/README) can change here alone.
 */
#ifndef QUILL_SPOOL_H
#define QUILL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "lib/ocr_languages.h"
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

/*
 * Opaque: only lib/spool.c knows the spool's directories.  Callers name a
 * state (enum spool_dir) and a job; this file turns that into a place.
 */
struct spool;

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
	/* lib/ocr_languages set to read it with, "vie+eng"; "" (drop-ins, older files): the worker's default */
	char languages[OCR_LANGUAGES_MAX + 1];
};

/* A spool file mapped for reading: the header parsed, the image a slice. */
struct spool_file {
	struct spool_meta meta;
	const unsigned char *image;	/* meta.size bytes */
	void *map;
	size_t map_len;
};

/*
 * Opens the six directories under path, creating what is missing (the
 * queue's 0750, incoming/ 01730; make install and the quick start give
 * incoming/ and path the drop-in group, spool/README).  Returns the
 * spool, or NULL with a line in err.
 */
struct spool *spool_open(const char *path, char *err, size_t errsize);
/* Closes it; NULL is fine. */
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
/* The same for drop-ins pid had claimed in incoming/ (spool_dropin_claim): back under their names. */
int spool_recover_dropins(struct spool *s, pid_t pid);

/* Removes cur/<cur_name>: its job was deleted while a worker held it. */
int spool_drop(struct spool *s, const char *cur_name);

/*
 * Removes every file of job at rest: new/<job>, done/<job>, failed/<job>
 * and failed/<job>.reason.  A file in cur/ is the worker's that holds it
 * (it drops it on finding the job deleted) and one in tmp/ its writer's.
 * Returns how many were removed, or -1 with errno at the first that was
 * there and could not be.
 */
int spool_remove(struct spool *s, const char *job);

/* The first line of failed/<job>.reason into buf; 0, or -1 (errno, ENOENT: none). */
int spool_reason(struct spool *s, const char *job, char *buf, size_t size);
/* Removes failed/<job>.reason; 0 also when there was none, or -1. */
int spool_reason_remove(struct spool *s, const char *job);

/*
 * Calls found(arg, "dir/name") for each file of job, in the order of its
 * way through the spool (tmp/, new/, cur/, done/, failed/).  Returns how
 * many, or -1 with errno when a directory cannot be read.
 */
int spool_locate(struct spool *s, const char *job, void (*found)(void *arg, const char *where), void *arg);

/*
 * Puts done/<job> or failed/<job> (from) back in new/ to be run now: its
 * mtime set to now (in new/ that is when it may run; if it comes back,
 * its retention starts again), renamed, new/ fsync'd.  0, or -1 with
 * errno and the file where it was.  spool_unrequeue moves it back.
 */
int spool_requeue_from(struct spool *s, enum spool_dir from, const char *job);
int spool_unrequeue(struct spool *s, enum spool_dir to, const char *job);

/* What new/ holds: the oldest file's time, and how many are deferred (their time to come). */
struct spool_waiting {
	time_t oldest;
	long deferred;
	bool any;
};
int spool_waiting(struct spool *s, time_t now, struct spool_waiting *w);

/*
 * Adds inotify watches on new/, incoming/ and incoming/'s directories as
 * they are now (new ones are found by the rescan).  0, or -1 with errno.
 */
int spool_watch(struct spool *s, int inotify_fd);

/*
 * --- drop-ins (bin/quill-ocr-worker/dropin.c has the policy) ---
 *
 * Every entry of incoming/ and of its directories (one level), as
 * spool_dropin_scan shows it to its visitor.  Names starting with '.' are
 * never shown: they are writers' temporary names and claimed files.  The
 * spool_dropin_* calls below act on the entry in hand, during the visit.
 */
struct spool_dropin {
	char dir[256];		/* its directory's name in incoming/, "" at the top */
	struct stat dir_st;	/* that directory's status (incoming/'s at the top) */
	char name[256];
	struct stat st;		/* the entry's own status, links not followed */
	bool claimed;
	char claimed_name[300];
};
/* Visits until visit returns true; returns whether one did. */
bool spool_dropin_scan(struct spool *s, bool (*visit)(void *arg, struct spool_dropin *d), void *arg);
/*
 * Claims the entry for pid by renaming it to ".<name>.quill-<pid>" in its
 * directory, so no other worker takes it.  Returns 0, 1 when it is gone
 * or changed (size, mtime) since it was looked at, -1 with errno.
 */
int spool_dropin_claim(struct spool *s, struct spool_dropin *d, pid_t pid);
/* Puts a claimed entry back under its name. */
int spool_dropin_release(struct spool *s, struct spool_dropin *d);
/* Removes the entry (claimed or not); 0, or -1 with errno (ENOENT: another worker was first). */
int spool_dropin_remove(struct spool *s, struct spool_dropin *d);
/* Moves the claimed entry to failed/<job> with the reason beside it (no account to give a row to). */
int spool_dropin_refuse(struct spool *s, struct spool_dropin *d, const char *job, const char *reason);

enum spool_read {
	SPOOL_READ_OK,
	SPOOL_READ_NOT_REGULAR,	/* a FIFO, a device, a link, a directory: never opened for reading */
	SPOOL_READ_TOO_BIG,	/* over max bytes, by its size or while read */
	SPOOL_READ_CHANGED,	/* another file than the one claimed, or cut short while read */
	SPOOL_READ_ERROR	/* errno says */
};
/*
 * Reads the claimed entry into a new buffer (*data, *len; the caller frees
 * it), with read(2) and never mmap(2): the file's writer can still
 * truncate it, which must give a short read, not a SIGBUS.  Opened with
 * O_NOFOLLOW | O_NONBLOCK and checked on the descriptor, so a link or a
 * FIFO swapped in after the claim neither redirects nor blocks it.
 */
enum spool_read spool_dropin_read(struct spool *s, const struct spool_dropin *d, size_t max, void **data,
    size_t *len);

/*
 * Who may drop files as whom (`quillctl dropin allow`): a record per unix
 * account, in the spool's own directory, read by the workers.
 * spool_dropin_allow records uid (named unix_name) as dropping for the
 * account user_id and makes incoming/<unix_name>/, owned by uid, of the
 * daemons' group, mode 2770.  0, or -1 with errno.
 */
int spool_dropin_allow(struct spool *s, uid_t uid, const char *unix_name, const char *user_id);
/* Forgets uid's record (its directory stays); 0, 1 when there was none, -1. */
int spool_dropin_deny(struct spool *s, uid_t uid);
/* The account uid drops for, and the unix name it was allowed under; 0, 1 when none, -1. */
int spool_dropin_owner(struct spool *s, uid_t uid, char user_id[UUID_STR_LEN + 1], char unix_name[64]);

/* Maps dir/name and parses its header.  Returns 0, or -1 (errno; EINVAL: not a spool file). */
int spool_map(struct spool *s, enum spool_dir dir, const char *name, struct spool_file *f);
void spool_unmap(struct spool_file *f);

/*
 * The names the spool makes, taken apart.  Returns 0 when name is one dir
 * can hold: new/, done/, failed/ "<job>"; cur/ "<job>.<pid>"; tmp/
 * "<job>.<pid>.<host>".  job gets the id, pid the pid (0 where none).
 */
int spool_name_parse(enum spool_dir dir, const char *name, char job[UUID_STR_LEN + 1], pid_t *pid);

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
