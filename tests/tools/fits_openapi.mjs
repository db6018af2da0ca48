// fits_openapi.mjs DOC DIR: every file in DIR, named SCHEMA.N.json, is
// valid against doc DOC's #/components/schemas/SCHEMA (ajv, JSON Schema
// 2020-12).  MODS names the folder whose node_modules has ajv.  Prints a
// TAP diagnostic per answer that does not fit; exits 1 when any does not.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.MODS + "/");
const Ajv2020 = require("ajv/dist/2020").default;
const [doc, dir] = process.argv.slice(2);
const base = "https://quill.invalid/openapi.json";
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: base, components: JSON.parse(readFileSync(doc, "utf8")).components });
let bad = 0;
for (const f of readdirSync(dir)) {
	const check = ajv.getSchema(`${base}#/components/schemas/${f.split(".")[0]}`);
	if (!check(JSON.parse(readFileSync(`${dir}/${f}`, "utf8")))) {
		console.log(`# ${f}: ${ajv.errorsText(check.errors)}`);
		bad++;
	}
}
process.exit(bad > 0 ? 1 : 0);
