/*
 * rollup.c - the rollup engine of mdx-aggregate: base candles in, coarser
 * buckets, gap ranges and synthetic candles out.  The stream mode feeds it
 * NDJSON lines and the warehouse mode rows read with COPY, so both modes
 * share one definition of a rollup.
 *
 * Every series (exchange, market, symbol, interval) keeps the newest open
 * time seen, hi, as a slot number (open time in base intervals).  A candle
 * is accepted while its slot is at least hi - window; slots below that
 * horizon are final.  A ring bitmap over the slots [horizon, hi] finds
 * duplicates; slots leave it in order, which is when gaps are found and
 * filled.  A bucket is emitted as soon as it is complete, when the horizon
 * passes its end, or at the end of input (then flagged partial when
 * incomplete).  Memory is in proportion to the series and the buckets
 * still open, never to the input.
 */
#include <stdlib.h>
#include <string.h>

#include "mdx.h"

/* ------------------------------------------------------------------------
 * Slots: an open time as a whole number of intervals, so that the ring and
 * the gap arithmetic need no calendar.
 */
static int64_t
slot_of(const struct mdx_interval *iv, mdx_time t)
{
	struct mdx_tm tm;

	if (iv->ms > 0)
		return mdx_floordiv(t - mdx_interval_floor(iv, 0), iv->ms);
	mdx_time_split(t, &tm);
	return (int64_t)tm.year * 12 + (tm.month - 1);
}

static mdx_time
slot_time(const struct mdx_interval *iv, int64_t s)
{
	int64_t y;

	if (iv->ms > 0)
		return s * iv->ms + mdx_interval_floor(iv, 0);
	y = mdx_floordiv(s, 12);
	return mdx_time_join((int)y, (int)(s - y * 12) + 1, 1, 0, 0, 0, 0);
}

/* ------------------------------------------------------------------------
 * Parsing.  The fast path reads the flat objects mdx-transform writes in a
 * single pass with no allocation; it gives up (returns -1) on anything
 * unusual, and the mdx_json path then parses the line and words the error.
 */
enum {
	F_KIND, F_EXCHANGE, F_MARKET, F_SYMBOL, F_INTERVAL, F_OPEN_TIME,
	F_OPEN, F_HIGH, F_LOW, F_CLOSE, F_VOLUME, F_QVOLUME, F_TRADES,
	F_TBV, F_TBQV, F_CLOSED, F_ORIGIN, F_BASE_COUNT, F_BASE_EXPECTED,
	F_PARTIAL, F_FETCHED_AT, F_NFIELDS
};

/* A value as text: type 's' string (raw, between the quotes), 'n' number,
 * 't' true, 'f' false, 'z' null, 0 absent. */
struct fval {
	const char *p;
	size_t n;
	int type;
	int ok;		/* d holds the decimal, parsed while scanning */
	mdx_dec d;
};

#define IS(k, lit) (memcmp((k), (lit), sizeof(lit) - 1) == 0)

/* The member a key names, by length first: this runs for every member of
 * every line. */
static int
field_index(const char *k, size_t n)
{
	switch (n) {
	case 3:
		return IS(k, "low") ? F_LOW : -1;
	case 4:
		return IS(k, "open") ? F_OPEN : IS(k, "high") ? F_HIGH :
		    IS(k, "kind") ? F_KIND : -1;
	case 5:
		return IS(k, "close") ? F_CLOSE : -1;
	case 6:
		switch (k[0]) {
		case 'm':
			return IS(k, "market") ? F_MARKET : -1;
		case 's':
			return IS(k, "symbol") ? F_SYMBOL : -1;
		case 'v':
			return IS(k, "volume") ? F_VOLUME : -1;
		case 't':
			return IS(k, "trades") ? F_TRADES : -1;
		case 'c':
			return IS(k, "closed") ? F_CLOSED : -1;
		case 'o':
			return IS(k, "origin") ? F_ORIGIN : -1;
		default:
			return -1;
		}
	case 7:
		return IS(k, "partial") ? F_PARTIAL : -1;
	case 8:
		return IS(k, "exchange") ? F_EXCHANGE :
		    IS(k, "interval") ? F_INTERVAL : -1;
	case 9:
		return IS(k, "open_time") ? F_OPEN_TIME : -1;
	case 10:
		return IS(k, "fetched_at") ? F_FETCHED_AT :
		    IS(k, "base_count") ? F_BASE_COUNT : -1;
	case 12:
		return IS(k, "quote_volume") ? F_QVOLUME : -1;
	case 13:
		return IS(k, "base_expected") ? F_BASE_EXPECTED : -1;
	case 16:
		return IS(k, "taker_buy_volume") ? F_TBV : -1;
	case 22:
		return IS(k, "taker_buy_quote_volume") ? F_TBQV : -1;
	default:
		return -1;
	}
}

/*
 * The first quote, backslash or control character at or after p, eight
 * bytes at a time: string scanning is most of the parsing time.
 */
#define SWAR_ONES UINT64_C(0x0101010101010101)
#define SWAR_HIGH UINT64_C(0x8080808080808080)

