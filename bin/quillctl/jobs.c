/*
 * jobs: `quillctl jobs list|show|requeue|purge` and `quillctl spool status`.
 *
 * Plain synchronous libpq on the [ocr_worker] database conninfo; every
 * value from the command line reaches the server as a parameter of
 * PQexecParams, never as SQL text.  A job id is checked and lower-cased
 * before it names a file, so it cannot name anything outside the spool.
 *
 * requeue: the row is locked, updated, the file renamed into new/ and
 * new/ fsync'd, and only then is the transaction committed.  A worker
 * that claims the file at once blocks on the row in its upsert until the
 * COMMIT and then finds the job queued.  When the COMMIT fails the file
 * is moved back; a worker quicker than that finds the job finished and
 * moves the file on to done/, which loses nothing but the retry.
 *
 * The statements are lib/jobs.h's, shared with quill-ocrd and the worker.
 *
 * purge: the rows are deleted, their files removed, then the transaction
 * is committed.  If anything fails, the rows stay: a row whose file is
 * gone is harmless (requeue refuses it) and the next purge takes it, so
 * no interruption leaves a file that no row names.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "lib/config.h"
#include "lib/jobs.h"
#include "lib/spool.h"
#include "lib/uuid.h"
#include "bin/quillctl/db.h"
#include "bin/quillctl/jobs.h"

#define REASON_MAX	1024	/* bytes of failed/<job>.reason shown */
#define SHOW_NAME_WIDTH	17

static const char *const statuses[] = { "queued", "processing", "done", "failed" };

bool
jobs_status_valid(const char *s)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (strcmp(s, statuses[i]) == 0)
			return true;
	return false;
}

/* Small helpers. */

/* The id as the spool names it (lower case), or -1 after a message. */
static int
job_id(const char *arg, char id[UUID_STR_LEN + 1])
{
	if (!uuid_canonical(arg, strlen(arg), id)) {
		fprintf(stderr, "quillctl: not a job id: %s\n", arg);
		return -1;
	}
	return 0;
}

struct spool *
jobs_open_spool(const struct config *cfg)
{
	char err[512];
	struct spool *s = spool_open(config_str(cfg, "global", "spool_dir"), err, sizeof err);

	if (s == NULL)
		fprintf(stderr, "quillctl: %s\n", err);
	return s;
}


/* Column c of row r, or "-" when NULL or empty. */
static const char *
value(const PGresult *res, int r, int c)
{
	const char *v = PQgetvalue(res, r, c);

	return PQgetisnull(res, r, c) || v[0] == '\0' ? "-" : v;
}

/* jobs list */

static int
column_width(const PGresult *res, int c, int min)
{
	int w = min, n;

	for (int r = 0; r < PQntuples(res); r++)
		if ((n = (int)strlen(value(res, r, c))) > w)
			w = n;
	return w;
}

int
jobs_list(const struct config *cfg, const struct jobs_list_opts *o)
{
	char limit[24];
	const char *params[] = { o->status, o->user_id, limit };
	PGconn *conn;
	PGresult *res;
	int fw, sw;

	if (o->user_id != NULL && !uuid_valid(o->user_id, strlen(o->user_id))) {
		fprintf(stderr, "quillctl: not a user id: %s\n", o->user_id);
		return 1;
	}
	snprintf(limit, sizeof limit, "%ld", o->limit);
	if ((conn = db_connect(cfg, "ocr_worker")) == NULL)
		return 1;
	res = db_run(conn, "reading ocr.ocr_jobs", job_sql_admin_list, 3, params, PGRES_TUPLES_OK);
	PQfinish(conn);
	if (res == NULL)
		return 1;
	fw = column_width(res, JOB_LIST_FILENAME, 8);
	sw = column_width(res, JOB_LIST_SIZE, 4);
	printf("%-*s  %-10s  %8s  %-*s  ", UUID_STR_LEN, "ID", "STATUS", "ATTEMPTS", UUID_STR_LEN, "USER");
	printf("%-*s  %*s  %-20s  %s\n", fw, "FILENAME", sw, "SIZE", "CREATED", "FINISHED");
	for (int r = 0; r < PQntuples(res); r++) {
		db_put_field(value(res, r, JOB_LIST_ID), UUID_STR_LEN);
		fputs("  ", stdout);
		db_put_field(value(res, r, JOB_LIST_STATUS), 10);
		printf("  %8s  ", value(res, r, JOB_LIST_ATTEMPTS));
		db_put_field(value(res, r, JOB_LIST_USER), UUID_STR_LEN);
		fputs("  ", stdout);
		db_put_field(value(res, r, JOB_LIST_FILENAME), fw);
		printf("  %*s  ", sw, value(res, r, JOB_LIST_SIZE));
		db_put_field(value(res, r, JOB_LIST_CREATED), 20);
		fputs("  ", stdout);
		db_put_field(value(res, r, JOB_LIST_FINISHED), 0);
		putchar('\n');
	}
	PQclear(res);
	return 0;
}

