# The pre-fork master: worker restarts, reload under load, draining stop,
# start-up refusals (port in use, second instance, bad configuration).
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

port=$(free_port)
conf=$T_DIR/quill.conf
write_config "$conf" "
[gateway]
listen = 127.0.0.1:$port
workers = 2
[log]
access = no
[master]
crash_limit = 3
crash_window = 30s
[http]
keepalive_timeout = 3s
"
start_daemon quill-testd "$conf"
m=$DAEMON_PID
base=http://127.0.0.1:$port
check "quill-testd starts" wait_for 50 curl -fs "$base/healthz"
check "it runs 2 workers" wait_for 30 workers_are $m 2
check "the pid file holds the master's pid" test "$(cat "$T_DIR/run/quill-testd.pid")" = "$m"
if [ "$(id -u)" = 0 ]; then
	w=$(worker_pids $m | head -n 1)
	is "$(ps -o user= -p "$w" | tr -d ' ')" quill "workers run as the configured user, not root"
fi

# kill -9 of a worker: a new one within 1 s.
victim=$(worker_pids $m | head -n 1)
kill -KILL "$victim"
check "a killed worker is replaced within 1 s" \
	wait_for 10 sh -c "test \$(pgrep -P $m | wc -l) = 2 && ! pgrep -P $m | grep -qx $victim"
check "the service answers after the restart" curl -fs -o /dev/null "$base/healthz"
grep -q "event=worker_died pid=$victim .*signal=9" "$T_DIR/log/quill-testd.log"
check "the death is logged with its signal" test $? = 0

# Workers that keep dying: restarted at once until crash_limit deaths fall
# within crash_window, then with backoff (1 s first).
for i in 1 2 3; do
	curl -s --max-time 5 -X POST "$base/crash" >/dev/null
	[ $i -lt 3 ] && wait_for 20 workers_are $m 2
done
check "a crash loop is detected and logged" \
	wait_for 20 grep -q 'event=crash_loop deaths=3 .*restart_in_ms=1000' "$T_DIR/log/quill-testd.log"
check "during the backoff the dead worker is not restarted yet" workers_are $m 1
check "after the backoff the worker is back" wait_for 30 workers_are $m 2
check "and the service answers" curl -fs -o /dev/null "$base/healthz"

# SIGHUP under load: no failed request.
if command -v wrk >/dev/null; then
	old=$(worker_pids $m | tr '\n' ' ')
	wrk -t2 -c16 -d4s "$base/healthz" >"$T_DIR/wrk.out" 2>&1 &
	wrkpid=$!
	sleep 1
	kill -HUP $m
	sleep 1.2
	kill -HUP $m
	wait $wrkpid
	reqs=$(awk '/requests in/ {print $1}' "$T_DIR/wrk.out")
	diag "wrk during two reloads: $reqs requests"
	check "wrk ran requests through the reloads" test "${reqs:-0}" -gt 1000
	check "zero socket errors during reloads" sh -c "! grep -q 'Socket errors' '$T_DIR/wrk.out'"
	check "zero non-2xx responses during reloads" sh -c "! grep -q 'Non-2xx' '$T_DIR/wrk.out'"
	new=$(worker_pids $m | tr '\n' ' ')
	check "reload replaced the workers" test "$old" != "$new"
	check "two workers after the reloads" wait_for 60 workers_are $m 2
else
	echo "ok - # SKIP wrk is not installed"
fi

# A reload that asks for more workers than the slots allow (2 * 2 + 2 at
# start, half of them per generation) is capped, and later reloads still
# happen instead of waiting for room that never comes.
sed -i 's/^workers = 2$/workers = 5/' "$conf"
kill -HUP $m
check "a reload to 5 workers is capped at 3" \
	wait_for 50 grep -q 'event=reload_workers_capped wanted=5 max=3' "$T_DIR/log/quill-testd.log"
