/*
 * owners: the account whose e-mail names an operator's drop-in directory
 * (incoming/<email>/), asked of quill-authd without blocking.  It knows
 * nothing of the worker's jobs: when an answer comes it calls the wake
 * callback it was given, and the caller looks again.
 */
#ifndef QUILL_OWNERS_H
#define QUILL_OWNERS_H

#include "lib/uuid.h"

struct httpc;

enum owner_state { OWNER_EMPTY, OWNER_PENDING, OWNER_FOUND, OWNER_MISSING };

/* Asks through http at auth_url; wake(arg) runs when an answer has come. */
void owners_init(struct httpc *http, const char *auth_url, void (*wake)(void *arg), void *arg);
/* Abandons the questions in flight (before the worker exits). */
void owners_abandon(void);
/*
 * The account whose e-mail is name: OWNER_FOUND with its id,
 * OWNER_MISSING when there is none, OWNER_PENDING while quill-authd is
 * asked.
 */
enum owner_state owners_find(const char *name, char id[UUID_STR_LEN + 1]);

#endif
