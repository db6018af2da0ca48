/*
 * httpc: libcurl's multi socket API driven by a worker's h2o loop.
 *
 * curl says through two callbacks what it waits for: which of its sockets
 * to watch for reading or writing (on_curl_socket) and when to run it on
 * a timer (on_curl_timer).  The loop watches those; when one fires we call
 * curl_multi_socket_action(), and afterwards curl_multi_info_read() names
 * the transfers that finished, whose callbacks then run.
 *
 * A request walks WAITING -> RUNNING -> DELIVERING and is freed after its
 * callback.  WAITING exists because curl refuses to be called into while
 * it runs one of our callbacks (CURLM_RECURSIVE_API_CALL), and on_data
 * runs inside curl: a request made from on_data waits on a list, and one
 * abandoned there, or failed by us there, goes on the settling list.
 * Both lists are settled as soon as curl_multi_socket_action() returns.
 *
 * What this file guarantees:
 * - The loop is never blocked: every socket is curl's non-blocking one,
 *   and curl is only run when the loop saw readiness or a timer expired.
 * - A callback runs at most once, from the loop, and never while curl is
 *   on the stack except for on_data; every callback but on_data runs
 *   after its transfer has left the multi handle, so it may make new
 *   requests and abandon any request, and the client survives it.
 *
 * Timers: curl asks for one timer of any length, an h2o_timeout_t has one
 * fixed length.  So a ladder of timeouts, 0 ms and 1 ms doubling to 8 s:
 * the timer goes on the longest rung that does not overshoot, and when it
 * fires curl_multi_timeout() says what is left, which goes on the next
 * rung down, until nothing is left and curl runs.  It never fires late,
 * and ten seconds cost about ten wakeups.  Asking curl rather than
 * keeping a deadline of our own matters: curl calls the timer callback
 * only when its next deadline changes, so running curl before that
 * deadline (the loop's clock is the time of its last poll, a little
 * behind) would otherwise lose the timer for good.
 *
 * Why h2o watches a duplicate of each curl socket: h2o closes the
 * descriptor it watches when the watch ends, and curl owns its sockets.
 * The duplicate also keeps a socket curl has closed alive until we let
 * it go, so h2o can always unregister it cleanly; and should curl reuse a
 * descriptor number without telling us, comparing inode numbers shows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/log.h"
#include "lib/httpc.h"

#define DEFAULT_TIMEOUT_MS	10000
#define DEFAULT_CONNECT_MS	3000
#define DEFAULT_MAX_RESPONSE	(1024 * 1024)
#define MAX_RESPONSE_CAP	(SIZE_MAX / 4)
#define RETRY_AFTER_MAX		64	/* an HTTP date is 29 bytes */
#define RUNGS			15	/* 0 ms, then 1 ms doubling to 8192 ms */

#define ERR_TIMEOUT	"timed out"
#define ERR_TOO_LARGE	"response too large"
#define ERR_ABORTED	"aborted"
#define ERR_CLOSED	"client closed"
#define ERR_NOMEM	"out of memory"
#define ERR_WATCH	"could not watch socket"

/* What a write callback returns to stop the transfer. */
#ifdef CURL_WRITEFUNC_ERROR
#define WRITE_STOP	CURL_WRITEFUNC_ERROR
#else
#define WRITE_STOP	0
#endif

enum call_state {
	CALL_WAITING,		/* made inside curl; not in the multi yet */
	CALL_RUNNING,		/* in the multi */
	CALL_DELIVERING,	/* out of the multi, callback running */
};

struct httpc_watch {
	h2o_linklist_t		 link;		/* in c->watches */
	struct httpc		*c;
	curl_socket_t		 fd;		/* curl's descriptor */
	h2o_socket_t		*sock;		/* watches a duplicate of fd */
	dev_t			 dev;		/* identity of the watched socket */
	ino_t			 ino;
	int			 want;		/* CURL_POLL_IN | CURL_POLL_OUT */
};

