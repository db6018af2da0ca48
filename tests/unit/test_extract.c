/*
 * test_extract: lib/extract on pages built here word by word, one layout
 * per test: label left and value right, label above and value below,
 * totals blocks, tables, bilingual and Vietnamese labels, receipts; each
 * cross-check's agreement and disagreement; distractors; and hostile
 * input (no words, too many, giant ones, invalid UTF-8, NUL, absurd boxes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/extract.h"
#include "lib/json.h"
#include "tests/unit/tap.h"

#include <stdbool.h>

#define CHAR_W 20	/* px per byte of a word's text */
#define SPACE_W 14
#define LINE_H 30

struct page {
	struct extract_word w[4096];
	char text[4096][64];
	size_t n;
	int line;
};

/* Adds the words of text at (x, y) as one OCR line. */
static void
put(struct page *p, int x, int y, const char *text)
{
	const char *s = text;

	p->line++;
	while (*s != '\0' && p->n < 4096) {
		size_t len = strcspn(s, " ");

		if (len > 0) {
			struct extract_word *w = &p->w[p->n];

			snprintf(p->text[p->n], sizeof(p->text[0]), "%.*s", (int)len, s);
			*w = (struct extract_word){ p->text[p->n], len, 92, 1, p->line, x, y,
				x + (int)len * CHAR_W, y + LINE_H };
			p->n++;
			x += (int)len * CHAR_W + SPACE_W;
		}
		s += len;
		while (*s == ' ')
			s++;
	}
}

static void
extract(struct page *p, const char *lang, struct invoice *inv)
{
	memset(inv, 0, sizeof(*inv));
	if (extract_invoice(p->w, p->n, lang, inv) != 0)
		printf("# extract_invoice failed: %s\n", strerror(errno));
}

static const char *
val(const struct invoice *inv, enum invoice_field f)
{
	return inv->value[f] != NULL ? inv->value[f] : "(null)";
}

/* Whether one of the review reasons mentions what. */
static bool
reason(const struct invoice *inv, const char *what)
{
	for (size_t i = 0; i < inv->nreasons; i++)
		if (strstr(inv->review_reasons[i], what) != NULL)
			return true;
	return false;
}

static void
test_label_right(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "ACME Widgets LLC");
	put(&p, 100, 140, "12 Harbor Road, Springfield");
	put(&p, 1400, 100, "INVOICE");
	put(&p, 1400, 200, "Invoice No.:");
	put(&p, 1800, 200, "INV-2024-0042");
	put(&p, 1400, 240, "Date:");
	put(&p, 1800, 240, "March 15, 2025");
	put(&p, 1400, 280, "Due Date:");
	put(&p, 1800, 280, "April 14, 2025");
	put(&p, 1400, 1500, "Subtotal");
	put(&p, 1900, 1500, "$1,000.00");
	put(&p, 1400, 1540, "Sales Tax (8%)");
	put(&p, 1900, 1540, "$80.00");
	put(&p, 1400, 1580, "Total Due");
	put(&p, 1900, 1580, "$1,080.00");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_NUMBER), "INV-2024-0042", "label left, value right: the number");
	is_str(val(&inv, INVOICE_DATE), "2025-03-15", "the date, a month name");
	is_str(val(&inv, INVOICE_DUE_DATE), "2025-04-14", "the due date");
	is_str(val(&inv, INVOICE_SELLER_NAME), "ACME Widgets LLC", "the seller: the top block's company");
	is_str(val(&inv, INVOICE_SUBTOTAL), "1000.00", "the subtotal");
	is_str(val(&inv, INVOICE_TAX_AMOUNT), "80.00", "the tax");
	is_str(val(&inv, INVOICE_TAX_RATE), "8", "the rate from the tax label's gloss");
	is_str(val(&inv, INVOICE_TOTAL), "1080.00", "the total");
	is_str(val(&inv, INVOICE_CURRENCY), "USD", "the currency from the $ signs");
	is_str(inv.language, "en", "English");
	ok(!inv.needs_review, "everything agrees: no review");
	invoice_free(&inv);
}

static void
test_label_above(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "Orion Foods Inc.");
	put(&p, 100, 400, "Bill To");
	put(&p, 100, 440, "Thomas Dubois");
	put(&p, 100, 480, "5 Rue de la Paix");
	put(&p, 1200, 400, "Invoice Number");
	put(&p, 1700, 400, "Invoice Date");
	put(&p, 1200, 440, "A-73088");
	put(&p, 1700, 440, "24/10/2024");
	put(&p, 1400, 1500, "Total");
	put(&p, 1900, 1500, "EUR 1.250,50");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_NUMBER), "A-73088", "label above, value below: the number");
	is_str(val(&inv, INVOICE_DATE), "2024-10-24", "the date below its label");
	is_str(val(&inv, INVOICE_BUYER_NAME), "Thomas Dubois", "the buyer under Bill To");
	is_str(val(&inv, INVOICE_TOTAL), "1250.50", "a total with a decimal comma");
	is_str(val(&inv, INVOICE_CURRENCY), "EUR", "the currency from its code");
	invoice_free(&inv);
}

