/*
 * fuzz-tradecsv.c - the rows of trade archives, as mdx-extract --archive
 * -k trades reads them (extract_tcsv_line() in tools/extract/tradecsv.c),
 * and the raw or canonical trades it writes of them.
 *
 * The first byte of the input picks the archive (Binance spot, Binance
 * USD-M, Bybit linear, Bybit inverse), --canonical, and whether --since
 * and --until are given; the rest is the file, cut into lines at each
 * newline as the archive reader cuts them.  tradecsv.c reads numbers eight
 * bytes at a time; the model here reads them byte by byte, from
 * mdx-extract(1) and mdx-records(5), without the code under test.
 * Checked:
 * - every line is counted once: written, rejected, outside --since and
 *   --until, blank, or the known header as the first line; a rejected line
 *   fails the run (MDX_EX_DATAERR) with a message naming the file and the
 *   line, and writes nothing;
 * - a line is taken exactly when the model takes it: a Binance aggTrades
 *   row (agg id, price, quantity, first id, last id, time, is_buyer_maker,
 *   optionally is_best_match; ids and time whole numbers of at most 18
 *   digits without leading zeros, last id not below first id, price and
 *   quantity plain decimals of at most 40 bytes) or a Bybit row (ten
 *   fields of printable ASCII, a time in seconds with up to six fraction
 *   digits, Buy or Sell, plain decimals); with --canonical also a time
 *   before the year 10000, an id shorter than 80 bytes, a price and a
 *   quantity greater than zero, each and their product within 38 digits
 *   and scale 38;
 * - a raw record has the time of the row to the microsecond, names the
 *   file and the line, and its data has the row's fields, each with its
 *   bytes;
 * - a canonical trade has the row's id, ids, price and quantity as
 *   written, quote_quantity the exact product (a long multiplication on
 *   the digit strings here) without trailing fractional zeros, the time,
 *   and the side of the taker;
 * - holes in the aggregate ids are counted as the rows go.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "fuzz.h"
#include "extract.h"

#define BINANCE_HEADER "agg_trade_id,price,quantity,first_trade_id," \
	"last_trade_id,transact_time,is_buyer_maker"
#define BYBIT_HEADER "timestamp,symbol,side,size,price,tickDirection," \
	"trdMatchID,grossValue,homeNotional,foreignNotional"
#define FETCHED "2026-01-02T03:04:05Z"
#define BASE "BTCUSDT-aggTrades-2025-01-01.zip"
/* 2017-01-01 and 2100-01-01 in milliseconds. */
#define SINCE INT64_C(1483228800000)
#define UNTIL INT64_C(4102444800000)

/* What mdx-extract's main.c would hold. */
struct opts opt;
mdx_time extract_now_ms;
static int failed;

static struct mdx_json_doc *doc;
static struct mdx_buf got;

/*
 * mdx_warn() writes on fd 2.  While an input runs, fd 2 is msgs (opened
 * to append), so that the message of each rejected line can be read back
 * with one call; loud() puts stderr back before anything is reported, and
 * the sanitizers report on a stderr of their own.
 */
static FILE *msgs;
static int stderr_fd = -1, quiet;
static off_t seen;

static void
loud(void)
{
	if (quiet && dup2(stderr_fd, 2) == -1)
		abort();
	quiet = 0;
}

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		loud();							\
		FUZZ_CHECK(cond, __VA_ARGS__);				\
	}								\
} while (0)

void
extract_fail(int status)
{
	CHECK(status == MDX_EX_DATAERR, "failed with status %d", status);
	failed++;
}

static void
show(const char *what, const void *p, size_t n)
{
	loud();
	fuzz_show(what, p, n);
}

static void
fuzz_setup(void)
{
	int fd;

	doc = mdx_json_doc_new();
	if ((msgs = tmpfile()) == NULL || (fd = dup(2)) == -1 ||
	    fcntl(fileno(msgs), F_SETFL, O_APPEND) == -1)
		abort();
	__sanitizer_set_report_fd((void *)(intptr_t)fd);
}

/* Before an input: fd 2 on msgs, emptied (stderr as libFuzzer left it is
 * kept, the first time). */
static void
hush(void)
{
	if (stderr_fd == -1 && (stderr_fd = dup(2)) == -1)
		abort();
	if (ftruncate(fileno(msgs), 0) == -1 || dup2(fileno(msgs), 2) == -1)
		abort();
	seen = 0;
	quiet = 1;
}

