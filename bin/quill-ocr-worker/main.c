/*
 * quill-ocr-worker: supervised workers that turn spooled images into text; no API port.
 *
 * The master forks one worker per core (lib/daemon.c); each loads its
 * tesseract models once and then takes jobs from the spool (jobs.c) and
 * files from spool/incoming (dropin.c), woken by inotify and by a rescan
 * every rescan_interval.  The master takes back what a dead worker held:
 * its cur/ files go back to new/, its claimed drop-ins back to incoming/.
 * When the master starts no worker is alive, so everything claimed goes
 * back then.
 */
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/daemon.h"
#include "lib/httpc.h"
#include "lib/log.h"
#include "lib/uuid.h"
#include "bin/quill-ocr-worker/ocrw.h"
#include "bin/quill-ocr-worker/owners.h"

static struct ocrw ocrw;
static h2o_socket_t *inotify_sock;
static int masters_started;

static void
take_back(const struct config *cfg, pid_t pid)
{
	char err[PATH_MAX + 128], quoted[2 * sizeof(err)];
	struct spool *s = spool_open(config_str(cfg, "global", "spool_dir"), err, sizeof(err));
	int jobs, drops;

	if (s == NULL) {
		log_warnx("event=spool_open_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		return;
	}
	jobs = spool_recover(s, pid);
	drops = spool_recover_dropins(s, pid);
	if (jobs > 0 || drops > 0)
		log_warnx("event=spool_recovered pid=%ld jobs=%d dropins=%d", (long)pid, jobs, drops);
	spool_close(s);
}

/* The keys the table keeps as text; also checked again on each reload. */
static int
check_config(const struct config *cfg, char *err, size_t errsize)
{
	const char *owner = config_str(cfg, "ocr_worker", "dropin_owner");
	const char *sched = config_str(cfg, "ocr_worker", "scheduling");

	if (ocr_psm_parse(config_str(cfg, "ocr_worker", "page_segmentation")) < 0) {
		snprintf(err, errsize, "[ocr_worker] page_segmentation: unknown mode \"%s\"",
		    config_str(cfg, "ocr_worker", "page_segmentation"));
		return -1;
	}
	if (strcmp(sched, "idle") != 0 && strcmp(sched, "batch") != 0 && strcmp(sched, "normal") != 0) {
		snprintf(err, errsize, "[ocr_worker] scheduling must be idle, batch or normal");
		return -1;
	}
	if (owner[0] != '\0' && !uuid_valid(owner, strlen(owner))) {
		snprintf(err, errsize, "[ocr_worker] dropin_owner must be a user id (a UUID)");
		return -1;
	}
	return 0;
}

static int
master_init(const struct config *cfg, char *err, size_t errsize)
{
	struct spool *s;

	if (check_config(cfg, err, errsize) != 0)
		return -1;
	if ((s = spool_open(config_str(cfg, "global", "spool_dir"), err, errsize)) == NULL)
		return -1;
	spool_close(s);
	/* at start (not on a reload) no worker is alive: whatever is claimed is orphaned */
	if (!masters_started++)
		take_back(cfg, 0);
	return 0;
}

static void
worker_exited(const struct config *cfg, pid_t pid)
{
	take_back(cfg, pid);
}

static void
on_inotify(h2o_socket_t *sock, const char *err)
{
	char buf[4096];

	if (err != NULL)
		return;
	while (read(h2o_socket_get_fd(sock), buf, sizeof(buf)) > 0)
		;
	jobs_kick(&ocrw);
}

static void
wake(void *arg)
{
	jobs_kick(arg);
}

/* Wakes the worker when a file lands in new/ or incoming/ (and its user directories). */
static void
watch_spool(struct worker *w)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd == -1 || spool_watch(ocrw.spool, fd) != 0) {
		log_warn("event=inotify_failed (rescans only)");
		if (fd != -1)
			close(fd);
		return;
	}
	inotify_sock = h2o_evloop_socket_create(w->loop, fd, 0);
	h2o_socket_read_start(inotify_sock, on_inotify);
}

/*
 * Recognition is batch work: with every core reading pages, an upload or
 * a login on the same machine should not wait behind it.  "normal" and
 * "batch" run the workers at [ocr_worker] nice (batch also telling the
 * scheduler they are not interactive); "idle" only on CPU time nothing
 * else wants (SCHED_IDLE), which answers uploads fastest but lets a busy
 * machine starve OCR (bench/RESULTS.md has the figures).
 */
