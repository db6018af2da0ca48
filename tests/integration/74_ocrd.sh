# quill-ocrd's upload API and jobs API against a real quill-authd and
# PostgreSQL (no OCR worker runs here, so jobs stay queued unless a check
# moves them on in the database): uploads into spool/new as multipart or
# raw bodies, the type decided by the bytes, 400/413/415/422 for bad
# files, Idempotency-Key, 202 while PostgreSQL is away, ownership (another
# user's job is a 404), listing with a status filter and cursors, text and
# hOCR only when done, delete, and the SSE stream of status changes.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

ocr_config "workers = 2
max_upload = 256k
[http]
body_memory = 64k
body_buffer_dir = $T_DIR/run
"
dport=$(free_port)
# The same service with a database that is not there: uploads still land.
mkdir -p "$T_DIR/run2"
[ "$(id -u)" = 0 ] && chown quill: "$T_DIR/run2"
sed -e "s|^listen = 127.0.0.1:$oport|listen = 127.0.0.1:$dport|" -e "s|^run_dir = .*|run_dir = $T_DIR/run2|" \
    -e 's|^database = "host=\([^ ]*\) dbname=quill user=quill_ocr"|database = "host=/nonexistent dbname=quill user=quill_ocr"|' \
    "$conf" >"$T_DIR/nodb.conf"
ocr_start
# has_row ID: the job's row exists (quill-ocrd writes it just after its 202)
has_row() { [ "$(psql_q "select count(*) from ocr.ocr_jobs where id = '$1'")" = 1 ]; }

pw=marble-orchard-7734
u=o$$x$RANDOM
new_user "ocr.$u@example.org" "$pw"
tok=$ACCESS
api POST /api/auth/register "{\"email\":\"other.$u@example.org\",\"password\":\"$pw\"}"
login "other.$u@example.org" "$pw"
other=$ACCESS

# A 1x1 grey PNG, a JPEG header, and files that are not images.
img=$T_DIR/img
mkdir -p "$img"
tiny_png "$img/dot.png"
printf 'PK\003\004this is a zip, not an image' >"$img/zip.png"
: >"$img/empty.png"
head -c 300000 /dev/urandom >"$img/big.bin"
{ cat "$img/dot.png"; head -c 300000 /dev/zero; } >"$img/big.png"
# IHDR declaring 100000 x 100000: refused before anything decodes it
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\001\206\240\000\001\206\240\010\006\000\000\000\000\000\000\000' >"$img/bomb.png"

# --- uploads ---
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$img/dot.png;filename=../../etc/scan 1.png"
is "$STATUS $(json .status)" "202 queued" "a multipart upload is accepted: 202 queued"
job=$(json .id)
like "$job" '^[0-9a-f-]{36}$' "  with a job id"
is "$(header location)" "/api/ocr/jobs/$job" "  and its URL in Location"
is "$(json .url)" "/api/ocr/jobs/$job" "  and in the body"
is "$(json .filename)" "scan 1.png" "  the name keeps its last component only"
is "$(json .content_type) $(json .size_bytes)" "image/png $(stat -c %s "$img/dot.png")" "  type and size come from the bytes"
is "$(json .sha256)" "$(sha256sum "$img/dot.png" | cut -d' ' -f1)" "  with their sha256"
check "the file waits in spool/new" test -f "$T_DIR/spool/new/$job"
check "  its row follows in the database" wait_for 50 has_row "$job"
is "$(psql_q "select status || ' ' || user_id from ocr.ocr_jobs where id = '$job'")" "queued $uid" "  queued, the user's"
is "$(ls "$T_DIR/spool/tmp" | wc -l)" 0 "  nothing is left in spool/tmp"

