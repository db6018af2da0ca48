/*
 * Unit tests for lib/invoices: the statements against the enums and
 * parameters they are read and filled by -- the value columns and the
 * values from a record one for one, each list statement using exactly
 * the parameters lib/invoice_filter fills, the Invoice's keys in the
 * contract's order.  The statements themselves run in
 * tests/integration/78_invoices.sh.
 */
#include <stdio.h>
#include <string.h>

#include "lib/invoices.h"
#include "tests/unit/sql_columns.h"
#include "tests/unit/tap.h"

/* The highest $n in sql. */
static int
max_param(const char *sql)
{
	int max = 0, n;

	for (const char *p = strchr(sql, '$'); p != NULL; p = strchr(p + 1, '$'))
		if (sscanf(p + 1, "%d", &n) == 1 && n > max)
			max = n;
	return max;
}

/* Whether every $1..$n occurs in sql. */
static bool
uses_all(const char *sql, int n)
{
	char name[8];

	for (int i = 1; i <= n; i++) {
		const char *p = sql;
		bool found = false;

		snprintf(name, sizeof(name), "$%d", i);
		while ((p = strstr(p, name)) != NULL && !found) {
			p += strlen(name);
			found = *p < '0' || *p > '9';
		}
		if (!found)
			return false;
	}
	return true;
}

int
main(void)
{
	static const char *const keys[] = {
		"'id'", "'job_id'", "'invoice_number'", "'invoice_date'", "'due_date'", "'seller_name'",
		"'seller_address'", "'seller_tax_id'", "'buyer_name'", "'buyer_address'", "'buyer_tax_id'",
		"'currency'", "'subtotal'", "'tax_rate'", "'tax_amount'", "'total'", "'language'", "'line_items'",
		"'confidence'", "'needs_review'", "'review_reasons'", "'extracted'", "'corrected'",
		"'document_type'", "'payment_method'", "'payment_account'", "'transaction_id'", "'customer_code'",
		"'source'", "'created_at'", "'updated_at'",
	};
	const char *at = invoice_sql_get;
	bool in_order = true;

	is_int(count_columns(INVOICE_VALUE_COLUMNS), count_columns(INVOICE_VALUES("r")),
	    "a value from the record for each value column");
	is_int(count_columns(INVOICE_VALUE_COLUMNS), 23, "  23 of them");
	for (int f = 0; f < INVOICE_NFIELDS; f++) {
		char col[48];

		snprintf(col, sizeof(col), "%s", invoice_field_name((enum invoice_field)f));
		if (strstr(INVOICE_VALUE_COLUMNS, col) == NULL)
			printf("# %s is not a value column\n", col);
		ok(strstr(INVOICE_VALUE_COLUMNS, col) != NULL, "  lib/invoice's field is a value column");
	}

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *k = strstr(at, keys[i]);

		if (k == NULL) {
			printf("# %s out of order\n", keys[i]);
			in_order = false;
			break;
		}
		at = k + strlen(keys[i]);
	}
	ok(in_order, "the Invoice's keys come in the contract's order");

	for (int s = 0; s < INVOICE_NSORTS; s++) {
		char about[64];

		snprintf(about, sizeof(about), "list statement %d uses $1..$%d and no more", s, INVOICE_LIST_NPARAMS);
		ok(max_param(invoice_sql_list[s]) == INVOICE_LIST_NPARAMS && uses_all(invoice_sql_list[s],
		    INVOICE_LIST_NPARAMS), about);
	}
	for (int s = 0; s < INVOICE_NSORTS; s++) {
		char about[80];

		snprintf(about, sizeof(about), "export statement %d uses $1..$%d, as the list in its order", s,
		    INVOICE_LIST_NPARAMS);
		ok(max_param(invoice_sql_export[s]) == INVOICE_LIST_NPARAMS && uses_all(invoice_sql_export[s],
		    INVOICE_LIST_NPARAMS) && strncmp(invoice_sql_export[s], invoice_sql_list[s], 40) == 0, about);
	}
	ok(max_param(invoice_sql_stats) == INVOICE_STATS_NPARAMS && uses_all(invoice_sql_stats, INVOICE_STATS_NPARAMS),
	    "the stats statement uses the filters and the group");
	ok(max_param(invoice_sql_values) == 3, "the values statement takes id, user, admin");

	/* the values' columns are named, in enum invoice_row_column's order, as lib/invoice_row reads them */
	{
		static const char *const own[] = { "id", "source", "created_at", "language", "needs_review",
			"line_items" };
		const char *v = invoice_sql_values;
		char as[64];
		int named = 0;

		for (int c = 0; c < INVOICE_ROW_NCOLUMNS; c++) {
			snprintf(as, sizeof(as), " AS %s%s", c < INVOICE_ROW_FIELDS ? own[c] :
			    invoice_field_name((enum invoice_field)(c - INVOICE_ROW_FIELDS)),
			    c + 1 < INVOICE_ROW_NCOLUMNS ? "," : " ");
			if ((v = strstr(v, as)) == NULL) {
				printf("# column %d (%s) is not where it should be\n", c, as);
				break;
			}
			named++;
		}
		is_int(named, INVOICE_ROW_NCOLUMNS, "the values' columns are named in their enum's order");
		is_int(count_columns(strchr(invoice_sql_values, ' ') + 1) , INVOICE_ROW_NCOLUMNS,
		    "  and are all there is (before FROM)");
	}
	ok(max_param(invoice_sql_get) == 3 && max_param(invoice_sql_delete) == 3 &&
	    max_param(invoice_sql_original) == 3, "get, delete and original take id, user, admin");
	ok(max_param(invoice_sql_create) == 3 && max_param(invoice_sql_patch) == 5, "create takes 3, patch 5");
	ok(strstr(INVOICE_ID_OF_JOB("j.id"), "iv.job_id = j.id") != NULL, "a job's invoice is found by its job_id");
	return done_testing();
}
