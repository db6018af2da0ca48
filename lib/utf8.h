/*
 * utf8: strict UTF-8, as PostgreSQL's text type takes it.
 *
 * What every entry of a user-chosen string into the database checks
 * first (an upload's file name, a drop-in file's name): PostgreSQL
 * refuses a byte sequence that is not UTF-8 with SQLSTATE 22021, and a
 * value refused there is refused for ever, so it must be refused -- or
 * repaired -- where it comes in, with an answer its sender can read.
 *
 * Well-formed means Unicode's table 3-7: no overlong forms (C0, C1, E0
 * 80..9F, F0 80..8F), no surrogates (ED A0..BF), nothing above U+10FFFF
 * (F4 90.., F5..FF), no sequence cut short, and -- PostgreSQL has no
 * place for it in text -- no NUL.
 */
#ifndef QUILL_UTF8_H
#define QUILL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the len bytes at s are well-formed UTF-8 without NUL. */
bool utf8_valid(const char *s, size_t len);

/*
 * Copies the len bytes at in to out (size bytes, size > 0), each maximal
 * ill-formed part (and each NUL) replaced by U+FFFD, as the WHATWG
 * decoder does; cut at a character boundary to fit, NUL-terminated.
 * Returns the length written.  The result is utf8_valid().
 */
size_t utf8_repair(char *out, size_t size, const char *in, size_t len);

#endif
