/*
 * ocr-measure: how well and how fast tesseract reads the OCR ground-truth
 * pages when run in-process through its C API, as the OCR worker runs it,
 * under a few page segmentation modes and leptonica pre-processings, next
 * to the tesseract command-line tool on the same pages.  Per page and
 * configuration: CER and word recall with quotes folded (tests/ocr/score.h),
 * tesseract's mean confidence and milliseconds; then the totals, CER
 * micro-averaged over all reference characters, and the wall time of the
 * whole measuring loop.  Output is Markdown.
 *
 * Usage: bench/ocr-measure [--no-cli] [--only NAME] [DIR]
 * DIR holds NAME.{tif,png,jpg} beside NAME.gt.txt (default below).
 * --no-cli leaves out the command-line runs; --only NAME runs that one
 * configuration alone (bench/run-ocr: --only psm1, what the OCR worker
 * does, timed as a loop over the pages).
 * Built on demand: make bench/ocr-measure.  Results: doc/OCR-MEASUREMENTS.md.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "tests/ocr/score.h"

#define DEFAULT_DIR "../shared/data/ocr"	/* beside the repository, run from its top */
#define MAX_PAGES 64
#define UPSCALE_BELOW 1000	/* px: narrower pages are read at twice the size */

struct config {
	const char *name;
	TessPageSegMode psm;	/* the command-line tool gets it as --psm */
	int cli;		/* run the tesseract command, not the C API */
	int grey;		/* convert to 8-bit grey first */
	int upscale;		/* 2x when narrower than UPSCALE_BELOW */
	int orient;		/* detect the orientation and turn the page upright */
	int reorient_below;	/* read again upright when the mean confidence is below this */
};