http POST "$obase/api/ocr/jobs?filename=raw.png" "${auth[@]}" -H 'Content-Type: image/png' --data-binary "@$img/dot.png"
is "$STATUS $(json .filename)" "202 raw.png" "a raw image body with an image Content-Type is accepted"
raw=$(json .id)
http POST "$obase/api/ocr/jobs" "${auth[@]}" -H 'Content-Type: image/jpeg' --data-binary "@$img/dot.png"
is "$STATUS $(json .content_type)" "202 image/png" "a declared type that lies is overruled by the bytes"

http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$img/zip.png"
is "$STATUS $(json .error.code)" "415 unsupported_media_type" "a ZIP named .png: 415"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -H 'Content-Type: application/zip' --data-binary "@$img/zip.png"
is "$STATUS $(json .error.code)" "415 unsupported_media_type" "a raw body without an image type: 415"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$img/empty.png"
is "$STATUS $(json .error.code)" "400 empty_file" "an empty file: 400"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "other=@$img/dot.png"
is "$STATUS" 400 "a form without a file field: 400"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -H 'Content-Type: multipart/form-data; boundary=xyz' \
	--data-binary $'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG'
is "$STATUS" 400 "a multipart body cut short: 400"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$img/big.png"
is "$STATUS $(json .error.code)" "413 payload_too_large" "a file over max_upload: 413"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -H 'Content-Type: image/png' --data-binary "@$img/big.bin" \
	-H 'Expect:' --max-time 5
is "$STATUS" 413 "a raw body over the limit: 413"
out=$(curl -s -o /dev/null -w '%{http_code} %{size_upload}' "${auth[@]}" -H 'Content-Type: image/png' \
	-H 'Content-Length: 104857600' --data-binary "@$img/dot.png" --max-time 5 "$obase/api/ocr/jobs")
like "$out" '^413 ' "100 MB announced: 413 before the body is read"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$img/bomb.png"
is "$STATUS $(json .error.code)" "422 image_too_large" "an image declaring 10^10 pixels: 422, not decoded"
http POST "$obase/api/ocr/jobs" -F "file=@$img/dot.png"
is "$STATUS $(header www-authenticate | cut -c1-6)" "401 Bearer" "no token: 401"
is "$(ls "$T_DIR/spool/new" | wc -l)" 3 "only the three accepted uploads reached spool/new"
is "$(ls "$T_DIR/spool/tmp" | wc -l)" 0 "and nothing half-written is left in spool/tmp"

data=${QUILL_TEST_DATA:-$QUILL_SRC/../shared/data}
if [ -d "$data/bad" ]; then
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$data/bad/empty.png"
	is "$STATUS" 400 "shared bad/empty.png: 400"
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$data/bad/zip_renamed.png"
	is "$STATUS" 415 "shared bad/zip_renamed.png: 415"
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$data/bad/bomb_header.png"
	is "$STATUS" 422 "shared bad/bomb_header.png: 422"
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$data/bad/truncated.png"
	is "$STATUS" 202 "shared bad/truncated.png: accepted (its header is whole; the worker fails it)"
	wait_for 50 has_row "$(json .id)"
	psql_q "delete from ocr.ocr_jobs where id = '$(json .id)'" >/dev/null
	rm -f "$T_DIR/spool/new/$(json .id)"
else
	diag "skipping the shared bad files: $data/bad is absent"
fi

# --- Idempotency-Key ---
http POST "$obase/api/ocr/jobs" "${auth[@]}" -H 'Idempotency-Key: inv-2026-0001' -F "file=@$img/dot.png"
is "$STATUS" 202 "a keyed upload: 202"
keyed=$(json .id)
http POST "$obase/api/ocr/jobs" "${auth[@]}" -H 'Idempotency-Key: inv-2026-0001' -F "file=@$img/dot.png"
is "$STATUS $(json .id) $(header idempotent-replayed)" "200 $keyed true" "the same key again: the same job, 200"
{ cat "$img/dot.png"; printf 'x'; } >"$img/dot2.png"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -H 'Idempotency-Key: inv-2026-0001' -F "file=@$img/dot2.png"
is "$STATUS $(json .error.code)" "409 idempotency_key_reused" "the same key with another file: 409"
http POST "$obase/api/ocr/jobs" -H "Authorization: Bearer $other" -H 'Idempotency-Key: inv-2026-0001' -F "file=@$img/dot.png"
is "$STATUS" 202 "another user's same key is another job"
[ "$(json .id)" != "$keyed" ] && ok "  with another id" || not_ok "  with another id"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -H "Idempotency-Key: $(printf 'a\001b')" -F "file=@$img/dot.png"
is "$STATUS" 400 "a key with a control byte: 400"
check "four jobs of the user have rows" wait_for 50 sh -c \
	"[ \"\$(psql -X -q -At 'host=$QUILL_TEST_PG_HOST dbname=quill user=quill' -c \"select count(*) from ocr.ocr_jobs where user_id = '$uid'\")\" = 4 ]"

