/*
 * strbuf: a growing, always NUL-terminated string.
 *
 * Zero-initialised, it is empty and owns nothing; it grows by doubling.
 * When an allocation fails it sets failed, keeps what it has and ignores
 * every later addition, so a caller builds the whole text and checks
 * failed once at the end.  The caller frees p.
 */
#ifndef QUILL_STRBUF_H
#define QUILL_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *p;
	size_t len, cap;
	int failed;
};

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