static const char *
str_end(const char *p, const char *e)
{
	uint64_t w, q, b, c;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (e - p >= 8) {
		memcpy(&w, p, 8);
		q = w ^ (SWAR_ONES * '"');
		b = w ^ (SWAR_ONES * '\\');
		q = (q - SWAR_ONES) & ~q;
		b = (b - SWAR_ONES) & ~b;
		c = (w - SWAR_ONES * 0x20) & ~w;
		/* The lowest flagged byte is exact (borrows only go up). */
		if ((q = (q | b | c) & SWAR_HIGH) != 0)
			return p + (__builtin_ctzll(q) >> 3);
		p += 8;
	}
#else
	(void)w; (void)q; (void)b; (void)c;
#endif
	while (p < e && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

#define KEY(lit, id) do {						\
	if ((size_t)(e - p) > sizeof(lit) - 1 &&			\
	    memcmp(p, lit "\"", sizeof(lit)) == 0) {			\
		*pp = p + sizeof(lit);					\
		return (id);						\
	}								\
} while (0)

/*
 * The member the key at p names, matched against the known keys with their
 * closing quote, so that the key needs no scan; *pp is set past the quote.
 * -1 for another key (*pp unchanged).
 */
static int
key_match(const char *p, const char *e, const char **pp)
{
	switch (*p) {
	case 'b':
		KEY("base_count", F_BASE_COUNT);
		KEY("base_expected", F_BASE_EXPECTED);
		break;
	case 'c':
		KEY("close", F_CLOSE);
		KEY("closed", F_CLOSED);
		break;
	case 'e':
		KEY("exchange", F_EXCHANGE);
		break;
	case 'f':
		KEY("fetched_at", F_FETCHED_AT);
		break;
	case 'h':
		KEY("high", F_HIGH);
		break;
	case 'i':
		KEY("interval", F_INTERVAL);
		break;
	case 'k':
		KEY("kind", F_KIND);
		break;
	case 'l':
		KEY("low", F_LOW);
		break;
	case 'm':
		KEY("market", F_MARKET);
		break;
	case 'o':
		KEY("open", F_OPEN);
		KEY("open_time", F_OPEN_TIME);
		KEY("origin", F_ORIGIN);
		break;
	case 'p':
		KEY("partial", F_PARTIAL);
		break;
	case 'q':
		KEY("quote_volume", F_QVOLUME);
		break;
	case 's':
		KEY("symbol", F_SYMBOL);
		break;
	case 't':
		KEY("trades", F_TRADES);
		KEY("taker_buy_volume", F_TBV);
		KEY("taker_buy_quote_volume", F_TBQV);
		break;
	case 'v':
		KEY("volume", F_VOLUME);
		break;
	default:
		break;
	}
	return -1;
}

/* Members whose string values are decimals or times: their characters
 * are scanned in a tight loop rather than by str_end(). */
#define NUMERIC_FIELD(i) (((i) >= F_OPEN && (i) <= F_TBQV && (i) != F_TRADES) \
    || (i) == F_OPEN_TIME || (i) == F_FETCHED_AT)

#define DECIMAL_FIELD(i) ((i) >= F_OPEN && (i) <= F_TBQV && (i) != F_TRADES)

/*
 * Scans and parses a plain decimal string value ("42283.58", at most 18
 * digits) in one pass; returns the end.  f->ok tells whether f->d holds
 * it (the caller checks that the end is the closing quote).
 */
static const char *
scan_dec(const char *p, const char *e, struct fval *f)
{
	const char *dot = NULL, *start;
	int64_t v = 0;
	int neg = 0, nd = 0;

	f->ok = 0;
	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	start = p;
	for (; p < e; p++) {
		if (*p >= '0' && *p <= '9') {
			if (++nd > 18)
				return p;
			v = v * 10 + (*p - '0');
		} else if (*p == '.' && dot == NULL)
			dot = p;
		else
			break;
	}
	if (nd == 0 || start[0] == '.' || (dot != NULL && dot + 1 == p))
		return p;
	f->d.coef = neg ? -(__int128)v : (__int128)v;
	f->d.scale = dot != NULL ? (int)(p - dot - 1) : 0;
	f->ok = 1;
	return p;
}

#define DIGIT(c) ((c) >= '0' && (c) <= '9')

/*
 * The end of the JSON number at p, or NULL when it is not one (RFC 8259:
 * no leading zeros, digits after the point and in the exponent), so that
 * the scan accepts no number mdx_json would reject ("04", "1-2").
 */
static const char *
num_end(const char *p, const char *e)
{
	if (p < e && *p == '-')
		p++;
	if (p == e || !DIGIT(*p))
		return NULL;
	if (*p == '0')
		p++;
	else
		while (p < e && DIGIT(*p))
			p++;
	if (p < e && *p == '.') {
		if (++p == e || !DIGIT(*p))
			return NULL;
		while (p < e && DIGIT(*p))
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		if (++p < e && (*p == '+' || *p == '-'))
			p++;
		if (p == e || !DIGIT(*p))
			return NULL;
		while (p < e && DIGIT(*p))
			p++;
	}
	return p;
}

