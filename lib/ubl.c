/*
 * ubl: see ubl.h.  The element order below is the UBL 2.1 schema's
 * (xsd:sequence): a reader that validates refuses any other.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "lib/money.h"
#include "lib/ubl.h"

#define NS_INVOICE "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
#define NS_CAC "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
#define NS_CBC "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
#define EN16931 "urn:cen.eu:en16931:2017"
#define NO_CURRENCY "XXX"	/* ISO 4217: no currency involved */

/* The document being written; failed once any libxml2 call failed. */
struct doc {
	xmlTextWriterPtr w;
	const char *currency;
	int minor_units;	/* of currency, for amounts quill computes; 0 if unknown */
	int failed;
};

static void
start(struct doc *d, const char *name)
{
	if (xmlTextWriterStartElement(d->w, BAD_CAST name) < 0)
		d->failed = 1;
}

static void
end(struct doc *d)
{
	if (xmlTextWriterEndElement(d->w) < 0)
		d->failed = 1;
}

static void
attribute(struct doc *d, const char *name, const char *value)
{
	if (xmlTextWriterWriteAttribute(d->w, BAD_CAST name, BAD_CAST value) < 0)
		d->failed = 1;
}

static void
leaf(struct doc *d, const char *name, const char *text)
{
	start(d, name);
	if (xmlTextWriterWriteString(d->w, BAD_CAST text) < 0)
		d->failed = 1;
	end(d);
}

/* <outer><name>text</name></outer> */
static void
wrapped_leaf(struct doc *d, const char *outer, const char *name, const char *text)
{
	start(d, outer);
	leaf(d, name, text);
	end(d);
}

/* An amount carries its currency on every element (UBL's AmountType). */
static void
amount(struct doc *d, const char *name, const char *value)
{
	start(d, name);
	attribute(d, "currencyID", d->currency);
	if (xmlTextWriterWriteString(d->w, BAD_CAST value) < 0)
		d->failed = 1;
	end(d);
}

/*
 * U+FFFE and U+FFFF are UTF-8 PostgreSQL stores but not characters XML
 * 1.0 can carry (its Char production); invoice_valid() has refused the
 * rest XML cannot (controls, surrogates, NUL).
 */
static bool
xml_chars_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
			return false;
	return true;
}

/* A uuid, or anything printable without spaces: it names the invoice. */
static bool
id_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* Everything is checked before the first byte is written. */
static enum ubl_status
check(const struct invoice *inv, const struct ubl_meta *meta)
{
	char why[200];

	if (!id_ok(meta->id))
		return UBL_INVALID;
	if (meta->created == NULL ||
	    !invoice_value_valid(INVOICE_DATE, meta->created, strlen(meta->created), why, sizeof(why)))
		return UBL_INVALID;
	if (!invoice_valid(inv, why, sizeof(why)))
		return UBL_INVALID;
	for (int f = 0; f < INVOICE_NFIELDS; f++)
		if (inv->value[f] != NULL && !xml_chars_ok(inv->value[f]))
			return UBL_INVALID;
	for (size_t i = 0; i < inv->nitems; i++)
		if (inv->items[i].description != NULL && !xml_chars_ok(inv->items[i].description))
			return UBL_INVALID;
	return UBL_OK;
}

static struct money
decimal(const char *s)
{
	struct money m = { 0 };

	money_from_canonical(s, strlen(s), &m);	/* checked by check() */
	return m;
}

/*
 * The net amount: the subtotal, else total - tax when both are known;
 * into buf, NULL when neither.
 */
static const char *
net_amount(const struct doc *d, const struct invoice *inv, char *buf, size_t size)
{
	const char *total = inv->value[INVOICE_TOTAL], *tax = inv->value[INVOICE_TAX_AMOUNT];
	struct money net;

	if (inv->value[INVOICE_SUBTOTAL] != NULL)
		return inv->value[INVOICE_SUBTOTAL];
	if (total == NULL || tax == NULL ||
	    money_sub(decimal(total), decimal(tax), &net) != MONEY_OK ||
	    money_format(net, d->minor_units, buf, size) != MONEY_OK)
		return NULL;
	return buf;
}

