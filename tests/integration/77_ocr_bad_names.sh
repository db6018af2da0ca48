# Names that are not UTF-8, and spool files PostgreSQL refuses, at every
# entry of an OCR job (issue 19, defect 2): an upload whose file name is a
# surrogate, an overlong form, a code point above U+10FFFF, a cut-short
# sequence or holds NUL is refused with 400; a drop-in file with such a
# name becomes a job under a repaired name; a spool file planted in new/
# whose header PostgreSQL refuses (SQLSTATE class 22 or 23) ends in failed/
# with a reason within seconds instead of coming back every retry_backoff.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

ocr_stack "workers = 1
[ocr_worker]
workers = 1
rescan_interval = 1s
retry_backoff = 1s
dropin_settle = 1s
"
quillctl=$(program quillctl)
new_user "names.n$$x$RANDOM@example.org"
tiny_png "$T_DIR/dot.png"
rows_are() { [ "$(psql_q "select count(*) from ocr.ocr_jobs where user_id = '$uid'")" = "$1" ]; }
status_is() { [ "$(psql_q "select status from ocr.ocr_jobs where $1")" = "$2" ]; }

# --- uploads: ?filename= and the multipart filename ---
for name in %ED%A0%80.png %C0%AF.png %E0%80%AF.png %F4%90%80%80.png %F5%80%80%80.png \
	%E2%82.png a%00b.png %FF.png; do
	http POST "$obase/api/ocr/jobs?filename=$name" "${auth[@]}" -H 'Content-Type: image/png' \
		--data-binary "@$T_DIR/dot.png"
	is "$STATUS $(json .error.code)" "400 bad_request" "?filename=$name is refused"
done
body() {
	printf -- '--xyz\r\nContent-Disposition: form-data; name="file"; filename="%b"\r\n' "$1"
	printf 'Content-Type: image/png\r\n\r\n'
	cat "$T_DIR/dot.png"
	printf -- '\r\n--xyz--\r\n'
}
for name in '\xed\xa0\x80.png' '\xc1\xbf.png' '\xf4\x90\x80\x80.png' 'scan\xe2\x82'; do
	body "$name" >"$T_DIR/form"
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -H 'Content-Type: multipart/form-data; boundary=xyz' \
		--data-binary "@$T_DIR/form"
	is "$STATUS $(json .error.code)" "400 bad_request" "a multipart filename \"$name\" is refused"
done
http POST "$obase/api/ocr/jobs?filename=%E2%82%AC%F0%9F%93%84.png" "${auth[@]}" -H 'Content-Type: image/png' \
	--data-binary "@$T_DIR/dot.png"
is "$STATUS $(json .filename)" "202 €📄.png" "a name of valid UTF-8 up to four bytes is kept"
good=$(json .id)
check "  its row is written" wait_for 50 rows_are 1

# --- spool files PostgreSQL refuses, planted as a crafted client of the spool could ---
# plant JOB NAME SOURCE: writes new/JOB, whose header has this file name and source
plant() {
	local size sha
	size=$(stat -c %s "$T_DIR/dot.png")
	sha=$(sha256sum "$T_DIR/dot.png" | cut -d' ' -f1)
	{
		printf 'quill-spool 1\njob %s\nuser %s\ntype png\nsize %s\nsha256 %s\nsource %s\n' \
			"$1" "$uid" "$size" "$sha" "$3"
		printf 'created %s\nfilename %s\n\n' "$now_us" "$2"
		cat "$T_DIR/dot.png"
	} >"$spool/tmp/$1"
	mv "$spool/tmp/$1" "$spool/new/$1"
}
now_us=$(($(date +%s) * 1000000))
badname=$(cat /proc/sys/kernel/random/uuid)
badsource=$(cat /proc/sys/kernel/random/uuid)
plant "$badname" '%ED%A0%80.png' upload
plant "$badsource" 'scan.png' scanner
mkdir -p "$spool/incoming/$uid"
chown quill: "$spool/incoming/$uid" 2>/dev/null || true
cp "$T_DIR/dot.png" "$spool/incoming/$uid/$(printf 'caf\xe9.png')"

start_daemon quill-ocr-worker "$conf"
worker=$DAEMON_PID
check "a planted file whose name is not UTF-8 ends in failed/" \
	wait_for 100 test -f "$spool/failed/$badname"
like "$(cat "$spool/failed/$badname.reason" 2>/dev/null)" "UTF-8|22021" "  with its reason"
check "a planted file whose source breaks a CHECK ends in failed/" \
	wait_for 100 test -f "$spool/failed/$badsource"
like "$(cat "$spool/failed/$badsource.reason" 2>/dev/null)" "23514" "  with its reason"
sleep 3
is "$(find "$spool/new" "$spool/cur" -type f | wc -l)" 0 "  neither comes back to new/"
"$quillctl" -c "$conf" jobs show "$badsource" >"$T_DIR/show" 2>&1
like "$(cat "$T_DIR/show")" "failed/$badsource" "  quillctl jobs show finds it in failed/, with no row"
like "$(cat "$T_DIR/show")" "23514" "  with its reason"
like "$("$quillctl" -c "$conf" spool status)" "failed +2" "  quillctl spool status counts both"

check "a drop-in file whose name is not UTF-8 becomes a job" \
	wait_for 150 status_is "user_id = '$uid' and source = 'dropin'" done
is "$(psql_q "select filename from ocr.ocr_jobs where user_id = '$uid' and source = 'dropin'")" "caf�.png" \
	"  under its name with U+FFFD for the byte that is not UTF-8"
check "the good upload is done too" wait_for 150 status_is "id = '$good'" done
check "the worker is alive" kill -0 "$worker"

t_end
