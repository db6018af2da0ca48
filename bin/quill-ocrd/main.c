/*
 * quill-ocrd: invoice uploads into the OCR spool, the jobs API and the
 * invoices API (port 8003).
 *
 *   POST   /api/ocr/jobs              upload.c: an image into spool/new, 202 (?lang=: its OCR languages)
 *   GET    /api/ocr/jobs              jobs.c: own jobs (an admin's: all), by status, paged
 *   GET    /api/ocr/jobs/{id}         jobs.c: one job (from the spool until it has a row)
 *   DELETE /api/ocr/jobs/{id}         jobs.c: the row and the spool files
 *   GET    /api/ocr/jobs/{id}/text    jobs.c: the recognised text
 *   GET    /api/ocr/jobs/{id}/hocr    jobs.c: tesseract's hOCR
 *   GET    /api/ocr/jobs/{id}/events  events.c: status changes as Server-Sent Events
 *   GET    /api/invoices              invoices.c: own invoices (an admin's: all), filtered, sorted, paged
 *   POST   /api/invoices              invoice_write.c: an invoice entered by hand, 201
 *   GET    /api/invoices/{id}         invoices.c: one invoice
 *   PATCH  /api/invoices/{id}         invoice_write.c: corrected fields, `extracted` kept
 *   DELETE /api/invoices/{id}         invoices.c: the invoice and its original (the job stays)
 *   GET    /api/invoices/{id}/original  invoice_original.c: the file it was read from
 *   GET    /api/invoices/{id}/ubl     invoice_ubl.c: one invoice as UBL 2.1 XML
 *   GET    /api/invoices/stats        invoice_stats.c: sums per month, seller or currency
 *   GET    /api/invoices/export       invoice_export.c: CSV, JSON lines or XLSX, streamed
 *
 * The workers that run tesseract are quill-ocr-worker's; this daemon only
 * writes new/ and reads the database.  Everything a daemon shares comes
 * from lib/daemon.c.
 */
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/daemon.h"
#include "lib/log.h"
#include "lib/router.h"
#include "bin/quill-ocrd/ocrd.h"

/* multipart framing around the image: headers, boundaries */
#define FORM_OVERHEAD	(64 * 1024)

static void
add_routes(struct router *r, const struct config *cfg)
{
	size_t upload = (size_t)config_size(cfg, "ocr", "max_upload") + FORM_OVERHEAD;

	router_add(r, "POST", "/api/ocr/jobs", upload_create, upload);
	router_add(r, "GET", "/api/ocr/jobs", jobs_list, 0);
	router_add(r, "GET", "/api/ocr/jobs/{id}", jobs_get, 0);
	router_add(r, "DELETE", "/api/ocr/jobs/{id}", jobs_delete, 0);
	router_add(r, "GET", "/api/ocr/jobs/{id}/text", jobs_text, 0);
	router_add(r, "GET", "/api/ocr/jobs/{id}/hocr", jobs_hocr, 0);
	router_add(r, "GET", "/api/ocr/jobs/{id}/events", events_stream, 0);
	router_add(r, "GET", "/api/invoices", invoices_list, 0);
	router_add(r, "POST", "/api/invoices", invoices_create, 0);
	/* before {id}: the first route that matches wins */
	router_add(r, "GET", "/api/invoices/stats", invoices_stats, 0);
	router_add(r, "GET", "/api/invoices/export", invoices_export, 0);
	router_add(r, "GET", "/api/invoices/{id}", invoices_get, 0);
	router_add(r, "PATCH", "/api/invoices/{id}", invoices_patch, 0);
	router_add(r, "DELETE", "/api/invoices/{id}", invoices_delete, 0);
	router_add(r, "GET", "/api/invoices/{id}/original", invoices_original, 0);
	router_add(r, "GET", "/api/invoices/{id}/ubl", invoices_ubl, 0);
}

/* The spool must be there and writable before any upload is taken. */
static int
master_init(const struct config *cfg, char *err, size_t errsize)
{
	struct spool *s = spool_open(config_str(cfg, "global", "spool_dir"), err, errsize);

	if (s == NULL)
		return -1;
	spool_close(s);
	return events_master_init(err, errsize);
}

/* A dead worker's event streams are gone: their places go back to their users. */
static void
worker_exited(const struct config *cfg, pid_t pid)
{
	events_worker_exited(pid);
}

/*
 * An upload's body grows in buffers of doubling size until the buffer
 * reaches [http] body_memory and moves to a file.  Left to itself, malloc
 * maps the larger ones fresh and unmaps them on free, so every upload had
 * the kernel zero a megabyte of new pages (11 % of these workers' CPU).
 * The smaller ones now come from the heap, and freed ones stay there, up
 * to four times body_memory, for the next upload.
 */
static void
keep_body_buffers(size_t body_memory)
{
	if (body_memory > (size_t)INT_MAX / 4)
		return;
	mallopt(M_MMAP_THRESHOLD, (int)body_memory + 1);
	mallopt(M_TRIM_THRESHOLD, (int)body_memory * 4);
}

static int
worker_init(struct worker *w)
{
	struct ocrd *o = calloc(1, sizeof(*o));
	char err[PATH_MAX + 128], quoted[2 * sizeof(err)];

	if (o == NULL)
		return -1;
	if ((o->spool = spool_open(config_str(w->cfg, "global", "spool_dir"), err, sizeof(err))) == NULL) {
		log_warnx("event=spool_open_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		free(o);
		return -1;
	}
	keep_body_buffers((size_t)config_size(w->cfg, "http", "body_memory"));
	o->max_upload = (size_t)config_size(w->cfg, "ocr", "max_upload");
	o->max_pixels = (uint64_t)config_int(w->cfg, "ocr", "max_pixels");
	if ((o->events = events_new(w)) == NULL) {
		log_warnx("event=events_start_failed reason=out_of_memory");
		spool_close(o->spool);
		free(o);
		return -1;
	}
	o->max_pages = (uint32_t)config_int(w->cfg, "ocr_worker", "max_pages");
	/* on disk, as large request bodies are: an XLSX export is written whole before it is sent */
	o->export_tmpdir = config_str(w->cfg, "http", "body_buffer_dir");
	o->default_languages = config_str(w->cfg, "ocr_worker", "languages");
	o->other_languages = config_int(w->cfg, "ocr_worker", "max_engines") > 0;
	if (asprintf(&o->allowed_languages, "%s %s", config_str(w->cfg, "ocr_worker", "allowed_languages"),
	    o->default_languages) < 0) {
		log_warnx("event=worker_init_failed reason=out_of_memory");
		events_free(o->events);
		spool_close(o->spool);
		free(o);
		return -1;
	}
	w->app = o;
	return 0;
}

static void
worker_exit(struct worker *w)
{
	struct ocrd *o = w->app;

	if (o == NULL)
		return;
	events_free(o->events);
	spool_close(o->spool);
	free(o->allowed_languages);
	free(o);
	w->app = NULL;
}

static const struct daemon_def quill_ocrd_def = {
	.name = "quill-ocrd",
	.section = "ocr",
	.has_http = 1,
	.has_database = 1,
	.verify_tokens = 1,
	.add_routes = add_routes,
	.master_init = master_init,
	.worker_init = worker_init,
	.worker_exit = worker_exit,
	.worker_exited = worker_exited,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &quill_ocrd_def);
}
