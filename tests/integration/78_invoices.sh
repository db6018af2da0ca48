# The invoices API of quill-ocrd against a real quill-authd and
# PostgreSQL (invoices made by hand through POST, and as the worker
# would make them, by SQL): every route's answers and errors, another
# user's invoice a 404 on every route and an admin's view of all, each
# list filter alone and together against the same question asked in SQL,
# cursor paging over several pages in every order, POST's checks of each
# kind of value, PATCH keeping `extracted` while it sets `corrected` and
# confidence 1, DELETE leaving the job, the original served byte for
# byte, and the job's JSON naming its invoice.
. "${QUILL_SRC:?set by tests/run}/tests/lib.sh"
t_begin

ocr_stack "workers = 1"
u=i$$x$RANDOM
new_user "inv.$u@example.org"
me=$uid
mine=("${auth[@]}")
new_user "other.$u@example.org"
other=("${auth[@]}")
other_uid=$uid
new_admin "admin.$u@example.org"
admin=("${auth[@]}")
new_user "lister.$u@example.org"
lister=("${auth[@]}")
lister_uid=$uid

json_body=(-H 'Content-Type: application/json')
# keep SCHEMA: the last answer's body, to be checked against doc/api/openapi.json's SCHEMA at the end
mkdir -p "$T_DIR/answers"
keep() {
	printf '%s' "$BODY" >"$T_DIR/answers/$1.$(ls "$T_DIR/answers" | wc -l).json"
}
# post BODY [AUTH...]: POST /api/invoices as the first user unless told
post() {
	local body=$1
	shift
	[ $# -gt 0 ] || set -- "${mine[@]}"
	http POST "$obase/api/invoices" "$@" "${json_body[@]}" --data-binary "$body"
}
# patch ID BODY [AUTH...]
patch() {
	local id=$1 body=$2
	shift 2
	[ $# -gt 0 ] || set -- "${mine[@]}"
	http PATCH "$obase/api/invoices/$id" "$@" "${json_body[@]}" --data-binary "$body"
}
# refused STATUS FIELD WHAT: the last answer was STATUS with an error naming FIELD
refused() {
	is "$STATUS $(json .error.code)" "$1 $([ "$1" = 422 ] && echo validation_failed || echo bad_request)" "$3: $1"
	like "$(json .error.message)" "$2" "  naming $2"
	like "$(json .error.request_id)" '^[0-9a-f]{32}$' "  with the request id"
}

# --- POST: an invoice entered by hand ---
full='{"invoice_number":"HD-0042","invoice_date":"2026-11-30","due_date":"2026-12-30",
	"seller_name":"Công ty TNHH Minh Phát","seller_address":"12 Lê Lợi\nQuận 1","seller_tax_id":"0312345678",
	"buyer_name":"Nguyễn Văn A","buyer_address":null,"buyer_tax_id":null,"currency":"VND",
	"subtotal":"1136363.6364","tax_rate":"10","tax_amount":"113636.3636","total":"1250000","language":"vi",
	"line_items":[{"description":"Cà phê sữa","quantity":"2","unit_price":"625000","amount":"1250000"},{"amount":"0.50"}],
	"needs_review":false,"document_type":"receipt","payment_method":"MoMo","payment_account":"0909123456",
	"transaction_id":"TX-1","customer_code":null}'
post "$full"
is "$STATUS $(json .source)" "201 manual" "POST /api/invoices: 201, source manual"
keep Invoice
manual=$(json .id)
like "$manual" '^[0-9a-f-]{36}$' "  with an id"
is "$(header location)" "/api/invoices/$manual" "  and its URL in Location"
is "$(json '[.total, .subtotal, .tax_rate, .tax_amount] | join(" ")')" "1250000 1136363.6364 10 113636.3636" \
	"  money comes back as the exact text given"
is "$(json '.line_items | tojson')" \
	'[{"description":"Cà phê sữa","quantity":"2","unit_price":"625000","amount":"1250000"},{"description":null,"quantity":null,"unit_price":null,"amount":"0.50"}]' \
	"  line items whole, in order, each with its four members"
is "$(json '.seller_address')" $'12 Lê Lợi\nQuận 1' "  an address keeps its line break"
is "$(json '[.confidence.total, .confidence.line_items, (.confidence | has("buyer_tax_id"))] | join(" ")')" "1 1 false" \
	"  confidence 1 for each field given, none for a null"
is "$(json '[(.extracted | tojson), (.corrected | tojson), (.job_id | tostring), .document_type] | join(" ")')" '{} [] null receipt' \
	"  nothing extracted or corrected, no job"
is "$(json 'keys_unsorted | join(",")')" \
	"id,job_id,invoice_number,invoice_date,due_date,seller_name,seller_address,seller_tax_id,buyer_name,buyer_address,buyer_tax_id,currency,subtotal,tax_rate,tax_amount,total,language,line_items,confidence,needs_review,review_reasons,extracted,corrected,document_type,payment_method,payment_account,transaction_id,customer_code,source,created_at,updated_at" \
	"  the contract's keys in its order"
like "$(json .created_at) $(json .updated_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z [0-9-]{10}T[0-9:]{8}Z$' \
	"  times in RFC 3339 UTC"
created=$BODY
http GET "$obase/api/invoices/$manual" "${mine[@]}"
is "$STATUS" 200 "GET /api/invoices/{id}: 200"
check "  the same invoice as the POST answered" test "$BODY" = "$created"
post '{}'
is "$STATUS $(json .document_type) $(json .total) $(json '.line_items | length')" "201 invoice null 0" \
	"an empty invoice: 201, document_type invoice, nothing else"
bare=$(json .id)
keep Invoice

# POST's checks, one kind at a time
post '{"total":"1,000"}'; refused 422 total 'money "1,000"'
keep Error
post '{"total":1000}'; refused 422 total "money as a JSON number"
post '{"subtotal":"12.34567"}'; refused 422 subtotal "money with five decimals"
post '{"total":"100000000000000"}'; refused 422 total "money of 15 digits"
post '{"invoice_date":"2023-02-30"}'; refused 422 invoice_date "the date 2023-02-30"
post '{"due_date":"30/12/2026"}'; refused 422 due_date "a date as DD/MM/YYYY"
post '{"currency":"vnd"}'; refused 422 currency 'currency "vnd"'
post '{"tax_rate":"101"}'; refused 422 tax_rate "a tax rate of 101"
post '{"document_type":"bill"}'; refused 422 document_type "an unknown document type"
post '{"document_type":null}'; refused 422 document_type "a null document type"
post "{\"seller_name\":\"$(head -c 1001 /dev/zero | tr '\0' x)\"}"; refused 422 seller_name "a seller name of 1001 bytes"
post '{"buyer_name":"a\u0001b"}'; refused 422 buyer_name "a control character in a name"
post '{"language":"vietnamese"}'; refused 422 language "a language that is not a code"
post '{"needs_review":"yes"}'; refused 422 needs_review "needs_review as a string"
post '{"line_items":{}}'; refused 422 line_items "line_items not an array"
post '{"line_items":[{"description":"x","price":"1"}]}'; refused 422 'line_items\[0\]' "a line item with an unknown member"
post '{"line_items":[{"quantity":"two"}]}'; refused 422 'line_items\[0\]\.quantity' "a line item quantity in words"
post '{"line_items":["x"]}'; refused 422 'line_items\[0\]' "a line item that is not an object"
post "{\"line_items\":[$(printf '{},%.0s' $(seq 500)){}]}"; refused 422 line_items "501 line items"
post '{"colour":"red"}'; refused 422 colour "an unknown field"
post '{"source":"ocr"}'; refused 422 source "source, which the service keeps"
post '{"id":"8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f"}'; refused 422 id "an id"
post '{"corrected":[]}'; refused 422 corrected "corrected"
post '{"total":"1","total":"2"}'; refused 422 total "a field given twice"
post '[]'; refused 422 object "a body that is not an object"
post '{"total":'
is "$STATUS $(json .error.code)" "400 invalid_json" "a body that is not JSON: 400"
http POST "$obase/api/invoices" "${mine[@]}" -H 'Content-Type: text/plain' --data-binary '{}'
is "$STATUS $(json .error.code)" "415 unsupported_media_type" "a body that is not application/json: 415"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T_DIR/big.json"
http POST "$obase/api/invoices" "${mine[@]}" "${json_body[@]}" -H 'Expect:' --data-binary "@$T_DIR/big.json"
is "$STATUS" 413 "a body over 1 MB: 413"
http POST "$obase/api/invoices" "${json_body[@]}" --data-binary '{}'
is "$STATUS $(json .error.code)" "401 missing_token" "no token: 401"
is "$(psql_q "select count(*) from ocr.invoices where user_id = '$me'")" 2 "none of the refused ones was stored"

# --- as the worker makes one: from a job, with its original ---
tiny_png "$T_DIR/dot.png"
http POST "$obase/api/ocr/jobs" "${mine[@]}" -F "file=@$T_DIR/dot.png"
job=$(json .id)
check "a job's row is written" wait_for 50 sh -c "[ \"\$(psql -X -q -At 'host=$QUILL_TEST_PG_HOST dbname=quill user=quill' -c \"select count(*) from ocr.ocr_jobs where id = '$job'\")\" = 1 ]"
http GET "$obase/api/ocr/jobs/$job" "${mine[@]}"
is "$STATUS $(json .invoice_id)" "200 null" "a job without an invoice: invoice_id null"
keep Job
{ cat "$T_DIR/dot.png"; head -c 4000 /dev/urandom; printf '\0\0end'; } >"$T_DIR/original.bin"
ocr=$(psql_q "insert into ocr.invoices (id, job_id, user_id, source, invoice_number, total, currency, seller_name,
	confidence, extracted, line_items)
	values (gen_random_uuid(), '$job', '$me', 'ocr', 'OCR-1', 1500.75, 'USD', 'Acme Corp',
	'{\"invoice_number\": 0.62, \"total\": 0.71, \"seller_name\": 0.93}',
	'{\"invoice_number\": \"0CR-1\", \"total\": \"1500.75\", \"seller_name\": \"Acme Corp\", \"currency\": \"USD\"}',
	'[{\"description\": \"bolts\", \"quantity\": \"3\", \"unit_price\": \"500.25\", \"amount\": \"1500.75\"}]')
	returning id" | head -n 1)
psql_q "insert into ocr.invoice_originals (invoice_id, filename, content_type, body)
	values ('$ocr', 'a\"b;c\\d é.png', 'image/png', decode('$(base64 -w0 "$T_DIR/original.bin")', 'base64'))" >/dev/null
http GET "$obase/api/ocr/jobs/$job" "${mine[@]}"
is "$(json .invoice_id)" "$ocr" "the job's JSON names its invoice"
keep Job
http GET "$obase/api/ocr/jobs?limit=5" "${mine[@]}"
is "$(json ".items[] | select(.id == \"$job\") | .invoice_id")" "$ocr" "  in the job list too"

curl -s -D "$T_DIR/orig.h" -o "$T_DIR/served.bin" "${mine[@]}" "$obase/api/invoices/$ocr/original"
HEADERS=$T_DIR/orig.h
like "$(head -n 1 "$T_DIR/orig.h")" ' 200' "GET /api/invoices/{id}/original: 200"
check "  the bytes as they came" cmp -s "$T_DIR/original.bin" "$T_DIR/served.bin"
is "$(header content-type)" image/png "  with their own content type"
is "$(header content-disposition)" "inline; filename=\"a_b_c_d __.png\"; filename*=UTF-8''a%22b%3Bc%5Cd%20%C3%A9.png" \
	"  the name quoted safely: an ASCII fallback and the UTF-8 name percent-encoded"
is "$(header x-content-type-options)" nosniff "  not to be sniffed"
http GET "$obase/api/invoices/$manual/original" "${mine[@]}"
is "$STATUS $(json .error.code)" "404 not_found" "a manual invoice has no original: 404"
http GET "$obase/api/invoices/$ocr/original" "${other[@]}"
is "$STATUS" 404 "another user's original: 404"
http GET "$obase/api/invoices/$ocr/original" "${admin[@]}"
is "$STATUS" 200 "an admin's: 200"

# --- PATCH: corrections ---
http GET "$obase/api/invoices/$ocr" "${mine[@]}"
before=$BODY
patch "$ocr" '{"invoice_number":"OCR-1B","seller_name":null,"total":"1500.70"}'
is "$STATUS $(json .invoice_number) $(json .seller_name) $(json .total)" "200 OCR-1B null 1500.70" \
	"PATCH sets each field given; null clears one"
is "$(json '.corrected | join(",")')" "invoice_number,seller_name,total" "  each joins corrected"
keep Invoice
is "$(json '[.confidence.invoice_number, .confidence.seller_name, .confidence.total] | join(" ")')" "1 1 1" \
	"  with confidence 1"
is "$(json '.extracted | tojson')" "$(printf '%s' "$before" | jq -c .extracted)" "  extracted is untouched"
is "$(json '[.currency, .source, (.line_items | length)] | join(" ")')" "USD ocr 1" "  the other fields too"
patch "$ocr" '{"line_items":[{"description":"nuts","amount":"1"}],"total":"1"}'
is "$(json '.line_items | tojson') $(json '.corrected | join(",")')" \
	'[{"description":"nuts","quantity":null,"unit_price":null,"amount":"1"}] invoice_number,line_items,seller_name,total' \
	"line_items are replaced whole; corrected stays a set"
is "$(json .confidence.line_items) $(json .extracted.total)" "1 1500.75" "  confidence 1, extracted still the first reading"
patch "$ocr" '{"invoice_date":"2023-02-30"}'; refused 422 invoice_date "PATCH with the date 2023-02-30"
patch "$ocr" '{"job_id":null}'; refused 422 job_id "PATCH of job_id"
patch "$ocr" '{"total":"1"}' "${other[@]}"
is "$STATUS" 404 "another user's PATCH: 404"
patch not-a-uuid '{"total":"1"}'
is "$STATUS" 404 "PATCH of a malformed id: 404"
patch "$ocr" '{"needs_review":true}' "${admin[@]}"
is "$STATUS $(json .needs_review)" "200 true" "an admin's PATCH: 200"
patch 8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f '{}'
is "$STATUS" 404 "PATCH of an unknown invoice: 404"

# --- another user, an admin, malformed ids ---
http GET "$obase/api/invoices/$manual" "${other[@]}"
is "$STATUS $(json .error.code)" "404 not_found" "another user's invoice: 404"
http DELETE "$obase/api/invoices/$manual" "${other[@]}"
is "$STATUS" 404 "  and cannot delete it"
http GET "$obase/api/invoices" "${other[@]}"
is "$STATUS $(json '.items | length') $(json .next_cursor)" "200 0 null" "  nor list it"
http GET "$obase/api/invoices/$manual" "${admin[@]}"
is "$STATUS $(json .id)" "200 $manual" "an admin sees it"
http GET "$obase/api/invoices/not-a-uuid" "${mine[@]}"
is "$STATUS $(json .error.code)" "404 not_found" "a malformed id: 404"
http GET "$obase/api/invoices/not-a-uuid/original" "${mine[@]}"
is "$STATUS" 404 "  for the original too"
http GET "$obase/api/invoices/8c2f6c0e-1d2b-4c3a-8e9f-0a1b2c3d4e5f" "${mine[@]}"
is "$STATUS" 404 "an unknown id: 404"
http GET "$obase/api/invoices"
is "$STATUS" 401 "the list without a token: 401"
http GET "$obase/api/invoices/$manual"
is "$STATUS" 401 "  an invoice too"

# --- the list: filters and orders against the same question in SQL ---
psql_q "insert into ocr.invoices (id, user_id, source, invoice_number, invoice_date, seller_name, buyer_name,
	currency, total, needs_review, document_type, line_items, created_at)
	select gen_random_uuid(), '$lister_uid', 'ocr', 'INV-' || lpad(g::text, 3, '0'),
	case when g % 5 = 0 then null else date '2023-01-01' + (g * 7 % 40) end,
	(array['Công ty Minh Phát', 'Acme_Corp', 'EVN Hà Nội', 'AcmeXCorp'])[g % 4 + 1], 'Buyer ' || g,
	(array['VND', 'USD'])[g % 2 + 1],
	case when g % 6 = 0 then null else (g * 37 % 11) * 1000 + 0.5 end, g % 3 = 0,
	(array['invoice', 'receipt', 'utility_bill'])[g % 3 + 1],
	jsonb_build_array(jsonb_build_object('description', case when g = 7 then '50% off widget' else 'widget ' || g end)),
	timestamptz '2026-01-01' + (g / 2) * interval '1 minute'
	from generate_series(1, 25) g" >/dev/null
