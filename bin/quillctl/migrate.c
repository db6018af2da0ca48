/*
 * migrate: `quillctl migrate` and `quillctl migrate --status`.
 *
 * The files are read and checked before the database is touched:
 * <migrations_dir>/<schema>/NNN_name.sql for the schemas in a fixed order
 * (auth, chat, ocr), numbered in order inside a schema.  Other files are
 * ignored; a .sql file with any other name, or two files with one number,
 * is an error, so a typo cannot leave a migration silently unapplied.
 *
 * What a run guarantees: it holds a session advisory lock for its whole
 * length, so concurrent runs apply each file once; it checks every file
 * already applied against its recorded SHA-256 before applying anything;
 * each pending file runs with its record in one transaction, so a file is
 * either applied and recorded or neither.  A CLI may block, so this is
 * plain synchronous libpq.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "lib/config.h"
#include "bin/quillctl/migrate.h"

/* Applied in this order: a later schema may rely on an earlier one. */
static const char *const schemas[] = { "auth", "chat", "ocr" };
#define NSCHEMAS (sizeof schemas / sizeof schemas[0])

/* "quillmig": one lock for every quillctl migrate against this database. */
#define MIGRATE_LOCK_KEY "8175556612957497703"

#define MIGRATION_NAME_MAX 128

struct migration {
	int		 schema;		/* index into schemas[] */
	int		 version;
	char		 name[MIGRATION_NAME_MAX];	/* "001_init.sql" */
	char		*sql;
	char		 checksum[2 * crypto_hash_sha256_BYTES + 1];
	/* from quill_admin.schema_migrations, when applied */
	bool		 applied;
	char		 applied_name[MIGRATION_NAME_MAX];
	char		 applied_checksum[2 * crypto_hash_sha256_BYTES + 1];
	char		 applied_at[32];
	bool		 on_disk;		/* false: recorded, file gone */
};

struct plan {
	struct migration *m;
	size_t		 n, cap;
};

static void
plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->m[i].sql);
	free(p->m);
	p->m = NULL;
	p->n = p->cap = 0;
}

static struct migration *
plan_add(struct plan *p)
{
	struct migration *m;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		if ((m = realloc(p->m, cap * sizeof *m)) == NULL)
			return NULL;
		p->m = m;
		p->cap = cap;
	}
	m = &p->m[p->n++];
	memset(m, 0, sizeof *m);
	return m;
}

static int
migration_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	if (x->schema != y->schema)
		return x->schema < y->schema ? -1 : 1;
	return x->version < y->version ? -1 : x->version > y->version;
}

/* ^[0-9]{3}_[a-z0-9_]+\.sql$ */
static bool
valid_name(const char *name)
{
	size_t len = strlen(name), i;

	if (len < 9 || len >= MIGRATION_NAME_MAX || strcmp(name + len - 4, ".sql") != 0)
		return false;
	for (i = 0; i < 3; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	if (name[3] != '_')
		return false;
	for (i = 4; i < len - 4; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return false;
	return true;
}

static bool
has_sql_suffix(const char *name)
{
	size_t len = strlen(name);

	return len >= 4 && strcmp(name + len - 4, ".sql") == 0;
}

/* Reads a whole file as a C string; the text must not hold a NUL byte. */
static int
read_sql(const char *path, char **out, size_t *outlen)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "quillctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (nb == NULL) {
				fprintf(stderr, "quillctl: %s: out of memory\n", path);
				goto fail;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "quillctl: %s: %s\n", path, strerror(errno));
		goto fail;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		fprintf(stderr, "quillctl: %s: contains a NUL byte\n", path);
		goto fail;
	}
	fclose(f);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	fclose(f);
	free(buf);
	return -1;
}

static void
sha256_hex(const char *data, size_t len, char *hex)
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)data, len);
	sodium_bin2hex(hex, 2 * sizeof digest + 1, digest, sizeof digest);
}

