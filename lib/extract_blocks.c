/*
 * extract_blocks: the buyer no label names.  Many invoices print the
 * customer as a bare address block -- in the envelope window, or beside
 * the seller's -- a name over two to five lines aligned on its left edge,
 * close together, one of them with a number (the street, the postcode):
 *
 *	Pino Bluebird
 *	Sessamestreet 32
 *	1025 RX Amsterdam
 *
 * The buyer's is the first such block in the upper half of the first page
 * that is not the seller's (the one holding the seller's name) and holds
 * no label; its first line is the name.  "YourCompany, Mitchell Admin":
 * the company before the contact person.
 */
#include <string.h>
#include <strings.h>

#include "lib/extract_int.h"

#define BLOCK_SHARE 0.5		/* of the first page's height: where the parties' blocks are */
#define BLOCK_MAX_LINES 6
#define LINE_GAP 1.5		/* at most this many line heights between two lines of a block */
#define ALIGN 1.5		/* left edges this many line heights apart at most are aligned */

/* The segment of the next rows that continues segment a's block, or (size_t)-1. */
static size_t
next_line(const struct xpage *p, size_t a)
{
	const struct xseg *A = &p->segs[a];
	int h = A->height > 0 ? A->height : 1;

	for (size_t r = (size_t)A->row + 1; r < p->nrows && r <= (size_t)A->row + 2; r++) {
		const struct xrow *row = &p->rows[r];

		if (row->page != A->page || row->y0 - A->y1 > LINE_GAP * h)
			break;
		for (size_t j = row->first_seg; j < row->first_seg + row->nsegs; j++) {
			int dx = p->segs[j].x0 - A->x0;

			if (dx < 0)
				dx = -dx;
			if (dx <= ALIGN * h)
				return j;
		}
	}
	return (size_t)-1;
}

/* Whether segment s is a block's first line: no line of a block above it. */
static bool
starts_block(const struct xpage *p, size_t s)
{
	for (size_t r = p->segs[s].row >= 2 ? (size_t)p->segs[s].row - 2 : 0; r < (size_t)p->segs[s].row; r++)
		for (size_t j = p->rows[r].first_seg; j < p->rows[r].first_seg + p->rows[r].nsegs; j++)
			if (next_line(p, j) == s)
				return false;
	return true;
}

static bool
name_line(const struct xseg *s)
{
	size_t letters = 0, digits = 0;

	for (size_t i = 0; i < s->foldlen; i++) {
		letters += s->fold[i] >= 'a' && s->fold[i] <= 'z';
		digits += s->fold[i] >= '0' && s->fold[i] <= '9';
	}
	return letters >= 3 && digits == 0 && s->text[0] != '(';
}

size_t
extract_unlabelled_buyer(const struct xpage *p, size_t seller)
{
	if (p->nsegs == 0)
		return (size_t)-1;
	for (size_t i = 0; i < p->nsegs; i++) {
		const struct xseg *s = &p->segs[i];
		size_t line = i, n = 1;
		bool number = false, clean = true;

		if (s->page != p->segs[0].page || s->y0 > p->height * BLOCK_SHARE)
			break;
		if (!name_line(s) || s->nmatches > 0 || !starts_block(p, i))
			continue;
		while (n < BLOCK_MAX_LINES && (line = next_line(p, line)) != (size_t)-1) {
			number |= extract_has_digit(p->segs[line].text, p->segs[line].len);
			clean &= p->segs[line].nmatches == 0 && line != seller;
			n++;
		}
		if (n >= 3 && number && clean && i != seller)
			return i;
	}
	return (size_t)-1;
}

/* Whether the word at s (up to a point or a blank) is a legal form: "Inc.", "LLC". */
static bool
legal_form_word(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && s[n] != '.' && s[n] != ' ')
		n++;
	for (size_t k = 0; k < extract_nlegal_forms; k++)
		if (strlen(extract_legal_forms[k]) == n && strncasecmp(extract_legal_forms[k], s, n) == 0)
			return true;
	return false;
}

void
extract_company_first(const char **s, size_t *len)
{
	const char *comma = memchr(*s, ',', *len);
	size_t at = comma != NULL ? (size_t)(comma - *s) : 0;

	/* "YourCompany, Mitchell Admin"; but "Acme, Inc." is one name */
	if (comma != NULL && at > 0 && at + 2 < *len && comma[1] == ' ' && comma[2] >= 'A' && comma[2] <= 'Z' &&
	    !legal_form_word(comma + 2, *len - at - 2))
		*len = at;
}