/* A bilingual Vietnamese VAT invoice, its distractors included. */
static void
vat_invoice(struct page *p, const char *words_line, const char *vat)
{
	put(p, 400, 100, "HÓA ĐƠN GIÁ TRỊ GIA TĂNG");
	put(p, 1700, 100, "Mẫu số (Form): 1");
	put(p, 1700, 150, "Ký hiệu (Serial): 1C25TAA");
	put(p, 1700, 200, "Số (No.): 0000123");
	put(p, 600, 200, "Ngày 15 tháng 03 năm 2025");
	put(p, 600, 250, "Mã của CQT: 00A1B2C3D4E5F60718293");
	put(p, 100, 350, "Đơn vị bán hàng (Seller): Công ty TNHH Sao Việt");
	put(p, 100, 400, "Mã số thuế (Tax code): 0 3 1 2 3 4 5 6 7 8");
	put(p, 100, 450, "Địa chỉ (Address): 12 Lê Lợi, Quận 1, TP. Hồ Chí Minh");
	put(p, 100, 500, "Số tài khoản (Account No.): 0071000123456");
	put(p, 100, 600, "Họ tên người mua hàng (Buyer): Nguyễn Văn An");
	put(p, 100, 650, "Tên đơn vị (Company name): Công ty Cổ phần Bình Minh");
	put(p, 100, 700, "Mã số thuế (Tax code): 0312345678-001");
	put(p, 100, 750, "Địa chỉ (Address): 5 Trần Phú, Hà Nội");
	put(p, 100, 900, "STT");
	put(p, 300, 900, "Tên hàng hóa, dịch vụ");
	put(p, 1100, 900, "Đơn vị tính");
	put(p, 1400, 900, "Số lượng");
	put(p, 1700, 900, "Đơn giá");
	put(p, 2000, 900, "Thành tiền");
	put(p, 100, 950, "1");
	put(p, 400, 950, "2");
	put(p, 1150, 950, "3");
	put(p, 1450, 950, "4");
	put(p, 1750, 950, "5");
	put(p, 2050, 950, "6=4x5");
	put(p, 100, 1000, "1");
	put(p, 300, 1000, "Giấy in A4");
	put(p, 1100, 1000, "Ram");
	put(p, 1400, 1000, "10");
	put(p, 1700, 1000, "50.000");
	put(p, 2000, 1000, "500.000");
	put(p, 100, 1050, "2");
	put(p, 300, 1050, "Mực in");
	put(p, 1100, 1050, "Hộp");
	put(p, 1400, 1050, "2");
	put(p, 1700, 1050, "250.000");
	put(p, 2000, 1050, "500.000");
	put(p, 1000, 1200, "Cộng tiền hàng (Total amount):");
	put(p, 2000, 1200, "1.000.000");
	put(p, 100, 1250, "Thuế suất GTGT (VAT rate): 10%");
	put(p, 1000, 1250, "Tiền thuế GTGT (VAT amount):");
	put(p, 2000, 1250, vat);
	put(p, 1000, 1300, "Tổng cộng tiền thanh toán (Total amount):");
	put(p, 2000, 1300, "1.100.000 đ");
	put(p, 100, 1350, words_line);
	put(p, 400, 1500, "Người mua hàng (Buyer)");
	put(p, 1600, 1500, "Người bán hàng (Seller)");
	put(p, 1600, 1550, "(Ký, đóng dấu, ghi rõ họ tên)");
	put(p, 100, 2000, "Phát hành bởi phần mềm hóa đơn điện tử của Công ty ABC - MST: 0101234567");
}

static void
test_vat_invoice(void)
{
	struct page p = { 0 };
	struct invoice inv;

	vat_invoice(&p, "Số tiền viết bằng chữ (Amount in words): Một triệu một trăm nghìn đồng.", "100.000");
	extract(&p, "vie+eng", &inv);
	is_str(val(&inv, INVOICE_NUMBER), "0000123", "VAT invoice: Số is the number, its zeros kept");
	is_str(val(&inv, INVOICE_DATE), "2025-03-15", "Ngày .. tháng .. năm");
	is_str(val(&inv, INVOICE_SELLER_NAME), "Công ty TNHH Sao Việt", "the seller after Đơn vị bán hàng");
	is_str(val(&inv, INVOICE_SELLER_TAX_ID), "0312345678", "the seller's tax code, its boxed digits joined");
	is_str(val(&inv, INVOICE_SELLER_ADDRESS), "12 Lê Lợi, Quận 1, TP. Hồ Chí Minh", "the seller's address");
	is_str(val(&inv, INVOICE_BUYER_NAME), "Công ty Cổ phần Bình Minh", "the buyer: the company over the person");
	is_str(val(&inv, INVOICE_BUYER_TAX_ID), "0312345678-001", "the buyer's 13-digit tax code");
	is_str(val(&inv, INVOICE_BUYER_ADDRESS), "5 Trần Phú, Hà Nội", "the buyer's address");
	is_str(val(&inv, INVOICE_SUBTOTAL), "1000000", "Cộng tiền hàng");
	is_str(val(&inv, INVOICE_TAX_RATE), "10", "Thuế suất GTGT");
	is_str(val(&inv, INVOICE_TAX_AMOUNT), "100000", "Tiền thuế GTGT");
	is_str(val(&inv, INVOICE_TOTAL), "1100000", "Tổng cộng tiền thanh toán");
	is_str(val(&inv, INVOICE_CURRENCY), "VND", "đồng");
	is_str(inv.language, "vi", "Vietnamese");
	is_int((int)inv.nitems, 2, "two items: the 1..6 numbering row is none");
	if (inv.nitems == 2) {
		is_str(inv.items[0].description, "Giấy in A4", "item 1's description");
		is_str(inv.items[0].quantity, "10", "item 1's quantity");
		is_str(inv.items[0].unit_price, "50000", "item 1's unit price");
		is_str(inv.items[1].amount, "500000", "item 2's amount");
	}
	ok(!inv.needs_review, "everything agrees, the words too: no review");
	ok(inv.confidence[INVOICE_TOTAL] > 0.9, "a total every check agrees with is sure");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	vat_invoice(&p, "Số tiền viết bằng chữ (Amount in words): Một triệu hai trăm nghìn đồng.", "100.000");
	extract(&p, "vie+eng", &inv);
	ok(inv.needs_review && reason(&inv, "amount in words"), "words that say another total: to review");
	is_str(val(&inv, INVOICE_TOTAL), "1100000", "the figures are kept");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	vat_invoice(&p, "", "120.000");
	extract(&p, "vie+eng", &inv);
	ok(inv.needs_review && reason(&inv, "subtotal + tax_amount"), "subtotal + tax != total: to review");
	ok(reason(&inv, "tax_rate"), "rate x subtotal != tax: to review");
	invoice_free(&inv);
}

