/*
 * daemon: start-up, the master's reload hook, and the worker loop.
 *
 * Order of start-up matters and is the same for every daemon: read and
 * validate the configuration (exit 78 on any error), open the log, open
 * the listening socket (a port in use is fatal here, before anything
 * forks), register metrics and map their segment, take the pid file lock,
 * drop privileges, then hand over to the master.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/config.h"
#include "lib/daemon.h"
#include "lib/health.h"
#include "lib/http.h"
#include "lib/httpc.h"
#include "lib/listen.h"
#include "lib/log.h"
#include "lib/master.h"
#include "lib/metrics.h"
#include "lib/pg.h"
#include "lib/router.h"
#include "lib/verifier.h"

static struct {
	const struct daemon_def *def;
	const char *config_path;
	struct config *cfg;
	struct router router;
	int listen_fd;
	char pidfile[PATH_MAX];
	int pidfile_fd;
	int made_run_dir;
	long long drain_ms;	/* [master] keys are read once: they need a restart */
	struct master_ops *ops;	/* what the master runs by; job_timeout_ms follows reloads */
} d = { .listen_fd = -1, .pidfile_fd = -1 };

static volatile sig_atomic_t got_term, got_usr1;
/* Written by the worker's signal handler so the event loop wakes at once. */
static int wake_pipe[2] = { -1, -1 };

