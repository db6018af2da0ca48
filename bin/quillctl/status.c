/*
 * status: `quillctl status`, what an operator asks first: is every daemon
 * running, how many workers does it have, does it say it is ready, and
 * how long is the OCR queue.
 *
 * It reads what the daemons leave for this: the pid files in run_dir,
 * /proc for the masters' children, GET /readyz on each listen address,
 * and the spool's new/ and cur/.  It needs no database.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/config.h"
#include "lib/spool.h"
#include "bin/quillctl/status.h"

#define READYZ_TIMEOUT_MS	2000L

/* Every daemon; section is where its listen key is, NULL for no HTTP. */
static const struct {
	const char	*name;
	const char	*section;
} daemons[] = {
	{ "quill-gatewayd", "gateway" },
	{ "quill-authd", "auth" },
	{ "quill-chatd", "chat" },
	{ "quill-ocrd", "ocr" },
	{ "quill-ocr-worker", NULL },
};

/*
 * The master's pid from its pid file, when that process is alive and is
 * this program (a pid file left by a crash may name a reused pid).
 * 0 otherwise.
 */
static pid_t
running_master(const char *run_dir, const char *name)
{
	char path[4096], comm[64];
	long pid;
	FILE *f;
	int n;

	snprintf(path, sizeof path, "%s/%s.pid", run_dir, name);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fscanf(f, "%ld", &pid);
	fclose(f);
	if (n != 1 || pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(comm, sizeof comm, f) == NULL)
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	/* the kernel keeps 15 bytes of the name */
	if (comm[0] == '\0' || strncmp(comm, name, strlen(comm)) != 0)
		return 0;
	return (pid_t)pid;
}

/* The number of processes whose parent is pid (the master's workers). */
static int
count_children(pid_t pid)
{
	char path[300], buf[512], *p;
	struct dirent *de;
	int n = 0;
	DIR *d;
	FILE *f;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		long ppid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		p = fgets(buf, sizeof buf, f);
		fclose(f);
		/* "pid (comm) state ppid ...": comm may hold anything, so the last ')' */
		if (p == NULL || (p = strrchr(buf, ')')) == NULL)
			continue;
		if (sscanf(p + 1, " %*c %ld", &ppid) == 1 && ppid == (long)pid)
			n++;
	}
	closedir(d);
	return n;
}

static size_t
discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

/*
 * GET /readyz on a listen address; the HTTP status, or 0 when nothing
 * answered.  A wildcard address is asked on loopback.
 */
static long
readyz(const struct config *cfg, const char *section)
{
	const char *listen = config_str(cfg, section, "listen");
	int tls = strcmp(section, "gateway") == 0 && config_str(cfg, "gateway", "tls_certificate")[0] != '\0';
	char url[512];
	long code = 0;
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return 0;
	if (strncmp(listen, "unix:", 5) == 0) {
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, listen + 5);
		snprintf(url, sizeof url, "http://localhost/readyz");
	} else if (strncmp(listen, "0.0.0.0:", 8) == 0)
		snprintf(url, sizeof url, "%s://127.0.0.1:%s/readyz", tls ? "https" : "http", listen + 8);
	else if (strncmp(listen, "[::]:", 5) == 0)
		snprintf(url, sizeof url, "%s://[::1]:%s/readyz", tls ? "https" : "http", listen + 5);
	else
		snprintf(url, sizeof url, "%s://%s/readyz", tls ? "https" : "http", listen);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, READYZ_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	/* a local question about a local daemon: its certificate is the operator's */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	return code;
}

/* Prints the spool's queue; 0, or -1 when it cannot be read. */
static int
print_queue(const struct config *cfg)
{
	const char *dir = config_str(cfg, "global", "spool_dir");
	char err[256];
	struct spool *s;
	long waiting, reading;

	if ((s = spool_open(dir, err, sizeof err)) == NULL) {
		printf("ocr queue: spool %s cannot be read: %s\n", dir, err);
		return -1;
	}
	waiting = spool_count(s, SPOOL_NEW);
	reading = spool_count(s, SPOOL_CUR);
	spool_close(s);
	if (waiting < 0 || reading < 0) {
		printf("ocr queue: spool %s cannot be read: %s\n", dir, strerror(errno));
		return -1;
	}
	printf("ocr queue: %ld waiting in new/, %ld being read in cur/\n", waiting, reading);
	return 0;
}

int
status_print(const struct config *cfg)
{
	const char *run_dir = config_str(cfg, "global", "run_dir");
	int all_well = 1;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	printf("%-18s %-8s %-8s %s\n", "daemon", "pid", "workers", "state");
	for (size_t i = 0; i < sizeof daemons / sizeof daemons[0]; i++) {
		pid_t pid = running_master(run_dir, daemons[i].name);
		char state[160];

		if (pid == 0) {
			printf("%-18s %-8s %-8s %s\n", daemons[i].name, "-", "-", "not running");
			all_well = 0;
			continue;
		}
		if (daemons[i].section == NULL)
			snprintf(state, sizeof state, "running");
		else {
			long code = readyz(cfg, daemons[i].section);

			if (code == 200)
				snprintf(state, sizeof state, "ready");
			else if (code == 0)
				snprintf(state, sizeof state, "not answering on %s",
				    config_str(cfg, daemons[i].section, "listen"));
			else
				snprintf(state, sizeof state, "not ready (%ld)", code);
			if (code != 200)
				all_well = 0;
		}
		printf("%-18s %-8ld %-8d %s\n", daemons[i].name, (long)pid, count_children(pid), state);
	}
	if (print_queue(cfg) != 0)
		all_well = 0;
	curl_global_cleanup();
	return all_well ? 0 : 1;
}
