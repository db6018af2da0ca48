/*
 * Unit tests for lib/imagetype: each type from hand-built headers, their
 * dimensions, every prefix of every header (never a wrong type or a wrong
 * size, never a read past the end: each prefix is copied into a buffer of
 * exactly its length so that ASan sees any overread), random damage, the
 * declared types, and the real files of the shared test data when
 * QUILL_TEST_DATA names its directory.  imagetype_check() on TIFFs put
 * together here: every shape of directory chain and page it refuses
 * (the multi-page hang and bomb of issue 19 among them), and that it
 * accepts good ones in each byte order and layout.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/imagetype.h"
#include "tests/unit/tap.h"

#define NTYPES (IMAGETYPE_PDF + 1)

struct sample {
	const char *what;
	const unsigned char *bytes;
	size_t len;
	enum imagetype type;
	uint32_t width, height;		/* 0: not determinable from these bytes */
};

static const unsigned char png[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0x02, 0x80, 0, 0, 0x01, 0xe0,	/* 640 x 480 */
	8, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef,
};

/* APP0, a DHT whose bytes would read as a size, a comment, a fill byte, then SOF0. */
static const unsigned char jpeg[] = {
	0xff, 0xd8,
	0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
	0xff, 0xc4, 0, 8, 0, 0x11, 0x22, 0x33, 0x44, 0x55,
	0xff, 0xfe, 0, 6, 'h', 'e', 'l', 'o',
	0xff, 0xff, 0xc0, 0, 17, 8, 0x02, 0x5d, 0x01, 0xcf, 3,	/* 605 lines of 463 */
	1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
	0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3f, 0,
	0xff, 0xd9,
};

static const unsigned char jpeg_progressive[] = {
	0xff, 0xd8, 0xff, 0xc2, 0, 11, 8, 0, 10, 0, 20, 1, 1, 0x11, 0,		/* 20 x 10 */
};

static const unsigned char tiff_le[] = {
	'I', 'I', 42, 0, 8, 0, 0, 0,
	3, 0,
	0x00, 0x01, 3, 0, 1, 0, 0, 0, 0x00, 0x04, 0, 0,	/* ImageWidth SHORT 1024 */
	0x01, 0x01, 4, 0, 1, 0, 0, 0, 0x20, 0x03, 0, 0,	/* ImageLength LONG 800 */
	0x03, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0,		/* Compression: none */
	0, 0, 0, 0,
};

/* Tags out of order and a SHORT, which sits in the first two bytes of the value. */
static const unsigned char tiff_be[] = {
	'M', 'M', 0, 42, 0, 0, 0, 8,
	0, 2,
	0x01, 0x01, 0, 3, 0, 0, 0, 1, 0x09, 0xf6, 0, 0,	/* ImageLength SHORT 2550 */
	0x01, 0x00, 0, 4, 0, 0, 0, 1, 0, 0, 0x0c, 0xf0,	/* ImageWidth LONG 3312 */
	0, 0, 0, 0,
};

static const unsigned char bigtiff[] = {
	'I', 'I', 43, 0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0,
	2, 0, 0, 0, 0, 0, 0, 0,
	0x00, 0x01, 16, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x70, 0x11, 0x01, 0, 0, 0, 0, 0,	/* LONG8 70000 */
	0x01, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0,		/* SHORT 9 */
	0, 0, 0, 0, 0, 0, 0, 0,
};

static const unsigned char bigtiff_be[] = {
	'M', 'M', 0, 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00,	/* directory beyond these bytes */
};

static const unsigned char webp_lossy[] = {
	'R', 'I', 'F', 'F', 30, 0, 0, 0, 'W', 'E', 'B', 'P',
	'V', 'P', '8', ' ', 10, 0, 0, 0, 0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a,
	0x90, 0x01, 0x2c, 0x01,						/* 400 x 300 */
};

static const unsigned char webp_lossless[] = {
	'R', 'I', 'F', 'F', 30, 0, 0, 0, 'W', 'E', 'B', 'P',
	'V', 'P', '8', 'L', 5, 0, 0, 0, 0x2f, 0xc7, 0xc0, 0x18, 0x00,	/* 200 x 100 */
};

static const unsigned char webp_extended[] = {
	'R', 'I', 'F', 'F', 30, 0, 0, 0, 'W', 'E', 'B', 'P',
	'V', 'P', '8', 'X', 10, 0, 0, 0, 0, 0, 0, 0,
	0x87, 0x13, 0x00, 0xb7, 0x0b, 0x00,				/* 5000 x 3000 */
};

/* BITMAPINFOHEADER, height -600: rows top-down. */
static const unsigned char bmp[] = {
	'B', 'M', 0x36, 0x10, 0x0e, 0, 0, 0, 0, 0, 54, 0, 0, 0,
	40, 0, 0, 0, 0x20, 0x03, 0, 0, 0xa8, 0xfd, 0xff, 0xff, 1, 0, 24, 0,
	0, 0, 0, 0, 0, 0x10, 0x0e, 0, 0x13, 0x0b, 0, 0, 0x13, 0x0b, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
};

/* The OS/2 core header: 16-bit sizes. */
static const unsigned char bmp_core[] = {
	'B', 'M', 0x9a, 1, 0, 0, 0, 0, 0, 0, 26, 0, 0, 0,
	12, 0, 0, 0, 16, 0, 8, 0, 1, 0, 24, 0,
};

