/*
 * cursor: the opaque `cursor` of list endpoints.  Lists are ordered by a
 * time and then an id, so a position is the (microseconds, uuid) pair of
 * the last item sent; the client gets it as unpadded base64url and must
 * not read anything into it.  A cursor that does not decode is a client
 * error (400), never a database error.
 */
#ifndef QUILL_CURSOR_H
#define QUILL_CURSOR_H

#include <stdint.h>

#include "lib/uuid.h"

#define CURSOR_MAX 96	/* room for an encoded cursor and its NUL */

struct cursor {
	int64_t	time_us;	/* microseconds since the epoch */
	char	id[UUID_STR_LEN + 1];
};

void cursor_encode(const struct cursor *c, char out[CURSOR_MAX]);
/* Returns 0, or -1 when text is not a cursor made by cursor_encode. */
int cursor_decode(const char *text, struct cursor *c);

/*
 * A position in a list sorted by a key other than a time (a date, an
 * amount): the last item's key as text, "" when it had none (such items
 * sort last), its id, and a letter naming the order the list was in, so
 * that a cursor given out for one order is refused by another.  The key
 * holds no ':'; what else it may be is the caller's to check.
 */
#define CURSOR_KEY_MAX 32
struct cursor_key {
	char	order;
	char	key[CURSOR_KEY_MAX];
	char	id[UUID_STR_LEN + 1];
};

void cursor_key_encode(const struct cursor_key *c, char out[CURSOR_MAX]);
/* Returns 0, or -1 when text is not a cursor made by cursor_key_encode. */
int cursor_key_decode(const char *text, struct cursor_key *c);

/*
 * Reads the `limit` query value: absent gives def, otherwise an integer
 * 1..max.  Returns the limit, or -1 for anything else.
 */
int cursor_limit(const char *text, int def, int max);

#endif
