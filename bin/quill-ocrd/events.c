/*
 * events: GET /api/ocr/jobs/{id}/events, a job's status changes as
 * Server-Sent Events.
 *
 * The stream sends the job at once (event "status"), then again whenever
 * its status or attempts change.  Nothing is polled per stream: each
 * worker has one PostgreSQL connection in LISTEN ocr_job_status
 * (lib/pg_listen), fed by the triggers of migration ocr 004, and a
 * notification makes only the streams of that job read its row again.
 * When the listener has been away (it reconnects by itself) every stream
 * reads its row once, for what it may have missed.
 *
 * Every stream ends, with a last event saying why:
 *   - "status" with done or failed, or "deleted" when the row goes;
 *   - "error" {token_expired} at the token's exp;
 *   - "error" {token_revoked} once quill-authd's revocation feed has told
 *     this worker of a logout (within [auth] revocation_poll, and never
 *     later than revocation_max_staleness: with no fresh word from the
 *     feed the stream ends with {auth_unavailable}, as a request would be
 *     refused 503);
 *   - "error" {stream_max_duration} after [ocr] event_stream_max;
 *   - "error" {server_stopping} when the worker drains (reload, stop).
 * One sweep a second per worker checks these for all of its streams, and
 * sends a comment line to any stream quiet for KEEPALIVE_MS so proxies
 * keep it open.
 *
 * A user may hold [ocr] max_event_streams_per_user streams at once over
 * all the workers (lib/usercount, in a segment the master maps before it
 * forks); one more is answered 429 with Retry-After.  When the user's set
 * in that table has no slot for this process, the stream could not be
 * counted, so it is refused too (503 server_busy, Retry-After): letting it
 * through would lift the cap for every user of that set.
 *
 * SECURITY: the job id comes from the path and is checked as a UUID
 * before it reaches SQL (job_op_id); a notification's payload is parsed
 * as "<uuid> <word>" and only compared, never logged or sent on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/daemon.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/pg_listen.h"
#include "lib/usercount.h"
#include "lib/uuid.h"
#include "lib/verifier.h"
#include "bin/quill-ocrd/ocrd.h"

#define CHANNEL		"ocr_job_status"
#define KEEPALIVE_MS	15000
#define SWEEP_MS	1000
#define BUCKETS		256		/* streams by job id; a power of two */
#define RETRY_AFTER_S	"10"		/* for a refused stream: streams last minutes */
/* (user, process) pairs the shared table holds, in sets of 16 a user's id picks */
#define COUNT_ENTRIES	16384
_Static_assert(USERCOUNT_ID_LEN == 16, "a user's key in the table is its id's 16 bytes (uuid_to_bytes)");

/* Made by the master before the first fork, kept across reloads. */
static struct usercount *stream_counts;

struct events {
	struct worker *w;
	struct pg_listen *listener;
	h2o_linklist_t all;			/* every open stream, for the sweep */
	h2o_linklist_t by_job[BUCKETS];
	h2o_timeout_t sweep_every;
	h2o_timeout_entry_t sweep;
	unsigned max_per_user;
	uint64_t max_ms;
};

struct stream {
	struct job_op *op;
	struct events *ev;
	h2o_generator_t gen;
	h2o_linklist_t all_link, job_link;
	bool started;		/* the response head is out */
	bool writing;		/* h2o_send() again only after proceed */
	bool dirty;		/* the row may have changed since it was last read */
	bool done;		/* the last event is out, or the client is gone */
	bool counted;		/* holds a place in stream_counts */
	const char *end_code;	/* decided to end with this error; sent once not writing */
	char last[32];		/* "status attempts" of the last event */
	unsigned char user[USERCOUNT_ID_LEN];
	const char *token;	/* in the request's pool, for the revocation check */
	size_t token_len;
	int64_t exp;		/* the token's, Unix seconds */
	uint64_t end_at_ms;	/* event_stream_max from the start, in the loop's ms (h2o_now) */
	uint64_t sent_at_ms;	/* last thing sent, the same clock */
	unsigned seq;
};

static size_t
bucket_of(const char *job_id)
{
	size_t h = 5381;

	for (int i = 0; i < UUID_STR_LEN; i++)
		h = h * 33 + (unsigned char)job_id[i];
	return h & (BUCKETS - 1);
}

/* --- the shared counts, in the master --- */

