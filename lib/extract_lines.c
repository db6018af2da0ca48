/*
 * extract_lines: the page's words grouped into rows across the page, and
 * each row into segments (runs of words close together).
 *
 * A label and its value are often in different OCR lines (tesseract puts
 * a column of labels and a column of values in different blocks), so
 * rows are made by geometry: the OCR's lines are kept whole when they are
 * plausible (their words overlap vertically) and put on one row with the
 * lines beside them at the same height.  Scans are turned by a degree or
 * two, which on an A4 page at 300 dpi moves the right edge by a line
 * height or more; the skew is measured on the OCR's own lines (the slope
 * of their words' centres), at each word as the median of the few lines
 * nearest it (a photographed receipt slopes more at one end than the
 * other), and taken out before comparing heights.
 * Without line numbers (or with wrong ones) each word stands alone and
 * the rows come from the boxes alone.
 *
 * Cost: sorting, n log n in the words kept (at most EXTRACT_MAX_WORDS).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/extract_int.h"

#define COORD_MAX 1000000	/* boxes are clamped to +-this: no arithmetic overflows */
#define SEG_GAP 1.5		/* a gap over this many row heights starts a segment */
#define MAX_SKEW 0.08		/* tan of the largest skew believed (about 4.5 degrees) */
#define NEAR 5			/* the lines whose slopes make the skew at a place */

static int
clamp_coord(int v)
{
	return v < -COORD_MAX ? -COORD_MAX : v > COORD_MAX ? COORD_MAX : v;
}

