/*
 * score: CER and bag-of-words recall of an OCR text against its ground
 * truth; see score.h for the definition, which other tools' numbers are
 * compared against, so it changes only together with them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/ocr/score.h"

/* A byte that is not valid UTF-8 becomes a unit no code point can equal. */
#define INVALID_BYTE(b) (0x110000u + (uint32_t)(b))

struct span {
	const uint32_t *p;
	size_t len;
};

/*
 * One code point from s at *i, advancing *i past it; a malformed, overlong
 * or surrogate sequence yields its first byte alone, so a damaged text
 * costs one edit per bad byte, as in a decoder that escapes them.
 */
static uint32_t
utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char b = s[*i];
	size_t need;
	uint32_t c, min;

	if (b < 0x80) {
		(*i)++;
		return b;
	}
	if (b >= 0xc2 && b <= 0xdf)
		need = 1, c = b & 0x1f, min = 0x80;
	else if (b >= 0xe0 && b <= 0xef)
		need = 2, c = b & 0x0f, min = 0x800;
	else if (b >= 0xf0 && b <= 0xf4)
		need = 3, c = b & 0x07, min = 0x10000;
	else
		goto invalid;
	if (len - *i <= need)
		goto invalid;
	for (size_t k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			goto invalid;
		c = c << 6 | (s[*i + k] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto invalid;
	*i += need + 1;
	return c;
invalid:
	(*i)++;
	return INVALID_BYTE(b);
}

static int
is_space(uint32_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Tesseract prints typographic quotes and dashes where ground truth is ASCII. */
static uint32_t
fold_quote(uint32_t c)
{
	switch (c) {
	case 0x2018:
	case 0x2019:
		return '\'';
	case 0x201c:
	case 0x201d:
		return '"';
	case 0x2013:
	case 0x2014:
		return '-';
	}
	return c;
}

/* The normalised text as code points in a malloc'd array of *n, or NULL. */
static uint32_t *
normalise(const char *s, size_t len, int fold_quotes, size_t *n)
{
	uint32_t *cp = malloc((len + 1) * sizeof(*cp));
	size_t i = 0, k = 0;
	int space = 0;

	if (cp == NULL)
		return NULL;
	while (i < len) {
		uint32_t c = utf8_next((const unsigned char *)s, len, &i);

		if (is_space(c)) {
			space = k > 0;
			continue;
		}
		if (space)
			cp[k++] = ' ';
		space = 0;
		cp[k++] = fold_quotes ? fold_quote(c) : c;
	}
	*n = k;
	return cp;
}

/*
 * Edit distance keeping two rows of the shorter text's length: a page is
 * some 4000 code points, and a full matrix of it would be 128 MB.
 */
static int
levenshtein(const uint32_t *a, size_t n, const uint32_t *b, size_t m, size_t *dist)
{
	size_t *prev, *cur, *t;

	if (m > n) {
		const uint32_t *tp = a;
		size_t tn = n;

		a = b, n = m;
		b = tp, m = tn;
	}
	prev = malloc((m + 1) * sizeof(*prev));
	cur = malloc((m + 1) * sizeof(*cur));
	if (prev == NULL || cur == NULL) {
		free(prev);
		free(cur);
		return -1;
	}
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
		}
		t = prev, prev = cur, cur = t;
	}
	*dist = prev[m];
	free(prev);
	free(cur);
	return 0;
}

static int
span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;

	for (size_t i = 0; i < n; i++)
		if (a->p[i] != b->p[i])
			return a->p[i] < b->p[i] ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

/* The words of a normalised text, sorted, in a malloc'd array, or NULL. */
static struct span *
split_words(const uint32_t *cp, size_t n, size_t *count)
{
	struct span *w = malloc((n / 2 + 1) * sizeof(*w));
	size_t k = 0, start = 0;

	if (w == NULL)
		return NULL;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && cp[i] != ' ')
			continue;
		if (i > start)
			w[k++] = (struct span){ cp + start, i - start };
		start = i + 1;
	}
	qsort(w, k, sizeof(*w), span_cmp);
	*count = k;
	return w;
}

/* Reference words found in the hypothesis, each used at most once. */
static int
count_found(const uint32_t *ref, size_t n, const uint32_t *hyp, size_t m,
    size_t *ref_words, size_t *found)
{
	struct span *rw, *hw;
	size_t nr, nh, i = 0, j = 0;

	rw = split_words(ref, n, &nr);
	hw = split_words(hyp, m, &nh);
	if (rw == NULL || hw == NULL) {
		free(rw);
		free(hw);
		return -1;
	}
	*found = 0;
	while (i < nr && j < nh) {
		int c = span_cmp(&rw[i], &hw[j]);

		if (c == 0)
			(*found)++;
		i += c <= 0;
		j += c >= 0;
	}
	*ref_words = nr;
	free(rw);
	free(hw);
	return 0;
}

int
score_texts(const char *ref, size_t ref_len, const char *hyp, size_t hyp_len,
    int fold_quotes, struct score *out)
{
	uint32_t *r, *h;
	size_t n = 0, m = 0;
	int rc = -1;

	r = normalise(ref, ref_len, fold_quotes, &n);
	h = normalise(hyp, hyp_len, fold_quotes, &m);
	if (r != NULL && h != NULL && levenshtein(r, n, h, m, &out->edits) == 0 &&
	    count_found(r, n, h, m, &out->ref_words, &out->words_found) == 0) {
		out->ref_chars = n;
		rc = 0;
	}
	free(r);
	free(h);
	return rc;
}

double
score_cer(const struct score *s)
{
	return (double)s->edits / (double)(s->ref_chars ? s->ref_chars : 1);
}

double
score_word_recall(const struct score *s)
{
	return s->ref_words ? (double)s->words_found / (double)s->ref_words : 1.0;
}

int
score_read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 8192, n = 0, got;
	char *b = NULL, *nb;
	int saved;

	if (f == NULL)
		return -1;
	do {
		if ((nb = realloc(b, cap + 1)) == NULL)
			goto fail;
		b = nb;
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n == cap)
			cap *= 2;
	} while (got > 0);
	if (ferror(f)) {
		errno = EIO;
		goto fail;
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	saved = errno;
	free(b);
	fclose(f);
	errno = saved;
	return -1;
}
