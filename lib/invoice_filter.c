/*
 * invoice_filter: see invoice_filter.h.
 */
#include <stdio.h>
#include <string.h>

#include "lib/invoice_filter.h"
#include "lib/page.h"

static const struct {
	const char *name;	/* as ?sort= says it */
	char order;		/* in its cursors */
	enum invoice_kind key;	/* what a cursor's key must be */
} sorts[INVOICE_NSORTS] = {
	[INVOICE_SORT_CREATED] = { NULL, 'c', INVOICE_KIND_TEXT },
	[INVOICE_SORT_DATE] = { "invoice_date", 'd', INVOICE_KIND_DATE },
	[INVOICE_SORT_DATE_DESC] = { "-invoice_date", 'D', INVOICE_KIND_DATE },
	[INVOICE_SORT_TOTAL] = { "total", 't', INVOICE_KIND_MONEY },
	[INVOICE_SORT_TOTAL_DESC] = { "-total", 'T', INVOICE_KIND_MONEY },
};

/*
 * Reads parameter name as a value of field f into buf (size bytes).
 * Returns 1 when it was there, 0 when absent, -1 with why set.
 */
static int
read_value(invoice_query_fn query, void *arg, const char *name, enum invoice_field f, char *buf,
    size_t size, char *why, size_t whysize)
{
	char field_why[160];
	size_t len;
	const char *v = query(arg, name, &len);

	if (v == NULL)
		return 0;
	if (!invoice_value_valid(f, v, len, field_why, sizeof(field_why)) || len >= size) {
		snprintf(why, whysize, "%s is not a valid %s: %s", name, invoice_field_name(f), field_why);
		return -1;
	}
	memcpy(buf, v, len);
	buf[len] = '\0';
	return 1;
}

/* A substring filter: text of at most INVOICE_TEXT_MAX bytes; empty is none. */
static int
read_text(invoice_query_fn query, void *arg, const char *name, char *buf, size_t size, char *why,
    size_t whysize)
{
	size_t len;
	const char *v = query(arg, name, &len);
	char field_why[160];

	if (v == NULL || len == 0)
		return 0;
	/* a control character could match across the fields q searches (lib/invoices.c) */
	if (!invoice_value_valid(INVOICE_SELLER_NAME, v, len, field_why, sizeof(field_why)) ||
	    memchr(v, '\n', len) != NULL || memchr(v, '\t', len) != NULL || len >= size) {
		snprintf(why, whysize, "%s must be UTF-8 text of at most %d bytes on one line", name,
		    INVOICE_TEXT_MAX);
		return -1;
	}
	memcpy(buf, v, len);
	buf[len] = '\0';
	return 1;
}

static int
compare_money(const char *a, const char *b)
{
	struct money ma, mb;

	money_from_canonical(a, strlen(a), &ma);
	money_from_canonical(b, strlen(b), &mb);
	return ma.units < mb.units ? -1 : ma.units > mb.units;
}

int
invoice_filter_read(struct invoice_filter *f, invoice_query_fn query, void *arg, char *why, size_t whysize)
{
	const char *v;
	size_t len;
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = read_value(query, arg, "from", INVOICE_DATE, f->from, sizeof(f->from), why, whysize)) < 0)
		return -1;
	f->value[INVOICE_P_FROM] = rc ? f->from : NULL;
	if ((rc = read_value(query, arg, "to", INVOICE_DATE, f->to, sizeof(f->to), why, whysize)) < 0)
		return -1;
	f->value[INVOICE_P_TO] = rc ? f->to : NULL;
	if (f->value[INVOICE_P_FROM] != NULL && f->value[INVOICE_P_TO] != NULL && strcmp(f->from, f->to) > 0) {
		snprintf(why, whysize, "from is after to");
		return -1;
	}
	if ((v = query(arg, "currency", &len)) != NULL) {
		char up[4];

		for (size_t i = 0; i < len && i < 3; i++)
			up[i] = (char)(v[i] >= 'a' && v[i] <= 'z' ? v[i] - 'a' + 'A' : v[i]);
		if (len != 3 || !invoice_value_valid(INVOICE_CURRENCY, up, 3, why, whysize)) {
			snprintf(why, whysize, "currency is not an ISO 4217 code like \"VND\"");
			return -1;
		}
		memcpy(f->currency, up, 3);
		f->value[INVOICE_P_CURRENCY] = f->currency;
	}
	if ((rc = read_value(query, arg, "min_total", INVOICE_TOTAL, f->min_total, sizeof(f->min_total), why,
	    whysize)) < 0)
		return -1;
	f->value[INVOICE_P_MIN_TOTAL] = rc ? f->min_total : NULL;
	if ((rc = read_value(query, arg, "max_total", INVOICE_TOTAL, f->max_total, sizeof(f->max_total), why,
	    whysize)) < 0)
		return -1;
	f->value[INVOICE_P_MAX_TOTAL] = rc ? f->max_total : NULL;
	if (f->value[INVOICE_P_MIN_TOTAL] != NULL && f->value[INVOICE_P_MAX_TOTAL] != NULL &&
	    compare_money(f->min_total, f->max_total) > 0) {
		snprintf(why, whysize, "min_total is above max_total");
		return -1;
	}
	if ((v = query(arg, "needs_review", &len)) != NULL) {
		if (len == 4 && memcmp(v, "true", 4) == 0)
			f->value[INVOICE_P_NEEDS_REVIEW] = "true";
		else if (len == 5 && memcmp(v, "false", 5) == 0)
			f->value[INVOICE_P_NEEDS_REVIEW] = "false";
		else {
			snprintf(why, whysize, "needs_review must be true or false");
			return -1;
		}
	}
	if ((rc = read_value(query, arg, "document_type", INVOICE_DOCUMENT_TYPE, f->document_type,
	    sizeof(f->document_type), why, whysize)) < 0)
		return -1;
	f->value[INVOICE_P_DOCUMENT_TYPE] = rc ? f->document_type : NULL;
	if ((rc = read_text(query, arg, "seller", f->seller, sizeof(f->seller), why, whysize)) < 0)
		return -1;
	f->value[INVOICE_P_SELLER] = rc ? f->seller : NULL;
	if ((rc = read_text(query, arg, "q", f->q, sizeof(f->q), why, whysize)) < 0)
		return -1;
	f->value[INVOICE_P_Q] = rc ? f->q : NULL;
	return 0;
}

