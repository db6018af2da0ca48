# tests/lib.sh: helpers for quill's integration tests (bash).
#
# A test file sources this, then calls `t_begin`, starts what it needs with
# `start_daemon`, checks with `check`/`expect_*`, and ends with `t_end`.
# Every check prints one TAP line ("ok - what" / "not ok - what"); tests/run
# counts them.  Daemons started here are stopped by an EXIT trap, whether
# the test passes, fails or is interrupted.
#
# Environment set by tests/run:
#   QUILL_BUILD   top of the build tree (programs under bin/, tests/testd/)
#   QUILL_SRC     top of the source tree (sql/, etc/)
#   QUILL_TEST_PG_DIR, QUILL_TEST_PG_HOST   the private PostgreSQL of this run
#   QUILL_TEST_TMP   a scratch directory for this run

set -u
T_FAILED=0
T_COUNT=0
T_PIDS=()
T_DIR=

t_begin() {
	T_DIR=$(mktemp -d "${QUILL_TEST_TMP:-/tmp}/t.XXXXXX")
	chmod 755 "$T_DIR"
	mkdir -p "$T_DIR/run" "$T_DIR/log" "$T_DIR/keys" "$T_DIR/spool"
	chmod 700 "$T_DIR/keys"
	# the daemons' logs are for the operator, as /var/log/quill is
	chmod 750 "$T_DIR/log"
	if [ "$(id -u)" = 0 ] && id quill >/dev/null 2>&1; then
		chown quill: "$T_DIR/run" "$T_DIR/keys" "$T_DIR/log"
		spool_layout "$T_DIR/spool"
	fi
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
}

# spool_layout DIR: the spool's directories with the modes make install
# gives them (spool/README): the drop-in group (quill-dropin when it
# exists) may only pass through DIR and write into incoming/.
spool_layout() {
	local d group=quill
	getent group quill-dropin >/dev/null && group=quill-dropin
	mkdir -p "$1"
	for d in tmp new cur done failed; do
		mkdir -p "$1/$d" && chown quill: "$1/$d" && chmod 750 "$1/$d"
	done
	mkdir -p "$1/incoming"
	chown "quill:$group" "$1" "$1/incoming"
	chmod 710 "$1"
	chmod 1730 "$1/incoming"
}

t_cleanup() {
	local pid
	for pid in "${T_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		wait_gone "$pid" 100 || kill -KILL "$pid" 2>/dev/null
	done
	T_PIDS=()
}

