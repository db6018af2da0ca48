/*
 * multipart: see multipart.h.
 *
 * The body is walked once, front to back.  Delimiters are found with
 * glibc's memmem(), whose two-way search is linear in the bytes searched,
 * and each search starts where the previous part ended; a header line is
 * looked for only within its length limit.  So no byte is read more than
 * a bounded number of times, whatever the body holds.
 *
 * RFC 2046 forbids the boundary inside a part, so "--" boundary at the
 * start of any line is a delimiter, and one followed by anything but "--"
 * or (padding and) CRLF makes the body malformed rather than being taken
 * for data.
 *
 * SECURITY: every byte here comes from the client of an upload (anyone
 * with an access token, through quill-ocrd): the body, its boundary and
 * every part header are hostile.  Trusted: only the caller's claim that
 * the body is whole in memory and its length.  Refused as malformed: a
 * boundary over MULTIPART_BOUNDARY_MAX, a body cut before its close
 * delimiter, a delimiter followed by anything but "--" or CRLF, a part
 * with more than MULTIPART_MAX_HEADERS lines or a line over
 * MULTIPART_MAX_HEADER_LEN, a part without form-data and a name, a name
 * or filename given twice.  Nothing is decoded, copied or written: a
 * filename comes back as the client's bytes, which the caller must check
 * (quill-ocrd requires strict UTF-8, lib/utf8) and never use as a path.
 * Reading is linear in the body's length whatever it holds.
 */
#include <string.h>
#include <strings.h>

#include "lib/multipart.h"

#define SEEN_DISPOSITION	0x1
#define SEEN_TYPE		0x2

/* The body being walked. */
struct walk {
	const char *p;		/* the next byte to read */
	const char *end;
	char delim[4 + MULTIPART_BOUNDARY_MAX];	/* CRLF "--" boundary, without a NUL */
	size_t delim_len;
};

