/*
 * listen: turns a configured address into a listening socket.
 *
 * Forms: "host:port", "[v6addr]:port", "*:port" (all IPv4 addresses) and
 * "unix:/path".  The master opens the socket before it forks, so every
 * worker accepts from one shared queue: a worker that dies or drains never
 * strands connections waiting in a queue of its own.
 */
#ifndef QUILL_LISTEN_H
#define QUILL_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	int is_unix;
};

/* Parses without resolving names other than numeric addresses and "localhost". 0 or -1 with err. */
int listen_parse(const char *spec, struct listen_addr *out, char *err, size_t errsize);
/*
 * Returns a non-blocking, close-on-exec listening socket, or -1 with a
 * message such as "127.0.0.1:8000: Address already in use" in err.
 */
int listen_open(const char *spec, char *err, size_t errsize);

#endif
