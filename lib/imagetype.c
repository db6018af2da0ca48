/*
 * imagetype: see imagetype.h.
 *
 * SECURITY: every byte this file reads comes from whoever may upload to
 * quill-ocrd or drop a file in spool/incoming, i.e. any account holder
 * and any local user of the drop-in group.  It trusts nothing in them:
 * no length, offset, count or flag is used before it is checked against
 * len, and nothing is allocated from a declared size.  It refuses, for
 * the decoders behind it (leptonica, libtiff, libpng, libjpeg), what they
 * would spend unbounded time or memory on: too many pixels per page, too
 * many pages, TIFF layouts leptonica 1.82 cannot read (on which its
 * multi-page reader loops for ever), and directory chains that leave the
 * bytes or come back on themselves.  What it accepts the decoders may
 * still find damaged; they are then trusted to fail, not to hang.
 *
 * Multi-byte fields are put together a byte at a time in unsigned
 * arithmetic, so neither the host's byte order nor alignment matters, and
 * every read is preceded by a check that its bytes lie within len.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/imagetype.h"

#define PNG_MAX_DIMENSION	0x7fffffffu	/* PNG's own limit, 2^31 - 1 */

static uint32_t
be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le24(const unsigned char *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | le24(p);
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p + 4) << 32 | le32(p);
}

/* What lies at the start of a TIFF file, once it is known to be one. */
struct tiff {
	const unsigned char *b;
	size_t len;
	int big_endian;		/* "MM" */
	int bigtiff;		/* 8-byte counts and offsets */
	uint64_t ifd;		/* offset of the first image file directory */
};

static uint32_t
tiff_u16(const struct tiff *t, size_t off)
{
	return t->big_endian ? be16(t->b + off) : le16(t->b + off);
}

static uint32_t
tiff_u32(const struct tiff *t, size_t off)
{
	return t->big_endian ? be32(t->b + off) : le32(t->b + off);
}

static uint64_t
tiff_u64(const struct tiff *t, size_t off)
{
	return t->big_endian ? be64(t->b + off) : le64(t->b + off);
}

/*
 * Reads a TIFF header: byte order, version 42 (classic, 8 bytes) or 43
 * (BigTIFF, 16 bytes, offset size 8), and a first directory that does not
 * overlap the header.  0, or -1 when b is not a TIFF.
 */
static int
tiff_header(const unsigned char *b, size_t len, struct tiff *t)
{
	if (len < 8)
		return -1;
	if (memcmp(b, "II", 2) == 0)
		t->big_endian = 0;
	else if (memcmp(b, "MM", 2) == 0)
		t->big_endian = 1;
	else
		return -1;
	t->b = b;
	t->len = len;
	switch (tiff_u16(t, 2)) {
	case 42:
		t->bigtiff = 0;
		t->ifd = tiff_u32(t, 4);
		return t->ifd >= 8 ? 0 : -1;
	case 43:
		if (len < 16 || tiff_u16(t, 4) != 8 || tiff_u16(t, 6) != 0)
			return -1;
		t->bigtiff = 1;
		t->ifd = tiff_u64(t, 8);
		return t->ifd >= 16 ? 0 : -1;
	default:
		return -1;
	}
}

static int
is_png(const unsigned char *b, size_t len)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

	return len >= sizeof(sig) && memcmp(b, sig, sizeof(sig)) == 0;
}

static int
is_jpeg(const unsigned char *b, size_t len)
{
	return len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff;
}

static int
is_tiff(const unsigned char *b, size_t len)
{
	struct tiff t;

	return tiff_header(b, len, &t) == 0;
}

static int
is_webp(const unsigned char *b, size_t len)
{
	return len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0;
}

/*
 * "BM" alone starts too much text to be trusted, so the header must also
 * name one of the known info header sizes and put the pixels after it.
 */
static int
is_bmp(const unsigned char *b, size_t len)
{
	static const uint32_t info_sizes[] = { 12, 16, 40, 52, 56, 64, 108, 124 };
	uint32_t info;

	if (len < 18 || b[0] != 'B' || b[1] != 'M')
		return 0;
	info = le32(b + 14);
	for (size_t i = 0; i < sizeof(info_sizes) / sizeof(info_sizes[0]); i++)
		if (info == info_sizes[i])
			return le32(b + 10) >= 14 + info;
	return 0;
}

