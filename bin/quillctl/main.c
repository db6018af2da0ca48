/*
 * quillctl: the administrator's command line.
 *
 *   quillctl [-c FILE] migrate [--status]
 *   quillctl [-c FILE] config check
 *   quillctl [-c FILE] config template
 *   quillctl [-c FILE] user add EMAIL [--name NAME] [--admin]
 *   quillctl [-c FILE] user list
 *   quillctl [-c FILE] user disable|enable EMAIL
 *   quillctl [-c FILE] user set-role EMAIL user|admin
 *   quillctl [-c FILE] keys rotate
 *   quillctl [-c FILE] keys list
 *   quillctl -h
 *
 * Configuration: -c FILE, else QUILL_SYSCONFDIR/quill.conf when it exists,
 * else the built-in defaults; QUILL_<SECTION>_<KEY> variables override
 * either.  A FILE named with -c must exist.
 *
 * This file only reads the command line and hands each command to the
 * file that does it: migrate.c, users.c (auth.users, through the
 * [auth] database role), keys.c (the token signing keys).
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
#include "bin/quillctl/keys.h"
#include "bin/quillctl/migrate.h"
#include "bin/quillctl/users.h"

#define EX_USAGE_STATUS 64	/* sysexits.h EX_USAGE */
#define DEFAULT_CONFIG QUILL_SYSCONFDIR "/quill.conf"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: quillctl [-c FILE] migrate [--status]\n"
	    "       quillctl [-c FILE] config check\n"
	    "       quillctl config template\n"
	    "       quillctl [-c FILE] user add EMAIL [--name NAME] [--admin]\n"
	    "       quillctl [-c FILE] user list\n"
	    "       quillctl [-c FILE] user disable|enable EMAIL\n"
	    "       quillctl [-c FILE] user set-role EMAIL user|admin\n"
	    "       quillctl [-c FILE] keys rotate|list\n"
	    "       quillctl -h\n"
	    "\n"
	    "  migrate           apply the pending SQL migrations of every schema\n"
	    "  migrate --status  list each migration as applied or pending\n"
	    "  config check      load the configuration, print every value, check it\n"
	    "  config template   print a configuration file with every key at its default\n"
	    "  user add          create an account; the password is read from standard\n"
	    "                    input (asked twice, unechoed, on a terminal); prints its id\n"
	    "  user list         list every account, oldest first\n"
	    "  user disable      deactivate an account and end its sessions\n"
	    "  user enable       reactivate an account\n"
	    "  user set-role     make an account a user or an admin\n"
	    "  keys rotate       make a new signing key, remove keys no token can need,\n"
	    "                    and reload quill-authd\n"
	    "  keys list         list the signing keys and which one signs\n"
	    "\n"
	    "  -c FILE  configuration file (default %s if it exists)\n",
	    DEFAULT_CONFIG);
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
	if (rc >= 0)
		return finish_output(rc);
	usage(stderr);
	return EX_USAGE_STATUS;
}
