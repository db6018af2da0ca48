/*
 * vader-lines: lib/sentiment's scores for each line of standard input,
 * one line out per line in: "neg neu pos compound".  Lines are separated
 * by \n alone; a line's own bytes are scored as they are.  Used by
 * tests/sentiment/check (against the reference) and bench/run-sentiment.
 *
 * Usage: vader-lines LEXICON [REPEAT]
 *   REPEAT scores the whole input that many times and prints only the
 *   last pass, for timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sentiment.h"

int
main(int argc, char **argv)
{
	struct sentiment_lexicon *lx;
	char err[512], *input = NULL;
	size_t len = 0, cap = 0, n;
	long repeat = argc > 2 ? strtol(argv[2], NULL, 10) : 1;

	if (argc < 2 || repeat < 1) {
		fprintf(stderr, "usage: vader-lines LEXICON [REPEAT] <lines\n");
		return 2;
	}
	if ((lx = sentiment_lexicon_load(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "vader-lines: %s\n", err);
		return 1;
	}
	do {
		if (len + 65536 > cap && (input = realloc(input, cap = 2 * cap + 65536)) == NULL)
			return 1;
		n = fread(input + len, 1, cap - len, stdin);
		len += n;
	} while (n > 0);
	for (long r = 0; r < repeat; r++) {
		for (size_t at = 0; at < len;) {
			const char *nl = memchr(input + at, '\n', len - at);
			size_t line = nl != NULL ? (size_t)(nl - (input + at)) : len - at;
			struct sentiment_scores s;

			if (sentiment_score(lx, input + at, line, &s) != 0)
				return 1;
			if (r == repeat - 1)
				printf("%.3f %.3f %.3f %.4f\n", s.neg, s.neu, s.pos, s.compound);
			at += line + 1;
		}
	}
	free(input);
	sentiment_lexicon_free(lx);
	return 0;
}