static void
test_vietnamese_without_marks(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "CONG TY TNHH MINH PHAT");
	put(&p, 100, 150, "Ma so thue: 0101234567");
	put(&p, 1700, 150, "So: 0004567");
	put(&p, 100, 200, "Ngay 02 thang 01 nam 2024");
	put(&p, 100, 300, "Ten don vi: Cong ty Hoa Binh");
	put(&p, 100, 350, "Ma so thue: 0309876543");
	put(&p, 1000, 1200, "Cong tien hang:");
	put(&p, 2000, 1200, "200.000");
	put(&p, 1000, 1250, "Tien thue GTGT:");
	put(&p, 2000, 1250, "16.000");
	put(&p, 1000, 1300, "Tong cong tien thanh toan:");
	put(&p, 2000, 1300, "216.000");
	put(&p, 1000, 1350, "Dong tien thanh toan: VND");
	extract(&p, "vie", &inv);
	is_str(val(&inv, INVOICE_NUMBER), "0004567", "no marks: the number");
	is_str(val(&inv, INVOICE_DATE), "2024-01-02", "no marks: the date");
	is_str(val(&inv, INVOICE_SELLER_NAME), "CONG TY TNHH MINH PHAT", "no marks: the seller on top");
	is_str(val(&inv, INVOICE_SELLER_TAX_ID), "0101234567", "no marks: the seller's tax code");
	is_str(val(&inv, INVOICE_BUYER_NAME), "Cong ty Hoa Binh", "no marks: the buyer");
	is_str(val(&inv, INVOICE_BUYER_TAX_ID), "0309876543", "no marks: the buyer's tax code");
	is_str(val(&inv, INVOICE_TOTAL), "216000", "no marks: the total");
	is_str(val(&inv, INVOICE_TAX_AMOUNT), "16000", "no marks: the tax");
	invoice_free(&inv);
}

/* An English invoice with a table: widths of its columns, its totals. */
static void
table_invoice(struct page *p, const char *qty2, const char *subtotal)
{
	put(p, 100, 100, "Blue Harbor Consulting Corp.");
	put(p, 1500, 100, "Invoice No. 7731");
	put(p, 1500, 150, "Date: 2025-02-11");
	put(p, 100, 800, "Description");
	put(p, 1300, 800, "Qty");
	put(p, 1600, 800, "Unit Price");
	put(p, 2000, 800, "Amount");
	put(p, 100, 860, "Design work");
	put(p, 1300, 860, "10");
	put(p, 1600, 860, "$100.00");
	put(p, 2000, 860, "$1,000.00");
	put(p, 100, 920, "Software license");
	put(p, 1300, 920, qty2);
	put(p, 1600, 920, "$250.50");
	put(p, 2000, 920, "$501.00");
	put(p, 100, 960, "(annual)");
	put(p, 1500, 1100, "Subtotal");
	put(p, 2000, 1100, subtotal);
	put(p, 1500, 1150, "Tax");
	put(p, 2000, 1150, "$0.00");
	put(p, 1500, 1200, "Total");
	put(p, 2000, 1200, subtotal);
}

static void
test_table(void)
{
	struct page p = { 0 };
	struct invoice inv;

	table_invoice(&p, "2", "$1,501.00");
	extract(&p, "eng", &inv);
	is_int((int)inv.nitems, 2, "table: two items");
	if (inv.nitems == 2) {
		is_str(inv.items[0].description, "Design work", "item 1's description");
		is_str(inv.items[0].quantity, "10", "item 1's quantity");
		is_str(inv.items[0].unit_price, "100.00", "item 1's unit price");
		is_str(inv.items[0].amount, "1000.00", "item 1's amount");
		is_str(inv.items[1].description, "Software license (annual)", "a description on two rows");
	}
	is_str(val(&inv, INVOICE_NUMBER), "7731", "the number after its label on one segment");
	is_str(val(&inv, INVOICE_SUBTOTAL), "1501.00", "the subtotal");
	ok(!inv.needs_review, "items add up to the subtotal, each q x p = amount: no review");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	table_invoice(&p, "3", "$1,501.00");
	extract(&p, "eng", &inv);
	ok(inv.needs_review && reason(&inv, "line item 2: quantity x unit_price"), "q x p != amount: to review");
	ok(!reason(&inv, "line item 1:"), "the item that agrees is not named");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	table_invoice(&p, "2", "$1,601.00");
	extract(&p, "eng", &inv);
	ok(inv.needs_review && reason(&inv, "line items: their amounts do not add up"), "sum != subtotal: to review");
	invoice_free(&inv);
}

