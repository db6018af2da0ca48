/*
 * ocr_languages: see ocr_languages.h.
 *
 * SECURITY: the set comes from an upload's query string, so it is checked
 * byte by byte here; a set that passes has only [a-z0-9_+] in it, which
 * tesseract takes as file names under its tessdata directory.
 */
#include <stdio.h>
#include <string.h>

#include "lib/ocr_languages.h"

static bool
code_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The length of the code at s, up to '+' or the end of its len bytes (s need not end in NUL). */
static size_t
code_len(const char *s, size_t len)
{
	const char *plus = memchr(s, '+', len);

	return plus != NULL ? (size_t)(plus - s) : len;
}

/* Whether the code (len bytes) appears in list, whose codes are split by any of seps. */
static bool
listed(const char *code, size_t len, const char *list, const char *seps)
{
	for (const char *p = list; *p != '\0';) {
		size_t n;

		p += strspn(p, seps);
		n = strcspn(p, seps);
		if (n == len && memcmp(p, code, len) == 0)
			return true;
		p += n;
	}
	return false;
}

bool
ocr_languages_valid(const char *s, size_t len)
{
	size_t start = 0, codes = 0;

	if (len == 0 || len > OCR_LANGUAGES_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && code_char((unsigned char)s[i]))
			continue;
		if ((i < len && s[i] != '+') || i == start || ++codes > OCR_LANGUAGES_COUNT)
			return false;
		/* the same code twice: tesseract would load it twice */
		for (size_t j = 0; j < start;) {
			size_t n = code_len(s + j, len - j);

			if (n == i - start && memcmp(s + j, s + start, n) == 0)
				return false;
			j += n + 1;
		}
		start = i + 1;
	}
	return true;
}

enum ocr_languages_check
ocr_languages_check(const char *s, size_t len, const char *allowed, char *why, size_t whysize)
{
	if (!ocr_languages_valid(s, len)) {
		snprintf(why, whysize, "lang must be 1 to %d language codes of a-z, 0-9 and _ joined by +, "
		    "none twice, at most %d bytes", OCR_LANGUAGES_COUNT, OCR_LANGUAGES_MAX);
		return OCR_LANGUAGES_MALFORMED;
	}
	for (size_t i = 0; i < len;) {
		size_t n = code_len(s + i, len - i);

		if (!listed(s + i, n, allowed, " \t,+")) {
			snprintf(why, whysize, "the language %.*s is not offered here; these are: %s", (int)n, s + i,
			    allowed);
			return OCR_LANGUAGES_NOT_ALLOWED;
		}
		i += n + 1;
	}
	return OCR_LANGUAGES_OK;
}
