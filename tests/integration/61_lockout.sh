# Login lockout that nobody else can trigger: failures lock one account
# for one client address (as the gateway names it), an account-wide
# ceiling closes it only to addresses it has never signed in from, and a
# locked account answers exactly as an unknown one.  Password re-checks
# (POST /password, PATCH /me) count against the same limits, and a full
# hashing queue answers 503 with Retry-After.
#
# Clients are told apart by their source address: every 127.0.0.0/8
# address is this host, so curl --interface 127.0.0.N connects to the
# gateway from N, and the gateway passes that address on to quill-authd.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

aport=$(free_port)
oport=$(free_port)
gport=$(free_port)
conf=$T_DIR/quill.conf
# 3 failures lock an (account, address); 6 over all addresses close the
# account to addresses it has no session from.
write_config "$conf" "
$(auth_config "$aport" 2)
lockout_failures = 3
lockout_account_failures = 6
lockout_window = 30s
[gateway]
listen = 127.0.0.1:$gport
workers = 1
$(api_routes "$aport" "$oport")
"
"$(program quillctl)" -c "$conf" migrate >/dev/null || not_ok "migrate"
start_daemon quill-authd "$conf"
start_daemon quill-gatewayd "$conf"
API_BASE=http://127.0.0.1:$gport
check "quill-authd is ready" wait_for 100 curl -fs -o /dev/null "http://127.0.0.1:$aport/readyz"
check "the gateway is ready" wait_for 100 curl -fs -o /dev/null "$API_BASE/readyz"

# from ADDR METHOD PATH [BODY [TOKEN]]: a JSON request through the gateway from 127.0.0.ADDR.
from() {
	local args=(--interface "127.0.0.$1" -H 'Content-Type: application/json')
	[ -n "${4:-}" ] && args+=(--data-binary "$4")
	[ -n "${5:-}" ] && args+=(-H "Authorization: Bearer $5")
	http "$2" "$API_BASE$3" "${args[@]}"
}
# login_from ADDR EMAIL PASSWORD
login_from() {
	from "$1" POST /api/auth/login "{\"email\":\"$2\",\"password\":\"$3\"}"
	secret "$3"
}
# the JSON error without its request id, for comparing two answers
error_shape() { printf '%s' "$BODY" | jq -c 'del(.error.request_id)'; }

u=l$$x$RANDOM
pw=quartz-lantern-5512
secret "$pw"

# --- (a) failures from one address do not lock the account elsewhere ---
alice=alice.$u@example.org
from 1 POST /api/auth/register "{\"email\":\"$alice\",\"password\":\"$pw\"}"
is "$STATUS" 201 "register alice"
for i in 1 2 3 4 5 6; do login_from 2 "$alice" "wrong-$i-abcdefgh"; done
is "$STATUS" 401 "six wrong passwords from address A: still the plain 401"
login_from 3 "$alice" "$pw"
is "$STATUS" 200 "then the right password from address B logs in"
check "  with a token" test -n "$(json '.access_token // empty')"
from 3 GET /api/auth/sessions "" "$(json .access_token)"
is "$(json '.items[] | select(.current) | .ip')" 127.0.0.3 "  the session has B's address, as the gateway saw it"

# --- (b) locked from A: the same answer as an unknown address ---
login_from 2 "$alice" "$pw"
locked_status=$STATUS locked_shape=$(error_shape) locked_retry=$(header retry-after)
login_from 2 "nobody.$u@example.org" "$pw"
is "$locked_status" "$STATUS" "locked from A, even the right password: the status of an unknown email ($STATUS)"
is "$locked_shape" "$(error_shape)" "  and the same body"
is "$locked_retry" "$(header retry-after)" "  and the same Retry-After (none)"
is "$STATUS" 401 "  which is 401"
# Comparable time: a locked account still costs one (dummy) hash.
t0=$(date +%s%N); login_from 2 "$alice" "$pw"; t_locked=$((($(date +%s%N) - t0) / 1000))
t0=$(date +%s%N); login_from 2 "nobody.$u@example.org" "$pw"; t_unknown=$((($(date +%s%N) - t0) / 1000))
diag "locked: ${t_locked} us, unknown: ${t_unknown} us"
check "  and a hash's time, as an unknown email (locked ${t_locked} us, unknown ${t_unknown} us)" \
	test "$t_locked" -ge $((t_unknown / 4))
