/*
 * Unit tests for lib/ubl: the document is well-formed XML (libxml2
 * parses it; xmllint --noout too, when installed), every field lands in
 * its EN 16931 element (checked by XPath, as xmllint --xpath would),
 * text is escaped and Vietnamese kept, a credit note is type 381, what
 * is unknown is left out or filled as ubl.h says, and values that are
 * not in their stored form are refused without touching the output.
 *
 * No UBL 2.1 schema ships in Debian or npm, so the documents are checked
 * against the XSD only when QUILL_UBL_XSD names OASIS's
 * xsd/maindoc/UBL-Invoice-2.1.xsd (its directory tree beside it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "lib/invoice.h"
#include "lib/strbuf.h"
#include "lib/ubl.h"
#include "tests/unit/tap.h"

static const struct ubl_meta meta = { "7a1c2d9e-0b4f-4e0a-9c55-2f1e8d3b6a01", "2025-03-20" };

/* The value of an XPath expression as a string ("" for nothing); freed by the caller. */
static char *
xpath(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res;
	char wrapped[512], *s;

	xmlXPathRegisterNs(ctx, BAD_CAST "inv",
	    BAD_CAST "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2");
	xmlXPathRegisterNs(ctx, BAD_CAST "cac",
	    BAD_CAST "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2");
	xmlXPathRegisterNs(ctx, BAD_CAST "cbc",
	    BAD_CAST "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2");
	snprintf(wrapped, sizeof(wrapped), "string(%s)", expr);
	res = xmlXPathEvalExpression(BAD_CAST wrapped, ctx);
	s = strdup(res != NULL && res->stringval != NULL ? (const char *)res->stringval : "");
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	return s;
}

#define is_xpath(doc, expr, want, what) do {					\
	char *got_ = xpath((doc), (expr));					\
	is_str(got_, (want), (what));						\
	free(got_);								\
} while (0)

static xmlDocPtr
write_and_parse(const struct invoice *inv, const struct ubl_meta *m, struct strbuf *out)
{
	enum ubl_status st;

	out->len = 0;
	st = ubl_write_invoice(inv, m, out);
	if (st != UBL_OK) {
		printf("# ubl_write_invoice: %s\n", ubl_status_name(st));
		return NULL;
	}
	return xmlReadMemory(out->p, (int)out->len, "invoice.xml", NULL, XML_PARSE_NONET);
}

static void
set(struct invoice *inv, enum invoice_field f, const char *s)
{
	invoice_set(inv, f, s, strlen(s), 1);
}

/*
 * xmllint, the command-line reader, agrees that the document is
 * well-formed, and valid UBL 2.1 when the schema is at hand.
 */
