/*
 * extract_parties: the seller and the buyer -- names, addresses, tax ids.
 *
 * The seller is named by a label ("Đơn vị bán hàng", "Seller", "From")
 * or, on most invoices, by nothing: it is the top block's most prominent
 * name, so the top of the first page is searched for a line that looks
 * like a company (a legal form, large type, near the top).  The buyer is
 * always labelled ("Bill To", "Customer", "Tên đơn vị"); a company name
 * is preferred over a person's ("Họ tên người mua hàng"), as the API's
 * buyer is the one billed.  An address or a tax id with a generic label
 * ("Mã số thuế", "VAT No.") belongs to the party whose block it is in:
 * the nearest party anchor above it in the same column.  Tax ids printed
 * below the totals are the e-invoice provider's, not a party's.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/extract_int.h"

#define NVALUES 3
#define TOP_SHARE 0.3		/* of the first page's height: where the seller's block is */

static const char *const titles[] = {
	"invoice", "tax invoice", "hoa don", "hoa don gia tri gia tang", "hoa don ban hang", "receipt",
	"official receipt", "cash receipt", "factuur", "rechnung", "facture", "vat invoice", "gtgt",
	"sales invoice", "bill", "cash bill", "statement", "credit note", "original", "copy",
};

static bool
has_any(const struct xseg *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (extract_fold_has(s->fold, s->foldlen, list[i]))
			return true;
	return false;
}

static bool
is_title(const struct xseg *s)
{
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(s->fold, titles[i]) == 0)
			return true;
	return false;
}

/* Letters in the folded text: a name has some, an amount or a code few. */
static size_t
letters(const char *fold, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += (unsigned char)fold[i] >= 'a' || (unsigned char)fold[i] >= 0x80;
	return n;
}

static bool
name_like(const char *s, size_t len)
{
	size_t l = 0, d = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		l += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0xc0;
		d += c >= '0' && c <= '9';
	}
	/* "(Ký, ghi rõ họ tên)", "(Signature)": a gloss, no name */
	return l >= 2 && d * 2 < l + 1 && s[0] != '(';
}

static bool
has_upper(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	return false;
}

/* Below the totals: the signatures ("Người bán hàng") and the provider's footer. */
static bool
below_footer(const struct xpage *p, size_t seg)
{
	const struct xseg *s = &p->segs[seg];

	return p->footer_y > 0 && (s->page > p->footer_page || (s->page == p->footer_page && s->y0 > p->footer_y));
}

struct pick {
	const char *text;
	size_t len;
	double score;
	size_t seg;
};

static void
labelled_name(struct xpage *p, enum xlabel want, double weight, struct pick *best)
{
	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		struct xvalue v[NVALUES];
		int n;

		if (m->label != want || below_footer(p, m->seg))
			continue;
		n = extract_value_text(p, m, v, NVALUES);
		for (int k = 0; k < n; k++) {
			double score = weight * v[k].where * (0.5 + p->segs[v[k].seg].conf / 200) *
			    (m->strong ? 1 : 0.6);

			if (!name_like(v[k].text, v[k].len))
				continue;
			if (score > best->score)
				*best = (struct pick){ v[k].text, v[k].len, score, v[k].seg };
			break;
		}
	}
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static size_t
digits(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] >= '0' && s[i] <= '9';
	return n;
}

static bool
web_or_mail(const char *s, size_t len)
{
	return memchr(s, '@', len) != NULL || memmem(s, len, "www", 3) != NULL ||
	    memmem(s, len, ".com", 4) != NULL || memmem(s, len, "http", 4) != NULL;
}

