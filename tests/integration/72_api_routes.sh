# The API description is true to the daemons: the routes each daemon
# registers (its -R, the very table its workers route by) and the paths
# and methods of doc/api/openapi.json are the same set, both ways, so a
# route that lands without its description, or a description of a route
# that is not there, fails here.  Only what a client can reach is the API:
# /internal/ routes are never forwarded, and the gateway's forwarding
# prefixes ("* /api/ocr/*") are where routes go, not routes; each service
# route must be under one of them.  The description's prose may not call
# an area "not built" that has routes.  Starts no daemon.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

doc=$QUILL_SRC/doc/api/openapi.json
conf=$T_DIR/quill.conf
write_config "$conf"	# no [route.NAME]: the gateway's built-in routes

: >"$T_DIR/all.routes"
for p in quill-authd quill-chatd quill-ocrd quill-gatewayd; do
	"$(program "$p")" -c "$conf" -R >"$T_DIR/$p.routes" 2>"$T_DIR/$p.err"
	st=$?
	check "$p -R lists its routes (exit $st)" test "$st" = 0 -a -s "$T_DIR/$p.routes"
	cat "$T_DIR/$p.routes" >>"$T_DIR/all.routes"
done
check "every daemon serves /healthz, /readyz and /metrics" test \
	"$(grep -cxE 'GET /(healthz|readyz|metrics)' "$T_DIR/all.routes")" = 12

grep -v '^\* ' "$T_DIR/all.routes" | grep -v ' /internal/' | sort -u >"$T_DIR/served"
grep '^\* ' "$T_DIR/quill-gatewayd.routes" | sed 's/^\* //; s|/\*$||' >"$T_DIR/prefixes"
jq -r '.paths | to_entries[] | .key as $p | .value | keys[]
	| select(IN("get","put","post","delete","patch","head","options","trace")) | "\(ascii_upcase) \($p)"' \
	"$doc" | sort -u >"$T_DIR/described"
check "openapi.json has paths ($(wc -l <"$T_DIR/described"))" test -s "$T_DIR/described"

while read -r route; do
	check "served $route is in openapi.json" grep -qxF "$route" "$T_DIR/described"
done <"$T_DIR/served"
while read -r route; do
	check "described $route is served by a daemon" grep -qxF "$route" "$T_DIR/served"
done <"$T_DIR/described"

# Every service route under /api is forwarded by some gateway prefix.
for p in quill-authd quill-chatd quill-ocrd; do
	while read -r method path; do
		under=no
		while read -r prefix; do
			case $path in "$prefix" | "$prefix"/*) under=yes ;; esac
		done <"$T_DIR/prefixes"
		is "$under" yes "$method $path ($p) is under a prefix the gateway forwards"
	done < <(grep ' /api/' "$T_DIR/$p.routes")
done

# The prose: no area with routes is called "not built".
notbuilt=$(jq -r '.info.description' "$doc" | tr '\n' ' ' | grep -oiE '[^.]*not built[^.]*' || true)
for area in auth ocr chat invoices; do
	if grep -q " /api/$area" "$T_DIR/served"; then
		word=$area
		[ "$area" = auth ] && word=account
		check "the description does not call the $area routes not built" \
			sh -c "! printf '%s' \"\$1\" | grep -qiw '$word'" sh "$notbuilt"
	fi
done
t_end
