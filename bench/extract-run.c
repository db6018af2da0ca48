/*
 * extract-run: the invoice extractor (lib/extract) over a directory of
 * invoice images, for measuring it against ground truth.
 *
 * Each image is read once by lib/ocr_engine as the OCR worker reads it
 * (tesseract, page segmentation "auto", reorientation below 60); its
 * words JSON is kept as OUTDIR/NAME.words.json, and the extractor's
 * answer written as OUTDIR/NAME.json (invoice_to_json).  A document's
 * further pages, NAME.p2.png ..., are read as its pages 2 ... .  With
 * --cached only the extractor runs again, on the kept words: a loop of
 * seconds while tuning the rules.
 *
 * --reread-below N is the worker's [ocr_worker] reread_below (60; 0: no
 * second look).
 * Usage: bench/extract-run [--lang eng|vie|vie+eng] [--reread-below N] [--cached] IMAGEDIR OUTDIR
 * Built on demand: make bench/extract-run.  Score with bench/score-invoices.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/extract.h"
#include "lib/json.h"
#include "lib/ocr_engine.h"
#include "lib/strbuf.h"

#define MAX_FILE (64L << 20)

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && size < MAX_FILE &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static int
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* A first page's image: .png, .jpg or .tif, and not NAME.pN.png. */
static int
is_first_page(const struct dirent *d)
{
	const char *dot = strrchr(d->d_name, '.');

	if (dot == NULL || (strcmp(dot, ".png") != 0 && strcmp(dot, ".jpg") != 0 && strcmp(dot, ".tif") != 0))
		return 0;
	return strstr(d->d_name, ".p") == NULL || strstr(d->d_name, ".p") == dot;
}

/* Appends the words of one page's JSON array to the open array out, as page number page. */
static void
append_page_words(struct strbuf *out, const char *words, int page)
{
	struct json_value *v = json_parse(words, strlen(words), 0, 0, NULL, 0);
	yajl_gen g = json_gen_new();
	const char *text;
	size_t len;

	for (size_t i = 0; i < json_length(v); i++) {
		const struct json_value *w = json_at(v, i), *box = json_get(w, "box");
		double conf = 0;
		int64_t line = 0, c;

		json_double(json_get(w, "confidence"), &conf);
		json_get_int64(w, "line", &line);
		yajl_gen_map_open(g);
		json_gen_kv_string(g, "text", json_get_string(w, "text", NULL));
		json_gen_kv_double(g, "confidence", conf);
		json_gen_kv_int(g, "page", page);
		json_gen_kv_int(g, "line", line);
		json_gen_key(g, "box");
		yajl_gen_array_open(g);
		for (size_t k = 0; k < 4; k++)
			yajl_gen_integer(g, json_int64(json_at(box, k), &c) == 0 ? c : 0);
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
		text = json_gen_text(g, &len);
		if (out->len > 1)
			strbuf_adds(out, ",");
		strbuf_add(out, text, len);
		yajl_gen_reset(g, NULL);
		yajl_gen_clear(g);
	}
	yajl_gen_free(g);
	json_free(v);
}

/* OCRs image (and its further pages) into words; 0, or -1 with a line on stderr. */
static int
ocr_document(struct ocr_engine *e, const char *dir, const char *name, struct strbuf *words)
{
	char path[PATH_MAX], why[256], base[NAME_MAX + 1];
	const char *dot = strrchr(name, '.');

	snprintf(base, sizeof(base), "%.*s", (int)(dot - name), name);
	strbuf_adds(words, "[");
	for (int page = 1; page < 100; page++) {
		struct ocr_result r = { 0 };
		size_t len;
		char *data;

		if (page == 1)
			snprintf(path, sizeof(path), "%s/%s", dir, name);
		else
			snprintf(path, sizeof(path), "%s/%s.p%d%s", dir, base, page, dot);
		if ((data = read_file(path, &len)) == NULL) {
			if (page == 1) {
				fprintf(stderr, "extract-run: %s: %s\n", path, strerror(errno));
				return -1;
			}
			break;
		}
		if (ocr_engine_run(e, (const unsigned char *)data, len, &r, why, sizeof(why)) != OCR_OK) {
			fprintf(stderr, "extract-run: %s: %s\n", path, why);
			free(data);
			return -1;
		}
		append_page_words(words, r.words, page);
		fprintf(stderr, "extract-run: %s: %ld ms\n", path, r.ocr_ms);
		ocr_result_free(&r);
		free(data);
	}
	strbuf_adds(words, "]");
	return words->failed ? -1 : 0;
}

