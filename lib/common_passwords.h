/* common_passwords: the built-in list credentials.c refuses (sorted, lower case). */
#ifndef QUILL_COMMON_PASSWORDS_H
#define QUILL_COMMON_PASSWORDS_H

#include <stddef.h>

extern const char *const common_passwords[];
extern const size_t common_passwords_count;

#endif
