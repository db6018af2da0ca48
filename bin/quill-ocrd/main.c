/*
 * quill-ocrd: invoice uploads into the OCR spool, jobs and invoices (port 8003).
 *
 * Everything a daemon shares (configuration, master and workers, health,
 * readiness and metrics routes) comes from lib/daemon.c; this file declares
 * what is particular to this one.
 */
#include "lib/daemon.h"

static const struct daemon_def quill_ocrd_def = {
	.name = "quill-ocrd",
	.section = "ocr",
	.has_http = 1,
	.has_database = 1,
};

int
main(int argc, char **argv)
{
	return daemon_main(argc, argv, &quill_ocrd_def);
}
