/*
 * log: one line per event, key=value, to stderr, a file or syslog.
 *
 * What it guarantees:
 * - A line is "ts=... level=... prog=... pid=... [context] text\n" and is
 *   written to stderr with one write(2), so lines from several processes
 *   sharing stderr (a pipe or an O_APPEND file) do not interleave.  Pipes
 *   only promise this up to PIPE_BUF (4 KiB); longer lines are rare.
 * - A line never exceeds LOG_LINE_MAX bytes: a longer one is cut and ends
 *   in "..." instead of being split into two lines.
 * - The caller's text cannot break a line: control bytes in it (a newline
 *   in a message) are written as \n, \r or \xHH.
 * - The file target is stderr too: the file is opened with O_APPEND and
 *   moved onto descriptor 2, so lines stay whole and every process that
 *   shares it, libraries and child programs included, writes to it.
 * - No malloc, no stdio and no locks on the stderr path, and errno is the
 *   same after a call as before, so logging is usable in error paths and,
 *   for stderr, from a signal handler.  syslog(3) gives no such promise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"

#define LOG_LINE_MAX	8192
#define TRUNC_MARK	"..."

static struct {
	char		prog[64];	/* openlog() keeps a pointer to this */
	char		context[256];
	int		use_syslog;
	char		file[PATH_MAX];	/* the file target's path, or "" */
	int		facility;
	enum log_level	level;
} logstate = { .facility = LOG_DAEMON, .level = LOG_LEVEL_INFO };

static const char *const level_names[] = { "error", "warn", "info", "debug" };

static const struct {
	const char	*name;
	int		 facility;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static void
copy_string(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Opens path for appending and puts it in place of stderr; 0 or -1.
 * The directory may belong to the account the daemon becomes, while the
 * file is opened as root and then given to that account: a symbolic or
 * hard link planted there must not hand over another file, so only a
 * plain file with one name is taken.
 */
static int
open_onto_stderr(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0640);
	struct stat st;

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	if (fd != STDERR_FILENO) {
		if (dup2(fd, STDERR_FILENO) == -1) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
		close(fd);
	}
	return 0;
}

int
log_open(const char *progname, const char *target, const char *directory,
    enum log_level level)
{
	char path[PATH_MAX] = "";
	int want_syslog = 0;

	if (progname == NULL)
		progname = program_invocation_short_name;
	if (strcmp(target, "syslog") == 0)
		want_syslog = 1;
	else if (strcmp(target, "file") == 0) {
		if (directory == NULL || directory[0] == '\0') {
			errno = EINVAL;
			return -1;
		}
		if ((size_t)snprintf(path, sizeof path, "%s/%s.log", directory, progname) >= sizeof path) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (open_onto_stderr(path) != 0)
			return -1;
	} else if (strcmp(target, "stderr") != 0) {
		errno = EINVAL;
		return -1;
	}
	if (logstate.use_syslog)
		closelog();
	copy_string(logstate.prog, sizeof logstate.prog, progname);
	copy_string(logstate.file, sizeof logstate.file, path);
	logstate.level = level;
	logstate.use_syslog = want_syslog;
	if (want_syslog)
		openlog(logstate.prog, LOG_PID | LOG_NDELAY, logstate.facility);
	return 0;
}

void
log_reopen(void)
{
	if (logstate.use_syslog) {
		closelog();
		openlog(logstate.prog, LOG_PID | LOG_NDELAY, logstate.facility);
	} else if (logstate.file[0] != '\0' && open_onto_stderr(logstate.file) != 0) {
		char quoted[PATH_MAX + 16];

		log_warn("event=log_reopen_failed path=%s",
		    log_quote(quoted, sizeof quoted, logstate.file, (size_t)-1));
	}
}

int
log_give_file(uid_t uid, gid_t gid)
{
	if (logstate.file[0] == '\0')
		return 0;
	return fchown(STDERR_FILENO, uid, gid);
}

void
log_set_level(enum log_level level)
{
	logstate.level = level;
}

int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

int
log_enabled(enum log_level level)
{
	return level <= logstate.level;
}

int
log_facility_parse(const char *name)
{
	for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
		if (strcmp(name, facilities[i].name) == 0)
			return facilities[i].facility;
	return -1;
}

void
log_set_facility(int facility)
{
	logstate.facility = facility;
	log_reopen();
}

void
log_set_context(const char *context)
{
	copy_string(logstate.context, sizeof logstate.context,
	    context != NULL ? context : "");
}

/* Writes n as exactly width decimal digits. */
static void
put_digits(char *p, long long n, int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + n % 10);
		n /= 10;
	}
}

