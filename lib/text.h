/*
 * text: what the readers of OCR text (lib/money, lib/invoice_date,
 * lib/amount_words) agree a blank, a letter and a word are, so that a
 * space that parts a number parts a date and a word too.
 *
 * Blanks are space, tab, U+00A0 (no-break space, which PDF text layers put
 * between words) and U+202F (narrow no-break space, the French and
 * Vietnamese thousands separator).  Letters and marks are Unicode's (L*
 * and M*, by utf8proc).  A word is folded for comparison by utf8proc:
 * case folded, and optionally its marks stripped (Vietnamese đ read as d),
 * so "NGÀY", "ngày" and "ngay" meet.
 *
 * Every function reads at most n (or len) bytes, allocates nothing and
 * takes any bytes at all.
 */
#ifndef QUILL_TEXT_H
#define QUILL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* ASCII only, on purpose: a digit of another script is not a digit of an amount. */
static inline bool
text_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
text_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
text_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Bytes of the blank at p (n bytes there), or 0. */
size_t text_blank_at(const char *p, size_t n);

/* Bytes of the letter or mark (well-formed UTF-8) at s + i, or 0. */
size_t text_letter_at(const char *s, size_t len, size_t i);

/* Where the run of letters and marks that starts at i ends (i when none starts there). */
size_t text_word_end(const char *s, size_t len, size_t i);

/* The most code points a folded word may have: longer ones are no word looked for. */
#define TEXT_WORD_MAX	24

/*
 * The n bytes at w folded, NUL-terminated UTF-8 in out (outsz bytes):
 * NFC and case folded, or with strip its marks taken off and đ read as d.
 * False when w is not UTF-8, has more than TEXT_WORD_MAX code points once
 * decomposed, or does not fit.
 */
bool text_fold_word(const char *w, size_t n, bool strip, char *out, size_t outsz);

#endif
