# quill-ocr-worker with real tesseract and PostgreSQL, fed by quill-ocrd:
# the text of each page of ../shared/data/ocr within a character error
# rate bound (tests/ocr/cer), bad files failing with a reason, kill -9 of
# a worker mid-page and of the master (every job done exactly once:
# rows and spool files counted), files waiting while the database is
# away, and the drop-in directory (50 files at once, some written
# slowly, make 50 jobs; directories named by user id or e-mail).
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

data=${QUILL_TEST_DATA:-$QUILL_SRC/../shared/data}
ocr_stack "workers = 1
[ocr_worker]
workers = 2
rescan_interval = 1s
retry_backoff = 1s
dropin_settle = 2s
"
u=w$$x$RANDOM
new_user "ocrw.$u@example.org"

# upload FILE: POSTs it, sets JOB
upload() {
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$1"
	JOB=$(json .id)
	[ "$STATUS" = 202 ] || diag "upload of $1: $STATUS $BODY"
}
job_status() { psql_q "select status from ocr.ocr_jobs where id = '$1'"; }
finished() { local s; s=$(job_status "$1"); [ "$s" = done ] || [ "$s" = failed ]; }
job_is() { [ "$(job_status "$1")" = "$2" ]; }
# spool_files DIR: how many files the spool directory holds
spool_files() { find "$spool/$1" -maxdepth 1 -type f ! -name '*.reason' | wc -l; }

tiny_png "$T_DIR/dot.png"

# --- the database away: files wait in new/ ---
awk '/^\[ocr_worker\]/ { s = 1 } s && /^database = / { print "database = \"host=/nonexistent dbname=quill user=quill_ocr\""; next } { print }' \
	"$conf" >"$T_DIR/nodb.conf"
start_daemon quill-ocr-worker "$T_DIR/nodb.conf"
nodb=$DAEMON_PID
upload "$T_DIR/dot.png"
waiting=$JOB
sleep 2
is "$(spool_files new) $(job_status "$waiting")" "1 queued" "with its database away the worker leaves the file in new/"
kill -TERM "$nodb"
check "  that worker stops" wait_gone "$nodb" 100

start_daemon quill-ocr-worker "$conf"
worker=$DAEMON_PID
check "quill-ocr-worker runs 2 workers" wait_for 100 workers_are "$worker" 2
check "with the database back the waiting job is done" wait_for 150 finished "$waiting"
is "$(job_status "$waiting")" done "  done"
http GET "$obase/api/ocr/jobs/$waiting" "${auth[@]}"
is "$(json .status) $(json .page_count) $(json .attempts)" "done 1 1" "  one page, one attempt"
is "$(spool_files done) $(spool_files new) $(spool_files cur)" "1 0 0" "  its file moved to done/"

# --- a job deleted while a worker holds its file stays deleted ---
kill -TERM "$worker"
check "the worker master stops" wait_gone "$worker" 100
upload "$T_DIR/dot.png"
gone=$JOB
check "  an upload's row is written" wait_for 50 job_is "$gone" queued
# a worker claimed it, then died before marking it processing
mv "$spool/new/$gone" "$spool/cur/$gone.999999"
http DELETE "$obase/api/ocr/jobs/$gone" "${auth[@]}"
is "$STATUS" 204 "a job whose file a worker holds is deleted: 204"
# an Idempotency-Key used again after its job was deleted names a new job
key=(-H "Idempotency-Key: again-$u")
http POST "$obase/api/ocr/jobs" "${auth[@]}" "${key[@]}" -F "file=@$T_DIR/dot.png"
keyed=$(json .id)
check "  a keyed upload's row is written" wait_for 50 job_is "$keyed" queued
http DELETE "$obase/api/ocr/jobs/$keyed" "${auth[@]}"
http POST "$obase/api/ocr/jobs" "${auth[@]}" "${key[@]}" -F "file=@$T_DIR/dot.png"
is "$STATUS $(json .id)" "202 $keyed" "  the same key after the deletion: 202, the same id"
start_daemon quill-ocr-worker "$conf"
worker=$DAEMON_PID
check "the new master hands the held file back and a worker drops it" \
	wait_for 150 grep -q "event=job_dropped job=$gone reason=deleted" "$T_DIR/log/quill-ocr-worker.log"
is "$(psql_q "select count(*) from ocr.ocr_jobs where id = '$gone'")" 0 "  its row does not come back"
is "$(find "$spool" -name "$gone*" | wc -l)" 0 "  and none of its files is left"
check "the job sent again with the key is done" wait_for 150 finished "$keyed"
is "$(job_status "$keyed")" done "  done"

