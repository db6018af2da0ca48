/*
 * quillctl: the administrator's command line.
 *
 *   quillctl [-c FILE] migrate [--status]
 *   quillctl [-c FILE] config check
 *   quillctl [-c FILE] config template
 *   quillctl -h
 *
 * Configuration: -c FILE, else QUILL_SYSCONFDIR/quill.conf when it exists,
 * else the built-in defaults; QUILL_<SECTION>_<KEY> variables override
 * either.  A FILE named with -c must exist.
 *
 * Exit status: 0 done, 1 failed (one message on stderr), 64 usage error,
 * 78 configuration error (the message is "file:line: what").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "bin/quillctl/migrate.h"

#define EX_USAGE_STATUS 64	/* sysexits.h EX_USAGE */
#define DEFAULT_CONFIG QUILL_SYSCONFDIR "/quill.conf"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: quillctl [-c FILE] migrate [--status]\n"
	    "       quillctl [-c FILE] config check\n"
	    "       quillctl config template\n"
	    "       quillctl -h\n"
	    "\n"
	    "  migrate           apply the pending SQL migrations of every schema\n"
	    "  migrate --status  list each migration as applied or pending\n"
	    "  config check      load the configuration, print every value, check it\n"
	    "  config template   print a configuration file with every key at its default\n"
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
	usage(stderr);
	return EX_USAGE_STATUS;
}
