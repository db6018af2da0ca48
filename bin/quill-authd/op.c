/*
 * op: the state of one waiting request, and the small answers every
 * route of quill-authd gives the same way (see authd.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/cursor.h"
#include "lib/daemon.h"
#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-authd/authd.h"

struct authd *
authd_of(struct http_request *hr)
{
	return hr->worker->app;
}

/* The password job is authd's own pending work; lib/op abandons the query. */
static void
op_abandon(struct op_head *h)
{
	struct op *op = (struct op *)h;

	if (op->job != NULL)
		password_job_abandon(op->job);
	op->job = NULL;
}

struct op *
op_new(struct http_request *hr, size_t data_size)
{
	struct op *op = op_alloc(hr, sizeof(*op), data_size, op_abandon);

	op->authd = authd_of(hr);
	return op;
}

void
op_query(struct op *op, const char *sql, int n, const char *const *params, pg_query_cb cb)
{
	op_head_query(&op->head, sql, n, params, cb, op);
}

/* The password pool refused a job: its queue is full (EAGAIN), or memory ran out. */
static void
send_no_hash(struct op *op)
{
	h2o_req_t *req = op->hr->req;

	if (errno == EAGAIN) {
		/* a full queue drains within a few hashes' time */
		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
		http_send_error(op->hr, 503, "busy", "too many password checks are waiting; try again");
		return;
	}
	http_send_error(op->hr, 503, "unavailable", "the server is out of resources; try again");
}

void
op_hash(struct op *op, const char *password, size_t len, password_cb cb)
{
	struct password_job *j = password_hash_async(op->authd->passwords, password, len, cb, op);

	if (j != NULL)
		op->job = j;
	else
		send_no_hash(op);
}

void
op_verify(struct op *op, const char *stored_hash, const char *password, size_t len, password_cb cb)
{
	struct password_job *j = password_verify_async(op->authd->passwords, stored_hash, password, len,
	    cb, op);

	if (j != NULL)
		op->job = j;
	else
		send_no_hash(op);
}

void
op_db_failed(struct op *op, const struct pg_error *err)
{
	op_head_db_failed(&op->head, err);
}

bool
op_query_ok(struct op *op, const PGresult *res, const struct pg_error *err)
{
	return op_head_result(&op->head, res, err);
}

void
op_hash_failed(struct op *op, enum password_result r)
{
	if (r == PASSWORD_CANCELLED) {
		http_send_error(op->hr, 503, "unavailable", "the server is stopping; try again");
		return;
	}
	log_warnx("event=password_job_failed request_id=%s", op->hr->request_id);
	http_send_error(op->hr, 500, "internal_error", "the request failed; it was logged");
}

const struct json_value *
op_body_object(struct op *op)
{
	const struct json_value *body = http_json_body(op->hr);

	if (body == NULL)
		return NULL;
	if (json_type(body) != JSON_OBJECT) {
		http_send_error(op->hr, 422, "validation_failed", "the body must be a JSON object");
		return NULL;
	}
	op->body = body;
	return body;
}

const char *
op_body_string(struct op *op, const char *key, bool required, size_t *len, bool *answered)
{
	const struct json_value *v = json_get(op->body, key);
	char msg[128];
	const char *s;

	*answered = false;
	if (v == NULL && !required)
		return NULL;
	if ((s = json_string(v, len)) != NULL)
		return s;
	snprintf(msg, sizeof(msg), v == NULL ? "%s is required" : "%s must be a string", key);
	http_send_error(op->hr, 422, "validation_failed", msg);
	*answered = true;
	return NULL;
}

int
op_body_only(struct op *op, const char *const *allowed)
{
	for (size_t i = 0; i < json_length(op->body); i++) {
		const char *key = json_member(op->body, i, NULL);
		const char *const *a;
		char msg[160];

		for (a = allowed; *a != NULL && strcmp(*a, key) != 0; a++)
			;
		if (*a == NULL) {
			snprintf(msg, sizeof(msg), "unknown field \"%.100s\"", key);
			http_send_error(op->hr, 422, "validation_failed", msg);
			return -1;
		}
	}
	return 0;
}

