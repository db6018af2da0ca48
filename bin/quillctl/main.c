/*
 * quillctl: the administrator's command line.
 *
 *   quillctl [-c FILE] migrate [--status]
 *   quillctl [-c FILE] config check
 *   quillctl [-c FILE] config template
 *   quillctl config manual
 *   quillctl [-c FILE] user add EMAIL [--name NAME] [--admin]
 *   quillctl [-c FILE] user list
 *   quillctl [-c FILE] user disable|enable EMAIL
 *   quillctl [-c FILE] user set-role EMAIL user|admin
 *   quillctl [-c FILE] keys rotate
 *   quillctl [-c FILE] keys list
 *   quillctl [-c FILE] jobs list [--status S] [--user USER_ID] [--limit N]
 *   quillctl [-c FILE] jobs show|requeue JOB_ID
 *   quillctl [-c FILE] jobs purge [--status done|failed] [--older-than DURATION]
 *   quillctl [-c FILE] spool status
 *   quillctl [-c FILE] status
 *   quillctl -h
 *
 * Configuration: -c FILE, else QUILL_SYSCONFDIR/quill.conf when it exists,
 * else the built-in defaults; QUILL_<SECTION>_<KEY> variables override
 * either.  A FILE named with -c must exist.
 *
 * This file only reads the command line and hands each command to the
 * file that does it: migrate.c, users.c (auth.users, through the
 * [auth] database role), keys.c (the token signing keys), jobs.c (OCR
 * jobs and the spool, through the [ocr_worker] database role).
 *
 * Exit status: 0 done, 1 failed (one message on stderr), 64 usage error,
 * 78 configuration error (the message is "file:line: what").
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "bin/quillctl/dropin.h"
#include "bin/quillctl/jobs.h"
#include "bin/quillctl/status.h"
#include "bin/quillctl/keys.h"
#include "bin/quillctl/migrate.h"
#include "bin/quillctl/sentiment.h"
#include "bin/quillctl/users.h"

#define EX_USAGE_STATUS 64	/* sysexits.h EX_USAGE */
#define DEFAULT_CONFIG QUILL_SYSCONFDIR "/quill.conf"
#define JOBS_LIST_DEFAULT	50
#define JOBS_LIST_MAX		100000
#define DURATION_MAX_S		(100LL * 365 * 86400)

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: quillctl [-c FILE] migrate [--status]\n"
	    "       quillctl [-c FILE] config check\n"
	    "       quillctl config template\n"
	    "       quillctl config manual\n"
	    "       quillctl [-c FILE] user add EMAIL [--name NAME] [--admin]\n"
	    "       quillctl [-c FILE] user list\n"
	    "       quillctl [-c FILE] user disable|enable EMAIL\n"
	    "       quillctl [-c FILE] user set-role EMAIL user|admin\n"
	    "       quillctl [-c FILE] keys rotate|list\n"
	    "       quillctl [-c FILE] jobs list [--status S] [--user USER_ID] [--limit N]\n"
	    "       quillctl [-c FILE] jobs show|requeue JOB_ID\n"
	    "       quillctl [-c FILE] jobs purge [--status done|failed] [--older-than DURATION]\n"
	    "       quillctl [-c FILE] spool status\n"
	    "       quillctl [-c FILE] dropin allow USER UNIXUSER\n"
	    "       quillctl [-c FILE] dropin deny UNIXUSER\n"
	    "       quillctl [-c FILE] status\n"
	    "       quillctl [-c FILE] sentiment TEXT...|-\n"
	    "       quillctl -h\n"
	    "\n"
	    "  migrate           apply the pending SQL migrations of every schema\n"
	    "  migrate --status  list each migration as applied or pending\n"
	    "  config check      load the configuration, print every value, check it\n"
	    "  config template   print a configuration file with every key at its default\n"
	    "  config manual     print quill.conf(5), the manual of every key, in roff\n"
	    "  user add          create an account; the password is read from standard\n"
	    "                    input (asked twice, unechoed, on a terminal); prints its id\n"
	    "  user list         list every account, oldest first\n"
	    "  user disable      deactivate an account and end its sessions\n"
	    "  user enable       reactivate an account\n"
	    "  user set-role     make an account a user or an admin\n"
	    "  keys rotate       make a new signing key, remove keys no token can need,\n"
	    "                    and reload quill-authd\n"
	    "  keys list         list the signing keys and which one signs\n"
	    "  jobs list         list OCR jobs, newest first (default --limit %d); S is\n"
	    "                    queued, processing, done or failed\n"
	    "  jobs show         every column of a job, where its spool file is, and why\n"
	    "                    it failed\n"
	    "  jobs requeue      run a job again: a failed job whose file is in failed/, or\n"
	    "                    a done job whose file is still in done/; back to queued,\n"
	    "                    the file back to new/\n"
	    "  jobs purge        delete done and failed jobs (or only --status) finished\n"
	    "                    longer ago than DURATION (7d, 12h, 30m; default the\n"
	    "                    [ocr_worker] retention), and their spool files\n"
	    "  spool status      files in each spool directory, the age of the oldest in new/\n"
	    "  dropin allow      the unix account UNIXUSER drops files for the account USER\n"
	    "                    (e-mail or id) into incoming/UNIXUSER/, which it makes (root)\n"
	    "  dropin deny       forget that: UNIXUSER's drop-ins are refused from now on\n"
	    "  status            each daemon's pid, workers and readiness, and the OCR queue;\n"
	    "                    exits 1 unless every daemon runs and is ready\n"
	    "  sentiment         VADER's neg, neu, pos and compound scores of the words\n"
	    "                    given (joined by spaces), or of standard input for -\n"
	    "\n"
	    "  -c FILE  configuration file (default %s if it exists)\n",
	    JOBS_LIST_DEFAULT, DEFAULT_CONFIG);
}