/* jobs show */

static void
show_line(const char *name, const char *v)
{
	db_put_field(name, SHOW_NAME_WIDTH);
	db_put_field(v, 0);
	putchar('\n');
}

/* Prints the first line of failed/<id>.reason, when there is one. */
static void
show_reason(struct spool *s, const char *id)
{
	char buf[REASON_MAX + 1];

	if (spool_reason(s, id, buf, sizeof buf) == 0)
		show_line("reason", buf);
}

static void
show_place(void *arg, const char *where)
{
	if (*(bool *)arg)
		show_line("spool", where);
}

/*
 * Prints (when print) where the job's file is, in the order of its way
 * through the spool, or "-", and its reason.  Returns how many files, or -1.
 */
static int
show_spool(struct spool *s, const char *id, bool print)
{
	int found = spool_locate(s, id, show_place, &print);

	if (found < 0) {
		fprintf(stderr, "quillctl: reading the spool: %s\n", strerror(errno));
		return -1;
	}
	if (!print)
		return found;
	if (found == 0)
		show_line("spool", "-");
	show_reason(s, id);
	return found;
}

int
jobs_show(const struct config *cfg, const char *arg)
{
	char id[UUID_STR_LEN + 1], len[32];
	const char *params[] = { id };
	struct spool *s;
	PGconn *conn;
	PGresult *res;
	int nf, rc;

	if (job_id(arg, id) != 0 || (s = jobs_open_spool(cfg)) == NULL)
		return 1;
	if ((conn = db_connect(cfg, "ocr_worker")) == NULL) {
		spool_close(s);
		return 1;
	}
	res = db_run(conn, "reading ocr.ocr_jobs", job_sql_show, 1, params, PGRES_TUPLES_OK);
	PQfinish(conn);
	if (res == NULL) {
		spool_close(s);
		return 1;
	}
	if (PQntuples(res) == 0) {
		/* a job whose row was never written (refused, or not claimed yet) is its spool file */
		PQclear(res);
		if ((rc = show_spool(s, id, false)) > 0) {
			show_line("id", id);
			show_line("row", "- (not in the database)");
			rc = show_spool(s, id, true);
		} else if (rc == 0)
			fprintf(stderr, "quillctl: no job %s\n", id);
		spool_close(s);
		return rc > 0 ? 0 : 1;
	}
	nf = PQnfields(res);
	for (int c = 0; c < nf; c++) {
		if (c >= nf - JOB_SHOW_BODIES && !PQgetisnull(res, 0, c)) {
			snprintf(len, sizeof len, "%s bytes", PQgetvalue(res, 0, c));
			show_line(PQfname(res, c), len);
		} else
			show_line(PQfname(res, c), value(res, 0, c));
	}
	PQclear(res);
	rc = show_spool(s, id, true) >= 0 ? 0 : 1;
	spool_close(s);
	return rc;
}

