/*
 * fuzz-archive.c - the lines of a Binance public-data archive's CSV, as
 * mdx-extract --archive reads them (extract_csv_line() in
 * tools/extract/archive.c), and the raw records it writes of them, through
 * mdx_transform().
 *
 * The input is the CSV (one minute klines of BTCUSDT), cut into lines at
 * each newline as the archive reader cuts them.  Checked, against a model
 * of the rules written here from mdx-extract(1) and not with the code
 * under test:
 * - every line is counted once: written, rejected, outside --since and
 *   --until, blank, or the known header as the first line; a rejected
 *   line fails the run (MDX_EX_DATAERR) with a message;
 * - a line is written exactly when it is a kline row: an open time of
 *   digits (seconds, milliseconds, microseconds or nanoseconds by size)
 *   on a minute, then eleven more fields, all of ASCII, the open time,
 *   close time and trades being whole numbers as JSON writes them;
 * - each record written is valid JSON whose "time" is that open time,
 *   whose "request" names the archive and the line, and whose "data" is
 *   the REST row made of the line's twelve fields, each with its bytes;
 * - mdx_transform() makes of it a candle opening at that time, or
 *   rejects it with a reason.
 */
#include <string.h>

#include "fuzz.h"
#include "extract.h"
#include "transform.h"

/* What mdx-extract's main.c would hold. */
struct opts opt;
mdx_time extract_now_ms;
static int failed;

void
extract_fail(int status)
{
	FUZZ_CHECK(status == MDX_EX_DATAERR, "failed with status %d", status);
	failed++;
}

static struct mdx_json_doc *doc, *doc2;
static struct mdx_buf want, got;
static const struct mdx_interval *m1;

static void
fuzz_setup(void)
{
	doc = mdx_json_doc_new();
	doc2 = mdx_json_doc_new();
	m1 = mdx_interval_lookup("1m");
	opt.market = "spot";
	/* 2017-01-01 to 2100-01-01: rows before or after are skipped. */
	opt.have_since = opt.have_until = 1;
	opt.since = INT64_C(1483228800000);
	opt.until = INT64_C(4102444800000);
}

/* Whether s[0..n) is an unsigned integer as JSON writes it. */
static int
json_uint(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 19 || (s[0] == '0' && n > 1))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The model: 'w' written, 's' skipped, 'r' rejected, 'p' passed over. */
static int
model(const char *s, size_t n, unsigned long line, int64_t *t)
{
	static const char header[] = MDX_BINANCE_CSV_HEADER;
	size_t i, f, k, commas = 0;
	uint64_t u = 0;
	int64_t v;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n == 0)
		return 'p';
	if (line == 1 && n == strlen(header) && memcmp(s, header, n) == 0)
		return 'p';
	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		/* Up to 9223372036854775799 (INT64_MAX less a last digit). */
		if (u > UINT64_C(922337203685477579))
			return 'r';
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || i == n || s[i] != ',' ||
	    u > UINT64_C(9223372036854775799))
		return 'r';
	for (; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return 'r';
		commas += s[i] == ',';
	}
	/* Seconds, milliseconds, microseconds or nanoseconds, by size
	 * (mdx_time_from_epoch() in utc.h). */
	v = (int64_t)u;
	if (v < INT64_C(100000000000))
		v *= 1000;
	else if (v >= INT64_C(100000000000000))
		v /= v < INT64_C(100000000000000000) ? 1000 : 1000000;
	if (commas != 11 || v % 60000 != 0)
		return 'r';
	*t = v;
	if (v < opt.since || v >= opt.until)
		return 's';
	/* The open time, close time and trades become JSON numbers: digits,
	 * no leading zero, at most 19 of them. */
	for (i = 0, k = 0; k < 12; k++) {
		f = i;
		while (i < n && s[i] != ',')
			i++;
		if ((k == 0 || k == 6 || k == 8) && !json_uint(s + f, i - f))
			return 'r';
		i++;
	}
	return 'w';
}

