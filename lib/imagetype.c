/*
 * imagetype: see imagetype.h.
 *
 * Multi-byte fields are put together a byte at a time in unsigned
 * arithmetic, so neither the host's byte order nor alignment matters, and
 * every read is preceded by a check that its bytes lie within len.
 */
#include <stdint.h>
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

/* Reads one entry's value, which must be a single SHORT, LONG or (BigTIFF) LONG8. */
static int
tiff_entry_value(const struct tiff *t, size_t entry, uint32_t *v)
{
	uint32_t type = tiff_u16(t, entry + 2);
	uint64_t count = t->bigtiff ? tiff_u64(t, entry + 4) : tiff_u32(t, entry + 4);
	size_t value = entry + (t->bigtiff ? 12 : 8);
	uint64_t v64;

	if (count != 1)
		return -1;
	switch (type) {
	case 3:
		*v = tiff_u16(t, value);
		return 0;
	case 4:
		*v = tiff_u32(t, value);
		return 0;
	case 16:
		if (!t->bigtiff || (v64 = tiff_u64(t, value)) > UINT32_MAX)
			return -1;
		*v = (uint32_t)v64;
		return 0;
	default:
		return -1;
	}
}

/* Looks for ImageWidth (256) and ImageLength (257) in the first directory. */
static int
tiff_dimensions(const unsigned char *b, size_t len, uint32_t *w, uint32_t *h)
{
	struct tiff t;
	size_t count_size, entry_size, pos;
	uint64_t count;
	int have_w = 0, have_h = 0;

	if (tiff_header(b, len, &t) != 0)
		return -1;
	count_size = t.bigtiff ? 8 : 2;
	entry_size = t.bigtiff ? 20 : 12;
	if (t.ifd > len || len - t.ifd < count_size)
		return -1;
	pos = (size_t)t.ifd;
	count = t.bigtiff ? tiff_u64(&t, pos) : tiff_u16(&t, pos);
	pos += count_size;
	for (uint64_t i = 0; i < count && !(have_w && have_h); i++, pos += entry_size) {
		uint32_t tag, v;

		if (len - pos < entry_size)
			return -1;
		tag = tiff_u16(&t, pos);
		if ((tag == 256 && have_w) || (tag == 257 && have_h) || (tag != 256 && tag != 257))
			continue;
		if (tiff_entry_value(&t, pos, &v) != 0)
			return -1;
		if (tag == 256) {
			*w = v;
			have_w = 1;
		} else {
			*h = v;
			have_h = 1;
		}
	}
	return have_w && have_h ? 0 : -1;
}

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
