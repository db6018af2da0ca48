# quill-ocrd with its spool on a file system that fills up: the upload
# that does not fit is refused with 507 and a JSON error, nothing
# half-written is left in tmp/ or reaches new/, the uploads accepted
# before it are whole, and once there is room again uploads are accepted
# with no restart.  The spool is a small tmpfs, so this needs root; as
# another user it is skipped.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

full=$T_DIR/spool-full
mkdir -p "$full"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=2m,mode=0755 tmpfs "$full" 2>/dev/null; then
	echo "ok - # SKIP the full spool needs a small tmpfs, which only root can mount"
	t_end
fi
unmount_full() { umount "$full" 2>/dev/null || umount -l "$full"; }
trap 't_cleanup; unmount_full' EXIT
id quill >/dev/null 2>&1 && chown quill: "$full"

ocr_config "workers = 2
[http]
body_memory = 64k
body_buffer_dir = $T_DIR/run
"
# quill-ocrd's spool on the 2 MiB file system
sed -i "s|^spool_dir = .*|spool_dir = $full|" "$conf"
spool=$full
ocr_start
u=full$$x$RANDOM
new_user "$u@example.org"
workers_before=$(worker_pids "$ocrd" | tr '\n' ' ')

# A PNG of some 300 KB (a 1x1 image and padding: the bytes say PNG, and no
# worker runs here to read it): six fit in 2 MiB, the seventh cannot.
tiny_png "$T_DIR/dot.png"
{ cat "$T_DIR/dot.png"; head -c 300000 /dev/zero; } >"$T_DIR/page.png"

accepted=0
for _ in $(seq 1 12); do
	http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/page.png"
	[ "$STATUS" = 202 ] || break
	accepted=$((accepted + 1))
done
diag "$accepted uploads accepted before the spool was full"
check "some uploads fit" test "$accepted" -ge 3
is "$STATUS" 507 "the upload that does not fit: 507"
is "$(json .error.code)" insufficient_storage "  with a JSON error"
like "$(json .error.request_id)" '^[0-9a-f]+' "  that names the request"
is "$(find "$full/tmp" -type f | wc -l)" 0 "nothing half-written is left in tmp/"
is "$(find "$full/new" -type f | wc -l)" "$accepted" "new/ holds exactly the accepted uploads"
sizes=$(find "$full/new" -type f -printf '%s\n' | sort -u)
is "$(wc -l <<<"$sizes")" 1 "  each of them whole (all the same size)"
check "  and at least the image's size" test "${sizes:-0}" -ge "$(stat -c %s "$T_DIR/page.png")"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/page.png"
is "$STATUS" 507 "still full: 507 again"

# Room again: the same daemon, the same workers, accept uploads.
mount -o remount,size=8m "$full"
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/page.png"
is "$STATUS $(json .status)" "202 queued" "with room again the next upload is accepted"
is "$(find "$full/new" -type f | wc -l)" "$((accepted + 1))" "  and spooled in new/"
rows() { psql -X -q -At "host=$QUILL_TEST_PG_HOST dbname=quill user=quill" -c "select count(*) from ocr.ocr_jobs j join auth.users u on u.id = j.user_id where u.email = '$u@example.org'"; }
rows_are() { [ "$(rows)" = "$1" ]; }
check "a row for each accepted upload, none for a refused one" wait_for 50 rows_are "$((accepted + 1))"
is "$(worker_pids "$ocrd" | tr '\n' ' ')" "$workers_before" "quill-ocrd's workers are the ones it started with"
check "the full spool was logged" grep -q 'event=spool_full' "$T_DIR/log/quill-ocrd.log"

t_end
