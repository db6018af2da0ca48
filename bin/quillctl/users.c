/*
 * users: `quillctl user add|list|disable|enable|set-role`.
 *
 * Plain synchronous libpq on the [auth] database conninfo; every value
 * from the command line or a terminal reaches the server as a parameter
 * of PQexecParams, never as SQL text.  What changes more than one row
 * (disable: the account and its sessions) does so in one transaction,
 * with the account's row locked first.
 *
 * The password is read straight from file descriptor 0 one byte at a
 * time, so no copy stays in a stdio buffer, and every buffer that held it
 * is wiped before the function returns.  On a terminal, echo is off only
 * while a line is read; a signal meanwhile restores the terminal before
 * it takes effect.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "lib/config.h"
#include "lib/credentials.h"
#include "lib/password.h"
#include "lib/uuid.h"
#include "bin/quillctl/db.h"
#include "bin/quillctl/users.h"

/*
 * Longest password line read, in bytes.  A longer line has more than
 * CREDENTIALS_PASSWORD_MAX code points (UTF-8 has at most 4 bytes each),
 * so the policy would refuse it anyway.
 */
#define PASSWORD_LINE_MAX	(4 * CREDENTIALS_PASSWORD_MAX)
#define ROLE_MAX		16

/* Reading the password. */

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

/*
 * Reads one line from standard input into buf (size bytes), without its
 * newline.  End of input ends the line too.  Returns its length, or -1
 * with a reason in *why.
 */
static long
read_line(char *buf, size_t size, const char **why)
{
	size_t len = 0;
	ssize_t n;
	char c;

	for (;;) {
		if (got_signal != 0) {
			*why = "interrupted";
			return -1;
		}
		if ((n = read(STDIN_FILENO, &c, 1)) == -1) {
			if (errno == EINTR)
				continue;
			*why = strerror(errno);
			return -1;
		}
		if (n == 0 || c == '\n')
			break;
		if (len == size) {
			*why = "line too long for a password";
			return -1;
		}
		buf[len++] = c;
	}
	return (long)len;
}

/* Signals that would otherwise leave the terminal without echo. */
static const int prompt_signals[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP };
#define NPROMPT_SIGNALS (sizeof prompt_signals / sizeof prompt_signals[0])

/*
 * Prompts on stderr and reads a line from the terminal on standard input
 * with echo off.  A signal that arrives meanwhile interrupts the read; it
 * is raised again once the terminal and the old handlers are back.
 */
