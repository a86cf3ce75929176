/*
 * tradecsv.c - the rows of trade archives as raw trade records: Binance
 * public-data aggTrades CSV (SYMBOL-aggTrades-DATE.zip) and Bybit's
 * trading-history files (public.bybit.com/trading/SYMBOL/SYMBOLDATE.csv.gz).
 * archive.c finds, checks and unpacks the files; this turns their lines
 * into records in the REST shape (HACKING.md "Raw records").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "ndjson.h"
#include "utc.h"
#include "trade.h"

#include "exchange.h"
#include "extract.h"

#define BINANCE_TRADES_HEADER "agg_trade_id,price,quantity,first_trade_id," \
	"last_trade_id,transact_time,is_buyer_maker"
#define BYBIT_TRADES_HEADER "timestamp,symbol,side,size,price," \
	"tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional"

void
extract_tcsv_begin(struct extract_tcsv *c, const char *base,
    const char *symbol, int bybit, const char *fetched)
{
	memset(c, 0, sizeof(*c));
	c->base = base;
	c->bybit = bybit;
	c->symbol = symbol;
	snprintf(c->fetched, sizeof(c->fetched), "%s", fetched);
	c->last_id = -1;
	mdx_buf_printf(&c->pre, "{\"mdx\":\"raw\",\"exchange\":\"%s\","
	    "\"market\":\"%s\",\"kind\":\"trades\",\"symbol\":\"%s\","
	    "\"time\":\"", opt.exchange, opt.market, symbol);
	mdx_buf_printf(&c->req, "\",\"source\":\"archive\",\"request\":\"%s:",
	    base);
	mdx_buf_printf(&c->mid, "\",\"fetched_at\":\"%s\",\"data\":{",
	    fetched);
	/* The parts of a canonical trade that every row shares. */
	c->tr.exchange = opt.exchange;
	c->tr.exlen = strlen(opt.exchange);
	c->tr.market = opt.market;
	c->tr.mklen = strlen(opt.market);
	c->tr.symbol = symbol;
	c->tr.symlen = strlen(symbol);
	c->tr.fetched = c->fetched;
	c->tr.felen = strlen(c->fetched);
	c->tr.archive = 1;
}

void
extract_tcsv_end(struct extract_tcsv *c)
{
	mdx_buf_free(&c->pre);
	mdx_buf_free(&c->req);
	mdx_buf_free(&c->mid);
	mdx_buf_free(&c->out);
}

/*
 * --canonical: the trade in c->tr as mdx-transform writes it, appended to
 * out.  Returns 1, or -1 when the trade is bad (the reason is dropped: the
 * caller names the row).
 */
static int
canonical(struct extract_tcsv *c)
{
	char err[256];

	if (mdx_trade_format(&c->tr, &c->out, err, sizeof(err)) == -1) {
		mdx_debug("%s", err);
		return -1;
	}
	mdx_buf_addch(&c->out, '\n');
	return 1;
}

/* Whether s[0..n) is a plain decimal: digits with at most one '.' between
 * digits, as the archives write prices and quantities. */