static void
usage(const char *name)
{
	fprintf(stderr, "usage: %s [-t | -R] [-c config]\n"
	    "  -c FILE  configuration file (default %s/quill.conf)\n"
	    "  -t       check the configuration and exit\n"
	    "  -R       print the routes the daemon serves (METHOD PATTERN) and exit\n", name, QUILL_SYSCONFDIR);
	exit(64);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Applies the [log] section; the configuration has been validated already. */
static void
apply_log_config(const struct config *cfg)
{
	log_set_level(log_level_parse(config_str(cfg, "log", "level")));
	log_set_facility(log_facility_parse(config_str(cfg, "log", "syslog_facility")));
}

static int
configured_workers(const struct config *cfg)
{
	long long n = config_int(cfg, d.def->section, "workers");
	long cores;

	if (n > 0)
		return (int)n;
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 0 ? (int)cores : 1;
}

static int
master_settings_differ(const struct config *a, const struct config *b)
{
	return config_duration_ms(a, "master", "drain_timeout") != config_duration_ms(b, "master", "drain_timeout") ||
	    config_duration_ms(a, "master", "restart_backoff_max") !=
	    config_duration_ms(b, "master", "restart_backoff_max") ||
	    config_duration_ms(a, "master", "crash_window") != config_duration_ms(b, "master", "crash_window") ||
	    config_int(a, "master", "crash_limit") != config_int(b, "master", "crash_limit");
}

/* The master's SIGHUP hook: a new configuration for the next generation of workers. */
static int
reload_config(void *arg, int *nworkers)
{
	char err[512];
	struct config *cfg = config_load(d.config_path, err, sizeof(err));

	if (cfg == NULL) {
		char quoted[600];

		log_warnx("event=config_invalid error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		return -1;
	}
	/* state the workers inherit (authd's keys) is read again, or the reload is refused */
	if ((d.def->has_http && http_check_config(cfg, err, sizeof(err)) != 0) ||
	    (d.def->master_init != NULL && d.def->master_init(cfg, err, sizeof(err)) != 0)) {
		char quoted[600];

		log_warnx("event=reload_refused error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		config_free(cfg);
		return -1;
	}
	if (d.def->has_http && strcmp(config_str(cfg, d.def->section, "listen"),
	    config_str(d.cfg, d.def->section, "listen")) != 0)
		log_warnx("event=config_listen_changed note=takes_effect_on_restart");
	if (strcmp(config_str(cfg, "log", "target"), config_str(d.cfg, "log", "target")) != 0 ||
	    strcmp(config_str(cfg, "log", "directory"), config_str(d.cfg, "log", "directory")) != 0)
		log_warnx("event=config_log_target_changed note=takes_effect_on_restart");
	if (master_settings_differ(cfg, d.cfg))
		log_warnx("event=config_master_changed note=takes_effect_on_restart");
	config_free(d.cfg);
	d.cfg = cfg;
	if (d.def->job_lost != NULL)
		d.ops->job_timeout_ms = config_duration_ms(cfg, d.def->section, "job_timeout");
	apply_log_config(cfg);
	log_reopen();
	*nworkers = configured_workers(cfg);
	return 0;
}

static void
on_worker_signal(int sig)
{
	int saved = errno;

	if (sig == SIGTERM)
		got_term = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	if (write(wake_pipe[1], "", 1) < 0) {
		/* full pipe: the loop is awake already */
	}
	errno = saved;
}

/*
 * Installs the worker's handlers, then unblocks the signals the master
 * left blocked.  A handler sets its flag and writes to wake_pipe, which
 * the event loop watches, so a signal is acted on at once rather than at
 * the loop's next timeout.
 */
static void
worker_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		fatal("event=worker_start_failed reason=pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_worker_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* Ctrl-C reaches the whole process group; the master decides what it means. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void
on_wake(h2o_socket_t *sock, const char *err)
{
	char buf[64];

	while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
		;
}

/*
 * A worker's state lives as long as its process: kept at file scope, it is
 * plainly reachable until exit (and so never mistaken for a leak).
 */
static struct worker w;
static struct http_server srv;

/* The worker's view of quill-authd: its keys and its revocations. */
static int
start_verifier(struct worker *wk)
{
	struct verifier_options opt = {
		.url = config_str(wk->cfg, "auth", "url"),
		.issuer = config_str(wk->cfg, "auth", "issuer"),
		.leeway_s = (int)(config_duration_ms(wk->cfg, "auth", "clock_leeway") / 1000),
		.poll_ms = (int)config_duration_ms(wk->cfg, "auth", "revocation_poll"),
		.max_staleness_ms = (int)config_duration_ms(wk->cfg, "auth", "revocation_max_staleness"),
		.cache_entries = (size_t)config_int(wk->cfg, "auth", "token_cache"),
	};

	if ((wk->httpc = httpc_new(wk->loop)) == NULL)
		return -1;
	wk->verifier = verifier_new(wk->loop, wk->httpc, &opt);
	return wk->verifier != NULL ? 0 : -1;
}

/* lib/http's token check: the worker's verifier. */
static enum verifier_result
check_token(void *verifier, const char *token, size_t len, int64_t now, struct jwt_claims *out, const char **why)
{
	return verifier_check(verifier, token, len, now, out, why);
}

/*
 * A new worker (at start, after a reload or a restart) takes no connection
 * until its database pool and its token verifier have had a first outcome,
 * for at most this long.  Until then the listen queue, and the older
 * workers while they drain, hold the requests that would otherwise be
 * answered 503.  An outcome may be a failure: a worker whose database is
 * down starts at once and says 503 itself.
 */
#define SETTLE_WAIT_MS	3000

static void
wait_until_settled(struct worker *wk)
{
	long long until = now_ms() + SETTLE_WAIT_MS;

	while (!got_term && now_ms() < until &&
	    ((wk->db != NULL && !pg_pool_settled(wk->db)) ||
	    (wk->verifier != NULL && !verifier_settled(wk->verifier))))
		h2o_evloop_run(wk->loop, 50);
}

#define SCHED_FLAG_KEEP_POLICY_BIT 0x08	/* sched_setattr(2): SCHED_FLAG_KEEP_POLICY */

/*
 * A worker answering requests sleeps on the network and the disk and
 * runs for moments.  While OCR workers keep every core busy, Linux's fair
 * scheduler (EEVDF) lets the running task finish its slice, some 3 ms,
 * before a woken one runs: an upload wakes several times before its 202
 * and waited that long at each (bench/RESULTS.md).  A short slice of its
 * own gives the woken worker an earlier deadline, so it runs at once;
 * it uses no more CPU than before.  It is the calling thread's alone.
 * Kernels before 6.12 take the request and ignore it.
 */
static void
ask_short_slice(const struct config *cfg)
{
	/* sched_setattr(2)'s argument; glibc has no wrapper nor the type */
	struct {
		uint32_t size, sched_policy;
		uint64_t sched_flags;
		int32_t sched_nice;
		uint32_t sched_priority;
		uint64_t sched_runtime, sched_deadline, sched_period;
	} attr;
	long long us = config_int(cfg, "http", "cpu_slice_us");
	int nice;
	char why[128];

	if (us == 0)
		return;
	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);	/* sched_setattr sets the nice value too: keep it */
	if (errno != 0)
		nice = 0;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.sched_flags = SCHED_FLAG_KEEP_POLICY_BIT;	/* batch, if an operator chose it, stays */
	attr.sched_nice = nice;
	attr.sched_runtime = (uint64_t)us * 1000;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0)
		log_info("event=cpu_slice_refused slice_us=%lld error=%s", us,
		    log_quote(why, sizeof(why), strerror(errno), (size_t)-1));
}

static void __attribute__((noreturn))
worker_main(int slot, void *arg)
{
	h2o_socket_t *wake;
	char context[32];
	long long deadline = 0, drain_ms;

	snprintf(context, sizeof(context), "worker=%d", slot);
	log_set_context(context);
	/* The pid file's lock is the master's alone: a worker must not keep it. */
	close(d.pidfile_fd);
	worker_signals();
	memset(&w, 0, sizeof(w));
	w.slot = slot;
	w.cfg = d.cfg;
	w.def = d.def;
	w.loop = h2o_evloop_create();
	wake = h2o_evloop_socket_create(w.loop, wake_pipe[0], H2O_SOCKET_FLAG_DONT_READ);
	h2o_socket_read_start(wake, on_wake);
	if (d.def->has_database) {
		struct pg_pool_options opts = {
			.connections = (int)config_int(d.cfg, "database", "pool_size"),
			.query_timeout_ms = (int)config_duration_ms(d.cfg, "database", "query_timeout"),
			.connect_timeout_ms = (int)config_duration_ms(d.cfg, "database", "connect_timeout"),
		};
		if (opts.query_timeout_ms < d.def->min_query_timeout_ms)
			opts.query_timeout_ms = d.def->min_query_timeout_ms;
		w.db = pg_pool_new(w.loop, config_str(d.cfg, d.def->section, "database"), &opts);
		if (w.db == NULL)
			fatalx("event=worker_start_failed reason=database_pool");
		health_set_database(w.db);
	}
	if (d.def->verify_tokens && start_verifier(&w) != 0)
		fatalx("event=worker_start_failed reason=verifier");
	if (d.def->has_http)
		wait_until_settled(&w);
	if (d.def->has_http) {
		struct http_hooks hooks = {
			.worker = &w,
			.check_token = w.verifier != NULL ? check_token : NULL,
			.check_arg = w.verifier,
			.on_response = d.def->on_response,
			.ssl_ctx = d.def->tls_context != NULL ? d.def->tls_context() : NULL,
		};

		if (http_server_start(&srv, w.loop, d.cfg, d.listen_fd, &d.router, &hooks) != 0)
			fatalx("event=worker_start_failed reason=http");
		w.http = &srv;
	}
	if (d.def->worker_init != NULL && d.def->worker_init(&w) != 0)
		fatalx("event=worker_start_failed reason=init");
	/* after worker_init: threads it started (authd's hashing) keep the usual slice */
	if (d.def->has_http)
		ask_short_slice(d.cfg);

	drain_ms = d.drain_ms;
	for (;;) {
		h2o_evloop_run(w.loop, deadline != 0 ? 50 : 1000);
		if (got_usr1) {
			got_usr1 = 0;
			log_reopen();
		}
		if (got_term && deadline == 0) {
			deadline = now_ms() + drain_ms;
			if (w.http != NULL)
				http_server_drain(w.http);
		}
		if (deadline != 0 && (now_ms() >= deadline || (w.http != NULL ? w.http->connections == 0 :
		    d.def->worker_busy == NULL || !d.def->worker_busy(&w))))
			break;
	}
	if (d.def->worker_exit != NULL)
		d.def->worker_exit(&w);
	verifier_free(w.verifier);
	if (w.httpc != NULL)
		httpc_free(w.httpc);
	if (w.db != NULL)
		pg_pool_free(w.db);
	h2o_socket_close(wake);
	h2o_evloop_run(w.loop, 0);	/* libh2o frees closed sockets on the next turn */
	exit(0);
}

/*
 * Takes the pid file's lock (a second instance is refused) and empties
 * it; the pid is written by pidfile_write() once start-up has succeeded,
 * so that a pid in the file means "started".  The run directory may be
 * the daemons' account's: only a plain file is taken, never a link.
 */
static void
pidfile_open(const char *run_dir)
{
	char buf[32];
	struct stat st;
	int fd, n;

	if (mkdir(run_dir, 0755) == 0)
		d.made_run_dir = 1;
	else if (errno != EEXIST)
		fatal("event=pidfile_failed dir=%s", run_dir);
	snprintf(d.pidfile, sizeof(d.pidfile), "%s/%s.pid", run_dir, d.def->name);
	fd = open(d.pidfile, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1)
		fatal("event=pidfile_failed path=%s", d.pidfile);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1)
		fatalx("event=pidfile_failed path=%s reason=not_a_plain_file", d.pidfile);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n - (buf[n - 1] == '\n') : 0] = '\0';
		fatalx("event=already_running pidfile=%s pid=%s", d.pidfile, buf[0] ? buf : "-");
	}
	if (ftruncate(fd, 0) != 0)
		fatal("event=pidfile_failed path=%s", d.pidfile);
	d.pidfile_fd = fd;
}

