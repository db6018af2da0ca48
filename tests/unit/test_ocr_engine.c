/*
 * Unit tests for lib/ocr_engine, the front of the OCR backends, through
 * the fake backend (lib/ocr_fake.c), so without tesseract: a backend is
 * chosen by name; the hostile TIFFs of issue 19 (a page leptonica cannot
 * read after a good one, later pages of billions of pixels, a loop of
 * directories) are refused with their page and reason before any backend
 * sees them; a good multi-page TIFF is counted; and what the fake is told
 * (text, a transient failure, an unreadable page) comes back as the
 * status the worker acts on.  The TIFFs are the fuzz seeds that
 * tests/tiffmake.py writes, read from QUILL_SRC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ocr_engine.h"
#include "tests/unit/tap.h"

static unsigned char *
slurp(const char *name, size_t *len)
{
	const char *src = getenv("QUILL_SRC");
	char path[4096];
	unsigned char *buf = NULL;
	long size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/imagetype/%s", src != NULL ? src : ".", name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size)) != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	*len = buf != NULL ? (size_t)size : 0;
	fclose(f);
	return buf;
}

static enum ocr_status
run_text(struct ocr_engine *e, const char *text, struct ocr_result *r, char *why, size_t whysize)
{
	return ocr_engine_run(e, (const unsigned char *)text, strlen(text), r, why, whysize);
}

static void
run_file(struct ocr_engine *e, const char *name, enum ocr_status want, const char *want_why, int want_pages,
    const char *what)
{
	struct ocr_result r;
	char why[256] = "";
	size_t len;
	unsigned char *buf = slurp(name, &len);
	enum ocr_status st;

	if (buf == NULL) {
		ok(0, what);
		printf("#   cannot read %s (QUILL_SRC?)\n", name);
		return;
	}
	st = ocr_engine_run(e, buf, len, &r, why, sizeof(why));
	ok(st == want && (want_why == NULL || strstr(why, want_why) != NULL) &&
	    (st != OCR_OK || r.pages == want_pages), what);
	if (st != want)
		printf("#   got status %d: %s\n", (int)st, why);
	else if (want_why != NULL && strstr(why, want_why) == NULL)
		printf("#   got \"%s\", want it to hold \"%s\"\n", why, want_why);
	ocr_result_free(&r);
	free(buf);
}

int
main(void)
{
	struct ocr_options opt = { .engine = "fake", .max_pixels = 100000000, .max_pages = 50 };
	struct ocr_engine *e;
	struct ocr_result r;
	char err[256], why[256];

	opt.engine = "nonesuch";
	ok(ocr_engine_new(&opt, err, sizeof(err)) == NULL && strstr(err, "nonesuch") != NULL,
	    "an unknown engine is refused, by name");
	opt.engine = "fake";
	if ((e = ocr_engine_new(&opt, err, sizeof(err))) == NULL) {
		ok(0, "the fake engine opens");
		return done_testing();
	}
	is_str(ocr_engine_name(e), "fake", "the fake engine opens, by name");

	run_file(e, "tiff-hang", OCR_UNREADABLE, "page 2: 3 bits per sample",
	    0, "the hang TIFF is refused before the backend: unreadable, page 2's bits per sample");
	run_file(e, "tiff-bomb", OCR_TOO_LARGE, "page 2 declares 50000x50000 pixels", 0,
	    "the bomb TIFF: too large, page 2's size");
	run_file(e, "tiff-loop", OCR_UNREADABLE, "loop", 0, "a TIFF whose directories loop: unreadable");
	run_file(e, "tiff-tiled", OCR_UNREADABLE, "tiles", 0, "a tiled TIFF: unreadable");
	run_file(e, "tiff-manypages", OCR_TOO_LARGE, "more than 50 pages", 0, "300 pages: too many");
	run_file(e, "tiff-good3", OCR_OK, NULL, 3, "a good three-page TIFF reaches the backend, three pages");
	run_file(e, "png-bomb-header", OCR_TOO_LARGE, "100000x100000", 0, "a PNG declaring 10^10 pixels: too large");

	is_int(run_text(e, "P1\n# quill-fake: text hello world\n1 1\n0\n", &r, why, sizeof(why)), OCR_OK,
	    "the fake told to read words: ok");
	is_str(r.text, "hello world", "  with those words");
	ok(r.pages == 1 && r.words != NULL && strstr(r.words, "\"hello world\"") != NULL && r.hocr != NULL,
	    "  one page, the words in the word list, an hOCR document");
	ocr_result_free(&r);
	is_int(run_text(e, "P1\n# quill-fake: fail\n1 1\n0\n", &r, why, sizeof(why)), OCR_ERROR,
	    "the fake told to fail: a transient error");
	is_int(run_text(e, "P1\n# quill-fake: unreadable\n1 1\n0\n", &r, why, sizeof(why)), OCR_UNREADABLE,
	    "the fake told the page is unreadable: unreadable");
	is_int(run_text(e, "P1\n# quill-fake: sleep 0\n1 1\n0\n", &r, why, sizeof(why)), OCR_OK,
	    "the fake told to sleep 0 s: ok");
	ok(r.text != NULL && r.text[0] == '\0', "  with no words");
	ocr_result_free(&r);
	ocr_engine_free(e);
	return done_testing();
}
