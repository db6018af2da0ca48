# rc/quickstart itself: all five daemons up on 8000-8003 with its private
# PostgreSQL under var/, a second run reusing var/, and Ctrl-C (SIGINT to its
# process group) leaving no quill or postgres process behind.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

for p in 8000 8001 8002 8003; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "ok - # SKIP port $p is in use on this machine"
		t_end
	fi
done

# run_quickstart: starts it in its own session (process group) like a terminal would.
run_quickstart() {
	setsid "$QUILL_SRC/rc/quickstart" >"$T_DIR/quickstart.out" 2>&1 &
	QS=$!
	T_PIDS+=("$QS")
}

declare -A stamp
for round in first second; do
	run_quickstart
	check "$round run: all four ports answer /healthz" \
		wait_for 1200 sh -c 'for p in 8000 8001 8002 8003; do curl -fs -o /dev/null http://127.0.0.1:$p/healthz || exit 1; done'
	check "$round run: the ocr worker runs" wait_for 50 pgrep -f "quill-ocr-worker -c $QUILL_SRC/var/quill.conf"
	check "$round run: auth is ready (database migrated)" wait_for 50 curl -fs -o /dev/null http://127.0.0.1:8001/readyz
	check "$round run: it prints the URLs" wait_for 50 grep -q 'http://127.0.0.1:8000/healthz' "$T_DIR/quickstart.out"
	kill -INT -- "-$QS"
	check "$round run: Ctrl-C stops the script" wait_gone "$QS" 300
	pg_data=$(readlink -f "$QUILL_SRC/var/pg")
	check "$round run: no quill or postgres process is left" \
		wait_for 50 no_process_for "($QUILL_SRC/var/quill.conf|$pg_data)"
	stamp[$round]=$(stat -c '%i %Y' "$QUILL_SRC/var/pg/data/PG_VERSION" 2>/dev/null)
done
check "the second run reused the cluster in var/" test -n "${stamp[first]}" -a "${stamp[first]}" = "${stamp[second]}"
t_end