static const unsigned char ppm[] = "P6\n# made by hand\n640 480\n255\n\x01\x02\x03";
static const unsigned char pbm_plain[] = "P1 3 2\n0 1 0\n1 0 1\n";
static const unsigned char pbm_comments[] = "P4\t#c\n12#x\n\n7\n\xff";
static const unsigned char pdf[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n";

#define SAMPLE(what, bytes, type, w, h) { what, bytes, sizeof(bytes), type, w, h }
#define TEXT_SAMPLE(what, text, type, w, h) { what, text, sizeof(text) - 1, type, w, h }

static const struct sample samples[] = {
	SAMPLE("png", png, IMAGETYPE_PNG, 640, 480),
	SAMPLE("jpeg", jpeg, IMAGETYPE_JPEG, 463, 605),
	SAMPLE("progressive jpeg", jpeg_progressive, IMAGETYPE_JPEG, 20, 10),
	SAMPLE("little-endian tiff", tiff_le, IMAGETYPE_TIFF, 1024, 800),
	SAMPLE("big-endian tiff", tiff_be, IMAGETYPE_TIFF, 3312, 2550),
	SAMPLE("bigtiff", bigtiff, IMAGETYPE_TIFF, 70000, 9),
	SAMPLE("big-endian bigtiff, directory further on", bigtiff_be, IMAGETYPE_TIFF, 0, 0),
	SAMPLE("lossy webp", webp_lossy, IMAGETYPE_WEBP, 400, 300),
	SAMPLE("lossless webp", webp_lossless, IMAGETYPE_WEBP, 200, 100),
	SAMPLE("extended webp", webp_extended, IMAGETYPE_WEBP, 5000, 3000),
	SAMPLE("bmp", bmp, IMAGETYPE_BMP, 800, 600),
	SAMPLE("os/2 bmp", bmp_core, IMAGETYPE_BMP, 16, 8),
	TEXT_SAMPLE("raw ppm with a comment", ppm, IMAGETYPE_PNM, 640, 480),
	TEXT_SAMPLE("plain pbm", pbm_plain, IMAGETYPE_PNM, 3, 2),
	TEXT_SAMPLE("raw pbm, comments after numbers", pbm_comments, IMAGETYPE_PNM, 12, 7),
	TEXT_SAMPLE("pdf", pdf, IMAGETYPE_PDF, 0, 0),
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

/* A copy of exactly len bytes, so that any read past them is an ASan report. */
static unsigned char *
exact_copy(const void *bytes, size_t len)
{
	unsigned char *p = malloc(len > 0 ? len : 1);

	if (p == NULL)
		abort();
	memcpy(p, bytes, len);
	return p;
}

static enum imagetype
sniff(const void *bytes, size_t len)
{
	unsigned char *copy = exact_copy(bytes, len);
	enum imagetype t = imagetype_sniff(copy, len);

	free(copy);
	return t;
}

static int
dimensions(const void *bytes, size_t len, enum imagetype t, uint32_t *w, uint32_t *h)
{
	unsigned char *copy = exact_copy(bytes, len);
	int r = imagetype_dimensions(copy, len, t, w, h);

	free(copy);
	return r;
}

static void
test_samples(void)
{
	char what[160];
	uint32_t w, h;

	for (size_t i = 0; i < NSAMPLES; i++) {
		const struct sample *s = &samples[i];
		int r;

		snprintf(what, sizeof(what), "%s is %s", s->what, imagetype_name(s->type));
		is_str(imagetype_name(sniff(s->bytes, s->len)), imagetype_name(s->type), what);
		r = dimensions(s->bytes, s->len, s->type, &w, &h);
		if (s->width == 0)
			snprintf(what, sizeof(what), "%s: no dimensions", s->what);
		else
			snprintf(what, sizeof(what), "%s: %ux%u", s->what, (unsigned)s->width, (unsigned)s->height);
		if (s->width == 0)
			ok(r == -1 && w == 0 && h == 0, what);
		else
			ok(r == 0 && w == s->width && h == s->height, what);
	}
}

/*
 * Every prefix gives UNKNOWN or the type, and once the type is known it
 * stays known; dimensions are either not found or the whole header's.
 */
static void
test_prefixes(void)
{
	char what[160];

	for (size_t i = 0; i < NSAMPLES; i++) {
		const struct sample *s = &samples[i];
		int bad = 0, known = 0;

		for (size_t n = 0; n <= s->len; n++) {
			enum imagetype t = sniff(s->bytes, n);
			uint32_t w, h;
			int r = dimensions(s->bytes, n, s->type, &w, &h);

			if ((t != IMAGETYPE_UNKNOWN && t != s->type) || (known && t != s->type))
				bad++;
			known = t == s->type;
			if (r == 0 ? (w != s->width || h != s->height) : (r != -1 || w != 0 || h != 0))
				bad++;
		}
		snprintf(what, sizeof(what), "every prefix of the %s reads as unknown or right", s->what);
		ok(bad == 0 && known, what);
	}
}

/* Dimensions asked for under another type are not found, whatever the bytes. */
static void
test_wrong_type(void)
{
	int bad = 0;

	for (size_t i = 0; i < NSAMPLES; i++)
		for (int t = 0; t < NTYPES; t++) {
			uint32_t w, h;

			if ((enum imagetype)t != samples[i].type &&
			    dimensions(samples[i].bytes, samples[i].len, (enum imagetype)t, &w, &h) != -1)
				bad++;
		}
	is_int(bad, 0, "dimensions under another type are never found");
}

static void
test_unknown(void)
{
	static const unsigned char zip[] = { 'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0x1c, 0x78, 0x5d };
	static const unsigned char gif[] = "GIF89a\x01\x00\x01\x00";
	static const unsigned char bmp_text[] = "BMW 320d, 2019, grey\n";
	static const unsigned char tiff_ifd_in_header[] = { 'I', 'I', 42, 0, 4, 0, 0, 0 };
	static const unsigned char bigtiff_bad_size[] = { 'I', 'I', 43, 0, 4, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char riff_wave[] = "RIFF\x24\0\0\0WAVEfmt ";
	static const unsigned char pam[] = "P7\nWIDTH 2\n";
	static const unsigned char p6_no_space[] = "P6x";
	static const unsigned char pdf_late[] = " %PDF-1.4\n";
	unsigned char one = 0;
	uint32_t w = 1, h = 1;

	is_int(imagetype_sniff(zip, sizeof(zip)), IMAGETYPE_UNKNOWN, "a zip archive is unknown");
	is_int(imagetype_sniff(&one, 0), IMAGETYPE_UNKNOWN, "an empty buffer is unknown");
	is_int(imagetype_sniff(NULL, 0), IMAGETYPE_UNKNOWN, "no buffer is unknown");
	is_int(imagetype_sniff(gif, sizeof(gif) - 1), IMAGETYPE_UNKNOWN, "gif is not taken");
	is_int(imagetype_sniff(bmp_text, sizeof(bmp_text) - 1), IMAGETYPE_UNKNOWN, "\"BM\" text is not a bmp");
	is_int(imagetype_sniff(tiff_ifd_in_header, sizeof(tiff_ifd_in_header)), IMAGETYPE_UNKNOWN,
	    "a tiff directory inside the header is not a tiff");
	is_int(imagetype_sniff(bigtiff_bad_size, sizeof(bigtiff_bad_size)), IMAGETYPE_UNKNOWN,
	    "bigtiff with an offset size other than 8 is not a tiff");
	is_int(imagetype_sniff(riff_wave, sizeof(riff_wave) - 1), IMAGETYPE_UNKNOWN, "a RIFF of sound is not webp");
	is_int(imagetype_sniff(pam, sizeof(pam) - 1), IMAGETYPE_UNKNOWN, "P7 is not taken");
	is_int(imagetype_sniff(p6_no_space, sizeof(p6_no_space) - 1), IMAGETYPE_UNKNOWN,
	    "a pnm magic needs whitespace after it");
	is_int(imagetype_sniff(pdf_late, sizeof(pdf_late) - 1), IMAGETYPE_UNKNOWN, "%PDF- must start the file");
	ok(imagetype_dimensions(zip, sizeof(zip), IMAGETYPE_UNKNOWN, &w, &h) == -1 && w == 0 && h == 0,
	    "unknown has no dimensions, and they are zeroed");
	ok(imagetype_dimensions(NULL, 0, IMAGETYPE_PNG, &w, &h) == -1, "no buffer has no dimensions");
	ok(imagetype_dimensions(pdf, sizeof(pdf) - 1, IMAGETYPE_PDF, &w, &h) == -1, "pdf has no dimensions");
}

/* Headers that are the right type but whose sizes must not be believed. */
static void
test_bad_dimensions(void)
{
	static const unsigned char png_zero[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 0, 0, 0, 0x01, 0xe0,
	};
	static const unsigned char png_huge[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0x80, 0, 0, 0, 0, 0, 0x01, 0xe0,
	};
	static const unsigned char png_not_ihdr[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'g', 'A', 'M', 'A', 0, 0, 1, 0, 0, 0, 1, 0,
	};
	static const unsigned char jpeg_dnl[] = {
		0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 0, 0, 20, 1, 1, 0x11, 0,
	};
	static const unsigned char jpeg_scan_first[] = {
		0xff, 0xd8, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0xff, 0xc0, 0, 11, 8, 0, 9, 0, 9, 1, 1, 0x11, 0,
	};
	static const unsigned char jpeg_short_segment[] = {
		0xff, 0xd8, 0xff, 0xe1, 0, 1, 0xff, 0xc0, 0, 11, 8, 0, 9, 0, 9, 1, 1, 0x11, 0,
	};
	static const unsigned char jpeg_long_segment[] = {
		0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0xff, 0xc0, 0, 11, 8, 0, 9, 0, 9, 1, 1, 0x11, 0,
	};
	static const unsigned char bmp_negative_width[] = {
		'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,
		40, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0,
	};
	static const unsigned char bmp_int_min_height[] = {
		'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,
		40, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80,
	};
	static const unsigned char tiff_far_directory[] = { 'I', 'I', 42, 0, 0xff, 0xff, 0xff, 0xff };
	static const unsigned char tiff_huge_count[] = {
		'I', 'I', 43, 0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x00, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0,
	};
	static const unsigned char tiff_two_widths[] = {
		'I', 'I', 42, 0, 8, 0, 0, 0, 2, 0,
		0x00, 0x01, 3, 0, 2, 0, 0, 0, 1, 0, 1, 0,	/* count 2: not a size */
		0x01, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0,
	};
	static const unsigned char pnm_overflow[] = "P5 4294967296 1\n";
	static const unsigned char pnm_max[] = "P5 4294967295 1\n";
	static const unsigned char pnm_unterminated[] = "P5 640 480";
	static const unsigned char pnm_letters[] = "P5 640 x\n";
	static const unsigned char webp_p_frame[] = {
		'R', 'I', 'F', 'F', 30, 0, 0, 0, 'W', 'E', 'B', 'P',
		'V', 'P', '8', ' ', 10, 0, 0, 0, 0x51, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x90, 0x01, 0x2c, 0x01,
	};
	static const unsigned char webp_alpha_first[] = {
		'R', 'I', 'F', 'F', 30, 0, 0, 0, 'W', 'E', 'B', 'P',
		'A', 'L', 'P', 'H', 10, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0,
	};
	uint32_t w, h;

	is_int(imagetype_dimensions(png_zero, sizeof(png_zero), IMAGETYPE_PNG, &w, &h), -1, "png width 0");
	is_int(imagetype_dimensions(png_huge, sizeof(png_huge), IMAGETYPE_PNG, &w, &h), -1, "png width 2^31");
	is_int(imagetype_dimensions(png_not_ihdr, sizeof(png_not_ihdr), IMAGETYPE_PNG, &w, &h), -1,
	    "png whose first chunk is not IHDR");
	is_int(imagetype_dimensions(jpeg_dnl, sizeof(jpeg_dnl), IMAGETYPE_JPEG, &w, &h), -1,
	    "jpeg height left to a DNL marker");
	is_int(imagetype_dimensions(jpeg_scan_first, sizeof(jpeg_scan_first), IMAGETYPE_JPEG, &w, &h), -1,
	    "jpeg scan before a frame header");
	is_int(imagetype_dimensions(jpeg_short_segment, sizeof(jpeg_short_segment), IMAGETYPE_JPEG, &w, &h), -1,
	    "jpeg segment length under 2");
	is_int(imagetype_dimensions(jpeg_long_segment, sizeof(jpeg_long_segment), IMAGETYPE_JPEG, &w, &h), -1,
	    "jpeg segment running past the bytes");
	is_int(imagetype_dimensions(bmp_negative_width, sizeof(bmp_negative_width), IMAGETYPE_BMP, &w, &h), -1,
	    "bmp negative width");
	ok(imagetype_dimensions(bmp_int_min_height, sizeof(bmp_int_min_height), IMAGETYPE_BMP, &w, &h) == 0 &&
	    w == 1 && h == 0x80000000u, "bmp height INT32_MIN is 2^31 rows, top-down");
	is_int(imagetype_sniff(tiff_far_directory, sizeof(tiff_far_directory)), IMAGETYPE_TIFF,
	    "tiff with its directory far on");
	is_int(imagetype_dimensions(tiff_far_directory, sizeof(tiff_far_directory), IMAGETYPE_TIFF, &w, &h), -1,
	    "  has no dimensions in these bytes");
	is_int(imagetype_dimensions(tiff_huge_count, sizeof(tiff_huge_count), IMAGETYPE_TIFF, &w, &h), -1,
	    "bigtiff directory of 2^64-1 entries stops at the end of the bytes");
	is_int(imagetype_dimensions(tiff_two_widths, sizeof(tiff_two_widths), IMAGETYPE_TIFF, &w, &h), -1,
	    "tiff width with a count of 2");
	is_int(imagetype_dimensions(pnm_overflow, sizeof(pnm_overflow) - 1, IMAGETYPE_PNM, &w, &h), -1,
	    "pnm width over 32 bits");
	ok(imagetype_dimensions(pnm_max, sizeof(pnm_max) - 1, IMAGETYPE_PNM, &w, &h) == 0 && w == UINT32_MAX,
	    "pnm width of exactly 32 bits");
	is_int(imagetype_dimensions(pnm_unterminated, sizeof(pnm_unterminated) - 1, IMAGETYPE_PNM, &w, &h), -1,
	    "pnm height that might go on");
	is_int(imagetype_dimensions(pnm_letters, sizeof(pnm_letters) - 1, IMAGETYPE_PNM, &w, &h), -1,
	    "pnm height that is not a number");
	is_int(imagetype_dimensions(webp_p_frame, sizeof(webp_p_frame), IMAGETYPE_WEBP, &w, &h), -1,
	    "lossy webp that is not a key frame");
	is_int(imagetype_dimensions(webp_alpha_first, sizeof(webp_alpha_first), IMAGETYPE_WEBP, &w, &h), -1,
	    "webp with an unknown first chunk");
}

static uint32_t
next_random(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/*
 * Damaged and cut headers of every sample, read as every type: found
 * dimensions are never zero.  The point is the sanitizer build, which
 * would report any read out of bounds or undefined arithmetic.
 */
static void
test_damage(void)
{
	uint32_t state = 2463534242u;
	int bad = 0, runs = 0;

	for (size_t i = 0; i < NSAMPLES; i++)
		for (int k = 0; k < 2000; k++) {
			unsigned char buf[128];
			const struct sample *s = &samples[i];
			size_t len = s->len < sizeof(buf) ? s->len : sizeof(buf);
			int flips = 1 + (int)(next_random(&state) % 4);

			memcpy(buf, s->bytes, len);
			while (flips-- > 0)
				buf[next_random(&state) % len] = (unsigned char)next_random(&state);
			if (next_random(&state) % 4 == 0)
				len = next_random(&state) % (len + 1);
			sniff(buf, len);
			for (int t = 0; t < NTYPES; t++) {
				uint32_t w, h;

				if (dimensions(buf, len, (enum imagetype)t, &w, &h) == 0 && (w == 0 || h == 0))
					bad++;
				runs++;
			}
		}
	ok(runs > 0 && bad == 0, "damaged headers never give a zero dimension");
}

static void
test_names(void)
{
	static const char *names[NTYPES] = { "unknown", "png", "jpeg", "tiff", "webp", "bmp", "pnm", "pdf" };
	static const char *mimes[NTYPES] = {
		"application/octet-stream", "image/png", "image/jpeg", "image/tiff", "image/webp",
		"image/bmp", "image/x-portable-anymap", "application/pdf",
	};
	int bad = 0;

	for (int t = 0; t < NTYPES; t++) {
		if (strcmp(imagetype_name((enum imagetype)t), names[t]) != 0 ||
		    strcmp(imagetype_mime((enum imagetype)t), mimes[t]) != 0)
			bad++;
		if (t != IMAGETYPE_UNKNOWN && imagetype_from_mime(mimes[t], strlen(mimes[t])) != (enum imagetype)t)
			bad++;
	}
	is_int(bad, 0, "each type's name and mime, and the mime read back");
	is_str(imagetype_name((enum imagetype)99), "unknown", "a type out of range is named unknown");
	is_str(imagetype_mime((enum imagetype)-1), "application/octet-stream", "  and has the unknown mime");
}

static void
test_from_mime(void)
{
	static const struct {
		const char *mime;
		enum imagetype type;
	} cases[] = {
		{ "image/png", IMAGETYPE_PNG },
		{ "IMAGE/PNG", IMAGETYPE_PNG },
		{ "image/png; charset=binary", IMAGETYPE_PNG },
		{ "image/png;", IMAGETYPE_PNG },
		{ " image/jpeg\t", IMAGETYPE_JPEG },
		{ "image/jpg", IMAGETYPE_JPEG },
		{ "Image/TIFF ; x=y", IMAGETYPE_TIFF },
		{ "image/webp", IMAGETYPE_WEBP },
		{ "image/bmp", IMAGETYPE_BMP },
		{ "image/x-ms-bmp", IMAGETYPE_BMP },
		{ "image/x-portable-anymap", IMAGETYPE_PNM },
		{ "image/x-portable-bitmap", IMAGETYPE_PNM },
		{ "image/x-portable-graymap", IMAGETYPE_PNM },
		{ "image/x-portable-pixmap", IMAGETYPE_PNM },
		{ "application/pdf", IMAGETYPE_PDF },
		{ "image/gif", IMAGETYPE_UNKNOWN },
		{ "image/pngx", IMAGETYPE_UNKNOWN },
		{ "image/pn", IMAGETYPE_UNKNOWN },
		{ "image/ png", IMAGETYPE_UNKNOWN },
		{ "application/octet-stream", IMAGETYPE_UNKNOWN },
		{ "multipart/form-data; boundary=x", IMAGETYPE_UNKNOWN },
		{ ";image/png", IMAGETYPE_UNKNOWN },
		{ "", IMAGETYPE_UNKNOWN },
	};
	char what[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "\"%s\" declares %s", cases[i].mime, imagetype_name(cases[i].type));
		is_int(imagetype_from_mime(cases[i].mime, strlen(cases[i].mime)), cases[i].type, what);
	}
	is_int(imagetype_from_mime("image/pngxyz", 9), IMAGETYPE_PNG, "only len bytes are read");
	is_int(imagetype_from_mime("image/png", 5), IMAGETYPE_UNKNOWN, "  and all of them count");
	is_int(imagetype_from_mime(NULL, 0), IMAGETYPE_UNKNOWN, "no type is unknown");
}

/* The file's bytes in a buffer of exactly their length, or NULL. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc(size > 0 ? (size_t)size : 1)) != NULL) {
		if (fread(buf, 1, (size_t)size, f) == (size_t)size)
			*len = (size_t)size;
		else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Sizes as file(1) reports them. */
static void
test_data_files(const char *dir)
{
	static const struct {
		const char *path;
		enum imagetype type;
		uint32_t width, height;		/* 0: none */
	} files[] = {
		{ "ocr/phototest-rotated-180.png", IMAGETYPE_PNG, 640, 480 },
		{ "ocr/phototest-rotated-R.png", IMAGETYPE_PNG, 480, 640 },
		{ "ocr/sroie_005.jpg", IMAGETYPE_JPEG, 463, 605 },
		{ "ocr/sroie_019.jpg", IMAGETYPE_JPEG, 447, 915 },
		{ "ocr/phototest.tif", IMAGETYPE_TIFF, 640, 480 },
		{ "ocr/eurotext.tif", IMAGETYPE_TIFF, 1024, 800 },
		{ "ocr/8071_093.3B.tif", IMAGETYPE_TIFF, 3312, 2550 },
		{ "ocr/8087_054.3B.tif", IMAGETYPE_TIFF, 2560, 3300 },
		{ "bad/bomb_header.png", IMAGETYPE_PNG, 100000, 100000 },
		{ "bad/truncated.png", IMAGETYPE_PNG, 600, 200 },
		{ "bad/one_pixel.png", IMAGETYPE_PNG, 1, 1 },
		{ "bad/empty.png", IMAGETYPE_UNKNOWN, 0, 0 },
		{ "bad/zip_renamed.png", IMAGETYPE_UNKNOWN, 0, 0 },
		{ "invoices/AmazonWebServices.png", IMAGETYPE_PNG, 2550, 3300 },
		{ "invoices/AmazonWebServices.pdf", IMAGETYPE_PDF, 0, 0 },
	};
	char path[4096], what[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		unsigned char *buf;
		size_t len;
		uint32_t w, h;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i].path);
		if ((buf = slurp(path, &len)) == NULL) {
			snprintf(what, sizeof(what), "%s is not there", files[i].path);
			skip(what);
			skip(what);
			continue;
		}
		snprintf(what, sizeof(what), "%s is %s", files[i].path, imagetype_name(files[i].type));
		is_str(imagetype_name(imagetype_sniff(buf, len)), imagetype_name(files[i].type), what);
		r = imagetype_dimensions(buf, len, files[i].type, &w, &h);
		if (files[i].width == 0)
			snprintf(what, sizeof(what), "%s: no dimensions", files[i].path);
		else
			snprintf(what, sizeof(what), "%s: %ux%u", files[i].path, (unsigned)files[i].width,
			    (unsigned)files[i].height);
		if (files[i].width == 0)
			is_int(r, -1, what);
		else if (!ok(r == 0 && w == files[i].width && h == files[i].height, what))
			printf("#   got %d, %ux%u\n", r, (unsigned)w, (unsigned)h);
		free(buf);
	}
}

static enum imagetype
type_of_extension(const char *name)
{
	static const struct {
		const char *ext;
		enum imagetype type;
	} exts[] = {
		{ ".png", IMAGETYPE_PNG }, { ".jpg", IMAGETYPE_JPEG }, { ".tif", IMAGETYPE_TIFF },
		{ ".pdf", IMAGETYPE_PDF },
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (n > 4 && strcmp(name + n - 4, exts[i].ext) == 0)
			return exts[i].type;
	return IMAGETYPE_UNKNOWN;
}

/* Every image and PDF in a folder of good files reads as its extension says, with a size. */
static void
test_data_folder(const char *dir, const char *folder)
{
	struct dirent **entries;
	char path[4096], what[512];
	int n, checked = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, folder);
	if ((n = scandir(path, &entries, NULL, alphasort)) < 0) {
		snprintf(what, sizeof(what), "%s is not there", folder);
		skip(what);
		return;
	}
	for (int i = 0; i < n; i++) {
		enum imagetype want = type_of_extension(entries[i]->d_name);
		unsigned char *buf;
		size_t len;
		uint32_t w, h;
		int sized;

		if (want == IMAGETYPE_UNKNOWN)
			goto next;
		snprintf(path, sizeof(path), "%s/%s/%s", dir, folder, entries[i]->d_name);
		if ((buf = slurp(path, &len)) == NULL)
			goto next;
		sized = imagetype_dimensions(buf, len, want, &w, &h) == 0;
		snprintf(what, sizeof(what), "%s/%s reads as %s%s", folder, entries[i]->d_name,
		    imagetype_name(want), want == IMAGETYPE_PDF ? "" : " with a size");
		ok(imagetype_sniff(buf, len) == want && (want == IMAGETYPE_PDF || sized), what);
		checked++;
		free(buf);
next:
		free(entries[i]);
	}
	free(entries);
	snprintf(what, sizeof(what), "%s holds files to check", folder);
	ok(checked > 0, what);
}

/* --- every directory of a TIFF (imagetype_check) --- */

/* A TIFF put together in a buffer: pages appended one after another, each linked from the last. */
struct tb {
	unsigned char b[65536];
	size_t len;
	int big, be;
	size_t next_at;		/* where the offset of the next directory goes */
	size_t ifd[400];
	int pages;
};

struct tag {
	uint16_t tag, type;
	uint32_t count;
	uint64_t value;		/* inline value, or the offset of the values */
};

static void
tb_put(struct tb *t, size_t at, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		t->b[at + (t->be ? n - 1 - i : i)] = (unsigned char)(v >> (8 * i));
}

static void
tb_start(struct tb *t, int big, int be)
{
	memset(t, 0, sizeof(*t));
	t->big = big;
	t->be = be;
	memcpy(t->b, be ? "MM" : "II", 2);
	tb_put(t, 2, big ? 43 : 42, 2);
	if (big) {
		tb_put(t, 4, 8, 2);
		t->next_at = 8;
		t->len = 16;
	} else {
		t->next_at = 4;
		t->len = 8;
	}
}

static size_t
tb_data(struct tb *t, const void *p, size_t n)
{
	size_t at = t->len;

	memcpy(t->b + at, p, n);
	t->len += n + (n & 1);
	return at;
}

static size_t
tb_page(struct tb *t, const struct tag *tags, int n)
{
	size_t at = t->len, cs = t->big ? 8 : 2, es = t->big ? 20 : 12, os = t->big ? 8 : 4;

	tb_put(t, t->next_at, at, (unsigned)os);
	tb_put(t, at, (uint64_t)n, (unsigned)cs);
	for (int i = 0; i < n; i++) {
		size_t e = at + cs + (size_t)i * es;
		unsigned size = tags[i].type == 3 ? 2 : tags[i].type == 4 ? 4 : 8;

		tb_put(t, e, tags[i].tag, 2);
		tb_put(t, e + 2, tags[i].type, 2);
		tb_put(t, e + 4, tags[i].count, t->big ? 8 : 4);
		/* a single value sits at the start of the slot; an offset fills it */
		tb_put(t, e + (t->big ? 12 : 8), tags[i].value, tags[i].count == 1 ? size : (unsigned)os);
	}
	t->next_at = at + cs + (size_t)n * es;
	t->len = t->next_at + os;
	t->ifd[t->pages++] = at;
	return at;
}

static const unsigned char g4_white_8x8[] = { 0xff, 0x00, 0x10, 0x01 };

/* The tags of an 8x8 G4 page whose strip is at strip; n is set to their number. */
static void
page_tags(struct tag *tags, int *n, uint32_t w, uint32_t h, size_t strip, size_t strip_len)
{
	const struct tag std[] = {
		{ 256, 4, 1, w }, { 257, 4, 1, h }, { 258, 3, 1, 1 }, { 259, 3, 1, 4 }, { 262, 3, 1, 0 },
		{ 273, 4, 1, strip }, { 277, 3, 1, 1 }, { 278, 4, 1, h }, { 279, 4, 1, strip_len },
	};

	memcpy(tags, std, sizeof(std));
	*n = (int)(sizeof(std) / sizeof(std[0]));
}

static struct tag *
find_tag(struct tag *tags, int n, uint16_t tag)
{
	for (int i = 0; i < n; i++)
		if (tags[i].tag == tag)
			return &tags[i];
	abort();
}

/* Appends good pages; returns the strip of the first. */
static size_t
good_pages(struct tb *t, int pages)
{
	size_t strip = tb_data(t, g4_white_8x8, sizeof(g4_white_8x8));
	struct tag tags[16];
	int n;

	page_tags(tags, &n, 8, 8, strip, sizeof(g4_white_8x8));
	for (int i = 0; i < pages; i++)
		tb_page(t, tags, n);
	return strip;
}

/* One page with its tag tag changed to value (or given count values at an offset). */
static void
page_with(struct tb *t, uint16_t tag, uint16_t type, uint32_t count, uint64_t value)
{
	size_t strip = tb_data(t, g4_white_8x8, sizeof(g4_white_8x8));
	struct tag tags[16], *tg;
	int n;

	page_tags(tags, &n, 8, 8, strip, sizeof(g4_white_8x8));
	tg = find_tag(tags, n, tag);
	tg->type = type;
	tg->count = count;
	tg->value = value;
	tb_page(t, tags, n);
}

static const struct imagetype_limits limits = { 100000000, 50 };

/* Checks t's bytes copied into a buffer of their exact length, so ASan sees an overread. */
static enum imagetype_verdict
check_tb(const struct tb *t, const struct imagetype_limits *lim, struct imagetype_report *r)
{
	unsigned char *copy = malloc(t->len > 0 ? t->len : 1);
	enum imagetype_verdict v;

	if (copy == NULL)
		abort();
	memcpy(copy, t->b, t->len);
	v = imagetype_check(copy, t->len, IMAGETYPE_TIFF, lim, r);
	free(copy);
	return v;
}

static void
expect_tb(const struct tb *t, const struct imagetype_limits *lim, enum imagetype_verdict want, uint32_t page,
    const char *what)
{
	struct imagetype_report r;
	enum imagetype_verdict v = check_tb(t, lim, &r);

	ok(v == want && r.page == page, what);
	if (v != want || r.page != page)
		printf("#   got verdict %d page %u (%s), want %d page %u\n", (int)v, (unsigned)r.page, r.why,
		    (int)want, (unsigned)page);
}

static void
test_tiff_pages(void)
{
	struct imagetype_limits two = { 100000000, 2 }, small = { 1000, 50 };
	struct imagetype_report r;
	struct tag tags[16];
	struct tb t;
	size_t strip, values;
	int n;

	tb_start(&t, 0, 0);
	good_pages(&t, 3);
	ok(check_tb(&t, &limits, &r) == IMAGETYPE_OK && r.pages == 3 && r.width == 8 && r.height == 8 &&
	    r.why[0] == '\0', "three good pages: accepted, three pages of 8x8");
	expect_tb(&t, &two, IMAGETYPE_TOO_MANY_PAGES, 0, "  with max_pages 2: too many pages");
	{
		size_t accepted = 0;

		for (size_t len = 0; len < t.len && accepted == 0; len++) {
			struct tb cut = t;

			cut.len = len;
			if (check_tb(&cut, &limits, &r) == IMAGETYPE_OK)
				accepted = len;
		}
		is_int(accepted, 0, "  no prefix of it is accepted (each read from a buffer of its length)");
	}

	tb_start(&t, 1, 0);
	good_pages(&t, 2);
	ok(check_tb(&t, &limits, &r) == IMAGETYPE_OK && r.pages == 2, "bigtiff, two good pages: accepted");
	tb_start(&t, 0, 1);
	good_pages(&t, 2);
	ok(check_tb(&t, &limits, &r) == IMAGETYPE_OK && r.pages == 2, "big-endian, two good pages: accepted");

	/* the hang: leptonica 1.82 loops for ever on a page it cannot read after a good one */
	tb_start(&t, 0, 0);
	good_pages(&t, 1);
	page_with(&t, 258, 3, 1, 3);
	expect_tb(&t, &limits, IMAGETYPE_UNSUPPORTED, 2, "page 2 with 3 bits per sample: unsupported, page 2");

	/* the bomb: pages after the first declaring billions of pixels */
	tb_start(&t, 0, 0);
	strip = good_pages(&t, 1);
	page_tags(tags, &n, 50000, 50000, strip, sizeof(g4_white_8x8));
	tb_page(&t, tags, n);
	tb_page(&t, tags, n);
	expect_tb(&t, &limits, IMAGETYPE_TOO_LARGE, 2, "pages 2 and 3 of 50000x50000: too large, page 2");
	tb_start(&t, 1, 1);
	strip = good_pages(&t, 1);
	page_tags(tags, &n, 70000, 70000, strip, sizeof(g4_white_8x8));
	find_tag(tags, n, 256)->type = 16;
	tb_page(&t, tags, n);
	expect_tb(&t, &limits, IMAGETYPE_TOO_LARGE, 2, "  the same in a big-endian bigtiff with LONG8 sizes");
	tb_start(&t, 0, 0);
	good_pages(&t, 1);
	expect_tb(&t, &small, IMAGETYPE_OK, 0, "  8x8 is within a limit of 1000 pixels");
	tb_start(&t, 0, 0);
	strip = good_pages(&t, 1);
	page_tags(tags, &n, 32, 32, strip, sizeof(g4_white_8x8));
	tb_page(&t, tags, n);
	expect_tb(&t, &small, IMAGETYPE_TOO_LARGE, 2, "  32x32 on page 2 is not");

	/* loops */
	tb_start(&t, 0, 0);
	good_pages(&t, 2);
	tb_put(&t, t.next_at, t.ifd[0], 4);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 0, "page 2 leading back to page 1: malformed");
	tb_start(&t, 0, 0);
	good_pages(&t, 1);
	tb_put(&t, t.next_at, t.ifd[0], 4);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 0, "page 1 leading to itself: malformed");
	tb_start(&t, 0, 0);
	good_pages(&t, 40);
	tb_put(&t, t.next_at, t.ifd[2], 4);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 0, "a loop of 38 pages after 2, within max_pages 50: malformed");
	tb_start(&t, 0, 0);
	good_pages(&t, 300);
	expect_tb(&t, &limits, IMAGETYPE_TOO_MANY_PAGES, 0, "300 pages: too many for max_pages 50");
	tb_start(&t, 0, 0);
	good_pages(&t, 300);
	tb_put(&t, t.next_at, t.ifd[100], 4);
	expect_tb(&t, &limits, IMAGETYPE_TOO_MANY_PAGES, 0, "  300 pages looping back: too many too");

	/* layouts the decoder does not read */
	tb_start(&t, 0, 0);
	good_pages(&t, 1);
	page_with(&t, 259, 3, 1, 6);
	expect_tb(&t, &limits, IMAGETYPE_UNSUPPORTED, 2, "old-style JPEG compression (6): unsupported");
	tb_start(&t, 0, 0);
	page_with(&t, 259, 3, 1, 34712);
	expect_tb(&t, &limits, IMAGETYPE_UNSUPPORTED, 1, "JPEG 2000 compression: unsupported");
	tb_start(&t, 0, 0);
	page_with(&t, 277, 3, 1, 5);
	expect_tb(&t, &limits, IMAGETYPE_UNSUPPORTED, 1, "5 samples per pixel: unsupported");
	tb_start(&t, 0, 0);
	{
		static const unsigned char bps[] = { 8, 0, 8, 0, 16, 0 };	/* little-endian SHORTs */

		values = tb_data(&t, bps, sizeof(bps));
	}
	strip = tb_data(&t, g4_white_8x8, sizeof(g4_white_8x8));
	page_tags(tags, &n, 8, 8, strip, sizeof(g4_white_8x8));
	*find_tag(tags, n, 277) = (struct tag){ 277, 3, 1, 3 };
	*find_tag(tags, n, 258) = (struct tag){ 258, 3, 3, values };
	tb_page(&t, tags, n);
	expect_tb(&t, &limits, IMAGETYPE_UNSUPPORTED, 1, "bits per sample 8, 8, 16: unsupported");
	tb_start(&t, 0, 0);
	strip = tb_data(&t, g4_white_8x8, sizeof(g4_white_8x8));
	page_tags(tags, &n, 8, 8, strip, sizeof(g4_white_8x8));
	*find_tag(tags, n, 277) = (struct tag){ 277, 3, 1, 3 };
	*find_tag(tags, n, 262) = (struct tag){ 284, 3, 1, 2 };
	tb_page(&t, tags, n);
	expect_tb(&t, &limits, IMAGETYPE_UNSUPPORTED, 1, "three samples in separate planes: unsupported");
	tb_start(&t, 0, 0);
	strip = tb_data(&t, g4_white_8x8, sizeof(g4_white_8x8));
	page_tags(tags, &n, 8, 8, strip, sizeof(g4_white_8x8));
	*find_tag(tags, n, 273) = (struct tag){ 324, 4, 1, strip };
	*find_tag(tags, n, 279) = (struct tag){ 325, 4, 1, sizeof(g4_white_8x8) };
	tb_page(&t, tags, n);
	expect_tb(&t, &limits, IMAGETYPE_UNSUPPORTED, 1, "tiles: unsupported");

	/* structure */
	tb_start(&t, 0, 0);
	good_pages(&t, 1);
	page_with(&t, 273, 4, 1, 60000);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 2, "a strip beyond the end: malformed");
	tb_start(&t, 0, 0);
	page_with(&t, 279, 4, 1, 4000);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 1, "a strip running past the end: malformed");
	tb_start(&t, 0, 0);
	page_with(&t, 279, 4, 2, 8);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 1, "one strip offset, two byte counts: malformed");
	tb_start(&t, 0, 0);
	page_with(&t, 256, 4, 1, 0);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 1, "width 0: malformed");
	tb_start(&t, 0, 0);
	page_with(&t, 257, 2, 1, 8);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 1, "a height of type ASCII: malformed");
	tb_start(&t, 0, 0);
	strip = tb_data(&t, g4_white_8x8, sizeof(g4_white_8x8));
	page_tags(tags, &n, 8, 8, strip, sizeof(g4_white_8x8));
	tags[n] = (struct tag){ 256, 4, 1, 50000 };
	tb_page(&t, tags, n + 1);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 1, "a width given twice: malformed");
	tb_start(&t, 0, 0);
	good_pages(&t, 1);
	tb_put(&t, t.next_at, 0xfffff0, 4);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 0, "a next directory beyond the end: malformed");
	tb_start(&t, 0, 0);
	good_pages(&t, 1);
	tb_put(&t, t.next_at, 4, 4);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 0, "a next directory inside the header: malformed");
	tb_start(&t, 0, 0);
	good_pages(&t, 1);
	tb_put(&t, t.ifd[0], 5000, 2);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 0, "a directory of 5000 entries: malformed");
	tb_start(&t, 0, 0);
	good_pages(&t, 1);
	tb_put(&t, t.ifd[0], 0, 2);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 0, "a directory of no entries: malformed");
}

