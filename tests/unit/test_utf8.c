/*
 * Unit tests for lib/utf8: every class of ill-formed sequence the
 * database refuses (surrogates, overlongs, above U+10FFFF, cut short,
 * stray continuation bytes, NUL) is refused, every boundary of the
 * well-formed ranges is taken, and the repair makes valid UTF-8 that
 * keeps the valid parts and fits its buffer on a character boundary.
 */
#include <string.h>

#include "lib/utf8.h"
#include "tests/unit/tap.h"

#define VALID(s) utf8_valid(s, sizeof(s) - 1)

int
main(void)
{
	char out[16];
	size_t n;

	ok(VALID(""), "the empty string is valid");
	ok(VALID("scan 1.png"), "ASCII is valid");
	ok(VALID("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x84"), "two, three and four bytes are valid");
	ok(VALID("\xc2\x80") && VALID("\xdf\xbf"), "U+0080 and U+07FF, the two-byte ends");
	ok(VALID("\xe0\xa0\x80") && VALID("\xef\xbf\xbf"), "U+0800 and U+FFFF, the three-byte ends");
	ok(VALID("\xed\x9f\xbf") && VALID("\xee\x80\x80"), "U+D7FF and U+E000, around the surrogates");
	ok(VALID("\xf0\x90\x80\x80") && VALID("\xf4\x8f\xbf\xbf"), "U+10000 and U+10FFFF, the four-byte ends");

	ok(!VALID("\xed\xa0\x80"), "a high surrogate (U+D800) is refused");
	ok(!VALID("\xed\xbf\xbf"), "a low surrogate (U+DFFF) is refused");
	ok(!VALID("\xed\xa0\xbd\xed\xb2\xa9"), "a surrogate pair in CESU-8 is refused");
	ok(!VALID("\xc0\xaf") && !VALID("\xc1\xbf"), "two-byte overlongs (C0, C1) are refused");
	ok(!VALID("\xe0\x80\xaf") && !VALID("\xe0\x9f\xbf"), "three-byte overlongs are refused");
	ok(!VALID("\xf0\x80\x80\xaf") && !VALID("\xf0\x8f\xbf\xbf"), "four-byte overlongs are refused");
	ok(!VALID("\xf4\x90\x80\x80"), "U+110000 is refused");
	ok(!VALID("\xf5\x80\x80\x80") && !VALID("\xf7\xbf\xbf\xbf"), "F5..F7 leads are refused");
	ok(!VALID("\xf8\x88\x80\x80\x80") && !VALID("\xfc\x84\x80\x80\x80\x80"), "five and six bytes are refused");
	ok(!VALID("\xfe") && !VALID("\xff"), "FE and FF are refused");
	ok(!VALID("\xe2\x82"), "a three-byte sequence cut short is refused");
	ok(!VALID("scan\xf0\x9f\x93"), "a four-byte sequence cut short at the end is refused");
	ok(!VALID("\xe2\x82" "a"), "  and one cut short by ASCII");
	ok(!VALID("\x80") && !VALID("a\xbf" "b"), "a lone continuation byte is refused");
	ok(!VALID("\xc3\xa9\xa9"), "a continuation byte too many is refused");
	ok(!VALID("a\0b"), "NUL is refused");
	ok(utf8_valid("a\0b", 1), "  but only the length given is read");

	n = utf8_repair(out, sizeof(out), "caf\xe9.png", 8);
	is_str(out, "caf\xef\xbf\xbd.png", "a Latin-1 byte is repaired as U+FFFD");
	is_int(n, 10, "  and the length is returned");
	utf8_repair(out, sizeof(out), "\xed\xa0\x80x", 4);
	is_str(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx", "a surrogate gives one U+FFFD a byte");
	utf8_repair(out, sizeof(out), "\xe2\x82x", 3);
	is_str(out, "\xef\xbf\xbdx", "a cut-short sequence gives one U+FFFD for its maximal part");
	utf8_repair(out, sizeof(out), "a\0b", 3);
	is_str(out, "a\xef\xbf\xbd" "b", "NUL is replaced");
	n = utf8_repair(out, 6, "abc\xe2\x82\xac", 6);
	is_str(out, "abc", "the repair stops at a character boundary when out is full");
	ok(n == 3 && utf8_valid(out, n), "  and stays valid");
	n = utf8_repair(out, sizeof(out), "\xf4\x90\x80\x80\xc3\xa9", 6);
	ok(utf8_valid(out, n) && strcmp(out + n - 2, "\xc3\xa9") == 0, "the valid part after a bad one is kept");
	return done_testing();
}
