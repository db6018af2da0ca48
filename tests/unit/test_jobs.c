/*
 * Unit tests for lib/jobs: the parameters of a job's row as the spool
 * header gives them, and the result-column enums against the statements
 * they name (a column added to JOB_COLUMNS without its constant, or the
 * other way round, fails here rather than shifting what a program reads).
 */
#include <stdio.h>
#include <string.h>

#include "lib/jobs.h"
#include "lib/spool.h"
#include "tests/unit/sql_columns.h"
#include "tests/unit/tap.h"

/* The select list of a "SELECT ... FROM" statement, in buf. */
static const char *
select_list(const char *sql, char *buf, size_t size)
{
	const char *from = strstr(sql, " FROM ocr.ocr_jobs");

	snprintf(buf, size, "%.*s", from != NULL ? (int)(from - sql - 7) : 0, sql + 7);
	return buf;
}

int
main(void)
{
	struct spool_meta m;
	struct job_row row;
	char buf[2048];

	memset(&m, 0, sizeof(m));
	snprintf(m.job_id, sizeof(m.job_id), "8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f");
	snprintf(m.user_id, sizeof(m.user_id), "0b4f2f4e-6c4e-4b7a-9d1e-3a2b1c0d9e8f");
	snprintf(m.type, sizeof(m.type), "png");
	snprintf(m.source, sizeof(m.source), "upload");
	m.created_us = 1764000000123456;
	m.size = 1048576;
	job_row_params(&m, &row);
	ok(row.params[2] == NULL && row.params[7] == NULL, "a row without a name or key has NULL for both");
	is_str(row.params[0], m.job_id, "  the id first");
	is_str(row.params[3], "image/png", "  the content type from the image type");
	is_str(row.params[4], "1048576", "  the size as text");
	is_str(row.params[8], "1764000000123456", "  the time in microseconds");
	snprintf(m.filename, sizeof(m.filename), "scan.png");
	snprintf(m.idempotency_key, sizeof(m.idempotency_key), "k1");
	job_row_params(&m, &row);
	ok(row.params[2] == m.filename && row.params[7] == m.idempotency_key, "  a name and a key are passed on");

	is_int(count_columns(JOB_COLUMNS), JOB_NCOLUMNS, "JOB_COLUMNS has a constant for each column");
	ok(strncmp(JOB_COLUMNS, "j.id, j.status,", 15) == 0, "  id and status first, as JOB_COL_ID and _STATUS");
	ok(strstr(JOB_COLUMNS, "j.ocr_ms, j.user_id, (extract(epoch FROM j.created_at)") != NULL,
	    "  ocr_ms, then the owner and the cursor time last");
	is_int(count_columns(select_list(job_sql_text, buf, sizeof(buf))), JOB_OUT_BODY + 1,
	    "job_sql_text's columns are enum job_output_column's");
	is_int(count_columns(select_list(job_sql_hocr, buf, sizeof(buf))), JOB_OUT_BODY + 1,
	    "job_sql_hocr's too");
	is_int(count_columns(select_list(job_sql_admin_list, buf, sizeof(buf))), JOB_LIST_FINISHED + 1,
	    "job_sql_admin_list's columns are enum job_admin_list_column's");
	is_int(count_columns(select_list(job_sql_lock_status, buf, sizeof(buf))), JOB_LOCK_STATUS + 1,
	    "job_sql_lock_status has one column");
	ok(strstr(job_sql_show, "octet_length(text) AS text, octet_length(hocr) AS hocr, "
	    "octet_length(words::text) AS words FROM") != NULL && JOB_SHOW_BODIES == 3,
	    "job_sql_show ends with the JOB_SHOW_BODIES lengths");
	return done_testing();
}
