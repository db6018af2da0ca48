/*
 * score: how far an OCR text is from its ground truth, as character error
 * rate and bag-of-words recall, defined exactly as the scorer behind the
 * baseline table in the OCR test data's SOURCES.md so the two can be
 * compared number for number.
 *
 * Both texts are normalised first: every run of white space becomes one
 * space and the ends are trimmed; with fold_quotes, curly quotes become
 * ' and " and en/em dashes become -.  CER is the Levenshtein distance over
 * Unicode code points (a byte that is not valid UTF-8 is one unit of its
 * own) divided by the reference's code points.  Word recall is the share
 * of reference words, with multiplicity, that the hypothesis also has.
 */
#ifndef QUILL_TESTS_OCR_SCORE_H
#define QUILL_TESTS_OCR_SCORE_H

#include <stddef.h>

struct score {
	size_t ref_chars;	/* code points in the normalised reference */
	size_t edits;		/* Levenshtein distance, hypothesis to reference */
	size_t ref_words;
	size_t words_found;	/* reference words matched in the hypothesis */
};

/* Scores hyp against ref; 0, or -1 when memory runs out. */
int score_texts(const char *ref, size_t ref_len, const char *hyp, size_t hyp_len,
    int fold_quotes, struct score *out);

/* edits / ref_chars; an empty reference counts as one character. */
double score_cer(const struct score *s);

/* words_found / ref_words; 1 when the reference has no words. */
double score_word_recall(const struct score *s);

/* Reads a whole file into a NUL-terminated malloc'd buffer; 0 or -1 (errno). */
int score_read_file(const char *path, char **buf, size_t *len);

#endif
