/*
 * fuzz_config: lib/config on any file.  The input is the configuration
 * file, handed to config_load through an in-memory file.  A file that
 * loads must give every key a value that prints; one that does not must
 * say why with "file:line:" or "file:" first, as the operator reads it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/config.h"

static int fd = -1;
static char path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fd = memfd_create("quill.conf", 0)) == -1) {
		perror("fuzz_config: memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg;
	char err[512];
	FILE *devnull;

	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	err[0] = '\0';
	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		if (strncmp(err, path, strlen(path)) != 0 || err[strlen(path)] != ':')
			abort();	/* a message that does not say where */
		return 0;
	}
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	config_dump(cfg, devnull);
	fclose(devnull);
	config_free(cfg);
	return 0;
}