# in_sql WHERE ORDER: the lister's ids the SQL way
in_sql() {
	psql_q "select id from ocr.invoices where user_id = '$lister_uid' and ($1) order by $2"
}
order_of() {
	case $1 in
	invoice_date) echo "invoice_date asc nulls last, id asc" ;;
	-invoice_date) echo "invoice_date desc nulls last, id desc" ;;
	total) echo "total asc nulls last, id asc" ;;
	-total) echo "total desc nulls last, id desc" ;;
	*) echo "created_at desc, id desc" ;;
	esac
}
# pages QUERY: every id of the list in order, through its cursors, 4 a page, into $T_DIR/got; PAGES
pages() {
	local cursor= n=0
	: >"$T_DIR/got"
	PAGES=0
	while [ $n -lt 50 ]; do
		n=$((n + 1))
		http GET "$obase/api/invoices?limit=4&$1${cursor:+&cursor=$cursor}" "${lister[@]}"
		[ "$STATUS" = 200 ] || { echo "status $STATUS" >>"$T_DIR/got"; return; }
		PAGES=$((PAGES + 1))
		json '.items[].id' >>"$T_DIR/got"
		cursor=$(json '.next_cursor // empty')
		[ -n "$cursor" ] || return
	done
}
for sort in "" invoice_date -invoice_date total -total; do
	pages "sort=$sort"
	[ -z "$sort" ] && pages ""
	in_sql true "$(order_of "$sort")" >"$T_DIR/want"
	check "sort=${sort:-(default)}: 25 invoices over $PAGES pages of 4, none twice, none missing, in order" \
		cmp -s "$T_DIR/want" "$T_DIR/got"