/* Loads the configuration or exits with the configuration status. */
static struct config *
load_config(const char *path)
{
	struct config *cfg;
	char err[512];

	/* without -c, a missing default file means built-in defaults */
	if (path == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		path = DEFAULT_CONFIG;
	if ((cfg = config_load(path, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(EX_CONFIG_STATUS);
	}
	return cfg;
}

/* stdout may be a full disk or a closed pipe: say so instead of exiting 0. */
static int
finish_output(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "quillctl: writing output: %s\n", strerror(errno));
		return 1;
	}
	return rc;
}

/*
 * "user add EMAIL [--name NAME] [--admin]", options before or after EMAIL.
 * Returns 0, or -1 for a usage error.
 */
static int
parse_user_add(int argc, char **argv, const char **email, const char **name, bool *admin)
{
	*email = NULL;
	*name = NULL;
	*admin = false;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--admin") == 0)
			*admin = true;
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			*name = argv[++i];
		else if (strncmp(argv[i], "--name=", 7) == 0)
			*name = argv[i] + 7;
		else if (argv[i][0] == '-' || *email != NULL)
			return -1;
		else
			*email = argv[i];
	}
	return *email != NULL ? 0 : -1;
}

/*
 * quillctl user ...: returns the exit status, or -1 for a usage error,
 * decided before the configuration is read.
 */
static int
user_command(const char *path, int argc, char **argv)
{
	struct config *cfg;
	const char *email, *name;
	bool admin;
	int rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		cfg = load_config(path);
		rc = user_list(cfg);
	} else if (argc >= 3 && strcmp(argv[1], "add") == 0) {
		if (parse_user_add(argc, argv, &email, &name, &admin) != 0)
			return -1;
		cfg = load_config(path);
		rc = user_add(cfg, email, name, admin);
	} else if (argc == 3 && (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0)) {
		cfg = load_config(path);
		rc = user_set_active(cfg, argv[2], strcmp(argv[1], "enable") == 0);
	} else if (argc == 4 && strcmp(argv[1], "set-role") == 0 &&
	    (strcmp(argv[3], "user") == 0 || strcmp(argv[3], "admin") == 0)) {
		cfg = load_config(path);
		rc = user_set_role(cfg, argv[2], argv[3]);
	} else
		return -1;
	config_free(cfg);
	return rc;
}

/*
 * Matches argv[*i] as "NAME VALUE" (taking the next argument) or
 * "NAME=VALUE"; sets *value and advances *i past what it took.
 */
static bool
option(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t len = strlen(name);

	if (strcmp(argv[*i], name) == 0 && *i + 1 < argc) {
		*value = argv[++*i];
		return true;
	}
	if (strncmp(argv[*i], name, len) == 0 && argv[*i][len] == '=') {
		*value = argv[*i] + len + 1;
		return true;
	}
	return false;
}

/* A whole number from min to max; -1 when s is not one. */
static long long
parse_number(const char *s, long long min, long long max)
{
	long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (*s - '0')) > max)
			return -1;
	return *s == '\0' && v >= min ? v : -1;
}

