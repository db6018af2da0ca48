-- ocr 002: what the spool and the workers record about a job.
--
-- A job's row is written by quill-ocrd when it accepts the upload, or,
-- when PostgreSQL was away then (or the file came through the drop-in
-- directory), by the worker that claims it: the spool file carries
-- everything the row needs.  The row is finished (done or failed) once:
-- a file that comes back to new/ after a crash finds it finished and is
-- only moved on.

ALTER TABLE ocr.ocr_jobs
	ADD COLUMN source		text NOT NULL DEFAULT 'upload'
				CONSTRAINT ocr_jobs_source_check CHECK (source IN ('upload', 'dropin')),
	ADD COLUMN idempotency_key	text,
	ADD COLUMN hocr			text,		-- tesseract's hOCR, all pages
	-- one object per recognised word: text, confidence, page and box
	ADD COLUMN words		jsonb,
	ADD COLUMN ocr_ms		integer CHECK (ocr_ms >= 0),	-- recognition time
	ADD COLUMN updated_at		timestamptz NOT NULL DEFAULT now();

-- Idempotency-Key: the same key from the same user names the same job.
CREATE UNIQUE INDEX ocr_jobs_user_idempotency_key ON ocr.ocr_jobs (user_id, idempotency_key)
	WHERE idempotency_key IS NOT NULL;
