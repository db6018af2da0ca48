/*
 * fuzz_amount_words: both readers of amounts in words on any bytes, as
 * OCR of an uploaded invoice would hand them over.  libFuzzer's buffer is
 * exactly the input, so AddressSanitizer reports any read past len.
 * What amount_words.h promises is checked independently here: a value
 * is returned only with OK, as canonical digits (no sign, no leading
 * zero, two decimals exactly when a minor part was written) equal to
 * value and minor; the span lies within the input and starts and ends
 * on a word; the same input reads the same twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/amount_words.h"

static int
is_word_byte(uint8_t c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void
check(const uint8_t *data, size_t size, enum amount_words_status st, const struct amount_words *aw, int english)
{
	char want[40];
	size_t n = strnlen(aw->decimal, sizeof(aw->decimal));

	if (n == sizeof(aw->decimal))
		abort();	/* not terminated */
	if (st != AMOUNT_WORDS_OK) {
		if (n != 0 || aw->value != 0 || aw->has_minor)
			abort();
		if (st != AMOUNT_WORDS_NOT_AN_AMOUNT && st != AMOUNT_WORDS_AMBIGUOUS && st != AMOUNT_WORDS_OVERFLOW)
			abort();
		return;
	}
	if (!english && aw->has_minor)
		abort();
	if (aw->has_minor && aw->minor > 99)
		abort();
	if (aw->has_minor)
		snprintf(want, sizeof(want), "%llu.%02u", (unsigned long long)aw->value, aw->minor);
	else
		snprintf(want, sizeof(want), "%llu", (unsigned long long)aw->value);
	if (strcmp(want, aw->decimal) != 0)
		abort();	/* not the value, or not canonical */
	for (size_t i = 0; i < n; i++)
		if (!(aw->decimal[i] >= '0' && aw->decimal[i] <= '9') && aw->decimal[i] != '.')
			abort();
	if (n > 1 && aw->decimal[0] == '0' && aw->decimal[1] != '.')
		abort();
	if (aw->start >= aw->end || aw->end > size)
		abort();
	if (!is_word_byte(data[aw->start]) || !is_word_byte(data[aw->end - 1]))
		abort();
	if (aw->start > 0 && is_word_byte(data[aw->start - 1]) && data[aw->start - 1] < 0x80)
		abort();	/* began inside an ASCII word */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amount_words a, b;
	enum amount_words_status sa, sb;

	sa = amount_words_vi((const char *)data, size, &a);
	check(data, size, sa, &a, 0);
	sb = amount_words_vi((const char *)data, size, &b);
	if (sa != sb || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	sa = amount_words_en((const char *)data, size, &a);
	check(data, size, sa, &a, 1);
	sb = amount_words_en((const char *)data, size, &b);
	if (sa != sb || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	return 0;
}