static int
is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * gmtime_r() takes glibc's time zone lock, which a signal handler must not,
 * so the civil date is counted here; walking years from 1970 is a few dozen
 * steps.
 */
size_t
log_timestamp(char *buf, size_t size, const struct timespec *ts)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long long secs = ts->tv_sec > 0 ? (long long)ts->tv_sec : 0;
	long long days = secs / 86400, rem = secs % 86400, year = 1970;
	int month = 0;

	if (size < 25)
		return 0;
	while (days >= 365 + is_leap(year)) {
		days -= 365 + is_leap(year);
		year++;
	}
	while (days >= mdays[month] + (month == 1 && is_leap(year))) {
		days -= mdays[month] + (month == 1 && is_leap(year));
		month++;
	}
	memcpy(buf, "0000-00-00T00:00:00.000Z", 25);
	put_digits(buf, year, 4);
	put_digits(buf + 5, month + 1, 2);
	put_digits(buf + 8, days + 1, 2);
	put_digits(buf + 11, rem / 3600, 2);
	put_digits(buf + 14, rem / 60 % 60, 2);
	put_digits(buf + 17, rem % 60, 2);
	put_digits(buf + 20, ts->tv_nsec / 1000000, 3);
	return 24;
}

/* Escape for byte c, or NULL when it is written as is; *len gets the length. */
static const char *
escape_byte(unsigned char c, int quoted, char tmp[5], size_t *len)
{
	static const char hex[] = "0123456789abcdef";

	*len = 2;
	switch (c) {
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return quoted ? "\\t" : NULL;
	case '"':  return quoted ? "\\\"" : NULL;
	case '\\': return quoted ? "\\\\" : NULL;
	}
	if (c < 0x20 || c == 0x7f || (quoted && c >= 0x80)) {
		tmp[0] = '\\';
		tmp[1] = 'x';
		tmp[2] = hex[c >> 4];
		tmp[3] = hex[c & 0xf];
		tmp[4] = '\0';
		*len = 4;
		return tmp;
	}
	return NULL;
}

/*
 * Appends s[0..n) escaped to dst at *pos without going past limit.  When
 * it does not all fit, it is cut before an escape, never inside one, and
 * ends in TRUNC_MARK; returns 0, or -1 when cut.  Callers leave at least
 * the mark's length between *pos and limit.
 */
static int
append_escaped(char *dst, size_t *pos, size_t limit, const char *s, size_t n,
    int quoted)
{
	size_t len, total = 0, room = limit - *pos;
	const char *esc;
	char tmp[5];

	for (size_t i = 0; i < n && total <= room; i++) {
		esc = escape_byte((unsigned char)s[i], quoted, tmp, &len);
		total += esc != NULL ? len : 1;
	}
	if (total > room)
		room -= sizeof TRUNC_MARK - 1;
	for (size_t i = 0; i < n; i++) {
		if ((esc = escape_byte((unsigned char)s[i], quoted, tmp, &len)) == NULL) {
			esc = s + i;
			len = 1;
		}
		if (len > room) {
			memcpy(dst + *pos, TRUNC_MARK, sizeof TRUNC_MARK - 1);
			*pos += sizeof TRUNC_MARK - 1;
			return -1;
		}
		memcpy(dst + *pos, esc, len);
		*pos += len;
		room -= len;
	}
	return 0;
}

static int
is_plain(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '=')
			return 0;
	}
	return 1;
}

