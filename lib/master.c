/*
 * master: fork, supervise, restart, reload and stop worker processes.
 *
 * The master never runs an event loop of its own.  It blocks the signals it
 * cares about and takes them synchronously with sigtimedwait(), so every
 * action happens in ordinary code, in one place, with no flags shared with
 * a handler.  The wait is short (100 ms) so timed work (a delayed restart,
 * a drain deadline) is never late by more than that.
 *
 * Generations: each reload starts a generation.  Workers of older
 * generations are draining; only the current generation is restarted when
 * a worker dies.  The new generation is started before the old one is told
 * to drain, and both accept from the same listening socket, so a reload
 * never leaves a moment with nobody accepting.
 *
 * The job table: one record per worker slot in a MAP_SHARED mapping made
 * before the first fork, written only by the slot's worker (the job's
 * name, then its start time, released) and read by the master at each
 * tick.  A stale record (a worker that died in a job) is read once, when
 * the worker is reaped, and cleared before the slot is used again.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/master.h"
#include "lib/metrics.h"

#define TICK_MS 100

struct worker_proc {
	pid_t pid;		/* 0: slot free */
	int generation;
	int position;		/* 0..nworkers-1 within its generation */
	int draining;
	long long kill_at;	/* ms; when draining */
	int timed_out;		/* killed by the job watchdog */
};

/* What a worker is doing, for the master's watchdog. */
struct master_job {
	long long started;	/* now_ms() when the job began; 0: no job */
	char name[MASTER_JOB_NAME_MAX];
};

static struct master_job *job_table;	/* shared: one per slot */
static struct master_job *my_job;	/* in a worker: its own record */

struct master {
	const struct master_ops *ops;
	struct worker_proc *procs;	/* indexed by metrics slot */
	int nslots;
	int nworkers;
	int generation;
	long long *restart_at;		/* per position of the current generation; 0: not pending */
	int restart_cap;
	long long *deaths;		/* ring of recent unexpected death times */
	int ndeaths, death_head;
	int backoff_level;
	int stopping;
	int reload_pending;		/* a SIGHUP waits for draining workers to free slots */
	long long stop_deadline;
	pid_t pid;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const int master_signals[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1 };

static void
master_sigset(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(master_signals) / sizeof(master_signals[0]); i++)
		sigaddset(set, master_signals[i]);
}

static int
free_slot(const struct master *m)
{
	for (int s = 0; s < m->nslots; s++)
		if (m->procs[s].pid == 0)
			return s;
	return -1;
}

static int
free_slots(const struct master *m)
{
	int n = 0;

	for (int s = 0; s < m->nslots; s++)
		n += m->procs[s].pid == 0;
	return n;
}

/*
 * In the child: undo the master's signal dispositions and run the worker.
 * The signals stay blocked: the worker unblocks them once its own handlers
 * are in place, so a signal sent at birth is handled, not fatal.
 */
static void __attribute__((noreturn))
child_start(struct master *m, int slot)
{
	for (size_t i = 0; i < sizeof(master_signals) / sizeof(master_signals[0]); i++)
		signal(master_signals[i], SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != m->pid)	/* the master died before prctl took effect */
		_exit(0);
	metrics_set_slot(slot);
	my_job = job_table != NULL ? &job_table[slot] : NULL;
	m->ops->worker_main(slot, m->ops->arg);
	_exit(1);
}

static int
spawn(struct master *m, int position)
{
	int slot = free_slot(m);
	pid_t pid;

	if (slot < 0) {
		log_warnx("event=worker_spawn_deferred reason=no_free_slot position=%d", position);
		return -1;
	}
	metrics_clear_gauges(slot);
	if (job_table != NULL)
		__atomic_store_n(&job_table[slot].started, 0, __ATOMIC_RELEASE);
	pid = fork();
	if (pid == -1) {
		log_warn("event=fork_failed position=%d", position);
		return -1;
	}
	if (pid == 0)
		child_start(m, slot);
	m->procs[slot] = (struct worker_proc){ pid, m->generation, position, 0, 0, 0 };
	log_info("event=worker_started pid=%d slot=%d generation=%d", (int)pid, slot, m->generation);
	return 0;
}

