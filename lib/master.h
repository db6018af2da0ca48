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
 * Workers get SIGTERM to drain and exit by themselves; one still alive
 * drain_timeout later gets SIGKILL, so a worker stuck in a decoder never
 * keeps the daemon from stopping.  They die with the master
 * (PR_SET_PDEATHSIG), so no worker outlives a killed master.
 *
 * Jobs: a worker doing untrusted work says when it starts and ends a job
 * (master_job_begin/end) in a MAP_SHARED table made before fork; the
 * master SIGKILLs a worker whose job has run past job_timeout, and tells
 * job_lost() about the job of every worker that ended while holding one,
 * killed so or crashed, before worker_exited() takes back what it held.
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
	/*
	 * Optional: a worker ended in the middle of the job it named, why
	 * being "timeout" (killed past job_timeout), "drain timeout" (killed
	 * when a stop or reload outlasted drain_timeout) or how it ended
	 * ("signal 6", "exit 1").  Called before worker_exited.
	 */
	void (*job_lost)(void *arg, int pid, const char *job, const char *why);
	void *arg;
	long long job_timeout_ms;	/* 0: jobs are not timed */
	long long drain_timeout_ms;
	long long backoff_max_ms;
	long long crash_window_ms;
	int crash_limit;
	int max_slots;		/* metrics slots available to workers */
};

/* Supervises until stopped; returns the exit status for main(). */
int master_run(const struct master_ops *ops);

#define MASTER_JOB_NAME_MAX 64

/*
 * In a worker: it starts the job named job (cut to MASTER_JOB_NAME_MAX - 1
 * bytes), and the master's watchdog starts counting; master_job_end()
 * stops it.  Neither blocks nor fails; outside a worker they do nothing.
 */
void master_job_begin(const char *job);
void master_job_end(void);

#endif
