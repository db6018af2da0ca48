/*
 * jobs: `quillctl jobs ...` and `quillctl spool status`, the OCR jobs in
 * ocr.ocr_jobs and their files in the spool ([global] spool_dir, see
 * lib/spool.h), through the [ocr_worker] database conninfo (quill_ocr,
 * the role with row access to the ocr tables).
 *
 * The spool's directories are the state of a job's file and the row is
 * the state of the job; these commands change both together, the row's
 * lock held across the rename, so a worker never sees one without the
 * other.
 */
#ifndef QUILLCTL_JOBS_H
#define QUILLCTL_JOBS_H

#include <stdbool.h>

struct config;
struct spool;

struct jobs_list_opts {
	const char	*status;	/* queued, processing, done, failed; NULL: any */
	const char	*user_id;	/* NULL: any user */
	long		 limit;
};

struct jobs_purge_opts {
	const char	*status;	/* done or failed; NULL: both */
	long long	 older_than_ms;	/* -1: [ocr_worker] retention */
};

/* Whether s is a status a job can have: queued, processing, done, failed. */
bool jobs_status_valid(const char *s);

/*
 * Each returns the exit status: 0, or 1 after one message on stderr.
 *
 * jobs_list prints a header and one aligned line per job, newest first:
 * id, status, attempts, user id, file name, size, created, finished.
 */
int jobs_list(const struct config *cfg, const struct jobs_list_opts *o);

/*
 * One "name  value" line per column of the job (text, hOCR and words as
 * their length in bytes), where its spool file is, and the reason
 * written beside a failed one.
 */
int jobs_show(const struct config *cfg, const char *id);

/*
 * Runs a finished job again: a failed job whose file is in failed/, or a
 * done job whose file is still in done/.  The row goes back to queued
 * (attempts 0, no error, no result) and the file to new/; anything else
 * is refused and changes nothing.
 */
int jobs_requeue(const struct config *cfg, const char *id);

/*
 * Deletes the finished jobs of that status that finished longer ago than
 * that, then their files in done/ and failed/; says how many of each.
 */
int jobs_purge(const struct config *cfg, const struct jobs_purge_opts *o);

/* The spool's path, the files in each directory, the age of the oldest in new/. */
int jobs_spool_status(const struct config *cfg);

/* The spool of [global] spool_dir, for quillctl's commands that change it; NULL after a message. */
struct spool *jobs_open_spool(const struct config *cfg);

#endif
