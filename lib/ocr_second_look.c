/*
 * ocr_second_look: see ocr_second_look.h.
 *
 * Sizes are in the page's median confident word height (h), so one rule
 * fits a 150 dpi receipt and a 300 dpi A4 page: a mark of text size is
 * 0.3 h to 2.5 h tall and at most 3 h wide (rules and boxes are wider),
 * and a run takes in the marks to its right whose centre is within its
 * height, until a gap wider than 1.2 h.  A mark much taller than the run
 * (a tick, a scribble beside an amount) starts a run of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/ocr_second_look.h"
#include "lib/ocr_words.h"

#define MAX_FIRST_WORDS 20000	/* words of the first reading looked at */
#define MAX_MARKS 50000		/* a page with more is noise or a picture: left as read */
#define MAX_DOUBTFUL 4000	/* doubtful marks, as many */
#define MAX_RUNS 200		/* runs read again per page, top down, within the page's area */
#define CONF_FLOOR 40.0f	/* a second reading less sure than this is dropped */
#define RUN_HEIGHT 40.0f	/* pixels a run is enlarged to, at most MAX_SCALE times */
#define MAX_SCALE 4.0f

struct rect {
	int x0, y0, x1, y1;
	float conf;
};

static int
height(const struct rect *r)
{
	return r->y1 - r->y0;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_x0(const void *a, const void *b)
{
	const struct rect *x = a, *y = b;

	return x->x0 < y->x0 ? -1 : x->x0 > y->x0 ? 1 : x->y0 < y->y0 ? -1 : x->y0 > y->y0;
}

static int
cmp_y0(const void *a, const void *b)
{
	const struct rect *x = a, *y = b;

	return x->y0 < y->y0 ? -1 : x->y0 > y->y0 ? 1 : x->x0 < y->x0 ? -1 : x->x0 > y->x0;
}

/*
 * The first reading's words, in walk order; -1 on ENOMEM.  A page of more
 * than MAX_FIRST_WORDS gives none: it is left as first read, as one of
 * too many marks is.
 */
static int
first_words(TessBaseAPI *page, struct rect **out, size_t *n)
{
	TessResultIterator *it = TessBaseAPIGetIterator(page);
	const TessPageIterator *pi;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (it == NULL)
		return 0;
	pi = TessResultIteratorGetPageIteratorConst(it);
	do {
		int box[4];
		char *text = ocr_word_at(it, pi, box);

		if (text == NULL)
			continue;
		TessDeleteText(text);
		if (*n == cap) {
			struct rect *grown = NULL;

			if (cap < MAX_FIRST_WORDS && (grown = realloc(*out, (cap ? cap * 2 : 256) * sizeof(**out))) == NULL)
				rc = -1;
			if (grown == NULL) {
				free(*out);
				*out = NULL;
				*n = 0;
				break;
			}
			*out = grown;
			cap = cap ? cap * 2 : 256;
		}
		(*out)[(*n)++] = (struct rect){ box[0], box[1], box[2], box[3],
		    TessResultIteratorConfidence(it, RIL_WORD) };
	} while (TessResultIteratorNext(it, RIL_WORD));
	TessResultIteratorDelete(it);
	return rc;
}

/* The median height of the words at least below sure; 0 when there are none. */
static int
median_height(const struct rect *w, size_t n, int below)
{
	int *h = malloc((n + 1) * sizeof(*h)), m = 0;
	size_t k = 0;

	if (h == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (w[i].conf >= (float)below && height(&w[i]) > 0)
			h[k++] = height(&w[i]);
	if (k > 0) {
		qsort(h, k, sizeof(*h), cmp_int);
		m = h[k / 2];
	}
	free(h);
	return m;
}

/* A 1-bpp picture of where confident words stand. */
static PIX *
vouched(const struct rect *w, size_t n, int below, int width, int hgt)
{
	PIX *mask = pixCreate(width, hgt, 1);

	for (size_t i = 0; mask != NULL && i < n; i++)
		if (w[i].conf >= (float)below)
			pixRasterop(mask, w[i].x0, w[i].y0, w[i].x1 - w[i].x0 + 1, w[i].y1 - w[i].y0 + 1, PIX_SET,
			    NULL, 0, 0);
	return mask;
}

/* The marks of text size no confident word covers; NULL with *n 0 when none or past the limits. */
static struct rect *
doubtful_marks(PIX *bin, PIX *mask, int mh, size_t *n)
{
	struct rect *out = NULL;
	l_int32 count = 0;
	BOXA *marks;

	*n = 0;
	if (pixCountConnComp(bin, 8, &count) != 0 || count <= 0 || count > MAX_MARKS ||
	    (marks = pixConnCompBB(bin, 8)) == NULL)
		return NULL;
	for (l_int32 i = 0; i < boxaGetCount(marks); i++) {
		l_int32 x, y, w, h;
		l_uint32 covered = 0;

		if (boxaGetBoxGeometry(marks, i, &x, &y, &w, &h) != 0 || h * 10 < mh * 3 || h * 2 > mh * 5 ||
		    w > 3 * mh)
			continue;
		pixGetPixel(mask, x + w / 2, y + h / 2, &covered);
		if (covered)
			continue;
		if (*n == MAX_DOUBTFUL) {
			free(out);
			out = NULL;
			*n = 0;
			break;
		}
		if (out == NULL && (out = malloc(MAX_DOUBTFUL * sizeof(*out))) == NULL)
			break;
		out[(*n)++] = (struct rect){ x, y, x + w, y + h, 0 };
	}
	boxaDestroy(&marks);
	return out;
}

/* The run that mark i begins, grown over the unused marks after it (sorted by x0); its mark count. */
static int
grow_run(const struct rect *m, size_t n, size_t i, bool *used, int mh, struct rect *run)
{
	int rh = height(&m[i]), count = 1;

	*run = m[i];
	used[i] = true;
	for (size_t j = i + 1; j < n && m[j].x0 <= run->x1 + mh * 6 / 5; j++) {
		int cy = (m[j].y0 + m[j].y1) / 2, sh = height(&m[j]);
		int overlap = (m[j].y1 < run->y1 ? m[j].y1 : run->y1) - (m[j].y0 > run->y0 ? m[j].y0 : run->y0);

		if (used[j])
			continue;
		/* a dot or comma sits low, beside the run's bottom */
		if ((cy < run->y0 || cy > run->y1) && !(sh * 5 < rh * 3 && overlap > 0))
			continue;
		if (sh * 2 > rh * 3 && rh * 2 >= mh)
			continue;
		/* grown a mark at a time, a run of skewed rows would take in the row below */
		if (((m[j].y1 > run->y1 ? m[j].y1 : run->y1) - (m[j].y0 < run->y0 ? m[j].y0 : run->y0)) * 2 >
		    (sh > rh ? sh : rh) * 3)
			continue;
		run->x0 = m[j].x0 < run->x0 ? m[j].x0 : run->x0;
		run->y0 = m[j].y0 < run->y0 ? m[j].y0 : run->y0;
		run->x1 = m[j].x1 > run->x1 ? m[j].x1 : run->x1;
		run->y1 = m[j].y1 > run->y1 ? m[j].y1 : run->y1;
		rh = sh > rh ? sh : rh;
		used[j] = true;
		count++;
	}
	return count;
}

static int
add_word(struct ocr_amends *am, size_t *cap, const char *text, float conf, const int box[4], int run)
{
	if (am->nwords == *cap) {
		struct ocr_reread_word *grown = realloc(am->words, (*cap = *cap ? *cap * 2 : 32) * sizeof(*grown));

		if (grown == NULL)
			return -1;
		am->words = grown;
	}
	if ((am->words[am->nwords].text = strdup(text)) == NULL)
		return -1;
	am->words[am->nwords].conf = conf;
	memcpy(am->words[am->nwords].box, box, sizeof(am->words[am->nwords].box));
	am->words[am->nwords++].run = run;
	return 0;
}

/* The margin read around a run: a third of a word's height. */
static int
run_pad(int mh)
{
	return mh / 3 + 1;
}

/* How much a run is enlarged: to RUN_HEIGHT, by 1 to MAX_SCALE. */
static float
run_scale(const struct rect *run)
{
	float f = RUN_HEIGHT / (float)(height(run) > 0 ? height(run) : 1);

	return f < 1 ? 1 : f > MAX_SCALE ? MAX_SCALE : f;
}

/* Reads run alone, padded and enlarged, with lines; its words are added to am in page pixels. */
static int
read_run(TessBaseAPI *lines, PIX *pix, const struct rect *run, int mh, int index, struct ocr_amends *am,
    size_t *cap)
{
	int pad = run_pad(mh), x0 = run->x0 - pad < 0 ? 0 : run->x0 - pad, y0 = run->y0 - pad < 0 ? 0 : run->y0 - pad;
	int x1 = run->x1 + pad > pixGetWidth(pix) ? pixGetWidth(pix) : run->x1 + pad;
	int y1 = run->y1 + pad > pixGetHeight(pix) ? pixGetHeight(pix) : run->y1 + pad;
	float f = run_scale(run);
	BOX *box = boxCreate(x0, y0, x1 - x0, y1 - y0);
	PIX *crop = box != NULL ? pixClipRectangle(pix, box, NULL) : NULL, *big;
	TessResultIterator *it;
	int rc = 0;

	boxDestroy(&box);
	if (crop == NULL)
		return 0;
	big = f > 1.01f ? pixScale(crop, f, f) : pixClone(crop);
	pixDestroy(&crop);
	if (big == NULL)
		return 0;
	pixSetResolution(big, 300, 300);
	TessBaseAPISetImage2(lines, big);
	if (TessBaseAPIRecognize(lines, NULL) == 0 && (it = TessBaseAPIGetIterator(lines)) != NULL) {
		const TessPageIterator *pi = TessResultIteratorGetPageIteratorConst(it);

		do {
			int b[4];
			char *text = ocr_word_at(it, pi, b);

			if (text == NULL)
				continue;
			for (int k = 0; k < 4; k++)
				b[k] = (k % 2 == 0 ? x0 : y0) + (int)((float)b[k] / f + 0.5f);
			/* the margin read around the run shows a skewed neighbour's ink: not the word's */
			b[1] = b[1] < run->y0 ? run->y0 : b[1];
			b[3] = b[3] > run->y1 ? run->y1 : b[3];
			if (b[3] <= b[1]) {
				TessDeleteText(text);
				continue;
			}
			rc = add_word(am, cap, text, TessResultIteratorConfidence(it, RIL_WORD), b, index);
			TessDeleteText(text);
		} while (rc == 0 && TessResultIteratorNext(it, RIL_WORD));
		TessResultIteratorDelete(it);
	}
	TessBaseAPIClear(lines);
	pixDestroy(&big);
	return rc;
}

/* Whether a and b overlap by at least 30 % of the smaller's area. */
static bool
same_place(const int a[4], const struct rect *b)
{
	long ix = (long)(a[2] < b->x1 ? a[2] : b->x1) - (a[0] > b->x0 ? a[0] : b->x0);
	long iy = (long)(a[3] < b->y1 ? a[3] : b->y1) - (a[1] > b->y0 ? a[1] : b->y0);
	long aa = (long)(a[2] - a[0]) * (a[3] - a[1]), ba = (long)(b->x1 - b->x0) * (b->y1 - b->y0);

	return ix > 0 && iy > 0 && ix * iy * 10 >= 3 * (aa < ba ? aa : ba);
}

/*
 * Whether at least 70 % of w's width lies within r's, grown by pad.  Only
 * the width: a word the first reading made of two skewed rows is two runs
 * tall.
 */
static bool
inside(const struct rect *w, const struct rect *r, int pad)
{
	long ix = (long)(w->x1 < r->x1 + pad ? w->x1 : r->x1 + pad) - (w->x0 > r->x0 - pad ? w->x0 : r->x0 - pad);

	return ix > 0 && ix * 10 >= 7L * (w->x1 - w->x0);
}

/*
 * Keeps each second-reading word that is sure enough and surer than every
 * first-reading word in its place, none of which was sure (a run's box
 * can take in a confident word beside its marks) and each of which lies
 * across the run read (a run that saw part of a long word would cut the
 * rest of it off), marking those replaced; the others go.  Runs are
 * then numbered again from 0 over the words kept.
 */
static void
settle(struct ocr_amends *am, const struct rect *first, float below, const struct rect *runs_read, int pad)
{
	size_t kept = 0;
	int last_run = -1, runs = 0;

	for (size_t i = 0; i < am->nwords; i++) {
		struct ocr_reread_word *w = &am->words[i];
		bool keep = w->conf >= CONF_FLOOR;

		for (size_t j = 0; keep && j < am->nfirst; j++)
			if (same_place(w->box, &first[j]) && (first[j].conf >= w->conf || first[j].conf >= below ||
			    !inside(&first[j], &runs_read[w->run], pad)))
				keep = false;
		if (!keep) {
			free(w->text);
			continue;
		}
		for (size_t j = 0; j < am->nfirst; j++)
			if (same_place(w->box, &first[j]))
				am->replaced[j] = true;
		if (w->run != last_run) {
			last_run = w->run;
			runs++;
		}
		w->run = runs - 1;
		am->words[kept++] = *w;
	}
	am->nwords = kept;
	am->nruns = runs;
}

int
ocr_second_look(TessBaseAPI *page, TessBaseAPI *lines, PIX *pix, int below, struct ocr_amends *am)
{
	struct rect *first = NULL, *marks = NULL;
	size_t nmarks = 0, cap = 0;
	PIX *bin = NULL, *mask = NULL;
	bool *used = NULL;
	int mh, rc = 0, runs = 0;
	double budget = (double)pixGetWidth(pix) * pixGetHeight(pix);

	memset(am, 0, sizeof(*am));
	if (below <= 0 || lines == NULL || first_words(page, &first, &am->nfirst) != 0)
		return below <= 0 || lines == NULL ? 0 : -1;
	if (am->nfirst == 0 || (mh = median_height(first, am->nfirst, below)) < 4)
		goto out;
	if ((am->replaced = calloc(am->nfirst, sizeof(*am->replaced))) == NULL ||
	    (bin = TessBaseAPIGetThresholdedImage(page)) == NULL ||
	    (mask = vouched(first, am->nfirst, below, pixGetWidth(bin), pixGetHeight(bin))) == NULL) {
		rc = am->replaced == NULL ? -1 : 0;
		goto out;
	}
	if ((marks = doubtful_marks(bin, mask, mh, &nmarks)) == NULL || (used = calloc(nmarks, sizeof(*used))) == NULL)
		goto out;
	qsort(marks, nmarks, sizeof(*marks), cmp_x0);
	/* the runs replace the marks at the front of marks, then are read top down */
	for (size_t i = 0; i < nmarks && runs < MAX_RUNS; i++) {
		struct rect run;

		/* a lone mark is a speck, a tick, a dot left over */
		if (!used[i] && grow_run(marks, nmarks, i, used, mh, &run) >= 2)
			marks[runs++] = run;
	}
	qsort(marks, (size_t)runs, sizeof(*marks), cmp_y0);
	for (int i = 0; i < runs && rc == 0; i++) {
		float f = run_scale(&marks[i]);
		double area = (double)(marks[i].x1 - marks[i].x0 + 2 * run_pad(mh)) *
		    (height(&marks[i]) + 2 * run_pad(mh)) * f * f;

		/* read again at most the page's pixels: a page made to be all runs costs two readings */
		if ((budget -= area) < 0)
			break;
		rc = read_run(lines, pix, &marks[i], mh, i, am, &cap);
	}
	if (rc == 0)
		settle(am, first, (float)below, marks, run_pad(mh));
out:
	free(used);
	free(marks);
	pixDestroy(&mask);
	pixDestroy(&bin);
	free(first);
	if (rc != 0)
		ocr_amends_free(am);
	return rc;
}

void
ocr_amends_free(struct ocr_amends *am)
{
	for (size_t i = 0; i < am->nwords; i++)
		free(am->words[i].text);
	free(am->words);
	free(am->replaced);
	memset(am, 0, sizeof(*am));
}