/* Records an unexpected death and returns how long to wait before the restart. */
static long long
restart_delay(struct master *m, long long now)
{
	int recent = 0;

	m->deaths[m->death_head] = now;
	m->death_head = (m->death_head + 1) % m->ops->crash_limit;
	if (m->ndeaths < m->ops->crash_limit)
		m->ndeaths++;
	for (int i = 0; i < m->ndeaths; i++)
		if (now - m->deaths[i] <= m->ops->crash_window_ms)
			recent++;
	if (recent < m->ops->crash_limit) {
		m->backoff_level = 0;
		return 0;
	}
	/* Crash loop: 1 s, 2 s, 4 s ... up to backoff_max. */
	long long delay = 1000LL << (m->backoff_level < 20 ? m->backoff_level : 20);
	if (delay > m->ops->backoff_max_ms)
		delay = m->ops->backoff_max_ms;
	else
		m->backoff_level++;
	log_error("event=crash_loop deaths=%d window_ms=%lld restart_in_ms=%lld", recent,
	    m->ops->crash_window_ms, delay);
	return delay;
}

static void
describe_status(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "signal=%d", WTERMSIG(status));
	else
		snprintf(buf, size, "exit=%d", WEXITSTATUS(status));
}

void
master_job_begin(const char *job)
{
	if (my_job == NULL)
		return;
	snprintf(my_job->name, sizeof(my_job->name), "%s", job);
	/* the name is complete before the master can see a start time */
	__atomic_store_n(&my_job->started, now_ms(), __ATOMIC_RELEASE);
}

void
master_job_end(void)
{
	if (my_job != NULL)
		__atomic_store_n(&my_job->started, 0, __ATOMIC_RELEASE);
}

/*
 * A reaped worker held a job: tell the daemon, which puts the reason
 * where the job's next attempt finds it.  The worker is gone, so its
 * record is read without a race.
 */
static void
report_lost_job(struct master *m, int slot, pid_t pid, const struct worker_proc *w, int status)
{
	struct master_job *j = &job_table[slot];
	char name[MASTER_JOB_NAME_MAX], why[32];

	if (__atomic_load_n(&j->started, __ATOMIC_ACQUIRE) == 0)
		return;
	memcpy(name, j->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	__atomic_store_n(&j->started, 0, __ATOMIC_RELAXED);
	if (w->timed_out)
		snprintf(why, sizeof(why), "timeout");
	else if ((w->draining || m->stopping) && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		snprintf(why, sizeof(why), "drain timeout");
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "signal %d", WTERMSIG(status));
	else
		snprintf(why, sizeof(why), "exit %d", WEXITSTATUS(status));
	if (m->ops->job_lost != NULL)
		m->ops->job_lost(m->ops->arg, (int)pid, name, why);
}

/* Kills the workers whose job has run longer than job_timeout. */
static void
kill_overdue_jobs(struct master *m)
{
	long long now = now_ms();

	if (m->ops->job_timeout_ms <= 0 || job_table == NULL)
		return;
	for (int s = 0; s < m->nslots; s++) {
		struct worker_proc *w = &m->procs[s];
		long long started = __atomic_load_n(&job_table[s].started, __ATOMIC_ACQUIRE);
		char quoted[2 * MASTER_JOB_NAME_MAX + 8];

		/*
		 * Should the worker end this job and start another between the
		 * load and the kill, the new one is killed: a window of a few
		 * instructions after a job of job_timeout, which costs one attempt.
		 */
		if (w->pid == 0 || w->timed_out || started == 0 || now - started < m->ops->job_timeout_ms)
			continue;
		log_warnx("event=job_timeout pid=%d slot=%d job=%s ran_ms=%lld job_timeout_ms=%lld", (int)w->pid, s,
		    log_quote(quoted, sizeof(quoted), job_table[s].name, strnlen(job_table[s].name, MASTER_JOB_NAME_MAX)),
		    now - started, m->ops->job_timeout_ms);
		kill(w->pid, SIGKILL);
		w->timed_out = 1;
	}
}

static void
reap(struct master *m)
{
	pid_t pid;
	int status;
	char how[32];

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int slot;

		for (slot = 0; slot < m->nslots && m->procs[slot].pid != pid; slot++)
			;
		if (slot == m->nslots)
			continue;
		struct worker_proc w = m->procs[slot];
		m->procs[slot].pid = 0;
		metrics_clear_gauges(slot);
		if (job_table != NULL)
			report_lost_job(m, slot, pid, &w, status);
		if (m->ops->worker_exited != NULL)
			m->ops->worker_exited(m->ops->arg, (int)pid);
		describe_status(status, how, sizeof(how));
		if (w.draining || m->stopping) {
			log_info("event=worker_exited pid=%d slot=%d %s", (int)pid, slot, how);
			continue;
		}
		if (w.generation != m->generation || w.position >= m->nworkers) {
			log_info("event=worker_exited pid=%d slot=%d %s", (int)pid, slot, how);
			continue;
		}
		long long now = now_ms();
		if (w.timed_out) {
			/* the job was at fault, not the worker: replaced at once, not counted as a crash */
			log_info("event=worker_exited pid=%d slot=%d %s reason=job_timeout", (int)pid, slot, how);
			m->restart_at[w.position] = now;
			continue;
		}
		log_warnx("event=worker_died pid=%d slot=%d %s", (int)pid, slot, how);
		m->restart_at[w.position] = now + restart_delay(m, now);
	}
}

