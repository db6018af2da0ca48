# quillctl jobs and spool: OCR jobs listed (by status, user, limit),
# shown with where their spool file is and why they failed, requeued (a
# failed job from failed/, a done one from done/; anything else refused,
# changing nothing), purged with their files (by status and age, the
# [ocr_worker] retention by default, unfinished jobs never), and the
# spool's counts, which need no database.  Rows are inserted with psql
# and spool files written here in the format of lib/spool.c; no worker
# runs, so nothing moves but what quillctl moves.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

conf=$T_DIR/quill.conf
write_config "$conf" "retention = 1d"
ctl() { "$(program quillctl)" -c "$conf" "$@"; }
db() { psql -X -q -At "host=$QUILL_TEST_PG_HOST dbname=quill user=quill" -c "$1" 2>&1; }
uuid() { cat /proc/sys/kernel/random/uuid; }
spool=$T_DIR/spool
nodb="host=/nonexistent dbname=quill user=quill_ocr"

out=$(ctl migrate 2>&1)
is "$?" 0 "migrate succeeds"

# A 1x1 grey PNG as the image of every spool file.
tiny_png "$T_DIR/dot.png"
size=$(stat -c %s "$T_DIR/dot.png")
sum=$(sha256sum "$T_DIR/dot.png" | cut -d' ' -f1)

# spool_file DIR/NAME JOB USER: a spool file as lib/spool.c writes it.
spool_file() {
	mkdir -p "$spool/$(dirname "$1")"
	{
		printf 'quill-spool 1\njob %s\nuser %s\ntype png\nsize %s\nsha256 %s\nsource upload\ncreated %s\n\n' \
			"$2" "$3" "$size" "$sum" "$(date +%s)000000"
		cat "$T_DIR/dot.png"
	} >"$spool/$1"
}
# add_job ID USER STATUS CREATED_AGO FINISHED_AGO|- ATTEMPTS ERROR|-
add_job() {
	local fin=null err=null
	[ "$5" != - ] && fin="now() - interval '$5'"
	[ "$7" != - ] && err="'$7'"
	db "insert into ocr.ocr_jobs (id, user_id, status, filename, content_type, size_bytes, sha256,
		attempts, error, created_at, finished_at)
		values ('$1', '$2', '$3', 'scan-$1.png', 'image/png', $size, '$sum', $6, $err,
		now() - interval '$4', $fin)" >/dev/null
}
row() { db "select $2 from ocr.ocr_jobs where id = '$1'"; }
there() { [ -e "$spool/$1" ]; }
gone() { [ ! -e "$spool/$1" ]; }

ua=$(uuid)
ub=$(uuid)
jq=$(uuid); jp=$(uuid); jf=$(uuid); jf2=$(uuid); jfb=$(uuid); jd=$(uuid)
jfk=$(uuid); jdk=$(uuid); jdo=$(uuid); jfo=$(uuid); jqo=$(uuid)
add_job "$jq" "$ua" queued '1 minute' - 0 -
add_job "$jp" "$ua" processing '2 minutes' - 1 -
add_job "$jf" "$ua" failed '3 hours' '2 hours' 3 'gave up after 3 attempts'
add_job "$jf2" "$ub" failed '4 hours' '3 hours' 1 'no file left'
add_job "$jfb" "$ub" failed '4 hours 30 minutes' '3 hours' 1 'not a spool file'
add_job "$jd" "$ub" done '5 hours' '5 hours' 1 -
db "update ocr.ocr_jobs set text = 'hello world', hocr = '<p>hi</p>', words = '[]',
	mean_confidence = 91.5, page_count = 1, ocr_ms = 120 where id = '$jd'" >/dev/null
add_job "$jfk" "$ua" failed '10 hours' '10 hours' 3 'kept'
add_job "$jdk" "$ua" done '12 hours' '10 hours' 1 -
add_job "$jdo" "$ua" done '4 days' '3 days' 1 -
add_job "$jfo" "$ub" failed '4 days 1 hour' '3 days' 2 'old failure'
add_job "$jqo" "$ua" queued '5 days' - 0 -

