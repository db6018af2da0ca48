/*
 * ocr_tesseract: the OCR backend that reads pages with libtesseract,
 * after leptonica has decoded them, in this process (lib/ocr_backend.h).
 *
 * Pages are read as they come.  One read with little confidence may be
 * lying on its side or upside down: the orientation model is asked, and
 * if it says the page is turned, the page is read again upright and the
 * reading with the higher confidence is kept (its word boxes and hOCR are
 * then those of the upright page).  That costs the orientation check only
 * on doubtful pages, where tesseract's own PSM_AUTO_OSD spends it on every
 * page (doc/OCR-MEASUREMENTS.md).
 *
 * Untrusted bytes reach leptonica only through pixReadMem and
 * pixReadMemTiff, never through tesseract's file-list handling (which
 * takes an unrecognised file for a list of file names) nor through
 * pixaReadMemMultipageTiff (which, in leptonica 1.82, loops for ever on a
 * page it cannot read), and only after lib/ocr_engine.c has checked the
 * headers of every page.  A TIFF is decoded one page at a time, so at
 * most one page's pixels are in memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "lib/json.h"
#include "lib/ocr_backend.h"
#include "lib/ocr_second_look.h"
#include "lib/ocr_words.h"

struct tess {
	TessBaseAPI *api;
	TessBaseAPI *osd;	/* the orientation model, when reorient_below > 0 */
	TessBaseAPI *lines;	/* the second look's, reading one line, when reread_below > 0 */
	struct ocr_options opt;
};

static const char *const psm_names[] = {
	"osd_only", "auto_osd", "auto_only", "auto", "single_column", "single_block_vert_text",
	"single_block", "single_line", "single_word", "circle_word", "single_char", "sparse_text",
	"sparse_text_osd", "raw_line",
};

int
ocr_psm_parse(const char *name)
{
	for (size_t i = 1; i < sizeof(psm_names) / sizeof(psm_names[0]); i++)
		if (strcmp(name, psm_names[i]) == 0)
			return (int)i;
	return -1;
}

static void tess_close(void *be);

static void *
tess_open(const struct ocr_options *opt, char *err, size_t errsize)
{
	struct tess *e = calloc(1, sizeof(*e));
	const char *data = opt->tessdata != NULL && opt->tessdata[0] != '\0' ? opt->tessdata : NULL;

	if (e == NULL || (e->api = TessBaseAPICreate()) == NULL) {
		snprintf(err, errsize, "out of memory");
		free(e);
		return NULL;
	}
	e->opt = *opt;
	/* leptonica reports to stderr, which is our log: its errors are ours to say */
	setMsgSeverity(L_SEVERITY_NONE);
	if (TessBaseAPIInit3(e->api, data, opt->languages) != 0) {
		snprintf(err, errsize, "tesseract cannot load the languages \"%s\" from %s", opt->languages,
		    data != NULL ? data : "its default tessdata directory");
		tess_close(e);
		return NULL;
	}
	/*
	 * Orientation is asked of an API loaded with osd alone: asked through
	 * the eng one, it answered 270 degrees for upright pages too.
	 */
	if (opt->reorient_below > 0 &&
	    ((e->osd = TessBaseAPICreate()) == NULL || TessBaseAPIInit3(e->osd, data, "osd") != 0)) {
		snprintf(err, errsize, "tesseract cannot load its orientation model \"osd\" from %s "
		    "(install it, or set [ocr_worker] reorient_below = 0)",
		    data != NULL ? data : "its default tessdata directory");
		tess_close(e);
		return NULL;
	}
	if (opt->reread_below > 0 &&
	    ((e->lines = TessBaseAPICreate()) == NULL || TessBaseAPIInit3(e->lines, data, opt->languages) != 0)) {
		snprintf(err, errsize, "tesseract cannot load the languages \"%s\" a second time for the second look",
		    opt->languages);
		tess_close(e);
		return NULL;
	}
	TessBaseAPISetPageSegMode(e->api, (TessPageSegMode)opt->psm);
	if (e->lines != NULL) {
		TessBaseAPISetPageSegMode(e->lines, PSM_SINGLE_LINE);
		TessBaseAPISetVariable(e->lines, "debug_file", "/dev/null");
	}
	/* tesseract's notes ("Estimating resolution as ...") are not log lines */
	TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
	if (e->osd != NULL)
		TessBaseAPISetVariable(e->osd, "debug_file", "/dev/null");
	return e;
}

