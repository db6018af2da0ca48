/*
 * ws-client: the smallest WebSocket client the integration tests need, to
 * drive quill-testd's echo route directly and through quill-gatewayd.
 *
 *   ws-client HOST PORT PATH [-H "Name: value"]... [--] MESSAGE...
 *
 * It sends the HTTP/1.1 upgrade request (with the extra headers, such as
 * an Authorization: Bearer token) and prints the response's status code on
 * the first line.  On 101 it checks Sec-WebSocket-Accept, sends each
 * MESSAGE as one masked text frame, reads one message back and prints it
 * on its own line, then closes and waits for the server's close frame.
 * Any other status: the response body, if any, goes on the second line.
 *
 * Exit status: 0 when every message came back unchanged and the close was
 * answered, 1 otherwise (also after 5 seconds, whatever it is doing), 2
 * on a usage error.  No libh2o here: the client must not share the code
 * it tests.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <sodium.h>

#define TIMEOUT_S 5
#define MAX_HEADERS 32
#define HEAD_MAX 16384
#define FRAME_MAX (16 * 1024 * 1024)
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum {
	OP_CONT = 0x0,
	OP_TEXT = 0x1,
	OP_BINARY = 0x2,
	OP_CLOSE = 0x8,
	OP_PING = 0x9,
	OP_PONG = 0xa,
};

/* What was read past the response head: the start of the body or of the first frame. */
static unsigned char inbuf[HEAD_MAX];
static size_t inlen, inpos;
static int sock = -1;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ws-client: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "ws-client: timed out\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ws-client HOST PORT PATH [-H \"Name: value\"]... [--] MESSAGE...\n");
	exit(2);
}

