/*
 * Unit tests for lib/invoice_filter: each filter alone and together, the
 * values refused with a message naming their parameter, the page's limit
 * and sort, and cursors made for one order read back by it and refused
 * by another, the export's walk over every page.  Also lib/cursor's
 * keyed cursors, which only it uses.
 */
#include <stdio.h>
#include <string.h>

#include "lib/invoice_filter.h"
#include "tests/unit/tap.h"

/* A query string as name/value pairs; values may hold a NUL (len says). */
struct query {
	const char *name[8];
	const char *value[8];
	size_t len[8];
};

static const char *
lookup(void *arg, const char *name, size_t *len)
{
	struct query *q = arg;

	for (int i = 0; i < 8 && q->name[i] != NULL; i++)
		if (strcmp(q->name[i], name) == 0) {
			*len = q->len[i] != 0 ? q->len[i] : strlen(q->value[i]);
			return q->value[i];
		}
	return NULL;
}

/* One parameter alone: the filter's return code, why in why. */
static int
one(const char *name, const char *value, struct invoice_filter *f, char *why, size_t whysize)
{
	struct query q = { { name }, { value }, { 0 } };

	why[0] = '\0';
	return invoice_filter_read(f, lookup, &q, why, whysize);
}

static int
page_one(const char *name, const char *value, const char *name2, const char *value2, struct invoice_page *p,
    char *why, size_t whysize)
{
	struct query q = { { name, name2 }, { value, value2 }, { 0 } };

	why[0] = '\0';
	return invoice_page_read(p, lookup, &q, why, whysize);
}

static void
test_filters(void)
{
	struct invoice_filter f;
	const char *params[INVOICE_FILTER_NPARAMS];
	char why[200];
	struct query all = {
		{ "from", "to", "seller", "currency", "min_total", "max_total", "needs_review", "q" },
		{ "2023-01-01", "2023-12-31", "Minh Phát", "vnd", "1000", "1250000.50", "true", "50%_off" },
		{ 0 }
	};
	struct query kind = { { "document_type" }, { "utility_bill" }, { 0 } };

	is_int(invoice_filter_read(&f, lookup, &all, why, sizeof(why)), 0, "every filter at once is read");
	invoice_filter_params(&f, "0b4f2f4e-6c4e-4b7a-9d1e-3a2b1c0d9e8f", false, params);
	is_str(params[INVOICE_P_USER], "0b4f2f4e-6c4e-4b7a-9d1e-3a2b1c0d9e8f", "  the user first");
	is_str(params[INVOICE_P_ADMIN], "false", "  then whether an admin asks");
	is_str(params[INVOICE_P_FROM], "2023-01-01", "  from");
	is_str(params[INVOICE_P_TO], "2023-12-31", "  to");
	is_str(params[INVOICE_P_SELLER], "Minh Phát", "  seller as given (the statement makes it a pattern)");
	is_str(params[INVOICE_P_CURRENCY], "VND", "  currency in capitals");
	is_str(params[INVOICE_P_MIN_TOTAL], "1000", "  min_total");
	is_str(params[INVOICE_P_MAX_TOTAL], "1250000.50", "  max_total, its digits kept");
	is_str(params[INVOICE_P_NEEDS_REVIEW], "true", "  needs_review");
	is_str(params[INVOICE_P_Q], "50%_off", "  q, its % and _ left to the statement to escape");
	ok(params[INVOICE_P_DOCUMENT_TYPE] == NULL, "  no document_type: NULL");
	is_int(invoice_filter_read(&f, lookup, &kind, why, sizeof(why)), 0, "document_type=utility_bill");
	is_str(f.value[INVOICE_P_DOCUMENT_TYPE], "utility_bill", "  read");

	struct query none = { { "unknown" }, { "x" }, { 0 } };
	is_int(invoice_filter_read(&f, lookup, &none, why, sizeof(why)), 0, "no filter at all is read");
	invoice_filter_params(&f, "u", true, params);
	ok(params[INVOICE_P_FROM] == NULL && params[INVOICE_P_Q] == NULL && params[INVOICE_P_CURRENCY] == NULL,
	    "  each is NULL: no filter");
	is_str(params[INVOICE_P_ADMIN], "true", "  an admin's");

	is_int(one("seller", "", &f, why, sizeof(why)), 0, "an empty seller is no filter");
	ok(f.value[INVOICE_P_SELLER] == NULL, "  NULL");
	is_int(one("needs_review", "false", &f, why, sizeof(why)), 0, "needs_review=false");
	is_str(f.value[INVOICE_P_NEEDS_REVIEW], "false", "  is false");
	is_int(one("max_total", "-12.5", &f, why, sizeof(why)), 0, "a negative max_total (a credit note's)");
	is_int(one("currency", "usd", &f, why, sizeof(why)), 0, "currency usd");
	is_str(f.value[INVOICE_P_CURRENCY], "USD", "  is USD");
}