#define NO_ROWS_PER_STRIP	(-1)

/* Starts t with 4000 SHORTs of zero, strip tables for pages to share: returns where they are. */
static size_t
tb_start_tables(struct tb *t)
{
	static const unsigned char zeros[8000];

	tb_start(t, 0, 0);
	return tb_data(t, zeros, sizeof(zeros));
}

/* A page w x h with rows_per_strip (or NO_ROWS_PER_STRIP), naming strips strips from the arrays at at. */
static void
page_with_strips(struct tb *t, uint32_t w, uint32_t h, int64_t rows_per_strip, uint32_t strips, size_t at)
{
	struct tag tags[] = {
		{ 256, 4, 1, w }, { 257, 4, 1, h }, { 258, 3, 1, 1 }, { 259, 3, 1, 1 }, { 262, 3, 1, 1 },
		{ 273, 3, strips, at }, { 277, 3, 1, 1 }, { 279, 3, strips, at },
		{ 278, 4, 1, (uint64_t)rows_per_strip },	/* last, so that it can be left out */
	};

	tb_page(t, tags, rows_per_strip != NO_ROWS_PER_STRIP ? 9 : 8);
}

/*
 * The strip tables a page names are walked entry by entry, so their
 * length is what checking costs: a 20 MB file of 50 pages of one pixel,
 * each naming the same 5 million empty strips, took 1.7 s and was
 * accepted.  Here the same shapes, smaller.
 */
