/*
 * password: argon2id hashing on a pool of threads, results on the h2o loop.
 *
 * A job walks QUEUED -> RUNNING -> DONE -> DELIVERING and is freed after
 * its callback.  The pool's mutex guards the two lists a job can sit on
 * (the queue, waiting for a thread; done, waiting for the loop) and every
 * job's state and abandoned flag.  Who frees a job:
 * - QUEUED or DONE: the loop thread, which owns both ends of those lists.
 * - RUNNING: the worker, if the job was abandoned while it hashed;
 *   otherwise the worker puts it on done and the loop frees it later.
 * So an abandoned job is freed exactly once, whichever side comes last.
 *
 * Waking the loop: a worker that makes the done list non-empty writes one
 * byte to a pipe; the loop watches the read end through an h2o socket
 * made with H2O_SOCKET_FLAG_DONT_READ, drains it, takes the whole done
 * list under the mutex and runs the callbacks without it.  The flag
 * "wake_sent" keeps at most one byte in flight, so the pipe never fills.
 * Jobs refused at submission (password too long) take the same path,
 * which is how their callback comes on the next turn and not at once.
 *
 * The queue may be bounded (password_pool_set_max_queued): `queued`
 * counts the jobs on it, under the mutex, and a job that would pass the
 * bound is refused at submission, before it is ever queued.
 *
 * Worker threads block every signal, so the process's signal handlers run
 * on the loop thread as the rest of quill expects.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/password.h"

#define HASH_THREAD_NICE 19

#define MAX_THREADS	64
#define ARGON2ID_PREFIX	"$argon2id$"

enum job_kind {
	JOB_HASH,
	JOB_VERIFY,
	JOB_DUMMY,		/* verify against the pool's dummy hash */
	JOB_REFUSED,		/* result known at submission */
};

enum job_state {
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_DONE,
	JOB_DELIVERING,
};

struct password_job {
	h2o_linklist_t		 link;		/* in pool->queue or pool->done */
	struct password_pool	*pool;
	enum job_kind		 kind;
	enum job_state		 state;
	int			 abandoned;
	password_cb		 cb;
	void			*arg;
	enum password_result	 result;
	bool			 needs_rehash;
	char			 str[crypto_pwhash_STRBYTES];	/* stored hash in, new hash out */
	size_t			 pwlen;
	char			 pw[];		/* the password copy, wiped after use */
};

struct password_pool {
	h2o_loop_t		*loop;
	struct password_params	 params;
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;		/* queue not empty, or stopping */
	h2o_linklist_t		 queue;		/* QUEUED jobs, FIFO */
	int			 queued;	/* jobs on queue */
	int			 max_queued;	/* 0: no bound */
	h2o_linklist_t		 done;		/* DONE jobs, in order of completion */
	int			 stopping;
	int			 wake_sent;	/* a byte is in the pipe, unread */
	int			 wake_wr;
	h2o_socket_t		*wake_sock;	/* the pipe's read end */
	pthread_t		*threads;
	int			 nthreads;
	int			 closing;	/* password_pool_free has begun */
	int			 in_callback;
	char			 dummy[crypto_pwhash_STRBYTES];
};

