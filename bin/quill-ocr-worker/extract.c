/*
 * extract: the invoice's fields from the words the OCR found, for the
 * statement that finishes the job (jobs.c, lib/jobs job_row_finish).
 *
 * lib/extract reads the words as hostile input and bounds its own work;
 * this only hands it the job's words and languages and writes what it
 * found as the JSON lib/invoices spreads into the invoice's columns.  A
 * failure (out of memory, words that are not lib/ocr_words' JSON, a value
 * the table would refuse) costs the job its invoice, never the job: it
 * is logged and the job is done.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/extract.h"
#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-ocr-worker/ocrw.h"

char *
extract_job_invoice(struct ocrw *o)
{
	struct invoice inv;
	char why[200] = "", quoted[420];
	const char *text;
	char *out = NULL;
	size_t len;
	yajl_gen g;

	memset(&inv, 0, sizeof(inv));
	/* the languages the job was read in (?lang=), else the worker's */
	if (o->result.words == NULL || extract_invoice_json(o->result.words, strlen(o->result.words),
	    o->file.meta.languages[0] != '\0' ? o->file.meta.languages : o->languages, &inv, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "%s", o->result.words == NULL ? "no words" : strerror(errno));
		log_warnx("event=extract_failed job=%s reason=%s", o->file.meta.job_id,
		    log_quote(quoted, sizeof(quoted), why, (size_t)-1));
		invoice_free(&inv);
		return NULL;
	}
	/* what the table's constraints would refuse costs the invoice here, not the job there */
	if (!invoice_valid(&inv, why, sizeof(why))) {
		log_warnx("event=extract_invalid job=%s reason=%s", o->file.meta.job_id,
		    log_quote(quoted, sizeof(quoted), why, (size_t)-1));
		invoice_free(&inv);
		return NULL;
	}
	g = json_gen_new();
	invoice_to_json(&inv, g);
	if ((text = json_gen_text(g, &len)) != NULL)
		out = strndup(text, len);
	if (out == NULL)
		log_warnx("event=extract_failed job=%s reason=out_of_memory", o->file.meta.job_id);
	yajl_gen_free(g);
	invoice_free(&inv);
	return out;
}
