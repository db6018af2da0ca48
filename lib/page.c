/*
 * page: see page.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/http.h"
#include "lib/json.h"
#include "lib/page.h"

int
page_read(struct http_request *hr, struct page *p)
{
	const char *cursor = http_query(hr, "cursor");

	if ((p->limit = cursor_limit(http_query(hr, "limit"), PAGE_DEFAULT, PAGE_MAX)) < 0) {
		http_send_error(hr, 400, "bad_request", "limit must be an integer from 1 to 200");
		return -1;
	}
	snprintf(p->limit_param, sizeof(p->limit_param), "%d", p->limit);
	p->has_cursor = cursor != NULL;
	if (cursor != NULL && cursor_decode(cursor, &p->after) != 0) {
		http_send_error(hr, 400, "bad_request", "cursor is not one this list gave out");
		return -1;
	}
	snprintf(p->after_us, sizeof(p->after_us), "%lld", (long long)p->after.time_us);
	return 0;
}

void
page_next_cursor(yajl_gen g, const PGresult *res, bool more, int last, int time_col, int id_col)
{
	struct cursor next;
	char text[CURSOR_MAX];

	json_gen_key(g, "next_cursor");
	if (!more) {
		yajl_gen_null(g);
		return;
	}
	next.time_us = strtoll(PQgetvalue(res, last, time_col), NULL, 10);
	snprintf(next.id, sizeof(next.id), "%s", PQgetvalue(res, last, id_col));
	cursor_encode(&next, text);
	json_gen_string(g, text);
}

void
page_answer(struct http_request *hr, const struct page *p, const PGresult *res,
    void (*item)(yajl_gen g, const PGresult *res, int row, int col), int time_col, int id_col)
{
	int n = PQntuples(res), shown = n > p->limit ? p->limit : n;
	yajl_gen g = json_gen_new();

	yajl_gen_map_open(g);
	json_gen_key(g, "items");
	yajl_gen_array_open(g);
	for (int i = 0; i < shown; i++)
		item(g, res, i, 0);
	yajl_gen_array_close(g);
	page_next_cursor(g, res, n > p->limit, shown - 1, time_col, id_col);
	yajl_gen_map_close(g);
	http_send_gen(hr, 200, g);
}
