/*
 * sentiment: VADER's sentiment scores for a UTF-8 text, computed as the
 * npm package vader-sentiment (1.1.3) computes them, to the last rounded
 * digit: its lexicon, its booster and dampener words, negation within
 * three words, "but", ALL-CAPS emphasis, "!" and "?", "kind of",
 * "least", "never so", its idioms and emoticons, and its quirks too
 * (tokens of one UTF-16 unit dropped, case-sensitive checks where it has
 * them), so that a score here is the score there.
 *
 * The lexicon is data (vader_lexicon.txt, installed under the data
 * directory), loaded once and then only read: any number of threads may
 * score texts with one lexicon at the same time.  A call works in one
 * block sized by its text: on the stack for a chat message, else one
 * malloc.
 *
 * Text that is not valid UTF-8 is read as node reads it: each broken
 * sequence stands for one U+FFFD, so any bytes have a defined score, and
 * the reference's.
 */
#ifndef QUILL_SENTIMENT_H
#define QUILL_SENTIMENT_H

#include <stddef.h>

struct sentiment_lexicon;

struct sentiment_scores {
	double neg, neu, pos;	/* shares of the text, rounded to 3 decimals */
	double compound;	/* -1..1, rounded to 4 decimals */
};

/*
 * Reads a lexicon in vader_lexicon.txt's format (token, tab, mean
 * valence, tab, ...; a later line for a token replaces an earlier one).
 * NULL with a line in err when it cannot be read or holds no entry.
 */
struct sentiment_lexicon *sentiment_lexicon_load(const char *path, char *err, size_t errsize);
void sentiment_lexicon_free(struct sentiment_lexicon *lx);
size_t sentiment_lexicon_size(const struct sentiment_lexicon *lx);

/* Scores len bytes of text.  0, or -1 when memory ran out (out is zeroed). */
int sentiment_score(const struct sentiment_lexicon *lx, const char *text, size_t len,
    struct sentiment_scores *out);

#endif
