/*
 * sentiment: see sentiment.h.
 *
 * The reference works on JavaScript strings, so the text is first decoded
 * to code points and every length is counted in UTF-16 units, every
 * split is at JavaScript's \s, and every lower-casing is toLowerCase as
 * far as the lexicon's keys can tell the difference.  Each step below
 * names the reference's own step it reproduces.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sentiment.h"
#include "lib/sentiment_lexicon.h"

#define B_INCR	0.293	/* a booster word's mean intensity increase */
#define B_DECR	(-0.293)
#define C_INCR	0.733	/* an ALL-CAPS word among others */
#define N_SCALAR (-0.74)	/* a negation */

static const char *const negations[] = {
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't",
	"can't", "couldn't", "daren't", "didn't", "doesn't", "dont", "hadnt", "hasnt", "havent",
	"isnt", "mightnt", "mustnt", "neither", "don't", "hadn't", "hasn't", "haven't", "isn't",
	"mightn't", "mustn't", "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing",
	"nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent", "oughtn't", "shan't",
	"shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont", "wouldnt", "won't", "wouldn't",
	"rarely", "seldom", "despite",
};

/* Degree adverbs: boosters raise a following sentiment word, dampeners lower it. */
static const struct {
	const char *word;
	double scalar;
} boosters[] = {
	{ "absolutely", B_INCR }, { "amazingly", B_INCR }, { "awfully", B_INCR },
	{ "completely", B_INCR }, { "considerably", B_INCR }, { "decidedly", B_INCR },
	{ "deeply", B_INCR }, { "effing", B_INCR }, { "enormously", B_INCR }, { "entirely", B_INCR },
	{ "especially", B_INCR }, { "exceptionally", B_INCR }, { "extremely", B_INCR },
	{ "fabulously", B_INCR }, { "flipping", B_INCR }, { "flippin", B_INCR }, { "fricking", B_INCR },
	{ "frickin", B_INCR }, { "frigging", B_INCR }, { "friggin", B_INCR }, { "fully", B_INCR },
	{ "fucking", B_INCR }, { "greatly", B_INCR }, { "hella", B_INCR }, { "highly", B_INCR },
	{ "hugely", B_INCR }, { "incredibly", B_INCR }, { "intensely", B_INCR }, { "majorly", B_INCR },
	{ "more", B_INCR }, { "most", B_INCR }, { "particularly", B_INCR }, { "purely", B_INCR },
	{ "quite", B_INCR }, { "really", B_INCR }, { "remarkably", B_INCR }, { "so", B_INCR },
	{ "substantially", B_INCR }, { "thoroughly", B_INCR }, { "totally", B_INCR },
	{ "tremendously", B_INCR }, { "uber", B_INCR }, { "unbelievably", B_INCR },
	{ "unusually", B_INCR }, { "utterly", B_INCR }, { "very", B_INCR },
	{ "almost", B_DECR }, { "barely", B_DECR }, { "hardly", B_DECR }, { "just enough", B_DECR },
	{ "kind of", B_DECR }, { "kinda", B_DECR }, { "kindof", B_DECR }, { "kind-of", B_DECR },
	{ "less", B_DECR }, { "little", B_DECR }, { "marginally", B_DECR }, { "occasionally", B_DECR },
	{ "partly", B_DECR }, { "scarcely", B_DECR }, { "slightly", B_DECR }, { "somewhat", B_DECR },
	{ "sort of", B_DECR }, { "sorta", B_DECR }, { "sortof", B_DECR }, { "sort-of", B_DECR },
};

/* Idioms whose words the lexicon knows, with the valence the whole takes. */
static const struct {
	const char *words;
	double valence;
} idioms[] = {
	{ "the shit", 3 }, { "the bomb", 3 }, { "bad ass", 1.5 }, { "yeah right", -2 },
	{ "cut the mustard", 2 }, { "kiss of death", -1.5 }, { "hand to mouth", -2 },
};