static void
pidfile_write(void)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (pwrite(d.pidfile_fd, buf, (size_t)n, 0) != n) {
		unlink(d.pidfile);
		fatal("event=pidfile_failed path=%s", d.pidfile);
	}
}

/*
 * Started as root: become the configured user.  The pid file, and its
 * directory when we made it, are handed over so the master can remove the
 * file when it exits.
 */
static void
drop_privileges(const char *user, const char *run_dir)
{
	struct passwd *pw;

	if (getuid() != 0 || user[0] == '\0')
		return;
	if ((pw = getpwnam(user)) == NULL)
		fatalx("event=privilege_drop_failed reason=no_such_user user=%s", user);
	if ((d.made_run_dir && chown(run_dir, pw->pw_uid, pw->pw_gid) != 0) ||
	    fchown(d.pidfile_fd, pw->pw_uid, pw->pw_gid) != 0)
		log_warn("event=chown_failed path=%s", d.pidfile);
	/* the account must be able to reopen its log after rotation */
	if (log_give_file(pw->pw_uid, pw->pw_gid) != 0)
		log_warn("event=chown_failed what=log_file");
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		fatal("event=privilege_drop_failed user=%s", user);
	if (setuid(0) == 0)
		fatalx("event=privilege_drop_failed reason=root_regained");
	log_info("event=privileges_dropped user=%s uid=%d", user, (int)pw->pw_uid);
}