# --- reading jobs, and another user's ---
http GET "$obase/api/ocr/jobs/$job" "${auth[@]}"
is "$STATUS $(json .id) $(json .status)" "200 $job queued" "the owner gets the job"
http GET "$obase/api/ocr/jobs/$job" -H "Authorization: Bearer $other"
is "$STATUS $(json .error.code)" "404 not_found" "another user gets 404"
http DELETE "$obase/api/ocr/jobs/$job" -H "Authorization: Bearer $other"
is "$STATUS" 404 "  and cannot delete it"
http GET "$obase/api/ocr/jobs/$job/text" -H "Authorization: Bearer $other"
is "$STATUS" 404 "  nor read its text"
http GET "$obase/api/ocr/jobs/not-a-uuid" "${auth[@]}"
is "$STATUS" 404 "a malformed id: 404"
http GET "$obase/api/ocr/jobs/$job/text" "${auth[@]}"
is "$STATUS $(json .error.code)" "409 job_not_done" "text before the job is done: 409"

http GET "$obase/api/ocr/jobs?limit=2" "${auth[@]}"
is "$STATUS $(json '.items | length')" "200 2" "a list page of 2"
cursor=$(json .next_cursor)
http GET "$obase/api/ocr/jobs?limit=2&cursor=$cursor" "${auth[@]}"
is "$(json '.items | length') $(json .next_cursor)" "2 null" "the next page holds the rest"
http GET "$obase/api/ocr/jobs?limit=10" -H "Authorization: Bearer $other"
is "$(json '.items | length')" 1 "another user lists only their own"
psql_q "update ocr.ocr_jobs set status = 'done', text = 'INVOICE 42', hocr = '<div class=\"ocr_page\"/>', page_count = 1, mean_confidence = 91.5, finished_at = now() where id = '$raw'" >/dev/null
http GET "$obase/api/ocr/jobs?status=done" "${auth[@]}"
is "$(json '[.items[].id] | join(",")')" "$raw" "the status filter"
http GET "$obase/api/ocr/jobs?status=bogus" "${auth[@]}"
is "$STATUS" 400 "an unknown status: 400"
http GET "$obase/api/ocr/jobs?cursor=garbage" "${auth[@]}"
is "$STATUS" 400 "a cursor the list never gave: 400"
http GET "$obase/api/ocr/jobs/$raw/text" "${auth[@]}"
is "$STATUS $BODY" "200 INVOICE 42" "a done job's text"
like "$(header content-type)" '^text/plain' "  as text/plain"
http GET "$obase/api/ocr/jobs/$raw/hocr" "${auth[@]}"
is "$STATUS $(header content-type | cut -d';' -f1)" "200 application/xhtml+xml" "its hOCR"
http GET "$obase/api/ocr/jobs/$raw" "${auth[@]}"
is "$(json .status) $(json .page_count) $(json .mean_confidence)" "done 1 91.5" "the job shows its result"