/* "S" standard rated, "Z" zero rated (EN 16931: S needs a rate above 0). */
static void
tax_category(struct doc *d, const char *element, const char *rate)
{
	start(d, element);
	leaf(d, "cbc:ID", decimal(rate).units == 0 ? "Z" : "S");
	leaf(d, "cbc:Percent", rate);
	wrapped_leaf(d, "cac:TaxScheme", "cbc:ID", "VAT");
	end(d);
}

/*
 * The country of a tax id written with its VAT prefix ("DE123456789",
 * "ATU12345678"); NULL for any other, Vietnamese ones included (digits
 * only).  The list keeps "MST0101..." from reading as Montserrat.  The
 * code, when one, is written into code.
 */
static const char *
country_of_tax_id(const char *tax_id, char code[3])
{
	static const char prefixes[] =
	    "AT BE BG CY CZ DE DK EE EL ES FI FR GB HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK";

	if (tax_id == NULL || strlen(tax_id) < 4 || tax_id[0] < 'A' || tax_id[0] > 'Z' ||
	    tax_id[1] < 'A' || tax_id[1] > 'Z' ||
	    !((tax_id[2] >= '0' && tax_id[2] <= '9') || (tax_id[2] >= 'A' && tax_id[2] <= 'Z')))
		return NULL;
	for (const char *p = prefixes; *p != '\0'; p += p[2] == ' ' ? 3 : 2)
		if (p[0] == tax_id[0] && p[1] == tax_id[1]) {
			/* Greece's VAT prefix is not its ISO 3166 code */
			if (memcmp(p, "EL", 2) == 0)
				return "GR";
			memcpy(code, p, 2);
			code[2] = '\0';
			return code;
		}
	return NULL;
}

/* An address's lines as one StreetName: "12 Lý Thường Kiệt, Hà Nội". */
static void
street_name(struct doc *d, const char *address)
{
	char line[2 * INVOICE_TEXT_MAX + 1];
	size_t n = 0;

	for (const char *p = address; *p != '\0'; ) {
		size_t len = strcspn(p, "\r\n");

		if (len > 0 && n + len + 3 <= sizeof(line)) {
			if (n > 0) {
				memcpy(line + n, ", ", 2);
				n += 2;
			}
			memcpy(line + n, p, len);
			n += len;
		}
		p += len;
		p += strspn(p, "\r\n");
	}
	line[n] = '\0';
	if (n > 0)
		leaf(d, "cbc:StreetName", line);
}

static void
party(struct doc *d, const char *element, const char *name, const char *address, const char *tax_id)
{
	char code[3];
	const char *country = country_of_tax_id(tax_id, code);

	start(d, element);
	if (name != NULL || address != NULL || tax_id != NULL) {
		start(d, "cac:Party");
		if (name != NULL)
			wrapped_leaf(d, "cac:PartyName", "cbc:Name", name);
		if (address != NULL || country != NULL) {
			start(d, "cac:PostalAddress");
			if (address != NULL)
				street_name(d, address);
			if (country != NULL)
				wrapped_leaf(d, "cac:Country", "cbc:IdentificationCode", country);
			end(d);
		}
		if (tax_id != NULL) {
			start(d, "cac:PartyTaxScheme");
			leaf(d, "cbc:CompanyID", tax_id);
			wrapped_leaf(d, "cac:TaxScheme", "cbc:ID", "VAT");
			end(d);
		}
		/* EN 16931 reads the seller's and buyer's names here (BT-27, BT-44) */
		if (name != NULL)
			wrapped_leaf(d, "cac:PartyLegalEntity", "cbc:RegistrationName", name);
		end(d);
	}
	end(d);
}

