-- ocr 003: a deleted job stays deleted.
--
-- quill-ocrd deletes a job's row and the spool files it can reach.  A
-- worker may hold the job's file in cur/ at that moment, claimed but its
-- row not yet marked processing, or a dead worker's cur/ file may come
-- back to new/ later: either would write the row anew.  The deletion
-- leaves this mark, keyed by the job and the time of its upload (an upload
-- with the same Idempotency-Key after the deletion names the same job
-- with another time, and is a job of its own), and a worker that finds
-- the mark drops the file.  quillctl jobs purge removes marks older than
-- the retention, by which time no file of the job is left.

CREATE TABLE ocr.deleted_jobs (
	id		uuid NOT NULL,
	created_at	timestamptz NOT NULL,	-- the deleted upload's
	deleted_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (id, created_at)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON ocr.deleted_jobs TO quill_ocr;
