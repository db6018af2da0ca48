/*
 * extract_text: OCR text made safe to keep (valid UTF-8, no control
 * characters) and folded for matching labels: "Mã số thuế", "MA SO THUE",
 * "Ma so thue" and "Mã sô thuê" (OCR confuses the marks) all fold to
 * "ma so thue"; "Invoice No.:" to "invoice no".  Marks go because
 * Vietnamese OCR drops or swaps them far more often than letters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lib/extract_int.h"
#include "lib/utf8.h"

size_t
extract_repair(char *out, size_t size, const char *in, size_t len)
{
	size_t n = utf8_repair(out, size, in, len);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
	return n;
}

static bool
is_letter_or_digit(utf8proc_int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

/*
 * text must be valid UTF-8 (extract_repair()'s).  The folded text is at
 * most 8 bytes per input byte (a compatibility decomposition may grow a
 * character; past that bound the rest is cut).
 */
int
extract_fold(const char *text, size_t len, char **fold, size_t *foldlen, size_t **map)
{
	size_t cap = len * 4 + 16, n = 0, i = 0;
	char *f = malloc(cap + 1);
	size_t *m = malloc((cap + 1) * sizeof(*m));
	bool space = true;	/* no leading space */

	if (f == NULL || m == NULL) {
		free(f);
		free(m);
		return -1;
	}
	while (i < len) {
		utf8proc_int32_t c, dst[24];
		utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
		    (utf8proc_ssize_t)(len - i), &c), nd;
		int boundclass = 0;

		if (step <= 0) {	/* not UTF-8 after all: one byte as a separator */
			step = 1;
			c = ' ';
		}
		nd = utf8proc_decompose_char(c, dst, 24, UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE |
		    UTF8PROC_COMPAT | UTF8PROC_STRIPMARK, &boundclass);
		if (nd < 0 || nd > 24)
			nd = 0;
		for (utf8proc_ssize_t k = 0; k < nd; k++) {
			utf8proc_uint8_t enc[4];
			utf8proc_ssize_t el;
			utf8proc_int32_t d = dst[k];

			if (d == 0x111)		/* đ: a letter of its own, read as d */
				d = 'd';
			if (!is_letter_or_digit(d)) {
				if (!space && n < cap) {
					m[n] = i;
					f[n++] = ' ';
				}
				space = true;
				continue;
			}
			el = utf8proc_encode_char(d, enc);
			if (n + (size_t)el > cap)
				break;
			for (utf8proc_ssize_t b = 0; b < el; b++) {
				m[n] = i;
				f[n++] = (char)enc[b];
			}
			space = false;
		}
		i += (size_t)step;
	}
	if (n > 0 && f[n - 1] == ' ')
		n--;
	f[n] = '\0';
	/* the byte after the folded text maps to the end of the raw character it ends with */
	m[n] = 0;
	if (n > 0) {
		size_t end = m[n - 1] + 1;

		while (end < len && ((unsigned char)text[end] & 0xc0) == 0x80)
			end++;
		m[n] = end;
	}
	*fold = f;
	*foldlen = n;
	*map = m;
	return 0;
}

bool
extract_fold_at(const char *fold, size_t foldlen, size_t i, const char *needle, size_t nlen)
{
	if (i > foldlen || nlen > foldlen - i || (i > 0 && fold[i - 1] != ' '))
		return false;
	if (memcmp(fold + i, needle, nlen) != 0)
		return false;
	return i + nlen == foldlen || fold[i + nlen] == ' ';
}

bool
extract_fold_has(const char *fold, size_t foldlen, const char *needle)
{
	size_t nlen = strlen(needle);

	for (size_t i = 0; i + nlen <= foldlen; i++)
		if ((i == 0 || fold[i - 1] == ' ') && extract_fold_at(fold, foldlen, i, needle, nlen))
			return true;
	return false;
}

bool
extract_has_digit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return true;
	return false;
}
