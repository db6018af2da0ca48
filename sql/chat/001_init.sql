-- chat 001: conversations, their messages, and the sentiment of messages.
--
-- Applied once by `quillctl migrate` (in one transaction, as the admin
-- role of [database] admin).  quill_chat, the login role of quill-chatd,
-- may use this schema and nothing else: USAGE here, row access to its
-- tables, no CREATE, and PUBLIC loses its default rights on the schema.
-- The role has no password: set one (ALTER ROLE ... PASSWORD) or map it
-- in pg_hba.conf as your installation requires.
--
-- user_id is the auth service's user id; it is not a foreign key because
-- services never reach into another schema.  Ids are made by the service,
-- except a sentiment row's, which nobody needs before it is stored.

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'quill_chat') THEN
		CREATE ROLE quill_chat LOGIN;
	END IF;
END
$$;

CREATE SCHEMA chat;
REVOKE ALL ON SCHEMA chat FROM PUBLIC;
GRANT USAGE ON SCHEMA chat TO quill_chat;

-- Tables made by later migrations of the same admin role get the same rights.
ALTER DEFAULT PRIVILEGES IN SCHEMA chat
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO quill_chat;
ALTER DEFAULT PRIVILEGES IN SCHEMA chat
	GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO quill_chat;

CREATE TABLE chat.conversations (
	id		uuid PRIMARY KEY,
	user_id		uuid NOT NULL,
	title		text,
	summary		text,		-- rolling summary of older messages, for the LLM
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
-- a user's conversations, most recent first; id breaks ties for cursors
CREATE INDEX conversations_user_updated_idx ON chat.conversations (user_id, updated_at, id);

CREATE TABLE chat.chat_history (
	id		uuid PRIMARY KEY,
	conversation_id	uuid NOT NULL REFERENCES chat.conversations (id) ON DELETE CASCADE,
	role		text NOT NULL
			CONSTRAINT chat_history_role_check
			CHECK (role IN ('system', 'user', 'assistant', 'tool')),
	content		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_history_conversation_created_idx ON chat.chat_history (conversation_id, created_at, id);

CREATE TABLE chat.sentiment_analysis (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	message_id	uuid NOT NULL
			CONSTRAINT sentiment_analysis_message_key UNIQUE
			REFERENCES chat.chat_history (id) ON DELETE CASCADE,
	-- VADER scores: proportions in [0, 1], compound in [-1, 1]
	neg		double precision NOT NULL CHECK (neg BETWEEN 0 AND 1),
	neu		double precision NOT NULL CHECK (neu BETWEEN 0 AND 1),
	pos		double precision NOT NULL CHECK (pos BETWEEN 0 AND 1),
	compound	double precision NOT NULL CHECK (compound BETWEEN -1 AND 1),
	created_at	timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA chat TO quill_chat;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA chat TO quill_chat;
