/*
 * test_credentials: e-mail normalisation and the password policy, with
 * the boundaries a client would probe (11/12 and 128/129 characters,
 * multibyte characters, the address as password, the built-in list kept
 * sorted so bsearch can find every entry).
 */
#include <stdio.h>
#include <string.h>

#include "lib/common_passwords.h"
#include "lib/credentials.h"
#include "tests/unit/tap.h"

static const char *
email(const char *in, char *out)
{
	return credentials_email(in, strlen(in), out);
}

static const char *
pw(const char *in, const char *addr)
{
	return credentials_password(in, strlen(in), addr);
}

static void
test_email(void)
{
	char out[CREDENTIALS_EMAIL_MAX + 1], big[400];

	ok(email("  Alice@Example.ORG \n", out) == NULL, "an address is accepted");
	is_str(out, "alice@example.org", "trimmed and lower-cased");
	ok(email("alice", out) != NULL, "no @ is refused");
	ok(email("a@b@example.org", out) != NULL, "two @ are refused");
	ok(email("@example.org", out) != NULL, "an empty local part is refused");
	ok(email("alice@example", out) != NULL, "a domain without a dot is refused");
	ok(email("alice@.example.org", out) != NULL, "a domain starting with a dot is refused");
	ok(email("alice@example.org.", out) != NULL, "a domain ending with a dot is refused");
	ok(email("alice@example..org", out) != NULL, "an empty label is refused");
	ok(email("al ice@example.org", out) != NULL, "inner white space is refused");
	ok(email("al\x01ice@example.org", out) != NULL, "a control character is refused");
	ok(email("al\xc3ice@example.org", out) != NULL, "invalid UTF-8 is refused");
	ok(email("", out) != NULL, "empty is refused");
	ok(credentials_email("a@b.c\0x", 7, out) != NULL, "an embedded NUL is refused");
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 13, "@example.org", 13);
	ok(email(big, out) != NULL, "an address over 254 bytes is refused");
	ok(email("J\xc3\xb6rg@example.org", out) == NULL, "a UTF-8 local part is accepted");
}

static void
test_password(void)
{
	char s[600];

	ok(pw("tulip-harbour-93", NULL) == NULL, "a reasonable password is accepted");
	ok(pw("tulip-harb9", NULL) != NULL, "11 characters are refused");
	ok(pw("tulip-harb93", NULL) == NULL, "12 characters are accepted");
	memset(s, 'x', 128);
	memcpy(s, "tulip-harbour", 13);
	s[128] = '\0';
	ok(pw(s, NULL) == NULL, "128 characters are accepted");
	s[128] = 'y';
	s[129] = '\0';
	ok(pw(s, NULL) != NULL, "129 characters are refused");
	/* 12 two-byte characters: 24 bytes, 12 characters */
	strcpy(s, "\xc3\xa9\xc3\xa8\xc3\xaa\xc3\xab\xc3\xa0\xc3\xa2\xc3\xa4\xc3\xa7\xc3\xb4\xc3\xb6\xc3\xb9\xc3\xbb");
	ok(pw(s, NULL) == NULL, "length counts characters, not bytes");
	s[22] = '\0';
	ok(pw(s, NULL) != NULL, "11 two-byte characters are refused");
	ok(pw("tulip-harb\xff\xfe", NULL) != NULL, "invalid UTF-8 is refused");
	ok(pw("Alice@Example.org", "alice@example.org") != NULL, "the address itself is refused");
	ok(pw("alice@example.org1", "alice@example.org") == NULL, "the address plus more is allowed");
	ok(pw("Password1234", NULL) != NULL, "a common password is refused, in any case");
	ok(pw("qwertyuiop123", NULL) != NULL, "a keyboard walk on the list is refused");
	ok(pw("aaaaaaaaaaaa", NULL) != NULL, "one repeated character is refused");
	ok(pw("abcabcabcabc", NULL) != NULL, "a repeated short unit is refused");
	ok(pw("123456789012", NULL) != NULL, "an ascending run is refused");
	ok(pw("zyxwvutsrqpo", NULL) != NULL, "a descending run is refused");
	ok(pw("123456789013", NULL) == NULL, "a broken run is allowed");
}

static void
test_list_sorted(void)
{
	int sorted = 1, findable = 1;

	for (size_t i = 1; i < common_passwords_count; i++)
		if (strcmp(common_passwords[i - 1], common_passwords[i]) >= 0)
			sorted = 0;
	ok(sorted, "the common password list is sorted and unique");
	for (size_t i = 0; i < common_passwords_count; i++) {
		const char *p = common_passwords[i];

		if (strlen(p) >= 12 && strlen(p) <= 128 && pw(p, NULL) == NULL)
			findable = 0;
	}
	ok(findable, "every listed password is refused");
}

static void
test_name(void)
{
	char big[300];

	ok(credentials_name("Ada Lovelace", 12) == NULL, "a name is accepted");
	ok(credentials_name("", 0) == NULL, "an empty name is accepted");
	ok(credentials_name("Ada\nLovelace", 12) != NULL, "a newline is refused");
	memset(big, 'a', sizeof(big));
	ok(credentials_name(big, sizeof(big)) != NULL, "300 bytes are refused");
}

int
main(void)
{
	test_email();
	test_password();
	test_list_sorted();
	test_name();
	return done_testing();
}
