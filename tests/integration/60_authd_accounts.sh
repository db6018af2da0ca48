# quill-authd against a real PostgreSQL: register, login, lockout, refresh
# rotation and reuse detection, logout, password change, sessions, profile,
# admin routes, and the bodies a careless or hostile client sends.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

port=$(free_port)
conf=$T_DIR/quill.conf
# cheap hashes keep the test fast; the lockout window is short so its end can be seen
write_config "$conf" "
[auth]
listen = 127.0.0.1:$port
workers = 2
argon2_opslimit = 1
argon2_memlimit = 8m
lockout_window = 4s
"
base=http://127.0.0.1:$port
"$(program quillctl)" -c "$conf" migrate >/dev/null || not_ok "migrate"
start_daemon quill-authd "$conf"
authd=$DAEMON_PID
check "quill-authd is ready" wait_for 50 curl -fs -o /dev/null "$base/readyz"

API_BASE=$base
# the JSON error without its request id, for comparing two answers
error_shape() { printf '%s' "$BODY" | jq -c 'del(.error.request_id)'; }
claim() { jwt_part "$1" 2 | jq -r "$2"; }
header_of() { jwt_part "$1" 1 | jq -r "$2"; }

u=u$$x$RANDOM
alice=alice.$u@example.org
bob=bob.$u@example.org
pw=violet-anchor-2291

# --- register ---
api POST /api/auth/register "{\"email\":\"  Alice.$u@Example.ORG \",\"password\":\"$pw\",\"name\":\"Alice\"}"
is "$STATUS" 201 "register answers 201"
is "$(json .email)" "$alice" "the email is trimmed and lower-cased"
is "$(json .name) $(json .role) $(json .is_active)" "Alice user true" "the new user is an active user"
like "$(json .id)" '^[0-9a-f-]{36}$' "the user has a UUID"
like "$(json .created_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "created_at is RFC 3339 UTC"
alice_id=$(json .id)
check "no password or hash in the answer" sh -c "! printf '%s' '$BODY' | grep -qi 'password\|argon'"
like "$(psql_q "select password_hash from auth.users where id = '$alice_id'")" '^\$argon2id\$' \
	"the stored password is an argon2id hash"
api POST /api/auth/register "{\"email\":\"ALICE.$u@example.org\",\"password\":\"$pw\"}"
is "$STATUS" 409 "the same address in other case is a 409"
is "$(json .error.code)" email_taken "with code email_taken"
api POST /api/auth/register "{\"email\":\"$bob\",\"password\":\"$pw\",\"name\":\"Bob\"}"
bob_id=$(json .id)

for bad in "short-pw-1" "password1234" "Qwerty123456" "aaaaaaaaaaaaaaaa" "bob2.$u@example.org"; do
	api POST /api/auth/register "{\"email\":\"bob2.$u@example.org\",\"password\":\"$bad\"}"
	is "$STATUS $(json .error.code)" "422 validation_failed" "weak password '$bad' is refused with 422"
done
like "$(json .error.message)" "email" "the reason names the rule"

api POST /api/auth/register "{\"email\":\"\u00c9MILE.$u@Example.org\",\"password\":\"$pw\"}"
is "$STATUS" 201 "an address with a non-ASCII capital is stored (as the database's lower() has it)"

# --- malformed bodies: 400/415/422, never 500 ---
api POST /api/auth/register 'this is not json'
is "$STATUS" 400 "a body that is not JSON is a 400"
http POST "$base/api/auth/register" --data-binary '{"email":"a@b.org"}' -H 'Content-Type: text/plain'
is "$STATUS" 415 "a body that is not application/json is a 415"
api POST /api/auth/register '[1,2]'
is "$STATUS" 422 "an array body is a 422"
api POST /api/auth/register '{"email":42,"password":"violet-anchor-2291"}'
is "$STATUS" 422 "a number for email is a 422"
like "$(json .error.message)" "email must be a string" "and says which field"
api POST /api/auth/register "{\"password\":\"$pw\"}"
is "$STATUS $(json .error.message)" "422 email is required" "a missing field is a 422 naming it"
api POST /api/auth/login '{"email":null,"password":null}'
is "$STATUS" 422 "nulls for login fields are a 422"
big=$(head -c 1000000 /dev/zero | tr '\0' a)
printf '{"email":"%s@example.org","password":"%s"}' "$big" "$pw" >"$T_DIR/big.json"
http POST "$base/api/auth/register" -H 'Content-Type: application/json' --data-binary "@$T_DIR/big.json"
is "$STATUS" 422 "a 1 MB email is a 422"
printf '{"email":"%s@example.org","password":"%s"}' "$big" "$pw" >"$T_DIR/big.json"
http POST "$base/api/auth/login" -H 'Content-Type: application/json' --data-binary "@$T_DIR/big.json"
is "$STATUS" 401 "a 1 MB email at login is just a wrong login"
head -c 2000000 /dev/zero | tr '\0' a >"$T_DIR/huge.json"
http POST "$base/api/auth/login" -H 'Content-Type: application/json' --data-binary "@$T_DIR/huge.json"
is "$STATUS" 413 "a body over the limit is a 413"
api POST /api/auth/login '{"email":"x@y.org","password":"'"$(head -c 5000 /dev/zero | tr '\0' p)"'"}'
is "$STATUS" 422 "a 5000-byte password is a 422"
api POST /api/auth/login '{"email":"\u0000@y.org","password":"violet-anchor-2291"}'
is "$STATUS" 401 "a NUL in the email is a wrong login, not a crash"
api PATCH /api/auth/me '{"name":"x","role":"admin"}' "garbage"
is "$STATUS" 422 "PATCH /me refuses a field it does not know"

