/*
 * extract_values: where a label's value is on the page.  In order of
 * trust: after the label in its own segment ("Invoice No.: 123"), in the
 * segment to its right on the same row (a column of labels beside a
 * column of values), in the segment just below it ("Bill To" over the
 * customer's name; a header row over its values).  A segment that begins
 * with a label of its own is nobody's value.
 */
#include <string.h>

#include "lib/extract_int.h"

#define RIGHT_MAX_GAP 0.85	/* of the page width: a totals row spans most of it */

void
extract_trim_value(const char **s, size_t *len)
{
	const char *p = *s, *e = *s + *len;

	/* punctuation, the degree and ordinal signs of "N°" and "Nº", dashes */
	for (;;) {
		if (p < e && strchr(" :;-#=|.,)*>", *p) != NULL)
			p++;
		else if (e - p >= 2 && (unsigned char)p[0] == 0xc2 && ((unsigned char)p[1] == 0xb0 ||
		    (unsigned char)p[1] == 0xba))
			p += 2;
		else if (e - p >= 3 && (memcmp(p, "\xe2\x80\x94", 3) == 0 || memcmp(p, "\xe2\x80\x93", 3) == 0))
			p += 3;		/* a dash between label and value */
		else
			break;
	}
	while (e > p && strchr(" :;|,(*<", e[-1]) != NULL)
		e--;
	*s = p;
	*len = (size_t)(e - p);
}

static int
add(struct xvalue *out, int n, int nmax, size_t seg, const char *text, size_t len, double where)
{
	extract_trim_value(&text, &len);
	if (len == 0 || n >= nmax)
		return n;
	out[n] = (struct xvalue){ seg, text, len, where };
	return n + 1;
}

/* The text of segment s up to its first label after the start. */
static void
seg_value_text(const struct xpage *p, size_t s, const char **text, size_t *len)
{
	const struct xseg *seg = &p->segs[s];

	*text = seg->text;
	*len = seg->nmatches > 0 ? p->matches[seg->first_match].raw_start : seg->len;
}

int
extract_value_text(const struct xpage *p, const struct xmatch *m, struct xvalue *out, int nmax)
{
	const struct xseg *seg = &p->segs[m->seg];
	size_t right = extract_seg_right(p, m->seg), below;
	const char *t;
	size_t len;
	int n = 0;

	if (m->value_end > m->raw_end)
		n = add(out, n, nmax, m->seg, seg->text + m->raw_end, m->value_end - m->raw_end, 1.0);
	/* right or below only for the segment's last label: others have their value before the next */
	if (m->value_end != seg->len)
		return n;
	if (right != (size_t)-1 && !extract_seg_starts_with_label(p, right) &&
	    p->segs[right].x0 - seg->x1 < RIGHT_MAX_GAP * p->width) {
		seg_value_text(p, right, &t, &len);
		n = add(out, n, nmax, right, t, len, 0.9);
	}
	below = extract_seg_below(p, m->seg);
	if (below != (size_t)-1 && !extract_seg_starts_with_label(p, below)) {
		seg_value_text(p, below, &t, &len);
		n = add(out, n, nmax, below, t, len, 0.7);
	}
	return n;
}
