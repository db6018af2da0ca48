/*
 * amount_words: amounts in words (Vietnamese, English) read as exact
 * numbers; the contract is in amount_words.h.
 *
 * SECURITY: the text comes from OCR of an uploaded image.  It is read
 * word by word through one lexer that never looks past len; each word
 * is normalised into a fixed buffer on the stack (words longer than any
 * number word are not normalised at all); arithmetic is checked for
 * overflow.  Nothing is allocated.
 */
#include <string.h>
#include <strings.h>

#include "lib/amount_words.h"
#include "lib/text.h"

/* --- words --------------------------------------------------------------- */

struct lexer {
	const char *s;
	size_t len, pos;
};

/* Bytes that part words: ASCII other than letters and digits, and lib/text's blanks. */
static size_t
sep_len(const struct lexer *lx, size_t i)
{
	unsigned char c = (unsigned char)lx->s[i];

	if (c >= 0x80)
		return text_blank_at(lx->s + i, lx->len - i);
	return text_is_digit(c) || text_is_alpha(c) ? 0 : 1;
}

/* The next word at or after pos, as [*b, *e); false at the end. Does not move pos. */
static bool
lex_peek_span(const struct lexer *lx, size_t *b, size_t *e)
{
	size_t i = lx->pos, n;

	while (i < lx->len && (n = sep_len(lx, i)) > 0)
		i += n;
	if (i >= lx->len)
		return false;
	*b = i;
	while (i < lx->len && sep_len(lx, i) == 0)
		i++;
	*e = i;
	return true;
}

/* --- Vietnamese ---------------------------------------------------------- */

enum vkind { V_OTHER, V_DIGIT, V_TEN, V_LINH, V_HUNDRED, V_SCALE, V_END };
/* The units that only follow a ten: mốt (21), lăm/nhăm (15, 25), tư (24). */
enum vvariant { VV_PLAIN, VV_MOT, VV_LAM, VV_TU, VV_ANY };

struct vword {
	const char *form;
	enum vkind kind;
	unsigned char value;	/* the digit, or the scale's power of 1000 */
	unsigned char variant;
};

/* The forms in NFC, lower case (a test checks that they are). */
static const struct vword vi_exact[] = {
	{ "không", V_DIGIT, 0, VV_PLAIN }, { "một", V_DIGIT, 1, VV_PLAIN },
	{ "mốt", V_DIGIT, 1, VV_MOT }, { "hai", V_DIGIT, 2, VV_PLAIN },
	{ "ba", V_DIGIT, 3, VV_PLAIN }, { "bốn", V_DIGIT, 4, VV_PLAIN },
	{ "tư", V_DIGIT, 4, VV_TU }, { "năm", V_DIGIT, 5, VV_PLAIN },
	{ "lăm", V_DIGIT, 5, VV_LAM }, { "nhăm", V_DIGIT, 5, VV_LAM },
	{ "sáu", V_DIGIT, 6, VV_PLAIN }, { "bảy", V_DIGIT, 7, VV_PLAIN },
	{ "bẩy", V_DIGIT, 7, VV_PLAIN }, { "tám", V_DIGIT, 8, VV_PLAIN },
	{ "chín", V_DIGIT, 9, VV_PLAIN }, { "mười", V_TEN, 0, 0 },
	{ "mươi", V_TEN, 0, 0 }, { "linh", V_LINH, 0, 0 }, { "lẻ", V_LINH, 0, 0 },
	{ "trăm", V_HUNDRED, 0, 0 }, { "nghìn", V_SCALE, 1, 0 },
	{ "ngàn", V_SCALE, 1, 0 }, { "triệu", V_SCALE, 2, 0 },
	{ "tỷ", V_SCALE, 3, 0 }, { "tỉ", V_SCALE, 3, 0 },
	{ "đồng", V_END, 0, 0 }, { "chẵn", V_END, 0, 0 },
	{ "vnđ", V_END, 0, 0 }, { "vnd", V_END, 0, 0 },
};

