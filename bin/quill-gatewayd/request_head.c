/*
 * request_head.c: the head of the request an upstream gets, in one piece.
 *
 * The upstream gets the request line with the routed path, Host (the
 * upstream's authority), Content-Length when there is a body (0 for a
 * POST, PUT or PATCH without one), the request's headers less the
 * hop-by-hop ones, the cookies in one header, X-Forwarded-For (the list
 * the caller kept, the peer appended) and X-Forwarded-Proto.  The head is
 * sized before it is written, into one allocation of the request's pool;
 * forward.c sends it and the body in one write.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <h2o.h>

#include "bin/quill-gatewayd/request_head.h"

static char *
append(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

#define APPEND_LIT(p, lit) append((p), (lit), sizeof(lit) - 1)

static bool
named_in_connection(const h2o_headers_t *hs, const h2o_iovec_t *name)
{
	for (ssize_t i = -1; (i = h2o_find_header(hs, H2O_TOKEN_CONNECTION, i)) != -1;) {
		const h2o_iovec_t *v = &hs->entries[i].value;

		if (h2o_contains_token(v->base, v->len, name->base, name->len, ','))
			return true;
	}
	return false;
}

/* Hop-by-hop request headers, and those this file writes itself. */
static bool
drop_for_upstream(const h2o_req_t *req, const h2o_header_t *h, bool has_connection)
{
	const h2o_iovec_t *n = h->name;

	if (h2o_iovec_is_token(n)) {
		const h2o_token_t *t = H2O_STRUCT_FROM_MEMBER(h2o_token_t, buf, n);

		if (t->proxy_should_drop_for_req || t == H2O_TOKEN_X_FORWARDED_FOR || t == H2O_TOKEN_COOKIE)
			return true;
	} else if (h2o_lcstris(n->base, n->len, H2O_STRLIT("x-forwarded-proto")) ||
	    h2o_lcstris(n->base, n->len, H2O_STRLIT("proxy-connection")) ||
	    h2o_lcstris(n->base, n->len, H2O_STRLIT("trailer"))) {
		return true;
	}
	return has_connection && named_in_connection(&req->headers, n);
}

/* Every value of a header, joined by sep and a space. */
static char *
append_joined(char *p, const h2o_headers_t *hs, const h2o_token_t *token, char sep, bool *any)
{
	for (ssize_t i = -1; (i = h2o_find_header(hs, token, i)) != -1;) {
		if (*any) {
			*p++ = sep;
			*p++ = ' ';
		}
		p = append(p, hs->entries[i].value.base, hs->entries[i].value.len);
		*any = true;
	}
	return p;
}

static char *
append_decimal(char *p, unsigned v)
{
	char digits[10];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = digits[--n];
	return p;
}

/* The client's address as text; an IPv4 one without printf, which is most of its cost. */
static size_t
peer_address(h2o_req_t *req, char *buf)
{
	struct sockaddr_storage ss;
	socklen_t len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
	size_t n;

	if (len != 0 && ss.ss_family == AF_INET) {
		const unsigned char *a = (const unsigned char *)&((struct sockaddr_in *)&ss)->sin_addr;
		char *p = buf;

		for (int i = 0; i < 4; i++) {
			if (i != 0)
				*p++ = '.';
			p = append_decimal(p, a[i]);
		}
		return (size_t)(p - buf);
	}
	if (len == 0 || (n = h2o_socket_getnumerichost((struct sockaddr *)&ss, len, buf)) == SIZE_MAX)
		return 0;
	return n;
}

static bool
needs_content_length(const h2o_req_t *req)
{
	const h2o_iovec_t m = req->method;

	return req->entity.base != NULL || h2o_memis(m.base, m.len, H2O_STRLIT("POST")) ||
	    h2o_memis(m.base, m.len, H2O_STRLIT("PUT")) || h2o_memis(m.base, m.len, H2O_STRLIT("PATCH"));
}

h2o_iovec_t
request_head(h2o_req_t *req, const h2o_iovec_t *authority, h2o_iovec_t path, bool websocket)
{
	bool has_connection = h2o_find_header(&req->headers, H2O_TOKEN_CONNECTION, -1) != -1;
	bool any = false;
	char peer[NI_MAXHOST];
	size_t peer_len = peer_address(req, peer);
	size_t cap = req->method.len + path.len + authority->len + peer_len + 256;
	char *buf, *p;

	for (size_t i = 0; i != req->headers.size; i++)
		cap += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
	p = buf = h2o_mem_alloc_pool(&req->pool, cap);

	p = append(p, req->method.base, req->method.len);
	*p++ = ' ';
	p = append(p, path.base, path.len);
	p = APPEND_LIT(p, " HTTP/1.1\r\nhost: ");
	p = append(p, authority->base, authority->len);
	p = APPEND_LIT(p, "\r\n");
	if (websocket)
		p = APPEND_LIT(p, "connection: upgrade\r\nupgrade: websocket\r\n");
	if (needs_content_length(req))
		p += sprintf(p, "content-length: %zu\r\n", req->entity.len);
	for (size_t i = 0; i != req->headers.size; i++) {
		const h2o_header_t *h = &req->headers.entries[i];

		if (drop_for_upstream(req, h, has_connection))
			continue;
		p = append(p, h->orig_name != NULL ? h->orig_name : h->name->base, h->name->len);
		*p++ = ':';
		*p++ = ' ';
		p = append(p, h->value.base, h->value.len);
		p = APPEND_LIT(p, "\r\n");
	}
	/* An HTTP/2 client may split its cookies over several headers; HTTP/1.1 has one. */
	if (h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, -1) != -1) {
		p = APPEND_LIT(p, "cookie: ");
		p = append_joined(p, &req->headers, H2O_TOKEN_COOKIE, ';', &any);
		p = APPEND_LIT(p, "\r\n");
		any = false;
	}
	if (peer_len != 0 || h2o_find_header(&req->headers, H2O_TOKEN_X_FORWARDED_FOR, -1) != -1) {
		p = APPEND_LIT(p, "x-forwarded-for: ");
		p = append_joined(p, &req->headers, H2O_TOKEN_X_FORWARDED_FOR, ',', &any);
		if (peer_len != 0) {
			if (any)
				p = APPEND_LIT(p, ", ");
			p = append(p, peer, peer_len);
		}
		p = APPEND_LIT(p, "\r\n");
	}
	p = APPEND_LIT(p, "x-forwarded-proto: ");
	p = append(p, req->input.scheme->name.base, req->input.scheme->name.len);
	p = APPEND_LIT(p, "\r\n\r\n");
	return h2o_iovec_init(buf, (size_t)(p - buf));
}
