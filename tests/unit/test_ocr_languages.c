/*
 * test_ocr_languages: which ?lang= values are language sets, and which of
 * them a configured list allows.
 */
#include <string.h>

#include "lib/ocr_languages.h"
#include "tests/unit/tap.h"

static bool
valid(const char *s)
{
	return ocr_languages_valid(s, strlen(s));
}

static enum ocr_languages_check
check(const char *s, const char *allowed)
{
	char why[256];

	return ocr_languages_check(s, strlen(s), allowed, why, sizeof(why));
}

int
main(void)
{
	char why[256];

	ok(valid("eng"), "eng is a set");
	ok(valid("vie+eng"), "vie+eng is a set");
	ok(valid("chi_sim+eng"), "a code with _ and one without");
	ok(!valid(""), "the empty string is not");
	ok(!valid("+eng") && !valid("eng+") && !valid("eng++vie"), "an empty code is not");
	ok(!valid("Eng") && !valid("eng vie") && !valid("eng,vie"), "capitals, spaces and commas are not");
	ok(!valid("../eng") && !valid("eng/x") && !valid("eng\n"), "nothing that reaches outside tessdata");
	ok(!valid("eng+vie+eng"), "a code twice is not");
	ok(!valid("eng+vie+deu+fra+spa"), "five codes are too many");
	ok(valid("eng+vie+deu+fra"), "four are not");
	ok(!valid("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"), "64 bytes are too long");
	/* the length bounds the reading: no NUL needed after it */
	ok(ocr_languages_valid("vie+engXYZ", 7), "only len bytes are read");
	ok(!ocr_languages_valid("vie+eng", 4), "  so a set cut after its + is not one");

	is_int(check("vie+eng", "eng vie"), OCR_LANGUAGES_OK, "vie+eng is allowed by \"eng vie\"");
	is_int(check("eng", "eng, vie"), OCR_LANGUAGES_OK, "commas separate a list too");
	is_int(check("eng", "vie+eng"), OCR_LANGUAGES_OK, "and +");
	is_int(check("deu", "eng vie"), OCR_LANGUAGES_NOT_ALLOWED, "deu is not allowed by \"eng vie\"");
	is_int(check("en", "eng vie"), OCR_LANGUAGES_NOT_ALLOWED, "  nor a prefix of a code");
	is_int(check("vie+deu", "eng vie"), OCR_LANGUAGES_NOT_ALLOWED, "  nor a set with one code not listed");
	is_int(check("eng", ""), OCR_LANGUAGES_NOT_ALLOWED, "an empty list allows nothing");
	is_int(check("eng vie", "eng vie"), OCR_LANGUAGES_MALFORMED, "a malformed set is said so");
	ocr_languages_check("deu", 3, "eng vie", why, sizeof(why));
	ok(strstr(why, "deu") != NULL && strstr(why, "eng vie") != NULL, "the reason names the code and the list");
	printf("1..%d\n", tap_count);
	return tap_failed != 0;
}