struct httpc_call {
	h2o_linklist_t		 link;		/* c->waiting, c->running or c->settling */
	struct httpc		*c;
	CURL			*easy;
	struct curl_slist	*headers;
	enum call_state		 state;
	int			 abandoned;
	httpc_done_cb		 cb;
	void			*arg;
	httpc_data_cb		 on_data;
	size_t			 max_response;
	size_t			 received;	/* body bytes so far, kept or not */
	char			*body;		/* NUL-terminated when not NULL */
	size_t			 body_len;
	size_t			 body_cap;
	const char		*err;		/* our reason, before curl's */
	int			 has_retry_after;
	char			 retry_after[RETRY_AFTER_MAX];
	char			 errbuf[CURL_ERROR_SIZE];
};

struct httpc {
	h2o_loop_t		*loop;
	CURLM			*multi;
	int			 in_curl;	/* curl_multi_socket_action on the stack */
	int			 in_timer;	/* our timer's callback on the stack */
	int			 in_callback;	/* a caller's callback on the stack */
	int			 closing;
	struct httpc_watch	*acting;	/* the watch being served, until freed */
	h2o_linklist_t		 waiting;
	h2o_linklist_t		 running;
	h2o_linklist_t		 settling;	/* to take out of the multi after curl returns */
	h2o_linklist_t		 watches;
	h2o_timeout_entry_t	 timer;
	h2o_timeout_t		 rung[RUNGS];
};

static void multi_action(struct httpc *, curl_socket_t, int);

static struct httpc_call *
call_of(CURL *easy)
{
	char *p = NULL;

	if (easy == NULL || curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p) != CURLE_OK)
		return NULL;
	return (struct httpc_call *)p;
}

/* Requests. */

/* The caller has taken call out of the multi, if it was in. */
static void
call_free(struct httpc_call *call)
{
	if (h2o_linklist_is_linked(&call->link))
		h2o_linklist_unlink(&call->link);
	if (call->easy != NULL)
		curl_easy_cleanup(call->easy);
	curl_slist_free_all(call->headers);
	free(call->body);
	free(call);
}

/* Runs the callback, unless abandoned, and frees the request. */
static void
call_deliver(struct httpc_call *call, const struct httpc_response *res, const char *err)
{
	struct httpc *c = call->c;

	if (!call->abandoned) {
		call->state = CALL_DELIVERING;
		c->in_callback++;
		call->cb(call->arg, res, err);
		c->in_callback--;
	}
	call_free(call);
}

/* Why a transfer that curl ended with code has no response. */
static const char *
call_failure(struct httpc_call *call, CURLcode code, char *buf, size_t size)
{
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return ERR_TIMEOUT;
	case CURLE_FILESIZE_EXCEEDED:
		return ERR_TOO_LARGE;
	case CURLE_OUT_OF_MEMORY:
		return ERR_NOMEM;
	default:
		return log_one_line(buf, size,
		    call->errbuf[0] != '\0' ? call->errbuf : curl_easy_strerror(code));
	}
}

/* Takes a running request out of the multi and hands over its outcome. */
static void
call_finish(struct httpc_call *call, CURLcode code)
{
	struct httpc_response res;
	const char *err = call->err;
	char buf[CURL_ERROR_SIZE];

	h2o_linklist_unlink(&call->link);
	curl_multi_remove_handle(call->c->multi, call->easy);
	if (err == NULL && code != CURLE_OK)
		err = call_failure(call, code, buf, sizeof buf);
	if (err != NULL) {
		call_deliver(call, NULL, err);
		return;
	}
	memset(&res, 0, sizeof res);
	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &res.status);
	res.body = call->body != NULL ? call->body : "";
	res.body_len = call->body_len;
	res.retry_after = call->has_retry_after ? call->retry_after : NULL;
	call_deliver(call, &res, NULL);
}

/*
 * Fails a running request from inside curl: it leaves the multi once
 * curl has returned.
 */
static void
call_fail_later(struct httpc_call *call, const char *err)
{
	if (call == NULL || call->state != CALL_RUNNING)
		return;
	if (call->err == NULL)
		call->err = err;
	h2o_linklist_unlink(&call->link);
	h2o_linklist_insert(&call->c->settling, &call->link);
}

