/*
 * ocr_second_look: the ink a page's first reading left out or doubted,
 * read again a line at a time.
 *
 * tesseract's layout analysis sometimes takes a column of amounts for a
 * picture and leaves it out (a receipt's "31.00" beside "Total Amount:"),
 * or reads two skewed rows of small digits as one tall word of letters.
 * Those are the values an invoice is read for.  After the page is read,
 * the marks of text size (connected components of tesseract's own
 * thresholded image) that no confident word covers are grouped into runs
 * along a row, and each run is read alone as one line, enlarged to a
 * height tesseract reads well.  A word of the second reading replaces the
 * first reading's words under it when it is surer than each of them, and
 * stands alone where there were none.
 *
 * A clean page has next to no doubtful ink and costs one pass over its
 * components; a page of noise is left as first read (see the limits in
 * ocr_second_look.c).  doc/OCR-MEASUREMENTS.md has the figures.
 *
 * Internal to libquillocr.
 */
#ifndef QUILL_OCR_SECOND_LOOK_H
#define QUILL_OCR_SECOND_LOOK_H

#include <stdbool.h>
#include <stddef.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

/* A word of the second reading, in the page's pixels. */
struct ocr_reread_word {
	char *text;
	float conf;
	int box[4];		/* x0 y0 x1 y1 */
	int run;		/* the run it was read in, from 0: one hOCR line each */
};

/* What the second reading changes on a page. */
struct ocr_amends {
	bool *replaced;		/* per word of the first reading, in walk order (ocr_word_at) */
	size_t nfirst;
	struct ocr_reread_word *words;
	size_t nwords;
	int nruns;
};

/*
 * Reads again, with lines (an API set to PSM_SINGLE_LINE), the doubtful
 * ink of pix, which page has just read: below is the confidence (0..100)
 * under which a word does not vouch for its ink.  Fills am (zeroed first);
 * an empty am when there is nothing to read again or the page is past
 * the limits.  -1 on ENOMEM, am then empty too.
 */
int ocr_second_look(TessBaseAPI *page, TessBaseAPI *lines, PIX *pix, int below, struct ocr_amends *am);
void ocr_amends_free(struct ocr_amends *am);

#endif
