/*
 * db: what quillctl's database commands share: a blocking connection
 * with a service's own login, one statement at a time, and the printing
 * of table cells.  quillctl is a command line tool: blocking is what it
 * wants.
 */
#ifndef QUILLCTL_DB_H
#define QUILLCTL_DB_H

#include <libpq-fe.h>

struct config;

/* Connects with [section] database; NULL after a message naming that setting. */
PGconn *db_connect(const struct config *cfg, const char *section);

/*
 * Runs one parameterised statement and returns its result when its
 * status is want; otherwise prints "quillctl: what: error" and returns NULL.
 */
PGresult *db_run(PGconn *conn, const char *what, const char *sql, int nparams, const char *const *params,
    ExecStatusType want);

/* BEGIN, COMMIT: 0 or -1 after a message. */
int db_command(PGconn *conn, const char *sql);

/* Rolls back a transaction left open by an error. */
void db_rollback(PGconn *conn);

/* Prints s padded to width, control characters as '?': a terminal gets none. */
void db_put_field(const char *s, int width);

#endif