t_end() {
	t_cleanup
	# A sanitizer build reports from inside the daemons to their logs.
	if ls "$T_DIR"/log/*.log >/dev/null 2>&1; then
		check "no sanitizer report in the daemons' logs" \
			sh -c "! grep -l 'AddressSanitizer\|LeakSanitizer\|runtime error:' '$T_DIR'/log/*.log"
	fi
	[ "$T_FAILED" = 0 ]
	exit $?
}

ok() { T_COUNT=$((T_COUNT + 1)); echo "ok - $*"; }
not_ok() { T_COUNT=$((T_COUNT + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok - $*"; }
diag() { echo "# $*"; }

# check WHAT COMMAND...: passes when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# is GOT WANT WHAT
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3"; diag "got '$1', want '$2'"; fi
}

# like GOT REGEX WHAT (extended regular expression)
like() {
	if [[ $1 =~ $2 ]]; then ok "$3"; else not_ok "$3"; diag "got '$1', want match of /$2/"; fi
}

# wait_gone PID TENTHS: waits for a process to exit; 1 when it is still there.
wait_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# wait_for TENTHS COMMAND...: retries until the command succeeds; 1 on timeout.
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# free_port: a loopback TCP port nobody listens on now, below the kernel's
# ephemeral range (32768 up), where an outgoing connection could hold it.
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# write_config FILE [extra ini text]: a configuration for this test's daemons.
write_config() {
	local file=$1 extra=${2:-}
	local host=${QUILL_TEST_PG_HOST:-/nonexistent}
	cat >"$file" <<CONF
[global]
user = quill
run_dir = $T_DIR/run
spool_dir = $T_DIR/spool

[log]
level = info

[master]
drain_timeout = 5s

[database]
admin = "host=$host dbname=quill user=quill"
migrations_dir = $QUILL_SRC/sql
connect_timeout = 1s
query_timeout = 2s

[auth]
database = "host=$host dbname=quill user=quill_auth"
keys_dir = $T_DIR/keys
[chat]
database = "host=$host dbname=quill user=quill_chat"
[ocr]
database = "host=$host dbname=quill user=quill_ocr"
[ocr_worker]
database = "host=$host dbname=quill user=quill_ocr"
$extra
CONF
}

# auth_config PORT [WORKERS]: the [auth] section for a test's quill-authd
# on PORT (one worker unless told), with password hashing made cheap.
auth_config() {
	printf '[auth]\nlisten = 127.0.0.1:%s\nurl = http://127.0.0.1:%s\nworkers = %s\n' "$1" "$1" "${2:-1}"
	printf 'argon2_opslimit = 1\nargon2_memlimit = 8m\n'
}

# ocr_stack OCR_KEYS [readyz]: the set-up of the OCR tests, ocr_config
# then ocr_start: a quill-authd and a quill-ocrd on free ports, migrated,
# started and ready to take a token.
ocr_stack() {
	ocr_config "$1"
	ocr_start "${2:-}"
}

# ocr_config OCR_KEYS: writes $conf for a quill-authd (auth_config) and a
# quill-ocrd on free ports; OCR_KEYS follows [ocr]'s listen line (more
# [ocr] keys, then any other sections).  Sets aport, oport, conf, abase,
# obase and spool.
ocr_config() {
	aport=$(free_port)
	oport=$(free_port)
	conf=$T_DIR/quill.conf
	abase=http://127.0.0.1:$aport
	obase=http://127.0.0.1:$oport
	spool=$T_DIR/spool
	write_config "$conf" "
$(auth_config "$aport")
[ocr]
listen = 127.0.0.1:$oport
$1"
}

# ocr_start [readyz]: migrates $conf's database, starts quill-authd and
# quill-ocrd, and checks that each is up (quill-ocrd's /healthz, or its
# /readyz when asked) and that quill-ocrd's verifier has authd's keys (a
# request with no token is refused as such).  Sets ocrd (its master's
# pid) and API_BASE (authd).
ocr_start() {
	"$(program quillctl)" -c "$conf" migrate >/dev/null || not_ok "migrate"
	start_daemon quill-authd "$conf"
	check "quill-authd is ready" wait_for 50 curl -fs -o /dev/null "$abase/readyz"
	start_daemon quill-ocrd "$conf"
	ocrd=$DAEMON_PID
	if [ "${1:-}" = readyz ]; then
		check "quill-ocrd is ready" wait_for 50 curl -fs -o /dev/null "$obase/readyz"
	else
		check "quill-ocrd is up" wait_for 50 curl -fs -o /dev/null "$obase/healthz"
	fi
	API_BASE=$abase
	check "quill-ocrd's verifier becomes ready" \
		wait_for 50 sh -c "curl -s '$obase/api/ocr/jobs' | grep -q missing_token"
}

# api_routes AUTH_PORT OCR_PORT: the gateway's routes to a test's authd
# and quill-ocrd, as the built-in ones route to the default ports.
api_routes() {
	printf '[route.auth_public]\nprefix = /api/auth/login /api/auth/register /api/auth/refresh /api/auth/jwks\n'
	printf 'upstreams = 127.0.0.1:%s\nauth = public\n' "$1"
	printf '[route.auth]\nprefix = /api/auth\nupstreams = 127.0.0.1:%s\n' "$1"
	printf '[route.invoices]\nprefix = /api/invoices\nupstreams = 127.0.0.1:%s\n' "$2"
	# last, as callers append keys to it (97_reload's rate limits)
	printf '[route.ocr]\nprefix = /api/ocr\nupstreams = 127.0.0.1:%s\nmax_body = 256k\n' "$2"
}

# answers_fit_openapi DIR WHAT: each answer kept in DIR as SCHEMA.N.json
# fits #/components/schemas/SCHEMA of doc/api/openapi.json
# (tests/tools/fits_openapi.mjs); WHAT names the schemas for the TAP line.
# Without node or the build's ajv, a diagnostic says it was not checked.
answers_fit_openapi() {
	local mods=$QUILL_BUILD/doc/api/node_modules
	if [ -d "$mods/ajv" ] && command -v node >/dev/null; then
		check "the answers kept ($(ls "$1" | wc -l)) fit $2 in openapi.json" \
			env MODS="$mods" node "$QUILL_SRC/tests/tools/fits_openapi.mjs" "$QUILL_SRC/doc/api/openapi.json" "$1"
	else
		diag "no node or ajv in $mods: the answers are not checked against openapi.json"
	fi
}

# tiny_png FILE: writes a valid 1x1 grey PNG, the smallest upload there is.
tiny_png() {
	base64 -d >"$1" <<'B64'
iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAsTj2FAAAAABJRU5ErkJggg==
B64
}

# psql_q SQL: one query as the superuser of the tests' database, rows unaligned.
psql_q() {
	psql -X -q -At "host=$QUILL_TEST_PG_HOST dbname=quill user=quill" -c "$1"
}

# program NAME: path of a built program.
program() {
	case $1 in
	quill-testd) echo "$QUILL_BUILD/tests/testd/quill-testd" ;;
	*) echo "$QUILL_BUILD/bin/$1/$1" ;;
	esac
}

# start_daemon NAME CONFIG [ENV=VALUE ...]: starts it in the background;
# sets DAEMON_PID and leaves its log in $T_DIR/log/NAME.log.
start_daemon() {
	local name=$1 conf=$2
	shift 2
	env "$@" "$(program "$name")" -c "$conf" >>"$T_DIR/log/$name.log" 2>&1 &
	DAEMON_PID=$!
	T_PIDS+=("$DAEMON_PID")
}

# http METHOD URL [curl args...]: sets STATUS, BODY and HEADERS (file).
http() {
	local method=$1 url=$2
	shift 2
	HEADERS=$T_DIR/headers
	BODY=$(curl -sS --max-time 10 -X "$method" -D "$HEADERS" -o - -w '\n%{http_code}' "$@" "$url" 2>"$T_DIR/curl.err")
	STATUS=${BODY##*$'\n'}
	BODY=${BODY%$'\n'*}
}

# header NAME: a response header's value from the last http call.
header() {
	grep -i "^$1:" "$HEADERS" | head -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'
}

# json EXPR: evaluates a jq expression on the last BODY.
json() {
	printf '%s' "$BODY" | jq -r "$1" 2>/dev/null
}

# worker_pids MASTER_PID: the master's children.
worker_pids() {
	pgrep -P "$1" | sort -n
}

# no_process_for PATTERN: true when no process's command line matches (for wait_for).
no_process_for() {
	! pgrep -f "$1" >/dev/null
}

# workers_are MASTER_PID N: true when the master has exactly N children (for wait_for).
workers_are() {
	[ "$(worker_pids "$1" | wc -l)" = "$2" ]
}

# api METHOD PATH [BODY [TOKEN]]: a JSON request to $API_BASE, through http.
api() {
	local args=(-H 'Content-Type: application/json')
	[ -n "${3:-}" ] && args+=(--data-binary "$3")
	[ -n "${4:-}" ] && args+=(-H "Authorization: Bearer $4")
	http "$1" "$API_BASE$2" "${args[@]}"
}

# login EMAIL PASSWORD: POST /api/auth/login at $API_BASE; sets ACCESS and
# REFRESH (empty when refused), and notes all three as secrets.
login() {
	api POST /api/auth/login "{\"email\":\"$1\",\"password\":\"$2\"}"
	ACCESS=$(json '.access_token // empty')
	REFRESH=$(json '.refresh_token // empty')
	secret "$2"
	secret "$ACCESS"
	secret "$REFRESH"
}

# new_user EMAIL [PASSWORD]: registers an account at $API_BASE and logs it
# in (login); sets uid, ACCESS, REFRESH and auth (curl's Authorization
# header for the new token).
new_user() {
	local pw=${2:-marble-orchard-7734}
	api POST /api/auth/register "{\"email\":\"$1\",\"password\":\"$pw\"}"
	uid=$(json .id)
	login "$1" "$pw"
	auth=(-H "Authorization: Bearer $ACCESS")
}

# new_admin EMAIL: new_user, then the admin role given by SQL and a login
# for a token that carries it; sets uid, ACCESS, REFRESH and auth.
new_admin() {
	new_user "$1"
	psql_q "update auth.users set role = 'admin' where id = '$uid'" >/dev/null
	# tokens issued in the second of a role change are refused with the older ones
	sleep 1.1
	login "$1" marble-orchard-7734
	auth=(-H "Authorization: Bearer $ACCESS")
}

# secret VALUE: a password or token the test used.  At the end of the run
# tests/run checks that none is in any daemon's log; values shorter than
# 8 bytes are too common to look for.
secret() {
	if [ ${#1} -ge 8 ] && [ -n "${QUILL_TEST_TMP:-}" ]; then
		printf '%s\n' "$1" >>"$QUILL_TEST_TMP/secrets"
	fi
	return 0
}

# jwt_part TOKEN N: the decoded JSON of a JWT's header (1) or payload (2).
jwt_part() {
	local p
	p=$(cut -d. -f"$2" <<<"$1" | tr '_-' '/+')
	while [ $((${#p} % 4)) != 0 ]; do p="$p="; done
	base64 -d <<<"$p" 2>/dev/null
}
