/*
 * netmask: parsing networks and testing addresses against them.
 *
 * The text comes from the configuration, checked at start; an address
 * tested comes from a socket (getpeername) or a header the caller has
 * decided to believe, as bytes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netmask.h"

int
netmask_parse(const char *text, struct netmask *out)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	int max;

	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, text, len);
	addr[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else
		return -1;
	out->bits = max;
	if (slash != NULL) {
		char *end;
		long bits = strtol(slash + 1, &end, 10);

		if (slash[1] == '\0' || *end != '\0' || bits < 0 || bits > max)
			return -1;
		out->bits = (int)bits;
	}
	return 0;
}

bool
netmask_contains(const struct netmask *nets, int n, int family, const unsigned char *addr)
{
	for (int i = 0; i < n; i++) {
		const struct netmask *net = &nets[i];
		int full = net->bits / 8, rest = net->bits % 8;

		if (net->family != family || memcmp(net->addr, addr, (size_t)full) != 0)
			continue;
		if (rest == 0 || ((net->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0)
			return true;
	}
	return false;
}

int
netmask_parse_list(const char *text, struct netmask *out, int max, char *err, size_t errsize)
{
	const char *p = text;
	int n = 0;

	for (;;) {
		char word[64];
		size_t len;

		p += strspn(p, " \t,");
		if (*p == '\0')
			return n;
		len = strcspn(p, " \t,");
		if (n == max || len >= sizeof(word)) {
			snprintf(err, errsize, "at most %d addresses or networks", max);
			return -1;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		if (netmask_parse(word, &out[n]) != 0) {
			snprintf(err, errsize, "\"%s\" is not an address or network", word);
			return -1;
		}
		n++;
		p += len;
	}
}
