/*
 * listen: address parsing and listening sockets for the daemons.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/listen.h"

#define LISTEN_BACKLOG 1024

static int
parse_port(const char *s, in_port_t *port)
{
	char *end;
	long v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = htons((in_port_t)v);
	return 0;
}

int
listen_parse(const char *spec, struct listen_addr *out, char *err, size_t errsize)
{
	char host[128];
	const char *colon, *hstart, *hend;
	in_port_t port;

	memset(out, 0, sizeof(*out));
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&out->ss;
		const char *path = spec + 5;

		if (path[0] != '/' || strlen(path) >= sizeof(sun->sun_path)) {
			snprintf(err, errsize, "%s: a unix socket needs an absolute path shorter than %zu bytes",
			    spec, sizeof(sun->sun_path));
			return -1;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, path);
		out->len = sizeof(*sun);
		out->is_unix = 1;
		return 0;
	}
	if (spec[0] == '[') {
		hstart = spec + 1;
		hend = strchr(spec, ']');
		if (hend == NULL || hend[1] != ':') {
			snprintf(err, errsize, "%s: expected [address]:port", spec);
			return -1;
		}
		colon = hend + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL) {
			snprintf(err, errsize, "%s: expected host:port", spec);
			return -1;
		}
		hstart = spec;
		hend = colon;
	}
	if (parse_port(colon + 1, &port) != 0) {
		snprintf(err, errsize, "%s: port must be a number from 1 to 65535", spec);
		return -1;
	}
	if ((size_t)(hend - hstart) >= sizeof(host)) {
		snprintf(err, errsize, "%s: host too long", spec);
		return -1;
	}
	memcpy(host, hstart, (size_t)(hend - hstart));
	host[hend - hstart] = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (strcmp(host, "*") == 0 || host[0] == '\0')
		strcpy(host, "0.0.0.0");

	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		out->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		out->len = sizeof(*sin6);
	} else {
		snprintf(err, errsize, "%s: \"%s\" is not a numeric IPv4 or IPv6 address", spec, host);
		return -1;
	}
	return 0;
}

/* Removes a stale unix socket file left by a daemon that did not exit cleanly. */
static void
unlink_stale_socket(const struct listen_addr *a)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->ss;
	struct stat st;
	int probe;

	if (stat(sun->sun_path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe == -1)
		return;
	/* Someone still accepting there: leave it, bind will report the conflict. */
	if (connect(probe, (const struct sockaddr *)sun, a->len) != 0 && errno == ECONNREFUSED)
		unlink(sun->sun_path);
	close(probe);
}

int
listen_open(const char *spec, char *err, size_t errsize)
{
	struct listen_addr a;
	int fd, on = 1;

	if (listen_parse(spec, &a, err, errsize) != 0)
		return -1;
	fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errsize, "%s: socket: %s", spec, strerror(errno));
		return -1;
	}
	if (a.is_unix)
		unlink_stale_socket(&a);
	else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if (a.ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	}
	if (bind(fd, (struct sockaddr *)&a.ss, a.len) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
		snprintf(err, errsize, "%s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
