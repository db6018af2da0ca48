-- ocr 001: OCR jobs and the invoices extracted from them.
--
-- Applied once by `quillctl migrate` (in one transaction, as the admin
-- role of [database] admin).  quill_ocr, the login role of quill-ocrd and
-- quill-ocr-worker, may use this schema and nothing else: USAGE here, row
-- access to its tables, no CREATE, and PUBLIC loses its default rights on
-- the schema.  The role has no password: set one (ALTER ROLE ... PASSWORD)
-- or map it in pg_hba.conf as your installation requires.
--
-- user_id is the auth service's user id; it is not a foreign key because
-- services never reach into another schema.  Ids are made by the services:
-- a job id is handed out (202) before the job reaches the database.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'quill_ocr') THEN
		CREATE ROLE quill_ocr LOGIN;
	END IF;
END
$$;

CREATE SCHEMA ocr;
REVOKE ALL ON SCHEMA ocr FROM PUBLIC;
GRANT USAGE ON SCHEMA ocr TO quill_ocr;

-- Tables made by later migrations of the same admin role get the same rights.
ALTER DEFAULT PRIVILEGES IN SCHEMA ocr
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO quill_ocr;
ALTER DEFAULT PRIVILEGES IN SCHEMA ocr
	GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO quill_ocr;

CREATE TABLE ocr.ocr_jobs (
	id		uuid PRIMARY KEY,
	user_id		uuid NOT NULL,
	status		text NOT NULL DEFAULT 'queued'
			CONSTRAINT ocr_jobs_status_check
			CHECK (status IN ('queued', 'processing', 'done', 'failed')),
	filename	text,
	content_type	text,
	size_bytes	bigint CHECK (size_bytes >= 0),
	sha256		text CHECK (sha256 ~ '^[0-9a-f]{64}$'),	-- of the uploaded file
	attempts	integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	error		text,		-- why it failed, when it did
	text		text,		-- the recognised text
	mean_confidence	real,
	page_count	integer CHECK (page_count >= 0),
	created_at	timestamptz NOT NULL DEFAULT now(),
	started_at	timestamptz,
	finished_at	timestamptz
);
-- a user's jobs, newest first; id breaks ties for cursors
CREATE INDEX ocr_jobs_user_created_idx ON ocr.ocr_jobs (user_id, created_at, id);
CREATE INDEX ocr_jobs_status_idx ON ocr.ocr_jobs (status);

CREATE TABLE ocr.invoices (
	id		uuid PRIMARY KEY,
	-- the invoice outlives the deletion of the job it came from
	job_id		uuid REFERENCES ocr.ocr_jobs (id) ON DELETE SET NULL,
	user_id		uuid NOT NULL,
	invoice_number	text,
	vendor		text,
	invoice_date	date,
	due_date	date,
	currency	text,		-- ISO 4217 code when recognised
	subtotal	numeric(14,2),
	tax		numeric(14,2),
	total		numeric(14,2),
	-- every extracted field with its confidence, beyond the columns above
	fields		jsonb NOT NULL DEFAULT '{}'
			CONSTRAINT invoices_fields_object CHECK (jsonb_typeof(fields) = 'object'),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
-- a user's invoices, newest first; id breaks ties for cursors
CREATE INDEX invoices_user_created_idx ON ocr.invoices (user_id, created_at, id);
-- keeps ON DELETE SET NULL from scanning the whole table per deleted job
CREATE INDEX invoices_job_id_idx ON ocr.invoices (job_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ocr TO quill_ocr;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ocr TO quill_ocr;