static void
test_tiff_strips(void)
{
	/* one 8-pixel-wide page: its height, rows per strip and strips, and the verdict */
	static const struct {
		uint32_t h;
		int64_t rows;
		uint32_t strips;
		enum imagetype_verdict want;
		const char *what;
	} one[] = {
		{ 8, 2, 4, IMAGETYPE_OK, "8 rows, 2 per strip, 4 strips: accepted" },
		{ 9, 2, 5, IMAGETYPE_OK, "9 rows, 2 per strip, 5 strips (the last one short): accepted" },
		{ 8, NO_ROWS_PER_STRIP, 1, IMAGETYPE_OK, "no rows per strip, 1 strip: accepted" },
		{ 8, NO_ROWS_PER_STRIP, 2, IMAGETYPE_MALFORMED, "no rows per strip, 2 strips: malformed" },
		{ 8, 0, 1, IMAGETYPE_MALFORMED, "rows per strip 0: malformed" },
		{ 8, 2, 3, IMAGETYPE_MALFORMED, "8 rows, 2 per strip, 3 strips: malformed" },
		{ 8, 0x10000, 1, IMAGETYPE_OK, "more rows per strip than rows, 1 strip: accepted" },
		{ 8, 0xffffffffu, 1, IMAGETYPE_OK, "rows per strip 2^32 - 1 (one strip, libtiff's default): accepted" },
		{ 8, 0x10000, 2, IMAGETYPE_MALFORMED, "more rows per strip than rows, 2 strips: malformed" },
	};
	struct tb t;
	size_t at;

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		at = tb_start_tables(&t);
		page_with_strips(&t, 8, one[i].h, one[i].rows, one[i].strips, at);
		expect_tb(&t, &limits, one[i].want, one[i].want == IMAGETYPE_OK ? 0 : 1, one[i].what);
	}
	at = tb_start_tables(&t);
	for (int i = 0; i < 50; i++)
		page_with_strips(&t, 1, 1, 1, 2000, at);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 1, "pages of 1x1 naming 2000 empty strips each: malformed");
	at = tb_start_tables(&t);
	page_with_strips(&t, 1, 2000, 1, 2000, at);
	expect_tb(&t, &limits, IMAGETYPE_OK, 0, "one page of 1x2000, a row per strip, its own tables: accepted");
	for (int i = 0; i < 49; i++)
		page_with_strips(&t, 1, 2000, 1, 2000, at);
	expect_tb(&t, &limits, IMAGETYPE_MALFORMED, 2, "  50 such pages sharing those tables: malformed, page 2");
}