/* What was written on fd 2 since the last call, into got. */
static void
messages(void)
{
	char b[4096];
	ssize_t k;

	mdx_buf_reset(&got);
	do {
		if ((k = pread(fileno(msgs), b, sizeof(b), seen)) == -1)
			abort();
		mdx_buf_add(&got, b, (size_t)k);
		seen += k;
	} while (k == sizeof(b));
}

/* A field of a row. */
struct fld {
	const char *s;
	size_t n;
};

/* What the model makes of a row. */
struct row {
	struct fld f[10];
	int nf;
	int64_t us;		/* the trade time */
	int64_t id;		/* Binance: the aggregate id */
	int buy;
	char quote[128];	/* the exact product, formatted */
};

/* Whether f is a whole number of 1 to 18 digits without a leading zero;
 * its value in *v. */
static int
m_uint(struct fld f, int64_t *v)
{
	size_t i;

	if (f.n == 0 || f.n > 18 || (f.s[0] == '0' && f.n > 1))
		return 0;
	for (*v = 0, i = 0; i < f.n; i++) {
		if (f.s[i] < '0' || f.s[i] > '9')
			return 0;
		*v = *v * 10 + (f.s[i] - '0');
	}
	return 1;
}

/* Whether f is a plain decimal of at most 40 bytes: digits, and at most
 * one '.' with digits on both sides. */
static int
m_dec(struct fld f)
{
	size_t i, dots = 0;

	if (f.n == 0 || f.n > 40 || f.s[0] == '.' || f.s[f.n - 1] == '.')
		return 0;
	for (i = 0; i < f.n; i++)
		if (f.s[i] == '.')
			dots++;
		else if (f.s[i] < '0' || f.s[i] > '9')
			return 0;
	return dots <= 1;
}

/* True/true 1, False/false 0, anything else -1. */
static int
m_bool(struct fld f)
{
	if (f.n == 4 && (f.s[0] == 'T' || f.s[0] == 't') &&
	    f.s[1] == 'r' && f.s[2] == 'u' && f.s[3] == 'e')
		return 1;
	if (f.n == 5 && (f.s[0] == 'F' || f.s[0] == 'f') &&
	    f.s[1] == 'a' && f.s[2] == 'l' && f.s[3] == 's' && f.s[4] == 'e')
		return 0;
	return -1;
}

/*
 * A decimal as digits and a scale: d[0..nd) the digits without the point,
 * the last sc of them after it.  Normalized: no leading zeros, no trailing
 * fractional zeros.
 */
struct num {
	char d[128];
	int nd, sc;
};

static void
num_norm(struct num *x)
{
	int k = 0;

	while (x->sc > 0 && x->nd > 0 && x->d[x->nd - 1] == '0') {
		x->nd--;
		x->sc--;
	}
	while (k < x->nd && x->d[k] == '0')
		k++;
	memmove(x->d, x->d + k, x->nd - k);
	x->nd -= k;
}

static void
num_from(struct num *x, struct fld f)
{
	size_t i;

	x->nd = x->sc = 0;
	for (i = 0; i < f.n; i++)
		if (f.s[i] == '.')
			x->sc = (int)(f.n - i - 1);
		else
			x->d[x->nd++] = f.s[i];
	num_norm(x);
}

/* Whether x, normalized, fits a decimal: at most 38 digits as an integer
 * times 10^-scale, scale at most 38. */
static int
num_fits(const struct num *x)
{
	return x->sc <= 38 && x->nd <= 38;
}

/* z = x * y by long multiplication, digit by digit. */
static void
num_mul(struct num *z, const struct num *x, const struct num *y)
{
	int acc[256], i, j, n = x->nd + y->nd, carry;

	memset(acc, 0, sizeof(acc));
	for (i = 0; i < x->nd; i++)
		for (j = 0; j < y->nd; j++)
			acc[i + j + 1] += (x->d[i] - '0') * (y->d[j] - '0');
	for (i = n - 1, carry = 0; i >= 0; i--) {
		acc[i] += carry;
		carry = acc[i] / 10;
		acc[i] %= 10;
	}
	for (i = 0; i < n; i++)
		z->d[i] = (char)('0' + acc[i]);
	z->nd = n;
	z->sc = x->sc + y->sc;
	num_norm(z);
}