# --- the event stream ---
curl -sN --max-time 10 "${auth[@]}" "$obase/api/ocr/jobs/$job/events" >"$T_DIR/events" 2>/dev/null &
ev=$!
check "the stream sends the job at once" wait_for 30 grep -q '"status":"queued"' "$T_DIR/events"
psql_q "update ocr.ocr_jobs set status = 'processing', attempts = 1 where id = '$job'" >/dev/null
check "  then the change to processing" wait_for 30 grep -q '"status":"processing"' "$T_DIR/events"
psql_q "update ocr.ocr_jobs set status = 'failed', error = 'cannot decode' where id = '$job'" >/dev/null
check "  then failed, and the stream ends" wait_gone "$ev" 50
is "$(grep -c '^event: status' "$T_DIR/events")" 3 "  three events in all"
http GET "$obase/api/ocr/jobs/$job/events" -H "Authorization: Bearer $other"
is "$STATUS" 404 "another user's stream: 404"

# --- delete ---
http DELETE "$obase/api/ocr/jobs/$keyed" "${auth[@]}"
is "$STATUS" 204 "delete: 204"
check "  the spool file is gone" test ! -e "$T_DIR/spool/new/$keyed"
is "$(psql_q "select count(*) from ocr.ocr_jobs where id = '$keyed'")" 0 "  and the row"
http GET "$obase/api/ocr/jobs/$keyed" "${auth[@]}"
is "$STATUS" 404 "  then GET is a 404"

# --- PostgreSQL away: the upload is still accepted, the job readable ---
start_daemon quill-ocrd "$T_DIR/nodb.conf"
check "a quill-ocrd without its database is up" wait_for 50 curl -fs -o /dev/null "http://127.0.0.1:$dport/healthz"
check "  and checks tokens" wait_for 50 sh -c "curl -s 'http://127.0.0.1:$dport/api/ocr/jobs' | grep -q missing_token"
http POST "http://127.0.0.1:$dport/api/ocr/jobs" "${auth[@]}" -F "file=@$img/dot.png;filename=while-down.png"
is "$STATUS $(json .status)" "202 queued" "with the database away an upload is still 202"
away=$(json .id)
check "  its file is in spool/new" test -f "$T_DIR/spool/new/$away"
is "$(psql_q "select count(*) from ocr.ocr_jobs where id = '$away'")" 0 "  with no row yet"
http GET "http://127.0.0.1:$dport/api/ocr/jobs/$away" "${auth[@]}"
is "$STATUS $(json .status) $(json .filename)" "200 queued while-down.png" "  and it is readable from the spool"
http GET "$obase/api/ocr/jobs/$away" -H "Authorization: Bearer $other"
is "$STATUS" 404 "  but not by another user"
http GET "http://127.0.0.1:$dport/api/ocr/jobs" "${auth[@]}"
is "$STATUS $(json .error.code)" "503 database_unavailable" "a list without the database: 503"
http POST "http://127.0.0.1:$dport/api/ocr/jobs" "${auth[@]}" -H 'Idempotency-Key: while-down' -F "file=@$img/dot.png"
first=$(json .id)
http POST "http://127.0.0.1:$dport/api/ocr/jobs" "${auth[@]}" -H 'Idempotency-Key: while-down' -F "file=@$img/dot.png"
is "$STATUS $(json .id)" "200 $first" "a repeated key without the database names the same job"

# --- a body buffer directory the workers cannot write is refused at start ---
mkdir -p "$T_DIR/run3"
[ "$(id -u)" = 0 ] && chown quill: "$T_DIR/run3"
sed -e "s|^body_buffer_dir = .*|body_buffer_dir = /proc|" -e "s|^run_dir = .*|run_dir = $T_DIR/run3|" \
    -e "s|^listen = 127.0.0.1:$oport|listen = 127.0.0.1:$(free_port)|" \
    "$conf" >"$T_DIR/nobuf.conf"
out=$(timeout 10 "$(program quill-ocrd)" -c "$T_DIR/nobuf.conf" 2>&1)
is "$?" 1 "an unwritable body_buffer_dir stops quill-ocrd at start"
like "$out" "body_buffer_dir_not_writable dir=/proc" "  saying which"

t_end
