/*
 * db: see db.h.
 */
#include <stdio.h>

#include "lib/config.h"
#include "bin/quillctl/db.h"

static void
on_notice(void *arg, const char *message)
{
	(void)arg;
	fprintf(stderr, "quillctl: server: %s", message);
}

PGconn *
db_connect(const struct config *cfg, const char *section)
{
	const char *keys[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { config_str(cfg, section, "database"), "quillctl", NULL };
	PGconn *conn;

	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		/* libpq's message names host and socket, never the password */
		fprintf(stderr, "quillctl: cannot connect to the database ([%s] database): %s", section,
		    conn != NULL ? PQerrorMessage(conn) : "out of memory\n");
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, on_notice, NULL);
	return conn;
}

PGresult *
db_run(PGconn *conn, const char *what, const char *sql, int nparams, const char *const *params,
    ExecStatusType want)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != want) {
		fprintf(stderr, "quillctl: %s: %s", what,
		    res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(conn));
		PQclear(res);
		return NULL;
	}
	return res;
}

int
db_command(PGconn *conn, const char *sql)
{
	PGresult *res = db_run(conn, sql, sql, 0, NULL, PGRES_COMMAND_OK);

	PQclear(res);
	return res != NULL ? 0 : -1;
}

void
db_rollback(PGconn *conn)
{
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
}

void
db_put_field(const char *s, int width)
{
	int n = 0;

	for (; *s != '\0'; s++, n++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	for (; n < width; n++)
		putchar(' ');
}
