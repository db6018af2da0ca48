# Faults under load, for every daemon at once: wrk keeps each busy while
#   1. kill -9 takes a random worker of each daemon in turn: the masters
#      start new ones, the error rate stays bounded and every upload
#      accepted meanwhile is done, once;
#   2. PostgreSQL stops for 10 s: every daemon is ready again within 5 s
#      of its return, with the same workers, and the uploads accepted
#      while it was away (the first revocation_max_staleness of it) are
#      done afterwards.
# QUILL_FAULT_SECONDS sets the length of the kill phase (default 10; by
# hand, e.g. 600).  The figures go to the log as "# figures:" lines, which
# doc/RELIABILITY.md quotes.  Kill -9 mid-page and of the OCR master is in
# 76_ocr_worker.sh, a full spool in 75_ocrd_spool_full.sh.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

if ! command -v wrk >/dev/null 2>&1; then
	not_ok "wrk is installed (the quick start installs it)"
	t_end
fi
seconds=${QUILL_FAULT_SECONDS:-10}
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
[ocr_worker]
workers = 2
rescan_interval = 1s
retry_backoff = 1s
[gateway]
listen = 127.0.0.1:$gport
workers = 2
[route.public]
prefix = /api/auth/login /api/auth/register
upstreams = 127.0.0.1:$aport
auth = public
rate_ip = 1000000/1m
[route.auth]
prefix = /api/auth
upstreams = 127.0.0.1:$aport
rate_ip = 1000000/1m
rate_user = 1000000/1m
[route.ocr]
prefix = /api/ocr
upstreams = 127.0.0.1:$oport
rate_ip = 1000000/1m
rate_user = 1000000/1m
"
"$(program quillctl)" -c "$conf" migrate >/dev/null || not_ok "migrate"
declare -A master
for d in quill-authd quill-chatd quill-ocrd quill-ocr-worker quill-gatewayd; do
	start_daemon "$d" "$conf"
	master[$d]=$DAEMON_PID
done
API_BASE=http://127.0.0.1:$gport
for port in "$aport" "$cport" "$oport" "$gport"; do
	check "the daemon on $port is ready" wait_for 100 curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"
done
pw=ember-quarry-9041
u=f$$x$RANDOM
api POST /api/auth/register "{\"email\":\"fault.$u@example.org\",\"password\":\"$pw\"}"
login "fault.$u@example.org" "$pw"
tok=$ACCESS
check "the OCR service accepts the token" \
	wait_for 50 sh -c "curl -s -H 'Authorization: Bearer $tok' 'http://127.0.0.1:$oport/api/ocr/jobs' | grep -q items"
tiny_png "$T_DIR/dot.png"
spool=$T_DIR/spool

# load SECONDS: one wrk per daemon, each on a route that does real work
# (a token checked, a query); their outputs go to $T_DIR/wrk.*.
load() {
	local s=$1 bearer=(-H "Authorization: Bearer $tok")
	WRK_PIDS=()
	wrk -t1 -c4 -d"${s}s" "${bearer[@]}" "http://127.0.0.1:$aport/api/auth/me" >"$T_DIR/wrk.authd" 2>&1 &
	WRK_PIDS+=($!)
	wrk -t1 -c4 -d"${s}s" "http://127.0.0.1:$cport/readyz" >"$T_DIR/wrk.chatd" 2>&1 &
	WRK_PIDS+=($!)
	wrk -t1 -c4 -d"${s}s" "${bearer[@]}" "http://127.0.0.1:$oport/api/ocr/jobs?limit=5" >"$T_DIR/wrk.ocrd" 2>&1 &
	WRK_PIDS+=($!)
	wrk -t1 -c4 -d"${s}s" "${bearer[@]}" "$API_BASE/api/ocr/jobs?limit=5" >"$T_DIR/wrk.gatewayd" 2>&1 &
	WRK_PIDS+=($!)
	T_PIDS+=("${WRK_PIDS[@]}")	# stopped with the daemons if the test ends early
}

# wrk_counts FILE: "requests errors", errors being non-2xx answers and
# socket errors (connect, read, write, timeout) together.
wrk_counts() {
	local requests non2xx sockets
	requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$1")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$1")
	sockets=$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1+\2+\3+\4/p' "$1")
	echo "${requests:-0} $((${non2xx:-0} + ${sockets:-0}))"
}

# load_totals PHASE [NOTE]: each wrk's figures as a diag line; sets total
# and errors, the sums over the daemons.
load_totals() {
	local d r e
	total=0 errors=0
	for d in authd chatd ocrd gatewayd; do
		read -r r e < <(wrk_counts "$T_DIR/wrk.$d")
		diag "figures: $1, quill-$d: $r requests, $e errors${2:-}"
		total=$((total + r))
		errors=$((errors + e))
	done
}

# uploads N FILE: N uploads through the gateway, a tenth of a second
# apart; the ids of those answered 202 go to FILE, and to FILE.at with
# the time of the answer (ns).
uploads() {
	: >"$2"
	: >"$2.at"
	for _ in $(seq 1 "$1"); do
		if [ "$(curl -s -o "$2.json" -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $tok" \
			-F "file=@$T_DIR/dot.png" "$API_BASE/api/ocr/jobs")" = 202 ]; then
			jq -r .id "$2.json" >>"$2"
			echo "$(date +%s%N) $(jq -r .id "$2.json")" >>"$2.at"
		fi
		sleep 0.1
	done
}