/* Two totals: the one that subtotal + tax makes is taken, not the one placed better. */
static void
test_totals_agreement(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "Orion Labs Ltd.");
	put(&p, 1500, 1100, "Sub-total");
	put(&p, 2000, 1100, "€37,649.13");
	put(&p, 1500, 1150, "VAT (21%)");
	put(&p, 2000, 1150, "€7,906.32");
	put(&p, 1500, 1200, "Amount Due");
	put(&p, 2000, 1200, "€45,555.45");
	put(&p, 1500, 1300, "Total");
	put(&p, 2000, 1300, "€45,000.00");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "45555.45", "the total that agrees wins");
	is_str(val(&inv, INVOICE_TAX_RATE), "21", "the rate from VAT (21%)");
	ok(!reason(&inv, "subtotal + tax_amount"), "agreement: no reason");
	invoice_free(&inv);
}

static void
test_receipt(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 50, "MR D.I.Y. (JOHOR) SDN BHD");
	put(&p, 100, 90, "CO-REG : 860671-D");
	put(&p, 100, 130, "TAX INVOICE");
	put(&p, 100, 170, "12-01-19 18:44");
	put(&p, 100, 400, "TOTAL");
	put(&p, 400, 400, "RM 33.92");
	put(&p, 100, 440, "ROUNDING ADJUSTMENT");
	put(&p, 400, 440, "-RM 0.02");
	put(&p, 100, 480, "TOTAL ROUNDED");
	put(&p, 400, 480, "RM 33.90");
	put(&p, 100, 520, "CASH");
	put(&p, 400, 520, "RM 50.00");
	put(&p, 100, 560, "CHANGE");
	put(&p, 400, 560, "RM 16.10");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "33.90", "receipt: the rounded total, not the cash");
	is_str(val(&inv, INVOICE_CURRENCY), "MYR", "receipt: RM is ringgit");
	is_str(val(&inv, INVOICE_SELLER_NAME), "MR D.I.Y. (JOHOR) SDN BHD", "receipt: the shop on top");
	is_str(val(&inv, INVOICE_DATE), "2019-01-12", "receipt: dd-mm-yy read day first");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 100, 50, "Coffee Corner");
	put(&p, 100, 90, "RECEIPT");
	put(&p, 100, 400, "Total");
	put(&p, 400, 400, "$4.50");
	put(&p, 100, 440, "Cash");
	put(&p, 400, 440, "$5.00");
	put(&p, 100, 480, "Change");
	put(&p, 400, 480, "$0.50");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_DOCUMENT_TYPE), "receipt", "a receipt is one");
	is_str(val(&inv, INVOICE_TOTAL), "4.50", "and its total is not its cash");
	invoice_free(&inv);
}

/* No currency printed, or only "$": the country the page names decides. */
static void
test_receipt_country(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 50, "SYL ROASTED DELIGHTS SDN. BHD.");
	put(&p, 100, 90, "75, JALAN SS 22/19, 47400 PJ");
	put(&p, 100, 400, "Total");
	put(&p, 400, 400, "54.50");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_CURRENCY), "MYR", "no currency printed: Sdn. Bhd. is Malaysian");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 100, 50, "UNIHAKKA INTERNATIONAL SDN BHD");
	put(&p, 100, 400, "Nett Total: $8.20");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_CURRENCY), "MYR", "a till's $ on a Malaysian receipt");
	is_str(val(&inv, INVOICE_TOTAL), "8.20", "and its amount read");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 100, 50, "Orion Sdn Bhd");
	put(&p, 100, 400, "Total USD 8.20");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_CURRENCY), "USD", "a printed code wins over the country");
	invoice_free(&inv);
}

/* The last word put is read with confidence conf. */
static void
doubt(struct page *p, double conf)
{
	p->w[p->n - 1].confidence = conf;
}

/* Receipts read badly: the evidence the page itself gives for one total over another. */
static void
test_receipt_evidence(void)
{
	struct page p = { 0 };
	struct invoice inv;

	/* "900": the decimal point lost; the item's 9.00 says which total was misread */
	put(&p, 100, 50, "BOOK TAK SDN BHD");
	put(&p, 100, 300, "KF MODELLING CLAY");
	put(&p, 400, 300, "9.00");
	put(&p, 100, 400, "Total :");
	put(&p, 400, 400, "900");
	put(&p, 100, 440, "Rounded Total (RM):");
	put(&p, 400, 440, "9.60");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "9.00", "a lost decimal point put back, confirmed by the item");
	ok(reason(&inv, "decimal point"), "and said");
	invoice_free(&inv);

	/* the rounding line: the total below it, apart by the rounding, even with its sign lost */
	memset(&p, 0, sizeof(p));
	put(&p, 100, 50, "MR DIY SDN BHD");
	put(&p, 100, 400, "TOTAL");
	put(&p, 400, 400, "RM 33, 92");
	put(&p, 100, 440, "ROUNDING ADJUSTMENT");
	put(&p, 400, 440, "RM 0.02");
	put(&p, 100, 480, "TOTAL ROUNDED");
	put(&p, 400, 480, "RM 33.90");
	doubt(&p, 40);
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "33.90", "the rounded total, though read with less confidence");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 100, 400, "TOTAL");
	put(&p, 400, 400, "RM 33, 92");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "33.92", "an amount split after its decimal comma is one");
	invoice_free(&inv);

	/* the cash less the change is what was paid */
	memset(&p, 0, sizeof(p));
	put(&p, 100, 50, "Coffee Corner");
	put(&p, 100, 400, "Total");
	put(&p, 400, 400, "4.50");
	doubt(&p, 40);
	put(&p, 100, 440, "Total Paid");
	put(&p, 400, 440, "4.80");
	put(&p, 100, 480, "Cash");
	put(&p, 400, 480, "5.00");
	put(&p, 100, 520, "Change");
	put(&p, 400, 520, "0.50");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "4.50", "cash - change decides between two totals");
	invoice_free(&inv);

	/* a total read unsurely, a digit off subtotal + tax read surely: read as their sum, and said */
	memset(&p, 0, sizeof(p));
	put(&p, 100, 50, "SYL ROASTED DELIGHTS SDN BHD");
	put(&p, 100, 400, "Total Sales (Excluding GST)");
	put(&p, 900, 400, "51.42");
	put(&p, 100, 440, "Total GST");
	put(&p, 900, 440, "3.08");
	put(&p, 100, 480, "Total Sales (Inclusive of GST)");
	put(&p, 900, 480, "64.50");
	doubt(&p, 66);
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "54.50", "a total's misread digit read from subtotal + tax");
	ok(reason(&inv, "digit OCR misread"), "and said");
	invoice_free(&inv);

	/* read as surely as the others, the total stands, and the sum disagrees */
	p.w[p.n - 1].confidence = 92;
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "64.50", "a surely read total is not corrected");
	ok(!reason(&inv, "digit OCR misread"), "  nor said to be");
	invoice_free(&inv);

	/* two digits off is no misreading */
	memcpy(p.text[p.n - 1], "76.50", 6);
	doubt(&p, 66);
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "76.50", "a total two digits off the sum is not corrected");
	invoice_free(&inv);
}

