-- ocr 007: the stats read from an index alone (lib/invoices.c,
-- invoice_sql_stats).
--
-- GET /api/invoices/stats sums a user's invoices by month, seller or
-- currency.  With every row of the user to read, the planner chose a
-- sequential scan of the table, whose rows are wide (line items, the
-- extracted values): 136-326 ms for a user with 50,000 invoices of
-- 100,000 (bench/run-invoices, bench/RESULTS.md).  The per-user date
-- index of 006, with the columns the stats sum and group by carried in
-- its leaves, answers them from the index alone once autovacuum has
-- marked the pages visible, and still orders the list by date.
CREATE INDEX invoices_user_date_sums_idx ON ocr.invoices (user_id, invoice_date, id)
	INCLUDE (currency, seller_name, subtotal, tax_amount, total);
DROP INDEX ocr.invoices_user_date_idx;