int
events_master_init(char *err, size_t errsize)
{
	if (stream_counts != NULL)
		return 0;	/* a reload: the streams of the old workers still hold places */
	if ((stream_counts = usercount_create(COUNT_ENTRIES)) == NULL) {
		snprintf(err, errsize, "cannot map the event streams' counts: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
events_worker_exited(pid_t pid)
{
	if (stream_counts != NULL)
		usercount_forget_pid(stream_counts, pid);
}

/* --- one stream --- */

/* Takes s out of the worker's lists and gives back its place; idempotent. */
static void
stream_detach(struct stream *s)
{
	s->done = true;
	if (h2o_linklist_is_linked(&s->all_link))
		h2o_linklist_unlink(&s->all_link);
	if (h2o_linklist_is_linked(&s->job_link))
		h2o_linklist_unlink(&s->job_link);
	if (s->counted)
		usercount_release(stream_counts, s->user, getpid());
	s->counted = false;
}

/* Sends len bytes from the request's pool. */
static void
send_buf(struct stream *s, char *buf, size_t len, bool final)
{
	h2o_iovec_t vec = h2o_iovec_init(buf, len);

	s->writing = true;
	s->sent_at_ms = h2o_now(s->ev->w->loop);
	if (final)
		stream_detach(s);
	/* after a FINAL send the request may be gone: s is not touched again */
	h2o_send(s->op->hr->req, &vec, 1, final ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void
send_text(struct stream *s, const char *text, bool final)
{
	h2o_iovec_t copy = h2o_strdup(&s->op->hr->req->pool, text, SIZE_MAX);

	send_buf(s, copy.base, copy.len, final);
}

static void
start_response(struct stream *s)
{
	h2o_req_t *req = s->op->hr->req;

	req->res.status = 200;
	req->res.reason = "OK";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("text/event-stream"));
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-cache"));
	h2o_start_response(req, &s->gen);
	s->started = true;
}

/* The last event of a stream that ends for a reason other than its job. */
static void
send_end(struct stream *s)
{
	static const struct {
		const char *code, *message;
	} why[] = {
		{ "token_expired", "the token has expired" },
		{ "token_revoked", "the session has ended" },
		{ "token_invalid", "the token is no longer valid" },
		{ "auth_unavailable", "tokens cannot be checked right now; reconnect later" },
		{ "stream_max_duration", "the stream has lasted as long as one may; reconnect" },
		{ "server_stopping", "the server is restarting; reconnect" },
	};
	const char *message = "the stream has ended";
	char buf[256];

	for (size_t i = 0; i < sizeof(why) / sizeof(why[0]); i++)
		if (strcmp(why[i].code, s->end_code) == 0)
			message = why[i].message;
	snprintf(buf, sizeof(buf), "id: %u\nevent: error\ndata: {\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n\n",
	    ++s->seq, s->end_code, message);
	send_text(s, buf, true);
}

static void read_row(struct stream *s);

/* Does what is due and possible now: the last event, or a read of the row. */
static void
stream_kick(struct stream *s)
{
	if (s->done || s->writing || !s->started)
		return;
	if (s->end_code != NULL) {
		send_end(s);
		return;
	}
	if (s->dirty && s->op->query == NULL) {
		s->dirty = false;
		read_row(s);
	}
}

static void
on_row(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct stream *s = arg;
	char now[32], head[64], *buf;
	const char *status;
	int n;
	const unsigned char *json;
	size_t json_len;
	bool final;
	yajl_gen g;

	s->op->query = NULL;
	if (s->done)
		return;
	if (res == NULL) {
		if (!s->started) {
			stream_detach(s);
			job_op_result(s->op, res, err);		/* answers 503 or 500 */
			return;
		}
		s->dirty = true;	/* mid-stream: read again at the next sweep */
		return;
	}
	if (PQntuples(res) == 0) {
		if (!s->started) {
			stream_detach(s);
			http_send_error(s->op->hr, 404, "not_found", "no such job");
			return;
		}
		if (s->writing) {
			s->dirty = true;	/* seen again once the write is done */
			return;
		}
		send_text(s, "event: deleted\ndata: {}\n\n", true);
		return;
	}
	status = PQgetvalue(res, 0, JOB_COL_STATUS);
	snprintf(now, sizeof(now), "%s %s", status, PQgetvalue(res, 0, JOB_COL_ATTEMPTS));
	if (!s->started)
		start_response(s);
	else if (strcmp(now, s->last) == 0 || s->writing) {
		/* unchanged; or changed while a write is out: read again after it */
		s->dirty = s->dirty || s->writing;
		stream_kick(s);
		return;
	}
	snprintf(s->last, sizeof(s->last), "%s", now);
	final = strcmp(status, "done") == 0 || strcmp(status, "failed") == 0;
	g = json_gen_new();
	job_json(g, res, 0, 0);
	yajl_gen_get_buf(g, &json, &json_len);
	n = snprintf(head, sizeof(head), "id: %u\nevent: status\ndata: ", ++s->seq);
	buf = h2o_mem_alloc_pool(&s->op->hr->req->pool, (size_t)n + json_len + 2);
	memcpy(buf, head, (size_t)n);
	memcpy(buf + n, json, json_len);
	memcpy(buf + n + json_len, "\n\n", 2);
	yajl_gen_free(g);
	send_buf(s, buf, (size_t)n + json_len + 2, final);
}

static void
read_row(struct stream *s)
{
	const char *params[3] = { s->op->job_id, s->op->user_id, s->op->admin ? "true" : "false" };
	struct pg_query *q = pg_query_params_async(s->op->hr->worker->db, job_sql_get, 3, params, on_row, s);

	/* NULL: on_row has run already; the op's dispose abandons a live one */
	if (q != NULL)
		s->op->query = q;
}

static void
on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
	struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, gen, gen);

	s->writing = false;
	stream_kick(s);
}

/* The client went away mid-stream. */
static void
on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
	stream_detach(H2O_STRUCT_FROM_MEMBER(struct stream, gen, gen));
}

static void
stream_dispose(void *p)
{
	stream_detach(p);
}

/* --- the worker's streams --- */

/* What ends s now, if anything. */
static const char *
end_code_of(struct events *ev, struct stream *s, int64_t now, uint64_t now_ms)
{
	if (daemon_stopping())
		return "server_stopping";
	if (now >= s->exp)
		return "token_expired";
	if (now_ms >= s->end_at_ms)
		return "stream_max_duration";
	switch (verifier_check(ev->w->verifier, s->token, s->token_len, now, NULL, NULL)) {
	case VERIFIER_OK:
		return NULL;
	case VERIFIER_REVOKED:
		return "token_revoked";
	case VERIFIER_UNAVAILABLE:
		return "auth_unavailable";
	case VERIFIER_INVALID:
		break;
	}
	return "token_invalid";
}

static void
on_sweep(h2o_timeout_entry_t *entry)
{
	struct events *ev = H2O_STRUCT_FROM_MEMBER(struct events, sweep, entry);
	int64_t now = (int64_t)time(NULL);
	uint64_t now_ms = h2o_now(ev->w->loop);
	h2o_linklist_t *l, *next;

	h2o_timeout_link(ev->w->loop, &ev->sweep_every, &ev->sweep);
	/* a stream that ends unlinks itself: keep the next one first */
	for (l = ev->all.next; l != &ev->all; l = next) {
		struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, all_link, l);

		next = l->next;
		if (!s->started)
			continue;
		if (s->end_code == NULL)
			s->end_code = end_code_of(ev, s, now, now_ms);
		if (s->end_code == NULL && !s->writing && !s->dirty && now_ms - s->sent_at_ms >= KEEPALIVE_MS) {
			send_text(s, ": keep-alive\n\n", false);
			continue;
		}
		stream_kick(s);
	}
}

