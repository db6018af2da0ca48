/*
 * invoice_write: POST /api/invoices (an invoice entered by hand) and
 * PATCH /api/invoices/{id} (a correction).
 *
 * SECURITY: the body is a client's.  It must be one JSON object (lib/json
 * bounds its size and depth); each member must be a field of the Invoice
 * a client may set, given once, of its type, and its value is checked as
 * lib/invoice checks the field's kind.  Members the service keeps (id,
 * job_id, source, confidence, extracted, corrected, review_reasons,
 * times) and unknown ones are refused.  A refusal is a 422 naming the
 * member.  What passes is written again as a new JSON object of only
 * checked values (lib/invoices takes that shape), so nothing of the
 * client's text reaches a statement but as a checked parameter.
 *
 * A correction sets each member given (null clears it); each joins
 * `corrected` and gets confidence 1, and `extracted` is left as it was.
 */
#include <stdio.h>
#include <string.h>

#include "lib/invoices.h"
#include "lib/json.h"
#include "lib/log.h"
#include "bin/quill-ocrd/ocrd.h"

/* What the service keeps: in a body they are refused, not ignored. */
static const char *const kept[] = {
	"id", "job_id", "source", "confidence", "extracted", "corrected", "review_reasons", "created_at",
	"updated_at", NULL
};

static const char *const item_keys[] = { "description", "quantity", "unit_price", "amount", NULL };

/* The body read: the values to write and the confidences to set, as JSON. */
struct body {
	yajl_gen values;
	yajl_gen confidence;
	bool patch;		/* a correction: every member given is certain, a null too */
	char why[200];
};

static int
refuse(struct body *b, const char *fmt, const char *name)
{
	snprintf(b->why, sizeof(b->why), fmt, name);
	return -1;
}

/* An invoice field: a checked string, or null. */
static int
read_field(struct body *b, enum invoice_field f, const struct json_value *v)
{
	const char *name = invoice_field_name(f);
	const char *s;
	size_t len;

	if (json_type(v) == JSON_NULL) {
		if (f == INVOICE_DOCUMENT_TYPE)
			return refuse(b, "%s cannot be null: it is one of invoice, receipt, utility_bill, "
			    "e_wallet_receipt, credit_note", name);
		json_gen_kv_string(b->values, name, NULL);
		if (b->patch)
			json_gen_kv_double(b->confidence, name, 1);
		return 0;
	}
	if ((s = json_string(v, &len)) == NULL)
		return refuse(b, "%s must be a string or null", name);
	if (!invoice_value_valid(f, s, len, b->why, sizeof(b->why)))
		return -1;
	json_gen_key(b->values, name);
	json_gen_string_len(b->values, s, len);
	json_gen_kv_double(b->confidence, name, 1);
	return 0;
}

/* One member of a line item: text for its description, a decimal for the rest. */
static int
read_item_value(struct body *b, size_t i, const char *key, const struct json_value *v)
{
	/* the checks of fields of the same kinds; the message names the item's member */
	enum invoice_field like = strcmp(key, "description") == 0 ? INVOICE_SELLER_NAME : INVOICE_TOTAL;
	char why[160];
	const char *s;
	size_t len;

	if (json_type(v) == JSON_NULL) {
		json_gen_kv_string(b->values, key, NULL);
		return 0;
	}
	if ((s = json_string(v, &len)) == NULL || !invoice_value_valid(like, s, len, why, sizeof(why))) {
		snprintf(b->why, sizeof(b->why), "line_items[%zu].%s must be %s or null", i, key,
		    like == INVOICE_TOTAL ? "a decimal string like \"1234.56\"" : "UTF-8 text of at most 1000 bytes");
		return -1;
	}
	json_gen_key(b->values, key);
	json_gen_string_len(b->values, s, len);
	return 0;
}

/* line_items: the whole list, each item with its four members in order (absent ones null). */
static int
read_items(struct body *b, const struct json_value *v)
{
	size_t n = json_length(v);

	if (json_type(v) != JSON_ARRAY)
		return refuse(b, "%s must be an array", "line_items");
	if (n > INVOICE_MAX_LINE_ITEMS) {
		snprintf(b->why, sizeof(b->why), "line_items holds more than %d items", INVOICE_MAX_LINE_ITEMS);
		return -1;
	}
	json_gen_key(b->values, "line_items");
	yajl_gen_array_open(b->values);
	for (size_t i = 0; i < n; i++) {
		const struct json_value *item = json_at(v, i), *m;

		if (json_type(item) != JSON_OBJECT) {
			snprintf(b->why, sizeof(b->why), "line_items[%zu] must be an object", i);
			return -1;
		}
		for (size_t k = 0; k < json_length(item); k++) {
			const char *key = json_member(item, k, &m);
			bool known = false;

			for (const char *const *ik = item_keys; *ik != NULL; ik++)
				known |= strcmp(key, *ik) == 0;
			if (!known || json_get(item, key) != m) {
				snprintf(b->why, sizeof(b->why), "line_items[%zu] has %s member %.40s", i,
				    known ? "a second" : "an unknown", key);
				return -1;
			}
		}
		yajl_gen_map_open(b->values);
		for (const char *const *ik = item_keys; *ik != NULL; ik++)
			if (read_item_value(b, i, *ik, json_get(item, *ik)) != 0)
				return -1;
		yajl_gen_map_close(b->values);
	}
	yajl_gen_array_close(b->values);
	if (n > 0 || b->patch)
		json_gen_kv_double(b->confidence, "line_items", 1);
	return 0;
}