static int
fast_scan(const char *s, size_t n, struct fval *f)
{
	const char *p = s, *e = s + n, *k, *v;
	int idx, type;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p == e || *p++ != '{')
		return -1;
	for (;;) {
		if (p == e || *p != '"')
			return -1;
		k = ++p;
		if (p == e)
			return -1;
		idx = key_match(k, e, &p);
		if (idx >= 0 && f[idx].type != 0)
			return -1;	/* repeated: the JSON path decides */
		if (idx < 0) {
			p = str_end(k, e);
			if (p == e || *p != '"')
				return -1;
			p++;
			if (field_index(k, (size_t)(p - 1 - k)) >= 0)
				return -1;	/* a known key with escapes */
		}
		if (p == e || *p++ != ':')
			return -1;
		if (p == e)
			return -1;
		v = p;
		switch (*p) {
		case '"':
			v = ++p;
			if (idx >= 0 && DECIMAL_FIELD(idx)) {
				p = scan_dec(p, e, &f[idx]);
				if (p == e || *p != '"') {
					f[idx].ok = 0;
					p = str_end(v, e);
				}
			} else if (idx >= 0 && NUMERIC_FIELD(idx))
				while (p < e && ((*p >= '0' && *p <= ':') ||
				    *p == '.' || *p == '-' || *p == 'T' ||
				    *p == 'Z'))
					p++;
			else
				p = str_end(p, e);
			if (p == e || *p != '"')
				return -1;
			type = 's';
			if (idx >= 0) {
				f[idx].p = v;
				f[idx].n = (size_t)(p - v);
				f[idx].type = type;
			}
			p++;
			break;
		case 't':
			if (e - p < 4 || memcmp(p, "true", 4) != 0)
				return -1;
			p += 4;
			type = 't';
			goto lit;
		case 'f':
			if (e - p < 5 || memcmp(p, "false", 5) != 0)
				return -1;
			p += 5;
			type = 'f';
			goto lit;
		case 'n':
			if (e - p < 4 || memcmp(p, "null", 4) != 0)
				return -1;
			p += 4;
			type = 'z';
			goto lit;
		default:
			if ((p = num_end(p, e)) == NULL)
				return -1;
			type = 'n';
		lit:
			if (idx >= 0) {
				f[idx].p = v;
				f[idx].n = (size_t)(p - v);
				f[idx].type = type;
			}
			break;
		}
		if (p == e)
			return -1;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p++ != '}')
			return -1;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		return p == e ? 0 : -1;
	}
}

/*
 * Plain decimals ("42283.58", "-1", "0.00100000") with at most 18 digits
 * are most of the input and parse here without a call; everything else
 * (exponents, long numbers) goes to mdx_dec_parse.
 */
static int
dec_text(mdx_dec *d, const char *s, size_t n)
{
	const char *p = s, *e = s + n, *dot = NULL;
	int64_t v = 0;
	int neg = 0, nd = 0;

	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == e || *p < '0' || *p > '9')
		return mdx_dec_parse(d, s, n);
	for (; p < e; p++) {
		if (*p >= '0' && *p <= '9') {
			if (++nd > 18)
				return mdx_dec_parse(d, s, n);
			v = v * 10 + (*p - '0');
		} else if (*p == '.' && dot == NULL && p + 1 < e)
			dot = p;
		else
			return mdx_dec_parse(d, s, n);
	}
	d->coef = neg ? -(__int128)v : (__int128)v;
	d->scale = dot != NULL ? (int)(e - dot - 1) : 0;
	return MDX_DEC_OK;
}

static int
int_text(int64_t *out, const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

#define D2(p) (((p)[0] - '0') * 10 + ((p)[1] - '0'))
#define ISD(c) ((c) >= '0' && (c) <= '9')

/* "2024-01-01T00:00:00Z" quickly; any other form through mdx_time. */
static int
time_text(mdx_time *t, const char *s, size_t n)
{
	int i, y, mo, d, h, mi, se;

	if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return mdx_time_parse_rfc3339(s, n, t);
	for (i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 &&
		    !ISD(s[i]))
			return -1;
	y = D2(s) * 100 + D2(s + 2);
	mo = D2(s + 5);
	d = D2(s + 8);
	h = D2(s + 11);
	mi = D2(s + 14);
	se = D2(s + 17);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 59)
		return -1;
	if (d > 28 && mdx_time_parse_rfc3339(s, n, t) != 0)
		return -1;	/* 2023-02-30 and such */
	*t = mdx_time_join(y, mo, d, h, mi, se, 0);
	return 0;
}

static int
copy_name(char *dst, size_t dstsz, const struct fval *f)
{
	if (f->type != 's' || f->n == 0 || f->n >= dstsz)
		return -1;
	memcpy(dst, f->p, f->n);
	dst[f->n] = '\0';
	return 0;
}

static int
fast_dec(const struct fval *f, mdx_dec *d, unsigned bit, unsigned *has)
{
	if (bit != 0 && (f->type == 0 || f->type == 'z'))
		return 0;
	if (f->type != 's')
		return -1;
	if (f->ok)
		*d = f->d;
	else if (dec_text(d, f->p, f->n) != MDX_DEC_OK)
		return -1;
	*has |= bit;
	return 0;
}

static int
fast_int(const struct fval *f, int64_t *v, unsigned bit, unsigned *has)
{
	if (f->type == 0 || f->type == 'z')
		return 0;
	if (f->type != 'n' || int_text(v, f->p, f->n) != 0)
		return -1;
	*has |= bit;
	return 0;
}

/*
 * The scanned members into c, by the rules of mdx_candle_from_json().
 * Anything it does not accept (or words differently) returns -1, and the
 * caller parses the line again through mdx_candle_from_json() for the
 * reason.
 */