/* jobs requeue */

/*
 * Inside a transaction: locks the job's row and decides where its file
 * must be.  Returns SPOOL_FAILED or SPOOL_DONE, or -1 after a message.
 */
static int
lock_finished(PGconn *conn, const char *id)
{
	const char *params[] = { id };
	PGresult *res;
	char status[16];

	res = db_run(conn, "reading ocr.ocr_jobs",
	    job_sql_lock_status, 1, params, PGRES_TUPLES_OK);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		fprintf(stderr, "quillctl: no job %s\n", id);
		PQclear(res);
		return -1;
	}
	snprintf(status, sizeof status, "%s", PQgetvalue(res, 0, JOB_LOCK_STATUS));
	PQclear(res);
	if (strcmp(status, "failed") == 0)
		return SPOOL_FAILED;
	if (strcmp(status, "done") == 0)
		return SPOOL_DONE;
	fprintf(stderr, "quillctl: job %s is %s: only a failed or done job can be requeued\n", id, status);
	return -1;
}

/*
 * The file dir/<id> must be the job's spool file, readable, for a worker
 * to take it.  0 or -1 after a message.
 */
static int
check_file(struct spool *s, enum spool_dir dir, const char *id, const char *status)
{
	struct spool_file f;
	bool ours;

	if (spool_map(s, dir, id, &f) != 0) {
		if (errno == ENOENT)
			fprintf(stderr, "quillctl: job %s is %s but its file is not in %s/: "
			    "it cannot be run again\n", id, status, spool_dir_name(dir));
		else
			fprintf(stderr, "quillctl: %s/%s: %s\n", spool_dir_name(dir), id,
			    errno == EINVAL ? "not a spool file" : strerror(errno));
		return -1;
	}
	ours = strcmp(f.meta.job_id, id) == 0;
	spool_unmap(&f);
	if (!ours) {
		fprintf(stderr, "quillctl: %s/%s: the file is another job's\n", spool_dir_name(dir), id);
		return -1;
	}
	return 0;
}

