/*
 * test_ocr_words: the plain text lib/ocr_words makes in its walk is
 * tesseract's own GetUTF8Text, byte for byte, on every page and invoice
 * image of the shared test data, under the page segmentation modes the
 * worker can be set to; each stored word is in the hOCR once; and each
 * word's line number is its ocr_line's: from 1, never going back, the
 * last one the number of lines in the hOCR.
 * Needs tesseract's eng model, and QUILL_TEST_DATA (skipped without).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Reads path at psm with api; 1 when the walk's text is tesseract's.
 * *words_ok: its words are all in the hOCR and their lines numbered as its lines.
 */
static int
same_text(TessBaseAPI *api, const char *path, int *words_ok)
{
	struct strbuf text = { 0 }, hocr = { 0 };
	struct ocr_word_stats stats = { 0 };
	yajl_gen words = json_gen_new();
	PIX *pix = pixRead(path);
	char *theirs = NULL;
	int same = 0;

	if (pix == NULL) {
		yajl_gen_free(words);
		return 0;
	}
	if (pixGetXRes(pix) < 70)
		pixSetResolution(pix, 300, 300);
	TessBaseAPISetImage2(api, pix);
	if (TessBaseAPIRecognize(api, NULL) == 0 && (theirs = TessBaseAPIGetUTF8Text(api)) != NULL) {
		strbuf_adds(&text, "");
		yajl_gen_array_open(words);
		ocr_words_page(api, 1, pixGetWidth(pix), pixGetHeight(pix), &text, &hocr, words, &stats);
		same = !text.failed && strcmp(theirs, text.p) == 0;
		if (!same)
			printf("#   %s: tesseract gave %zu bytes, the walk %zu\n", path, strlen(theirs), text.len);
		yajl_gen_array_close(words);
		*words_ok = hocr.p != NULL && count(hocr.p, "class='ocrx_word'") == stats.words;
		if (*words_ok) {
			size_t len;
			const char *json = json_gen_text(words, &len);

			*words_ok = lines_numbered(json, len, count(hocr.p, "class='ocr_line'"));
		}
		TessDeleteText(theirs);
	}
	TessBaseAPIClear(api);
	free(text.p);
	free(hocr.p);
	yajl_gen_free(words);
	pixDestroy(&pix);
	return same;
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
	TessBaseAPI *api;

	if (data == NULL || *data == '\0')
		skip_all("the shared test data: QUILL_TEST_DATA not set");
	ocr_engine_setup();
	if ((api = TessBaseAPICreate()) == NULL || TessBaseAPIInit3(api, NULL, "eng") != 0)
		skip_all("tesseract's eng model is not installed");
	TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	test_folder(api, data, "ocr", ocr_psm_parse("auto"), "auto");
	test_folder(api, data, "invoices", ocr_psm_parse("auto"), "auto");
	test_folder(api, data, "ocr", ocr_psm_parse("auto_osd"), "auto_osd");
	TessBaseAPIEnd(api);
	TessBaseAPIDelete(api);
	return done_testing();
}