static int
fast_candle(const struct fval *f, struct mdx_candle *c)
{
	char code[8];
	int64_t bc, be;
	unsigned bh = 0;
	int o;

	/* Only what may stay unset: this runs for every line. */
	c->has = 0;
	c->trades = 0;
	c->base_count = c->base_expected = 0;
	c->fetched_at = 0;
	c->volume = c->quote_volume = c->taker_buy_volume =
	    c->taker_buy_quote_volume = mdx_dec_from_int(0);
	if (f[F_KIND].type != 0 && !(f[F_KIND].type == 's' &&
	    f[F_KIND].n == 6 && memcmp(f[F_KIND].p, "candle", 6) == 0))
		return -1;
	if (copy_name(c->exchange, sizeof(c->exchange), &f[F_EXCHANGE]) ||
	    copy_name(c->market, sizeof(c->market), &f[F_MARKET]) ||
	    copy_name(c->symbol, sizeof(c->symbol), &f[F_SYMBOL]) ||
	    copy_name(code, sizeof(code), &f[F_INTERVAL]) ||
	    (c->interval = mdx_interval_lookup(code)) == NULL)
		return -1;
	if (f[F_OPEN_TIME].type != 's' ||
	    time_text(&c->open_time, f[F_OPEN_TIME].p, f[F_OPEN_TIME].n) != 0)
		return -1;
	if (fast_dec(&f[F_OPEN], &c->open, 0, &c->has) ||
	    fast_dec(&f[F_HIGH], &c->high, 0, &c->has) ||
	    fast_dec(&f[F_LOW], &c->low, 0, &c->has) ||
	    fast_dec(&f[F_CLOSE], &c->close, 0, &c->has) ||
	    fast_dec(&f[F_VOLUME], &c->volume, MDX_C_VOLUME, &c->has) ||
	    fast_dec(&f[F_QVOLUME], &c->quote_volume, MDX_C_QUOTE_VOLUME,
	    &c->has) ||
	    fast_dec(&f[F_TBV], &c->taker_buy_volume, MDX_C_TAKER_BUY_VOLUME,
	    &c->has) ||
	    fast_dec(&f[F_TBQV], &c->taker_buy_quote_volume,
	    MDX_C_TAKER_BUY_QUOTE_VOLUME, &c->has) ||
	    fast_int(&f[F_TRADES], &c->trades, MDX_C_TRADES, &c->has))
		return -1;
	if (f[F_CLOSED].type == 't')
		c->closed = 1;
	else if (f[F_CLOSED].type != 'f')
		return -1;
	if (f[F_ORIGIN].type != 's' ||
	    (o = mdx_origin_parse(f[F_ORIGIN].p, f[F_ORIGIN].n)) < 0)
		return -1;
	c->origin = (enum mdx_origin)o;
	bc = be = 0;
	if (fast_int(&f[F_BASE_COUNT], &bc, MDX_C_BASE_COUNT, &bh) ||
	    fast_int(&f[F_BASE_EXPECTED], &be, MDX_C_BASE_COUNT, &bh))
		return -1;
	if (bh != 0) {
		if (f[F_BASE_COUNT].type != 'n' ||
		    f[F_BASE_EXPECTED].type != 'n' || be <= 0 ||
		    bc > INT32_MAX || be > INT32_MAX)
			return -1;
		c->base_count = (int)bc;
		c->base_expected = (int)be;
		c->has |= MDX_C_BASE_COUNT;
	}
	if (f[F_PARTIAL].type == 't')
		c->has |= MDX_C_PARTIAL;
	else if (f[F_PARTIAL].type != 0 && f[F_PARTIAL].type != 'f' &&
	    f[F_PARTIAL].type != 'z')
		return -1;
	if (f[F_FETCHED_AT].type == 's') {
		if (time_text(&c->fetched_at, f[F_FETCHED_AT].p,
		    f[F_FETCHED_AT].n) != 0)
			return -1;
		c->has |= MDX_C_FETCHED_AT;
	} else if (f[F_FETCHED_AT].type != 0 && f[F_FETCHED_AT].type != 'z')
		return -1;
	return 0;
}

int
mdx_rollup_parse(struct mdx_candle *c, const char *line, size_t len,
    struct mdx_json_doc *doc, char *why, size_t whysz)
{
	struct fval f[F_NFIELDS];
	struct mdx_json *root;
	int i;

	for (i = 0; i < F_NFIELDS; i++)
		f[i].type = 0;
	if (fast_scan(line, len, f) != 0 || fast_candle(f, c) != 0) {
		/* The fast path may have filled part of c: start afresh. */
		memset(c, 0, sizeof(*c));
		if ((root = mdx_json_parse(doc, line, len)) == NULL) {
			snprintf(why, whysz, "bad JSON: %s",
			    mdx_json_error(doc));
			return -1;
		}
		if (mdx_candle_from_json(c, root, why, whysz) != 0)
			return -1;
	}
	return mdx_candle_check(c, why, whysz);
}

/* ------------------------------------------------------------------------
 * Gap records.
 */
static void
add_kv(struct mdx_buf *b, const char *key, const char *val)
{
	mdx_buf_addch(b, ',');
	mdx_buf_add_json_str(b, key, strlen(key));
	mdx_buf_addch(b, ':');
	mdx_buf_add_json_str(b, val, strlen(val));
}

void
mdx_rollup_format_gap(struct mdx_buf *b, const struct mdx_candle *series,
    mdx_time from, mdx_time to, int64_t count)
{
	char tb[MDX_TIME_BUFSZ];

	mdx_buf_addstr(b, "{\"kind\":\"gap\"");
	add_kv(b, "exchange", series->exchange);
	add_kv(b, "market", series->market);
	add_kv(b, "symbol", series->symbol);
	add_kv(b, "interval", series->interval->code);
	mdx_time_format(from, tb);
	add_kv(b, "from", tb);
	mdx_time_format(to, tb);
	add_kv(b, "to", tb);
	mdx_buf_printf(b, ",\"count\":%lld}", (long long)count);
}

