/*
 * test_uuid: the text forms lib/uuid makes and accepts, and a UUID's 16
 * bytes (the key of the verifier's revocations and quill-ocrd's stream
 * counts), which must not depend on the text's case.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "lib/uuid.h"
#include "tests/unit/tap.h"

int
main(void)
{
	static const unsigned char want[16] = {
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x81, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	unsigned char b[16], c[16];
	char id[UUID_STR_LEN + 1];

	if (sodium_init() < 0)
		skip_all("libsodium does not start");
	uuid_v4(id);
	ok(uuid_valid(id, strlen(id)), "a v4 id is a UUID");
	ok(id[14] == '4', "  of version 4");

	ok(uuid_to_bytes("12345678-9abc-4def-8123-456789abcdef", b) == 0, "uuid_to_bytes reads a lower-case id");
	ok(memcmp(b, want, 16) == 0, "  into its 16 bytes, in order");
	ok(uuid_to_bytes("12345678-9ABC-4DEF-8123-456789ABCDEF", c) == 0 && memcmp(c, want, 16) == 0,
	    "  an upper-case one gives the same bytes");
	ok(uuid_to_bytes(id, b) == 0, "  a v4 id");
	ok(uuid_to_bytes("12345678-9abc-4def-8123-456789abcde", b) == -1, "one hex digit short: -1");
	ok(uuid_to_bytes("12345678-9abc-4def-8123-456789abcdef0", b) == -1, "one too many: -1");
	ok(uuid_to_bytes("123456789-abc-4def-8123-456789abcdef", b) == -1, "a dash out of place: -1");
	ok(uuid_to_bytes("12345678-9abc-4def-8123-456789abcdeg", b) == -1, "a letter that is not hex: -1");
	ok(uuid_to_bytes("", b) == -1, "nothing: -1");

	ok(uuid_canonical("12345678-9ABC-4def-8123-456789AbCdEf", UUID_STR_LEN, id) &&
	    strcmp(id, "12345678-9abc-4def-8123-456789abcdef") == 0, "uuid_canonical lower-cases a UUID");
	ok(uuid_canonical("12345678-9abc-4def-8123-456789abcdef trailing", UUID_STR_LEN, id) &&
	    strcmp(id, "12345678-9abc-4def-8123-456789abcdef") == 0, "  reads only len bytes, ends them with a NUL");
	ok(!uuid_canonical("12345678-9abc-4def-8123-456789abcdef0", UUID_STR_LEN + 1, id) && id[0] == '\0',
	    "  one too many: false, and an empty id");
	ok(!uuid_canonical("12345678-9abc-4def-8123-456789abcde", UUID_STR_LEN - 1, id) && id[0] == '\0',
	    "  one short: false");
	ok(!uuid_canonical("12345678_9abc-4def-8123-456789abcdef", UUID_STR_LEN, id), "  a dash missing: false");
	ok(!uuid_canonical("12345678-9abc-4def-8123-456789abcdeG", UUID_STR_LEN, id), "  a letter not hex: false");
	ok(!uuid_canonical(NULL, 0, id) && id[0] == '\0', "  nothing: false");
	return done_testing();
}
