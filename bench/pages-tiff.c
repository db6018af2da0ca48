/*
 * pages-tiff: a document's page images as one multi-page TIFF, for
 * bench/score-invoices --pipeline, which uploads a document of several
 * pages (NAME.png, NAME.p2.png, ...) as one job: the OCR worker reads a
 * TIFF's pages one after the other and the extractor reads all their words.
 *
 * Each image is read with leptonica and written as the next page of OUT,
 * losslessly: deflate for grey and colour pages, CCITT group 4 for 1-bpp
 * ones.  A page keeps the resolution its image gives.  OUT is written
 * anew; on a failure it is removed and the exit status is 1 (64 on a
 * usage error).
 *
 * Usage: bench/pages-tiff OUT.tif IMAGE1 [IMAGE2 ...]
 * Built on demand: make bench/pages-tiff.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <leptonica/allheaders.h>

/* Appends image as the next page of out (mode "w" for the first, "a" after); 0 or -1. */
static int
add_page(const char *out, const char *image, const char *mode)
{
	PIX *pix;
	int comp, rc;

	if (access(image, R_OK) != 0) {
		fprintf(stderr, "pages-tiff: %s: %s\n", image, strerror(errno));
		return -1;
	}
	if ((pix = pixRead(image)) == NULL) {
		fprintf(stderr, "pages-tiff: %s: not an image leptonica can read\n", image);
		return -1;
	}
	/* group 4 only takes 1 bpp; deflate keeps any other depth and a colormap as they are */
	comp = pixGetDepth(pix) == 1 ? IFF_TIFF_G4 : IFF_TIFF_ZIP;
	/*
	 * The resolution pixRead found goes with the page: tesseract sizes
	 * text by it.  One below 70 ppi is no real one and is left as read
	 * (none is written as 300 by leptonica): the worker takes any below
	 * 70 for 300, as it would on the image alone (lib/ocr_tesseract.c).
	 */
	rc = pixWriteTiff(out, pix, comp, mode);
	pixDestroy(&pix);
	if (rc != 0) {
		fprintf(stderr, "pages-tiff: %s: cannot write %s as a page\n", out, image);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *out;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: bench/pages-tiff OUT.tif IMAGE1 [IMAGE2 ...]\n");
		return 64;
	}
	out = argv[1];
	/* leptonica would not say why OUT cannot be written */
	if ((f = fopen(out, "wb")) == NULL) {
		fprintf(stderr, "pages-tiff: %s: %s\n", out, strerror(errno));
		return 1;
	}
	fclose(f);
	/* leptonica's own messages name no file; ours do */
	setMsgSeverity(L_SEVERITY_NONE);
	for (int i = 2; i < argc; i++) {
		if (add_page(out, argv[i], i == 2 ? "w" : "a") != 0) {
			/* no half document for the caller to upload */
			if (unlink(out) != 0 && errno != ENOENT)
				fprintf(stderr, "pages-tiff: %s: %s\n", out, strerror(errno));
			return 1;
		}
	}
	return 0;
}
