/*
 * ocr_engine: one image in, its text out, through the OCR backend
 * [ocr_worker] engine names (lib/ocr_backend.h: tesseract, or a fake
 * for tests), in this process.
 *
 * An engine loads its models once (the slow part of starting tesseract)
 * and then recognises any number of images, one at a time: one engine
 * per process, which is how quill-ocr-worker runs one per core.  OpenMP
 * must stay single-threaded (on a small machine tesseract's own threads
 * make it many times slower, and the workers already fill the cores),
 * and libgomp reads OMP_THREAD_LIMIT once, when libtesseract is loaded,
 * before main(): so a program must already have OMP_THREAD_LIMIT=1 in
 * its environment when it starts (quill-ocr-worker's main() starts
 * itself again with it).  ocr_engine_setup() only says whether that is so.
 *
 * Every image's headers are checked before a backend sees it: a TIFF
 * over every page's directory (lib/imagetype: its size, layout and
 * strips), another type by the dimensions its header declares.
 *
 * What an image is decides what can go wrong: bytes that cannot be
 * decoded, or a layout the decoder does not read, are OCR_UNREADABLE
 * (the job fails at once, retrying cannot help), more declared pixels or
 * pages than allowed, or a page that does not fit in the process's
 * memory limit, is OCR_TOO_LARGE (refused from the headers, before
 * decoding), anything else is OCR_ERROR.
 */
#ifndef QUILL_OCR_ENGINE_H
#define QUILL_OCR_ENGINE_H

#include <stddef.h>
#include <stdint.h>

struct ocr_engine;

struct ocr_options {
	const char *engine;		/* "tesseract" (NULL or "" too) or "fake" (lib/ocr_fake.c) */
	const char *languages;		/* "eng", "eng+vie" */
	const char *tessdata;		/* NULL or "": tesseract's own default */
	int psm;			/* tesseract page segmentation mode */
	int reorient_below;		/* a page whose mean word confidence is below this
					   (0..100) has its orientation checked; 0: never */
	int reread_below;		/* ink no word this sure of covers is read again line by
					   line (lib/ocr_second_look.h); 0: never */
	uint64_t max_pixels;		/* per page, declared width times height */
	int max_pages;			/* of a multi-page TIFF */
};

struct ocr_result {
	char *text;		/* UTF-8, pages separated by form feeds; malloc'd */
	char *hocr;		/* an XHTML document, every page; malloc'd */
	char *words;		/* JSON array of {text, confidence, page, line, box}; malloc'd */
	double mean_confidence;	/* 0..100 over every word; 0 when there is none */
	int pages;
	long ocr_ms;
};

enum ocr_status {
	OCR_OK,
	OCR_UNREADABLE,
	OCR_TOO_LARGE,
	OCR_ERROR,
};

/*
 * Once per process, before any engine: quietens leptonica.  Returns 0, or
 * -1 when OMP_THREAD_LIMIT=1 was not in the environment at start (then
 * tesseract runs, but with threads that slow it down).
 */
int ocr_engine_setup(void);

/* Loads the models.  NULL with a line in err when they cannot be loaded. */
struct ocr_engine *ocr_engine_new(const struct ocr_options *opt, char *err, size_t errsize);
void ocr_engine_free(struct ocr_engine *e);
/* The backend's name: "tesseract", "fake". */
const char *ocr_engine_name(const struct ocr_engine *e);

/* Recognises the image in data; on anything but OCR_OK, why says what, in one line. */
enum ocr_status ocr_engine_run(struct ocr_engine *e, const unsigned char *data, size_t len,
    struct ocr_result *r, char *why, size_t whysize);
void ocr_result_free(struct ocr_result *r);

/* "auto_osd", "auto", "single_block", ... to tesseract's number; -1 when unknown. */
int ocr_psm_parse(const char *name);

#endif
