/*
 * utf8: see utf8.h.  One decoder of one sequence serves both the check
 * and the repair, so the two can never disagree on what is well-formed.
 */
#include <string.h>

#include "lib/utf8.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

/*
 * The length (1 to 4) of the well-formed sequence at s, of the len bytes
 * left; or 0, with *bad the length of the ill-formed part to skip (at
 * least 1: the lead byte, and the continuation bytes that still fitted).
 */
static size_t
sequence(const unsigned char *s, size_t len, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] != 0 && s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4) {	/* NUL, a lone continuation, C0/C1, F5.. */
		*bad = 1;
		return 0;
	}
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	/* the second byte's range is what rules out overlongs, surrogates and > U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < n; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, bad;

	while (i < len) {
		if ((n = sequence(p + i, len - i, &bad)) == 0)
			return false;
		i += n;
	}
	return true;
}

size_t
utf8_repair(char *out, size_t size, const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0, n, bad;

	while (i < len) {
		const char *from = in + i;

		if ((n = sequence(p + i, len - i, &bad)) == 0) {
			from = REPLACEMENT;
			n = sizeof(REPLACEMENT) - 1;
			i += bad;
		} else
			i += n;
		if (o + n >= size)
			break;
		memcpy(out + o, from, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}