spool_file "new/$jq" "$jq" "$ua"
spool_file "new/$jqo" "$jqo" "$ua"
touch -d "@$(($(date +%s) - 3600))" "$spool/new/$jqo"
spool_file "cur/$jp.4242" "$jp" "$ua"
spool_file "failed/$jf" "$jf" "$ua"
echo "cannot decode the image" >"$spool/failed/$jf.reason"
printf 'garbage' >"$spool/failed/$jfb"
spool_file "done/$jd" "$jd" "$ub"
spool_file "failed/$jfk" "$jfk" "$ua"
echo "kept" >"$spool/failed/$jfk.reason"
spool_file "done/$jdk" "$jdk" "$ua"
spool_file "done/$jdo" "$jdo" "$ua"
spool_file "failed/$jfo" "$jfo" "$ub"
echo "old failure" >"$spool/failed/$jfo.reason"
spool_file "tmp/$(uuid).77.somehost" "$(uuid)" "$ua"
mkdir -p "$spool/incoming/$ua"
cp "$T_DIR/dot.png" "$spool/incoming/top.png"
cp "$T_DIR/dot.png" "$spool/incoming/$ua/a.png"

# --- spool status ---
out=$(QUILL_OCR_WORKER_DATABASE=$nodb ctl spool status 2>&1)
is "$?" 0 "spool status succeeds without a database"
is "$(printf '%s\n' "$out" | head -n 1)" "spool     $spool" "it names the spool directory"
is "$(printf '%s\n' "$out" | sed 1d | awk '{ print $1 "=" $2 }' | tr '\n' ' ')" \
	"tmp=1 new=2 cur=1 done=3 failed=4 incoming=2 " \
	"one count per directory (reasons not counted, incoming/<user>/ included)"
like "$(printf '%s\n' "$out" | grep '^new')" '^new       2  oldest 360[0-9] s$' \
	"new/ has the age of its oldest file in seconds"
touch -d '+1 hour' "$spool/new/$jq"
like "$(ctl spool status 2>&1 | grep '^new')" '^new       2  oldest 360[0-9] s, 1 deferred$' \
	"a file not due yet is counted as deferred"
touch "$spool/new/$jq"
empty=$T_DIR/empty-spool
mkdir -p "$empty"
out=$(QUILL_GLOBAL_SPOOL_DIR=$empty ctl spool status 2>&1)
is "$?:$(printf '%s\n' "$out" | grep '^new')" "0:new       0" "an empty new/ has no age"
out=$(QUILL_GLOBAL_SPOOL_DIR=$T_DIR/nowhere ctl spool status 2>&1)
is "$?" 1 "a missing spool directory exits 1"
like "$out" "^quillctl: cannot open spool $T_DIR/nowhere: " "and says so"

# --- jobs list ---
out=$(ctl jobs list --user "$ua" 2>&1)
is "$?" 0 "jobs list --user succeeds"
like "$(printf '%s\n' "$out" | head -n 1)" '^ID +STATUS +ATTEMPTS +USER +FILENAME +SIZE +CREATED +FINISHED$' \
	"a header names the columns"
is "$(printf '%s\n' "$out" | sed 1d | cut -c1-36 | tr '\n' ' ')" "$jq $jp $jf $jfk $jdk $jdo $jqo " \
	"the user's jobs, newest first"
like "$(printf '%s\n' "$out" | grep "^$jf ")" \
	"^$jf  failed  +3  $ua  scan-$jf.png  +$size  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  [0-9T:-]{19}Z\$" \
	"a line has id, status, attempts, user, file name, size, created and finished"
