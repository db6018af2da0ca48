/*
 * extract_labels: the label lexicon, and the labels found in each
 * segment of the page.
 *
 * Labels are written folded (extract_text.c): lower case, no marks, đ as
 * d, punctuation as one space; so "Mã số thuế (Tax code):", "MA SO THUE"
 * and "Ma so thue" are one entry, "ma so thue".  English and Vietnamese
 * first, then the Dutch, German and French of the invoices we are sent.
 * At each token the longest label wins, so "Số tài khoản" (an account)
 * is not "Số" (the number), and "Total excl. tax" not "Total".  A weak
 * label is a short word that is a label only sometimes ("No.", "Số",
 * "Date"): it counts only at the start of a segment (not in "Tel No.",
 * "Account No", "removed from the case") and its value is trusted less.  A gloss in parentheses
 * right after a label ("Số (Invoice No.)", "Sales Tax (8%)") belongs to
 * the label: it is skipped, and kept for a rate.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/extract_int.h"

struct lexeme {
	const char *fold;
	enum xlabel label;	/* as a field's label */
	enum xlabel column;	/* as a table column's header, or L_NONE */
	bool weak;
};

#define S(f, l) { f, l, L_NONE, false }
#define W(f, l) { f, l, L_NONE, true }
#define C(f, l, c) { f, l, c, false }
#define CW(f, l, c) { f, l, c, true }

