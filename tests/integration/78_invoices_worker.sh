# The invoice the worker makes: an upload through quill-ocrd, tesseract
# and lib/extract becomes a job done and, in the same statement, one
# invoice whose job names it, with the uploaded file as its original; the
# file coming back after a crash writes nothing more; `quillctl jobs
# requeue` extracts again into the same invoice, keeping what its owner
# corrected; the invoice outlives its job; and an invoice the table
# refuses leaves the job done without one.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

data=${QUILL_TEST_DATA:-$QUILL_SRC/../shared/data}
page=$data/invoices-synthetic/syn_0001.png
real=yes
if [ ! -f "$page" ]; then
	diag "$page is absent: a blank page instead, whose invoice has no fields"
	real=no
	page=$T_DIR/blank.png
	tiny_png "$page"
fi
name=$(basename "$page")
ocr_stack "workers = 1
[ocr_worker]
workers = 1
rescan_interval = 1s
retry_backoff = 1s
"
ctl() { "$(program quillctl)" -c "$conf" "$@"; }
new_user "worker.$$x$RANDOM@example.org"
log=$T_DIR/log/quill-ocr-worker.log
job_status() { psql_q "select status from ocr.ocr_jobs where id = '$1'"; }
job_is() { [ "$(job_status "$1")" = "$2" ]; }
# done_times JOB: how many times the worker logged the job done
done_times() { grep -c "event=job_done job=$1 " "$log"; }
done_count_is() { [ "$(done_times "$1")" = "$2" ]; }

start_daemon quill-ocr-worker "$conf"
check "quill-ocr-worker runs" wait_for 100 workers_are "$DAEMON_PID" 1

# --- an upload becomes a job done with its invoice ---
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$page"
job=$(json .id)
check "the upload is done" wait_for 600 job_is "$job" done
http GET "$obase/api/ocr/jobs/$job" "${auth[@]}"
inv=$(json .invoice_id)
like "$inv" '^[0-9a-f-]{36}$' "the done job's JSON names its invoice"
like "$(grep "event=job_done job=$job " "$log")" 'invoice=yes' "  the worker says it wrote one"
http GET "$obase/api/invoices/$inv" "${auth[@]}"
is "$STATUS $(json .job_id) $(json .source)" "200 $job ocr" "the invoice: from the job, source ocr"
diag "extracted: $(json '.extracted | tojson' | cut -c1-300)"
[ "$real" = no ] ||
	check "  with the fields it found in extracted ($(json '.extracted | length'))" test "$(json '.extracted | length')" -ge 3
is "$(json '[.total, .invoice_number, .currency] | tojson')" "$(json '[.extracted.total, .extracted.invoice_number, .extracted.currency] | tojson')" \
	"  its values are the extracted ones"
is "$(json '.corrected | length')" 0 "  nothing corrected yet"
is "$(psql_q "select count(*) from ocr.invoices where job_id = '$job'")" 1 "one invoice for the job"
curl -s -D "$T_DIR/orig.h" -o "$T_DIR/orig.bin" "${auth[@]}" "$obase/api/invoices/$inv/original"
HEADERS=$T_DIR/orig.h
check "its original is the uploaded file, byte for byte" cmp -s "$page" "$T_DIR/orig.bin"
is "$(header content-type) $(header content-disposition)" \
	"image/png inline; filename=\"$name\"; filename*=UTF-8''$name" "  as image/png, under its name"
first=$BODY

# --- the file back in new/ after a crash: the job is done, nothing more is written ---
updated=$(psql_q "select updated_at from ocr.invoices where id = '$inv'")
check "the job's file is kept in done/" test -f "$spool/done/$job"
# a copy as the worker's own (the tests may run as root): it then moves the original back
cp -p "$spool/done/$job" "$spool/$job.copy"
mv "$spool/$job.copy" "$spool/new/$job"
check "the file come back is seen as finished" wait_for 100 grep -q "event=job_already_finished job=$job" "$log"
is "$(psql_q "select count(*) || ' ' || (updated_at = '$updated') from ocr.invoices where job_id = '$job' group by updated_at")" "1 true" \
	"  the invoice is neither made again nor touched"

# --- corrections, then the job read again ---
http PATCH "$obase/api/invoices/$inv" "${auth[@]}" -H 'Content-Type: application/json' \
	--data-binary '{"total":"1.00","seller_name":"Corrected Seller Ltd"}'
is "$STATUS $(json '.corrected | join(",")')" "200 seller_name,total" "the owner corrects seller_name and total"
extracted=$(json '.extracted | tojson')
# what the next extraction must put back: a field changed behind the API's back, not corrected
psql_q "update ocr.invoices set invoice_number = 'tampered', extracted = '{}' where id = '$inv'" >/dev/null
out=$(ctl jobs requeue "$job" 2>&1)
like "$out" "^requeued $job \\(was done\\)" "quillctl jobs requeue: $out"
check "the job is done again" wait_for 600 done_count_is "$job" 2
check "  and finished" wait_for 50 job_is "$job" done
http GET "$obase/api/invoices/$inv" "${auth[@]}"
is "$STATUS $(json .id)" "200 $inv" "the same invoice, by the same id"
is "$(psql_q "select count(*) from ocr.invoices where job_id = '$job'")" 1 "  still one for the job"
is "$(json .total) / $(json .seller_name)" "1.00 / Corrected Seller Ltd" "  the corrected fields are kept"
is "$(json '.corrected | join(",")') $(json .confidence.total) $(json .confidence.seller_name)" "seller_name,total 1 1" \
	"  still corrected, with confidence 1"
is "$(json '.extracted | tojson')" "$extracted" "  extracted again, as the first time"
is "$(json '.invoice_number | tojson')" "$(json '.extracted.invoice_number | tojson')" \
	"  a field not corrected is the new extraction's"
http GET "$obase/api/ocr/jobs/$job" "${auth[@]}"
is "$(json .invoice_id)" "$inv" "the job still names it"

# --- the invoice outlives its job ---
http DELETE "$obase/api/ocr/jobs/$job" "${auth[@]}"
is "$STATUS" 204 "the job is deleted"
http GET "$obase/api/invoices/$inv" "${auth[@]}"
is "$STATUS $(json .job_id)" "200 null" "  its invoice stays, with no job"
curl -s -o "$T_DIR/orig2.bin" "${auth[@]}" "$obase/api/invoices/$inv/original"
check "  and its original" cmp -s "$page" "$T_DIR/orig2.bin"

# --- an invoice the table refuses costs the job its invoice, not the job ---
psql_q "alter table ocr.invoices add constraint test_refused check (source <> 'ocr') not valid" >/dev/null
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$page;filename=again.png"
again=$(json .id)
check "an upload whose invoice the table refuses is done" wait_for 600 job_is "$again" done
like "$(grep "event=invoice_refused job=$again " "$log")" 'test_refused' "  the worker logs why"
is "$(psql_q "select count(*) from ocr.invoices where job_id = '$again'")" 0 "  and it has no invoice"
http GET "$obase/api/ocr/jobs/$again/text" "${auth[@]}"
if [ "$real" = yes ]; then like "$STATUS $BODY" '^200 .*Northwind' "  but its text is there"; else is "$STATUS" 200 "  but its text is there"; fi
psql_q "alter table ocr.invoices drop constraint test_refused" >/dev/null

t_end