static const struct config configs[] = {
	{ "psm3", PSM_AUTO, 0, 0, 0, 0 },
	{ "psm1", PSM_AUTO_OSD, 0, 0, 0, 0 },
	{ "psm1+grey", PSM_AUTO_OSD, 0, 1, 0, 0 },
	{ "psm1+grey+up2x", PSM_AUTO_OSD, 0, 1, 1, 0 },
	{ "psm3+osd-turn", PSM_AUTO, 0, 0, 0, 1 },
	{ "psm3+reorient<60", PSM_AUTO, 0, 0, 0, 0, 60 },
	{ "cli psm3", PSM_AUTO, 1, 0, 0, 0 },
	{ "cli psm1", PSM_AUTO_OSD, 1, 0, 0, 0 },
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

struct page {
	char name[NAME_MAX + 1];
	char image[PATH_MAX];
	char *ref;
	size_t ref_len;
};

struct result {
	struct score s;
	int conf;		/* -1 when not known: the command-line tool */
	double ms;
	char note[32];
	char *text;		/* what was read, scored once the timed loop is over */
};

/*
 * Orientation detection needs the osd model loaded as an API of its own:
 * asked through the eng one, DetectOrientationScript answered 270 degrees,
 * with high confidence, for upright and upside-down pages alike.
 */
struct engine {
	TessBaseAPI *api;	/* eng, loaded once for every page */
	TessBaseAPI *osd;	/* osd, for orientation detection alone */
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
is_image(const struct dirent *d)
{
	const char *dot = strrchr(d->d_name, '.');

	return dot != NULL && (strcmp(dot, ".tif") == 0 || strcmp(dot, ".png") == 0 ||
	    strcmp(dot, ".jpg") == 0);
}

/* The images in dir that have a NAME.gt.txt, in name order, with it read. */
static int
load_pages(const char *dir, struct page *pages, int max)
{
	struct dirent **ents;
	int n, k = 0;

	if ((n = scandir(dir, &ents, is_image, alphasort)) < 0) {
		fprintf(stderr, "ocr-measure: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct page *p = &pages[k];
		char gt[PATH_MAX];

		snprintf(p->name, sizeof(p->name), "%.*s",
		    (int)(strrchr(ents[i]->d_name, '.') - ents[i]->d_name), ents[i]->d_name);
		snprintf(p->image, sizeof(p->image), "%s/%s", dir, ents[i]->d_name);
		snprintf(gt, sizeof(gt), "%s/%s.gt.txt", dir, p->name);
		if (k == max)
			fprintf(stderr, "ocr-measure: more than %d pages, %s left out\n", max, p->name);
		else if (score_read_file(gt, &p->ref, &p->ref_len) != 0)
			fprintf(stderr, "ocr-measure: %s: %s, page left out\n", gt, strerror(errno));
		else
			k++;
		free(ents[i]);
	}
	free(ents);
	return k;
}

/* Replaces *pix with next; when a leptonica call failed to make next, drops both. */
static int
pix_replace(PIX **pix, PIX *next)
{
	pixDestroy(pix);
	*pix = next;
	return next != NULL ? 0 : -1;
}

/* The page as this configuration hands it to tesseract, or NULL. */
static PIX *
prepare(PIX *page, const struct config *c, struct result *r)
{
	PIX *pix = pixClone(page);

	if (c->grey && pix_replace(&pix, pixConvertTo8(pix, 0)) != 0)
		return NULL;
	if (c->upscale && pixGetWidth(pix) < UPSCALE_BELOW) {
		/* interpolating grey keeps strokes smooth; binary would only replicate */
		if (pix_replace(&pix, pixGetDepth(pix) == 8 && pixGetColormap(pix) == NULL ?
		    pixScaleGrayLI(pix, 2.0, 2.0) : pixScale(pix, 2.0, 2.0)) != 0)
			return NULL;
		snprintf(r->note, sizeof(r->note), "2x");
	}
	return pix;
}

/*
 * Turns *pix upright by what the osd model detects: the quarter turns
 * made (0 when upright or not known), -1 when leptonica failed.  Its
 * orient_deg is how far the page has been turned clockwise, so it goes
 * back the other way; pixRotateOrth counts quarter turns clockwise.  The
 * script name it could return points into the model and is not ours to
 * free, so is not asked.
 */
static int
turn_upright(TessBaseAPI *osd, PIX **pix, struct result *r)
{
	int deg = 0, turns;
	float conf = 0;
	BOOL ok;

	TessBaseAPISetImage2(osd, *pix);
	ok = TessBaseAPIDetectOrientationScript(osd, &deg, &conf, NULL, NULL);
	TessBaseAPIClear(osd);
	if (!ok) {
		snprintf(r->note, sizeof(r->note), "osd failed");
		return 0;
	}
	snprintf(r->note, sizeof(r->note), "osd %d° conf %.1f", deg, conf);
	if ((turns = (4 - deg / 90 % 4) % 4) == 0)
		return 0;
	return pix_replace(pix, pixRotateOrth(*pix, turns)) == 0 ? turns : -1;
}

/* Recognises pix at the configuration's mode: its text (malloc'd) and mean confidence. */
static char *
recognise(struct engine *e, const struct config *c, PIX *pix, int *conf)
{
	char *t, *text = NULL;

	TessBaseAPISetPageSegMode(e->api, c->psm);
	TessBaseAPISetImage2(e->api, pix);
	if (TessBaseAPIRecognize(e->api, NULL) == 0 && (t = TessBaseAPIGetUTF8Text(e->api)) != NULL) {
		*conf = TessBaseAPIMeanTextConf(e->api);
		/* a copy in malloc'd memory, freed like the command-line tool's */
		text = strdup(t);
		TessDeleteText(t);
	}
	TessBaseAPIClear(e->api);
	return text;
}

/*
 * What the OCR worker does (lib/ocr_engine.c, [ocr_worker] reorient_below):
 * a page read with little confidence may be turned, so its orientation is
 * detected and, when it is turned, it is read again upright; the reading
 * with the higher confidence is kept.
 */
static void
read_upright(struct engine *e, const struct config *c, PIX **pix, struct result *r, char **text)
{
	char *again;
	int conf = 0;

	if (r->conf >= c->reorient_below || turn_upright(e->osd, pix, r) <= 0)
		return;
	if ((again = recognise(e, c, *pix, &conf)) == NULL)
		return;
	if (conf > r->conf) {
		free(*text);
		*text = again;
		r->conf = conf;
		strncat(r->note, " kept", sizeof(r->note) - strlen(r->note) - 1);
	} else
		free(again);
}

static int
run_api(struct engine *e, const struct config *c, const struct page *p, struct result *r,
    char **text)
{
	double t0 = now_ms();
	PIX *page, *pix;
	int conf = 0;

	if ((page = pixRead(p->image)) == NULL)
		return -1;
	pix = prepare(page, c, r);
	if (pix != NULL && (!c->orient || turn_upright(e->osd, &pix, r) >= 0) &&
	    (*text = recognise(e, c, pix, &conf)) != NULL) {
		r->conf = conf;
		if (c->reorient_below > 0)
			read_upright(e, c, &pix, r, text);
	}
	r->ms = now_ms() - t0;
	pixDestroy(&pix);
	pixDestroy(&page);
	return *text != NULL ? 0 : -1;
}

/* path in single quotes for sh, or -1 when it does not fit. */
static int
shell_quote(const char *path, char *out, size_t size)
{
	size_t k = 0;

	out[k++] = '\'';
	for (; *path != '\0'; path++) {
		if (k + 6 > size)
			return -1;
		if (*path == '\'') {
			memcpy(out + k, "'\\''", 4);
			k += 4;
		} else
			out[k++] = *path;
	}
	out[k++] = '\'';
	out[k] = '\0';
	return 0;
}

/* The baseline: the command-line tool, a process and a model load per page. */
static int
run_cli(const struct config *c, const struct page *p, struct result *r, char **text)
{
	char cmd[2 * PATH_MAX + 64], quoted[2 * PATH_MAX];
	size_t cap = 4096, n = 0, got;
	char *buf = NULL, *nb;
	double t0 = now_ms();
	FILE *f;

	if (shell_quote(p->image, quoted, sizeof(quoted)) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "tesseract %s stdout --psm %d 2>/dev/null", quoted, (int)c->psm);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	do {
		if ((nb = realloc(buf, cap + 1)) == NULL)
			break;
		buf = nb;
		n += got = fread(buf + n, 1, cap - n, f);
		if (n == cap)
			cap *= 2;
	} while (got > 0);
	if (pclose(f) != 0 || nb == NULL) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	r->ms = now_ms() - t0;
	r->conf = -1;
	*text = buf;
	return 0;
}

/* Reads the page; the text waits in r for score(), outside the timed loop. */
static int
measure(struct engine *e, const struct config *c, const struct page *p, struct result *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	rc = c->cli ? run_cli(c, p, r, &r->text) : run_api(e, c, p, r, &r->text);
	if (rc != 0)
		fprintf(stderr, "ocr-measure: %s: %s failed\n", p->name, c->name);
	return rc;
}

static int
score(const struct config *c, const struct page *p, struct result *r)
{
	int rc = -1;

	if (r->text != NULL)
		rc = score_texts(p->ref, p->ref_len, r->text, strlen(r->text), 1, &r->s);
	free(r->text);
	r->text = NULL;
	if (rc != 0)
		fprintf(stderr, "ocr-measure: %s: %s could not be scored\n", p->name, c->name);
	return rc;
}

/*
 * OpenMP threads make tesseract 5-15x slower on small VMs: its parallel
 * sections spin on cores the page's own work needs.  libgomp reads
 * OMP_THREAD_LIMIT once, as it is loaded with libtesseract before main
 * runs, so a setenv() in this process comes too late for it (measured: the
 * same run took 4.7x as long); the program sets it and runs itself again.
 * The command-line runs inherit it.
 */
static void
limit_openmp(char **argv)
{
	const char *v = getenv("OMP_THREAD_LIMIT");

	if (v != NULL && strcmp(v, "1") == 0)
		return;
	setenv("OMP_THREAD_LIMIT", "1", 1);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "ocr-measure: cannot run again with OMP_THREAD_LIMIT=1 (%s): "
	    "times will be high\n", strerror(errno));
}

/* Both models are loaded once; each page then costs only its recognition. */
static int
engine_start(struct engine *e)
{
	double t0 = now_ms();

	e->api = TessBaseAPICreate();
	e->osd = TessBaseAPICreate();
	if (TessBaseAPIInit3(e->api, NULL, "eng") != 0 || TessBaseAPIInit3(e->osd, NULL, "osd") != 0) {
		fprintf(stderr, "ocr-measure: tesseract cannot load eng and osd\n");
		return -1;
	}
	printf("Models eng and osd loaded in %.0f ms.\n\n", now_ms() - t0);
	return 0;
}

static void
engine_stop(struct engine *e)
{
	TessBaseAPIEnd(e->api);
	TessBaseAPIDelete(e->api);
	TessBaseAPIEnd(e->osd);
	TessBaseAPIDelete(e->osd);
}

static void
print_pages(const struct page *pages, int npages, struct result res[][MAX_PAGES], const int *run)
{
	printf("| page | configuration | ref chars | edits | CER | word recall | conf | ms | note |\n");
	printf("|---|---|---|---|---|---|---|---|---|\n");
	for (int i = 0; i < npages; i++)
		for (size_t c = 0; c < NCONFIGS; c++) {
			const struct result *r = &res[c][i];
			char conf[16] = "-";

			if (!run[c])
				continue;
			if (r->conf >= 0)
				snprintf(conf, sizeof(conf), "%d", r->conf);
			printf("| %s | %s | %zu | %zu | %.2f%% | %.1f%% | %s | %.0f | %s |\n",
			    pages[i].name, configs[c].name, r->s.ref_chars, r->s.edits,
			    100 * score_cer(&r->s), 100 * score_word_recall(&r->s), conf, r->ms, r->note);
		}
}

static void
print_totals(const struct page *pages, int npages, struct result res[][MAX_PAGES], const int *run)
{
	printf("\n| configuration | ref chars | edits | CER (micro) | worst page CER | mean conf | total ms |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (size_t c = 0; c < NCONFIGS; c++) {
		size_t chars = 0, edits = 0;
		double ms = 0, conf = 0;
		int worst = 0;

		if (!run[c])
			continue;
		for (int i = 0; i < npages; i++) {
			const struct result *r = &res[c][i];

			chars += r->s.ref_chars;
			edits += r->s.edits;
			ms += r->ms;
			conf += r->conf;
			if (score_cer(&r->s) > score_cer(&res[c][worst].s))
				worst = i;
		}
		printf("| %s | %zu | %zu | %.2f%% | %.2f%% (%s) | ", configs[c].name, chars, edits,
		    100.0 * edits / (chars ? chars : 1), 100 * score_cer(&res[c][worst].s),
		    pages[worst].name);
		if (configs[c].cli)
			printf("- | %.0f |\n", ms);
		else
			printf("%.1f | %.0f |\n", conf / npages, ms);
	}
}

/*
 * Which configurations to run, in run[], from the options; returns the
 * index of DIR in argv, 0 when it is not given, -1 on a usage error.
 */
static int
parse_args(int argc, char **argv, int *run)
{
	const char *only = NULL;
	int cli = 1, dir = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-cli") == 0)
			cli = 0;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (argv[i][0] != '-' && dir == 0)
			dir = i;
		else
			return -1;
	}
	for (size_t c = 0; c < NCONFIGS; c++)
		run[c] = only != NULL ? strcmp(configs[c].name, only) == 0 : cli || !configs[c].cli;
	for (size_t c = 0; c < NCONFIGS; c++)
		if (run[c])
			return dir;
	fprintf(stderr, "ocr-measure: no configuration is called \"%s\"\n", only);
	return -1;
}

int
main(int argc, char **argv)
{
	static struct page pages[MAX_PAGES];
	static struct result res[NCONFIGS][MAX_PAGES];
	const char *dir = DEFAULT_DIR;
	int npages, nrun = 0, failed = 0, run[NCONFIGS], d;
	double t0, wall;
	struct engine e;

	limit_openmp(argv);
	if ((d = parse_args(argc, argv, run)) < 0) {
		fprintf(stderr, "usage: ocr-measure [--no-cli] [--only NAME] [DIR]\n");
		return 2;
	}
	if (d > 0)
		dir = argv[d];
	if ((npages = load_pages(dir, pages, MAX_PAGES)) <= 0)
		return npages < 0 ? 2 : 1;
	if (engine_start(&e) != 0)
		return 1;
	/* timed: reading and recognising, page after page; the scoring comes after */
	t0 = now_ms();
	for (size_t c = 0; c < NCONFIGS; c++)
		for (int i = 0; i < npages; i++)
			if (run[c] && measure(&e, &configs[c], &pages[i], &res[c][i]) != 0)
				failed = 1;
	wall = now_ms() - t0;
	engine_stop(&e);
	for (size_t c = 0; c < NCONFIGS; c++) {
		for (int i = 0; i < npages && run[c]; i++)
			if (score(&configs[c], &pages[i], &res[c][i]) != 0)
				failed = 1;
		nrun += run[c];
	}
	print_pages(pages, npages, res, run);
	print_totals(pages, npages, res, run);
	printf("\nWall time: %.0f ms for %d pages in %d configuration%s, one after the other "
	    "(models loaded before, scoring after).\n", wall, npages, nrun, nrun == 1 ? "" : "s");
	for (int i = 0; i < npages; i++)
		free(pages[i].ref);
	return failed;
}
