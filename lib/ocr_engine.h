/*
 * ocr_engine: one image in, its text out, through libtesseract and
 * leptonica in this process.
 *
 * An engine loads its language models once (the slow part of starting
 * tesseract) and then recognises any number of images, one at a time:
 * one engine per process, which is how quill-ocr-worker runs one per
 * core.  OpenMP must stay single-threaded (on a small machine
 * tesseract's own threads make it many times slower, and the workers
 * already fill the cores), and libgomp reads OMP_THREAD_LIMIT once, when
 * libtesseract is loaded, before main(): so a program must already have
 * OMP_THREAD_LIMIT=1 in its environment when it starts (quill-ocr-worker's
 * main() starts itself again with it).  ocr_engine_setup() only says
 * whether that is so.
 *
 * Pages are read as they come.  One read with little confidence may be
 * lying on its side or upside down: the orientation model is asked, and
 * if it says the page is turned, the page is read again upright and the
 * reading with the higher confidence is kept (its word boxes and hOCR are
 * then those of the upright page).  That costs the orientation check only
 * on doubtful pages, where tesseract's own PSM_AUTO_OSD spends it on every
 * page (doc/OCR-MEASUREMENTS.md).
 *
 * A TIFF is checked whole before anything is decoded (lib/imagetype:
 * every page's directory, its size, layout and strips), then decoded and
 * read one page at a time, so at most one page's pixels are in memory.
 *
 * What an image is decides what can go wrong: bytes leptonica cannot
 * decode, or a layout it does not read, are OCR_UNREADABLE (the job
 * fails at once, retrying cannot help), more declared pixels or pages
 * than allowed, or a page that does not fit in the process's memory
 * limit, is OCR_TOO_LARGE (refused from the headers, before decoding),
 * anything else is OCR_ERROR.
 */
#ifndef QUILL_OCR_ENGINE_H
#define QUILL_OCR_ENGINE_H

#include <stddef.h>
#include <stdint.h>

struct ocr_engine;

struct ocr_options {
	const char *languages;		/* "eng", "eng+vie" */
	const char *tessdata;		/* NULL or "": tesseract's own default */
	int psm;			/* tesseract page segmentation mode */
	int reorient_below;		/* a page whose mean word confidence is below this
					   (0..100) has its orientation checked; 0: never */
	uint64_t max_pixels;		/* per page, declared width times height */
	int max_pages;			/* of a multi-page TIFF */
};

struct ocr_result {
	char *text;		/* UTF-8, pages separated by form feeds; malloc'd */
	char *hocr;		/* an XHTML document, every page; malloc'd */
	char *words;		/* JSON array of {text, confidence, page, box}; malloc'd */
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

/* Recognises the image in data; on anything but OCR_OK, why says what, in one line. */
enum ocr_status ocr_engine_run(struct ocr_engine *e, const unsigned char *data, size_t len,
    struct ocr_result *r, char *why, size_t whysize);
void ocr_result_free(struct ocr_result *r);

/* "auto_osd", "auto", "single_block", ... to tesseract's number; -1 when unknown. */
int ocr_psm_parse(const char *name);

#endif
