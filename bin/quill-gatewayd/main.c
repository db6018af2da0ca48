/*
 * quill-gatewayd: the public entry point of the API (port 8000).
 *
 * Everything a daemon shares (configuration, master and workers, health,
 * readiness and metrics routes) comes from lib/daemon.c; this file declares
 * what is particular to this one.
 */
#include "lib/daemon.h"

static const struct daemon_def quill_gatewayd_def = {
	.name = "quill-gatewayd",
	.section = "gateway",
	.has_http = 1,
	.has_database = 0,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &quill_gatewayd_def);
}
