/*
 * extract: an invoice's fields read from the words OCR found on its page
 * (their text, confidence, line and box), into a struct invoice
 * (lib/invoice.h).  The heart of the product: no vendor templates, only
 * rules on the page's layout -- a label and its value to the right on the
 * same row or just below it, a table's columns from its header row's
 * boxes, the totals block -- with the amounts, dates and the amount in
 * words read by lib/money, lib/invoice_date and lib/amount_words, and
 * cross-checked against each other (subtotal + tax = total, ...).
 *
 * A pure module: no I/O, no global state, no locale; the same words give
 * the same invoice.  Money is never floating point.
 *
 * SECURITY: the words are OCR output of an image anyone may upload, so
 * every byte of their text is hostile.  Any bytes are valid input (NUL,
 * invalid UTF-8, giant words, absurd boxes); at most EXTRACT_MAX_WORDS
 * words are read (the rest are dropped with a review reason), every text
 * is cut to a bound, no step is worse than n log n in the words kept but
 * the table and label searches, bounded by EXTRACT_MAX_WORDS; every text
 * value set passes invoice_value_valid() (repaired or dropped).
 */
#ifndef QUILL_EXTRACT_H
#define QUILL_EXTRACT_H

#include <stddef.h>

#include "lib/invoice.h"

#define EXTRACT_MAX_WORDS 5000		/* words read from a page; a dense A4 page has ~800 */
#define EXTRACT_MAX_WORD_BYTES 256	/* of one word's text; longer ones are cut */

struct extract_word {
	const char *text;	/* need not be UTF-8 nor NUL-terminated */
	size_t len;
	double confidence;	/* 0..100 */
	int page, line;		/* line: the OCR's text line on the page, from 1; 0 when not known */
	int x0, y0, x1, y1;	/* pixels, y down */
};

/*
 * Fills out (which must be zeroed) from n words; language: the OCR
 * languages ("eng", "vie", "vie+eng") or NULL.  0, or -1 with errno
 * ENOMEM (out is then left for invoice_free()).
 */
int extract_invoice(const struct extract_word *words, size_t n, const char *language, struct invoice *out);

/*
 * The worker's entry: the words JSON of lib/ocr_words ([{text,
 * confidence, page, line, box: [x0, y0, x1, y1]}, ...]); -1 with a
 * reason in why when the JSON is not that (errno EINVAL, or ENOMEM).
 */
int extract_invoice_json(const char *words_json, size_t len, const char *language, struct invoice *out,
    char *why, size_t whysize);

#endif
