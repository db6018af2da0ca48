# quill-gatewayd in front of a real quill-authd (and PostgreSQL) and two
# test backends (quill-testd as "alpha" and "beta"): routing and
# balancing, edge auth (valid, missing, expired, revoked within 1 s),
# header stripping, rate limits that hold across workers, trusted
# proxies, CORS, body limits, 502/503 with a backend stopped, 504 with a
# backend that stalls, SSE passed through unbuffered, WebSocket both
# ways, the OpenAPI document and the docs page, and the metrics.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

aport=$(free_port)
gport=$(free_port)
p_alpha=$(free_port)
p_beta=$(free_port)
p_dead=$(free_port)
conf=$T_DIR/quill.conf
mkdir -p "$T_DIR/docs"
cp "$QUILL_SRC/doc/api/openapi.json" "$T_DIR/openapi.json"
cp "$QUILL_SRC/doc/api/index.html" "$T_DIR/docs/index.html"
printf 'body{}\n' >"$T_DIR/docs/app.css"
write_config "$conf" "
[http]
keepalive_timeout = 2s
$(auth_config "$aport")
[chat]
listen = 127.0.0.1:$p_alpha
workers = 1
[ocr]
listen = 127.0.0.1:$p_beta
workers = 1
[gateway]
listen = 127.0.0.1:$gport
workers = 2
trusted_proxies = 127.0.0.1
upstream_cooldown = 3s
upstream_health_interval = 500ms
cors_origins = https://app.example.org
openapi_file = $T_DIR/openapi.json
docs_dir = $T_DIR/docs
[route.login]
prefix = /api/auth/login /api/auth/register
upstreams = 127.0.0.1:$aport
auth = public
rate_ip = 3/1m
[route.auth]
prefix = /api/auth
upstreams = 127.0.0.1:$aport
[route.test]
prefix = /api/test
upstreams = 127.0.0.1:$p_alpha 127.0.0.1:$p_beta
timeout = 1s
websocket = yes
[route.upload]
prefix = /api/test/upload
upstreams = 127.0.0.1:$p_alpha
max_body = 4m
[route.open]
prefix = /api/test/status /api/test/sse
upstreams = 127.0.0.1:$p_alpha 127.0.0.1:$p_beta
auth = public
balance = least_conn
[route.tight]
prefix = /api/test/status/418
upstreams = 127.0.0.1:$p_alpha
auth = public
rate_ip = 5/1m
[route.percap]
prefix = /api/test/status/420
upstreams = 127.0.0.1:$p_alpha
rate_ip = off
rate_user = 3/1m
[route.rest]
prefix = /
upstreams = 127.0.0.1:$p_alpha
auth = public
[route.dead]
prefix = /api/dead
upstreams = 127.0.0.1:$p_dead
auth = public
"
g=http://127.0.0.1:$gport
"$(program quillctl)" -c "$conf" migrate >/dev/null || not_ok "migrate"
start_daemon quill-authd "$conf"
authd=$DAEMON_PID
check "quill-authd is ready" wait_for 50 curl -fs -o /dev/null "http://127.0.0.1:$aport/readyz"
start_daemon quill-testd "$conf" QUILL_TESTD_SECTION=chat QUILL_TESTD_NAME=alpha
alpha=$DAEMON_PID
start_daemon quill-testd "$conf" QUILL_TESTD_SECTION=ocr QUILL_TESTD_NAME=beta
beta=$DAEMON_PID
start_daemon quill-gatewayd "$conf"
gateway=$DAEMON_PID
check "quill-gatewayd is up" wait_for 50 curl -fs -o /dev/null "$g/healthz"
check "backends are up" wait_for 50 curl -fs -o /dev/null "http://127.0.0.1:$p_beta/healthz"
check "the gateway's verifier is ready" wait_for 50 sh -c "curl -s '$g/api/test/headers' | grep -q missing_token"

