/*
 * imagetype: what an uploaded file is, judged from its first bytes.
 *
 * The OCR API accepts images and PDFs from clients that may be wrong or
 * lying: a file name and a declared Content-Type say what the sender
 * claims, the bytes say what the decoder would be given.  So the type is
 * always sniffed from the bytes; imagetype_from_mime() only reads a
 * declared type so that the caller can compare the two and refuse a
 * mismatch.
 *
 * imagetype_dimensions() reads the width and height a header declares,
 * without decoding anything, so that a decompression bomb (a few hundred
 * bytes declaring 100000 x 100000 pixels) is refused before a pixel buffer
 * is allocated.  Declared dimensions are a claim as well: the decoder must
 * still hold to its own limits.  When they cannot be read (-1),
 * imagetype_check() leaves the bytes to the decoder (see there).
 *
 * imagetype_check() goes further for what a decoder would be handed: for
 * a TIFF it reads every image file directory, not only the first, since
 * leptonica decodes them all: a small file can hold many pages, a later
 * page can declare billions of pixels, or a layout the decoder cannot
 * read (leptonica 1.82 then loops for ever on a multi-page file).
 *
 * Every function reads at most len bytes of buf, allocates nothing and
 * keeps no state; any bytes at all, of any length, are a valid input.
 */
#ifndef QUILL_IMAGETYPE_H
#define QUILL_IMAGETYPE_H

#include <stddef.h>
#include <stdint.h>

enum imagetype {
	IMAGETYPE_UNKNOWN,
	IMAGETYPE_PNG,
	IMAGETYPE_JPEG,
	IMAGETYPE_TIFF,		/* either byte order, classic or BigTIFF */
	IMAGETYPE_WEBP,
	IMAGETYPE_BMP,
	IMAGETYPE_PNM,		/* PBM, PGM, PPM: P1 to P6 */
	IMAGETYPE_PDF,
};

/* The type of the file that starts with buf; UNKNOWN when len is too short to tell. */
enum imagetype imagetype_sniff(const void *buf, size_t len);

/* "image/png", ..., "application/pdf"; "application/octet-stream" for UNKNOWN. */
const char *imagetype_mime(enum imagetype t);

/* "png", "jpeg", "tiff", "webp", "bmp", "pnm", "pdf" or "unknown", for logs and JSON. */
const char *imagetype_name(enum imagetype t);

/* The type of a name imagetype_name() gave, as a spool file records it. */
enum imagetype imagetype_from_name(const char *name);

/*
 * Reads a declared Content-Type value (len bytes, no NUL needed): the
 * media type without case, parameters after ';' ignored.  Knows the usual
 * aliases (image/jpg, image/x-ms-bmp, each image/x-portable-*map); any
 * other type is UNKNOWN.
 */
enum imagetype imagetype_from_mime(const char *mime, size_t len);

/*
 * Sets *width and *height to the dimensions the header of a file of type
 * t declares and returns 0; returns -1, both set to 0, when buf is not
 * such a file, or its header is cut short or declares a zero or
 * out-of-range dimension.  A TIFF's are its first page's, read as
 * imagetype_check() reads every page (the directory and the values of the
 * tags it judges within len); PDF never has dimensions.
 */
int imagetype_dimensions(const void *buf, size_t len, enum imagetype t, uint32_t *width, uint32_t *height);

/* What imagetype_check() found; only IMAGETYPE_OK lets the bytes reach a decoder. */
enum imagetype_verdict {
	IMAGETYPE_OK,
	IMAGETYPE_MALFORMED,		/* cut short, an offset outside the bytes, a loop of directories */
	IMAGETYPE_UNSUPPORTED,		/* a layout our decoder does not read: tiles, 3 bits per sample... */
	IMAGETYPE_TOO_LARGE,		/* a page declares more pixels than max_pixels */
	IMAGETYPE_TOO_MANY_PAGES,	/* more than max_pages */
};

struct imagetype_limits {
	uint64_t max_pixels;	/* per page, declared width times height */
	uint32_t max_pages;	/* at least 1 */
};

/* The largest number of directories imagetype_check() walks, whatever max_pages says. */
#define IMAGETYPE_MAX_PAGES	10000
/* The largest number of entries one TIFF directory may have (libtiff's own sanity bound). */
#define IMAGETYPE_MAX_ENTRIES	4096

struct imagetype_report {
	uint32_t pages;		/* how many pages the file has; set with IMAGETYPE_OK */
	uint32_t page;		/* 1-based page a refusal is about; 0 when it is the whole file */
	uint32_t width, height;	/* of that page, or of the largest page when all is well; 0: no header gave them */
	char why[96];		/* one line, made of numbers and fixed words only */
};

/*
 * Checks the bytes a decoder would be given as type t against lim.  For a
 * TIFF (classic or BigTIFF), every directory in the chain: their number,
 * each one's width and height (present, non-zero, product within
 * max_pixels), bits per sample (1, 2, 4, 8 or 16, the same for each
 * sample), samples per pixel (1 to 4), compression (none, CCITT, LZW,
 * JPEG, deflate, PackBits), strips rather than tiles, chunky planes, as
 * many strips as the height and rows per strip make, every strip's offset
 * and byte count within len, and strip tables that add up, over all
 * pages, to no more than len (so the time taken grows with len, not with
 * pages times a table they all share); a tag that is given twice, a
 * directory outside the bytes or one seen before is refused.
 * For any other type, the one header's dimensions against max_pixels;
 * when the header gives none (cut short, a layout this reader does not
 * know such as a JPEG whose height waits for a DNL marker, a PDF, bytes of
 * no known type) there is nothing to hold to the limit here: IMAGETYPE_OK,
 * one page, width and height 0, and the decoder judges the bytes with its
 * own limits.  So MALFORMED is only ever about a TIFF, or no bytes at all.
 * Fills r in every case.
 */
enum imagetype_verdict imagetype_check(const void *buf, size_t len, enum imagetype t,
    const struct imagetype_limits *lim, struct imagetype_report *r);

#endif
