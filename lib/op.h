/*
 * op: the state of one HTTP request that waits on PostgreSQL, shared by
 * the daemons' routes (quill-authd's `struct op`, quill-ocrd's
 * `struct job_op`, and any later one).
 *
 * An op lives in its request's memory.  What it guarantees:
 * - At most one query is pending per op, and its handle is recorded only
 *   while it is pending (pg_query_params_async returns NULL once the
 *   callback has already run, and then nothing is recorded).
 * - When the request ends first (the client went away), the op's dispose
 *   hook abandons that query and then runs the daemon's own hook (which
 *   abandons whatever else it keeps pending), so no callback ever runs on
 *   a dead request.
 * - A failed query is answered one way everywhere: 503
 *   database_unavailable when it may pass (pg_error_transient), else 500
 *   internal_error, logged once with the request id.
 *
 * A daemon's op type starts with OP_HEAD, so its routes read op->hr,
 * op->query and op->data directly, and hand &op->head to the functions
 * here.  OP_HEAD is an anonymous union of struct op_head and an anonymous
 * struct of the same members: C11's common initial sequence rule makes
 * the two views one object, and the head sits at offset 0, so a pointer
 * to the head is a pointer to the daemon's op.
 */
#ifndef QUILL_OP_H
#define QUILL_OP_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "lib/pg.h"

struct http_request;
struct op_head;

typedef void (*op_abandon_fn)(struct op_head *head);

#define OP_HEAD_MEMBERS \
	struct http_request *hr; \
	struct pg_query *query;		/* the pending query, or NULL */ \
	void *data;			/* the route's own state, zeroed */ \
	op_abandon_fn abandon		/* the daemon's part of the dispose hook, or NULL */

struct op_head {
	OP_HEAD_MEMBERS;
};

#define OP_HEAD union { struct op_head head; struct { OP_HEAD_MEMBERS; }; }

/*
 * A zeroed op of `size` bytes (the daemon's type, OP_HEAD first) in hr's
 * memory, with `data_size` zeroed bytes of route state in data (NULL when
 * 0), and abandon run when the request ends.
 */
void *op_alloc(struct http_request *hr, size_t size, size_t data_size, op_abandon_fn abandon);

/* Sends sql on the worker's pool; cb gets arg (the daemon's op). */
void op_head_query(struct op_head *h, const char *sql, int n, const char *const *params, pg_query_cb cb,
    void *arg);

/* The same with binary parameters or results (lib/pg's pg_binary). */
void op_head_query_bin(struct op_head *h, const char *sql, int n, const char *const *params,
    const struct pg_binary *bin, pg_query_cb cb, void *arg);

/*
 * First thing in a query callback: forgets the finished query and, when
 * it failed, answers with op_head_db_failed().  Returns whether res is there.
 */
bool op_head_result(struct op_head *h, const PGresult *res, const struct pg_error *err);

/* Answers a failed query: 503 when it may pass, else 500 (logged). */
void op_head_db_failed(struct op_head *h, const struct pg_error *err);

#endif
