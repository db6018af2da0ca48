-- auth 003: login failures per (account, client address).
--
-- 002 counted failures on the account itself, so anyone could lock anyone
-- out with a few wrong passwords.  Now each client address has its own
-- count for each account (lockout_failures within lockout_window lock
-- that pair only), and the sum of an account's counts within the window
-- is its ceiling (lockout_account_failures): past it, the account is
-- closed to addresses it has no session from (doc/ARCHITECTURE.md).
--
-- ip is the client address as quill-authd learned it (the gateway's
-- X-Quill-Client-Ip), '' when there was none.  Rows whose last failure
-- is older than the window count for nothing; quill-authd deletes them.

CREATE TABLE auth.login_failures (
	user_id		uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
	ip		text NOT NULL,
	failures	integer NOT NULL,
	last_failed_at	timestamptz NOT NULL,
	PRIMARY KEY (user_id, ip)
);
CREATE INDEX login_failures_last_failed_at_idx ON auth.login_failures (last_failed_at);

-- "Has this account a session from this address?"
CREATE INDEX user_sessions_user_id_ip_idx ON auth.user_sessions (user_id, ip);

ALTER TABLE auth.users
	DROP COLUMN failed_logins,
	DROP COLUMN last_failed_login_at;

GRANT SELECT, INSERT, UPDATE, DELETE ON auth.login_failures TO quill_auth;
