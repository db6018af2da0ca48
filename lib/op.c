/*
 * op: see op.h.
 */
#include <string.h>

#include "lib/daemon.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/op.h"

/* The request is over: nothing pending may call back into it. */
static void
op_dispose(void *p)
{
	struct op_head *h = p;

	if (h->query != NULL)
		pg_query_abandon(h->query);
	h->query = NULL;
	if (h->abandon != NULL)
		h->abandon(h);
}

void *
op_alloc(struct http_request *hr, size_t size, size_t data_size, op_abandon_fn abandon)
{
	struct op_head *h = http_request_alloc(hr, size, op_dispose);

	memset(h, 0, size);
	h->hr = hr;
	h->abandon = abandon;
	if (data_size > 0) {
		h->data = http_request_alloc(hr, data_size, NULL);
		memset(h->data, 0, data_size);
	}
	return h;
}

void
op_head_query(struct op_head *h, const char *sql, int n, const char *const *params, pg_query_cb cb,
    void *arg)
{
	op_head_query_bin(h, sql, n, params, NULL, cb, arg);
}

void
op_head_query_bin(struct op_head *h, const char *sql, int n, const char *const *params,
    const struct pg_binary *bin, pg_query_cb cb, void *arg)
{
	struct pg_query *q = pg_query_params_bin_async(h->hr->worker->db, sql, n, params, bin, cb, arg);

	/* NULL: the callback has run already, and may have sent the next query */
	if (q != NULL)
		h->query = q;
}

void
op_head_db_failed(struct op_head *h, const struct pg_error *err)
{
	char quoted[600];

	if (pg_error_transient(err)) {
		http_send_error(h->hr, 503, "database_unavailable", "the database cannot be reached; try again");
		return;
	}
	log_warnx("event=query_failed request_id=%s error=%s", h->hr->request_id,
	    log_quote(quoted, sizeof(quoted), err->message, (size_t)-1));
	http_send_error(h->hr, 500, "internal_error", "the request failed; it was logged");
}

bool
op_head_result(struct op_head *h, const PGresult *res, const struct pg_error *err)
{
	h->query = NULL;
	if (res == NULL)
		op_head_db_failed(h, err);
	return res != NULL;
}
