-- ocr 005: the invoice as the Invoices API serves it (ARCHITECTURE.md,
-- "Invoices API"), and the uploaded original it came from.
--
-- ocr.invoices of 001 was never written by any release, so it is made
-- again with the contract's fields.  Money is NUMERIC without a scale:
-- what the extractor or a client gives ("1234.56", VND "1250000") is
-- kept to the digit and served as the same text.  The fields a filter,
-- a sort or the stats read are columns; line items, confidences, review
-- reasons and the values as first extracted are JSON beside them.
--
-- An invoice made from a job is written in the statement that marks the
-- job done (lib/invoices.c): at most one per job, and a job read again
-- (quillctl jobs requeue) extracts again into the same invoice, keeping
-- what its owner corrected.  The job's JSON finds its invoice by job_id.
-- The original file lives as long as its invoice, not as the spool's
-- retention says, and goes with it.

DROP TABLE ocr.invoices;

CREATE TABLE ocr.invoices (
	id		uuid PRIMARY KEY,
	-- the invoice outlives the job it came from; NULL for one entered by hand
	job_id		uuid REFERENCES ocr.ocr_jobs (id) ON DELETE SET NULL,
	user_id		uuid NOT NULL,
	source		text NOT NULL
			CONSTRAINT invoices_source_check
			CHECK (source IN ('ocr', 'pdf_text', 'einvoice', 'manual')),
	document_type	text NOT NULL DEFAULT 'invoice'
			CONSTRAINT invoices_document_type_check
			CHECK (document_type IN ('invoice', 'receipt', 'utility_bill', 'e_wallet_receipt',
			    'credit_note')),
	language	text,
	invoice_number	text,
	invoice_date	date,
	due_date	date,
	seller_name	text,
	seller_address	text,
	seller_tax_id	text,
	buyer_name	text,
	buyer_address	text,
	buyer_tax_id	text,
	currency	text CONSTRAINT invoices_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
	-- lib/money's range: 14 integer digits, 4 decimals
	subtotal	numeric CONSTRAINT invoices_subtotal_range CHECK (abs(subtotal) < 1e14),
	tax_rate	numeric CONSTRAINT invoices_tax_rate_range CHECK (tax_rate >= 0 AND tax_rate <= 100),
	tax_amount	numeric CONSTRAINT invoices_tax_amount_range CHECK (abs(tax_amount) < 1e14),
	total		numeric CONSTRAINT invoices_total_range CHECK (abs(total) < 1e14),
	payment_method	text,
	payment_account	text,
	transaction_id	text,
	customer_code	text,
	-- [{description, quantity, unit_price, amount}], numbers as decimal strings
	line_items	jsonb NOT NULL DEFAULT '[]'
			CONSTRAINT invoices_line_items_array CHECK (jsonb_typeof(line_items) = 'array'),
	-- {field: 0..1}
	confidence	jsonb NOT NULL DEFAULT '{}'
			CONSTRAINT invoices_confidence_object CHECK (jsonb_typeof(confidence) = 'object'),
	needs_review	boolean NOT NULL DEFAULT false,
	review_reasons	jsonb NOT NULL DEFAULT '[]'
			CONSTRAINT invoices_review_reasons_array CHECK (jsonb_typeof(review_reasons) = 'array'),
	-- {field: value as first extracted}; kept through every correction
	extracted	jsonb NOT NULL DEFAULT '{}'
			CONSTRAINT invoices_extracted_object CHECK (jsonb_typeof(extracted) = 'object'),
	-- the fields their owner set by hand
	corrected	text[] NOT NULL DEFAULT '{}',
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- one invoice per job (many NULLs: those entered by hand); also keeps
-- ON DELETE SET NULL from scanning the table per deleted job
CREATE UNIQUE INDEX invoices_job_id_key ON ocr.invoices (job_id);
-- a user's invoices, newest first; id breaks ties for cursors
CREATE INDEX invoices_user_created_idx ON ocr.invoices (user_id, created_at, id);

CREATE TABLE ocr.invoice_originals (
	invoice_id	uuid PRIMARY KEY REFERENCES ocr.invoices (id) ON DELETE CASCADE,
	filename	text,
	content_type	text NOT NULL,
	sha256		text,
	body		bytea NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON ocr.invoices, ocr.invoice_originals TO quill_ocr;
