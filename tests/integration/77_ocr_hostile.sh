# Hostile images and the supervision of OCR work (issue 19, defect 1):
# a two-page TIFF whose second page leptonica cannot read (it used to spin
# a worker for ever) and a TIFF whose later pages declare billions of
# pixels are refused at upload and, dropped in past quill-ocrd, end as
# failed jobs with their reason; a page that outruns [ocr_worker]
# job_timeout has its worker killed and ends failed with reason timeout
# once its attempts are used; a good page after all of them is done; and
# SIGTERM stops the worker master within the drain timeout while a worker
# is in the middle of a page.  TIFFs whose pages all name one shared strip
# table (quill-ocrd used to walk it per page, blocking its loop) are
# refused at upload too.  The TIFFs are made here (tests/tiffmake.py).
#
# The keys this test sets that older builds lack (job_timeout) are given
# through the environment, and only when the build knows them, so that the
# same test shows what an older build does with these files.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin
declare -A fake_job

data=${QUILL_TEST_DATA:-$QUILL_SRC/../shared/data}
ocr_stack "workers = 1
[ocr_worker]
workers = 1
rescan_interval = 1s
retry_backoff = 1s
dropin_settle = 1s
max_attempts = 2
"
new_user "hostile.h$$x$RANDOM@example.org"

for kind in good hang bomb loop tiled strips tall; do
	python3 "$QUILL_SRC/tests/tiffmake.py" "$kind" "$T_DIR/$kind.tif" || not_ok "tiffmake.py $kind"
done
diag "hang.tif: $(stat -c %s "$T_DIR/hang.tif") bytes, bomb.tif: $(stat -c %s "$T_DIR/bomb.tif") bytes"

# --- at upload: every page's directory is read ---
for kind in hang bomb loop tiled strips tall; do
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/$kind.tif"
	like "$STATUS $(json .error.code)" '^422 (image_too_large|unsupported_image)$' \
		"the $kind TIFF is refused at upload: $STATUS $(json .error.code)"
done
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/good.tif"
is "$STATUS" 202 "a good one-page G4 TIFF is accepted"
first_good=$(json .id)

job_row() { psql_q "select status || ' ' || attempts || ' ' || coalesce(error, '') from ocr.ocr_jobs where id = '$1'"; }
job_status() { psql_q "select status from ocr.ocr_jobs where id = '$1'"; }
finished() { local s; s=$(job_status "$1"); [ "$s" = done ] || [ "$s" = failed ]; }
dropped_id() { psql_q "select id from ocr.ocr_jobs where user_id = '$uid' and filename = '$1'"; }
dropped_finished() { local id; id=$(dropped_id "$1"); [ -n "$id" ] && finished "$id"; }

# knows KEY=VALUE: whether this build's quill-ocr-worker takes the setting
knows() { env "$1" "$(program quill-ocr-worker)" -t -c "$conf" >/dev/null 2>&1; }
timeout_3s=QUILL_OCR_WORKER_JOB_TIMEOUT=3s timeout_1s=QUILL_OCR_WORKER_JOB_TIMEOUT=1s timeout_5m=QUILL_OCR_WORKER_JOB_TIMEOUT=5m
if ! knows "$timeout_3s"; then
	diag "this build has no [ocr_worker] job_timeout"
	timeout_3s=QUILL_MASTER_DRAIN_TIMEOUT=3s timeout_1s=$timeout_3s timeout_5m=$timeout_3s
fi
start_daemon quill-ocr-worker "$conf" "$timeout_3s" QUILL_MASTER_DRAIN_TIMEOUT=3s
worker=$DAEMON_PID
check "quill-ocr-worker runs its worker" wait_for 100 workers_are "$worker" 1
first_pid=$(worker_pids "$worker")
check "the good TIFF is done" wait_for 300 finished "$first_good"
is "$(job_status "$first_good")" done "  done"

# --- past quill-ocrd: dropped in, the worker checks every page itself ---
mkdir -p "$spool/incoming/$uid"
chown quill: "$spool/incoming/$uid" 2>/dev/null || true
cp "$T_DIR/hang.tif" "$spool/incoming/$uid/hang.tif"
cp "$T_DIR/bomb.tif" "$spool/incoming/$uid/bomb.tif"
started=$(date +%s)
check "the dropped hang TIFF ends" wait_for 300 dropped_finished hang.tif
check "the dropped bomb TIFF ends" wait_for 300 dropped_finished bomb.tif
diag "both ended within $(($(date +%s) - started)) s"
like "$(job_row "$(dropped_id hang.tif)")" '^failed 1 .*page 2.*bits per sample' \
	"  the hang TIFF failed at its first attempt, saying its page 2 has bits per sample no decoder takes"
like "$(job_row "$(dropped_id bomb.tif)")" '^failed 1 .*page 2.*50000x50000' \
	"  the bomb TIFF failed at its first attempt, saying its page 2 declares too many pixels"
tiny_png "$T_DIR/dot.png"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/dot.png"
after=$(json .id)
check "a good page uploaded after them is done" wait_for 300 finished "$after"
is "$(job_status "$after")" done "  done"
is "$(worker_pids "$worker")" "$first_pid" "the worker that read them is still the same process"