static int
call_start(struct httpc_call *call)
{
	if (curl_multi_add_handle(call->c->multi, call->easy) != CURLM_OK)
		return -1;
	call->state = CALL_RUNNING;
	h2o_linklist_insert(&call->c->running, &call->link);
	return 0;
}

/* Room for len more body bytes and a NUL, within max_response + 1. */
static int
body_reserve(struct httpc_call *call, size_t len)
{
	size_t need = call->body_len + len + 1, cap;
	char *p;

	if (need <= call->body_cap)
		return 0;
	cap = call->body_cap > 0 ? call->body_cap : 4096;
	while (cap < need)
		cap *= 2;
	if (cap > call->max_response + 1)
		cap = call->max_response + 1;
	if ((p = realloc(call->body, cap)) == NULL)
		return -1;
	call->body = p;
	call->body_cap = cap;
	return 0;
}

static size_t
on_curl_body(char *data, size_t size, size_t n, void *arg)
{
	struct httpc_call *call = arg;
	struct httpc *c = call->c;
	size_t len = size * n;
	int r;

	if (call->abandoned)
		return WRITE_STOP;
	if (len > call->max_response - call->received) {
		call->err = ERR_TOO_LARGE;
		return WRITE_STOP;
	}
	call->received += len;
	if (call->on_data != NULL) {
		c->in_callback++;
		r = call->on_data(call->arg, data, len);
		c->in_callback--;
		if (call->abandoned)
			return WRITE_STOP;
		if (r != 0) {
			call->err = ERR_ABORTED;
			return WRITE_STOP;
		}
		return len;
	}
	if (body_reserve(call, len) != 0) {
		call->err = ERR_NOMEM;
		return WRITE_STOP;
	}
	memcpy(call->body + call->body_len, data, len);
	call->body_len += len;
	call->body[call->body_len] = '\0';
	return len;
}

/* Keeps the value of a Retry-After header, trimmed, cut to fit. */
static void
keep_retry_after(struct httpc_call *call, const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len >= sizeof call->retry_after)
		len = sizeof call->retry_after - 1;
	memcpy(call->retry_after, v, len);
	call->retry_after[len] = '\0';
	call->has_retry_after = 1;
}

static size_t
on_curl_header(char *line, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct httpc_call *call = arg;
	size_t len = size * n;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0)
		call->has_retry_after = 0;	/* a new response, after a 1xx */
	else if (len >= sizeof name - 1 && strncasecmp(line, name, sizeof name - 1) == 0)
		keep_retry_after(call, line + sizeof name - 1, len - (sizeof name - 1));
	return len;
}

/* Sockets. */

static void on_watch_readable(h2o_socket_t *, const char *);
static void on_watch_writable(h2o_socket_t *, const char *);