/* Whether the segment's first long word is in a web or mail domain on the page ("azure-interior.com"). */
static bool
named_in_domain(const struct xpage *p, const struct xseg *s)
{
	char word[32];
	size_t n = 0, i = 0;

	/* the first folded word of three letters or more ("OYO" of oyorooms.com) */
	while (i < s->foldlen) {
		size_t e = i;

		while (e < s->foldlen && s->fold[e] != ' ')
			e++;
		if (e - i >= 3 && e - i < sizeof(word) && s->fold[i] >= 'a') {
			n = e - i;
			memcpy(word, s->fold + i, n);
			break;
		}
		i = e + 1;
	}
	if (n == 0)
		return false;
	word[n] = '\0';
	for (size_t k = 0; k < p->nwords; k++) {
		const struct xword *w = &p->words[k];
		const char *at;

		if (!web_or_mail(w->text, w->len))
			continue;
		/* where a name of the domain begins: "www.azure-interior.com", "info@oyorooms.com", not "oyorooms" for "rooms" */
		for (at = w->text; (at = strcasestr(at, word)) != NULL; at++)
			if (at == w->text || strchr("@./", at[-1]) != NULL)
				return true;
	}
	return false;
}

/* Whether s is in a labelled buyer's block: under the label, in its column, a few rows down. */
static bool
in_buyer_block(const struct xpage *p, const struct xseg *s)
{
	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		const struct xseg *b = &p->segs[m->seg];

		if ((m->label == L_BUYER || m->label == L_BUYER_PERSON || m->label == L_SHIP_TO) &&
		    b->page == s->page && s->row >= b->row && s->row <= b->row + 6 &&
		    s->x0 < b->x1 + 2 * b->height && b->x0 < s->x1 &&
		    s->y0 - b->y0 <= (s->row - b->row) * 2.2 * b->height)	/* no blank line between */
			return true;
	}
	return false;
}

/* Most of the words one letter long: "I N V O I C E" spaced out, a logo read badly ("S.A.S." is one word). */
static bool
spaced_letters(const struct xseg *s)
{
	size_t words = 0, single = 0, i = 0;

	while (i < s->len) {
		size_t e = i;

		while (e < s->len && s->text[e] != ' ')
			e++;
		words++;
		single += e - i == 1;
		i = e + 1;
	}
	return words >= 2 && single * 2 >= words;
}

/*
 * The top block's most prominent name-like segment: near the top, in
 * large type, with a legal form ("Ltd", "Công ty TNHH"), named again in
 * the page's web or mail domain; not in the buyer's block, not an
 * address (digits), not a title.
 */
static void
top_name(struct xpage *p, struct pick *best)
{
	int heights[512], nh = 0, median, top = p->height;
	double limit;

	for (size_t i = 0; i < p->nsegs && nh < 512; i++)
		heights[nh++] = p->segs[i].height;
	if (nh == 0)
		return;
	/* the top of the text, not of the image: a receipt is scanned with a margin above it */
	for (size_t i = 0; i < p->nsegs && p->segs[i].page == p->segs[0].page; i++)
		if (p->segs[i].y0 < top)
			top = p->segs[i].y0;
	limit = p->height * TOP_SHARE;
	if (limit < top + p->height * TOP_SHARE / 2)
		limit = top + p->height * TOP_SHARE / 2;
	qsort(heights, (size_t)nh, sizeof(int), cmp_int);
	median = heights[nh / 2] > 0 ? heights[nh / 2] : 1;
	for (size_t i = 0; i < p->nsegs; i++) {
		const struct xseg *s = &p->segs[i];
		const char *t = s->text;
		size_t len = s->nmatches > 0 ? p->matches[s->first_match].raw_start : s->len;
		double score;

		if (s->page != p->segs[0].page || s->y0 > limit)
			break;
		extract_trim_value(&t, &len);
		if (len == 0 || extract_seg_starts_with_label(p, i) || is_title(s) || !name_like(t, len) ||
		    letters(s->fold, s->foldlen) < 3 || in_buyer_block(p, s) || spaced_letters(s) ||
		    web_or_mail(s->text, s->len))
			continue;
		score = 0.3 + 0.25 * (1 - s->y0 / (limit + 1)) + 0.1 * ((double)s->height / median - 1);
		if (!has_upper(t, len))
			score -= 0.2;	/* a name written in the margin ("tan woon yann"), not printed */
		if (has_any(s, extract_legal_forms, extract_nlegal_forms))
			score += 0.3;
		if (named_in_domain(p, s))
			score += 0.3;
		if (digits(s->text, s->len) >= 2)
			score -= 0.2;	/* a house number, a postcode: an address */
		score *= 0.5 + s->conf / 200;
		if (score > 0.95)
			score = 0.95;
		if (score > best->score)
			*best = (struct pick){ t, len, score * 0.8, i };
	}
}

