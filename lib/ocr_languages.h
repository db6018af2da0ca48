/*
 * ocr_languages: the OCR language set a job asks for ("vie+eng"), as
 * tesseract names it: language codes joined by '+', the first one the
 * primary.  quill-ocrd checks an upload's ?lang= here against
 * [ocr_worker] allowed_languages before the job is spooled; the spool
 * header keeps the set (lib/spool); quill-ocr-worker reads the job with
 * an engine for that set (lib/ocr_engine_set).
 *
 * A set is at most OCR_LANGUAGES_MAX bytes of at most OCR_LANGUAGES_COUNT
 * codes of [a-z0-9_] (tesseract's traineddata names: "eng", "chi_sim"),
 * none twice.  Nothing else ever reaches tesseract's Init or a file name.
 */
#ifndef QUILL_OCR_LANGUAGES_H
#define QUILL_OCR_LANGUAGES_H

#include <stdbool.h>
#include <stddef.h>

#define OCR_LANGUAGES_MAX	63
#define OCR_LANGUAGES_COUNT	4

/* Whether s (len bytes) is a well-formed language set. */
bool ocr_languages_valid(const char *s, size_t len);

enum ocr_languages_check {
	OCR_LANGUAGES_OK,
	OCR_LANGUAGES_MALFORMED,	/* not a set as above */
	OCR_LANGUAGES_NOT_ALLOWED,	/* a code that allowed does not list */
};

/*
 * Whether the set s may be asked for: well-formed, and each code listed in
 * allowed (codes separated by white space, ',' or '+').  On anything but
 * OK, why says what in one line.
 */
enum ocr_languages_check ocr_languages_check(const char *s, size_t len, const char *allowed, char *why,
    size_t whysize);

#endif
