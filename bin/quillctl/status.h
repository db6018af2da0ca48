/*
 * status: `quillctl status`, each daemon's master pid, its workers and
 * its readiness, and the OCR queue (bin/quillctl/status.c).
 */
#ifndef QUILLCTL_STATUS_H
#define QUILLCTL_STATUS_H

struct config;

/*
 * Prints one line per daemon (pid, workers, state: ready, not ready with
 * the /readyz status, not answering, running for a daemon without HTTP,
 * or not running) and the jobs in the spool's new/ and cur/.  Returns 0
 * when every daemon runs and is ready and the spool could be read, else 1.
 */
int status_print(const struct config *cfg);

#endif
