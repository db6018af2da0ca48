/*
 * ocrw: what the files of quill-ocr-worker share.
 *
 * One worker process runs one job at a time: it claims a file from
 * spool/new, marks the job processing in PostgreSQL (writing the row
 * from the spool header if quill-ocrd could not), runs tesseract through
 * lib/ocr_engine, with the engine for the job's languages
 * (lib/ocr_engine_set; blocking: this process serves nothing else), reads
 * the invoice's fields from the words (lib/extract, extract.c), records
 * both in one statement and moves the file on.  jobs.c is that cycle, dropin.c
 * turns files in spool/incoming into spool files, main.c wires both to
 * the master and the event loop.  owners.c (owners.h) stands alone:
 * it knows nothing of jobs, and wakes the worker through a callback.
 */
#ifndef QUILL_OCRW_H
#define QUILL_OCRW_H

#include <stdbool.h>
#include <stdint.h>

#include <h2o.h>

#include "lib/ocr_engine.h"
#include "lib/ocr_engine_set.h"
#include "lib/spool.h"

struct worker;
struct pg_query;

struct ocrw {
	struct worker *w;
	struct spool *spool;
	struct ocr_engine_set *engines;	/* one per language set the jobs ask for */
	struct httpc *http;		/* to quill-authd, for owners.c */
	int max_attempts;
	int64_t backoff_s;
	int64_t settle_ms;
	int64_t retention_s;
	char dropin_owner[64];
	uint64_t max_upload;		/* [ocr] max_upload: no drop-in is read past it */
	uint64_t max_pixels;
	char languages[OCR_LANGUAGES_MAX + 1];	/* [ocr_worker] languages: a job's without its own, for the extractor */

	h2o_timeout_t soon;		/* 0 ms: the next job, after the loop has turned */
	h2o_timeout_entry_t kick;
	h2o_timeout_t rescan_every;
	h2o_timeout_entry_t rescan;
	h2o_timeout_t later;		/* 200 ms: the database is away (or not yet connected at start) */
	h2o_timeout_entry_t retry;

	/* the job in hand */
	bool busy;
	char cur[SPOOL_NAME_MAX];
	struct spool_file file;
	struct ocr_result result;
	int attempts;
	bool has_invoice;		/* the finish writes an invoice */
	char why[256];
	struct pg_query *query;
};

/* jobs.c */
/* Sets up the timers and looks for work at once. */
void jobs_start(struct ocrw *o, int64_t rescan_ms);
/* Looks for work soon (after the loop turns), unless a job is in hand. */
void jobs_kick(struct ocrw *o);
/* Every job in hand is abandoned (the file goes back to new/) before exit. */
void jobs_abandon(struct ocrw *o);

/* extract.c */
/*
 * The invoice read from the job in hand's words, as invoice_to_json()
 * writes it (malloc'd), or NULL when none could be read (logged): the
 * job is done all the same, without an invoice.
 */
char *extract_job_invoice(struct ocrw *o);

/* dropin.c */
/* Takes (or turns away) one settled entry of spool/incoming.  Returns whether it dealt with one. */
bool dropin_take_one(struct ocrw *o);

#endif
