/*
 * password: argon2id password hashing off a worker's h2o event loop.
 *
 * Hashing a password on purpose costs tens of milliseconds of CPU and
 * tens of megabytes; doing it on the HTTP loop would stall every other
 * request of the worker.  A pool owns a few POSIX threads that hash and
 * verify (libsodium crypto_pwhash_str_alg with argon2id, and
 * crypto_pwhash_str_verify) at the lowest CPU priority (nice 19), so
 * hashing uses what the loops leave; finished jobs come back to the loop
 * through a pipe the loop watches, and their callbacks run there.
 *
 * Guarantees:
 * - A callback runs on the loop thread, never inside password_*_async(),
 *   at most once, and exactly once unless the job is abandoned or the
 *   call that made it returned NULL.  Callbacks run in the order the jobs
 *   finished.
 * - The password is copied into the job and wiped (sodium_memzero) as
 *   soon as it has been hashed, or when the job is dropped unhashed.
 *   Nothing here logs a password or a hash.
 * - Verifying with a NULL stored hash (no such user) hashes against a
 *   dummy hash made when the pool was created, with the pool's
 *   parameters, and always reports PASSWORD_MISMATCH: an unknown user
 *   costs the same time as a wrong password.
 *
 * Rules for the caller:
 * - sodium_init() must have succeeded before any function here is used.
 * - A pool belongs to one process and one loop: make it after fork(),
 *   use it only from the loop's thread.
 * - password_pool_free() runs before h2o_evloop_destroy(), and not from
 *   inside one of the pool's callbacks; it closes an h2o socket, which
 *   libh2o releases on the loop's next turn.
 */
#ifndef QUILL_PASSWORD_H
#define QUILL_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <h2o.h>
#include <sodium.h>

/* Longest password accepted, in bytes; longer ones give PASSWORD_ERROR. */
#define PASSWORD_MAX_LEN	4096

struct password_params {
	unsigned long long	opslimit;	/* 0: crypto_pwhash_OPSLIMIT_INTERACTIVE */
	size_t			memlimit;	/* 0: crypto_pwhash_MEMLIMIT_INTERACTIVE */
};

enum password_result {
	PASSWORD_OK,		/* hashed, or the password matched */
	PASSWORD_MISMATCH,	/* wrong password, or unknown user */
	PASSWORD_ERROR,		/* password too long, stored hash unreadable, out of memory */
	PASSWORD_CANCELLED,	/* the pool was freed before the callback ran */
};

/*
 * hash: for a hash job with PASSWORD_OK, the new NUL-terminated hash,
 * valid only during the call (copy it); NULL otherwise.
 * needs_rehash: for a verify job with PASSWORD_OK, whether the stored
 * hash was made with other parameters or another algorithm than the
 * pool's, so the caller should store a fresh hash; false otherwise.
 */
typedef void (*password_cb)(void *arg, enum password_result r, const char *hash,
    bool needs_rehash);

struct password_pool;
struct password_job;

/*
 * threads: worker threads, 0 for 1.  p may be NULL for the defaults.
 * Hashes the dummy password synchronously (one hash's time), so make the
 * pool at start-up.  Returns NULL with errno set: EINVAL for parameters
 * libsodium refuses or threads outside 0..64, else what failed.
 */
struct password_pool *password_pool_new(h2o_loop_t *loop, int threads,
    const struct password_params *p);

/*
 * Stops the threads and joins them, waiting for at most the hashes they
 * are running (one hash time).  Every job not yet delivered and not
 * abandoned then gets its callback, inside this call, with
 * PASSWORD_CANCELLED: even one whose hash had finished.  Such a callback
 * may abandon other jobs; new jobs it asks for are refused (NULL).
 * pool may be NULL.
 */
void password_pool_free(struct password_pool *pool);

/*
 * Bounds the jobs waiting for a thread (not those running) at max; 0,
 * the default, leaves the queue unbounded.  A bounded queue makes a
 * burst of logins wait at most max hashes' time per thread, and refuses
 * the rest at once (EAGAIN below) instead of letting them pile up.
 */
void password_pool_set_max_queued(struct password_pool *pool, int max);

/* The parameters the pool hashes with (defaults filled in). */
const struct password_params *password_pool_params(const struct password_pool *pool);

/*
 * Both copy their inputs and return a handle valid until the callback has
 * run or password_job_abandon() was called.  They return NULL, and the
 * callback is then never called, when memory ran out (errno ENOMEM), the
 * pool is being freed (ECANCELED) or its queue holds max_queued jobs
 * already (EAGAIN).  A password longer than PASSWORD_MAX_LEN, or a stored hash
 * longer than any hash can be, gives PASSWORD_ERROR on the next turn of
 * the loop.
 *
 * Verify results: OK (needs_rehash set), MISMATCH for a wrong password or
 * a NULL stored_hash, ERROR for a stored hash libsodium cannot parse
 * (garbage, empty, not argon2) or when memory ran out.
 */
struct password_job *password_hash_async(struct password_pool *pool, const char *password,
    size_t len, password_cb cb, void *arg);
struct password_job *password_verify_async(struct password_pool *pool, const char *stored_hash,
    const char *password, size_t len, password_cb cb, void *arg);

/*
 * The callback will never be called; the job's memory is released by
 * whichever thread is done with it last.  Loop thread only.  Calling it
 * from inside the job's own callback does nothing.
 */
void password_job_abandon(struct password_job *job);

/*
 * Hashes on the calling thread (for quillctl user add).  p may be NULL for
 * the defaults.  Returns 0, or -1 with errno set (EINVAL: password longer
 * than PASSWORD_MAX_LEN or bad parameters; ENOMEM).
 */
int password_hash_sync(const struct password_params *p, const char *password, size_t len,
    char out[crypto_pwhash_STRBYTES]);

#endif