# --- accounts through the gateway ---
API_BASE=$g
u=g$$x$RANDOM
pw=marble-orchard-7734
email=gw.$u@example.org
api POST /api/auth/register "{\"email\":\"$email\",\"password\":\"$pw\"}"
is "$STATUS" 201 "register through the gateway (public route)"
uid=$(json .id)
login "$email" "$pw"
is "$STATUS" 200 "login through the gateway"
tok=$ACCESS
api GET /api/auth/me "" "$tok"
is "$STATUS $(json .id)" "200 $uid" "GET /api/auth/me through the gateway"
http GET "$g/api/testing/x?q=1"
is "$STATUS" 404 "a prefix matches whole segments only"
check "  /api/testing went to the / route's upstream" grep -q 'prog=quill-testd-chat .*path="/api/testing/x?q=1"' "$T_DIR/log/quill-testd.log"
http GET "$g/internal/auth/revocations"
is "$STATUS $(json .error.code) $(header x-backend)" "404 not_found " "/internal is never forwarded, even under a / route"

# --- routing and balancing ---
seen=
for i in 1 2 3 4 5 6 7 8; do
	http GET "$g/api/test/headers" -H "Authorization: Bearer $tok"
	[ "$STATUS" = 200 ] && seen="$seen $(header x-backend)"
done
like "$seen" alpha "round robin reaches alpha"
like "$seen" beta "and beta"
http GET "$g/api/test/status/201" -H "X-Request-Id: mine-0001"
is "$STATUS $(json .status)" "201 201" "a public route needs no token; the service's status passes through"
is "$(header x-request-id)" mine-0001 "a valid incoming X-Request-Id is kept and echoed"
http GET "$g/api/test/status/201" -H 'X-Request-Id: bad id!'
like "$(header x-request-id)" '^[0-9a-f]{32}$' "an invalid one is replaced"

# --- one X-Request-Id per response, the same one the service was given ---
id_count() { grep -ci '^x-request-id:' "$HEADERS"; }
one_id() {	# WHAT METHOD PATH [curl args...]
	local what=$1 id=one-$RANDOM
	shift
	http "$1" "$g$2" -H "X-Request-Id: $id" "${@:3}"
	is "$(id_count) $(header x-request-id)" "1 $id" "$what: one X-Request-Id, the client's ($STATUS)"
}
one_id "login route (authd)" POST /api/auth/login -H 'Content-Type: application/json' -H 'X-Forwarded-For: 10.6.0.1' --data-binary '{}'
one_id "token route (authd)" GET /api/auth/me -H "Authorization: Bearer $tok"
one_id "token route (testd)" GET /api/test/headers -H "Authorization: Bearer $tok"
one_id "public route" GET /api/test/status/200
one_id "upload route" POST /api/test/upload -H "Authorization: Bearer $tok" --data-binary x
one_id "the / route" GET /whoami
one_id "the gateway's own 401" GET /api/test/headers
one_id "the gateway's own /healthz" GET /healthz
one_id "the gateway's 404" GET /internal/x
http GET "$g/api/test/headers" -H "Authorization: Bearer $tok" -H "X-Request-Id: end-to-end-7"
is "$(id_count) $(header x-request-id) $(json '.headers["x-request-id"]')" "1 end-to-end-7 end-to-end-7" \
	"the id the service saw is the one the client gets, once"
http GET "$g/api/test/status/200"
is "$(id_count)" 1 "a new id is sent once too"

