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

/* The OCR languages travel in the header; without them the worker's default is meant. */
static void
test_header_languages(void)
{
	struct spool_meta m, back;
	char plain[SPOOL_HEADER_MAX], buf[SPOOL_HEADER_MAX], bad[SPOOL_HEADER_MAX + 64];
	const char *line = "languages eng+../x\n";
	size_t at = strlen("quill-spool 1\n");
	int n, p;

	sample_meta(&m, "8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f");
	memset(m.sha256, 'a', 64);
	p = spool_header_format(&m, plain, sizeof(plain) - 1);
	plain[p > 0 ? p : 0] = '\0';
	ok(p > 0 && strstr(plain, "languages") == NULL, "no languages: no line for them");
	is_int(spool_header_parse(plain, (size_t)p, &back), p, "  and it parses");
	is_str(back.languages, "", "  with none: the default");
	snprintf(m.languages, sizeof(m.languages), "vie+eng");
	n = spool_header_format(&m, buf, sizeof(buf));
	is_int(spool_header_parse(buf, (size_t)n, &back), n, "a header with languages parses");
	is_str(back.languages, "vie+eng", "  and keeps them");
	memcpy(bad, plain, at);
	memcpy(bad + at, line, strlen(line));
	memcpy(bad + at + strlen(line), plain + at, (size_t)p - at);
	ok(spool_header_parse(bad, (size_t)p + strlen(line), &back) == -1,
	    "a languages line that is not a set is refused");
	memcpy(bad + at, "languages eng\n", 14);
	memcpy(bad + at + 14, plain + at, (size_t)p - at);
	is_int(spool_header_parse(bad, (size_t)p + 14, &back), p + 14, "  one that is, is taken");
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
	struct spool *s;
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
	ok((s = spool_open(root, err, sizeof(err))) != NULL, "a spool opens, its directories made");
	ok(exists("", "incoming") && exists("", "failed"), "  incoming/ and failed/ exist");
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (unsigned char)(i * 7);
	sample_meta(&m, a);
	snprintf(m.filename, sizeof(m.filename), "scan.png");
	is_int(spool_deliver(s, &m, image, sizeof(image)), 0, "a delivery succeeds");
	ok(exists("new", a), "  the job waits in new/");
	is_int((int)spool_count(s, SPOOL_TMP), 0, "  nothing is left in tmp/");
	ok(m.size == sizeof(image) && strlen(m.sha256) == 64, "  size and sha256 are set");

	is_int(spool_map(s, SPOOL_NEW, a, &f), 0, "it maps back");
	ok(f.meta.size == sizeof(image) && memcmp(f.image, image, sizeof(image)) == 0, "  the image is intact");
	is_str(f.meta.filename, "scan.png", "  with its name");
	spool_unmap(&f);

	is_int(spool_claim(s, a, 4242, cur), 0, "a worker claims it");
	is_int(spool_claim(s, a, 4343, cur2), 1, "a second worker finds it gone");
	ok(exists("cur", cur) && !exists("new", a), "  it is in cur/ under the worker's pid");

	sample_meta(&m, b);
	spool_deliver(s, &m, image, 10);
	spool_claim(s, b, 5000, cur2);
	is_int(spool_recover(s, 4242), 1, "recovering a dead worker's files moves only its own");
	ok(exists("new", a) && exists("cur", cur2), "  a is back in new/, b stays claimed");
	is_int(spool_recover(s, 0), 1, "recovering all moves the rest");
	is_int((int)spool_count(s, SPOOL_NEW), 2, "  two jobs wait");

	spool_claim(s, a, 4242, cur);
	is_int(spool_finish(s, cur), 0, "a finished job moves to done/");
	ok(exists("done", a), "  it is there");
	spool_claim(s, b, 4242, cur);
	is_int(spool_fail(s, cur, "cannot decode: not an image"), 0, "a failed job moves to failed/");
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
	is_int((int)spool_count(s, SPOOL_FAILED), 1, "  counted once, the reason not counted");
	is_int(spool_requeue(s, "not-a-name"), -1, "a bad name is refused");
	is_int(spool_expire(s, SPOOL_DONE, 3600), 0, "a fresh done/ file is kept");
	is_int(spool_expire(s, SPOOL_DONE, -1), 1, "an expired one is removed");

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
		ok(spool_map(s, SPOOL_NEW, a, &f) == -1 && errno == EINVAL, "a bare image in new/ is not taken as a job");
		/* truncated: header says more than there is */
		sample_meta(&m, a);
		spool_deliver(s, &m, image, sizeof(image));
		if (truncate(path, 500) != 0)
			ok(0, "truncate");
		ok(spool_map(s, SPOOL_NEW, a, &f) == -1 && errno == EINVAL, "a truncated spool file is refused");
	}
	spool_close(s);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			ok(0, "cleanup");
	}
}

static char root2[] = "/tmp/quill-test-spool2.XXXXXX";