# --- the pages with ground truth ---
if [ -d "$data/ocr" ]; then
	declare -A bound=([phototest]=0.02 [phototest-rotated-R]=0.02 [phototest-rotated-180]=0.02
		[eurotext]=0.05 [8071_093.3B]=0.12 [8087_054.3B]=0.11 [sroie_005]=0.55 [sroie_019]=0.45)
	declare -A page_job
	for img in "$data"/ocr/*.tif "$data"/ocr/*.png "$data"/ocr/*.jpg; do
		[ -f "$img" ] || continue
		name=$(basename "${img%.*}")
		upload "$img"
		page_job[$name]=$JOB
	done
	for name in "${!page_job[@]}"; do
		check "$name is done" wait_for 600 finished "${page_job[$name]}"
	done
	for name in "${!page_job[@]}"; do
		curl -s "${auth[@]}" "$obase/api/ocr/jobs/${page_job[$name]}/text" >"$T_DIR/$name.txt"
		score=$("$QUILL_BUILD/tests/ocr/cer" --fold-quotes "$data/ocr/$name.gt.txt" "$T_DIR/$name.txt")
		diag "$name: $score"
		cer=$(sed 's/^cer=\([0-9.]*\).*/\1/' <<<"$score")
		check "$name: CER $cer within ${bound[$name]}" awk -v c="$cer" -v b="${bound[$name]}" 'BEGIN { exit !(c <= b) }'
	done
	http GET "$obase/api/ocr/jobs/${page_job[phototest]}/hocr" "${auth[@]}"
	like "$BODY" 'class=.ocrx_word' "the hOCR has words"
	printf '%s' "$BODY" >"$T_DIR/phototest.hocr"
	check "the hOCR is well-formed XML" xmllint --noout "$T_DIR/phototest.hocr"
	is "$(grep -o "class='ocrx_word'" "$T_DIR/phototest.hocr" | wc -l)" \
		"$(psql_q "select jsonb_array_length(words) from ocr.ocr_jobs where id = '${page_job[phototest]}'")" \
		"  one ocrx_word for each stored word box"
	like "$(grep -m1 "class='ocr_line'" "$T_DIR/phototest.hocr")" "title='bbox [0-9]+ [0-9]+ [0-9]+ [0-9]+; baseline " \
		"  lines carry their box and baseline"
	http GET "$obase/api/ocr/jobs/${page_job[phototest-rotated-180]}/hocr" "${auth[@]}"
	like "$BODY" "<span class='ocrx_word' [^>]*>quick</span>" "the page read upside down has its words upright in the hOCR"
	is "$(psql_q "select jsonb_array_length(words) > 50 and (words->0->'box') is not null from ocr.ocr_jobs where id = '${page_job[phototest]}'")" t \
		"word boxes are stored"

	# --- bad files: a failed job with a reason, or a done one ---
	upload "$data/bad/truncated.png"
	bad=$JOB
	upload "$data/bad/one_pixel.png"
	tiny=$JOB
	check "a truncated PNG ends" wait_for 150 finished "$bad"
	http GET "$obase/api/ocr/jobs/$bad" "${auth[@]}"
	like "$(json .status) $(json .attempts) $(json .error)" '^failed 1 cannot decode' "  failed at the first attempt, with its reason"
	check "  its file is in failed/ with the reason beside it" test -s "$spool/failed/$bad.reason"
	check "a one-pixel image ends" wait_for 150 finished "$tiny"
	http GET "$obase/api/ocr/jobs/$tiny/text" "${auth[@]}"
	is "$STATUS $BODY" "200 " "  done, with no text"
	# a decompression bomb that reaches a worker (dropped in, not uploaded) is refused unread
	mkdir -p "$spool/incoming/$uid"
	chown quill: "$spool/incoming/$uid" 2>/dev/null || true
	cp "$data/bad/bomb_header.png" "$spool/incoming/$uid/bomb.png"
	check "a dropped decompression bomb ends" wait_for 150 sh -c \
		"[ \"\$(psql -X -q -At 'host=$QUILL_TEST_PG_HOST dbname=quill user=quill' -c \"select status from ocr.ocr_jobs where user_id = '$uid' and filename = 'bomb.png'\")\" = failed ]"
	like "$(psql_q "select attempts || ' ' || error from ocr.ocr_jobs where user_id = '$uid' and filename = 'bomb.png'")" \
		'^1 the image declares 100000x100000 pixels' "  failed at once: it declares too many pixels"
	check "the workers are still the same two" workers_are "$worker" 2

	# --- kill -9 of a worker mid-page ---
	upload "$data/ocr/8071_093.3B.tif"
	big=$JOB
	check "a big page is being read" wait_for 100 sh -c "ls '$spool/cur' | grep -q '^$big\\.'"
	holder=$(ls "$spool/cur" | sed -n "s/^$big\\.//p")
	kill -KILL "$holder"
	diag "killed worker $holder while it read $big"
	check "the killed worker's job is done after all" wait_for 600 finished "$big"
	is "$(job_status "$big") $(psql_q "select attempts from ocr.ocr_jobs where id = '$big'")" "done 2" "  done, at the second attempt"
	check "  its file reaches done/" wait_for 100 test -f "$spool/done/$big"
	is "$(ls "$spool/cur" "$spool/new" | grep -c "$big")" 0 "  and is nowhere else"

	# --- kill -9 of the master mid-page: its workers die with it ---
	upload "$data/ocr/8087_054.3B.tif"
	big2=$JOB
	check "another big page is being read" wait_for 100 sh -c "ls '$spool/cur' | grep -q '^$big2\\.'"
	disown "$worker" 2>/dev/null	# no "Killed" notice from this shell
	kill -KILL "$worker" $(worker_pids "$worker")
	check "  the master is gone" wait_gone "$worker" 50
	is "$(ls "$spool/cur" | grep -c "^$big2\\.")" 1 "  the page is left claimed in cur/"
	start_daemon quill-ocr-worker "$conf"
	worker=$DAEMON_PID
	check "a new master takes it back and it is done" wait_for 600 finished "$big2"
	check "  its file reaches done/" wait_for 100 test -f "$spool/done/$big2"
	is "$(job_status "$big2") $(ls "$spool/cur" "$spool/new" | grep -c "$big2")" "done 0" "  done once, nowhere else"
