# quillctl user and keys: accounts made under the password policy, listed,
# disabled (sessions revoked, revocations recorded), enabled and given a
# role from the command line; signing keys rotated, keeping an old key
# while tokens it signed may still be valid and removing it after, with
# quill-authd reloaded through its pid file.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

port=$(free_port)
conf=$T_DIR/quill.conf
write_config "$conf" "
[auth]
listen = 127.0.0.1:$port
workers = 1
argon2_opslimit = 1
argon2_memlimit = 8m
"
base=http://127.0.0.1:$port
ctl() { "$(program quillctl)" -c "$conf" "$@"; }
db() { psql -X -q -At "host=$QUILL_TEST_PG_HOST dbname=quill user=quill" -c "$1" 2>&1; }
pw='correct horse battery staple 42'

out=$(ctl migrate 2>&1)
is "$?" 0 "migrate succeeds"

# The database is shared with other tests: every address here is unique.
u=qctl$$x$RANDOM
a=$u-alice@example.com
b=$u-bob@example.com

# user add
id=$(printf '%s\n' "$pw" | ctl user add "$a" --name "Alice Example" 2>&1)
is "$?" 0 "user add succeeds"
like "$id" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "and prints a v4 UUID"
is "$(db "select email, name, role, is_active from auth.users where id = '$id'")" \
	"$a|Alice Example|user|t" "the account has the address, the name, role user, and is active"
like "$(db "select password_hash from auth.users where id = '$id'")" '^\$argon2id\$v=19\$m=8192,t=1,' \
	"the password is stored as argon2id with the configured parameters"
bid=$(printf '%s' "$pw" | ctl user add --admin "  ${u^^}-Bob@Example.COM " 2>&1)
is "$?" 0 "user add --admin, password without a newline"
is "$(db "select email, role, name from auth.users where id = '$bid'")" "$b|admin|" \
	"the address is trimmed and lower-cased; --admin makes an admin; no name is empty"

out=$(printf '%s\n' "$pw" | ctl user add "$a" 2>&1)
is "$?" 1 "a taken address exits 1"
is "$out" "quillctl: user $a already exists" "and says so"
out=$(printf '%s\n' "$pw" | ctl user add "${a^^}" 2>&1)
is "$out" "quillctl: user $a already exists" "whatever its case"
out=$(printf 'short\n' | ctl user add "$u-carol@example.com" 2>&1)
is "$?" 1 "a short password exits 1"
like "$out" '^quillctl: password' "with the policy's reason"
out=$(printf 'abcabcabcabcabcabc\n' | ctl user add "$u-carol@example.com" 2>&1)
is "$?" 1 "a repeated run is refused"
out=$(printf '%s\n' "$u-carol@example.com" | ctl user add "$u-carol@example.com" 2>&1)
is "$?" 1 "the address as password is refused"
out=$(printf '\n' | ctl user add "$u-carol@example.com" 2>&1)
is "$?:$out" "1:quillctl: empty password" "an empty line is refused"
out=$(ctl user add "$u-carol@example.com" </dev/null 2>&1)
is "$?:$out" "1:quillctl: empty password" "no input is refused"
is "$(db "select count(*) from auth.users where email = '$u-carol@example.com'")" 0 \
	"no account is made by a refused add"
out=$(printf '%s\n' "$pw" | ctl user add "not-an-address" 2>&1)
is "$?" 1 "a malformed address exits 1"
like "$out" '^quillctl: email' "with the reason"
out=$(printf '%s\n' "$pw" | ctl user add "$u-carol@example.com" --name "$(printf 'a\tb')" 2>&1)
is "$?" 1 "a name with a control character exits 1"
ctl user add >/dev/null 2>&1
is "$?" 64 "user add without an address is a usage error"
ctl user add "$a" --bogus </dev/null >/dev/null 2>&1
is "$?" 64 "an unknown option is a usage error"

# user list
out=$(ctl user list 2>&1)
is "$?" 0 "user list succeeds"
line=$(printf '%s\n' "$out" | grep -F " $a ")
like "$line" "^$id  $a +user   yes  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z  Alice Example\$" \
	"a line has id, address, role, active, created (RFC 3339 UTC) and name"
like "$(printf '%s\n' "$out" | grep -F " $b ")" "^$bid  $b +admin  yes  [0-9T:Z-]{20}\$" \
	"an account without a name ends with its creation time"
is "$(printf '%s\n' "$out" | awk '{ print index($0, " " $3 " ") }' | sort -u | wc -l)" 1 "columns are aligned"
is "$(printf '%s\n' "$out" | grep -nF -e " $a " -e " $b " | cut -d: -f2 | cut -c1-36 | tr '\n' ' ')" \
	"$id $bid " "oldest first"

