-- auth 002: login lockout, refresh-token reuse detection and the
-- revocation feed the other daemons poll.
--
-- Revocations are written by triggers, not by the service, so every way a
-- session or an account can end -- the API, quillctl, an operator's own
-- UPDATE or DELETE -- reaches the verifiers the same way.

-- Failed logins since the last success, and when the last one happened:
-- lockout_failures of them each within lockout_window of the previous
-- lock the account until last_failed_login_at + lockout_window.
ALTER TABLE auth.users
	ADD COLUMN failed_logins	integer NOT NULL DEFAULT 0,
	ADD COLUMN last_failed_login_at	timestamptz;

-- quill-authd deletes expired sessions every minute.
CREATE INDEX user_sessions_expires_at_idx ON auth.user_sessions (expires_at);

-- Refresh tokens a session has rotated away from.  Presenting one again
-- means the token was copied: the whole session is revoked.
CREATE TABLE auth.retired_refresh_tokens (
	token_hash	bytea PRIMARY KEY,
	session_id	uuid NOT NULL REFERENCES auth.user_sessions (id) ON DELETE CASCADE,
	retired_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retired_refresh_tokens_session_idx ON auth.retired_refresh_tokens (session_id);

-- What verifiers must refuse before tokens expire by themselves.  A row
-- with session_id refuses tokens of that session; a row with only user_id
-- refuses every token of that user issued at or before revoked_at.
-- Verifiers read it in seq order; rows older than the longest access
-- token lifetime are pruned by quill-authd.  revoked_at is the time of
-- the statement (clock_timestamp), not of its transaction's start, since
-- readers re-read the last seconds to catch rows committed late.
CREATE TABLE auth.revocations (
	seq		bigserial PRIMARY KEY,
	session_id	uuid,
	user_id		uuid NOT NULL,
	revoked_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revocations_revoked_at_idx ON auth.revocations (revoked_at);

CREATE FUNCTION auth.session_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO auth.revocations (session_id, user_id, revoked_at)
		VALUES (OLD.id, OLD.user_id, clock_timestamp());
	RETURN NULL;
END
$$;

CREATE TRIGGER user_sessions_revoked
	AFTER UPDATE OF revoked_at ON auth.user_sessions
	FOR EACH ROW
	WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
	EXECUTE FUNCTION auth.session_revoked();

-- A session deleted while open ends the same way (pruning deletes only
-- expired or long-revoked ones, which refuse nothing any more).
CREATE TRIGGER user_sessions_deleted
	AFTER DELETE ON auth.user_sessions
	FOR EACH ROW
	WHEN (OLD.revoked_at IS NULL AND OLD.expires_at > now())
	EXECUTE FUNCTION auth.session_revoked();

-- Deactivation ends every session of the account (each then revokes its
-- tokens through the trigger above), whoever deactivates it.
CREATE FUNCTION auth.user_deactivated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE auth.user_sessions SET revoked_at = now()
		WHERE user_id = NEW.id AND revoked_at IS NULL;
	RETURN NULL;
END
$$;

CREATE TRIGGER users_deactivated
	AFTER UPDATE OF is_active ON auth.users
	FOR EACH ROW
	WHEN (OLD.is_active AND NOT NEW.is_active)
	EXECUTE FUNCTION auth.user_deactivated();

-- A change of role (tokens carry the role) and deletion (its sessions go
-- with it, unrevoked) end every token the account holds.  Tokens carry
-- whole seconds, so one issued in the same second as the change is
-- refused too, until that second is over.
CREATE FUNCTION auth.user_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO auth.revocations (user_id, revoked_at) VALUES (OLD.id, clock_timestamp());
	RETURN NULL;
END
$$;

CREATE TRIGGER users_revoked_on_role
	AFTER UPDATE OF role ON auth.users
	FOR EACH ROW
	WHEN (OLD.role <> NEW.role)
	EXECUTE FUNCTION auth.user_revoked();

CREATE TRIGGER users_revoked_on_delete
	AFTER DELETE ON auth.users
	FOR EACH ROW
	EXECUTE FUNCTION auth.user_revoked();

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA auth TO quill_auth;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA auth TO quill_auth;
