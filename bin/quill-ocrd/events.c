/*
 * events: GET /api/ocr/jobs/{id}/events, a job's status changes as
 * Server-Sent Events.
 *
 * The stream sends the job at once (event "status"), then again whenever
 * its status or attempts change, and ends after "done" or "failed" (or
 * "deleted").  Changes are found by reading the row every
 * [ocr] events_poll: one indexed lookup per open stream, cheaper and
 * simpler than a LISTEN connection per worker for what is a handful of
 * watchers.  A comment line every KEEPALIVE_MS keeps proxies from closing
 * a quiet stream.
 */
#include <string.h>

#include "lib/daemon.h"
#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-ocrd/ocrd.h"

#define KEEPALIVE_MS	15000

struct stream {
	struct job_op *op;
	h2o_generator_t gen;
	h2o_timeout_entry_t tick;
	bool started;		/* the response head is out */
	bool writing;		/* h2o_send() again only after proceed */
	char last[32];		/* "status attempts" of the last event */
	uint64_t quiet_ms;	/* since the last thing sent */
	unsigned seq;
};

/* Sends len bytes from the request's pool. */
static void
send_buf(struct stream *s, char *buf, size_t len, bool final)
{
	h2o_iovec_t vec = h2o_iovec_init(buf, len);

	s->writing = true;
	s->quiet_ms = 0;
	if (final) {
		if (h2o_timeout_is_linked(&s->tick))
			h2o_timeout_unlink(&s->tick);
	}
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
	if (res == NULL) {
		if (!s->started)
			job_op_result(s->op, res, err);		/* answers 503 or 500 */
		return;					/* mid-stream: try again next tick */
	}
	if (PQntuples(res) == 0) {
		if (!s->started) {
			http_send_error(s->op->hr, 404, "not_found", "no such job");
			return;
		}
		send_text(s, "event: deleted\ndata: {}\n\n", true);
		return;
	}
	status = PQgetvalue(res, 0, JOB_COL_STATUS);
	snprintf(now, sizeof(now), "%s %s", status, PQgetvalue(res, 0, JOB_COL_ATTEMPTS));
	if (!s->started)
		start_response(s);
	else if (strcmp(now, s->last) == 0)
		return;
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
poll_row(struct stream *s)
{
	const char *params[3] = { s->op->job_id, s->op->user_id, s->op->admin ? "true" : "false" };
	struct pg_query *q = pg_query_params_async(s->op->hr->worker->db, job_sql_get, 3, params, on_row, s);

	/* NULL: on_row has run already; the op's dispose abandons a live one */
	if (q != NULL)
		s->op->query = q;
}

static void
on_tick(h2o_timeout_entry_t *entry)
{
	struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, tick, entry);
	struct ocrd *o = s->op->ocrd;

	h2o_timeout_link(s->op->hr->worker->loop, &o->events_every, &s->tick);
	if (s->writing || s->op->query != NULL)
		return;
	s->quiet_ms += (uint64_t)o->events_poll_ms;
	if (s->quiet_ms >= KEEPALIVE_MS) {
		send_text(s, ": keep-alive\n\n", false);
		return;
	}
	poll_row(s);
}

static void
on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
	struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, gen, gen);

	s->writing = false;
}

/* The client went away mid-stream. */
static void
on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
	struct stream *s = H2O_STRUCT_FROM_MEMBER(struct stream, gen, gen);

	if (h2o_timeout_is_linked(&s->tick))
		h2o_timeout_unlink(&s->tick);
}

static void
stream_dispose(void *p)
{
	struct stream *s = p;

	if (h2o_timeout_is_linked(&s->tick))
		h2o_timeout_unlink(&s->tick);
}

void
events_stream(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);
	struct stream *s;

	if (op == NULL || !job_op_id(op))
		return;
	s = http_request_alloc(hr, sizeof(*s), stream_dispose);
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->gen.proceed = on_proceed;
	s->gen.stop = on_stop;
	s->tick.cb = on_tick;
	h2o_timeout_link(hr->worker->loop, &op->ocrd->events_every, &s->tick);
	poll_row(s);
}
