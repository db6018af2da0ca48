/*
 * fuzz_multipart: lib/multipart on any upload.  The input's first line is
 * the request's Content-Type, the rest its body, as quill-ocrd receives
 * them.  Every slice a found part gives must lie inside the body, its
 * data must be followed by the delimiter, and whether the body is
 * malformed must not depend on the field asked for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/multipart.h"

static void
check_slice(const char *p, size_t n, const char *body, size_t len)
{
	if (p == NULL ? n != 0 : (p < body || n > len || (size_t)(p - body) > len - n))
		abort();
}

static void
check_none(const struct multipart_part *m)
{
	if (m->name != NULL || m->filename != NULL || m->content_type != NULL || m->data != NULL ||
	    m->name_len != 0 || m->filename_len != 0 || m->content_type_len != 0 || m->data_len != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *nl = memchr(in, '\n', size), *body;
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	struct multipart_part part, other;
	size_t ct_len, len;
	int blen, r, r_other;

	if (nl == NULL)
		return 0;
	ct_len = (size_t)(nl - in);
	body = nl + 1;
	len = size - ct_len - 1;
	if ((blen = multipart_boundary(in, ct_len, boundary, sizeof(boundary))) < 0)
		return 0;
	if (blen < 1 || blen > MULTIPART_BOUNDARY_MAX || (size_t)blen != strlen(boundary))
		abort();
	r = multipart_find(body, len, boundary, "file", &part);
	r_other = multipart_find(body, len, boundary, "not-the-file", &other);
	if ((r == -1) != (r_other == -1))
		abort();
	if (r != 0) {
		check_none(&part);
		return 0;
	}
	check_slice(part.name, part.name_len, body, len);
	check_slice(part.filename, part.filename_len, body, len);
	check_slice(part.content_type, part.content_type_len, body, len);
	check_slice(part.data, part.data_len, body, len);
	if (part.name_len != 4 || memcmp(part.name, "file", 4) != 0)
		abort();
	/* The data ends where CRLF "--" boundary begins. */
	{
		const char *end = part.data + part.data_len;
		size_t rest = len - (size_t)(end - body);

		if (rest < 4 + (size_t)blen || memcmp(end, "\r\n--", 4) != 0 || memcmp(end + 4, boundary, blen) != 0)
			abort();
	}
	return 0;
}