/* A label's words inside an identifier are no label; "#" labels a number at the top. */
static void
test_identifier_words(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "Sammy Maystone");
	put(&p, 1900, 100, "| N V | E");
	put(&p, 1900, 250, "# invoice_number_1");
	put(&p, 1600, 750, "PO Number:");
	put(&p, 2000, 750, "po_number_123");
	put(&p, 1600, 850, "Balance Due:");
	put(&p, 2000, 850, "$127.50");
	put(&p, 100, 2000, "Thank you");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_NUMBER), "invoice_number_1", "an identifier with a label's words, after #");
	invoice_free(&inv);
}

/* The seller's name as printed: cleaned of OCR's quotes and digits, completed from the page. */
static void
test_seller_names(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 300, 500, "'WARAKUYA PERMAS CITY SDN 8HD");
	put(&p, 300, 540, "JALAN PERMAS UTARA 1");
	put(&p, 300, 900, "TOTAL: RM 57.80");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_NAME), "WARAKUYA PERMAS CITY SDN BHD", "a speck's quote gone, 8HD read BHD");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 1500, 200, "QualityHosting");
	put(&p, 200, 600, "QualityHosting AG - Uferweg 40-42 - D-63571 Gelnhausen");
	put(&p, 200, 850, "iViveLabs Ltd.");
	put(&p, 200, 1200, "Rechnung");
	put(&p, 1500, 2000, "Gesamtbetrag");
	put(&p, 2000, 2000, "34,73");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_NAME), "QualityHosting AG", "a logo's name completed by the return address");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 150, 180, "Free");
	put(&p, 1250, 630, "de Lattre Alexis");
	put(&p, 190, 3220, "Free SAS au capital de 3.441.812 Euros");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_NAME), "Free", "a sentence about the company does not complete its name");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 150, 180, "Summit Trading S.r.1.");
	put(&p, 150, 900, "Orion 1TD");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_NAME), "Summit Trading S.r.l.", "S.r.1.: 1 read for l in a legal form");
	invoice_free(&inv);

	/* on a receipt scanned with a margin, the shop's name is the top of the text, not of the image */
	memset(&p, 0, sizeof(p));
	put(&p, 350, 300, "A0%2/8");
	put(&p, 350, 360, "UNIHAKKA INTERNATIONAL SDN BHD");
	put(&p, 350, 400, "12, Jalan Tampoi 7/4");
	put(&p, 350, 880, "Nett Total: $8.20");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_NAME), "UNIHAKKA INTERNATIONAL SDN BHD", "the top of a receipt scanned low");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 100, 50, "tan woon yann");
	for (size_t i = 0; i < p.n; i++)
		p.w[i].y1 += 20;	/* handwriting, larger than the print */
	put(&p, 100, 160, "INDAH GIFT & HOME DECO");
	put(&p, 100, 200, "27, JALAN DEDAP 13");
	put(&p, 100, 900, "TOTAL 60.30");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_NAME), "INDAH GIFT & HOME DECO", "a name in lower case is written, not printed");
	invoice_free(&inv);
}

/* No date label: a receipt's date is the one printed with a time, not a code that reads as one. */
static void
test_unlabelled_date(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 50, "MR DIY SDN BHD");
	put(&p, 100, 300, "AIR PRESSURE SPRAYER");
	put(&p, 100, 340, "Hữ03-7 - 15");
	put(&p, 100, 380, "VALID 01/02/2019 - 15/02/2019");
	put(&p, 100, 400, "TOTAL");
	put(&p, 400, 400, "RM 33.90");
	put(&p, 100, 700, "12-01-19 21:13 SH01");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_DATE), "2019-01-12", "the date with a time, not a product code's");
	invoice_free(&inv);
}