static void
tax_total(struct doc *d, const struct invoice *inv, const char *net)
{
	const char *tax = inv->value[INVOICE_TAX_AMOUNT], *rate = inv->value[INVOICE_TAX_RATE];

	if (tax == NULL)
		return;
	start(d, "cac:TaxTotal");
	amount(d, "cbc:TaxAmount", tax);
	if (rate != NULL) {
		start(d, "cac:TaxSubtotal");
		if (net != NULL)
			amount(d, "cbc:TaxableAmount", net);
		amount(d, "cbc:TaxAmount", tax);
		tax_category(d, "cac:TaxCategory", rate);
		end(d);
	}
	end(d);
}

static void
monetary_total(struct doc *d, const struct invoice *inv)
{
	const char *subtotal = inv->value[INVOICE_SUBTOTAL];

	start(d, "cac:LegalMonetaryTotal");
	if (subtotal != NULL) {
		amount(d, "cbc:LineExtensionAmount", subtotal);
		amount(d, "cbc:TaxExclusiveAmount", subtotal);
	}
	amount(d, "cbc:TaxInclusiveAmount", inv->value[INVOICE_TOTAL]);
	amount(d, "cbc:PayableAmount", inv->value[INVOICE_TOTAL]);
	end(d);
}

static void
line(struct doc *d, size_t n, const char *name, const char *quantity, const char *line_amount,
    const char *price, const char *rate)
{
	char id[24];

	snprintf(id, sizeof(id), "%zu", n);
	start(d, "cac:InvoiceLine");
	leaf(d, "cbc:ID", id);
	if (quantity != NULL) {
		start(d, "cbc:InvoicedQuantity");
		attribute(d, "unitCode", "C62");	/* UN/ECE rec. 20: one, a unit */
		if (xmlTextWriterWriteString(d->w, BAD_CAST quantity) < 0)
			d->failed = 1;
		end(d);
	}
	amount(d, "cbc:LineExtensionAmount", line_amount);
	start(d, "cac:Item");
	if (name != NULL)
		leaf(d, "cbc:Name", name);
	/* the document's one rate applies to each line (BG-30) */
	if (rate != NULL)
		tax_category(d, "cac:ClassifiedTaxCategory", rate);
	end(d);
	if (price != NULL) {
		start(d, "cac:Price");
		amount(d, "cbc:PriceAmount", price);
		end(d);
	}
	end(d);
}

/* A line's amount: as stored, else quantity x unit price; NULL if neither. */
static const char *
line_amount(const struct doc *d, const struct invoice_line_item *it, char *buf, size_t size)
{
	struct money m;

	if (it->amount != NULL)
		return it->amount;
	if (it->quantity == NULL || it->unit_price == NULL ||
	    money_mul(decimal(it->unit_price), decimal(it->quantity), &m) != MONEY_OK ||
	    money_format(m, d->minor_units, buf, size) != MONEY_OK)
		return NULL;
	return buf;
}

static enum ubl_status
lines(struct doc *d, const struct invoice *inv, const char *net)
{
	const char *rate = inv->value[INVOICE_TAX_RATE];
	char buf[MONEY_TEXT_MAX];

	if (inv->nitems == 0) {
		/* UBL needs one line at least: the whole invoice, plainly named */
		line(d, 1, "(no line items were extracted)", "1",
		    net != NULL ? net : inv->value[INVOICE_TOTAL], net, rate);
		return UBL_OK;
	}
	for (size_t i = 0; i < inv->nitems; i++) {
		const struct invoice_line_item *it = &inv->items[i];
		const char *a = line_amount(d, it, buf, sizeof(buf));

		if (a == NULL)
			return UBL_NO_LINE_AMOUNT;
		line(d, i + 1, it->description, it->quantity, a, it->unit_price, rate);
	}
	return UBL_OK;
}

