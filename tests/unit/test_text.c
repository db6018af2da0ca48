/*
 * test_text: lib/text's blanks, letters and folded words, which lib/money,
 * lib/invoice_date and lib/amount_words share.
 */
#include <string.h>

#include "lib/text.h"
#include "tests/unit/tap.h"

static bool
folds_to(const char *w, bool strip, const char *want)
{
	char out[TEXT_WORD_MAX * 4 + 1];

	return text_fold_word(w, strlen(w), strip, out, sizeof(out)) && strcmp(out, want) == 0;
}

int
main(void)
{
	char small[4];

	is_int(text_blank_at(" x", 2), 1, "a space is a blank of 1 byte");
	is_int(text_blank_at("\tx", 2), 1, "  a tab");
	is_int(text_blank_at("\xc2\xa0x", 3), 2, "  U+00A0 of 2");
	is_int(text_blank_at("\xe2\x80\xafx", 4), 3, "  U+202F of 3");
	is_int(text_blank_at("\xe2\x80\xaf", 2), 0, "  not when cut short");
	is_int(text_blank_at("\n", 1), 0, "a line end is not a blank");
	is_int(text_blank_at("\xe2\x80\x83", 3), 0, "  nor U+2003");
	is_int(text_blank_at("", 0), 0, "  nor nothing");

	is_int(text_letter_at("a1", 2, 0), 1, "an ASCII letter");
	is_int(text_letter_at("a1", 2, 1), 0, "  a digit is not one");
	is_int(text_letter_at("\xc4\x91", 2, 0), 2, "  \xc4\x91 is a letter of 2 bytes");
	is_int(text_letter_at("a\xcc\x80", 3, 1), 2, "  a combining mark counts with the letters");
	is_int(text_letter_at("\xc2\xa0", 2, 0), 0, "  U+00A0 is not one");
	is_int(text_letter_at("\xc4", 1, 0), 0, "  nor a cut sequence");
	is_int(text_word_end("Ng\xc3\xa0y 15", 9, 0), 5, "a word ends at the blank after it");
	is_int(text_word_end("15", 2, 0), 0, "  no word starts at a digit");

	ok(folds_to("NG\xc3\x80Y", false, "ng\xc3\xa0y"), "NG\xc3\x80Y folds to ng\xc3\xa0y");
	ok(folds_to("Nga\xcc\x80y", false, "ng\xc3\xa0y"), "  combining marks are composed");
	ok(folds_to("NG\xc3\x80Y", true, "ngay"), "  and stripped: ngay");
	ok(folds_to("\xc4\x90\xe1\xbb\x92NG", true, "dong"), "\xc4\x90\xe1\xbb\x92NG stripped is dong");
	ok(!folds_to("abcdefghijklmnopqrstuvwxy", false, "abcdefghijklmnopqrstuvwxy"),
	    "a word of more than TEXT_WORD_MAX code points is not folded");
	ok(!text_fold_word("\xff", 1, false, small, sizeof(small)), "  nor bytes that are not UTF-8");
	ok(!text_fold_word("abcd", 4, false, small, sizeof(small)), "  nor one that does not fit");
	return done_testing();
}