static void
start_due_workers(struct master *m)
{
	long long now = now_ms();

	for (int p = 0; p < m->nworkers; p++) {
		if (m->restart_at[p] == 0 || m->restart_at[p] > now)
			continue;
		if (spawn(m, p) == 0)
			m->restart_at[p] = 0;
		else
			m->restart_at[p] = now + 1000;
	}
}

static void
signal_workers(struct master *m, int sig, int only_generation)
{
	for (int s = 0; s < m->nslots; s++) {
		if (m->procs[s].pid == 0)
			continue;
		if (only_generation >= 0 && m->procs[s].generation != only_generation)
			continue;
		kill(m->procs[s].pid, sig);
	}
}

static void
drain_generation(struct master *m, int generation)
{
	long long deadline = now_ms() + m->ops->drain_timeout_ms;

	for (int s = 0; s < m->nslots; s++) {
		struct worker_proc *w = &m->procs[s];

		if (w->pid == 0 || w->generation != generation || w->draining)
			continue;
		w->draining = 1;
		w->kill_at = deadline;
		kill(w->pid, SIGTERM);
	}
}

static void
kill_overdue(struct master *m)
{
	long long now = now_ms();

	for (int s = 0; s < m->nslots; s++) {
		struct worker_proc *w = &m->procs[s];

		if (w->pid != 0 && w->draining && now >= w->kill_at) {
			log_warnx("event=worker_drain_timeout pid=%d slot=%d", (int)w->pid, s);
			kill(w->pid, SIGKILL);
			w->kill_at = now + 1000;
		}
	}
}

static int
set_nworkers(struct master *m, int n)
{
	if (n > m->restart_cap) {
		long long *r = realloc(m->restart_at, sizeof(*r) * (size_t)n);

		if (r == NULL)
			return -1;
		m->restart_at = r;
		m->restart_cap = n;
	}
	m->nworkers = n;
	for (int p = 0; p < n; p++)
		m->restart_at[p] = 0;
	return 0;
}

/*
 * A generation is told to drain only once a whole new one has slots to
 * start in: reloads coming faster than old workers finish are deferred,
 * not allowed to leave nobody accepting.
 */