static const struct lexeme lexicon[] = {
	/* the invoice number */
	S("invoice no", L_INVOICE_NUMBER), S("invoice number", L_INVOICE_NUMBER),
	S("invoice nr", L_INVOICE_NUMBER), S("invoice num", L_INVOICE_NUMBER),
	S("invoice id", L_INVOICE_NUMBER), S("invoice ref", L_INVOICE_NUMBER),
	S("invoice reference", L_INVOICE_NUMBER), S("inv no", L_INVOICE_NUMBER),
	S("bill no", L_INVOICE_NUMBER), S("bill number", L_INVOICE_NUMBER),
	S("receipt no", L_INVOICE_NUMBER), S("receipt number", L_INVOICE_NUMBER),
	S("receipt", L_INVOICE_WORD), S("invoice", L_INVOICE_WORD), S("tax invoice", L_INVOICE_WORD),
	S("factuur", L_INVOICE_WORD), S("rechnung", L_INVOICE_WORD), S("facture", L_INVOICE_WORD),
	S("document no", L_INVOICE_NUMBER), S("credit note no", L_INVOICE_NUMBER),
	S("so hoa don", L_INVOICE_NUMBER), S("hoa don so", L_INVOICE_NUMBER),
	S("factuurnummer", L_INVOICE_NUMBER), S("factuur nr", L_INVOICE_NUMBER),
	S("factuurnr", L_INVOICE_NUMBER), S("rechnungsnummer", L_INVOICE_NUMBER),
	S("rechnung nr", L_INVOICE_NUMBER), S("rechnungsnr", L_INVOICE_NUMBER),
	S("booking id", L_INVOICE_NUMBER), S("booking no", L_INVOICE_NUMBER), S("folio no", L_INVOICE_NUMBER),
	S("factuur datum", L_DATE), S("factuur totaal", L_TOTAL), S("grondslag", L_SUBTOTAL),
	S("bill to address", L_BUYER), S("billing address", L_BUYER), S("guest name", L_BUYER),
	S("attn", L_BUYER_PERSON), S("attention", L_BUYER_PERSON), S("t a v", L_BUYER_PERSON),
	S("vat tin", L_TAX_ID), S("kundennr", L_CUSTOMER_CODE), S("klantnr", L_CUSTOMER_CODE),
	S("numero de facture", L_INVOICE_NUMBER), S("facture n", L_INVOICE_NUMBER),
	S("facture no", L_INVOICE_NUMBER), S("n de facture", L_INVOICE_NUMBER),
	S("no de facture", L_INVOICE_NUMBER), S("bill", L_INVOICE_WORD),
	W("so", L_INVOICE_NUMBER), CW("no", L_INVOICE_NUMBER, L_COL_NO),
	W("number", L_INVOICE_NUMBER), W("nr", L_INVOICE_NUMBER), W("nummer", L_INVOICE_NUMBER),
	W("numero", L_INVOICE_NUMBER),
	/* dates */
	S("invoice date", L_DATE), S("date of issue", L_DATE), S("issue date", L_DATE),
	S("date issued", L_DATE), S("billing date", L_DATE), S("bill date", L_DATE),
	S("receipt date", L_DATE), S("ngay lap", L_DATE), S("ngay hoa don", L_DATE),
	S("ngay xuat", L_DATE), S("ngay ky", L_DATE), S("factuurdatum", L_DATE),
	S("rechnungsdatum", L_DATE), S("date de facture", L_DATE), S("date facture", L_DATE),
	S("datum", L_DATE), S("tarikh", L_DATE), S("invoice date time", L_DATE),
	W("date", L_DATE), W("ngay", L_DATE), W("dated", L_DATE), W("issued", L_DATE),
	S("due date", L_DUE_DATE), S("payment due", L_DUE_DATE), S("payment due date", L_DUE_DATE),
	S("pay by", L_DUE_DATE), S("due on", L_DUE_DATE), S("date due", L_DUE_DATE),
	S("han thanh toan", L_DUE_DATE), S("vervaldatum", L_DUE_DATE), S("faellig", L_DUE_DATE),
	S("fallig", L_DUE_DATE), S("zahlbar bis", L_DUE_DATE), S("zahlungsziel", L_DUE_DATE), S("date d echeance", L_DUE_DATE),
	S("echeance", L_DUE_DATE), S("date limite de paiement", L_DUE_DATE), W("due", L_DUE_DATE),
	S("faelligkeitsdatum", L_DUE_DATE), S("falligkeitsdatum", L_DUE_DATE),
	/* the parties */
	S("seller", L_SELLER), S("supplier", L_SELLER), S("vendor", L_SELLER), S("sold by", L_SELLER),
	S("bill from", L_SELLER), S("ten nguoi ban", L_SELLER), S("don vi ban", L_SELLER),
	S("don vi ban hang", L_SELLER), S("nguoi ban", L_SELLER), S("ben ban", L_SELLER),
	S("nguoi ban hang", L_SELLER), W("from", L_SELLER),
	S("bill to", L_BUYER), S("billed to", L_BUYER), S("invoice to", L_BUYER), S("invoiced to", L_BUYER),
	S("sold to", L_BUYER), S("buyer", L_BUYER), S("customer", L_BUYER), S("client", L_BUYER),
	S("customer name", L_BUYER), S("ten don vi", L_BUYER), S("don vi mua", L_BUYER),
	S("don vi mua hang", L_BUYER), S("ben mua", L_BUYER), S("ten khach hang", L_BUYER),
	S("khach hang", L_BUYER), S("factuuradres", L_BUYER), S("rechnungsadresse", L_BUYER),
	S("facture a", L_BUYER), S("adresse de facturation", L_BUYER), S("bill to party", L_BUYER),
	S("ho ten nguoi mua hang", L_BUYER_PERSON), S("ho va ten nguoi mua", L_BUYER_PERSON),
	S("ho va ten nguoi mua hang", L_BUYER_PERSON), S("ho ten nguoi mua", L_BUYER_PERSON),
	S("nguoi mua hang", L_BUYER_PERSON), S("nguoi mua", L_BUYER_PERSON),
	S("ten nguoi mua", L_BUYER_PERSON), S("buyer s name", L_BUYER_PERSON),
	/* tax identifiers */
	S("ma so thue", L_TAX_ID), S("mst", L_TAX_ID), S("tax code", L_TAX_ID), S("tax id", L_TAX_ID),
	S("tax no", L_TAX_ID), S("tax number", L_TAX_ID), S("tax reg no", L_TAX_ID),
	S("vat no", L_TAX_ID), S("vat id", L_TAX_ID), S("vat number", L_TAX_ID), S("vat reg no", L_TAX_ID),
	S("vat registration no", L_TAX_ID), S("vat registration number", L_TAX_ID), S("vat reg", L_TAX_ID),
	S("tin", L_TAX_ID), S("gstin", L_TAX_ID), S("gst no", L_TAX_ID), S("gst reg no", L_TAX_ID),
	S("gst id", L_TAX_ID), S("gst id no", L_TAX_ID), S("gstin uin", L_TAX_ID),
	S("btw nr", L_TAX_ID), S("btw nummer", L_TAX_ID), S("btw id", L_TAX_ID), S("btw no", L_TAX_ID),
	S("ust idnr", L_TAX_ID), S("ust id nr", L_TAX_ID), S("ust id", L_TAX_ID), S("ustid", L_TAX_ID),
	S("ust idnr", L_TAX_ID), S("steuernummer", L_TAX_ID), S("st nr", L_TAX_ID),
	S("tva intracommunautaire", L_TAX_ID), S("n tva", L_TAX_ID), S("numero de tva", L_TAX_ID),
	S("no tva", L_TAX_ID), S("n tva intracommunautaire", L_TAX_ID), S("vat", L_TAX),
	S("tva intra communautaire", L_TAX_ID), S("n de tva intra communautaire", L_TAX_ID),
	S("n de tva", L_TAX_ID), S("n de tva intracommunautaire", L_TAX_ID), S("ust id nr", L_TAX_ID),
	S("umsatzsteuer id", L_TAX_ID), S("vat reg no", L_TAX_ID), S("gst reg", L_TAX_ID),
	S("seller tax id", L_SELLER_TAX_ID), S("seller tax code", L_SELLER_TAX_ID),
	S("supplier tax id", L_SELLER_TAX_ID), S("seller vat no", L_SELLER_TAX_ID),
	S("buyer tax id", L_BUYER_TAX_ID), S("buyer tax code", L_BUYER_TAX_ID),
	S("client tax code", L_BUYER_TAX_ID), S("client tax id", L_BUYER_TAX_ID),
	S("customer vat id", L_BUYER_TAX_ID), S("customer tax id", L_BUYER_TAX_ID),
	S("customer vat no", L_BUYER_TAX_ID), S("customer tax code", L_BUYER_TAX_ID),
	S("buyer vat no", L_BUYER_TAX_ID), S("your vat number", L_BUYER_TAX_ID), S("your vat no", L_BUYER_TAX_ID),
	S("uw btw nummer", L_BUYER_TAX_ID), S("uw btw nr", L_BUYER_TAX_ID), S("ihre ust idnr", L_BUYER_TAX_ID),
	S("votre n tva", L_BUYER_TAX_ID), S("client vat no", L_BUYER_TAX_ID),
	S("ustld", L_TAX_ID),	/* OCR's l for the I of "USt-Id" */
	S("customer vat number", L_BUYER_TAX_ID), S("buyer vat id", L_BUYER_TAX_ID),
	/* addresses, currency */
	S("address", L_ADDRESS), S("dia chi", L_ADDRESS), S("adres", L_ADDRESS), S("adresse", L_ADDRESS),
	S("anschrift", L_ADDRESS),
	S("currency", L_CURRENCY), S("dong tien thanh toan", L_CURRENCY), S("loai tien", L_CURRENCY),
	S("valuta", L_CURRENCY), S("wahrung", L_CURRENCY), S("waehrung", L_CURRENCY), S("devise", L_CURRENCY),
	/* the totals block */
	S("subtotal", L_SUBTOTAL), S("sub total", L_SUBTOTAL), S("total excl tax", L_SUBTOTAL),
	S("total excluding tax", L_SUBTOTAL), S("total before tax", L_SUBTOTAL), S("net amount", L_SUBTOTAL),
	S("net total", L_SUBTOTAL), S("amount before tax", L_SUBTOTAL), S("total net", L_SUBTOTAL),
	S("total excl vat", L_SUBTOTAL), S("total before vat", L_SUBTOTAL), S("amount excl tax", L_SUBTOTAL),
	S("total excl", L_SUBTOTAL), S("cong tien hang", L_SUBTOTAL), S("tong tien hang", L_SUBTOTAL),
	S("cong tien hang hoa dich vu", L_SUBTOTAL), S("tong tien truoc thue", L_SUBTOTAL),
	S("thanh tien truoc thue", L_SUBTOTAL), S("tong tien chua thue", L_SUBTOTAL),
	S("subtotaal", L_SUBTOTAL), S("totaal excl btw", L_SUBTOTAL), S("zwischensumme", L_SUBTOTAL),
	S("nettobetrag", L_SUBTOTAL), S("netto", L_SUBTOTAL), S("total ht", L_SUBTOTAL),
	S("montant ht", L_SUBTOTAL), S("sous total", L_SUBTOTAL), S("total hors taxes", L_SUBTOTAL),
	S("totaal exclusief btw", L_SUBTOTAL), S("bedrag excl btw", L_SUBTOTAL),
	S("exclusief btw", L_SUBTOTAL), S("excl btw", L_SUBTOTAL), S("netto betrag", L_SUBTOTAL),
	S("summe netto", L_SUBTOTAL), S("total excl gst", L_SUBTOTAL), S("taxable amount", L_SUBTOTAL),
	S("taxable value", L_SUBTOTAL), S("amount excl vat", L_SUBTOTAL),
	S("tax rate", L_TAX_RATE), S("vat rate", L_TAX_RATE), S("thue suat", L_TAX_RATE),
	S("thue suat gtgt", L_TAX_RATE), S("thue suat thue gtgt", L_TAX_RATE), S("taux tva", L_TAX_RATE),
	S("btw tarief", L_TAX_RATE), S("steuersatz", L_TAX_RATE), S("gst rate", L_TAX_RATE),
	S("tax", L_TAX), S("sales tax", L_TAX), S("gst", L_TAX), S("tax amount", L_TAX),
	S("vat amount", L_TAX), S("total tax", L_TAX), S("tax total", L_TAX), S("total vat", L_TAX),
	S("tien thue", L_TAX), S("tien thue gtgt", L_TAX), S("tien thue gia tri gia tang", L_TAX),
	S("thue gtgt", L_TAX), S("btw", L_TAX), S("btw bedrag", L_TAX), S("mwst", L_TAX), S("ust", L_TAX),
	S("umsatzsteuer", L_TAX), S("tva", L_TAX), S("montant tva", L_TAX), S("total tva", L_TAX),
	S("sst", L_TAX), S("service tax", L_TAX), S("total gst", L_TAX), S("gst amount", L_TAX),
	S("total btw", L_TAX), S("totaal btw", L_TAX), S("zzgl mwst", L_TAX), S("mehrwertsteuer", L_TAX),
	C("total", L_TOTAL, L_COL_AMOUNT), S("grand total", L_TOTAL), S("total due", L_TOTAL),
	S("amount due", L_TOTAL), S("total amount", L_TOTAL), S("total amount due", L_TOTAL),
	S("balance due", L_TOTAL), S("amount payable", L_TOTAL), S("total payable", L_TOTAL),
	S("total to pay", L_TOTAL), S("invoice total", L_TOTAL), S("total incl tax", L_TOTAL),
	S("total including tax", L_TOTAL), S("total incl vat", L_TOTAL), S("total inc gst", L_TOTAL),
	S("total incl gst", L_TOTAL), S("rounded total", L_TOTAL), S("nett total", L_TOTAL),
	S("total inclusive gst", L_TOTAL), S("total rm", L_TOTAL), S("amount rm", L_TOTAL),
	S("tong cong tien thanh toan", L_TOTAL), S("tong tien thanh toan", L_TOTAL),
	S("tong cong", L_TOTAL), S("tong thanh toan", L_TOTAL), S("tong cong thanh toan", L_TOTAL),
	S("tong so tien thanh toan", L_TOTAL), S("tong tien", L_TOTAL), S("so tien thanh toan", L_TOTAL),
	S("totaal", L_TOTAL), S("totaalbedrag", L_TOTAL), S("te betalen", L_TOTAL),
	S("totaal incl btw", L_TOTAL), S("gesamtbetrag", L_TOTAL), S("gesamtsumme", L_TOTAL),
	S("rechnungsbetrag", L_TOTAL), S("total ttc", L_TOTAL), S("montant ttc", L_TOTAL),
	S("net a payer", L_TOTAL), S("montant total", L_TOTAL), S("total facture", L_TOTAL),
	S("total de la facture", L_TOTAL), S("totaal factuur", L_TOTAL), S("total invoice", L_TOTAL),
	S("total a payer", L_TOTAL),
	S("jumlah", L_TOTAL), S("total sales", L_TOTAL), S("total paid", L_TOTAL),
	S("so tien", L_TOTAL), S("total eur", L_TOTAL), S("total usd", L_TOTAL),
	S("so tien viet bang chu", L_AMOUNT_WORDS), S("bang chu", L_AMOUNT_WORDS),
	S("viet bang chu", L_AMOUNT_WORDS), S("amount in words", L_AMOUNT_WORDS),
	S("in words", L_AMOUNT_WORDS), S("total in words", L_AMOUNT_WORDS),
	S("amount chargeable in words", L_AMOUNT_WORDS),
	/* payment */
	S("payment method", L_PAYMENT_METHOD), S("hinh thuc thanh toan", L_PAYMENT_METHOD),
	S("httt", L_PAYMENT_METHOD), S("phuong thuc thanh toan", L_PAYMENT_METHOD),
	S("payment mode", L_PAYMENT_METHOD), S("paid by", L_PAYMENT_METHOD),
	S("payment type", L_PAYMENT_METHOD), S("nguon tien", L_PAYMENT_METHOD),
	S("mode of payment", L_PAYMENT_METHOD), S("betaalwijze", L_PAYMENT_METHOD),
	S("zahlungsart", L_PAYMENT_METHOD), S("mode de paiement", L_PAYMENT_METHOD),
	S("account no", L_ACCOUNT), S("account number", L_ACCOUNT), S("so tai khoan", L_ACCOUNT),
	S("stk", L_ACCOUNT), S("bank account", L_ACCOUNT), S("iban", L_ACCOUNT), S("tai khoan", L_ACCOUNT),
	S("tk", L_ACCOUNT), S("rekeningnummer", L_ACCOUNT), S("kontonummer", L_ACCOUNT),
	S("tai khoan nguon", L_PAYER_ACCOUNT), S("tu tai khoan", L_PAYER_ACCOUNT), S("tk nguon", L_PAYER_ACCOUNT),
	S("from account", L_PAYER_ACCOUNT), S("debit account", L_PAYER_ACCOUNT), S("source account", L_PAYER_ACCOUNT),
	S("paid from", L_PAYER_ACCOUNT), S("your account", L_PAYER_ACCOUNT),
	S("ma giao dich", L_TRANSACTION_ID), S("transaction id", L_TRANSACTION_ID),
	S("transaction no", L_TRANSACTION_ID), S("ma gd", L_TRANSACTION_ID),
	S("transaction code", L_TRANSACTION_ID), S("trans id", L_TRANSACTION_ID),
	S("ma khach hang", L_CUSTOMER_CODE), S("customer code", L_CUSTOMER_CODE),
	S("customer id", L_CUSTOMER_CODE), S("customer no", L_CUSTOMER_CODE),
	S("customer number", L_CUSTOMER_CODE), S("klantnummer", L_CUSTOMER_CODE),
	S("kundennummer", L_CUSTOMER_CODE), S("numero client", L_CUSTOMER_CODE),
	S("client no", L_CUSTOMER_CODE), S("account id", L_CUSTOMER_CODE), S("ma kh", L_CUSTOMER_CODE),
	S("nguoi nhan", L_RECEIVER), S("recipient", L_RECEIVER), S("ten nguoi nhan", L_RECEIVER),
	/* distractors */
	S("ky hieu", L_SERIAL), S("serial", L_SERIAL), S("serial no", L_SERIAL), S("series", L_SERIAL),
	S("ky hieu mau so", L_FORM), S("mau so", L_FORM), S("form", L_FORM), S("pattern", L_FORM),
	S("ma cua cqt", L_AUTHORITY_CODE), S("ma cqt", L_AUTHORITY_CODE),
	S("tax authority code", L_AUTHORITY_CODE), S("ma co quan thue", L_AUTHORITY_CODE),
	S("ma tra cuu", L_LOOKUP_CODE), S("ma nhan hoa don", L_LOOKUP_CODE), S("lookup code", L_LOOKUP_CODE),
	S("invoice code", L_LOOKUP_CODE), S("ma tra cuu hoa don", L_LOOKUP_CODE), S("tra cuu", L_LOOKUP_CODE),
	S("ma bi mat", L_LOOKUP_CODE), S("secret code", L_LOOKUP_CODE),
	S("phone", L_PHONE), S("tel", L_PHONE), S("telephone", L_PHONE), S("dien thoai", L_PHONE),
	S("so dien thoai", L_PHONE), S("dt", L_PHONE), S("mobile", L_PHONE), S("hotline", L_PHONE),
	S("phone number", L_PHONE), S("tel no", L_PHONE), S("telefoon", L_PHONE), S("telefon", L_PHONE),
	S("fax", L_FAX), S("email", L_EMAIL), S("e mail", L_EMAIL), S("website", L_WEBSITE),
	S("web", L_WEBSITE), S("cash", L_CASH), S("tien mat", L_CASH), S("tendered", L_CASH),
	S("amount paid", L_CASH), S("amount tendered", L_CASH), S("paid", L_CASH),
	S("change", L_CHANGE), S("tien thua", L_CHANGE), S("change due", L_CHANGE),
	S("discount", L_DISCOUNT), S("chiet khau", L_DISCOUNT), S("giam gia", L_DISCOUNT),
	S("korting", L_DISCOUNT), S("rabatt", L_DISCOUNT), S("remise", L_DISCOUNT),
	S("page", L_PAGE), S("trang", L_PAGE), S("order no", L_ORDER_NUMBER),
	S("order number", L_ORDER_NUMBER), S("order id", L_ORDER_NUMBER), S("po number", L_ORDER_NUMBER),
	S("purchase order", L_ORDER_NUMBER), S("po no", L_ORDER_NUMBER), S("bestelnummer", L_ORDER_NUMBER),
	S("so don hang", L_ORDER_NUMBER), S("order date", L_ORDER_NUMBER), S("ordernummer", L_ORDER_NUMBER),
	S("bestellnummer", L_ORDER_NUMBER), S("reference", L_ORDER_NUMBER), S("your reference", L_ORDER_NUMBER),
	S("our reference", L_ORDER_NUMBER), S("ref", L_ORDER_NUMBER), S("po", L_ORDER_NUMBER),
	S("rounding", L_ROUNDING), S("rounding adj", L_ROUNDING), S("rounding adjustment", L_ROUNDING),
	S("total rounded", L_TOTAL), S("total qty", L_PAGE), S("total items", L_PAGE), S("total quantity", L_PAGE), S("reg no", L_ORDER_NUMBER), S("company no", L_ORDER_NUMBER),
	S("co reg no", L_ORDER_NUMBER), S("kvk", L_ORDER_NUMBER), S("siret", L_ORDER_NUMBER),
	S("ship to", L_SHIP_TO), S("shipping address", L_SHIP_TO), S("shipped to", L_SHIP_TO), S("deliver to", L_SHIP_TO),
	S("delivery address", L_SHIP_TO), S("afleveradres", L_SHIP_TO), S("lieferadresse", L_SHIP_TO),
	S("adresse de livraison", L_SHIP_TO), S("dia chi giao hang", L_SHIP_TO),
	S("bank", L_BANK), S("ngan hang", L_BANK), S("bank name", L_BANK), S("swift", L_BANK),
	S("bic", L_BANK), S("mo tai", L_BANK),
	/* table column headers */
	C("stt", L_NONE, L_COL_NO), C("description", L_NONE, L_COL_DESC), C("item", L_NONE, L_COL_DESC),
	C("items", L_NONE, L_COL_DESC), C("product", L_NONE, L_COL_DESC), C("service", L_NONE, L_COL_DESC),
	C("details", L_NONE, L_COL_DESC), C("item description", L_NONE, L_COL_DESC),
	C("ten hang hoa dich vu", L_NONE, L_COL_DESC), C("ten hang hoa", L_NONE, L_COL_DESC),
	C("ten hang", L_NONE, L_COL_DESC), C("dien giai", L_NONE, L_COL_DESC),
	C("noi dung", L_NONE, L_COL_DESC), C("omschrijving", L_NONE, L_COL_DESC),
	C("beschreibung", L_NONE, L_COL_DESC), C("bezeichnung", L_NONE, L_COL_DESC),
	C("designation", L_NONE, L_COL_DESC), C("libelle", L_NONE, L_COL_DESC),
	C("article", L_NONE, L_COL_DESC), C("particulars", L_NONE, L_COL_DESC),
	C("artikel", L_NONE, L_COL_DESC), C("product name", L_NONE, L_COL_DESC),
	C("don vi tinh", L_NONE, L_COL_UNIT), C("dvt", L_NONE, L_COL_UNIT), C("unit", L_NONE, L_COL_UNIT),
	C("qty", L_NONE, L_COL_QTY), C("quantity", L_NONE, L_COL_QTY), C("so luong", L_NONE, L_COL_QTY),
	C("sl", L_NONE, L_COL_QTY), C("aantal", L_NONE, L_COL_QTY), C("menge", L_NONE, L_COL_QTY),
	C("anzahl", L_NONE, L_COL_QTY), C("quantite", L_NONE, L_COL_QTY), C("qte", L_NONE, L_COL_QTY),
	C("hours", L_NONE, L_COL_QTY), C("hrs", L_NONE, L_COL_QTY), C("qty hrs", L_NONE, L_COL_QTY),
	C("unit price", L_NONE, L_COL_PRICE), C("price", L_NONE, L_COL_PRICE), C("rate", L_NONE, L_COL_PRICE),
	C("don gia", L_NONE, L_COL_PRICE), C("prijs", L_NONE, L_COL_PRICE), C("stuksprijs", L_NONE, L_COL_PRICE),
	C("einzelpreis", L_NONE, L_COL_PRICE), C("preis", L_NONE, L_COL_PRICE),
	C("prix unitaire", L_NONE, L_COL_PRICE), C("pu", L_NONE, L_COL_PRICE),
	C("unit cost", L_NONE, L_COL_PRICE), C("price per unit", L_NONE, L_COL_PRICE),
	C("amount", L_NONE, L_COL_AMOUNT), C("line total", L_NONE, L_COL_AMOUNT),
	C("thanh tien", L_NONE, L_COL_AMOUNT), C("bedrag", L_NONE, L_COL_AMOUNT),
	C("betrag", L_NONE, L_COL_AMOUNT), C("gesamt", L_NONE, L_COL_AMOUNT),
	C("montant", L_NONE, L_COL_AMOUNT), C("amount usd", L_NONE, L_COL_AMOUNT),
	C("amount eur", L_NONE, L_COL_AMOUNT), C("amount vnd", L_NONE, L_COL_AMOUNT),
	C("total price", L_NONE, L_COL_AMOUNT),
};