like "$(printf '%s\n' "$out" | grep "^$jq ")" "^$jq  queued  +0  $ua  .*Z  -\$" "an unfinished job has - as finished"
is "$(printf '%s\n' "$out" | awk '{ print index($0, " " $4 " ") }' | sed 1d | sort -u | wc -l)" 1 "columns are aligned"
out=$(ctl jobs list --status failed --user "$ua" 2>&1)
is "$?:$(printf '%s\n' "$out" | sed 1d | cut -c1-36 | tr '\n' ' ')" "0:$jf $jfk " "--status failed lists the failed ones"
out=$(ctl jobs list --status=done --user="${ub^^}" 2>&1)
is "$(printf '%s\n' "$out" | sed 1d | cut -c1-36 | tr '\n' ' ')" "$jd " "--status=done --user=ID, an id in capitals"
out=$(ctl jobs list --user "$ua" --limit 2 2>&1)
is "$(printf '%s\n' "$out" | sed 1d | cut -c1-36 | tr '\n' ' ')" "$jq $jp " "--limit 2 lists the newest two"
out=$(ctl jobs list --user "$(uuid)" 2>&1)
is "$?:$(printf '%s\n' "$out" | wc -l)" "0:1" "a user without jobs: the header only"
out=$(ctl jobs list 2>&1)
is "$?" 0 "jobs list without options"
n=$(printf '%s\n' "$out" | sed 1d | wc -l)
check "  lists at most 50 ($n)" test "$n" -ge 7 -a "$n" -le 50
out=$(ctl jobs list --user nobody 2>&1)
is "$?:$out" "1:quillctl: not a user id: nobody" "a malformed user id exits 1"
for bad in "--status bogus" "--limit 0" "--limit x" "--bogus" "--status"; do
	ctl jobs list $bad >/dev/null 2>&1
	is "$?" 64 "jobs list $bad is a usage error"
done
out=$(QUILL_OCR_WORKER_DATABASE=$nodb ctl jobs list 2>&1)
is "$?" 1 "without its database jobs list exits 1"
like "$out" '^quillctl: cannot connect to the database \(\[ocr_worker\] database\)' "and says which conninfo"

# --- jobs show ---
out=$(ctl jobs show "$jf" 2>&1)
is "$?" 0 "jobs show succeeds"
field() { printf '%s\n' "$out" | sed -n "s/^$1  *//p"; }
is "$(field id)|$(field user_id)|$(field status)|$(field attempts)" "$jf|$ua|failed|3" "it shows id, user, status, attempts"
is "$(field error)|$(field filename)|$(field size_bytes)|$(field sha256)" \
	"gave up after 3 attempts|scan-$jf.png|$size|$sum" "  error, file name, size, sha256"
is "$(field source)|$(field content_type)|$(field idempotency_key)" "upload|image/png|-" "  source, type; NULL as -"
like "$(field finished_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "  times in RFC 3339 UTC"
is "$(printf '%s\n' "$out" | awk '{ print $1 }' | tr '\n' ' ')" \
	"id user_id status source filename content_type size_bytes sha256 idempotency_key attempts error mean_confidence page_count ocr_ms created_at started_at finished_at updated_at text hocr words spool reason " \
	"  every column, then the spool"
is "$(field spool)" "failed/$jf" "  its file is in failed/"
is "$(field reason)" "cannot decode the image" "  with the reason written beside it"
out=$(ctl jobs show "$jd" 2>&1)
is "$(field text)|$(field hocr)|$(field words)" "11 bytes|9 bytes|2 bytes" "the bodies are shown as their lengths"
is "$(field mean_confidence)|$(field page_count)|$(field ocr_ms)|$(field spool)" "91.5|1|120|done/$jd" \
	"  a done job's results, its file in done/"
