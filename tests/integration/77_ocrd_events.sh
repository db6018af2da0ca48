# quill-ocrd's job event streams (GET /api/ocr/jobs/{id}/events) and how
# every one of them ends: a status change made in the database reaches an
# open stream through LISTEN/NOTIFY, with no query per stream while it
# waits; a logout ends the session's streams; a token ends its streams at
# its expiry; [ocr] event_stream_max bounds a stream of a job that never
# ends; [ocr] max_event_streams_per_user caps a user's open streams (429);
# the listener comes back after its connection is killed.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

ocr_stack "workers = 2
max_event_streams_per_user = 3
event_stream_max = 6s
" readyz

pw=quarry-lantern-5521
u=e$$x$RANDOM
new_user "ev.$u@example.org" "$pw"
tok=$ACCESS

tiny_png "$T_DIR/dot.png"
# upload: a new job of the user's, once its row is in the database
upload() {
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/dot.png"
	JOB=$(json .id)
	wait_for 50 has_row "$JOB"
}
# stream FILE TOKEN JOB: opens a stream in the background; sets SPID
stream() {
	curl -sN --max-time 30 -H "Authorization: Bearer $2" "$obase/api/ocr/jobs/$3/events" >"$1" 2>/dev/null &
	SPID=$!
}
# listeners_are N: quill-ocrd has N connections waiting in LISTEN
listeners_are() {
	[ "$(psql_q "select count(*) from pg_stat_activity where usename = 'quill_ocr' and query like 'LISTEN%'")" = "$1" ]
}
# has_row ID: the job's row exists (quill-ocrd writes it just after its 202)
has_row() { [ "$(psql_q "select count(*) from ocr.ocr_jobs where id = '$1'")" = 1 ]; }

# --- a change made in SQL reaches the stream through NOTIFY ---
check "each worker of quill-ocrd listens on its own connection" wait_for 50 listeners_are 2
upload
job=$JOB
stream "$T_DIR/s1" "$tok" "$job"
s1=$SPID
check "the stream sends the job at once" wait_for 30 grep -q '"status":"queued"' "$T_DIR/s1"
# Waiting streams cost no query: no pool connection of quill-ocrd has
# started a statement in the last two seconds.
sleep 2.5
busy=$(psql_q "select count(*) from pg_stat_activity where usename = 'quill_ocr'
	and query not like 'LISTEN%' and query_start > now() - interval '2 seconds'")
is "$busy" 0 "an open stream makes no query while it waits"
psql_q "update ocr.ocr_jobs set status = 'processing', attempts = 1 where id = '$job'" >/dev/null
check "an UPDATE made in SQL reaches the stream within a second" \
	wait_for 10 grep -q '"status":"processing"' "$T_DIR/s1"

# --- the listener comes back after its connection is killed ---
psql_q "select pg_terminate_backend(pid) from pg_stat_activity
	where usename = 'quill_ocr' and query like 'LISTEN%'" >/dev/null
psql_q "update ocr.ocr_jobs set status = 'queued' where id = '$job'" >/dev/null
check "  a killed listener connects again" wait_for 50 listeners_are 2
check "  and the stream then has the change it may have missed" \
	wait_for 30 sh -c "grep '^data:' '$T_DIR/s1' | tail -n 1 | grep -q '\"status\":\"queued\"'"
psql_q "update ocr.ocr_jobs set status = 'done' where id = '$job'" >/dev/null
check "a done job ends its stream" wait_gone "$s1" 20

# --- logout ends the session's streams ---
login "ev.$u@example.org" "$pw"
t2=$ACCESS
upload
stream "$T_DIR/s2" "$t2" "$JOB"
s2=$SPID
check "a second session's stream is open" wait_for 30 grep -q '"status":"queued"' "$T_DIR/s2"
API_BASE=$abase api POST /api/auth/logout "" "$t2"
start=$(date +%s%N)
check "  logout ends it within the feed's staleness bound (5 s)" wait_gone "$s2" 60
diag "the stream ended $((($(date +%s%N) - start) / 1000000)) ms after the logout"
check "  with an error event saying why" grep -q '^event: error' "$T_DIR/s2"
check "  token_revoked" grep -q '"code":"token_revoked"' "$T_DIR/s2"

# --- a token's expiry ends its streams ---
keyfile=$(ls "$T_DIR"/keys/*.key | head -n 1)
sid=$(jwt_part "$tok" 2 | jq -r .sid)
now=$(date +%s)
short=$("$QUILL_BUILD/tests/testd/jwt-mint" "$keyfile" quill "$uid" "$sid" user "$now" "$now" $((now + 3)))
secret "$short"
stream "$T_DIR/s3" "$short" "$JOB"
s3=$SPID
check "a stream with a token that expires in 3 s opens" wait_for 20 grep -q '"status":"queued"' "$T_DIR/s3"
check "  and ends at the token's expiry" wait_gone "$s3" 50
check "  token_expired" grep -q '"code":"token_expired"' "$T_DIR/s3"

# --- event_stream_max bounds a stream of a job that never ends ---
start=$(date +%s)
stream "$T_DIR/s4" "$tok" "$JOB"
s4=$SPID
check "a stream of a job that stays queued ends after event_stream_max (6 s)" wait_gone "$s4" 100
took=$(($(date +%s) - start))
check "  not before it (took ${took} s)" test "$took" -ge 5
check "  stream_max_duration" grep -q '"code":"stream_max_duration"' "$T_DIR/s4"

# --- the per-user cap, counted across the workers ---
# open_three PREFIX: three streams of the user's on $JOB, all answered
open_three() {
	for i in 1 2 3; do
		stream "$T_DIR/$1$i" "$tok" "$JOB"
		pids+=("$SPID")
	done
	wait_for 30 sh -c "grep -q '\"status\"' '$T_DIR/${1}1' && grep -q '\"status\"' '$T_DIR/${1}2' &&
		grep -q '\"status\"' '$T_DIR/${1}3'"
}
# all_gone: every stream in pids has ended
all_gone() {
	local p
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 1; done
	return 0
}
pids=()
check "three streams of one user open" open_three c
http GET "$obase/api/ocr/jobs/$JOB/events" "${auth[@]}"
is "$STATUS $(json .error.code)" "429 too_many_streams" "a fourth: 429, whichever worker takes it"
like "$(header retry-after)" '^[0-9]+$' "  with Retry-After"
psql_q "update ocr.ocr_jobs set status = 'failed' where id = '$JOB'" >/dev/null
check "  the job's end ends the three" wait_for 50 all_gone
upload
pids=()
check "  and gives their places back: three streams of another job open" open_three d

# --- a worker that dies gives back its streams' places ---
kill -KILL $(worker_pids "$ocrd")
check "workers killed with their streams" wait_for 50 all_gone
pids=()
check "  the master starts new ones" wait_for 100 workers_are "$ocrd" 2
check "  and the user has the places back: three streams open" open_three e
http GET "$obase/api/ocr/jobs/$JOB/events" "${auth[@]}"
is "$STATUS" 429 "  and a fourth is refused"
psql_q "update ocr.ocr_jobs set status = 'done' where id = '$JOB'" >/dev/null
check "  all end with their job" wait_for 50 all_gone

t_end