# --- the watchdog: a page that takes longer than job_timeout ---
if [ -f "$data/ocr/8071_093.3B.tif" ]; then
	kill -TERM "$worker"
	check "the worker master stops" wait_gone "$worker" 100
	start_daemon quill-ocr-worker "$conf" "$timeout_1s" QUILL_MASTER_DRAIN_TIMEOUT=3s
	worker=$DAEMON_PID
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$data/ocr/8071_093.3B.tif"
	slow=$(json .id)
	started=$(date +%s)
	check "a page that outruns job_timeout ends" wait_for 400 finished "$slow"
	diag "it ended after $(($(date +%s) - started)) s"
	like "$(job_row "$slow")" '^failed 3 timeout' \
		"  failed with reason timeout once its 2 attempts were used (the third start gives up)"
	check "  the master says it killed the worker" \
		grep -q "event=job_timeout .*job=$slow" "$T_DIR/log/quill-ocr-worker.log"
	check "  its file is in failed/ with the reason beside it" test -s "$spool/failed/$slow.reason"
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/dot.png"
	after=$(json .id)
	check "a good page after it is done" wait_for 300 finished "$after"
	is "$(job_status "$after")" done "  done"

	# --- SIGTERM while a worker is in the middle of a page ---
	kill -TERM "$worker"
	check "  the worker master stops" wait_gone "$worker" 100
	start_daemon quill-ocr-worker "$conf" "$timeout_5m" QUILL_MASTER_DRAIN_TIMEOUT=2s
	worker=$DAEMON_PID
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$data/ocr/8071_093.3B.tif"
	busy=$(json .id)
	check "a big page is being read" wait_for 300 sh -c "ls '$spool/cur' | grep -q '^$busy\\.'"
	sleep 0.5
	t0=$(date +%s%N)
	kill -TERM "$worker"
	check "SIGTERM stops the worker master within the drain timeout (2 s) and a second" wait_gone "$worker" 30
	diag "stopped in $((($(date +%s%N) - t0) / 1000000)) ms"
	is "$(ls "$spool/cur" | grep -c "^$busy\\.")" 0 "  the page it held is back in new/, not left claimed"
else
	diag "skipping the watchdog: $data/ocr is absent"
fi

# --- the same without tesseract: the fake engine, told by the file ---
fake_pnm() { printf 'P1\n# quill-fake: %s\n1 1\n0\n' "$2" >"$1"; }
if knows QUILL_OCR_WORKER_ENGINE=fake; then
	kill -TERM "$worker" 2>/dev/null
	check "the worker master stops" wait_gone "$worker" 100
	start_daemon quill-ocr-worker "$conf" QUILL_OCR_WORKER_ENGINE=fake "$timeout_1s" \
		QUILL_OCR_WORKER_MEMORY_LIMIT=1g QUILL_MASTER_DRAIN_TIMEOUT=2s
	worker=$DAEMON_PID
	check "with the fake engine the worker runs" wait_for 100 workers_are "$worker" 1
	check "  and says it is for tests" wait_for 50 grep -q "event=ocr_engine_for_tests engine=fake" \
		"$T_DIR/log/quill-ocr-worker.log"
	for cmd in spin crash "alloc 4096" "text after all"; do
		fake_pnm "$T_DIR/fake.pnm" "$cmd"
		http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/fake.pnm"
		is "$STATUS" 202 "a page telling the fake to ${cmd%% *} is accepted"
		fake_job[${cmd%% *}]=$(json .id)
		check "  and ends" wait_for 300 finished "${fake_job[${cmd%% *}]}"
	done
	like "$(job_row "${fake_job[spin]}")" '^failed 3 timeout: reading it took longer than job_timeout' \
		"a page that spins for ever fails with reason timeout after its 2 attempts"
	like "$(job_row "${fake_job[crash]}")" '^failed 3 the worker reading it died [(]signal 6[)]' \
		"a page that kills its worker fails saying how the worker died"
	if grep -q "event=memory_limit_skipped" "$T_DIR/log/quill-ocr-worker.log"; then
		diag "memory_limit is not applied in this (AddressSanitizer) build"
	else
		like "$(job_row "${fake_job[alloc]}")" '^failed 1 .*needs more memory than the worker may use' \
			"a page needing 4 GiB under memory_limit 1g fails at once with its reason"
	fi
	like "$(job_row "${fake_job[text]}")" '^done 1 ' "a good page after them is done"
	is "$(psql_q "select text from ocr.ocr_jobs where id = '${fake_job[text]}'")" "after all" "  with the words the fake was told"
	kill -TERM "$worker"
	check "  the worker master stops" wait_gone "$worker" 100
	start_daemon quill-ocr-worker "$conf" QUILL_OCR_WORKER_ENGINE=fake "$timeout_5m" QUILL_MASTER_DRAIN_TIMEOUT=2s
	worker=$DAEMON_PID
	fake_pnm "$T_DIR/fake.pnm" spin
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/fake.pnm"
	spinning=$(json .id)
	check "a spinning page is being read" wait_for 100 sh -c "ls '$spool/cur' | grep -q '^$spinning\\.'"
	t0=$(date +%s%N)
	kill -TERM "$worker"
	check "SIGTERM stops the master within the drain timeout (2 s) while its worker spins" wait_gone "$worker" 30
	diag "stopped in $((($(date +%s%N) - t0) / 1000000)) ms"
else
	diag "this build has no fake OCR engine"
fi

t_end
