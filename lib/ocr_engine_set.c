/*
 * ocr_engine_set: see ocr_engine_set.h.  A handful of engines at most, so
 * a small array searched in full is all the index needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ocr_engine_set.h"
#include "lib/ocr_languages.h"

struct extra {
	char languages[OCR_LANGUAGES_MAX + 1];
	struct ocr_engine *engine;
	unsigned long used;		/* the set's clock when last handed out */
};

struct ocr_engine_set {
	struct ocr_options opt;
	char languages[OCR_LANGUAGES_MAX + 1];	/* the default's, opt.languages points here */
	struct ocr_engine *deflt;
	int max_extra;
	struct extra *extra;			/* max_extra places; engine NULL when free */
	unsigned long clock;
};

struct ocr_engine_set *
ocr_engine_set_new(const struct ocr_options *opt, int max_extra, char *err, size_t errsize)
{
	struct ocr_engine_set *s = calloc(1, sizeof(*s));

	if (s == NULL || (max_extra > 0 && (s->extra = calloc((size_t)max_extra, sizeof(*s->extra))) == NULL)) {
		free(s);
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	s->opt = *opt;
	snprintf(s->languages, sizeof(s->languages), "%s", opt->languages != NULL ? opt->languages : "");
	s->opt.languages = s->languages;
	s->max_extra = max_extra;
	if ((s->deflt = ocr_engine_new(&s->opt, err, errsize)) == NULL) {
		free(s->extra);
		free(s);
		return NULL;
	}
	return s;
}

static void
free_extras(struct ocr_engine_set *s)
{
	for (int i = 0; i < s->max_extra; i++) {
		ocr_engine_free(s->extra[i].engine);
		s->extra[i].engine = NULL;
	}
}

void
ocr_engine_set_free(struct ocr_engine_set *s)
{
	if (s == NULL)
		return;
	free_extras(s);
	ocr_engine_free(s->deflt);
	free(s->extra);
	free(s);
}

struct ocr_engine *
ocr_engine_set_default(struct ocr_engine_set *s)
{
	return s->deflt;
}

/* The place for a new engine: a free one, else the one used longest ago, freed. */
static struct extra *
make_room(struct ocr_engine_set *s)
{
	struct extra *oldest = &s->extra[0];

	for (int i = 0; i < s->max_extra; i++) {
		if (s->extra[i].engine == NULL)
			return &s->extra[i];
		if (s->extra[i].used < oldest->used)
			oldest = &s->extra[i];
	}
	ocr_engine_free(oldest->engine);
	oldest->engine = NULL;
	return oldest;
}

struct ocr_engine *
ocr_engine_set_get(struct ocr_engine_set *s, const char *languages, char *err, size_t errsize)
{
	struct ocr_options opt = s->opt;
	struct extra *e;

	if (languages == NULL || languages[0] == '\0' || strcmp(languages, s->languages) == 0)
		return s->deflt;
	if (!ocr_languages_valid(languages, strlen(languages))) {
		snprintf(err, errsize, "not a language set: \"%.*s\"", OCR_LANGUAGES_MAX, languages);
		return NULL;
	}
	for (int i = 0; i < s->max_extra; i++)
		if (s->extra[i].engine != NULL && strcmp(s->extra[i].languages, languages) == 0) {
			s->extra[i].used = ++s->clock;
			return s->extra[i].engine;
		}
	if (s->max_extra <= 0) {
		snprintf(err, errsize, "only the default languages %s are read here ([ocr_worker] max_engines = 0)",
		    s->languages);
		return NULL;
	}
	e = make_room(s);
	/* the engine keeps its options: they point into the set, not at the caller's string */
	snprintf(e->languages, sizeof(e->languages), "%s", languages);
	opt.languages = e->languages;
	if ((e->engine = ocr_engine_new(&opt, err, errsize)) == NULL) {
		/* perhaps the others' models leave no room under memory_limit: once more without them */
		free_extras(s);
		if ((e->engine = ocr_engine_new(&opt, err, errsize)) == NULL)
			return NULL;
	}
	e->used = ++s->clock;
	return e->engine;
}