static void
write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd == -1 || write(fd, data, len) != (ssize_t)len)
		ok(0, "write a drop-in");
	if (fd != -1)
		close(fd);
}

static void
count_place(void *arg, const char *where)
{
	(void)where;
	(*(int *)arg)++;
}

static char root3[] = "/tmp/quill-test-spool3.XXXXXX";

static int
in3(const char *dir, const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s/%s", root3, dir, name);
	return access(path, F_OK) == 0;
}

static void
test_job_files(void)
{
	struct spool *s;
	struct spool_meta m;
	struct spool_waiting wt;
	char err[256], cur[SPOOL_NAME_MAX], why[64];
	const char *a = "33333333-3333-4333-8333-333333333333", *b = "44444444-4444-4444-8444-444444444444";
	unsigned char image[100] = { 0 };
	int n = 0;

	if (mkdtemp(root3) == NULL || (s = spool_open(root3, err, sizeof(err))) == NULL) {
		ok(0, "spool_open");
		return;
	}
	sample_meta(&m, a);
	spool_deliver(s, &m, image, sizeof(image));
	sample_meta(&m, b);
	spool_deliver(s, &m, image, sizeof(image));
	ok(spool_waiting(s, time(NULL) + 10, &wt) == 0 && wt.any && wt.deferred == 0, "spool_waiting sees new/");
	spool_claim(s, b, 4242, cur);
	is_int(spool_locate(s, b, count_place, &n), 1, "spool_locate finds a claimed job in cur/");
	is_int(n, 1, "  and says where");
	spool_fail(s, cur, "bad page");
	ok(spool_reason(s, b, why, sizeof(why)) == 0 && strcmp(why, "bad page") == 0,
	    "spool_reason reads failed/<job>.reason");
	is_int(spool_requeue_from(s, SPOOL_FAILED, b), 0, "spool_requeue_from puts a failed job in new/");
	ok(in3("new", b) && !in3("failed", b), "  it is in new/ and no longer in failed/");
	is_int(spool_unrequeue(s, SPOOL_FAILED, b), 0, "spool_unrequeue puts it back");
	is_int(spool_remove(s, b), 2, "spool_remove removes the file and its reason");
	ok(!in3("failed", b) && !in3("failed", "44444444-4444-4444-8444-444444444444.reason"), "  both gone");
	is_int(spool_remove(s, a), 1, "  and a waiting job's file in new/");
	is_int(spool_remove(s, "../etc/passwd"), -1, "  a name that is no job is refused");
	ok(spool_reason(s, a, why, sizeof(why)) == -1 && errno == ENOENT, "no reason: ENOENT");
	spool_close(s);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root3);
		if (system(cmd) != 0)
			ok(0, "cleanup");
	}
}

/* One visit of test_dropins: acts on the entry called want. */
struct seen {
	struct spool *s;
	const char *want;
	size_t max;
	bool cut;		/* truncate it after the claim */
	int found;
	enum spool_read read;
	size_t len;
	char dir[256];
};

static bool
visit(void *arg, struct spool_dropin *d)
{
	struct seen *w = arg;
	void *data = NULL;
	char path[600];

	if (strcmp(d->name, w->want) != 0)
		return false;
	w->found = 1;
	snprintf(w->dir, sizeof(w->dir), "%s", d->dir);
	if (spool_dropin_claim(w->s, d, getpid()) != 0) {
		w->found = 2;
		return true;
	}
	if (w->cut) {
		snprintf(path, sizeof(path), "%s/incoming/%s%s%s", root2, d->dir, d->dir[0] != '\0' ? "/" : "",
		    d->claimed_name);
		if (truncate(path, 10) != 0)
			ok(0, "truncate");
	}
	w->read = spool_dropin_read(w->s, d, w->max, &data, &w->len);
	free(data);
	spool_dropin_remove(w->s, d);
	return true;
}

