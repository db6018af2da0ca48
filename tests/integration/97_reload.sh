# SIGHUP under load: wrk on each daemon while its master is sent three
# SIGHUPs, a second and a half apart.  A reload re-reads the
# configuration and replaces the workers after they drain: not one
# request may fail.  It also reopens the log file: the daemons log with
# [log] target = file, and after the file is moved away a SIGHUP starts
# a new one.  The OCR worker has no HTTP; its reload is in
# 76_ocr_worker.sh.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

if ! command -v wrk >/dev/null 2>&1; then
	not_ok "wrk is installed (the quick start installs it)"
	t_end
fi
aport=$(free_port)
cport=$(free_port)
oport=$(free_port)
gport=$(free_port)
conf=$T_DIR/quill.conf
write_config "$conf" "$(auth_config "$aport" 2)
[chat]
listen = 127.0.0.1:$cport
workers = 2
[ocr]
listen = 127.0.0.1:$oport
workers = 2
[gateway]
listen = 127.0.0.1:$gport
workers = 2
$(api_routes "$aport" "$oport")
rate_ip = 1000000/1m
rate_user = 1000000/1m
[log]
target = file
directory = $T_DIR/log
"
"$(program quillctl)" -c "$conf" migrate >/dev/null || not_ok "migrate"
declare -A master port
port=([quill-authd]=$aport [quill-chatd]=$cport [quill-ocrd]=$oport [quill-gatewayd]=$gport)
for d in quill-authd quill-chatd quill-ocrd quill-gatewayd; do
	start_daemon "$d" "$conf"
	master[$d]=$DAEMON_PID
done
for d in "${!port[@]}"; do
	check "$d is ready" wait_for 100 curl -fs -o /dev/null "http://127.0.0.1:${port[$d]}/readyz"
done
API_BASE=http://127.0.0.1:$gport
pw=harbor-lintel-6630
u=r$$x$RANDOM
api POST /api/auth/register "{\"email\":\"reload.$u@example.org\",\"password\":\"$pw\"}"
login "reload.$u@example.org" "$pw"
tok=$ACCESS
check "the OCR service accepts the token" wait_for 50 sh -c \
	"curl -s -H 'Authorization: Bearer $tok' 'http://127.0.0.1:$oport/api/ocr/jobs' | grep -q items"

# What each daemon is asked: a route that checks a token and queries.
declare -A url=(
	[quill-authd]="http://127.0.0.1:$aport/api/auth/me"
	[quill-chatd]="http://127.0.0.1:$cport/readyz"
	[quill-ocrd]="http://127.0.0.1:$oport/api/ocr/jobs?limit=5"
	[quill-gatewayd]="$API_BASE/api/ocr/jobs?limit=5"
)
for d in quill-authd quill-chatd quill-ocrd quill-gatewayd; do
	before=$(worker_pids "${master[$d]}" | paste -sd,)
	wrk -t1 -c4 -d6s -H "Authorization: Bearer $tok" "${url[$d]}" >"$T_DIR/wrk.$d" 2>&1 &
	load=$!
	T_PIDS+=("$load")
	for _ in 1 2 3; do
		sleep 1.5
		kill -HUP "${master[$d]}"
	done
	wait "$load"
	requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$T_DIR/wrk.$d")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$T_DIR/wrk.$d")
	sockets=$(sed -n 's/^ *Socket errors: \(.*\)/\1/p' "$T_DIR/wrk.$d")
	diag "figures: $d: ${requests:-0} requests across three reloads, ${non2xx:-0} non-2xx, socket errors: ${sockets:-none}"
	check "$d served requests during its reloads" test "${requests:-0}" -gt 100
	is "${non2xx:-0} ${sockets:-none}" "0 none" "$d: not one failed request across three SIGHUPs"
	check "  and it has new workers" wait_for 50 sh -c "[ \"\$(pgrep -P ${master[$d]} | sort -n | paste -sd,)\" != '$before' ]"
done

# the log file, moved away as logrotate does, is reopened by SIGHUP
d=quill-authd
mv "$T_DIR/log/$d.log" "$T_DIR/log/$d.log.1"
# the new file as logrotate's "create" makes it: the daemon's account may
# not be able to create files in the directory
: >"$T_DIR/log/$d.log"
chown --reference="$T_DIR/log/$d.log.1" "$T_DIR/log/$d.log"
kill -HUP "${master[$d]}"
check "after a SIGHUP $d writes a new log file" wait_for 50 grep -q "event=worker_started" "$T_DIR/log/$d.log"
curl -s -o /dev/null "http://127.0.0.1:$aport/api/auth/me?after-rotation=$$"
check "  with its workers' lines" wait_for 50 grep -q "worker=.*event=access .*path=\"/api/auth/me?after-rotation=$$" "$T_DIR/log/$d.log"
check "  and the old one has none of them" sh -c "! grep -q 'after-rotation=$$' '$T_DIR/log/$d.log.1'"
t_end
