/*
 * extract_int: what the extractor's files share (lib/extract.h is the
 * public side).  The page is held as words (their text repaired to UTF-8
 * and folded for matching), grouped into rows across the page and, within
 * a row, into segments: runs of words close together, a label, a value or
 * a table cell.  Labels are found in segments (extract_labels.c); a
 * label's value is the rest of its segment, the segment to its right or
 * the one below it.
 */
#ifndef QUILL_EXTRACT_INT_H
#define QUILL_EXTRACT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/extract.h"
#include "lib/invoice.h"
#include "lib/money.h"

#define EXTRACT_SEG_MAX_BYTES 2048	/* a segment's text is cut there */

/* A word as kept: valid UTF-8 without controls, and the box de-skewed. */
struct xword {
	char *text;
	size_t len;
	double conf;		/* 0..100 */
	int page, line;
	int x0, y0, x1, y1;	/* as given, ordered (x0 <= x1, y0 <= y1) */
	double yc;		/* the de-skewed vertical centre */
	int row;
};

/*
 * A run of words on one row: their text joined by spaces, and its folded
 * form (NFKD, case-folded, marks stripped, đ as d, anything but letters
 * and digits as one space) with, for each folded byte, the offset of the
 * raw byte it came from (so a match in the folded text finds the raw text
 * after it).
 */
struct xseg {
	char *text;
	size_t len;
	char *fold;
	size_t foldlen;
	size_t *map;		/* foldlen + 1 offsets into text */
	int page, row;
	int x0, y0, x1, y1;
	double conf;		/* the mean of its words' */
	int height;		/* the median height of its words: the font size */
	size_t first_word, nwords;
	size_t first_match, nmatches;	/* its labels, left to right */
};

struct xrow {
	size_t first_seg, nsegs;	/* segments left to right */
	int page;
	int y0, y1;
};

/* What a label says the value beside it is. */
enum xlabel {
	L_NONE,
	L_INVOICE_NUMBER, L_INVOICE_WORD, L_DATE, L_DUE_DATE,
	L_SELLER, L_BUYER, L_BUYER_PERSON, L_TAX_ID, L_SELLER_TAX_ID, L_BUYER_TAX_ID,
	L_ADDRESS, L_CURRENCY,
	L_SUBTOTAL, L_TAX_RATE, L_TAX, L_TOTAL, L_AMOUNT_WORDS,
	L_PAYMENT_METHOD, L_ACCOUNT, L_PAYER_ACCOUNT, L_TRANSACTION_ID, L_CUSTOMER_CODE, L_RECEIVER,
	/* distractors: recognised so that their values are not taken for another's */
	L_SERIAL, L_FORM, L_AUTHORITY_CODE, L_LOOKUP_CODE, L_PHONE, L_EMAIL, L_FAX,
	L_CASH, L_CHANGE, L_DISCOUNT, L_ROUNDING, L_PAGE, L_ORDER_NUMBER, L_WEBSITE, L_BANK, L_SHIP_TO,
	/* table column headers */
	L_COL_NO, L_COL_DESC, L_COL_UNIT, L_COL_QTY, L_COL_PRICE, L_COL_AMOUNT,
	L_NLABELS
};

/* A label found in a segment: folded bytes [fold_start, fold_end). */
struct xmatch {
	enum xlabel label;
	enum xlabel column;		/* as a table header: L_COL_*, or L_NONE */
	size_t seg;
	size_t fold_start, fold_end;
	size_t raw_start, raw_end;	/* the label's raw bytes; raw_end is where its value may begin */
	size_t value_end;		/* raw: where the next label of the segment begins, or its end */
	size_t gloss_start, gloss_end;	/* raw: a gloss in parentheses after it ("(8%)"), or empty */
	bool strong;			/* a specific label ("Invoice No."), not a word that may be one ("No.") */
};

/* An amount beside a totals label. */
struct amount_candidate {
	struct money_parsed m;
	double score;
	size_t seg, match;	/* match: the label's; past p->nmatches for a column of its row */
	bool restored;		/* its decimal point put back: OCR read "900" among amounts in cents */
	int echoes;		/* the same amount printed elsewhere on the page (an item, the cash): how often */
	bool misread;		/* a total read as subtotal + tax, which its unsure reading missed by a digit */
};

#define EXTRACT_NCANDIDATES 6

