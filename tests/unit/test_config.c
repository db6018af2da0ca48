/*
 * test_config: defaults, file values, quoting and comments, every kind of
 * error with its line number, environment overrides and their precedence,
 * the value types at their edges, config_source, config_dump, the template
 * (which must load back to the defaults), and the abort on a programming
 * error in a getter.
 *
 * Configuration files are written with mkstemp and removed at the end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/config.h"
#include "tests/unit/tap.h"

extern char **environ;

#define MAX_FILES 64

static char *files[MAX_FILES];

/* "route.*": the template of named sections, not a section of its own. */
static int
is_template(const char *section)
{
	return strstr(section, ".*") != NULL;
}
static int nfiles;
static char err[512];

/* Writes text to a new temporary file; its name lives until cleanup(). */
static const char *
conf(const char *text)
{
	char *path = strdup("/tmp/test_config.XXXXXX");
	FILE *fp;
	int fd;

	if (path == NULL || nfiles == MAX_FILES || (fd = mkstemp(path)) == -1 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		perror("conf");
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	files[nfiles++] = path;
	return path;
}

static void
cleanup(void)
{
	for (int i = 0; i < nfiles; i++) {
		unlink(files[i]);
		free(files[i]);
	}
}

/* Removes QUILL_ variables from the caller's environment, but QUILL_TEST_*. */
static void
clean_env(void)
{
	char name[256];
	int again = 1;

	while (again) {
		again = 0;
		for (char **e = environ; *e != NULL; e++) {
			size_t n = strcspn(*e, "=");

			if (strncmp(*e, "QUILL_", 6) == 0 && strncmp(*e, "QUILL_TEST_", 11) != 0 &&
			    n < sizeof name) {
				memcpy(name, *e, n);
				name[n] = '\0';
				unsetenv(name);
				again = 1;
				break;
			}
		}
	}
}

/* Loads text and checks the error is "path:line: msg". */
static void
file_error(const char *text, int line, const char *msg, const char *what)
{
	const char *path = conf(text);
	struct config *cfg = config_load(path, err, sizeof err);
	char want[512];

	snprintf(want, sizeof want, "%s:%d: %s", path, line, msg);
	ok(cfg == NULL, what);
	is_str(cfg == NULL ? err : "(loaded)", want, what);
	config_free(cfg);
}

static void
test_defaults(void)
{
	struct config *cfg = config_load(NULL, err, sizeof err);
	int all_default = 1;

	ok(cfg != NULL, "defaults load");
	if (cfg == NULL) {
		printf("# %s\n", err);
		return;
	}
	is_int(config_int(cfg, "gateway", "workers"), 0, "int default");
	is_int(config_int(cfg, "database", "pool_size"), 2, "pool_size default");
	is_int(config_duration_ms(cfg, "master", "drain_timeout"), 30000, "duration default in ms");
	is_int(config_size(cfg, "http", "max_body"), 1024 * 1024, "size default in bytes");
	ok(config_bool(cfg, "log", "access"), "bool default");
	is_str(config_str(cfg, "log", "level"), "info", "enum default");
	is_str(config_str(cfg, "auth", "database"), "dbname=quill user=quill_auth",
	    "string default with a space");
	is_str(config_str(cfg, "auth", "listen"), "127.0.0.1:8001", "listen default");
	ok(config_path(cfg) == NULL, "no path without a file");
	for (int i = 0; config_keys[i].section != NULL; i++)
		all_default &= is_template(config_keys[i].section) || strcmp(config_source(cfg,
		    config_keys[i].section, config_keys[i].key), "default") == 0;
	ok(all_default, "every source is default");
	config_free(cfg);
}

static void
test_file_values(void)
{
	const char *path = conf(
	    "# a comment\n"
	    "; another comment\n"
	    "\n"
	    "[global]\n"
	    "   user   =   nobody   \n"
	    "spool_dir = /srv/spool#not-a-comment\n"
	    "[ auth ]   # trailing comment\n"
	    "listen = 0.0.0.0:9001   # trailing comment\n"
	    "workers = 4\n"
	    "database = \"host=db user=quill_auth password='a b' # kept\"  # dropped\n"
	    "[http]\r\n"
	    "max_body = 20M\r\n"
	    "keepalive_timeout = 250ms\n"
	    "[log]\n"
	    "access = off\n"
	    "level = debug\n"
	    "[chat]\n"
	    "database = \"a \\\"q\\\" b\\\\c\"\n"
	    "[auth]\n"
	    "\t\n"
	    "; a section may be opened again\n"
	    "[global]\n"
	    "run_dir =\n");
	struct config *cfg = config_load(path, err, sizeof err);
	char want[300];

	ok(cfg != NULL, "file loads");
	if (cfg == NULL) {
		printf("# %s\n", err);
		return;
	}
	is_str(config_path(cfg), path, "config_path");
	is_str(config_str(cfg, "global", "user"), "nobody", "blanks around key and value");
	is_str(config_str(cfg, "global", "spool_dir"), "/srv/spool#not-a-comment",
	    "# without a blank before it is part of the value");
	is_str(config_str(cfg, "auth", "listen"), "0.0.0.0:9001", "trailing comment dropped");
	is_int(config_int(cfg, "auth", "workers"), 4, "int from file");
	is_int(config_int(cfg, "chat", "workers"), 0, "other section keeps its default");
	is_str(config_str(cfg, "auth", "database"), "host=db user=quill_auth password='a b' # kept",
	    "quoted value keeps spaces and #");
	is_int(config_size(cfg, "http", "max_body"), 20 * 1024 * 1024, "size with CRLF line end");
	is_int(config_duration_ms(cfg, "http", "keepalive_timeout"), 250, "duration in ms");
	ok(!config_bool(cfg, "log", "access"), "bool off");
	is_str(config_str(cfg, "log", "level"), "debug", "enum from file");
	is_str(config_str(cfg, "chat", "database"), "a \"q\" b\\c", "escapes in quotes");
	is_str(config_str(cfg, "global", "run_dir"), "", "empty value");
	snprintf(want, sizeof want, "%s:9", path);
	is_str(config_source(cfg, "auth", "workers"), want, "source is path:line");
	snprintf(want, sizeof want, "%s:23", path);
	is_str(config_source(cfg, "global", "run_dir"), want, "source after a reopened section");
	is_str(config_source(cfg, "ocr", "workers"), "default", "untouched key is default");
	config_free(cfg);
}

static void
test_file_errors(void)
{
	char want[512];
	const char *path;
	struct config *cfg;

	file_error("[global]\n\n[nope]\n", 3, "unknown section [nope]", "unknown section");
	file_error("[auth]\nwrokers = 3\n", 2, "unknown key \"wrokers\" in section [auth]",
	    "unknown key");
	file_error("[auth]\nworkers = x\n", 2,
	    "workers: expected an integer from 0 to 256, got \"x\"", "bad integer");
	file_error("[auth]\nworkers = 300\n", 2,
	    "workers: value \"300\" is out of range (expected 0 to 256)", "integer out of range");
	file_error("# c\n[auth]\nworkers = 1\n\nworkers = 2\n", 5,
	    "duplicate key \"workers\" in section [auth] (first set on line 3)", "duplicate key");
	file_error("[auth]\nworkers = 1\n[chat]\n[auth]\nworkers = 2\n", 5,
	    "duplicate key \"workers\" in section [auth] (first set on line 2)",
	    "duplicate key across a reopened section");
	file_error("\nworkers = 1\n", 2,
	    "key \"workers\" outside any section (put a [section] line first)",
	    "key outside any section");
	file_error("[auth]\nworkers 4\n", 2,
	    "syntax error: expected \"key = value\", \"[section]\" or a comment", "no =");
	file_error("[auth]\n = 4\n", 2, "syntax error: missing key name before \"=\"", "no key");
	file_error("[auth\n", 1, "syntax error: missing \"]\" after section name", "no ]");
	file_error("[]\n", 1, "syntax error: empty section name", "empty section");
	file_error("[auth] x\n", 1, "syntax error: unexpected text after [section]",
	    "text after section");
	file_error("[auth]\ndatabase = \"abc\n", 2, "syntax error: missing closing quote",
	    "unterminated quote");
	file_error("[auth]\ndatabase = \"a\\nb\"\n", 2,
	    "syntax error: in a quoted value only \\\" and \\\\ are escapes", "unknown escape");
	file_error("[auth]\ndatabase = \"a\" b\n", 2,
	    "syntax error: unexpected text after the closing quote", "text after quote");
	file_error("[log]\nlevel = verbose\n", 2,
	    "level: expected one of error|warn|info|debug, got \"verbose\"", "bad enum");
	file_error("[log]\naccess = maybe\n", 2,
	    "access: expected yes or no (or true/false, on/off, 1/0), got \"maybe\"", "bad bool");
	file_error("[http]\nmax_body = 1.5m\n", 2,
	    "max_body: expected a size such as 512, 64k, 20m or 1g, got \"1.5m\"", "bad size");
	file_error("[http]\nmax_body = 2g\n", 2,
	    "max_body: value \"2g\" is out of range (expected 1k to 1g)", "size out of range");
	file_error("[master]\ndrain_timeout = soon\n", 2,
	    "drain_timeout: expected a duration such as 250ms, 10s, 5m, 1h or 30d (a bare number is seconds), got \"soon\"",
	    "bad duration");
	file_error("[master]\ndrain_timeout = 50ms\n", 2,
	    "drain_timeout: value \"50ms\" is out of range (expected 100ms to 1h)",
	    "duration out of range");
	file_error("[auth]\nworkers = x\n[nope]\n", 2,
	    "workers: expected an integer from 0 to 256, got \"x\"", "the first error is reported");
	file_error("[auth]\nlisten = a\001b\n", 2,
	    "listen: expected text without control characters", "control byte in a string");

	path = conf("");
	{
		FILE *fp = fopen(path, "w");

		fwrite("[auth]\nworkers = 1\0\n", 1, 20, fp);
		fclose(fp);
	}
	cfg = config_load(path, err, sizeof err);
	snprintf(want, sizeof want, "%s:2: syntax error: NUL byte in line", path);
	ok(cfg == NULL, "NUL byte");
	is_str(err, want, "NUL byte message");
	config_free(cfg);

	cfg = config_load("/nonexistent/quill.conf", err, sizeof err);
	ok(cfg == NULL, "missing file");
	is_str(err, "/nonexistent/quill.conf: cannot open: No such file or directory",
	    "missing file message");

	cfg = config_load("/tmp", err, sizeof err);
	ok(cfg == NULL, "a directory");
	is_str(err, "/tmp: cannot read: Is a directory", "directory message");

	path = conf("[auth]\n");
	if (geteuid() == 0) {
		printf("ok %d - # SKIP unreadable file: running as root\n", ++tap_count);
		printf("ok %d - # SKIP unreadable file message\n", ++tap_count);
	} else {
		chmod(path, 0);
		cfg = config_load(path, err, sizeof err);
		snprintf(want, sizeof want, "%s: cannot open: Permission denied", path);
		ok(cfg == NULL, "unreadable file");
		is_str(err, want, "unreadable file message");
	}

	cfg = config_load("/nonexistent/quill.conf", err, 12);
	is_str(err, "/nonexisten", "a short err buffer is cut and terminated");
	ok(config_load("/nonexistent/quill.conf", NULL, 0) == NULL, "err may be NULL");
}

/* Sets name=value, loads the defaults and returns the result; unsets name. */
static struct config *
load_with_env(const char *name, const char *value)
{
	struct config *cfg;

	setenv(name, value, 1);
	err[0] = '\0';
	cfg = config_load(NULL, err, sizeof err);
	unsetenv(name);
	return cfg;
}

static void
env_value(const char *section, const char *key, const char *value, long long want)
{
	char name[128], what[256];
	struct config *cfg;
	long long got = -1;

	snprintf(name, sizeof name, "QUILL_%s_%s", section, key);
	for (char *c = name; *c != '\0'; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
	snprintf(what, sizeof what, "%s.%s = \"%s\"", section, key, value);
	if ((cfg = load_with_env(name, value)) == NULL) {
		ok(0, what);
		printf("#   %s\n", err);
		return;
	}
	for (int i = 0; config_keys[i].section != NULL; i++) {
		const struct config_key *k = &config_keys[i];

		if (strcmp(k->section, section) != 0 || strcmp(k->key, key) != 0)
			continue;
		switch (k->type) {
		case CONFIG_INT:	got = config_int(cfg, section, key); break;
		case CONFIG_BOOL:	got = config_bool(cfg, section, key); break;
		case CONFIG_SIZE:	got = config_size(cfg, section, key); break;
		case CONFIG_DURATION:	got = config_duration_ms(cfg, section, key); break;
		default:		break;
		}
	}
	is_int(got, want, what);
	config_free(cfg);
}

/* The value must be refused with "env NAME: msg". */
static void
env_bad(const char *name, const char *value, const char *msg)
{
	struct config *cfg = load_with_env(name, value);
	char want[512], what[256];

	snprintf(want, sizeof want, "env %s: %s", name, msg);
	snprintf(what, sizeof what, "%s=\"%s\" is refused", name, value);
	for (char *c = what; *c != '\0'; c++)
		if (*c == '\n')
			*c = '?';	/* keep the TAP line whole */
	ok(cfg == NULL, what);
	is_str(err, want, what);
	config_free(cfg);
}

static void
test_types(void)
{
	const char *bad_size = "expected a size such as 512, 64k, 20m or 1g, got ";
	const char *bad_dur = "expected a duration such as 250ms, 10s, 5m, 1h or 30d (a bare number is seconds), got ";
	char msg[256];

	env_value("http", "max_body", "1024", 1024);
	env_value("http", "max_body", "1k", 1024);
	env_value("http", "max_body", "1K", 1024);
	env_value("http", "max_body", "4kb", 4096);
	env_value("http", "max_body", "20m", 20LL << 20);
	env_value("http", "max_body", "20MB", 20LL << 20);
	env_value("http", "max_body", "1g", 1LL << 30);
	env_value("http", "max_body", "2048b", 2048);
	env_bad("QUILL_HTTP_MAX_BODY", "512", "value \"512\" is out of range (expected 1k to 1g)");
	env_bad("QUILL_HTTP_MAX_BODY", "1025m", "value \"1025m\" is out of range (expected 1k to 1g)");
	env_bad("QUILL_HTTP_MAX_BODY", "99999999999999999999",
	    "value \"99999999999999999999\" is out of range (expected 1k to 1g)");
	env_bad("QUILL_HTTP_MAX_BODY", "9223372036854775807k",
	    "value \"9223372036854775807k\" is out of range (expected 1k to 1g)");
	snprintf(msg, sizeof msg, "%s\"1t\"", bad_size);
	env_bad("QUILL_HTTP_MAX_BODY", "1t", msg);
	snprintf(msg, sizeof msg, "%s\"k\"", bad_size);
	env_bad("QUILL_HTTP_MAX_BODY", "k", msg);
	snprintf(msg, sizeof msg, "%s\"-1k\"", bad_size);
	env_bad("QUILL_HTTP_MAX_BODY", "-1k", msg);
	snprintf(msg, sizeof msg, "%s\"1 k\"", bad_size);
	env_bad("QUILL_HTTP_MAX_BODY", "1 k", msg);
	snprintf(msg, sizeof msg, "%s\"\"", bad_size);
	env_bad("QUILL_HTTP_MAX_BODY", "", msg);

	env_value("master", "drain_timeout", "250ms", 250);
	env_value("master", "drain_timeout", "10s", 10000);
	env_value("master", "drain_timeout", "7", 7000);
	env_value("master", "drain_timeout", "5m", 300000);
	env_value("master", "drain_timeout", "1h", 3600000);
	env_value("master", "drain_timeout", "100ms", 100);
	env_value("master", "drain_timeout", "10S", 10000);
	env_bad("QUILL_MASTER_DRAIN_TIMEOUT", "99ms",
	    "value \"99ms\" is out of range (expected 100ms to 1h)");
	env_bad("QUILL_MASTER_DRAIN_TIMEOUT", "61m",
	    "value \"61m\" is out of range (expected 100ms to 1h)");
	snprintf(msg, sizeof msg, "%s\"1.5s\"", bad_dur);
	env_bad("QUILL_MASTER_DRAIN_TIMEOUT", "1.5s", msg);
	snprintf(msg, sizeof msg, "%s\"10w\"", bad_dur);
	env_bad("QUILL_MASTER_DRAIN_TIMEOUT", "10w", msg);
	env_bad("QUILL_MASTER_DRAIN_TIMEOUT", "1d",
	    "value \"1d\" is out of range (expected 100ms to 1h)");
	env_value("auth", "refresh_token_ttl", "30d", 30LL * 86400000);
	snprintf(msg, sizeof msg, "%s\"s\"", bad_dur);
	env_bad("QUILL_MASTER_DRAIN_TIMEOUT", "s", msg);

	env_value("log", "access", "yes", 1);
	env_value("log", "access", "no", 0);
	env_value("log", "access", "true", 1);
	env_value("log", "access", "false", 0);
	env_value("log", "access", "on", 1);
	env_value("log", "access", "off", 0);
	env_value("log", "access", "1", 1);
	env_value("log", "access", "0", 0);
	env_value("log", "access", "YES", 1);
	env_bad("QUILL_LOG_ACCESS", "",
	    "expected yes or no (or true/false, on/off, 1/0), got \"\"");
	env_bad("QUILL_LOG_ACCESS", "2",
	    "expected yes or no (or true/false, on/off, 1/0), got \"2\"");

	env_value("gateway", "workers", "256", 256);
	env_value("gateway", "workers", "007", 7);
	env_bad("QUILL_GATEWAY_WORKERS", "-1", "value \"-1\" is out of range (expected 0 to 256)");
	env_bad("QUILL_GATEWAY_WORKERS", "257", "value \"257\" is out of range (expected 0 to 256)");
	env_bad("QUILL_GATEWAY_WORKERS", "+1", "expected an integer from 0 to 256, got \"+1\"");
	env_bad("QUILL_GATEWAY_WORKERS", " 1", "expected an integer from 0 to 256, got \" 1\"");
	env_bad("QUILL_GATEWAY_WORKERS", "1 ", "expected an integer from 0 to 256, got \"1 \"");
	env_bad("QUILL_GATEWAY_WORKERS", "0x10", "expected an integer from 0 to 256, got \"0x10\"");

	env_bad("QUILL_LOG_LEVEL", "DEBUG", "expected one of error|warn|info|debug, got \"DEBUG\"");
	env_bad("QUILL_LOG_LEVEL", "inf", "expected one of error|warn|info|debug, got \"inf\"");
	env_bad("QUILL_LOG_LEVEL", "info|warn",
	    "expected one of error|warn|info|debug, got \"info|warn\"");
	env_bad("QUILL_LOG_LEVEL", "", "expected one of error|warn|info|debug, got \"\"");
	env_bad("QUILL_LOG_SYSLOG_FACILITY", "local8",
	    "expected one of daemon|user|local0|local1|local2|local3|local4|local5|local6|local7, got \"local8\"");
}

static void
test_env(void)
{
	const char *path = conf("[auth]\nworkers = 4\nlisten = 127.0.0.1:1\n[ocr]\nworkers = 2\n");
	struct config *cfg;
	char want[300];

	setenv("QUILL_AUTH_WORKERS", "7", 1);
	setenv("QUILL_OCR_WORKER_WORKERS", "3", 1);
	setenv("QUILL_AUTH_DATABASE", "host=db user=x password='a b'", 1);
	setenv("QUILL_GLOBAL_USER", "", 1);
	setenv("QUILL_TEST_UNRELATED", "1", 1);
	setenv("QUILL_NOT_A_SECTION", "1", 1);
	setenv("QUILL_AUTH", "1", 1);
	cfg = config_load(path, err, sizeof err);
	ok(cfg != NULL, "file with environment loads");
	if (cfg == NULL) {
		printf("# %s\n", err);
	} else {
		is_int(config_int(cfg, "auth", "workers"), 7, "environment wins over the file");
		is_str(config_source(cfg, "auth", "workers"), "env QUILL_AUTH_WORKERS",
		    "source names the variable");
		snprintf(want, sizeof want, "%s:3", path);
		is_str(config_source(cfg, "auth", "listen"), want, "file value without env stays");
		is_int(config_int(cfg, "ocr_worker", "workers"), 3,
		    "QUILL_OCR_WORKER_WORKERS sets ocr_worker.workers");
		is_int(config_int(cfg, "ocr", "workers"), 2, "and not ocr.workers");
		is_str(config_str(cfg, "auth", "database"), "host=db user=x password='a b'",
		    "env value kept verbatim");
		is_str(config_str(cfg, "global", "user"), "", "an empty env value is a value");
	}
	config_free(cfg);
	unsetenv("QUILL_AUTH_WORKERS");
	unsetenv("QUILL_OCR_WORKER_WORKERS");
	unsetenv("QUILL_AUTH_DATABASE");
	unsetenv("QUILL_GLOBAL_USER");
	unsetenv("QUILL_NOT_A_SECTION");
	unsetenv("QUILL_AUTH");

	env_bad("QUILL_AUTH_WORKERS", "x", "expected an integer from 0 to 256, got \"x\"");
	env_bad("QUILL_AUTH_WROKERS", "1", "unknown configuration key");
	env_bad("QUILL_OCR_WORKER_FOO", "1", "unknown configuration key");
	env_bad("QUILL_GLOBAL_", "1", "unknown configuration key");
	env_bad("QUILL_GLOBAL_USER", "a\nb", "expected text without control characters");
	unsetenv("QUILL_TEST_UNRELATED");

	/* An invalid file value is an error even if the environment overrides it. */
	path = conf("[auth]\nworkers = x\n");
	setenv("QUILL_AUTH_WORKERS", "1", 1);
	cfg = config_load(path, err, sizeof err);
	snprintf(want, sizeof want, "%s:2: workers: expected an integer from 0 to 256, got \"x\"",
	    path);
	ok(cfg == NULL, "file errors are not hidden by the environment");
	is_str(err, want, "file error message");
	unsetenv("QUILL_AUTH_WORKERS");
	config_free(cfg);
}

static char *
read_stream(FILE *fp)
{
	static char buf[16384];
	size_t n;

	rewind(fp);
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	return buf;
}

static void
test_dump(void)
{
	const char *path = conf("[auth]\nworkers = 4\ndatabase = \"a \\\"b\\\"\"\n");
	struct config *cfg = config_load(path, err, sizeof err);
	FILE *fp = tmpfile();
	char want[300], *out;
	int lines = 0, nkeys = 0;

	if (cfg == NULL || fp == NULL) {
		ok(0, "dump setup");
		return;
	}
	config_dump(cfg, fp);
	out = read_stream(fp);
	snprintf(want, sizeof want, "\nauth.workers = 4  # %s:2\n", path);
	ok(strstr(out, want) != NULL, "dump line with file source");
	snprintf(want, sizeof want, "\nauth.database = \"a \\\"b\\\"\"  # %s:3\n", path);
	ok(strstr(out, want) != NULL, "dump quotes a value with spaces");
	ok(strstr(out, "\nchat.database = \"dbname=quill user=quill_chat\"  # default\n") != NULL,
	    "dump line with default source");
	ok(strncmp(out, "global.user = ", 14) == 0, "dump is in table order");
	for (char *c = out; *c != '\0'; c++)
		lines += *c == '\n';
	for (int i = 0; config_keys[i].section != NULL; i++)
		nkeys += is_template(config_keys[i].section) ? config_sections(cfg, "route", NULL, 0) : 1;
	is_int(lines, nkeys, "one dump line per key, named sections' keys once per section");
	fclose(fp);
	config_free(cfg);
}

/*
 * The template loads as is to nothing but defaults, and with every key
 * uncommented to the same values, now sourced from the file.
 */
static void
test_template(void)
{
	FILE *fp = tmpfile();
	char *out, *copy, *line, *save = NULL, want[64];
	const char *path;
	struct config *plain, *cfg = NULL;
	size_t len;
	int same = 1, from_file = 1, in_named = 0;

	if (fp == NULL) {
		ok(0, "template setup");
		return;
	}
	config_write_template(fp);
	out = read_stream(fp);
	fclose(fp);
	ok(out[0] == '#', "template starts with a comment");
	ok(strstr(out, "\n[auth]\n# address and port the auth service listens on") != NULL,
	    "section header, then the key's documentation");
	ok(strstr(out, "\n#database = \"dbname=quill user=quill_auth\"\n") != NULL,
	    "a default with spaces is quoted");
	ok(strstr(out, "(0 to 256)\n#workers = 0\n") != NULL, "doc line shows the range");

	path = conf(out);
	plain = config_load(path, err, sizeof err);
	ok(plain != NULL, "the template loads as is");

	/* Uncomment every "#key = value" line, but those of the commented-out named sections. */
	len = strlen(out);
	copy = calloc(1, len + 1);
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[' || (line[0] == '#' && line[1] == '['))
			in_named = line[0] == '#';
		if (!in_named && line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' && strstr(line, " = "))
			line++;
		strcat(copy, line);
		strcat(copy, "\n");
	}
	path = conf(copy);
	free(copy);
	cfg = config_load(path, err, sizeof err);
	ok(cfg != NULL, "the template with every key set loads");
	if (cfg == NULL)
		printf("# %s\n", err);
	for (int i = 0; cfg != NULL && plain != NULL && config_keys[i].section != NULL; i++) {
		const char *s = config_keys[i].section, *k = config_keys[i].key;

		if (is_template(s))
			continue;
		snprintf(want, sizeof want, "%s:", path);
		from_file &= strncmp(config_source(cfg, s, k), want, strlen(want)) == 0;
		same &= strcmp(config_source(plain, s, k), "default") == 0;
		switch (config_keys[i].type) {
		case CONFIG_STRING:
		case CONFIG_ENUM:
			same &= strcmp(config_str(cfg, s, k), config_str(plain, s, k)) == 0;
			break;
		case CONFIG_INT:
			same &= config_int(cfg, s, k) == config_int(plain, s, k);
			break;
		case CONFIG_BOOL:
			same &= config_bool(cfg, s, k) == config_bool(plain, s, k);
			break;
		case CONFIG_SIZE:
			same &= config_size(cfg, s, k) == config_size(plain, s, k);
			break;
		case CONFIG_DURATION:
			same &= config_duration_ms(cfg, s, k) == config_duration_ms(plain, s, k);
			break;
		}
	}
	ok(from_file, "every key was set by the uncommented template");
	ok(same, "and every value equals its default");
	config_free(plain);
	config_free(cfg);
}

static const struct config *misuse_cfg;
static void misuse_unknown(void) { config_int(misuse_cfg, "auth", "nope"); }
static void misuse_section(void) { config_source(misuse_cfg, "nope", "workers"); }
static void misuse_str_on_int(void) { config_str(misuse_cfg, "auth", "workers"); }
static void misuse_int_on_str(void) { config_int(misuse_cfg, "auth", "listen"); }
static void misuse_size_on_dur(void) { config_size(misuse_cfg, "master", "drain_timeout"); }

static void
expect_abort(void (*fn)(void), const char *what)
{
	struct rlimit none = { 0, 0 };
	int status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		setrlimit(RLIMIT_CORE, &none);
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		fn();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, what);
}

static void
test_misuse(void)
{
	struct config *cfg = config_load(NULL, err, sizeof err);

	misuse_cfg = cfg;
	expect_abort(misuse_unknown, "unknown key aborts");
	expect_abort(misuse_section, "unknown section aborts");
	expect_abort(misuse_str_on_int, "config_str on an INT key aborts");
	expect_abort(misuse_int_on_str, "config_int on a STRING key aborts");
	expect_abort(misuse_size_on_dur, "config_size on a DURATION key aborts");
	config_free(cfg);
}

/*
 * Named sections: the built-in ones without any in the file, exactly the
 * file's otherwise, template defaults, environment overrides, errors.
 */
static void
test_named_sections(void)
{
	struct config *cfg;
	const char *names[16];
	size_t n;

	cfg = config_load(NULL, err, sizeof err);
	n = config_sections(cfg, "route", names, 16);
	ok(n >= 4 && strcmp(names[0], "route.login") == 0, "no file: the built-in routes, in order");
	is_str(config_source(cfg, "route.login", "rate_ip"), "built-in sections:5", "built-in value's source");
	is_str(config_str(cfg, "route.auth", "prefix"), "/api/auth", "built-in value");
	is_str(config_str(cfg, "route.password", "rate_user"), "10/1m",
	    "a password change (argon2id hashes) has a strict bucket per user");
	is_str(config_str(cfg, "route.password", "rate_ip"), "10/1m", "  and per address");
	config_free(cfg);

	cfg = config_load(conf("[route.b]\nprefix = /b\nupstreams = 127.0.0.1:1 unix:/x\n"
	    "[route.a-1]\nprefix = /a\ntimeout = 2s\n"), err, sizeof err);
	ok(cfg != NULL, "a file with two routes loads");
	n = cfg != NULL ? config_sections(cfg, "route", names, 16) : 0;
	is_int((long long)n, 2, "exactly the file's routes");
	if (n == 2) {
		is_str(names[0], "route.b", "first in file order");
		is_str(config_str(cfg, "route.b", "upstreams"), "127.0.0.1:1 unix:/x", "value from the file");
		is_int(config_duration_ms(cfg, "route.a-1", "timeout"), 2000, "typed value from the file");
		is_int(config_duration_ms(cfg, "route.b", "timeout"), 30000, "template default");
		is_str(config_str(cfg, "route.b", "auth"), "token", "enum template default");
	}
	config_free(cfg);

	setenv("QUILL_ROUTE_A_1_TIMEOUT", "7s", 1);
	cfg = config_load(conf("[route.a-1]\nprefix = /a\n"), err, sizeof err);
	ok(cfg != NULL && config_duration_ms(cfg, "route.a-1", "timeout") == 7000, "environment reaches a named section");
	config_free(cfg);
	unsetenv("QUILL_ROUTE_A_1_TIMEOUT");
	setenv("QUILL_ROUTE_NOPE_TIMEOUT", "7s", 1);
	cfg = config_load(conf("[route.a]\n"), err, sizeof err);
	ok(cfg == NULL && strstr(err, "QUILL_ROUTE_NOPE_TIMEOUT: unknown") != NULL, "environment naming no section refused");
	config_free(cfg);
	unsetenv("QUILL_ROUTE_NOPE_TIMEOUT");

	ok(config_load(conf("[route.a]\n[route.A]\n"), err, sizeof err) == NULL && strstr(err, ":2: duplicate section") != NULL,
	    "a section twice (any case) refused");
	ok(config_load(conf("[route.a b]\n"), err, sizeof err) == NULL && strstr(err, ":1: section [route.a b]") != NULL,
	    "a name with a space refused");
	ok(config_load(conf("[route.]\n"), err, sizeof err) == NULL, "an empty name refused");
	ok(config_load(conf("[route.*]\n"), err, sizeof err) == NULL, "the template itself refused");
	ok(config_load(conf("[nope.a]\n"), err, sizeof err) == NULL && strstr(err, "unknown section [nope.a]") != NULL,
	    "an unknown kind refused");
	ok(config_load(conf("[route.a]\nbogus = 1\n"), err, sizeof err) == NULL &&
	    strstr(err, "unknown key \"bogus\" in section [route.a]") != NULL, "an unknown key refused");
	ok(config_load(conf("[route.a]\ntimeout = 1\ntimeout = 2\n"), err, sizeof err) == NULL &&
	    strstr(err, ":3: duplicate key") != NULL, "a key twice refused");
	ok(config_load(conf("[route.a]\nbalance = random\n"), err, sizeof err) == NULL, "a bad value refused");
}

int
main(void)
{
	clean_env();
	/* First, so that the aborting children hold no setenv() copies. */
	test_misuse();
	test_defaults();
	test_file_values();
	test_file_errors();
	test_types();
	test_env();
	test_dump();
	test_template();
	test_named_sections();
	cleanup();
	return done_testing();
}
