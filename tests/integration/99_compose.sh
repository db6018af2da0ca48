# compose.yaml and the Dockerfile cannot be run here (no container
# runtime); docker-compose can still read compose.yaml and say whether it
# is valid, offline.  Without the four passwords it must refuse.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

if ! command -v docker-compose >/dev/null 2>&1; then
	echo "ok - # SKIP docker-compose is not installed"
	t_end
fi
cd "$QUILL_SRC" || not_ok "cd to the sources"
compose() {
	env -u POSTGRES_PASSWORD -u AUTH_DB_PASSWORD -u CHAT_DB_PASSWORD -u OCR_DB_PASSWORD "$@" \
		docker-compose --project-directory "$QUILL_SRC" -f "$QUILL_SRC/compose.yaml" config
}
compose POSTGRES_PASSWORD=p1 AUTH_DB_PASSWORD=p2 CHAT_DB_PASSWORD=p3 OCR_DB_PASSWORD=p4 \
	>"$T_DIR/config.out" 2>"$T_DIR/config.err"
is "$?" 0 "docker-compose config accepts compose.yaml"
sed 's/^/# /' "$T_DIR/config.err"
for s in postgres migrate authd chatd ocrd ocr-worker gatewayd; do
	check "  with the service $s" grep -q "^  $s:" "$T_DIR/config.out"
done
check "  the daemons start after the migration" \
	sh -c "grep -c 'condition: service_completed_successfully' '$T_DIR/config.out' | grep -qx '[5-9]'"
compose >/dev/null 2>"$T_DIR/nopw.err"
check "without the passwords it refuses" test $? != 0
like "$(cat "$T_DIR/nopw.err")" "set POSTGRES_PASSWORD" "  and says which is missing"
check "every file compose.yaml mounts exists" test -x "$QUILL_SRC/rc/docker/quill-roles.sh"
# the image's build packages are the quick start's, so the two cannot drift
sed -n '/^FROM .* AS build/,/^FROM /p' "$QUILL_SRC/Dockerfile" |
	sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' |
	grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vxE 'apt-get|install|rm|rf|update|DEBIAN_FRONTEND=.*|npm' |
	sort -u >"$T_DIR/image.pkgs"
check "the Dockerfile's build stage installs packages" test -s "$T_DIR/image.pkgs"
missing=$(while read -r p; do
	grep -qE "^[[:space:]]+(.* )?$p( |$)" "$QUILL_SRC/rc/quickstart" || printf '%s ' "$p"
done <"$T_DIR/image.pkgs")
is "$missing" "" "  each of them one the quick start installs"
t_end
