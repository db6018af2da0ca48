# quill-ocrd's cap on event streams when the shared table of counts has
# no room where a user's id falls: lib/usercount keeps a user's (user,
# process) pairs in one set of 16 slots picked by the user's id, so 16
# users whose ids pick the same set fill it while the table is nearly
# empty.  A 17th such user's stream cannot be counted and is refused (503
# server_busy with Retry-After); it used to be let through uncounted,
# which lifted the per-user cap for everyone in that set.
#
# The ids are chosen here (an account's id changed in SQL before it first
# logs in) by the table's own hash: FNV-1a over the id's 16 bytes, modulo
# the 1024 sets of quill-ocrd's 16384 entries (bin/quill-ocrd/events.c).
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

ocr_stack "workers = 1
max_event_streams_per_user = 3
" readyz

ids=$(python3 - <<'PY'
import uuid
def set_of(u):
    h = 1469598103934665603
    for b in u.bytes:
        h = ((h ^ b) * 1099511628211) & (2**64 - 1)
    return h & 1023
seen = []
while len(seen) < 17:
    u = uuid.uuid4()
    if set_of(u) == 0:
        seen.append(str(u))
print(" ".join(seen))
PY
)
# has_row ID: the job's row exists (quill-ocrd writes it just after its 202)
has_row() { [ "$(psql_q "select count(*) from ocr.ocr_jobs where id = '$1'")" = 1 ]; }
# opens TOKEN JOB: a stream of the job opens and sends the job
opens() { curl -sN --max-time 2 -H "Authorization: Bearer $1" "$obase/api/ocr/jobs/$2/events" | grep -q '"status"'; }

tiny_png "$T_DIR/dot.png"
pw=quarry-lantern-5521
pids=() jobs=()
n=0
for id in $ids; do
	n=$((n + 1))
	email="busy$n.$$x$RANDOM@example.org"
	api POST /api/auth/register "{\"email\":\"$email\",\"password\":\"$pw\"}"
	psql_q "update auth.users set id = '$id' where id = '$(json .id)'" >/dev/null
	login "$email" "$pw"
	http POST "$obase/api/ocr/jobs" -H "Authorization: Bearer $ACCESS" -F "file=@$T_DIR/dot.png"
	job=$(json .id)
	wait_for 50 has_row "$job"
	if [ "$n" -lt 17 ]; then
		curl -sN --max-time 60 -H "Authorization: Bearer $ACCESS" "$obase/api/ocr/jobs/$job/events" \
			>"$T_DIR/s$n" 2>/dev/null &
		pids+=($!)
		jobs+=("'$job'")
		wait_for 30 grep -q '"status"' "$T_DIR/s$n"
	fi
done
opened=0
for i in $(seq 1 16); do grep -q '"status"' "$T_DIR/s$i" && opened=$((opened + 1)); done
is "$opened" 16 "16 users whose ids fall in one set each hold a stream"

http GET "$obase/api/ocr/jobs/$job/events" -H "Authorization: Bearer $ACCESS" --max-time 3
is "$STATUS $(json .error.code)" "503 server_busy" "a 17th user of that set is refused: 503 server_busy"
is "$(header retry-after)" 10 "  with Retry-After"
like "$(json .error.request_id)" '.' "  and the error's request_id"

# all_gone: every stream in pids has ended
all_gone() {
	local p
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 1; done
	return 0
}
psql_q "update ocr.ocr_jobs set status = 'failed' where id in ($(IFS=,; echo "${jobs[*]}"))" >/dev/null
check "their jobs' end ends the 16 streams" wait_for 50 all_gone
check "  and gives their places back: the 17th user's stream opens" wait_for 20 opens "$ACCESS" "$job"
t_end