/* Adds the migrations of one schema folder to the plan. */
static int
scan_schema(struct plan *p, const char *dir, int schema)
{
	char folder[4096], path[sizeof folder + NAME_MAX + 2];
	struct dirent *de;
	struct stat st;
	struct migration *m;
	size_t first = p->n, len;
	DIR *d;
	int rc = 0;

	snprintf(folder, sizeof folder, "%s/%s", dir, schemas[schema]);
	if ((d = opendir(folder)) == NULL) {
		fprintf(stderr, "quillctl: migrations folder %s: %s (check [database] migrations_dir)\n",
		    folder, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !has_sql_suffix(de->d_name))
			continue;
		if (!valid_name(de->d_name)) {
			fprintf(stderr, "quillctl: %s/%s: a migration is named NNN_name.sql "
			    "(three digits, then lower-case letters, digits and _)\n",
			    folder, de->d_name);
			rc = -1;
			break;
		}
		snprintf(path, sizeof path, "%s/%s", folder, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "quillctl: %s: not a regular file\n", path);
			rc = -1;
			break;
		}
		if ((m = plan_add(p)) == NULL) {
			fprintf(stderr, "quillctl: out of memory\n");
			rc = -1;
			break;
		}
		m->schema = schema;
		m->version = atoi(de->d_name);
		m->on_disk = true;
		/* valid_name() checked it fits */
		memcpy(m->name, de->d_name, strlen(de->d_name) + 1);
		if (read_sql(path, &m->sql, &len) != 0) {
			rc = -1;
			break;
		}
		sha256_hex(m->sql, len, m->checksum);
	}
	closedir(d);
	if (rc != 0)
		return rc;
	qsort(p->m + first, p->n - first, sizeof *p->m, migration_cmp);
	for (size_t i = first + 1; i < p->n; i++)
		if (p->m[i].version == p->m[i - 1].version) {
			fprintf(stderr, "quillctl: %s: %s and %s have the same number\n",
			    folder, p->m[i - 1].name, p->m[i].name);
			return -1;
		}
	return 0;
}

static int
scan_all(struct plan *p, const char *dir)
{
	for (size_t i = 0; i < NSCHEMAS; i++)
		if (scan_schema(p, dir, (int)i) != 0)
			return -1;
	return 0;
}

static void
on_notice(void *arg, const char *message)
{
	fprintf(stderr, "quillctl: server: %s", message);
}

static PGconn *
connect_admin(const struct config *cfg)
{
	const char *keys[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { config_str(cfg, "database", "admin"), "quillctl", NULL };
	PGconn *conn;
	PGresult *res;

	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		/* libpq's message names host and socket, never the password */
		fprintf(stderr, "quillctl: cannot connect to the database ([database] admin): %s",
		    conn != NULL ? PQerrorMessage(conn) : "out of memory\n");
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, on_notice, NULL);
	res = PQexec(conn, "SET client_min_messages = warning");
	PQclear(res);
	return conn;
}

/* Runs one command; on failure prints what failed and returns -1. */
static int
exec_simple(PGconn *conn, const char *sql, const char *what)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "quillctl: %s: %s", what,
		    res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(conn));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

static struct migration *
find(struct plan *p, int schema, int version)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->m[i].schema == schema && p->m[i].version == version)
			return &p->m[i];
	return NULL;
}

