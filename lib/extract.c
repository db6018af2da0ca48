/*
 * extract: the extractor's steps in order (see extract.h).  The page is
 * laid out (extract_lines.c) and its labels found (extract_labels.c);
 * then what the whole document is -- language, currency, the way it
 * writes numbers and dates (extract_document.c) -- decided first, since
 * every amount and date is read with that hint; then the identifiers and
 * dates, the parties, the totals, the line items, and last the
 * cross-checks that confirm or doubt them (extract_check.c).
 *
 * SECURITY: see extract.h.  The words past EXTRACT_MAX_WORDS are never
 * looked at; everything after reads the page kept in struct xpage, whose
 * texts are valid UTF-8 and bounded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/extract_int.h"

int
extract_set(struct invoice *inv, enum invoice_field f, const char *s, size_t len, double conf)
{
	char why[128];

	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (invoice_field_kind(f) == INVOICE_KIND_TEXT && len > INVOICE_TEXT_MAX) {
		len = INVOICE_TEXT_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	/* a value the database would refuse is not worth keeping: drop it */
	if (len == 0 || !invoice_value_valid(f, s, len, why, sizeof(why)))
		return 0;
	return invoice_set(inv, f, s, len, conf);
}

bool
extract_money(const struct xpage *p, const char *s, size_t len, struct money_parsed *out)
{
	/* a stray quote OCR saw after the amount ("64.50\"") */
	while (len > 1 && (s[len - 1] == '"' || s[len - 1] == '\''))
		len--;
	if (money_parse(s, len, &p->money_hint, out) == MONEY_OK)
		return true;
	/* "1.250.000 d", "0d": OCR's đ without its stroke, on a page in đồng */
	if (strcmp(p->currency, "VND") == 0 && len > 1 && s[len - 1] == 'd') {
		len--;
		while (len > 0 && s[len - 1] == ' ')
			len--;
		return len > 0 && s[len - 1] >= '0' && s[len - 1] <= '9' &&
		    money_parse(s, len, &p->money_hint, out) == MONEY_OK;
	}
	return false;
}

static void
free_page(struct xpage *p)
{
	for (size_t i = 0; i < p->nwords; i++)
		free(p->words[i].text);
	for (size_t i = 0; i < p->nsegs; i++) {
		free(p->segs[i].text);
		free(p->segs[i].fold);
		free(p->segs[i].map);
	}
	free(p->words);
	free(p->segs);
	free(p->rows);
	free(p->matches);
}

int
extract_invoice(const struct extract_word *words, size_t n, const char *language, struct invoice *out)
{
	struct xpage p = { 0 };
	size_t keep = n < EXTRACT_MAX_WORDS ? n : EXTRACT_MAX_WORDS;
	int rc = -1;

	p.ocr_languages = language;
	if (words == NULL)
		keep = 0;
	if (extract_lines(&p, words, keep) != 0 || extract_labels(&p) != 0)
		goto out;
	if (n > keep) {
		char reason[128];

		snprintf(reason, sizeof(reason), "the page has more than %d words: only the first were read",
		    EXTRACT_MAX_WORDS);
		out->needs_review = true;
		if (invoice_add_reason(out, reason) != 0)
			goto out;
	}
	/* the totals before the parties: below them is the footer, whose tax id is nobody's */
	if (extract_document(&p, out) != 0 || extract_identifiers(&p, out) != 0 ||
	    extract_totals(&p, out) != 0 || extract_parties(&p, out) != 0 ||
	    extract_table(&p, out) != 0 || extract_check(&p, out) != 0)
		goto out;
	rc = 0;
out:
	free_page(&p);
	if (rc != 0)
		errno = ENOMEM;
	return rc;
}
