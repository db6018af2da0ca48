/*
 * ocr_engine_set: a worker's OCR engines, one per language set its jobs
 * ask for (lib/ocr_languages), each made on first use and kept, since
 * loading models is the slow part of an engine (bench/RESULTS.md: a few
 * hundred ms).  The default set's engine is made at once and always kept;
 * the others are at most max_extra, the one used longest ago freed to
 * make room: each holds its models (tens of MB) under the worker's
 * memory_limit.
 */
#ifndef QUILL_OCR_ENGINE_SET_H
#define QUILL_OCR_ENGINE_SET_H

#include <stddef.h>

#include "lib/ocr_engine.h"

struct ocr_engine_set;

/*
 * Makes the set and its default engine, with opt (opt->languages the
 * default set).  NULL with a line in err when that engine cannot be made.
 */
struct ocr_engine_set *ocr_engine_set_new(const struct ocr_options *opt, int max_extra, char *err,
    size_t errsize);
void ocr_engine_set_free(struct ocr_engine_set *s);

/* The default engine. */
struct ocr_engine *ocr_engine_set_default(struct ocr_engine_set *s);

/*
 * The engine for languages (NULL or "": the default), made now when there
 * is none.  NULL with a line in err when it cannot be made (languages not
 * installed, or no memory left for them).
 */
struct ocr_engine *ocr_engine_set_get(struct ocr_engine_set *s, const char *languages, char *err,
    size_t errsize);

#endif
