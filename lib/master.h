/*
 * master: the supervising parent of a daemon's worker processes.
 *
 * The master forks N workers and then only supervises: it restarts a
 * worker that dies (at once, or with exponential backoff once deaths come
 * faster than crash_limit per crash_window), and turns signals into
 * actions, one meaning each:
 *
 *   SIGHUP           reload: re-read the configuration, start a new
 *                    generation of workers, then let the old one drain
 *                    (deferred while an older one still fills the slots)
 *   SIGTERM, SIGINT  stop: workers drain; after drain_timeout they are killed
 *   SIGQUIT          the same as SIGTERM
 *   SIGUSR1          reopen logs, here and in every worker
 *
 * Workers get SIGTERM to drain and exit by themselves; they die with the
 * master (PR_SET_PDEATHSIG), so no worker outlives a killed master.
 * Everything that must be shared by all workers (listening sockets, the
 * metrics segment) is made before master_run() is called.
 */
#ifndef QUILL_MASTER_H
#define QUILL_MASTER_H

struct master_ops {
	const char *name;
	int nworkers;
	/*
	 * Runs in the child with the worker's metrics slot and the master's
	 * signals still blocked: it installs its handlers, then unblocks them.
	 * Must exit, not return.
	 */
	void (*worker_main)(int slot, void *arg);
	/* SIGHUP: re-reads configuration; returns 0 and may change *nworkers, or -1 to keep the old. */
	int (*reload)(void *arg, int *nworkers);
	/* Optional: a worker process has been reaped, however it ended. */
	void (*worker_exited)(void *arg, int pid);
	void *arg;
	long long drain_timeout_ms;
	long long backoff_max_ms;
	long long crash_window_ms;
	int crash_limit;
	int max_slots;		/* metrics slots available to workers */
};

/* Supervises until stopped; returns the exit status for main(). */
int master_run(const struct master_ops *ops);

#endif