static int
set_scheduling(const struct config *cfg)
{
	const char *how = config_str(cfg, "ocr_worker", "scheduling");
	struct sched_param none = { .sched_priority = 0 };
	int policy = strcmp(how, "idle") == 0 ? SCHED_IDLE : strcmp(how, "batch") == 0 ? SCHED_BATCH : SCHED_OTHER;

	if (setpriority(PRIO_PROCESS, 0, (int)config_int(cfg, "ocr_worker", "nice")) != 0)
		log_warn("event=setpriority_failed");
	if (sched_setscheduler(0, policy, &none) != 0) {
		log_warn("event=sched_setscheduler_failed scheduling=%s", how);
		return -1;
	}
	return 0;
}

static int
worker_init(struct worker *w)
{
	const struct config *cfg = w->cfg;
	struct ocr_options opt = {
		.languages = config_str(cfg, "ocr_worker", "languages"),
		.tessdata = config_str(cfg, "ocr_worker", "tessdata_dir"),
		.psm = ocr_psm_parse(config_str(cfg, "ocr_worker", "page_segmentation")),
		.reorient_below = (int)config_int(cfg, "ocr_worker", "reorient_below"),
		.max_pixels = (uint64_t)config_int(cfg, "ocr", "max_pixels"),
		.max_pages = (int)config_int(cfg, "ocr_worker", "max_pages"),
	};
	char err[PATH_MAX + 128], quoted[2 * sizeof(err)];

	ocrw.w = w;
	if (set_scheduling(cfg) != 0)
		return -1;
	if ((ocrw.spool = spool_open(config_str(cfg, "global", "spool_dir"), err, sizeof(err))) == NULL) {
		log_warnx("event=spool_open_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		return -1;
	}
	if ((ocrw.engine = ocr_engine_new(&opt, err, sizeof(err))) == NULL) {
		log_warnx("event=ocr_engine_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		return -1;
	}
	ocrw.max_attempts = (int)config_int(cfg, "ocr_worker", "max_attempts");
	ocrw.backoff_s = config_duration_ms(cfg, "ocr_worker", "retry_backoff") / 1000;
	ocrw.settle_ms = config_duration_ms(cfg, "ocr_worker", "dropin_settle");
	ocrw.retention_s = config_duration_ms(cfg, "ocr_worker", "retention") / 1000;
	ocrw.max_pixels = opt.max_pixels;
	ocrw.max_upload = (uint64_t)config_size(cfg, "ocr", "max_upload");
	snprintf(ocrw.dropin_owner, sizeof(ocrw.dropin_owner), "%s", config_str(cfg, "ocr_worker", "dropin_owner"));
	for (char *p = ocrw.dropin_owner; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	if ((ocrw.http = httpc_new(w->loop)) == NULL) {
		log_warnx("event=httpc_failed");
		return -1;
	}
	owners_init(ocrw.http, config_str(cfg, "auth", "url"), wake, &ocrw);
	watch_spool(w);
	jobs_start(&ocrw, config_duration_ms(cfg, "ocr_worker", "rescan_interval"));
	w->app = &ocrw;
	return 0;
}

static int
worker_busy(struct worker *w)
{
	return ocrw.busy;
}

static void
worker_exit(struct worker *w)
{
	jobs_abandon(&ocrw);
	owners_abandon();
	if (ocrw.http != NULL)
		httpc_free(ocrw.http);
	if (inotify_sock != NULL)
		h2o_socket_close(inotify_sock);
	ocr_engine_free(ocrw.engine);
	spool_close(ocrw.spool);
	ocrw.spool = NULL;
}

static const struct daemon_def quill_ocr_worker_def = {
	.name = "quill-ocr-worker",
	.section = "ocr_worker",
	.has_http = 0,
	.has_database = 1,
	/* a page's text, hOCR and word boxes go in one UPDATE of a megabyte or more */
	.min_query_timeout_ms = 30000,
	.check_config = check_config,
	.master_init = master_init,
	.worker_init = worker_init,
	.worker_exit = worker_exit,
	.worker_busy = worker_busy,
	.worker_exited = worker_exited,
};

int
main(int argc, char **argv)
{
	/*
	 * libgomp reads OMP_THREAD_LIMIT when libtesseract is loaded, before
	 * main: setting it here is too late for this process, so it is set
	 * and the program started again.  Threads inside tesseract make it
	 * several times slower on a small machine whose cores the workers
	 * already fill.
	 */
	const char *limit = getenv("OMP_THREAD_LIMIT");

	if (limit == NULL || strcmp(limit, "1") != 0) {
		setenv("OMP_THREAD_LIMIT", "1", 1);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "quill-ocr-worker: cannot restart with OMP_THREAD_LIMIT=1; tesseract may be slow\n");
	}
	ocr_engine_setup();
	return daemon_main(argc, argv, &quill_ocr_worker_def);
}
