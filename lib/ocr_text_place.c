/*
 * ocr_text_place: see ocr_text_place.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/ocr_text_place.h"

void
ocr_text_lines_begin(struct ocr_text_lines *l, size_t start, const int box[4])
{
	if (l->failed)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct ocr_text_line *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL) {
			l->failed = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].start = l->v[l->n].end = start;
	memcpy(l->v[l->n++].box, box, sizeof(l->v[0].box));
}

void
ocr_text_lines_word(struct ocr_text_lines *l, size_t start, size_t end, int x0)
{
	if (l->failed || l->n == 0)
		return;
	if (l->nw == l->capw) {
		size_t cap = l->capw ? l->capw * 2 : 256;
		struct ocr_text_word *w = realloc(l->w, cap * sizeof(*w));

		if (w == NULL) {
			l->failed = true;
			return;
		}
		l->w = w;
		l->capw = cap;
	}
	l->w[l->nw++] = (struct ocr_text_word){ start, x0, l->n - 1 };
	l->v[l->n - 1].end = end;
}

void
ocr_text_lines_free(struct ocr_text_lines *l)
{
	free(l->v);
	free(l->w);
	memset(l, 0, sizeof(*l));
}

/* Where a run goes: before byte at, with its text after a space or newline, or before one. */
struct placing {
	size_t at;
	int run;
	char sep;		/* ' ' or '\n' */
	bool sep_first;		/* the separator, then the run's text; else the text, then it */
};

static int
cmp_placing(const void *a, const void *b)
{
	const struct placing *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->run < y->run ? -1 : x->run > y->run;
}

/* The words of run from *i on, as one box; *i is left at the next run's first word. */
static void
run_box(const struct ocr_amends *am, size_t *i, int box[4])
{
	int run = am->words[*i].run;

	memcpy(box, am->words[*i].box, 4 * sizeof(int));
	for (; *i < am->nwords && am->words[*i].run == run; ++*i) {
		const int *b = am->words[*i].box;

		box[0] = b[0] < box[0] ? b[0] : box[0];
		box[1] = b[1] < box[1] ? b[1] : box[1];
		box[2] = b[2] > box[2] ? b[2] : box[2];
		box[3] = b[3] > box[3] ? b[3] : box[3];
	}
}

/* The line a run of box b joins or follows, as a placing. */
static struct placing
place(const struct ocr_text_lines *l, size_t page_start, const int b[4], int run)
{
	long best_overlap = 0, above_cy = 0, cy = ((long)b[1] + b[3]) / 2;
	size_t best = l->n, above = l->n;

	for (size_t k = 0; k < l->n; k++) {
		const int *lb = l->v[k].box;
		long overlap = (long)(b[3] < lb[3] ? b[3] : lb[3]) - (b[1] > lb[1] ? b[1] : lb[1]);
		long lh = lb[3] - lb[1], rh = b[3] - b[1], lcy = ((long)lb[1] + lb[3]) / 2;

		/* the same row: overlapping by half the lower of the two */
		if (overlap * 2 >= (lh < rh ? lh : rh) && overlap > best_overlap) {
			best_overlap = overlap;
			best = k;
		}
		if (lcy <= cy && (above == l->n || lcy >= above_cy)) {
			above = k;
			above_cy = lcy;
		}
	}
	if (best < l->n) {
		/* before the first of the line's words right of it, else at its end */
		for (size_t k = 0; k < l->nw; k++)
			if (l->w[k].line == best && l->w[k].x0 >= b[0])
				return (struct placing){ l->w[k].start, run, ' ', false };
		return (struct placing){ l->v[best].end, run, ' ', true };
	}
	if (above < l->n)
		return (struct placing){ l->v[above].end, run, '\n', true };
	return (struct placing){ page_start, run, '\n', false };
}

/* The words of run from word i, joined by spaces. */
static void
add_run_text(struct strbuf *t, const struct ocr_amends *am, size_t i)
{
	for (size_t k = i; k < am->nwords && am->words[k].run == am->words[i].run; k++) {
		if (k > i)
			strbuf_adds(t, " ");
		strbuf_adds(t, am->words[k].text);
	}
}

int
ocr_text_place(struct strbuf *text, size_t page_start, const struct ocr_text_lines *l,
    const struct ocr_amends *am)
{
	struct placing *pl;
	size_t *first, np = 0, from;
	struct strbuf out = { 0 };

	if (l->failed || l->n == 0 || am->nwords == 0 || text->failed || page_start > text->len)
		return -1;
	pl = calloc((size_t)am->nruns + 1, sizeof(*pl));
	first = calloc((size_t)am->nruns + 1, sizeof(*first));
	if (pl == NULL || first == NULL) {
		free(pl);
		free(first);
		return -1;
	}
	for (size_t i = 0; i < am->nwords && np < (size_t)am->nruns;) {
		int box[4];

		first[np] = i;
		run_box(am, &i, box);
		pl[np] = place(l, page_start, box, (int)np);
		np++;
	}
	qsort(pl, np, sizeof(*pl), cmp_placing);
	from = page_start;
	for (size_t k = 0; k < np; k++) {
		strbuf_add(&out, text->p + from, pl[k].at - from);
		from = pl[k].at;
		if (pl[k].sep_first)
			strbuf_add(&out, &pl[k].sep, 1);
		add_run_text(&out, am, first[pl[k].run]);
		if (!pl[k].sep_first)
			strbuf_add(&out, &pl[k].sep, 1);
	}
	strbuf_add(&out, text->p + from, text->len - from);
	free(pl);
	free(first);
	if (out.failed) {
		free(out.p);
		return -1;
	}
	text->len = page_start;
	text->p[page_start] = '\0';
	strbuf_add(text, out.p, out.len);
	free(out.p);
	return text->failed ? -1 : 0;
}
