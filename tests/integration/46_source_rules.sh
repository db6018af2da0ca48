# The rules of the tree that no compiler checks (tests/tools/source_rules.py
# says which): one way to log a value someone else chose, one boundary
# around the spool, layers that point one way.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

python3 "$QUILL_SRC/tests/tools/source_rules.py" "$QUILL_SRC" >"$T_DIR/rules"
status=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	"# "*) echo "$line" ;;
	esac
done <"$T_DIR/rules"
check "the rules were all read (exit $status)" test "$status" = 0
t_end
