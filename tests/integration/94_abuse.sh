# Abuse cases against the whole stack, through the gateway as a client
# meets it: odd upload names, header injection, oversized heads, slow
# clients, SQL in every text field, another user's objects, and what the
# daemons' processes may touch.  Each case is one section below; a new
# case is one more section.  doc/RELIABILITY.md lists where each abuse
# case of the suite is tested (JWT tampering: 62_authd_tokens.sh).
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

aport=$(free_port)
oport=$(free_port)
gport=$(free_port)
conf=$T_DIR/quill.conf
write_config "$conf" "
[http]
keepalive_timeout = 1s
$(auth_config "$aport")
[ocr]
listen = 127.0.0.1:$oport
workers = 1
max_upload = 256k
[gateway]
listen = 127.0.0.1:$gport
workers = 1
$(api_routes "$aport" "$oport")
"
"$(program quillctl)" -c "$conf" migrate >/dev/null || not_ok "migrate"
start_daemon quill-authd "$conf"
authd=$DAEMON_PID
start_daemon quill-ocrd "$conf"
ocrd=$DAEMON_PID
start_daemon quill-gatewayd "$conf"
gateway=$DAEMON_PID
API_BASE=http://127.0.0.1:$gport
check "the stack is ready" wait_for 100 curl -fs -o /dev/null "http://127.0.0.1:$aport/readyz"
check "  the gateway too" wait_for 100 curl -fs -o /dev/null "$API_BASE/readyz"

pw=quartz-lantern-5512
u=a$$x$RANDOM
new_user "alice.$u@example.org" "$pw"
alice_id=$uid
alice=$ACCESS
new_user "bob.$u@example.org" "$pw"
bob=$ACCESS
check "the OCR service accepts tokens" \
	wait_for 50 sh -c "curl -s -H 'Authorization: Bearer $alice' '$API_BASE/api/ocr/jobs' | grep -q '\"items\"'"

png=$T_DIR/dot.png
tiny_png "$png"

# upload_named NAME [TOKEN]: a multipart upload of the PNG whose filename
# parameter is NAME byte for byte (curl would escape some of them).
upload_named() {
	local body=$T_DIR/named.body
	{
		printf -- '--b0undary\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n' "$1"
		printf 'Content-Type: image/png\r\n\r\n'
		cat "$png"
		printf '\r\n--b0undary--\r\n'
	} >"$body"
	http POST "$API_BASE/api/ocr/jobs" -H "Authorization: Bearer ${2:-$alice}" \
		-H 'Content-Type: multipart/form-data; boundary=b0undary' --data-binary "@$body"
}

# --- upload names: path traversal and odd bytes ---
touch "$T_DIR/before-uploads"
long=$(printf 'n%.0s' $(seq 1 300)).png
while IFS='|' read -r name want what; do
	upload_named "$(printf '%b' "$name")"
	is "$STATUS $(json .filename)" "202 $(printf '%b' "$want")" "upload named $what: 202, kept as a plain name"
done <<'NAMES'
../../../../etc/passwd|passwd|../../../../etc/passwd
..\\..\\windows\\win.ini|win.ini|..\\..\\windows\\win.ini
/var/spool/quill/new/x.png|x.png|an absolute path into the spool
%2e%2e%2fescape.png|%2e%2e%2fescape.png|%2e%2e%2f (not decoded)
ñandú 発票.png|ñandú 発票.png|in UTF-8 with spaces
NAMES
# PostgreSQL would refuse its row for ever (22021): refused here instead
upload_named "$(printf 'bad\377\376utf8.png')"
is "$STATUS $(json .error.code)" "400 bad_request" "upload named with invalid UTF-8: 400"
upload_named "$(printf 'tab\there\001.png')"
is "$STATUS $(json .error.code)" "400 bad_request" "control bytes in a form's part header: 400"
http POST "$API_BASE/api/ocr/jobs?filename=..%2F..%2Ftab%09here%01%7f.png" -H "Authorization: Bearer $alice" \
	-H 'Content-Type: image/png' --data-binary "@$png"