else
	diag "skipping the pages with ground truth and the bad files: $data is absent"
fi

# --- PostgreSQL restarted during uploads: every accepted job done once ---
if [ -n "${QUILL_TEST_PG_DIR:-}" ]; then
	: >"$T_DIR/accepted"
	pids_before=$(worker_pids "$worker" | sort | paste -sd,)
	(
		for i in $(seq 1 30); do
			curl -s -o "$T_DIR/up.json" -w '%{http_code}\n' "${auth[@]}" -F "file=@$T_DIR/dot.png" \
				"$obase/api/ocr/jobs" >"$T_DIR/up.status" 2>/dev/null
			[ "$(cat "$T_DIR/up.status")" = 202 ] && jq -r .id "$T_DIR/up.json" >>"$T_DIR/accepted"
			sleep 0.1
		done
	) &
	uploads=$!
	sleep 0.8
	"$QUILL_SRC/tests/pgcluster.sh" stop "$QUILL_TEST_PG_DIR" >/dev/null 2>&1
	sleep 1.5
	"$QUILL_SRC/tests/pgcluster.sh" start "$QUILL_TEST_PG_DIR" >/dev/null 2>&1
	wait "$uploads"
	accepted=$(wc -l <"$T_DIR/accepted")
	diag "$accepted of 30 uploads accepted across the restart"
	check "most uploads were accepted while PostgreSQL restarted" test "$accepted" -ge 20
	ids=$(sed "s/.*/'&'/" "$T_DIR/accepted" | paste -sd,)
	check "every accepted job is done" wait_for 600 sh -c \
		"[ \"\$(psql -X -q -At 'host=$QUILL_TEST_PG_HOST dbname=quill user=quill' -c \"select count(*) from ocr.ocr_jobs where status = 'done' and id in ($ids)\")\" = $accepted ]"
	is "$(psql_q "select count(*), count(distinct id) from ocr.ocr_jobs where id in ($ids)")" "$accepted|$accepted" \
		"  one row each"
	check "  each file once in done/" sh -c "for j in \$(cat '$T_DIR/accepted'); do [ -f '$spool/done/'\$j ] || exit 1; done"
	# a result recorded just as the database went away comes back once, finds
	# its row done and moves on: give such files their retry
	check "  nothing left in new/ or cur/" wait_for 300 sh -c "[ -z \"\$(find '$spool/new' '$spool/cur' -type f)\" ]"
	find "$spool/new" "$spool/cur" -type f | sed 's/^/# left: /' 
	is "$(worker_pids "$worker" | sort | paste -sd,)" "$pids_before" "the workers were not restarted"