/* The buyer no label names: the address block that is not the seller's. */
static void
test_unlabelled_buyer(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 1850, 200, "Coolblue B.V.");
	put(&p, 1850, 260, "Weena 664");
	put(&p, 1850, 320, "3012 CN Rotterdam");
	put(&p, 190, 200, "FACTUUR");
	put(&p, 190, 425, "Pino Bluebird");
	put(&p, 190, 485, "Sessamestreet 32");
	put(&p, 190, 545, "1025 RX Amsterdam");
	put(&p, 190, 660, "Factuurnummer: 993548900");
	put(&p, 1500, 2000, "Totaal");
	put(&p, 2000, 2000, "€ 717,97");
	put(&p, 190, 3000, "Thank you");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_NAME), "Coolblue B.V.", "the seller's block");
	is_str(val(&inv, INVOICE_BUYER_NAME), "Pino Bluebird", "the other block's first line is the buyer");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 120, 200, "Azure Interior Inc.");
	put(&p, 120, 260, "4557 De Silva St");
	put(&p, 120, 320, "Fremont CA 94538");
	put(&p, 1470, 610, "YourCompany, Mitchell Admin");
	put(&p, 1470, 670, "215 Vine St");
	put(&p, 1470, 730, "Scranton PA 18503");
	put(&p, 120, 870, "Invoice INV/2023/03/0008");
	put(&p, 1500, 2000, "Total");
	put(&p, 2000, 2000, "$ 279.84");
	put(&p, 190, 3000, "Thank you");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_BUYER_NAME), "YourCompany", "the company before its contact person");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 120, 200, "Orion Labs Ltd.");
	put(&p, 700, 380, "Billing Address");
	put(&p, 1360, 380, "Shipping Address");
	put(&p, 700, 430, "Anushrut Singh");
	put(&p, 1360, 430, "Anushrut Singh");
	put(&p, 1500, 2000, "Total");
	put(&p, 2000, 2000, "319.00");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_BUYER_NAME), "Anushrut Singh", "a heading beside a heading is not its value");
	invoice_free(&inv);
}

/* Outside Vietnam the footer's tax id is the seller's own; "your VAT number" the buyer's. */
static void
test_footer_tax_ids(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 190, 200, "Strategic Corp");
	put(&p, 190, 260, "Keizersgracht 1");
	put(&p, 190, 320, "1015 CJ Amsterdam");
	put(&p, 1500, 1500, "Factuur totaal EUR");
	put(&p, 2100, 1500, "49,99");
	put(&p, 160, 2770, "Uw BTW nummer: NL00333599698");
	put(&p, 180, 3200, "Kvk nummer: 04080176");
	put(&p, 1270, 3200, "BTW-nr: NL8152.54.295.B01");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_TAX_ID), "NL815254295B01", "the footer's VAT number, without its points");
	is_str(val(&inv, INVOICE_BUYER_TAX_ID), "NL00333599698", "\"Uw BTW nummer\" is the buyer's");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 150, 180, "Free SAS");
	put(&p, 1250, 630, "de Lattre Alexis");
	put(&p, 1250, 680, "35 RUE du logiciel libre");
	put(&p, 1250, 730, "69100 VILLEURBANNE");
	put(&p, 580, 1180, "Id.client");
	put(&p, 580, 1220, "10577874");
	put(&p, 160, 1770, "Total facture");
	put(&p, 2200, 1770, "29.99");
	put(&p, 190, 3220, "Free SAS au capital de 3.441.812 Euros N° de TVA intra communautaire: FR 604 219 388 61");
	put(&p, 950, 3375, "UStld DE 232 446 240");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_TAX_ID), "FR 604 219 388 61", "on the line naming the seller: the seller's");
	is_str(val(&inv, INVOICE_BUYER_TAX_ID), "(null)", "and not the buyer's");
	invoice_free(&inv);
}

/* A totals row in columns: net, tax and gross under their headers. */
static void
test_columned_totals(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "Orion Labs Ltd.");
	put(&p, 1240, 1550, "Net EUR");
	put(&p, 1680, 1550, "VAT EUR");
	put(&p, 2030, 1550, "Gross EUR");
	put(&p, 160, 1610, "Subscription");
	put(&p, 1400, 1610, "24.99");
	put(&p, 1800, 1610, "5.00");
	put(&p, 2210, 1610, "29.99");
	put(&p, 160, 1770, "Total for the period");
	put(&p, 1400, 1770, "24.99");
	put(&p, 1800, 1770, "5.00");
	put(&p, 2210, 1770, "29.99");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "29.99", "columns: the gross is the total");
	is_str(val(&inv, INVOICE_SUBTOTAL), "24.99", "the net before it the subtotal");
	is_str(val(&inv, INVOICE_TAX_AMOUNT), "5.00", "and between them the tax");
	invoice_free(&inv);

	/* "Total facture": the word for invoice is the total's, not a label of its own */
	memset(&p, 0, sizeof(p));
	put(&p, 160, 1770, "Total facture");
	put(&p, 1400, 1770, "24.99");
	put(&p, 1800, 1770, "5.00");
	put(&p, 2210, 1770, "29.99");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_TOTAL), "29.99", "Total facture: the invoice's total");
	is_str(val(&inv, INVOICE_SUBTOTAL), "24.99", "and its columns");
	invoice_free(&inv);
}

/* A due date in a total's label; the invoice number under a header that is the word "Factuur". */
static void
test_due_on_and_header_number(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 1070, 490, "Invoice Number:");
	put(&p, 2230, 490, "42183017");
	put(&p, 1070, 600, "TOTAL AMOUNT DUE ON August 3 , 2014");
	put(&p, 2275, 600, "$4.11");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_DUE_DATE), "2014-08-03", "the date a total is due on");
	is_str(val(&inv, INVOICE_TOTAL), "4.11", "and the total still its");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 187, 1175, "Klant");
	put(&p, 601, 1175, "Order");
	put(&p, 1315, 1175, "Factuur datum");
	put(&p, 1803, 1175, "Factuur");
	put(&p, 2085, 1175, "Vervaldatum");
	put(&p, 185, 1230, "SCONL0303006280999");
	put(&p, 601, 1230, "SCONL000000444");
	put(&p, 1411, 1230, "8-9-2022");
	put(&p, 1706, 1230, "VF1005193039");
	put(&p, 2134, 1230, "22-9-2022");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_NUMBER), "VF1005193039", "under the header \"Factuur\"");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 233, 2118, "Zahlungsziel");
	put(&p, 871, 2118, "21.05.14");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_DUE_DATE), "2014-05-21", "Zahlungsziel: the German due date");
	invoice_free(&inv);
}