/* language: a short lower-case code ("en", "vi"), or null. */
static int
read_language(struct body *b, const struct json_value *v)
{
	const char *s;
	size_t len;

	if (json_type(v) == JSON_NULL) {
		json_gen_kv_string(b->values, "language", NULL);
		return 0;
	}
	if ((s = json_string(v, &len)) == NULL || len < 2 || len > 3 || strspn(s, "abcdefghijklmnopqrstuvwxyz") != len)
		return refuse(b, "%s must be a language code like \"vi\" or null", "language");
	json_gen_kv_string(b->values, "language", s);
	return 0;
}

static int
read_member(struct body *b, const char *key, const struct json_value *v)
{
	int f = invoice_field_from_name(key, strlen(key));
	bool flag;

	if (f >= 0)
		return read_field(b, (enum invoice_field)f, v);
	if (strcmp(key, "line_items") == 0)
		return read_items(b, v);
	if (strcmp(key, "language") == 0)
		return read_language(b, v);
	if (strcmp(key, "needs_review") == 0) {
		if (json_bool(v, &flag) != 0)
			return refuse(b, "%s must be true or false", key);
		json_gen_kv_bool(b->values, key, flag);
		return 0;
	}
	for (const char *const *k = kept; *k != NULL; k++)
		if (strcmp(key, *k) == 0)
			return refuse(b, "%s is kept by the service and cannot be set", key);
	snprintf(b->why, sizeof(b->why), "%.60s is not a field of an invoice", key);
	return -1;
}

/*
 * Reads the request's body into b's two objects, each left open.
 * Returns 0, or -1 after answering (400, 415, 422).
 */
static int
read_body(struct http_request *hr, struct body *b)
{
	const struct json_value *root = http_json_body(hr), *v;

	if (root == NULL)
		return -1;
	if (json_type(root) != JSON_OBJECT) {
		http_send_error(hr, 422, "validation_failed", "the body must be a JSON object of invoice fields");
		return -1;
	}
	yajl_gen_map_open(b->values);
	yajl_gen_map_open(b->confidence);
	for (size_t i = 0; i < json_length(root); i++) {
		const char *key = json_member(root, i, &v);

		if (json_get(root, key) != v) {
			snprintf(b->why, sizeof(b->why), "%.60s is given twice", key);
			goto refused;
		}
		if (read_member(b, key, v) != 0)
			goto refused;
	}
	return 0;
refused:
	http_send_error(hr, 422, "validation_failed", b->why);
	return -1;
}

/* The two generators live as long as the request. */
static void
body_dispose(void *p)
{
	struct body *b = p;

	if (b->values != NULL)
		yajl_gen_free(b->values);
	if (b->confidence != NULL)
		yajl_gen_free(b->confidence);
}

static struct body *
body_new(struct http_request *hr, bool patch)
{
	struct body *b = http_request_alloc(hr, sizeof(*b), body_dispose);

	memset(b, 0, sizeof(*b));
	b->values = json_gen_new();
	b->confidence = json_gen_new();
	b->patch = patch;
	return b;
}

/* A value the checks passed and the table's constraints still refuse is the client's, not ours. */
static bool
write_result(struct job_op *op, const PGresult *res, const struct pg_error *err)
{
	if (res == NULL && (err->kind == PG_ERR_DATA || err->kind == PG_ERR_CONSTRAINT)) {
		op->query = NULL;
		http_send_error(op->hr, 422, "validation_failed", "a value is out of the range an invoice allows");
		return false;
	}
	return job_op_result(op, res, err);
}

/* --- POST --- */

static void
on_created(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;
	char url[64];

	if (!write_result(op, res, err))
		return;
	snprintf(url, sizeof(url), "/api/invoices/%s", op->invoice_id);
	h2o_add_header(&op->hr->req->pool, &op->hr->req->res.headers, H2O_TOKEN_LOCATION, NULL,
	    h2o_strdup(&op->hr->req->pool, url, SIZE_MAX).base, strlen(url));
	log_info("event=invoice_created invoice=%s user=%s source=manual request_id=%s", op->invoice_id,
	    op->user_id, op->hr->request_id);
	invoices_answer(op, 201, res);
}

void
invoices_create(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);
	struct body *b;
	const char *params[3], *conf;
	size_t len;

	if (op == NULL)
		return;
	b = body_new(hr, false);
	if (read_body(hr, b) != 0)
		return;
	/* the new invoice's confidences go in with its values, as the extractor's do */
	yajl_gen_map_close(b->confidence);
	conf = json_gen_text(b->confidence, &len);
	json_gen_key(b->values, "confidence");
	json_gen_raw(b->values, conf, len);
	yajl_gen_map_close(b->values);
	uuid_v4(op->invoice_id);
	params[0] = op->invoice_id;
	params[1] = op->user_id;
	params[2] = json_gen_text(b->values, NULL);
	job_op_query(op, invoice_sql_create, 3, params, on_created);
}

/* --- PATCH --- */

static void
on_patched(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;

	if (write_result(op, res, err))
		invoices_answer(op, 200, res);
}

void
invoices_patch(struct http_request *hr)
{
	struct job_op *op = job_op_new(hr, 0);
	struct body *b;
	const char *params[5];

	if (op == NULL || !job_op_invoice_id(op))
		return;
	b = body_new(hr, true);
	if (read_body(hr, b) != 0)
		return;
	yajl_gen_map_close(b->values);
	yajl_gen_map_close(b->confidence);
	params[0] = op->invoice_id;
	params[1] = op->user_id;
	params[2] = op->admin ? "true" : "false";
	params[3] = json_gen_text(b->values, NULL);
	params[4] = json_gen_text(b->confidence, NULL);
	job_op_query(op, invoice_sql_patch, 5, params, on_patched);
}