out=$(ctl jobs show "${jp^^}" 2>&1)
is "$?:$(field spool)" "0:cur/$jp.4242" "a claimed job's file in cur/ (the id in capitals)"
out=$(ctl jobs show "$jq" 2>&1)
is "$(field spool)|$(printf '%s\n' "$out" | grep -c '^reason')" "new/$jq|0" "a queued job's file in new/, no reason"
out=$(ctl jobs show "$jf2" 2>&1)
is "$(field spool)" "-" "a job without a file: -"
unknown=$(uuid)
out=$(ctl jobs show "$unknown" 2>&1)
is "$?:$out" "1:quillctl: no job $unknown" "an unknown job exits 1"
out=$(ctl jobs show 12345 2>&1)
is "$?:$out" "1:quillctl: not a job id: 12345" "a malformed id exits 1"
out=$(ctl jobs show "../../etc/passwd" 2>&1)
is "$?:$out" "1:quillctl: not a job id: ../../etc/passwd" "a path is no job id"
ctl jobs show >/dev/null 2>&1
is "$?" 64 "jobs show without an id is a usage error"

# --- jobs requeue ---
before=$(db "select status, attempts, updated_at from ocr.ocr_jobs where id = '$jq'")
out=$(ctl jobs requeue "$jq" 2>&1)
is "$?:$out" "1:quillctl: job $jq is queued: only a failed or done job can be requeued" \
	"a queued job is not requeued"
is "$(db "select status, attempts, updated_at from ocr.ocr_jobs where id = '$jq'")" "$before" "  its row is unchanged"
check "  its file stays in new/" there "new/$jq"
out=$(ctl jobs requeue "$jp" 2>&1)
is "$?:$out" "1:quillctl: job $jp is processing: only a failed or done job can be requeued" \
	"a processing job is not requeued"
check "  its file stays in cur/" there "cur/$jp.4242"
out=$(ctl jobs requeue "$jf2" 2>&1)
is "$?:$out" "1:quillctl: job $jf2 is failed but its file is not in failed/: it cannot be run again" \
	"a failed job without its file is not requeued"
is "$(row "$jf2" status)" failed "  it stays failed"
out=$(ctl jobs requeue "$jfb" 2>&1)
is "$?:$out" "1:quillctl: failed/$jfb: not a spool file" "a failed/ file that is no spool file is not requeued"
is "$(row "$jfb" status)" failed "  the job stays failed"
check "  the file stays in failed/" there "failed/$jfb"
check "  and nothing is in new/" gone "new/$jfb"

cp "$spool/failed/$jf" "$T_DIR/jf.before"
out=$(ctl jobs requeue "$jf" 2>&1)
is "$?:$out" "0:requeued $jf (was failed): failed/$jf -> new/$jf" "a failed job is requeued"
is "$(row "$jf" "status, attempts, error is null, finished_at is null, started_at is null")" \
	"queued|0|t|t|t" "  queued, no attempts, no error, unfinished"
check "  its file is in new/" there "new/$jf"
check "  the same spool file" cmp -s "$spool/new/$jf" "$T_DIR/jf.before"
check "  not in failed/" gone "failed/$jf"
check "  and the reason is gone" gone "failed/$jf.reason"
out=$(ctl jobs requeue "$jf" 2>&1)
is "$?:$out" "1:quillctl: job $jf is queued: only a failed or done job can be requeued" "requeued twice: refused"

out=$(ctl jobs requeue "$jd" 2>&1)
is "$?:$out" "0:requeued $jd (was done): done/$jd -> new/$jd" "a done job whose file is in done/ is requeued"
is "$(row "$jd" "status, attempts, text is null, hocr is null, words is null, mean_confidence is null, finished_at is null")" \
	"queued|0|t|t|t|t|t" "  queued, its old result cleared"
check "  its file moved from done/ to new/" sh -c "[ -f '$spool/new/$jd' ] && [ ! -e '$spool/done/$jd' ]"
out=$(ctl jobs requeue "$unknown" 2>&1)
is "$?:$out" "1:quillctl: no job $unknown" "requeue of an unknown job exits 1"
out=$(ctl jobs requeue not-a-job 2>&1)
is "$?:$out" "1:quillctl: not a job id: not-a-job" "requeue of a malformed id exits 1"

