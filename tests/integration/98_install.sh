# make install into a DESTDIR: the tree it makes (programs, configuration,
# data, the spool, state and log directories with their modes and owner),
# a second install that keeps the operator's quill.conf, then the installed
# daemons, started by the installed SysV init scripts, run from that tree
# against the private PostgreSQL: register, log in, upload through the
# installed gateway, and the job is done.  The scripts report status,
# reload and stop them; the installed logrotate snippet rotates their log
# files.  make uninstall leaves no file behind.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

stage=$T_DIR/stage
make_in_build() { make -s -C "$QUILL_BUILD" "$@" DESTDIR="$stage" >>"$T_DIR/make.log" 2>&1; }
# dir NAME: an installation directory as configure set it.
dir() {
	printf 'print:\n\t@echo $(%s)\n' "$1" | make -s -C "$QUILL_BUILD" -f Makefile -f - print
}
sbindir=$(dir sbindir)
sysconfdir=$(dir sysconfdir)
datadir=$(dir datadir)
spooldir=$(dir spooldir)
statedir=$(dir statedir)
rundir=$(dir quillrundir)
mandir=$(dir mandir)
unitdir=$(dir systemdunitdir)
initddir=$(dir initddir)
logrotatedir=$(dir logrotatedir)
logdir=$(dir logdir)
owner=$(dir QUILL_USER)
check "make install DESTDIR=... succeeds" make_in_build install
if [ "$T_FAILED" != 0 ]; then
	tail -n 30 "$T_DIR/make.log" | sed 's/^/# /'
	t_end
fi

# --- the tree ---
for p in quill-gatewayd quill-authd quill-chatd quill-ocrd quill-ocr-worker quillctl; do
	is "$(stat -c %a "$stage$sbindir/$p" 2>/dev/null)" 755 "$sbindir/$p, mode 755"
done
is "$(stat -c %a "$stage$sysconfdir/quill.conf")" 644 "$sysconfdir/quill.conf, mode 644"
check "  the shipped configuration, with this build's paths" \
	cmp -s "$QUILL_BUILD/etc/quill.conf.installed" "$stage$sysconfdir/quill.conf"
check "  which is etc/quill.conf with the paths configure chose" sh -c \
	"diff '$QUILL_SRC/etc/quill.conf' '$stage$sysconfdir/quill.conf' | grep '^[<>]' | grep -v '^[<>] #[a-z_]* = /' | wc -l | grep -qx 0"
for d in quill-authd quill-chatd quill-ocrd quill-ocr-worker quill-gatewayd; do
	is "$(stat -c %a "$stage$initddir/$d" 2>/dev/null)" 755 "$initddir/$d, mode 755"
done
tmpfilesdir=$(dir tmpfilesdir)
check "$tmpfilesdir/quill.conf makes $rundir at boot" grep -q "^d $rundir 0755 $owner $owner -$" "$stage$tmpfilesdir/quill.conf"
check "$logrotatedir/quill rotates $logdir" grep -q "^$logdir/\*.log {" "$stage$logrotatedir/quill"
for f in quill/openapi.json quill/vader_lexicon.txt quill/sql/auth/001_init.sql quill/sql/chat/001_init.sql \
	quill/sql/ocr/001_init.sql; do
	check "$datadir/$f" test -s "$stage$datadir/$f"
done
check "$mandir/man5/quill.conf.5" cmp -s "$QUILL_BUILD/doc/man/quill.conf.5" "$stage$mandir/man5/quill.conf.5"
is "$(ls "$stage$datadir/quill/sql/"*/*.sql | wc -l)" "$(ls "$QUILL_SRC"/sql/*/*.sql | wc -l)" "every migration"
while read -r mode path; do
	is "$(stat -c %a "$stage$path")" "$mode" "$path, mode $mode"
	if [ "$(id -u)" = 0 ] && id "$owner" >/dev/null 2>&1; then
		is "$(stat -c %U "$stage$path")" "$owner" "  owned by $owner"
	fi
done <<DIRS
710 $spooldir
750 $spooldir/tmp
750 $spooldir/new
750 $spooldir/cur
750 $spooldir/done
750 $spooldir/failed
1730 $spooldir/incoming
750 $statedir
700 $statedir/keys
755 $rundir
750 $logdir
DIRS