is "$STATUS $(json .filename)" "202 tab_here__.png" "control bytes in ?filename=: 202, made '_'"
upload_named "$long"
is "$STATUS $(json '.filename | length')" "202 255" "upload with a 304-byte name: kept, cut to 255 bytes"
upload_named ""
is "$STATUS $(json .filename)" "202 null" "upload with an empty name: no name"
is "$(find "$T_DIR/spool" -type f -regextype posix-extended ! -regex '.*/[0-9a-f-]{36}' | wc -l)" 0 \
	"every spool file is named by its job id alone"
is "$(find "$T_DIR" /etc /tmp /var -newer "$T_DIR/before-uploads" \( -name passwd -o -name win.ini -o -name x.png \) \
	2>/dev/null | wc -l)" 0 "no upload name became a file where it points"

# --- header injection: CR or LF in a value ---
raw() {
	timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$gport; printf '%b' \"\$1\" >&3; cat <&3" _ "$1" 2>/dev/null
}
out=$(raw 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\rSet-Cookie: a=1\r\nConnection: close\r\n\r\n')
# libh2o answers 400 and closes; with the rest of the request unread, the
# close may reset the connection before the client reads the answer.
like "$(head -n 1 <<<"$out")" '^(HTTP/1.1 400.*)?$' "a bare CR in a header value: 400 (or a reset)"
check "  and nothing after the CR reaches the response" sh -c "! printf '%s' '$out' | grep -qi '^set-cookie'"
check "  and the gateway goes on serving" curl -fs --max-time 2 -o /dev/null "$API_BASE/healthz"
out=$(raw 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\nSet-Cookie: a=1\r\nConnection: close\r\n\r\n')
check "a bare LF in a header value: no header of the client's making comes back" \
	sh -c "! printf '%s' '$out' | grep -qi '^set-cookie'"
http GET "$API_BASE/healthz" -H 'X-Request-Id: abc%0d%0aSet-Cookie:%20a=1'
like "$STATUS $(header x-request-id)" '^200 [0-9a-f]{32}$' \
	"an X-Request-Id with escapes is replaced, not echoed"
http POST "$API_BASE/api/ocr/jobs" -H "Authorization: Bearer $alice" -H 'Idempotency-Key: k%0d%0aSet-Cookie: a' \
	-F "file=@$png"
is "$STATUS $(grep -ci '^set-cookie' "$HEADERS")" "400 0" "an Idempotency-Key with a space: 400, not echoed"

# --- oversized request heads ---
big=$(head -c 9000 /dev/zero | tr '\0' a)
for base in "$API_BASE" "http://127.0.0.1:$aport" "http://127.0.0.1:$oport"; do
	http GET "$base/healthz?q=$big"
	is "$STATUS $(json .error.code)" "414 uri_too_long" "a 9 kB request target: 414 JSON ($base)"
	http GET "$base/healthz" -H "X-Big: $big"
	is "$STATUS $(json .error.code)" "431 headers_too_large" "a 9 kB header: 431 JSON ($base)"
	many=()
	for i in 1 2 3 4 5; do many+=(-H "X-Big-$i: ${big:0:7000}"); done
	http GET "$base/healthz" "${many[@]}"
	is "$STATUS $(json .error.code)" "431 headers_too_large" "35 kB of headers: 431 JSON ($base)"
done
http GET "$API_BASE/healthz?q=${big:0:7000}"
is "$STATUS" 200 "a 7 kB request target is served"

# --- slow clients: slow headers and slow bodies are cut off ---
# In a subshell that ignores SIGPIPE: the server closing is the point.
slow_body() (
	trap '' PIPE
	exec 3<>"/dev/tcp/127.0.0.1/$gport" || exit 1
	printf 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{' >&3
	for _ in 1 2 3 4 5 6 7 8; do printf ' ' >&3 2>/dev/null || break; sleep 0.5; done
	timeout 5 cat <&3 >/dev/null
)
start=$(date +%s%N)
check "a body sent a byte every 500 ms: the connection is closed" slow_body
diag "closed after $((($(date +%s%N) - start) / 1000000)) ms (keepalive_timeout = 1s)"
# 40 slow clients at once on a gateway with one worker: others are served.
slow_pids=()
for i in $(seq 1 40); do
	(exec 3<>"/dev/tcp/127.0.0.1/$gport" && printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3 && sleep 8) 2>/dev/null &
	slow_pids+=($!)
done
sleep 0.3
check "while 40 clients hold their headers, a request is served" \
	curl -fs --max-time 2 -o /dev/null "$API_BASE/healthz"
kill "${slow_pids[@]}" 2>/dev/null
wait "${slow_pids[@]}" 2>/dev/null

# --- SQL in every text field ---
sqli="x'); DROP TABLE auth.users; --"
api POST /api/auth/register "{\"email\":\"o'brien.$u@example.org\",\"password\":\"$pw' OR '1'='1\",\"name\":\"$sqli\"}"
is "$STATUS $(json .name)" "201 $sqli" "register: SQL in the name is stored as text"
obrien=$(json .id)
login "o'brien.$u@example.org" "$pw' OR '1'='1"
check "  a quote in the email and password: that user logs in" test -n "$ACCESS"
login "' OR '1'='1" "$pw"
like "$STATUS $ACCESS" '^(401|422) $' "login with email ' OR '1'='1: refused"
login "alice.$u@example.org' --" "x"
like "$STATUS $ACCESS" '^(401|422) $' "login with a comment after the email: refused"
api POST /api/auth/refresh "{\"refresh_token\":\"' OR 1=1 --\"}"
is "$STATUS" 401 "refresh with SQL for a token: 401"
api PATCH /api/auth/me "{\"name\":\"'; UPDATE auth.users SET role='admin'; --\"}" "$bob"
is "$STATUS $(json .role)" "200 user" "PATCH me: SQL in the name changes nothing else"
http GET "$API_BASE/api/ocr/jobs?status=done'%20OR%20'1'='1" -H "Authorization: Bearer $alice"
is "$STATUS" 400 "a job status of SQL: 400"
http GET "$API_BASE/api/ocr/jobs?cursor=%27%20OR%201%3D1%20--" -H "Authorization: Bearer $alice"
is "$STATUS" 400 "a cursor of SQL: 400"
http GET "$API_BASE/api/ocr/jobs/x'%20OR%20'1'='1" -H "Authorization: Bearer $bob"
like "$STATUS" '^(400|404)$' "a job id of SQL: $STATUS"
upload_named "a'; DELETE FROM ocr.ocr_jobs; --.png"
is "$STATUS $(json .filename)" "202 a'; DELETE FROM ocr.ocr_jobs; --.png" "an upload name of SQL is stored as text"
http POST "$API_BASE/api/ocr/jobs" -H "Authorization: Bearer $alice" -H "Idempotency-Key: k';DROP-TABLE--" \
	-F "file=@$png"
is "$STATUS" 202 "an Idempotency-Key with a quote is a key like any other"
# The same strings in every other field a client writes: a 4xx or the
# value taken as text, never a 5xx.  Carol's session: logout ends it.
api POST /api/auth/register "{\"email\":\"carol.$u@example.org\",\"password\":\"$pw\"}"
login "carol.$u@example.org" "$pw"
carol=$ACCESS
users_before=$(psql_q "select count(*) from auth.users")
bad=()
seen=()
while IFS= read -r s; do
	j=$(jq -n --arg s "$s" '$s')
	q=$(jq -rn --arg s "$s" '$s | @uri')
	steps=(
		"PATCH /api/auth/me {\"email\":$j}"
		"PATCH /api/auth/me {\"password\":$j}"
		"POST /api/auth/password {\"current_password\":$j,\"new_password\":$(jq -n --arg s "$s-Xy9!" '$s')}"
		"GET /api/ocr/jobs?limit=$q"
		"GET /api/ocr/jobs?status=$q"
		"GET /api/ocr/jobs?cursor=$q"
		"GET /api/ocr/jobs/$q"
		"DELETE /api/ocr/jobs/$q"
		"DELETE /api/auth/sessions/$q"
	)
	for step in "${steps[@]}"; do
		read -r method path body <<<"$step"
		api "$method" "$path" "$body" "$carol"
		# an answer, and no 5xx; a 401 for the token would mean the string
		# never reached the handler (a wrong current password is a 401 too)
		[[ $STATUS =~ ^[1-4][0-9][0-9]$ ]] && [ "$(json .error.code)" != invalid_token ] &&
			{ [ "$STATUS" -lt 400 ] || [ -n "$(json .error.code)" ]; } || bad+=("$step: $STATUS")
		seen+=("$STATUS")
	done
	http POST "$API_BASE/api/ocr/jobs?filename=$q" -H "Authorization: Bearer $alice" -H 'Content-Type: image/png' \
		--data-binary "@$png"
	[ "$STATUS $(json .filename)" = "202 $s" ] || bad+=("upload named $s: $STATUS $(json .filename)")
done <<'SQL'
' OR '1'='1
'; DROP TABLE auth.users; --
1; SELECT pg_sleep(60) --
x"); DELETE FROM ocr.ocr_jobs; --
SQL
diag "answers: ${seen[*]}"
is "${bad[*]:-}" "" "SQL in the profile, password, job query, ids and upload name: 4xx or text"
api POST /api/auth/logout "{\"refresh_token\":\"' OR 1=1 --\"}" "$carol"
like "$STATUS" '^(204|401)$' "SQL for the refresh token at logout: $STATUS"
api GET /api/auth/me "" "$bob"
is "$STATUS" 200 "  and no one else's session ended"
is "$(psql_q "select count(*) from auth.users")" "$users_before" "  no user was added or dropped"
is "$(psql_q "select count(*) from auth.users where id in ('$alice_id', '$obrien')")" 2 \
	"the users are all still there"
is "$(psql_q "select role from auth.users where email = 'bob.$u@example.org'")" user "  and bob is no admin"
check "  and every job too" test "$(psql_q 'select count(*) from ocr.ocr_jobs')" -ge 10

# --- another user's objects: 404, as if they did not exist ---
upload_named "mine.png"
job=$(json .id)
for m in GET DELETE; do
	http "$m" "$API_BASE/api/ocr/jobs/$job" -H "Authorization: Bearer $bob"
	is "$STATUS" 404 "$m another user's job: 404"
done
http GET "$API_BASE/api/ocr/jobs/$job/text" -H "Authorization: Bearer $bob"
is "$STATUS" 404 "another user's job text: 404"
api GET /api/auth/sessions "" "$alice"
alice_sid=$(json '.items[0].id')
api DELETE "/api/auth/sessions/$alice_sid" "" "$bob"
is "$STATUS" 404 "revoke another user's session: 404"
api GET /api/auth/users "" "$bob"
is "$STATUS" 403 "a user listing every user: 403"
api PATCH "/api/auth/users/$alice_id" '{"role":"user"}' "$bob"
is "$STATUS" 403 "a user changing another user: 403"
http GET "$API_BASE/api/ocr/jobs/$job" -H "Authorization: Bearer $alice"
is "$STATUS" 200 "  the owner still has the job"

# --- privilege: the daemons' processes ---
if [ "$(id -u)" = 0 ] && id quill >/dev/null 2>&1; then
	quid=$(id -u quill)
	for master in "$authd" "$ocrd" "$gateway"; do
		name=$(tr '\0' ' ' <"/proc/$master/cmdline" | cut -d' ' -f1 | xargs basename)
		for pid in $(worker_pids "$master"); do
			is "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")" "$quid $quid $quid $quid" \
				"$name worker $pid runs as quill (real, effective, saved, fs)"
			is "$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")" 0000000000000000 "  with no capability"
			is "$(awk '/^Groups:/ {print $2}' "/proc/$pid/status" | grep -c '^0$')" 0 "  and not in group root"
		done
	done
	# What quill can write among the paths the configuration names: the
	# spool and run (state) directories, nothing else.
	for path in "$conf" "$(program quill-ocrd)" "$QUILL_SRC/sql" "$QUILL_SRC/etc" /etc /usr/local; do
		check "quill cannot write $path" sh -c "! runuser -u quill -- test -w '$path'"
	done
	for path in "$T_DIR/spool/new" "$T_DIR/run"; do
		check "quill can write $path" runuser -u quill -- test -w "$path"
	done
else
	echo "ok - # SKIP the privilege checks need root and the user quill"
fi

# --- spool file modes ---
is "$(find "$T_DIR/spool" -mindepth 1 -perm /o=rwx | wc -l)" 0 "nothing in the spool is open to others"
is "$(find "$T_DIR/spool" -type f -perm /g=w | wc -l)" 0 "no spool file is writable by the group"

# --- secrets: none of this test's reaches a log ---
for s in "$pw" "$pw' OR '1'='1" "$alice" "$bob" "$REFRESH"; do
	secret "$s"
done
grep -rqF -f "$QUILL_TEST_TMP/secrets" "$T_DIR/log"
is "$?" 1 "no password or token of this test is in its logs"
t_end