/* Netpbm's whitespace: that of isspace() in the C locale. */
static int
pnm_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int
is_pnm(const unsigned char *b, size_t len)
{
	return len >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' && pnm_space(b[2]);
}

static int
is_pdf(const unsigned char *b, size_t len)
{
	return len >= 5 && memcmp(b, "%PDF-", 5) == 0;
}

/* Indexed by enum imagetype. */
static const struct {
	int (*is)(const unsigned char *, size_t);
	const char *name;
	const char *mime;
} types[] = {
	[IMAGETYPE_UNKNOWN] = { NULL, "unknown", "application/octet-stream" },
	[IMAGETYPE_PNG] = { is_png, "png", "image/png" },
	[IMAGETYPE_JPEG] = { is_jpeg, "jpeg", "image/jpeg" },
	[IMAGETYPE_TIFF] = { is_tiff, "tiff", "image/tiff" },
	[IMAGETYPE_WEBP] = { is_webp, "webp", "image/webp" },
	[IMAGETYPE_BMP] = { is_bmp, "bmp", "image/bmp" },
	[IMAGETYPE_PNM] = { is_pnm, "pnm", "image/x-portable-anymap" },
	[IMAGETYPE_PDF] = { is_pdf, "pdf", "application/pdf" },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

/* Declared types, aliases included. */
static const struct {
	const char *mime;
	enum imagetype type;
} mimes[] = {
	{ "image/png", IMAGETYPE_PNG },
	{ "image/jpeg", IMAGETYPE_JPEG },
	{ "image/jpg", IMAGETYPE_JPEG },
	{ "image/tiff", IMAGETYPE_TIFF },
	{ "image/webp", IMAGETYPE_WEBP },
	{ "image/bmp", IMAGETYPE_BMP },
	{ "image/x-ms-bmp", IMAGETYPE_BMP },
	{ "image/x-portable-anymap", IMAGETYPE_PNM },
	{ "image/x-portable-bitmap", IMAGETYPE_PNM },
	{ "image/x-portable-graymap", IMAGETYPE_PNM },
	{ "image/x-portable-pixmap", IMAGETYPE_PNM },
	{ "application/pdf", IMAGETYPE_PDF },
};

enum imagetype
imagetype_sniff(const void *buf, size_t len)
{
	if (buf == NULL)
		return IMAGETYPE_UNKNOWN;
	for (size_t i = 1; i < NTYPES; i++)
		if (types[i].is(buf, len))
			return (enum imagetype)i;
	return IMAGETYPE_UNKNOWN;
}

const char *
imagetype_mime(enum imagetype t)
{
	return (size_t)t < NTYPES ? types[t].mime : types[IMAGETYPE_UNKNOWN].mime;
}

const char *
imagetype_name(enum imagetype t)
{
	return (size_t)t < NTYPES ? types[t].name : types[IMAGETYPE_UNKNOWN].name;
}

enum imagetype
imagetype_from_name(const char *name)
{
	for (size_t i = 1; i < NTYPES; i++)
		if (strcmp(name, types[i].name) == 0)
			return (enum imagetype)i;
	return IMAGETYPE_UNKNOWN;
}

static int
ows(char c)
{
	return c == ' ' || c == '\t';
}

enum imagetype
imagetype_from_mime(const char *mime, size_t len)
{
	const char *end, *semi;

	if (mime == NULL || len == 0)
		return IMAGETYPE_UNKNOWN;
	end = mime + len;
	if ((semi = memchr(mime, ';', len)) != NULL)
		end = semi;
	while (mime < end && ows(*mime))
		mime++;
	while (end > mime && ows(end[-1]))
		end--;
	for (size_t i = 0; i < sizeof(mimes) / sizeof(mimes[0]); i++)
		if (strlen(mimes[i].mime) == (size_t)(end - mime) &&
		    strncasecmp(mime, mimes[i].mime, (size_t)(end - mime)) == 0)
			return mimes[i].type;
	return IMAGETYPE_UNKNOWN;
}

/* The IHDR chunk must come first: length 13, then width and height. */
static int
png_dimensions(const unsigned char *b, size_t len, uint32_t *w, uint32_t *h)
{
	if (!is_png(b, len) || len < 24 || be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
		return -1;
	*w = be32(b + 16);
	*h = be32(b + 20);
	return *w > PNG_MAX_DIMENSION || *h > PNG_MAX_DIMENSION ? -1 : 0;
}

/* SOF0 to SOF15, less DHT (C4), JPG (C8) and DAC (CC), which share the range. */
static int
jpeg_frame_marker(unsigned m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

/*
 * Walks the marker segments after SOI up to the first frame header.
 * Segments are skipped by their length, so a thumbnail inside an APP
 * segment is never mistaken for the image.  A height of 0 (to be given by
 * a DNL marker after the first scan) counts as not determinable.
 */
static int
jpeg_dimensions(const unsigned char *b, size_t len, uint32_t *w, uint32_t *h)
{
	size_t pos = 2, seglen;
	unsigned m;

	if (!is_jpeg(b, len))
		return -1;
	for (;;) {
		if (pos >= len || b[pos] != 0xff)
			return -1;
		while (pos < len && b[pos] == 0xff)	/* fill bytes */
			pos++;
		if (pos >= len)
			return -1;
		m = b[pos++];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd8))	/* TEM, RSTn, SOI: no length */
			continue;
		if (m == 0x00 || m == 0xd9 || m == 0xda)	/* not a marker, EOI, a scan before any frame */
			return -1;
		if (len - pos < 2 || (seglen = be16(b + pos)) < 2)
			return -1;
		if (jpeg_frame_marker(m)) {
			/* length, sample precision, number of lines, samples per line */
			if (seglen < 7 || len - pos < 7)
				return -1;
			*h = be16(b + pos + 3);
			*w = be16(b + pos + 5);
			return 0;
		}
		if (len - pos < seglen)
			return -1;
		pos += seglen;
	}
}

/* The first page's width and height, read as imagetype_check() reads every page (below). */
static int tiff_dimensions(const unsigned char *b, size_t len, uint32_t *w, uint32_t *h);

/*
 * The first chunk says which of three layouts follows: lossy (VP8, 14-bit
 * sizes after a key frame's start code), lossless (VP8L, 14-bit sizes
 * minus one) or extended (VP8X, 24-bit canvas sizes minus one).
 */
static int
webp_dimensions(const unsigned char *b, size_t len, uint32_t *w, uint32_t *h)
{
	uint32_t bits;

	if (!is_webp(b, len) || len < 20)
		return -1;
	if (memcmp(b + 12, "VP8 ", 4) == 0) {
		if (len < 30 || (b[20] & 1) != 0 || b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a)
			return -1;
		*w = le16(b + 26) & 0x3fff;
		*h = le16(b + 28) & 0x3fff;
		return 0;
	}
	if (memcmp(b + 12, "VP8L", 4) == 0) {
		if (len < 25 || b[20] != 0x2f || ((bits = le32(b + 21)) >> 29) != 0)
			return -1;
		*w = (bits & 0x3fff) + 1;
		*h = (bits >> 14 & 0x3fff) + 1;
		return 0;
	}
	if (memcmp(b + 12, "VP8X", 4) == 0) {
		if (len < 30)
			return -1;
		*w = le24(b + 24) + 1;
		*h = le24(b + 27) + 1;
		return 0;
	}
	return -1;
}

/*
 * The old OS/2 core header has 16-bit sizes; the others 32-bit signed
 * ones, where a negative height means the rows run top-down and a
 * negative width is an error.
 */
static int
bmp_dimensions(const unsigned char *b, size_t len, uint32_t *w, uint32_t *h)
{
	uint32_t height;

	if (!is_bmp(b, len))
		return -1;
	if (le32(b + 14) == 12) {
		if (len < 22)
			return -1;
		*w = le16(b + 18);
		*h = le16(b + 20);
		return 0;
	}
	if (len < 26 || ((*w = le32(b + 18)) & 0x80000000u) != 0)
		return -1;
	height = le32(b + 22);
	*h = (height & 0x80000000u) != 0 ? 0u - height : height;
	return 0;
}

/*
 * Reads one decimal field of a PNM header at *pos, after whitespace and
 * "#" comments (to the end of the line).  The number must be followed by
 * whitespace or a comment within len: digits that run to the end of the
 * bytes might go on.
 */
static int
pnm_number(const unsigned char *b, size_t len, size_t *pos, uint32_t *out)
{
	size_t p = *pos;
	uint32_t v = 0;

	for (;;) {
		if (p >= len)
			return -1;
		if (pnm_space(b[p]))
			p++;
		else if (b[p] == '#') {
			while (p < len && b[p] != '\n' && b[p] != '\r')
				p++;
		} else
			break;
	}
	if (b[p] < '0' || b[p] > '9')
		return -1;
	for (; p < len && b[p] >= '0' && b[p] <= '9'; p++) {
		uint32_t digit = (uint32_t)(b[p] - '0');

		if (v > (UINT32_MAX - digit) / 10)
			return -1;
		v = v * 10 + digit;
	}
	if (p >= len || !(pnm_space(b[p]) || b[p] == '#'))
		return -1;
	*out = v;
	*pos = p;
	return 0;
}

static int
pnm_dimensions(const unsigned char *b, size_t len, uint32_t *w, uint32_t *h)
{
	size_t pos = 2;

	if (!is_pnm(b, len) || pnm_number(b, len, &pos, w) != 0 || pnm_number(b, len, &pos, h) != 0)
		return -1;
	return 0;
}

int
imagetype_dimensions(const void *buf, size_t len, enum imagetype t, uint32_t *width, uint32_t *height)
{
	int (*reader)(const unsigned char *, size_t, uint32_t *, uint32_t *);
	uint32_t w = 0, h = 0;

	*width = *height = 0;
	switch (t) {
	case IMAGETYPE_PNG:
		reader = png_dimensions;
		break;
	case IMAGETYPE_JPEG:
		reader = jpeg_dimensions;
		break;
	case IMAGETYPE_TIFF:
		reader = tiff_dimensions;
		break;
	case IMAGETYPE_WEBP:
		reader = webp_dimensions;
		break;
	case IMAGETYPE_BMP:
		reader = bmp_dimensions;
		break;
	case IMAGETYPE_PNM:
		reader = pnm_dimensions;
		break;
	default:
		return -1;
	}
	if (buf == NULL || reader(buf, len, &w, &h) != 0 || w == 0 || h == 0)
		return -1;
	*width = w;
	*height = h;
	return 0;
}

/* --- every directory of a TIFF --- */

enum {
	TAG_WIDTH = 256,
	TAG_LENGTH = 257,
	TAG_BITS_PER_SAMPLE = 258,
	TAG_COMPRESSION = 259,
	TAG_STRIP_OFFSETS = 273,
	TAG_SAMPLES_PER_PIXEL = 277,
	TAG_ROWS_PER_STRIP = 278,
	TAG_STRIP_BYTE_COUNTS = 279,
	TAG_PLANAR_CONFIGURATION = 284,
	TAG_TILE_WIDTH = 322,
	TAG_TILE_OFFSETS = 324,
};

/* An entry's values: count of them, each size bytes, starting at at (within len). */
struct tiff_array {
	uint64_t count;
	size_t size;
	size_t at;
};

/* Where the directory at off ends, past its next-directory offset; 0 when it leaves the bytes. */
static size_t
tiff_ifd_end(const struct tiff *t, uint64_t off, uint64_t *entries)
{
	size_t count_size = t->bigtiff ? 8 : 2, entry_size = t->bigtiff ? 20 : 12, next_size = t->bigtiff ? 8 : 4;
	uint64_t n;

	if (off < (t->bigtiff ? 16u : 8u) || off > t->len || t->len - off < count_size)
		return 0;
	n = t->bigtiff ? tiff_u64(t, (size_t)off) : tiff_u16(t, (size_t)off);
	if (n == 0 || n > IMAGETYPE_MAX_ENTRIES ||
	    t->len - off - count_size < n * entry_size + next_size)
		return 0;
	*entries = n;
	return (size_t)off + count_size + (size_t)n * entry_size + next_size;
}

/* The offset of the directory after the one at off (0: none), or -1 when it cannot be read. */
static int
tiff_next_ifd(const struct tiff *t, uint64_t off, uint64_t *next)
{
	uint64_t entries;
	size_t end = tiff_ifd_end(t, off, &entries);

	if (end == 0)
		return -1;
	*next = t->bigtiff ? tiff_u64(t, end - 8) : tiff_u32(t, end - 4);
	return 0;
}

/*
 * Counts the directories of the chain, refusing one that leaves the
 * bytes and a chain that comes back on itself.  Brent's cycle finding
 * keeps one remembered offset, so a loop is told from a long chain in
 * time proportional to the chain and without memory; the walk stops
 * past twice the page limit, which is enough to meet a loop within it.
 */
static enum imagetype_verdict
tiff_count_pages(const struct tiff *t, uint32_t max_pages, uint32_t *pages, char *why, size_t whysize)
{
	uint64_t hare = t->ifd, tortoise = t->ifd, next;
	uint64_t steps = 0, power = 1, lam = 0;

	for (;;) {
		if (tiff_next_ifd(t, hare, &next) != 0) {
			snprintf(why, whysize, "directory %llu lies outside the file or is cut short",
			    (unsigned long long)steps + 1);
			return IMAGETYPE_MALFORMED;
		}
		if (next == 0)
			break;
		if (++steps > 2 * (uint64_t)max_pages + 2)
			break;
		hare = next;
		if (hare == tortoise) {
			snprintf(why, whysize, "its directories loop back on themselves");
			return IMAGETYPE_MALFORMED;
		}
		if (++lam == power) {
			tortoise = hare;
			power *= 2;
			lam = 0;
		}
	}
	if (steps + 1 > max_pages) {
		snprintf(why, whysize, "more than %u pages", (unsigned)max_pages);
		return IMAGETYPE_TOO_MANY_PAGES;
	}
	*pages = (uint32_t)steps + 1;
	return IMAGETYPE_OK;
}

/* Reads where the entry at e keeps its values, which must be SHORT, LONG or (BigTIFF) LONG8. */
static int
tiff_entry_array(const struct tiff *t, size_t e, struct tiff_array *a)
{
	size_t slot = t->bigtiff ? 8 : 4, value = e + (t->bigtiff ? 12 : 8);
	uint64_t off;

	switch (tiff_u16(t, e + 2)) {
	case 3:
		a->size = 2;
		break;
	case 4:
		a->size = 4;
		break;
	case 16:
		if (!t->bigtiff)
			return -1;
		a->size = 8;
		break;
	default:
		return -1;
	}
	a->count = t->bigtiff ? tiff_u64(t, e + 4) : tiff_u32(t, e + 4);
	if (a->count == 0 || a->count > t->len / a->size)
		return -1;
	if (a->count * a->size <= slot) {
		a->at = value;
		return 0;
	}
	off = t->bigtiff ? tiff_u64(t, value) : tiff_u32(t, value);
	if (off > t->len || t->len - off < a->count * a->size)
		return -1;
	a->at = (size_t)off;
	return 0;
}

static uint64_t
tiff_array_get(const struct tiff *t, const struct tiff_array *a, uint64_t i)
{
	size_t at = a->at + (size_t)i * a->size;

	return a->size == 2 ? tiff_u16(t, at) : a->size == 4 ? tiff_u32(t, at) : tiff_u64(t, at);
}

/* Compressions libtiff, as Debian builds it, decodes for leptonica. */
static int
tiff_compression_known(uint64_t c)
{
	static const uint32_t known[] = {
		1,		/* none */
		2, 3, 4,	/* CCITT modified Huffman, group 3, group 4 */
		5,		/* LZW */
		7,		/* JPEG */
		8, 32946,	/* deflate */
		32773,		/* PackBits */
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (c == known[i])
			return 1;
	return 0;
}

/* The tags a page is judged by; each may be given once. */
struct tiff_page {
	struct tiff_array width, length, bps, compression, spp, offsets, counts, planar, rows;
	int tiled;
};

static struct tiff_array *
tiff_page_field(struct tiff_page *p, uint32_t tag)
{
	switch (tag) {
	case TAG_WIDTH:
		return &p->width;
	case TAG_LENGTH:
		return &p->length;
	case TAG_BITS_PER_SAMPLE:
		return &p->bps;
	case TAG_COMPRESSION:
		return &p->compression;
	case TAG_SAMPLES_PER_PIXEL:
		return &p->spp;
	case TAG_STRIP_OFFSETS:
		return &p->offsets;
	case TAG_ROWS_PER_STRIP:
		return &p->rows;
	case TAG_STRIP_BYTE_COUNTS:
		return &p->counts;
	case TAG_PLANAR_CONFIGURATION:
		return &p->planar;
	default:
		return NULL;
	}
}

/* A single value, or def when the tag is absent; -1 when it has more than one. */
static int
tiff_single(const struct tiff *t, const struct tiff_array *a, uint64_t def, uint64_t *v)
{
	if (a->count == 0) {
		*v = def;
		return 0;
	}
	if (a->count != 1)
		return -1;
	*v = tiff_array_get(t, a, 0);
	return 0;
}

/*
 * Checks a page's strip tables: as many strips as its height and rows per
 * strip make (for every plane), each within the file.  Walking the tables
 * costs time in their length, so *table_bytes, their bytes summed over
 * the pages so far, must stay within the file: pages cannot make the walk
 * longer than the file by all naming one huge pair of arrays.
 */
static enum imagetype_verdict
tiff_check_strips(const struct tiff *t, const struct tiff_page *p, uint32_t n, uint64_t h, uint64_t spp,
    uint64_t planar, uint64_t *table_bytes, struct imagetype_report *r)
{
	uint64_t rows, strips;

	if (tiff_single(t, &p->rows, UINT32_MAX, &rows) != 0 || rows == 0) {
		snprintf(r->why, sizeof(r->why), "page %u: no single non-zero rows per strip", (unsigned)n);
		return IMAGETYPE_MALFORMED;
	}
	strips = (h / rows + (h % rows != 0)) * (planar == 2 ? spp : 1);
	if (p->offsets.count != strips || p->counts.count != strips) {
		snprintf(r->why, sizeof(r->why), "page %u: %llu strips where its rows make %llu",
		    (unsigned)n, (unsigned long long)p->offsets.count, (unsigned long long)strips);
		return IMAGETYPE_MALFORMED;
	}
	/* each count is at most len / size (tiff_entry_array), so no sum overflows */
	*table_bytes += p->offsets.count * p->offsets.size + p->counts.count * p->counts.size;
	if (*table_bytes > t->len) {
		snprintf(r->why, sizeof(r->why), "page %u: the strip tables of its pages add up to more than the file",
		    (unsigned)n);
		return IMAGETYPE_MALFORMED;
	}
	for (uint64_t i = 0; i < p->offsets.count; i++) {
		uint64_t at = tiff_array_get(t, &p->offsets, i), size = tiff_array_get(t, &p->counts, i);

		if (at > t->len || t->len - at < size) {
			snprintf(r->why, sizeof(r->why), "page %u: strip %llu lies outside the file",
			    (unsigned)n, (unsigned long long)i + 1);
			return IMAGETYPE_MALFORMED;
		}
	}
	return IMAGETYPE_OK;
}

/*
 * Reads the tags a page is judged by from the directory at off (page n,
 * 1-based): MALFORMED, with why, when the directory is cut short, a tag is
 * given twice or its values lie outside the file.
 */
static enum imagetype_verdict
tiff_read_page(const struct tiff *t, uint64_t off, uint32_t n, struct tiff_page *p, char *why, size_t whysize)
{
	size_t entry_size = t->bigtiff ? 20 : 12, pos;
	uint64_t entries;

	memset(p, 0, sizeof(*p));
	if (tiff_ifd_end(t, off, &entries) == 0) {
		snprintf(why, whysize, "page %u: its directory is cut short", (unsigned)n);
		return IMAGETYPE_MALFORMED;
	}
	pos = (size_t)off + (t->bigtiff ? 8 : 2);
	for (uint64_t i = 0; i < entries; i++, pos += entry_size) {
		uint32_t tag = tiff_u16(t, pos);
		struct tiff_array *a;

		if (tag >= TAG_TILE_WIDTH && tag <= TAG_TILE_OFFSETS + 1)
			p->tiled = 1;
		if ((a = tiff_page_field(p, tag)) == NULL)
			continue;
		if (a->count != 0) {
			snprintf(why, whysize, "page %u: tag %u is given twice", (unsigned)n, (unsigned)tag);
			return IMAGETYPE_MALFORMED;
		}
		if (tiff_entry_array(t, pos, a) != 0) {
			snprintf(why, whysize, "page %u: tag %u has values outside the file or of a wrong type",
			    (unsigned)n, (unsigned)tag);
			return IMAGETYPE_MALFORMED;
		}
	}
	return IMAGETYPE_OK;
}

/* A page's declared width and height; -1 when one is missing, given twice over, 0 or past 32 bits. */
static int
tiff_page_size(const struct tiff *t, const struct tiff_page *p, uint64_t *w, uint64_t *h)
{
	if (tiff_single(t, &p->width, 0, w) != 0 || tiff_single(t, &p->length, 0, h) != 0)
		return -1;
	return *w == 0 || *h == 0 || *w > UINT32_MAX || *h > UINT32_MAX ? -1 : 0;
}

static int
tiff_dimensions(const unsigned char *b, size_t len, uint32_t *w, uint32_t *h)
{
	struct tiff t;
	struct tiff_page p;
	uint64_t pw, ph;
	char why[96];

	if (tiff_header(b, len, &t) != 0 || tiff_read_page(&t, t.ifd, 1, &p, why, sizeof(why)) != IMAGETYPE_OK ||
	    tiff_page_size(&t, &p, &pw, &ph) != 0)
		return -1;
	*w = (uint32_t)pw;
	*h = (uint32_t)ph;
	return 0;
}

/* Checks the directory at off, page number n (1-based), against lim. */
static enum imagetype_verdict
tiff_check_page(const struct tiff *t, uint64_t off, uint32_t n, const struct imagetype_limits *lim,
    uint64_t *table_bytes, struct imagetype_report *r)
{
	struct tiff_page p;
	uint64_t w, h, spp, compression, planar;
	enum imagetype_verdict v;

	r->page = n;
	if ((v = tiff_read_page(t, off, n, &p, r->why, sizeof(r->why))) != IMAGETYPE_OK)
		return v;
	if (tiff_page_size(t, &p, &w, &h) != 0) {
		snprintf(r->why, sizeof(r->why), "page %u: no width and height", (unsigned)n);
		return IMAGETYPE_MALFORMED;
	}
	r->width = (uint32_t)w;
	r->height = (uint32_t)h;
	if (w * h > lim->max_pixels) {
		snprintf(r->why, sizeof(r->why), "page %u declares %llux%llu pixels, more than the limit",
		    (unsigned)n, (unsigned long long)w, (unsigned long long)h);
		return IMAGETYPE_TOO_LARGE;
	}
	if (p.tiled) {
		snprintf(r->why, sizeof(r->why), "page %u is stored in tiles, which the decoder does not read",
		    (unsigned)n);
		return IMAGETYPE_UNSUPPORTED;
	}
	if (tiff_single(t, &p.spp, 1, &spp) != 0 || spp < 1 || spp > 4) {
		snprintf(r->why, sizeof(r->why), "page %u: samples per pixel not 1 to 4", (unsigned)n);
		return IMAGETYPE_UNSUPPORTED;
	}
	/* one value for every sample, or one for all; all the same */
	if (p.bps.count != 0 && p.bps.count != 1 && p.bps.count != spp) {
		snprintf(r->why, sizeof(r->why), "page %u: %llu bits per sample values for %llu samples",
		    (unsigned)n, (unsigned long long)p.bps.count, (unsigned long long)spp);
		return IMAGETYPE_MALFORMED;
	}
	for (uint64_t i = 0; i < (p.bps.count != 0 ? p.bps.count : 1); i++) {
		uint64_t bps = p.bps.count != 0 ? tiff_array_get(t, &p.bps, i) : 1;

		if ((bps != 1 && bps != 2 && bps != 4 && bps != 8 && bps != 16) ||
		    (i > 0 && bps != tiff_array_get(t, &p.bps, 0))) {
			snprintf(r->why, sizeof(r->why), "page %u: %llu bits per sample, which the decoder does not read",
			    (unsigned)n, (unsigned long long)bps);
			return IMAGETYPE_UNSUPPORTED;
		}
	}
	if (tiff_single(t, &p.compression, 1, &compression) != 0 || !tiff_compression_known(compression)) {
		snprintf(r->why, sizeof(r->why), "page %u: compression %llu, which the decoder does not read",
		    (unsigned)n, (unsigned long long)compression);
		return IMAGETYPE_UNSUPPORTED;
	}
	if (tiff_single(t, &p.planar, 1, &planar) != 0 || (planar != 1 && !(planar == 2 && spp == 1))) {
		snprintf(r->why, sizeof(r->why), "page %u: separate colour planes, which the decoder does not read",
		    (unsigned)n);
		return IMAGETYPE_UNSUPPORTED;
	}
	if (p.offsets.count == 0 || p.offsets.count != p.counts.count) {
		snprintf(r->why, sizeof(r->why), "page %u: no strips, or not as many byte counts as strips",
		    (unsigned)n);
		return IMAGETYPE_MALFORMED;
	}
	return tiff_check_strips(t, &p, n, h, spp, planar, table_bytes, r);
}

static enum imagetype_verdict
tiff_check(const unsigned char *b, size_t len, const struct imagetype_limits *lim, struct imagetype_report *r)
{
	struct tiff t;
	uint32_t pages, max_pages = lim->max_pages < IMAGETYPE_MAX_PAGES ? lim->max_pages : IMAGETYPE_MAX_PAGES;
	uint32_t big_w = 0, big_h = 0;
	uint64_t off, next, table_bytes = 0;
	enum imagetype_verdict v;

	if (tiff_header(b, len, &t) != 0) {
		snprintf(r->why, sizeof(r->why), "not a TIFF header");
		return IMAGETYPE_MALFORMED;
	}
	if ((v = tiff_count_pages(&t, max_pages, &pages, r->why, sizeof(r->why))) != IMAGETYPE_OK)
		return v;
	off = t.ifd;
	for (uint32_t n = 1; n <= pages; n++) {
		if ((v = tiff_check_page(&t, off, n, lim, &table_bytes, r)) != IMAGETYPE_OK)
			return v;
		if ((uint64_t)r->width * r->height > (uint64_t)big_w * big_h) {
			big_w = r->width;
			big_h = r->height;
		}
		if (tiff_next_ifd(&t, off, &next) != 0)	/* read once already: cannot fail */
			return IMAGETYPE_MALFORMED;
		off = next;
	}
	r->pages = pages;
	r->page = 0;
	r->width = big_w;
	r->height = big_h;
	return IMAGETYPE_OK;
}

enum imagetype_verdict
imagetype_check(const void *buf, size_t len, enum imagetype t, const struct imagetype_limits *lim,
    struct imagetype_report *r)
{
	memset(r, 0, sizeof(*r));
	if (buf == NULL || lim->max_pages == 0) {
		snprintf(r->why, sizeof(r->why), "no bytes");
		return IMAGETYPE_MALFORMED;
	}
	if (t == IMAGETYPE_TIFF)
		return tiff_check(buf, len, lim, r);
	r->pages = 1;
	/*
	 * No size to hold to the limit: nothing here can tell a header cut
	 * short from one this reader does not know (a JPEG whose height waits
	 * for a DNL marker), so the decoder judges, with its own limits.
	 */
	if (imagetype_dimensions(buf, len, t, &r->width, &r->height) != 0)
		return IMAGETYPE_OK;
	if ((uint64_t)r->width * r->height > lim->max_pixels) {
		r->page = 1;
		snprintf(r->why, sizeof(r->why), "the image declares %ux%u pixels, more than the limit",
		    (unsigned)r->width, (unsigned)r->height);
		r->pages = 0;
		return IMAGETYPE_TOO_LARGE;
	}
	return IMAGETYPE_OK;
}
