/*
 * ubl: one invoice as a UBL 2.1 Invoice document, the EN 16931 core
 * (GET /api/invoices/{id}/ubl; ARCHITECTURE.md, "Invoices API").
 *
 * Pure: no I/O, no global state.  Values go out exactly as stored: money
 * and rates are the canonical decimal text (lib/money), never a double.
 *
 * What is unknown is left out where UBL lets it be; where the syntax
 * demands an element, it is filled in a way the reader can see:
 *   - ID: the invoice's number, else the invoice's own id;
 *   - IssueDate: the invoice's date, else the day quill recorded it,
 *     with a Note saying so;
 *   - DocumentCurrencyCode: the currency, else ISO 4217's "XXX" (no
 *     currency), with a Note saying the currency is unknown;
 *   - one InvoiceLine at least: with no line items, one line holding the
 *     subtotal, named "(no line items were extracted)";
 *   - PayableAmount: the total; an invoice without one is refused
 *     (UBL_NO_TOTAL): there is no honest amount to put there.
 * A line without an amount has quantity x unit price (exact, lib/money)
 * when both are known, else the document is refused (UBL_NO_LINE_AMOUNT).
 * EN 16931's business rules that need what quill never knows (the
 * parties' country, a postal address) are not met by invention: Country
 * is written only when a tax id starts with a country prefix ("DE123..").
 *
 * A credit note is an Invoice with InvoiceTypeCode 381 (EN 16931's BT-3
 * code list), not a UBL CreditNote document, so the route serves one
 * kind of document.  Its amounts are as stored (negative or not).
 *
 * SECURITY: the invoice's text comes from OCR of anyone's upload or from
 * a client's PATCH.  Every value is checked before anything is written:
 * as the API stores it (invoice_valid(): UTF-8 text without controls,
 * dates and amounts in their stored form), and without U+FFFE or U+FFFF,
 * which XML 1.0 cannot carry; anything else is refused (UBL_INVALID),
 * never repaired.  libxml2 escapes & < > and quotes.
 */
#ifndef QUILL_UBL_H
#define QUILL_UBL_H

#include "lib/invoice.h"
#include "lib/strbuf.h"

/* What the invoice value does not hold: the row's own columns. */
struct ubl_meta {
	const char *id;		/* ocr.invoices.id, a uuid: UUID, and ID without a number */
	const char *created;	/* "YYYY-MM-DD" of created_at: IssueDate without a date */
};

enum ubl_status {
	UBL_OK = 0,
	UBL_INVALID,		/* a value not as the API stores it, or not text XML carries */
	UBL_NO_TOTAL,		/* the invoice has no total (PayableAmount) */
	UBL_NO_LINE_AMOUNT,	/* a line item without amount, quantity or unit price */
	UBL_NOMEM,
};

/*
 * Appends the document (UTF-8, with its XML declaration) to out.  On
 * anything but UBL_OK, out is as it was.
 */
enum ubl_status ubl_write_invoice(const struct invoice *inv, const struct ubl_meta *meta,
    struct strbuf *out);

/* The enumerator's name without UBL_, for a log line ("NO_TOTAL"). */
const char *ubl_status_name(enum ubl_status st);

#endif