/*
 * The same words with their marks stripped.  "mot" is một or mốt, so
 * it may stand where either can; "nam" could also be "Nam" of Việt Nam,
 * which is why such matches are counted in marks_dropped.
 */
static const struct vword vi_stripped[] = {
	{ "khong", V_DIGIT, 0, VV_PLAIN }, { "mot", V_DIGIT, 1, VV_ANY },
	{ "bon", V_DIGIT, 4, VV_PLAIN }, { "tu", V_DIGIT, 4, VV_TU },
	{ "nam", V_DIGIT, 5, VV_PLAIN }, { "lam", V_DIGIT, 5, VV_LAM },
	{ "nham", V_DIGIT, 5, VV_LAM }, { "sau", V_DIGIT, 6, VV_PLAIN },
	{ "bay", V_DIGIT, 7, VV_PLAIN }, { "tam", V_DIGIT, 8, VV_PLAIN },
	{ "chin", V_DIGIT, 9, VV_PLAIN }, { "muoi", V_TEN, 0, 0 },
	{ "le", V_LINH, 0, 0 }, { "tram", V_HUNDRED, 0, 0 },
	{ "nghin", V_SCALE, 1, 0 }, { "ngan", V_SCALE, 1, 0 },
	{ "trieu", V_SCALE, 2, 0 }, { "ty", V_SCALE, 3, 0 }, { "ti", V_SCALE, 3, 0 },
	{ "dong", V_END, 0, 0 }, { "chan", V_END, 0, 0 },
};

struct vtok {
	size_t b, e;
	enum vkind kind;
	unsigned value, variant;
	bool stripped;
};

static const struct vword *
vi_lookup(const struct vword *t, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].form, w) == 0)
			return &t[i];
	return NULL;
}

/*
 * "triệ u", "m ột": a number word OCR split in two at one space, neither
 * part one of its own; t then spans both, read as marks dropped (trusted
 * less).  NULL when the two are no number word together.
 */
static const struct vword *
vi_split_word(const struct lexer *lx, struct vtok *t)
{
	struct lexer next = *lx;
	char joined[TEXT_WORD_MAX * 4 + 1], w[TEXT_WORD_MAX * 4 + 1];
	const struct vword *v = NULL;
	size_t b, e, n1 = t->e - t->b;

	next.pos = t->e;
	if (t->e + 1 >= lx->len || lx->s[t->e] != ' ' || !lex_peek_span(&next, &b, &e) || b != t->e + 1 ||
	    n1 + (e - b) >= sizeof(joined))
		return NULL;
	if (text_fold_word(lx->s + b, e - b, true, w, sizeof(w)) &&
	    vi_lookup(vi_stripped, sizeof(vi_stripped) / sizeof(vi_stripped[0]), w) != NULL)
		return NULL;	/* the second part is a word of its own: "hai mươi", not a split */
	memcpy(joined, lx->s + t->b, n1);
	memcpy(joined + n1, lx->s + b, e - b);
	if (text_fold_word(joined, n1 + (e - b), false, w, sizeof(w)))
		v = vi_lookup(vi_exact, sizeof(vi_exact) / sizeof(vi_exact[0]), w);
	if (v == NULL && text_fold_word(joined, n1 + (e - b), true, w, sizeof(w)))
		v = vi_lookup(vi_stripped, sizeof(vi_stripped) / sizeof(vi_stripped[0]), w);
	if (v != NULL) {
		t->e = e;
		t->stripped = true;
	}
	return v;
}

