# quill-gatewayd over TLS: HTTPS with HTTP/1.1 and HTTP/2 (ALPN) when a
# certificate and key are configured, no cleartext beside it, a broken
# key refused at start, and a renewed certificate taken up by SIGHUP.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

command -v openssl >/dev/null || { not_ok "openssl is needed to make a test certificate"; t_end; }
cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj "/CN=$1" -addext "subjectAltName=IP:127.0.0.1" \
		-keyout "$T_DIR/$1.key" -out "$T_DIR/$1.pem" 2>/dev/null
	chmod 644 "$T_DIR/$1.key"
}
cert one
cert two
port=$(free_port)
tport=$(free_port)
conf=$T_DIR/quill.conf
write_config "$conf" "
[chat]
listen = 127.0.0.1:$tport
workers = 1
[gateway]
listen = 127.0.0.1:$port
workers = 1
tls_certificate = $T_DIR/tls.pem
tls_key = $T_DIR/tls.key
[route.test]
prefix = /api/test
upstreams = 127.0.0.1:$tport
auth = public
"
cp "$T_DIR/one.pem" "$T_DIR/tls.pem"
cp "$T_DIR/one.key" "$T_DIR/tls.key"
start_daemon quill-testd "$conf" QUILL_TESTD_SECTION=chat QUILL_TESTD_NAME=alpha
check "the test backend is up" wait_for 50 curl -fs -o /dev/null "http://127.0.0.1:$tport/healthz"
start_daemon quill-gatewayd "$conf"
gw=$DAEMON_PID
check "the gateway answers over HTTPS" wait_for 50 curl -fsk -o /dev/null "https://127.0.0.1:$port/healthz"
http GET "https://127.0.0.1:$port/healthz" -k --http1.1
is "$STATUS $(json .status)" "200 ok" "HTTP/1.1 over TLS"
out=$(curl -sk --http2 -o /dev/null -w '%{http_version} %{http_code}' "https://127.0.0.1:$port/healthz")
is "$out" "2 200" "HTTP/2 over TLS (ALPN)"
# One X-Request-Id per response, over either protocol, proxied or not.
for v in 1.1 2; do
	for path in /api/test/status/200 /healthz /nowhere; do
		n=$(curl -sk "--http$v" -D - -o /dev/null -H "X-Request-Id: tls-$v" "https://127.0.0.1:$port$path" |
			grep -ci '^x-request-id: tls-')
		is "$n" 1 "HTTP/$v $path: one X-Request-Id"
	done
done
subject=$(openssl s_client -connect "127.0.0.1:$port" </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null)
like "$subject" 'CN *= *one' "it presents the configured certificate"
out=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$port/healthz")
is "$out" 000 "no cleartext HTTP on the TLS port"
out=$(printf '' | openssl s_client -connect "127.0.0.1:$port" -tls1_1 2>&1 </dev/null | grep -c 'BEGIN CERTIFICATE')
is "$out" 0 "TLS 1.1 is refused"

# A renewed certificate is taken up on reload.
cp "$T_DIR/two.pem" "$T_DIR/tls.pem"
cp "$T_DIR/two.key" "$T_DIR/tls.key"
kill -HUP "$gw"
check "after SIGHUP the new certificate is presented" wait_for 50 sh -c \
	"openssl s_client -connect 127.0.0.1:$port </dev/null 2>/dev/null | openssl x509 -noout -subject | grep -q 'CN *= *two'"
# A broken key refuses the reload; the running workers go on.
echo broken >"$T_DIR/tls.key"
kill -HUP "$gw"
check "a broken key refuses the reload" wait_for 50 grep -q 'event=reload_refused.*tls_key' "$T_DIR/log/quill-gatewayd.log"
http GET "https://127.0.0.1:$port/healthz" -k
is "$STATUS" 200 "and the gateway keeps serving"

# At start, a certificate alone is one clear line and exit.
kill -TERM "$gw"
check "the gateway stops" wait_gone "$gw" 100
bad=$T_DIR/bad.conf
write_config "$bad" "
[gateway]
listen = 127.0.0.1:$(free_port)
tls_certificate = $T_DIR/one.pem
"
out=$("$(program quill-gatewayd)" -c "$bad" 2>&1)
like "$out" 'tls_certificate and tls_key go together' "a certificate without a key is refused"
t_end
