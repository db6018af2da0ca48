/*
 * ocr_words: what tesseract recognised on one page, as plain text, as an
 * hOCR fragment and as word boxes in JSON, from one walk over its result
 * iterator.
 *
 * tesseract's own hOCR renderer took 130-180 ms for a page of 700 words,
 * some 8 % of reading the page, and the word boxes another walk after it
 * (doc/OCR-MEASUREMENTS.md); this walk makes both in about the time of the
 * word boxes alone.  The hOCR keeps the renderer's structure and names:
 * ocr_page, ocr_carea, ocr_par (with lang), ocr_line (bbox, baseline) and
 * ocrx_word (bbox, x_wconf), ids numbered per page from 1.
 *
 * Internal to libquillocr.
 */
#ifndef QUILL_OCR_WORDS_H
#define QUILL_OCR_WORDS_H

#include <tesseract/capi.h>
#include <yajl/yajl_gen.h>

#include "lib/ocr_second_look.h"
#include "lib/strbuf.h"

/* Sums over the words of every page, for the mean confidence. */
struct ocr_word_stats {
	double conf_sum;
	long words;
};

/*
 * Appends the page last recognised by api (page counts from 1; width and
 * height are the image's) to text as tesseract's GetUTF8Text would give
 * it, to hocr as an ocr_page div, and each of its words to the open JSON
 * array words as {text, confidence, page, line, box}: line is the
 * number of tesseract's text line the word is on, counted per page from
 * 1 (the id of its ocr_line in the hOCR).  am, when not NULL, is what
 * the second look changed: the words it replaced are left out, and its
 * own follow as the page's last block, a line per run.
 */
void ocr_words_page(TessBaseAPI *api, int page, int width, int height, struct strbuf *text,
    struct strbuf *hocr, yajl_gen words, struct ocr_word_stats *stats, const struct ocr_amends *am);

/*
 * The word at it, if it is one the walk keeps (some text besides spaces,
 * and a box): its text, for TessDeleteText, and its box; else NULL.  The
 * words of a page so kept are counted in the same order by every walk.
 */
char *ocr_word_at(TessResultIterator *it, const TessPageIterator *pi, int box[4]);

#endif
