# The drop-in directory against the people who write to it (issue 19,
# defect 3).  Two unprivileged accounts of the drop-in group, each given
# its own incoming/<name>/ by `quillctl dropin allow`: neither can read
# the spool's other directories or the logs, neither can file a job as
# someone else, and what they can do to a file once the worker has
# claimed it (truncate it, swap it), or drop instead of a file (a FIFO, a
# symbolic link, a sparse file larger than [ocr] max_upload), is refused
# with the worker alive and the next good file done.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"

if [ "$(id -u)" != 0 ] || ! id quill >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root and the quill account (to make drop-in users)"
	exit 0
fi
getent group quill-dropin >/dev/null || groupadd --system quill-dropin
ua=qda$$
ub=qdb$$
for u in "$ua" "$ub"; do
	useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin -N -g quill-dropin "$u"
done
remove_users() { userdel "$ua" 2>/dev/null; userdel "$ub" 2>/dev/null; }
t_begin
trap 't_cleanup; remove_users' EXIT

as() { local who=$1; shift; setpriv --reuid="$who" --regid=quill-dropin --init-groups "$@"; }

ocr_stack "workers = 1
max_upload = 4m
[ocr_worker]
workers = 1
rescan_interval = 1s
dropin_settle = 1s
"
log=$T_DIR/log/quill-ocr-worker.log
api POST /api/auth/register "{\"email\":\"a.$ua@example.org\",\"password\":\"marble-orchard-7734\"}"
aid=$(json .id)
new_user "b.$ub@example.org"
bid=$uid
tiny_png "$T_DIR/dot.png"
chmod 644 "$T_DIR/dot.png"
job_of() { psql_q "select status from ocr.ocr_jobs where user_id = '$1' and filename = '$2'"; }
job_is() { [ "$(job_of "$1" "$2")" = "$3" ]; }

check "quillctl dropin allow gives a unix account its own directory" \
	"$(program quillctl)" -c "$conf" dropin allow "a.$ua@example.org" "$ua"
check "  and another" "$(program quillctl)" -c "$conf" dropin allow "$bid" "$ub"
is "$(stat -c '%U %a' "$spool/incoming/$ua")" "$ua 2770" "  incoming/$ua/ is theirs"
check "an unknown unix account is refused" sh -c "! '$(program quillctl)' -c '$conf' dropin allow '$aid' no-such-user-$$ 2>/dev/null"

# B's job waits in new/ (no worker yet), its log exists
http POST "$obase/api/ocr/jobs" "${auth[@]}" -F "file=@$T_DIR/dot.png"
bjob=$(json .id)
is "$STATUS" 202 "B uploads a page"
check "  it waits in new/" test -f "$spool/new/$bjob"

# --- what a drop-in user can and cannot see ---
check "a drop-in user can write into incoming/" as "$ua" sh -c "cp '$T_DIR/dot.png' '$spool/incoming/$ua/first.png'"
check "  but cannot list incoming/" sh -c "! as $ua ls '$spool/incoming' 2>/dev/null"
for d in tmp new cur done failed; do
	check "  cannot list $d/" sh -c "! setpriv --reuid=$ua --regid=quill-dropin --init-groups ls '$spool/$d' >/dev/null 2>&1"
done
check "  cannot read another user's waiting job" \
	sh -c "! setpriv --reuid=$ua --regid=quill-dropin --init-groups cat '$spool/new/$bjob' >/dev/null 2>&1"
check "  cannot look into another drop-in user's directory" \
	sh -c "! setpriv --reuid=$ua --regid=quill-dropin --init-groups ls '$spool/incoming/$ub' >/dev/null 2>&1"

start_daemon quill-ocr-worker "$conf"
worker=$DAEMON_PID
check "quill-ocr-worker runs 1 worker" wait_for 100 workers_are "$worker" 1
pids=$(worker_pids "$worker")
check "A's dropped file becomes A's job" wait_for 150 job_is "$aid" first.png done
check "B's upload is done" wait_for 150 sh -c "test -f '$spool/done/$bjob'"
check "  a drop-in user cannot read it in done/" \
	sh -c "! setpriv --reuid=$ua --regid=quill-dropin --init-groups cat '$spool/done/$bjob' >/dev/null 2>&1"
check "  nor the worker's log" \
	sh -c "! setpriv --reuid=$ua --regid=quill-dropin --init-groups cat '$log' >/dev/null 2>&1"

