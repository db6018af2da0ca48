/*
 * quill-ocr-worker: supervised workers that turn spooled images into text; no API port.
 *
 * The master forks one worker per core (lib/daemon.c); each loads its
 * tesseract models once ([ocr_worker] languages; another set a job asks
 * for on its first use, lib/ocr_engine_set) and then takes jobs from the spool (jobs.c) and
 * files from spool/incoming (dropin.c), woken by inotify and by a rescan
 * every rescan_interval.  The master takes back what a dead worker held:
 * its cur/ files go back to new/, its claimed drop-ins back to incoming/.
 * When the master starts no worker is alive, so everything claimed goes
 * back then.
 *
 * The images are untrusted, so each worker is bounded: the master kills
 * one whose job runs past [ocr_worker] job_timeout and notes why beside
 * the job's file (job_lost), so the attempt that gives up fails the job
 * with that reason; each worker's address space is capped at
 * memory_limit once its models are loaded; and a worker that ignores
 * SIGTERM is killed after [master] drain_timeout.
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

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#include "lib/config.h"
#include "lib/daemon.h"
#include "lib/httpc.h"
#include "lib/log.h"
#include "lib/ocr_languages.h"
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
	/* notes of lost attempts that no attempt came back for: the job was deleted meanwhile */
	if (pid == 0)
		spool_expire_lost(s, 7 * 86400);
	if (jobs > 0 || drops > 0)
		log_warnx("event=spool_recovered pid=%ld jobs=%d dropins=%d", (long)pid, jobs, drops);
	spool_close(s);
}

/*
 * A worker died in the middle of a job: say why beside its file, for the
 * attempt that gives up.  Runs before take_back() moves the file back.
 */
