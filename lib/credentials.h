/*
 * credentials: what quill accepts as an e-mail address and as a password,
 * decided in one place for quill-authd's API and for quillctl.
 *
 * An address is trimmed of surrounding white space and lower-cased (ASCII
 * here; SQL's lower() on the way in and out does the rest), then
 * must look like local@domain: 3 to 254 bytes, one '@', no white space or
 * control characters, a domain with a dot that neither starts nor ends it.
 * This is a sanity check, not RFC 5322: the only proof that an address
 * works is mail that arrives.
 *
 * A password must be 12 to 128 characters (UTF-8 code points), must not
 * be the address itself (compared case-insensitively), must not be one of
 * the common passwords built in, and must not be one character or one
 * short run repeated ("aaaaaaaaaaaa", "abcabcabcabc").
 */
#ifndef QUILL_CREDENTIALS_H
#define QUILL_CREDENTIALS_H

#include <stddef.h>

#define CREDENTIALS_EMAIL_MAX		254
#define CREDENTIALS_PASSWORD_MIN	12	/* characters */
#define CREDENTIALS_PASSWORD_MAX	128	/* characters */
#define CREDENTIALS_NAME_MAX		200	/* bytes of a display name */

/*
 * Writes the normalised address of email (len bytes) into out (at least
 * CREDENTIALS_EMAIL_MAX + 1 bytes).  Returns NULL, or a short reason fit
 * for a client ("email must contain one @").
 */
const char *credentials_email(const char *email, size_t len, char out[CREDENTIALS_EMAIL_MAX + 1]);

/*
 * Checks password (len bytes) against the policy above; email is the
 * normalised address it belongs to, or NULL.  Returns NULL, or a short
 * reason fit for a client ("password is too common").
 */
const char *credentials_password(const char *password, size_t len, const char *email);

/*
 * Checks a display name: valid UTF-8, at most CREDENTIALS_NAME_MAX bytes,
 * no control characters.  Returns NULL or a reason.
 */
const char *credentials_name(const char *name, size_t len);

#endif
