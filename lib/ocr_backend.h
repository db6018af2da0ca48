/*
 * ocr_backend: the operations an OCR engine implements, in the manner of
 * OpenBSD smtpd's queue_backend.c.  lib/ocr_engine.c is the front and
 * the only caller: it picks a backend by [ocr_worker] engine, checks the
 * image's headers against the limits (every page of a TIFF) before a
 * backend sees a byte, and times the reading.  One file per backend:
 *
 *   lib/ocr_tesseract.c   leptonica decodes, libtesseract reads
 *   lib/ocr_fake.c        reads no pixels; obeys commands in the bytes (tests)
 *
 * Internal to libquillocr.
 */
#ifndef QUILL_OCR_BACKEND_H
#define QUILL_OCR_BACKEND_H

#include <stddef.h>

#include "lib/imagetype.h"
#include "lib/ocr_engine.h"

struct ocr_backend {
	const char *name;		/* as [ocr_worker] engine names it */
	/* Loads what the backend needs, once per process; NULL with a line in err. */
	void *(*open)(const struct ocr_options *opt, char *err, size_t errsize);
	void (*close)(void *be);
	/*
	 * Reads the image in data, of type type, whose headers the front
	 * has checked: pages pages, each within opt->max_pixels.  Fills r's
	 * text, hocr, words and mean_confidence; on anything but OCR_OK,
	 * leaves nothing allocated in r and says why in one line.
	 */
	enum ocr_status (*read)(void *be, const unsigned char *data, size_t len, enum imagetype type, int pages,
	    struct ocr_result *r, char *why, size_t whysize);
};

extern const struct ocr_backend ocr_tesseract_backend;
extern const struct ocr_backend ocr_fake_backend;

#endif