/* Punctuation that may stick to a word and be taken off it. */
static const char *const punctuation_marks[] = {
	".", "!", "?", ",", ";", ":", "-", "'", "\"", "!!", "!!!", "??", "???", "?!?", "!?!", "?!?!", "!?!?",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A chat message's working block (some 450 bytes of text) needs no malloc. */
#define ARENA_ON_STACK 16384

/* One word of the text, as the reference's words_and_emoticons holds it. */
struct token {
	const char *text;	/* UTF-8, NUL-terminated */
	const char *lower;	/* text lower-cased */
	bool upper;		/* Python's isupper: some A-Z and no a-z */
	bool in_lexicon;	/* lower is in the lexicon, with valence */
	bool is_booster;	/* lower is a booster or dampener, with scalar */
	bool negation;		/* text is a negation, or has n't in it */
	double valence, scalar;
};

/* --- reading the text --- */

/*
 * The next code point of s (n bytes left).  A broken sequence is one
 * U+FFFD for as many of its bytes as could have begun a valid one (the
 * "maximal subpart" of the WHATWG decoder, which node uses), so that the
 * words, and their UTF-16 lengths, are the ones the reference sees.
 */
static uint32_t
next_code_point(const unsigned char *s, size_t n, size_t *used)
{
	uint32_t c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;	/* the second byte's range */
	size_t len;

	*used = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, lo = c == 0 ? 0xa0 : 0x80, hi = c == 0x0d ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, lo = c == 0 ? 0x90 : 0x80, hi = c == 4 ? 0x8f : 0xbf;
	else
		return 0xfffd;
	for (size_t i = 1; i < len; i++) {
		if (i >= n || s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf)) {
			*used = i;
			return 0xfffd;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*used = len;
	return c;
}

/* JavaScript's \s: the white space and line terminators of ECMAScript. */
static bool
is_js_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 || c == 0xfeff;
}

static bool
is_ascii_punct(uint32_t c)
{
	return c < 0x80 && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", (int)c) != NULL && c != 0;
}

static size_t
utf16_units(const uint32_t *cp, size_t n)
{
	size_t units = 0;

	for (size_t i = 0; i < n; i++)
		units += cp[i] >= 0x10000 ? 2 : 1;
	return units;
}

static char *
put_utf8(char *out, uint32_t c)
{
	if (c == 0) {
		/* as C0 80, so that a NUL ends no word early; it matches no key either way */
		*out++ = (char)0xc0;
		*out++ = (char)0x80;
	} else if (c < 0x80) {
		*out++ = (char)c;
	} else if (c < 0x800) {
		*out++ = (char)(0xc0 | c >> 6);
		*out++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*out++ = (char)(0xe0 | c >> 12);
		*out++ = (char)(0x80 | (c >> 6 & 0x3f));
		*out++ = (char)(0x80 | (c & 0x3f));
	} else {
		*out++ = (char)(0xf0 | c >> 18);
		*out++ = (char)(0x80 | (c >> 12 & 0x3f));
		*out++ = (char)(0x80 | (c >> 6 & 0x3f));
		*out++ = (char)(0x80 | (c & 0x3f));
	}
	return out;
}

/*
 * toLowerCase, as far as the lexicon and the word lists can see: their
 * keys are ASCII but for two emoticons written with a capital thorn,
 * which therefore never match a lower-cased word.  So ASCII, the Latin-1
 * capitals (thorn among them) and the two capitals whose lower case is
 * ASCII (KELVIN SIGN; DOTTED CAPITAL I, which becomes i and a combining
 * dot) are mapped; other letters cannot make a key match either way.
 */
static char *
put_lower(char *out, uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	else if ((c >= 0xc0 && c <= 0xde && c != 0xd7))
		c += 0x20;
	else if (c == 0x212a)
		c = 'k';
	else if (c == 0x130) {
		out = put_utf8(out, 'i');
		c = 0x307;
	}
	return put_utf8(out, c);
}

/* Python's str.isupper() as the reference writes it: /^[^a-z]*[A-Z]+[^a-z]*$/. */
static bool
is_upper(const char *s)
{
	bool capital = false;

	for (; *s != '\0'; s++) {
		if (*s >= 'a' && *s <= 'z')
			return false;
		if (*s >= 'A' && *s <= 'Z')
			capital = true;
	}
	return capital;
}

/* The mark at the end of a word that is only punctuation, when it is one that is taken off. */
static bool
is_known_mark(const uint32_t *cp, size_t n)
{
	for (size_t i = 0; i < NELEM(punctuation_marks); i++) {
		const char *m = punctuation_marks[i];
		size_t k = 0;

		while (k < n && m[k] != '\0' && (uint32_t)(unsigned char)m[k] == cp[k])
			k++;
		if (k == n && m[k] == '\0')
			return true;
	}
	return false;
}

/*
 * get_words_and_emoticons: the words of more than one UTF-16 unit,
 * where a word with a known mark on one side only, and what is left is
 * a word of more than one unit without punctuation, loses the mark.
 */
static size_t
make_token(const uint32_t *cp, size_t n, char **store, struct token *t)
{
	size_t lead = 0, trail = 0, from = 0, to = n;
	char *p = *store;

	if (utf16_units(cp, n) <= 1)
		return 0;
	while (lead < n && is_ascii_punct(cp[lead]))
		lead++;
	while (trail < n - lead && is_ascii_punct(cp[n - 1 - trail]))
		trail++;
	if ((lead > 0) != (trail > 0) && lead + trail < n) {
		size_t wf = lead, wt = n - trail;
		bool clean = true;

		for (size_t i = wf; i < wt && clean; i++)
			clean = !is_ascii_punct(cp[i]);
		if (clean && utf16_units(cp + wf, wt - wf) > 1 &&
		    (lead > 0 ? is_known_mark(cp, lead) : is_known_mark(cp + wt, trail))) {
			from = wf;
			to = wt;
		}
	}
	t->text = p;
	for (size_t i = from; i < to; i++)
		p = put_utf8(p, cp[i]);
	*p++ = '\0';
	t->lower = p;
	for (size_t i = from; i < to; i++)
		p = put_lower(p, cp[i]);
	*p++ = '\0';
	t->upper = is_upper(t->text);
	*store = p;
	return 1;
}

/* --- the reference's checks --- */

/* The word lists in order, for bsearch; sorted once per process. */
static const char *sorted_boosters[NELEM(boosters)], *sorted_negations[NELEM(negations)];
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int
compare_words(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
sort_word_lists(void)
{
	for (size_t i = 0; i < NELEM(boosters); i++)
		sorted_boosters[i] = boosters[i].word;
	for (size_t i = 0; i < NELEM(negations); i++)
		sorted_negations[i] = negations[i];
	qsort(sorted_boosters, NELEM(boosters), sizeof(sorted_boosters[0]), compare_words);
	qsort(sorted_negations, NELEM(negations), sizeof(sorted_negations[0]), compare_words);
}

static bool
booster(const char *word, double *scalar)
{
	const char **hit = bsearch(&word, sorted_boosters, NELEM(boosters), sizeof(sorted_boosters[0]), compare_words);

	if (hit == NULL)
		return false;
	for (size_t i = 0; i < NELEM(boosters); i++)
		if (boosters[i].word == *hit)
			*scalar = boosters[i].scalar;
	return true;
}

/* negated() of one word: a negation, or anything with n't. */
static bool
negated(const char *word)
{
	return bsearch(&word, sorted_negations, NELEM(negations), sizeof(sorted_negations[0]), compare_words) != NULL ||
	    strstr(word, "n't") != NULL;
}

/* What the checks ask of a word, asked once. */
static void
classify(const struct sentiment_lexicon *lx, struct token *t)
{
	t->in_lexicon = sentiment_lexicon_get(lx, t->lower, strlen(t->lower), &t->valence);
	t->is_booster = booster(t->lower, &t->scalar);
	t->negation = negated(t->text);
}

/* scalar_inc_dec: what a preceding booster or dampener adds. */
static double
scalar_inc_dec(const struct token *w, double valence, bool cap_diff)
{
	double scalar = 0.0;

	if (w->is_booster) {
		scalar = w->scalar;
		if (valence < 0)
			scalar *= -1;
		if (cap_diff && w->upper) {
			if (valence > 0)
				scalar += C_INCR;
			else
				scalar -= C_INCR;
		}
	}
	return scalar;
}

static double
never_check(double valence, const struct token *w, int start_i, size_t i)
{
	if (start_i == 0 && w[i - 1].negation)
		valence = valence * N_SCALAR;
	if (start_i == 1) {
		if (strcmp(w[i - 2].text, "never") == 0 &&
		    (strcmp(w[i - 1].text, "so") == 0 || strcmp(w[i - 1].text, "this") == 0))
			valence = valence * 1.5;
		else if (w[i - 2].negation)
			valence = valence * N_SCALAR;
	}
	if (start_i == 2) {
		if ((strcmp(w[i - 3].text, "never") == 0 &&
		    (strcmp(w[i - 2].text, "so") == 0 || strcmp(w[i - 2].text, "this") == 0)) ||
		    strcmp(w[i - 1].text, "so") == 0 || strcmp(w[i - 1].text, "this") == 0)
			valence = valence * 1.25;
		else if (w[i - 3].negation)
			valence = valence * N_SCALAR;
	}
	return valence;
}

/* 1 when the n words from w[first] joined by single spaces are phrase. */
static bool
words_are(const struct token *w, size_t first, size_t n, const char *phrase)
{
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(w[first + k].text);

		if (strncmp(phrase, w[first + k].text, len) != 0)
			return false;
		phrase += len;
		if (k + 1 < n && *phrase++ != ' ')
			return false;
	}
	return *phrase == '\0';
}

static bool
idiom(const struct token *w, size_t first, size_t n, double *valence)
{
	for (size_t k = 0; k < NELEM(idioms); k++)
		if (words_are(w, first, n, idioms[k].words)) {
			*valence = idioms[k].valence;
			return true;
		}
	return false;
}

static bool
booster_phrase(const struct token *w, size_t first)
{
	for (size_t k = 0; k < NELEM(boosters); k++)
		if (words_are(w, first, 2, boosters[k].word))
			return true;
	return false;
}

/* idioms_check, reached with i >= 3. */
static double
idioms_check(double valence, const struct token *w, size_t n, size_t i)
{
	/* onezero, twoonezero, twoone, threetwoone, threetwo: the first that is an idiom */
	static const struct {
		size_t back, len;
	} seq[] = { { 1, 2 }, { 2, 3 }, { 2, 2 }, { 3, 3 }, { 3, 2 } };

	for (size_t k = 0; k < NELEM(seq); k++)
		if (idiom(w, i - seq[k].back, seq[k].len, &valence))
			break;
	if (n - 1 > i)
		idiom(w, i, 2, &valence);
	if (n - 1 > i + 1)
		idiom(w, i, 3, &valence);
	if (booster_phrase(w, i - 3) || booster_phrase(w, i - 2))
		valence = valence + B_DECR;
	return valence;
}

static double
least_check(double valence, const struct token *w, size_t i)
{
	if (i > 1 && strcmp(w[i - 1].lower, "least") == 0 && !w[i - 1].in_lexicon) {
		if (strcmp(w[i - 2].lower, "at") != 0 && strcmp(w[i - 2].lower, "very") != 0)
			valence = valence * N_SCALAR;
	} else if (i > 0 && strcmp(w[i - 1].lower, "least") == 0 && !w[i - 1].in_lexicon)
		valence = valence * N_SCALAR;
	return valence;
}

/* sentiment_valence: the valence of word i in its context. */
static double
word_valence(const struct token *w, size_t n, size_t i, bool cap_diff)
{
	double valence;

	if (!w[i].in_lexicon)
		return 0;
	valence = w[i].valence;
	if (w[i].upper && cap_diff) {
		if (valence > 0)
			valence += C_INCR;
		else
			valence -= C_INCR;
	}
	for (int start_i = 0; start_i < 3; start_i++) {
		const struct token *before;
		double s;

		if (i <= (size_t)start_i)
			continue;
		before = &w[i - (size_t)(start_i + 1)];
		if (before->in_lexicon)
			continue;
		s = scalar_inc_dec(before, valence, cap_diff);
		if (start_i == 1 && s != 0)
			s = s * 0.95;
		else if (start_i == 2 && s != 0)
			s = s * 0.9;
		valence = valence + s;
		valence = never_check(valence, w, start_i, i);
		if (start_i == 2)
			valence = idioms_check(valence, w, n, i);
	}
	return least_check(valence, w, i);
}

/* --- the scores --- */

/*
 * Number.prototype.toFixed then parseFloat: x rounded to digits decimals
 * on its exact value, a tie going away from zero where printf would take
 * the even digit.  %.*f prints the exact expansion, so the digit after
 * the last kept one decides: from 5 on, away from zero.
 */
static double
js_fixed(double x, int digits)
{
	char buf[400], *dot, *last;
	double scale = pow(10, digits), r = fabs(x) * scale, whole = floor(r);

	/* far from a tie, ordinary rounding decides, and n / 10^d is the double
	   parseFloat would make of the digits (one correctly rounded division) */
	if (fabs(r - whole - 0.5) > 1e-6) {
		double n = r - whole > 0.5 ? whole + 1 : whole;

		return x < 0 && n != 0 ? -(n / scale) : n / scale;
	}
	snprintf(buf, sizeof(buf), "%.*f", digits + 120, fabs(x));
	if ((dot = strchr(buf, '.')) == NULL)
		return x;
	last = dot + digits;
	if (last[1] >= '5') {
		/* add one in the last kept place, carrying leftwards */
		ptrdiff_t i = last - buf;

		for (; i >= 0; i--) {
			if (buf[i] == '.')
				continue;
			if (buf[i] != '9') {
				buf[i]++;
				break;
			}
			buf[i] = '0';
		}
		if (i < 0) {
			memmove(buf + 1, buf, strlen(buf) + 1);
			buf[0] = '1';
			last++;
		}
	}
	last[1] = '\0';
	/* a negative x that rounds to zero is 0, not -0, as it prints */
	return x < 0 && strtod(buf, NULL) != 0 ? -strtod(buf, NULL) : strtod(buf, NULL);
}

static double
normalize(double score)
{
	double norm = score / sqrt(score * score + 15);

	return norm < -1.0 ? -1.0 : norm > 1.0 ? 1.0 : norm;
}

/* amplify_ep + amplify_qm over the whole text. */
static double
punctuation_emphasis(const char *text, size_t len)
{
	size_t ep = 0, qm = 0;
	double amp;

	for (size_t i = 0; i < len; i++) {
		ep += text[i] == '!';
		qm += text[i] == '?';
	}
	amp = (double)(ep > 4 ? 4 : ep) * 0.292;
	if (qm > 1)
		amp += qm <= 3 ? (double)qm * 0.18 : 0.96;
	return amp;
}

static void
score_valence(const double *sentiments, size_t n, const char *text, size_t len, struct sentiment_scores *out)
{
	double sum = 0, amp, pos_sum = 0, neg_sum = 0, total;
	size_t neu_count = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		sum += sentiments[i];
	amp = punctuation_emphasis(text, len);
	if (sum > 0)
		sum += amp;
	else if (sum < 0)
		sum -= amp;
	for (size_t i = 0; i < n; i++) {
		if (sentiments[i] > 0)
			pos_sum += sentiments[i] + 1;
		else if (sentiments[i] < 0)
			neg_sum += sentiments[i] - 1;
		else
			neu_count++;
	}
	if (pos_sum > fabs(neg_sum))
		pos_sum += amp;
	else if (pos_sum < fabs(neg_sum))
		neg_sum -= amp;
	total = pos_sum + fabs(neg_sum) + (double)neu_count;
	out->neg = js_fixed(fabs(neg_sum / total), 3);
	out->neu = js_fixed(fabs((double)neu_count / total), 3);
	out->pos = js_fixed(fabs(pos_sum / total), 3);
	out->compound = js_fixed(normalize(sum), 4);
}

int
sentiment_score(const struct sentiment_lexicon *lx, const char *text, size_t len, struct sentiment_scores *out)
{
	/*
	 * One working block: the code points (at most one a byte), the words
	 * (each at least two units and a separator: fewer than len / 2 + 1),
	 * a valence for each, and each word's text and lower case, neither
	 * more than three bytes for each byte read (a bad byte becomes U+FFFD).
	 */
	_Alignas(max_align_t) char arena[ARENA_ON_STACK];
	size_t max_tok = len / 2 + 1, cp_bytes = (len * sizeof(uint32_t) + 7) & ~(size_t)7;
	size_t tok_bytes = max_tok * sizeof(struct token), val_bytes = max_tok * sizeof(double);
	size_t need = cp_bytes + tok_bytes + val_bytes + 6 * len + 2 * max_tok;
	char *block = len > SIZE_MAX / 64 ? NULL : need <= sizeof(arena) ? arena : malloc(need);
	size_t ncp = 0, ntok = 0, start = 0, but = SIZE_MAX, caps = 0;
	uint32_t *cp = (uint32_t *)block;
	struct token *w;
	double *sentiments;
	char *store;
	bool cap_diff;

	memset(out, 0, sizeof(*out));
	if (block == NULL)
		return -1;
	for (size_t i = 0, used; i < len; i += used)
		cp[ncp++] = next_code_point((const unsigned char *)text + i, len - i, &used);
	w = (struct token *)(block + cp_bytes);
	sentiments = (double *)(block + cp_bytes + tok_bytes);
	store = block + cp_bytes + tok_bytes + val_bytes;
	for (size_t i = 0; i <= ncp; i++)
		if (i == ncp || is_js_space(cp[i])) {
			ntok += make_token(cp + start, i - start, &store, &w[ntok]);
			start = i + 1;
		}
	pthread_once(&sorted_once, sort_word_lists);
	/* allcap_differential, and what each word is */
	for (size_t i = 0; i < ntok; i++) {
		caps += w[i].upper;
		classify(lx, &w[i]);
	}
	cap_diff = ntok - caps > 0 && ntok - caps < ntok;
	for (size_t i = 0; i < ntok; i++) {
		if ((i + 1 < ntok && strcmp(w[i].lower, "kind") == 0 && strcmp(w[i + 1].lower, "of") == 0) ||
		    w[i].is_booster)
			sentiments[i] = 0;
		else
			sentiments[i] = word_valence(w, ntok, i, cap_diff);
	}
	/* but_check: the first "but", else the first "BUT" */
	for (size_t i = 0; i < ntok && but == SIZE_MAX; i++)
		if (strcmp(w[i].text, "but") == 0)
			but = i;
	for (size_t i = 0; i < ntok && but == SIZE_MAX; i++)
		if (strcmp(w[i].text, "BUT") == 0)
			but = i;
	if (but != SIZE_MAX)
		for (size_t i = 0; i < ntok; i++) {
			if (i < but)
				sentiments[i] = sentiments[i] * 0.5;
			else if (i > but)
				sentiments[i] = sentiments[i] * 1.5;
		}
	score_valence(sentiments, ntok, text, len, out);
	if (block != arena)
		free(block);
	return 0;
}