# --- the systemd units: one per daemon and quill.target, as systemd reads them ---
daemons=(quill-authd quill-chatd quill-ocrd quill-ocr-worker quill-gatewayd)
for d in "${daemons[@]}"; do
	check "$unitdir/$d.service" grep -q "^ExecStart=$sbindir/$d -c $sysconfdir/quill.conf$" "$stage$unitdir/$d.service"
	check "  runs as $owner, hardened" sh -c "grep -q '^User=$owner$' '$stage$unitdir/$d.service' &&
		grep -q '^NoNewPrivileges=yes$' '$stage$unitdir/$d.service' &&
		grep -q '^ProtectSystem=strict$' '$stage$unitdir/$d.service' &&
		grep -q '^ReadWritePaths=$spooldir $statedir $rundir $logdir$' '$stage$unitdir/$d.service' &&
		grep -q '^SystemCallFilter=@system-service$' '$stage$unitdir/$d.service'"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify checks that each program exists: the units are read with the
	# programs' paths inside the DESTDIR tree
	mkdir -p "$T_DIR/units"
	for f in "$stage$unitdir"/*; do
		sed "s|$sbindir/|$stage$sbindir/|g" "$f" >"$T_DIR/units/${f##*/}"
	done
	SYSTEMD_UNIT_PATH=$T_DIR/units: systemd-analyze verify --man=no "$T_DIR"/units/*.service \
		"$T_DIR/units/quill.target" >"$T_DIR/verify.out" 2>&1
	is "$?:$(cat "$T_DIR/verify.out")" "0:" "systemd-analyze verify accepts the units and quill.target"
else
	echo "ok - # SKIP systemd-analyze is not installed"
fi

# --- a second install keeps the operator's configuration ---
echo "# the operator's line" >>"$stage$sysconfdir/quill.conf"
check "make install again succeeds" make_in_build install
check "  the operator's quill.conf is kept" grep -q "the operator's line" "$stage$sysconfdir/quill.conf"
check "  the new default goes beside it as quill.conf.dist" \
	cmp -s "$QUILL_BUILD/etc/quill.conf.installed" "$stage$sysconfdir/quill.conf.dist"

# --- the installed daemons, from the tree ---
aport=$(free_port)
cport=$(free_port)
oport=$(free_port)
gport=$(free_port)
conf=$T_DIR/installed.conf
write_config "$T_DIR/base.conf" "$(auth_config "$aport")
[chat]
listen = 127.0.0.1:$cport
workers = 1
[ocr]
listen = 127.0.0.1:$oport
workers = 1
[ocr_worker]
workers = 1
rescan_interval = 1s
[gateway]
listen = 127.0.0.1:$gport
workers = 1
openapi_file = $stage$datadir/quill/openapi.json
docs_dir = $stage$datadir/quill/docs
[sentiment]
lexicon = $stage$datadir/quill/vader_lexicon.txt
$(api_routes "$aport" "$oport")
"
sed -e "s|^run_dir = .*|run_dir = $stage$rundir|" -e "s|^spool_dir = .*|spool_dir = $stage$spooldir|" \
	-e "s|^keys_dir = .*|keys_dir = $stage$statedir/keys|" \
	-e "s|^migrations_dir = .*|migrations_dir = $stage$datadir/quill/sql|" "$T_DIR/base.conf" >"$conf"
printf '[log]\ntarget = file\ndirectory = %s\n' "$stage$logdir" >>"$conf"
migrate_installed() { "$stage$sbindir/quillctl" -c "$conf" migrate >>"$T_DIR/migrate.log" 2>&1; }
check "the installed quillctl migrates" migrate_installed

# The init scripts, pointed at the tree's programs and this configuration.
# Without OMP_THREAD_LIMIT, as at boot: the OCR worker sets it and starts
# itself again, and must still be seen by its own name.
initd() {
	env -u OMP_THREAD_LIMIT QUILL_SBINDIR=$stage$sbindir QUILL_CONF=$conf QUILL_STOP_TIMEOUT=20 \
		"$stage$initddir/$1" "$2" >>"$T_DIR/initd.out" 2>&1
}
master_pid() { cat "$stage$rundir/$1.pid"; }
started=(quill-authd quill-chatd quill-ocrd quill-ocr-worker quill-gatewayd)
# a pid file left by a crash, whose pid is now another program's
mkdir -p "$stage$rundir"
sleep 60 &
stranger=$!
T_PIDS+=("$stranger")
echo "$stranger" >"$stage$rundir/quill-chatd.pid"
is "$(initd quill-chatd status; echo $?)" 1 "a pid file naming another program: status 1, not running"
initd quill-chatd stop
check "  stop leaves that program alone" kill -0 "$stranger"
rm -f "$stage$rundir/quill-chatd.pid"
for d in "${started[@]}"; do
	is "$(initd "$d" status; echo $?)" 3 "$d status: 3 before start"
	check "$d start" initd "$d" start
	T_PIDS+=("$(master_pid "$d")")
	is "$(initd "$d" status; echo $?)" 0 "  status: 0, running"
	check "  its log is the file in the log directory" grep -q "event=started" "$stage$logdir/$d.log"
done
ctl_status() { "$stage$sbindir/quillctl" -c "$conf" status >"$T_DIR/status.out" 2>&1; }
check "quillctl status: every daemon runs and is ready" wait_for 100 ctl_status
sed 's/^/# /' "$T_DIR/status.out"
for d in quill-gatewayd quill-authd quill-chatd quill-ocrd; do
	like "$(grep "^$d " "$T_DIR/status.out")" "^$d +$(master_pid "$d") +1 +ready$" "  $d: its pid, 1 worker, ready"
done
like "$(grep "^quill-ocr-worker " "$T_DIR/status.out")" "^quill-ocr-worker +$(master_pid quill-ocr-worker) +1 +running$" \
	"  quill-ocr-worker: its pid, 1 worker, running"
like "$(tail -n 1 "$T_DIR/status.out")" "^ocr queue: 0 waiting in new/, 0 being read in cur/$" "  and the OCR queue"
check "start again says it runs already" initd quill-authd start
check "  and starts nothing more" grep -q "quill-authd is already running" "$T_DIR/initd.out"
API_BASE=http://127.0.0.1:$gport
check "the installed gateway is ready" wait_for 100 curl -fs -o /dev/null "$API_BASE/readyz"
check "  and authd behind it" wait_for 100 curl -fs -o /dev/null "http://127.0.0.1:$aport/readyz"
pw=copper-meadow-2208
u=i$$x$RANDOM
api POST /api/auth/register "{\"email\":\"install.$u@example.org\",\"password\":\"$pw\"}"
is "$STATUS" 201 "register through the installed gateway"
login "install.$u@example.org" "$pw"
is "$STATUS" 200 "log in"
tiny_png "$T_DIR/dot.png"
check "  the OCR service accepts the token" wait_for 50 sh -c \
	"curl -s -H 'Authorization: Bearer $ACCESS' '$API_BASE/api/ocr/jobs' | grep -q items"
http POST "$API_BASE/api/ocr/jobs" -H "Authorization: Bearer $ACCESS" -F "file=@$T_DIR/dot.png"
is "$STATUS" 202 "upload"
job=$(json .id)
job_done() {
	http GET "$API_BASE/api/ocr/jobs/$job" -H "Authorization: Bearer $ACCESS"
	[ "$(json .status)" = done ]
}
check "  the job is done by the installed worker" wait_for 600 job_done
check "  its file is in the installed spool's done/" test -f "$stage$spooldir/done/$job"

# --- reload, log rotation and stop, by the installed scripts ---
for d in "${started[@]}"; do
	before=$(pgrep -P "$(master_pid "$d")" | sort -n | paste -sd,)
	check "$d reload" initd "$d" reload
	check "  new workers" wait_for 100 sh -c "[ \"\$(pgrep -P $(master_pid "$d") | sort -n | paste -sd,)\" != '$before' ]"
	check "  the master logged the reload" wait_for 50 grep -q "event=reload" "$stage$logdir/$d.log"
done
if command -v logrotate >/dev/null 2>&1; then
	# the new files belong to the account the daemons run as
	keep_owner='s/^$//'
	if [ "$(id -u)" != 0 ] || ! id "$owner" >/dev/null 2>&1; then
		keep_owner="s|^\\([[:space:]]*create [0-7]*\\|[[:space:]]*su\\) .*|\\1 $(id -un) $(id -gn)|"
	fi
	sed -e "s|$logdir/|$stage$logdir/|" -e "s|$rundir/|$stage$rundir/|" -e "$keep_owner" \
		"$stage$logrotatedir/quill" >"$T_DIR/logrotate.conf"
	check "logrotate -f rotates with the installed snippet" \
		logrotate -f -s "$T_DIR/logrotate.state" "$T_DIR/logrotate.conf"
	check "  the gateway's file was moved away" test -s "$stage$logdir/quill-gatewayd.log.1"
	is "$(stat -c %a "$stage$logdir/quill-gatewayd.log.1")" 640 "  it was mode 640"
	marker=/api/ocr/jobs/after-rotation-$$
	http GET "$API_BASE$marker" -H "Authorization: Bearer $ACCESS"
	check "  and a request after it is logged in the new file" wait_for 50 \
		grep -q "path=$marker" "$stage$logdir/quill-gatewayd.log"
	check "  by a worker" grep -q "worker=.*path=$marker" "$stage$logdir/quill-gatewayd.log"
	check "  and not in the old one" sh -c "! grep -q 'path=$marker' '$stage$logdir/quill-gatewayd.log.1'"
else
	echo "ok - # SKIP logrotate is not installed"
fi
for d in quill-gatewayd quill-ocr-worker quill-ocrd quill-chatd quill-authd; do
	pid=$(master_pid "$d")
	check "$d stop" initd "$d" stop
	check "  the master is gone" wait_gone "$pid" 10
	is "$(initd "$d" status; echo $?)" 3 "  status: 3, not running"
done
check "stop when stopped succeeds" initd quill-authd stop
ctl_status
is "$?" 1 "quillctl status exits 1 when the daemons are stopped"
like "$(grep "^quill-authd " "$T_DIR/status.out")" "^quill-authd +- +- +not running$" "  and says so"
t_cleanup
rm -f "$stage$logdir"/*

# --- make uninstall ---
# what the run made is the operator's to remove: jobs, keys
rm -rf "${stage:?}$spooldir/done" "${stage:?}$statedir/keys"/*
check "make uninstall succeeds" make_in_build uninstall
check "  it keeps the operator's changed quill.conf" grep -q "the operator's line" "$stage$sysconfdir/quill.conf"
rm -f "$stage$sysconfdir/quill.conf"
is "$(find "$stage" -type f | sed "s|^$stage||" | paste -sd' ')" "" "  and leaves no other file"
t_end