# --- filing a job as someone else ---
as "$ua" mkdir "$spool/incoming/$bid" "$spool/incoming/b.$ub@example.org" 2>/dev/null
as "$ua" sh -c "cp '$T_DIR/dot.png' '$spool/incoming/$bid/as-b-by-id.png'; cp '$T_DIR/dot.png' '$spool/incoming/b.$ub@example.org/as-b-by-mail.png'"
check "a directory a drop-in user names after another account is refused with a reason" \
	wait_for 150 sh -c "grep -q 'event=dropin_refused.*as-b-by-id.png.*reason=' '$log' && grep -q 'event=dropin_refused.*as-b-by-mail.png.*reason=' '$log'"
is "$(psql_q "select count(*) from ocr.ocr_jobs where filename like 'as-b-%'")" 0 "  no job is made of them"
# what the worker can neither take nor remove (the user's directory is not
# writable by it) is said once, and not looked at again and again
as "$ua" mkfifo "$spool/incoming/$bid/as-b-pipe.png"
check "  a FIFO there is refused too" wait_for 50 grep -q 'event=dropin_refused.*as-b-pipe.png.*left unread' "$log"
cpu() { awk '{ print $14 + $15 }' "/proc/$(worker_pids "$worker" | head -n 1)/stat"; }
before=$(cpu)
sleep 3
is "$(grep -c 'event=dropin_refused.*as-b-by-id.png' "$log")" 1 "  said once, not at every rescan"
check "  and the worker does not spin on them ($(($(cpu) - before)) ticks in 3 s)" test $(($(cpu) - before)) -lt 60
as "$ua" mv "$spool/incoming/$ua" "$spool/incoming/$ub.x"
as "$ua" cp "$T_DIR/dot.png" "$spool/incoming/$ub.x/renamed.png"
check "renaming one's own directory does not change whose jobs it makes" \
	wait_for 150 sh -c "grep -q 'event=dropin_refused.*renamed.png' '$log'"
is "$(psql_q "select count(*) from ocr.ocr_jobs where filename = 'renamed.png'")" 0 "  no job is made of it"
as "$ua" mv "$spool/incoming/$ub.x" "$spool/incoming/$ua"

# --- what a drop-in user can do to or instead of a file ---
# truncated while the worker holds it: a big file, cut to nothing the
# moment its claimed name appears
head -c 3000000 /dev/urandom >"$T_DIR/big.png"
chmod 644 "$T_DIR/big.png"
as "$ua" cp "$T_DIR/big.png" "$spool/incoming/$ua/.big.png"
as "$ua" mv "$spool/incoming/$ua/.big.png" "$spool/incoming/$ua/big.png"
as "$ua" perl -e '
	my ($dir, $deadline) = ($ARGV[0], time + 30);
	while (time < $deadline) {
		opendir(my $d, $dir) or die; my @c = grep { /^\.big\.png\.quill-/ } readdir($d); closedir($d);
		if (@c) { truncate("$dir/$c[0]", 0) and exit 0; }
	}
	exit 1;' "$spool/incoming/$ua" && diag "truncated big.png after its claim"
as "$ua" mkfifo "$spool/incoming/$ua/pipe.png"
as "$ua" mkfifo "$spool/incoming/pipe-at-top.png"
as "$ua" ln -s "$spool/done/$bjob" "$spool/incoming/$ua/link.png"
as "$ua" truncate -s 2G "$spool/incoming/$ua/sparse.png"
check "a FIFO is refused with a reason" wait_for 150 grep -q 'event=dropin_refused.*pipe.png.*not a regular file' "$log"
check "  at the top of incoming/ too" wait_for 50 grep -q 'event=dropin_refused.*pipe-at-top.png' "$log"
check "a symbolic link is refused with a reason" wait_for 50 grep -q 'event=dropin_refused.*link.png.*not a regular file' "$log"
check "a file over max_upload is refused unread" wait_for 50 grep -q 'event=dropin_refused.*sparse.png.*max_upload' "$log"
is "$(ls -A "$spool/incoming/$ua")" "" "  incoming/$ua/ is empty after them"
is "$(psql_q "select count(*) from ocr.ocr_jobs where filename in ('sparse.png', 'link.png', 'pipe.png')")" 0 "  no job is made of them"
as "$ua" cp "$T_DIR/dot.png" "$spool/incoming/$ua/after.png"
check "a good file after them is done" wait_for 150 job_is "$aid" after.png done
is "$(worker_pids "$worker")" "$pids" "the worker is the same process as before them"
check "  and never died" sh -c "! grep -q 'event=worker_died' '$log'"

t_end