static void
test_refused(void)
{
	static const struct {
		const char *name, *value;
		size_t len;
		const char *about;
	} bad[] = {
		{ "from", "2023-02-30", 0, "a date that is not in the calendar" },
		{ "from", "2023-2-3", 0, "a date not YYYY-MM-DD" },
		{ "to", "yesterday", 0, "a word for a date" },
		{ "min_total", "1,000", 0, "money with a group separator" },
		{ "min_total", "1e3", 0, "money as an exponent" },
		{ "max_total", "12.34567", 0, "money with five decimals" },
		{ "max_total", "", 0, "an empty amount" },
		{ "currency", "VN", 0, "a two-letter currency" },
		{ "currency", "VNDX", 0, "a four-letter currency" },
		{ "currency", "V1D", 0, "a currency with a digit" },
		{ "needs_review", "yes", 0, "needs_review yes" },
		{ "document_type", "bill", 0, "an unknown document type" },
		{ "needs_review", "TRUE", 0, "needs_review in capitals" },
		{ "q", "a\x1f" "b", 0, "q with a control character" },
		{ "q", "a\nb", 0, "q over two lines" },
		{ "seller", "\xff\xfe", 0, "a seller that is not UTF-8" },
		{ "seller", "a\0b", 3, "a seller with a NUL" },
		{ "from", "2023-01-01\0x", 12, "a date with a NUL and more" },
	};
	struct invoice_filter f;
	char why[200], about[300];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct query q = { { bad[i].name }, { bad[i].value }, { bad[i].len } };
		int rc = invoice_filter_read(&f, lookup, &q, why, sizeof(why));

		snprintf(about, sizeof(about), "%s is refused", bad[i].about);
		ok(rc == -1, about);
		snprintf(about, sizeof(about), "  naming %s (%s)", bad[i].name, why);
		ok(strncmp(why, bad[i].name, strlen(bad[i].name)) == 0, about);
	}
	{
		char big[INVOICE_TEXT_MAX + 2];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ok(one("q", big, &f, why, sizeof(why)) == -1, "a q over 1000 bytes is refused");
	}
	struct query range = { { "from", "to" }, { "2023-02-01", "2023-01-01" }, { 0 } };
	ok(invoice_filter_read(&f, lookup, &range, why, sizeof(why)) == -1, "from after to is refused");
	struct query totals = { { "min_total", "max_total" }, { "100.5", "99" }, { 0 } };
	ok(invoice_filter_read(&f, lookup, &totals, why, sizeof(why)) == -1, "min_total above max_total is refused");
	struct query equal = { { "min_total", "max_total" }, { "100.50", "100.5" }, { 0 } };
	ok(invoice_filter_read(&f, lookup, &equal, why, sizeof(why)) == 0, "  equal ones are not (100.50 = 100.5)");
}