static bool
vi_peek(const struct lexer *lx, struct vtok *t)
{
	char w[TEXT_WORD_MAX * 4 + 1];
	const struct vword *v = NULL;

	if (!lex_peek_span(lx, &t->b, &t->e))
		return false;
	t->stripped = false;
	if (text_fold_word(lx->s + t->b, t->e - t->b, false, w, sizeof(w)))
		v = vi_lookup(vi_exact, sizeof(vi_exact) / sizeof(vi_exact[0]), w);
	if (v == NULL && text_fold_word(lx->s + t->b, t->e - t->b, true, w, sizeof(w))) {
		v = vi_lookup(vi_stripped, sizeof(vi_stripped) / sizeof(vi_stripped[0]), w);
		t->stripped = v != NULL;
	}
	if (v == NULL)
		v = vi_split_word(lx, t);
	t->kind = v ? v->kind : V_OTHER;
	t->value = v ? v->value : 0;
	t->variant = v ? v->variant : 0;
	return true;
}

static bool
vi_peek_kind(const struct lexer *lx, enum vkind kind, struct vtok *t)
{
	return vi_peek(lx, t) && t->kind == kind;
}

struct vparse {
	struct lexer lx;
	size_t last_end;	/* the end of the last word taken */
	unsigned marks_dropped;
};

static void
vi_take(struct vparse *p, const struct vtok *t)
{
	p->lx.pos = t->e;
	p->last_end = t->e;
	p->marks_dropped += t->stripped;
}

struct part {
	bool got;	/* words were taken */
	bool bare;	/* one digit word alone: "hai" */
	uint64_t value;
};

/*
 * One group below a thousand: [D trăm] [linh D | D mươi | mười] [D].
 * The units' variants hold only after a ten (hai mươi mốt, mười lăm);
 * elsewhere they are the colloquial short forms -- "hai trăm mốt" is
 * 210 -- and so is a unit right after trăm ("ba trăm hai", 320 or 302).
 */
static enum amount_words_status
vi_group(struct vparse *p, struct part *g)
{
	struct vtok a, b;
	int h = -1, t = -1, u = -1;
	bool linh = false;
	struct vparse save;

	memset(g, 0, sizeof(*g));
	if (vi_peek_kind(&p->lx, V_DIGIT, &a)) {
		save = *p;
		vi_take(p, &a);
		if (vi_peek_kind(&p->lx, V_HUNDRED, &b) && (a.variant == VV_PLAIN || a.variant == VV_ANY)) {
			vi_take(p, &b);
			h = (int)a.value;
		} else
			*p = save;
	}
	if (vi_peek_kind(&p->lx, V_LINH, &a)) {
		vi_take(p, &a);
		linh = true;
		if (!vi_peek_kind(&p->lx, V_DIGIT, &b) || b.value == 0 || b.variant == VV_LAM || b.variant == VV_MOT)
			return AMOUNT_WORDS_NOT_AN_AMOUNT;
		vi_take(p, &b);
		u = (int)b.value;
		goto done;
	}
	if (vi_peek_kind(&p->lx, V_TEN, &a)) {
		vi_take(p, &a);
		t = 1;
	} else if (vi_peek_kind(&p->lx, V_DIGIT, &a) && a.value >= 2 &&
	    (a.variant == VV_PLAIN || a.variant == VV_ANY)) {
		save = *p;
		vi_take(p, &a);
		if (vi_peek_kind(&p->lx, V_TEN, &b)) {
			vi_take(p, &b);
			t = (int)a.value;
		} else
			*p = save;
	}
	if (vi_peek_kind(&p->lx, V_DIGIT, &a) && (a.value > 0 || (h < 0 && t < 0))) {
		if ((a.variant == VV_MOT && t < 2) || (a.variant == VV_LAM && t < 1) ||
		    (a.variant == VV_TU && t < 1))
			return AMOUNT_WORDS_AMBIGUOUS;
		vi_take(p, &a);
		u = (int)a.value;
	}
done:
	if (h < 0 && t < 0 && u < 0)
		return AMOUNT_WORDS_OK;
	if (h >= 0 && t < 0 && !linh && u >= 0)
		return AMOUNT_WORDS_AMBIGUOUS;
	g->got = true;
	g->bare = h < 0 && t < 0 && !linh;
	g->value = (uint64_t)(h > 0 ? h : 0) * 100 + (uint64_t)(t > 0 ? t : 0) * 10 + (uint64_t)(u > 0 ? u : 0);
	return AMOUNT_WORDS_OK;
}

