/*
 * daemon: the skeleton every quill program runs on, in the manner of
 * Postfix's single_server_main().  A program describes itself in a
 * struct daemon_def (its name, config section, routes) and calls
 * daemon_main(); command line, configuration, logging, the listening
 * socket, the pid file, privilege drop, the master and the workers' event
 * loops are all handled here, once, for every daemon.
 *
 * Command line: -c FILE (configuration, default SYSCONFDIR/quill.conf),
 * -t (check the configuration and exit), -h.
 */
#ifndef QUILL_DAEMON_H
#define QUILL_DAEMON_H

#include <h2o.h>

struct config;
struct pg_pool;
struct router;
struct http_server;
struct httpc;
struct verifier;

/* What one worker process has; handlers reach it through their request. */
struct worker {
	int slot;
	h2o_loop_t *loop;
	const struct config *cfg;
	const struct daemon_def *def;
	struct pg_pool *db;		/* NULL when the daemon has no database */
	struct http_server *http;	/* NULL when the daemon serves no HTTP */
	struct httpc *httpc;		/* outbound HTTP; NULL unless verify_tokens */
	struct verifier *verifier;	/* bearer tokens; NULL unless verify_tokens */
	void *app;			/* the daemon's own per-worker state */
};

struct daemon_def {
	const char *name;	/* program name: "quill-authd" */
	const char *section;	/* config section with listen, workers, database */
	int has_http;
	int has_database;
	/*
	 * Checks bearer tokens with lib/verifier (keys and revocations from
	 * quill-authd at [auth] url); routes call http_authenticate().
	 */
	int verify_tokens;
	/*
	 * The least time a query may take before it is given up, whatever
	 * [database] query_timeout says: for a daemon whose statements carry
	 * large results and that serves no client while they run.
	 */
	int min_query_timeout_ms;
	/*
	 * Adds the daemon's routes, in the master at start (a reload keeps
	 * them); /healthz, /readyz and /metrics come for free.  Metrics the
	 * daemon keeps are registered here too, before they are frozen.
	 */
	void (*add_routes)(struct router *r, const struct config *cfg);
	/*
	 * Optional: checks the daemon's own keys beyond what the key table
	 * can (a route's prefixes, a word the table keeps as free text),
	 * with no side effect.  Run by -t, and at start before anything else,
	 * so that what -t accepts also starts.  Returns 0, or -1 after
	 * writing one line saying why into err (exit status 78).
	 */
	int (*check_config)(const struct config *cfg, char *err, size_t errsize);
	/*
	 * Optional, in the master after privileges are dropped and before the
	 * workers fork: state every worker inherits.  Called again with the
	 * new configuration on SIGHUP, before the new workers fork.  Returns
	 * 0, or -1 after writing one line saying why into err (start-up then
	 * fails; a reload is refused and the running workers stay).
	 */
	int (*master_init)(const struct config *cfg, char *err, size_t errsize);
	/* Optional, in each worker once its loop and database pool exist. */
	int (*worker_init)(struct worker *w);
	/* Optional, in each worker after it has drained, before its pool is closed. */
	void (*worker_exit)(struct worker *w);
	/*
	 * Optional, for a daemon without HTTP: whether the worker is still in
	 * the middle of something, so that a drain waits for it (until the
	 * drain timeout) instead of ending at once.
	 */
	int (*worker_busy)(struct worker *w);
	/*
	 * Optional, in the master: a worker process has ended (crashed,
	 * killed or drained).  What it held can be taken back here.
	 */
	void (*worker_exited)(const struct config *cfg, pid_t pid);
	/*
	 * Optional, in the master, before worker_exited: a worker ended in
	 * the middle of the job it named with master_job_begin(), killed
	 * for running past [section] job_timeout (why is "timeout") or dead
	 * otherwise ("signal 6", "exit 1").  A daemon that sets it has a
	 * job_timeout key in its section; the key is read again on SIGHUP.
	 */
	void (*job_lost)(const struct config *cfg, pid_t pid, const char *job, const char *why);
	/*
	 * Optional: sees every response of a handler as it starts (one passed
	 * to libh2o's proxy or streamed by a handler included) and may add headers to it.
	 */
	void (*on_response)(h2o_req_t *req);
	/* Optional, in each worker: the TLS context the listener speaks, or NULL for cleartext. */
	SSL_CTX *(*tls_context)(void);
};

int daemon_main(int argc, char **argv, const struct daemon_def *def);

/* In a worker: whether it has been told to stop (drain) and should take no new work. */
int daemon_stopping(void);

#endif