/* Makes h2o watch a duplicate of w->fd, which st describes. */
static int
watch_open(struct httpc_watch *w, const struct stat *st)
{
	int dupfd;

	if ((dupfd = fcntl(w->fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	w->sock = h2o_evloop_socket_create(w->c->loop, dupfd, H2O_SOCKET_FLAG_DONT_READ);
	w->sock->data = w;
	w->dev = st->st_dev;
	w->ino = st->st_ino;
	w->want = 0;
	return 0;
}

static void
watch_close(struct httpc_watch *w)
{
	if (w->sock != NULL) {
		h2o_socket_close(w->sock);
		w->sock = NULL;
	}
}

static void
watch_free(struct httpc_watch *w)
{
	if (w->c->acting == w)
		w->c->acting = NULL;
	watch_close(w);
	h2o_linklist_unlink(&w->link);
	free(w);
}

static struct httpc_watch *
watch_new(struct httpc *c, curl_socket_t fd, const struct stat *st)
{
	struct httpc_watch *w;

	if ((w = calloc(1, sizeof *w)) == NULL)
		return NULL;
	w->c = c;
	w->fd = fd;
	if (watch_open(w, st) != 0) {
		free(w);
		return NULL;
	}
	h2o_linklist_insert(&c->watches, &w->link);
	curl_multi_assign(c->multi, fd, w);
	return w;
}

/* Tells the loop what curl waits for on this socket now. */
static void
watch_interest(struct httpc_watch *w, int what)
{
	w->want = what;
	if ((what & CURL_POLL_IN) != 0) {
		if (!h2o_socket_is_reading(w->sock))
			h2o_socket_read_start(w->sock, on_watch_readable);
	} else if (h2o_socket_is_reading(w->sock))
		h2o_socket_read_stop(w->sock);
	/* A write notification cannot be withdrawn; a stale one is ignored. */
	if ((what & CURL_POLL_OUT) != 0 && !h2o_socket_is_writing(w->sock))
		h2o_socket_notify_write(w->sock, on_watch_writable);
}

static int
on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct httpc *c = arg;
	struct httpc_watch *w = sockp;
	struct stat st;

	if (what == CURL_POLL_REMOVE) {
		if (w != NULL)
			watch_free(w);
		return 0;
	}
	if (fstat(fd, &st) != 0)
		goto fail;
	if (w != NULL && (st.st_dev != w->dev || st.st_ino != w->ino)) {
		/* the number now names another socket */
		watch_close(w);
		if (watch_open(w, &st) != 0) {
			curl_multi_assign(c->multi, fd, NULL);
			watch_free(w);
			goto fail;
		}
	}
	if (w == NULL && (w = watch_new(c, fd, &st)) == NULL)
		goto fail;
	watch_interest(w, what);
	return 0;

fail:
	/* out of descriptors or memory: fail this request, not the whole multi */
	call_fail_later(call_of(easy), ERR_WATCH);
	return 0;
}

static void
on_watch_readable(h2o_socket_t *sock, const char *err)
{
	struct httpc_watch *w = sock->data;

	multi_action(w->c, w->fd, CURL_CSELECT_IN);
}

static void
on_watch_writable(h2o_socket_t *sock, const char *err)
{
	struct httpc_watch *w = sock->data;
	struct httpc *c = w->c;

	if ((w->want & CURL_POLL_OUT) == 0)
		return;		/* asked for before curl changed its mind */
	c->acting = w;
	multi_action(c, w->fd, CURL_CSELECT_OUT);
	/* notifications are one-shot; curl says nothing when it still wants one */
	if (c->acting == w && (w->want & CURL_POLL_OUT) != 0 &&
	    !h2o_socket_is_writing(w->sock))
		h2o_socket_notify_write(w->sock, on_watch_writable);
	c->acting = NULL;
}

/* Timers. */

static uint64_t
rung_ms(int i)
{
	return i == 0 ? 0 : (uint64_t)1 << (i - 1);
}

/* Puts the timer on the longest rung not longer than ms; ms < 0 stops it. */
static void
timer_set(struct httpc *c, long ms)
{
	int i = 0;

	h2o_timeout_unlink(&c->timer);
	if (ms < 0)
		return;
	/* h2o would run a 0 ms entry linked from a timer in the same pass, forever */
	if (ms == 0 && c->in_timer)
		ms = 1;
	while (i + 1 < RUNGS && rung_ms(i + 1) <= (uint64_t)ms)
		i++;
	h2o_timeout_link(c->loop, &c->rung[i], &c->timer);
}

static int
on_curl_timer(CURLM *multi, long ms, void *arg)
{
	timer_set(arg, ms);
	return 0;
}

static void
on_timer(h2o_timeout_entry_t *entry)
{
	struct httpc *c = H2O_STRUCT_FROM_MEMBER(struct httpc, timer, entry);
	long ms = -1;

	c->in_timer = 1;
	if (curl_multi_timeout(c->multi, &ms) == CURLM_OK && ms > 0)
		timer_set(c, ms);
	else if (ms == 0) {
		multi_action(c, CURL_SOCKET_TIMEOUT, 0);
		/* curl stays silent when its next deadline is the one it gave us */
		if (!h2o_timeout_is_linked(&c->timer) &&
		    curl_multi_timeout(c->multi, &ms) == CURLM_OK)
			timer_set(c, ms);
	}
	c->in_timer = 0;
}

/* Running curl. */

/* What curl could not be told while it ran, then the finished transfers. */
static void
multi_settle(struct httpc *c)
{
	struct httpc_call *call;
	CURLMsg *msg;
	CURLcode code;
	int left;

	while (!h2o_linklist_is_empty(&c->settling)) {
		call = H2O_STRUCT_FROM_MEMBER(struct httpc_call, link, c->settling.next);
		if (call->abandoned) {
			h2o_linklist_unlink(&call->link);
			curl_multi_remove_handle(c->multi, call->easy);
			call_free(call);
		} else
			call_finish(call, CURLE_OK);
	}
	while (!h2o_linklist_is_empty(&c->waiting)) {
		call = H2O_STRUCT_FROM_MEMBER(struct httpc_call, link, c->waiting.next);
		h2o_linklist_unlink(&call->link);
		if (call_start(call) != 0)
			call_deliver(call, NULL, ERR_NOMEM);
	}
	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		code = msg->data.result;
		if ((call = call_of(msg->easy_handle)) != NULL)
			call_finish(call, code);
	}
}

static void
multi_action(struct httpc *c, curl_socket_t fd, int events)
{
	int running;

	c->in_curl++;
	curl_multi_socket_action(c->multi, fd, events, &running);
	c->in_curl--;
	if (c->in_curl == 0)
		multi_settle(c);
}

/* Setting a request up. */

static int
method_valid(const char *m)
{
	static const char *const known[] = { "GET", "POST", "PUT", "PATCH", "DELETE" };
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(m, known[i]) == 0)
			return 1;
	return 0;
}

