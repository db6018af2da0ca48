/*
 * netmask: IPv4 and IPv6 addresses and networks ("10.0.0.0/8", "::1"),
 * and whether an address is in a list of them.  For the settings that
 * name who may do something: the gateway's trusted_proxies, [http]
 * metrics_allow.
 */
#ifndef QUILL_NETMASK_H
#define QUILL_NETMASK_H

#include <stdbool.h>
#include <stddef.h>

struct netmask {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;			/* prefix length; a lone address is all of them */
};

/* Parses "ADDR" or "ADDR/BITS"; 0, or -1 when text is neither. */
int netmask_parse(const char *text, struct netmask *out);
/*
 * Parses a list of them separated by spaces or commas into out (room for
 * max); the count, or -1 after writing why into err (the word that is not
 * one, or too many).
 */
int netmask_parse_list(const char *text, struct netmask *out, int max, char *err, size_t errsize);
/* Whether addr (4 or 16 bytes of family) is in one of the n networks. */
bool netmask_contains(const struct netmask *nets, int n, int family, const unsigned char *addr);

#endif