static int
schema_index(const char *name)
{
	for (size_t i = 0; i < NSCHEMAS; i++)
		if (strcmp(name, schemas[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * Marks the plan's migrations that the database records as applied; a
 * record without a file becomes an entry with on_disk false.
 */
enum applied_column { APPLIED_SCHEMA, APPLIED_VERSION, APPLIED_NAME, APPLIED_CHECKSUM, APPLIED_AT };

static int
load_applied(PGconn *conn, struct plan *p)
{
	PGresult *res;
	struct migration *m;
	int i, schema, version, rc = 0;

	res = PQexec(conn, "SELECT schema, version, name, checksum, "
	    "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	    "FROM quill_admin.schema_migrations ORDER BY schema, version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "quillctl: reading quill_admin.schema_migrations: %s",
		    PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	for (i = 0; i < PQntuples(res) && rc == 0; i++) {
		/* a schema we no longer know is kept in the table, not our business */
		if ((schema = schema_index(PQgetvalue(res, i, APPLIED_SCHEMA))) < 0)
			continue;
		version = atoi(PQgetvalue(res, i, APPLIED_VERSION));
		if ((m = find(p, schema, version)) == NULL) {
			if ((m = plan_add(p)) == NULL) {
				fprintf(stderr, "quillctl: out of memory\n");
				rc = -1;
				break;
			}
			m->schema = schema;
			m->version = version;
			snprintf(m->name, sizeof m->name, "%s", PQgetvalue(res, i, APPLIED_NAME));
		}
		m->applied = true;
		snprintf(m->applied_name, sizeof m->applied_name, "%s", PQgetvalue(res, i, APPLIED_NAME));
		snprintf(m->applied_checksum, sizeof m->applied_checksum, "%s", PQgetvalue(res, i, APPLIED_CHECKSUM));
		snprintf(m->applied_at, sizeof m->applied_at, "%s", PQgetvalue(res, i, APPLIED_AT));
	}
	PQclear(res);
	qsort(p->m, p->n, sizeof *p->m, migration_cmp);
	return rc;
}

/* Why an applied migration no longer matches its file (in buf), or NULL. */
static const char *
drift(const struct migration *m, char *buf, size_t size)
{
	if (!m->applied)
		return NULL;
	if (!m->on_disk)
		return "is recorded as applied but its file is missing (an older quill?)";
	if (strcmp(m->name, m->applied_name) != 0) {
		snprintf(buf, size, "was applied as %s; restore that name", m->applied_name);
		return buf;
	}
	if (strcmp(m->checksum, m->applied_checksum) != 0)
		return "was changed after it was applied (checksum differs); "
		    "restore it and put the change in a new migration";
	return NULL;
}

static int
apply_one(PGconn *conn, const struct migration *m)
{
	char version[16], label[MIGRATION_NAME_MAX + 32];
	const char *params[4];
	PGresult *res;
	ExecStatusType st;

	snprintf(label, sizeof label, "%s/%s", schemas[m->schema], m->name);
	if (exec_simple(conn, "BEGIN", label) != 0)
		return -1;
	/* PQexec runs every statement of the file in this transaction */
	res = PQexec(conn, m->sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		fprintf(stderr, "quillctl: %s failed: %s", label,
		    res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(conn));
		PQclear(res);
		goto rollback;
	}
	PQclear(res);
	if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		fprintf(stderr, "quillctl: %s ends the transaction itself; "
		    "a migration must not contain BEGIN, COMMIT or ROLLBACK\n", label);
		goto rollback;
	}
	snprintf(version, sizeof version, "%d", m->version);
	params[0] = schemas[m->schema];
	params[1] = version;
	params[2] = m->name;
	params[3] = m->checksum;
	res = PQexecParams(conn, "INSERT INTO quill_admin.schema_migrations "
	    "(schema, version, name, checksum) VALUES ($1, $2, $3, $4)",
	    4, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK) {
		fprintf(stderr, "quillctl: recording %s: %s", label,
		    res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(conn));
		PQclear(res);
		goto rollback;
	}
	PQclear(res);
	if (exec_simple(conn, "COMMIT", label) != 0)
		return -1;
	printf("applied %s\n", label);
	fflush(stdout);
	return 0;
rollback:
	/* a file that ended the transaction itself left nothing to roll back */
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	return -1;
}

static const char ensure_table_sql[] =
    "CREATE SCHEMA IF NOT EXISTS quill_admin;"
    "REVOKE ALL ON SCHEMA quill_admin FROM PUBLIC;"
    "CREATE TABLE IF NOT EXISTS quill_admin.schema_migrations ("
    " schema text NOT NULL,"
    " version integer NOT NULL,"
    " name text NOT NULL,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (schema, version))";

/* Takes the migration lock, saying so when another run holds it. */
static int
lock_migrations(PGconn *conn)
{
	PGresult *res;
	bool got;

	res = PQexec(conn, "SELECT pg_try_advisory_lock(" MIGRATE_LOCK_KEY ")");
	got = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (got)
		return 0;
	fprintf(stderr, "quillctl: another quillctl migrate is running; waiting for it\n");
	return exec_simple(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	    "taking the migration lock");
}

int
migrate_apply(const struct config *cfg)
{
	struct plan p = { 0 };
	PGconn *conn = NULL;
	const char *why;
	char buf[MIGRATION_NAME_MAX + 64];
	size_t i;
	int applied_before = 0, applied_now = 0, rc = 1;

	if (sodium_init() < 0) {
		fprintf(stderr, "quillctl: libsodium failed to initialise\n");
		return 1;
	}
	if (scan_all(&p, config_str(cfg, "database", "migrations_dir")) != 0)
		goto out;
	if ((conn = connect_admin(cfg)) == NULL)
		goto out;
	if (lock_migrations(conn) != 0 ||
	    exec_simple(conn, ensure_table_sql, "creating quill_admin.schema_migrations") != 0 ||
	    load_applied(conn, &p) != 0)
		goto out;

	/* Refuse before changing anything if the history does not match. */
	for (i = 0; i < p.n; i++)
		if ((why = drift(&p.m[i], buf, sizeof buf)) != NULL) {
			fprintf(stderr, "quillctl: %s/%s %s\n", schemas[p.m[i].schema],
			    p.m[i].name, why);
			goto out;
		}
	for (i = 0; i < p.n; i++) {
		if (p.m[i].applied) {
			applied_before++;
			continue;
		}
		if (apply_one(conn, &p.m[i]) != 0)
			goto out;
		applied_now++;
	}
	if (applied_now > 0)
		printf("%d applied, 0 pending\n", applied_now);
	else
		printf("nothing to do: %d applied\n", applied_before);
	rc = 0;
out:
	PQfinish(conn);
	plan_free(&p);
	return rc;
}

int
migrate_status(const struct config *cfg)
{
	struct plan p = { 0 };
	PGconn *conn = NULL;
	PGresult *res;
	const char *why;
	char buf[MIGRATION_NAME_MAX + 64];
	bool have_table;
	size_t i;
	int applied = 0, pending = 0, rc = 1;

	if (sodium_init() < 0) {
		fprintf(stderr, "quillctl: libsodium failed to initialise\n");
		return 1;
	}
	if (scan_all(&p, config_str(cfg, "database", "migrations_dir")) != 0)
		goto out;
	if ((conn = connect_admin(cfg)) == NULL)
		goto out;
	/* --status changes nothing: no table yet means nothing applied */
	res = PQexec(conn, "SELECT to_regclass('quill_admin.schema_migrations') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "quillctl: %s", PQresultErrorMessage(res));
		PQclear(res);
		goto out;
	}
	have_table = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (have_table && load_applied(conn, &p) != 0)
		goto out;

	for (i = 0; i < p.n; i++) {
		const struct migration *m = &p.m[i];

		if (m->applied) {
			applied++;
			printf("%s/%s\tapplied %s", schemas[m->schema], m->name, m->applied_at);
			if ((why = drift(m, buf, sizeof buf)) != NULL)
				printf("\t(%s)", why);
			printf("\n");
		} else {
			pending++;
			printf("%s/%s\tpending\n", schemas[m->schema], m->name);
		}
	}
	printf("%d applied, %d pending\n", applied, pending);
	rc = 0;
out:
	PQfinish(conn);
	plan_free(&p);
	return rc;
}