/* x as mdx-records(5) writes a decimal: "0.5", "12", "3.25". */
static void
num_format(const struct num *x, char *o)
{
	int i, ip = x->nd - x->sc;

	if (ip <= 0) {
		*o++ = '0';
		if (x->sc > 0)
			*o++ = '.';
		for (i = ip; i < 0; i++)
			*o++ = '0';
		memcpy(o, x->d, x->nd);
		o += x->nd;
	} else {
		memcpy(o, x->d, ip);
		o += ip;
		if (x->sc > 0) {
			*o++ = '.';
			memcpy(o, x->d + ip, x->sc);
			o += x->sc;
		}
	}
	*o = '\0';
}

/* The product of price and quantity as canonical trades have it; 0, or
 * -1 when one is not above zero or a decimal does not fit. */
static int
m_quote(struct fld price, struct fld qty, char *quote)
{
	struct num p, q, pq;

	num_from(&p, price);
	num_from(&q, qty);
	if (p.nd == 0 || q.nd == 0 || !num_fits(&p) || !num_fits(&q))
		return -1;
	num_mul(&pq, &p, &q);
	if (!num_fits(&pq))
		return -1;
	num_format(&pq, quote);
	return 0;
}

/* Cuts s[0..n) at commas into at most max fields; returns their number,
 * or max + 1 when there are more. */
static int
m_split(const char *s, size_t n, struct fld *f, int max)
{
	size_t i, start = 0;
	int k = 0;

	for (i = 0; i <= n; i++)
		if (i == n || s[i] == ',') {
			if (k == max)
				return max + 1;
			f[k].s = s + start;
			f[k++].n = i - start;
			start = i + 1;
		}
	return k;
}

/* Whether time us is outside --since and --until (milliseconds). */
static int
m_outside(int64_t us)
{
	int64_t t = us / 1000;

	return (opt.have_since && t < opt.since) ||
	    (opt.have_until && t >= opt.until);
}

/* A Binance aggTrades row, its fields and values into r. */
static int
m_binance(struct row *r, const char *s, size_t n)
{
	int64_t first, last, t;
	int k;

	r->nf = m_split(s, n, r->f, 8);
	if (r->nf != 7 && r->nf != 8)
		return 'r';
	if (!m_uint(r->f[0], &r->id) || !m_dec(r->f[1]) || !m_dec(r->f[2]) ||
	    !m_uint(r->f[3], &first) || !m_uint(r->f[4], &last) ||
	    last < first || !m_uint(r->f[5], &t))
		return 'r';
	if ((k = m_bool(r->f[6])) == -1 || (r->nf == 8 &&
	    m_bool(r->f[7]) == -1))
		return 'r';
	r->buy = !k;
	/* The unit by the number of digits: seconds, milliseconds,
	 * microseconds, nanoseconds. */
	if (r->f[5].n >= 18)
		r->us = t / 1000;
	else if (r->f[5].n >= 15)
		r->us = t;
	else if (r->f[5].n >= 12)
		r->us = t * 1000;
	else
		r->us = t * 1000000;
	if (m_outside(r->us))
		return 's';
	if (!opt.canonical)
		return 'w';
	if (r->us >= INT64_C(253402300800000000) ||
	    m_quote(r->f[1], r->f[2], r->quote) == -1)
		return 'x';	/* taken, then rejected */
	return 'w';
}

