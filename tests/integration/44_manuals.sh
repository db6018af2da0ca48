# The manual pages as the build writes them: each renders without a
# warning, no template placeholder is left, every daemon has its page
# with its signals, and quillctl(8) describes every command of its usage.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

man_dir=$QUILL_BUILD/doc/man
pages=(quill.7 quill.conf.5 quillctl.8 quill-gatewayd.8 quill-authd.8 quill-chatd.8 quill-ocrd.8 quill-ocr-worker.8)
for p in "${pages[@]}"; do
	f=$man_dir/$p
	if [ ! -s "$f" ]; then
		not_ok "$p is built"
		continue
	fi
	groff -ww -man -Tutf8 "$f" >/dev/null 2>"$T_DIR/groff.err"
	check "$p: groff -ww renders it without a warning" test ! -s "$T_DIR/groff.err"
	sed 's/^/# /' "$T_DIR/groff.err"
	if command -v man >/dev/null 2>&1; then
		MANROFFOPT=-ww MANWIDTH=80 man -l "$f" >"$T_DIR/$p.txt" 2>"$T_DIR/man.err"
		check "  man -l too" test ! -s "$T_DIR/man.err"
	fi
	is "$(grep -o '@[a-zA-Z_]*@' "$f" | sort -u | paste -sd' ')" "" "  no @placeholder@ is left"
done

if [ -s "$T_DIR/quill.conf.5.txt" ]; then
	check "quill.conf(5) has every section's heading" grep -q '^   \[route.name\]' "$T_DIR/quill.conf.5.txt"
fi

# each daemon's page: the signals its master acts on, and its files
for d in quill-gatewayd quill-authd quill-chatd quill-ocrd quill-ocr-worker; do
	f=$man_dir/$d.8
	check "$d(8) describes SIGHUP, SIGTERM and SIGUSR1" sh -c \
		"grep -q '^\.B SIGHUP' '$f' && grep -q 'SIGTERM' '$f' && grep -q '^\.B SIGUSR1' '$f'"
	check "  and names its pid file" grep -q "$d\\\\-*\.pid\|${d//-/\\\\-}\.pid" "$f"
done

# quillctl(8) against quillctl's own usage: every command is described
"$(program quillctl)" -h 2>&1 | sed -n 's/^\(usage:\)\{0,1\} *quillctl \(\[-c FILE\] \)\{0,1\}\([a-z]*\).*/\3/p' | sort -u >"$T_DIR/commands"
check "quillctl -h lists its commands" test -s "$T_DIR/commands"
while read -r c; do
	[ -n "$c" ] || continue
	check "quillctl(8) describes $c" grep -q "^\.B[IR]* \"*$c\\b" "$man_dir/quillctl.8"
done <"$T_DIR/commands"
t_end