static void
params_fill(struct password_params *out, const struct password_params *p)
{
	out->opslimit = p != NULL && p->opslimit != 0 ? p->opslimit :
	    crypto_pwhash_OPSLIMIT_INTERACTIVE;
	out->memlimit = p != NULL && p->memlimit != 0 ? p->memlimit :
	    crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

static int
params_valid(const struct password_params *p)
{
	return p->opslimit >= crypto_pwhash_OPSLIMIT_MIN &&
	    p->opslimit <= crypto_pwhash_OPSLIMIT_MAX &&
	    p->memlimit >= crypto_pwhash_MEMLIMIT_MIN &&
	    p->memlimit <= crypto_pwhash_MEMLIMIT_MAX;
}

/* Returns 0, or -1 with errno set; libsodium's only runtime failure is memory. */
static int
hash_into(const struct password_params *p, const char *pw, size_t len,
    char out[crypto_pwhash_STRBYTES])
{
	if (crypto_pwhash_str_alg(out, pw, len, p->opslimit, p->memlimit,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		if (errno == 0)
			errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
password_hash_sync(const struct password_params *p, const char *password, size_t len,
    char out[crypto_pwhash_STRBYTES])
{
	struct password_params params;

	params_fill(&params, p);
	if (len > PASSWORD_MAX_LEN || !params_valid(&params)) {
		errno = EINVAL;
		return -1;
	}
	return hash_into(&params, password, len, out);
}

/* Jobs. */

static void
job_free(struct password_job *job)
{
	sodium_memzero(job->pw, job->pwlen);
	free(job);
}

/* Worker side: computes the job's result; the job is RUNNING, not locked. */
static void
job_run(struct password_pool *pool, struct password_job *job)
{
	const char *stored;
	int rehash;

	switch (job->kind) {
	case JOB_HASH:
		job->result = hash_into(&pool->params, job->pw, job->pwlen, job->str) == 0 ?
		    PASSWORD_OK : PASSWORD_ERROR;
		break;
	case JOB_VERIFY:
	case JOB_DUMMY:
		stored = job->kind == JOB_DUMMY ? pool->dummy : job->str;
		if (crypto_pwhash_str_verify(stored, job->pw, job->pwlen) == 0) {
			job->result = PASSWORD_OK;
			rehash = crypto_pwhash_str_needs_rehash(stored, pool->params.opslimit,
			    pool->params.memlimit);
			/* argon2i hashes verify too, but we want them replaced */
			job->needs_rehash = rehash != 0 ||
			    strncmp(stored, ARGON2ID_PREFIX, strlen(ARGON2ID_PREFIX)) != 0;
		} else if (crypto_pwhash_str_needs_rehash(stored, pool->params.opslimit,
		    pool->params.memlimit) < 0)
			job->result = PASSWORD_ERROR;	/* not a hash libsodium can read */
		else
			job->result = PASSWORD_MISMATCH;
		if (job->kind == JOB_DUMMY) {
			job->result = PASSWORD_MISMATCH;
			job->needs_rehash = false;
		}
		break;
	case JOB_REFUSED:
		break;
	}
	sodium_memzero(job->pw, job->pwlen);
}

/* Tells the loop there is something on done; called with the lock held. */
static void
wake_loop(struct password_pool *pool)
{
	ssize_t n;

	if (pool->wake_sent)
		return;
	pool->wake_sent = 1;
	do
		n = write(pool->wake_wr, "", 1);
	while (n < 0 && errno == EINTR);
	/* with at most one unread byte the pipe cannot be full, so no EAGAIN */
}

static void *
worker_main(void *arg)
{
	struct password_pool *pool = arg;
	struct password_job *job;

	/*
	 * Hashing is the one thing here that may wait: at the lowest
	 * priority (Linux sets nice per thread), a burst of logins takes
	 * only the CPU the event loops and PostgreSQL leave, so the fast
	 * routes keep their latency.  Failing to lower it changes nothing else.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), HASH_THREAD_NICE);
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->stopping && h2o_linklist_is_empty(&pool->queue))
			pthread_cond_wait(&pool->work, &pool->lock);
		if (pool->stopping)
			break;
		job = H2O_STRUCT_FROM_MEMBER(struct password_job, link, pool->queue.next);
		h2o_linklist_unlink(&job->link);
		pool->queued--;
		job->state = JOB_RUNNING;
		pthread_mutex_unlock(&pool->lock);

		job_run(pool, job);

		pthread_mutex_lock(&pool->lock);
		if (job->abandoned) {
			job_free(job);
			continue;
		}
		job->state = JOB_DONE;
		h2o_linklist_insert(&pool->done, &job->link);
		wake_loop(pool);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* Loop side. */

static void
job_deliver(struct password_pool *pool, struct password_job *job, enum password_result r)
{
	job->state = JOB_DELIVERING;
	pool->in_callback++;
	job->cb(job->arg, r, job->kind == JOB_HASH && r == PASSWORD_OK ? job->str : NULL,
	    r == PASSWORD_OK && job->needs_rehash);
	pool->in_callback--;
	job_free(job);
}

/*
 * Runs the callbacks of a batch taken off done.  A callback may abandon a
 * job still in the batch, which unlinks and frees it, so each job is taken
 * off the batch before its callback runs.
 */
static void
deliver_batch(struct password_pool *pool, h2o_linklist_t *batch, int cancelled)
{
	struct password_job *job;

	while (!h2o_linklist_is_empty(batch)) {
		job = H2O_STRUCT_FROM_MEMBER(struct password_job, link, batch->next);
		h2o_linklist_unlink(&job->link);
		job_deliver(pool, job, cancelled ? PASSWORD_CANCELLED : job->result);
	}
}

static void
on_wake(h2o_socket_t *sock, const char *err)
{
	struct password_pool *pool = sock->data;
	h2o_linklist_t batch;
	char buf[64];
	ssize_t n;

	do
		n = read(h2o_socket_get_fd(sock), buf, sizeof buf);
	while (n > 0 || (n < 0 && errno == EINTR));

	h2o_linklist_init_anchor(&batch);
	pthread_mutex_lock(&pool->lock);
	pool->wake_sent = 0;
	h2o_linklist_insert_list(&batch, &pool->done);
	pthread_mutex_unlock(&pool->lock);
	deliver_batch(pool, &batch, 0);
}

/*
 * Queues a job, or puts a refused one straight on done for the next turn.
 * Returns 0, or -1 with errno EAGAIN (the job untouched, the caller frees
 * it) when the queue is full.
 */
static int
job_submit(struct password_pool *pool, struct password_job *job)
{
	int rv = 0;

	pthread_mutex_lock(&pool->lock);
	if (job->kind == JOB_REFUSED) {
		job->state = JOB_DONE;
		h2o_linklist_insert(&pool->done, &job->link);
		wake_loop(pool);
	} else if (pool->max_queued > 0 && pool->queued >= pool->max_queued) {
		rv = -1;
	} else {
		job->state = JOB_QUEUED;
		h2o_linklist_insert(&pool->queue, &job->link);
		pool->queued++;
		pthread_cond_signal(&pool->work);
	}
	pthread_mutex_unlock(&pool->lock);
	if (rv != 0)
		errno = EAGAIN;
	return rv;
}

/* Submits a new job; NULL (errno EAGAIN) after freeing it when the queue is full. */
static struct password_job *
job_submit_or_free(struct password_pool *pool, struct password_job *job)
{
	if (job_submit(pool, job) != 0) {
		job_free(job);
		errno = EAGAIN;
		return NULL;
	}
	return job;
}

static struct password_job *
job_new(struct password_pool *pool, enum job_kind kind, const char *pw, size_t len,
    password_cb cb, void *arg)
{
	struct password_job *job;

	if (pool->closing) {
		errno = ECANCELED;
		return NULL;
	}
	if (len > PASSWORD_MAX_LEN) {
		kind = JOB_REFUSED;
		len = 0;
	}
	if ((job = calloc(1, sizeof *job + len)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	job->pool = pool;
	job->kind = kind;
	job->cb = cb;
	job->arg = arg;
	job->result = PASSWORD_ERROR;
	job->pwlen = len;
	if (len > 0)
		memcpy(job->pw, pw, len);
	return job;
}

struct password_job *
password_hash_async(struct password_pool *pool, const char *password, size_t len,
    password_cb cb, void *arg)
{
	struct password_job *job;

	if ((job = job_new(pool, JOB_HASH, password, len, cb, arg)) == NULL)
		return NULL;
	return job_submit_or_free(pool, job);
}

struct password_job *
password_verify_async(struct password_pool *pool, const char *stored_hash,
    const char *password, size_t len, password_cb cb, void *arg)
{
	struct password_job *job;
	size_t slen;

	if ((job = job_new(pool, stored_hash == NULL ? JOB_DUMMY : JOB_VERIFY,
	    password, len, cb, arg)) == NULL)
		return NULL;
	if (job->kind == JOB_VERIFY) {
		slen = strlen(stored_hash);
		if (slen >= sizeof job->str) {
			/* no argon2 hash is this long: refuse without hashing */
			sodium_memzero(job->pw, job->pwlen);
			job->kind = JOB_REFUSED;
		} else
			memcpy(job->str, stored_hash, slen + 1);
	}
	return job_submit_or_free(pool, job);
}

void
password_job_abandon(struct password_job *job)
{
	struct password_pool *pool;

	if (job == NULL)
		return;
	pool = job->pool;
	pthread_mutex_lock(&pool->lock);
	switch (job->state) {
	case JOB_QUEUED:
	case JOB_DONE:
		/* on queue, done or a batch being delivered: ours to free */
		if (job->state == JOB_QUEUED)
			pool->queued--;
		h2o_linklist_unlink(&job->link);
		job_free(job);
		break;
	case JOB_RUNNING:
		job->abandoned = 1;	/* the worker frees it when the hash ends */
		break;
	case JOB_DELIVERING:
		break;			/* freed when its callback returns */
	}
	pthread_mutex_unlock(&pool->lock);
}

/* Pool. */

static int
wake_open(struct password_pool *pool)
{
	int fds[2];

	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	pool->wake_wr = fds[1];
	pool->wake_sock = h2o_evloop_socket_create(pool->loop, fds[0],
	    H2O_SOCKET_FLAG_DONT_READ);
	pool->wake_sock->data = pool;
	h2o_socket_read_start(pool->wake_sock, on_wake);
	return 0;
}

static void
wake_close(struct password_pool *pool)
{
	h2o_socket_read_stop(pool->wake_sock);
	h2o_socket_close(pool->wake_sock);	/* closes the read end */
	close(pool->wake_wr);
}

/* Starts the threads with every signal blocked; returns 0 or an errno value. */
static int
threads_start(struct password_pool *pool, int n)
{
	sigset_t all, old;
	int error = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (pool->nthreads = 0; pool->nthreads < n; pool->nthreads++)
		if ((error = pthread_create(&pool->threads[pool->nthreads], NULL,
		    worker_main, pool)) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return error;
}

/* Stops and joins the threads; each finishes the hash it is running. */
static void
threads_stop(struct password_pool *pool)
{
	int i;

	pthread_mutex_lock(&pool->lock);
	pool->stopping = 1;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pool->nthreads = 0;
}

/* Makes the hash unknown users are checked against, from a random password. */
static int
dummy_make(struct password_pool *pool)
{
	unsigned char pw[32];
	int rv;

	randombytes_buf(pw, sizeof pw);
	rv = hash_into(&pool->params, (const char *)pw, sizeof pw, pool->dummy);
	sodium_memzero(pw, sizeof pw);
	return rv;
}

struct password_pool *
password_pool_new(h2o_loop_t *loop, int threads, const struct password_params *p)
{
	struct password_pool *pool;
	int error;

	if (threads == 0)
		threads = 1;
	if (threads < 0 || threads > MAX_THREADS) {
		errno = EINVAL;
		return NULL;
	}
	if ((pool = calloc(1, sizeof *pool)) == NULL)
		return NULL;
	pool->loop = loop;
	params_fill(&pool->params, p);
	h2o_linklist_init_anchor(&pool->queue);
	h2o_linklist_init_anchor(&pool->done);
	if (!params_valid(&pool->params)) {
		free(pool);
		errno = EINVAL;
		return NULL;
	}
	if (dummy_make(pool) != 0) {
		free(pool);
		return NULL;
	}
	if ((pool->threads = calloc(threads, sizeof *pool->threads)) == NULL) {
		free(pool);
		return NULL;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	if (wake_open(pool) != 0)
		goto fail;
	if ((error = threads_start(pool, threads)) != 0) {
		threads_stop(pool);
		wake_close(pool);
		errno = error;
		goto fail;
	}
	return pool;
fail:
	error = errno;
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
	free(pool->threads);
	free(pool);
	errno = error;
	return NULL;
}

void
password_pool_set_max_queued(struct password_pool *pool, int max)
{
	pthread_mutex_lock(&pool->lock);
	pool->max_queued = max > 0 ? max : 0;
	pthread_mutex_unlock(&pool->lock);
}

const struct password_params *
password_pool_params(const struct password_pool *pool)
{
	return &pool->params;
}

void
password_pool_free(struct password_pool *pool)
{
	h2o_linklist_t batch;

	if (pool == NULL)
		return;
	/* on_wake would go on walking a freed pool */
	if (pool->in_callback > 0)
		fatalx("password_pool_free called from a password callback");
	pool->closing = 1;
	threads_stop(pool);

	/* Alone now: what finished first, then what never started. */
	h2o_linklist_init_anchor(&batch);
	h2o_linklist_insert_list(&batch, &pool->done);
	h2o_linklist_insert_list(&batch, &pool->queue);
	deliver_batch(pool, &batch, 1);

	wake_close(pool);
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
	sodium_memzero(pool->dummy, sizeof pool->dummy);
	free(pool->threads);
	free(pool);
}