static void
test_page(void)
{
	struct invoice_page p, back;
	struct invoice_filter f;
	const char *params[INVOICE_LIST_NPARAMS];
	char why[200], cursor[CURSOR_MAX];
	static const char *const id = "8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f";

	is_int(page_one("x", "y", NULL, NULL, &p, why, sizeof(why)), 0, "no page parameters");
	ok(p.sort == INVOICE_SORT_CREATED && p.limit == 50 && !p.has_cursor, "  newest first, 50, from the start");
	is_int(page_one("sort", "-total", "limit", "3", &p, why, sizeof(why)), 0, "sort=-total&limit=3");
	ok(p.sort == INVOICE_SORT_TOTAL_DESC && p.limit == 3, "  read");
	ok(page_one("sort", "date", NULL, NULL, &p, why, sizeof(why)) == -1 && strncmp(why, "sort", 4) == 0,
	    "an unknown sort is refused, naming sort");
	ok(page_one("limit", "0", NULL, NULL, &p, why, sizeof(why)) == -1 && strncmp(why, "limit", 5) == 0,
	    "limit 0 is refused, naming limit");
	ok(page_one("limit", "201", NULL, NULL, &p, why, sizeof(why)) == -1, "limit 201 is refused");
	ok(page_one("cursor", "garbage", NULL, NULL, &p, why, sizeof(why)) == -1 && strncmp(why, "cursor", 6) == 0,
	    "a cursor the list never gave is refused, naming cursor");

	/* each order's cursor, with a key and without */
	static const struct {
		const char *sort, *key;
	} made[] = {
		{ NULL, "1764000000123456" }, { "invoice_date", "2023-01-31" }, { "invoice_date", NULL },
		{ "-invoice_date", "1999-12-31" }, { "total", "1234.50" }, { "total", NULL }, { "-total", "-5" },
	};
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		char about[160];

		page_one(made[i].sort != NULL ? "sort" : "x", made[i].sort != NULL ? made[i].sort : "", NULL, NULL, &p,
		    why, sizeof(why));
		invoice_page_cursor(&p, made[i].key, id, cursor);
		snprintf(about, sizeof(about), "a cursor of sort %s after key %s reads back", made[i].sort ? made[i].sort :
		    "(default)", made[i].key ? made[i].key : "(none)");
		ok(page_one(made[i].sort != NULL ? "sort" : "x", made[i].sort != NULL ? made[i].sort : "", "cursor", cursor,
		    &back, why, sizeof(why)) == 0 && back.has_cursor, about);
		is_str(back.after.key, made[i].key != NULL ? made[i].key : "", "  with its key");
		is_str(back.after.id, id, "  and its id");
		ok(page_one("sort", made[i].sort != NULL && strcmp(made[i].sort, "total") == 0 ? "-total" : "total",
		    "cursor", cursor, &back, why, sizeof(why)) == -1, "  another sort refuses it");
	}

	/* the parameters of a page after a cursor without a key */
	page_one("sort", "total", NULL, NULL, &p, why, sizeof(why));
	invoice_page_cursor(&p, NULL, id, cursor);
	page_one("sort", "total", "cursor", cursor, &p, why, sizeof(why));
	memset(&f, 0, sizeof(f));
	invoice_page_params(&f, &p, "u", false, params);
	ok(params[INVOICE_P_AFTER_KEY] == NULL, "after an invoice without a total, the key is NULL");
	is_str(params[INVOICE_P_AFTER_ID], id, "  and the id is the cursor's");
	is_str(params[INVOICE_P_LIMIT], "50", "  the limit follows");
	page_one("x", "y", NULL, NULL, &p, why, sizeof(why));
	invoice_page_params(&f, &p, "u", false, params);
	ok(params[INVOICE_P_AFTER_KEY] == NULL && params[INVOICE_P_AFTER_ID] == NULL, "no cursor: both NULL");

	/* a default-order cursor's key must be microseconds, a date order's a date */
	struct cursor_key forged = { 'c', "2023-01-01", "" };
	snprintf(forged.id, sizeof(forged.id), "%s", id);
	cursor_key_encode(&forged, cursor);
	ok(page_one("cursor", cursor, NULL, NULL, &p, why, sizeof(why)) == -1, "a default cursor keyed by a date is refused");
	struct cursor_key forged2 = { 'd', "2023-02-30", "" };
	snprintf(forged2.id, sizeof(forged2.id), "%s", id);
	cursor_key_encode(&forged2, cursor);
	ok(page_one("sort", "invoice_date", "cursor", cursor, &p, why, sizeof(why)) == -1,
	    "a date cursor with 2023-02-30 is refused");
}

