/*
 * sentiment_lexicon: see sentiment_lexicon.h and sentiment.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sentiment_lexicon.h"

struct entry {
	const char *key;	/* into keys; NULL: a free slot */
	size_t len;
	double valence;
};

struct sentiment_lexicon {
	char *keys;		/* the file's text, its tabs and newlines made NULs */
	struct entry *slots;
	size_t mask;		/* slots - 1; a power of two minus one */
	size_t count;
};

static uint64_t
hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static struct entry *
slot_for(const struct sentiment_lexicon *lx, const char *key, size_t len)
{
	for (size_t i = hash(key, len) & lx->mask;; i = (i + 1) & lx->mask) {
		struct entry *e = &lx->slots[i];

		if (e->key == NULL || (e->len == len && memcmp(e->key, key, len) == 0))
			return e;
	}
}

bool
sentiment_lexicon_get(const struct sentiment_lexicon *lx, const char *key, size_t len, double *valence)
{
	const struct entry *e = slot_for(lx, key, len);

	if (e->key == NULL)
		return false;
	*valence = e->valence;
	return true;
}

size_t
sentiment_lexicon_size(const struct sentiment_lexicon *lx)
{
	return lx->count;
}

/* The whole file, NUL-terminated; NULL with errno set. */
static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
			errno = EIO;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

struct sentiment_lexicon *
sentiment_lexicon_load(const char *path, char *err, size_t errsize)
{
	struct sentiment_lexicon *lx = calloc(1, sizeof(*lx));
	size_t len = 0, lines = 1, nslots = 16;
	char *p, *end;

	if (lx == NULL || (lx->keys = read_all(path, &len)) == NULL) {
		snprintf(err, errsize, "cannot read the sentiment lexicon %s: %s", path, strerror(errno));
		sentiment_lexicon_free(lx);
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		lines += lx->keys[i] == '\n';
	while (nslots < 2 * lines)
		nslots *= 2;
	if ((lx->slots = calloc(nslots, sizeof(*lx->slots))) == NULL) {
		snprintf(err, errsize, "out of memory for the sentiment lexicon");
		sentiment_lexicon_free(lx);
		return NULL;
	}
	lx->mask = nslots - 1;
	for (p = lx->keys, end = lx->keys + len; p < end; p++) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *tab, *num_end;
		struct entry *e;
		double v;

		if (nl == NULL)
			nl = end;
		*nl = '\0';
		/* token TAB mean TAB deviation TAB ratings; a line without both is skipped */
		if ((tab = memchr(p, '\t', (size_t)(nl - p))) != NULL && tab > p) {
			*tab = '\0';
			v = strtod(tab + 1, &num_end);
			if (num_end != tab + 1) {
				e = slot_for(lx, p, (size_t)(tab - p));
				if (e->key == NULL)
					lx->count++;
				/* a token listed twice keeps its last valence, as an object built from the file would */
				*e = (struct entry){ .key = p, .len = (size_t)(tab - p), .valence = v };
			}
		}
		p = nl;
	}
	if (lx->count == 0) {
		snprintf(err, errsize, "the sentiment lexicon %s has no entries", path);
		sentiment_lexicon_free(lx);
		return NULL;
	}
	return lx;
}

void
sentiment_lexicon_free(struct sentiment_lexicon *lx)
{
	if (lx == NULL)
		return;
	free(lx->keys);
	free(lx->slots);
	free(lx);
}
