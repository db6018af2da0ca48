/*
 * Unit tests for lib/export: CSV as RFC 4180 says with its edge cases
 * (quotes, commas, line breaks, formula injection, null against empty),
 * JSON lines framing, an XLSX workbook read back by openpyxl (values,
 * cell types, Vietnamese text, the bold frozen header), rows refused,
 * calls out of order, nothing left behind by an export given up, and
 * 10,000 rows through each format with the peak RSS, the largest chunk
 * and workbook_close()'s CPU time printed as diagnostics, not asserted.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lib/export.h"
#include "lib/invoice.h"
#include "lib/strbuf.h"
#include "tests/unit/tap.h"

static const char *tmp;

static void
set(struct invoice *inv, enum invoice_field f, const char *s)
{
	invoice_set(inv, f, s, strlen(s), 1);
}

/* Everything ready to take, appended to all; the largest chunk and the bytes counted. */
static enum export_status
drain(struct export *e, struct strbuf *all, size_t *largest, size_t *total)
{
	const char *data;
	size_t len;
	enum export_status st;

	while ((st = export_take(e, &data, &len)) == EXPORT_OK && len > 0) {
		if (all != NULL)
			strbuf_add(all, data, len);
		if (largest != NULL && len > *largest)
			*largest = len;
		if (total != NULL)
			*total += len;
	}
	return st;
}

/* A whole export of n rows into all; the first status not OK, or OK. */
static enum export_status
run(enum export_format f, const struct export_row *rows, size_t n, struct strbuf *all)
{
	struct export_options opt = { tmp };
	struct export *e;
	enum export_status st;

	if ((st = export_begin(f, &opt, &e)) != EXPORT_OK)
		return st;
	for (size_t i = 0; i < n && st == EXPORT_OK; i++)
		if ((st = export_write_row(e, &rows[i])) == EXPORT_OK)
			st = drain(e, all, NULL, NULL);
	if (st == EXPORT_OK && (st = export_finish(e)) == EXPORT_OK)
		st = drain(e, all, NULL, NULL);
	export_free(e);
	return st;
}

static void
fill_tricky(struct invoice *inv)
{
	set(inv, INVOICE_NUMBER, "-5");
	set(inv, INVOICE_DATE, "2025-03-15");
	set(inv, INVOICE_SELLER_NAME, "Say \"hi\", ok");
	set(inv, INVOICE_SELLER_ADDRESS, "12 Lý Thường Kiệt\nHà Nội");
	set(inv, INVOICE_SELLER_TAX_ID, "0101234567");
	set(inv, INVOICE_BUYER_NAME, "=HYPERLINK(\"http://x\",\"y\")");
	set(inv, INVOICE_BUYER_TAX_ID, "");
	set(inv, INVOICE_CURRENCY, "VND");
	set(inv, INVOICE_SUBTOTAL, "1250000");
	set(inv, INVOICE_TAX_RATE, "8");
	set(inv, INVOICE_TAX_AMOUNT, "100000");
	set(inv, INVOICE_TOTAL, "-12.50");
	set(inv, INVOICE_DOCUMENT_TYPE, "invoice");
	set(inv, INVOICE_PAYMENT_METHOD, "+84 90 123 4567");
	set(inv, INVOICE_PAYMENT_ACCOUNT, "@SUM(A1)");
	set(inv, INVOICE_TRANSACTION_ID, "\tTAB");
	inv->needs_review = true;
	invoice_add_item(inv, "Cà phê sữa", "2", "25000", "50000");
	invoice_add_item(inv, NULL, NULL, NULL, "1200000");
}

