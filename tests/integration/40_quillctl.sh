# quillctl: migrations (ordered, idempotent, checksummed), per-service roles
# confined to their schema, and the configuration commands.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

conf=$T_DIR/quill.conf
write_config "$conf"
ctl() { "$(program quillctl)" -c "$conf" "$@"; }
psql_as() { psql -X -q -At "host=$QUILL_TEST_PG_HOST dbname=quill user=$1" -c "$2" 2>&1; }

out=$(ctl migrate 2>&1)
is "$?" 0 "migrate succeeds"
out=$(ctl migrate 2>&1)
is "$?" 0 "migrate again succeeds"
like "$out" "nothing to do" "migrate again applies nothing"
out=$(ctl migrate --status 2>&1)
like "$out" "auth/001_init.sql.*applied" "status lists auth/001 as applied"
like "$out" "ocr/001_init.sql.*applied" "status lists ocr/001 as applied"
is "$(psql_as quill 'select count(*) from quill_admin.schema_migrations')" "$(ls "$QUILL_SRC"/sql/*/*.sql | wc -l)" \
	"one row per applied migration"

for t in auth.users auth.user_sessions chat.conversations chat.chat_history chat.sentiment_analysis \
	ocr.ocr_jobs ocr.invoices; do
	is "$(psql_as quill "select to_regclass('$t') is not null")" t "table $t exists"
done
is "$(psql_as quill_auth 'select count(*) from auth.users')" 0 "quill_auth reads its own schema"
like "$(psql_as quill_auth 'select count(*) from chat.conversations')" "permission denied" "quill_auth cannot read chat"
like "$(psql_as quill_chat 'select count(*) from ocr.ocr_jobs')" "permission denied" "quill_chat cannot read ocr"
like "$(psql_as quill_ocr 'select count(*) from auth.users')" "permission denied" "quill_ocr cannot read auth"
like "$(psql_as quill_ocr 'create table ocr.x(i int)')" "permission denied" "a service role cannot change its schema"

# A new migration is applied once, in order; an edited applied one is refused.
cp -r "$QUILL_SRC/sql" "$T_DIR/sql"
sed -i "s|^migrations_dir = .*|migrations_dir = $T_DIR/sql|" "$conf"
echo "CREATE TABLE ocr.migration_probe (i int);" >"$T_DIR/sql/ocr/900_probe.sql"
out=$(ctl migrate 2>&1)
like "$out" "applied ocr/900_probe.sql" "a new migration is applied"
out=$(ctl migrate --status 2>&1)
like "$out" "ocr/900_probe.sql.*applied" "and recorded"
echo "-- edited" >>"$T_DIR/sql/ocr/001_init.sql"
out=$(ctl migrate 2>&1)
is "$?" 1 "an edited applied migration stops migrate"
like "$out" "ocr/001_init.sql" "and is named"
cp "$QUILL_SRC/sql/ocr/001_init.sql" "$T_DIR/sql/ocr/001_init.sql"
echo "CREATE TABLE broken (" >"$T_DIR/sql/ocr/901_broken.sql"
out=$(ctl migrate 2>&1)
is "$?" 1 "a failing migration exits 1"
is "$(psql_as quill "select count(*) from quill_admin.schema_migrations where name like '901%'")" 0 \
	"a failing migration is not recorded"
psql_as quill 'drop table ocr.migration_probe' >/dev/null
psql_as quill "delete from quill_admin.schema_migrations where schema = 'ocr' and name like '900%'" >/dev/null

# Configuration commands.
out=$(QUILL_AUTH_WORKERS=3 ctl config check 2>&1)
like "$out" "auth.workers = 3  # env QUILL_AUTH_WORKERS" "config check shows an environment override"
like "$out" "global.run_dir = $T_DIR/run  # $conf:3" "config check shows file and line"
like "$out" "log.target = stderr  # default" "config check shows defaults"
keys() { grep -oE '^#?[a-z_]+ = ' "$1" | tr -d '# =' | sort; }
ctl config template >"$T_DIR/template"
check "etc/quill.conf has exactly the keys the code knows" diff <(keys "$T_DIR/template") <(keys "$QUILL_SRC/etc/quill.conf")
check "etc/quill.conf is the template at the default paths" \
	diff <(sed 's|= /.*/\(quill[^ ]*\)$|= PATH/\1|' "$T_DIR/template") <(sed 's|= /.*/\(quill[^ ]*\)$|= PATH/\1|' "$QUILL_SRC/etc/quill.conf")
check "the shipped configuration loads" sh -c "\"$(program quillctl)\" -c \"$QUILL_SRC/etc/quill.conf\" config check >/dev/null"
t_end