static void
api_free(TessBaseAPI *api)
{
	if (api == NULL)
		return;
	TessBaseAPIEnd(api);
	TessBaseAPIDelete(api);
}

static void
tess_close(void *be)
{
	struct tess *e = be;

	if (e == NULL)
		return;
	api_free(e->api);
	api_free(e->osd);
	api_free(e->lines);
	free(e);
}

static const char hocr_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
	"    \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
	"<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
	"<head>\n<title></title>\n"
	"<meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
	"<meta name=\"ocr-system\" content=\"tesseract %s\"/>\n"
	"<meta name=\"ocr-capabilities\" content=\"ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf\"/>\n"
	"</head>\n<body>\n";

/* Recognises pix: the mean word confidence of the reading, or -1 when tesseract refused it. */
static int
recognise(struct tess *e, PIX *pix)
{
	/* a page without a resolution would be guessed at, with a warning, per page */
	if (pixGetXRes(pix) < 70)
		pixSetResolution(pix, 300, 300);
	TessBaseAPISetImage2(e->api, pix);
	if (TessBaseAPIRecognize(e->api, NULL) != 0)
		return -1;
	return TessBaseAPIMeanTextConf(e->api);
}

/*
 * The quarter turns clockwise that set pix upright, by the osd model; 0
 * when it is upright or the model cannot tell.  The model answers how far
 * the page was turned clockwise, so the way back is the rest of a circle.
 */
static int
upright_turns(struct tess *e, PIX *pix)
{
	int deg = 0;
	float conf = 0;
	BOOL ok;

	TessBaseAPISetImage2(e->osd, pix);
	ok = TessBaseAPIDetectOrientationScript(e->osd, &deg, &conf, NULL, NULL);
	TessBaseAPIClear(e->osd);
	if (!ok || deg < 0 || deg % 90 != 0)
		return 0;
	return (4 - deg / 90 % 4) % 4;
}

/*
 * Reads *pix into e->api, and a doubtful reading again upright when the
 * orientation model says the page is turned; the better reading is the
 * one left in e->api, and *pix is then the page it was made from.
 * 0, or -1 when tesseract refused the page.
 */
static int
read_page(struct tess *e, PIX **pix)
{
	int conf = recognise(e, *pix), again, turns;
	PIX *turned;

	if (conf < 0)
		return -1;
	if (e->osd == NULL || conf >= e->opt.reorient_below || (turns = upright_turns(e, *pix)) == 0 ||
	    (turned = pixRotateOrth(*pix, turns)) == NULL)
		return 0;
	if ((again = recognise(e, turned)) > conf) {
		pixDestroy(pix);
		*pix = turned;
		return 0;
	}
	pixDestroy(&turned);
	/* rare: the model thought a page turned that reads worse turned; read it once more */
	return recognise(e, *pix) < 0 ? -1 : 0;
}

/* Recognises one page into text, hocr and words; 0, or -1 when tesseract refused it. */
static int
run_page(struct tess *e, PIX **pix, int page, struct strbuf *text, struct strbuf *hocr, yajl_gen words,
    struct ocr_word_stats *stats)
{
	struct ocr_amends am;

	if (read_page(e, pix) != 0) {
		TessBaseAPIClear(e->api);
		return -1;
	}
	if (page > 0)
		strbuf_add(text, "\f", 1);
	/* short of memory for it, the page stays as first read */
	(void)ocr_second_look(e->api, e->lines, *pix, e->opt.reread_below, &am);
	ocr_words_page(e->api, page + 1, pixGetWidth(*pix), pixGetHeight(*pix), text, hocr, words, stats, &am);
	ocr_amends_free(&am);
	TessBaseAPIClear(e->api);
	return 0;
}

/*
 * Page n (from 0) of the image, decoded; NULL when it cannot be.  A
 * TIFF's pages are read one by one, each call finding its page anew, so
 * only one is ever decoded at a time; the chain has been checked, so the
 * search for page n ends.
 */