# --- edge auth ---
http GET "$g/api/test/headers"
is "$STATUS $(json .error.code)" "401 missing_token" "no token: 401"
like "$(header www-authenticate)" '^Bearer' "with WWW-Authenticate: Bearer"
http GET "$g/api/test/headers" -H "Authorization: Bearer not.a.token"
is "$STATUS $(json .error.code)" "401 invalid_token" "a malformed token: 401"
keyfile=$(ls "$T_DIR"/keys/*.key | head -n 1)
sid=$(jwt_part "$tok" 2 | jq -r .sid)
now=$(date +%s)
expired=$("$QUILL_BUILD/tests/testd/jwt-mint" "$keyfile" quill "$uid" "$sid" user $((now - 900)) $((now - 900)) $((now - 300)))
http GET "$g/api/test/headers" -H "Authorization: Bearer $expired"
is "$STATUS $(json .error.code)" "401 invalid_token" "an expired token: 401"
like "$(json .error.message)" expired "  saying it expired"

# --- headers the backend sees ---
http GET "$g/api/test/headers" -H "Authorization: Bearer $tok" -H "X-Quill-User-Id: 00000000-0000-4000-8000-000000000000" \
	-H "X-Quill-Role: admin" -H "x-quill-anything: x" -H "X-Forwarded-For: 6.6.6.6" -H "X-Request-Id: trace-42"
is "$(json '.headers["x-quill-user-id"]')" "$uid" "X-Quill-User-Id comes from the token, not the client"
is "$(json '.headers["x-quill-role"]')" user "X-Quill-Role too"
is "$(json '.headers["x-quill-anything"]')" null "any other client-sent X-Quill-* is dropped"
is "$(json '.headers["x-request-id"]')" trace-42 "the backend gets the request id"
is "$(json '.headers["x-forwarded-proto"]')" http "X-Forwarded-Proto is set"
like "$(json '.headers["x-forwarded-for"]')" '6\.6\.6\.6, 127\.0\.0\.1$' "a trusted proxy's X-Forwarded-For is kept, the peer appended"
like "$(json '.headers.authorization')" '^Bearer ' "the token goes on (services check it too)"
is "$(json '.headers["x-quill-client-ip"]')" 6.6.6.6 "X-Quill-Client-Ip names the client the gateway counted"
http GET "$g/api/test/headers" -H "Authorization: Bearer $tok" -H "Authorization: Bearer other"
is "$STATUS" 400 "two Authorization headers are refused"

# --- paths: what was routed and authorised is what the service gets ---
http GET "$g/api/test/status/%252e%252e/%252e%252e/headers"
is "$STATUS" 404 "double-encoded dots reach the service as text, not as a second way round the token"
http GET "$g/api/test/status/a%20b%0D%0AX-Quill-Role:%20admin"
is "$STATUS $(json .error.code)" "400 invalid_status" "an encoded line break stays encoded on the way to the service"
check "  which saw it percent-encoded" grep -q 'path=/api/test/status/a%20b%0D%0AX-Quill-Role:%20admin ' "$T_DIR/log/quill-testd.log"
http GET "$g/api/test/status/../headers"
is "$STATUS" 401 "a dot-dot path is routed (and authorised) as it resolves"

http GET "$g/api/test/status/200" -H "X-Quill-User-Id: forged"
is "$STATUS" 200 "a forged X-Quill-User-Id on a public route is not refused"
http GET "$g/api/test/headers" -H "Authorization: Bearer $tok" -H "X-Quill-User-Id: forged"
is "$(json '.headers["x-quill-user-id"]')" "$uid" "and never reaches the backend as sent"

# --- rate limits: the N+1-th request is refused whichever worker serves it ---
# Each round is one client (X-Forwarded-For, believed from the trusted
# 127.0.0.1); a round counts only when both workers served some of it.
proven=no
for round in 1 2 3 4 5 6 7 8; do
	statuses= ids=
	for i in 1 2 3 4 5 6; do
		http GET "$g/api/test/status/418" -H "X-Forwarded-For: 10.9.$round.1"
		statuses="$statuses $STATUS"
		ids="$ids $(header x-request-id)"
		[ "$i" = 6 ] && last_retry=$(header retry-after) last_limit=$(header ratelimit-limit) last_body=$BODY
	done
	workers=$(for id in $ids; do grep "request_id=$id" "$T_DIR/log/quill-gatewayd.log" | grep -o 'worker=[0-9]*'; done | sort -u | wc -l)
	if [ "$workers" -ge 2 ]; then proven=yes; break; fi
done
is "$proven" yes "a round of six requests was served by both workers"
is "$statuses" " 418 418 418 418 418 429" "five pass, the sixth is 429 (limit 5 shared by the workers)"
like "$last_retry" '^[0-9]+$' "429 carries Retry-After"
is "$last_limit" 5 "and RateLimit-Limit"
is "$(printf '%s' "$last_body" | jq -r .error.code)" rate_limited "and a JSON error"
http GET "$g/api/test/status/418" -H "X-Forwarded-For: 10.99.0.1"
is "$STATUS $(header ratelimit-remaining)" "418 4" "another client has its own bucket"
http GET "$g/api/test/status/418" -H "X-Forwarded-For: 10.99.0.1, 10.9.1.1"
is "$STATUS" 429 "the rightmost untrusted X-Forwarded-For address is the client"
statuses=
for i in 1 2 3 4; do
	http GET "$g/api/test/status/420" -H "Authorization: Bearer $tok" -H "X-Forwarded-For: 10.8.0.$i"
	statuses="$statuses $STATUS"
done
is "$statuses" " 420 420 420 429" "the per-user bucket follows the user across addresses"
statuses=
for i in 1 2 3 4; do
	http POST "$g/api/auth/login" -H 'Content-Type: application/json' -H "X-Forwarded-For: 10.7.0.1" \
		--data-binary "{\"email\":\"$email\",\"password\":\"wrong-password-$i\"}"
	statuses="$statuses $STATUS"
done
is "$statuses" " 401 401 401 429" "login has its own stricter bucket"

# --- CORS ---
http OPTIONS "$g/api/test/headers" -H 'Origin: https://app.example.org' -H 'Access-Control-Request-Method: PATCH'
is "$STATUS" 204 "an allowed preflight is answered at the gateway"
is "$(header access-control-allow-origin)" https://app.example.org "  with the origin"
like "$(header access-control-allow-methods)" PATCH "  the methods"
like "$(header access-control-allow-headers)" Authorization "  the headers"
is "$(header access-control-max-age)" 600 "  and the max age"
http OPTIONS "$g/api/test/headers" -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: GET'
is "$STATUS $(json .error.code)" "403 origin_not_allowed" "a preflight from another origin is refused"
is "$(header access-control-allow-origin)" "" "  without CORS headers"
http GET "$g/api/test/status/200" -H 'Origin: https://app.example.org'
is "$(header access-control-allow-origin)" https://app.example.org "a proxied response carries CORS headers for an allowed origin"
like "$(header access-control-expose-headers)" X-Request-Id "  and exposes X-Request-Id"
http GET "$g/api/test/headers" -H 'Origin: https://app.example.org'
is "$STATUS $(header access-control-allow-origin)" "401 https://app.example.org" "so does the gateway's own 401"
http GET "$g/api/test/status/200" -H 'Origin: https://evil.example'
is "$(header access-control-allow-origin)" "" "another origin gets none"
is "$(header vary)" Origin "  and the response says it varies by Origin"

# --- body limits ---
head -c 2000000 /dev/zero | tr '\0' 'a' >"$T_DIR/2m"
http POST "$g/api/test/headers" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' --data-binary "@$T_DIR/2m"
is "$STATUS $(json .error.code)" "413 payload_too_large" "2 MB on a 1 MB route: 413 JSON"
http POST "$g/api/test/upload" -H "Authorization: Bearer $tok" --data-binary "@$T_DIR/2m"
is "$STATUS $(json .bytes)" "200 2000000" "2 MB on the upload route passes"
reply=$(exec 3<>"/dev/tcp/127.0.0.1/$gport"
	printf 'POST /api/test/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n' >&3
	timeout 3 head -n 1 <&3)
like "$reply" '^HTTP/1.1 413' "100 MB announced: 413 before any of the body is sent"

# --- slow and broken clients ---
reply=$(exec 3<>"/dev/tcp/127.0.0.1/$gport"
	printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3
	timeout 5 cat <&3; echo "rc=$?")
like "$reply" 'rc=0$' "a client that never ends its headers is dropped (keepalive_timeout)"

# --- SSE and WebSocket ---
first=$(timeout 1 curl -sN "$g/api/test/sse" | head -n 1)
is "$first" "data: first" "the first SSE event arrives before the stream's next one (1.5 s later)"
http GET "$g/api/test/sse"
is "$(printf '%s' "$BODY" | grep -c '^data:')" 2 "the whole stream arrives"
out=$("$QUILL_BUILD/tests/testd/ws-client" 127.0.0.1 "$gport" /api/test/ws -H "Authorization: Bearer $tok" hello "second message")
is "$out" "101
hello
second message" "a WebSocket session passes through both ways"
out=$("$QUILL_BUILD/tests/testd/ws-client" 127.0.0.1 "$gport" /api/test/ws hello | head -n 1)
is "$out" 401 "a WebSocket upgrade without a token is refused"

# --- revocation: a logout reaches the gateway within 1 s ---
login "$email" "$pw"
t1=$ACCESS
http GET "$g/api/test/headers" -H "Authorization: Bearer $t1"
is "$STATUS" 200 "a second session works through the gateway"
api POST /api/auth/logout "" "$t1"
start=$(date +%s%N)
refused=no
for ((i = 0; i < 40; i++)); do
	http GET "$g/api/test/headers" -H "Authorization: Bearer $t1"
	if [ "$STATUS" = 401 ]; then refused=yes; break; fi
	[ $((($(date +%s%N) - start) / 1000000)) -gt 1000 ] && break
	sleep 0.05
done
elapsed=$((($(date +%s%N) - start) / 1000000))
diag "the gateway refused the token $elapsed ms after the logout"
is "$refused" yes "after logout the gateway refuses the token"
check "within 1 s" test "$elapsed" -le 1000

# --- a stall of quill-authd shorter than revocation_max_staleness (5 s)
# costs no traffic: its late answers are news all the same ---
kill -STOP "$authd" $(pgrep -P "$authd")
stall_statuses=
start=$(date +%s%N)
while [ $((($(date +%s%N) - start) / 1000000)) -lt 3000 ]; do
	http GET "$g/api/test/headers" -H "Authorization: Bearer $tok"
	stall_statuses="$stall_statuses $STATUS"
	sleep 0.2
done
kill -CONT "$authd" $(pgrep -P "$authd")
diag "while quill-authd was stopped for about 3 s:$stall_statuses"
like "$stall_statuses" '^( 200)+$' "a 3 s stall of quill-authd: the gateway keeps answering 200"

# --- a service whose worker dies with the request ---
deaths() { grep -c 'event=worker_died' "$T_DIR/log/quill-testd.log"; }
cooldowns() { grep -c 'event=upstream_failed route=test ' "$T_DIR/log/quill-gatewayd.log"; }
d0=$(deaths)
c0=$(cooldowns)
http POST "$g/api/test/crash" -H "Authorization: Bearer $tok"
is "$STATUS $(json .error.code)" "502 bad_gateway" "a POST whose worker dies: 502"
check "  sent once: one worker died" wait_for 20 sh -c "[ \$(grep -c 'event=worker_died' '$T_DIR/log/quill-testd.log') -ge $((d0 + 1)) ]"
sleep 0.5
is "$(deaths) $(cooldowns)" "$((d0 + 1)) $c0" "  only one, and the service is not cooled down for it"
http GET "$g/api/test/crash" -H "Authorization: Bearer $tok"
is "$STATUS $(json .error.code)" "502 bad_gateway" "a GET whose worker dies each time: 502"
check "  sent twice: two more workers died" wait_for 20 sh -c "[ \$(grep -c 'event=worker_died' '$T_DIR/log/quill-testd.log') -ge $((d0 + 3)) ]"
sleep 0.5
is "$(deaths) $(cooldowns)" "$((d0 + 3)) $((c0 + 1))" "  no more, and the second close cools the service down"
check "both services have their workers again" wait_for 50 sh -c "[ \$(pgrep -P $alpha | wc -l) -ge 1 ] && [ \$(pgrep -P $beta | wc -l) -ge 1 ]"

# --- upstream failures ---
http GET "$g/api/test/stall" -H "Authorization: Bearer $tok"
is "$STATUS $(json .error.code)" "504 gateway_timeout" "a backend that stalls: 504 after the route's timeout"
http GET "$g/api/dead/x"
like "$STATUS $(json .error.code)" '^(502 bad_gateway|503 service_unavailable)$' "nothing listening: 502 or 503 JSON at once"
for i in 1 2 3; do http GET "$g/api/dead/x"; done
is "$STATUS $(json .error.code)" "503 service_unavailable" "once known dead: 503"
like "$(header retry-after)" '^[0-9]+$' "  with Retry-After"
kill -TERM "$beta"
wait "$beta" 2>/dev/null
statuses=
for i in $(seq 1 12); do
	http GET "$g/api/test/status/200"
	statuses="$statuses $STATUS"
done
diag "with beta stopped: $statuses"
# a worker that meets the stopped backend cools it down and sends the
# request to the other: nothing was sent, so any request may go again
is "$statuses" "$(printf ' 200%.0s' $(seq 1 12))" "with one backend stopped, every request is answered by the other"
sleep 1
after=
for i in 1 2 3 4 5 6; do
	http GET "$g/api/test/status/200"
	after="$after $STATUS"
done
is "$after" " 200 200 200 200 200 200" "then every request goes to the other backend"

# --- OpenAPI, docs, metrics ---
curl -s "$g/openapi.json" >"$T_DIR/served.json"
check "GET /openapi.json serves doc/api/openapi.json byte for byte" cmp -s "$T_DIR/served.json" "$QUILL_SRC/doc/api/openapi.json"
http GET "$g/docs"
is "$STATUS" 200 "GET /docs"
like "$(header content-type)" '^text/html' "  is HTML"
http GET "$g/docs/app.css"
is "$STATUS $(header content-type)" "200 text/css; charset=utf-8" "its assets are served"
http GET "$g/docs/..%2fquill.conf"
is "$STATUS" 404 "and nothing else"
http GET "$g/metrics"
like "$BODY" 'quill_gateway_rate_limited_total\{route="tight",bucket="ip"\} [1-9]' "metrics: rate-limited requests"
like "$BODY" 'quill_gateway_upstream_failures_total\{route="dead"\} [1-9]' "metrics: upstream failures"
like "$BODY" 'quill_http_requests_total\{route="\* /api/test/\*",code="2xx"\} [1-9]' "metrics: requests by route and status"
like "$BODY" 'quill_http_request_duration_seconds_bucket\{route="\* /api/test/\*"' "metrics: latency histogram"
like "$BODY" 'quill_http_connections' "metrics: connections"

# --- configuration errors are refused with one line ---
bad=$T_DIR/bad.conf
write_config "$bad" "
[gateway]
listen = 127.0.0.1:$(free_port)
openapi_file = $T_DIR/openapi.json
[route.x]
prefix = api/x
upstreams = 127.0.0.1:1
"
out=$("$(program quill-gatewayd)" -c "$bad" 2>&1)
like "$out" 'route.x\] prefix: \\?"api/x\\?" is not an absolute path' "a relative prefix is refused at start"
check "gateway still serves" curl -fs -o /dev/null "$g/healthz"
t_end
