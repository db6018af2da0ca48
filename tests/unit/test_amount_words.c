/*
 * Unit tests for lib/amount_words: every Vietnamese rule (tens, linh/lẻ,
 * không trăm, scales, tỷ repeated) and its variants (mốt/một, lăm/năm,
 * tư/bốn, nghìn/ngàn, tỷ/tỉ), composed and decomposed diacritics, upper
 * case, diacritics dropped by OCR (counted), the colloquial short forms
 * refused as ambiguous, garbage, overflow, the span read, and English
 * amounts with their cents.
 */
#include <string.h>

#include <utf8proc.h>

#include "lib/amount_words.h"
#include "tests/unit/tap.h"

static struct amount_words aw;

/* The decimal read from s, or the status's name when not OK. */
static const char *
vi(const char *s)
{
	enum amount_words_status st = amount_words_vi(s, strlen(s), &aw);

	return st == AMOUNT_WORDS_OK ? aw.decimal : amount_words_status_name(st);
}

static const char *
en(const char *s)
{
	enum amount_words_status st = amount_words_en(s, strlen(s), &aw);

	return st == AMOUNT_WORDS_OK ? aw.decimal : amount_words_status_name(st);
}

/* s in NFD, as some OCR engines and macOS file names give it. */
static const char *
nfd(const char *s)
{
	static char buf[256];
	utf8proc_uint8_t *d = utf8proc_NFD((const utf8proc_uint8_t *)s);

	snprintf(buf, sizeof(buf), "%s", (const char *)d);
	free(d);
	return buf;
}

