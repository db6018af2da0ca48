/*
 * fuzz_imagetype: the image-header checks on any bytes, as an upload or
 * a drop-in would hand them over.  The bytes are sniffed, then checked
 * under loose and tight limits, as their own type and as every other.
 * What imagetype_check() promises is checked independently here: an
 * accepted TIFF's chain of directories, walked by the simple reader
 * below, ends after exactly the pages reported, no more than max_pages,
 * each with a width and height whose product is within max_pixels; an
 * accepted image of another type has the header dimensions
 * imagetype_dimensions() reads, within the limit, or none (0x0) when it
 * reads none, one page either way; tighter limits never
 * accept what looser ones refuse; and the reason is one printable line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/imagetype.h"

/* A reader of the one thing checked: offsets and two tags, every read bounded. */
struct bytes {
	const uint8_t *b;
	size_t len;
	int be, big;
};

static int
get(const struct bytes *t, uint64_t off, unsigned n, uint64_t *v)
{
	if (off > t->len || t->len - off < n)
		return -1;
	*v = 0;
	for (unsigned i = 0; i < n; i++)
		*v |= (uint64_t)t->b[off + (t->be ? i : n - 1 - i)] << (8 * (n - 1 - i));
	return 0;
}

/* The directory at off: its width and height (SHORT/LONG/LONG8, inline) and the next offset. */
static int
walk_one(const struct bytes *t, uint64_t off, uint64_t *w, uint64_t *h, uint64_t *next)
{
	unsigned cs = t->big ? 8 : 2, es = t->big ? 20 : 12, os = t->big ? 8 : 4;
	uint64_t n, tag, type;

	*w = *h = 0;
	if (get(t, off, cs, &n) != 0)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = off + cs + i * es, v;

		if (get(t, e, 2, &tag) != 0 || get(t, e + 2, 2, &type) != 0)
			return -1;
		if (tag != 256 && tag != 257)
			continue;
		if (get(t, e + (t->big ? 12 : 8), type == 3 ? 2 : type == 4 ? 4 : 8, &v) != 0)
			return -1;
		if (tag == 256 && *w == 0)
			*w = v;
		if (tag == 257 && *h == 0)
			*h = v;
	}
	return get(t, off + cs + n * es, os, next);
}

static void
check_tiff(const uint8_t *data, size_t size, const struct imagetype_limits *lim, const struct imagetype_report *r)
{
	struct bytes t = { data, size, 0, 0 };
	uint64_t off, w, h, next, magic;

	if (size < 8)
		abort();
	t.be = data[0] == 'M';
	if (get(&t, 2, 2, &magic) != 0)
		abort();
	t.big = magic == 43;
	if (get(&t, t.big ? 8 : 4, t.big ? 8 : 4, &off) != 0)
		abort();
	if (r->pages == 0 || r->pages > lim->max_pages)
		abort();
	for (uint32_t p = 1; p <= r->pages; p++) {
		if (off == 0 || walk_one(&t, off, &w, &h, &next) != 0)
			abort();	/* accepted, but a page is not there */
		if (w == 0 || h == 0 || w * h > lim->max_pixels)
			abort();	/* accepted, but a page is too large */
		off = next;
	}
	if (off != 0)
		abort();	/* accepted, but the chain goes on */
}

static void
check_reason(const struct imagetype_report *r, enum imagetype_verdict v)
{
	size_t n = strnlen(r->why, sizeof(r->why));

	if (n == sizeof(r->why) || (v == IMAGETYPE_OK) != (n == 0))
		abort();
	for (size_t i = 0; i < n; i++)
		if (r->why[i] < ' ' || r->why[i] > '~')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct imagetype_limits loose = { 100000000, 50 }, tight = { 4096, 2 };
	enum imagetype sniffed = imagetype_sniff(data, size);

	for (int t = IMAGETYPE_UNKNOWN; t <= IMAGETYPE_PDF; t++) {
		struct imagetype_report rl, rt;
		enum imagetype_verdict vl = imagetype_check(data, size, (enum imagetype)t, &loose, &rl);
		enum imagetype_verdict vt = imagetype_check(data, size, (enum imagetype)t, &tight, &rt);
		uint32_t w, h;

		check_reason(&rl, vl);
		check_reason(&rt, vt);
		if (vt == IMAGETYPE_OK && vl != IMAGETYPE_OK)
			abort();	/* tighter limits accepted what looser ones refused */
		if (vl != IMAGETYPE_OK)
			continue;
		if ((uint64_t)rl.width * rl.height > loose.max_pixels)
			abort();
		if (t != IMAGETYPE_TIFF && rl.width == 0 && rl.height == 0) {
			if (rl.pages != 1 || imagetype_dimensions(data, size, (enum imagetype)t, &w, &h) == 0)
				abort();	/* unsized, but a size was there to check */
			continue;
		}
		if (rl.width == 0 || rl.height == 0)
			abort();
		if (t == IMAGETYPE_TIFF) {
			if (sniffed != IMAGETYPE_TIFF)
				abort();
			check_tiff(data, size, &loose, &rl);
			if (vt == IMAGETYPE_OK)
				check_tiff(data, size, &tight, &rt);
		} else if (rl.pages != 1 || imagetype_dimensions(data, size, (enum imagetype)t, &w, &h) != 0 ||
		    w != rl.width || h != rl.height) {
			abort();
		}
	}
	return 0;
}
