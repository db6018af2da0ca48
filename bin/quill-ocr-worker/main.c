/*
 * quill-ocr-worker: supervised workers that turn spooled images into invoices; no API port.
 *
 * Everything a daemon shares (configuration, master and workers, health,
 * readiness and metrics routes) comes from lib/daemon.c; this file declares
 * what is particular to this one.
 */
#include "lib/daemon.h"

static const struct daemon_def quill_ocr_worker_def = {
	.name = "quill-ocr-worker",
	.section = "ocr_worker",
	.has_http = 0,
	.has_database = 1,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &quill_ocr_worker_def);
}