/* One "name=value" of a header value; the value without its quotes. */
struct param {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

static size_t
left(const char *p, const char *end)
{
	return (size_t)(end - p);
}

/* RFC 9110's tchar: what a header name, media type or unquoted parameter is made of. */
static int
tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 2046's bchars: what a boundary is made of. */
static int
bchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* Control characters other than HTAB, which no header line may hold. */
static int
ctl(char c)
{
	return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

static size_t
token_len(const char *p, const char *end)
{
	const char *t = p;

	while (t < end && tchar(*t))
		t++;
	return left(p, t);
}

static const char *
skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static int
same_nocase(const char *s, size_t len, const char *literal)
{
	return strlen(literal) == len && strncasecmp(s, literal, len) == 0;
}

static int
boundary_valid(const char *b, size_t len)
{
	if (len < 1 || len > MULTIPART_BOUNDARY_MAX || b[len - 1] == ' ')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!bchar(b[i]))
			return 0;
	return 1;
}

/*
 * Reads the next parameter of a header value at *pp: ";", optional
 * whitespace, a token, "=" and a token or quoted string (whose
 * backslashes escape the next character).  Empty parameters (";;") and a
 * ";" at the end are let pass.  1 with *prm set, 0 at the end of the
 * value, -1 when malformed.
 */
static int
param_next(const char **pp, const char *end, struct param *prm)
{
	const char *p = skip_ows(*pp, end), *q;
	size_t n;

	if (p == end)
		return 0;
	if (*p != ';')
		return -1;
	do
		p = skip_ows(p + 1, end);
	while (p < end && *p == ';');
	if (p == end)
		return 0;
	if ((n = token_len(p, end)) == 0)
		return -1;
	prm->name = p;
	prm->name_len = n;
	p = skip_ows(p + n, end);
	if (p == end || *p != '=')
		return -1;
	p = skip_ows(p + 1, end);
	if (p < end && *p == '"') {
		for (q = p + 1; q < end && *q != '"'; q++)
			if (*q == '\\' && ++q == end)
				return -1;
		if (q == end)
			return -1;
		prm->value = p + 1;
		prm->value_len = left(p + 1, q);
		p = q + 1;
	} else {
		if ((n = token_len(p, end)) == 0)
			return -1;
		prm->value = p;
		prm->value_len = n;
		p += n;
	}
	*pp = p;
	return 1;
}

int
multipart_boundary(const char *content_type, size_t len, char *out, size_t outsize)
{
	const char *p, *end, *boundary = NULL;
	size_t n, boundary_len = 0;
	struct param prm;
	int r;

	if (out == NULL || outsize == 0)
		return -1;
	out[0] = '\0';
	if (content_type == NULL || len == 0)
		return -1;
	end = content_type + len;
	p = skip_ows(content_type, end);
	n = token_len(p, end);
	if (left(p + n, end) < 1 || p[n] != '/')
		return -1;
	n += 1 + token_len(p + n + 1, end);
	if (!same_nocase(p, n, "multipart/form-data"))
		return -1;
	p += n;
	while ((r = param_next(&p, end, &prm)) == 1) {
		if (!same_nocase(prm.name, prm.name_len, "boundary"))
			continue;
		if (boundary != NULL)
			return -1;	/* two boundaries: which one would the sender mean? */
		boundary = prm.value;
		boundary_len = prm.value_len;
	}
	if (r != 0 || boundary == NULL || !boundary_valid(boundary, boundary_len) || boundary_len >= outsize)
		return -1;
	memcpy(out, boundary, boundary_len);
	out[boundary_len] = '\0';
	return (int)boundary_len;
}

static int
walk_init(struct walk *w, const char *body, size_t len, const char *boundary)
{
	size_t n;

	if (body == NULL || boundary == NULL)
		return -1;
	n = strnlen(boundary, MULTIPART_BOUNDARY_MAX + 1);
	if (!boundary_valid(boundary, n))
		return -1;
	memcpy(w->delim, "\r\n--", 4);
	memcpy(w->delim + 4, boundary, n);
	w->delim_len = 4 + n;
	w->p = body;
	w->end = body + len;
	return 0;
}

/* Whether the walk stands on "--" boundary, the delimiter without its CRLF. */
static int
at_dash_boundary(const struct walk *w)
{
	return left(w->p, w->end) >= w->delim_len - 2 && memcmp(w->p, w->delim + 2, w->delim_len - 2) == 0;
}

/* Steps past the first delimiter: at the very start, or after a preamble and its CRLF. */
static int
first_delimiter(struct walk *w)
{
	const char *d;

	if (at_dash_boundary(w)) {
		w->p += w->delim_len - 2;
		return 0;
	}
	if ((d = memmem(w->p, left(w->p, w->end), w->delim, w->delim_len)) == NULL)
		return -1;
	w->p = d + w->delim_len;
	return 0;
}

/*
 * Reads what follows a delimiter: "--" closes the body (1; whatever comes
 * after is the epilogue), transport padding and CRLF start a part (0).
 */
static int
after_delimiter(struct walk *w)
{
	if (left(w->p, w->end) >= 2 && w->p[0] == '-' && w->p[1] == '-')
		return 1;
	w->p = skip_ows(w->p, w->end);
	if (left(w->p, w->end) < 2 || w->p[0] != '\r' || w->p[1] != '\n')
		return -1;
	w->p += 2;
	return 0;
}

/* Content-Disposition: form-data, with name= once and filename= at most once. */
static int
disposition(const char *v, const char *end, struct multipart_part *part)
{
	struct param prm;
	size_t n = token_len(v, end);
	int r;

	if (!same_nocase(v, n, "form-data"))
		return -1;
	v += n;
	while ((r = param_next(&v, end, &prm)) == 1) {
		if (same_nocase(prm.name, prm.name_len, "name")) {
			if (part->name != NULL)
				return -1;
			part->name = prm.value;
			part->name_len = prm.value_len;
		} else if (same_nocase(prm.name, prm.name_len, "filename")) {
			if (part->filename != NULL)
				return -1;
			part->filename = prm.value;
			part->filename_len = prm.value_len;
		}
	}
	return r;
}

/* One header line, without its CRLF; a header given twice is malformed. */
static int
header_line(const char *line, const char *eol, struct multipart_part *part, unsigned *seen)
{
	const char *v, *vend;
	size_t n;

	for (const char *c = line; c < eol; c++)
		if (ctl(*c))
			return -1;
	n = token_len(line, eol);
	if (n == 0 || line + n == eol || line[n] != ':')
		return -1;	/* a name, or a continuation line, which RFC 9112 forbids */
	v = skip_ows(line + n + 1, eol);
	for (vend = eol; vend > v && (vend[-1] == ' ' || vend[-1] == '\t'); vend--)
		continue;
	if (same_nocase(line, n, "Content-Disposition")) {
		if (*seen & SEEN_DISPOSITION)
			return -1;
		*seen |= SEEN_DISPOSITION;
		return disposition(v, vend, part);
	}
	if (same_nocase(line, n, "Content-Type")) {
		if (*seen & SEEN_TYPE)
			return -1;
		*seen |= SEEN_TYPE;
		part->content_type = v;
		part->content_type_len = left(v, vend);
	}
	return 0;
}

/* Reads a part's header lines and the empty line after them; the walk then stands on the data. */
static int
part_headers(struct walk *w, struct multipart_part *part)
{
	unsigned seen = 0;
	int lines = 0;

	memset(part, 0, sizeof(*part));
	for (;;) {
		size_t window = left(w->p, w->end);
		const char *crlf;

		if (window > MULTIPART_MAX_HEADER_LEN + 2)
			window = MULTIPART_MAX_HEADER_LEN + 2;
		if ((crlf = memmem(w->p, window, "\r\n", 2)) == NULL)
			return -1;	/* cut short, or a line over the limit */
		if (crlf == w->p)
			break;
		if (++lines > MULTIPART_MAX_HEADERS || header_line(w->p, crlf, part, &seen) != 0)
			return -1;
		w->p = crlf + 2;
	}
	w->p += 2;
	return part->name != NULL ? 0 : -1;
}

/* The data runs to the CRLF of the next delimiter; the walk then stands after that delimiter. */
static int
part_data(struct walk *w, struct multipart_part *part)
{
	const char *d;

	if (at_dash_boundary(w))
		return -1;	/* a delimiter with no CRLF before it: the data's own CRLF is missing */
	if ((d = memmem(w->p, left(w->p, w->end), w->delim, w->delim_len)) == NULL)
		return -1;
	part->data = w->p;
	part->data_len = left(w->p, d);
	w->p = d + w->delim_len;
	return 0;
}

static int
part_is(const struct multipart_part *part, const char *field)
{
	return part->name_len == strlen(field) && memcmp(part->name, field, part->name_len) == 0;
}

int
multipart_find(const char *body, size_t len, const char *boundary, const char *field,
    struct multipart_part *out)
{
	struct walk w;
	struct multipart_part part;
	int found = 0, r;

	memset(out, 0, sizeof(*out));
	if (field == NULL || walk_init(&w, body, len, boundary) != 0 || first_delimiter(&w) != 0)
		return -1;
	while ((r = after_delimiter(&w)) == 0) {
		if (part_headers(&w, &part) != 0 || part_data(&w, &part) != 0)
			break;
		if (!found && part_is(&part, field)) {
			*out = part;
			found = 1;
		}
	}
	if (r != 1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return found ? 0 : 1;
}