/* A Bybit trading-history row. */
static int
m_bybit(struct row *r, const char *s, size_t n)
{
	size_t i, k, j;
	int64_t sec = 0, frac = 0;

	r->nf = m_split(s, n, r->f, 10);
	if (r->nf != 10)
		return 'r';
	for (k = 0; k < 10; k++) {
		if (r->f[k].n == 0)
			return 'r';
		for (i = 0; i < r->f[k].n; i++)
			if (r->f[k].s[i] < 0x20 || r->f[k].s[i] > 0x7e ||
			    r->f[k].s[i] == '"' || r->f[k].s[i] == '\\')
				return 'r';
	}
	/* Seconds: 1 to 11 digits. */
	for (i = 0; i < r->f[0].n && r->f[0].s[i] >= '0' &&
	    r->f[0].s[i] <= '9'; i++) {
		if (i == 11)
			return 'r';
		sec = sec * 10 + (r->f[0].s[i] - '0');
	}
	if (i == 0)
		return 'r';
	if (i < r->f[0].n) {
		if (r->f[0].s[i] != '.')
			return 'r';
		for (j = 0, i++; i < r->f[0].n; i++, j++) {
			if (j == 6 || r->f[0].s[i] < '0' || r->f[0].s[i] > '9')
				return 'r';
			frac = frac * 10 + (r->f[0].s[i] - '0');
		}
		if (j == 0)
			return 'r';
		for (; j < 6; j++)
			frac *= 10;
	}
	if (!(r->f[2].n == 3 && memcmp(r->f[2].s, "Buy", 3) == 0) &&
	    !(r->f[2].n == 4 && memcmp(r->f[2].s, "Sell", 4) == 0))
		return 'r';
	if (!m_dec(r->f[3]) || !m_dec(r->f[4]))
		return 'r';
	r->buy = r->f[2].s[0] == 'B';
	r->us = sec * 1000000 + frac;
	if (m_outside(r->us))
		return 's';
	if (!opt.canonical)
		return 'w';
	if (r->f[6].n >= 80 || r->us >= INT64_C(253402300800000000) ||
	    m_quote(r->f[4], r->f[3], r->quote) == -1)
		return 'x';
	return 'w';
}

/*
 * The model of line number line, s[0..n) without its newline: 'w'
 * written, 's' outside --since and --until, 'r' rejected, 'x' taken as a
 * row and then rejected by --canonical (it still counts for the holes),
 * 'p' passed over (blank, or the header as the first line).
 */
static int
model(struct row *r, const char *s, size_t n, unsigned long line, int bybit)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n == 0)
		return 'p';
	if (line == 1 && (bybit ?
	    n == strlen(BYBIT_HEADER) && memcmp(s, BYBIT_HEADER, n) == 0 :
	    n == strlen(BINANCE_HEADER) && memcmp(s, BINANCE_HEADER, n) == 0))
		return 'p';
	return bybit ? m_bybit(r, s, n) : m_binance(r, s, n);
}

/*
 * The time us as RFC 3339 with the fraction in 3 digits when the
 * microseconds within the millisecond are 0, 6 otherwise, none when the
 * fraction is 0 (mdx-records(5)); the date from the days since the epoch
 * by the proleptic Gregorian calendar, counted in 400-year eras from
 * 0000-03-01 (H. Hinnant's civil_from_days).
 */
static void
m_time(int64_t us, char *o)
{
	int64_t z = us / 86400000000 + 719468, sod = us % 86400000000 / 1000000;
	int64_t era = z / 146097, doe = z - era * 146097, yoe, y, doy, mp;
	int frac = (int)(us % 1000000), d, m;

	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;
	o += sprintf(o, "%04d-%02d-%02dT%02d:%02d:%02d", (int)y, m, d,
	    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	if (frac % 1000 == 0 && frac != 0)
		sprintf(o, ".%03dZ", frac / 1000);
	else if (frac != 0)
		sprintf(o, ".%06dZ", frac);
	else
		sprintf(o, "Z");
}

/* Whether member key of obj is the string s[0..n). */
static int
str_is(const struct mdx_json *obj, const char *key, const char *s, size_t n)
{
	const struct mdx_json *v = mdx_json_get(obj, key);

	return v != NULL && v->type == MDX_JSON_STRING &&
	    mdx_json_str(v, &got) != NULL && got.len == n &&
	    memcmp(got.data, s, n) == 0;
}

/* Whether member key of obj is the number written s[0..n). */
static int
num_is(const struct mdx_json *obj, const char *key, struct fld f)
{
	const struct mdx_json *v = mdx_json_get(obj, key);

	return v != NULL && v->type == MDX_JSON_NUMBER && v->len == f.n &&
	    memcmp(v->text, f.s, f.n) == 0;
}

/* Whether member key of obj is the boolean b. */
static int
bool_is(const struct mdx_json *obj, const char *key, int b)
{
	const struct mdx_json *v = mdx_json_get(obj, key);

	return v != NULL && v->type == (b ? MDX_JSON_TRUE : MDX_JSON_FALSE);
}

#define CHECK_STR(obj, key, s, n) CHECK(str_is(obj, key, s, n),	\
    "line %lu: \"%s\" is not \"%.*s\"", line, key, (int)(n), s)