static void
xmllint_reads(const struct strbuf *out, const char *what)
{
	const char *dir = getenv("QUILL_TEST_TMP") ? getenv("QUILL_TEST_TMP") : "/tmp";
	const char *xsd = getenv("QUILL_UBL_XSD");
	char path[512], cmd[1200], name[200];
	FILE *f;

	if (system("command -v xmllint >/dev/null 2>&1") != 0) {
		skip("xmllint is not installed (apt-get install libxml2-utils)");
		return;
	}
	snprintf(path, sizeof(path), "%s/test_ubl.%d.xml", dir, (int)getpid());
	if ((f = fopen(path, "w")) == NULL || fwrite(out->p, 1, out->len, f) != out->len) {
		ok(0, "the document is written for xmllint");
		if (f != NULL)
			fclose(f);
		return;
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	snprintf(name, sizeof(name), "xmllint --noout reads %s as well-formed XML", what);
	is_int(system(cmd), 0, name);
	snprintf(name, sizeof(name), "%s is valid against the UBL 2.1 schema", what);
	if (xsd != NULL && *xsd != '\0') {
		snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s' '%s'", xsd, path);
		is_int(system(cmd), 0, name);
	} else
		printf("ok %d - # SKIP %s: QUILL_UBL_XSD names no schema\n", ++tap_count, name);
	unlink(path);
}

static void
test_full(void)
{
	struct invoice inv = { 0 };
	struct strbuf out = { 0 };
	xmlDocPtr doc;

	set(&inv, INVOICE_NUMBER, "AA/25E-0001234");
	set(&inv, INVOICE_DATE, "2025-03-15");
	set(&inv, INVOICE_DUE_DATE, "2025-04-14");
	set(&inv, INVOICE_SELLER_NAME, "Công ty TNHH Cà phê & Trà <Sài Gòn>");
	set(&inv, INVOICE_SELLER_ADDRESS, "12 Lý Thường Kiệt\nHoàn Kiếm, Hà Nội");
	set(&inv, INVOICE_SELLER_TAX_ID, "0101234567");
	set(&inv, INVOICE_BUYER_NAME, "Müller \"Quote\" & 'Apostrophe' GmbH");
	set(&inv, INVOICE_BUYER_ADDRESS, "Hauptstraße 1, 10115 Berlin");
	set(&inv, INVOICE_BUYER_TAX_ID, "DE123456789");
	set(&inv, INVOICE_CURRENCY, "VND");
	set(&inv, INVOICE_SUBTOTAL, "1250000");
	set(&inv, INVOICE_TAX_RATE, "8");
	set(&inv, INVOICE_TAX_AMOUNT, "100000");
	set(&inv, INVOICE_TOTAL, "1350000");
	set(&inv, INVOICE_DOCUMENT_TYPE, "invoice");
	invoice_add_item(&inv, "Cà phê sữa đá", "2", "25000", "50000");
	invoice_add_item(&inv, "Trà ô long <hộp 500g>", "3", "400000", "1200000");

	doc = write_and_parse(&inv, &meta, &out);
	if (!ok(doc != NULL, "a full invoice is written and parses as XML")) {
		invoice_free(&inv);
		return;
	}
	xmllint_reads(&out, "the full invoice");
	ok(strncmp(out.p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38) == 0,
	    "it starts with its XML declaration, UTF-8");
	ok(strstr(out.p, "Cà phê &amp; Trà &lt;Sài Gòn&gt;") != NULL,
	    "& < > are escaped, Vietnamese written as UTF-8");
	is_xpath(doc, "/inv:Invoice/cbc:CustomizationID", "urn:cen.eu:en16931:2017", "CustomizationID");
	is_xpath(doc, "/inv:Invoice/cbc:ID", "AA/25E-0001234", "ID is the invoice number");
	is_xpath(doc, "/inv:Invoice/cbc:UUID", meta.id, "UUID is the invoice's id");
	is_xpath(doc, "/inv:Invoice/cbc:IssueDate", "2025-03-15", "IssueDate");
	is_xpath(doc, "/inv:Invoice/cbc:DueDate", "2025-04-14", "DueDate");
	is_xpath(doc, "/inv:Invoice/cbc:InvoiceTypeCode", "380", "an invoice is type 380");
	is_xpath(doc, "count(/inv:Invoice/cbc:Note)", "0", "nothing unknown, no note");
	is_xpath(doc, "/inv:Invoice/cbc:DocumentCurrencyCode", "VND", "DocumentCurrencyCode");

	is_xpath(doc, "/inv:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name",
	    "Công ty TNHH Cà phê & Trà <Sài Gòn>", "the seller's name, unescaped again");
	is_xpath(doc, "/inv:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
	    "Công ty TNHH Cà phê & Trà <Sài Gòn>", "  and its registration name");
	is_xpath(doc, "/inv:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:StreetName",
	    "12 Lý Thường Kiệt, Hoàn Kiếm, Hà Nội", "the seller's address, its lines joined");
	is_xpath(doc, "count(/inv:Invoice/cac:AccountingSupplierParty//cac:Country)", "0",
	    "  no country for a Vietnamese tax id");
	is_xpath(doc, "/inv:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
	    "0101234567", "the seller's tax id");
	is_xpath(doc, "/inv:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cac:TaxScheme/cbc:ID",
	    "VAT", "  in the VAT scheme");
	is_xpath(doc, "/inv:Invoice/cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name",
	    "Müller \"Quote\" & 'Apostrophe' GmbH", "the buyer's name with its quotes");
	is_xpath(doc, "/inv:Invoice/cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cbc:StreetName",
	    "Hauptstraße 1, 10115 Berlin", "the buyer's address");
	is_xpath(doc, "/inv:Invoice/cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
	    "DE", "  its country, from the tax id's VAT prefix");
	is_xpath(doc, "/inv:Invoice/cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
	    "DE123456789", "the buyer's tax id");

	is_xpath(doc, "/inv:Invoice/cac:TaxTotal/cbc:TaxAmount", "100000", "TaxTotal/TaxAmount");
	is_xpath(doc, "/inv:Invoice/cac:TaxTotal/cbc:TaxAmount/@currencyID", "VND", "  with its currency");
	is_xpath(doc, "/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "1250000",
	    "TaxSubtotal/TaxableAmount is the subtotal");
	is_xpath(doc, "/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "100000",
	    "TaxSubtotal/TaxAmount");
	is_xpath(doc, "/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", "S",
	    "  category S (standard rate)");
	is_xpath(doc, "/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", "8",
	    "  at 8 %");
	is_xpath(doc, "/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:ID",
	    "VAT", "  of VAT");
	is_xpath(doc, "/inv:Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount", "1250000",
	    "LineExtensionAmount");
	is_xpath(doc, "/inv:Invoice/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", "1250000",
	    "TaxExclusiveAmount");
	is_xpath(doc, "/inv:Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "1350000",
	    "TaxInclusiveAmount");
	is_xpath(doc, "/inv:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount", "1350000", "PayableAmount");
	is_xpath(doc, "count(//*[@currencyID != 'VND'])", "0", "every amount is in VND");
	is_xpath(doc, "count(//*[substring(local-name(), string-length(local-name()) - 5) = 'Amount'][not(@currencyID)])",
	    "0", "  and carries its currencyID");

	is_xpath(doc, "count(/inv:Invoice/cac:InvoiceLine)", "2", "one InvoiceLine per line item");
	is_xpath(doc, "/inv:Invoice/cac:InvoiceLine[2]/cbc:ID", "2", "  numbered from 1");
	is_xpath(doc, "/inv:Invoice/cac:InvoiceLine[2]/cbc:InvoicedQuantity", "3", "InvoicedQuantity");
	is_xpath(doc, "/inv:Invoice/cac:InvoiceLine[2]/cbc:InvoicedQuantity/@unitCode", "C62",
	    "  in units (C62)");
	is_xpath(doc, "/inv:Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount", "1200000",
	    "the line's LineExtensionAmount");
	is_xpath(doc, "/inv:Invoice/cac:InvoiceLine[2]/cac:Item/cbc:Name", "Trà ô long <hộp 500g>",
	    "Item/Name");
	is_xpath(doc, "/inv:Invoice/cac:InvoiceLine[2]/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent",
	    "8", "  its tax category, the document's rate");
	is_xpath(doc, "/inv:Invoice/cac:InvoiceLine[2]/cac:Price/cbc:PriceAmount", "400000",
	    "Price/PriceAmount");
	/* the schema's order, for the elements of the Invoice itself */
	is_xpath(doc, "name(/inv:Invoice/cbc:DocumentCurrencyCode/following-sibling::*[1])",
	    "cac:AccountingSupplierParty", "the parties follow the currency");
	is_xpath(doc, "name(/inv:Invoice/cac:LegalMonetaryTotal/preceding-sibling::*[1])", "cac:TaxTotal",
	    "  the totals the tax");
	is_xpath(doc, "name(/inv:Invoice/cac:LegalMonetaryTotal/following-sibling::*[1])",
	    "cac:InvoiceLine", "  and the lines the totals");
	xmlFreeDoc(doc);

	set(&inv, INVOICE_DOCUMENT_TYPE, "credit_note");
	set(&inv, INVOICE_TOTAL, "-1350000");
	set(&inv, INVOICE_TAX_RATE, "0");
	doc = write_and_parse(&inv, &meta, &out);
	if (ok(doc != NULL, "a credit note is written")) {
		xmllint_reads(&out, "the credit note");
		is_xpath(doc, "/inv:Invoice/cbc:InvoiceTypeCode", "381", "  as type 381");
		is_xpath(doc, "/inv:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount", "-1350000",
		    "  its amounts as stored");
		is_xpath(doc, "/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", "Z",
		    "  a rate of 0 is category Z");
		xmlFreeDoc(doc);
	}
	invoice_free(&inv);
	free(out.p);
}

static void
test_missing(void)
{
	struct invoice inv = { 0 };
	struct strbuf out = { 0 };
	xmlDocPtr doc;

	set(&inv, INVOICE_TOTAL, "49.90");
	doc = write_and_parse(&inv, &meta, &out);
	if (!ok(doc != NULL, "an invoice with only a total is written")) {
		invoice_free(&inv);
		return;
	}
	xmllint_reads(&out, "the invoice with only a total");
	is_xpath(doc, "/inv:Invoice/cbc:ID", meta.id, "ID without a number is the invoice's id");
	is_xpath(doc, "/inv:Invoice/cbc:IssueDate", "2025-03-20", "IssueDate without a date is the day recorded");
	is_xpath(doc, "/inv:Invoice/cbc:Note[1]",
	    "The invoice date is unknown: IssueDate is the day the invoice was recorded.", "  and a note says so");
	is_xpath(doc, "/inv:Invoice/cbc:DocumentCurrencyCode", "XXX", "an unknown currency is XXX");
	is_xpath(doc, "/inv:Invoice/cbc:Note[2]", "The currency is unknown: amounts are given with the code XXX.",
	    "  and a note says so");
	is_xpath(doc, "/inv:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount/@currencyID", "XXX",
	    "  on the amounts too");
	is_xpath(doc, "count(/inv:Invoice/cbc:DueDate)", "0", "no DueDate");
	is_xpath(doc, "count(/inv:Invoice/cac:AccountingSupplierParty)", "1",
	    "AccountingSupplierParty, which UBL demands, is there");
	is_xpath(doc, "count(/inv:Invoice/cac:AccountingSupplierParty/*)", "0", "  empty: no Party");
	is_xpath(doc, "count(/inv:Invoice/cac:TaxTotal)", "0", "no TaxTotal without a tax amount");
	is_xpath(doc, "count(/inv:Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount)", "0",
	    "no LineExtensionAmount without a subtotal");
	is_xpath(doc, "count(/inv:Invoice/cac:InvoiceLine)", "1", "one line, which UBL demands");
	is_xpath(doc, "/inv:Invoice/cac:InvoiceLine/cac:Item/cbc:Name", "(no line items were extracted)",
	    "  named for what it is");
	is_xpath(doc, "/inv:Invoice/cac:InvoiceLine/cbc:LineExtensionAmount", "49.90", "  holding the total");
	is_xpath(doc, "count(/inv:Invoice/cac:InvoiceLine/cac:Price)", "0", "  without a price");
	xmlFreeDoc(doc);

	/* the net amount from total and tax; a line amount from quantity x price */
	set(&inv, INVOICE_CURRENCY, "USD");
	set(&inv, INVOICE_TAX_AMOUNT, "4.54");
	set(&inv, INVOICE_SELLER_TAX_ID, "MST0101234567");
	doc = write_and_parse(&inv, &meta, &out);
	if (ok(doc != NULL, "total and tax without a subtotal")) {
		is_xpath(doc, "/inv:Invoice/cac:InvoiceLine/cbc:LineExtensionAmount", "45.36",
		    "  the summary line holds total - tax");
		is_xpath(doc, "count(/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal)", "0",
		    "  no TaxSubtotal without a rate");
		is_xpath(doc, "count(//cac:Country)", "0", "  MST is no country prefix");
		xmlFreeDoc(doc);
	}
	invoice_add_item(&inv, "Widget", "2.5", "12.00", NULL);
	invoice_add_item(&inv, NULL, NULL, NULL, "15.36");
	doc = write_and_parse(&inv, &meta, &out);
	if (ok(doc != NULL, "line items with something missing")) {
		xmllint_reads(&out, "the invoice with partial line items");
		is_xpath(doc, "/inv:Invoice/cac:InvoiceLine[1]/cbc:LineExtensionAmount", "30.00",
		    "  an amount from 2.5 x 12.00, in the currency's decimals");
		is_xpath(doc, "count(/inv:Invoice/cac:InvoiceLine[2]/cbc:InvoicedQuantity)", "0",
		    "  no quantity when none is known");
		is_xpath(doc, "count(/inv:Invoice/cac:InvoiceLine[2]/cac:Item/*)", "0", "  nor a name");
		xmlFreeDoc(doc);
	}
	invoice_free(&inv);
	free(out.p);
}

static void
refused(struct invoice *inv, const struct ubl_meta *m, enum ubl_status want, const char *what)
{
	struct strbuf out = { 0 };

	strbuf_adds(&out, "before");
	is_str(ubl_status_name(ubl_write_invoice(inv, m, &out)), ubl_status_name(want), what);
	is_str(out.p, "before", "  the output is left as it was");
	free(out.p);
}

static void
test_refused(void)
{
	struct invoice inv = { 0 };
	struct ubl_meta bad_date = { meta.id, "20/03/2025" };

	set(&inv, INVOICE_TOTAL, "10");
	refused(&inv, &bad_date, UBL_INVALID, "a recorded date not YYYY-MM-DD is refused");
	set(&inv, INVOICE_SELLER_NAME, "Caf\xe9");
	refused(&inv, &meta, UBL_INVALID, "Latin-1 text is refused");
	set(&inv, INVOICE_SELLER_NAME, "Bell\x07");
	refused(&inv, &meta, UBL_INVALID, "a control character XML cannot carry is refused");
	set(&inv, INVOICE_SELLER_NAME, "not a char \xef\xbf\xbe");
	refused(&inv, &meta, UBL_INVALID, "U+FFFE is refused");
	set(&inv, INVOICE_SELLER_NAME, "CR\r\nbreak");
	refused(&inv, &meta, UBL_INVALID, "a carriage return, which the API never stores, is refused");
	set(&inv, INVOICE_SELLER_NAME, "Tab\tand\nbreaks");
	{
		struct strbuf out = { 0 };

		is_str(ubl_status_name(ubl_write_invoice(&inv, &meta, &out)), "OK",
		    "tabs and line feeds are text the API stores and XML carries");
		free(out.p);
	}
	invoice_free(&inv);
	set(&inv, INVOICE_TOTAL, "10");
	invoice_add_item(&inv, "bad \xc3\x28 description", "1", "10", "10");
	refused(&inv, &meta, UBL_INVALID, "a line item's description not UTF-8 is refused");
	invoice_free(&inv);
	set(&inv, INVOICE_TOTAL, "10");
	set(&inv, INVOICE_SELLER_NAME, "ok");
	set(&inv, INVOICE_SUBTOTAL, "1,250.00");
	refused(&inv, &meta, UBL_INVALID, "an amount not in its stored form is refused");
	set(&inv, INVOICE_SUBTOTAL, "9.00");
	set(&inv, INVOICE_CURRENCY, "vnd");
	refused(&inv, &meta, UBL_INVALID, "a currency not in capitals is refused");
	free(inv.value[INVOICE_CURRENCY]);
	inv.value[INVOICE_CURRENCY] = NULL;
	invoice_add_item(&inv, "x", "1", "1.5e3", "1500");
	refused(&inv, &meta, UBL_INVALID, "a line item's price in exponent form is refused");
	invoice_free(&inv);

	set(&inv, INVOICE_TOTAL, "10");
	invoice_add_item(&inv, "no amount, no price", "1", NULL, NULL);
	refused(&inv, &meta, UBL_NO_LINE_AMOUNT, "a line without amount or price is refused");
	invoice_free(&inv);
	set(&inv, INVOICE_SUBTOTAL, "10");
	refused(&inv, &meta, UBL_NO_TOTAL, "an invoice without a total is refused");
	invoice_free(&inv);
}

int
main(void)
{
	test_full();
	test_missing();
	test_refused();
	xmlCleanupParser();
	return done_testing();
}
