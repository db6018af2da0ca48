/*
 * extract_names: a party's name as the page prints it, from what OCR
 * made of it.  The legal forms that say a line is a company's; a name
 * cleaned of the quotes OCR sees in a scan's specks, of digits read for
 * letters in its legal form ("SDN 8HD") and of the address a sender line
 * puts after it; and a logo's short name
 * ("Amazon", "QualityHosting") completed by the fuller name the page
 * prints elsewhere with its legal form, as a line of its own or before a
 * separator ("Amazon Web Services, Inc.", the return address
 * "QualityHosting AG - Uferweg 40-42 - ..."; not "Free SAS au capital de",
 * a sentence about the company).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/extract_int.h"

#define FULL_NAME_TOKENS 4	/* a short name completed by at most this many words */

const char *const extract_legal_forms[] = {
	"cong ty", "tnhh", "co phan", "doanh nghiep", "chi nhanh", "inc", "llc", "ltd", "limited", "gmbh",
	"ag", "b v", "bv", "s a s", "sas", "s r l", "srl", "corp", "corporation", "co", "company", "sdn bhd",
	"bhd", "sdn", "enterprise", "trading", "pvt", "plc", "n v", "nv", "s a", "sa", "sarl", "llp",
	"services", "store", "restaurant", "restoran", "hotel", "resort", "mtv", "hkd", "ho kinh doanh",
};
const size_t extract_nlegal_forms = sizeof(extract_legal_forms) / sizeof(extract_legal_forms[0]);

/* Whether the byte at s begins a quote OCR may see around a name: ' " ` or a curly one. */
static size_t
quote_at(const char *s, size_t len)
{
	if (len >= 1 && (s[0] == '\'' || s[0] == '"' || s[0] == '`'))
		return 1;
	if (len >= 3 && (unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
	    (unsigned char)s[2] >= 0x98 && (unsigned char)s[2] <= 0x9e)
		return 3;	/* U+2018..U+201E */
	return 0;
}

/* Whether the letters of fold (no blanks) are a legal form's: "srl" is "s r l". */
static bool
legal_form_letters(const char *letters)
{
	for (size_t k = 0; k < extract_nlegal_forms; k++) {
		const char *f = extract_legal_forms[k], *l = letters;

		for (; *f != '\0'; f++)
			if (*f != ' ' && *f != *l++)
				break;
		if (*f == '\0' && *l == '\0')
			return true;
	}
	return false;
}

/*
 * A legal form with digits OCR read for its letters ("SDN 8HD", "1TD",
 * "S.r.1."): written into out (len bytes) with the letters, in the
 * token's case, and true; false when the token is no such form.  8 is
 * B, 5 is S, and 1 and 0 are tried as I then L, O then D.
 */
static bool
misread_form(const char *s, size_t len, char *out)
{
	static const char *const as[2] = { "8501", "8501" }, *const to[2] = { "bsoi", "bsdl" };
	bool digit = false, upper = true;

	if (len < 3 || len > 8)
		return false;
	for (size_t i = 0; i < len; i++) {
		digit |= s[i] >= '0' && s[i] <= '9';
		upper &= !(s[i] >= 'a' && s[i] <= 'z');
	}
	for (int v = 0; digit && v < 2; v++) {
		char letters[9];
		size_t n = 0;

		for (size_t i = 0; i < len; i++) {
			const char *d = strchr(as[v], s[i]);
			char c = d != NULL && s[i] != '\0' ? to[v][d - as[v]] : s[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			if (c >= 'a' && c <= 'z')
				letters[n++] = c;
			else if (c != '.')
				return false;
			out[i] = d != NULL && s[i] != '\0' ? (char)(upper ? c - 32 : c) : s[i];
		}
		letters[n] = '\0';
		if (n >= 2 && legal_form_letters(letters))
			return true;
	}
	return false;
}

size_t
extract_clean_name(const char *s, size_t len, char *out, size_t size)
{
	size_t n = 0, q;

	while (len > 0 && (q = quote_at(s, len)) > 0)
		s += q, len -= q;
	/* "QualityHosting AG - Uferweg 40-42 - ...": a sender line, its name before the address */
	for (size_t i = 1; i + 3 < len; i++)
		if ((memcmp(s + i, " - ", 3) == 0 || memcmp(s + i, " | ", 3) == 0) &&
		    extract_has_digit(s + i, len - i)) {
			len = i;
			break;
		}
	while (len > 0 && (s[len - 1] == '\'' || s[len - 1] == '"' || s[len - 1] == '`'))
		len--;
	for (size_t i = 0; i < len && n + 1 < size;) {
		size_t e = i;
		char fixed[8];
		bool form;

		while (e < len && s[e] != ' ')
			e++;
		form = misread_form(s + i, e - i, fixed);
		for (size_t k = i; k < e && n + 1 < size; k++)
			out[n++] = form ? fixed[k - i] : s[k];
		if (e < len && n + 1 < size)
			out[n++] = ' ';
		i = e + 1;
	}
	out[n] = '\0';
	return n;
}

/* The raw end of the last legal form in the FULL_NAME_TOKENS tokens of seg after folded byte from. */
static size_t
legal_form_end(const struct xseg *seg, size_t from)
{
	size_t end = 0, i = from;

	for (int tok = 0; tok < FULL_NAME_TOKENS && i < seg->foldlen; tok++) {
		for (size_t k = 0; k < extract_nlegal_forms; k++) {
			size_t n = strlen(extract_legal_forms[k]);

			if (extract_fold_at(seg->fold, seg->foldlen, i, extract_legal_forms[k], n)) {
				end = seg->map[i + n];
				/* "Inc.", "B.V.": the abbreviation's point is the name's */
				if (end < seg->len && seg->text[end] == '.')
					end++;
			}
		}
		while (i < seg->foldlen && seg->fold[i] != ' ')
			i++;
		i++;
	}
	return end;
}

/* Whether the name ends at raw byte end of seg: the line's end or a separator, not mid-sentence. */
static bool
name_ends(const struct xseg *seg, size_t end)
{
	const char *r = seg->text + end;
	size_t n = seg->len - end;

	return n == 0 || r[0] == ',' || (n >= 3 && (memcmp(r, " - ", 3) == 0 || memcmp(r, " | ", 3) == 0));
}

int
extract_full_name(const struct xpage *p, size_t own, const char *s, size_t len, const char **full, size_t *flen)
{
	char *fold;
	size_t foldlen, *map;

	*full = NULL;
	if (extract_fold(s, len, &fold, &foldlen, &map) != 0)
		return -1;
	free(map);
	/* the longest: "Amazon Web Services, Inc." over a heading's "Amazon Web Services" */
	for (size_t i = 0; i < p->nsegs && foldlen >= 3; i++) {
		const struct xseg *seg = &p->segs[i];
		size_t end;

		if (i == own || seg->foldlen <= foldlen + 1 || memcmp(seg->fold, fold, foldlen) != 0 ||
		    seg->fold[foldlen] != ' ' || (end = legal_form_end(seg, foldlen + 1)) == 0 ||
		    !name_ends(seg, end) || (*full != NULL && end <= *flen))
			continue;
		*full = seg->text;
		*flen = end;
	}
	free(fold);
	return 0;
}
