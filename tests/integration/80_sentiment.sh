#!/usr/bin/env bash
# lib/sentiment against the reference it reproduces: the npm package
# vader-sentiment 1.1.3, run by node on the same sentences.  The corpus is
# tests/sentiment/corpus.js's generated sentences (every rule, combined),
# the hand-written chat messages of tests/sentiment/chat.txt and a few
# lines of broken UTF-8 and NUL bytes; every
# score of every sentence must be equal at the reference's own rounding.
# Skipped, with the reason, when node or the package cannot be had.
. "$QUILL_SRC/tests/lib.sh"
t_begin

version=1.1.3
lexicon=$QUILL_BUILD/data/vader_lexicon.txt
package=$QUILL_BUILD/data/vader-sentiment-$version.tgz
generated=2500

if ! command -v node >/dev/null 2>&1; then
	echo "ok - # SKIP node is not installed: the reference cannot run"
	t_end
fi
if [ ! -f "$package" ]; then
	# the lexicon came from ./configure --with-vader-lexicon: fetch the package here
	(cd "$T_DIR" && npm pack --silent "vader-sentiment@$version" >/dev/null 2>&1) &&
		package=$T_DIR/vader-sentiment-$version.tgz
fi
if [ ! -f "$package" ]; then
	echo "ok - # SKIP the reference package vader-sentiment@$version could not be fetched"
	t_end
fi
tar -xzf "$package" -C "$T_DIR"
reference=$T_DIR/package/build/vaderSentiment.bundle.js

node "$QUILL_SRC/tests/sentiment/corpus.js" "$lexicon" "$generated" 20261202 >"$T_DIR/corpus.txt"
cat "$QUILL_SRC/tests/sentiment/chat.txt" >>"$T_DIR/corpus.txt"
# bytes that are not UTF-8 (node reads each broken sequence as one U+FFFD),
# and NUL bytes inside words
printf 'abc \xe2\x82 happy\n\xe2\x82 \xe2\x82 good\ngood\x00xyz is it\nnot\x00 good\n\xf0\x9f\x98 ok good\n' >>"$T_DIR/corpus.txt"
printf '\xed\xa0\x80 bad\n\xc0\xaf wow\n\xf4\x90\x80\x80 nice\n\xe0\x80\x80 sad sad\n\xff\xfe good\nno\x00n'"'"'t great\n' >>"$T_DIR/corpus.txt"
total=$(wc -l <"$T_DIR/corpus.txt")
check "the corpus has at least 2000 sentences ($total)" test "$total" -ge 2000

"$QUILL_BUILD/tests/sentiment/vader-lines" "$lexicon" <"$T_DIR/corpus.txt" >"$T_DIR/c.txt"
node "$QUILL_SRC/tests/sentiment/reference.js" "$reference" <"$T_DIR/corpus.txt" >"$T_DIR/js.txt"
is "$(wc -l <"$T_DIR/c.txt")" "$total" "lib/sentiment scored every sentence"
is "$(wc -l <"$T_DIR/js.txt")" "$total" "the reference scored every sentence"

# the sentences whose four scores differ, with both answers
paste -d '\t' "$T_DIR/c.txt" "$T_DIR/js.txt" "$T_DIR/corpus.txt" |
	awk -F '\t' '$1 != $2 { print "line " NR ": C " $1 " | reference " $2 " | " $3 }' >"$T_DIR/mismatches"
mismatches=$(wc -l <"$T_DIR/mismatches")
diag "$mismatches of $total sentences differ"
head -n 30 "$T_DIR/mismatches" | sed 's/^/# /'
is "$mismatches" 0 "every sentence scores as the reference scores it, to 4 decimals"

# the sentences do reach every part of the analyser: not all neutral, all signs seen
check "some sentences score negative, some positive, some neutral" \
	awk '{ n[$4 < 0 ? "neg" : $4 > 0 ? "pos" : "neu"]++ } END { exit !(n["neg"] > 100 && n["pos"] > 100 && n["neu"] > 10) }' "$T_DIR/c.txt"

# quillctl prints the same scores as the library
printf '[sentiment]\nlexicon = %s\n' "$lexicon" >"$T_DIR/quill.conf"
line=$(sed -n 5p "$T_DIR/corpus.txt")
want=$(sed -n 5p "$T_DIR/js.txt")
got=$("$QUILL_BUILD/bin/quillctl/quillctl" -c "$T_DIR/quill.conf" sentiment - <<<"$line" |
	jq -r '"\(.neg) \(.neu) \(.pos) \(.compound)"')
is "$(awk '{ printf "%.3f %.3f %.3f %.4f", $1, $2, $3, $4 }' <<<"$got")" "$want" "quillctl sentiment prints the reference's scores"
t_end