/* "<job id> <status>" from the trigger: the job's streams read their row again. */
static void
on_notify(void *arg, const char *payload)
{
	struct events *ev = arg;
	char id[UUID_STR_LEN + 1];
	h2o_linklist_t *bucket, *l, *next;

	if (strnlen(payload, UUID_STR_LEN) < UUID_STR_LEN || !uuid_canonical(payload, UUID_STR_LEN, id))
		return;
	bucket = &ev->by_job[bucket_of(id)];
	for (l = bucket->next; l != bucket; l = next) {
		struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, job_link, l);

		next = l->next;
		if (memcmp(s->op->job_id, id, UUID_STR_LEN) == 0) {
			s->dirty = true;
			stream_kick(s);
		}
	}
}

/* The listener is (back) in LISTEN: whatever changed meanwhile went unheard. */
static void
on_listening(void *arg)
{
	struct events *ev = arg;
	h2o_linklist_t *l, *next;

	for (l = ev->all.next; l != &ev->all; l = next) {
		struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, all_link, l);

		next = l->next;
		s->dirty = true;
		stream_kick(s);
	}
}

struct events *
events_new(struct worker *w)
{
	struct events *ev = calloc(1, sizeof(*ev));
	struct pg_listen_callbacks cb = { on_notify, on_listening, ev };

	if (ev == NULL)
		return NULL;
	ev->w = w;
	ev->max_per_user = (unsigned)config_int(w->cfg, "ocr", "max_event_streams_per_user");
	ev->max_ms = (uint64_t)config_duration_ms(w->cfg, "ocr", "event_stream_max");
	h2o_linklist_init_anchor(&ev->all);
	for (int i = 0; i < BUCKETS; i++)
		h2o_linklist_init_anchor(&ev->by_job[i]);
	ev->listener = pg_listen_new(w->loop, config_str(w->cfg, "ocr", "database"), CHANNEL,
	    (int)config_duration_ms(w->cfg, "database", "connect_timeout"), &cb);
	if (ev->listener == NULL) {
		free(ev);
		return NULL;
	}
	h2o_timeout_init(w->loop, &ev->sweep_every, SWEEP_MS);
	ev->sweep.cb = on_sweep;
	h2o_timeout_link(w->loop, &ev->sweep_every, &ev->sweep);
	return ev;
}