#define NLEXICON (sizeof(lexicon) / sizeof(lexicon[0]))

#define FUZZY_MIN 10	/* a label this long may be matched with an OCR error per FUZZY_PER bytes */
#define FUZZY_PER 8
#define FUZZY_BUDGET 200000	/* distances computed per page at most: hostile pages stay linear */

/* The edit distance of a and b (each at most 63 bytes), or 64. */
static size_t
distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t row[64], diag;

	if (na > 63 || nb > 63)
		return 64;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[nb];
}

/* The end of the folded text's next ntokens tokens from i. */
static size_t
tokens_end(const struct xseg *s, size_t i, size_t ntokens)
{
	size_t e = i;

	while (ntokens-- > 0) {
		while (e < s->foldlen && s->fold[e] != ' ')
			e++;
		if (ntokens > 0) {
			if (e >= s->foldlen)
				return (size_t)-1;
			e++;
		}
	}
	return e;
}

/*
 * A long label read with an OCR error or two ("Céng tién hang" for "Cộng
 * tiền hàng": marks that became other letters): the same number of
 * tokens, within FUZZY_PER bytes per error, and the first letter right.
 */
static const struct lexeme *
fuzzy_at(const struct xseg *s, size_t i, size_t *len, size_t *budget)
{
	const struct lexeme *best = NULL;
	size_t bestlen = 0;

	for (size_t k = 0; k < NLEXICON; k++) {
		const struct lexeme *l = &lexicon[k];
		size_t n = strlen(l->fold), ntok = 1, e;

		if (n < FUZZY_MIN || n <= bestlen || l->weak || l->fold[0] != s->fold[i])
			continue;
		for (size_t j = 0; j < n; j++)
			ntok += l->fold[j] == ' ';
		if ((e = tokens_end(s, i, ntok)) == (size_t)-1 || e - i + n / FUZZY_PER < n ||
		    e - i > n + n / FUZZY_PER || *budget == 0)
			continue;
		--*budget;
		if (distance(l->fold, n, s->fold + i, e - i) <= n / FUZZY_PER) {
			best = l;
			bestlen = n;
			*len = e - i;
		}
	}
	return best;
}

