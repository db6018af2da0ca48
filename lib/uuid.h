/*
 * uuid: random (version 4) UUIDs, made by the services rather than the
 * database so an id exists before its row does, and the check that a
 * client-supplied id has the canonical text form before it reaches SQL.
 */
#ifndef QUILL_UUID_H
#define QUILL_UUID_H

#include <stdbool.h>
#include <stddef.h>

#define UUID_STR_LEN 36

/* Writes a new lower-case "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" and its NUL. */
void uuid_v4(char out[UUID_STR_LEN + 1]);

/*
 * A version 8 UUID from a hash of data: the same data always names the
 * same id (a job named by an Idempotency-Key, a dropped file by its
 * identity), and different data practically never.
 */
void uuid_v8_hash(const void *data, size_t len, char out[UUID_STR_LEN + 1]);
/* Whether s (len bytes) is a UUID in 8-4-4-4-12 hex form, either case. */
bool uuid_valid(const char *s, size_t len);
/*
 * The one spelling of an id that comes from outside (a path, a token, a
 * directory name, a notification): when s (len bytes, no NUL needed) is a
 * UUID in either case, writes it in lower case, as ids are made, stored
 * and compared, with its NUL and returns true; else writes "" and returns
 * false.
 */
bool uuid_canonical(const char *s, size_t len, char out[UUID_STR_LEN + 1]);
/*
 * A UUID's 16 bytes (a fixed-size key for tables that hold ids: the
 * verifier's revocations, quill-ocrd's stream counts); -1 when s is not
 * a UUID in 8-4-4-4-12 hex form, either case.
 */
int uuid_to_bytes(const char *s, unsigned char out[16]);

#endif
