/*
 * extract_dates: a span of text made readable to lib/invoice_date, which
 * knows the English month names only: the French, Dutch and German ones
 * of the invoices we are sent ("02 Juillet 2015", "29 maart 2014",
 * "7. Mai 2014") are written over with the English name, and a day's
 * ordinal dot before a month name ("7. Mai") is dropped.
 */
#include <string.h>

#include "lib/extract_int.h"

static const struct {
	const char *name;	/* lower case, UTF-8 */
	const char *english;
} foreign_months[] = {
	{ "janvier", "January" }, { "février", "February" }, { "fevrier", "February" }, { "mars", "March" },
	{ "avril", "April" }, { "mai", "May" }, { "juin", "June" }, { "juillet", "July" }, { "août", "August" },
	{ "aout", "August" }, { "septembre", "September" }, { "octobre", "October" },
	{ "novembre", "November" }, { "décembre", "December" }, { "decembre", "December" },
	{ "januari", "January" }, { "februari", "February" }, { "maart", "March" }, { "mei", "May" },
	{ "juni", "June" }, { "juli", "July" }, { "augustus", "August" }, { "oktober", "October" },
	{ "januar", "January" }, { "jänner", "January" }, { "februar", "February" }, { "märz", "March" },
	{ "maerz", "March" }, { "marz", "March" }, { "dezember", "December" }, { "okt", "Oct" },
	{ "mrt", "Mar" }, { "mei.", "May" }, { "déc", "Dec" }, { "févr", "Feb" }, { "juil", "Jul" },
};

/* Whether the word [a, b) of s is name, ASCII letters in any case. */
static bool
word_is(const char *s, size_t a, size_t b, const char *name)
{
	size_t n = strlen(name);

	if (b - a != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[a + i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != name[i])
			return false;
	}
	return true;
}

size_t
extract_date_text(const char *s, size_t len, char *out, size_t size)
{
	size_t n = 0, i = 0;

	while (i < len && n + 1 < size) {
		size_t e = i;
		const char *put = NULL;

		while (e < len && s[e] != ' ')
			e++;
		for (size_t k = 0; k < sizeof(foreign_months) / sizeof(foreign_months[0]) && put == NULL; k++)
			if (word_is(s, i, e, foreign_months[k].name))
				put = foreign_months[k].english;
		if (put != NULL) {
			/* "7. Mai": the day's dot goes */
			if (n >= 3 && out[n - 1] == ' ' && out[n - 2] == '.' && out[n - 3] >= '0' && out[n - 3] <= '9') {
				out[n - 2] = ' ';
				n--;
			}
		} else {
			put = s + i;
		}
		{
			size_t plen = put == s + i ? e - i : strlen(put);

			if (n + plen + 1 >= size)
				break;
			memcpy(out + n, put, plen);
			n += plen;
		}
		if (e < len)
			out[n++] = ' ';
		i = e + 1;
	}
	out[n] = '\0';
	return n;
}
