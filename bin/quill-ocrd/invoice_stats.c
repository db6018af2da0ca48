/*
 * invoice_stats: GET /api/invoices/stats, sums of the caller's invoices
 * (an admin's: everyone's) per month, seller or currency, and currency.
 *
 * The filters are the list's (lib/invoice_filter); group is month (the
 * default), seller or currency, anything else a 400.  One statement of
 * lib/invoices groups, sums and writes the whole answer: the sums are
 * PostgreSQL's exact NUMERIC text, never a double, so they equal a SUM
 * over the same rows to the last digit; amounts in different currencies
 * are never added together.
 */
#include <string.h>

#include "lib/invoices.h"
#include "bin/quill-ocrd/ocrd.h"

static const char *const groups[] = { "month", "seller", "currency", NULL };

/* ?group=, or NULL after answering 400. */
static const char *
read_group(struct http_request *hr)
{
	size_t len;
	const char *v = http_query_n(hr, "group", &len);

	if (v == NULL)
		return groups[0];
	for (int i = 0; groups[i] != NULL; i++)
		if (strlen(groups[i]) == len && memcmp(groups[i], v, len) == 0)
			return groups[i];
	http_send_error(hr, 400, "bad_request", "group must be month, seller or currency");
	return NULL;
}

static void
on_stats(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;

	if (job_op_result(op, res, err))
		http_send_json(op->hr, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

void
invoices_stats(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, sizeof(struct invoice_filter));
	const char *params[INVOICE_STATS_NPARAMS];

	if (op == NULL || !invoices_filter_read(hr, op->data) || (params[INVOICE_P_GROUP] = read_group(hr)) == NULL)
		return;
	invoice_filter_params(op->data, op->user_id, op->admin, params);
	job_op_query(op, invoice_sql_stats, INVOICE_STATS_NPARAMS, params, on_stats);
}