/* Checks the record written for line number line (the last in out). */
static void
check_record(const char *rec, size_t rn, const char *s, size_t n,
    unsigned long line, int64_t t)
{
	const struct mdx_json *root, *v, *e;
	struct mdx_tx_out tx;
	size_t i, f, k;
	char err[MDX_ERRSZ + 64], tb[MDX_TIME_BUFSZ];
	mdx_time rt;
	int r;

	if ((root = mdx_json_parse(doc, rec, rn)) == NULL)
		fuzz_show("record", rec, rn);
	FUZZ_CHECK(root != NULL, "record is not JSON: %s",
	    mdx_json_error(doc));
	v = mdx_json_get(root, "time");
	FUZZ_CHECK(v != NULL && v->type == MDX_JSON_STRING &&
	    mdx_time_parse_rfc3339(v->text, v->len, &rt) == 0 && rt == t,
	    "record time is not the open time %lld", (long long)t);
	mdx_buf_reset(&want);
	mdx_buf_printf(&want, "BTCUSDT-1m-2024-01-01.zip:%lu", line);
	v = mdx_json_get(root, "request");
	FUZZ_CHECK(v != NULL && mdx_json_str(v, &got) != NULL &&
	    strcmp(got.data, want.data) == 0, "request is not %s", want.data);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	/* data is the REST row: the twelve fields in order, the open time,
	 * close time and trades as numbers, the others as strings, each with
	 * the line's own bytes. */
	v = mdx_json_get(root, "data");
	FUZZ_CHECK(v != NULL && v->type == MDX_JSON_ARRAY, "data is not an "
	    "array");
	for (i = 0, k = 0; k < 12; k++, i++) {
		f = i;
		while (i < n && s[i] != ',')
			i++;
		e = mdx_json_at(v, k);
		FUZZ_CHECK(e != NULL, "data has no field %zu", k);
		if (k == 0 || k == 6 || k == 8)
			FUZZ_CHECK(e->type == MDX_JSON_NUMBER &&
			    e->len == i - f && memcmp(e->text, s + f, i - f) == 0,
			    "data[%zu] is not the number of the line", k);
		else
			FUZZ_CHECK(mdx_json_str(e, &got) != NULL &&
			    got.len == i - f && memcmp(got.data, s + f, i - f) == 0,
			    "data[%zu] is not the field of the line", k);
	}
	FUZZ_CHECK(v->nchild == 12, "data has %u fields", v->nchild);

	memset(&tx, 0, sizeof(tx));
	memset(err, 0, sizeof(err));
	r = mdx_transform(root, &tx, err, sizeof(err));
	if (r == -1)
		FUZZ_CHECK(err[0] != '\0', "transform: no reason");
	else {
		FUZZ_CHECK(r == MDX_TX_CANDLE, "transform returned %d", r);
		mdx_time_format(tx.candle.open_time, tb);
		FUZZ_CHECK(tx.candle.open_time == t, "candle opens at %s", tb);
	}
	mdx_tx_out_free(&tx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct extract_csv c;
	unsigned long line = 0, rows = 0, rejected = 0, skipped = 0;
	size_t before;
	int64_t t = 0;
	int m;

	extract_csv_begin(&c, "BTCUSDT-1m-2024-01-01.zip", "BTCUSDT", m1,
	    "2024-01-02T00:00:00Z");
	failed = 0;
	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		line++;
		m = model(p, nl - p, line, &t);
		before = c.out.len;
		extract_csv_line(&c, p, nl - p);
		rows += m == 'w';
		skipped += m == 's';
		rejected += m == 'r';
		if (c.rows != rows || c.skipped != skipped ||
		    c.rejected != rejected)
			fuzz_show("line", p, nl - p);
		FUZZ_CHECK(c.rows == rows && c.skipped == skipped &&
		    c.rejected == rejected, "line %lu: the model says '%c'; "
		    "written %lu of %lu, skipped %lu of %lu, rejected %lu of "
		    "%lu", line, m, c.rows, rows, c.skipped, skipped,
		    c.rejected, rejected);
		FUZZ_CHECK(c.line == line, "line %lu counted as %lu", line,
		    c.line);
		if (m == 'w') {
			FUZZ_CHECK(c.out.len > before + 1 &&
			    c.out.data[c.out.len - 1] == '\n',
			    "no record written");
			check_record(c.out.data + before, c.out.len - before - 1,
			    p, nl - p, line, t);
		} else
			FUZZ_CHECK(c.out.len == before, "a record written "
			    "for a line not taken");
		p = nl + 1;
	}
	FUZZ_CHECK(failed == (int)rejected, "%d failures for %lu rejected "
	    "lines", failed, rejected);
	extract_csv_end(&c);
	return 0;
}