struct xpage {
	struct xword *words;
	size_t nwords;
	struct xseg *segs;
	size_t nsegs;
	struct xrow *rows;
	size_t nrows;
	struct xmatch *matches;
	size_t nmatches;
	int width, height;	/* of all pages' boxes: the largest extent seen */
	bool vietnamese;	/* the language, from the OCR languages and the labels found */
	struct money_hint money_hint;
	char currency[4];	/* decided from the page, "" when not */
	int currency_votes;	/* the signs and codes on the page that say so */
	const char *ocr_languages;	/* as given to extract_invoice() */
	int date_order;		/* enum invoice_date_order of the page's dates */
	int footer_page, footer_y;	/* below the lowest totals label: the footer */
	/* the totals block's candidates (extract_totals.c), chosen together in extract_check.c */
	struct amount_candidate sub[EXTRACT_NCANDIDATES], tax[EXTRACT_NCANDIDATES], total[EXTRACT_NCANDIDATES];
	int nsub, ntax, ntotal;
	bool has_rounding;		/* a receipt's rounding line, and its amount */
	struct money rounding;
	bool has_tendered;		/* the cash tendered less the change */
	struct money tendered;
	bool has_words_amount;
	struct money words_amount;	/* the amount in words, read */
};

/* extract_text.c: repairs and folds text. */
size_t extract_repair(char *out, size_t size, const char *in, size_t len);
/* Folds text into fold (see struct xseg); -1 on ENOMEM.  *fold and *map are malloc'd. */
int extract_fold(const char *text, size_t len, char **fold, size_t *foldlen, size_t **map);
/* Whether the folded text has needle at a token boundary starting at i. */
bool extract_fold_at(const char *fold, size_t foldlen, size_t i, const char *needle, size_t nlen);
/* Whether the folded text holds needle as whole tokens anywhere. */
bool extract_fold_has(const char *fold, size_t foldlen, const char *needle);
/* Whether s has an ASCII digit. */
bool extract_has_digit(const char *s, size_t len);

/* extract_dates.c: s with foreign month names in English, for lib/invoice_date; its length. */
size_t extract_date_text(const char *s, size_t len, char *out, size_t size);

/* extract_lines.c: words into rows and segments. */
int extract_lines(struct xpage *p, const struct extract_word *words, size_t n);
/* The segment right of s on its row, or (size_t)-1. */
size_t extract_seg_right(const struct xpage *p, size_t s);
/* The segment under s, within a few rows, that overlaps it horizontally, or (size_t)-1. */
size_t extract_seg_below(const struct xpage *p, size_t s);

/* extract_labels.c: finds the labels of every segment. */
int extract_labels(struct xpage *p);
/* Whether segment s begins with a label (so it is no label's value). */
bool extract_seg_starts_with_label(const struct xpage *p, size_t s);

/* extract_values.c: a label's value, typed. */
struct xvalue {
	size_t seg;
	const char *text;	/* into the segment's text */
	size_t len;
	double where;		/* 1 the label's own segment, 0.9 right of it, 0.7 below it */
};
/* The text after match m: the rest of its segment, else the segment right, else below. */
int extract_value_text(const struct xpage *p, const struct xmatch *m, struct xvalue *out, int nmax);
/* Trims blanks and the punctuation between a label and its value, and a gloss "(Tax code)". */
void extract_trim_value(const char **s, size_t *len);

/* extract_totals.c: the rightmost amount in s; false when none. */
bool extract_last_amount(const struct xpage *p, const char *s, size_t len, struct money_parsed *out);
/* extract_totals.c: the amounts beside labels of kind want, the nmax best. */
int extract_total_candidates(const struct xpage *p, enum xlabel want, struct amount_candidate *c, int nmax);

/* extract_evidence.c: the rounding line, decimal points OCR lost, amounts printed twice. */
void extract_total_evidence(struct xpage *p);

/* extract_names.c: the legal forms ("ltd", "sdn bhd", folded); names cleaned and completed. */
extern const char *const extract_legal_forms[];
extern const size_t extract_nlegal_forms;
/* s without the quotes around it and with its legal form's misread digits as letters ("SDN 8HD"). */
size_t extract_clean_name(const char *s, size_t len, char *out, size_t size);
/* The page's fuller name beginning with s and ending in a legal form (*full NULL when none); -1 on ENOMEM. */
int extract_full_name(const struct xpage *p, size_t own, const char *s, size_t len, const char **full, size_t *flen);

/* extract_blocks.c: the first line of the buyer's unlabelled address block, or (size_t)-1. */
size_t extract_unlabelled_buyer(const struct xpage *p, size_t seller);
/* A name line's company before its contact person: "YourCompany, Mitchell Admin". */
void extract_company_first(const char **s, size_t *len);

/* extract_fields.c, extract_parties.c, extract_totals.c, extract_table.c, extract_check.c */
int extract_document(struct xpage *p, struct invoice *inv);
int extract_identifiers(struct xpage *p, struct invoice *inv);
int extract_parties(struct xpage *p, struct invoice *inv);
int extract_totals(struct xpage *p, struct invoice *inv);
int extract_table(struct xpage *p, struct invoice *inv);
int extract_check(struct xpage *p, struct invoice *inv);

/* extract.c: sets a text field after making it valid for the database; -1 on ENOMEM. */
int extract_set(struct invoice *inv, enum invoice_field f, const char *s, size_t len, double conf);
/* Parses an amount with the page's hint; false when it is not one. */
bool extract_money(const struct xpage *p, const char *s, size_t len, struct money_parsed *out);

#endif
