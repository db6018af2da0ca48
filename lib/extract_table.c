/*
 * extract_table: the line items, from the table under a header row.
 *
 * The header row is the first row that names two columns or more of a
 * table (Description, Qty, Unit price, Amount; STT, Tên hàng hóa, Đơn vị
 * tính, Số lượng, Đơn giá, Thành tiền ...) with a description or an
 * amount among them.  Its labels' boxes give the columns; each segment
 * of a row below goes to the column whose header is nearest to it
 * horizontally.  A row with an amount is an item; a row of text only
 * continues the item above (a description on two lines); a row of
 * column numbers ("1 2 3 4 5 6=4x5", as Vietnamese VAT invoices print
 * under the header) or of glosses ("(Quantity)") is neither.  The table
 * ends at the totals block's first label or after a long empty gap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/extract_int.h"

#define MAX_COLUMNS 12
#define DESC_MAX 400		/* bytes of a description kept */

struct column {
	enum xlabel kind;
	int x0, x1;
};

/* The x extent of match m within its segment, from its share of the segment's text. */
static void
match_extent(const struct xpage *p, const struct xmatch *m, int *x0, int *x1)
{
	const struct xseg *s = &p->segs[m->seg];
	double w = s->x1 - s->x0, len = s->len > 0 ? (double)s->len : 1;

	*x0 = s->x0 + (int)(w * (double)m->raw_start / len);
	*x1 = s->x0 + (int)(w * (double)m->raw_end / len);
}

/* The columns named on row r added to the n in cols; their number. */
static int
header_columns(const struct xpage *p, size_t r, struct column *cols, int n)
{
	const struct xrow *row = &p->rows[r];

	for (size_t s = row->first_seg; s < row->first_seg + row->nsegs; s++)
		for (size_t j = p->segs[s].first_match; j < p->segs[s].first_match + p->segs[s].nmatches; j++) {
			const struct xmatch *m = &p->matches[j];
			bool dup = false;

			if (m->column == L_NONE || n >= MAX_COLUMNS)
				continue;
			for (int k = 0; k < n; k++)
				dup |= cols[k].kind == m->column;
			if (dup)
				continue;
			cols[n].kind = m->column;
			match_extent(p, m, &cols[n].x0, &cols[n].x1);
			n++;
		}
	return n;
}

static bool
is_header(const struct column *cols, int n)
{
	bool desc = false, amount = false, qty = false, price = false;

	for (int k = 0; k < n; k++) {
		desc |= cols[k].kind == L_COL_DESC;
		amount |= cols[k].kind == L_COL_AMOUNT;
		qty |= cols[k].kind == L_COL_QTY;
		price |= cols[k].kind == L_COL_PRICE;
	}
	return n >= 2 && (desc || amount) && (amount || qty || price);
}

/* The column nearest to segment s: overlapping it most, else closest. */
static enum xlabel
column_of(const struct xseg *s, const struct column *cols, int n)
{
	int best = -1;
	double best_d = 1e18;

	for (int k = 0; k < n; k++) {
		int lo = s->x0 > cols[k].x0 ? s->x0 : cols[k].x0, hi = s->x1 < cols[k].x1 ? s->x1 : cols[k].x1;
		double d = hi > lo ? -(double)(hi - lo) :
		    (double)(s->x0 > cols[k].x1 ? s->x0 - cols[k].x1 : cols[k].x0 - s->x1);

		if (d < best_d) {
			best_d = d;
			best = k;
		}
	}
	return best < 0 ? L_NONE : cols[best].kind;
}

static bool
ends_table(const struct xpage *p, size_t r)
{
	const struct xrow *row = &p->rows[r];

	for (size_t s = row->first_seg; s < row->first_seg + row->nsegs; s++)
		for (size_t j = p->segs[s].first_match; j < p->segs[s].first_match + p->segs[s].nmatches; j++) {
			enum xlabel l = p->matches[j].label;

			if (l == L_SUBTOTAL || l == L_TOTAL || l == L_TAX || l == L_AMOUNT_WORDS || l == L_TAX_RATE)
				return p->matches[j].column == L_NONE || p->matches[j].fold_start == 0;
		}
	return false;
}

static bool
has_letters(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (unsigned char)s[i] >= 0xc0)
			return true;
	return false;
}

/* A cell's text: a segment's, or part of one; text NULL when the row has none. */
struct span {
	const char *text;
	size_t len;
};

struct cells {
	struct span desc, qty, price, amount;
};

