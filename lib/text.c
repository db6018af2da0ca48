/*
 * text: see text.h.
 *
 * SECURITY: the bytes are OCR text of an uploaded image, so anything.
 * utf8proc is given exact lengths and fixed buffers on the stack, and
 * refuses what is not UTF-8; nothing is allocated.
 */
#include <utf8proc.h>

#include "lib/text.h"

size_t
text_blank_at(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;

	if (n >= 1 && (u[0] == ' ' || u[0] == '\t'))
		return 1;
	if (n >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (n >= 3 && u[0] == 0xe2 && u[1] == 0x80 && u[2] == 0xaf)
		return 3;
	return 0;
}

size_t
text_letter_at(const char *s, size_t len, size_t i)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;

	if (i >= len)
		return 0;
	if ((unsigned char)s[i] < 0x80)
		return text_is_alpha((unsigned char)s[i]) ? 1 : 0;
	n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
	if (n <= 0)
		return 0;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
		return (size_t)n;
	default:
		return 0;
	}
}

size_t
text_word_end(const char *s, size_t len, size_t i)
{
	size_t n;

	while ((n = text_letter_at(s, len, i)) > 0)
		i += n;
	return i;
}

bool
text_fold_word(const char *w, size_t n, bool strip, char *out, size_t outsz)
{
	utf8proc_int32_t cp[TEXT_WORD_MAX];
	utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_CASEFOLD |
	    (strip ? UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK : UTF8PROC_COMPOSE);
	utf8proc_ssize_t k;
	size_t o = 0;

	if (n > TEXT_WORD_MAX * 4 || outsz == 0)
		return false;
	k = utf8proc_decompose((const utf8proc_uint8_t *)w, (utf8proc_ssize_t)n, cp, TEXT_WORD_MAX, opt);
	if (k < 0 || k > TEXT_WORD_MAX)
		return false;
	k = utf8proc_normalize_utf32(cp, k, opt);
	if (k < 0)
		return false;
	for (utf8proc_ssize_t i = 0; i < k; i++) {
		utf8proc_int32_t c = strip && cp[i] == 0x111 ? 'd' : cp[i];	/* đ, after the case fold */

		if (outsz - o < 5)
			return false;
		o += (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)out + o);
	}
	out[o] = '\0';
	return true;
}