/* The page's domain names the seller where it begins ("oyorooms.com": OYO, not Rooms). */
static void
test_seller_in_domain(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 500, 180, "PAYMENT RECEIPT");
	put(&p, 180, 330, "Guest Name: Sanjay");
	put(&p, 190, 460, "Hotel Details");
	put(&p, 1320, 460, "Check In");
	put(&p, 1690, 460, "Check Out");
	put(&p, 2050, 460, "Rooms");
	put(&p, 190, 505, "OYO 4189 Resort Nanganallur,");
	put(&p, 1320, 505, "31/12/2017");
	put(&p, 200, 1120, "Grand Total");
	put(&p, 2100, 1120, "Rs 1939");
	put(&p, 200, 3000, "Write to us at support@oyorooms.com");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_SELLER_NAME), "OYO 4189 Resort Nanganallur", "the name the domain begins with");
	is_str(val(&inv, INVOICE_BUYER_NAME), "Sanjay", "the guest is the buyer");
	invoice_free(&inv);
}

static void
test_ambiguous_date(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "Invoice No.: 55");
	put(&p, 100, 150, "Date: 03/04/2025");
	extract(&p, NULL, &inv);
	is_str(val(&inv, INVOICE_DATE), "2025-04-03", "an ambiguous date: day first");
	ok(inv.needs_review && reason(&inv, "invoice_date"), "and to review, naming the field");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 100, 100, "Invoice No.: 55");
	put(&p, 100, 150, "Date: 03/04/2025");
	put(&p, 100, 200, "Due Date: 03/25/2025");
	extract(&p, NULL, &inv);
	is_str(val(&inv, INVOICE_DATE), "2025-03-04", "the page's other date decides month first");
	ok(!reason(&inv, "invoice_date"), "decided: no review");
	invoice_free(&inv);
}

static void
test_wallet_and_utility(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "Giao dịch thành công");
	put(&p, 100, 200, "Số tiền");
	put(&p, 1000, 200, "50.000đ");
	put(&p, 100, 250, "Người nhận");
	put(&p, 1000, 250, "Nguyen Van B");
	put(&p, 100, 300, "Mã giao dịch");
	put(&p, 1000, 300, "31415926535");
	put(&p, 100, 350, "Nguồn tiền");
	put(&p, 1000, 350, "Ví MoMo");
	put(&p, 100, 400, "Số tài khoản");
	put(&p, 1000, 400, "0901234567");
	extract(&p, "vie", &inv);
	is_str(val(&inv, INVOICE_PAYMENT_ACCOUNT), "0901234567", "an e-wallet receipt's account is the payer's");
	is_str(val(&inv, INVOICE_DOCUMENT_TYPE), "e_wallet_receipt", "MoMo: an e-wallet receipt");
	is_str(val(&inv, INVOICE_TRANSACTION_ID), "31415926535", "its transaction id");
	is_str(val(&inv, INVOICE_PAYMENT_METHOD), "Ví MoMo", "its payment method");
	is_str(val(&inv, INVOICE_TOTAL), "50000", "its amount");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 100, 100, "TỔNG CÔNG TY ĐIỆN LỰC MIỀN NAM");
	put(&p, 100, 200, "HÓA ĐƠN TIỀN ĐIỆN");
	put(&p, 100, 300, "Mã khách hàng: PE01000123456");
	put(&p, 100, 350, "Điện năng tiêu thụ: 120 kWh");
	put(&p, 100, 400, "Tổng cộng tiền thanh toán:");
	put(&p, 1000, 400, "312.480");
	extract(&p, "vie", &inv);
	is_str(val(&inv, INVOICE_DOCUMENT_TYPE), "utility_bill", "EVN: a utility bill");
	is_str(val(&inv, INVOICE_CUSTOMER_CODE), "PE01000123456", "its customer code");
	is_str(val(&inv, INVOICE_TOTAL), "312480", "its total");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 100, 100, "Invoice No.: 55");
	put(&p, 100, 200, "Bank account: NL50INGB0683251309");
	put(&p, 100, 300, "Total");
	put(&p, 1000, 300, "€ 12,50");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_PAYMENT_ACCOUNT), "(null)", "an invoice's bank account is the seller's: not the payer's");
	invoice_free(&inv);

	memset(&p, 0, sizeof(p));
	put(&p, 100, 100, "Invoice No.: 55");
	put(&p, 100, 200, "Paid from: 1234-5678-90");
	put(&p, 100, 250, "Bank account: NL50INGB0683251309");
	put(&p, 100, 300, "Total");
	put(&p, 1000, 300, "€ 12,50");
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_PAYMENT_ACCOUNT), "1234-5678-90", "the account a label says paid");
	invoice_free(&inv);
}

static void
test_no_line_ids_and_skew(void)
{
	struct page p = { 0 };
	struct invoice inv;

	put(&p, 100, 100, "Invoice Number:");
	put(&p, 1200, 100, "KF9037936");
	put(&p, 100, 150, "Total");
	put(&p, 1900, 150, "$12.00");
	for (size_t i = 0; i < p.n; i++) {
		/* no line ids, and the page turned by about 1.5 degrees */
		p.w[i].line = 0;
		p.w[i].y0 += p.w[i].x0 / 40;
		p.w[i].y1 += p.w[i].x0 / 40;
	}
	extract(&p, "eng", &inv);
	is_str(val(&inv, INVOICE_NUMBER), "KF9037936", "without line ids, turned: the number");
	is_str(val(&inv, INVOICE_TOTAL), "12.00", "without line ids, turned: the total");
	invoice_free(&inv);
}

