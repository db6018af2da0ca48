# An upload's OCR languages (?lang=vie+eng): checked by quill-ocrd against
# [ocr_worker] allowed_languages, carried in the spool file's header, and
# read by quill-ocr-worker with an engine for that set, made on first use
# and kept (max_engines).  The fake engine reads "quill-fake: languages"
# as the set its engine was made with, and has no model for xxx; then real
# tesseract reads a Vietnamese invoice with vie, and without.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

data=${QUILL_TEST_DATA:-$QUILL_SRC/../shared/data}
ocr_stack "[ocr_worker]
workers = 1
engine = fake
languages = eng
allowed_languages = eng vie, xxx
max_engines = 1
rescan_interval = 1s
"
new_user "langs.$$.$RANDOM@example.org"
printf 'P2\n# quill-fake: languages\n1 1\n255\n0\n' >"$T_DIR/page.pgm"

# upload QUERY: POSTs the page with ?QUERY, sets JOB
upload() {
	http POST "$obase/api/ocr/jobs?$1" "${auth[@]}" -H "Content-Type: image/x-portable-graymap" \
		--data-binary "@$T_DIR/page.pgm"
	JOB=$(json .id)
}
job_status() { psql_q "select status from ocr.ocr_jobs where id = '$1'"; }
finished() { local s; s=$(job_status "$1"); [ "$s" = done ] || [ "$s" = failed ]; }
text_of() { http GET "$obase/api/ocr/jobs/$1/text" "${auth[@]}"; printf '%s' "$BODY"; }

# --- quill-ocrd: what ?lang= may be ---
upload "lang=deu"
is "$STATUS $(json .error.code)" "422 unsupported_language" "?lang=deu, not offered: 422 unsupported_language"
like "$(json .error.message)" "deu.*eng vie, xxx" "  the message names it and what is offered"
upload "lang=vie+deu"
is "$STATUS" 422 "?lang=vie+deu, one code not offered: 422"
for bad in "lang=" "lang=..%2Feng" "lang=ENG" "lang=eng%2B%2Bvie" "lang=eng%2Bvie%2Beng" "lang=$(printf 'a%.0s' {1..64})"; do
	upload "$bad"
	is "$STATUS $(json .error.code)" "400 bad_request" "?$bad: 400 bad_request"
done
is "$(find "$spool/new" -type f | wc -l)" 0 "  nothing refused was spooled"

upload "lang=vie%2Beng"
vie_eng=$JOB
is "$STATUS" 202 "?lang=vie%2Beng: 202"
check "  the spool file's header carries the set" grep -aq '^languages vie+eng$' "$spool/new/$vie_eng"
upload "lang=vie+eng"
plus=$JOB
is "$STATUS" 202 "?lang=vie+eng (a + read as a space): 202"
check "  the same set" grep -aq '^languages vie+eng$' "$spool/new/$plus"
upload "lang=eng"
default=$JOB
check "?lang=eng, the default's own set: no languages in the header" sh -c "! grep -aq '^languages' '$spool/new/$default'"
upload "filename=none.pgm"
none=$JOB
check "no ?lang=: no languages in the header" sh -c "! grep -aq '^languages' '$spool/new/$none'"
upload "lang=xxx"
xxx=$JOB
upload "lang=eng%2Bvie"
eng_vie=$JOB
upload "lang=vie"
vie=$JOB
upload "lang=vie%2Beng"
vie_eng2=$JOB
check "a log line names each job's languages" grep -q "event=job_spooled job=$vie_eng .*languages=vie+eng" \
	"$T_DIR/log/quill-ocrd.log"

# --- quill-ocr-worker: an engine per set ---
start_daemon quill-ocr-worker "$conf"
worker=$DAEMON_PID
for j in $vie_eng $plus $default $none $xxx $eng_vie $vie $vie_eng2; do
	wait_for 150 finished "$j" || diag "job $j not finished"
done
is "$(text_of "$vie_eng")" "languages vie+eng" "the vie+eng job was read by a vie+eng engine"
is "$(text_of "$plus")" "languages vie+eng" "  so was the one whose + came as a space"
is "$(text_of "$default")" "languages eng" "?lang=eng: the default engine"
is "$(text_of "$none")" "languages eng" "no ?lang=: the default engine"
is "$(text_of "$eng_vie")" "languages eng+vie" "eng+vie is a set of its own (max_engines = 1: vie+eng made room)"
is "$(text_of "$vie")" "languages vie" "vie: one more engine in the one place"
is "$(text_of "$vie_eng2")" "languages vie+eng" "vie+eng again, made again"
http GET "$obase/api/ocr/jobs/$xxx" "${auth[@]}"
is "$(json .status) $(json .attempts)" "failed 1" "languages without models fail the job at once"
like "$(json .error)" 'languages "xxx"' "  the reason names them"
check "the worker is still there" kill -0 "$worker"

# --- real tesseract: a Vietnamese invoice, with vie and without ---
page=$data/invoices-synthetic/syn_0004.png
if [ ! -f "$page" ] || [ ! -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata ]; then
	echo "ok - # SKIP no shared invoices-synthetic data or no vie traineddata"
else
	kill -TERM "$worker"
	check "the fake engine's worker stops" wait_gone "$worker" 100
	sed 's/^engine = fake$/engine = tesseract/' "$conf" >"$T_DIR/tess.conf"
	start_daemon quill-ocr-worker "$T_DIR/tess.conf"
	http POST "$obase/api/ocr/jobs?lang=vie" "${auth[@]}" -F "file=@$page"
	with_vie=$(json .id)
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$page"
	with_eng=$(json .id)
	both_finished() { finished "$with_vie" && finished "$with_eng"; }
	check "tesseract reads both" wait_for 600 both_finished
	text_of "$with_vie" >"$T_DIR/vie.txt"
	text_of "$with_eng" >"$T_DIR/eng.txt"
	check "  with vie: HÓA ĐƠN GIÁ TRỊ GIA TĂNG, diacritics and all" grep -q 'HÓA ĐƠN GIÁ TRỊ GIA TĂNG' "$T_DIR/vie.txt"
	check "  with the default eng: not" sh -c "! grep -q 'HÓA ĐƠN GIÁ TRỊ GIA TĂNG' '$T_DIR/eng.txt'"
fi

# --- max_engines = 0: only the default set is read ---
sed 's/^max_engines = 1$/max_engines = 0/' "$conf" >"$T_DIR/one.conf"
kill -TERM "$ocrd"
check "quill-ocrd stops" wait_gone "$ocrd" 100
start_daemon quill-ocrd "$T_DIR/one.conf"
ocrd=$DAEMON_PID
check "quill-ocrd with max_engines = 0 is up" wait_for 50 curl -fs -o /dev/null "$obase/healthz"
wait_for 50 sh -c "curl -s '$obase/api/ocr/jobs' | grep -q missing_token"
upload "lang=vie"
is "$STATUS $(json .error.code)" "422 unsupported_language" "?lang=vie with max_engines = 0: 422"
upload "lang=eng"
is "$STATUS" 202 "?lang=eng, the default: 202"

t_end
