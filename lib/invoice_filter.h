/*
 * invoice_filter: the query parameters that choose invoices -- the
 * filters of GET /api/invoices, /stats and /export, and the list's page
 * and order -- read into the parameters of lib/invoices' statements.
 *
 *   from, to          invoice_date range, inclusive ("YYYY-MM-DD")
 *   seller            a case-insensitive substring of seller_name
 *   currency          an ISO 4217 code (any case: "vnd" is VND)
 *   min_total,        exact decimals, inclusive ("1250000", "1234.56")
 *   max_total
 *   needs_review      true or false
 *   q                 a case-insensitive substring of invoice_number,
 *                     seller_name, buyer_name or a line's description
 *   document_type     one of lib/invoice's (the chat's search_invoices
 *                     tool asks for receipts, utility bills, ...)
 *   limit, cursor     the page (lib/page's bounds; an opaque cursor)
 *   sort              invoice_date, -invoice_date, total, -total; absent:
 *                     newest created first.  An invoice without the key
 *                     comes after every one with it, both ways.
 *
 * SECURITY: every value is a client's.  Nothing is trusted: a value is
 * checked as the field it filters is (lib/invoice's checks), a cursor is
 * decoded and its key checked for the order it claims, and each value
 * only ever becomes a statement parameter.  An empty seller or q is no
 * filter; anything else that does not read is refused with a message
 * naming the parameter (the caller answers 400).  Pure: no I/O.
 */
#ifndef QUILL_INVOICE_FILTER_H
#define QUILL_INVOICE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/cursor.h"
#include "lib/invoice.h"
#include "lib/money.h"

/*
 * The parameters every filtered statement of lib/invoices starts with,
 * in this order ($1 is INVOICE_P_USER + 1); a statement's own follow.
 */
enum invoice_filter_param {
	INVOICE_P_USER,		/* uuid: whose invoices */
	INVOICE_P_ADMIN,	/* "true": everyone's */
	INVOICE_P_FROM,
	INVOICE_P_TO,
	INVOICE_P_SELLER,
	INVOICE_P_CURRENCY,
	INVOICE_P_MIN_TOTAL,
	INVOICE_P_MAX_TOTAL,
	INVOICE_P_NEEDS_REVIEW,
	INVOICE_P_Q,
	INVOICE_P_DOCUMENT_TYPE,
	INVOICE_FILTER_NPARAMS
};

/* The list's own, after the filter's: the cursor's key and id, and the limit. */
enum invoice_page_param {
	INVOICE_P_AFTER_KEY = INVOICE_FILTER_NPARAMS,
	INVOICE_P_AFTER_ID,
	INVOICE_P_LIMIT,
	INVOICE_LIST_NPARAMS
};

enum invoice_sort {
	INVOICE_SORT_CREATED,		/* the default: newest first */
	INVOICE_SORT_DATE,
	INVOICE_SORT_DATE_DESC,
	INVOICE_SORT_TOTAL,
	INVOICE_SORT_TOTAL_DESC,
	INVOICE_NSORTS
};

struct invoice_filter {
	/* values in the statement's form, or NULL for no filter */
	const char *value[INVOICE_FILTER_NPARAMS];
	char from[11], to[11], currency[4], document_type[24];
	char min_total[MONEY_TEXT_MAX], max_total[MONEY_TEXT_MAX];
	char seller[INVOICE_TEXT_MAX + 1], q[INVOICE_TEXT_MAX + 1];
};

struct invoice_page {
	enum invoice_sort sort;
	int limit;
	char limit_param[16];
	bool has_cursor;
	struct cursor_key after;	/* key "" for an invoice without one */
};

/*
 * How the reader finds a query parameter: its value and length (a %00
 * in it is a byte like any other), or NULL when absent.
 */
typedef const char *(*invoice_query_fn)(void *arg, const char *name, size_t *len);

/* Reads the filters into f.  Returns 0, or -1 with why (naming the parameter) set. */
int invoice_filter_read(struct invoice_filter *f, invoice_query_fn query, void *arg, char *why,
    size_t whysize);
/* Reads limit, cursor and sort into p.  Returns 0, or -1 with why set. */
int invoice_page_read(struct invoice_page *p, invoice_query_fn query, void *arg, char *why, size_t whysize);
/*
 * Reads sort alone into p, the first page of limit rows: for a walk over
 * every page (the export), whose page size and cursors are the server's.
 */
int invoice_sort_read(struct invoice_page *p, int limit, invoice_query_fn query, void *arg, char *why,
    size_t whysize);

/*
 * Fills params[0..INVOICE_FILTER_NPARAMS) for user (and every user's
 * when admin); they point into f and into static text.
 */
void invoice_filter_params(const struct invoice_filter *f, const char *user, bool admin,
    const char *params[INVOICE_FILTER_NPARAMS]);
/* The same and the page's: params[0..INVOICE_LIST_NPARAMS). */
void invoice_page_params(const struct invoice_filter *f, const struct invoice_page *p, const char *user,
    bool admin, const char *params[INVOICE_LIST_NPARAMS]);

/*
 * The next page's cursor, after the invoice id whose sort key is key
 * (NULL when it has none), for the order of p.
 */
void invoice_page_cursor(const struct invoice_page *p, const char *key, const char *id, char out[CURSOR_MAX]);
/* Moves p on to the page after that invoice, as its cursor would. */
void invoice_page_after(struct invoice_page *p, const char *key, const char *id);

#endif