static void
test_check_other_types(void)
{
	static const struct imagetype_limits tiny = { 1000, 50 };
	static const unsigned char jpeg_dnl[] = { 0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 0, 0, 20, 1, 1, 0x11, 0 };
	struct imagetype_report r;

	ok(imagetype_check(png, sizeof(png), IMAGETYPE_PNG, &limits, &r) == IMAGETYPE_OK && r.pages == 1 &&
	    r.width == 640 && r.height == 480, "png: one page of 640x480");
	ok(imagetype_check(png, sizeof(png), IMAGETYPE_PNG, &tiny, &r) == IMAGETYPE_TOO_LARGE && r.page == 1,
	    "  too large for 1000 pixels");
	/* no size to check: the decoder judges, so imagetype_check()'s callers need no rule of their own */
	ok(imagetype_check(png, 20, IMAGETYPE_PNG, &tiny, &r) == IMAGETYPE_OK && r.pages == 1 &&
	    r.width == 0 && r.height == 0 && r.why[0] == '\0', "  cut short: left to the decoder, one page of no size");
	ok(imagetype_check(jpeg_dnl, sizeof(jpeg_dnl), IMAGETYPE_JPEG, &tiny, &r) == IMAGETYPE_OK && r.pages == 1 &&
	    r.width == 0, "jpeg whose height waits for a DNL marker: left to the decoder");
	ok(imagetype_check(pdf, sizeof(pdf) - 1, IMAGETYPE_PDF, &tiny, &r) == IMAGETYPE_OK && r.width == 0,
	    "pdf: no header dimensions, left to the decoder");
	ok(imagetype_check(png, sizeof(png), IMAGETYPE_TIFF, &limits, &r) == IMAGETYPE_MALFORMED,
	    "but not a tiff: a png checked as one is malformed");
	ok(imagetype_check(NULL, 0, IMAGETYPE_PNG, &limits, &r) == IMAGETYPE_MALFORMED, "no bytes: malformed");
}

int
main(void)
{
	const char *data = getenv("QUILL_TEST_DATA");

	test_samples();
	test_prefixes();
	test_wrong_type();
	test_unknown();
	test_bad_dimensions();
	test_damage();
	test_names();
	test_from_mime();
	test_tiff_pages();
	test_tiff_strips();
	test_check_other_types();
	if (data == NULL || *data == '\0')
		skip("the shared test data: QUILL_TEST_DATA not set");
	else {
		test_data_files(data);
		test_data_folder(data, "ocr");
		test_data_folder(data, "invoices");
	}
	return done_testing();
}
