/*
 * fuzz_sentiment: lib/sentiment on any bytes.  The lexicon is the build's
 * (QUILL_LEXICON, or data/vader_lexicon.txt from the current directory),
 * loaded once; every input is scored and its scores must be in range.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/sentiment.h"

static struct sentiment_lexicon *lx;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("QUILL_LEXICON");
	char err[512];

	(void)argc;
	(void)argv;
	if ((lx = sentiment_lexicon_load(path != NULL ? path : "data/vader_lexicon.txt", err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_sentiment: %s\n", err);
		exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sentiment_scores s;

	if (sentiment_score(lx, (const char *)data, size, &s) != 0)
		return 0;
	if (!(s.neg >= 0 && s.neg <= 1 && s.neu >= 0 && s.neu <= 1 && s.pos >= 0 && s.pos <= 1 &&
	    s.compound >= -1 && s.compound <= 1))
		abort();
	return 0;
}