# user disable / enable
sessions=$(db "insert into auth.user_sessions (id, user_id, refresh_token_hash, expires_at) select gen_random_uuid(), '$id', sha256((random()::text || g)::bytea), now() + interval '1 day' from generate_series(1, 3) g returning id")
old=$(printf '%s\n' "$sessions" | head -n 1)
db "update auth.user_sessions set revoked_at = now() - interval '1 hour' where id = '$old'" >/dev/null
seq0=$(db "select coalesce(max(seq), 0) from auth.revocations")
out=$(ctl user disable "$a" 2>&1)
is "$?" 0 "user disable succeeds"
is "$out" "disabled $a, 2 sessions revoked" "and says how many sessions it ended"
is "$(db "select is_active from auth.users where id = '$id'")" f "the account is inactive"
is "$(db "select count(*) from auth.user_sessions where user_id = '$id' and revoked_at is null")" 0 \
	"none of its sessions is open"
is "$(db "select revoked_at < now() - interval '59 minutes' from auth.user_sessions where id = '$old'")" t \
	"a session revoked before keeps its time"
is "$(db "select count(*) from auth.revocations where seq > $seq0 and user_id = '$id' and session_id is not null")" 2 \
	"and one per session it ended"
out=$(ctl user disable "$a" 2>&1)
is "$?:$out" "0:$a was already disabled" "disabling twice changes nothing"
out=$(ctl user enable "${a^^}" 2>&1)
is "$?:$out" "0:enabled $a" "user enable (address in any case)"
is "$(db "select is_active from auth.users where id = '$id'")" t "the account is active again"
out=$(ctl user enable "$a" 2>&1)
is "$?:$out" "0:$a was already enabled" "enabling twice changes nothing"
for cmd in disable enable; do
	out=$(ctl user $cmd "nobody-$u@example.com" 2>&1)
	is "$?:$out" "1:quillctl: no user nobody-$u@example.com" "user $cmd of an unknown address exits 1"
done

# user set-role
seq0=$(db "select coalesce(max(seq), 0) from auth.revocations")
out=$(ctl user set-role "$a" admin 2>&1)
is "$?:$out" "0:$a is now admin (was user)" "user set-role admin"
is "$(db "select role from auth.users where id = '$id'")" admin "the role is stored"
is "$(db "select count(*) from auth.revocations where seq > $seq0 and user_id = '$id' and session_id is null")" 1 \
	"a change of role revokes the account's tokens"
out=$(ctl user set-role "$a" admin 2>&1)
is "$?:$out" "0:$a is already admin" "the same role again changes nothing"
out=$(ctl user set-role "$a" user 2>&1)
is "$?:$(db "select role from auth.users where id = '$id'")" "0:user" "user set-role user"
ctl user set-role "$a" root >/dev/null 2>&1
is "$?" 64 "another role is a usage error"
is "$(db "select role from auth.users where id = '$id'")" user "and changes nothing"
out=$(ctl user set-role "nobody-$u@example.com" admin 2>&1)
is "$?:$out" "1:quillctl: no user nobody-$u@example.com" "user set-role of an unknown address exits 1"

# keys: quill-authd makes the first key; rotations while it runs.
keyfile() { echo "$T_DIR/keys/$1.key"; }
jwks_kids() { curl -fs "$base/api/auth/jwks" | jq -r '.keys[].kid' | sort | tr '\n' ' '; }
jwks_is() { [ "$(jwks_kids)" = "$(printf '%s\n' "$@" | sort | tr '\n' ' ')" ]; }
made() { printf '%s\n' "$1" | sed -n 's/^made \([0-9a-f]*\) .*/\1/p'; }

start_daemon quill-authd "$conf"
m=$DAEMON_PID
check "quill-authd starts" wait_for 50 curl -fs -o /dev/null "$base/healthz"
k1=$(basename "$(ls "$T_DIR"/keys/*.key)" .key)
like "$(ctl keys list 2>&1)" "^$k1  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z  signing\$" \
	"keys list shows the first key, signing"

out=$(ctl keys rotate 2>&1)
is "$?" 0 "keys rotate succeeds"
k2=$(made "$out")
like "$k2" '^[0-9a-f]{16}$' "and names the key it made"
check "the new key is a file named after its kid" test -f "$(keyfile "$k2")"
is "$(stat -c %a "$(keyfile "$k2")")" 600 "of mode 0600"
[ "$(id -u)" = 0 ] && is "$(stat -c %U "$(keyfile "$k2")")" quill "owned by the daemon's user"
check "it is the newest by whole seconds" test "$(stat -c %Y "$(keyfile "$k2")")" -gt "$(stat -c %Y "$(keyfile "$k1")")"
like "$out" "kept $k1 until " "the key it replaces stays: tokens it signed may be valid"
check "its file is still there" test -f "$(keyfile "$k1")"
like "$out" "sent SIGHUP to quill-authd \\(pid $m\\)" "quill-authd is told to reload"
check "after the reload the JWKS lists both keys" wait_for 50 jwks_is "$k1" "$k2"
out=$(ctl keys list 2>&1)
is "$(printf '%s\n' "$out" | awk '{ print $1 ":" ($3 == "signing") }' | tr '\n' ' ')" "$k1:0 $k2:1 " \
	"keys list: oldest first, the newest signs"