/* ------------------------------------------------------------------------
 * Intervals.
 */
static int
iv_rank(const struct mdx_interval *iv)
{
	int i;

	for (i = 0; mdx_intervals[i].code != NULL; i++)
		if (&mdx_intervals[i] == iv)
			return i;
	return -1;
}

int
mdx_rollup_parse_intervals(const char *s, const struct mdx_interval **out,
    char *why, size_t whysz)
{
	const struct mdx_interval *iv, *tmp;
	char code[16];
	const char *p = s, *q;
	size_t n;
	int cnt = 0, i, j, dup;

	while (*p != '\0') {
		q = strchr(p, ',');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		if (n == 0 || n >= sizeof(code)) {
			snprintf(why, whysz, "\"%.*s\"", (int)(n > 20 ? 20 : n),
			    p);
			return -1;
		}
		memcpy(code, p, n);
		code[n] = '\0';
		if ((iv = mdx_interval_lookup(code)) == NULL) {
			snprintf(why, whysz, "\"%s\"", code);
			return -1;
		}
		for (dup = 0, i = 0; i < cnt; i++)
			if (out[i] == iv)
				dup = 1;
		if (!dup) {
			if (cnt == MDX_ROLLUP_MAXTO) {
				snprintf(why, whysz, "more than %d intervals",
				    MDX_ROLLUP_MAXTO);
				return -1;
			}
			out[cnt++] = iv;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (cnt == 0) {
		snprintf(why, whysz, "an empty list");
		return -1;
	}
	for (i = 1; i < cnt; i++)
		for (j = i; j > 0 && iv_rank(out[j - 1]) > iv_rank(out[j]);
		    j--) {
			tmp = out[j];
			out[j] = out[j - 1];
			out[j - 1] = tmp;
		}
	return cnt;
}

/* ------------------------------------------------------------------------
 * The engine.
 */
struct bucket {
	mdx_time start, end;
	int64_t expected, count;
	mdx_time first_t, last_t;
	mdx_dec open, high, low, close, vol, qv, tbv, tbqv;
	int64_t trades;
	int64_t ncandles, nvol, nqv, ntrades, ntbv, ntbqv, nclosed;
};

struct target {
	const struct mdx_interval *iv;
	struct bucket *b;	/* open buckets, by start */
	size_t nb, cap;
};

struct series {
	uint64_t hash;
	struct mdx_candle name;	/* exchange, market, symbol, interval */
	const struct mdx_interval *unit;
	int started;
	int64_t hi;		/* newest slot */
	int64_t resolved;	/* slots below are final and resolved */
	uint64_t *ring;		/* presence of slots, ring of rmask+1 */
	int64_t rmask;
	/* Gaps and filling. */
	int seen;		/* a present slot was resolved */
	int gap_open;
	int64_t gap_from;
	struct mdx_candle prev;	/* the newest resolved candle */
	struct mdx_candle *keep;	/* candles in the ring (fill) */
	struct mdx_buf *lines;		/* input lines in the ring (fill) */
	struct target tg[MDX_ROLLUP_MAXTO];
	int bad_target;		/* index of a target the interval misses */
};

struct mdx_rollup {
	struct mdx_rollup_opts o;
	struct series **tab;	/* open addressing */
	size_t tabsz, nseries;
	struct series *last;
	struct mdx_rollup_stats st;
	size_t open_buckets;
};

struct mdx_rollup *
mdx_rollup_new(const struct mdx_rollup_opts *o)
{
	struct mdx_rollup *r;

	r = mdx_calloc(1, sizeof(*r));
	r->o = *o;
	if (r->o.window < 0)
		r->o.window = 0;
	r->tabsz = 256;
	r->tab = mdx_calloc(r->tabsz, sizeof(*r->tab));
	return r;
}

static uint64_t
hash_str(const char *p, uint64_t h)
{
	for (; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= UINT64_C(1099511628211);
	}
	h ^= 0x1f;
	return h * UINT64_C(1099511628211);
}

static uint64_t
candle_hash(const struct mdx_candle *c)
{
	uint64_t h = UINT64_C(14695981039346656037);

	h = hash_str(c->exchange, h);
	h = hash_str(c->market, h);
	h = hash_str(c->symbol, h);
	return hash_str(c->interval->code, h);
}

static int
series_is(const struct series *s, const struct mdx_candle *c)
{
	return s->name.interval == c->interval &&
	    strcmp(s->name.symbol, c->symbol) == 0 &&
	    strcmp(s->name.market, c->market) == 0 &&
	    strcmp(s->name.exchange, c->exchange) == 0;
}

static void
grow_table(struct mdx_rollup *r)
{
	struct series **old = r->tab;
	size_t oldsz = r->tabsz, i, j;

	r->tabsz *= 2;
	r->tab = mdx_calloc(r->tabsz, sizeof(*r->tab));
	for (i = 0; i < oldsz; i++) {
		if (old[i] == NULL)
			continue;
		j = old[i]->hash & (r->tabsz - 1);
		while (r->tab[j] != NULL)
			j = (j + 1) & (r->tabsz - 1);
		r->tab[j] = old[i];
	}
	free(old);
}

static struct series *
series_new(struct mdx_rollup *r, const struct mdx_candle *c, uint64_t h)
{
	struct series *s;
	int64_t rs;
	int i;

	s = mdx_calloc(1, sizeof(*s));
	s->hash = h;
	memcpy(s->name.exchange, c->exchange, sizeof(s->name.exchange));
	memcpy(s->name.market, c->market, sizeof(s->name.market));
	memcpy(s->name.symbol, c->symbol, sizeof(s->name.symbol));
	s->name.interval = c->interval;
	s->unit = r->o.unit != NULL ? r->o.unit : c->interval;
	for (rs = 64; rs < r->o.window + 2; rs *= 2)
		;
	s->rmask = rs - 1;
	s->ring = mdx_calloc((size_t)rs / 64, sizeof(uint64_t));
	if (r->o.fill) {
		s->keep = mdx_calloc((size_t)rs, sizeof(*s->keep));
		if (r->o.nto == 0)
			s->lines = mdx_calloc((size_t)rs, sizeof(*s->lines));
	}
	s->bad_target = -1;
	for (i = 0; i < r->o.nto; i++) {
		s->tg[i].iv = r->o.to[i];
		if (s->bad_target < 0 &&
		    !mdx_interval_divides(c->interval, r->o.to[i]))
			s->bad_target = i;
	}
	return s;
}

static struct series *
series_get(struct mdx_rollup *r, const struct mdx_candle *c)
{
	struct series *s;
	uint64_t h;
	size_t j;

	if (r->last != NULL && series_is(r->last, c))
		return r->last;
	h = candle_hash(c);
	j = h & (r->tabsz - 1);
	while ((s = r->tab[j]) != NULL) {
		if (s->hash == h && series_is(s, c))
			return r->last = s;
		j = (j + 1) & (r->tabsz - 1);
	}
	s = series_new(r, c, h);
	r->tab[j] = s;
	if (++r->nseries * 2 > r->tabsz)
		grow_table(r);
	return r->last = s;
}

#define RBIT(s, x) ((s)->ring[((x) & (s)->rmask) >> 6] & \
    (UINT64_C(1) << ((x) & 63)))
#define RSET(s, x) ((s)->ring[((x) & (s)->rmask) >> 6] |= \
    (UINT64_C(1) << ((x) & 63)))
