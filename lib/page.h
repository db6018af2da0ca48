/*
 * page: the ?limit and ?cursor of list routes, and the next_cursor they
 * answer with.  Lists are ordered by a time and then an id (lib/cursor);
 * a query asks for limit + 1 rows, and the extra row only says there is
 * more.
 */
#ifndef QUILL_PAGE_H
#define QUILL_PAGE_H

#include <stdbool.h>

#include <libpq-fe.h>
#include <yajl/yajl_gen.h>

#include "lib/cursor.h"

struct http_request;

#define PAGE_DEFAULT	50
#define PAGE_MAX	200

/* The page of a list route a client asked for. */
struct page {
	int limit;
	char limit_param[16];		/* limit as text, for the query */
	struct cursor after;
	bool has_cursor;
	char after_us[24];		/* after.time_us as text, for the query */
};

/* Reads hr's ?limit and ?cursor into p.  Returns 0, or -1 after answering 400. */
int page_read(struct http_request *hr, struct page *p);

/*
 * Writes the "next_cursor" member of a list: null when there is no more,
 * else the cursor after row `last`, from its microseconds and id columns.
 */
void page_next_cursor(yajl_gen g, const PGresult *res, bool more, int last, int time_col, int id_col);

/*
 * Answers 200 with {"items": [...], "next_cursor": ...} from res, which
 * holds up to p->limit + 1 rows: item() writes row i as one item; the
 * cursor comes from the time_col (microseconds) and id_col of the last
 * row shown.
 */
void page_answer(struct http_request *hr, const struct page *p, const PGresult *res,
    void (*item)(yajl_gen g, const PGresult *res, int row, int col), int time_col, int id_col);

#endif
