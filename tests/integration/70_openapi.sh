# doc/api/openapi.json, the OpenAPI description the gateway serves: valid
# OpenAPI 3.1 by a real validator (@seriousme/openapi-schema-validator,
# the official 3.1 schema and its $refs), every Schema Object valid JSON
# Schema 2020-12 (ajv), every example true to its schema, every path
# parameter declared; and the same routes as README's table, both ways, so
# the two cannot drift.  Broken copies must be refused, so the checks can
# fail.  Needs node, npm and jq; starts no daemon.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

api_dir=$QUILL_SRC/doc/api
doc=$api_dir/openapi.json
check "openapi.json is JSON" sh -c "jq -e . '$doc' >/dev/null"

# --- the validator: a build's own node_modules, else npm ci from the lock ---
mods=
if [ -d "$QUILL_BUILD/doc/api/node_modules/@seriousme/openapi-schema-validator" ]; then
	mods=$QUILL_BUILD/doc/api
elif ! command -v npm >/dev/null 2>&1; then
	not_ok "npm is installed (the quick start installs it)"
else
	mkdir "$T_DIR/api"
	cp "$api_dir/package.json" "$api_dir/package-lock.json" "$T_DIR/api/"
	# no install scripts: none is needed, and swagger-ui-dist's @scarf/scarf would report home
	if (cd "$T_DIR/api" && SCARF_ANALYTICS=false timeout 300 npm ci --no-audit --no-fund --ignore-scripts) \
		>"$T_DIR/npm.log" 2>&1; then
		ok "npm ci installs the validator from doc/api/package-lock.json"
		mods=$T_DIR/api
	else
		not_ok "npm ci installs the validator from doc/api/package-lock.json"
		tail -n 20 "$T_DIR/npm.log" | sed 's/^/# /'
	fi
fi

# validate FILE: the validator's verdict (exit status), its report in $T_DIR/validate.out
validate() {
	node "$mods/node_modules/@seriousme/openapi-schema-validator/bin/validate-api-cli.js" "$1" \
		>"$T_DIR/validate.out" 2>&1
}

# What the OpenAPI schema leaves open: Schema Objects, examples, path parameters.
cat >"$T_DIR/inside.mjs" <<'JS'
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.MODS + "/");
const Ajv2020 = require("ajv/dist/2020").default;
const [what, file] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(file, "utf8"));
const problems = [];
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const base = "https://quill.invalid/openapi.json";

// [JSON pointer, Schema Object, the object holding it] for each Schema Object outside other schemas
function* schemas(node, at) {
	if (node === null || typeof node !== "object")
		return;
	for (const [k, v] of Object.entries(node)) {
		const p = `${at}/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`;
		if (at === "#/components/schemas" || (k === "schema" && !Array.isArray(node)))
			yield [p, v, node];
		else if (k !== "example" && k !== "examples")
			yield* schemas(v, p);
	}
}

if (what === "schemas") {
	for (const [p, s] of schemas(doc, "#"))
		if (!ajv.validateSchema(s))
			problems.push(`${p}: ${ajv.errorsText()}`);
} else if (what === "examples") {
	ajv.addSchema({ $id: base, components: { schemas: doc.components?.schemas ?? {} } });
	const absolute = (s) => JSON.parse(JSON.stringify(s).replaceAll('"#/components/', `"${base}#/components/`));
	for (const [p, s, holder] of schemas(doc, "#")) {
		const samples = [];
		if ("example" in holder)
			samples.push(["example", holder.example]);
		for (const [name, ex] of Object.entries(holder.examples ?? {}))
			if (ex && typeof ex === "object" && "value" in ex)
				samples.push([`examples/${name}`, ex.value]);
		for (const [name, value] of samples) {
			let check;
			try {
				check = ajv.compile(absolute(s));
			} catch (e) {
				problems.push(`${p}: ${e.message}`);
				break;
			}
			if (!check(value))
				problems.push(`${p} (${name}): ${ajv.errorsText(check.errors)}`);
		}
	}
} else if (what === "operations") {
	const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
	const deref = (x) => x?.$ref?.startsWith("#/components/parameters/") ?
	    doc.components.parameters[x.$ref.slice(24)] : x;
	const ids = new Map();
	for (const [path, item] of Object.entries(doc.paths ?? {})) {
		const want = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort().join(",");
		for (const m of methods.filter((m) => m in item)) {
			const given = [...(item.parameters ?? []), ...(item[m].parameters ?? [])].map(deref)
			    .filter((x) => x?.in === "path").map((x) => x.name).sort().join(",");
			if (given !== want)
				problems.push(`${m.toUpperCase()} ${path}: path parameters [${given}], the path has [${want}]`);
			const id = item[m].operationId;
			if (id === undefined)
				problems.push(`${m.toUpperCase()} ${path}: no operationId`);
			else if (ids.has(id))
				problems.push(`${m.toUpperCase()} ${path}: operationId ${id} is also ${ids.get(id)}'s`);
			else
				ids.set(id, `${m.toUpperCase()} ${path}`);
		}
	}
} else {
	problems.push(`unknown check ${what}`);
}
for (const p of problems)
	console.log(p);
process.exit(problems.length > 0 ? 1 : 0);
JS

# inside CHECK FILE: runs one of inside.mjs's checks; problems in $T_DIR/inside.out
inside() {
	MODS=$mods node "$T_DIR/inside.mjs" "$1" "$2" >"$T_DIR/inside.out" 2>&1
}

