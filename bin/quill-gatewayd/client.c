/*
 * client.c: which address a request comes from.
 *
 * Normally the peer of the connection.  When the peer is one of
 * trusted_proxies (a load balancer in front), X-Forwarded-For is read
 * from the right: each proxy appends the address it got the request
 * from, so the rightmost address that is not itself a trusted proxy is
 * the client.  Anything left of it was written by the client and could
 * be anything, so it is never believed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netmask.h"
#include "bin/quill-gatewayd/gateway.h"

/* Reads one address of an X-Forwarded-For list; false when it is not one. */
static bool
parse_forwarded(const char *s, size_t len, struct gw_client_addr *out)
{
	char buf[64];

	while (len > 0 && (s[0] == ' ' || s[0] == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		out->len = 16;
		return true;
	}
	return false;
}

/* The rightmost X-Forwarded-For address that is not a trusted proxy, if any. */
static void
believe_forwarded(h2o_req_t *req, struct gw_client_addr *out)
{
	/* Several X-Forwarded-For lines are one list, in order: walk them last first. */
	for (size_t n = req->headers.size; n > 0; n--) {
		h2o_iovec_t v = req->headers.entries[n - 1].value;
		size_t end = v.len;

		if (req->headers.entries[n - 1].name != &H2O_TOKEN_X_FORWARDED_FOR->buf)
			continue;
		while (end > 0) {
			size_t start = end;
			struct gw_client_addr a = { 0 };

			while (start > 0 && v.base[start - 1] != ',')
				start--;
			if (!parse_forwarded(v.base + start, end - start, &a))
				return;		/* garbage: keep the last address believed */
			*out = a;
			out->via_trusted_proxy = true;
			if (!netmask_contains(gw.proxies, gw.nproxies, a.family, a.addr))
				return;
			end = start > 0 ? start - 1 : 0;
		}
	}
}

void
gw_client_addr(h2o_req_t *req, struct gw_client_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return;
	if (ss.ss_family == AF_INET) {
		out->family = AF_INET;
		out->len = 4;
		memcpy(out->addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6) {
		out->family = AF_INET6;
		out->len = 16;
		memcpy(out->addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	} else
		return;
	if (gw.nproxies > 0 && netmask_contains(gw.proxies, gw.nproxies, out->family, out->addr)) {
		out->via_trusted_proxy = true;
		believe_forwarded(req, out);
	}
}
