/*
 * sentiment_lexicon: the token-to-valence table behind lib/sentiment, an
 * open-addressing hash over one block of keys.  Internal to lib/sentiment.
 */
#ifndef QUILL_SENTIMENT_LEXICON_H
#define QUILL_SENTIMENT_LEXICON_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/sentiment.h"

/* The valence of the len bytes at key, when the lexicon has them. */
bool sentiment_lexicon_get(const struct sentiment_lexicon *lx, const char *key, size_t len, double *valence);

#endif