done
http GET "$obase/api/invoices?limit=200" "${lister[@]}"
is "$(json '.items | length') $(json .next_cursor)" "25 null" "one page of 200 holds them all"
keep InvoiceList
http GET "$obase/api/invoices?limit=3&sort=-invoice_date" "${lister[@]}"
keep InvoiceList

# filter QUERY WHERE WHAT: the list with QUERY is the SQL's WHERE, in the default order and by -total
filter() {
	in_sql "$2" "$(order_of "")" >"$T_DIR/want"
	pages "$1"
	if cmp -s "$T_DIR/want" "$T_DIR/got"; then
		ok "$3 ($(wc -l <"$T_DIR/want") of 25)"
	else
		not_ok "$3"
		diag "want $(tr '\n' ' ' <"$T_DIR/want")"
		diag "got  $(tr '\n' ' ' <"$T_DIR/got")"
	fi
	in_sql "$2" "$(order_of -total)" >"$T_DIR/want"
	pages "$1&sort=-total"
	check "  and sorted by -total" cmp -s "$T_DIR/want" "$T_DIR/got"
}
filter "from=2023-01-20" "invoice_date >= '2023-01-20'" "from"
filter "to=2023-01-20" "invoice_date <= '2023-01-20'" "to"
filter "from=2023-01-10&to=2023-01-20" "invoice_date between '2023-01-10' and '2023-01-20'" "from and to"
filter "seller=acme_" "seller_name ilike '%acme\\_%'" "seller, any case, _ as itself"
filter "seller=minh%20ph%C3%A1t" "seller_name ilike '%minh phát%'" "seller with a space and a diacritic"
filter "currency=usd" "currency = 'USD'" "currency"
filter "min_total=5000.5" "total >= 5000.5" "min_total"
filter "max_total=3000.50" "total <= 3000.5" "max_total"
filter "needs_review=true" "needs_review" "needs_review=true"
filter "needs_review=false" "not needs_review" "needs_review=false"
filter "q=widget%201" "line_items->0->>'description' like 'widget 1%'" "q in a line's description"
filter "q=50%25" "line_items->0->>'description' like '50\\%%'" "q with % matches a % only"
filter "q=inv-01" "invoice_number like 'INV-01%'" "q in the invoice number"
filter "q=buyer%202" "buyer_name like 'Buyer 2%'" "q in the buyer"
filter "q=hà%20nội" "seller_name = 'EVN Hà Nội'" "q in the seller"
filter "document_type=utility_bill" "document_type = 'utility_bill'" "document_type"
filter "currency=VND&needs_review=false&min_total=1000&from=2023-01-05&q=widget" \
	"currency = 'VND' and not needs_review and total >= 1000 and invoice_date >= '2023-01-05'" "five filters together"