# all_done FILE: every job named in FILE is done, once in the table and
# once in spool/done, and nowhere else in the spool.
all_done() {
	local ids n
	n=$(wc -l <"$1")
	[ "$n" -gt 0 ] || return 1
	ids=$(sed "s/.*/'&'/" "$1" | paste -sd,)
	[ "$(psql_q "select count(*), count(distinct id) from ocr.ocr_jobs where status = 'done' and id in ($ids)")" = "$n|$n" ] ||
		return 1
	for j in $(cat "$1"); do
		[ -f "$spool/done/$j" ] && [ -z "$(find "$spool/new" "$spool/cur" "$spool/tmp" -name "$j*")" ] || return 1
	done
}

# --- 1. kill -9 of random workers under load ---
load "$seconds"
uploads $((seconds * 4)) "$T_DIR/accepted.kill" &
up=$!
T_PIDS+=("$up")
kills=0
end=$((SECONDS + seconds))
order=(quill-authd quill-chatd quill-ocrd quill-ocr-worker quill-gatewayd)
# One daemon after the other, a kill every 0.6 s: each daemon loses a worker
# every 3 s, 4 in any 10 s, under the masters' crash-loop threshold (5
# deaths in 10 s, after which a master waits before it restarts).
while [ "$SECONDS" -lt "$end" ]; do
	d=${order[kills % 5]}
	mapfile -t pids < <(worker_pids "${master[$d]}")
	if [ ${#pids[@]} -gt 0 ]; then
		kill -KILL "${pids[RANDOM % ${#pids[@]}]}" 2>/dev/null
	fi
	kills=$((kills + 1))
	sleep 0.6
done
wait "${WRK_PIDS[@]}" "$up"
for d in "${!master[@]}"; do
	check "$d: the master is alive" kill -0 "${master[$d]}"
	check "$d: two workers again" wait_for 50 workers_are "${master[$d]}" 2
done
load_totals "kill phase"
accepted=$(wc -l <"$T_DIR/accepted.kill")
diag "figures: kill phase: ${seconds} s, $kills workers killed, $total requests, $errors errors, $accepted of $((seconds * 4)) uploads accepted"
is "$(cat "$T_DIR"/log/*.log | grep -c 'event=crash_loop')" 0 "no master took the kills for a crash loop"
check "requests were served during the kills" test "$total" -gt 100
# A killed worker takes its open connections with it: a few errors a kill.
check "errors under 5 % of the requests ($errors of $total)" test $((errors * 100)) -lt $((total * 5))
check "most uploads were accepted during the kills" test "$accepted" -ge $((seconds * 2))
check "every accepted upload is done, exactly once" wait_for 600 all_done "$T_DIR/accepted.kill"

# --- 2. PostgreSQL away for 10 s under load ---
declare -A before
for d in "${!master[@]}"; do before[$d]=$(worker_pids "${master[$d]}" | paste -sd,); done
load 18
uploads 40 "$T_DIR/accepted.pg" &
up=$!
T_PIDS+=("$up")
sleep 2
"$QUILL_SRC/tests/pgcluster.sh" stop "$QUILL_TEST_PG_DIR" >/dev/null 2>&1
down=$(date +%s%N)
sleep 10
"$QUILL_SRC/tests/pgcluster.sh" start "$QUILL_TEST_PG_DIR" >/dev/null 2>"$T_DIR/pg.err"
started=$?
back=$(date +%s%N)
is "$started" 0 "PostgreSQL starts again"
sed 's/^/# /' "$T_DIR/pg.err"
diag "PostgreSQL was away $(((back - down) / 1000000)) ms"
# Ready: four /readyz answers 200 in a row, so that both workers of a
# daemon (the gateway's has no database to wait for) have been asked.
declare -A ready_ms streak
pending=("$aport" "$cport" "$oport")
while [ ${#pending[@]} -gt 0 ] && [ $(($(date +%s%N) - back)) -lt 30000000000 ]; do
	still=()
	for port in "${pending[@]}"; do
		if curl -fs --max-time 1 -o /dev/null "http://127.0.0.1:$port/readyz"; then
			streak[$port]=$((${streak[$port]:-0} + 1))
		else
			streak[$port]=0
		fi
		if [ "${streak[$port]}" -ge 4 ]; then
			ready_ms[$port]=$((($(date +%s%N) - back) / 1000000))
		else
			still+=("$port")
		fi
	done
	pending=("${still[@]}")
	[ ${#pending[@]} -eq 0 ] || sleep 0.05
done
declare -A name_of=([$aport]=quill-authd [$cport]=quill-chatd [$oport]=quill-ocrd)
for port in "$aport" "$cport" "$oport"; do
	diag "figures: PostgreSQL back: ${name_of[$port]} ready after ${ready_ms[$port]:-never} ms"
	check "${name_of[$port]} is ready within 5 s of PostgreSQL's return" test "${ready_ms[$port]:-99999}" -le 5000
done
wait "${WRK_PIDS[@]}" "$up"
load_totals "database phase" " (503 while it was away)"
for d in "${!master[@]}"; do
	is "$(worker_pids "${master[$d]}" | paste -sd,)" "${before[$d]}" "$d: the same workers as before (none restarted)"
done
accepted=$(wc -l <"$T_DIR/accepted.pg")
during=$(awk -v a="$down" -v b="$back" '$1 > a && $1 < b' "$T_DIR/accepted.pg.at" | wc -l)
diag "figures: database phase: 18 s, 10 s without PostgreSQL, $total requests, $errors errors, $accepted of 40 uploads accepted, $during of them while it was away"
# Tokens are checked against authd's revocation feed, which needs the
# database: after revocation_max_staleness (5 s) without it, the services
# answer 503 rather than risk a missed logout.  Until then uploads land.
check "uploads were accepted while PostgreSQL was away" test "$during" -ge 3
check "every one of them is done afterwards, exactly once" wait_for 600 all_done "$T_DIR/accepted.pg"
t_end
