# One set of configuration keys: the table the code declares
# (lib/config_keys.c), the keys the code asks for, etc/quill.conf and
# quill.conf(5) must name the same ones.  The manual is written from the
# table by quillctl at build time (44_manuals.sh renders it).
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

manual=$QUILL_BUILD/doc/man/quill.conf.5
"$(program quillctl)" config manual >"$T_DIR/manual"
check "the built quill.conf(5) is what quillctl config manual writes" cmp -s "$T_DIR/manual" "$manual"

# man_keys FILE: "section key" of each entry of the manual
man_keys() {
	awk '/^\.SS \[/ { s = $2; sub(/^\[/, "", s); sub(/\]$/, "", s); sub(/\\fIname\\fP/, "*", s); next }
	     prev == ".TP" && /^\.B / { print s, $2 }
	     { prev = $0 }' "$1" | sort -u
}
# conf_keys FILE: "section key" of each key of a quill.conf written like
# etc/quill.conf (commented out; the built-in named sections left out)
conf_keys() {
	awk '/^\[[a-z0-9_.]+\]$/ { s = substr($0, 2, length($0) - 2); skip = 0; next }
	     /^#\[[a-z_]+\.NAME\]$/ { s = substr($0, 3, length($0) - 3); sub(/NAME$/, "*", s); skip = 0; next }
	     /^# The built-in sections:$/ { skip = 1; next }
	     !skip && /^#[a-z0-9_]+ = / { print s, substr($1, 2) }' "$1" | sort -u
}
# code_reads DIR...: the keys the code asks of a configuration (a call
# whose first argument is one and whose third is the key): "section key"
# when the section is written out, "* key" when it is a variable (a
# daemon's section, a route's)
code_reads() {
	grep -rhoE '[a-z_]+\([a-z_.>-]*cfg, *[^,()]+, *"[a-z0-9_]+"' "$@" --include='*.c' |
		sed -E -e 's/^[a-z_]+\([^,]+, *"([^"]+)", *"([a-z0-9_]+)"$/\1 \2/' \
		    -e 's/^[a-z_]+\([^,]+, *[^",]+, *"([a-z0-9_]+)"$/* \1/' | sort -u
}
man_keys "$manual" >"$T_DIR/man.keys"
conf_keys "$QUILL_SRC/etc/quill.conf" >"$T_DIR/conf.keys"
code_reads "$QUILL_SRC/bin" "$QUILL_SRC/lib" >"$T_DIR/code.keys"
diag "$(wc -l <"$T_DIR/man.keys") keys in the manual, $(wc -l <"$T_DIR/code.keys") reads in the code"
check "the manual has keys" test "$(wc -l <"$T_DIR/man.keys")" -gt 50
check "the manual and etc/quill.conf name the same keys" diff "$T_DIR/man.keys" "$T_DIR/conf.keys"
unread=$(awk 'NR == FNR { if ($1 == "*") any[$2] = 1; else lit[$1 " " $2] = 1; next }
	!(($1 " " $2) in lit) && !($2 in any)' "$T_DIR/code.keys" "$T_DIR/man.keys")
is "$unread" "" "every key of the manual is read by the code"
unknown=$(awk 'NR == FNR { known[$1 " " $2] = 1; name[$2] = 1; next }
	($1 == "*" && !($2 in name)) || ($1 != "*" && !(($1 " " $2) in known))' "$T_DIR/man.keys" "$T_DIR/code.keys")
is "$unknown" "" "every key the code reads is in the manual"

t_end
