/*
 * keys: the token signing keys of quill-authd, the only process that reads
 * them.  Loaded in the master before the workers fork, so every worker has
 * them and no worker opens the files.
 */
#ifndef QUILL_AUTHD_KEYS_H
#define QUILL_AUTHD_KEYS_H

#include <stddef.h>

#include "lib/jwt.h"

struct config;

/*
 * Loads every "<kid>.key" file of [auth] keys_dir, making the directory
 * (0700) and a first key when there is none.  The newest file signs; all of
 * them verify and are published.  Returns 0, or -1 with a message in err.
 */
int keys_load(const struct config *cfg, char *err, size_t errsize);

/* The key new tokens are signed with. */
const struct jwt_key *keys_signing(void);
/* Every loaded key's public half, for verification and the JWKS document. */
const struct jwt_keyset *keys_public(void);

#endif