static void
test_dropins(void)
{
	struct spool *s;
	struct seen w;
	char err[256], path[600], user[UUID_STR_LEN + 1], name[64];
	unsigned char big[5000];
	const char *id = "55555555-5555-4555-8555-555555555555";

	memset(big, 'x', sizeof(big));
	if (mkdtemp(root2) == NULL || (s = spool_open(root2, err, sizeof(err))) == NULL) {
		ok(0, "spool_open");
		return;
	}
	snprintf(path, sizeof(path), "%s/incoming/a.png", root2);
	write_file(path, big, sizeof(big));
	w = (struct seen){ .s = s, .want = "a.png", .max = 1 << 20 };
	ok(spool_dropin_scan(s, visit, &w) && w.found == 1, "a drop-in at the top is visited");
	ok(w.read == SPOOL_READ_OK && w.len == sizeof(big), "  and read whole");
	ok(access(path, F_OK) != 0, "  and removed");

	write_file(path, big, sizeof(big));
	w = (struct seen){ .s = s, .want = "a.png", .max = 1000 };
	spool_dropin_scan(s, visit, &w);
	is_int((int)w.read, SPOOL_READ_TOO_BIG, "one over max is refused unread");

	write_file(path, big, sizeof(big));
	w = (struct seen){ .s = s, .want = "a.png", .max = 1 << 20, .cut = true };
	spool_dropin_scan(s, visit, &w);
	is_int((int)w.read, SPOOL_READ_CHANGED, "one truncated after its claim reads short: refused, no SIGBUS");

	if (mkfifo(path, 0600) != 0)
		ok(0, "mkfifo");
	w = (struct seen){ .s = s, .want = "a.png", .max = 1 << 20 };
	spool_dropin_scan(s, visit, &w);
	is_int((int)w.read, SPOOL_READ_NOT_REGULAR, "a FIFO is never opened for reading (and does not block)");

	if (symlink("/etc/passwd", path) != 0)
		ok(0, "symlink");
	w = (struct seen){ .s = s, .want = "a.png", .max = 1 << 20 };
	spool_dropin_scan(s, visit, &w);
	is_int((int)w.read, SPOOL_READ_NOT_REGULAR, "a link is not followed");

	snprintf(path, sizeof(path), "%s/incoming/sub", root2);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/incoming/sub/b.png", root2);
	write_file(path, big, 10);
	w = (struct seen){ .s = s, .want = "b.png", .max = 1 << 20 };
	ok(spool_dropin_scan(s, visit, &w) && strcmp(w.dir, "sub") == 0, "a drop-in in a directory is visited with it");

	/* claimed and left by a dead worker: put back */
	snprintf(path, sizeof(path), "%s/incoming/.c.png.quill-77", root2);
	write_file(path, big, 10);
	is_int(spool_recover_dropins(s, 77), 1, "a dead worker's claimed drop-in goes back");
	snprintf(path, sizeof(path), "%s/incoming/c.png", root2);
	ok(access(path, F_OK) == 0, "  under its own name");

	is_int(spool_dropin_owner(s, getuid() + 1000, user, name), 1, "nobody is allowed at first");
	is_int(spool_dropin_allow(s, getuid() == 0 ? 4321 : getuid(), "dropper", id), 0, "an account is allowed");
	ok(spool_dropin_owner(s, getuid() == 0 ? 4321 : getuid(), user, name) == 0 && strcmp(user, id) == 0 &&
	    strcmp(name, "dropper") == 0, "  and found with its unix name");
	snprintf(path, sizeof(path), "%s/incoming/dropper", root2);
	{
		struct stat st;

		ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 02770, "  its directory is made, 2770");
	}
	is_int(spool_dropin_allow(s, 1234, "../x", id), -1, "a name that is a path is refused");
	if (getuid() == 0) {
		/* another drop-in user made the directory first: it is not given away */
		snprintf(path, sizeof(path), "%s/incoming/squat", root2);
		if (mkdir(path, 0755) != 0 || chown(path, 4242, 4242) != 0)
			ok(0, "squat");
		ok(spool_dropin_allow(s, 4321, "squat", id) == -1 && errno == EEXIST,
		    "a directory someone else made first is not given to another");
	}
	is_int(spool_dropin_deny(s, getuid() == 0 ? 4321 : getuid()), 0, "an account is denied");
	is_int(spool_dropin_owner(s, getuid() == 0 ? 4321 : getuid(), user, name), 1, "  and no longer found");
	spool_close(s);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root2);
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
	struct spool *s;

	if (mkdtemp(dir) == NULL || (s = spool_open(dir, err, sizeof(err))) == NULL) {
		ok(0, "a spool for the notes opens");
		return;
	}
	ok(spool_note_lost(s, "../../etc/x", "why") == -1 && errno == EINVAL,
	    "a note for a name that is no job id is refused");
	is_int(spool_note_lost(s, job, "timeout: killed\nforged=1"), 0, "a note is written");
	is_int(spool_count(s, SPOOL_CUR), 0, "  and no scan of cur/ counts it");
	is_int(spool_recover(s, 0), 0, "  nor takes it for a claimed file");
	is_int(spool_take_lost(s, job, buf, sizeof(buf)), 1, "the next attempt takes it");
	is_str(buf, "timeout: killed", "  one line: what followed a newline is not part of it");
	ok(spool_take_lost(s, job, buf, sizeof(buf)) == 0 && buf[0] == '\0', "  once: then there is none");
	spool_note_lost(s, job, "old");
	snprintf(name, sizeof(name), ".%s.lost", job);
	old[1].tv_sec = time(NULL) - 8 * 86400;
	snprintf(cmd, sizeof(cmd), "%s/cur/%s", dir, name);
	utimensat(AT_FDCWD, cmd, old, 0);
	is_int(spool_expire_lost(s, 7 * 86400), 1, "a note older than the age given is removed");
	is_int(spool_take_lost(s, job, buf, sizeof(buf)), 0, "  and gone");
	spool_close(s);
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
	test_header_languages();
	test_names();
	test_moves();
	test_job_files();
	test_dropins();
	test_lost_notes();
	return done_testing();
}