#define RCLR(s, x) ((s)->ring[((x) & (s)->rmask) >> 6] &= \
    ~(UINT64_C(1) << ((x) & 63)))

/* Emits a bucket as a rollup candle. */
static void
emit_bucket(struct mdx_rollup *r, struct series *s, struct target *t,
    const struct bucket *b, int at_end)
{
	struct mdx_candle c;

	memcpy(c.exchange, s->name.exchange, sizeof(c.exchange));
	memcpy(c.market, s->name.market, sizeof(c.market));
	memcpy(c.symbol, s->name.symbol, sizeof(c.symbol));
	c.interval = t->iv;
	c.open_time = b->start;
	c.open = b->open;
	c.high = b->high;
	c.low = b->low;
	c.close = b->close;
	c.volume = b->vol;
	c.quote_volume = b->qv;
	c.trades = b->trades;
	c.taker_buy_volume = b->tbv;
	c.taker_buy_quote_volume = b->tbqv;
	c.closed = b->nclosed == b->ncandles;
	c.origin = MDX_ORIGIN_ROLLUP;
	c.fetched_at = 0;
	c.base_count = (int)b->count;
	c.base_expected = (int)b->expected;
	c.has = MDX_C_BASE_COUNT;
	if (b->nvol == b->ncandles)
		c.has |= MDX_C_VOLUME;
	if (b->nqv == b->ncandles)
		c.has |= MDX_C_QUOTE_VOLUME;
	if (b->ntrades == b->ncandles)
		c.has |= MDX_C_TRADES;
	if (b->ntbv == b->ncandles)
		c.has |= MDX_C_TAKER_BUY_VOLUME;
	if (b->ntbqv == b->ncandles)
		c.has |= MDX_C_TAKER_BUY_QUOTE_VOLUME;
	if (at_end && b->count < b->expected) {
		c.has |= MDX_C_PARTIAL;
		r->st.partial++;
	}
	r->st.out++;
	if (r->o.candle != NULL)
		r->o.candle(r->o.arg, &c);
}

static void
drop_bucket(struct mdx_rollup *r, struct target *t, size_t i)
{
	memmove(t->b + i, t->b + i + 1, (t->nb - i - 1) * sizeof(*t->b));
	t->nb--;
	r->open_buckets--;
}

static void
sum(mdx_dec *acc, const mdx_dec *v, const struct series *s)
{
	if (mdx_dec_add(acc, acc, v) != MDX_DEC_OK)
		mdx_die(MDX_EX_DATAERR, "a sum overflows 38 digits in \"%s\"",
		    s->name.symbol);
}

/* The base candles c stands for, in the unit of the series. */
static int64_t
weight(const struct series *s, const struct mdx_candle *c)
{
	if (s->unit == c->interval)
		return 1;
	if (c->has & MDX_C_BASE_COUNT)
		return c->base_count;
	return mdx_interval_count(s->unit, c->open_time,
	    mdx_interval_next(c->interval, c->open_time));
}