pages "sort=invoice_date&currency=USD"
in_sql "currency = 'USD'" "$(order_of invoice_date)" >"$T_DIR/want"
check "a filter with sort=invoice_date, through its pages" cmp -s "$T_DIR/want" "$T_DIR/got"

http GET "$obase/api/invoices?limit=100" "${admin[@]}"
is "$(json "[.items[] | select(.id == \"$manual\" or .id == \"$ocr\")] | length") $(json "[.items[].id] | length > 27")" "2 true" \
	"an admin's list holds every user's"
http GET "$obase/api/invoices" "${mine[@]}"
is "$(json '[.items[].id] | sort | join(" ")')" "$(printf '%s\n' "$manual" "$ocr" "$bare" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"a user's list holds their own only"

# bad list parameters: 400 naming the parameter
for bad in "from=2023-02-30 from" "to=tomorrow to" "min_total=1,000 min_total" "max_total=abc max_total" \
	"currency=VN currency" "needs_review=yes needs_review" "document_type=bill document_type" "sort=date sort" "limit=0 limit" "limit=201 limit" \
	"cursor=garbage cursor" "q=a%0Ab q" "from=2023-02-01&to=2023-01-01 from"; do
	http GET "$obase/api/invoices?${bad% *}" "${lister[@]}"
	refused 400 "${bad##* }" "?${bad% *}"
done
keep Error
http GET "$obase/api/invoices?limit=2&sort=total" "${lister[@]}"
c=$(json .next_cursor)
http GET "$obase/api/invoices?limit=2&sort=-total&cursor=$c" "${lister[@]}"
refused 400 cursor "a cursor of sort=total given to sort=-total"

# --- DELETE: the invoice and its original go, the job stays ---
http DELETE "$obase/api/invoices/$ocr" "${mine[@]}"
is "$STATUS" 204 "DELETE /api/invoices/{id}: 204"
http GET "$obase/api/invoices/$ocr" "${mine[@]}"
is "$STATUS" 404 "  then it is a 404"
is "$(psql_q "select count(*) from ocr.invoice_originals where invoice_id = '$ocr'")" 0 "  its original is gone"
http GET "$obase/api/ocr/jobs/$job" "${mine[@]}"
is "$STATUS $(json .id) $(json .invoice_id)" "200 $job null" "  the job stays, without an invoice"
http DELETE "$obase/api/invoices/$ocr" "${mine[@]}"
is "$STATUS" 404 "deleted twice: 404"
http DELETE "$obase/api/invoices/$bare" "${admin[@]}"
is "$STATUS" 204 "an admin deletes another user's: 204"

# --- every answer kept above fits its schema in doc/api/openapi.json ---
answers_fit_openapi "$T_DIR/answers" "Invoice, InvoiceList, Job and Error"

t_end
