/*
 * multipart: finds one field of a multipart/form-data body (RFC 7578)
 * that is already whole in memory, as the OCR API holds an upload.
 *
 * Nothing is copied or decoded: a part is described by slices of the
 * caller's buffer, which must outlive them, so a body of any size, mapped
 * from a file or not, costs no memory here.  The body may hold any bytes,
 * NULs included, and need not end with a NUL.
 *
 * Rules a caller must know:
 * - A body is well formed only up to its close delimiter: one that stops
 *   before it, as a cut-off upload does, is malformed, never a shorter
 *   file.  A preamble before the first delimiter and an epilogue after
 *   the close delimiter are allowed and ignored.
 * - The whole body is checked, also past the part asked for, so the same
 *   body always gets the same answer whatever field is asked.
 * - Every part must say Content-Disposition: form-data with a name, and
 *   has at most MULTIPART_MAX_HEADERS header lines of at most
 *   MULTIPART_MAX_HEADER_LEN bytes; anything else is malformed, so a
 *   client cannot make the parser read headers without end.
 * - A filename is what the client sent, quotes removed and nothing
 *   unescaped: fit for a log line after escaping, never for a path.
 *   filename*= is ignored.
 * - The data of a part is exactly what lies between its headers and the
 *   CRLF before the next delimiter; Content-Transfer-Encoding, which
 *   RFC 7578 deprecates, is not applied.
 * - The time taken is linear in the body's length.
 */
#ifndef QUILL_MULTIPART_H
#define QUILL_MULTIPART_H

#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX		70	/* RFC 2046 */
#define MULTIPART_MAX_HEADERS		16	/* per part */
#define MULTIPART_MAX_HEADER_LEN	1024	/* bytes of one header line, CRLF not counted */

/* Slices of the body; a member that is absent is NULL with length 0. */
struct multipart_part {
	const char *name;		/* the form field's name, as sent */
	size_t name_len;
	const char *filename;		/* as sent: neither decoded nor to be trusted */
	size_t filename_len;
	const char *content_type;	/* the part's Content-Type value, parameters included */
	size_t content_type_len;
	const char *data;
	size_t data_len;
};

/*
 * Reads the boundary parameter (quoted or not) of a Content-Type value of
 * len bytes whose media type is multipart/form-data, without case.  The
 * boundary must be 1 to MULTIPART_BOUNDARY_MAX characters that RFC 2046
 * allows.  Copies it, with a NUL, to out and returns its length; -1 when
 * there is none, it is invalid or it does not fit in outsize bytes.
 */
int multipart_boundary(const char *content_type, size_t len, char *out, size_t outsize);

/*
 * Finds the first part of body whose form-data name is field (compared
 * exactly) and describes it in *out.  Returns 0 when found, 1 when the
 * body is well formed but has no such part, -1 when it is malformed; on
 * anything but 0, *out is all NULL and 0.
 */
int multipart_find(const char *body, size_t len, const char *boundary, const char *field,
    struct multipart_part *out);

#endif