/* Adds a candle to the bucket of target t that holds it. */
static void
bucket_add(struct mdx_rollup *r, struct series *s, struct target *t,
    const struct mdx_candle *c)
{
	struct bucket *b;
	mdx_time start;
	size_t i;

	if (t->nb > 0 && c->open_time >= t->b[t->nb - 1].start &&
	    c->open_time < t->b[t->nb - 1].end) {
		b = &t->b[t->nb - 1];
		goto update;
	}
	start = mdx_interval_floor(t->iv, c->open_time);
	for (i = t->nb; i > 0 && t->b[i - 1].start > start; i--)
		;
	if (i > 0 && t->b[i - 1].start == start) {
		b = &t->b[i - 1];
		goto update;
	}
	if (t->nb == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4;
		t->b = mdx_realloc(t->b, t->cap * sizeof(*t->b));
	}
	memmove(t->b + i + 1, t->b + i, (t->nb - i) * sizeof(*t->b));
	t->nb++;
	r->open_buckets++;
	b = &t->b[i];
	memset(b, 0, sizeof(*b));
	b->start = start;
	b->end = mdx_interval_next(t->iv, start);
	b->expected = mdx_interval_count(s->unit, start, b->end);
	b->first_t = b->last_t = c->open_time;
	b->open = c->open;
	b->close = c->close;
	b->high = c->high;
	b->low = c->low;
	b->vol = c->volume;
	b->qv = c->quote_volume;
	b->tbv = c->taker_buy_volume;
	b->tbqv = c->taker_buy_quote_volume;
	b->trades = c->trades;
	goto counts;
update:
	if (c->open_time < b->first_t) {
		b->first_t = c->open_time;
		b->open = c->open;
	}
	if (c->open_time > b->last_t) {
		b->last_t = c->open_time;
		b->close = c->close;
	}
	if (mdx_dec_cmp(&c->high, &b->high) > 0)
		b->high = c->high;
	if (mdx_dec_cmp(&c->low, &b->low) < 0)
		b->low = c->low;
	if (c->has & MDX_C_VOLUME)
		sum(&b->vol, &c->volume, s);
	if (c->has & MDX_C_QUOTE_VOLUME)
		sum(&b->qv, &c->quote_volume, s);
	if (c->has & MDX_C_TAKER_BUY_VOLUME)
		sum(&b->tbv, &c->taker_buy_volume, s);
	if (c->has & MDX_C_TAKER_BUY_QUOTE_VOLUME)
		sum(&b->tbqv, &c->taker_buy_quote_volume, s);
	if (c->has & MDX_C_TRADES)
		b->trades += c->trades;
counts:
	b->ncandles++;
	b->nvol += (c->has & MDX_C_VOLUME) != 0;
	b->nqv += (c->has & MDX_C_QUOTE_VOLUME) != 0;
	b->ntrades += (c->has & MDX_C_TRADES) != 0;
	b->ntbv += (c->has & MDX_C_TAKER_BUY_VOLUME) != 0;
	b->ntbqv += (c->has & MDX_C_TAKER_BUY_QUOTE_VOLUME) != 0;
	b->nclosed += c->closed != 0;
	b->count += weight(s, c);
	/* Complete buckets go out at once, but in order. */
	while (t->nb > 0 && t->b[0].count >= t->b[0].expected) {
		emit_bucket(r, s, t, &t->b[0], 0);
		drop_bucket(r, t, 0);
	}
}

static void
add_to_targets(struct mdx_rollup *r, struct series *s,
    const struct mdx_candle *c)
{
	int i;

	for (i = 0; i < r->o.nto; i++)
		bucket_add(r, s, &s->tg[i], c);
}

/* Emits the buckets of every target that end at or before time h. */
static void
finalize(struct mdx_rollup *r, struct series *s, mdx_time h)
{
	struct target *t;
	int i;

	for (i = 0; i < r->o.nto; i++) {
		t = &s->tg[i];
		while (t->nb > 0 && (t->b[0].end <= h ||
		    t->b[0].count >= t->b[0].expected)) {
			emit_bucket(r, s, t, &t->b[0], 0);
			drop_bucket(r, t, 0);
		}
	}
}

static void
gap_close(struct mdx_rollup *r, struct series *s, int64_t x)
{
	mdx_time from, to;

	if (!s->gap_open)
		return;
	s->gap_open = 0;
	from = slot_time(s->name.interval, s->gap_from);
	to = slot_time(s->name.interval, x);
	r->st.gaps++;
	r->st.gap_candles += (uint64_t)(x - s->gap_from);
	if (r->o.gap != NULL)
		r->o.gap(r->o.arg, &s->name, from, to, x - s->gap_from);
}

/*
 * A synthetic candle for slot x: open, high, low and close are the close
 * of the newest real or synthetic candle before it, the volumes zero (only
 * those the series gives at all).
 */
static void
fill_slot(struct mdx_rollup *r, struct series *s, int64_t x)
{
	struct mdx_candle c;
	mdx_dec zero = mdx_dec_from_int(0);

	c = s->name;
	c.open_time = slot_time(s->name.interval, x);
	c.open = c.high = c.low = c.close = s->prev.close;
	c.volume = c.quote_volume = zero;
	c.taker_buy_volume = c.taker_buy_quote_volume = zero;
	c.trades = 0;
	c.closed = 1;
	c.origin = MDX_ORIGIN_FILLED;
	c.has = s->prev.has & (MDX_C_VOLUME | MDX_C_QUOTE_VOLUME |
	    MDX_C_TRADES | MDX_C_TAKER_BUY_VOLUME |
	    MDX_C_TAKER_BUY_QUOTE_VOLUME);
	r->st.filled++;
	if (r->o.nto > 0)
		add_to_targets(r, s, &c);
	else {
		r->st.out++;
		if (r->o.candle != NULL)
			r->o.candle(r->o.arg, &c);
	}
}