/* "30m", "12h", "7d", "90s" or a bare number of seconds, in milliseconds; -1 when bad. */
static long long
parse_duration(const char *s)
{
	static const struct { char suffix; long long s; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char num[24];
	size_t len = strlen(s);
	long long unit = 1, v;

	if (len == 0 || len >= sizeof num)
		return -1;
	memcpy(num, s, len + 1);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (num[len - 1] == units[i].suffix) {
			unit = units[i].s;
			num[--len] = '\0';
			break;
		}
	if ((v = parse_number(num, 0, DURATION_MAX_S / unit)) < 0)
		return -1;
	return v * unit * 1000;
}

/* "jobs list [--status S] [--user ID] [--limit N]": 0, or -1 for a usage error. */
static int
parse_jobs_list(int argc, char **argv, struct jobs_list_opts *o)
{
	const char *limit = NULL;

	o->status = NULL;
	o->user_id = NULL;
	o->limit = JOBS_LIST_DEFAULT;
	for (int i = 2; i < argc; i++)
		if (!option(argc, argv, &i, "--status", &o->status) &&
		    !option(argc, argv, &i, "--user", &o->user_id) &&
		    !option(argc, argv, &i, "--limit", &limit))
			return -1;
	if (o->status != NULL && !jobs_status_valid(o->status))
		return -1;
	if (limit != NULL && (o->limit = (long)parse_number(limit, 1, JOBS_LIST_MAX)) < 0)
		return -1;
	return 0;
}

/* "jobs purge [--status done|failed] [--older-than DURATION]": 0, or -1. */
static int
parse_jobs_purge(int argc, char **argv, struct jobs_purge_opts *o)
{
	const char *age = NULL;

	o->status = NULL;
	o->older_than_ms = -1;
	for (int i = 2; i < argc; i++)
		if (!option(argc, argv, &i, "--status", &o->status) &&
		    !option(argc, argv, &i, "--older-than", &age))
			return -1;
	if (o->status != NULL && strcmp(o->status, "done") != 0 && strcmp(o->status, "failed") != 0)
		return -1;
	if (age != NULL && (o->older_than_ms = parse_duration(age)) < 0)
		return -1;
	return 0;
}

/* quillctl jobs ...: the exit status, or -1 for a usage error. */
static int
jobs_command(const char *path, int argc, char **argv)
{
	struct jobs_list_opts lo;
	struct jobs_purge_opts po;
	struct config *cfg;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		if (parse_jobs_list(argc, argv, &lo) != 0)
			return -1;
		cfg = load_config(path);
		rc = jobs_list(cfg, &lo);
	} else if (argc == 3 && strcmp(argv[1], "show") == 0) {
		cfg = load_config(path);
		rc = jobs_show(cfg, argv[2]);
	} else if (argc == 3 && strcmp(argv[1], "requeue") == 0) {
		cfg = load_config(path);
		rc = jobs_requeue(cfg, argv[2]);
	} else if (argc >= 2 && strcmp(argv[1], "purge") == 0) {
		if (parse_jobs_purge(argc, argv, &po) != 0)
			return -1;
		cfg = load_config(path);
		rc = jobs_purge(cfg, &po);
	} else
		return -1;
	config_free(cfg);
	return rc;
}

/* quillctl keys ...: the exit status, or -1 for a usage error. */
static int
keys_command(const char *path, int argc, char **argv)
{
	struct config *cfg;
	int rc;

	if (argc != 2 || (strcmp(argv[1], "rotate") != 0 && strcmp(argv[1], "list") != 0))
		return -1;
	cfg = load_config(path);
	rc = strcmp(argv[1], "rotate") == 0 ? keys_rotate(cfg) : keys_list(cfg);
	config_free(cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	struct config *cfg;
	const char *path = NULL;
	int ch, rc;

	/* '+': stop at the command, so "migrate --status" reaches us intact */
	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return finish_output(0);
		default:
			usage(stderr);
			return EX_USAGE_STATUS;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EX_USAGE_STATUS;
	}

	if (strcmp(argv[0], "config") == 0 && argc == 2 && strcmp(argv[1], "manual") == 0) {
		config_write_manual(stdout);
		return finish_output(0);
	}
	if (strcmp(argv[0], "config") == 0 && argc == 2 && strcmp(argv[1], "template") == 0) {
		config_write_template(stdout);
		return finish_output(0);
	}
	if (strcmp(argv[0], "config") == 0 && argc == 2 && strcmp(argv[1], "check") == 0) {
		cfg = load_config(path);
		config_dump(cfg, stdout);
		printf("configuration ok\n");
		config_free(cfg);
		return finish_output(0);
	}
	if (strcmp(argv[0], "migrate") == 0 &&
	    (argc == 1 || (argc == 2 && strcmp(argv[1], "--status") == 0))) {
		cfg = load_config(path);
		rc = argc == 1 ? migrate_apply(cfg) : migrate_status(cfg);
		config_free(cfg);
		return finish_output(rc);
	}
	rc = -1;
	if (strcmp(argv[0], "user") == 0 && argc >= 2)
		rc = user_command(path, argc, argv);
	else if (strcmp(argv[0], "keys") == 0)
		rc = keys_command(path, argc, argv);
	else if (strcmp(argv[0], "jobs") == 0)
		rc = jobs_command(path, argc, argv);
	else if (strcmp(argv[0], "sentiment") == 0 && argc >= 2) {
		cfg = load_config(path);
		rc = sentiment_print(cfg, argc - 1, argv + 1);
		config_free(cfg);
	} else if (strcmp(argv[0], "dropin") == 0 && (argc == 3 || argc == 4)) {
		cfg = load_config(path);
		rc = dropin_command(cfg, argc, argv);
		config_free(cfg);
	} else if (strcmp(argv[0], "spool") == 0 && argc == 2 && strcmp(argv[1], "status") == 0) {
		cfg = load_config(path);
		rc = jobs_spool_status(cfg);
		config_free(cfg);
	} else if (strcmp(argv[0], "status") == 0 && argc == 1) {
		cfg = load_config(path);
		rc = status_print(cfg);
		config_free(cfg);
	}
	if (rc >= 0)
		return finish_output(rc);
	usage(stderr);
	return EX_USAGE_STATUS;
}