static int
height(const struct xword *w)
{
	return w->y1 - w->y0 > 0 ? w->y1 - w->y0 : 1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Copies the words worth keeping; -1 on ENOMEM. */
static int
keep_words(struct xpage *p, const struct extract_word *in, size_t n)
{
	char buf[EXTRACT_MAX_WORD_BYTES * 3 + 4];

	if ((p->words = calloc(n ? n : 1, sizeof(*p->words))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t len = in[i].len < EXTRACT_MAX_WORD_BYTES ? in[i].len : EXTRACT_MAX_WORD_BYTES;
		struct xword *w = &p->words[p->nwords];
		size_t start = 0;

		if (in[i].text == NULL)
			continue;
		len = extract_repair(buf, sizeof(buf), in[i].text, len);
		while (start < len && buf[start] == ' ')
			start++;
		while (len > start && buf[len - 1] == ' ')
			len--;
		if (len == start)
			continue;
		if ((w->text = malloc(len - start + 1)) == NULL)
			return -1;
		memcpy(w->text, buf + start, len - start);
		w->text[len - start] = '\0';
		w->len = len - start;
		w->conf = in[i].confidence >= 0 && in[i].confidence <= 100 ? in[i].confidence : 0;
		w->page = in[i].page;
		w->line = in[i].line > 0 ? in[i].line : 0;
		w->x0 = clamp_coord(in[i].x0 < in[i].x1 ? in[i].x0 : in[i].x1);
		w->x1 = clamp_coord(in[i].x0 < in[i].x1 ? in[i].x1 : in[i].x0);
		w->y0 = clamp_coord(in[i].y0 < in[i].y1 ? in[i].y0 : in[i].y1);
		w->y1 = clamp_coord(in[i].y0 < in[i].y1 ? in[i].y1 : in[i].y0);
		if (w->x1 > p->width)
			p->width = w->x1;
		if (w->y1 > p->height)
			p->height = w->y1;
		p->nwords++;
	}
	return 0;
}

/* A word's index with what it is sorted by. */
struct keyed {
	size_t i;
	int page, line;
	double key;
};

static int
cmp_line_x(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->page != y->page)
		return x->page < y->page ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The median of the n slopes (sorted in place), 0 without any. */
static double
median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static int
cmp_key(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->page != y->page)
		return x->page < y->page ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/*
 * Without lines: the median slope between each word and the nearest word
 * right of it on its text line (close, and overlapping it vertically),
 * among the few words next to it in height order.
 */
static double
skew_from_neighbours(struct xpage *p, struct keyed *k)
{
	double *slopes = malloc((p->nwords + 1) * sizeof(*slopes)), skew = 0;
	size_t ns = 0;

	if (slopes == NULL)
		return 0;
	for (size_t j = 0; j < p->nwords; j++)
		k[j] = (struct keyed){ j, p->words[j].page, 0, (p->words[j].y0 + p->words[j].y1) / 2.0 };
	qsort(k, p->nwords, sizeof(*k), cmp_key);
	for (size_t j = 0; j < p->nwords; j++) {
		const struct xword *a = &p->words[k[j].i];
		int h = height(a), best_dx = 4 * h + 1;
		double best = 0;

		for (size_t m = j > 16 ? j - 16 : 0; m < p->nwords && m < j + 16; m++) {
			const struct xword *b = &p->words[k[m].i];
			int dx = b->x0 - a->x1;

			if (m == j || b->page != a->page || dx < 0 || dx >= best_dx || b->y1 < a->y0 || b->y0 > a->y1)
				continue;
			best_dx = dx;
			best = ((b->y0 + b->y1) - (a->y0 + a->y1)) / 2.0 / (double)((b->x0 + b->x1 - a->x0 - a->x1) / 2 + 1);
		}
		if (best_dx <= 4 * h && fabs(best) < MAX_SKEW)
			slopes[ns++] = best;
	}
	skew = median(slopes, ns);
	free(slopes);
	return skew;
}

/* A line's slope, where it stands. */
struct slope {
	int page;
	double y, slope;
};

/*
 * The slope of each of the OCR's lines of three words or more, into
 * *out (malloc'd, *nout of them); -1 on ENOMEM.
 */
static int
line_slopes(struct xpage *p, struct keyed *k, struct slope **out, size_t *nout)
{
	struct slope *v = malloc((p->nwords / 3 + 1) * sizeof(*v));
	size_t ns = 0, i = 0;

	if (v == NULL)
		return -1;
	for (size_t j = 0; j < p->nwords; j++)
		k[j] = (struct keyed){ j, p->words[j].page, p->words[j].line, p->words[j].x0 };
	qsort(k, p->nwords, sizeof(*k), cmp_line_x);
	while (i < p->nwords) {
		size_t e = i + 1;
		double sx = 0, sy = 0, sxx = 0, sxy = 0, m;

		while (e < p->nwords && k[e].page == k[i].page && k[e].line == k[i].line)
			e++;
		if (k[i].line > 0 && e - i >= 3) {
			for (size_t j = i; j < e; j++) {
				const struct xword *w = &p->words[k[j].i];
				double x = (w->x0 + w->x1) / 2.0, y = (w->y0 + w->y1) / 2.0;

				sx += x;
				sy += y;
				sxx += x * x;
				sxy += x * y;
			}
			m = (double)(e - i);
			if (sxx * m - sx * sx > 1e-6) {
				double slope = (sxy * m - sx * sy) / (sxx * m - sx * sx);

				if (fabs(slope) < MAX_SKEW)
					v[ns++] = (struct slope){ k[i].page, sy / m, slope };
			}
		}
		i = e;
	}
	*out = v;
	*nout = ns;
	return 0;
}

static int
cmp_slope(const void *a, const void *b)
{
	const struct slope *x = a, *y = b;

	if (x->page != y->page)
		return x->page < y->page ? -1 : 1;
	return x->y < y->y ? -1 : x->y > y->y;
}

/*
 * The skew where a word stands: the median slope of the NEAR lines
 * nearest it in height on its page (v sorted by cmp_slope).  A
 * photographed receipt is not turned as one: its bottom may slope twice
 * as much as its top.
 */
static double
local_skew(const struct slope *v, size_t n, int page, double y)
{
	double near[NEAR];
	size_t lo = 0, hi = n, k = 0, l, r;

	/* the first line at or below y on the page */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].page < page || (v[mid].page == page && v[mid].y < y))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (l = lo, r = lo; k < NEAR;) {
		bool left = l > 0 && v[l - 1].page == page, right = r < n && v[r].page == page;

		if (left && (!right || y - v[l - 1].y <= v[r].y - y))
			near[k++] = v[--l].slope;
		else if (right)
			near[k++] = v[r++].slope;
		else
			break;
	}
	return median(near, k);
}

/* A unit of words that stay on one row: an OCR line whose words overlap vertically, or one word. */
struct unit {
	size_t first, count;	/* into the keyed order */
	int page;
	double yc;
	int h;
};