/*
 * A number whose scale words are at most level (1 nghìn, 2 triệu, 3 tỷ):
 * parts of the level below, each followed by k >= 0 of this level's
 * scale word -- "một nghìn tỷ" is (một nghìn) tỷ, "một tỷ tỷ" 10^18.
 * The ks must fall and each part must be smaller than the unit of the
 * one before ("hai tỷ ba trăm triệu"), as digits in positions are.
 */
static enum amount_words_status
vi_level(struct vparse *p, int level, struct part *out)
{
	uint64_t scale = 1, bound = 0, total = 0;
	unsigned prev_k = 0;
	int parts = 0;

	if (level == 0)
		return vi_group(p, out);
	for (int i = 0; i < level; i++)
		scale *= 1000;
	memset(out, 0, sizeof(*out));
	for (;;) {
		struct part x;
		struct vtok t;
		enum amount_words_status st = vi_level(p, level - 1, &x);
		uint64_t c;
		unsigned k = 0;

		if (st != AMOUNT_WORDS_OK)
			return st;
		if (!x.got)
			break;
		c = x.value;
		while (vi_peek_kind(&p->lx, V_SCALE, &t) && t.value == (unsigned)level) {
			vi_take(p, &t);
			k++;
			if (__builtin_mul_overflow(c, scale, &c))
				return AMOUNT_WORDS_OVERFLOW;
		}
		if (k > 0 && x.value == 0)
			return AMOUNT_WORDS_NOT_AN_AMOUNT;	/* "không nghìn" */
		if (parts > 0) {
			if (k >= prev_k || c >= bound)
				return AMOUNT_WORDS_NOT_AN_AMOUNT;
			/* "một nghìn hai": 1002 or 1200; but "hai triệu ba tỷ" is no number */
			if (k == 0 && x.bare)
				return vi_peek_kind(&p->lx, V_SCALE, &t) ? AMOUNT_WORDS_NOT_AN_AMOUNT : AMOUNT_WORDS_AMBIGUOUS;
		}
		if (__builtin_add_overflow(total, c, &total))
			return AMOUNT_WORDS_OVERFLOW;
		out->bare = parts == 0 && k == 0 && x.bare;
		parts++;
		if (k == 0)
			break;
		prev_k = k;
		bound = 1;
		for (unsigned i = 0; i < k; i++)
			bound *= scale;	/* c = x * bound did not overflow, so neither does bound */
	}
	out->got = parts > 0;
	out->value = total;
	return AMOUNT_WORDS_OK;
}

static void
reset(struct amount_words *out)
{
	memset(out, 0, sizeof(*out));
}

static enum amount_words_status
fail(struct amount_words *out, enum amount_words_status st)
{
	out->value = 0;
	out->minor = 0;
	out->has_minor = false;
	out->decimal[0] = '\0';
	return st;
}

/* Writes v in decimal to buf (at least 21 bytes); returns the length. */
static size_t
put_u64(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return i;
}

enum amount_words_status
amount_words_vi(const char *s, size_t len, struct amount_words *out)
{
	struct vparse p = { { s, len, 0 }, 0, 0 };
	struct vtok t;
	struct part num;
	enum amount_words_status st;

	reset(out);
	/* Skip the label: up to the first word a number can begin with. */
	for (;;) {
		if (!vi_peek(&p.lx, &t))
			return fail(out, AMOUNT_WORDS_NOT_AN_AMOUNT);
		if (t.kind == V_DIGIT || t.kind == V_TEN)
			break;
		p.lx.pos = t.e;
	}
	out->start = t.b;
	st = vi_level(&p, 3, &num);
	if (st != AMOUNT_WORDS_OK)
		return fail(out, st);
	if (!num.got)
		return fail(out, AMOUNT_WORDS_NOT_AN_AMOUNT);
	/* A number word the grammar could not place: "hai ba", "trăm" alone. */
	if (vi_peek(&p.lx, &t) && t.kind != V_OTHER && t.kind != V_END)
		return fail(out, AMOUNT_WORDS_NOT_AN_AMOUNT);
	while (vi_peek_kind(&p.lx, V_END, &t))
		vi_take(&p, &t);
	/* A second number after the currency: which one is the amount? */
	if (vi_peek(&p.lx, &t) && t.kind != V_OTHER)
		return fail(out, AMOUNT_WORDS_AMBIGUOUS);
	out->value = num.value;
	out->end = p.last_end;
	out->marks_dropped = p.marks_dropped;
	put_u64(out->decimal, num.value);
	return AMOUNT_WORDS_OK;
}