static PIX *
decode_page(const unsigned char *data, size_t len, enum imagetype type, int n)
{
	if (type == IMAGETYPE_TIFF)
		return pixReadMemTiff(data, len, n);
	return n == 0 ? pixReadMem(data, len) : NULL;
}

/*
 * A type other than TIFF has had only its dimensions checked, and only
 * when they could be read: leptonica's own header reader has the last
 * word on what it will decode.
 */
static enum ocr_status
check_header(struct tess *e, const unsigned char *data, size_t len, char *why, size_t whysize)
{
	l_int32 format, w, h, bps, spp, cmap;

	if (pixReadHeaderMem(data, len, &format, &w, &h, &bps, &spp, &cmap) != 0 || w <= 0 || h <= 0) {
		snprintf(why, whysize, "cannot decode the image: its header is not one leptonica reads");
		return OCR_UNREADABLE;
	}
	if ((uint64_t)w * (uint64_t)h > e->opt.max_pixels) {
		snprintf(why, whysize, "the image declares %dx%d pixels, more than the limit", (int)w, (int)h);
		return OCR_TOO_LARGE;
	}
	return OCR_OK;
}

static enum ocr_status
tess_read(void *be, const unsigned char *data, size_t len, enum imagetype type, int n, struct ocr_result *r,
    char *why, size_t whysize)
{
	struct tess *e = be;
	struct strbuf text = { 0 }, hocr = { 0 };
	struct ocr_word_stats stats = { 0 };
	enum ocr_status st = OCR_OK;
	yajl_gen words;

	if (type != IMAGETYPE_TIFF && (st = check_header(e, data, len, why, whysize)) != OCR_OK)
		return st;
	words = json_gen_new();
	yajl_gen_array_open(words);
	{
		char head[sizeof(hocr_head) + 32];

		snprintf(head, sizeof(head), hocr_head, TessVersion());
		strbuf_adds(&hocr, head);
	}
	strbuf_adds(&text, "");
	for (int i = 0; i < n && st == OCR_OK; i++) {
		PIX *pix;

		errno = 0;
		if ((pix = decode_page(data, len, type, i)) == NULL) {
			/* under memory_limit (RLIMIT_AS) an allocation fails with ENOMEM */
			if (errno == ENOMEM) {
				snprintf(why, whysize, "page %d needs more memory than the worker may use", i + 1);
				st = OCR_TOO_LARGE;
			} else {
				snprintf(why, whysize, "cannot decode the image: page %d is damaged or cut short", i + 1);
				st = OCR_UNREADABLE;
			}
		} else if (pixGetWidth(pix) * (uint64_t)pixGetHeight(pix) > e->opt.max_pixels) {
			snprintf(why, whysize, "page %d is larger than the limit", i + 1);
			st = OCR_TOO_LARGE;
		} else if (run_page(e, &pix, i, &text, &hocr, words, &stats) != 0) {
			snprintf(why, whysize, "tesseract could not recognise page %d", i + 1);
			st = OCR_ERROR;
		}
		pixDestroy(&pix);
	}
	strbuf_adds(&hocr, "</body>\n</html>\n");
	yajl_gen_array_close(words);
	if (st == OCR_OK && (text.failed || hocr.failed)) {
		snprintf(why, whysize, "out of memory");
		st = OCR_ERROR;
	}
	if (st != OCR_OK) {
		free(text.p);
		free(hocr.p);
		yajl_gen_free(words);
		return st;
	}
	{
		const unsigned char *buf;
		size_t blen;

		yajl_gen_get_buf(words, &buf, &blen);
		r->words = strndup((const char *)buf, blen);
		yajl_gen_free(words);
	}
	if (r->words == NULL) {
		free(text.p);
		free(hocr.p);
		snprintf(why, whysize, "out of memory");
		return OCR_ERROR;
	}
	r->text = text.p;
	r->hocr = hocr.p;
	r->mean_confidence = stats.words > 0 ? stats.conf_sum / (double)stats.words : 0;
	return OCR_OK;
}

const struct ocr_backend ocr_tesseract_backend = {
	.name = "tesseract",
	.open = tess_open,
	.close = tess_close,
	.read = tess_read,
};