# show FILE: its first lines as TAP diagnostics
show() {
	head -n 20 "$1" | sed 's/^/# /'
}

if [ -n "$mods" ]; then
	if validate "$doc"; then
		ok "openapi.json is a valid OpenAPI 3.1 document"
	else
		not_ok "openapi.json is a valid OpenAPI 3.1 document"
		show "$T_DIR/validate.out"
	fi
	is "$(jq -r .openapi "$doc")" 3.1.0 "it says openapi 3.1.0"
	for what in schemas examples operations; do
		case $what in
		schemas) about="every Schema Object in it is valid JSON Schema 2020-12" ;;
		examples) about="every example in it fits its schema" ;;
		operations) about="every path parameter is declared and every operationId unique" ;;
		esac
		if inside "$what" "$doc"; then ok "$about"; else not_ok "$about"; show "$T_DIR/inside.out"; fi
	done

	# refused WHAT FILTER CHECK...: a copy broken by the jq filter fails CHECK COPY
	refused() {
		local what=$1 filter=$2
		shift 2
		if ! jq "$filter" "$doc" >"$T_DIR/broken.json" 2>"$T_DIR/jq.err" ||
			cmp -s <(jq -S . "$doc") <(jq -S . "$T_DIR/broken.json"); then
			not_ok "$what (the copy could not be broken)"
		elif "$@" "$T_DIR/broken.json"; then
			not_ok "$what"
		else
			ok "$what"
		fi
	}
	refused "the validator refuses a copy without info" 'del(.info)' validate
	refused "the validator refuses a copy with a \$ref to nothing" \
		'.paths["/api/auth/me"].get.responses["200"].content["application/json"].schema["$ref"] = "#/components/schemas/Nope"' \
		validate
	refused "a copy with a bad schema type is refused" \
		'.components.schemas.User.properties.id.type = "uuid"' inside schemas
	refused "a copy with an example untrue to its schema is refused" \
		'.components.responses.Unauthorized.content["application/json"].example.error.code = 401' inside examples
	refused "a copy with an undeclared path parameter is refused" \
		'del(.paths["/api/auth/users/{id}"].patch.parameters)' inside operations
else
	not_ok "openapi.json is a valid OpenAPI 3.1 document (no validator)"
fi

# --- what quill-ocrd answers, the document says where it answers it ---
# documented METHOD PATH STATUS CODE: that response (and the one it refers
# to) names the error code, as `code`
documented() {
	jq -e --arg m "$1" --arg p "$2" --arg s "$3" --arg c "\`$4\`" '
		. as $d | .paths[$p][$m].responses[$s] as $r | $r != null and
		(($r | tostring) + (if $r["$ref"] then
			$d.components.responses[$r["$ref"] | ltrimstr("#/components/responses/")] | tostring
		else "" end) | contains($c))' "$doc" >/dev/null
}
# sent FILE: "STATUS CODE" of each error the file answers with
sent() {
	grep -oE '(http_send_error|refuse_stream)\([^,]*, [0-9]+, "[a-z_]+"' "$QUILL_SRC/$1" |
		sed -E 's/.*, ([0-9]+), "([a-z_]+)"/\1 \2/' | sort -u
}
while read -r status code; do
	check "POST /api/ocr/jobs documents its $status $code" documented post /api/ocr/jobs "$status" "$code"
done < <(sent bin/quill-ocrd/upload.c)
events=/api/ocr/jobs/{id}/events
while read -r status code; do
	check "GET $events documents its $status $code" documented get "$events" "$status" "$code"
done < <(sent bin/quill-ocrd/events.c)
# the codes of the "event: error" a stream ends with (send_end's table)
for code in $(sed -n '/^send_end(/,/^}/s/.*{ "\([a-z_]*\)", ".*/\1/p' "$QUILL_SRC/bin/quill-ocrd/events.c"); do
	check "GET $events documents the stream's end $code" documented get "$events" 200 "$code"
done
check "  and its id: lines" sh -c "jq -r '.paths[\"$events\"].get.responses[\"200\"].description' '$doc' | grep -q '\`id:\`'"

# --- README's route table and the document name the same routes ---
# README rows look like "    POST   /api/auth/register   {...}   what it answers".
awk '/^    (GET|POST|PUT|PATCH|DELETE) +\// { print $1, $2 }' "$QUILL_SRC/README.md" | sort -u >"$T_DIR/readme.routes"
jq -r '.paths | to_entries[] | .key as $p | .value | keys[]
	| select(test("^(get|put|post|delete|options|head|patch|trace)$")) | "\(ascii_upcase) \($p)"' \
	"$doc" | sort -u >"$T_DIR/doc.routes"
check "README's table lists the auth routes ($(grep -c ' /api/auth/' "$T_DIR/readme.routes") of them)" \
	test "$(grep -c ' /api/auth/' "$T_DIR/readme.routes")" -ge 12
while read -r route; do
	check "README's $route is in openapi.json" grep -qxF "$route" "$T_DIR/doc.routes"
done <"$T_DIR/readme.routes"
while read -r route; do
	check "openapi.json's $route is in README's table" grep -qxF "$route" "$T_DIR/readme.routes"
done < <(grep ' /api/' "$T_DIR/doc.routes")

t_end