check "  and runs 3 workers" wait_for 60 workers_are $m 3
before=$(worker_pids $m | sort -n | paste -sd,)
kill -HUP $m
check "  the next reload replaces them" \
	wait_for 60 sh -c "[ \"\$(pgrep -P $m | sort -n | paste -sd,)\" != '$before' ] && [ \$(pgrep -P $m | wc -l) = 3 ]"
check "  and is not deferred" sh -c "! grep -q event=reload_deferred '$T_DIR/log/quill-testd.log'"
sed -i 's/^workers = 5$/workers = 2/' "$conf"
kill -HUP $m
check "back to 2 workers" wait_for 60 workers_are $m 2

# Reloads faster than old workers drain: each generation keeps an idle
# keep-alive connection open, so its worker lingers until keepalive_timeout.
# The master defers a reload rather than drain the workers that accept.
hold_idle_connection() {	# hold_idle_connection FD
	eval "exec $1<>/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >&"$1"
	timeout 2 head -c 1 <&"$1" >/dev/null	# answered; the connection stays open
}
for fd in 5 6 7 8 9; do
	hold_idle_connection $fd
	kill -HUP $m
	sleep 0.2
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/healthz")
is "$code" 200 "rapid reloads never leave nobody accepting"
check "a reload that finds no free slots is deferred" grep -q 'event=reload_deferred' "$T_DIR/log/quill-testd.log"
for fd in 5 6 7 8 9; do eval "exec $fd>&-"; done
check "deferred reloads complete once old workers are gone" wait_for 100 workers_are $m 2
check "and the service answers" curl -fs -o /dev/null --max-time 2 "$base/healthz"

# A reload with a broken configuration keeps the old one running.
cp "$conf" "$conf.good"
echo "bogus_key = 1" >>"$conf"
before=$(worker_pids $m | tr '\n' ' ')
kill -HUP $m
check "a bad configuration on reload is logged" wait_for 30 grep -q 'event=config_invalid' "$T_DIR/log/quill-testd.log"
sleep 0.3
is "$(worker_pids $m | tr '\n' ' ')" "$before" "and the running workers are kept"
cp "$conf.good" "$conf"

# A second instance is refused by the pid file lock; the port is in use too.
port2=$(free_port)
write_config "$T_DIR/second.conf" "
[gateway]
listen = 127.0.0.1:$port2
"
sed -i "s|^run_dir = .*|run_dir = $T_DIR/run|" "$T_DIR/second.conf"
out=$(timeout 10 "$(program quill-testd)" -c "$T_DIR/second.conf" 2>&1)
status=$?
check "a second instance exits non-zero" test $status -ne 0
like "$out" "event=already_running .*pid=$m" "and says which pid is running"

mkdir -p "$T_DIR/run2"; [ "$(id -u)" = 0 ] && chown quill: "$T_DIR/run2"
write_config "$T_DIR/inuse.conf" "
[gateway]
listen = 127.0.0.1:$port
"
sed -i "s|^run_dir = .*|run_dir = $T_DIR/run2|" "$T_DIR/inuse.conf"
out=$(timeout 10 "$(program quill-gatewayd)" -c "$T_DIR/inuse.conf" 2>&1)
status=$?
check "port in use: non-zero exit" test $status -ne 0
like "$out" "event=listen_failed error=\"127.0.0.1:$port: Address already in use\"" "port in use: a clear message"

# SIGTERM with requests in flight: they finish, then the master exits.
curl -s -o "$T_DIR/slow1" -w '%{http_code}' "$base/slow" >"$T_DIR/slow1.code" &
c1=$!
curl -s -o "$T_DIR/slow2" -w '%{http_code}' "$base/slow" >"$T_DIR/slow2.code" &
c2=$!
sleep 0.3
kill -TERM $m
wait $c1 $c2
is "$(cat "$T_DIR/slow1.code") $(cat "$T_DIR/slow2.code")" "200 200" "in-flight requests finish after SIGTERM"
check "the master exits after draining" wait_gone $m 50
check "no worker is left" wait_for 30 workers_are $m 0
check "the pid file is removed" test ! -e "$T_DIR/run/quill-testd.pid"
check "new connections are refused once stopped" sh -c "! curl -s --max-time 2 $base/healthz"

