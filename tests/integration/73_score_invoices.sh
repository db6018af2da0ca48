# bench/score-invoices --pred on crafted truth and predictions: money as
# exact decimals, a missing prediction, seller aliases, names strict on
# diacritics (with the ascii-folded figure), tax ids with their dash, and
# the OVERALL line last.  Then --pipeline through a gateway, quill-ocrd
# and a worker with the fake engine: the account registered, the images
# uploaded and their jobs waited for, a document of two pages as one TIFF
# (bench/pages-tiff) or, without the tool, as its first page; what the
# invoices hold is the extractor's to show, later.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

score=$QUILL_SRC/bench/score-invoices
truth=$T_DIR/truth pred=$T_DIR/pred
mkdir -p "$truth" "$pred"

# a: every kind of field; b: a Vietnamese one; c: no prediction at all
cat >"$truth/a.json" <<'EOF'
{"fields": {"invoice_number": "INV-7", "date": "2025-03-15", "due_date": null,
 "seller": "OYO", "buyer": "Sanjay", "seller_tax_id": "DE 232 446 240", "buyer_tax_id": null,
 "subtotal": 100, "tax": 21.0, "total": 121.1, "currency": "EUR"},
 "seller_aliases": ["Oravel Stays Private Limited"]}
EOF
cat >"$truth/b.json" <<'EOF'
{"fields": {"invoice_number": "0000123", "date": "2025-09-19", "seller": "Công ty TNHH Hương Quê",
 "buyer": "Lê Xuân Hạnh", "seller_tax_id": "0312345678-001", "total": 24367497, "currency": "VND"}}
EOF
cat >"$truth/c.json" <<'EOF'
{"fields": {"invoice_number": "X1", "total": 5, "currency": "USD", "seller": null}}
EOF
# not records: skipped although they are JSON
echo '{"fields": {"total": 1}}' >"$truth/index.json"
echo '{"records": []}' >"$truth/manifest.json"

# a: all right (alias for the seller, 121.10 = 121.1, 21 = 21.0, the tax id's spaces gone)
cat >"$pred/a.json" <<'EOF'
{"invoice_number": " INV-7 ", "invoice_date": "2025-03-15", "due_date": "2025-04-15",
 "seller_name": "oravel  stays private limited", "buyer_name": "SANJAY", "seller_tax_id": "de232446240",
 "subtotal": "100.00", "tax_amount": "21", "total": "121.10", "currency": "EUR"}
EOF
# b: invoice number without its zeros, diacritics lost on the seller,
# the branch code's dash lost, total one dong off; date, buyer, currency right
cat >"$pred/b.json" <<'EOF'
{"invoice_number": "123", "invoice_date": "2025-09-19", "seller_name": "Cong ty TNHH Huong Que",
 "buyer_name": "Lê  Xuân Hạnh", "seller_tax_id": "0312345678001", "total": "24367496", "currency": "VND"}
EOF

"$score" --pred "$pred" "$truth" >"$T_DIR/out" 2>"$T_DIR/err"
is "$?" 0 "the scorer exits 0 whatever the score"
sed 's/^/# /' "$T_DIR/out" "$T_DIR/err"
is "$(tail -n 1 "$T_DIR/out")" "OVERALL 12/19 = 63.2%" "the last line is OVERALL: a 9/9, b 3/7, c 0/3"
is "$(grep -c '^OVERALL' "$T_DIR/out")" 1 "  and there is one OVERALL line"
like "$(grep '^total ' "$T_DIR/out")" '^total +1/3 +33\.3%$' "total: 121.10 is 121.1, one dong off is wrong, no file is wrong"
like "$(grep '^seller ' "$T_DIR/out")" '^seller +1/2 ' "seller: an alias counts, a name without its diacritics does not"
like "$(grep '^ascii-folded' "$T_DIR/out")" 'names 4/4 = 100\.0%, all fields 13/19 = 68\.4%' \
	"the ascii-folded line counts the name without diacritics"
like "$(grep '^seller_tax_id ' "$T_DIR/out")" '^seller_tax_id +1/2 ' "a tax id keeps its branch dash, loses its spaces"
like "$(grep '^invoice_number ' "$T_DIR/out")" '^invoice_number +1/3 ' "an invoice number keeps its leading zeros"
check "a field null in the truth is not counted (due_date)" sh -c "! grep -q '^due_date ' '$T_DIR/out'"
check "index.json and manifest.json are not records" sh -c "! grep -q 'index\|manifest' '$T_DIR/out'"

