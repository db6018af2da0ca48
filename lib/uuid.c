/* uuid: see uuid.h.  Randomness from libsodium (sodium_init() first). */
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "lib/uuid.h"

static void
format(unsigned char b[16], unsigned version, char out[UUID_STR_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	b[6] = (unsigned char)((b[6] & 0x0f) | version << 4);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 0x0f];
	}
	*p = '\0';
}

void
uuid_v4(char out[UUID_STR_LEN + 1])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof(b));
	format(b, 4, out);
}

void
uuid_v8_hash(const void *data, size_t len, char out[UUID_STR_LEN + 1])
{
	unsigned char b[16];

	crypto_generichash(b, sizeof(b), data, len, NULL, 0);
	format(b, 8, out);
}

bool
uuid_valid(const char *s, size_t len)
{
	if (s == NULL || len != UUID_STR_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

bool
uuid_canonical(const char *s, size_t len, char out[UUID_STR_LEN + 1])
{
	out[0] = '\0';
	if (!uuid_valid(s, len))
		return false;
	for (size_t i = 0; i < UUID_STR_LEN; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[UUID_STR_LEN] = '\0';
	return true;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int
uuid_to_bytes(const char *s, unsigned char out[16])
{
	if (!uuid_valid(s, strlen(s)))
		return -1;
	for (int n = 0; *s != '\0'; s++) {
		if (*s == '-')
			continue;
		if (n % 2 == 0)
			out[n / 2] = (unsigned char)(hexval((unsigned char)*s) << 4);
		else
			out[n / 2] |= (unsigned char)hexval((unsigned char)*s);
		n++;
	}
	return 0;
}