/* Checks the canonical trade written for row r (without its newline). */
static void
check_canonical(const char *rec, size_t rn, const struct row *r,
    unsigned long line, int bybit)
{
	const struct mdx_json *root, *v;
	const struct fld *id = bybit ? &r->f[6] : &r->f[0];
	const struct fld *price = bybit ? &r->f[4] : &r->f[1];
	const struct fld *qty = bybit ? &r->f[3] : &r->f[2];
	char tb[64];

	if ((root = mdx_json_parse(doc, rec, rn)) == NULL)
		show("trade", rec, rn);
	CHECK(root != NULL, "line %lu: the trade is not JSON: %s", line,
	    mdx_json_error(doc));
	CHECK_STR(root, "kind", "trade", 5);
	CHECK_STR(root, "exchange", opt.exchange, strlen(opt.exchange));
	CHECK_STR(root, "market", opt.market, strlen(opt.market));
	CHECK_STR(root, "symbol", "BTCUSDT", 7);
	CHECK_STR(root, "id", id->s, id->n);
	if (bybit)
		CHECK(mdx_json_get(root, "first_id") == NULL &&
		    mdx_json_get(root, "last_id") == NULL, "line %lu: ids "
		    "on a Bybit trade", line);
	else
		CHECK(num_is(root, "first_id", r->f[3]) &&
		    num_is(root, "last_id", r->f[4]), "line %lu: first_id or "
		    "last_id is not the row's", line);
	m_time(r->us, tb);
	CHECK_STR(root, "time", tb, strlen(tb));
	CHECK_STR(root, "price", price->s, price->n);
	CHECK_STR(root, "quantity", qty->s, qty->n);
	if (bybit && strcmp(opt.market, "inverse") == 0) {
		v = mdx_json_get(root, "quote_quantity");
		CHECK(v != NULL && v->type == MDX_JSON_NULL, "line %lu: "
		    "quote_quantity of an inverse trade is not null", line);
	} else
		CHECK_STR(root, "quote_quantity", r->quote, strlen(r->quote));
	CHECK_STR(root, "side", r->buy ? "buy" : "sell", r->buy ? 3 : 4);
	CHECK_STR(root, "origin", "archive", 7);
	CHECK_STR(root, "fetched_at", FETCHED, strlen(FETCHED));
	CHECK(root->nchild == (bybit ? 12u : 14u), "line %lu: %u members",
	    line, root->nchild);
}

