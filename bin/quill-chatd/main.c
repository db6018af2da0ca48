/*
 * quill-chatd: the chat assistant and its conversation memory (port 8002).
 *
 * Everything a daemon shares (configuration, master and workers, health,
 * readiness and metrics routes) comes from lib/daemon.c; this file declares
 * what is particular to this one.
 */
#include "lib/daemon.h"

static const struct daemon_def quill_chatd_def = {
	.name = "quill-chatd",
	.section = "chat",
	.has_http = 1,
	.has_database = 1,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &quill_chatd_def);
}