/* --- English ------------------------------------------------------------- */

enum ekind { E_OTHER, E_UNIT, E_TENS, E_HUNDRED, E_SCALE, E_AND, E_MAJOR, E_MINOR, E_ONLY, E_FIGURES };

struct eword {
	const char *form;
	enum ekind kind;
	uint64_t value;
};

static const struct eword en_words[] = {
	{ "zero", E_UNIT, 0 }, { "one", E_UNIT, 1 }, { "two", E_UNIT, 2 }, { "three", E_UNIT, 3 },
	{ "four", E_UNIT, 4 }, { "five", E_UNIT, 5 }, { "six", E_UNIT, 6 }, { "seven", E_UNIT, 7 },
	{ "eight", E_UNIT, 8 }, { "nine", E_UNIT, 9 }, { "ten", E_UNIT, 10 }, { "eleven", E_UNIT, 11 },
	{ "twelve", E_UNIT, 12 }, { "thirteen", E_UNIT, 13 }, { "fourteen", E_UNIT, 14 },
	{ "fifteen", E_UNIT, 15 }, { "sixteen", E_UNIT, 16 }, { "seventeen", E_UNIT, 17 },
	{ "eighteen", E_UNIT, 18 }, { "nineteen", E_UNIT, 19 },
	{ "twenty", E_TENS, 20 }, { "thirty", E_TENS, 30 }, { "forty", E_TENS, 40 },
	{ "fourty", E_TENS, 40 }, { "fifty", E_TENS, 50 }, { "sixty", E_TENS, 60 },
	{ "seventy", E_TENS, 70 }, { "eighty", E_TENS, 80 }, { "ninety", E_TENS, 90 },
	{ "hundred", E_HUNDRED, 100 }, { "thousand", E_SCALE, 1000 },
	{ "million", E_SCALE, 1000000 }, { "billion", E_SCALE, 1000000000 },
	{ "trillion", E_SCALE, 1000000000000ULL }, { "and", E_AND, 0 },
	{ "dollar", E_MAJOR, 0 }, { "dollars", E_MAJOR, 0 }, { "euro", E_MAJOR, 0 },
	{ "euros", E_MAJOR, 0 }, { "pound", E_MAJOR, 0 }, { "pounds", E_MAJOR, 0 },
	{ "ringgit", E_MAJOR, 0 }, { "cent", E_MINOR, 0 }, { "cents", E_MINOR, 0 },
	{ "sen", E_MINOR, 0 }, { "pence", E_MINOR, 0 }, { "only", E_ONLY, 0 },
};

struct etok {
	size_t b, e;
	enum ekind kind;
	uint64_t value;
};

