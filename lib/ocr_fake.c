/*
 * ocr_fake: an OCR engine that reads no pixels, for tests.
 *
 * It lets the worker's job cycle, its watchdog and its failures be
 * driven without tesseract: the image's own bytes say what the engine
 * does.  A line "quill-fake: COMMAND" anywhere in the first 4 kB (a PNM
 * comment, "# quill-fake: sleep 5", keeps the file an image every check
 * accepts) is one of:
 *
 *   text WORDS   the page reads as WORDS (the default: no words)
 *   sleep N      wait N seconds (at most an hour), then read as empty
 *   spin         use the CPU for ever, as a decoder stuck in a loop
 *   fail         a transient error (OCR_ERROR): the job is tried again
 *   unreadable   OCR_UNREADABLE: the job fails at once
 *   crash        abort(): the worker dies in the middle of the job
 *   alloc N      allocate N MiB (at most 64 GiB), free it, read as empty;
 *                OCR_TOO_LARGE when the allocation fails, as under memory_limit
 *   languages    the page reads as "languages SET", the set the engine was
 *                made with: which engine read a job
 *
 * Its models are "installed" for every language but xxx: an engine whose
 * set holds xxx cannot be made, as tesseract's cannot without the file.
 *
 * SECURITY: whoever uploads chooses these commands, so with
 * [ocr_worker] engine = fake any user can hold a worker until
 * job_timeout or kill it.  It is for tests and is never the default;
 * quill-ocr-worker logs a warning when it runs with it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/json.h"
#include "lib/ocr_backend.h"
#include "lib/ocr_languages.h"
#include "lib/strbuf.h"

#define FAKE_SCAN	4096
#define FAKE_MARK	"quill-fake: "

struct fake {
	char languages[OCR_LANGUAGES_MAX + 1];
};

/* Whether the set holds the code xxx, the one language the fake has no model for. */
static bool
has_xxx(const char *set)
{
	size_t n = strlen(set);

	return strcmp(set, "xxx") == 0 || strncmp(set, "xxx+", 4) == 0 ||
	    (n >= 4 && strcmp(set + n - 4, "+xxx") == 0) || strstr(set, "+xxx+") != NULL;
}

static void *
fake_open(const struct ocr_options *opt, char *err, size_t errsize)
{
	const char *langs = opt->languages != NULL ? opt->languages : "";
	struct fake *f;

	if (has_xxx(langs)) {
		snprintf(err, errsize, "the fake engine cannot load the languages \"%s\"", langs);
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	snprintf(f->languages, sizeof(f->languages), "%s", langs);
	return f;
}

static void
fake_close(void *be)
{
	free(be);
}

/* The command after the mark, up to the end of its line, into cmd; "" when there is none. */
static void
fake_command(const unsigned char *data, size_t len, char *cmd, size_t size)
{
	size_t scan = len < FAKE_SCAN ? len : FAKE_SCAN, mark = strlen(FAKE_MARK), n = 0;
	const unsigned char *p = NULL;

	cmd[0] = '\0';
	for (size_t i = 0; i + mark <= scan; i++)
		if (memcmp(data + i, FAKE_MARK, mark) == 0) {
			p = data + i + mark;
			break;
		}
	if (p == NULL)
		return;
	while (p + n < data + scan && p[n] != '\n' && p[n] != '\r' && n + 1 < size) {
		cmd[n] = p[n] >= ' ' && p[n] <= '~' ? (char)p[n] : '?';
		n++;
	}
	cmd[n] = '\0';
}

/* An hOCR document and word list for one page of words, as tesseract's would be laid out. */
static enum ocr_status
fake_result(const char *words_text, struct ocr_result *r, char *why, size_t whysize)
{
	struct strbuf hocr = { 0 };
	yajl_gen g = json_gen_new();
	const unsigned char *buf;
	size_t blen;

	strbuf_adds(&hocr, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<html xmlns=\"http://www.w3.org/1999/xhtml\">\n<head><title></title>"
	    "<meta name=\"ocr-system\" content=\"quill fake engine\"/></head>\n<body>\n"
	    "<div class='ocr_page' id='page_1' title='bbox 0 0 1 1; ppageno 0'></div>\n</body>\n</html>\n");
	yajl_gen_array_open(g);
	if (words_text[0] != '\0') {
		yajl_gen_map_open(g);
		json_gen_kv_string(g, "text", words_text);
		json_gen_kv_int(g, "confidence", 100);
		json_gen_kv_int(g, "page", 1);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_get_buf(g, &buf, &blen);
	r->words = strndup((const char *)buf, blen);
	yajl_gen_free(g);
	r->text = strdup(words_text);
	r->hocr = hocr.p;
	r->mean_confidence = words_text[0] != '\0' ? 100 : 0;
	if (hocr.failed || r->words == NULL || r->text == NULL) {
		snprintf(why, whysize, "out of memory");
		return OCR_ERROR;
	}
	return OCR_OK;
}

static enum ocr_status
fake_read(void *be, const unsigned char *data, size_t len, enum imagetype type, int pages,
    struct ocr_result *r, char *why, size_t whysize)
{
	char cmd[256];
	long secs;	/* or MiB */

	fake_command(data, len, cmd, sizeof(cmd));
	if (strncmp(cmd, "text ", 5) == 0)
		return fake_result(cmd + 5, r, why, whysize);
	if (strcmp(cmd, "languages") == 0) {
		struct fake *f = be;
		char text[sizeof(f->languages) + 16];

		snprintf(text, sizeof(text), "languages %s", f->languages);
		return fake_result(text, r, why, whysize);
	}
	if (sscanf(cmd, "sleep %ld", &secs) == 1 && secs >= 0 && secs <= 3600) {
		struct timespec ts = { secs, 0 };

		while (nanosleep(&ts, &ts) != 0)
			;
		return fake_result("", r, why, whysize);
	}
	if (strcmp(cmd, "spin") == 0) {
		for (volatile unsigned long i = 0;; i++)
			;
	}
	if (strcmp(cmd, "fail") == 0) {
		snprintf(why, whysize, "the fake engine failed, as told");
		return OCR_ERROR;
	}
	if (strcmp(cmd, "unreadable") == 0) {
		snprintf(why, whysize, "cannot decode the image: the fake engine was told so");
		return OCR_UNREADABLE;
	}
	if (strcmp(cmd, "crash") == 0)
		abort();
	if (sscanf(cmd, "alloc %ld", &secs) == 1 && secs >= 0 && secs <= 65536) {
		void *p = malloc((size_t)secs << 20);

		if (p == NULL) {
			snprintf(why, whysize, "page 1 needs more memory than the worker may use");
			return OCR_TOO_LARGE;
		}
		free(p);
		return fake_result("", r, why, whysize);
	}
	return fake_result("", r, why, whysize);
}

const struct ocr_backend ocr_fake_backend = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.read = fake_read,
};
