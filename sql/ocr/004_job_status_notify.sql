-- ocr 004: a job's change of status is announced on channel ocr_job_status.
--
-- quill-ocrd's event streams (GET /api/ocr/jobs/{id}/events) wait for
-- these instead of reading the row again and again: each ocrd worker keeps
-- one connection in LISTEN ocr_job_status (lib/pg_listen) and re-reads a
-- job only when told.  The payload is "<job id> <status>", status being
-- "deleted" when the row goes.  A NOTIFY is delivered at commit, so a
-- listener that reads the row after it sees the change.  Nothing depends
-- on a notification arriving: a listener that lost its connection
-- re-reads every job it watches once it is back.

CREATE FUNCTION ocr.notify_job_status() RETURNS trigger
	LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM pg_notify('ocr_job_status', OLD.id::text || ' deleted');
		RETURN OLD;
	END IF;
	PERFORM pg_notify('ocr_job_status', NEW.id::text || ' ' || NEW.status);
	RETURN NEW;
END
$$;

CREATE TRIGGER ocr_jobs_notify_insert AFTER INSERT ON ocr.ocr_jobs
	FOR EACH ROW EXECUTE FUNCTION ocr.notify_job_status();
-- attempts too: a job tried again shows its new count to its watchers
CREATE TRIGGER ocr_jobs_notify_update AFTER UPDATE OF status, attempts ON ocr.ocr_jobs
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.attempts IS DISTINCT FROM NEW.attempts)
	EXECUTE FUNCTION ocr.notify_job_status();
CREATE TRIGGER ocr_jobs_notify_delete AFTER DELETE ON ocr.ocr_jobs
	FOR EACH ROW EXECUTE FUNCTION ocr.notify_job_status();
