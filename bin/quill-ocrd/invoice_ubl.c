/*
 * invoice_ubl: GET /api/invoices/{id}/ubl, one invoice as a UBL 2.1
 * Invoice document (lib/ubl), to its owner or an admin.
 *
 * What lib/ubl refuses to write is a 422 saying what the invoice lacks,
 * so its owner can correct it (PATCH) and ask again: no total, a line
 * without an amount, or a value not as the API stores it.  Another
 * user's invoice, like a missing one, is a 404.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/invoice_row.h"
#include "lib/invoices.h"
#include "lib/log.h"
#include "lib/ubl.h"
#include "bin/quill-ocrd/ocrd.h"

/* Answers what ubl_write_invoice() refused. */
static void
refuse(struct job_op *op, enum ubl_status st)
{
	switch (st) {
	case UBL_NO_TOTAL:
		http_send_error(op->hr, 422, "ubl_no_total",
		    "the invoice has no total, which a UBL invoice must state as its payable amount; set it first");
		return;
	case UBL_NO_LINE_AMOUNT:
		http_send_error(op->hr, 422, "ubl_no_line_amount",
		    "a line item has no amount, nor a quantity and unit price to make it from; correct it first");
		return;
	case UBL_INVALID:
		http_send_error(op->hr, 422, "ubl_invalid",
		    "the invoice holds a value that is not as the API stores it or that XML cannot carry");
		return;
	case UBL_NOMEM:
	case UBL_OK:
		break;
	}
	log_warnx("event=ubl_failed reason=%s invoice=%s request_id=%s", ubl_status_name(st), op->invoice_id,
	    op->hr->request_id);
	http_send_error(op->hr, 500, "internal_error", "the request failed; it was logged");
}

static void
on_values(void *arg, const PGresult *res, const struct pg_error *err)
{
	struct job_op *op = arg;
	struct invoice inv = { 0 };
	struct strbuf xml = { 0 };
	struct ubl_meta meta;
	char created[11];
	enum ubl_status st;

	if (!job_op_result(op, res, err))
		return;
	if (PQntuples(res) == 0) {
		http_send_error(op->hr, 404, "not_found", "no such invoice");
		return;
	}
	switch (invoice_row_read(res, 0, 0, &inv)) {
	case INVOICE_ROW_READ:
		break;
	case INVOICE_ROW_MALFORMED:
		refuse(op, UBL_INVALID);
		return;
	case INVOICE_ROW_NOMEM:
		refuse(op, UBL_NOMEM);
		return;
	}
	/* IssueDate without a date: the day it was recorded, in UTC as created_at is */
	snprintf(created, sizeof(created), "%.10s", invoice_row_created_at(res, 0, 0));
	meta.id = invoice_row_id(res, 0, 0);
	meta.created = created;
	st = ubl_write_invoice(&inv, &meta, &xml);
	invoice_free(&inv);
	if (st == UBL_OK && xml.failed)
		st = UBL_NOMEM;
	if (st == UBL_OK)
		http_send_text(op->hr, 200, "application/xml", xml.p, xml.len);
	else
		refuse(op, st);
	free(xml.p);
}

void
invoices_ubl(struct http_request *hr)
{
	invoices_one(hr, invoice_sql_values, on_values);
}
