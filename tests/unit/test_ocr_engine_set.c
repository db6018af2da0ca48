/*
 * test_ocr_engine_set: a worker's engines per language set, through the
 * fake backend (it reads "quill-fake: languages" as the set its engine
 * was made with, and has no model for xxx): the default for no set, one
 * engine per set made once and kept, the one used longest ago freed at
 * the bound, a set that cannot be loaded refused with its reason.
 */
#include <stdio.h>
#include <string.h>

#include "lib/ocr_engine_set.h"
#include "tests/unit/tap.h"

static const char page[] = "P2\n# quill-fake: languages\n1 1\n255\n0\n";

/* What the engine for set reads the page as; "" when there is none. */
static void
read_with(struct ocr_engine_set *s, const char *set, char *out, size_t size)
{
	char err[256] = "";
	struct ocr_engine *e = ocr_engine_set_get(s, set, err, sizeof(err));
	struct ocr_result r;

	out[0] = '\0';
	if (e == NULL || ocr_engine_run(e, (const unsigned char *)page, strlen(page), &r, err, sizeof(err)) != OCR_OK)
		return;
	snprintf(out, size, "%s", r.text);
	ocr_result_free(&r);
}

int
main(void)
{
	struct ocr_options opt = { .engine = "fake", .languages = "eng", .max_pixels = 1000, .max_pages = 1 };
	struct ocr_engine_set *s;
	struct ocr_engine *vie, *e;
	char err[256], text[128];

	opt.languages = "xxx";
	ok(ocr_engine_set_new(&opt, 2, err, sizeof(err)) == NULL, "a default set that cannot be loaded: no set");
	ok(strstr(err, "xxx") != NULL, "  the reason names it");
	opt.languages = "eng";
	s = ocr_engine_set_new(&opt, 2, err, sizeof(err));
	ok(s != NULL, "a set with its default engine");
	if (s == NULL)
		return 1;
	ok(ocr_engine_set_get(s, NULL, err, sizeof(err)) == ocr_engine_set_default(s), "no languages: the default");
	ok(ocr_engine_set_get(s, "", err, sizeof(err)) == ocr_engine_set_default(s), "\"\": the default");
	ok(ocr_engine_set_get(s, "eng", err, sizeof(err)) == ocr_engine_set_default(s), "the default's own set: it");
	read_with(s, NULL, text, sizeof(text));
	is_str(text, "languages eng", "the default reads with eng");
	read_with(s, "vie+eng", text, sizeof(text));
	is_str(text, "languages vie+eng", "vie+eng gets an engine of its own");
	vie = ocr_engine_set_get(s, "vie+eng", err, sizeof(err));
	ok(vie != NULL && vie != ocr_engine_set_default(s), "  kept, not the default");
	ok(ocr_engine_set_get(s, "vie+eng", err, sizeof(err)) == vie, "  and the same one next time");
	read_with(s, "eng+vie", text, sizeof(text));
	is_str(text, "languages eng+vie", "eng+vie is another set (the first is the primary)");
	/* two extra places: vie+eng (used last before eng+vie) goes for deu */
	(void)ocr_engine_set_get(s, "eng+vie", err, sizeof(err));
	read_with(s, "deu", text, sizeof(text));
	is_str(text, "languages deu", "a third set is made at the bound");
	read_with(s, "eng+vie", text, sizeof(text));
	is_str(text, "languages eng+vie", "  the one used more lately is still there");
	read_with(s, "vie+eng", text, sizeof(text));
	is_str(text, "languages vie+eng", "  the one used longest ago is made again when asked");
	read_with(s, "eng", text, sizeof(text));
	is_str(text, "languages eng", "  the default is never the one freed");
	e = ocr_engine_set_get(s, "vie+xxx", err, sizeof(err));
	ok(e == NULL && strstr(err, "vie+xxx") != NULL, "a set without models: no engine, the reason names it");
	e = ocr_engine_set_get(s, "../eng", err, sizeof(err));
	ok(e == NULL && strstr(err, "not a language set") != NULL, "a string that is no set: refused before loading");
	read_with(s, "vie", text, sizeof(text));
	is_str(text, "languages vie", "after a failure, sets still load");
	ocr_engine_set_free(s);

	s = ocr_engine_set_new(&opt, 0, err, sizeof(err));
	ok(s != NULL && ocr_engine_set_get(s, "vie", err, sizeof(err)) == NULL, "no extra places: the default only");
	ok(strstr(err, "max_engines") != NULL, "  and the reason says which key");
	ok(ocr_engine_set_get(s, "", err, sizeof(err)) == ocr_engine_set_default(s), "  which still reads");
	ocr_engine_set_free(s);
	printf("1..%d\n", tap_count);
	return tap_failed != 0;
}