static void
reload(struct master *m)
{
	int n = m->nworkers, old = m->generation;

	if (free_slots(m) < m->nworkers) {
		if (!m->reload_pending)
			log_warnx("event=reload_deferred reason=previous_workers_still_draining");
		m->reload_pending = 1;
		return;
	}
	m->reload_pending = 0;
	log_info("event=reload");
	if (m->ops->reload != NULL && m->ops->reload(m->ops->arg, &n) != 0) {
		log_warnx("event=reload_failed keeping=current_configuration");
		return;
	}
	/*
	 * At most half the slots, so that the next reload finds room for a
	 * whole generation once this one's predecessor has drained; more
	 * would defer every later reload for good.
	 */
	if (n > m->nslots / 2 || n > free_slots(m)) {
		int most = m->nslots / 2 < free_slots(m) ? m->nslots / 2 : free_slots(m);

		log_warnx("event=reload_workers_capped wanted=%d max=%d note=restart_for_more", n, most);
		n = most;
	}
	if (set_nworkers(m, n) != 0) {
		log_warnx("event=reload_failed reason=out_of_memory");
		return;
	}
	m->generation++;
	m->backoff_level = 0;
	m->ndeaths = 0;
	for (int p = 0; p < m->nworkers; p++)
		if (spawn(m, p) != 0)
			m->restart_at[p] = now_ms() + 1000;
	drain_generation(m, old);
}

static int
live_workers(const struct master *m)
{
	int n = 0;

	for (int s = 0; s < m->nslots; s++)
		n += m->procs[s].pid != 0;
	return n;
}

static void
begin_stop(struct master *m, int sig)
{
	if (m->stopping)
		return;
	log_info("event=stopping signal=%d", sig);
	m->stopping = 1;
	m->stop_deadline = now_ms() + m->ops->drain_timeout_ms;
	for (int g = 0; g <= m->generation; g++)
		drain_generation(m, g);
}

int
master_run(const struct master_ops *ops)
{
	struct master m;
	sigset_t set;
	struct timespec tick = { 0, TICK_MS * 1000000L };

	memset(&m, 0, sizeof(m));
	m.ops = ops;
	m.pid = getpid();
	m.nslots = ops->max_slots;
	m.procs = calloc((size_t)m.nslots, sizeof(*m.procs));
	m.deaths = calloc((size_t)ops->crash_limit, sizeof(*m.deaths));
	if (m.procs == NULL || m.deaths == NULL || set_nworkers(&m, ops->nworkers) != 0)
		fatalx("event=master_start_failed reason=out_of_memory");
	/* made once, before the first fork, so every worker and the master share it */
	if (job_table == NULL) {
		job_table = mmap(NULL, (size_t)m.nslots * sizeof(*job_table), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (job_table == MAP_FAILED)
			fatal("event=master_start_failed reason=job_table");
	}

	master_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	log_info("event=master_started workers=%d", m.nworkers);
	for (int p = 0; p < m.nworkers; p++)
		if (spawn(&m, p) != 0)
			m.restart_at[p] = now_ms() + 1000;

	for (;;) {
		int sig = sigtimedwait(&set, NULL, &tick);

		switch (sig) {
		case SIGCHLD:
			reap(&m);
			break;
		case SIGHUP:
			if (!m.stopping)
				reload(&m);
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			begin_stop(&m, sig);
			break;
		case SIGUSR1:
			log_reopen();
			signal_workers(&m, SIGUSR1, -1);
			break;
		default:
			break;
		}
		reap(&m);	/* SIGCHLDs coalesce; never leave a zombie behind */
		if (m.stopping) {
			if (live_workers(&m) == 0)
				break;
			if (now_ms() >= m.stop_deadline) {
				signal_workers(&m, SIGKILL, -1);
				m.stop_deadline = now_ms() + 1000;
			}
			continue;
		}
		kill_overdue(&m);
		kill_overdue_jobs(&m);
		start_due_workers(&m);
		if (m.reload_pending)
			reload(&m);
	}
	log_info("event=stopped");
	free(m.procs);
	free(m.deaths);
	free(m.restart_at);
	return 0;
}
