/*
 * test_sentiment: lib/sentiment on the texts the reference comparison
 * (tests/integration/80_sentiment) does not send: empty, not UTF-8, only
 * emoji, a megabyte; the lexicon's loading and its failures; and two
 * threads scoring with one lexicon at once.  The lexicon is the build's
 * (data/vader_lexicon.txt under QUILL_BUILD, or the current directory).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/sentiment.h"
#include "tests/unit/tap.h"

static struct sentiment_lexicon *lx;

static int
in_range(const struct sentiment_scores *s)
{
	return s->neg >= 0 && s->neg <= 1 && s->neu >= 0 && s->neu <= 1 && s->pos >= 0 && s->pos <= 1 &&
	    s->compound >= -1 && s->compound <= 1 && !isnan(s->compound);
}

static struct sentiment_scores
score(const char *text, size_t len)
{
	struct sentiment_scores s;

	if (sentiment_score(lx, text, len, &s) != 0)
		memset(&s, 0xff, sizeof(s));	/* fails in_range */
	return s;
}

static void
test_known(void)
{
	/* values the reference package gives for these texts */
	struct sentiment_scores s = score("good", 4);

	ok(s.pos == 1.0 && s.neu == 0 && s.neg == 0 && s.compound == 0.4404, "\"good\": pos 1, compound 0.4404");
	s = score("not good", 8);
	ok(s.neg == 0.706 && s.neu == 0.294 && s.compound == -0.3412, "\"not good\": neg 0.706, compound -0.3412");
	/* neu is 1/16 = 0.0625 exactly: a tie, which toFixed rounds up and printf to the even 0.062 */
	s = score("gj gj gj gj gj the", 18);
	ok(s.neu == 0.063 && s.pos == 0.938, "a tie at the third decimal goes away from zero, as toFixed does");
	s = score("GOOD but bad!!", 14);
	ok(in_range(&s) && s.compound < 0, "\"GOOD but bad!!\": the part after but weighs more");
}

static void
test_odd_texts(void)
{
	static const char bad_utf8[] = "\xff\xfe good \xc3\x28 \xe2\x82 \xf0\x9f\x98 \xed\xa0\x80 bad \x80";
	struct sentiment_scores s = score("", 0);
	char *big;
	size_t big_len = 1 << 20;

	ok(s.neg == 0 && s.neu == 0 && s.pos == 0 && s.compound == 0, "empty text: all four 0");
	s = score("   \t\n ", 6);
	ok(s.neg == 0 && s.neu == 0 && s.pos == 0 && s.compound == 0, "white space only: all four 0");
	s = score(bad_utf8, sizeof(bad_utf8) - 1);
	ok(in_range(&s), "bytes that are not UTF-8: scores in range");
	ok(s.pos > 0 && s.neg > 0, "  and the valid words around them still count");
	s = score("\xf0\x9f\x98\x81 \xf0\x9f\x92\x98 \xf0\x9f\x99\x82", 14);
	ok(s.neu == 1 && s.compound == 0, "only emoji: neutral");
	s = score("!!!!????", 8);
	ok(s.neg == 0 && s.neu == 1 && s.pos == 0 && s.compound == 0, "only punctuation: neutral");
	s = score("a", 1);
	ok(s.neu == 0 && s.compound == 0, "one letter is no word");
	s = score(":\xc3\x9e", 3);
	ok(s.compound == 0, "an emoticon the reference's lower-casing never finds (capital thorn) scores 0");

	big = malloc(big_len);
	for (size_t i = 0; i < big_len; i++)
		big[i] = "happy sad NOT very good, but terrible!! :) "[i % 43];
	s = score(big, big_len);
	ok(in_range(&s) && s.compound != 0, "1 MB of text: scored, in range");
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)(i * 7919 % 251);
	s = score(big, big_len);
	ok(in_range(&s), "1 MB of arbitrary bytes: scored, in range");
	free(big);
}

struct run {
	const char *text;
	struct sentiment_scores got;
	int same;
};

static void *
score_many(void *arg)
{
	struct run *r = arg;
	struct sentiment_scores s;

	r->same = 1;
	for (int i = 0; i < 2000; i++) {
		sentiment_score(lx, r->text, strlen(r->text), &s);
		r->same &= memcmp(&s, &r->got, sizeof(s)) == 0;
	}
	return NULL;
}

static void
test_threads(void)
{
	struct run runs[2] = {
		{ "The service was REALLY great, but the bill was kind of a shock!!" },
		{ "I never so enjoyed a meeting :) not bad at all" },
	};
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		runs[i].got = score(runs[i].text, strlen(runs[i].text));
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, score_many, &runs[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ok(runs[0].same && runs[1].same, "two threads with one lexicon: the same scores 2000 times each");
}

static void
test_loading(const char *dir)
{
	char err[512], path[4200];
	FILE *f;

	ok(sentiment_lexicon_load("/nonexistent/lexicon.txt", err, sizeof(err)) == NULL &&
	    strstr(err, "/nonexistent/lexicon.txt") != NULL, "a missing lexicon: NULL, and the message names it");
	snprintf(path, sizeof(path), "%s/empty-lexicon.txt", dir);
	f = fopen(path, "w");
	fputs("no tabs here\n\n", f);
	fclose(f);
	ok(sentiment_lexicon_load(path, err, sizeof(err)) == NULL && strstr(err, "no entries") != NULL,
	    "a lexicon without entries is refused");
	unlink(path);
	ok(sentiment_lexicon_size(lx) == 7503, "the lexicon has its 7503 distinct tokens (7517 lines)");
}

int
main(void)
{
	const char *build = getenv("QUILL_BUILD");
	char path[4096], err[512];

	snprintf(path, sizeof(path), "%s/data/vader_lexicon.txt", build != NULL ? build : ".");
	if ((lx = sentiment_lexicon_load(path, err, sizeof(err))) == NULL)
		skip_all("no lexicon: build data/vader_lexicon.txt first (make)");
	test_known();
	test_odd_texts();
	test_threads();
	test_loading(getenv("QUILL_TEST_TMP") != NULL ? getenv("QUILL_TEST_TMP") : "/tmp");
	sentiment_lexicon_free(lx);
	return done_testing();
}