static int
cmp_unit(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;

	if (x->page != y->page)
		return x->page < y->page ? -1 : 1;
	if (x->yc != y->yc)
		return x->yc < y->yc ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Whether the words k[i..e) overlap vertically enough to be one line. */
static bool
plausible_line(const struct xpage *p, const struct keyed *k, size_t i, size_t e)
{
	double lo = -1e18, hi = 1e18;

	for (size_t j = i; j < e; j++) {
		const struct xword *w = &p->words[k[j].i];
		double c = w->yc, h = height(w);

		/* every centre within the others' half heights */
		if (c - h / 2 > lo)
			lo = c - h / 2;
		if (c + h / 2 < hi)
			hi = c + h / 2;
	}
	return lo <= hi + 1;
}

static int
make_units(struct xpage *p, struct keyed *k, struct unit **out, size_t *nout)
{
	struct unit *u = malloc((p->nwords ? p->nwords : 1) * sizeof(*u));
	size_t nu = 0, i = 0;

	if (u == NULL)
		return -1;
	while (i < p->nwords) {
		size_t e = i + 1;

		while (e < p->nwords && k[i].line > 0 && k[e].page == k[i].page && k[e].line == k[i].line)
			e++;
		if (e - i > 1 && !plausible_line(p, k, i, e))
			e = i + 1;
		u[nu] = (struct unit){ i, e - i, k[i].page, 0, 1 };
		{
			int hs[64], nh = 0;

			for (size_t j = i; j < e; j++) {
				u[nu].yc += p->words[k[j].i].yc;
				if (nh < 64)
					hs[nh++] = height(&p->words[k[j].i]);
			}
			u[nu].yc /= (double)(e - i);
			qsort(hs, (size_t)nh, sizeof(int), cmp_int);
			u[nu].h = hs[nh / 2];
		}
		nu++;
		i = e;
	}
	qsort(u, nu, sizeof(*u), cmp_unit);
	*out = u;
	*nout = nu;
	return 0;
}

static int
cmp_x(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Joins the words of a segment into its text and folds it; -1 on ENOMEM. */
static int
finish_segment(struct xpage *p, struct xseg *s, const size_t *order)
{
	size_t len = 0, cap = 0;
	int hs[64], nh = 0;

	for (size_t j = 0; j < s->nwords; j++)
		cap += p->words[order[s->first_word + j]].len + 1;
	if (cap > EXTRACT_SEG_MAX_BYTES)
		cap = EXTRACT_SEG_MAX_BYTES;
	if ((s->text = malloc(cap + 1)) == NULL)
		return -1;
	s->x0 = s->y0 = COORD_MAX;
	s->x1 = s->y1 = -COORD_MAX;
	for (size_t j = 0; j < s->nwords; j++) {
		const struct xword *w = &p->words[order[s->first_word + j]];
		size_t take = w->len;

		if (len + (len > 0) + take > cap)
			take = len + (len > 0) < cap ? cap - len - (len > 0) : 0;
		/* cut at a character boundary */
		while (take > 0 && take < w->len && ((unsigned char)w->text[take] & 0xc0) == 0x80)
			take--;
		if (take > 0) {
			if (len > 0)
				s->text[len++] = ' ';
			memcpy(s->text + len, w->text, take);
			len += take;
		}
		s->conf += w->conf;
		s->x0 = w->x0 < s->x0 ? w->x0 : s->x0;
		s->y0 = w->y0 < s->y0 ? w->y0 : s->y0;
		s->x1 = w->x1 > s->x1 ? w->x1 : s->x1;
		s->y1 = w->y1 > s->y1 ? w->y1 : s->y1;
		if (nh < 64)
			hs[nh++] = height(w);
	}
	s->text[len] = '\0';
	s->len = len;
	s->conf /= (double)s->nwords;
	qsort(hs, (size_t)nh, sizeof(int), cmp_int);
	s->height = hs[nh / 2];
	return extract_fold(s->text, s->len, &s->fold, &s->foldlen, &s->map);
}

/*
 * The words of units [ua, ub), one row, into segments left to right.
 * order receives the word indices of the row in x order.
 */
static int
split_row(struct xpage *p, const struct keyed *k, const struct unit *u, size_t ua, size_t ub,
    size_t *order, size_t *norder, struct keyed *scratch)
{
	size_t n = 0, start = *norder;
	int hs[256], nh = 0, rowh;

	for (size_t a = ua; a < ub; a++)
		for (size_t j = u[a].first; j < u[a].first + u[a].count; j++) {
			const struct xword *w = &p->words[k[j].i];

			scratch[n++] = (struct keyed){ k[j].i, w->page, w->line, w->x0 };
			if (nh < 256)
				hs[nh++] = height(w);
		}
	qsort(scratch, n, sizeof(*scratch), cmp_x);
	qsort(hs, (size_t)nh, sizeof(int), cmp_int);
	rowh = hs[nh / 2];
	p->rows[p->nrows] = (struct xrow){ p->nsegs, 0, u[ua].page, COORD_MAX, -COORD_MAX };
	for (size_t j = 0; j < n; j++) {
		const struct xword *w = &p->words[scratch[j].i];
		struct xrow *r = &p->rows[p->nrows];
		bool split = j == 0;

		if (j > 0) {
			const struct xword *prev = &p->words[scratch[j - 1].i];
			int gap = w->x0 - prev->x1;

			split = gap > SEG_GAP * rowh ||
			    (w->line != prev->line && gap > 0.8 * rowh);
		}
		if (split) {
			if (p->nsegs > 0 && j > 0 && finish_segment(p, &p->segs[p->nsegs - 1], order) != 0)
				return -1;
			p->segs[p->nsegs] = (struct xseg){ .page = w->page, .row = (int)p->nrows,
				.first_word = start + j };
			p->nsegs++;
			r->nsegs++;
		}
		p->segs[p->nsegs - 1].nwords++;
		order[start + j] = scratch[j].i;
		p->words[scratch[j].i].row = (int)p->nrows;
		r->y0 = w->y0 < r->y0 ? w->y0 : r->y0;
		r->y1 = w->y1 > r->y1 ? w->y1 : r->y1;
	}
	*norder = start + n;
	if (n > 0 && finish_segment(p, &p->segs[p->nsegs - 1], order) != 0)
		return -1;
	p->nrows++;
	return 0;
}

int
extract_lines(struct xpage *p, const struct extract_word *in, size_t n)
{
	struct keyed *k = NULL, *scratch = NULL;
	struct unit *u = NULL;
	struct slope *slopes = NULL;
	size_t nu = 0, *order = NULL, norder = 0, a = 0, nslopes = 0;
	double skew;
	int rc = -1;

	if (keep_words(p, in, n) != 0)
		return -1;
	if (p->nwords == 0)
		return 0;
	if ((k = malloc(p->nwords * sizeof(*k))) == NULL ||
	    (scratch = malloc(p->nwords * sizeof(*scratch))) == NULL ||
	    (order = malloc(p->nwords * sizeof(*order))) == NULL ||
	    (p->segs = calloc(p->nwords, sizeof(*p->segs))) == NULL ||
	    (p->rows = calloc(p->nwords, sizeof(*p->rows))) == NULL)
		goto out;
	if (line_slopes(p, k, &slopes, &nslopes) != 0)
		goto out;
	qsort(slopes, nslopes, sizeof(*slopes), cmp_slope);
	skew = nslopes == 0 ? skew_from_neighbours(p, k) : 0;
	for (size_t i = 0; i < p->nwords; i++) {
		struct xword *w = &p->words[i];
		double y = (w->y0 + w->y1) / 2.0;

		w->yc = y - (nslopes > 0 ? local_skew(slopes, nslopes, w->page, y) : skew) * (w->x0 + w->x1) / 2.0;
	}
	if (make_units(p, k, &u, &nu) != 0)
		goto out;
	/* units at about the same height make a row: within 0.6 of the smaller's height of the row's mean */
	while (a < nu) {
		size_t b = a + 1;
		double sum = u[a].yc;

		while (b < nu && u[b].page == u[a].page) {
			double mean = sum / (double)(b - a);
			int h = u[b].h < u[a].h ? u[b].h : u[a].h;

			if (u[b].yc - mean > 0.6 * h)
				break;
			sum += u[b].yc;
			b++;
		}
		if (split_row(p, k, u, a, b, order, &norder, scratch) != 0)
			goto out;
		a = b;
	}
	/* segments index words in reading order: keep that order as the words' */
	{
		struct xword *sorted = malloc(p->nwords * sizeof(*sorted));

		if (sorted == NULL)
			goto out;
		for (size_t i = 0; i < norder; i++)
			sorted[i] = p->words[order[i]];
		free(p->words);
		p->words = sorted;
	}
	rc = 0;
out:
	free(k);
	free(scratch);
	free(order);
	free(u);
	free(slopes);
	return rc;
}

size_t
extract_seg_right(const struct xpage *p, size_t s)
{
	return s + 1 < p->nsegs && p->segs[s + 1].row == p->segs[s].row ? s + 1 : (size_t)-1;
}

size_t
extract_seg_below(const struct xpage *p, size_t s)
{
	const struct xseg *a = &p->segs[s];

	for (size_t r = (size_t)a->row + 1; r < p->nrows && r <= (size_t)a->row + 3; r++) {
		const struct xrow *row = &p->rows[r];

		if (row->page != a->page || row->y0 - a->y1 > 3 * a->height + 10)
			break;
		for (size_t j = row->first_seg; j < row->first_seg + row->nsegs; j++) {
			const struct xseg *b = &p->segs[j];
			int lo = a->x0 > b->x0 ? a->x0 : b->x0, hi = a->x1 < b->x1 ? a->x1 : b->x1;

			if (lo < hi)
				return j;
		}
	}
	return (size_t)-1;
}