void
user_json(yajl_gen g, const PGresult *res, int row, int col)
{
	yajl_gen_map_open(g);
	json_gen_kv_string(g, "id", PQgetvalue(res, row, col + USER_ID));
	json_gen_kv_string(g, "email", PQgetvalue(res, row, col + USER_EMAIL));
	json_gen_kv_string(g, "name", PQgetvalue(res, row, col + USER_NAME));
	json_gen_kv_string(g, "role", PQgetvalue(res, row, col + USER_ROLE));
	json_gen_kv_bool(g, "is_active", PQgetvalue(res, row, col + USER_ACTIVE)[0] == 't');
	json_gen_kv_string(g, "created_at", PQgetvalue(res, row, col + USER_CREATED));
	json_gen_kv_string(g, "updated_at", PQgetvalue(res, row, col + USER_UPDATED));
	yajl_gen_map_close(g);
}

static bool
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return sa->sa_family == AF_UNIX;
}

bool
peer_is_local(struct http_request *hr)
{
	struct sockaddr_storage ss;
	h2o_conn_t *conn = hr->req->conn;

	return conn->callbacks->get_peername(conn, (struct sockaddr *)&ss) > 0 && is_loopback((struct sockaddr *)&ss);
}

/*
 * The peer's address; behind the gateway (a loopback peer) the client it
 * names in X-Quill-Client-Ip, else the last hop it appended to
 * X-Forwarded-For, which is the one it saw.
 */
const char *
client_ip(struct http_request *hr)
{
	h2o_req_t *req = hr->req;
	struct sockaddr_storage ss;
	socklen_t len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
	char *buf = h2o_mem_alloc_pool(&req->pool, NI_MAXHOST);
	ssize_t i;

	if (len == 0 || h2o_socket_getnumerichost((struct sockaddr *)&ss, len, buf) == SIZE_MAX)
		return NULL;
	if (!is_loopback((struct sockaddr *)&ss))
		return buf;
	/* The gateway names the client it counted (trusted proxies in front considered). */
	if ((i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-quill-client-ip"), -1)) != -1) {
		h2o_iovec_t v = req->headers.entries[i].value;

		char *s = v.len > 0 && v.len < NI_MAXHOST ? h2o_strdup(&req->pool, v.base, v.len).base : NULL;

		if (s != NULL && strspn(s, "0123456789abcdefABCDEF.:") == v.len)
			return s;
	}
	if ((i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-forwarded-for"), -1)) != -1) {
		h2o_iovec_t v = req->headers.entries[i].value;
		size_t start = v.len;

		while (start > 0 && v.base[start - 1] != ',')
			start--;
		while (start < v.len && v.base[start] == ' ')
			start++;
		if (v.len - start > 0 && v.len - start < NI_MAXHOST) {
			char *s = h2o_strdup(&req->pool, v.base + start, v.len - start).base;

			for (char *p = s; *p != '\0'; p++)
				if (!isxdigit((unsigned char)*p) && *p != '.' && *p != ':')
					return buf;
			return s;
		}
	}
	return buf;
}

/*
 * At most 256 bytes of it, printable ASCII only (the rest becomes '?'):
 * the session list shows it and nothing depends on it.
 */
const char *
client_user_agent(struct http_request *hr)
{
	ssize_t i = h2o_find_header(&hr->req->headers, H2O_TOKEN_USER_AGENT, -1);
	h2o_iovec_t v;
	char *s;

	if (i == -1)
		return NULL;
	v = hr->req->headers.entries[i].value;
	s = h2o_strdup(&hr->req->pool, v.base, v.len > 256 ? 256 : v.len).base;
	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return s;
}