# kill -9 of the master: its workers go by themselves and release the pid
# file lock, so the daemon can be started again at once.
start_daemon quill-testd "$conf"
m2=$DAEMON_PID
check "started again after the drain" wait_for 50 curl -fs -o /dev/null "$base/healthz"
exec 5<>"/dev/tcp/127.0.0.1/$port"	# an idle connection keeps one worker draining
kill -KILL $m2
sleep 0.3
start_daemon quill-testd "$conf"
m3=$DAEMON_PID
check "a new master starts right after kill -9 of the old one" \
	wait_for 50 curl -fs -o /dev/null "$base/healthz"
check "it holds the pid file" wait_for 20 sh -c "test \"\$(cat '$T_DIR/run/quill-testd.pid')\" = $m3"
exec 5>&-
kill -TERM $m3
check "and stops cleanly" wait_gone $m3 100

# Configuration errors: one file:line message, exit 78.
bad() {	# bad NAME CONTENT EXPECTED-REGEX
	printf '%s\n' "$2" >"$T_DIR/bad.conf"
	out=$(timeout 10 "$(program quill-authd)" -c "$T_DIR/bad.conf" 2>&1)
	status=$?
	is "$status" 78 "$1: exit 78"
	like "$out" "$3" "$1: names file and line"
	is "$(printf '%s\n' "$out" | wc -l)" 1 "$1: one line"
}
bad "unknown key" $'[auth]\nworkers = 1\nwrokers = 2' "bad.conf:3: .*wrokers"
bad "bad value" $'[auth]\n\nworkers = many' "bad.conf:3: .*workers"
bad "out of range" $'[auth]\nworkers = 100000' "bad.conf:2: .*workers"
bad "unknown section" $'[nope]\nx = 1' "bad.conf:1: .*nope"
bad "syntax" $'[auth\nworkers = 1' "bad.conf:1: "
out=$(timeout 10 "$(program quill-authd)" -c "$T_DIR/missing.conf" 2>&1)
is "$?" 78 "missing file: exit 78"
like "$out" "missing.conf: .*No such file" "missing file: a clear message"
out=$(QUILL_AUTH_WORKERS=lots "$(program quill-authd)" -c "$conf" -t 2>&1)
is "$?" 78 "bad environment override: exit 78"
like "$out" "QUILL_AUTH_WORKERS" "bad environment override: named"
out=$("$(program quill-authd)" -c "$conf" -t 2>&1)
is "$?" 0 "-t accepts a good configuration"

# What start refuses, -t refuses too, with the same status: a daemon's own
# checks (a route's prefix, a word kept as text) are not the key table's.
refused() {	# refused NAME DAEMON CONTENT EXPECTED-REGEX
	printf '%s\n' "$3" >"$T_DIR/own.conf"
	out=$(timeout 10 "$(program "$2")" -t -c "$T_DIR/own.conf" 2>&1)
	is "$?" 78 "$1: -t exits 78"
	like "$out" "own.conf:([0-9]+:)? $4" "  naming the file (and line) and the key"
	out=$(timeout 10 "$(program "$2")" -c "$T_DIR/own.conf" 2>&1)
	is "$?" 78 "  and start too"
}
refused "a route prefix that is not a path" quill-gatewayd \
	$'[route.bad]\nprefix = api\nupstreams = 127.0.0.1:1' '\[route.bad\] prefix'
refused "an unknown OCR scheduling" quill-ocr-worker $'[ocr_worker]\nscheduling = bogus' \
	'scheduling: expected one of normal\|batch\|idle'
t_end
