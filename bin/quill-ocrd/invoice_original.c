/*
 * invoice_original: GET /api/invoices/{id}/original, the file an
 * invoice was read from, byte for byte, to its owner (or an admin).
 *
 * SECURITY: the bytes and the file name are an uploader's.  The content
 * type is the one the worker found from the bytes (lib/imagetype), never
 * the one declared, and is sent only when it looks like a media type;
 * the browser is told not to sniff another and to run nothing in it.
 * The name goes into Content-Disposition as a quoted ASCII fallback, in
 * which every byte but letters, digits and " ._-()" became "_", and as
 * RFC 8187 percent-encoded UTF-8: no quote, backslash, control byte or
 * header separator of the name ever reaches the header as itself.
 */
#include <stdio.h>
#include <string.h>

#include "lib/invoices.h"
#include "bin/quill-ocrd/ocrd.h"

/* Whether c may stand as itself in the quoted ASCII name. */
static bool
plain_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr(" ._-()", c) != NULL;
}

/* RFC 8187 attr-char: what filename* keeps unencoded. */
static bool
attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr("!#$&+-.^_`|~", c) != NULL;
}

/* inline; filename="..."; filename*=UTF-8''..., in the request's pool. */
static h2o_iovec_t
disposition(h2o_mem_pool_t *pool, const char *name, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char head[] = "inline; filename=\"", mid[] = "\"; filename*=UTF-8''";
	char *out = h2o_mem_alloc_pool(pool, sizeof(head) + sizeof(mid) + 4 * len + 1), *p = out;

	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	for (size_t i = 0; i < len; i++)
		*p++ = plain_name_char((unsigned char)name[i]) ? name[i] : '_';
	memcpy(p, mid, sizeof(mid) - 1);
	p += sizeof(mid) - 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (attr_char(c)) {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	return h2o_iovec_init(out, (size_t)(p - out));
}

/* A type/subtype of token characters, as lib/imagetype's are; anything else is not sent. */
static bool
media_type_sane(const char *t, size_t len)
{
	size_t slashes = 0;

	if (len == 0 || len > 100)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '/')
			slashes++;
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("+-.", c) != NULL))
			return false;
	}
	return slashes == 1;
}

static void
on_original(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;
	h2o_req_t *req = op->hr->req;
	const char *type;
	size_t type_len;

	if (!job_op_result(op, res, err))
		return;
	if (PQntuples(res) == 0) {
		http_send_error(op->hr, 404, "not_found", "no such invoice");
		return;
	}
	if (PQgetisnull(res, 0, INVOICE_ORIG_TYPE)) {
		http_send_error(op->hr, 404, "not_found", "the invoice has no original: it was entered by hand");
		return;
	}
	type = PQgetvalue(res, 0, INVOICE_ORIG_TYPE);
	type_len = (size_t)PQgetlength(res, 0, INVOICE_ORIG_TYPE);
	if (!media_type_sane(type, type_len)) {
		type = "application/octet-stream";
		type_len = strlen(type);
	}
	if (!PQgetisnull(res, 0, INVOICE_ORIG_NAME) && PQgetlength(res, 0, INVOICE_ORIG_NAME) > 0) {
		h2o_iovec_t d = disposition(&req->pool, PQgetvalue(res, 0, INVOICE_ORIG_NAME),
		    (size_t)PQgetlength(res, 0, INVOICE_ORIG_NAME));

		h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-disposition"), 0, NULL,
		    d.base, d.len);
	} else {
		h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-disposition"), 0, NULL,
		    H2O_STRLIT("inline"));
	}
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL,
	    H2O_STRLIT("nosniff"));
	h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-security-policy"), 0, NULL,
	    H2O_STRLIT("default-src 'none'; sandbox"));
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("private, no-cache"));
	type = h2o_strdup(&req->pool, type, type_len).base;
	http_send_text(op->hr, 200, type, PQgetvalue(res, 0, INVOICE_ORIG_BODY),
	    (size_t)PQgetlength(res, 0, INVOICE_ORIG_BODY));
}

void
invoices_original(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);
	static const int formats[3] = { 0, 0, 0 }, lengths[3] = { 0, 0, 0 };
	/* every column binary: the body as its bytes, the text columns as theirs */
	static const struct pg_binary bin = { lengths, formats, 1 };
	const char *params[3];

	if (op == NULL || !job_op_invoice_id(op))
		return;
	params[0] = op->invoice_id;
	params[1] = op->user_id;
	params[2] = op->admin ? "true" : "false";
	op_head_query_bin(&op->head, invoice_sql_original, 3, params, &bin, on_original, op);
}