/* Whether key is one the order's list gives out: "" (no key), or a value of its kind. */
static bool
key_valid(enum invoice_sort s, const char *key)
{
	size_t len = strlen(key);
	char why[8];

	if (s == INVOICE_SORT_CREATED) {
		if (len == 0 || len > 19)
			return false;
		for (size_t i = 0; i < len; i++)
			if (key[i] < '0' || key[i] > '9')
				return false;
		return true;
	}
	if (len == 0)
		return true;
	return invoice_value_valid(sorts[s].key == INVOICE_KIND_DATE ? INVOICE_DATE : INVOICE_TOTAL, key, len,
	    why, sizeof(why));
}

int
invoice_sort_read(struct invoice_page *p, int limit, invoice_query_fn query, void *arg, char *why,
    size_t whysize)
{
	size_t len;
	const char *v;

	memset(p, 0, sizeof(*p));
	p->sort = INVOICE_SORT_CREATED;
	p->limit = limit;
	snprintf(p->limit_param, sizeof(p->limit_param), "%d", limit);
	if ((v = query(arg, "sort", &len)) == NULL)
		return 0;
	for (int s = 1; s < INVOICE_NSORTS; s++)
		if (strlen(sorts[s].name) == len && memcmp(sorts[s].name, v, len) == 0) {
			p->sort = (enum invoice_sort)s;
			return 0;
		}
	snprintf(why, whysize, "sort must be invoice_date, -invoice_date, total or -total");
	return -1;
}

int
invoice_page_read(struct invoice_page *p, invoice_query_fn query, void *arg, char *why, size_t whysize)
{
	size_t len;
	const char *v;
	char text[CURSOR_MAX];

	if (invoice_sort_read(p, PAGE_DEFAULT, query, arg, why, whysize) != 0)
		return -1;
	v = query(arg, "limit", &len);
	if ((v != NULL && memchr(v, '\0', len) != NULL) || (p->limit = cursor_limit(v, PAGE_DEFAULT, PAGE_MAX)) < 0) {
		snprintf(why, whysize, "limit must be an integer from 1 to %d", PAGE_MAX);
		return -1;
	}
	snprintf(p->limit_param, sizeof(p->limit_param), "%d", p->limit);
	if ((v = query(arg, "cursor", &len)) == NULL)
		return 0;
	if (len >= sizeof(text) || memchr(v, '\0', len) != NULL)
		goto bad_cursor;
	memcpy(text, v, len);
	text[len] = '\0';
	if (cursor_key_decode(text, &p->after) != 0 || p->after.order != sorts[p->sort].order ||
	    !key_valid(p->sort, p->after.key))
		goto bad_cursor;
	p->has_cursor = true;
	return 0;
bad_cursor:
	snprintf(why, whysize, "cursor is not one this list gave out for this sort");
	return -1;
}

void
invoice_filter_params(const struct invoice_filter *f, const char *user, bool admin,
    const char *params[INVOICE_FILTER_NPARAMS])
{
	memcpy(params, f->value, sizeof(f->value));
	params[INVOICE_P_USER] = user;
	params[INVOICE_P_ADMIN] = admin ? "true" : "false";
}

void
invoice_page_params(const struct invoice_filter *f, const struct invoice_page *p, const char *user,
    bool admin, const char *params[INVOICE_LIST_NPARAMS])
{
	invoice_filter_params(f, user, admin, params);
	params[INVOICE_P_AFTER_KEY] = p->has_cursor && p->after.key[0] != '\0' ? p->after.key : NULL;
	params[INVOICE_P_AFTER_ID] = p->has_cursor ? p->after.id : NULL;
	params[INVOICE_P_LIMIT] = p->limit_param;
}

void
invoice_page_after(struct invoice_page *p, const char *key, const char *id)
{
	p->after.order = sorts[p->sort].order;
	snprintf(p->after.key, sizeof(p->after.key), "%s", key != NULL ? key : "");
	snprintf(p->after.id, sizeof(p->after.id), "%s", id);
	p->has_cursor = true;
}

void
invoice_page_cursor(const struct invoice_page *p, const char *key, const char *id, char out[CURSOR_MAX])
{
	struct invoice_page next = *p;

	invoice_page_after(&next, key, id);
	cursor_key_encode(&next.after, out);
}