static void
test_csv(void)
{
	struct invoice inv = { 0 };
	struct export_row row = { "7a1c2d9e-0b4f-4e0a-9c55-2f1e8d3b6a01", &inv, "ocr", "2025-03-20T08:15:00.123456Z" };
	struct strbuf all = { 0 };
	const char *header = "\xef\xbb\xbfid,invoice_number,invoice_date,due_date,seller_name,seller_tax_id,"
	    "seller_address,buyer_name,buyer_tax_id,buyer_address,currency,subtotal,tax_rate,tax_amount,"
	    "total,document_type,payment_method,payment_account,transaction_id,customer_code,"
	    "needs_review,source,created_at,line_item_count,line_items\r\n";
	const char *want = "7a1c2d9e-0b4f-4e0a-9c55-2f1e8d3b6a01,-5,2025-03-15,,\"Say \"\"hi\"\", ok\","
	    "0101234567,\"12 Lý Thường Kiệt\nHà Nội\",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"\",,"
	    "VND,1250000,8,100000,-12.50,invoice,'+84 90 123 4567,'@SUM(A1),'\tTAB,,true,ocr,"
	    "2025-03-20T08:15:00.123456Z,2,\"Cà phê sữa: 2 x 25000 = 50000\n?: ? x ? = 1200000\"\r\n";

	fill_tricky(&inv);
	is_str(export_status_name(run(EXPORT_CSV, &row, 1, &all)), "OK", "a CSV export of one tricky row");
	ok(all.p != NULL && strncmp(all.p, header, strlen(header)) == 0,
	    "it starts with a BOM and the header, CRLF-ended");
	is_str(all.p != NULL ? all.p + strlen(header) : NULL, want,
	    "quotes doubled, commas and LF quoted, formulas defused, a plain number left alone, "
	    "null empty, the empty string \"\"");

	all.len = 0;
	inv.needs_review = false;
	set(&inv, INVOICE_BUYER_NAME, "-1+2");
	set(&inv, INVOICE_SELLER_NAME, "=1+2");
	run(EXPORT_CSV, &row, 1, &all);
	ok(all.p != NULL && strstr(all.p, ",'=1+2,") != NULL && strstr(all.p, ",'-1+2,") != NULL,
	    "=1+2 and -1+2 are formulas, both defused");
	ok(all.p != NULL && strstr(all.p, ",false,ocr,") != NULL, "needs_review false");
	invoice_free(&inv);
	free(all.p);
}

static void
test_refused(void)
{
	struct invoice inv = { 0 };
	struct export_row row = { "id-1", &inv, "manual", "2025-03-20 08:15:00+00" };
	struct export *e;
	const char *data;
	size_t len;

	set(&inv, INVOICE_TOTAL, "10");
	is_str(export_status_name(run(EXPORT_CSV, &row, 1, NULL)), "OK", "created_at with a space and +00 is read");
	row.created_at = "2025-03-20T08:15:00+07:00";
	is_str(export_status_name(run(EXPORT_CSV, &row, 1, NULL)), "BAD_ROW", "  one not in UTC is refused");
	row.created_at = "2025-03-20T08:15:00Z";
	set(&inv, INVOICE_SELLER_NAME, "Caf\xe9");
	is_str(export_status_name(run(EXPORT_CSV, &row, 1, NULL)), "BAD_ROW", "Latin-1 text is refused");
	set(&inv, INVOICE_SELLER_NAME, "ok");
	set(&inv, INVOICE_TOTAL, "1,250.00");
	is_str(export_status_name(run(EXPORT_XLSX, &row, 1, NULL)), "BAD_ROW",
	    "an amount not in its stored form is refused");
	set(&inv, INVOICE_TOTAL, "10");

	export_begin(EXPORT_CSV, NULL, &e);
	is_str(export_status_name(export_finish(e)), "OK", "an export of no rows finishes");
	ok(export_take(e, &data, &len) == EXPORT_OK && len > 3 && memcmp(data, "\xef\xbb\xbf" "id,", 6) == 0,
	    "  its header is there to take");
	ok(export_take(e, &data, &len) == EXPORT_OK && len == 0, "  and then nothing");
	is_str(export_status_name(export_write_row(e, &row)), "ORDER", "a row after the finish is refused");
	is_str(export_status_name(export_take(e, &data, &len)), "ORDER", "  and the error sticks");
	export_free(e);
	is_int(export_format_from_name("xlsx", 4), EXPORT_XLSX, "?format=xlsx");
	is_int(export_format_from_name("xml", 3), -1, "?format=xml is none");
	is_str(export_content_type(EXPORT_CSV), "text/csv; charset=utf-8", "CSV's content type");
	is_str(export_file_extension(EXPORT_JSONL), "jsonl", "JSON lines' extension");
	invoice_free(&inv);
}

static void
test_jsonl(void)
{
	static const char one[] = "{\"id\":\"a\",\"seller_name\":\"Cà phê\\nline\"}";
	static const char two[] = "  {\n  \"id\": \"b\",\r\n  \"total\": \"1250000\"\n}\n";
	struct export_row rows[2] = {
		{ .json = one, .json_len = sizeof(one) - 1 },
		{ .json = two, .json_len = sizeof(two) - 1 },
	};
	struct export_row bad = { .json = "[1,2]", .json_len = 5 };
	struct strbuf all = { 0 };

	is_str(export_status_name(run(EXPORT_JSONL, rows, 2, &all)), "OK", "a JSON lines export");
	is_str(all.p, "{\"id\":\"a\",\"seller_name\":\"Cà phê\\nline\"}\n"
	    "{   \"id\": \"b\",    \"total\": \"1250000\" }\n",
	    "one object a line, line breaks between tokens made spaces, escapes kept");
	is_str(export_status_name(run(EXPORT_JSONL, &bad, 1, NULL)), "BAD_ROW", "an array is not an Invoice");
	bad.json = "{\"a\":\"\xff\"}";
	bad.json_len = strlen(bad.json);
	is_str(export_status_name(run(EXPORT_JSONL, &bad, 1, NULL)), "BAD_ROW", "  nor JSON that is not UTF-8");
	free(all.p);
}

