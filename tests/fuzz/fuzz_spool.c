/*
 * fuzz_spool: the spool's names and headers on any bytes.  The input,
 * up to its first NUL, is a file name asked of every spool directory;
 * all of it is a spool file's header.  A name that parses must carry
 * its job id first; a header that parses must be written back and parse
 * to the same fields, since the worker re-reads what quill-ocrd wrote.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/spool.h"
#include "lib/uuid.h"

static void
names(const uint8_t *data, size_t size)
{
	char name[SPOOL_NAME_MAX * 2], job[UUID_STR_LEN + 1];
	size_t n = strnlen((const char *)data, size);
	pid_t pid;

	if (n >= sizeof(name))
		return;
	memcpy(name, data, n);
	name[n] = '\0';
	for (int d = 0; d < SPOOL_NDIRS; d++) {
		if (spool_name_parse((enum spool_dir)d, name, job, &pid) != 0)
			continue;
		if (!uuid_valid(job, strlen(job)) || strncmp(name, job, UUID_STR_LEN) != 0)
			abort();
		if ((d == SPOOL_CUR || d == SPOOL_TMP) ? pid <= 0 : (pid != 0 || n != UUID_STR_LEN))
			abort();
	}
}

static void
header(const uint8_t *data, size_t size)
{
	struct spool_meta m, again;
	char buf[SPOOL_HEADER_MAX];
	int n;

	if ((n = spool_header_parse((const char *)data, size, &m)) < 0)
		return;
	if ((size_t)n > size || n > SPOOL_HEADER_MAX)
		abort();
	if ((n = spool_header_format(&m, buf, sizeof(buf))) < 0)
		abort();	/* read, but could not be written again */
	if (spool_header_parse(buf, (size_t)n, &again) != n || memcmp(&m, &again, sizeof(m)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	names(data, size);
	header(data, size);
	return 0;
}