/* The export's walk: sort alone, the server's page size, then each page after the last row. */
static void
test_walk(void)
{
	static const char id[] = "8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f";
	struct query q = { { "sort", "limit", "cursor" }, { "-total", "0", "garbage" }, { 0 } };
	struct invoice_page p;
	struct invoice_filter f;
	const char *params[INVOICE_LIST_NPARAMS];
	char why[200];

	ok(invoice_sort_read(&p, 200, lookup, &q, why, sizeof(why)) == 0 && p.sort == INVOICE_SORT_TOTAL_DESC,
	    "invoice_sort_read reads sort");
	ok(p.limit == 200 && strcmp(p.limit_param, "200") == 0 && !p.has_cursor,
	    "  the page size is the caller's; limit and cursor are not read");
	q.value[0] = "cheapest";
	ok(invoice_sort_read(&p, 200, lookup, &q, why, sizeof(why)) == -1 && strncmp(why, "sort", 4) == 0,
	    "  an unknown sort is refused, naming sort");
	q.name[0] = "x";
	ok(invoice_sort_read(&p, 200, lookup, &q, why, sizeof(why)) == 0 && p.sort == INVOICE_SORT_CREATED,
	    "  none: newest first");

	q.name[0] = "sort";
	q.value[0] = "total";
	invoice_sort_read(&p, 200, lookup, &q, why, sizeof(why));
	memset(&f, 0, sizeof(f));
	invoice_page_after(&p, "12.50", id);
	invoice_page_params(&f, &p, "u", false, params);
	ok(p.has_cursor && p.after.order == 't', "invoice_page_after moves on as the order's cursor would");
	is_str(params[INVOICE_P_AFTER_KEY], "12.50", "  after the last row's key");
	is_str(params[INVOICE_P_AFTER_ID], id, "  and id");
	invoice_page_after(&p, NULL, id);
	invoice_page_params(&f, &p, "u", false, params);
	ok(params[INVOICE_P_AFTER_KEY] == NULL && params[INVOICE_P_AFTER_ID] != NULL,
	    "  after one without the key: the key NULL, the id set");
}

static void
test_cursor_key(void)
{
	struct cursor_key c = { 'T', "-1234.5678", "8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f" }, back;
	char text[CURSOR_MAX];
	struct cursor_key longest = { 'x', "", "8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f" };

	cursor_key_encode(&c, text);
	ok(cursor_key_decode(text, &back) == 0 && back.order == 'T' && strcmp(back.key, c.key) == 0 &&
	    strcmp(back.id, c.id) == 0, "a keyed cursor reads back");
	ok(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(text),
	    "  as base64url");
	memset(longest.key, '9', CURSOR_KEY_MAX - 1);
	longest.key[CURSOR_KEY_MAX - 1] = '\0';
	cursor_key_encode(&longest, text);
	ok(cursor_key_decode(text, &back) == 0 && strlen(back.key) == CURSOR_KEY_MAX - 1,
	    "the longest key fits in a cursor");
	ok(cursor_key_decode("", &back) == -1, "an empty cursor is refused");
	struct cursor time = { 1764000000123456, "8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f" };
	cursor_encode(&time, text);
	ok(cursor_key_decode(text, &back) == -1, "a time cursor is no keyed cursor");
	cursor_key_encode(&c, text);
	struct cursor t;
	ok(cursor_decode(text, &t) == -1, "  nor the other way round");
}

int
main(void)
{
	test_filters();
	test_refused();
	test_page();
	test_walk();
	test_cursor_key();
	return done_testing();
}