/* Checks the raw record written for row r (without its newline). */
static void
check_raw(const char *rec, size_t rn, const struct row *r, unsigned long line,
    int bybit)
{
	const struct mdx_json *root, *d;
	char tb[64], want[128];

	if ((root = mdx_json_parse(doc, rec, rn)) == NULL)
		show("record", rec, rn);
	CHECK(root != NULL, "line %lu: the record is not JSON: %s", line,
	    mdx_json_error(doc));
	CHECK_STR(root, "mdx", "raw", 3);
	CHECK_STR(root, "kind", "trades", 6);
	CHECK_STR(root, "source", "archive", 7);
	m_time(r->us, tb);
	CHECK_STR(root, "time", tb, strlen(tb));
	snprintf(want, sizeof(want), "%s:%lu", BASE, line);
	CHECK_STR(root, "request", want, strlen(want));
	CHECK_STR(root, "fetched_at", FETCHED, strlen(FETCHED));
	d = mdx_json_get(root, "data");
	CHECK(d != NULL && d->type == MDX_JSON_OBJECT, "line %lu: no "
	    "data", line);
	if (bybit) {
		static const char *const names[10] = {
			"timestamp", "symbol", "side", "size", "price",
			"tickDirection", "execId", "grossValue",
			"homeNotional", "foreignNotional"
		};
		int k;

		for (k = 0; k < 10; k++)
			CHECK_STR(d, names[k], r->f[k].s, r->f[k].n);
		snprintf(want, sizeof(want), "%lld",
		    (long long)(r->us / 1000));
		CHECK_STR(d, "time", want, strlen(want));
		CHECK(d->nchild == 11, "line %lu: data has %u members",
		    line, d->nchild);
		return;
	}
	CHECK(num_is(d, "a", r->f[0]) && num_is(d, "f", r->f[3]) &&
	    num_is(d, "l", r->f[4]) && num_is(d, "T", r->f[5]),
	    "line %lu: a, f, l or T is not the row's", line);
	CHECK_STR(d, "p", r->f[1].s, r->f[1].n);
	CHECK_STR(d, "q", r->f[2].s, r->f[2].n);
	CHECK(bool_is(d, "m", !r->buy), "line %lu: m is not the row's",
	    line);
	if (r->nf == 8)
		CHECK(bool_is(d, "M", m_bool(r->f[7])), "line %lu: M is "
		    "not the row's", line);
	CHECK(d->nchild == (unsigned)r->nf, "line %lu: data has %u "
	    "members", line, d->nchild);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const markets[4] = {
		"spot", "usdm", "linear", "inverse"
	};
	const char *p, *end, *nl;
	struct extract_tcsv c;
	struct row r;
	unsigned long line = 0, rows = 0, rejected = 0, skipped = 0;
	unsigned long holes = 0, passed = 0;
	int64_t last_id = -1;
	size_t before;
	char want[128];
	int m, bybit;

	if (size == 0)
		return 0;
	bybit = (data[0] & 3) >= 2;
	opt.exchange = bybit ? "bybit" : "binance";
	opt.market = markets[data[0] & 3];
	opt.canonical = (data[0] & 4) != 0;
	opt.have_since = opt.have_until = (data[0] & 8) != 0;
	opt.since = SINCE;
	opt.until = UNTIL;
	p = (const char *)data + 1;
	end = (const char *)data + size;

	extract_tcsv_begin(&c, BASE, "BTCUSDT", bybit, FETCHED);
	failed = 0;
	hush();
	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		line++;
		memset(&r, 0, sizeof(r));
		m = model(&r, p, nl - p, line, bybit);
		before = c.out.len;
		if (!bybit && (m == 'w' || m == 'x')) {
			holes += last_id >= 0 && r.id != last_id + 1;
			last_id = r.id;
		}
		extract_tcsv_line(&c, p, nl - p);
		if (m == 'r' || m == 'x') {
			messages();
			snprintf(want, sizeof(want), "(at %s:%lu)\n", BASE,
			    line);
			CHECK(got.len > strlen(want) && memcmp(got.data +
			    got.len - strlen(want), want, strlen(want)) == 0,
			    "line %lu: rejected without a message naming it",
			    line);
		}
		rows += m == 'w';
		skipped += m == 's';
		rejected += m == 'r' || m == 'x';
		passed += m == 'p';
		if (c.rows != rows || c.skipped != skipped ||
		    c.rejected != rejected)
			show("line", p, nl - p);
		CHECK(c.rows == rows && c.skipped == skipped &&
		    c.rejected == rejected, "line %lu: the model says '%c'; "
		    "written %lu of %lu, skipped %lu of %lu, rejected %lu of "
		    "%lu", line, m, c.rows, rows, c.skipped, skipped,
		    c.rejected, rejected);
		CHECK(c.line == line, "line %lu counted as %lu", line,
		    c.line);
		CHECK(c.holes == holes, "line %lu: %lu holes, not %lu",
		    line, c.holes, holes);
		if (m == 'w') {
			CHECK(c.out.len > before + 1 &&
			    c.out.data[c.out.len - 1] == '\n' &&
			    memchr(c.out.data + before, '\n',
			    c.out.len - before - 1) == NULL,
			    "line %lu: not one record written", line);
			if (opt.canonical)
				check_canonical(c.out.data + before,
				    c.out.len - before - 1, &r, line, bybit);
			else
				check_raw(c.out.data + before,
				    c.out.len - before - 1, &r, line, bybit);
		} else
			CHECK(c.out.len == before, "line %lu: a record "
			    "written for a line not taken", line);
		p = nl + 1;
	}
	CHECK(c.rows + c.rejected + c.skipped + passed == line,
	    "%lu lines: %lu written, %lu rejected, %lu outside, %lu passed "
	    "over", line, c.rows, c.rejected, c.skipped, passed);
	CHECK(failed == (int)rejected, "%d failures for %lu rejected "
	    "lines", failed, rejected);
	extract_tcsv_end(&c);
	loud();
	return 0;
}
