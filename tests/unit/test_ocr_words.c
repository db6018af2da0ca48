/*
 * test_ocr_words: the plain text lib/ocr_words makes in its walk is
 * tesseract's own GetUTF8Text, byte for byte, on every page and invoice
 * image of the shared test data, under the page segmentation modes the
 * worker can be set to; each stored word is in the hOCR once; and each
 * word's line number is its ocr_line's: from 1, never going back, the
 * last one the number of lines in the hOCR.  With the second look
 * (lib/ocr_second_look.h) the same holds of the words and lines, the
 * words it replaced are gone, and on the receipt whose amounts tesseract's
 * layout leaves out (sroie_005) they are read.
 * Needs tesseract's eng model, and QUILL_TEST_DATA (skipped without).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "lib/json.h"
#include "lib/ocr_engine.h"
#include "lib/ocr_words.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"

static int
is_image(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && (strcmp(d->d_name + n - 4, ".png") == 0 || strcmp(d->d_name + n - 4, ".jpg") == 0 ||
	    strcmp(d->d_name + n - 4, ".tif") == 0);
}

/* Occurrences of needle in haystack. */
static long
count(const char *haystack, const char *needle)
{
	long n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Whether the words' line numbers count the hOCR's ocr_line spans from 1 without going back. */
static int
lines_numbered(const char *words_json, size_t len, long hocr_lines)
{
	struct json_value *words = json_parse(words_json, len, 0, 0, NULL, 0);
	int64_t last = 0, line;
	int ok = words != NULL;

	for (size_t i = 0; ok && i < json_length(words); i++) {
		ok = json_get_int64(json_at(words, i), "line", &line) == 0 && line >= last &&
		    line <= last + 1 && line >= 1;
		last = line;
	}
	json_free(words);
	return ok && last == hocr_lines;
}

/* One page read by api and walked. */
struct reading {
	struct strbuf text, hocr;
	struct ocr_word_stats stats;
	yajl_gen words;
	PIX *pix;
};

/* Reads path with api; 0, or -1 when it cannot (then nothing is left to end). */
static int
reading_start(struct reading *r, TessBaseAPI *api, const char *path)
{
	memset(r, 0, sizeof(*r));
	if ((r->pix = pixRead(path)) == NULL)
		return -1;
	if (pixGetXRes(r->pix) < 70)
		pixSetResolution(r->pix, 300, 300);
	r->words = json_gen_new();
	TessBaseAPISetImage2(api, r->pix);
	return TessBaseAPIRecognize(api, NULL) == 0 ? 0 : -1;
}

/* The walk over what api read, with am's changes when not NULL. */
static void
reading_walk(struct reading *r, TessBaseAPI *api, const struct ocr_amends *am)
{
	strbuf_adds(&r->text, "");
	yajl_gen_array_open(r->words);
	ocr_words_page(api, 1, pixGetWidth(r->pix), pixGetHeight(r->pix), &r->text, &r->hocr, r->words, &r->stats, am);
	yajl_gen_array_close(r->words);
}

/* Whether its words are all in the hOCR and their lines numbered as its lines. */
static int
reading_consistent(const struct reading *r)
{
	size_t len;
	const char *json;

	if (r->hocr.p == NULL || count(r->hocr.p, "class='ocrx_word'") != r->stats.words)
		return 0;
	json = json_gen_text(r->words, &len);
	return lines_numbered(json, len, count(r->hocr.p, "class='ocr_line'"));
}

static void
reading_end(struct reading *r, TessBaseAPI *api)
{
	TessBaseAPIClear(api);
	free(r->text.p);
	free(r->hocr.p);
	if (r->words != NULL)
		yajl_gen_free(r->words);
	pixDestroy(&r->pix);
}

/*
 * Reads path at psm with api; 1 when the walk's text is tesseract's.
 * *words_ok: the reading is consistent.
 */
static int
same_text(TessBaseAPI *api, const char *path, int *words_ok)
{
	struct reading r;
	char *theirs = NULL;
	int same = 0;

	if (reading_start(&r, api, path) == 0 && (theirs = TessBaseAPIGetUTF8Text(api)) != NULL) {
		reading_walk(&r, api, NULL);
		same = !r.text.failed && strcmp(theirs, r.text.p) == 0;
		if (!same)
			printf("#   %s: tesseract gave %zu bytes, the walk %zu\n", path, strlen(theirs), r.text.len);
		*words_ok = reading_consistent(&r);
		TessDeleteText(theirs);
	}
	reading_end(&r, api);
	return same;
}

/*
 * The word count of path read with the second look, its text appended to
 * text; -1 when the reading is not consistent or the words do not add up.
 */
static long
second_look_words(TessBaseAPI *api, TessBaseAPI *lines, const char *path, struct strbuf *text)
{
	struct reading r;
	struct ocr_amends am = { 0 };
	long n = -1;

	if (reading_start(&r, api, path) == 0 && ocr_second_look(api, lines, r.pix, 60, &am) == 0) {
		size_t replaced = 0;

		for (size_t i = 0; i < am.nfirst; i++)
			replaced += am.replaced[i];
		reading_walk(&r, api, &am);
		if (reading_consistent(&r) && (size_t)r.stats.words == am.nfirst - replaced + am.nwords)
			n = r.stats.words;
		else
			printf("#   %s: %ld words, %zu first read, %zu replaced, %zu read again\n", path, r.stats.words,
			    am.nfirst, replaced, am.nwords);
		strbuf_adds(text, r.text.p != NULL ? r.text.p : "");
	}
	ocr_amends_free(&am);
	reading_end(&r, api);
	return n;
}

static void
test_second_look(TessBaseAPI *api, TessBaseAPI *lines, const char *data, const char *folder)
{
	struct dirent **entries;
	char dir[4096], path[8192], what[4200];
	int n, ok = 0;

	snprintf(dir, sizeof(dir), "%s/%s", data, folder);
	if ((n = scandir(dir, &entries, is_image, alphasort)) <= 0) {
		snprintf(what, sizeof(what), "no images in %s", dir);
		skip(what);
		return;
	}
	TessBaseAPISetPageSegMode(api, PSM_AUTO);
	for (int i = 0; i < n; i++) {
		struct strbuf text = { 0 };

		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		ok += second_look_words(api, lines, path, &text) >= 0;
		free(text.p);
		free(entries[i]);
	}
	free(entries);
	snprintf(what, sizeof(what), "%s with the second look: words, lines and replacements add up on all %d images",
	    folder, n);
	is_int(ok, n, what);
}

/* The receipt's amounts right of "Total Amount:", "Cash Received", "Change": not read, then read. */
static void
test_left_out_column(TessBaseAPI *api, TessBaseAPI *lines, const char *data)
{
	static const char *const amounts[] = { "101.00", "70.00" };
	char path[4096];
	struct strbuf second = { 0 };
	struct reading first;

	snprintf(path, sizeof(path), "%s/ocr/sroie_005.jpg", data);
	if (access(path, R_OK) != 0) {
		skip("no ocr/sroie_005.jpg in the shared data");
		return;
	}
	TessBaseAPISetPageSegMode(api, PSM_AUTO);
	if (reading_start(&first, api, path) == 0)
		reading_walk(&first, api, NULL);
	ok(second_look_words(api, lines, path, &second) > 0, "sroie_005 read with the second look");
	for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
		char what[128];

		snprintf(what, sizeof(what), "sroie_005: %s is not in the first reading", amounts[i]);
		ok(first.text.p != NULL && strstr(first.text.p, amounts[i]) == NULL, what);
		snprintf(what, sizeof(what), "sroie_005: %s is in the second look's", amounts[i]);
		ok(second.p != NULL && strstr(second.p, amounts[i]) != NULL, what);
	}
	reading_end(&first, api);
	free(second.p);
}

