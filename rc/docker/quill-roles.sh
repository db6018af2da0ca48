#!/bin/sh
# The login roles of the quill services, with passwords.  The postgres
# image runs this once, when it initialises an empty data volume
# (compose.yaml mounts it in /docker-entrypoint-initdb.d).  The migrations
# make these roles without a password, which cannot log in over the
# container network; made here first, they are left as they are by the
# migrations.  psql's \getenv keeps the passwords off its command line.
: "${AUTH_DB_PASSWORD:?}" "${CHAT_DB_PASSWORD:?}" "${OCR_DB_PASSWORD:?}"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\getenv auth_password AUTH_DB_PASSWORD
\getenv chat_password CHAT_DB_PASSWORD
\getenv ocr_password OCR_DB_PASSWORD
CREATE ROLE quill_auth LOGIN PASSWORD :'auth_password';
CREATE ROLE quill_chat LOGIN PASSWORD :'chat_password';
CREATE ROLE quill_ocr LOGIN PASSWORD :'ocr_password';
SQL
