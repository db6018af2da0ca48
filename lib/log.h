/*
 * log: one line per event, key=value, to stderr, a file or syslog.
 *
 * Every line starts with ts=, level=, prog= and pid=; the caller supplies the
 * rest as key=value pairs ("event=listen addr=127.0.0.1:8000").  Values that
 * may hold spaces, quotes or control bytes (paths, messages, client input)
 * go through log_quote() so that a line can never be split or forged.
 *
 * Idiom (as in OpenBSD's daemons): log_warn appends the errno text,
 * log_warnx does not; fatal/fatalx log and exit(1).  The place that decides
 * what to do about an error is the place that logs it, once.
 */
#ifndef QUILL_LOG_H
#define QUILL_LOG_H

#include <stddef.h>
#include <stdarg.h>
#include <time.h>
#include <sys/types.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/*
 * target is "stderr", "syslog" or "file".  A file is <directory>/<progname>.log,
 * opened for appending and put in place of stderr, so that what libraries
 * write there lands in it too.  Returns 0, or -1 for an unknown target or
 * a file that cannot be opened (errno says why).
 */
int log_open(const char *progname, const char *target, const char *directory,
    enum log_level level);
/*
 * Re-opens the target: the file by its name (after logrotate moved it
 * away; on failure the old one is kept and says so) or the syslog
 * connection.  Used after SIGUSR1 and SIGHUP.
 */
void log_reopen(void);
/*
 * Gives the log file to the account a daemon is about to become, so that
 * it can still reopen it; nothing for the other targets.  Returns 0 or -1.
 */
int log_give_file(uid_t uid, gid_t gid);
void log_set_level(enum log_level level);
/* Parses "error", "warn", "info" or "debug"; returns -1 otherwise. */
int log_level_parse(const char *name);
int log_enabled(enum log_level level);

/*
 * Parses a syslog facility name: "daemon", "user" or "local0" to "local7";
 * returns the LOG_* value, or -1 for any other name.
 */
int log_facility_parse(const char *name);
/* Facility for the syslog target (default LOG_DAEMON); re-opens syslog if open. */
void log_set_facility(int facility);

/* Adds a fixed "key=value" to every later line of this process ("worker=2"). */
void log_set_context(const char *context);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Logs like fatalx and exits with the given status (78 for configuration). */
void fatalx_status(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/*
 * Writes s (len bytes, or strlen(s) when len is (size_t)-1) into buf as a
 * log value: as is when it is plain printable ASCII without spaces, quotes or
 * '=', otherwise in double quotes with \" \\ \n \r \t and \xHH escapes.
 * Truncates to fit bufsize and always NUL-terminates; returns buf.
 * A truncated value ends in "..." (inside the quotes when quoted), so the
 * result is still one well-formed value; a bufsize too small for even
 * that (below 6 for a quoted value) gives "".
 */
char *log_quote(char *buf, size_t bufsize, const char *s, size_t len);
/*
 * Copies a library's message (libpq's, libcurl's) into buf as one line:
 * each run of white space, newlines included, becomes one space.  Returns buf.
 */
char *log_one_line(char *buf, size_t size, const char *msg);

/*
 * Writes ts as RFC 3339 UTC with milliseconds ("2026-11-24T03:52:06.123Z",
 * 24 bytes and a NUL) without locks or allocation, so it is safe in a signal
 * handler.  Returns the length written, or 0 when size is below 25.
 */
size_t log_timestamp(char *buf, size_t size, const struct timespec *ts);

#endif