static enum ubl_status
body(struct doc *d, const struct invoice *inv, const struct ubl_meta *meta)
{
	const char *const *v = (const char *const *)inv->value;
	const char *type = v[INVOICE_DOCUMENT_TYPE];
	char netbuf[MONEY_TEXT_MAX];
	const char *net = net_amount(d, inv, netbuf, sizeof(netbuf));

	start(d, "Invoice");
	attribute(d, "xmlns", NS_INVOICE);
	attribute(d, "xmlns:cac", NS_CAC);
	attribute(d, "xmlns:cbc", NS_CBC);
	leaf(d, "cbc:CustomizationID", EN16931);
	leaf(d, "cbc:ID", v[INVOICE_NUMBER] != NULL ? v[INVOICE_NUMBER] : meta->id);
	leaf(d, "cbc:UUID", meta->id);
	leaf(d, "cbc:IssueDate", v[INVOICE_DATE] != NULL ? v[INVOICE_DATE] : meta->created);
	if (v[INVOICE_DUE_DATE] != NULL)
		leaf(d, "cbc:DueDate", v[INVOICE_DUE_DATE]);
	/* UNTDID 1001: 380 commercial invoice, 381 credit note */
	leaf(d, "cbc:InvoiceTypeCode", type != NULL && strcmp(type, "credit_note") == 0 ? "381" : "380");
	if (v[INVOICE_DATE] == NULL)
		leaf(d, "cbc:Note", "The invoice date is unknown: IssueDate is the day the invoice was recorded.");
	if (v[INVOICE_CURRENCY] == NULL)
		leaf(d, "cbc:Note", "The currency is unknown: amounts are given with the code XXX.");
	leaf(d, "cbc:DocumentCurrencyCode", d->currency);
	party(d, "cac:AccountingSupplierParty", v[INVOICE_SELLER_NAME], v[INVOICE_SELLER_ADDRESS],
	    v[INVOICE_SELLER_TAX_ID]);
	party(d, "cac:AccountingCustomerParty", v[INVOICE_BUYER_NAME], v[INVOICE_BUYER_ADDRESS],
	    v[INVOICE_BUYER_TAX_ID]);
	tax_total(d, inv, net);
	monetary_total(d, inv);
	return lines(d, inv, net);
}

enum ubl_status
ubl_write_invoice(const struct invoice *inv, const struct ubl_meta *meta, struct strbuf *out)
{
	struct doc d = { 0 };
	xmlBufferPtr buf;
	enum ubl_status st;
	size_t was = out->len;

	if ((st = check(inv, meta)) != UBL_OK)
		return st;
	if (inv->value[INVOICE_TOTAL] == NULL)
		return UBL_NO_TOTAL;
	d.currency = inv->value[INVOICE_CURRENCY] != NULL ? inv->value[INVOICE_CURRENCY] : NO_CURRENCY;
	d.minor_units = money_minor_units(d.currency) > 0 ? money_minor_units(d.currency) : 0;
	if ((buf = xmlBufferCreate()) == NULL)
		return UBL_NOMEM;
	if ((d.w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
		xmlBufferFree(buf);
		return UBL_NOMEM;
	}
	xmlTextWriterSetIndent(d.w, 1);
	xmlTextWriterSetIndentString(d.w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(d.w, NULL, "UTF-8", NULL) < 0)
		d.failed = 1;
	st = body(&d, inv, meta);
	if (xmlTextWriterEndDocument(d.w) < 0)
		d.failed = 1;
	xmlFreeTextWriter(d.w);	/* flushes into buf */
	if (st == UBL_OK && d.failed)
		st = UBL_NOMEM;
	if (st == UBL_OK) {
		strbuf_add(out, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
		if (out->failed)
			st = UBL_NOMEM;
	}
	xmlBufferFree(buf);
	if (st != UBL_OK && out->p != NULL) {
		out->len = was;
		out->p[was] = '\0';
	}
	return st;
}

const char *
ubl_status_name(enum ubl_status st)
{
	static const char *const names[] = {
		[UBL_OK] = "OK",
		[UBL_INVALID] = "INVALID",
		[UBL_NO_TOTAL] = "NO_TOTAL",
		[UBL_NO_LINE_AMOUNT] = "NO_LINE_AMOUNT",
		[UBL_NOMEM] = "NOMEM",
	};

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}
