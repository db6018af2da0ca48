/*
 * test_spool: the spool's header, names and moves, in a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/spool.h"
#include "tests/unit/tap.h"

static char root[] = "/tmp/quill-test-spool.XXXXXX";

static void
sample_meta(struct spool_meta *m, const char *job)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->job_id, sizeof(m->job_id), "%s", job);
	snprintf(m->user_id, sizeof(m->user_id), "0b4f2f4e-6c4e-4b7a-9d1e-3a2b1c0d9e8f");
	snprintf(m->type, sizeof(m->type), "png");
	snprintf(m->source, sizeof(m->source), "upload");
	m->created_us = 1764000000123456;
}

static int
exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	return access(path, F_OK) == 0;
}

static void
test_header(void)
{
	struct spool_meta m, back;
	char buf[SPOOL_HEADER_MAX];
	int n;

	sample_meta(&m, "8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f");
	m.size = 1234;
	memset(m.sha256, 'a', 64);
	snprintf(m.filename, sizeof(m.filename), "my invoice%%\n\x01.png");
	snprintf(m.idempotency_key, sizeof(m.idempotency_key), "key with spaces");
	n = spool_header_format(&m, buf, sizeof(buf));
	ok(n > 0, "a header is formatted");
	ok(memchr(buf, '\x01', (size_t)n) == NULL, "  with control bytes escaped");
	is_int(spool_header_parse(buf, (size_t)n, &back), n, "and parses back to its length");
	is_str(back.filename, m.filename, "  the file name survives, odd bytes and all");
	is_str(back.idempotency_key, m.idempotency_key, "  the key too");
	is_str(back.job_id, m.job_id, "  the job id");
	ok(back.size == 1234 && back.created_us == m.created_us, "  size and time");

	{
		int accepted = 0;

		for (int cut = 0; cut < n; cut++)
			if (spool_header_parse(buf, (size_t)cut, &back) != -1)
				accepted++;
		is_int(accepted, 0, "every truncated header is refused");
	}
	{
		char twice[SPOOL_HEADER_MAX + 32];
		const char *line = "type gif\n";
		size_t at = strlen("quill-spool 1\n");

		/* "type gif" again right after the magic line: two answers for one key */
		memcpy(twice, buf, at);
		memcpy(twice + at, line, strlen(line));
		memcpy(twice + at + strlen(line), buf + at, (size_t)n - at);
		ok(spool_header_parse(twice, (size_t)n + strlen(line), &back) == -1, "a key given twice is refused");
		/* and an optional one: the header above has a filename already */
		line = "filename other.png\n";
		memcpy(twice + at, line, strlen(line));
		memcpy(twice + at + strlen(line), buf + at, (size_t)n - at);
		ok(spool_header_parse(twice, (size_t)n + strlen(line), &back) == -1,
		    "  so is a second file name");
	}
	buf[20] = 'X';
	ok(spool_header_parse(buf, (size_t)n, &back) == -1 || strcmp(back.job_id, m.job_id) != 0,
	    "a damaged header is not taken for the original");
	ok(spool_header_parse("quill-spool 1\n\n", 15, &back) == -1, "a header missing fields is refused");
	ok(spool_header_parse("GIF89a", 6, &back) == -1, "an image without a header is refused");
}

static void
test_names(void)
{
	char job[UUID_STR_LEN + 1];
	pid_t pid;
	const char *id = "8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f";
	char name[128];

	is_int(spool_name_parse(SPOOL_NEW, id, job, &pid), 0, "new/<job> parses");
	snprintf(name, sizeof(name), "%s.4242", id);
	ok(spool_name_parse(SPOOL_CUR, name, job, &pid) == 0 && pid == 4242, "cur/<job>.<pid> parses with its pid");
	is_int(spool_name_parse(SPOOL_NEW, name, job, &pid), -1, "  but is not a new/ name");
	snprintf(name, sizeof(name), "%s.17.host_a", id);
	ok(spool_name_parse(SPOOL_TMP, name, job, &pid) == 0 && pid == 17, "tmp/<job>.<pid>.<host> parses");
	is_int(spool_name_parse(SPOOL_CUR, "../etc/passwd", job, &pid), -1, "a path is not a name");
	snprintf(name, sizeof(name), "%s.0", id);
	is_int(spool_name_parse(SPOOL_CUR, name, job, &pid), -1, "pid 0 is refused");
	snprintf(name, sizeof(name), "%s.99999999999999", id);
	is_int(spool_name_parse(SPOOL_CUR, name, job, &pid), -1, "an absurd pid is refused");
	is_int(spool_name_parse(SPOOL_NEW, "", job, &pid), -1, "an empty name is refused");
}

