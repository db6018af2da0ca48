-- auth 001: user accounts and their refresh-token sessions.
--
-- Applied once by `quillctl migrate` (in one transaction, as the admin
-- role of [database] admin).  quill_auth, the login role of quill-authd,
-- may use this schema and nothing else: USAGE here, row access to its
-- tables, no CREATE, and PUBLIC loses its default rights on the schema.
-- The role has no password: set one (ALTER ROLE ... PASSWORD) or map it
-- in pg_hba.conf as your installation requires.
--
-- Ids are made by the service (UUIDs), so they carry no default.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'quill_auth') THEN
		CREATE ROLE quill_auth LOGIN;
	END IF;
END
$$;

CREATE SCHEMA auth;
REVOKE ALL ON SCHEMA auth FROM PUBLIC;
GRANT USAGE ON SCHEMA auth TO quill_auth;

-- Tables made by later migrations of the same admin role get the same rights.
ALTER DEFAULT PRIVILEGES IN SCHEMA auth
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO quill_auth;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth
	GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO quill_auth;

CREATE TABLE auth.users (
	id		uuid PRIMARY KEY,
	-- stored lower-case so the unique constraint is case-insensitive
	email		text NOT NULL
			CONSTRAINT users_email_key UNIQUE
			CONSTRAINT users_email_lower CHECK (email = lower(email) AND email <> ''),
	password_hash	text NOT NULL,
	name		text NOT NULL DEFAULT '',
	role		text NOT NULL DEFAULT 'user'
			CONSTRAINT users_role_check CHECK (role IN ('user', 'admin')),
	is_active	boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth.user_sessions (
	id			uuid PRIMARY KEY,
	user_id			uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
	-- a hash of the refresh token: a stolen table yields no usable token
	refresh_token_hash	bytea NOT NULL CONSTRAINT user_sessions_token_key UNIQUE,
	created_at		timestamptz NOT NULL DEFAULT now(),
	last_used_at		timestamptz NOT NULL DEFAULT now(),
	expires_at		timestamptz NOT NULL,
	revoked_at		timestamptz,
	ip			text,
	user_agent		text
);
CREATE INDEX user_sessions_user_id_idx ON auth.user_sessions (user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA auth TO quill_auth;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA auth TO quill_auth;