static void
test_hostile_words(void)
{
	static struct page p;
	struct extract_word *many;
	struct invoice inv;
	char *giant;
	static const char bad[] = "T\0ot\xff\xfe\xc0\x80" "al\x1b[31m";
	size_t n = 100000;

	many = calloc(n, sizeof(*many));
	for (size_t i = 0; i < n; i++)
		many[i] = (struct extract_word){ i % 2 ? "Total" : "$1.00", 5, 90, 1, (int)(i / 8) + 1,
			(int)(i % 8) * 100, (int)(i / 8) * 40, (int)(i % 8) * 100 + 90, (int)(i / 8) * 40 + 30 };
	memset(&inv, 0, sizeof(inv));
	ok(extract_invoice(many, n, "eng", &inv) == 0, "100000 words: 0");
	ok(inv.needs_review && reason(&inv, "words"), "only the first are read, and it says so");
	invoice_free(&inv);
	free(many);

	giant = malloc(1 << 20);
	memset(giant, 'A', 1 << 20);
	memset(&p, 0, sizeof(p));
	put(&p, 100, 100, "Invoice No.:");
	p.w[p.n++] = (struct extract_word){ giant, 1 << 20, 90, 1, 1, 500, 100, 900, 130 };
	p.w[p.n++] = (struct extract_word){ bad, sizeof(bad) - 1, 90, 1, 2, 100, 200, 300, 230 };
	p.w[p.n++] = (struct extract_word){ "$5.00", 5, 90, 1, 2, 400, 200, 500, 230 };
	p.w[p.n++] = (struct extract_word){ NULL, 10, 90, 1, 3, 0, 0, 1, 1 };
	p.w[p.n++] = (struct extract_word){ "Seller", 6, -5, -7, -9, -2147483647, -2147483647, 2147483647, 2147483647 };
	p.w[p.n++] = (struct extract_word){ "", 0, 500, 1, 1, 5, 5, 4, 4 };
	extract(&p, "eng", &inv);
	for (int f = 0; f < INVOICE_NFIELDS; f++) {
		char why[128];

		if (inv.value[f] != NULL && !invoice_value_valid((enum invoice_field)f, inv.value[f],
		    strlen(inv.value[f]), why, sizeof(why)))
			printf("# %s: %s\n", invoice_field_name((enum invoice_field)f), why);
	}
	{
		bool all_valid = true;

		for (int f = 0; f < INVOICE_NFIELDS; f++) {
			char why[128];

			all_valid &= inv.value[f] == NULL || invoice_value_valid((enum invoice_field)f, inv.value[f],
			    strlen(inv.value[f]), why, sizeof(why));
		}
		ok(all_valid, "giant, invalid, NUL, NULL, empty words and absurd boxes: every field valid");
	}
	ok(inv.value[INVOICE_NUMBER] == NULL || strlen(inv.value[INVOICE_NUMBER]) <= INVOICE_TEXT_MAX,
	    "a giant word is cut or dropped");
	invoice_free(&inv);
	free(giant);
}

static void
test_hostile_nothing(void)
{
	struct invoice inv = { 0 };

	ok(extract_invoice(NULL, 0, NULL, &inv) == 0, "no words: 0");
	ok(inv.value[INVOICE_TOTAL] == NULL && inv.needs_review, "no words: no total, to review");
	ok(reason(&inv, "total"), "the reason names the total");
	invoice_free(&inv);
}

static void
test_json(void)
{
	const char *json = "[{\"text\":\"Total\",\"confidence\":95,\"page\":1,\"line\":1,\"box\":[100,100,200,130]},"
	    "{\"text\":\"$12.50\",\"confidence\":95,\"page\":1,\"line\":1,\"box\":[400,100,520,130]}]";
	struct invoice inv = { 0 };
	char why[128] = "";

	ok(extract_invoice_json(json, strlen(json), "eng", &inv, why, sizeof(why)) == 0, "the words JSON is read");
	is_str(val(&inv, INVOICE_TOTAL), "12.50", "its total");
	invoice_free(&inv);
	memset(&inv, 0, sizeof(inv));
	ok(extract_invoice_json("{\"text\":1}", 10, "eng", &inv, why, sizeof(why)) == -1 && why[0] != '\0',
	    "not an array: -1 with a reason");
	invoice_free(&inv);
	memset(&inv, 0, sizeof(inv));
	ok(extract_invoice_json("[{\"text\":\"a\"}]", 14, "eng", &inv, why, sizeof(why)) == -1,
	    "a word without a box: -1");
	invoice_free(&inv);
}

int
main(void)
{
	test_label_right();
	test_label_above();
	test_vat_invoice();
	test_vietnamese_without_marks();
	test_table();
	test_totals_agreement();
	test_receipt();
	test_receipt_country();
	test_receipt_evidence();
	test_identifier_words();
	test_seller_names();
	test_unlabelled_date();
	test_unlabelled_buyer();
	test_footer_tax_ids();
	test_columned_totals();
	test_due_on_and_header_number();
	test_seller_in_domain();
	test_ambiguous_date();
	test_wallet_and_utility();
	test_no_line_ids_and_skew();
	test_hostile_words();
	test_hostile_nothing();
	test_json();
	return done_testing();
}