/* Party anchors: where each party's block begins. */
struct anchors {
	size_t seller, buyer;	/* segments, or (size_t)-1 */
	const char *seller_fold;	/* the seller's name folded, or NULL */
};

/* Whether segment t is in the block that starts at anchor a: below it (or on its row), in its column. */
static double
block_distance(const struct xpage *p, size_t a, size_t t)
{
	const struct xseg *A = &p->segs[a], *T = &p->segs[t];
	int dx = T->x0 - A->x0;

	if (a == (size_t)-1 || A->page != T->page || T->y0 + T->height < A->y0)
		return -1;
	if (dx < 0)
		dx = -dx;
	if (dx > 0.4 * p->width && !(T->x0 < A->x1 && A->x0 < T->x1))
		return -1;
	return (double)(T->y0 - A->y0) + dx * 0.2;
}

/* Which party a generically labelled value at segment t belongs to. */
static enum xlabel
owner(const struct xpage *p, const struct anchors *an, size_t t)
{
	double ds = an->seller != (size_t)-1 ? block_distance(p, an->seller, t) : -1;
	double db = an->buyer != (size_t)-1 ? block_distance(p, an->buyer, t) : -1;

	/* the buyer's only in the buyer's block: the seller's id is also printed in the
	   header's other columns, beside the invoice number */
	if (db >= 0 && (ds < 0 || db < ds))
		return L_BUYER;
	return L_SELLER;
}

/*
 * A tax id as it is kept: a Vietnamese one (10 digits, or 13 as
 * "0312345678-001") without the spaces and boxes OCR leaves between its
 * digits; another as printed.  len 0 when s is none.
 */
static size_t
tax_id(const char *s, size_t len, char *out, size_t size)
{
	size_t n = 0, digits = 0, end = 0, keep = 0;

	/* the value runs while it is digits, letters, spaces, dots, hyphens, slashes and boxes */
	while (end < len && (strchr("0123456789 .-/|[]", s[end]) != NULL ||
	    (s[end] >= 'A' && s[end] <= 'Z')))
		end++;
	for (size_t i = 0; i < end; i++)
		digits += s[i] >= '0' && s[i] <= '9';
	if (digits < 6)
		return 0;
	/* Vietnamese: only digits and one hyphen before a branch of three */
	for (size_t i = 0; i < end && n + 1 < size; i++)
		if (s[i] >= '0' && s[i] <= '9')
			out[n++] = s[i];
		else if (s[i] == '-' && n == 10)
			out[n++] = '-';
		else if (s[i] >= 'A' && s[i] <= 'Z')
			break;
	if ((n == 10 || (n == 14 && out[10] == '-')) && digits == (n == 14 ? 13 : 10)) {
		out[n] = '\0';
		return n;
	}
	if (n == 13 && digits == 13 && strchr(s, '-') == NULL) {
		memmove(out + 11, out + 10, 3);
		out[10] = '-';
		out[14] = '\0';
		return 14;
	}
	while (end > 0 && strchr(" .-/|[]", s[end - 1]) != NULL)
		end--;
	for (size_t i = 0; i < end && keep + 1 < size; i++)
		if (s[i] != '|' && s[i] != '[' && s[i] != ']')
			out[keep++] = s[i];
	out[keep] = '\0';
	/* "NL8152.54.295.B01": a European id is written with points for reading, not in it */
	if (keep > 4 && out[0] >= 'A' && out[0] <= 'Z' && out[1] >= 'A' && out[1] <= 'Z') {
		size_t k = 0;

		for (size_t i = 0; i < keep; i++)
			if (out[i] != '.')
				out[k++] = out[i];
		out[keep = k] = '\0';
	}
	/* a European id begins with its country's two letters, which OCR reads as digits alike */
	if (keep > 4 && out[1] >= 'A' && out[1] <= 'Z' && out[2] >= '0' && out[2] <= '9')
		out[0] = out[0] == '1' ? 'I' : out[0] == '0' ? 'O' : out[0] == '5' ? 'S' : out[0] == '8' ? 'B' : out[0];
	return keep;
}

