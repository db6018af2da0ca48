/*
 * test_log: the log line format, level filtering, log_quote escaping and
 * truncation, one line per call even with newlines in the text or several
 * processes writing at once, fatal exit statuses and the RFC 3339 stamps.
 *
 * stderr is pointed at a temporary file for each capture and read back.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "tests/unit/tap.h"

static char capture_path[64];
static int saved_stderr = -1;
static char captured[2 * 1024 * 1024];

/* Points stderr at a fresh, empty temporary file opened O_APPEND. */
static void
capture_begin(void)
{
	int fd;

	snprintf(capture_path, sizeof capture_path, "/tmp/test_log.XXXXXX");
	if ((fd = mkstemp(capture_path)) == -1) {
		perror("mkstemp");
		exit(2);
	}
	close(fd);
	fd = open(capture_path, O_WRONLY | O_APPEND);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Restores stderr and returns what was written, NUL-terminated. */
static const char *
capture_end(void)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	fd = open(capture_path, O_RDONLY);
	while ((n = read(fd, captured + len, sizeof captured - 1 - len)) > 0)
		len += (size_t)n;
	captured[len] = '\0';
	close(fd);
	unlink(capture_path);
	return captured;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static int
matches(const char *s, const char *pattern)
{
	regex_t re;
	int rc;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	rc = regexec(&re, s, 0, NULL, 0);
	regfree(&re);
	return rc == 0;
}

static void
test_line_format(void)
{
	char want[256], pattern[256];
	const char *out;
	struct tm tm;
	time_t t0, t1, t;

	is_int(log_open("test-log", "journal", NULL, LOG_LEVEL_INFO), -1, "log_open rejects an unknown target");
	is_int(log_open("test-log", "stderr", NULL, LOG_LEVEL_INFO), 0, "log_open stderr");

	t0 = time(NULL);
	capture_begin();
	errno = EAGAIN;
	log_info("event=hello n=%d", 5);
	is_int(errno, EAGAIN, "log_info leaves errno alone");
	out = capture_end();
	t1 = time(NULL);

	snprintf(pattern, sizeof pattern,
	    "^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
	    "level=info prog=test-log pid=%ld event=hello n=5\n$", (long)getpid());
	ok(matches(out, pattern), "info line has ts, level, prog, pid and the text");
	if (!matches(out, pattern))
		printf("#   got: %s", out);

	memset(&tm, 0, sizeof tm);
	ok(strptime(out, "ts=%Y-%m-%dT%H:%M:%S", &tm) != NULL, "ts parses as RFC 3339");
	t = timegm(&tm);
	ok(t >= t0 && t <= t1, "ts is the current UTC time");

	capture_begin();
	log_set_context("worker=2");
	log_warnx("event=ctx");
	log_set_context(NULL);
	log_warnx("event=noctx");
	out = capture_end();
	snprintf(want, sizeof want, "level=warn prog=test-log pid=%ld worker=2 event=ctx\n",
	    (long)getpid());
	ok(strstr(out, want) != NULL, "context goes after pid");
	snprintf(want, sizeof want, "pid=%ld event=noctx\n", (long)getpid());
	ok(strstr(out, want) != NULL, "context can be cleared");

	capture_begin();
	log_info("%s", "");
	out = capture_end();
	ok(matches(out, "pid=[0-9]+\n$"), "an empty message leaves no trailing space");
}

static void
test_levels(void)
{
	const char *out;

	log_set_level(LOG_LEVEL_INFO);
	ok(log_enabled(LOG_LEVEL_INFO) && !log_enabled(LOG_LEVEL_DEBUG), "log_enabled at info");
	capture_begin();
	log_debug("event=hidden");
	log_info("event=i");
	log_warnx("event=w");
	log_error("event=e");
	out = capture_end();
	ok(strstr(out, "hidden") == NULL, "debug is filtered at info");
	is_int(count_lines(out), 3, "info, warn and error pass at info");
	ok(strstr(out, "level=info ") && strstr(out, "level=warn ") && strstr(out, "level=error "),
	    "level names");

	log_set_level(LOG_LEVEL_ERROR);
	capture_begin();
	log_info("event=i");
	log_warn("event=w");
	log_error("event=e");
	out = capture_end();
	is_int(count_lines(out), 1, "only error passes at error");
	ok(strstr(out, "level=error ") != NULL, "the error line is there");

	log_set_level(LOG_LEVEL_DEBUG);
	capture_begin();
	log_debug("event=d");
	out = capture_end();
	ok(strstr(out, "level=debug ") != NULL, "debug passes at debug");
	log_set_level(LOG_LEVEL_INFO);

	is_int(log_level_parse("error"), LOG_LEVEL_ERROR, "parse error");
	is_int(log_level_parse("warn"), LOG_LEVEL_WARN, "parse warn");
	is_int(log_level_parse("info"), LOG_LEVEL_INFO, "parse info");
	is_int(log_level_parse("debug"), LOG_LEVEL_DEBUG, "parse debug");
	is_int(log_level_parse("verbose"), -1, "unknown level");
	is_int(log_level_parse("INFO"), -1, "level names are lower-case");

	is_int(log_facility_parse("daemon"), LOG_DAEMON, "facility daemon");
	is_int(log_facility_parse("user"), LOG_USER, "facility user");
	is_int(log_facility_parse("local0"), LOG_LOCAL0, "facility local0");
	is_int(log_facility_parse("local7"), LOG_LOCAL7, "facility local7");
	is_int(log_facility_parse("local8"), -1, "no local8");
	is_int(log_facility_parse("kern"), -1, "kern is not offered");
}

static void
test_errno_text(void)
{
	const char *out;

	capture_begin();
	errno = ENOENT;
	log_warn("event=open path=%s", "/nope");
	is_int(errno, ENOENT, "log_warn leaves errno alone");
	log_warnx("event=plain");
	out = capture_end();
	ok(strstr(out, " event=open path=/nope error=\"No such file or directory\"\n") != NULL,
	    "log_warn appends the errno text");
	ok(strstr(out, "event=plain\n") != NULL, "log_warnx does not");
}

static void
test_one_line(void)
{
	static char big[20000];
	const char *out, *nl;

	capture_begin();
	log_info("event=x msg=a\nts=forged level=error\r\x01\x7f\tend");
	out = capture_end();
	is_int(count_lines(out), 1, "a newline in the message stays on one line");
	ok(strstr(out, "msg=a\\nts=forged level=error\\r\\x01\\x7f\tend\n") != NULL,
	    "control bytes are escaped");

	memset(big, 'a', sizeof big - 1);
	capture_begin();
	log_info("event=big v=%s", big);
	errno = EACCES;
	log_warn("event=big2 v=%s", big);
	out = capture_end();
	is_int(count_lines(out), 2, "two long messages give two lines");
	nl = strchr(out, '\n');
	ok(nl != NULL && nl - out + 1 <= 8192, "a long line is cut to 8 KiB");
	ok(nl != NULL && nl - out + 1 >= 8000, "and keeps most of the text");
	ok(nl != NULL && strncmp(nl - 4, "a...\n", 5) == 0, "a cut line ends in ...");
	ok(strlen(nl + 1) <= 8192, "long log_warn line is cut too");
	ok(strstr(nl + 1, "a... error=\"Permission denied\"\n") != NULL,
	    "the errno text survives the cut");
}

static void
test_quote(void)
{
	char buf[64], small[10];

	is_str(log_quote(buf, sizeof buf, "plain/path-1.2_x", (size_t)-1), "plain/path-1.2_x",
	    "plain text is left as is");
	is_str(log_quote(buf, sizeof buf, "", (size_t)-1), "\"\"", "empty is quoted");
	is_str(log_quote(buf, sizeof buf, "a b", (size_t)-1), "\"a b\"", "space quoted");
	is_str(log_quote(buf, sizeof buf, "say \"hi\"", (size_t)-1), "\"say \\\"hi\\\"\"",
	    "quotes escaped");
	is_str(log_quote(buf, sizeof buf, "a=b", (size_t)-1), "\"a=b\"", "= quoted");
	is_str(log_quote(buf, sizeof buf, "a\"b", (size_t)-1), "\"a\\\"b\"", "lone quote");
	is_str(log_quote(buf, sizeof buf, "l1\nl2\r\t", (size_t)-1), "\"l1\\nl2\\r\\t\"",
	    "newline, return and tab escaped");
	is_str(log_quote(buf, sizeof buf, "\x01\x1f\x7f", (size_t)-1), "\"\\x01\\x1f\\x7f\"",
	    "control bytes as \\xHH");
	is_str(log_quote(buf, sizeof buf, "a \\ b", (size_t)-1), "\"a \\\\ b\"",
	    "backslash escaped inside quotes");
	is_str(log_quote(buf, sizeof buf, "caf\xc3\xa9", (size_t)-1), "\"caf\\xc3\\xa9\"",
	    "non-ASCII bytes escaped");
	is_str(log_quote(buf, sizeof buf, "a\0b", 3), "\"a\\x00b\"", "explicit length, NUL byte");
	is_str(log_quote(buf, sizeof buf, "abcdef", 3), "abc", "explicit length cuts");

	is_str(log_quote(small, sizeof small, "abcdefghijkl", (size_t)-1), "abcdef...",
	    "plain text cut with ...");
	is_str(log_quote(small, sizeof small, "abcdefghi", (size_t)-1), "abcdefghi",
	    "plain text that just fits is whole");
	is_str(log_quote(small, sizeof small, "a b c d e f", (size_t)-1), "\"a b ...\"",
	    "quoted text cut inside the quotes");
	is_str(log_quote(small, sizeof small, "a b c d", (size_t)-1), "\"a b c d\"",
	    "quoted text that just fits is whole");
	is_str(log_quote(small, sizeof small, "\n\n\n\n\n", (size_t)-1), "\"\\n\\n...\"",
	    "an escape is never split");
	is_str(log_quote(small, 6, "a b", (size_t)-1), "\"a b\"", "tiny buffer, fits");
	is_str(log_quote(small, 6, "a b c", (size_t)-1), "\"...\"", "tiny buffer, cut");
	is_str(log_quote(small, 5, "a b", (size_t)-1), "", "too small for a quoted value");
	is_str(log_quote(small, 1, "abc", (size_t)-1), "", "bufsize 1");
	small[0] = 'x';
	log_quote(small, 0, "abc", (size_t)-1);
	is_int(small[0], 'x', "bufsize 0 writes nothing");
}

static void
test_timestamp(void)
{
	char buf[32], want[32];
	struct timespec ts = { 0, 0 };
	struct tm tm;
	int bad = 0;

	is_int(log_timestamp(buf, sizeof buf, &ts), 24, "timestamp length");
	is_str(buf, "1970-01-01T00:00:00.000Z", "the epoch");
	ts.tv_sec = 951825600;
	ts.tv_nsec = 999999999;
	log_timestamp(buf, sizeof buf, &ts);
	is_str(buf, "2000-02-29T12:00:00.999Z", "leap day 2000, milliseconds cut not rounded");
	is_int(log_timestamp(buf, 24, &ts), 0, "too small a buffer");

	/* Every 7 hours and 13 seconds from 1970 to 2200, against gmtime_r. */
	for (long long t = 0; t < 7258118400LL && bad < 3; t += 7 * 3600 + 13) {
		ts.tv_sec = (time_t)t;
		ts.tv_nsec = 0;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
		log_timestamp(buf, sizeof buf, &ts);
		if (strcmp(buf, want) != 0) {
			printf("# %lld: got %s, want %s\n", t, buf, want);
			bad++;
		}
	}
	is_int(bad, 0, "log_timestamp agrees with gmtime_r from 1970 to 2200");
}

/* Runs fn in a child with stderr captured; returns its wait status. */
static int
run_child(void (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		fn();
		_exit(99);
	}
	waitpid(pid, &status, 0);
	return status;
}

static void child_fatal(void) { errno = EPERM; fatal("event=fatal_test"); }
static void child_fatalx(void) { fatalx("event=fatalx_test n=%d", 1); }
static void child_status(void) { fatalx_status(78, "event=config_bad"); }

static void
test_fatal(void)
{
	const char *out;
	int status;

	capture_begin();
	status = run_child(child_fatal);
	out = capture_end();
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "fatal exits 1");
	ok(strstr(out, "level=error") && strstr(out, "event=fatal_test error=\"Operation not permitted\"\n"),
	    "fatal logs at error with the errno text");

	capture_begin();
	status = run_child(child_fatalx);
	out = capture_end();
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "fatalx exits 1");
	ok(strstr(out, "level=error") && strstr(out, "event=fatalx_test n=1\n"), "fatalx logs at error");

	capture_begin();
	status = run_child(child_status);
	out = capture_end();
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 78, "fatalx_status exits with its status");
	ok(strstr(out, "event=config_bad\n") != NULL, "fatalx_status logs");
}