static int
extract_one(const char *words, size_t len, const char *lang, const char *out_path)
{
	struct invoice inv = { 0 };
	char why[256];
	yajl_gen g;
	const char *json;
	size_t jlen;
	int rc;

	if (extract_invoice_json(words, len, lang, &inv, why, sizeof(why)) != 0) {
		fprintf(stderr, "extract-run: %s: %s\n", out_path, why);
		invoice_free(&inv);
		return -1;
	}
	g = json_gen_new();
	invoice_to_json(&inv, g);
	json = json_gen_text(g, &jlen);
	rc = write_file(out_path, json, jlen);
	yajl_gen_free(g);
	invoice_free(&inv);
	return rc;
}

/* libgomp reads OMP_THREAD_LIMIT as it is loaded: start again with it set. */
static void
single_threaded(char **argv)
{
	const char *v = getenv("OMP_THREAD_LIMIT");

	if (v != NULL && strcmp(v, "1") == 0)
		return;
	setenv("OMP_THREAD_LIMIT", "1", 1);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "extract-run: cannot run again with OMP_THREAD_LIMIT=1: %s\n", strerror(errno));
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *lang = "eng", *dir, *outdir;
	struct ocr_engine *e = NULL;
	struct dirent **entries;
	int cached = 0, n, failed = 0, argi = 1, reread = 60;

	for (; argi < argc && strncmp(argv[argi], "--", 2) == 0; argi++) {
		if (strcmp(argv[argi], "--cached") == 0)
			cached = 1;
		else if (strcmp(argv[argi], "--lang") == 0 && argi + 1 < argc)
			lang = argv[++argi];
		else if (strcmp(argv[argi], "--reread-below") == 0 && argi + 1 < argc)
			reread = atoi(argv[++argi]);
		else
			break;
	}
	if (argc - argi != 2) {
		fprintf(stderr, "usage: bench/extract-run [--lang eng|vie|vie+eng] [--reread-below N] [--cached] IMAGEDIR OUTDIR\n");
		return 64;
	}
	dir = argv[argi];
	outdir = argv[argi + 1];
	if (!cached) {
		struct ocr_options opt = { .languages = lang, .psm = ocr_psm_parse("auto"),
			.reorient_below = 60, .reread_below = reread, .max_pixels = 100000000, .max_pages = 50 };
		char err[256];

		single_threaded(argv);
		ocr_engine_setup();
		if ((e = ocr_engine_new(&opt, err, sizeof(err))) == NULL) {
			fprintf(stderr, "extract-run: %s\n", err);
			return 1;
		}
	}
	if ((n = scandir(dir, &entries, is_first_page, alphasort)) < 0) {
		fprintf(stderr, "extract-run: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = entries[i]->d_name, *dot = strrchr(name, '.');
		char words_path[PATH_MAX], out_path[PATH_MAX];
		struct strbuf words = { 0 };
		size_t len = 0;
		char *cache;

		snprintf(words_path, sizeof(words_path), "%s/%.*s.words.json", outdir, (int)(dot - name), name);
		snprintf(out_path, sizeof(out_path), "%s/%.*s.json", outdir, (int)(dot - name), name);
		if (cached) {
			if ((cache = read_file(words_path, &len)) == NULL) {
				fprintf(stderr, "extract-run: %s: %s\n", words_path, strerror(errno));
				failed++;
			} else if (extract_one(cache, len, lang, out_path) != 0)
				failed++;
			free(cache);
		} else if (ocr_document(e, dir, name, &words) != 0 ||
		    write_file(words_path, words.p, words.len) != 0 ||
		    extract_one(words.p, words.len, lang, out_path) != 0)
			failed++;
		free(words.p);
		free(entries[i]);
	}
	free(entries);
	ocr_engine_free(e);
	return failed ? 1 : 0;
}
