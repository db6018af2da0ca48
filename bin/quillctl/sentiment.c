/*
 * sentiment: see sentiment.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/sentiment.h"
#include "bin/quillctl/sentiment.h"

/* Standard input whole; NULL when it cannot be read. */
static char *
read_stdin(size_t *len)
{
	size_t cap = 0, n;
	char *buf = NULL, *grown;

	*len = 0;
	do {
		if (*len + 65536 > cap) {
			if ((grown = realloc(buf, cap = 2 * cap + 65536)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
		}
		n = fread(buf + *len, 1, cap - *len, stdin);
		*len += n;
	} while (n > 0);
	if (ferror(stdin)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The words joined by single spaces. */
static char *
join(int nwords, char **words, size_t *len)
{
	char *text, *p;

	*len = 0;
	for (int i = 0; i < nwords; i++)
		*len += strlen(words[i]) + 1;
	if ((text = malloc(*len + 1)) == NULL)
		return NULL;
	p = text;
	for (int i = 0; i < nwords; i++) {
		if (i > 0)
			*p++ = ' ';
		p = stpcpy(p, words[i]);
	}
	*len = (size_t)(p - text);
	return text;
}

int
sentiment_print(const struct config *cfg, int nwords, char **words)
{
	const char *path = config_str(cfg, "sentiment", "lexicon");
	struct sentiment_lexicon *lx;
	struct sentiment_scores s;
	char err[512], *text;
	size_t len;
	int rc;

	if ((lx = sentiment_lexicon_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "quillctl: %s\n", err);
		return 1;
	}
	text = nwords == 1 && strcmp(words[0], "-") == 0 ? read_stdin(&len) : join(nwords, words, &len);
	if (text == NULL) {
		fprintf(stderr, "quillctl: cannot read the text\n");
		sentiment_lexicon_free(lx);
		return 1;
	}
	rc = sentiment_score(lx, text, len, &s);
	if (rc == 0)
		printf("{\"neg\":%.3f,\"neu\":%.3f,\"pos\":%.3f,\"compound\":%.4f}\n", s.neg, s.neu, s.pos, s.compound);
	else
		fprintf(stderr, "quillctl: out of memory scoring %zu bytes\n", len);
	free(text);
	sentiment_lexicon_free(lx);
	return rc == 0 ? 0 : 1;
}