static void
test_moves(void)
{
	struct spool s;
	struct spool_meta m;
	struct spool_file f;
	char err[256], cur[SPOOL_NAME_MAX], cur2[SPOOL_NAME_MAX], reason[128];
	const char *a = "11111111-1111-4111-8111-111111111111", *b = "22222222-2222-4222-8222-222222222222";
	unsigned char image[3000];
	FILE *fp;

	if (mkdtemp(root) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	is_int(spool_open(&s, root, err, sizeof(err)), 0, "a spool opens, its directories made");
	ok(exists("", "incoming") && exists("", "failed"), "  incoming/ and failed/ exist");
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (unsigned char)(i * 7);
	sample_meta(&m, a);
	snprintf(m.filename, sizeof(m.filename), "scan.png");
	is_int(spool_deliver(&s, &m, image, sizeof(image)), 0, "a delivery succeeds");
	ok(exists("new", a), "  the job waits in new/");
	is_int((int)spool_count(&s, SPOOL_TMP), 0, "  nothing is left in tmp/");
	ok(m.size == sizeof(image) && strlen(m.sha256) == 64, "  size and sha256 are set");

	is_int(spool_map(&s, SPOOL_NEW, a, &f), 0, "it maps back");
	ok(f.meta.size == sizeof(image) && memcmp(f.image, image, sizeof(image)) == 0, "  the image is intact");
	is_str(f.meta.filename, "scan.png", "  with its name");
	spool_unmap(&f);

	is_int(spool_claim(&s, a, 4242, cur), 0, "a worker claims it");
	is_int(spool_claim(&s, a, 4343, cur2), 1, "a second worker finds it gone");
	ok(exists("cur", cur) && !exists("new", a), "  it is in cur/ under the worker's pid");

	sample_meta(&m, b);
	spool_deliver(&s, &m, image, 10);
	spool_claim(&s, b, 5000, cur2);
	is_int(spool_recover(&s, 4242), 1, "recovering a dead worker's files moves only its own");
	ok(exists("new", a) && exists("cur", cur2), "  a is back in new/, b stays claimed");
	is_int(spool_recover(&s, 0), 1, "recovering all moves the rest");
	is_int((int)spool_count(&s, SPOOL_NEW), 2, "  two jobs wait");

	spool_claim(&s, a, 4242, cur);
	is_int(spool_finish(&s, cur), 0, "a finished job moves to done/");
	ok(exists("done", a), "  it is there");
	spool_claim(&s, b, 4242, cur);
	is_int(spool_fail(&s, cur, "cannot decode: not an image"), 0, "a failed job moves to failed/");
	snprintf(reason, sizeof(reason), "%s/failed/%s.reason", root, b);
	if ((fp = fopen(reason, "r")) != NULL) {
		char line[128] = "";

		if (fgets(line, sizeof(line), fp) == NULL)
			line[0] = '\0';
		fclose(fp);
		is_str(line, "cannot decode: not an image\n", "  with its reason beside it");
	} else {
		ok(0, "  with its reason beside it");
	}
	is_int((int)spool_count(&s, SPOOL_FAILED), 1, "  counted once, the reason not counted");
	is_int(spool_requeue(&s, "not-a-name"), -1, "a bad name is refused");
	is_int(spool_expire(&s, SPOOL_DONE, 3600), 0, "a fresh done/ file is kept");
	is_int(spool_expire(&s, SPOOL_DONE, -1), 1, "an expired one is removed");

	/* a file in new/ that is no spool file is refused when mapped */
	{
		char path[512];
		int fd;

		snprintf(path, sizeof(path), "%s/new/%s", root, a);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd != -1) {
			if (write(fd, "\x89PNG\r\n", 6) != 6)
				ok(0, "write");
			close(fd);
		}
		ok(spool_map(&s, SPOOL_NEW, a, &f) == -1 && errno == EINVAL, "a bare image in new/ is not taken as a job");
		/* truncated: header says more than there is */
		sample_meta(&m, a);
		spool_deliver(&s, &m, image, sizeof(image));
		if (truncate(path, 500) != 0)
			ok(0, "truncate");
		ok(spool_map(&s, SPOOL_NEW, a, &f) == -1 && errno == EINVAL, "a truncated spool file is refused");
	}
	spool_close(&s);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			ok(0, "cleanup");
	}
}

/* Notes on lost attempts: written by the master, taken by the next attempt, hidden from scans. */
static void
test_lost_notes(void)
{
	char dir[] = "/tmp/quill-test-spool-lost.XXXXXX", err[256], buf[160], name[SPOOL_NAME_MAX], cmd[600];
	const char *job = "33333333-3333-4333-8333-333333333333";
	struct timespec old[2] = { { 0, UTIME_OMIT }, { 0, 0 } };
	struct spool s;

	if (mkdtemp(dir) == NULL || spool_open(&s, dir, err, sizeof(err)) != 0) {
		ok(0, "a spool for the notes opens");
		return;
	}
	ok(spool_note_lost(&s, "../../etc/x", "why") == -1 && errno == EINVAL,
	    "a note for a name that is no job id is refused");
	is_int(spool_note_lost(&s, job, "timeout: killed\nforged=1"), 0, "a note is written");
	is_int(spool_count(&s, SPOOL_CUR), 0, "  and no scan of cur/ counts it");
	is_int(spool_recover(&s, 0), 0, "  nor takes it for a claimed file");
	is_int(spool_take_lost(&s, job, buf, sizeof(buf)), 1, "the next attempt takes it");
	is_str(buf, "timeout: killed", "  one line: what followed a newline is not part of it");
	ok(spool_take_lost(&s, job, buf, sizeof(buf)) == 0 && buf[0] == '\0', "  once: then there is none");
	spool_note_lost(&s, job, "old");
	snprintf(name, sizeof(name), ".%s.lost", job);
	old[1].tv_sec = time(NULL) - 8 * 86400;
	utimensat(s.dir_fd[SPOOL_CUR], name, old, 0);
	is_int(spool_expire_lost(&s, 7 * 86400), 1, "a note older than the age given is removed");
	is_int(spool_take_lost(&s, job, buf, sizeof(buf)), 0, "  and gone");
	spool_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_header();
	test_names();
	test_moves();
	test_lost_notes();
	return done_testing();
}