/* Writes the bytes to a file named name.PID.ext; its path in path. */
static int
save(const struct strbuf *b, const char *name, const char *ext, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s.%d.%s", tmp, name, (int)getpid(), ext);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fwrite(b->p, 1, b->len, f);
	return fclose(f);
}

/* python3 reads the workbook: one line per cell, "A2 str 'text' General". */
static const char openpyxl_dump[] =
    "import sys, openpyxl\n"
    "wb = openpyxl.load_workbook(sys.argv[1])\n"
    "ws = wb['Invoices']\n"
    "print('freeze', ws.freeze_panes)\n"
    "print('bold', all(c.font.b for c in ws[1]))\n"
    "for row in ws.iter_rows(min_row=1, max_row=3):\n"
    "    for c in row:\n"
    "        if c.value is not None:\n"
    "            print(c.coordinate, type(c.value).__name__, repr(c.value), c.number_format)\n";

/*
 * A python3 with openpyxl: Debian's python3-openpyxl is for
 * /usr/bin/python3, which another python3 (pyenv's) may hide on PATH.
 */
static const char *
python_with_openpyxl(void)
{
	static const char *const candidates[] = { "python3", "/usr/bin/python3" };
	char cmd[200];

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s -c 'import openpyxl' >/dev/null 2>&1", candidates[i]);
		if (system(cmd) == 0)
			return candidates[i];
	}
	return NULL;
}

