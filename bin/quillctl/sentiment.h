/*
 * sentiment: `quillctl sentiment TEXT...`, VADER's four scores for a text
 * (lib/sentiment), with the lexicon named by [sentiment] lexicon.
 */
#ifndef QUILLCTL_SENTIMENT_H
#define QUILLCTL_SENTIMENT_H

struct config;

/*
 * Scores the words joined by single spaces, or standard input when the
 * only word is "-", and prints {"neg", "neu", "pos", "compound"} as one
 * line of JSON.  Returns 0, or 1 after a message on stderr.
 */
int sentiment_print(const struct config *cfg, int nwords, char **words);

#endif