void
events_free(struct events *ev)
{
	if (ev == NULL)
		return;
	/* streams still open live in their requests' pools, which outlive nothing now */
	while (!h2o_linklist_is_empty(&ev->all))
		stream_detach(H2O_STRUCT_FROM_MEMBER(struct stream, all_link, ev->all.next));
	if (h2o_timeout_is_linked(&ev->sweep))
		h2o_timeout_unlink(&ev->sweep);
	h2o_timeout_dispose(ev->w->loop, &ev->sweep_every);
	pg_listen_free(ev->listener);
	free(ev);
}

/* A stream not opened for want of a place: try again once one is free. */
static void
refuse_stream(struct http_request *hr, int status, const char *code, const char *message)
{
	h2o_add_header(&hr->req->pool, &hr->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT(RETRY_AFTER_S));
	http_send_error(hr, status, code, message);
}

void
events_stream(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);
	struct events *ev;
	struct jwt_claims claims;
	struct stream *s;
	const char *token;
	size_t len;
	bool counted = false;

	if (op == NULL || !job_op_id(op))
		return;
	ev = op->ocrd->events;
	/* job_op_new has checked it; this asks again for the claims, from the verifier's cache */
	token = http_bearer_token(hr, &len);
	if (token == NULL ||
	    verifier_check(hr->worker->verifier, token, len, (int64_t)time(NULL), &claims, NULL) != VERIFIER_OK) {
		http_send_unauthorized(hr, "invalid_token", "the token is not valid");
		return;
	}
	s = http_request_alloc(hr, sizeof(*s), stream_dispose);
	memset(s, 0, sizeof(*s));
	(void)uuid_to_bytes(op->user_id, s->user);	/* job_op_new has checked it */
	if (stream_counts != NULL) {
		switch (usercount_take(stream_counts, s->user, getpid(), ev->max_per_user)) {
		case USERCOUNT_TAKEN:
			counted = true;
			break;
		case USERCOUNT_AT_LIMIT:
			refuse_stream(hr, 429, "too_many_streams", "too many event streams open; close one first");
			return;
		case USERCOUNT_NO_ROOM:
			/* the user's set is full: uncounted, the stream would escape the cap */
			refuse_stream(hr, 503, "server_busy", "too many event streams open on this server; try again later");
			return;
		}
	}
	s->op = op;
	s->ev = ev;
	s->counted = counted;
	s->token = h2o_mem_alloc_pool(&hr->req->pool, len);
	memcpy((char *)s->token, token, len);
	s->token_len = len;
	s->exp = claims.exp;
	s->sent_at_ms = h2o_now(hr->worker->loop);
	s->end_at_ms = s->sent_at_ms + ev->max_ms;
	s->gen.proceed = on_proceed;
	s->gen.stop = on_stop;
	/* listed before the first read: a change during that read marks it dirty */
	h2o_linklist_insert(&ev->all, &s->all_link);
	h2o_linklist_insert(&ev->by_job[bucket_of(op->job_id)], &s->job_link);
	read_row(s);
}