static bool
en_peek(const struct lexer *lx, struct etok *t)
{
	size_t n;

	if (!lex_peek_span(lx, &t->b, &t->e))
		return false;
	n = t->e - t->b;
	t->kind = E_OTHER;
	t->value = 0;
	if (n <= 2 && lx->s[t->b] >= '0' && lx->s[t->b] <= '9' &&
	    (n == 1 || (lx->s[t->b + 1] >= '0' && lx->s[t->b + 1] <= '9'))) {
		t->kind = E_FIGURES;
		t->value = (uint64_t)(lx->s[t->b] - '0');
		if (n == 2)
			t->value = t->value * 10 + (uint64_t)(lx->s[t->b + 1] - '0');
		return true;
	}
	for (size_t i = 0; i < sizeof(en_words) / sizeof(en_words[0]); i++)
		if (strlen(en_words[i].form) == n && strncasecmp(en_words[i].form, lx->s + t->b, n) == 0) {
			t->kind = en_words[i].kind;
			t->value = en_words[i].value;
			break;
		}
	return true;
}

static bool
en_peek_kind(const struct lexer *lx, enum ekind kind, struct etok *t)
{
	return en_peek(lx, t) && t->kind == kind;
}

static bool
en_is_number(enum ekind k)
{
	return k == E_UNIT || k == E_TENS || k == E_HUNDRED || k == E_SCALE;
}

/*
 * Whether the number words from pos on end in a minor part: "cents", or
 * figures followed by "/100".  Decides "hundred and fifty (dollars)"
 * from "hundred (dollars) and fifty cents".
 */
static bool
en_minor_follows(struct lexer lx)
{
	struct etok t;

	while (en_peek(&lx, &t)) {
		if (t.kind == E_MINOR)
			return true;
		if (t.kind == E_FIGURES)
			return t.e < lx.len && lx.s[t.e] == '/';
		if (!en_is_number(t.kind))
			return false;
		lx.pos = t.e;
	}
	return false;
}

struct eparse {
	struct lexer lx;
	size_t last_end;
};

static void
en_take(struct eparse *p, const struct etok *t)
{
	p->lx.pos = t->e;
	p->last_end = t->e;
}

/*
 * A number: groups of [units or teens | tens [units]] [hundred ...]
 * before falling scale words, for the whole units (major); the cents
 * are below a hundred, without scale words or "and".  An "and" belongs
 * to the number unless the cents follow it (en_minor_follows).
 */
static enum amount_words_status
en_number(struct eparse *p, bool major, uint64_t *value, bool *got)
{
	uint64_t total = 0, cur = 0, last_scale = UINT64_MAX;
	bool any = false, zero = false;
	struct etok t;

	*got = false;
	while (en_peek(&p->lx, &t)) {
		uint64_t low = cur % 100;

		if (zero)
			break;	/* nothing follows "zero" */
		if (t.kind == E_UNIT) {
			if (!(low == 0 || (low >= 20 && low % 10 == 0 && t.value >= 1 && t.value <= 9)))
				break;
			if (t.value == 0 && any)
				break;
			zero = t.value == 0;
			cur += t.value;
		} else if (t.kind == E_TENS) {
			if (low != 0)
				break;
			cur += t.value;
		} else if (t.kind == E_HUNDRED && major) {
			if (cur == 0 || cur >= 100)
				break;	/* "twelve hundred" is 1200; "hundred" alone is no number */
			cur *= 100;
		} else if (t.kind == E_SCALE && major) {
			if (cur == 0 || t.value >= last_scale)
				break;
			uint64_t c;
			if (__builtin_mul_overflow(cur, t.value, &c) || __builtin_add_overflow(total, c, &total))
				return AMOUNT_WORDS_OVERFLOW;
			last_scale = t.value;
			cur = 0;
		} else if (t.kind == E_AND && major && any) {
			struct lexer after = p->lx;
			struct etok n;

			after.pos = t.e;
			if (!en_peek(&after, &n) || !(n.kind == E_UNIT || n.kind == E_TENS) || en_minor_follows(after))
				break;
			p->lx.pos = t.e;	/* "one hundred and fifty": not the end of the span yet */
			continue;
		} else
			break;
		en_take(p, &t);
		any = true;
	}
	if (!any)
		return AMOUNT_WORDS_OK;
	if (__builtin_add_overflow(total, cur, value))
		return AMOUNT_WORDS_OVERFLOW;
	*got = true;
	return AMOUNT_WORDS_OK;
}