/* Puts dir/<id> in new/ to run now, durably; 0 or -1 after a message. */
static int
move_to_new(struct spool *s, enum spool_dir dir, const char *id)
{
	if (spool_requeue_from(s, dir, id) != 0) {
		fprintf(stderr, "quillctl: moving %s/%s to new/: %s\n", spool_dir_name(dir), id,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
requeue_locked(PGconn *conn, struct spool *s, const char *id)
{
	const char *params[] = { id };
	const char *status;
	PGresult *res;
	int dir;

	if ((dir = lock_finished(conn, id)) < 0)
		return -1;
	status = dir == SPOOL_FAILED ? "failed" : "done";
	if (check_file(s, (enum spool_dir)dir, id, status) != 0)
		return -1;
	res = db_run(conn, "updating ocr.ocr_jobs", job_sql_requeue, 1, params, PGRES_COMMAND_OK);
	if (res == NULL)
		return -1;
	PQclear(res);
	if (move_to_new(s, (enum spool_dir)dir, id) != 0)
		return -1;
	if (db_command(conn, "COMMIT") != 0) {
		if (spool_unrequeue(s, (enum spool_dir)dir, id) != 0)
			fprintf(stderr, "quillctl: new/%s could not go back to %s/: %s\n", id,
			    status, strerror(errno));
		return -1;
	}
	if (dir == SPOOL_FAILED && spool_reason_remove(s, id) != 0)
		fprintf(stderr, "quillctl: failed/%s.reason stays: %s\n", id, strerror(errno));
	printf("requeued %s (was %s): %s/%s -> new/%s\n", id, status, status, id, id);
	return 0;
}

int
jobs_requeue(const struct config *cfg, const char *arg)
{
	char id[UUID_STR_LEN + 1];
	struct spool *s;
	PGconn *conn;
	int rc = 1;

	if (job_id(arg, id) != 0 || (s = jobs_open_spool(cfg)) == NULL)
		return 1;
	if ((conn = db_connect(cfg, "ocr_worker")) != NULL) {
		if (db_command(conn, "BEGIN") == 0 && requeue_locked(conn, s, id) == 0)
			rc = 0;
		db_rollback(conn);
		PQfinish(conn);
	}
	spool_close(s);
	return rc;
}

/* jobs purge */

/* Removes the job's files; how many, or -1 after a message. */
static long
remove_job_files(struct spool *s, const char *id)
{
	int n = spool_remove(s, id);

	if (n < 0)
		fprintf(stderr, "quillctl: removing the files of job %s: %s\n", id, strerror(errno));
	return n;
}

int
jobs_purge(const struct config *cfg, const struct jobs_purge_opts *o)
{
	char statuses_param[32], age[24];
	const char *params[] = { statuses_param, age };
	long long ms = o->older_than_ms;
	long files = 0, n;
	struct spool *s;
	PGconn *conn;
	PGresult *res = NULL;
	int rows = 0, rc = 1;

	if (ms < 0)
		ms = config_duration_ms(cfg, "ocr_worker", "retention");
	snprintf(statuses_param, sizeof statuses_param, "{%s}", o->status != NULL ? o->status : "done,failed");
	snprintf(age, sizeof age, "%lld", ms);
	if ((s = jobs_open_spool(cfg)) == NULL)
		return 1;
	if ((conn = db_connect(cfg, "ocr_worker")) == NULL)
		goto out;
	if (db_command(conn, "BEGIN") != 0 ||
	    (res = db_run(conn, "deleting from ocr.ocr_jobs", job_sql_purge, 2, params, PGRES_TUPLES_OK)) == NULL)
		goto out;
	rows = PQntuples(res);
	for (int r = 0; r < rows; r++) {
		if ((n = remove_job_files(s, PQgetvalue(res, r, JOB_PURGED_ID))) < 0)
			goto out;
		files += n;
	}
	PQclear(res);
	/* a deleted job's mark outlives any file of it well within the retention */
	if ((res = db_run(conn, "deleting from ocr.deleted_jobs", job_sql_purge_marks, 1, params + 1,
	    PGRES_COMMAND_OK)) == NULL || db_command(conn, "COMMIT") != 0)
		goto out;
	printf("removed %d job%s and %ld spool file%s\n", rows, rows == 1 ? "" : "s",
	    files, files == 1 ? "" : "s");
	rc = 0;
out:
	PQclear(res);
	if (conn != NULL) {
		db_rollback(conn);
		PQfinish(conn);
	}
	spool_close(s);
	return rc;
}

/* spool status */

int
jobs_spool_status(const struct config *cfg)
{
	struct spool *s;
	struct spool_waiting o;
	time_t now = time(NULL);
	long n;
	int rc = 1;

	if ((s = jobs_open_spool(cfg)) == NULL)
		return 1;
	printf("%-10s%s\n", "spool", config_str(cfg, "global", "spool_dir"));
	for (int d = 0; d < SPOOL_NDIRS; d++) {
		if ((n = spool_count(s, (enum spool_dir)d)) < 0) {
			fprintf(stderr, "quillctl: reading spool %s/: %s\n", spool_dir_name((enum spool_dir)d),
			    strerror(errno));
			goto out;
		}
		printf("%-10s%ld", spool_dir_name((enum spool_dir)d), n);
		if (d == SPOOL_NEW && n > 0) {
			if (spool_waiting(s, now, &o) != 0) {
				putchar('\n');
				fprintf(stderr, "quillctl: reading spool new/: %s\n", strerror(errno));
				goto out;
			}
			if (o.any)
				printf("  oldest %lld s", (long long)(o.oldest < now ? now - o.oldest : 0));
			if (o.deferred > 0)
				printf(", %ld deferred", o.deferred);
		}
		putchar('\n');
	}
	rc = 0;
out:
	spool_close(s);
	return rc;
}