static bool
has_line(const char *dump, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = dump; (p = strstr(p, line)) != NULL; p++)
		if ((p == dump || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static void
test_xlsx(void)
{
	struct invoice inv = { 0 }, big = { 0 };
	struct export_row rows[2] = {
		{ "7a1c2d9e-0b4f-4e0a-9c55-2f1e8d3b6a01", &inv, "ocr", "2025-03-20T08:15:30Z" },
		{ "id-2", &big, "manual", "2025-03-21T00:00:00Z" },
	};
	struct strbuf all = { 0 }, dump = { 0 };
	char path[512], cmd[1200], line[4096];
	const char *python;
	bool shown = false;
	FILE *p;
	static const char *const want[] = {
		"freeze A2",
		"bold True",
		"A1 str 'id' General",
		"Y1 str 'line_items' General",
		"B2 str '-5' General",
		"C2 datetime datetime.datetime(2025, 3, 15, 0, 0) yyyy-mm-dd",
		"E2 str 'Say \"hi\", ok' General",
		"G2 str '12 Lý Thường Kiệt\\nHà Nội' General",
		"H2 str '=HYPERLINK(\"http://x\",\"y\")' General",
		"L2 int 1250000 #,##0",
		"M2 int 8 #,##0",
		"O2 float -12.5 #,##0.00",
		"U2 bool True General",
		"W2 datetime datetime.datetime(2025, 3, 20, 8, 15, 30) yyyy-mm-dd hh:mm:ss",
		"X2 int 2 General",
		"Y2 str 'Cà phê sữa: 2 x 25000 = 50000\\n?: ? x ? = 1200000' General",
		"L3 float 1234567890123.45 #,##0.00",
		"M3 float 5.25 #,##0.00",
		"N3 str '12345678901234.5678' General",
		"O3 float 0.0001 #,##0.0000",
	};

	fill_tricky(&inv);
	set(&big, INVOICE_SUBTOTAL, "1234567890123.45");
	set(&big, INVOICE_TAX_RATE, "5.25");
	set(&big, INVOICE_TAX_AMOUNT, "12345678901234.5678");
	set(&big, INVOICE_TOTAL, "0.0001");
	is_str(export_status_name(run(EXPORT_XLSX, rows, 2, &all)), "OK", "an XLSX export of two rows");
	ok(all.len > 4 && memcmp(all.p, "PK\x03\x04", 4) == 0, "  a zip file, as an .xlsx is");
	if ((python = python_with_openpyxl()) == NULL) {
		skip("python3 with openpyxl is missing (apt-get install python3-openpyxl): the workbook is not read back");
		goto out;
	}
	if (!ok(save(&all, "test_export", "xlsx", path, sizeof(path)) == 0, "the workbook is saved for openpyxl"))
		goto out;
	snprintf(cmd, sizeof(cmd), "%s -c \"$QUILL_OPENPYXL_DUMP\" '%s' 2>&1", python, path);
	setenv("QUILL_OPENPYXL_DUMP", openpyxl_dump, 1);
	if ((p = popen(cmd, "r")) != NULL) {
		while (fgets(line, sizeof(line), p) != NULL)
			strbuf_adds(&dump, line);
		is_int(pclose(p), 0, "openpyxl reads the workbook");
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!ok(dump.p != NULL && has_line(dump.p, want[i]), want[i]) && !shown) {
			printf("#   openpyxl read:\n%s\n", dump.p != NULL ? dump.p : "");
			shown = true;
		}
	ok(dump.p != NULL && strstr(dump.p, "\nI2 ") == NULL && strstr(dump.p, "\nD2 ") == NULL,
	    "the empty string and null are both blank cells");
	unlink(path);
out:
	invoice_free(&inv);
	invoice_free(&big);
	free(all.p);
	free(dump.p);
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* An export given up halfway leaves no descriptor open and no file behind. */
static void
test_given_up(void)
{
	struct invoice inv = { 0 };
	struct export_row row = { "id-1", &inv, "ocr", "2025-03-20T08:15:30Z" };
	char dir[600];
	struct export_options opt = { dir };
	struct export *e;
	int fds;

	snprintf(dir, sizeof(dir), "%s/test_export.XXXXXX", tmp);
	if (!ok(mkdtemp(dir) != NULL, "a directory of its own for the temporary files"))
		return;
	set(&inv, INVOICE_TOTAL, "10");
	fds = count_entries("/proc/self/fd");
	ok(export_begin(EXPORT_XLSX, &opt, &e) == EXPORT_OK && export_write_row(e, &row) == EXPORT_OK,
	    "an XLSX export begun");
	export_free(e);
	is_int(count_entries("/proc/self/fd"), fds, "  and given up leaves no descriptor open");
	is_int(count_entries(dir), 2, "  and no file behind");
	ok(export_begin(EXPORT_XLSX, &opt, &e) == EXPORT_OK && export_write_row(e, &row) == EXPORT_OK &&
	    export_finish(e) == EXPORT_OK, "one finished");
	export_free(e);
	is_int(count_entries("/proc/self/fd"), fds, "  leaves none either");
	is_int(count_entries(dir), 2, "  nor a file");
	rmdir(dir);
	invoice_free(&inv);
}

static long
peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double
seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 10,000 invoices through one format, counting bytes and never keeping them. */
static void
test_many(enum export_format f, const char *name)
{
	enum { ROWS = 10000 };
	struct invoice inv = { 0 };
	static const char json[] = "{\"id\":\"7a1c2d9e-0b4f-4e0a-9c55-2f1e8d3b6a01\",\"total\":\"1350000\"}";
	struct export_row row = { "7a1c2d9e-0b4f-4e0a-9c55-2f1e8d3b6a01", &inv, "ocr", "2025-03-20T08:15:30Z",
	    json, sizeof(json) - 1 };
	struct export_options opt = { tmp };
	struct export *e;
	enum export_status st;
	size_t largest = 0, total = 0;
	long before = peak_rss_kib();
	double rows_cpu = seconds(CLOCK_PROCESS_CPUTIME_ID), cpu, wall;
	char what[200];

	fill_tricky(&inv);
	st = export_begin(f, &opt, &e);
	for (int i = 0; i < ROWS && st == EXPORT_OK; i++)
		if ((st = export_write_row(e, &row)) == EXPORT_OK)
			st = drain(e, NULL, &largest, &total);
	cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
	rows_cpu = cpu - rows_cpu;
	wall = seconds(CLOCK_MONOTONIC);
	if (st == EXPORT_OK)
		st = export_finish(e);
	cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	wall = seconds(CLOCK_MONOTONIC) - wall;
	if (st == EXPORT_OK)
		st = drain(e, NULL, &largest, &total);
	export_free(e);
	snprintf(what, sizeof(what), "10000 rows through %s", name);
	is_str(export_status_name(st), "OK", what);
	printf("# %s: rows %.3f s CPU, finish %.3f s CPU (%.3f s wall); %zu bytes in all, "
	    "largest chunk %zu bytes; peak RSS %ld KiB (%ld KiB before)\n", what, rows_cpu, cpu, wall, total,
	    largest, peak_rss_kib(), before);
	invoice_free(&inv);
}

int
main(void)
{
	tmp = getenv("QUILL_TEST_TMP") != NULL ? getenv("QUILL_TEST_TMP") : "/tmp";
	test_csv();
	test_refused();
	test_jsonl();
	test_xlsx();
	test_given_up();
	test_many(EXPORT_CSV, "CSV");
	test_many(EXPORT_JSONL, "JSON lines");
	test_many(EXPORT_XLSX, "XLSX");
	return done_testing();
}
