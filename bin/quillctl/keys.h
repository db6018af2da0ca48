/*
 * keys: `quillctl keys rotate|list`, the token signing keys in
 * [auth] keys_dir ("<kid>.key" files, see bin/quill-authd/keys.c).
 *
 * quill-authd signs with the newest file by modification time and
 * publishes all of them, so a key file's mtime is when it started
 * signing.  quillctl never reads a key file's content: only quill-authd
 * reads secrets; here a key is its name and its mtime.
 */
#ifndef QUILLCTL_KEYS_H
#define QUILLCTL_KEYS_H

struct config;

/*
 * Makes a new key file, newer by whole seconds than every other, removes
 * the files no unexpired token can need, and sends quill-authd SIGHUP
 * when its pid file names a running master.  Refuses (before making
 * anything) when more keys would remain than quill-authd loads.
 * Returns 0, or 1 after a message on stderr.
 */
int keys_rotate(const struct config *cfg);

/* kid, mtime (RFC 3339 UTC) and "signing" on the newest; returns 0 or 1. */
int keys_list(const struct config *cfg);

#endif