static int
options_valid(const char *url, const struct httpc_options *opt)
{
	const char *const *h;
	int get = opt->method == NULL || strcmp(opt->method, "GET") == 0;

	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return 0;
	if (opt->method != NULL && !method_valid(opt->method))
		return 0;
	if (opt->body_len > 0 && (get || opt->body == NULL))
		return 0;
	if (opt->timeout_ms < 0 || opt->connect_timeout_ms < 0)
		return 0;
	for (h = opt->headers; h != NULL && *h != NULL; h++)
		if (strpbrk(*h, "\r\n") != NULL)
			return 0;
	return 1;
}

/* The request's headers; "Expect:" stops curl from waiting for a 100 Continue. */
static int
call_headers(struct httpc_call *call, const char *const *headers)
{
	struct curl_slist *l;

	if ((call->headers = curl_slist_append(NULL, "Expect:")) == NULL)
		return -1;
	for (; headers != NULL && *headers != NULL; headers++) {
		if ((l = curl_slist_append(call->headers, *headers)) == NULL)
			return -1;
		call->headers = l;
	}
	return 0;
}

/* The method and the body, which curl copies. */
static int
call_method(CURL *e, const struct httpc_options *opt)
{
	int bad = 0;

	if (opt->method == NULL || strcmp(opt->method, "GET") == 0)
		return 0;
	if (strcmp(opt->method, "DELETE") != 0 || opt->body_len > 0) {
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)opt->body_len) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS,
		    opt->body_len > 0 ? opt->body : "") != CURLE_OK;
	}
	if (strcmp(opt->method, "POST") != 0)
		bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, opt->method) != CURLE_OK;
	return bad ? -1 : 0;
}

static int
call_setup(struct httpc_call *call, const char *url, const struct httpc_options *opt)
{
	long timeout = opt->timeout_ms > 0 ? opt->timeout_ms : DEFAULT_TIMEOUT_MS;
	long connect = opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms : DEFAULT_CONNECT_MS;
	CURL *e;
	int bad = 0;

	if ((call->easy = e = curl_easy_init()) == NULL || call_headers(call, opt->headers) != 0)
		return -1;
	bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)call) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
#else
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)call->max_response) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_curl_body) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)call) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_curl_header) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)call) != CURLE_OK;
	return bad || call_method(e, opt) != 0 ? -1 : 0;
}

/* Stopping every request. */

/* Ends one request of a closing client; the caller has unlinked nothing. */
static void
call_close(struct httpc_call *call)
{
	h2o_linklist_unlink(&call->link);
	if (call->state == CALL_RUNNING)
		curl_multi_remove_handle(call->c->multi, call->easy);
	if (call->abandoned)
		call_free(call);
	else
		call_deliver(call, NULL, ERR_CLOSED);
}