static int
connect_to(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		die("%s:%s: %s", host, port, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		die("cannot connect to %s:%s: %s", host, port, strerror(errno));
	return fd;
}

static void
write_all(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(sock, p, len, MSG_NOSIGNAL);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write: %s", n == 0 ? "nothing written" : strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Up to len bytes, what is buffered first; 0 at end of stream. */
static size_t
read_some(void *buf, size_t len)
{
	ssize_t n;

	if (inpos < inlen) {
		n = (ssize_t)(inlen - inpos < len ? inlen - inpos : len);
		memcpy(buf, inbuf + inpos, (size_t)n);
		inpos += (size_t)n;
		return (size_t)n;
	}
	while ((n = recv(sock, buf, len, 0)) == -1 && errno == EINTR)
		;
	if (n == -1)
		die("read: %s", strerror(errno));
	return (size_t)n;
}

/* Exactly len bytes, or 0 when the stream ends first. */
static int
read_exact(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		size_t n = read_some(p, len);

		if (n == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

/* Reads up to the blank line; leaves what follows in inbuf.  Returns the head's length. */
static size_t
read_head(void)
{
	unsigned char *end;

	for (;;) {
		ssize_t n;

		if ((end = memmem(inbuf, inlen, "\r\n\r\n", 4)) != NULL)
			break;
		if (inlen == sizeof(inbuf))
			die("response head larger than %d bytes", HEAD_MAX);
		while ((n = recv(sock, inbuf + inlen, sizeof(inbuf) - inlen, 0)) == -1 && errno == EINTR)
			;
		if (n == -1)
			die("read: %s", strerror(errno));
		if (n == 0)
			die("connection closed before the response head ended");
		inlen += (size_t)n;
	}
	inpos = (size_t)(end - inbuf) + 4;
	return inpos;
}

/* The value of a response header (NUL-terminated, in a static buffer), or NULL. */
static const char *
head_header(const char *head, const char *name)
{
	static char value[512];
	size_t nlen = strlen(name);
	const char *line = strstr(head, "\r\n");

	while (line != NULL && line[2] != '\r') {
		const char *p = line + 2, *eol = strstr(p, "\r\n");

		if (eol == NULL)
			break;
		if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			size_t len;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			len = (size_t)(eol - v);
			while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			if (len >= sizeof(value))
				len = sizeof(value) - 1;
			memcpy(value, v, len);
			value[len] = '\0';
			return value;
		}
		line = eol;
	}
	return NULL;
}

/* A line of a chunked body (the chunk size), without its CRLF. */
static int
read_line(char *buf, size_t size)
{
	size_t len = 0;
	char c;

	while (read_exact(&c, 1)) {
		if (c == '\n') {
			if (len > 0 && buf[len - 1] == '\r')
				len--;
			buf[len] = '\0';
			return 1;
		}
		if (len + 1 < size)
			buf[len++] = c;
	}
	return 0;
}

/* Prints a refused upgrade's body (Content-Length, chunked, or up to the end) on one line. */
static void
print_body(const char *head, int status)
{
	const char *cl = head_header(head, "Content-Length");
	const char *te = head_header(head, "Transfer-Encoding");
	unsigned char buf[4096];
	size_t n, total = 0;

	if (status == 204 || status == 304)
		return;
	if (te != NULL && strcasestr(te, "chunked") != NULL) {
		char line[64];
		unsigned long size;

		while (read_line(line, sizeof(line)) && (size = strtoul(line, NULL, 16)) > 0) {
			while (size > 0 && (n = read_some(buf, size < sizeof(buf) ? size : sizeof(buf))) > 0) {
				fwrite(buf, 1, n, stdout);
				size -= n;
				total += n;
			}
			read_line(line, sizeof(line));
		}
	} else if (cl != NULL) {
		unsigned long left = strtoul(cl, NULL, 10);

		while (left > 0 && (n = read_some(buf, left < sizeof(buf) ? left : sizeof(buf))) > 0) {
			fwrite(buf, 1, n, stdout);
			left -= n;
			total += n;
		}
	} else {
		while ((n = read_some(buf, sizeof(buf))) > 0) {
			fwrite(buf, 1, n, stdout);
			total += n;
		}
	}
	if (total > 0)
		fputc('\n', stdout);
}

/* One frame from us: FIN set, always masked (RFC 6455 5.3). */
static void
send_frame(int opcode, const void *payload, size_t len)
{
	unsigned char hdr[14], mask[4], *masked;
	size_t h = 0;

	hdr[h++] = (unsigned char)(0x80 | opcode);
	if (len < 126)
		hdr[h++] = (unsigned char)(0x80 | len);
	else if (len <= 0xffff) {
		hdr[h++] = 0x80 | 126;
		hdr[h++] = (unsigned char)(len >> 8);
		hdr[h++] = (unsigned char)len;
	} else {
		hdr[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			hdr[h++] = (unsigned char)((uint64_t)len >> (8 * i));
	}
	randombytes_buf(mask, sizeof(mask));
	memcpy(hdr + h, mask, sizeof(mask));
	h += sizeof(mask);
	if ((masked = malloc(len + 1)) == NULL)
		die("out of memory");
	for (size_t i = 0; i < len; i++)
		masked[i] = ((const unsigned char *)payload)[i] ^ mask[i % 4];
	write_all(hdr, h);
	write_all(masked, len);
	free(masked);
}

/*
 * One frame from the server into a malloc'd payload.  Returns its opcode,
 * or -1 when the connection ended.
 */
static int
read_frame(unsigned char **payload, size_t *len, int *fin)
{
	unsigned char hdr[2], ext[8], mask[4];
	uint64_t n;

	if (!read_exact(hdr, 2))
		return -1;
	*fin = (hdr[0] & 0x80) != 0;
	n = hdr[1] & 0x7f;
	if (n == 126) {
		if (!read_exact(ext, 2))
			return -1;
		n = (uint64_t)ext[0] << 8 | ext[1];
	} else if (n == 127) {
		if (!read_exact(ext, 8))
			return -1;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | ext[i];
	}
	if (n > FRAME_MAX)
		die("a frame of %llu bytes is more than this client takes", (unsigned long long)n);
	/* A server must not mask; unmask anyway rather than misread. */
	if ((hdr[1] & 0x80) && !read_exact(mask, 4))
		return -1;
	if ((*payload = malloc((size_t)n + 1)) == NULL)
		die("out of memory");
	if (!read_exact(*payload, (size_t)n)) {
		free(*payload);
		return -1;
	}
	if (hdr[1] & 0x80)
		for (uint64_t i = 0; i < n; i++)
			(*payload)[i] ^= mask[i % 4];
	*len = (size_t)n;
	return hdr[0] & 0x0f;
}

/*
 * The next data message, its fragments joined; answers pings on the way.
 * Returns its opcode, OP_CLOSE, or -1 when the connection ended.
 */
static int
read_message(unsigned char **msg, size_t *msglen)
{
	unsigned char *p;
	size_t len;
	int op, fin, msgop = -1;

	*msg = NULL;
	*msglen = 0;
	for (;;) {
		if ((op = read_frame(&p, &len, &fin)) == -1) {
			free(*msg);
			*msg = NULL;
			return -1;
		}
		if (op == OP_PING) {
			send_frame(OP_PONG, p, len);
			free(p);
			continue;
		}
		if (op == OP_PONG) {
			free(p);
			continue;
		}
		if (op == OP_CLOSE) {
			free(p);
			free(*msg);
			*msg = NULL;
			return OP_CLOSE;
		}
		if (op != OP_CONT)
			msgop = op;
		if ((*msg = realloc(*msg, *msglen + len + 1)) == NULL)
			die("out of memory");
		memcpy(*msg + *msglen, p, len);
		*msglen += len;
		free(p);
		if (fin)
			return msgop;
	}
}

/* base64(SHA-1(key + GUID)), RFC 6455 4.2.2. */
static void
expected_accept(const char *key, char out[29])
{
	unsigned char digest[SHA_DIGEST_LENGTH];
	char src[64];

	snprintf(src, sizeof(src), "%s%s", key, WS_GUID);
	SHA1((const unsigned char *)src, strlen(src), digest);
	sodium_bin2base64(out, 29, digest, sizeof(digest), sodium_base64_VARIANT_ORIGINAL);
}

int
main(int argc, char **argv)
{
	const char *host, *port, *path, *headers[MAX_HEADERS], *accept;
	char **messages, key[25], want[29], req[HEAD_MAX];
	unsigned char nonce[16], normal[2] = { 1000 >> 8, 1000 & 0xff };
	int nheaders = 0, nmessages = 0, status, failed = 0, reqlen;
	size_t headlen;
	static char head[HEAD_MAX + 1];
	struct sigaction sa;

	if (argc < 4)
		usage();
	host = argv[1];
	port = argv[2];
	path = argv[3];
	/* The messages are gathered in place: argv[4...] is only ever read ahead of the writes. */
	messages = argv + 4;
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (++i < argc)
				messages[nmessages++] = argv[i];
			break;
		}
		if (strcmp(argv[i], "-H") == 0) {
			if (i + 1 == argc || nheaders == MAX_HEADERS || strchr(argv[i + 1], ':') == NULL)
				usage();
			headers[nheaders++] = argv[++i];
		} else
			messages[nmessages++] = argv[i];
	}
	if (sodium_init() < 0)
		die("libsodium cannot start");

	/* Whatever it waits for, a test never waits longer than this. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(TIMEOUT_S);
	/* Lines already printed must survive the alarm's _exit. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	sock = connect_to(host, port);
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2base64(key, sizeof(key), nonce, sizeof(nonce), sodium_base64_VARIANT_ORIGINAL);
	reqlen = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", path, host, port, key);
	for (int i = 0; i < nheaders && reqlen < (int)sizeof(req); i++)
		reqlen += snprintf(req + reqlen, sizeof(req) - (size_t)reqlen, "%s\r\n", headers[i]);
	if (reqlen + 2 >= (int)sizeof(req))
		die("request head larger than %zu bytes", sizeof(req));
	memcpy(req + reqlen, "\r\n", 2);
	write_all(req, (size_t)reqlen + 2);

	headlen = read_head();
	memcpy(head, inbuf, headlen);
	head[headlen] = '\0';
	if (sscanf(head, "HTTP/1.%*c %d", &status) != 1)
		die("not an HTTP response: %.40s", head);
	printf("%d\n", status);
	if (status != 101) {
		print_body(head, status);
		return 1;
	}
	expected_accept(key, want);
	if ((accept = head_header(head, "Sec-WebSocket-Accept")) == NULL || strcmp(accept, want) != 0) {
		fprintf(stderr, "ws-client: Sec-WebSocket-Accept is %s, want %s\n", accept ? accept : "missing", want);
		return 1;
	}

	for (int i = 0; i < nmessages; i++) {
		unsigned char *msg;
		size_t len, sent = strlen(messages[i]);
		int op;

		send_frame(OP_TEXT, messages[i], sent);
		if ((op = read_message(&msg, &len)) == -1 || op == OP_CLOSE) {
			fprintf(stderr, "ws-client: %s instead of the echo of message %d\n",
			    op == -1 ? "end of connection" : "close frame", i + 1);
			return 1;
		}
		fwrite(msg, 1, len, stdout);
		fputc('\n', stdout);
		if (op != OP_TEXT || len != sent || memcmp(msg, messages[i], len) != 0) {
			fprintf(stderr, "ws-client: echo of message %d differs (opcode %d)\n", i + 1, op);
			failed = 1;
		}
		free(msg);
	}

	/* Close with 1000 (normal), then wait for the server's close frame. */
	send_frame(OP_CLOSE, normal, sizeof(normal));
	for (;;) {
		unsigned char *msg;
		size_t len;
		int op = read_message(&msg, &len);

		if (op == OP_CLOSE)
			break;
		free(msg);
		if (op == -1) {
			fprintf(stderr, "ws-client: the connection ended without a close frame\n");
			return 1;
		}
	}
	close(sock);
	return failed;
}