/* The longest lexeme at folded position i of s (*len its folded length there), or NULL. */
static const struct lexeme *
longest_at(const struct xseg *s, size_t i, bool allow_weak, size_t *len, size_t *budget)
{
	const struct lexeme *best = NULL;
	size_t bestlen = 0;

	for (size_t k = 0; k < NLEXICON; k++) {
		const struct lexeme *l = &lexicon[k];
		size_t n;

		if (l->fold[0] != s->fold[i] || (l->weak && !allow_weak))
			continue;
		n = strlen(l->fold);
		if (n > bestlen && extract_fold_at(s->fold, s->foldlen, i, l->fold, n)) {
			best = l;
			bestlen = n;
		}
	}
	*len = bestlen;
	/* an exact short label may be the start of a long one misread */
	if (bestlen < FUZZY_MIN) {
		size_t flen = 0;
		const struct lexeme *f = fuzzy_at(s, i, &flen, budget);

		if (f != NULL && strlen(f->fold) > bestlen) {
			*len = flen;
			return f;
		}
	}
	return best;
}

/* Past a gloss in parentheses right after raw offset at: where the value may begin. */
static size_t
skip_gloss(const struct xseg *s, size_t at, size_t *gloss_start, size_t *gloss_end)
{
	size_t i = at;

	*gloss_start = *gloss_end = at;
	while (i < s->len && (s->text[i] == ' ' || s->text[i] == ':'))
		i++;
	if (i < s->len && s->text[i] == '(') {
		const char *close = memchr(s->text + i, ')', s->len - i < 64 ? s->len - i : 64);

		if (close != NULL) {
			*gloss_start = i + 1;
			*gloss_end = (size_t)(close - s->text);
			return *gloss_end + 1;
		}
	}
	return at;
}