static bool cell_amount(const struct xpage *p, const struct span *s, struct money_parsed *m);

static struct span
span_of(const struct xseg *s)
{
	return (struct span){ s->text, s->len };
}

/* A quantity as canonical text: the first token ("1.00 kg", "10,00"); false when none. */
static bool
quantity_text(const struct xpage *p, const struct span *s, char *out, size_t size)
{
	struct money_parsed m;
	size_t len = 0;

	while (len < s->len && s->text[len] != ' ')
		len++;
	if (!extract_money(p, s->text, len, &m) || m.amount.units < 0)
		return false;
	return money_format(m.amount, 0, out, size) == MONEY_OK;
}

static int
add_item(const struct xpage *p, struct invoice *inv, const struct cells *c)
{
	struct money_parsed amount, price;
	char qty[MONEY_TEXT_MAX], desc[DESC_MAX + 1];
	bool has_qty = c->qty.text != NULL && quantity_text(p, &c->qty, qty, sizeof(qty));
	bool has_price = c->price.text != NULL && cell_amount(p, &c->price, &price);
	size_t dlen = c->desc.len < DESC_MAX ? c->desc.len : DESC_MAX;

	while (dlen > 0 && dlen < c->desc.len && ((unsigned char)c->desc.text[dlen] & 0xc0) == 0x80)
		dlen--;
	if (dlen > 0)
		memcpy(desc, c->desc.text, dlen);
	desc[dlen] = '\0';
	if (!cell_amount(p, &c->amount, &amount))
		return 0;
	if (inv->nitems >= INVOICE_MAX_LINE_ITEMS)
		return 0;
	return invoice_add_item(inv, dlen > 0 ? desc : NULL, has_qty ? qty : NULL,
	    has_price ? price.text : NULL, amount.text);
}

/* The amount in a cell: all of it ("€ 399,00"), else its first or last token ("1.00 kg"). */
static bool
cell_amount(const struct xpage *p, const struct span *s, struct money_parsed *m)
{
	const char *last = memrchr(s->text, ' ', s->len);
	size_t first = 0;

	while (first < s->len && s->text[first] != ' ')
		first++;
	return extract_money(p, s->text, s->len, m) || extract_money(p, s->text, first, m) ||
	    (last != NULL && extract_money(p, last + 1, s->len - (size_t)(last + 1 - s->text), m));
}

/* Appends text to the last item's description (a description on two rows). */
static int
continue_item(struct invoice *inv, const char *text, size_t len)
{
	struct invoice_line_item *it = &inv->items[inv->nitems - 1];
	size_t have = it->description != NULL ? strlen(it->description) : 0;
	char *d;

	if (have + 1 + len > DESC_MAX)
		return 0;
	if ((d = realloc(it->description, have + len + 2)) == NULL)
		return -1;
	if (have > 0)
		d[have++] = ' ';
	memcpy(d + have, text, len);
	d[have + len] = '\0';
	it->description = d;
	return 0;
}

static int
read_rows(const struct xpage *p, struct invoice *inv, size_t header, const struct column *cols, int ncols)
{
	int last_y = p->rows[header].y1;

	for (size_t r = header + 1; r < p->nrows && p->rows[r].page == p->rows[header].page; r++) {
		const struct xrow *row = &p->rows[r];
		struct cells c = { 0 };
		struct money_parsed m;

		if (ends_table(p, r) || row->y0 - last_y > 8 * (p->segs[row->first_seg].height + 1))
			break;
		last_y = row->y1;
		for (size_t s = row->first_seg; s < row->first_seg + row->nsegs; s++) {
			const struct xseg *seg = &p->segs[s];

			switch (column_of(seg, cols, ncols)) {
			case L_COL_DESC:
				if (c.desc.text == NULL)
					c.desc = span_of(seg);
				break;
			case L_COL_QTY: c.qty = span_of(seg); break;
			case L_COL_PRICE: c.price = span_of(seg); break;
			case L_COL_AMOUNT: c.amount = span_of(seg); break;
			default: break;
			}
		}
		if (c.amount.text != NULL && cell_amount(p, &c.amount, &m)) {
			/* the row of column numbers under a Vietnamese header: 1 2 3 ... is no item */
			if (c.desc.text == NULL || !has_letters(c.desc.text, c.desc.len))
				continue;
			if (add_item(p, inv, &c) != 0)
				return -1;
		} else if (c.desc.text != NULL && inv->nitems > 0 && c.amount.text == NULL && c.qty.text == NULL &&
		    c.price.text == NULL && has_letters(c.desc.text, c.desc.len)) {
			if (continue_item(inv, c.desc.text, c.desc.len) != 0)
				return -1;
		}
	}
	return 0;
}