"$score" --pred "$pred" "$truth" --verbose >"$T_DIR/verbose"
check "--verbose names the document with no prediction" grep -q '^c: no prediction' "$T_DIR/verbose"
check "  and each miss with both values" grep -q '^b: total: want 24367497 got "24367496"' "$T_DIR/verbose"

"$score" --pred "$pred" "$truth" --json >"$T_DIR/json"
check "--json is one JSON document with the same totals" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["overall"] == {"correct": 12, "total": 19}, r["overall"]
assert r["fields"]["total"] == {"correct": 1, "total": 3}
assert r["documents"]["c"]["prediction"] is False
' "$T_DIR/json"

# a wrong prediction everywhere scores nothing: the scorer can fail
for n in a b; do echo '{"total": "1e99", "seller_name": null, "invoice_number": 7}' >"$pred/$n.json"; done
echo 'not json' >"$pred/c.json"
is "$("$score" --pred "$pred" "$truth" | tail -n 1)" "OVERALL 0/19 = 0.0%" "wrong, null, mistyped and unreadable predictions all score 0"

"$score" --pred "$pred" "$T_DIR/nonexistent" >/dev/null 2>&1
is "$?" 2 "a truth directory that cannot be read is a usage error (2)"

# --- --pipeline through the services ---
ocr_config "[ocr_worker]
workers = 1
engine = fake
rescan_interval = 1s"
gport=$(free_port)
printf '[gateway]\nlisten = 127.0.0.1:%s\nworkers = 1\n%s\n' "$gport" "$(api_routes "$aport" "$oport")" >>"$conf"
ocr_start
start_daemon quill-gatewayd "$conf"
check "the gateway is ready" wait_for 100 curl -fs -o /dev/null "http://127.0.0.1:$gport/readyz"
start_daemon quill-ocr-worker "$conf"
tiny_png "$truth/a.png"
tiny_png "$truth/b.png"
tiny_png "$truth/b.p2.png"
pw=score-invoices-$RANDOM-pass
secret "$pw"
# first without bench/pages-tiff, whether or not this tree has it built
QUILL_PAGES_TIFF=$T_DIR/no-pages-tiff \
"$score" --pipeline "$truth" --gateway "http://127.0.0.1:$gport" --user "score.$$@example.org" \
	--password "$pw" --timeout 60 --save "$T_DIR/saved" >"$T_DIR/pipe" 2>"$T_DIR/pipe.err"
is "$?" 0 "--pipeline registers the account, runs and exits 0"
sed 's/^/# /' "$T_DIR/pipe" "$T_DIR/pipe.err"
like "$(head -n 1 "$T_DIR/pipe")" '^pages 2, wall [0-9.]+ s = [0-9.]+ s/page, worker OCR mean [0-9]+ ms/page, jobs failed or late 0$' \
	"  two pages uploaded and read, timed"
check "  without bench/pages-tiff a document with a second page is read from its first only" \
	grep -q '^note: b: page 1 only uploaded (.*make bench/pages-tiff' "$T_DIR/pipe"
check "  a record without an image is named" grep -q '^note: c: no image' "$T_DIR/pipe"
like "$(tail -n 1 "$T_DIR/pipe")" '^OVERALL [0-9]+/19 = [0-9.]+%$' "  and scored: OVERALL last"
is "$(psql_q "select count(*) from ocr.ocr_jobs where filename in ('a.png', 'b.png') and status = 'done'")" 2 \
	"  the jobs are the service's own, done"
check "bench/pages-tiff builds" make -s -C "$QUILL_BUILD" bench/pages-tiff
QUILL_PAGES_TIFF=$QUILL_BUILD/bench/pages-tiff \
"$score" --pipeline "$truth" --gateway "http://127.0.0.1:$gport" --user "score.$$@example.org" \
	--password "$pw" --timeout 60 --json >"$T_DIR/pipe.json"
check "--pipeline again logs the account in, --json has the timing: b's two pages in one job" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = r["timing"]
assert t["pages"] == 3 and t["documents"] == 2 and t["not_done"] == 0, t
assert not any(n.startswith("b:") for n in t["notes"]), t["notes"]
assert r["overall"]["total"] == 19
' "$T_DIR/pipe.json"
is "$(psql_q "select count(*) from ocr.ocr_jobs where filename = 'b.tif' and status = 'done'")" 1 \
	"  b went up as b.tif, a TIFF of its pages, and was read"
"$score" --pipeline "$truth" --gateway "http://127.0.0.1:$gport" --user "score.$$@example.org" \
	--password "wrong-$pw" >/dev/null 2>"$T_DIR/wrong.err"
check "a wrong password stops it with the reason" grep -q 'login score.*HTTP 401' "$T_DIR/wrong.err"
t_end