static int
dec_field(const char *s, size_t n)
{
	size_t i, dot = 0;

	if (n == 0 || n > 40 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '.') {
			if (dot++)
				return 0;
		} else if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Whether s[0..n) can go into a JSON string as it is: printable ASCII
 * without '"' and '\\'. */
static int
plain_field(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

/* "True"/"true" 1, "False"/"false" 0, else -1. */
static int
bool_field(const char *s, size_t n)
{
	if (n == 4 && (s[0] == 'T' || s[0] == 't') && memcmp(s + 1, "rue",
	    3) == 0)
		return 1;
	if (n == 5 && (s[0] == 'F' || s[0] == 'f') && memcmp(s + 1, "alse",
	    4) == 0)
		return 0;
	return -1;
}

/* bool_field() of the field at p, read without looking for its end first:
 * returns the end (the next comma or e), or NULL. */
static const char *
scan_bool(const char *p, const char *e, int *v)
{
	if (e - p >= 4 && (*p | 0x20) == 't' && memcmp(p + 1, "rue", 3) == 0) {
		*v = 1;
		p += 4;
	} else if (e - p >= 5 && (*p | 0x20) == 'f' &&
	    memcmp(p + 1, "alse", 4) == 0) {
		*v = 0;
		p += 5;
	} else
		return NULL;
	return p < e && *p != ',' ? NULL : p;
}

/* Splits s[0..n) at commas into at most max fields; returns their number,
 * or max + 1 when there are more. */
static int
split(const char *s, size_t n, const char **f, size_t *fl, int max)
{
	const char *p = s, *e = s + n, *c;
	int k = 0;

	for (;;) {
		c = memchr(p, ',', e - p);
		if (k == max)
			return max + 1;
		f[k] = p;
		fl[k++] = (c != NULL ? c : e) - p;
		if (c == NULL)
			return k;
		p = c + 1;
	}
}

static void
put_str(struct mdx_buf *b, const char *key, const char *s, size_t n,
    int first)
{
	if (!first)
		mdx_buf_addch(b, ',');
	mdx_buf_addch(b, '"');
	mdx_buf_addstr(b, key);
	mdx_buf_add(b, "\":\"", 3);
	mdx_buf_add(b, s, n);
	mdx_buf_addch(b, '"');
}

/* The envelope of a record at time us, up to the opening brace of data. */
static void
envelope(struct extract_tcsv *c, int64_t us)
{
	char ts[MDX_TIME_BUFSZ], num[24];
	int tn, nn = 0;
	unsigned long k;

	tn = mdx_time_format_us(us, ts);
	for (k = c->line; k > 0; k /= 10)
		num[nn++] = (char)('0' + k % 10);
	mdx_buf_grow(&c->out, c->pre.len + tn + c->req.len + nn +
	    c->mid.len + 256);
	mdx_buf_add(&c->out, c->pre.data, c->pre.len);
	mdx_buf_add(&c->out, ts, tn);
	mdx_buf_add(&c->out, c->req.data, c->req.len);
	while (nn > 0)
		mdx_buf_addch(&c->out, num[--nn]);
	mdx_buf_add(&c->out, c->mid.data, c->mid.len);
}

/* Whether time us is outside --since and --until. */
static int
outside(int64_t us)
{
	mdx_time t = us / 1000;

	return (opt.have_since && t < opt.since) ||
	    (opt.have_until && t >= opt.until);
}

/*
 * The numbers of an archive row are read eight bytes at a time where the
 * row has them (little-endian machines; elsewhere, and near the end of a
 * row, byte by byte): a month of trades is some 180 MB of digits.  A word
 * is the eight bytes as a little-endian integer, XORed with '0' in every
 * byte, so that the digits are the bytes 0 to 9.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1
#define ONES UINT64_C(0x0101010101010101)

static const uint64_t p10[9] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000
};

static uint64_t
word(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w ^ 0x30 * ONES;
}

/* The number of digits at the start of word w, 0 to 8: a byte above 9
 * sets its top bit in the sum (the mask keeps the carries in the byte). */
static int
digits8(uint64_t w)
{
	uint64_t m = (((w & 0x7f * ONES) + 0x76 * ONES) | w) & 0x80 * ONES;

	return m == 0 ? 8 : __builtin_ctzll(m) / 8;
}

/* The value of the eight digits of w, the first the most significant
 * (fewer digits: shifted up, so that zeros lead). */
static uint64_t
value8(uint64_t w)
{
	w = w * 10 + (w >> 8);
	return ((w & UINT64_C(0x000000ff000000ff)) *
	    (100 + (UINT64_C(1000000) << 32)) +
	    ((w >> 16) & UINT64_C(0x000000ff000000ff)) *
	    (1 + (UINT64_C(10000) << 32))) >> 32;
}
#endif

/* An unsigned integer as JSON writes it (no leading zero, at most 18
 * digits) from p; returns the end of its digits, or NULL. */
static const char *
scan_uint(const char *p, const char *e, int64_t *v)
{
	const char *s = p;
	uint64_t x = 0;		/* unsigned: more than 18 digits wrap */

#ifdef SWAR
	if (e - p >= 16) {
		uint64_t w0 = word(p), w1;
		int n0 = digits8(w0), n1;

		if (n0 == 0 || (*p == '0' && n0 > 1))
			return NULL;
		if (n0 < 8) {
			*v = (int64_t)value8(w0 << (8 * (8 - n0)));
			return p + n0;
		}
		w1 = word(p + 8);
		n1 = digits8(w1);
		if (n1 < 8 || p + 16 == e || (unsigned)(p[16] - '0') >= 10) {
			*v = (int64_t)(value8(w0) * p10[n1] + (n1 == 0 ? 0 :
			    value8(w1 << (8 * (8 - n1)))));
			return p + 8 + n1;
		}
	}
#endif
	while (p < e && (unsigned)(*p - '0') < 10)
		x = x * 10 + (unsigned)(*p++ - '0');
	if (p == s || p - s > 18 || (*s == '0' && p - s > 1))
		return NULL;
	*v = (int64_t)x;
	return p;
}

/*
 * A plain decimal from p, as dec_field() checks it, and its value read in
 * the same pass: its digits as an integer without the trailing zeros of
 * the fraction in *coef and the fraction digits left in *scale, or *scale
 * -1 when it has more than 19 digits (mdx_trade_format() then reads the
 * text).  Returns its end (the next comma or e), or NULL.
 */
static const char *
scan_dec(const char *p, const char *e, uint64_t *coef, int *scale)
{
	const char *s = p, *f = NULL;
	uint64_t v = 0, vk;
	unsigned d;
	int sc = 0, sck = 0;

#ifdef SWAR
	/* Fewer than 8 digits before the point and at most 8 after it. */
	if (e - p >= 17) {
		uint64_t w0 = word(p), w1, z;
		int n0 = digits8(w0), n1, tz;

		if (n0 == 0)
			return NULL;
		if (n0 < 8 && p[n0] != '.') {
			p += n0;
			if (p < e && *p != ',')
				return NULL;
			*coef = value8(w0 << (8 * (8 - n0)));
			*scale = 0;
			return p;
		}
		if (n0 < 8 && (f = p + n0 + 1) + 8 <= e) {
			w1 = word(f);
			if ((n1 = digits8(w1)) == 0)
				return NULL;
			if (n1 < 8 || f + 8 == e || (unsigned)(f[8] - '0') >= 10) {
				p = f + n1;
				if (p < e && *p != ',')
					return NULL;
				/* The trailing zeros of the fraction are the
				 * zero bytes at the top of z. */
				z = w1 << (8 * (8 - n1));
				tz = z == 0 ? n1 : __builtin_clzll(z) / 8;
				*coef = value8(w0 << (8 * (8 - n0))) *
				    p10[n1 - tz] + (tz == n1 ? 0 :
				    value8(z << (8 * tz)));
				*scale = n1 - tz;
				return p;
			}
		}
		f = NULL;
	}
#endif
	while (p < e && (d = (unsigned)(*p - '0')) < 10) {
		v = v * 10 + d;
		p++;
	}
	if (p == s)
		return NULL;
	vk = v;
	if (p < e && *p == '.') {
		f = ++p;
		while (p < e && (d = (unsigned)(*p - '0')) < 10) {
			v = v * 10 + d;
			sc++;
			if (d != 0) {
				vk = v;
				sck = sc;
			}
			p++;
		}
		if (p == f)
			return NULL;
	}
	if (p - s > 40 || (p < e && *p != ','))
		return NULL;
	*coef = vk;
	*scale = p - s - (f != NULL) > 19 ? -1 : sck;
	return p;
}

/*
 * A Binance aggTrades row: agg id, price, quantity, first and last trade
 * id, time (ms; spot from 2025 µs), buyer was maker, and on spot the best
 * match.  data is {"a","p","q","f","l","T","m"[,"M"]}, the time as the
 * CSV has it.
 */
static int
binance_row(struct extract_tcsv *c, const char *s, size_t n)
{
	const char *p = s, *e = s + n, *f[7];
	size_t fl[6];
	int64_t a, fi, la, t, us;
	uint64_t pc, qc;
	int m, bm = -1, ps, qs;
	char *o;

	/* One pass over the row: the fields, checked as they are read. */
	f[0] = p;
	if ((p = scan_uint(p, e, &a)) == NULL || p == e || *p++ != ',')
		return -1;
	f[1] = p;
	if ((p = scan_dec(p, e, &pc, &ps)) == NULL || p == e || *p++ != ',')
		return -1;
	f[2] = p;
	if ((p = scan_dec(p, e, &qc, &qs)) == NULL || p == e || *p++ != ',')
		return -1;
	f[3] = p;
	if ((p = scan_uint(p, e, &fi)) == NULL || p == e || *p++ != ',')
		return -1;
	f[4] = p;
	if ((p = scan_uint(p, e, &la)) == NULL || p == e || *p++ != ',' ||
	    la < fi)
		return -1;
	f[5] = p;
	if ((p = scan_uint(p, e, &t)) == NULL || p == e || *p++ != ',')
		return -1;
	f[6] = p;
	if ((p = scan_bool(p, e, &m)) == NULL)
		return -1;
	if (p < e && (bm = bool_field(p + 1, e - p - 1)) == -1)
		return -1;
	fl[0] = f[1] - 1 - f[0];
	fl[1] = f[2] - 1 - f[1];
	fl[2] = f[3] - 1 - f[2];
	fl[3] = f[4] - 1 - f[3];
	fl[4] = f[5] - 1 - f[4];
	fl[5] = f[6] - 1 - f[5];
	us = mdx_us_from_epoch(t);
	if (outside(us)) {
		c->skipped++;
		return 0;
	}
	if (c->last_id >= 0 && a != c->last_id + 1) {
		mdx_warn("hole in aggregate trade ids: %lld to %lld missing "
		    "(at %s:%lu)", (long long)(c->last_id + 1),
		    (long long)(a - 1), c->base, c->line);
		c->holes++;
	}
	c->last_id = a;
	if (opt.canonical) {
		struct mdx_trade *tr = &c->tr;

		tr->id = f[0];
		tr->idlen = fl[0];
		tr->price = f[1];
		tr->plen = fl[1];
		tr->qty = f[2];
		tr->qlen = fl[2];
		tr->coef_given = ps >= 0 && qs >= 0;
		tr->pcoef = pc;
		tr->pscale = ps;
		tr->qcoef = qc;
		tr->qscale = qs;
		tr->first = fi;
		tr->last = la;
		tr->ftext = f[3];
		tr->flen = fl[3];
		tr->ltext = f[4];
		tr->llen = fl[4];
		tr->us = us;
		tr->buy = !m;
		return canonical(c);
	}
	envelope(c, us);
	mdx_buf_grow(&c->out, n + 64);
	o = c->out.data + c->out.len;
	memcpy(o, "\"a\":", 4); o += 4;
	memcpy(o, f[0], fl[0]); o += fl[0];
	memcpy(o, ",\"p\":\"", 6); o += 6;
	memcpy(o, f[1], fl[1]); o += fl[1];
	memcpy(o, "\",\"q\":\"", 7); o += 7;
	memcpy(o, f[2], fl[2]); o += fl[2];
	memcpy(o, "\",\"f\":", 6); o += 6;
	memcpy(o, f[3], fl[3]); o += fl[3];
	memcpy(o, ",\"l\":", 5); o += 5;
	memcpy(o, f[4], fl[4]); o += fl[4];
	memcpy(o, ",\"T\":", 5); o += 5;
	memcpy(o, f[5], fl[5]); o += fl[5];
	if (m) {
		memcpy(o, ",\"m\":true", 9); o += 9;
	} else {
		memcpy(o, ",\"m\":false", 10); o += 10;
	}
	if (bm == 1) {
		memcpy(o, ",\"M\":true", 9); o += 9;
	} else if (bm == 0) {
		memcpy(o, ",\"M\":false", 10); o += 10;
	}
	memcpy(o, "}}\n", 3); o += 3;
	c->out.len = o - c->out.data;
	c->out.data[c->out.len] = '\0';
	return 1;
}

/*
 * A Bybit trading-history row: timestamp (seconds with a fraction), symbol,
 * side, size, price, tickDirection, trdMatchID, grossValue, homeNotional,
 * foreignNotional.  data has the REST names where there are some (execId,
 * symbol, price, size, side, time in ms) and the file's own for the rest,
 * with timestamp as the file has it: it is finer than the milliseconds.
 */
static int
bybit_row(struct extract_tcsv *c, const char *s, size_t n)
{
	const char *f[11], *p, *e;
	size_t fl[11];
	int64_t sec = 0, frac = 0, us;
	int nf, k, digits = 0;
	char ms[24];

	nf = split(s, n, f, fl, 10);
	if (nf != 10)
		return -1;
	for (k = 0; k < 10; k++)
		if (fl[k] == 0 || !plain_field(f[k], fl[k]))
			return -1;
	p = f[0];
	e = f[0] + fl[0];
	/* Up to 11 digits of seconds; a twelfth rejects the row before
	 * sec can overflow. */
	for (; p < e && *p >= '0' && *p <= '9' && p - f[0] < 12; p++)
		sec = sec * 10 + (*p - '0');
	if (p == f[0] || p - f[0] > 11)
		return -1;
	if (p < e) {
		if (*p++ != '.')
			return -1;
		for (; p < e && *p >= '0' && *p <= '9' && digits < 6; p++,
		    digits++)
			frac = frac * 10 + (*p - '0');
		if (p != e || digits == 0)
			return -1;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (!((fl[2] == 3 && memcmp(f[2], "Buy", 3) == 0) ||
	    (fl[2] == 4 && memcmp(f[2], "Sell", 4) == 0)) ||
	    !dec_field(f[3], fl[3]) || !dec_field(f[4], fl[4]))
		return -1;
	us = sec * 1000000 + frac;
	if (outside(us)) {
		c->skipped++;
		return 0;
	}
	if (opt.canonical) {
		struct mdx_trade *t = &c->tr;

		t->id = f[6];
		t->idlen = fl[6];
		t->price = f[4];
		t->plen = fl[4];
		t->qty = f[3];
		t->qlen = fl[3];
		t->coef_given = 0;
		t->first = -1;
		t->us = us;
		t->buy = f[2][0] == 'B';
		t->no_quote = strcmp(opt.market, "inverse") == 0;
		return canonical(c);
	}
	envelope(c, us);
	snprintf(ms, sizeof(ms), "%lld", (long long)(us / 1000));
	put_str(&c->out, "execId", f[6], fl[6], 1);
	put_str(&c->out, "symbol", f[1], fl[1], 0);
	put_str(&c->out, "price", f[4], fl[4], 0);
	put_str(&c->out, "size", f[3], fl[3], 0);
	put_str(&c->out, "side", f[2], fl[2], 0);
	put_str(&c->out, "time", ms, strlen(ms), 0);
	put_str(&c->out, "timestamp", f[0], fl[0], 0);
	put_str(&c->out, "tickDirection", f[5], fl[5], 0);
	put_str(&c->out, "grossValue", f[7], fl[7], 0);
	put_str(&c->out, "homeNotional", f[8], fl[8], 0);
	put_str(&c->out, "foreignNotional", f[9], fl[9], 0);
	mdx_buf_add(&c->out, "}}\n", 3);
	return 1;
}

void
extract_tcsv_line(struct extract_tcsv *c, const char *s, size_t n)
{
	size_t start;
	int r;

	c->line++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n == 0)
		return;
	if (c->line == 1 && (s[0] < '0' || s[0] > '9')) {
		/* Only the known header, and only as the first line. */
		if (c->bybit ? n == sizeof(BYBIT_TRADES_HEADER) - 1 &&
		    memcmp(s, BYBIT_TRADES_HEADER, n) == 0 :
		    n == sizeof(BINANCE_TRADES_HEADER) - 1 &&
		    memcmp(s, BINANCE_TRADES_HEADER, n) == 0)
			return;
	}
	start = c->out.len;
	r = c->bybit ? bybit_row(c, s, n) : binance_row(c, s, n);
	if (r == -1) {
		c->out.len = start;
		mdx_warn("bad archive row: not a %s trade (at %s:%lu)",
		    c->bybit ? "Bybit" : "Binance aggregate", c->base,
		    c->line);
		c->rejected++;
		extract_fail(MDX_EX_DATAERR);
		return;
	}
	if (r == 1)
		c->rows++;
	if (c->out.len >= 1 << 20) {
		mdx_write(mdx_stdout(), c->out.data, c->out.len);
		mdx_buf_reset(&c->out);
	}
}
