/*
 * dropin: `quillctl dropin allow USER UNIXUSER` and `quillctl dropin deny
 * UNIXUSER`.
 *
 * The drop-in group may write into incoming/ and nothing else of the
 * spool; which account a drop-in's job belongs to is decided by who
 * owns the file or directory, as the kernel says, never by a name a
 * drop-in user chose.  `allow` is the operator's word that the unix
 * account UNIXUSER drops for the quill account USER (an e-mail or a user
 * id, checked in auth.users): it makes incoming/UNIXUSER/ (owned by
 * UNIXUSER, of the daemons' group, 2770, so nobody else in the drop-in
 * group can look in) and records the pair in the spool (lib/spool.c).
 * `deny` forgets the pair: that account's files are then refused.
 * Only root can give a directory to another account, so both run as root.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "lib/config.h"
#include "lib/spool.h"
#include "lib/uuid.h"
#include "bin/quillctl/db.h"
#include "bin/quillctl/dropin.h"
#include "bin/quillctl/jobs.h"

/* The active account USER names (an e-mail or an id), its id in id; 0, or 1 after a message. */
static int
find_account(const struct config *cfg, const char *user, char id[UUID_STR_LEN + 1])
{
	const char *params[] = { user };
	PGconn *conn;
	PGresult *res;
	bool by_id = uuid_valid(user, strlen(user));
	int rc = 1;

	if ((conn = db_connect(cfg, "auth")) == NULL)
		return 1;
	res = db_run(conn, "reading auth.users", by_id ?
	    "SELECT id FROM auth.users WHERE id = $1::uuid AND is_active" :
	    "SELECT id FROM auth.users WHERE email = lower($1) AND is_active", 1, params, PGRES_TUPLES_OK);
	if (res != NULL && PQntuples(res) == 1) {
		snprintf(id, UUID_STR_LEN + 1, "%s", PQgetvalue(res, 0, 0));
		rc = 0;
	} else if (res != NULL) {
		fprintf(stderr, "quillctl: no active account %s\n", user);
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
}

static int
dropin_allow(const struct config *cfg, const char *user, const char *unix_name)
{
	char id[UUID_STR_LEN + 1];
	struct passwd *pw;
	struct spool *s;
	int rc = 1;

	if ((pw = getpwnam(unix_name)) == NULL) {
		fprintf(stderr, "quillctl: no unix account %s\n", unix_name);
		return 1;
	}
	if (pw->pw_uid == 0) {
		fprintf(stderr, "quillctl: root's files are the operator's, not a drop-in user's\n");
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "quillctl: dropin allow gives %s a directory: run it as root\n", unix_name);
		return 1;
	}
	if (find_account(cfg, user, id) != 0 || (s = jobs_open_spool(cfg)) == NULL)
		return 1;
	if (spool_dropin_allow(s, pw->pw_uid, unix_name, id) != 0)
		fprintf(stderr, "quillctl: allowing %s: %s\n", unix_name,
		    errno == EEXIST ? "incoming/ has an entry of that name owned by someone else" : strerror(errno));
	else {
		printf("%s drops files as %s into incoming/%s/\n", unix_name, id, unix_name);
		rc = 0;
	}
	spool_close(s);
	return rc;
}

static int
dropin_deny(const struct config *cfg, const char *unix_name)
{
	struct passwd *pw;
	struct spool *s;
	int rc;

	if ((pw = getpwnam(unix_name)) == NULL) {
		fprintf(stderr, "quillctl: no unix account %s\n", unix_name);
		return 1;
	}
	if ((s = jobs_open_spool(cfg)) == NULL)
		return 1;
	rc = spool_dropin_deny(s, pw->pw_uid);
	if (rc < 0)
		fprintf(stderr, "quillctl: denying %s: %s\n", unix_name, strerror(errno));
	else if (rc == 1)
		fprintf(stderr, "quillctl: %s was not allowed\n", unix_name);
	else
		printf("%s no longer drops files; incoming/%s/ stays, its files are refused\n", unix_name, unix_name);
	spool_close(s);
	return rc == 0 ? 0 : 1;
}

int
dropin_command(const struct config *cfg, int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "allow") == 0)
		return dropin_allow(cfg, argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "deny") == 0)
		return dropin_deny(cfg, argv[2]);
	return -1;
}
