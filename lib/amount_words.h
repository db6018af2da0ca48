/*
 * amount_words: an invoice's total written out in words, read back as an
 * exact number, so that the extractor can cross-check the total it read
 * in figures.
 *
 * Vietnamese VAT invoices (Hóa đơn GTGT) print "Số tiền viết bằng chữ:
 * Một triệu hai trăm năm mươi nghìn đồng chẵn."; English ones sometimes
 * "Amount in words: One thousand two hundred fifty dollars and 50 cents".
 * The caller hands over the text after the label (or the whole line):
 * words before the first number word are skipped, the number is read,
 * then its currency words (đồng, chẵn; dollars, cents, only).
 *
 * SECURITY: the text is OCR output from an image any user uploads.  Each
 * function reads at most len bytes of s (no NUL needed), allocates
 * nothing, keeps no state and is safe from any thread; any bytes at all
 * are a valid input.  A value is returned only when the words are a
 * well-formed number: a reading that could mean two numbers (colloquial
 * "một nghìn hai", 1,002 or 1,200) is AMBIGUOUS and a broken one is
 * NOT_AN_AMOUNT, never a guess -- a wrong cross-check is worse than none.
 */
#ifndef QUILL_AMOUNT_WORDS_H
#define QUILL_AMOUNT_WORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum amount_words_status {
	AMOUNT_WORDS_OK,
	AMOUNT_WORDS_NOT_AN_AMOUNT,	/* no number words, or ones that do not form a number */
	AMOUNT_WORDS_AMBIGUOUS,		/* words that could mean more than one number */
	AMOUNT_WORDS_OVERFLOW,		/* a well-formed number above UINT64_MAX */
};

struct amount_words {
	uint64_t value;		/* whole units: đồng, or dollars (euros...) */
	unsigned minor;		/* English only: the cents, 0..99 */
	bool has_minor;		/* English only: a minor part was written */
	/* The exact decimal: "1250000", "1250.50" (two decimals only when a
	 * minor part was written); no sign, no leading zero; "" unless OK. */
	char decimal[32];
	size_t start, end;	/* the bytes of s read: [start, end), words only */
	/* Words recognised only once their diacritics were stripped (OCR
	 * dropped them): the more, the less the reading is to be trusted. */
	unsigned marks_dropped;
};

/*
 * Vietnamese, in đồng (no minor unit): không..chín with their variants
 * (mốt, tư, lăm/nhăm), mười/mươi, linh/lẻ, trăm, nghìn/ngàn, triệu,
 * tỷ/tỉ (repeated for larger amounts: "một nghìn tỷ"), in any case and
 * Unicode normalisation form.  out is filled in on every status
 * (value 0 and decimal "" unless OK).
 */
enum amount_words_status amount_words_vi(const char *s, size_t len, struct amount_words *out);

/* English: zero..nineteen, the tens (hyphenated or not), hundred,
 * thousand, million, billion, trillion, "and"; a currency word; the
 * cents as words, as figures, or as "50/100". */
enum amount_words_status amount_words_en(const char *s, size_t len, struct amount_words *out);

/* The status as a word for logs and tests ("ok", "ambiguous"...). */
const char *amount_words_status_name(enum amount_words_status st);

#endif