# k1 was replaced 2 h ago (beyond ttl + leeway): it goes; k2 stays.
touch -d '3 hours ago' "$(keyfile "$k1")"
touch -d '2 hours ago' "$(keyfile "$k2")"
out=$(ctl keys rotate 2>&1)
is "$?" 0 "keys rotate again"
k3=$(made "$out")
like "$out" "removed $k1 \\(replaced " "a key replaced longer ago than ttl + leeway is removed"
check "its file is gone" test ! -e "$(keyfile "$k1")"
like "$out" "kept $k2 until " "the key just replaced stays"
check "after the reload the JWKS lists the two kept keys" wait_for 50 jwks_is "$k2" "$k3"

# k2 was replaced 10 min ago (within ttl 15m + leeway 30s): it stays.
touch -d '1 hour ago' "$(keyfile "$k2")"
touch -d '10 minutes ago' "$(keyfile "$k3")"
out=$(ctl keys rotate 2>&1)
k4=$(made "$out")
like "$out" "kept $k2 until " "an older key replaced within ttl + leeway stays"
like "$out" "kept $k3 until " "and so does the one just replaced"
is "$(ls "$T_DIR/keys" | grep -c '\.key$')" 3 "three key files remain"
check "the JWKS lists the three" wait_for 50 jwks_is "$k2" "$k3" "$k4"

# quill-authd holds at most 8 keys: rotate refuses to leave more.
for i in 1 2 3 4 5; do ctl keys rotate >/dev/null 2>&1; done
before=$(ls "$T_DIR/keys" | sort)
out=$(ctl keys rotate 2>&1)
is "$?" 1 "a ninth key still needed is refused"
like "$out" "at most 8; rotate again after " "and says when it can go"
is "$(ls "$T_DIR/keys" | sort)" "$before" "nothing is made or removed then"
check "quill-authd still serves the JWKS" wait_for 50 jwks_is $(ls "$T_DIR/keys" | sed 's/\.key$//')
# All replaced long ago: the next rotation keeps only the newest.
touch -d '2 hours ago' "$T_DIR"/keys/*.key

# The daemons' user owns the pid file and may write any pid into it while
# the master holds its lock: root signals that pid only if it runs quill-authd.
sleep 60 &
sleeper=$!
echo "$sleeper" >"$T_DIR/run/quill-authd.pid"
out=$(ctl keys rotate 2>&1)
is "$?" 1 "keys rotate with a locked pid file naming another program fails"
like "$out" "names pid $sleeper, which is not quill-authd \\(it runs .*sleep, not quill-authd\\); not signalled" \
	"  saying the pid is not quill-authd's"
check "  and the process it names is not signalled" kill -0 $sleeper
kill $sleeper
echo "$m" >"$T_DIR/run/quill-authd.pid"
out=$(ctl keys rotate 2>&1)
like "$out" "sent SIGHUP to quill-authd \\(pid $m\\)" "the master's own pid is signalled"
touch -d '2 hours ago' "$T_DIR"/keys/*.key

kill -TERM $m
check "quill-authd stops" wait_gone $m 100

# Without a running quill-authd nothing is signalled; a stale pid file
# naming a live process does not get it signalled either.
out=$(ctl keys rotate 2>&1)
is "$?" 0 "keys rotate without quill-authd"
like "$out" "quill-authd is not running .*must be reloaded or started to sign with $(made "$out")" \
	"says quill-authd must be reloaded"
sleep 60 &
sleeper=$!
echo "$sleeper" >"$T_DIR/run/quill-authd.pid"
out=$(ctl keys rotate 2>&1)
like "$out" "quill-authd is not running" "a stale pid file is recognised"
check "and the process it names is left alone" kill -0 $sleeper
kill $sleeper
rm -f "$T_DIR/run/quill-authd.pid"

# A missing keys_dir is made, 0700, for the daemon's user.
out=$(QUILL_AUTH_KEYS_DIR=$T_DIR/newkeys ctl keys rotate 2>&1)
is "$?" 0 "keys rotate with no keys_dir yet"
is "$(stat -c %a "$T_DIR/newkeys")" 700 "makes it mode 0700"
[ "$(id -u)" = 0 ] && is "$(stat -c %U "$T_DIR/newkeys")" quill "owned by the daemon's user"
is "$(ls "$T_DIR/newkeys")" "$(made "$out").key" "with the one new key in it"
out=$(QUILL_AUTH_KEYS_DIR=$T_DIR/nokeys ctl keys list 2>&1)
is "$?:$out" "0:no keys in $T_DIR/nokeys (quill-authd makes one when it starts)" "keys list of an empty folder"
ctl keys spin >/dev/null 2>&1
is "$?" 64 "an unknown keys command is a usage error"
t_end