enum amount_words_status
amount_words_en(const char *s, size_t len, struct amount_words *out)
{
	struct eparse p = { { s, len, 0 }, 0 };
	struct etok t, u;
	enum amount_words_status st;
	uint64_t major, minor = 0;
	bool got, currency = false, has_minor = false;
	char *d;

	reset(out);
	for (;;) {
		if (!en_peek(&p.lx, &t))
			return fail(out, AMOUNT_WORDS_NOT_AN_AMOUNT);
		if (t.kind == E_UNIT || t.kind == E_TENS)
			break;
		p.lx.pos = t.e;
	}
	out->start = t.b;
	st = en_number(&p, true, &major, &got);
	if (st != AMOUNT_WORDS_OK)
		return fail(out, st);
	if (!got || (en_peek(&p.lx, &t) && en_is_number(t.kind)))
		return fail(out, AMOUNT_WORDS_NOT_AN_AMOUNT);
	while (en_peek_kind(&p.lx, E_MAJOR, &t)) {
		en_take(&p, &t);
		currency = true;
	}
	/* The cents: "and fifty cents", "and 50 cents", "and 50/100". */
	{
		struct eparse save = p;
		bool and = false;

		if (en_peek_kind(&p.lx, E_AND, &t)) {
			en_take(&p, &t);
			and = true;
		}
		if (en_peek_kind(&p.lx, E_FIGURES, &t)) {
			en_take(&p, &t);
			minor = t.value;
			has_minor = true;
			if (t.e + 4 <= len && memcmp(s + t.e, "/100", 4) == 0 &&
			    en_peek(&(struct lexer){ s, len, t.e + 1 }, &u) && u.e == t.e + 4) {
				en_take(&p, &u);
			} else if (!en_peek_kind(&p.lx, E_MINOR, &u))
				return fail(out, AMOUNT_WORDS_AMBIGUOUS);	/* "and 50": cents or dollars? */
		} else if (and || currency) {
			bool g;

			st = en_number(&p, false, &minor, &g);
			if (st != AMOUNT_WORDS_OK)
				return fail(out, st);
			has_minor = g;
			if (g && en_peek(&p.lx, &u) && en_is_number(u.kind))
				return fail(out, AMOUNT_WORDS_NOT_AN_AMOUNT);	/* "a hundred cents" */
			if (g && !en_peek_kind(&p.lx, E_MINOR, &u))
				return fail(out, AMOUNT_WORDS_AMBIGUOUS);
		}
		if (has_minor) {
			while (en_peek_kind(&p.lx, E_MINOR, &u))
				en_take(&p, &u);
		} else
			p = save;
	}
	if (has_minor && minor > 99)
		return fail(out, AMOUNT_WORDS_NOT_AN_AMOUNT);
	if (en_peek_kind(&p.lx, E_ONLY, &t))
		en_take(&p, &t);
	if (en_peek(&p.lx, &t) && (en_is_number(t.kind) || t.kind == E_FIGURES))
		return fail(out, AMOUNT_WORDS_AMBIGUOUS);
	out->value = major;
	out->minor = (unsigned)minor;
	out->has_minor = has_minor;
	out->end = p.last_end;
	d = out->decimal + put_u64(out->decimal, major);
	if (has_minor) {
		d[0] = '.';
		d[1] = (char)('0' + minor / 10);
		d[2] = (char)('0' + minor % 10);
		d[3] = '\0';
	}
	return AMOUNT_WORDS_OK;
}

const char *
amount_words_status_name(enum amount_words_status st)
{
	switch (st) {
	case AMOUNT_WORDS_OK:
		return "ok";
	case AMOUNT_WORDS_NOT_AN_AMOUNT:
		return "not an amount";
	case AMOUNT_WORDS_AMBIGUOUS:
		return "ambiguous";
	case AMOUNT_WORDS_OVERFLOW:
		return "overflow";
	}
	return "unknown";
}
