/*
 * cursor: see cursor.h.  The plain text is "<time_us>.<uuid>", or
 * "<order>:<key>:<uuid>" for a keyed cursor.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/cursor.h"

#define PLAIN_MAX 64
#define CURSOR_TIME_MAX 253402300799999999LL	/* 9999-12-31T23:59:59.999999Z */

void
cursor_encode(const struct cursor *c, char out[CURSOR_MAX])
{
	char plain[PLAIN_MAX];
	int n = snprintf(plain, sizeof(plain), "%" PRId64 ".%s", c->time_us, c->id);

	sodium_bin2base64(out, CURSOR_MAX, (const unsigned char *)plain, (size_t)n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
cursor_decode(const char *text, struct cursor *c)
{
	unsigned char plain[PLAIN_MAX];
	size_t len;
	const char *end;
	char *dot;
	long long t;

	if (text == NULL || strlen(text) >= CURSOR_MAX ||
	    sodium_base642bin(plain, sizeof(plain) - 1, text, strlen(text), NULL, &len, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || *end != '\0')
		return -1;
	plain[len] = '\0';
	if ((dot = strchr((char *)plain, '.')) == NULL || !uuid_valid(dot + 1, strlen(dot + 1)))
		return -1;
	*dot = '\0';
	errno = 0;
	t = strtoll((char *)plain, &dot, 10);
	/* beyond year 9999 no row can be, and SQL's interval arithmetic would overflow */
	if (errno != 0 || *dot != '\0' || dot == (char *)plain || t < 0 || t > CURSOR_TIME_MAX)
		return -1;
	c->time_us = t;
	memcpy(c->id, (char *)plain + strlen((char *)plain) + 1, UUID_STR_LEN + 1);
	return 0;
}

/* order, two colons, the key and the id */
#define KEYED_PLAIN_MAX (1 + 2 + CURSOR_KEY_MAX - 1 + UUID_STR_LEN + 1)

void
cursor_key_encode(const struct cursor_key *c, char out[CURSOR_MAX])
{
	char plain[KEYED_PLAIN_MAX];
	int n = snprintf(plain, sizeof(plain), "%c:%s:%s", c->order, c->key, c->id);

	sodium_bin2base64(out, CURSOR_MAX, (const unsigned char *)plain, (size_t)n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
cursor_key_decode(const char *text, struct cursor_key *c)
{
	unsigned char plain[KEYED_PLAIN_MAX];
	size_t len, keylen;
	const char *end, *key, *colon;

	if (text == NULL || strlen(text) >= CURSOR_MAX ||
	    sodium_base642bin(plain, sizeof(plain) - 1, text, strlen(text), NULL, &len, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || *end != '\0')
		return -1;
	plain[len] = '\0';
	if (len < 3 || plain[1] != ':' || plain[0] == ':' || plain[0] == '\0')
		return -1;
	key = (const char *)plain + 2;
	if ((colon = strchr(key, ':')) == NULL || (keylen = (size_t)(colon - key)) >= CURSOR_KEY_MAX ||
	    !uuid_valid(colon + 1, len - 3 - keylen))
		return -1;
	c->order = (char)plain[0];
	memcpy(c->key, key, keylen);
	c->key[keylen] = '\0';
	memcpy(c->id, colon + 1, UUID_STR_LEN + 1);
	return 0;
}

int
cursor_limit(const char *text, int def, int max)
{
	char *end;
	long v;

	if (text == NULL)
		return def;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 1 || v > max)
		return -1;
	return (int)v;
}