char *
log_quote(char *buf, size_t bufsize, const char *s, size_t len)
{
	size_t pos = 0;

	if (bufsize == 0)
		return buf;
	if (len == (size_t)-1)
		len = strlen(s);
	buf[0] = '\0';
	if (is_plain(s, len)) {
		if (len < bufsize) {
			memcpy(buf, s, len);
			buf[len] = '\0';
		} else if (bufsize > sizeof TRUNC_MARK) {
			pos = bufsize - sizeof TRUNC_MARK;
			memcpy(buf, s, pos);
			memcpy(buf + pos, TRUNC_MARK, sizeof TRUNC_MARK);
		}
		return buf;
	}
	/* Room for the quotes, a cut mark and the NUL, or nothing at all. */
	if (bufsize < 2 + sizeof TRUNC_MARK)
		return buf;
	buf[pos++] = '"';
	append_escaped(buf, &pos, bufsize - 2, s, len, 1);
	buf[pos++] = '"';
	buf[pos] = '\0';
	return buf;
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static size_t
append_raw(char *dst, size_t pos, size_t limit, const char *s)
{
	size_t n = strlen(s);

	if (pos + n > limit)
		n = limit > pos ? limit - pos : 0;
	memcpy(dst + pos, s, n);
	return pos + n;
}

/*
 * Formats and writes one line.  errnum >= 0 adds error="strerror(errnum)",
 * kept even when the caller's text has to be cut.
 */
static void
log_emit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	static const int priorities[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX], suffix[256], ebuf[128];
	const char *prog = logstate.prog[0] ? logstate.prog : program_invocation_short_name;
	struct timespec now;
	size_t pos = 0, limit;
	int saved_errno = errno, n;

	if (!log_enabled(level))
		return;
	if (!logstate.use_syslog) {
		clock_gettime(CLOCK_REALTIME, &now);
		pos = append_raw(line, pos, sizeof line, "ts=");
		pos += log_timestamp(line + pos, sizeof line - pos, &now);
		pos = append_raw(line, pos, sizeof line, " ");
	}
	n = snprintf(line + pos, sizeof line - pos, "level=%s prog=%s",
	    level_names[level], prog);
	pos += (size_t)n;
	if (!logstate.use_syslog)
		pos += (size_t)snprintf(line + pos, sizeof line - pos, " pid=%ld",
		    (long)getpid());
	if (logstate.context[0]) {
		pos = append_raw(line, pos, sizeof line, " ");
		pos = append_raw(line, pos, sizeof line, logstate.context);
	}

	suffix[0] = '\0';
	if (errnum >= 0) {
		const char *e = strerror_r(errnum, ebuf, sizeof ebuf);
		size_t spos = 0;

		spos = append_raw(suffix, spos, sizeof suffix, " error=\"");
		append_escaped(suffix, &spos, sizeof suffix - 3, e, strlen(e), 1);
		suffix[spos++] = '"';
		suffix[spos] = '\0';
	}

	n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n > 0) {
		size_t mlen = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;

		line[pos++] = ' ';
		/* Leave room for the suffix and the newline. */
		limit = sizeof line - strlen(suffix) - 1;
		if (append_escaped(line, &pos, limit, msg, mlen, 0) == 0 &&
		    (size_t)n >= sizeof msg)
			pos = append_raw(line, pos, limit, TRUNC_MARK);
	}
	pos = append_raw(line, pos, sizeof line - 1, suffix);

	if (logstate.use_syslog) {
		line[pos] = '\0';
		syslog(priorities[level], "%s", line);
	} else {
		line[pos++] = '\n';
		write_all(STDERR_FILENO, line, pos);
	}
	errno = saved_errno;
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_DEBUG, -1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_INFO, -1, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_WARN, errnum, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_WARN, -1, fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, -1, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, errnum, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, -1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx_status(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, -1, fmt, ap);
	va_end(ap);
	exit(status);
}

char *
log_one_line(char *buf, size_t size, const char *msg)
{
	size_t i = 0;
	int space = 0;

	for (; *msg != '\0' && i + 1 < size; msg++) {
		if (*msg == '\n' || *msg == '\r' || *msg == '\t' || *msg == ' ') {
			space = i > 0;
			continue;
		}
		if (space && i + 2 < size)
			buf[i++] = ' ';
		space = 0;
		buf[i++] = *msg;
	}
	buf[i] = '\0';
	return buf;
}