/*
 * Several processes log long lines to one O_APPEND file at once; every
 * line must come out whole.
 */
static void
test_no_interleave(void)
{
	enum { NPROC = 4, NLINES = 200, PAYLOAD = 1500 };
	static char payload[NPROC][PAYLOAD + 1];
	char *line, *save = NULL, pattern[64];
	int status, whole = 0, total = 0, all_exited = 1;
	pid_t pids[NPROC];

	capture_begin();
	fflush(stdout);
	for (int p = 0; p < NPROC; p++) {
		memset(payload[p], 'a' + p, PAYLOAD);
		if ((pids[p] = fork()) == 0) {
			for (int i = 0; i < NLINES; i++)
				log_info("event=stress proc=%d i=%d data=%s", p, i, payload[p]);
			_exit(0);
		}
	}
	for (int p = 0; p < NPROC; p++) {
		waitpid(pids[p], &status, 0);
		all_exited &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	capture_end();
	ok(all_exited, "writers exited");
	for (line = strtok_r(captured, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const char *ev = strstr(line, " event=stress ");
		char fill[2] = "";
		int p = -1, i, n = 0;

		total++;
		if (ev == NULL || strncmp(line, "ts=", 3) != 0 ||
		    sscanf(ev, " event=stress proc=%d i=%d data=%n", &p, &i, &n) != 2 ||
		    n == 0 || p < 0 || p >= NPROC)
			continue;
		fill[0] = (char)('a' + p);
		if (strlen(ev + n) == PAYLOAD && strspn(ev + n, fill) == PAYLOAD)
			whole++;
	}
	snprintf(pattern, sizeof pattern, "%d lines", NPROC * NLINES);
	is_int(total, NPROC * NLINES, pattern);
	is_int(whole, NPROC * NLINES, "every line is whole");
}

static void
test_syslog_target(void)
{
	const char *out;

	/* Nothing is sent: the level filters it; only stderr must stay quiet. */
	is_int(log_open("test-log", "syslog", NULL, LOG_LEVEL_ERROR), 0, "log_open syslog");
	log_set_facility(LOG_LOCAL3);
	capture_begin();
	log_info("event=not_to_stderr");
	log_reopen();
	out = capture_end();
	is_str(out, "", "syslog target writes nothing to stderr");
	log_set_facility(LOG_DAEMON);
	is_int(log_open("test-log", "stderr", NULL, LOG_LEVEL_INFO), 0, "back to stderr");
}

/* Reads a whole small file into captured; "" when it cannot be read. */
static const char *
read_file(const char *path)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	captured[0] = '\0';
	if (fd == -1)
		return captured;
	while ((n = read(fd, captured + len, sizeof captured - 1 - len)) > 0)
		len += (size_t)n;
	captured[len] = '\0';
	close(fd);
	return captured;
}

/*
 * The file target as logrotate sees it: lines go to <dir>/<prog>.log;
 * after the file is renamed, log_reopen() makes a new one and the old
 * one gets nothing more.
 */
static void
test_file_target(void)
{
	char dir[] = "/tmp/test_log_dir.XXXXXX", path[128], rotated[128], missing[160];
	int saved = dup(STDERR_FILENO);
	struct stat st;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(path, sizeof path, "%s/test-log.log", dir);
	snprintf(rotated, sizeof rotated, "%s/test-log.log.1", dir);
	snprintf(missing, sizeof missing, "%s/not-there", dir);

	is_int(log_open("test-log", "file", missing, LOG_LEVEL_INFO), -1,
	    "a file target in a missing directory is refused");
	is_int(errno, ENOENT, "  with the open's errno");
	is_int(log_open("test-log", "file", NULL, LOG_LEVEL_INFO), -1, "a file target needs a directory");
	{
		char target[160];

		snprintf(target, sizeof target, "%s/not-a-log", dir);
		close(open(target, O_WRONLY | O_CREAT, 0600));
		ok(symlink(target, path) == 0, "a symbolic link planted as the log file");
		is_int(log_open("test-log", "file", dir, LOG_LEVEL_INFO), -1, "  is refused");
		unlink(path);
		ok(link(target, path) == 0, "a hard link planted as the log file");
		is_int(log_open("test-log", "file", dir, LOG_LEVEL_INFO), -1, "  is refused");
		is_int(errno, EPERM, "  with EPERM");
		unlink(path);
		unlink(target);
	}
	is_int(log_open("test-log", "file", dir, LOG_LEVEL_INFO), 0, "log_open file");
	log_info("event=before_rotation");
	fprintf(stderr, "a library writing to stderr\n");
	fflush(stderr);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777 & ~0640) == 0, "the file is <dir>/<prog>.log, mode 0640 at most");
	ok(rename(path, rotated) == 0, "rotate: the file is moved away");
	log_info("event=still_old_file");
	log_reopen();
	log_info("event=after_rotation");

	read_file(rotated);
	ok(strstr(captured, "event=before_rotation") != NULL, "lines went to the file");
	ok(strstr(captured, "a library writing to stderr") != NULL, "  and so did what others write to stderr");
	ok(strstr(captured, "event=still_old_file") != NULL, "  until the reopen, to the moved file");
	ok(strstr(captured, "event=after_rotation") == NULL, "  and nothing after it");
	read_file(path);
	ok(matches(captured, "^ts=[^ ]+ level=info prog=test-log pid=[0-9]+ event=after_rotation\n$"),
	    "after the reopen, a new file has the later line");

	/* a reopen that fails keeps the file it has and says so there */
	{
		int rfd = open(path, O_RDONLY);
		ssize_t n;

		ok(rfd != -1 && unlink(path) == 0 && unlink(rotated) == 0 && rmdir(dir) == 0,
		    "the directory is removed under the open file");
		log_reopen();
		log_info("event=after_failed_reopen");
		n = pread(rfd, captured, sizeof captured - 1, 0);
		captured[n > 0 ? n : 0] = '\0';
		close(rfd);
		ok(matches(captured, "level=warn .*event=log_reopen_failed path=/tmp/test_log_dir[^ ]* "
		    "error=\"No such file or directory\""), "a failed reopen is logged to the old file");
		ok(strstr(captured, "event=after_failed_reopen") != NULL, "  which keeps the later lines");
	}

	dup2(saved, STDERR_FILENO);
	close(saved);
	is_int(log_open("test-log", "stderr", NULL, LOG_LEVEL_INFO), 0, "back to stderr");
	capture_begin();
	log_info("event=on_stderr_again");
	ok(strstr(capture_end(), "event=on_stderr_again") != NULL, "stderr is written again");
}

int
main(void)
{
	test_line_format();
	test_levels();
	test_errno_text();
	test_one_line();
	test_quote();
	test_timestamp();
	test_fatal();
	test_no_interleave();
	test_syslog_target();
	test_file_target();
	return done_testing();
}