# --- jobs purge ---
for bad in "--status queued" "--status" "--older-than 7x" "--older-than 30ms" "--older-than" "--all"; do
	ctl jobs purge $bad >/dev/null 2>&1
	is "$?" 64 "jobs purge $bad is a usage error"
done
# marks of deleted jobs (sql/ocr/003): one older than the retention, one not
mark_old=$(uuid)
mark_new=$(uuid)
db "insert into ocr.deleted_jobs (id, created_at, deleted_at) values
	('$mark_old', now() - interval '3 days', now() - interval '2 days'),
	('$mark_new', now() - interval '1 hour', now() - interval '1 hour')" >/dev/null
out=$(ctl jobs purge 2>&1)
is "$?:$out" "0:removed 2 jobs and 3 spool files" \
	"purge: the done and failed jobs finished before the retention (1d), with their files"
is "$(db "select string_agg(id::text, ' ') from ocr.deleted_jobs where id in ('$mark_old', '$mark_new')")" "$mark_new" \
	"purge drops the marks of jobs deleted before the retention, and keeps the rest"
is "$(db "select count(*) from ocr.ocr_jobs where id in ('$jdo', '$jfo')")" 0 "  their rows are gone"
check "  done/ID is gone" gone "done/$jdo"
check "  failed/ID and its reason are gone" sh -c "[ ! -e '$spool/failed/$jfo' ] && [ ! -e '$spool/failed/$jfo.reason' ]"
is "$(row "$jqo" status)" queued "  an old queued job is kept"
check "  with its file" there "new/$jqo"
is "$(db "select count(*) from ocr.ocr_jobs where id in ('$jdk', '$jfk', '$jf2', '$jfb')")" 4 \
	"  jobs finished within the retention are kept"
check "  with their files" sh -c "[ -f '$spool/done/$jdk' ] && [ -f '$spool/failed/$jfk' ] && [ -f '$spool/failed/$jfk.reason' ]"

out=$(ctl jobs purge --status done --older-than 5h 2>&1)
is "$?:$out" "0:removed 1 job and 1 spool file" "purge --status done --older-than 5h"
is "$(row "$jdk" "count(*)")" 0 "  the done job finished 10 h ago is gone"
check "  with its file" gone "done/$jdk"
is "$(row "$jfk" status)" failed "  a failed job as old is kept"
check "  with its file and reason" sh -c "[ -f '$spool/failed/$jfk' ] && [ -f '$spool/failed/$jfk.reason' ]"
is "$(db "select count(*) from ocr.ocr_jobs where id in ('$jf2', '$jfb')")" 2 "  failed jobs 3 h old are kept"
out=$(ctl jobs purge --status=failed --older-than=9h 2>&1)
is "$?:$out" "0:removed 1 job and 2 spool files" "purge --status=failed --older-than=9h"
check "  takes the failed job 10 h old with its file and reason" \
	sh -c "[ ! -e '$spool/failed/$jfk' ] && [ ! -e '$spool/failed/$jfk.reason' ]"
is "$(db "select count(*) from ocr.ocr_jobs where id in ('$jf2', '$jfb', '$jf', '$jd', '$jq', '$jp')")" 6 \
	"  and nothing newer or unfinished"

out=$(ctl spool status 2>&1)
is "$(printf '%s\n' "$out" | sed 1d | awk '{ print $1 "=" $2 }' | tr '\n' ' ')" \
	"tmp=1 new=4 cur=1 done=0 failed=1 incoming=2 " "spool status after requeue and purge"

# --- bad commands ---
for bad in "jobs" "jobs frob" "jobs requeue" "jobs requeue $jf $jd" "jobs show $jf extra" "spool" "spool frob"; do
	ctl $bad >/dev/null 2>&1
	is "$?" 64 "quillctl $bad is a usage error"
done
like "$(ctl -h 2>&1)" "jobs requeue +run a job again: a failed job whose file is in failed/" \
	"the usage says which jobs requeue takes"

db "delete from ocr.ocr_jobs where user_id in ('$ua', '$ub')" >/dev/null
t_end
