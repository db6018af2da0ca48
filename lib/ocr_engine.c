/*
 * ocr_engine: see ocr_engine.h.  The front of the OCR backends
 * (lib/ocr_backend.h): it picks one by name, and checks every image's
 * headers against the limits before the backend sees a byte of it, so a
 * backend is only ever handed pages whose size and number are known.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/imagetype.h"
#include "lib/ocr_backend.h"
#include "lib/ocr_engine.h"

static const struct ocr_backend *const backends[] = {
	&ocr_tesseract_backend,
	&ocr_fake_backend,
};

struct ocr_engine {
	const struct ocr_backend *ops;
	void *be;
	struct ocr_options opt;
};

int
ocr_engine_setup(void)
{
	const char *limit = getenv("OMP_THREAD_LIMIT");

	/* setting it now would be too late: libgomp read it when it was loaded */
	return limit != NULL && strcmp(limit, "1") == 0 ? 0 : -1;
}

struct ocr_engine *
ocr_engine_new(const struct ocr_options *opt, char *err, size_t errsize)
{
	const char *name = opt->engine != NULL && opt->engine[0] != '\0' ? opt->engine : "tesseract";
	const struct ocr_backend *ops = NULL;
	struct ocr_engine *e;

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(name, backends[i]->name) == 0)
			ops = backends[i];
	if (ops == NULL) {
		snprintf(err, errsize, "no OCR engine is named \"%.40s\"", name);
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	e->ops = ops;
	e->opt = *opt;
	if ((e->be = ops->open(opt, err, errsize)) == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

void
ocr_engine_free(struct ocr_engine *e)
{
	if (e == NULL)
		return;
	e->ops->close(e->be);
	free(e);
}

const char *
ocr_engine_name(const struct ocr_engine *e)
{
	return e->ops->name;
}

void
ocr_result_free(struct ocr_result *r)
{
	free(r->text);
	free(r->hocr);
	free(r->words);
	memset(r, 0, sizeof(*r));
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/*
 * How many pages the image has, once its headers are within the limits;
 * OCR_OK, or the status the job fails with and why.  A TIFF is checked
 * over every directory (leptonica's header reader sees only the first,
 * and its multi-page reader trusts the rest); another type by its header's
 * dimensions when it gives them (lib/imagetype decides what it leaves to
 * the backend's decoder), as quill-ocrd does at upload.
 */
static enum ocr_status
check_headers(struct ocr_engine *e, const unsigned char *data, size_t len, enum imagetype type, int *pages,
    char *why, size_t whysize)
{
	struct imagetype_limits lim = { e->opt.max_pixels, e->opt.max_pages > 0 ? (uint32_t)e->opt.max_pages : 1 };
	struct imagetype_report rep;

	switch (imagetype_check(data, len, type, &lim, &rep)) {
	case IMAGETYPE_OK:
		*pages = (int)rep.pages;
		return OCR_OK;
	case IMAGETYPE_TOO_LARGE:
	case IMAGETYPE_TOO_MANY_PAGES:
		snprintf(why, whysize, "%s%s", type == IMAGETYPE_TIFF ? "the image is too large: " : "", rep.why);
		return OCR_TOO_LARGE;
	default:
		snprintf(why, whysize, "cannot decode the image: %s", rep.why);
		return OCR_UNREADABLE;
	}
}

enum ocr_status
ocr_engine_run(struct ocr_engine *e, const unsigned char *data, size_t len, struct ocr_result *r,
    char *why, size_t whysize)
{
	enum imagetype type = imagetype_sniff(data, len);
	struct timespec t0;
	enum ocr_status st;
	int pages;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((st = check_headers(e, data, len, type, &pages, why, whysize)) != OCR_OK)
		return st;
	if ((st = e->ops->read(e->be, data, len, type, pages, r, why, whysize)) != OCR_OK)
		return st;
	r->pages = pages;
	r->ocr_ms = elapsed_ms(&t0);
	return OCR_OK;
}