static long
read_hidden(const char *prompt, char *buf, size_t size, const char **why)
{
	struct sigaction sa, saved_sa[NPROMPT_SIGNALS];
	struct termios saved, quiet;
	long len;
	size_t i;
	int sig;

	if (tcgetattr(STDIN_FILENO, &saved) != 0) {
		*why = strerror(errno);
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: read() returns at once */
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	for (i = 0; i < NPROMPT_SIGNALS; i++)
		sigaction(prompt_signals[i], &sa, &saved_sa[i]);

	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	fputs(prompt, stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
		*why = strerror(errno);
		len = -1;
	} else {
		len = read_line(buf, size, why);
		/* TCSAFLUSH also drops what was typed past an overlong line */
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	}
	fputc('\n', stderr);	/* the newline typed was not echoed */

	sig = got_signal;
	got_signal = 0;
	for (i = 0; i < NPROMPT_SIGNALS; i++)
		sigaction(prompt_signals[i], &saved_sa[i], NULL);
	if (sig != 0)
		raise(sig);
	return len;
}

/*
 * Reads the new password into pw (size bytes) as the header describes.
 * Returns its length, or -1 after a message.
 */
static long
read_password(const char *email, char *pw, size_t size)
{
	char again[PASSWORD_LINE_MAX], prompt[CREDENTIALS_EMAIL_MAX + 32];
	const char *why = NULL;
	long len, len2;

	if (!isatty(STDIN_FILENO))
		len = read_line(pw, size, &why);
	else {
		snprintf(prompt, sizeof prompt, "Password for %s: ", email);
		if ((len = read_hidden(prompt, pw, size, &why)) > 0) {
			len2 = read_hidden("Again: ", again, sizeof again, &why);
			if (len2 >= 0 && (len2 != len || sodium_memcmp(pw, again, (size_t)len) != 0)) {
				fprintf(stderr, "quillctl: the passwords do not match\n");
				len = -2;	/* said already */
			} else if (len2 < 0)
				len = -1;
			sodium_memzero(again, sizeof again);
		}
	}
	if (len == 0)
		fprintf(stderr, "quillctl: empty password\n");
	else if (len == -1)
		fprintf(stderr, "quillctl: reading the password: %s\n", why);
	return len > 0 ? len : -1;
}

/* user add */

/* 1 when an account has that address, 0 when none, -1 after a message. */
static int
user_exists(PGconn *conn, const char *email)
{
	const char *params[] = { email };
	PGresult *res;
	int found;

	res = db_run(conn, "reading auth.users", "SELECT 1 FROM auth.users WHERE email = lower($1)",
	    1, params, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	found = PQntuples(res) > 0;
	PQclear(res);
	return found;
}

/* Inserts the account; 0, or -1 after a message (a taken address named as such). */
static int
insert_user(PGconn *conn, const char *id, const char *email, const char *hash, const char *name,
    const char *role)
{
	const char *params[] = { id, email, hash, name, role };
	const char *state, *constraint;
	PGresult *res;
	int rc = 0;

	res = PQexecParams(conn, "INSERT INTO auth.users (id, email, password_hash, name, role) "
	    "VALUES ($1, lower($2), $3, $4, $5)", 5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
		/* another run may have taken the address since we looked */
		if (state != NULL && strcmp(state, "23505") == 0 &&
		    constraint != NULL && strcmp(constraint, "users_email_key") == 0)
			fprintf(stderr, "quillctl: user %s already exists\n", email);
		else
			fprintf(stderr, "quillctl: adding %s: %s", email,
			    res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(conn));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

int
user_add(const struct config *cfg, const char *email_arg, const char *name, bool admin)
{
	char email[CREDENTIALS_EMAIL_MAX + 1], pw[PASSWORD_LINE_MAX];
	char hash[crypto_pwhash_STRBYTES], id[UUID_STR_LEN + 1];
	struct password_params pp;
	const char *why;
	PGconn *conn = NULL;
	long pwlen = 0;
	int rc = 1;

	if (name == NULL)
		name = "";
	if ((why = credentials_email(email_arg, strlen(email_arg), email)) != NULL ||
	    (why = credentials_name(name, strlen(name))) != NULL) {
		fprintf(stderr, "quillctl: %s\n", why);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "quillctl: libsodium failed to initialise\n");
		return 1;
	}
	/* Ask for no password for an address that is taken already. */
	if ((conn = db_connect(cfg, "auth")) == NULL)
		goto out;
	switch (user_exists(conn, email)) {
	case 0:
		break;
	case 1:
		fprintf(stderr, "quillctl: user %s already exists\n", email);
		/* FALLTHROUGH */
	default:
		goto out;
	}
	if ((pwlen = read_password(email, pw, sizeof pw)) < 0)
		goto out;
	if ((why = credentials_password(pw, (size_t)pwlen, email)) != NULL) {
		fprintf(stderr, "quillctl: %s\n", why);
		goto out;
	}
	pp.opslimit = (unsigned long long)config_int(cfg, "auth", "argon2_opslimit");
	pp.memlimit = (size_t)config_size(cfg, "auth", "argon2_memlimit");
	if (password_hash_sync(&pp, pw, (size_t)pwlen, hash) != 0) {
		fprintf(stderr, "quillctl: hashing the password: %s\n", strerror(errno));
		goto out;
	}
	uuid_v4(id);	/* ids are made by the program, not the database */
	if (insert_user(conn, id, email, hash, name, admin ? "admin" : "user") != 0)
		goto out;
	printf("%s\n", id);
	rc = 0;
out:
	sodium_memzero(pw, sizeof pw);
	sodium_memzero(hash, sizeof hash);
	PQfinish(conn);
	return rc;
}

/* user list */


/*
 * The email column's width comes with every row, so rows can be printed
 * as they arrive (single-row mode) instead of holding the whole table.
 */
static const char list_sql[] =
    "SELECT id, email, role, CASE WHEN is_active THEN 'yes' ELSE 'no' END, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), name, "
    "max(octet_length(email)) OVER () "
    "FROM auth.users ORDER BY created_at, id";
enum list_column { LIST_ID, LIST_EMAIL, LIST_ROLE, LIST_ACTIVE, LIST_CREATED, LIST_NAME, LIST_EMAIL_WIDTH };

int
user_list(const struct config *cfg)
{
	PGconn *conn;
	PGresult *res;
	const char *name;
	int rc = 0;

	if ((conn = db_connect(cfg, "auth")) == NULL)
		return 1;
	if (!PQsendQueryParams(conn, list_sql, 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(conn)) {
		fprintf(stderr, "quillctl: reading auth.users: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return 1;
	}
	/* every result is read, even after an error, until libpq says done */
	while ((res = PQgetResult(conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
			db_put_field(PQgetvalue(res, 0, LIST_ID), UUID_STR_LEN);
			fputs("  ", stdout);
			db_put_field(PQgetvalue(res, 0, LIST_EMAIL), atoi(PQgetvalue(res, 0, LIST_EMAIL_WIDTH)));
			fputs("  ", stdout);
			db_put_field(PQgetvalue(res, 0, LIST_ROLE), 5);
			fputs("  ", stdout);
			db_put_field(PQgetvalue(res, 0, LIST_ACTIVE), 3);
			fputs("  ", stdout);
			db_put_field(PQgetvalue(res, 0, LIST_CREATED), 0);
			if ((name = PQgetvalue(res, 0, LIST_NAME))[0] != '\0') {
				fputs("  ", stdout);
				db_put_field(name, 0);
			}
			putchar('\n');
			break;
		case PGRES_TUPLES_OK:
			break;
		default:
			if (rc == 0)
				fprintf(stderr, "quillctl: reading auth.users: %s",
				    PQresultErrorMessage(res));
			rc = 1;
		}
		PQclear(res);
	}
	PQfinish(conn);
	return rc;
}

/* user disable, enable, set-role */

/*
 * The address as stored: normalised when the rules accept it.  One they
 * refuse may still name an account made before a rule changed, so it is
 * looked up as given.
 */
static const char *
lookup_email(const char *email, char out[CREDENTIALS_EMAIL_MAX + 1])
{
	return credentials_email(email, strlen(email), out) == NULL ? out : email;
}

struct user_row {
	char id[UUID_STR_LEN + 1];
	bool active;
	char role[ROLE_MAX];
};

/*
 * Inside a transaction: locks the account's row until the end of it and
 * reads it.  1 when found, 0 when not (after "no user EMAIL"), -1 after
 * a message.
 */
enum lock_column { LOCK_ID, LOCK_ACTIVE, LOCK_ROLE };

static int
lock_user(PGconn *conn, const char *email, struct user_row *u)
{
	const char *params[] = { email };
	PGresult *res;

	res = db_run(conn, "reading auth.users",
	    "SELECT id, is_active, role FROM auth.users WHERE email = lower($1) FOR UPDATE",
	    1, params, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		fprintf(stderr, "quillctl: no user %s\n", email);
		PQclear(res);
		return 0;
	}
	snprintf(u->id, sizeof u->id, "%s", PQgetvalue(res, 0, LOCK_ID));
	u->active = strcmp(PQgetvalue(res, 0, LOCK_ACTIVE), "t") == 0;
	snprintf(u->role, sizeof u->role, "%s", PQgetvalue(res, 0, LOCK_ROLE));
	PQclear(res);
	return 1;
}

/*
 * Ends every open session of the account: their refresh tokens stop
 * working, and the trigger on user_sessions tells the verifiers.
 * Returns how many, or -1 after a message.
 */
static long
revoke_sessions(PGconn *conn, const char *id)
{
	const char *params[] = { id };
	PGresult *res;
	long n;

	res = db_run(conn, "revoking sessions", "UPDATE auth.user_sessions SET revoked_at = now() "
	    "WHERE user_id = $1 AND revoked_at IS NULL", 1, params, PGRES_COMMAND_OK);
	if (res == NULL)
		return -1;
	n = atol(PQcmdTuples(res));
	PQclear(res);
	return n;
}

int
user_set_active(const struct config *cfg, const char *email_arg, bool active)
{
	char buf[CREDENTIALS_EMAIL_MAX + 1];
	const char *email = lookup_email(email_arg, buf);
	const char *params[2];
	struct user_row u;
	PGconn *conn;
	PGresult *res;
	long revoked = 0;
	int rc = 1;

	if ((conn = db_connect(cfg, "auth")) == NULL)
		return 1;
	if (db_command(conn, "BEGIN") != 0 || lock_user(conn, email, &u) != 1)
		goto out;
	/*
	 * Before the update, so the count is ours (the trigger on users would
	 * end them too); also when it was disabled already: no session of it
	 * should stay open.
	 */
	if (!active && (revoked = revoke_sessions(conn, u.id)) < 0)
		goto out;
	if (u.active != active) {
		params[0] = u.id;
		params[1] = active ? "true" : "false";
		res = db_run(conn, "updating auth.users", "UPDATE auth.users "
		    "SET is_active = $2, updated_at = now() WHERE id = $1",
		    2, params, PGRES_COMMAND_OK);
		if (res == NULL)
			goto out;
		PQclear(res);
	}
	if (db_command(conn, "COMMIT") != 0)
		goto out;
	if (u.active == active)
		printf("%s was already %s", email, active ? "enabled" : "disabled");
	else
		printf("%s %s", active ? "enabled" : "disabled", email);
	if (!active && (u.active || revoked > 0))
		printf(", %ld session%s revoked", revoked, revoked == 1 ? "" : "s");
	putchar('\n');
	rc = 0;
out:
	db_rollback(conn);
	PQfinish(conn);
	return rc;
}

int
user_set_role(const struct config *cfg, const char *email_arg, const char *role)
{
	char buf[CREDENTIALS_EMAIL_MAX + 1];
	const char *email = lookup_email(email_arg, buf);
	const char *params[] = { NULL, role };
	struct user_row u;
	PGconn *conn;
	PGresult *res;
	int rc = 1;

	if ((conn = db_connect(cfg, "auth")) == NULL)
		return 1;
	if (db_command(conn, "BEGIN") != 0 || lock_user(conn, email, &u) != 1)
		goto out;
	if (strcmp(u.role, role) != 0) {
		params[0] = u.id;
		/* tokens carry the role: the trigger on users revokes them */
		res = db_run(conn, "updating auth.users", "UPDATE auth.users "
		    "SET role = $2, updated_at = now() WHERE id = $1",
		    2, params, PGRES_COMMAND_OK);
		if (res == NULL)
			goto out;
		PQclear(res);
	}
	if (db_command(conn, "COMMIT") != 0)
		goto out;
	if (strcmp(u.role, role) == 0)
		printf("%s is already %s\n", email, role);
	else
		printf("%s is now %s (was %s)\n", email, role, u.role);
	rc = 0;
out:
	db_rollback(conn);
	PQfinish(conn);
	return rc;
}
