-- ocr 006: what GET /api/invoices filters and sorts by, found by index
-- (lib/invoices.c, the list statements).
--
-- Measured with EXPLAIN ANALYZE on 100k invoices of 20 users, one of
-- them holding half (2 vCPU, PostgreSQL 15): sorting that user's 50k by
-- date or total read them all and took 130-350 ms a page; with the two
-- btree indexes each half of the list statement (with the key, then
-- without) is one index range, forwards or backwards, stopping at the
-- page: 4-25 ms, most of it making the page's JSON.  A substring
-- (ILIKE '%...%') can use no btree: q read every row of the user through
-- the search text (300 ms), seller scanned in date order until it found
-- a page; with trigram indexes (pg_trgm) both are bitmap scans of the
-- rows that match, 15-30 ms.  An admin's list, every user's, sorts them
-- all (100-250 ms); it is rare, and has no index of its own.

-- trusted since PostgreSQL 13: the database's owner may create it
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One text for q: the invoice number, the seller, the buyer and each
-- line's description, joined by U+001F, which no field and no q holds
-- (lib/invoice, lib/invoice_filter), so that no match spans two of them.
CREATE FUNCTION ocr.invoice_search_text(number text, seller text, buyer text, items jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT coalesce(number, '') || E'\x1f' || coalesce(seller, '') || E'\x1f' || coalesce(buyer, '') || E'\x1f' ||
	coalesce((SELECT string_agg(e ->> 'description', E'\x1f') FROM jsonb_array_elements(items) e), '')
$$;

-- sort=(-)invoice_date and (-)total, with from/to and min_total/max_total
-- as ranges of the same; NULLs sit at the end of each user's range
CREATE INDEX invoices_user_date_idx ON ocr.invoices (user_id, invoice_date, id);
CREATE INDEX invoices_user_total_idx ON ocr.invoices (user_id, total, id);

CREATE INDEX invoices_seller_trgm_idx ON ocr.invoices USING gin (seller_name gin_trgm_ops);
CREATE INDEX invoices_search_trgm_idx ON ocr.invoices
	USING gin (ocr.invoice_search_text(invoice_number, seller_name, buyer_name, line_items) gin_trgm_ops);
