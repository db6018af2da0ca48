/*
 * ocr_text_place: the second look's lines (lib/ocr_second_look.h) put
 * into a page's plain text where they stand on the page, not after it:
 * a run beside a line of the first reading joins that line, before the
 * first of its words that stands right of it ("Total Amount: 31.00"); one
 * between lines becomes a line of its own after the
 * nearest line above it.  The hOCR and the word boxes say where every
 * word is; the plain text is read by people and by measures of reading
 * order (CER), for which a column of amounts at the end is wrong.
 *
 * Internal to libquillocr.
 */
#ifndef QUILL_OCR_TEXT_PLACE_H
#define QUILL_OCR_TEXT_PLACE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/ocr_second_look.h"
#include "lib/strbuf.h"

/* A page's text lines and words as written: their bytes in the text, and where they stand. */
struct ocr_text_lines {
	struct ocr_text_line {
		size_t start, end;
		int box[4];
	} *v;
	struct ocr_text_word {
		size_t start;
		int x0;
		size_t line;
	} *w;
	size_t n, cap, nw, capw;
	bool failed;		/* out of memory once: the lines are not all known */
};

/* A line begins at byte start of the text. */
void ocr_text_lines_begin(struct ocr_text_lines *l, size_t start, const int box[4]);
/* A word of the line begun last was written at [start, end) of the text, its left edge at x0. */
void ocr_text_lines_word(struct ocr_text_lines *l, size_t start, size_t end, int x0);
void ocr_text_lines_free(struct ocr_text_lines *l);

/*
 * Puts am's runs into text, whose bytes from page_start on are the page
 * l describes.  -1 when it cannot (l incomplete, out of memory): text is
 * then as it was.
 */
int ocr_text_place(struct strbuf *text, size_t page_start, const struct ocr_text_lines *l,
    const struct ocr_amends *am);

#endif
