/*
 * httpc: outbound HTTP requests on a worker's h2o event loop, through
 * libcurl's multi socket API.
 *
 * One struct httpc per loop holds a curl multi handle; its connections
 * are kept alive and reused between requests to the same host.  curl's
 * sockets are watched by the loop and curl's timers are loop timers, so
 * nothing here ever blocks the loop: names resolve on curl's resolver
 * thread (libcurl built with AsynchDNS, as Debian's is), IP literals
 * without one.
 *
 * Guarantees:
 * - A request's done callback runs on the loop, never inside
 *   httpc_request(), at most once, and exactly once unless the request
 *   is abandoned or httpc_request() returned NULL.
 * - Only http:// and https:// are spoken; redirects are not followed
 *   (a 3xx is a response like any other); no proxy is taken from the
 *   environment; curl never raises or handles a signal.
 * - A response is a status, a body and the Retry-After header; every
 *   other response header is dropped.  A response whose body is larger
 *   than max_response fails with "response too large", whether it was
 *   announced by Content-Length or found out while reading.
 * - Nothing here logs: every failure goes to the request's callback.
 *
 * Ownership: the options, URL, headers and body are copied by
 * httpc_request(); the response handed to a callback belongs to the
 * request and is freed when the callback returns.  A caller whose context
 * goes away first calls httpc_abandon(); the callback is then never
 * called.
 *
 * Rules for the caller:
 * - A client belongs to one process and one loop: make it after fork(),
 *   use it only from the loop's thread.
 * - The first httpc_new() of a process runs curl_global_init().  That is
 *   thread-safe from libcurl 7.84 on; with an older libcurl, make the
 *   first client before starting threads that use libcurl or OpenSSL
 *   (lib/password's threads use neither).  curl_global_cleanup() is never
 *   called: the process's exit releases what curl holds.
 * - httpc_free() runs before h2o_evloop_destroy(), and not from inside
 *   one of the client's callbacks (that is fatal, as a programming error);
 *   it closes h2o sockets, which libh2o releases on the loop's next turn.
 */
#ifndef QUILL_HTTPC_H
#define QUILL_HTTPC_H

#include <stddef.h>
#include <h2o.h>

struct httpc;
struct httpc_call;

struct httpc_response {
	long		 status;	/* the final response's, 1xx skipped */
	const char	*body;		/* NUL-terminated; "" when on_data took it */
	size_t		 body_len;
	const char	*retry_after;	/* the header's value, trimmed, or NULL */
};

/*
 * Either res (any status, 404 and 500 included) and err NULL, or res
 * NULL and err one line saying why there is no response: "timed out",
 * "response too large", "aborted" (on_data returned -1), "client closed",
 * "out of memory", "could not watch socket" (out of descriptors), or
 * curl's message ("Failed to connect to 127.0.0.1 port 9 after 0 ms:
 * Couldn't connect to server", "Could not resolve host: example.invalid").
 */
typedef void (*httpc_done_cb)(void *arg, const struct httpc_response *res, const char *err);

/*
 * Called with each piece of the response body as it arrives (after the
 * status and headers); the pieces are not kept.  Returns 0 to go on, or
 * -1 to stop the request, which then ends with err "aborted".
 */
typedef int (*httpc_data_cb)(void *arg, const char *chunk, size_t len);

struct httpc_options {
	const char		*method;	/* NULL or "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *const	*headers;	/* NULL-terminated "Name: value" list */
	const char		*body;		/* not with GET */
	size_t			 body_len;
	long			 timeout_ms;		/* whole request; 0: 10000 */
	long			 connect_timeout_ms;	/* 0: 3000 */
	size_t			 max_response;		/* body bytes; 0: 1 MiB */
	httpc_data_cb		 on_data;	/* NULL: the body is collected */
};

/* NULL when out of memory or when libcurl could not be initialised. */
struct httpc *httpc_new(h2o_loop_t *loop);

/*
 * Stops every request; those not abandoned get their callback, inside
 * this call, with err "client closed".  A request made from one of those
 * callbacks is refused (NULL).
 */
void httpc_free(struct httpc *c);

/*
 * Starts a request to url; opt may be NULL for a plain GET with the
 * defaults.  Returns a handle that stays valid until the callback has
 * run or httpc_abandon() is called.  Returns NULL, and never calls cb,
 * when out of memory, when the client is closing, or for bad arguments:
 * a URL not starting with http:// or https://, an unknown method, a GET
 * with a body, a header holding CR or LF, a negative timeout.
 */
struct httpc_call *httpc_request(struct httpc *c, const char *url,
    const struct httpc_options *opt, httpc_done_cb cb, void *arg);

/*
 * Stops the request and frees it; its callbacks are never called again.
 * Safe from inside any of the client's callbacks, its own included
 * (from its done callback it does nothing more).
 */
void httpc_abandon(struct httpc_call *call);

#endif