# --- login ---
login "$alice" "$pw"
is "$STATUS" 200 "login answers 200"
is "$(json .token_type) $(json .expires_in)" "Bearer 900" "a Bearer token for 15 minutes"
is "$(json .refresh_expires_in)" 2592000 "the refresh token lasts 30 days"
is "$(json .user.email)" "$alice" "with the user"
like "$REFRESH" '^[A-Za-z0-9_-]{43}$' "the refresh token is 32 random bytes, base64url"
is "$(header cache-control)" no-store "tokens are not cached"
is "$(header_of "$ACCESS" .alg) $(header_of "$ACCESS" .typ)" "EdDSA JWT" "the token header says EdDSA"
kid=$(header_of "$ACCESS" .kid)
is "$kid" "$(basename "$(ls "$T_DIR"/keys/*.key)" .key)" "and names the signing key's kid"
is "$(claim "$ACCESS" '[.iss,.sub,.role]|join(" ")')" "quill $alice_id user" "iss, sub and role claims"
is "$(claim "$ACCESS" '.exp - .iat') $(claim "$ACCESS" '.nbf == .iat')" "900 true" "exp is iat + 900, nbf is iat"
like "$(claim "$ACCESS" .sid) $(claim "$ACCESS" .jti)" '^[0-9a-f-]{36} [0-9a-f-]{36}$' "sid and jti are UUIDs"
is "$(psql_q "select count(*) from auth.user_sessions where user_id = '$alice_id' and encode(refresh_token_hash, 'hex') = encode(sha256('$REFRESH'), 'hex')")" 1 \
	"the session stores the refresh token's SHA-256, not the token"
check "the token itself is nowhere in the table" sh -c "! psql -X -At 'host=$QUILL_TEST_PG_HOST dbname=quill user=quill' -c 'select * from auth.user_sessions' | grep -q -- '$REFRESH'"
A1=$ACCESS R1=$REFRESH
api GET /api/auth/me "" "$A1"
is "$STATUS $(json .email)" "200 $alice" "GET /me with the token"

# wrong password and unknown user look the same
api POST /api/auth/login "{\"email\":\"$bob\",\"password\":\"wrong-password-123\"}"
wrong_status=$STATUS wrong_shape=$(error_shape)
api POST /api/auth/login "{\"email\":\"nobody.$u@example.org\",\"password\":\"wrong-password-123\"}"
is "$STATUS" "$wrong_status" "unknown user and wrong password: same status ($STATUS)"
is "$(error_shape)" "$wrong_shape" "and the same body"
is "$STATUS" 401 "which is 401"

# --- lockout: 5 failures lock this address, success resets, the window ends it ---
# (61_lockout.sh: other addresses, the account-wide ceiling, the hash queue)
carol=carol.$u@example.org
api POST /api/auth/register "{\"email\":\"$carol\",\"password\":\"$pw\"}"
for i in 1 2 3 4; do api POST /api/auth/login "{\"email\":\"$carol\",\"password\":\"wrong-$i-abcdefgh\"}"; done
login "$carol" "$pw"
is "$STATUS" 200 "four failures then the right password: still 200"
for i in 1 2 3 4; do api POST /api/auth/login "{\"email\":\"$carol\",\"password\":\"wrong-$i-abcdefgh\"}"; done
is "$STATUS" 401 "the success reset the count: four more failures are still 401"
api POST /api/auth/login "{\"email\":\"$carol\",\"password\":\"wrong-5-abcdefgh\"}"
is "$STATUS" 401 "the fifth failure is a 401"
api POST /api/auth/login "{\"email\":\"$carol\",\"password\":\"wrong-6-abcdefgh\"}"
is "$STATUS $(json .error.code)" "401 invalid_credentials" "the sixth attempt is refused as an unknown account would be"
login "$carol" "$pw"
is "$STATUS $(json .error.code)" "401 invalid_credentials" "even the right password is refused while locked"
sleep 5
login "$carol" "$pw"
is "$STATUS" 200 "after Retry-After the right password works again"

# concurrent attempts cannot slip past the limit: each is counted before its hash
dave=dave.$u@example.org
api POST /api/auth/register "{\"email\":\"$dave\",\"password\":\"$pw\"}"
burst=()
for i in $(seq 1 12); do
	curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data-binary "{\"email\":\"$dave\",\"password\":\"wrong-$i-abcdefgh\"}" "$base/api/auth/login" &
	burst+=($!)
done >"$T_DIR/burst" 2>&1
wait "${burst[@]}"
is "$(grep -c 401 "$T_DIR/burst")" 12 "12 concurrent wrong logins: all 401"
is "$(psql_q "select failures from auth.login_failures f join auth.users u on u.id = f.user_id
	where u.email = '$dave'")" 5 "  and exactly 5 were checked"

# --- refresh rotation and reuse detection ---
api POST /api/auth/refresh "{\"refresh_token\":\"$R1\"}"
is "$STATUS" 200 "refresh answers 200"
A2=$(json .access_token) R2=$(json .refresh_token)
check "refresh gives a new refresh token" test "$R2" != "$R1"
is "$(claim "$A2" .sid)" "$(claim "$A1" .sid)" "the new access token has the same session"
api GET /api/auth/me "" "$A2"
is "$STATUS" 200 "the new access token works"
api POST /api/auth/refresh "{\"refresh_token\":\"$R1\"}"
is "$STATUS $(json .error.code)" "401 refresh_token_reused" "the rotated-away token used again is a 401"
api POST /api/auth/refresh "{\"refresh_token\":\"$R2\"}"
is "$STATUS" 401 "reuse ended the session: the newest refresh token is refused too"
api GET /api/auth/me "" "$A2"
is "$STATUS" 401 "and so is its access token"
api POST /api/auth/refresh '{"refresh_token":"not-a-token"}'
is "$STATUS $(json .error.code)" "401 invalid_refresh_token" "an unknown refresh token is a 401"
api POST /api/auth/refresh '{"refresh_token":7}'
is "$STATUS" 422 "a mistyped refresh token is a 422"

# --- logout ---
login "$alice" "$pw"
A3=$ACCESS
api POST /api/auth/logout "" "$A3"
is "$STATUS" 204 "logout answers 204"
api GET /api/auth/me "" "$A3"
is "$STATUS" 401 "after logout the access token is refused"
like "$(header www-authenticate)" '^Bearer' "with WWW-Authenticate: Bearer"
is "$(psql_q "select count(*) from auth.revocations where session_id = '$(claim "$A3" .sid)'")" 1 \
	"the logout is in the revocation feed"
http GET "$base/internal/auth/revocations"
like "$BODY" "$(claim "$A3" .sid)" "GET /internal/auth/revocations lists the session"
seq=$(json .last_seq)
like "$seq" '^[0-9]+$' "and a last_seq to poll from"
is "$(json '.kids | length')" 1 "and the kids in use"
api POST /api/auth/logout
is "$STATUS $(json .error.code)" "401 missing_token" "logout without a token is a 401"

# --- sessions ---
http POST "$base/api/auth/login" -H 'Content-Type: application/json' -H 'User-Agent: laptop/1.0' \
	--data-binary "{\"email\":\"$alice\",\"password\":\"$pw\"}"
AL=$(json .access_token)
http POST "$base/api/auth/login" -H 'Content-Type: application/json' -H 'User-Agent: phone/2.0' \
	--data-binary "{\"email\":\"$alice\",\"password\":\"$pw\"}"
AP=$(json .access_token)
api GET /api/auth/sessions "" "$AL"
is "$STATUS" 200 "GET /sessions answers 200"
is "$(json '[.items[] | select(.current)] | length')" 1 "exactly one session is current"
is "$(json '.items[] | select(.current) | .user_agent')" laptop/1.0 "the current one is this client's"
is "$(json '.items[] | select(.current) | .ip')" 127.0.0.1 "with its IP"
like "$(json '.items[0] | [.created_at, .last_used_at] | join(" ")')" '^[0-9-]{10}T[0-9:]{8}Z [0-9-]{10}T' "with created and last used times"
phone_sid=$(claim "$AP" .sid)
check "the phone session is listed" sh -c "printf '%s' '$BODY' | grep -q $phone_sid"
api GET "/api/auth/sessions?limit=1" "" "$AL"
is "$(json '.items | length')" 1 "limit=1 gives one session"
cursor=$(json .next_cursor)
api GET "/api/auth/sessions?limit=1&cursor=$cursor" "" "$AL"
is "$STATUS $(json '.items | length')" "200 1" "the cursor gives the next one"
api GET "/api/auth/sessions?cursor=bogus" "" "$AL"
is "$STATUS" 400 "a made-up cursor is a 400"
api GET "/api/auth/sessions?cursor=$(printf '9223372036854775807.00000000-0000-4000-8000-000000000000' | base64 -w0 | tr '+/' '-_' | tr -d =)" "" "$AL"
is "$STATUS" 400 "a cursor from beyond year 9999 is a 400"
api GET "/api/auth/sessions?limit=0" "" "$AL"
is "$STATUS" 400 "limit=0 is a 400"

login "$bob" "$pw"
AB=$ACCESS
api GET /api/auth/sessions "" "$AB"
check "bob does not see alice's sessions" sh -c "! printf '%s' '$BODY' | grep -q $phone_sid"
api DELETE "/api/auth/sessions/$phone_sid" "" "$AB"
is "$STATUS" 404 "bob cannot revoke alice's session (404)"
api GET /api/auth/me "" "$AP"
is "$STATUS" 200 "and it still works"
api DELETE "/api/auth/sessions/$phone_sid" "" "$AL"
is "$STATUS" 204 "alice revokes her phone session"
api GET /api/auth/me "" "$AP"
is "$STATUS" 401 "its token is refused at once"
api DELETE "/api/auth/sessions/$phone_sid" "" "$AL"
is "$STATUS" 404 "revoking it again is a 404"
api DELETE "/api/auth/sessions/not-a-uuid" "" "$AL"
is "$STATUS" 404 "a session id that is not a UUID is a 404"

# --- profile ---
api PATCH /api/auth/me '{"name":"Alice Liddell"}' "$AL"
is "$STATUS $(json .name)" "200 Alice Liddell" "PATCH /me changes the name"
api PATCH /api/auth/me "{\"email\":\"alice2.$u@example.org\"}" "$AL"
is "$STATUS" 422 "changing the email without the password is a 422"
api PATCH /api/auth/me "{\"email\":\"alice2.$u@example.org\",\"password\":\"wrong-password-99\"}" "$AL"
is "$STATUS" 403 "with a wrong password it is a 403"
api PATCH /api/auth/me "{\"email\":\"$bob\",\"password\":\"$pw\"}" "$AL"
is "$STATUS" 409 "changing to a taken address is a 409"
api PATCH /api/auth/me "{\"email\":\"Alice2.$u@example.org\",\"password\":\"$pw\"}" "$AL"
is "$STATUS $(json .email)" "200 alice2.$u@example.org" "with the password the email changes"
alice=alice2.$u@example.org
api PATCH /api/auth/me '{}' "$AL"
is "$STATUS" 422 "an empty PATCH is a 422"
api PATCH /api/auth/me '{"name":"x"}'
is "$STATUS" 401 "PATCH /me without a token is a 401"

# --- password change ends the other sessions ---
login "$alice" "$pw"
AO=$ACCESS
api POST /api/auth/password "{\"current_password\":\"wrong-password-99\",\"new_password\":\"copper-lantern-5512\"}" "$AL"
is "$STATUS" 403 "a wrong current password is a 403"
api POST /api/auth/password "{\"current_password\":\"$pw\",\"new_password\":\"password1234\"}" "$AL"
is "$STATUS" 422 "a weak new password is a 422"
api POST /api/auth/password "{\"current_password\":\"$pw\",\"new_password\":\"copper-lantern-5512\"}" "$AL"
is "$STATUS" 200 "the password changes"
like "$(json .revoked_sessions)" '^[1-9][0-9]*$' "and other sessions are counted as revoked"
api GET /api/auth/me "" "$AO"
is "$STATUS" 401 "another session's token is refused"
api GET /api/auth/me "" "$AL"
is "$STATUS" 200 "the current session goes on"
login "$alice" "$pw"
is "$STATUS" 401 "the old password no longer logs in"
login "$alice" copper-lantern-5512
is "$STATUS" 200 "the new one does"
pw2=copper-lantern-5512

# --- admin ---
api GET /api/auth/users "" "$AB"
is "$STATUS $(json .error.code)" "403 forbidden" "a user cannot list users"
api PATCH "/api/auth/users/$alice_id" '{"is_active":false}' "$AB"
is "$STATUS" 403 "a user cannot deactivate anyone"
psql_q "update auth.users set role = 'admin' where id = '$bob_id'" >/dev/null
api GET /api/auth/users "" "$AB"
is "$STATUS" 401 "a token issued before a role change is refused"
login "$bob" "$pw"
ADM=$ACCESS
is "$(claim "$ADM" .role)" admin "a new login carries the admin role"
api GET "/api/auth/users?limit=1" "" "$ADM"
is "$STATUS $(json '.items | length')" "200 1" "an admin lists users, one page"
like "$(json .next_cursor)" '^[A-Za-z0-9_-]+$' "with a cursor"
api GET "/api/auth/users?limit=200" "" "$ADM"
check "the list has alice" sh -c "printf '%s' '$BODY' | jq -e '.items[] | select(.id == \"$alice_id\")' >/dev/null"
api PATCH "/api/auth/users/$bob_id" '{"role":"user"}' "$ADM"
is "$STATUS" 409 "an admin cannot demote themselves"
api PATCH "/api/auth/users/$alice_id" '{"is_active":"no"}' "$ADM"
is "$STATUS" 422 "is_active must be a boolean"
api PATCH "/api/auth/users/$alice_id" '{"role":"root"}' "$ADM"
is "$STATUS" 422 "an unknown role is a 422"
api PATCH "/api/auth/users/00000000-0000-4000-8000-000000000000" '{"is_active":false}' "$ADM"
is "$STATUS" 404 "an unknown user is a 404"
login "$alice" "$pw2"
AA=$ACCESS RA=$REFRESH
api PATCH "/api/auth/users/$alice_id" '{"is_active":false}' "$ADM"
is "$STATUS $(json .is_active)" "200 false" "an admin deactivates alice"
api GET /api/auth/me "" "$AA"
is "$STATUS" 401 "her access token is refused"
api POST /api/auth/refresh "{\"refresh_token\":\"$RA\"}"
is "$STATUS" 401 "her refresh token is refused"
login "$alice" "$pw2"
is "$STATUS $(json .error.code)" "403 account_disabled" "she cannot log in: 403"
login "$alice" wrong-password-99
is "$STATUS" 401 "with a wrong password it is still the plain 401"
api PATCH "/api/auth/users/$alice_id" '{"is_active":true}' "$ADM"
login "$alice" "$pw2"
is "$STATUS" 200 "reactivated, she logs in again"

# --- re-checks of the password count against the same lockout (per address) ---
erin=erin.$u@example.org
api POST /api/auth/register "{\"email\":\"$erin\",\"password\":\"$pw\"}"
login "$erin" "$pw"
AE=$ACCESS
for i in 1 2 3 4 5; do
	api POST /api/auth/password "{\"current_password\":\"wrong-$i-abcdefgh\",\"new_password\":\"copper-lantern-5512\"}" "$AE"
done
is "$STATUS" 403 "five wrong current passwords are 403s"
api POST /api/auth/password "{\"current_password\":\"$pw\",\"new_password\":\"copper-lantern-5512\"}" "$AE"
is "$STATUS $(json .error.code)" "429 too_many_attempts" "the sixth check is a 429, even with the right password"
like "$(header retry-after)" '^[1-4]$' "with Retry-After"
api PATCH /api/auth/me "{\"email\":\"erin2.$u@example.org\",\"password\":\"$pw\"}" "$AE"
is "$STATUS" 429 "an email change is locked out too"
login "$erin" "$pw"
is "$STATUS" 401 "and so is login from the same address"

# --- a password hash made with other parameters is replaced at login ---
old_hash=$(psql_q "select password_hash from auth.users where id = '$bob_id'")
sed -i 's/^argon2_opslimit = 1$/argon2_opslimit = 2/' "$conf"
kill -HUP "$authd"
sleep 1
login "$bob" "$pw"
is "$STATUS" 200 "login after the parameters changed"
new_hash=$(psql_q "select password_hash from auth.users where id = '$bob_id'")
like "$old_hash" 't=1,' "the old hash was made with t=1"
like "$new_hash" 't=2,' "the stored hash is now made with t=2"
login "$bob" "$pw"
is "$STATUS" 200 "and the rehashed password still logs in"

check "no 500 in the access log" sh -c "! grep -q 'status=500' '$T_DIR/log/quill-authd.log'"
t_end
