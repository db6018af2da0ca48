# The shared HTTP layer through quill-testd: JSON bodies, limits, parameters.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

port=$(free_port)
conf=$T_DIR/quill.conf
write_config "$conf" "
[gateway]
listen = 127.0.0.1:$port
workers = 2
[http]
max_body = 4k
keepalive_timeout = 1s
"
start_daemon quill-testd "$conf"
check "quill-testd starts" wait_for 50 curl -fs "http://127.0.0.1:$port/healthz"
base=http://127.0.0.1:$port
J=(-H 'Content-Type: application/json')

http POST "$base/echo" "${J[@]}" --data '{"name":"Zoë","n":1}'
is "$STATUS $(json .keys) $(json .name)" "200 2 Zoë" "a JSON body is parsed"
http POST "$base/echo" -H 'Content-Type: application/json; charset=utf-8' --data '{}'
is "$STATUS" 200 "charset parameter on the content type is fine"

http POST "$base/echo" "${J[@]}" --data '{"name": "x",'
is "$STATUS $(json .error.code)" "400 invalid_json" "truncated JSON is a 400"
like "$(json .error.message)" 'invalid JSON|unexpected|premature|incomplete' "the message says what is wrong"
http POST "$base/echo" "${J[@]}" --data '{"a":1} trailing'
is "$STATUS $(json .error.code)" "400 invalid_json" "trailing garbage is a 400"
http POST "$base/echo" "${J[@]}" --data-binary $'{"name":"\xff"}'
is "$STATUS $(json .error.code)" "400 invalid_json" "invalid UTF-8 is a 400"
deep=$(printf '[%.0s' {1..100})$(printf ']%.0s' {1..100})
http POST "$base/echo" "${J[@]}" --data "$deep"
is "$STATUS $(json .error.code)" "400 invalid_json" "nesting beyond the depth limit is a 400"
http POST "$base/echo" "${J[@]}"
is "$STATUS $(json .error.code)" "400 invalid_json" "an empty body is a 400"
http POST "$base/echo" -H 'Content-Type: text/plain' --data '{}'
is "$STATUS $(json .error.code)" "415 unsupported_media_type" "a non-JSON content type is a 415"
http POST "$base/echo" --data '{}'
is "$STATUS" 415 "a form content type is a 415"
http POST "$base/echo" "${J[@]}" --data '[1,2]'
is "$STATUS $(json .error.code)" "422 invalid_body" "a well-formed body of the wrong shape is a 422"

head -c 5000 /dev/zero | tr '\0' ' ' >"$T_DIR/5k"
http POST "$base/echo" "${J[@]}" --data-binary @"$T_DIR/5k"
is "$STATUS $(json .error.code)" "413 payload_too_large" "body over [http] max_body is a 413"
http POST "$base/echo" "${J[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/5k"
is "$STATUS $(json .error.code)" "413 payload_too_large" "a chunked body over the limit is a 413"
http POST "$base/small" "${J[@]}" --data '{"0123456789":1}'
is "$STATUS" 200 "a body within a route's own limit passes"
http POST "$base/small" "${J[@]}" --data '{"0123456789ab":1}'
is "$STATUS $(json .error.code)" "413 payload_too_large" "a body over a route's own limit is a 413"

http GET "$base/items/abc?q=hello%20world&x=1"
is "$STATUS $(json .id) $(json .q)" "200 abc hello world" "path and query parameters"
is "$(json .request_id)" "$(header x-request-id)" "the handler sees the request id it answers with"
http GET "$base/items/abc"
is "$(json .q)" "null" "a missing query parameter is absent"
http GET "$base/items/"
is "$STATUS" 404 "an empty path parameter does not match"
http GET "$base/items/a/b"
is "$STATUS" 404 "a path parameter is one segment"

# A client that sends half a request is cut off after keepalive_timeout.
slow_headers() {
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3
	timeout 5 cat <&3 >/dev/null
	local status=$?
	exec 3<&-
	return $status
}
start=$(date +%s%N)
check "slow request headers: the connection is closed" slow_headers
elapsed=$((($(date +%s%N) - start) / 1000000))
diag "closed after $elapsed ms (keepalive_timeout = 1s)"
check "slow request headers: closed within 3 s" test "$elapsed" -lt 3000

# Malformed HTTP never takes the daemon down.
printf 'GARBAGE\r\n\r\n' | curl -s --max-time 2 telnet://127.0.0.1:$port >/dev/null 2>&1
printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n' | curl -s --max-time 2 telnet://127.0.0.1:$port >/dev/null 2>&1
check "still serving after malformed requests" curl -fs -o /dev/null "$base/healthz"
t_end
