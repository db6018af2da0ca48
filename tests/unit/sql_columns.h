/*
 * sql_columns: what the unit tests of lib/jobs and lib/invoices count
 * in their statements' text.
 */
#ifndef QUILL_TEST_SQL_COLUMNS_H
#define QUILL_TEST_SQL_COLUMNS_H

/* Columns of a select list: commas outside parentheses and quotes, plus one. */
static int
count_columns(const char *list)
{
	int depth = 0, n = 1;
	char quote = 0;

	for (const char *p = list; *p != '\0'; p++) {
		if (quote != 0) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == ',' && depth == 0)
			n++;
	}
	return n;
}

#endif