else
	diag "skipping the PostgreSQL restart: not the tests' own cluster"
fi

# --- drop-in: 50 files at once, some written slowly ---
staging=$T_DIR/staging
mkdir -p "$staging"
for i in $(seq 1 50); do cp "$T_DIR/dot.png" "$staging/f$i.png"; done
mkdir -p "$spool/incoming/$uid"
chown quill: "$spool/incoming/$uid" 2>/dev/null || true
for i in $(seq 1 40); do cp "$staging/f$i.png" "$spool/incoming/$uid/"; done &
cp_pid=$!
# ten written in chunks, with pauses shorter than dropin_settle
slow_pids=()
for i in $(seq 41 50); do
	(
		for k in 0 1 2 3; do
			dd if="$staging/f$i.png" of="$spool/incoming/$uid/f$i.png" bs=20 skip=$k seek=$k count=1 conv=notrunc status=none
			sleep 0.4
		done
	) &
	slow_pids+=($!)
done
wait "$cp_pid" "${slow_pids[@]}"
dropped() { psql_q "select count(*) from ocr.ocr_jobs where user_id = '$uid' and source = 'dropin' and filename ~ '^f[0-9]+[.]png$' and status = '$1'"; }
check "50 drop-ins become 50 done jobs" wait_for 600 sh -c "[ \"\$(psql -X -q -At 'host=$QUILL_TEST_PG_HOST dbname=quill user=quill' -c \"select count(*) from ocr.ocr_jobs where user_id = '$uid' and source = 'dropin' and filename ~ '^f[0-9]+[.]png$' and status = 'done'\")\" = 50 ]"
is "$(psql_q "select count(*), count(distinct filename) from ocr.ocr_jobs where user_id = '$uid' and source = 'dropin' and filename ~ '^f[0-9]+[.]png$'")" "50|50" \
	"  no duplicates: 50 rows, 50 names"
is "$(find "$spool/incoming/$uid" -type f | wc -l)" 0 "  incoming/ is empty"
is "$(dropped failed)" 0 "  none failed (none was taken half-written)"

# a directory named by an account's e-mail, and by an address with no account
http GET "$abase/internal/auth/users/lookup?email=OCRW.$u@example.org"
is "$STATUS $(json .id)" "200 $uid" "quill-authd looks an account up by e-mail, for the worker"
http GET "$abase/internal/auth/users/lookup?email=nobody.$u@example.org"
is "$STATUS" 404 "  an address without an account: 404"
http GET "$abase/internal/auth/users/lookup"
is "$STATUS" 400 "  no address: 400"
mkdir -p "$spool/incoming/ocrw.$u@example.org" "$spool/incoming/nobody.$u@example.org"
chown quill: "$spool/incoming/ocrw.$u@example.org" "$spool/incoming/nobody.$u@example.org" 2>/dev/null || true
cp "$T_DIR/dot.png" "$spool/incoming/ocrw.$u@example.org/by-mail.png"
cp "$T_DIR/dot.png" "$spool/incoming/nobody.$u@example.org/lost.png"
check "a file in incoming/<email>/ becomes a job of that account" \
	wait_for 150 sh -c "[ \"\$(psql -X -q -At 'host=$QUILL_TEST_PG_HOST dbname=quill user=quill' -c \"select status from ocr.ocr_jobs where user_id = '$uid' and filename = 'by-mail.png'\")\" = done ]"
check "a file under an address with no account goes to failed/ with a reason" \
	wait_for 100 sh -c "grep -l 'no owner' '$spool'/failed/*.reason >/dev/null 2>&1"

# a file nobody owns, and one that is not an image
rm -f "$spool"/failed/*.reason
printf 'just text' >"$spool/incoming/notes.txt"
printf 'PK\003\004zip' >"$spool/incoming/$uid/scan.png"
check "a file nobody owns goes to failed/ with a reason" \
	wait_for 100 sh -c "grep -l 'no owner' '$spool'/failed/*.reason >/dev/null 2>&1"
check "a dropped non-image becomes a failed job with a reason" \
	wait_for 150 sh -c "[ \"\$(psql -X -q -At 'host=$QUILL_TEST_PG_HOST dbname=quill user=quill' -c \"select status from ocr.ocr_jobs where user_id = '$uid' and filename = 'scan.png'\")\" = failed ]"
check "  with its file in failed/ and the reason beside it" \
	sh -c "grep -l 'cannot decode' '$spool'/failed/*.reason >/dev/null"

t_end