/*
 * "BTW NL810433941B01", "TVA FR 604 219 388 61": a European VAT number
 * after a word that is usually the tax's -- two letters, then eight
 * digits or more (letters among them).
 */
static bool
vat_id_shaped(const char *s, size_t len)
{
	size_t digits = 0, other = 0;

	if (len < 10 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
		return false;
	for (size_t i = 2; i < len; i++)
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] != ' ' && s[i] != '.')
			other++;
	return digits >= 8 && other <= 3;
}

static int
find_tax_ids(struct xpage *p, struct invoice *inv, const struct anchors *an)
{
	struct pick seller = { 0 }, buyer = { 0 };
	char buf[2][64];

	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		struct xvalue v[NVALUES];
		enum xlabel whose;
		bool footer;
		int n;

		if (m->label != L_TAX_ID && m->label != L_SELLER_TAX_ID && m->label != L_BUYER_TAX_ID &&
		    m->label != L_TAX)
			continue;
		whose = m->label == L_SELLER_TAX_ID ? L_SELLER : m->label == L_BUYER_TAX_ID ? L_BUYER :
		    owner(p, an, m->seg);
		footer = m->label == L_TAX_ID && below_footer(p, m->seg);
		/* "Free SAS au capital de ... N° de TVA: FR ...": the line of the company it names */
		if (m->label == L_TAX_ID && an->seller_fold != NULL &&
		    extract_fold_has(p->segs[m->seg].fold, p->segs[m->seg].foldlen, an->seller_fold))
			whose = L_SELLER;
		/* a Vietnamese footer's is the e-invoice provider's; elsewhere the footer is the seller's own */
		if (footer && p->vietnamese)
			continue;
		if (footer)
			whose = L_SELLER;
		if (whose == L_NONE)
			continue;
		n = extract_value_text(p, m, v, NVALUES);
		for (int k = 0; k < n; k++) {
			struct pick *b = whose == L_SELLER ? &seller : &buyer;
			char *out = buf[whose == L_SELLER ? 0 : 1];
			char tmp[64];
			size_t len = tax_id(v[k].text, v[k].len, tmp, sizeof(tmp));
			double score = v[k].where * (0.5 + p->segs[v[k].seg].conf / 200) *
			    (m->label == L_TAX_ID ? 0.85 : 1) * (footer ? 0.5 : 1);

			if (len == 0 || (m->label == L_TAX && !vat_id_shaped(tmp, len)))
				continue;
			if (score > b->score) {
				memcpy(out, tmp, len + 1);
				*b = (struct pick){ out, len, score, v[k].seg };
			}
			break;
		}
	}
	if (seller.text != NULL && extract_set(inv, INVOICE_SELLER_TAX_ID, seller.text, seller.len, seller.score) != 0)
		return -1;
	if (buyer.text != NULL && extract_set(inv, INVOICE_BUYER_TAX_ID, buyer.text, buyer.len, buyer.score) != 0)
		return -1;
	return 0;
}

