#!/usr/bin/env bash
# Every fuzz target of tests/fuzz/ builds and takes each input of its seed
# corpus without a crash or a sanitizer report: the corpus is what the
# parsers were found to survive, so a change that breaks one shows here.
# The long runs are by hand: tests/fuzz/run SECONDS.
. "$QUILL_SRC/tests/lib.sh"
t_begin

if ! command -v clang >/dev/null 2>&1; then
	echo "ok - # SKIP clang is not installed: the fuzz targets cannot be built"
	t_end
fi
out=$T_DIR/fuzz.out
(cd "$T_DIR" && QUILL_LEXICON=$QUILL_BUILD/data/vader_lexicon.txt "$QUILL_SRC/tests/fuzz/run" 0) >"$out" 2>&1
status=$?
for target in $(sed -n 's/^== fuzz_\([a-z_]*\): building$/\1/p' "$out"); do
	if grep -q "^== fuzz_$target: clean$" "$out"; then
		ok "fuzz_$target takes its seed corpus"
	else
		not_ok "fuzz_$target takes its seed corpus"
		tail -n 30 "$out" | sed 's/^/# /'
	fi
done
is "$status" 0 "tests/fuzz/run 0 exits with 0"
t_end