n=$(psql_q "select failures from auth.login_failures f join auth.users u on u.id = f.user_id
	where u.email = '$alice' and f.ip = '127.0.0.2'")
is "$n" 3 "the failures are counted on (alice, A), up to the limit"

# --- (c) the ceiling over all addresses: only new addresses are refused ---
bob=bob.$u@example.org
from 1 POST /api/auth/register "{\"email\":\"$bob\",\"password\":\"$pw\"}"
login_from 1 "$bob" "$pw"
is "$STATUS" 200 "bob signs in from address 1 (it becomes known to his account)"
for a in 21 22 23; do
	for i in 1 2; do login_from "$a" "$bob" "wrong-$a-$i-abcdefgh"; done
done
is "$STATUS" 401 "two failures from each of three addresses: 401s, none of them locked"
login_from 24 "$bob" "$pw"
ceiling_status=$STATUS ceiling_shape=$(error_shape)
login_from 24 "nobody.$u@example.org" "$pw"
is "$ceiling_status $ceiling_shape" "$STATUS $(error_shape)" \
	"the ceiling reached: a new address gets the unknown-email answer, even with the right password"
login_from 1 "$bob" "$pw"
is "$STATUS" 200 "but bob still signs in from the address he used before"
login_from 21 "$bob" "wrong-21-3-abcdefgh"
is "$STATUS" 401 "an attacker's address still gets its plain 401"
is "$(psql_q "select sum(failures) from auth.login_failures f join auth.users u on u.id = f.user_id
	where u.email = '$bob'")" 6 "  and no more guesses were checked past the ceiling"

# --- (d) password re-checks count against the same limits ---
carol=carol.$u@example.org
from 1 POST /api/auth/register "{\"email\":\"$carol\",\"password\":\"$pw\"}"
login_from 5 "$carol" "$pw"
tok=$(json .access_token)
for i in 1 2 3; do
	from 5 POST /api/auth/password "{\"current_password\":\"wrong-$i-abcdefgh\",\"new_password\":\"copper-lantern-5512\"}" "$tok"
done
is "$STATUS $(json .error.code)" "403 invalid_password" "three wrong current passwords from address C: 403s"
from 5 POST /api/auth/password "{\"current_password\":\"$pw\",\"new_password\":\"copper-lantern-5512\"}" "$tok"
is "$STATUS $(json .error.code)" "429 too_many_attempts" "the fourth check from C is refused, even the right one"
like "$(header retry-after)" '^[0-9]+$' "  with Retry-After"
login_from 5 "$carol" "$pw"
is "$STATUS" 401 "login from C is locked by those re-checks too"
from 5 PATCH /api/auth/me "{\"email\":\"carol2.$u@example.org\",\"password\":\"$pw\"}" "$tok"
is "$STATUS $(json .error.code)" "429 too_many_attempts" "and so is an email change from C"
from 6 POST /api/auth/password "{\"current_password\":\"$pw\",\"new_password\":\"copper-lantern-5512\"}" "$tok"
is "$STATUS" 200 "the same token from address D changes the password"
login_from 6 "$carol" copper-lantern-5512
is "$STATUS" 200 "and D logs in with the new one"
tok=$(json .access_token)
for i in 1 2 3; do
	from 7 PATCH /api/auth/me "{\"email\":\"carol3.$u@example.org\",\"password\":\"wrong-$i-abcdefgh\"}" "$tok"
done
is "$STATUS $(json .error.code)" "403 invalid_password" "three wrong passwords for an email change from E: 403s"
from 7 PATCH /api/auth/me "{\"email\":\"carol3.$u@example.org\",\"password\":\"copper-lantern-5512\"}" "$tok"
is "$STATUS $(json .error.code)" "429 too_many_attempts" "the fourth from E is refused"

# --- the window ends a lock ---
sed -i 's/^lockout_window = 30s$/lockout_window = 2s/' "$conf"
t_cleanup
start_daemon quill-authd "$conf"
start_daemon quill-gatewayd "$conf"
check "restarted with a 2 s window" wait_for 100 curl -fs -o /dev/null "$API_BASE/readyz"
check "  authd too" wait_for 100 curl -fs -o /dev/null "http://127.0.0.1:$aport/readyz"
sleep 2.5
login_from 2 "$alice" "$pw"
is "$STATUS" 200 "once the window has passed, A logs in again"

# --- (e) a bounded hashing queue: 503 with Retry-After when full ---
t_cleanup
hport=$(free_port)
hconf=$T_DIR/hash.conf
# one thread, one queued job, and hashes slow enough to pile up
write_config "$hconf" "
[auth]
listen = 127.0.0.1:$hport
workers = 1
argon2_opslimit = 3
argon2_memlimit = 32m
hash_threads = 1
hash_queue = 1
"
start_daemon quill-authd "$hconf"
check "quill-authd with hash_queue = 1 is ready" wait_for 100 curl -fs -o /dev/null "http://127.0.0.1:$hport/readyz"
burst=()
for i in $(seq 1 12); do
	curl -s -D "$T_DIR/burst.h$i" -o "$T_DIR/burst.b$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data-binary "{\"email\":\"burst$i.$u@example.org\",\"password\":\"wrong-$i-abcdefgh\"}" \
		"http://127.0.0.1:$hport/api/auth/login" &
	burst+=($!)
done >"$T_DIR/burst" 2>&1
wait "${burst[@]}"
diag "answers: $(sort "$T_DIR/burst" | uniq -c | tr '\n' ' ')"
check "12 logins at once on a queue of one: some are refused with 503" grep -qx 503 "$T_DIR/burst"
check "  and some are checked (401)" grep -qx 401 "$T_DIR/burst"
is "$(grep -cvxE '401|503' "$T_DIR/burst")" 0 "  and nothing else"
h=$(for i in $(seq 1 12); do head -n 1 "$T_DIR/burst.h$i" | grep -q ' 503' && echo "$i" && break; done)
like "$(grep -i '^retry-after:' "$T_DIR/burst.h$h" | tr -d '\r' | cut -d' ' -f2)" '^[1-9][0-9]*$' "  a 503 carries Retry-After"
is "$(jq -r .error.code "$T_DIR/burst.b$h")" busy "  and a JSON error, code busy"
check "the daemon goes on serving" curl -fs -o /dev/null "http://127.0.0.1:$hport/readyz"
t_end
