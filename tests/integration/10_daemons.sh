# The five daemons against a real PostgreSQL: health, readiness through a
# database outage without restarts, metrics, and the JSON error format.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

gw=$(free_port) au=$(free_port) ch=$(free_port) oc=$(free_port)
conf=$T_DIR/quill.conf
write_config "$conf" "
[gateway]
listen = 127.0.0.1:$gw
workers = 2
[auth]
listen = 127.0.0.1:$au
workers = 2
[chat]
listen = 127.0.0.1:$ch
workers = 1
[ocr]
listen = 127.0.0.1:$oc
workers = 1
[ocr_worker]
workers = 2
[http]
max_body = 64k
"
"$(program quillctl)" -c "$conf" migrate >"$T_DIR/migrate.out" 2>&1
check "quillctl migrate succeeds" test $? = 0

declare -A port=([quill-gatewayd]=$gw [quill-authd]=$au [quill-chatd]=$ch [quill-ocrd]=$oc)
declare -A master
for d in quill-gatewayd quill-authd quill-chatd quill-ocrd quill-ocr-worker; do
	start_daemon "$d" "$conf"
	master[$d]=$DAEMON_PID
done
for d in "${!port[@]}"; do
	check "$d answers /healthz" wait_for 50 curl -fs "http://127.0.0.1:${port[$d]}/healthz"
	http GET "http://127.0.0.1:${port[$d]}/healthz"
	is "$STATUS $(json .status)" "200 ok" "$d /healthz is JSON {status: ok}"
	like "$(header content-type)" '^application/json' "$d /healthz content type"
	is "$(header server)" "" "$d does not advertise itself in a Server header"
done
check "quill-ocr-worker runs 2 workers" wait_for 30 workers_are "${master[quill-ocr-worker]}" 2

for d in quill-authd quill-chatd quill-ocrd; do
	check "$d /readyz is 200 with its database up" \
		wait_for 50 curl -fs "http://127.0.0.1:${port[$d]}/readyz"
	http GET "http://127.0.0.1:${port[$d]}/readyz"
	is "$(json .checks.database)" "up" "$d /readyz reports the database up"
done
http GET "http://127.0.0.1:$gw/readyz"
is "$STATUS" 200 "the gateway (no database) is ready"

# Remember who is running, then take PostgreSQL away.
before=""
for d in "${!master[@]}"; do before+="$d:${master[$d]}:$(worker_pids "${master[$d]}" | tr '\n' ,) "; done
"$QUILL_SRC/tests/pgcluster.sh" stop "$QUILL_TEST_PG_DIR" >/dev/null
for d in quill-authd quill-chatd quill-ocrd; do
	url="http://127.0.0.1:${port[$d]}/readyz"
	check "$d /readyz turns 503 when PostgreSQL stops" \
		wait_for 100 sh -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' $url)\" = 503"
	http GET "$url"
	is "$(json .status) $(json .checks.database)" "unavailable down" "$d says what is down"
done
# A daemon started while PostgreSQL is down comes up and says it is not ready.
late=$(free_port)
mkdir -p "$T_DIR/run-late"
[ "$(id -u)" = 0 ] && chown quill: "$T_DIR/run-late"
write_config "$T_DIR/late.conf" "
[auth]
listen = 127.0.0.1:$late
workers = 1
"
sed -i "s|^run_dir = .*|run_dir = $T_DIR/run-late|" "$T_DIR/late.conf"
start_daemon quill-authd "$T_DIR/late.conf"
check "a daemon started while PostgreSQL is down comes up" wait_for 50 curl -fs -o /dev/null "http://127.0.0.1:$late/healthz"
http GET "http://127.0.0.1:$late/readyz"
is "$STATUS $(json .checks.database)" "503 down" "and answers /readyz 503"

"$QUILL_SRC/tests/pgcluster.sh" start "$QUILL_TEST_PG_DIR" >/dev/null
check "the late daemon becomes ready by itself" wait_for 150 curl -fs -o /dev/null "http://127.0.0.1:$late/readyz"
for d in quill-authd quill-chatd quill-ocrd; do
	check "$d /readyz is 200 again once PostgreSQL is back" \
		wait_for 150 curl -fs "http://127.0.0.1:${port[$d]}/readyz"
done
after=""
for d in "${!master[@]}"; do after+="$d:${master[$d]}:$(worker_pids "${master[$d]}" | tr '\n' ,) "; done
is "$after" "$before" "no daemon or worker restarted through the outage"

# The JSON error format, from the router and from libh2o itself.
http GET "http://127.0.0.1:$au/no/such/route"
is "$STATUS $(json .error.code)" "404 not_found" "unknown route is a JSON 404"
like "$(json .error.request_id)" '^[0-9a-f]{32}$' "the error names the request id"
is "$(json .error.request_id)" "$(header x-request-id)" "the same id is in X-Request-Id"
http DELETE "http://127.0.0.1:$oc/healthz"
is "$STATUS $(json .error.code)" "405 method_not_allowed" "wrong method is a JSON 405"
is "$(header allow)" "GET" "405 carries Allow"
head -c 100000 /dev/zero | tr '\0' a >"$T_DIR/big"
http POST "http://127.0.0.1:$ch/healthz" --data-binary @"$T_DIR/big" -H 'Content-Type: application/json'
is "$STATUS $(json .error.code)" "413 payload_too_large" "body over max_body is a JSON 413"
http GET "http://127.0.0.1:$gw/healthz" -H 'X-Request-Id: abc-123_x.y'
is "$(header x-request-id)" "abc-123_x.y" "a valid incoming X-Request-Id is kept"
http GET "http://127.0.0.1:$gw/healthz" -H 'X-Request-Id: bad id"<script>'
like "$(header x-request-id)" '^[0-9a-f]{32}$' "an invalid X-Request-Id is replaced"

# Metrics: Prometheus text with the requests made above.
http GET "http://127.0.0.1:$au/metrics"
like "$(header content-type)" '^text/plain; version=0.0.4' "/metrics is Prometheus text"
like "$BODY" 'quill_http_requests_total\{route="GET /healthz",code="2xx"\} [1-9]' "/metrics counts /healthz"
like "$BODY" 'quill_http_requests_total\{route="unmatched",code="4xx"\} [1-9]' "/metrics counts unmatched routes"
like "$BODY" 'quill_http_request_duration_seconds_bucket\{route="GET /readyz",le="\+Inf"\} [1-9]' "/metrics has latency histograms"

# Counters are summed over workers: 20 new connections spread over the
# gateway's two workers all show up in one scrape.
healthz_count() {
	curl -s "http://127.0.0.1:$gw/metrics" | awk -F' ' '/^quill_http_requests_total\{route="GET \/healthz",code="2xx"\}/ { print $2 }'
}
n0=$(healthz_count)
for i in $(seq 1 20); do curl -s -o /dev/null "http://127.0.0.1:$gw/healthz"; done
n1=$(healthz_count)
is "$((n1 - n0))" 20 "/metrics sums requests over all workers"

# Access log: one key=value line per request with its id.
check "access log line has method, path, status and request id" \
	grep -q 'event=access method=GET path=/healthz status=200 .*request_id=abc-123_x.y' "$T_DIR/log/quill-gatewayd.log"

# Stop: every process goes, pid files are removed.
for d in "${!master[@]}"; do kill -TERM "${master[$d]}"; done
for d in "${!master[@]}"; do
	check "$d stops on SIGTERM" wait_gone "${master[$d]}" 100
done
check "no worker is left behind" wait_for 30 no_process_for "$T_DIR/quill.conf"
check "pid files are removed" test -z "$(ls "$T_DIR/run")"
t_end