/* A multiplication sign between a number and a price: "3 x 411.84", "1x1.451,37€", "2 × $5". */
static const char *
times_sign(const char *s, size_t len)
{
	for (size_t i = 1; i + 1 < len; i++) {
		size_t sign = s[i] == 'x' || s[i] == 'X' ? 1 : (i + 2 < len && memcmp(s + i, "\xc3\x97", 2) == 0) ? 2 : 0;
		size_t a = i, b = i + sign;

		if (sign == 0)
			continue;
		while (a > 0 && s[a - 1] == ' ')
			a--;
		while (b < len && s[b] == ' ')
			b++;
		if (a > 0 && s[a - 1] >= '0' && s[a - 1] <= '9' && b < len &&
		    ((s[b] >= '0' && s[b] <= '9') || strchr("$€£₫", s[b]) != NULL || (s[b] >= 'A' && s[b] <= 'Z')))
			return s + i;
	}
	return NULL;
}

/*
 * "3 x USD 411.84    USD 1,235.52" under "Laptop stand": a receipt's
 * item without a table -- quantity x unit price, the amount right of it,
 * the description before it on the row or alone on the row above.
 */
static int
receipt_items(const struct xpage *p, struct invoice *inv)
{
	for (size_t r = 0; r < p->nrows && inv->nitems < INVOICE_MAX_LINE_ITEMS; r++) {
		const struct xrow *row = &p->rows[r];

		for (size_t s = row->first_seg; s + 1 < row->first_seg + row->nsegs; s++) {
			const struct xseg *seg = &p->segs[s], *above;
			struct cells c = { .amount = span_of(&p->segs[row->first_seg + row->nsegs - 1]) };
			const char *x = times_sign(seg->text, seg->len), *q, *after;
			struct money_parsed m;

			if (x == NULL || !cell_amount(p, &c.amount, &m))
				continue;
			/* the quantity is the number before the sign, the price all after it */
			for (q = x; q > seg->text && (q[-1] == ' ' || (q[-1] >= '0' && q[-1] <= '9') || q[-1] == '.' ||
			    q[-1] == ','); q--)
				;
			after = x + (*x == 'x' || *x == 'X' ? 1 : 2);
			c.qty = (struct span){ q, (size_t)(x - q) };
			c.price = (struct span){ after, seg->len - (size_t)(after - seg->text) };
			while (c.qty.len > 0 && c.qty.text[c.qty.len - 1] == ' ')
				c.qty.len--;
			while (c.qty.len > 0 && c.qty.text[0] == ' ')
				c.qty.text++, c.qty.len--;
			while (c.price.len > 0 && c.price.text[0] == ' ')
				c.price.text++, c.price.len--;
			if (q > seg->text && has_letters(seg->text, (size_t)(q - seg->text))) {
				c.desc = (struct span){ seg->text, (size_t)(q - seg->text) };
			} else if (r > 0 && p->rows[r - 1].nsegs == 1) {
				above = &p->segs[p->rows[r - 1].first_seg];
				if (has_letters(above->text, above->len))
					c.desc = span_of(above);
			}
			if (add_item(p, inv, &c) != 0)
				return -1;
			break;
		}
	}
	if (inv->nitems > 0)
		inv->items_confidence = 0.5;
	return 0;
}

int
extract_table(struct xpage *p, struct invoice *inv)
{
	struct column cols[MAX_COLUMNS], scratch[MAX_COLUMNS];
	int tried = 0;

	/* a few header rows at most: a hostile page of headers stays linear */
	for (size_t r = 0; r < p->nrows && tried < 8; r++) {
		int n = header_columns(p, r, cols, 0), more;

		if (!is_header(cols, n))
			continue;
		tried++;
		/* a bilingual header's second row ("(Quantity)  (Unit price)") adds what OCR missed above */
		if (r + 1 < p->nrows && (more = header_columns(p, r + 1, cols, n)) > n) {
			n = more;
			r++;
		} else if (r + 1 < p->nrows && header_columns(p, r + 1, scratch, 0) >= 2)
			r++;
		if (read_rows(p, inv, r, cols, n) != 0)
			return -1;
		if (inv->nitems > 0) {
			inv->items_confidence = 0.6;
			return 0;
		}
	}
	return receipt_items(p, inv);
}
