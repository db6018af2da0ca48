# GET /metrics only for [http] metrics_allow, by the connection's own
# address (never X-Forwarded-For), on every daemon; the gateway answers
# its own /metrics that way and never forwards a service's, whatever
# method or route.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

tport=$(free_port)
gport=$(free_port)
conf=$T_DIR/quill.conf
write_config "$conf" "
[chat]
listen = 127.0.0.1:$tport
workers = 1
[gateway]
listen = 127.0.0.1:$gport
workers = 1
trusted_proxies = 127.0.0.1
[route.rest]
prefix = /
upstreams = 127.0.0.1:$tport
auth = public
"
start_daemon quill-testd "$conf" QUILL_TESTD_SECTION=chat QUILL_TESTD_NAME=alpha
check "the service is up" wait_for 50 curl -fs -o /dev/null "http://127.0.0.1:$tport/healthz"
start_daemon quill-gatewayd "$conf" QUILL_HTTP_METRICS_ALLOW=127.0.0.2
gwpid=$DAEMON_PID
g=http://127.0.0.1:$gport
check "the gateway is up" wait_for 50 curl -fs -o /dev/null "$g/healthz"

# The service with the default list (loopback): a scraper on the host reads it.
http GET "http://127.0.0.1:$tport/metrics"
like "$STATUS $BODY" '^200 .*quill_http_requests_total' "by default loopback may read a service's /metrics"

# The gateway allows 127.0.0.2 only.
http GET "$g/metrics"
is "$STATUS $(json .error.code)" "403 forbidden" "the gateway's /metrics from a peer not allowed: 403 JSON"
like "$(header content-type)" '^application/json' "  as the JSON error"
is "$(json .error.request_id)" "$(header x-request-id)" "  with its request id"
http GET "$g/metrics" -H "X-Forwarded-For: 127.0.0.2"
is "$STATUS" 403 "an allowed address in X-Forwarded-For (from a trusted proxy) changes nothing"
http GET "$g/metrics" --interface 127.0.0.2
like "$STATUS $BODY" '^200 .*quill_http_requests_total' "from an allowed address: the metrics"
for m in POST PUT DELETE PATCH; do
	http "$m" "$g/metrics"
	is "$STATUS" 404 "$m /metrics through a / route is not forwarded"
done
out=$(curl -s -I -o /dev/null -w '%{http_code}' "$g/metrics")
like "$out" '^(403|404)$' "HEAD /metrics is not forwarded either ($out)"
http GET "$g/metrics/"
is "$STATUS" 404 "nor /metrics/"
http GET "$g/api/../metrics/x"
is "$STATUS" 404 "nor a path that resolves under /metrics"
n=$(grep 'event=access' "$T_DIR/log/quill-testd.log" | grep -cE 'path="?/metrics')
is "$n" 1 "the service saw one /metrics request, the direct one: none from the gateway"

# A service with a list that leaves 127.0.0.1 out.
kill -TERM "${T_PIDS[0]}"
wait_gone "${T_PIDS[0]}" 100
start_daemon quill-testd "$conf" QUILL_TESTD_SECTION=chat QUILL_TESTD_NAME=alpha "QUILL_HTTP_METRICS_ALLOW=10.0.0.0/8, 127.0.0.2/32"
check "the service is up again" wait_for 50 curl -fs -o /dev/null "http://127.0.0.1:$tport/healthz"
http GET "http://127.0.0.1:$tport/metrics"
is "$STATUS $(json .error.code)" "403 forbidden" "a service refuses its /metrics to a peer not allowed"
http GET "http://127.0.0.1:$tport/metrics" --interface 127.0.0.2
is "$STATUS" 200 "and serves an allowed one"
http GET "http://127.0.0.1:$tport/healthz"
is "$STATUS" 200 "/healthz stays open"

# A list that does not parse is refused by -t and at start.
bad=$T_DIR/bad.conf
write_config "$bad" "
[http]
metrics_allow = 127.0.0.1 localhost
[gateway]
listen = 127.0.0.1:$(free_port)
"
out=$("$(program quill-gatewayd)" -c "$bad" -t 2>&1)
st=$?
is "$st" 78 "-t refuses a metrics_allow that does not parse"
like "$out" 'metrics_allow: "localhost" is not an address or network' "  saying which word"
t_end
