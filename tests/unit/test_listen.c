/* Unit tests for lib/listen: address forms, refusals, and a port already in use. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/listen.h"
#include "tests/unit/tap.h"

int
main(void)
{
	struct listen_addr a;
	char err[256], spec[64], sockspec[64];
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int fd, fd2;

	ok(listen_parse("127.0.0.1:8000", &a, err, sizeof(err)) == 0 && a.ss.ss_family == AF_INET, "IPv4");
	ok(ntohs(((struct sockaddr_in *)&a.ss)->sin_port) == 8000, "port kept");
	ok(listen_parse("[::1]:8001", &a, err, sizeof(err)) == 0 && a.ss.ss_family == AF_INET6, "IPv6 in brackets");
	ok(listen_parse("*:8002", &a, err, sizeof(err)) == 0 && a.ss.ss_family == AF_INET, "wildcard");
	ok(listen_parse("localhost:8003", &a, err, sizeof(err)) == 0, "localhost");
	ok(listen_parse("unix:/tmp/q.sock", &a, err, sizeof(err)) == 0 && a.is_unix, "unix socket");

	ok(listen_parse("127.0.0.1", &a, err, sizeof(err)) == -1, "missing port refused");
	ok(strstr(err, "host:port") != NULL, "message says what was expected");
	ok(listen_parse("127.0.0.1:0", &a, err, sizeof(err)) == -1, "port 0 refused");
	ok(listen_parse("127.0.0.1:65536", &a, err, sizeof(err)) == -1, "port above 65535 refused");
	ok(listen_parse("127.0.0.1:80x", &a, err, sizeof(err)) == -1, "port with garbage refused");
	ok(listen_parse("example.com:80", &a, err, sizeof(err)) == -1, "names are not resolved");
	ok(listen_parse("[::1:80", &a, err, sizeof(err)) == -1, "unterminated bracket refused");
	ok(listen_parse("unix:relative.sock", &a, err, sizeof(err)) == -1, "relative unix path refused");

	fd = listen_open("127.0.0.1:0", err, sizeof(err));
	ok(fd == -1, "listen_open validates like listen_parse");
	/* Take a free port from the kernel, then ask for it again. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	listen(fd, 1);
	getsockname(fd, (struct sockaddr *)&sin, &slen);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", ntohs(sin.sin_port));
	fd2 = listen_open(spec, err, sizeof(err));
	ok(fd2 == -1, "port in use is refused");
	ok(strstr(err, "Address already in use") != NULL && strstr(err, spec) != NULL,
	    "message names the address and the reason");
	close(fd);
	fd2 = listen_open(spec, err, sizeof(err));
	ok(fd2 >= 0, "the port is usable once free");
	close(fd2);

	snprintf(sockspec, sizeof(sockspec), "unix:/tmp/quill-test-listen.%d.sock", (int)getpid());
	unlink(sockspec + 5);
	fd = listen_open(sockspec, err, sizeof(err));
	ok(fd >= 0, "unix socket opened");
	close(fd);
	fd = listen_open(sockspec, err, sizeof(err));
	ok(fd >= 0, "stale unix socket file replaced");
	fd2 = listen_open(sockspec, err, sizeof(err));
	ok(fd2 == -1, "a live unix socket is not stolen");
	close(fd);
	unlink(sockspec + 5);
	return done_testing();
}