/* Whether folded [i, e) is part of an identifier in the raw text: "invoice_number_1", "po_number". */
static bool
in_identifier(const struct xseg *s, size_t i, size_t e)
{
	size_t a = s->map[i], b = s->map[e];

	return (a > 0 && s->text[a - 1] == '_') || (b > a && memchr(s->text + a, '_', b - a) != NULL) ||
	    (b < s->len && s->text[b] == '_');
}

static int
add_match(struct xpage *p, size_t *cap, const struct xmatch *m)
{
	if (p->nmatches == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct xmatch *nm = realloc(p->matches, ncap * sizeof(*nm));

		if (nm == NULL)
			return -1;
		p->matches = nm;
		*cap = ncap;
	}
	p->matches[p->nmatches++] = *m;
	return 0;
}

int
extract_labels(struct xpage *p)
{
	size_t cap = 0, budget = FUZZY_BUDGET;

	for (size_t si = 0; si < p->nsegs; si++) {
		const struct xseg *s = &p->segs[si];
		size_t i = 0, first = p->nmatches;

		while (i < s->foldlen) {
			size_t len = 0;
			/* a weak label only begins a segment or a gloss: "No." mid-sentence is a word */
			const struct lexeme *l = longest_at(s, i, i == 0 || (s->map[i] > 0 &&
			    s->text[s->map[i] - 1] == '('), &len, &budget);
			struct xmatch m;
			size_t value_at, e;

			if (l != NULL && in_identifier(s, i, i + len))
				l = NULL;
			if (l == NULL) {
				while (i < s->foldlen && s->fold[i] != ' ')
					i++;
				i++;
				continue;
			}
			e = i + len;
			m = (struct xmatch){ .label = l->label, .column = l->column, .seg = si,
				.fold_start = i, .fold_end = e, .raw_start = s->map[i], .strong = !l->weak };
			value_at = skip_gloss(s, s->map[e], &m.gloss_start, &m.gloss_end);
			m.raw_end = value_at;
			/* "Total Sales (Excluding GST)": a total before tax is the subtotal */
			if (m.label == L_TOTAL && m.gloss_end > m.gloss_start &&
			    memmem(s->text + m.gloss_start, m.gloss_end - m.gloss_start, "xcl", 3) != NULL)
				m.label = L_SUBTOTAL;
			if (add_match(p, &cap, &m) != 0)
				return -1;
			/* the folded text resumes after the gloss; a label right there is adjacent */
			while (e < s->foldlen && s->map[e] < value_at)
				e++;
			if (e < s->foldlen && s->fold[e] == ' ')
				e++;
			i = e;
		}
		p->segs[si].first_match = first;
		p->segs[si].nmatches = p->nmatches - first;
		for (size_t j = first; j < p->nmatches; j++)
			p->matches[j].value_end = j + 1 < p->nmatches ? p->matches[j + 1].raw_start : s->len;
	}
	return 0;
}

bool
extract_seg_starts_with_label(const struct xpage *p, size_t s)
{
	return p->segs[s].nmatches > 0 && p->matches[p->segs[s].first_match].fold_start == 0;
}