static void
job_lost(const struct config *cfg, pid_t pid, const char *job, const char *why)
{
	struct spool *s;
	char err[PATH_MAX + 128], note[160], quoted[160];

	if (strcmp(why, "timeout") == 0)
		snprintf(note, sizeof(note), "timeout: reading it took longer than job_timeout (%lld ms)",
		    config_duration_ms(cfg, "ocr_worker", "job_timeout"));
	else if (strcmp(why, "drain timeout") == 0)
		snprintf(note, sizeof(note), "the worker reading it was stopped after [master] drain_timeout");
	else
		snprintf(note, sizeof(note), "the worker reading it died (%s)", why);
	if ((s = spool_open(config_str(cfg, "global", "spool_dir"), err, sizeof(err))) == NULL) {
		log_warnx("event=spool_open_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		return;
	}
	if (spool_note_lost(s, job, note) != 0)
		log_warn("event=job_note_failed job=%s", log_quote(quoted, sizeof(quoted), job, (size_t)-1));
	else
		log_warnx("event=job_lost pid=%ld job=%s why=%s", (long)pid,
		    log_quote(quoted, sizeof(quoted), job, (size_t)-1), why);
	spool_close(s);
}

/* Whether list (codes separated by white space or ',') names only well-formed codes. */
static bool
codes_valid(const char *list)
{
	for (const char *p = list + strspn(list, " \t,"); *p != '\0'; p += strspn(p, " \t,")) {
		size_t n = strcspn(p, " \t,");

		if (!ocr_languages_valid(p, n) || memchr(p, '+', n) != NULL)
			return false;
		p += n;
	}
	return true;
}

/* The keys the table keeps as text; also checked again on each reload. */
static int
check_config(const struct config *cfg, char *err, size_t errsize)
{
	const char *owner = config_str(cfg, "ocr_worker", "dropin_owner");
	const char *langs = config_str(cfg, "ocr_worker", "languages");
	const char *allowed = config_str(cfg, "ocr_worker", "allowed_languages");

	if (ocr_psm_parse(config_str(cfg, "ocr_worker", "page_segmentation")) < 0) {
		snprintf(err, errsize, "[ocr_worker] page_segmentation: unknown mode \"%s\"",
		    config_str(cfg, "ocr_worker", "page_segmentation"));
		return -1;
	}
	if (!ocr_languages_valid(langs, strlen(langs))) {
		snprintf(err, errsize, "[ocr_worker] languages: \"%s\" is not language codes joined by +", langs);
		return -1;
	}
	if (!codes_valid(allowed)) {
		snprintf(err, errsize, "[ocr_worker] allowed_languages: \"%s\" is not language codes separated by spaces",
		    allowed);
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
	/* in the order of the key's choices, normal|batch|idle (lib/config_keys.c) */
	static const int policies[] = { SCHED_OTHER, SCHED_BATCH, SCHED_IDLE };
	const char *how = config_str(cfg, "ocr_worker", "scheduling");
	struct sched_param none = { .sched_priority = 0 };
	int policy = policies[config_enum(cfg, "ocr_worker", "scheduling")];

	if (setpriority(PRIO_PROCESS, 0, (int)config_int(cfg, "ocr_worker", "nice")) != 0)
		log_warn("event=setpriority_failed");
	if (sched_setscheduler(0, policy, &none) != 0) {
		log_warn("event=sched_setscheduler_failed scheduling=%s", how);
		return -1;
	}
	return 0;
}

/*
 * Caps the worker's address space at [ocr_worker] memory_limit, once the
 * models (which it must hold) are loaded: decoding and reading a page
 * then fail inside the limit rather than take the machine's memory.  An
 * AddressSanitizer build reserves terabytes of address space for its
 * shadow, so the cap is left off there.  -1 when the models alone
 * already take more than the limit.
 */
static int
limit_memory(const struct config *cfg)
{
	long long limit = config_size(cfg, "ocr_worker", "memory_limit");
	unsigned long long vm_pages = 0;
	struct rlimit rl;
	FILE *f;

	if (limit == 0)
		return 0;
#ifdef UNDER_ASAN
	log_info("event=memory_limit_skipped reason=address_sanitizer");
	return 0;
#endif
	if ((f = fopen("/proc/self/statm", "re")) != NULL) {
		if (fscanf(f, "%llu", &vm_pages) != 1)
			vm_pages = 0;
		fclose(f);
	}
	if (vm_pages * (unsigned long long)sysconf(_SC_PAGESIZE) >= (unsigned long long)limit) {
		log_warnx("event=memory_limit_too_low memory_limit=%lld in_use=%llu", limit,
		    vm_pages * (unsigned long long)sysconf(_SC_PAGESIZE));
		return -1;
	}
	rl.rlim_cur = rl.rlim_max = (rlim_t)limit;
	if (setrlimit(RLIMIT_AS, &rl) != 0) {
		log_warn("event=setrlimit_failed memory_limit=%lld", limit);
		return -1;
	}
	return 0;
}

static int
worker_init(struct worker *w)
{
	const struct config *cfg = w->cfg;
	struct ocr_options opt = {
		.engine = config_str(cfg, "ocr_worker", "engine"),
		.languages = config_str(cfg, "ocr_worker", "languages"),
		.tessdata = config_str(cfg, "ocr_worker", "tessdata_dir"),
		.psm = ocr_psm_parse(config_str(cfg, "ocr_worker", "page_segmentation")),
		.reorient_below = (int)config_int(cfg, "ocr_worker", "reorient_below"),
		.reread_below = (int)config_int(cfg, "ocr_worker", "reread_below"),
		.max_pixels = (uint64_t)config_int(cfg, "ocr", "max_pixels"),
		.max_pages = (int)config_int(cfg, "ocr_worker", "max_pages"),
	};
	const char *owner = config_str(cfg, "ocr_worker", "dropin_owner");
	char err[PATH_MAX + 128], quoted[2 * sizeof(err)];

	ocrw.w = w;
	if (set_scheduling(cfg) != 0)
		return -1;
	if ((ocrw.spool = spool_open(config_str(cfg, "global", "spool_dir"), err, sizeof(err))) == NULL) {
		log_warnx("event=spool_open_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		return -1;
	}
	if ((ocrw.engines = ocr_engine_set_new(&opt, (int)config_int(cfg, "ocr_worker", "max_engines"), err,
	    sizeof(err))) == NULL) {
		log_warnx("event=ocr_engine_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		return -1;
	}
	if (strcmp(ocr_engine_name(ocr_engine_set_default(ocrw.engines)), "tesseract") != 0)
		log_warnx("event=ocr_engine_for_tests engine=%s note=uploads_can_command_it",
		    ocr_engine_name(ocr_engine_set_default(ocrw.engines)));
	if (limit_memory(cfg) != 0)
		return -1;
	ocrw.max_attempts = (int)config_int(cfg, "ocr_worker", "max_attempts");
	ocrw.backoff_s = config_duration_ms(cfg, "ocr_worker", "retry_backoff") / 1000;
	ocrw.settle_ms = config_duration_ms(cfg, "ocr_worker", "dropin_settle");
	ocrw.retention_s = config_duration_ms(cfg, "ocr_worker", "retention") / 1000;
	ocrw.max_pixels = opt.max_pixels;
	snprintf(ocrw.languages, sizeof(ocrw.languages), "%s", opt.languages);
	ocrw.max_upload = (uint64_t)config_size(cfg, "ocr", "max_upload");
	(void)uuid_canonical(owner, strlen(owner), ocrw.dropin_owner);	/* "" (none) unless a UUID: check_config */
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
	ocr_engine_set_free(ocrw.engines);
	ocrw.engines = NULL;
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
	.job_lost = job_lost,
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
	}
	if (ocr_engine_setup() != 0)
		fprintf(stderr, "quill-ocr-worker: cannot restart with OMP_THREAD_LIMIT=1; tesseract may be slow\n");
	return daemon_main(argc, argv, &quill_ocr_worker_def);
}
