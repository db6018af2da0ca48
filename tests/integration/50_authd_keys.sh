# quill-authd's signing keys: made on first start (mode 0600, owned by the
# daemon's user), kept across restarts, refused when readable by others,
# and published as JWKs at /api/auth/jwks.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

port=$(free_port)
conf=$T_DIR/quill.conf
write_config "$conf" "
[auth]
listen = 127.0.0.1:$port
workers = 2
"
base=http://127.0.0.1:$port
start_daemon quill-authd "$conf"
m=$DAEMON_PID
check "quill-authd starts with an empty keys_dir" wait_for 50 curl -fs -o /dev/null "$base/healthz"

key=$(ls "$T_DIR/keys"/*.key 2>/dev/null)
is "$(echo "$key" | grep -c .)" 1 "a first signing key is made"
is "$(stat -c %a "$key")" 600 "the key file is mode 0600"
[ "$(id -u)" = 0 ] && is "$(stat -c %U "$key")" quill "the key file belongs to the daemon's user"
kid=$(basename "$key" .key)
like "$kid" '^[0-9a-f]{16}$' "the file is named after its kid"

http GET "$base/api/auth/jwks"
is "$STATUS" 200 "GET /api/auth/jwks"
like "$(header content-type)" '^application/json' "JWKS is JSON"
is "$(json '.keys | length')" 1 "one key published"
is "$(json '.keys[0].kty') $(json '.keys[0].crv') $(json '.keys[0].alg') $(json '.keys[0].use')" \
	"OKP Ed25519 EdDSA sig" "published as an OKP/Ed25519 JWK for signatures"
is "$(json '.keys[0].kid')" "$kid" "with the key file's kid"
x=$(json '.keys[0].x')
like "$x" '^[A-Za-z0-9_-]{43}$' "x is 32 bytes of unpadded base64url"
check "no private part is published" sh -c "! printf '%s' '$BODY' | grep -q '\"d\"'"

kill -TERM $m
check "quill-authd stops" wait_gone $m 100
start_daemon quill-authd "$conf"
m=$DAEMON_PID
check "quill-authd starts again" wait_for 50 curl -fs -o /dev/null "$base/healthz"
http GET "$base/api/auth/jwks"
is "$(json '.keys[0].kid') $(json '.keys | length')" "$kid 1" "the same key after a restart"
kill -TERM $m
check "quill-authd stops again" wait_gone $m 100

chmod 644 "$key"
out=$(timeout 10 "$(program quill-authd)" -c "$conf" 2>&1)
status=$?
check "a key readable by others stops the start" test $status -ne 0
like "$out" "event=start_failed .*$kid.key: mode 0644 is too open" "and says which file and why"
chmod 600 "$key"

echo "not a key" >"$T_DIR/keys/broken.key"
[ "$(id -u)" = 0 ] && chown quill: "$T_DIR/keys/broken.key"
chmod 600 "$T_DIR/keys/broken.key"
out=$(timeout 10 "$(program quill-authd)" -c "$conf" 2>&1)
check "a malformed key file stops the start" test $? -ne 0
like "$out" "broken.key" "and is named"
check "no secret reaches the log" sh -c "! grep -q \"\$(cut -d' ' -f3 '$key')\" '$T_DIR'/log/*.log"
t_end
