/*
 * ocr-languages: the OCR worker's engine (lib/ocr_engine, with the
 * worker's defaults: page segmentation "auto", reorient_below 60, the
 * limits of etc/quill.conf) under several language sets, on the same
 * pages, for bench/run-ocr-languages to score.
 *
 * Every language set's engine is loaded first (load time reported apart),
 * then each page is read by each engine in turn, the order of the engines
 * reversed on every other page, so that drift in the machine's speed hits
 * every set alike.  Per page and set it writes the text to
 * OUTDIR/<set>/<page>.txt and one line to stdout:
 *
 *   page<TAB>set<TAB>ms<TAB>mean_confidence
 *
 * Usage: bench/ocr-languages OUTDIR SET[,SET...] IMAGE...
 *   e.g. bench/ocr-languages /tmp/out eng,vie,vie+eng ../shared/data/invoices/oyo.png
 * Built on demand: make bench/ocr-languages.  OMP_THREAD_LIMIT=1 must be in
 * the environment (lib/ocr_engine.h says why).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/ocr_engine.h"
#include "tests/ocr/score.h"

#define MAX_SETS 8

/* The page's name: its file name without directory and extension. */
static void
page_name(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	const char *dot = strrchr(base, '.');
	int n = dot != NULL ? (int)(dot - base) : (int)strlen(base);

	snprintf(out, size, "%.*s", n, base);
}

static int
write_text(const char *outdir, const char *set, const char *page, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, set);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s.txt", outdir, set, page);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text != NULL ? text : "", f);
	return fclose(f);
}

int
main(int argc, char **argv)
{
	struct ocr_engine *engines[MAX_SETS];
	char *sets[MAX_SETS], *list, err[512];
	int nsets = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: ocr-languages OUTDIR SET[,SET...] IMAGE...\n");
		return 2;
	}
	if (ocr_engine_setup() != 0)
		fprintf(stderr, "ocr-languages: OMP_THREAD_LIMIT=1 is not set: the times are not the worker's\n");
	if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	list = argv[2];
	for (char *s = strtok(list, ","); s != NULL && nsets < MAX_SETS; s = strtok(NULL, ",")) {
		/* the worker's defaults (lib/config_keys.c) */
		struct ocr_options opt = { .engine = "tesseract", .languages = s, .psm = ocr_psm_parse("auto"),
		    .reorient_below = 60, .reread_below = 60, .max_pixels = 100000000, .max_pages = 50 };
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);

		if ((engines[nsets] = ocr_engine_new(&opt, err, sizeof(err))) == NULL) {
			fprintf(stderr, "ocr-languages: %s\n", err);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "ocr-languages: %s loaded in %ld ms\n", s,
		    (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
		sets[nsets++] = s;
	}
	for (int i = 3; i < argc; i++) {
		char name[NAME_MAX + 1], why[256];
		size_t len;
		char *bytes;
		const unsigned char *data;

		if (score_read_file(argv[i], &bytes, &len) != 0) {
			fprintf(stderr, "ocr-languages: cannot read %s\n", argv[i]);
			return 1;
		}
		data = (const unsigned char *)bytes;
		page_name(argv[i], name, sizeof(name));
		for (int k = 0; k < nsets; k++) {
			int j = i % 2 ? k : nsets - 1 - k;
			struct ocr_result r;

			if (ocr_engine_run(engines[j], data, len, &r, why, sizeof(why)) != OCR_OK) {
				fprintf(stderr, "ocr-languages: %s (%s): %s\n", name, sets[j], why);
				printf("%s\t%s\t-\t-\n", name, sets[j]);
				continue;
			}
			if (write_text(argv[1], sets[j], name, r.text) != 0)
				perror(name);
			printf("%s\t%s\t%ld\t%.1f\n", name, sets[j], r.ocr_ms, r.mean_confidence);
			fflush(stdout);
			ocr_result_free(&r);
		}
		free(bytes);
	}
	for (int k = 0; k < nsets; k++)
		ocr_engine_free(engines[k]);
	return 0;
}