/*
 * Large request bodies are buffered in files there (lib/http.c); if the
 * workers cannot make them, such requests would only see their
 * connection closed.  Checked once, as the user the workers run as.
 */
static void
check_body_buffer_dir(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/quill-body.XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1) {
		unlink(d.pidfile);
		fatal("event=start_failed reason=body_buffer_dir_not_writable dir=%s", dir);
	}
	close(fd);
	unlink(path);
}

int
daemon_stopping(void)
{
	return got_term != 0;
}

static void
on_worker_exited(void *arg, int pid)
{
	d.def->worker_exited(d.cfg, (pid_t)pid);
}

static void
on_job_lost(void *arg, int pid, const char *job, const char *why)
{
	d.def->job_lost(d.cfg, (pid_t)pid, job, why);
}

int
daemon_main(int argc, char **argv, const struct daemon_def *def)
{
	char err[512];
	int ch, check_only = 0, list_routes = 0, nworkers, slots, status;

	d.def = def;
	/*
	 * The process's name as ps, pgrep and quillctl status see it, even
	 * when it was started again through /proc/self/exe (which names it
	 * "exe").  The kernel keeps 15 bytes of it.
	 */
	prctl(PR_SET_NAME, def->name, 0, 0, 0);
	d.config_path = QUILL_SYSCONFDIR "/quill.conf";
	while ((ch = getopt(argc, argv, "c:tRh")) != -1) {
		switch (ch) {
		case 'c':
			d.config_path = optarg;
			break;
		case 't':
			check_only = 1;
			break;
		case 'R':
			list_routes = 1;
			break;
		default:
			usage(def->name);
		}
	}
	if (optind != argc)
		usage(def->name);

	if ((d.cfg = config_load(d.config_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", def->name, err);
		return EX_CONFIG_STATUS;
	}
	if ((def->check_config != NULL && def->check_config(d.cfg, err, sizeof(err)) != 0) ||
	    (def->has_http && http_check_config(d.cfg, err, sizeof(err)) != 0)) {
		fprintf(stderr, "%s: %s: %s\n", def->name, d.config_path, err);
		return EX_CONFIG_STATUS;
	}
	if (check_only) {
		printf("%s: configuration %s ok\n", def->name, d.config_path);
		return 0;
	}
	/* The table the workers will route by, as built at start: what the API description is checked against. */
	if (list_routes) {
		if (!def->has_http)
			return 0;	/* no HTTP, no routes */
		router_init(&d.router);
		health_add_routes(&d.router);
		if (def->add_routes != NULL)
			def->add_routes(&d.router, d.cfg);
		for (int i = 0; i < d.router.nroutes; i++)
			printf("%s %s\n", d.router.routes[i].method, d.router.routes[i].pattern);
		return d.router.refused > 0 ? 1 : 0;
	}
	if (log_open(def->name, config_str(d.cfg, "log", "target"), config_str(d.cfg, "log", "directory"),
	    log_level_parse(config_str(d.cfg, "log", "level"))) != 0) {
		fprintf(stderr, "%s: cannot open the log in %s: %s\n", def->name,
		    config_str(d.cfg, "log", "directory"), strerror(errno));
		return 1;
	}
	apply_log_config(d.cfg);
	if (sodium_init() < 0)
		fatalx("event=start_failed reason=libsodium");
	signal(SIGPIPE, SIG_IGN);

	router_init(&d.router);
	health_add_routes(&d.router);
	if (def->add_routes != NULL)
		def->add_routes(&d.router, d.cfg);
	if (d.router.refused > 0)
		fatalx("event=start_failed reason=route_table_refused_a_route count=%d", d.router.refused);
	if (def->has_http) {
		const char *addr = config_str(d.cfg, def->section, "listen");

		if ((d.listen_fd = listen_open(addr, err, sizeof(err))) == -1) {
			char quoted[600];

			fatalx("event=listen_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
		}
		http_metrics_register(&d.router);
	}
	nworkers = configured_workers(d.cfg);
	/* Room for one generation draining beside a new one, with a little to spare. */
	slots = 2 * nworkers + 2;
	if (slots > METRICS_MAX_WORKERS)
		slots = METRICS_MAX_WORKERS;
	if (metrics_freeze(slots) != 0)
		fatal("event=start_failed reason=metrics_segment");

	pidfile_open(config_str(d.cfg, "global", "run_dir"));
	drop_privileges(config_str(d.cfg, "global", "user"), config_str(d.cfg, "global", "run_dir"));
	if (def->has_http)
		check_body_buffer_dir(config_str(d.cfg, "http", "body_buffer_dir"));
	if (def->master_init != NULL && def->master_init(d.cfg, err, sizeof(err)) != 0) {
		char quoted[600];

		unlink(d.pidfile);
		fatalx("event=start_failed error=%s", log_quote(quoted, sizeof(quoted), err, (size_t)-1));
	}
	pidfile_write();
	log_info("event=started config=%s workers=%d%s%s", d.config_path, nworkers,
	    def->has_http ? " listen=" : "", def->has_http ? config_str(d.cfg, def->section, "listen") : "");

	d.drain_ms = config_duration_ms(d.cfg, "master", "drain_timeout");
	struct master_ops ops = {
		.name = def->name,
		.nworkers = nworkers,
		.worker_main = worker_main,
		.reload = reload_config,
		.worker_exited = def->worker_exited != NULL ? on_worker_exited : NULL,
		.job_lost = def->job_lost != NULL ? on_job_lost : NULL,
		.job_timeout_ms = def->job_lost != NULL ? config_duration_ms(d.cfg, def->section, "job_timeout") : 0,
		.drain_timeout_ms = d.drain_ms,
		.backoff_max_ms = config_duration_ms(d.cfg, "master", "restart_backoff_max"),
		.crash_window_ms = config_duration_ms(d.cfg, "master", "crash_window"),
		.crash_limit = (int)config_int(d.cfg, "master", "crash_limit"),
		.max_slots = slots,
	};
	d.ops = &ops;
	status = master_run(&ops);
	if (unlink(d.pidfile) != 0)
		log_warn("event=pidfile_remove_failed path=%s", d.pidfile);
	config_free(d.cfg);
	return status;
}