static void
test_folder(TessBaseAPI *api, const char *data, const char *folder, int psm, const char *mode)
{
	struct dirent **entries;
	char dir[4096], path[8192], what[4200];
	int n, same = 0, words_ok = 0;

	snprintf(dir, sizeof(dir), "%s/%s", data, folder);
	if ((n = scandir(dir, &entries, is_image, alphasort)) <= 0) {
		snprintf(what, sizeof(what), "no images in %s", dir);
		skip(what);
		return;
	}
	TessBaseAPISetPageSegMode(api, (TessPageSegMode)psm);
	for (int i = 0; i < n; i++) {
		int w = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		same += same_text(api, path, &w);
		words_ok += w;
		free(entries[i]);
	}
	free(entries);
	snprintf(what, sizeof(what), "%s at %s: the walk's text is tesseract's on all %d images", folder, mode, n);
	is_int(same, n, what);
	snprintf(what, sizeof(what), "%s at %s: one ocrx_word per word box, lines numbered as the hOCR's, on all %d images", folder, mode, n);
	is_int(words_ok, n, what);
}

int
main(void)
{
	const char *data = getenv("QUILL_TEST_DATA");
	TessBaseAPI *api, *lines;

	if (data == NULL || *data == '\0')
		skip_all("the shared test data: QUILL_TEST_DATA not set");
	ocr_engine_setup();
	if ((api = TessBaseAPICreate()) == NULL || TessBaseAPIInit3(api, NULL, "eng") != 0)
		skip_all("tesseract's eng model is not installed");
	TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	test_folder(api, data, "ocr", ocr_psm_parse("auto"), "auto");
	test_folder(api, data, "invoices", ocr_psm_parse("auto"), "auto");
	test_folder(api, data, "ocr", ocr_psm_parse("auto_osd"), "auto_osd");
	lines = TessBaseAPICreate();
	if (!ok(lines != NULL && TessBaseAPIInit3(lines, NULL, "eng") == 0, "a second API for the second look"))
		return done_testing();
	TessBaseAPISetPageSegMode(lines, PSM_SINGLE_LINE);
	TessBaseAPISetVariable(lines, "debug_file", "/dev/null");
	test_second_look(api, lines, data, "ocr");
	test_second_look(api, lines, data, "invoices");
	test_left_out_column(api, lines, data);
	TessBaseAPIEnd(lines);
	TessBaseAPIDelete(lines);
	TessBaseAPIEnd(api);
	TessBaseAPIDelete(api);
	return done_testing();
}