int
main(void)
{
	const char *line = "Số tiền viết bằng chữ: Một triệu hai trăm năm mươi nghìn đồng chẵn./.";

	/* The invoice's line, as printed. */
	is_str(vi(line), "1250000", "the invoice line: một triệu hai trăm năm mươi nghìn đồng chẵn");
	is_int(aw.value, 1250000, "  the value as an integer");
	is_int(aw.start, strstr(line, "Một") - line, "  the span starts at the first number word");
	is_int(aw.end, strstr(line, "./.") - line, "  and ends after chẵn, before the punctuation");
	is_int(aw.marks_dropped, 0, "  no word needed its marks stripped");

	/* A word OCR split at a space is one word, trusted less; a wrong number is still refused. */
	is_str(vi("Một triệ u hai trăm năm mươi nghìn đồng"), "1250000", "triệ u: one word split");
	ok(aw.marks_dropped >= 1, "  and trusted less");
	is_str(vi("M ột trăm đồng"), "100", "m ột: one word split");
	is_str(vi("hai mươi đồng"), "20", "two words of their own are two words");
	is_str(vi("Một triệ x hai trăm đồng"), "1", "an unreadable split is no word: the number stops before it");

	/* Units, tens and their variants. */
	is_str(vi("không đồng"), "0", "không alone is zero");
	is_str(vi("năm"), "5", "năm");
	is_str(vi("mười"), "10", "mười");
	is_str(vi("mười lăm"), "15", "mười lăm");
	is_str(vi("mười năm"), "15", "mười năm");
	is_str(vi("mười một"), "11", "mười một");
	is_str(vi("mười tư"), "14", "mười tư");
	is_str(vi("hai mươi mốt"), "21", "hai mươi mốt");
	is_str(vi("hai mươi một"), "21", "hai mươi một");
	is_str(vi("ba mươi tư"), "34", "tư after mươi");
	is_str(vi("ba mươi bốn"), "34", "bốn after mươi");
	is_str(vi("chín mươi nhăm"), "95", "nhăm after mươi");
	is_str(vi("bảy mươi bẩy"), "77", "bảy and bẩy");
	is_str(vi("sáu mươi"), "60", "sáu mươi");
	is_str(vi("tám mươi chín"), "89", "tám mươi chín");

	/* Hundreds, linh/lẻ, không trăm. */
	is_str(vi("một trăm"), "100", "một trăm");
	is_str(vi("một trăm linh năm"), "105", "một trăm linh năm");
	is_str(vi("một trăm lẻ năm"), "105", "một trăm lẻ năm");
	is_str(vi("một trăm linh tư"), "104", "một trăm linh tư");
	is_str(vi("một trăm mười"), "110", "một trăm mười");
	is_str(vi("chín trăm chín mươi chín"), "999", "chín trăm chín mươi chín");
	is_str(vi("một nghìn không trăm năm mươi"), "1050", "một nghìn không trăm năm mươi");
	is_str(vi("một nghìn không trăm linh năm"), "1005", "một nghìn không trăm linh năm");
	is_str(vi("một nghìn linh năm"), "1005", "một nghìn linh năm");

	/* Scales and their variants. */
	is_str(vi("hai nghìn"), "2000", "nghìn");
	is_str(vi("hai ngàn"), "2000", "ngàn");
	is_str(vi("hai tỷ ba trăm triệu"), "2300000000", "hai tỷ ba trăm triệu");
	is_str(vi("hai tỉ ba trăm triệu"), "2300000000", "tỉ");
	is_str(vi("một nghìn tỷ"), "1000000000000", "một nghìn tỷ");
	is_str(vi("năm trăm nghìn tỷ"), "500000000000000", "năm trăm nghìn tỷ");
	is_str(vi("một tỷ tỷ"), "1000000000000000000", "tỷ repeated: một tỷ tỷ");
	is_str(vi("mười tám tỷ tỷ bốn trăm bốn mươi sáu triệu bảy trăm bốn mươi tư nghìn "
	    "bảy mươi ba tỷ bảy trăm linh chín triệu năm trăm năm mươi mốt nghìn sáu trăm mười lăm"),
	    "18446744073709551615", "UINT64_MAX in words");
	is_str(vi("hai triệu không trăm linh năm nghìn ba trăm"), "2005300", "a zero group in the middle");
	is_str(vi("một triệu một trăm nghìn"), "1100000", "một triệu một trăm nghìn");
	is_str(vi("mười hai triệu sáu trăm ba mươi lăm nghìn bốn trăm hai mươi"), "12635420",
	    "an invoice total: mười hai triệu sáu trăm ba mươi lăm nghìn bốn trăm hai mươi");
	is_str(vi("Bằng chữ: Ba trăm hai mươi nghìn đồng."), "320000", "a short label is skipped");
	is_str(vi("Một triệu đồng, Việt Nam"), "1000000", "words after the amount that are no numbers");

	/* Normalisation: decomposed, upper case, marks dropped. */
	is_str(vi(nfd(line)), "1250000", "decomposed (NFD) diacritics");
	is_int(aw.marks_dropped, 0, "  are not marks dropped");
	is_str(vi("MỘT TRIỆU HAI TRĂM NĂM MƯƠI NGHÌN ĐỒNG CHẴN"), "1250000", "upper case");
	is_str(vi(nfd("MƯỜI LĂM NGÀN ĐỒNG")), "15000", "upper case, decomposed");
	is_str(vi("Mot trieu hai tram nam muoi nghin dong chan."), "1250000", "diacritics dropped");
	is_int(aw.marks_dropped, 8, "  eight words recognised only without their marks (hai is the same)");
	is_str(vi("hai muoi mot"), "21", "stripped mot stands for mốt");
	is_str(vi("mot tram le nam"), "105", "stripped le is lẻ");
	is_str(vi("HAI TY BA TRAM TRIEU DONG"), "2300000000", "upper case without marks");
	is_str(vi("Một triệu hai trăm nam mươi nghìn đồng"), "1250000", "one mark dropped among many");
	is_int(aw.marks_dropped, 1, "  counted once");

	/* Colloquial short forms: ambiguous, never guessed. */
	is_str(vi("một nghìn hai"), "ambiguous", "một nghìn hai (1002 or 1200)");
	is_str(vi("ba trăm hai"), "ambiguous", "ba trăm hai (302 or 320)");
	is_str(vi("hai trăm mốt"), "ambiguous", "hai trăm mốt (210)");
	is_str(vi("lăm"), "ambiguous", "lăm without a ten");
	is_str(vi("mười mốt"), "ambiguous", "mốt after mười");
	is_str(vi("một triệu đồng hai triệu đồng"), "ambiguous", "two amounts on the line");

	/* Garbage. */
	is_str(vi(""), "not an amount", "empty");
	is_str(vi("Số tiền viết bằng chữ:"), "not an amount", "the label alone");
	is_str(vi("hai ba"), "not an amount", "two units");
	is_str(vi("trăm nghìn"), "not an amount", "scales without a number");
	is_str(vi("một nghìn hai nghìn"), "not an amount", "a scale repeated out of order");
	is_str(vi("hai triệu ba tỷ"), "not an amount", "scales rising");
	is_str(vi("không nghìn"), "not an amount", "không nghìn");
	is_str(vi("một trăm linh"), "not an amount", "linh without a unit");
	is_str(vi("một trăm hai mươi không"), "not an amount", "không as a unit");
	is_str(vi("1.250.000 đồng"), "not an amount", "figures are not words");
	is_str(vi("m\xe1\xbb\x99t \xff\xfe tri\xe1\xbb\x87u"), "1", "invalid UTF-8 ends the number");
	ok(amount_words_vi("một triệu", 3, &aw) == AMOUNT_WORDS_NOT_AN_AMOUNT,
	    "only len bytes are read (a cut character is no word)");
	ok(amount_words_vi("hai triệu", 3, &aw) == AMOUNT_WORDS_OK && aw.value == 2, "  hai triệu cut after hai");

	/* Overflow. */
	is_str(vi("mười chín tỷ tỷ"), "overflow", "19 × 10^18");
	is_str(vi("một tỷ tỷ tỷ"), "overflow", "10^27");
	is_str(vi("mười tám tỷ tỷ bốn trăm bốn mươi sáu triệu bảy trăm bốn mươi tư nghìn "
	    "bảy mươi ba tỷ bảy trăm linh chín triệu năm trăm năm mươi mốt nghìn sáu trăm mười sáu"),
	    "overflow", "UINT64_MAX + 1");
	is_str(aw.decimal, "", "  no decimal unless OK");

	/* English. */
	is_str(en("Amount in words: One thousand two hundred fifty dollars and 50 cents"), "1250.50",
	    "dollars and 50 cents");
	is_int(aw.value, 1250, "  the whole units");
	is_int(aw.minor, 50, "  the cents");
	is_str(en("One thousand two hundred fifty dollars and fifty cents only"), "1250.50", "and fifty cents only");
	is_str(en("twenty-five dollars"), "25", "hyphenated, no cents");
	ok(!aw.has_minor, "  has_minor is false");
	is_str(en("Twenty-Five Thousand Dollars Only"), "25000", "title case and only");
	is_str(en("one hundred and five euros"), "105", "British and");
	is_str(en("one thousand and fifty dollars and five cents"), "1050.05", "two ands");
	is_str(en("one hundred dollars and 00/100"), "100.00", "cheque style 00/100");
	is_str(en("SAY US DOLLARS THREE MILLION FOUR HUNDRED THOUSAND AND 25/100 ONLY"), "3400000.25",
	    "SAY US DOLLARS ... AND 25/100 ONLY");
	is_str(en("two billion three hundred million one"), "2300000001", "billion, million");
	is_str(en("twelve hundred ringgit and fifty sen"), "1200.50", "twelve hundred, ringgit and sen");
	is_str(en("zero dollars"), "0", "zero");
	is_str(en("eighteen trillion"), "18000000000000", "trillion");
	is_str(en("nineteen billion billion"), "not an amount", "a scale repeated");
	is_str(en("eighteen million trillion"), "not an amount", "scales rising");
	is_str(en("twenty thirty"), "not an amount", "two tens");
	is_str(en("fifteen five"), "not an amount", "a unit after a teen");
	is_str(en("total due"), "not an amount", "no number");
	is_str(en("one hundred dollars and fifty"), "ambiguous", "and fifty without cents");
	is_str(en("one hundred dollars and 50"), "ambiguous", "and 50 without cents");
	is_str(en("one dollar fifty cents"), "1.50", "cents without and");
	is_str(en("one dollar and one hundred cents"), "not an amount", "a hundred cents");

	/* The word tables are in NFC: a test of the source file's encoding. */
	{
		static const char *forms[] = { "không", "một", "mốt", "bốn", "tư", "năm", "lăm", "nhăm",
			"sáu", "bảy", "bẩy", "tám", "chín", "mười", "mươi", "lẻ", "trăm", "nghìn", "ngàn",
			"triệu", "tỷ", "tỉ", "đồng", "chẵn" };
		int nfc = 1;

		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			utf8proc_uint8_t *c = utf8proc_NFC((const utf8proc_uint8_t *)forms[i]);

			nfc &= strcmp((const char *)c, forms[i]) == 0;
			free(c);
		}
		ok(nfc, "the Vietnamese words of this file are NFC");
	}
	return done_testing();
}