static int
find_addresses(struct xpage *p, struct invoice *inv, const struct anchors *an)
{
	struct pick seller = { 0 }, buyer = { 0 };

	for (size_t i = 0; i < p->nmatches; i++) {
		const struct xmatch *m = &p->matches[i];
		struct xvalue v[NVALUES];
		enum xlabel whose;
		struct pick *b;

		if (m->label != L_ADDRESS || (whose = owner(p, an, m->seg)) == L_NONE)
			continue;
		b = whose == L_SELLER ? &seller : &buyer;
		if (extract_value_text(p, m, v, NVALUES) > 0 && letters(v[0].text, v[0].len) >= 3) {
			double score = v[0].where * (0.5 + p->segs[v[0].seg].conf / 200) * 0.9;

			if (score > b->score)
				*b = (struct pick){ v[0].text, v[0].len, score, v[0].seg };
		}
	}
	if (seller.text != NULL && extract_set(inv, INVOICE_SELLER_ADDRESS, seller.text, seller.len, seller.score) != 0)
		return -1;
	if (buyer.text != NULL && extract_set(inv, INVOICE_BUYER_ADDRESS, buyer.text, buyer.len, buyer.score) != 0)
		return -1;
	return 0;
}

/* The first segment with a label of kind want, or (size_t)-1. */
static size_t
first_label(const struct xpage *p, enum xlabel want)
{
	for (size_t i = 0; i < p->nmatches; i++)
		if (p->matches[i].label == want)
			return p->matches[i].seg;
	return (size_t)-1;
}

/* A party's name: completed from the page when a logo gave it short, then cleaned. */
static int
set_name(const struct xpage *p, struct invoice *inv, enum invoice_field f, const struct pick *name)
{
	char clean[INVOICE_TEXT_MAX + 1];
	const char *full;
	size_t len, flen;

	if (name->text == NULL)
		return 0;
	if (extract_full_name(p, name->seg, name->text, name->len, &full, &flen) != 0)
		return -1;
	if (full == NULL) {
		full = name->text;
		flen = name->len;
	}
	len = extract_clean_name(full, flen, clean, sizeof(clean));
	return extract_set(inv, f, clean, len, name->score);
}

int
extract_parties(struct xpage *p, struct invoice *inv)
{
	struct pick seller = { 0 }, buyer = { 0 };
	struct anchors an;
	size_t block;
	char *fold = NULL;
	int rc;

	labelled_name(p, L_SELLER, 1.0, &seller);
	if (seller.text == NULL)
		top_name(p, &seller);
	labelled_name(p, L_BUYER, 1.0, &buyer);
	labelled_name(p, L_BUYER_PERSON, 0.6, &buyer);
	an.seller = first_label(p, L_SELLER);
	if (an.seller == (size_t)-1)
		an.seller = seller.text != NULL ? seller.seg : (p->nsegs > 0 ? 0 : (size_t)-1);
	an.buyer = first_label(p, L_BUYER);
	if (an.buyer == (size_t)-1 || (first_label(p, L_BUYER_PERSON) != (size_t)-1 &&
	    first_label(p, L_BUYER_PERSON) < an.buyer))
		an.buyer = first_label(p, L_BUYER_PERSON);
	if (buyer.text == NULL &&
	    (block = extract_unlabelled_buyer(p, seller.text != NULL ? seller.seg : (size_t)-1)) != (size_t)-1) {
		const struct xseg *b = &p->segs[block];

		buyer = (struct pick){ b->text, b->len, 0.4 * (0.5 + b->conf / 200), block };
		extract_company_first(&buyer.text, &buyer.len);
		if (an.buyer == (size_t)-1)
			an.buyer = block;
	}
	if (set_name(p, inv, INVOICE_SELLER_NAME, &seller) != 0 || set_name(p, inv, INVOICE_BUYER_NAME, &buyer) != 0)
		return -1;
	an.seller_fold = NULL;
	if (inv->value[INVOICE_SELLER_NAME] != NULL) {
		size_t foldlen, *map;

		if (extract_fold(inv->value[INVOICE_SELLER_NAME], strlen(inv->value[INVOICE_SELLER_NAME]), &fold,
		    &foldlen, &map) != 0)
			return -1;
		free(map);
		an.seller_fold = foldlen >= 3 ? fold : NULL;
	}
	rc = find_tax_ids(p, inv, &an) != 0 || find_addresses(p, inv, &an) != 0 ? -1 : 0;
	free(fold);
	return rc;
}
