/*
 * users: `quillctl user ...`, accounts in auth.users managed from the
 * command line, through the [auth] database conninfo (quill-authd's own
 * role, the one with row access to the auth tables).
 *
 * The same rules as the API apply (lib/credentials): an address is
 * trimmed and lower-cased, a password must pass the policy, and the hash
 * is argon2id with the [auth] argon2_* parameters quill-authd uses.
 * Ending what an account holds -- deactivation, a change of role -- is
 * reported to the token verifiers by the triggers of sql/auth/002, so a
 * plain UPDATE of the row is enough here.
 */
#ifndef QUILLCTL_USERS_H
#define QUILLCTL_USERS_H

#include <stdbool.h>

struct config;

/*
 * Each returns the exit status: 0, or 1 after one message on stderr.
 *
 * user_add reads the password from standard input (on a terminal: asked
 * twice with echo off, both must match; otherwise: one line, its newline
 * stripped, not empty) and prints the new account's id.  name may be NULL.
 */
int user_add(const struct config *cfg, const char *email, const char *name, bool admin);

/* One aligned line per account: id, email, role, active, created, name. */
int user_list(const struct config *cfg);

/* Disabling also revokes the account's open sessions, in one transaction. */
int user_set_active(const struct config *cfg, const char *email, bool active);

/* role is "user" or "admin" (the caller checked). */
int user_set_role(const struct config *cfg, const char *email, const char *role);

#endif
