/*
 * invoice: the Invoice of the Invoices API (ARCHITECTURE.md) as one C
 * value: what the extractor fills, what the worker stores, what a
 * client's POST or PATCH is checked against.
 *
 * Every single-valued field has a name (the API's JSON key), a kind that
 * says what its text may be, and a confidence.  A field's value is text
 * in the API's canonical form: money and rates as exact decimals
 * (lib/money: "1234.56", VND "1250000", a rate "10" for 10 %), dates as
 * "YYYY-MM-DD", a currency as its ISO 4217 code; NULL means not found
 * (the API's null).  Line items hold decimals as text too.
 *
 * An invoice owns every string in it; invoice_free() releases them and
 * leaves an empty invoice.  Nothing here does I/O.
 */
#ifndef QUILL_INVOICE_H
#define QUILL_INVOICE_H

#include <stdbool.h>
#include <stddef.h>

#include <yajl/yajl_gen.h>

/* The order is the API's; invoice_field_name() gives the JSON key. */
enum invoice_field {
	INVOICE_NUMBER,
	INVOICE_DATE,
	INVOICE_DUE_DATE,
	INVOICE_SELLER_NAME,
	INVOICE_SELLER_ADDRESS,
	INVOICE_SELLER_TAX_ID,
	INVOICE_BUYER_NAME,
	INVOICE_BUYER_ADDRESS,
	INVOICE_BUYER_TAX_ID,
	INVOICE_CURRENCY,
	INVOICE_SUBTOTAL,
	INVOICE_TAX_RATE,
	INVOICE_TAX_AMOUNT,
	INVOICE_TOTAL,
	INVOICE_DOCUMENT_TYPE,
	INVOICE_PAYMENT_METHOD,
	INVOICE_PAYMENT_ACCOUNT,
	INVOICE_TRANSACTION_ID,
	INVOICE_CUSTOMER_CODE,
	INVOICE_NFIELDS
};

/* What a field's text may be. */
enum invoice_kind {
	INVOICE_KIND_TEXT,	/* UTF-8, one line or several (an address), at most INVOICE_TEXT_MAX bytes */
	INVOICE_KIND_DATE,	/* "YYYY-MM-DD", a real calendar date */
	INVOICE_KIND_MONEY,	/* canonical decimal (lib/money) */
	INVOICE_KIND_RATE,	/* canonical decimal, 0..100 (percent) */
	INVOICE_KIND_CURRENCY,	/* three capital letters */
	INVOICE_KIND_DOCUMENT_TYPE,	/* one of invoice_document_types[] */
};

#define INVOICE_TEXT_MAX 1000		/* bytes of a text field */
#define INVOICE_MAX_LINE_ITEMS 500

struct invoice_line_item {
	char *description;	/* text */
	char *quantity;		/* canonical decimal */
	char *unit_price;	/* canonical decimal */
	char *amount;		/* canonical decimal */
};

struct invoice {
	char *value[INVOICE_NFIELDS];		/* NULL: not found */
	double confidence[INVOICE_NFIELDS];	/* 0..1, meaningful where value is set */
	struct invoice_line_item *items;
	size_t nitems;
	double items_confidence;		/* of the line items as a whole */
	char *language;				/* "en", "vi", or NULL */
	bool needs_review;
	char **review_reasons;			/* short sentences, one per disagreement or doubt */
	size_t nreasons;
};

extern const char *const invoice_document_types[];	/* NULL-terminated */

const char *invoice_field_name(enum invoice_field f);
enum invoice_kind invoice_field_kind(enum invoice_field f);
/* The field of a JSON key; -1 when none is called that. */
int invoice_field_from_name(const char *name, size_t len);

/*
 * Whether the len bytes at s are a valid value of field f's kind, as the
 * API stores it; when not, why says so in one line fit for a client.
 */
bool invoice_value_valid(enum invoice_field f, const char *s, size_t len, char *why, size_t whysize);

/*
 * Whether every value of inv, its line items' too, is valid as the API
 * stores it (a description is text, quantities and prices decimals);
 * when not, why says which in one line.  What a writer of the whole
 * invoice (lib/ubl, lib/export) checks before it writes.
 */
bool invoice_valid(const struct invoice *inv, char *why, size_t whysize);

/* Sets field f to a copy of the len bytes at s with confidence conf; -1 on ENOMEM. */
int invoice_set(struct invoice *inv, enum invoice_field f, const char *s, size_t len, double conf);
/* Appends a line item (any member may be NULL), copying the strings; -1 on ENOMEM or when full. */
int invoice_add_item(struct invoice *inv, const char *description, const char *quantity,
    const char *unit_price, const char *amount);
/* Appends a review reason (a copy); -1 on ENOMEM. */
int invoice_add_reason(struct invoice *inv, const char *reason);
void invoice_free(struct invoice *inv);

/*
 * Writes the fields as one JSON object onto g: each field by its name
 * (null when not found), "language", "line_items", "confidence" (found
 * fields only, rounded to 0.01), "needs_review" and "review_reasons".
 * This is the extractor's output the worker hands to the database.
 */
void invoice_to_json(const struct invoice *inv, yajl_gen g);

#endif
