/*
 * credentials: the e-mail address and password rules (see credentials.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/common_passwords.h"
#include "lib/credentials.h"

/*
 * Number of UTF-8 code points in s, or -1 when s is not valid UTF-8
 * (overlong forms, surrogates and values above U+10FFFF included) or holds
 * a NUL or another control character when no_controls is set.
 */
static long
utf8_length(const char *s, size_t len, bool no_controls)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	long n = 0;

	while (p < end) {
		unsigned c = *p, cp, need;

		if (c < 0x80) {
			if (c == 0 || (no_controls && (c < 0x20 || c == 0x7f)))
				return -1;
			p++;
			n++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return -1;
		if ((size_t)(end - p) <= need)
			return -1;
		for (unsigned i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return -1;
		if (no_controls && cp >= 0x80 && cp <= 0x9f)
			return -1;
		p += need + 1;
		n++;
	}
	return n;
}

const char *
credentials_email(const char *email, size_t len, char out[CREDENTIALS_EMAIL_MAX + 1])
{
	const char *at, *domain, *dot;
	size_t i;

	out[0] = '\0';
	while (len > 0 && isspace((unsigned char)email[0]))
		email++, len--;
	while (len > 0 && isspace((unsigned char)email[len - 1]))
		len--;
	if (len < 3)
		return "email is too short";
	if (len > CREDENTIALS_EMAIL_MAX)
		return "email is too long";
	if (utf8_length(email, len, true) < 0)
		return "email holds control characters or invalid UTF-8";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)email[i];

		if (isspace(c))
			return "email must not contain white space";
		out[i] = c < 0x80 ? (char)tolower(c) : (char)c;
	}
	out[len] = '\0';
	if ((at = strchr(out, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return "email must contain one @";
	domain = at + 1;
	if (at == out)
		return "email needs a part before the @";
	if ((dot = strchr(domain, '.')) == NULL || domain[0] == '.' || out[len - 1] == '.' ||
	    strstr(domain, "..") != NULL)
		return "email needs a domain like example.org after the @";
	return NULL;
}

static int
compare_password(const void *key, const void *entry)
{
	return strcmp(key, *(const char *const *)entry);
}

/* One character or a unit of at most a third of the length, repeated throughout. */
static bool
is_repetition(const char *s, size_t len)
{
	for (size_t unit = 1; unit <= len / 3; unit++) {
		size_t i;

		if (len % unit != 0)
			continue;
		for (i = unit; i < len && s[i] == s[i - unit]; i++)
			;
		if (i == len)
			return true;
	}
	return false;
}

/* "123456789012", "abcdefghijkl", "987654321098": each character one step from the last. */
static bool
is_run(const char *s, size_t len)
{
	int dir = 0;

	for (size_t i = 1; i < len; i++) {
		int a = (unsigned char)s[i - 1], b = (unsigned char)s[i], step;

		if (isdigit(a) && isdigit(b))
			step = (b - a + 10) % 10 == 1 ? 1 : (a - b + 10) % 10 == 1 ? -1 : 0;
		else
			step = b - a == 1 ? 1 : a - b == 1 ? -1 : 0;
		if (step == 0 || (dir != 0 && step != dir))
			return false;
		dir = step;
	}
	return true;
}

const char *
credentials_password(const char *password, size_t len, const char *email)
{
	char lower[CREDENTIALS_PASSWORD_MAX * 4 + 1];
	long chars;

	if (len > sizeof(lower) - 1)
		return "password must be at most 128 characters";
	if ((chars = utf8_length(password, len, false)) < 0)
		return "password is not valid UTF-8";
	if (chars < CREDENTIALS_PASSWORD_MIN)
		return "password must be at least 12 characters";
	if (chars > CREDENTIALS_PASSWORD_MAX)
		return "password must be at most 128 characters";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)password[i];

		lower[i] = c < 0x80 ? (char)tolower(c) : (char)c;
	}
	lower[len] = '\0';
	if (email != NULL && strcmp(lower, email) == 0)
		return "password must not be the email address";
	if (is_repetition(lower, len) || is_run(lower, len))
		return "password is too predictable";
	if (bsearch(lower, common_passwords, common_passwords_count, sizeof(common_passwords[0]),
	    compare_password) != NULL)
		return "password is too common";
	return NULL;
}

const char *
credentials_name(const char *name, size_t len)
{
	if (len > CREDENTIALS_NAME_MAX)
		return "name must be at most 200 bytes";
	if (utf8_length(name, len, true) < 0)
		return "name holds control characters or invalid UTF-8";
	return NULL;
}