static void
close_list(h2o_linklist_t *list)
{
	while (!h2o_linklist_is_empty(list))
		call_close(H2O_STRUCT_FROM_MEMBER(struct httpc_call, link, list->next));
}

/* The interface. */

struct httpc *
httpc_new(h2o_loop_t *loop)
{
	static int curl_ready;
	struct httpc *c;
	int i, bad = 0;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curl_ready = 1;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	if ((c->multi = curl_multi_init()) == NULL) {
		free(c);
		return NULL;
	}
	bad |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK;
	bad |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, (void *)c) != CURLM_OK;
	bad |= curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK;
	bad |= curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, (void *)c) != CURLM_OK;
	if (bad) {
		curl_multi_cleanup(c->multi);
		free(c);
		return NULL;
	}
	c->loop = loop;
	h2o_linklist_init_anchor(&c->waiting);
	h2o_linklist_init_anchor(&c->running);
	h2o_linklist_init_anchor(&c->settling);
	h2o_linklist_init_anchor(&c->watches);
	c->timer.cb = on_timer;
	for (i = 0; i < RUNGS; i++)
		h2o_timeout_init(loop, &c->rung[i], rung_ms(i));
	return c;
}

void
httpc_free(struct httpc *c)
{
	int i;

	if (c == NULL)
		return;
	/* h2o may be walking our timeouts right now; freeing them would crash it */
	if (c->in_callback > 0 || c->in_curl > 0 || c->in_timer)
		fatalx("httpc_free called from a request callback");
	c->closing = 1;
	close_list(&c->settling);
	close_list(&c->waiting);
	close_list(&c->running);
	curl_multi_cleanup(c->multi);
	while (!h2o_linklist_is_empty(&c->watches))
		watch_free(H2O_STRUCT_FROM_MEMBER(struct httpc_watch, link, c->watches.next));
	h2o_timeout_unlink(&c->timer);
	for (i = 0; i < RUNGS; i++)
		h2o_timeout_dispose(c->loop, &c->rung[i]);
	free(c);
}

struct httpc_call *
httpc_request(struct httpc *c, const char *url, const struct httpc_options *opt,
    httpc_done_cb cb, void *arg)
{
	static const struct httpc_options defaults;
	struct httpc_call *call;

	if (opt == NULL)
		opt = &defaults;
	if (c == NULL || c->closing || url == NULL || cb == NULL || !options_valid(url, opt))
		return NULL;
	if ((call = calloc(1, sizeof *call)) == NULL)
		return NULL;
	call->c = c;
	call->cb = cb;
	call->arg = arg;
	call->on_data = opt->on_data;
	call->max_response = opt->max_response > 0 ? opt->max_response : DEFAULT_MAX_RESPONSE;
	if (call->max_response > MAX_RESPONSE_CAP)
		call->max_response = MAX_RESPONSE_CAP;	/* so the body's size never overflows */
	if (call_setup(call, url, opt) != 0) {
		call_free(call);
		return NULL;
	}
	if (c->in_curl > 0) {
		/* curl is running on_data: it takes the request once it returns */
		call->state = CALL_WAITING;
		h2o_linklist_insert(&c->waiting, &call->link);
		return call;
	}
	if (call_start(call) != 0) {
		call_free(call);
		return NULL;
	}
	return call;
}

void
httpc_abandon(struct httpc_call *call)
{
	struct httpc *c;

	if (call == NULL || call->abandoned)
		return;
	c = call->c;
	call->abandoned = 1;
	switch (call->state) {
	case CALL_DELIVERING:
		break;		/* freed when its callback returns */
	case CALL_WAITING:
		call_free(call);
		break;
	case CALL_RUNNING:
		h2o_linklist_unlink(&call->link);
		if (c->in_curl > 0) {
			/* curl refuses to be called into now; it lets go on return */
			h2o_linklist_insert(&c->settling, &call->link);
			break;
		}
		curl_multi_remove_handle(c->multi, call->easy);
		call_free(call);
		break;
	}
}