static void
resolve_present(struct mdx_rollup *r, struct series *s, int64_t x)
{
	struct mdx_buf *l;

	gap_close(r, s, x);
	s->seen = 1;
	if (s->keep != NULL) {
		s->prev = s->keep[x & s->rmask];
		if (r->o.nto > 0)
			add_to_targets(r, s, &s->prev);
	}
	if (s->lines != NULL) {
		l = &s->lines[x & s->rmask];
		r->st.out++;
		if (r->o.line != NULL)
			r->o.line(r->o.arg, l->data, l->len);
	}
}

static void
resolve_missing(struct mdx_rollup *r, struct series *s, int64_t a,
    int64_t b)
{
	int64_t x;

	if (!s->seen || a >= b)
		return;
	if (r->o.gaps && !s->gap_open) {
		s->gap_open = 1;
		s->gap_from = a;
	}
	if (r->o.fill)
		for (x = a; x < b; x++)
			fill_slot(r, s, x);
}

/*
 * Resolves the slots [s->resolved, h): the ring still holds everything up
 * to s->hi, and slots after it were never seen.
 */
static void
resolve_upto(struct mdx_rollup *r, struct series *s, int64_t h)
{
	int64_t x, lim;

	if (h <= s->resolved)
		return;
	if (r->o.gaps || r->o.fill) {
		lim = h < s->hi + 1 ? h : s->hi + 1;
		for (x = s->resolved; x < lim; x++) {
			if (RBIT(s, x))
				resolve_present(r, s, x);
			else
				resolve_missing(r, s, x, x + 1);
		}
		if (h > lim)
			resolve_missing(r, s, lim, h);
	}
	s->resolved = h;
}

int
mdx_rollup_add(struct mdx_rollup *r, const struct mdx_candle *c,
    const char *line, size_t len, char *why, size_t whysz)
{
	struct series *s;
	char t1[MDX_TIME_BUFSZ], t2[MDX_TIME_BUFSZ];
	int64_t x, y;

	s = series_get(r, c);
	if (s->bad_target >= 0) {
		snprintf(why, whysz, "interval \"%s\" does not divide \"%s\"",
		    c->interval->code, r->o.to[s->bad_target]->code);
		r->st.rejected++;
		return MDX_ROLLUP_REJECT;
	}
	x = slot_of(c->interval, c->open_time);
	if (!s->started) {
		s->started = 1;
		s->hi = x;
		s->resolved = x - r->o.window;
	} else if (x < s->hi - r->o.window) {
		mdx_time_format(c->open_time, t1);
		mdx_time_format(slot_time(c->interval, s->hi), t2);
		snprintf(why, whysz, "candle at %s is older than the window "
		    "(%lld intervals before %s)", t1, (long long)r->o.window,
		    t2);
		r->st.rejected++;
		return MDX_ROLLUP_REJECT;
	} else if (x <= s->hi) {
		if (RBIT(s, x)) {
			r->st.dup++;
			return MDX_ROLLUP_DUP;
		}
	} else {
		resolve_upto(r, s, x - r->o.window);
		if (x - s->hi > s->rmask)
			memset(s->ring, 0, (size_t)(s->rmask + 1) / 8);
		else
			for (y = s->hi + 1; y <= x; y++)
				RCLR(s, y);
		s->hi = x;
	}
	RSET(s, x);
	r->st.used++;
	if (s->keep != NULL)
		s->keep[x & s->rmask] = *c;
	if (s->lines != NULL) {
		mdx_buf_reset(&s->lines[x & s->rmask]);
		mdx_buf_add(&s->lines[x & s->rmask], line, len);
	}
	/*
	 * With filling, buckets take their candles in slot order as slots are
	 * resolved, so that synthetic candles see the right previous close;
	 * otherwise candles go to their buckets at once.
	 */
	if (r->o.nto > 0) {
		if (!r->o.fill)
			add_to_targets(r, s, c);
		finalize(r, s, slot_time(c->interval, s->resolved));
	}
	return MDX_ROLLUP_USED;
}

static void
finish_series(struct mdx_rollup *r, struct series *s)
{
	struct target *t;
	int i;

	resolve_upto(r, s, s->hi + 1);
	for (i = 0; i < r->o.nto; i++) {
		t = &s->tg[i];
		while (t->nb > 0) {
			emit_bucket(r, s, t, &t->b[0], 1);
			drop_bucket(r, t, 0);
		}
	}
}

void
mdx_rollup_finish(struct mdx_rollup *r)
{
	size_t i;

	for (i = 0; i < r->tabsz; i++)
		if (r->tab[i] != NULL && r->tab[i]->started)
			finish_series(r, r->tab[i]);
}

const struct mdx_rollup_stats *
mdx_rollup_stats(const struct mdx_rollup *r)
{
	return &r->st;
}

size_t
mdx_rollup_open_buckets(const struct mdx_rollup *r)
{
	return r->open_buckets;
}

void
mdx_rollup_free(struct mdx_rollup *r)
{
	struct series *s;
	size_t i;
	int j;
	int64_t k;

	if (r == NULL)
		return;
	for (i = 0; i < r->tabsz; i++) {
		if ((s = r->tab[i]) == NULL)
			continue;
		for (j = 0; j < MDX_ROLLUP_MAXTO; j++)
			free(s->tg[j].b);
		if (s->lines != NULL)
			for (k = 0; k <= s->rmask; k++)
				mdx_buf_free(&s->lines[k]);
		free(s->lines);
		free(s->keep);
		free(s->ring);
		free(s);
	}
	free(r->tab);
	free(r);
}
