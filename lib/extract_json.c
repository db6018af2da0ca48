/*
 * extract_json: the worker's words JSON (lib/ocr_words: an array of
 * {text, confidence, page, line, box: [x0, y0, x1, y1]}) into struct
 * extract_word, then extract_invoice().
 *
 * SECURITY: the JSON is ours (the worker made it) but its texts are OCR
 * output anyone chooses; the document is still checked as if hostile:
 * wrong types are refused with a reason, missing optional members (line,
 * confidence) default, numbers are clamped, and the words past
 * EXTRACT_MAX_WORDS are left to extract_invoice() to drop and note.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/extract.h"
#include "lib/json.h"

#define WORDS_JSON_MAX_BYTES (64u << 20)

static int
clamp_int(int64_t v)
{
	return v < INT_MIN / 2 ? INT_MIN / 2 : v > INT_MAX / 2 ? INT_MAX / 2 : (int)v;
}

/* One word object into *w (its text stays in the parsed tree); -1 when it is not one. */
static int
word_from_json(const struct json_value *o, struct extract_word *w, char *why, size_t whysize, size_t i)
{
	const struct json_value *box = json_get(o, "box");
	int64_t v[4], page = 1, line = 0;
	double conf = 0;

	if ((w->text = json_get_string(o, "text", &w->len)) == NULL) {
		snprintf(why, whysize, "word %zu has no text", i);
		return -1;
	}
	if (json_type(box) != JSON_ARRAY || json_length(box) != 4) {
		snprintf(why, whysize, "word %zu has no box of 4 numbers", i);
		return -1;
	}
	for (size_t k = 0; k < 4; k++)
		if (json_int64(json_at(box, k), &v[k]) != 0) {
			snprintf(why, whysize, "word %zu's box is not integers", i);
			return -1;
		}
	if (json_get(o, "confidence") != NULL && json_double(json_get(o, "confidence"), &conf) != 0) {
		snprintf(why, whysize, "word %zu's confidence is not a number", i);
		return -1;
	}
	if (json_get(o, "page") != NULL)
		json_get_int64(o, "page", &page);
	if (json_get(o, "line") != NULL)
		json_get_int64(o, "line", &line);
	w->confidence = conf < 0 ? 0 : conf > 100 ? 100 : conf;
	w->page = clamp_int(page);
	w->line = clamp_int(line);
	w->x0 = clamp_int(v[0]);
	w->y0 = clamp_int(v[1]);
	w->x1 = clamp_int(v[2]);
	w->y1 = clamp_int(v[3]);
	return 0;
}

int
extract_invoice_json(const char *words_json, size_t len, const char *language, struct invoice *out,
    char *why, size_t whysize)
{
	struct json_value *root;
	struct extract_word *words;
	size_t n;
	int rc = 0;

	if ((root = json_parse(words_json, len, 4, WORDS_JSON_MAX_BYTES, why, whysize)) == NULL)
		return -1;
	if (json_type(root) != JSON_ARRAY) {
		snprintf(why, whysize, "the words JSON is not an array");
		json_free(root);
		errno = EINVAL;
		return -1;
	}
	n = json_length(root);
	if (n > EXTRACT_MAX_WORDS * 2)
		n = EXTRACT_MAX_WORDS * 2;	/* enough for extract_invoice() to note the rest */
	if ((words = calloc(n ? n : 1, sizeof(*words))) == NULL) {
		snprintf(why, whysize, "out of memory");
		json_free(root);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		if (word_from_json(json_at(root, i), &words[i], why, whysize, i) != 0) {
			errno = EINVAL;
			rc = -1;
		}
	if (rc == 0 && (rc = extract_invoice(words, n, language, out)) != 0)
		snprintf(why, whysize, "out of memory");
	free(words);
	json_free(root);
	return rc;
}
