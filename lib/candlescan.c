/*
 * candlescan.c - mdx_candle_parse(): one canonical candle line into a
 * struct mdx_candle.  mdx-aggregate, mdx-indicators and mdx-load read the
 * flat objects mdx-transform writes millions of times per run, so a fast
 * scanner reads those without building a tree; anything unusual goes
 * through mdx_json and mdx_candle_from_json(), which also word the
 * reasons, so both paths accept and reject exactly the same lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "err.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "market.h"
#include "candle.h"

/* ------------------------------------------------------------------------
 * Parsing.  The fast path reads the flat objects mdx-transform writes in a
 * single pass with no allocation; it gives up (returns -1) on anything
 * unusual, and the mdx_json path then parses the line and words the error.
 */
enum {
	F_KIND, F_EXCHANGE, F_MARKET, F_SYMBOL, F_INTERVAL, F_OPEN_TIME,
	F_OPEN, F_HIGH, F_LOW, F_CLOSE, F_VOLUME, F_QVOLUME, F_TRADES,
	F_TBV, F_TBQV, F_CLOSED, F_ORIGIN, F_BASE_COUNT, F_BASE_EXPECTED,
	F_PARTIAL, F_FETCHED_AT, F_PRICE, F_NFIELDS
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
		return IS(k, "close") ? F_CLOSE : IS(k, "price") ? F_PRICE : -1;
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
		KEY("price", F_PRICE);
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

/* The end of the fixed form at s, "HH:MM:SSZ", as milliseconds into the
 * day, or -1. */
static int64_t
clock_text(const char *s)
{
	int h, mi, se;

	if (s[2] != ':' || s[5] != ':' || s[8] != 'Z' || !ISD(s[0]) ||
	    !ISD(s[1]) || !ISD(s[3]) || !ISD(s[4]) || !ISD(s[6]) ||
	    !ISD(s[7]))
		return -1;
	h = D2(s);
	mi = D2(s + 3);
	se = D2(s + 6);
	if (h > 23 || mi > 59 || se > 59)
		return -1;
	return h * MDX_MS_HOUR + mi * MDX_MS_MINUTE + se * INT64_C(1000);
}

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
	c->closed = 0;
	c->trades = 0;
	c->base_count = c->base_expected = 0;
	c->fetched_at = 0;
	c->volume = c->quote_volume = c->taker_buy_volume =
	    c->taker_buy_quote_volume = mdx_dec_from_int(0);
	c->price = MDX_PRICE_TRADE;
	if (f[F_PRICE].type == 's') {
		if ((o = mdx_price_parse(f[F_PRICE].p, f[F_PRICE].n)) < 0)
			return -1;
		c->price = (enum mdx_price)o;
	} else if (f[F_PRICE].type != 0 && f[F_PRICE].type != 'z')
		return -1;
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

/* ------------------------------------------------------------------------
 * The writer's layout.  Nearly every line a program reads was written by
 * mdx_candle_to_json() (mdx-transform, mdx-aggregate), so this path
 * expects each member where the writer puts it and parses its value in
 * place: no key matching, no table of members, one pass.  Anything else
 * (another order, spaces, an unknown member, escapes, long numbers, a
 * value the writer would not write) returns -1 and the general scan above
 * decides, so this path accepts a subset of what that one does, as the
 * same candle.
 */

/* The literal lit at p, or return -1. */
#define WANT(lit) do {							\
	if ((size_t)(e - p) < sizeof(lit) - 1 ||			\
	    memcmp(p, lit, sizeof(lit) - 1) != 0)			\
		return -1;						\
	p += sizeof(lit) - 1;						\
} while (0)

/* Whether the literal lit is at p; if so, p moves past it. */
#define TAKE(lit) ((size_t)(e - p) >= sizeof(lit) - 1 &&		\
    memcmp(p, lit, sizeof(lit) - 1) == 0 ? (p += sizeof(lit) - 1, 1) : 0)

/*
 * What a stream scanner remembers of the lines before (NULL for a single
 * line): the head of the last line read in the writer's layout, up to the
 * value of open_time, with the names and interval it gave, and the date
 * of the last open_time.  Consecutive candles of a series share both, so
 * a line that starts with the same bytes takes them as they are, which
 * gives the same candle as reading them again.
 */
#define HEAD_MAX 256

struct canon_cache {
	char head[HEAD_MAX];
	size_t nhead;			/* 0: nothing remembered */
	char exchange[MDX_NAME_MAX];
	char market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	const struct mdx_interval *interval;
	int known;			/* whether the codes are valid */
	char day[11];			/* "2024-01-01T" */
	int hasday;
	mdx_time daystart;
};

/*
 * A plain decimal string value and its closing quote at p, by the rules
 * of scan_dec() (an optional '-', at most 18 digits with at most one point
 * between two of them).  Returns the end past the quote, or NULL.
 */
static const char *
canon_dec_scalar(const char *p, const char *e, mdx_dec *d)
{
	const char *q, *dot;
	uint64_t v = 0;
	int neg;

	neg = p < e && *p == '-';
	p += neg;
	q = p;
	while (p < e && DIGIT(*p))
		v = v * 10 + (unsigned)(*p++ - '0');
	if (p == q)
		return NULL;
	dot = p;
	if (p < e && *p == '.') {
		p++;
		while (p < e && DIGIT(*p))
			v = v * 10 + (unsigned)(*p++ - '0');
		if (p == dot + 1)
			return NULL;
	}
	if (p == e || *p != '"' || (p - q) - (p != dot) > 18)
		return NULL;
	d->coef = neg ? -(__int128)v : (__int128)v;
	d->scale = p != dot ? (int)(p - dot - 1) : 0;
	return p + 1;
}

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * Eight ASCII digits, the first at the lowest address, as a number; bytes
 * that are 0 count as leading zeros.  Three multiplications instead of a
 * loop whose end the branch predictor cannot know.
 */
static uint64_t
eight_digits(uint64_t v)
{
	v = (v & UINT64_C(0x0f0f0f0f0f0f0f0f)) * 2561 >> 8;
	v = (v & UINT64_C(0x00ff00ff00ff00ff)) * 6553601 >> 16;
	return (v & UINT64_C(0x0000ffff0000ffff)) * UINT64_C(42949672960001) >>
	    32;
}

/* The n digits (0 <= n <= 16) that end at q, whose 16 bytes before are
 * readable, as a number. */
static uint64_t
digits_before(const char *q, int n)
{
	uint64_t lo, hi;

	if (n == 0)
		return 0;
	memcpy(&lo, q - 8, 8);
	if (n <= 8)
		return eight_digits(lo & (~UINT64_C(0) << (8 * (8 - n))));
	memcpy(&hi, q - 16, 8);
	return eight_digits(hi & (~UINT64_C(0) << (8 * (16 - n)))) *
	    100000000 + eight_digits(lo);
}

static const uint64_t pow10_15[16] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000,
	10000000000000, 100000000000000, 1000000000000000
};

/*
 * canon_dec_scalar() for values of at most 15 characters with 16 bytes
 * readable at p and 16 before it (s is the start of the line): the
 * closing quote, the point and the digits are found in one SSE2 compare
 * each, and the digits become a number without a loop.  Anything else is
 * left to canon_dec_scalar().
 */
static const char *
canon_dec(const char *s, const char *p, const char *e, mdx_dec *d)
{
	const char *v = p;
	__m128i x, t;
	uint64_t iw, fw;
	unsigned qm, dm, dg, mask;
	int neg, n, k, f;

	neg = p < e && *p == '-';
	p += neg;
	if (e - p < 16 || p - s < 16)
		return canon_dec_scalar(v, e, d);
	x = _mm_loadu_si128((const __m128i *)(const void *)p);
	qm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
	    _mm_set1_epi8('"')));
	if (qm == 0 || (n = __builtin_ctz(qm)) == 0)
		return canon_dec_scalar(v, e, d);
	mask = (1u << n) - 1;
	dm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
	    _mm_set1_epi8('.'))) & mask;
	t = _mm_sub_epi8(x, _mm_set1_epi8('0'));
	dg = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t,
	    _mm_set1_epi8(9)), t)) & mask;
	if ((dg | dm) != mask || (dm & (dm - 1)) != 0)
		return canon_dec_scalar(v, e, d);
	if (dm == 0) {
		d->coef = (__int128)digits_before(p + n, n);
		d->scale = 0;
	} else {
		k = __builtin_ctz(dm);
		if (k == 0 || k == n - 1)
			return canon_dec_scalar(v, e, d);
		f = n - k - 1;
		if (n <= 9) {
			/*
			 * Eight digits or fewer: the integer digits move
			 * down next to the fraction's in one word, and one
			 * conversion makes the number.
			 */
			memcpy(&iw, p + k - 8, 8);
			memcpy(&fw, p + n - 8, 8);
			iw = (iw & (~UINT64_C(0) << (8 * (8 - k)))) >> (8 * f);
			fw &= ~UINT64_C(0) << (8 * (8 - f));
			d->coef = (__int128)eight_digits(iw | fw);
		} else if (k <= 8 && f <= 8) {
			/* Up to eight digits each side (volumes): one
			 * conversion each. */
			memcpy(&iw, p + k - 8, 8);
			memcpy(&fw, p + n - 8, 8);
			iw &= ~UINT64_C(0) << (8 * (8 - k));
			fw &= ~UINT64_C(0) << (8 * (8 - f));
			d->coef = (__int128)(eight_digits(iw) * pow10_15[f] +
			    eight_digits(fw));
		} else
			d->coef = (__int128)(digits_before(p + k, k) *
			    pow10_15[f] + digits_before(p + n, f));
		d->scale = f;
	}
	if (neg)
		d->coef = -d->coef;
	return p + n + 1;
}
#else
static const char *
canon_dec(const char *s, const char *p, const char *e, mdx_dec *d)
{
	(void)s;
	return canon_dec_scalar(p, e, d);
}
#endif

/* A JSON integer the writer writes (no sign, no leading zero, at most 18
 * digits) at p; returns its end, or NULL. */
static const char *
canon_int(const char *p, const char *e, int64_t *out)
{
	const char *q = p;
	int64_t v = 0;

	/* At most 18 digits, which fit in an int64_t: a longer number
	 * goes to the general scan, which words the reason. */
	while (p < e && DIGIT(*p) && p - q < 18)
		v = v * 10 + (*p++ - '0');
	if (p == q || (p < e && DIGIT(*p)) || (*q == '0' && p - q > 1))
		return NULL;
	*out = v;
	return p;
}

/* A name (exchange, market, symbol) and its closing quote at p, into dst;
 * returns the end past the quote, or NULL. */
static const char *
canon_name(const char *p, const char *e, char *dst, size_t dstsz)
{
	const char *q;

	q = str_end(p, e);
	if (q == e || *q != '"' || q == p || (size_t)(q - p) >= dstsz)
		return NULL;
	memcpy(dst, p, (size_t)(q - p));
	dst[q - p] = '\0';
	return q + 1;
}

/* An interval code and its closing quote at p; returns the end past the
 * quote, or NULL. */
static const char *
canon_interval(const char *p, const char *e, const struct mdx_interval **ivp)
{
	const struct mdx_interval *iv;
	const char *q;
	size_t n;

	for (q = p; q < e && q - p < 8 && *q != '"'; q++)
		;
	if (q == e || *q != '"' || q == p)
		return NULL;
	n = (size_t)(q - p);
	for (iv = mdx_intervals; iv->code != NULL; iv++)
		if (strncmp(iv->code, p, n) == 0 && iv->code[n] == '\0') {
			*ivp = iv;
			return q + 1;
		}
	return NULL;
}

/* A time string value and its closing quote at p; returns the end past
 * the quote, or NULL.  With k, a date like the one before is not read
 * again. */
static const char *
canon_time(const char *p, const char *e, mdx_time *t, struct canon_cache *k)
{
	const char *q;
	int64_t ms;

	if (e - p > 20 && p[20] == '"') {
		q = p + 20;
		if (k != NULL && k->hasday && memcmp(p, k->day, 11) == 0 &&
		    (ms = clock_text(p + 11)) >= 0) {
			*t = k->daystart + ms;
			return q + 1;
		}
	} else if ((q = str_end(p, e)) == e || *q != '"')
		return NULL;
	if (time_text(t, p, (size_t)(q - p)) != 0)
		return NULL;
	/* A valid time in the fixed form: its date is worth remembering. */
	if (k != NULL && q - p == 20 && p[4] == '-' && p[7] == '-' &&
	    p[10] == 'T' && (ms = clock_text(p + 11)) >= 0) {
		memcpy(k->day, p, 11);
		k->daystart = *t - ms;
		k->hasday = 1;
	}
	return q + 1;
}

/*
 * Reads line s[0..n) into c, or returns -1.  *known is whether the names
 * are valid codes (mdx_code_valid()) when k remembers it, else -1.
 */
static int
canon_scan(const char *s, size_t n, struct mdx_candle *c,
    struct canon_cache *k, int *known)
{
	const char *p = s, *e = s + n;
	int64_t bc, be;

	*known = -1;
	if (k != NULL && k->nhead != 0 && n > k->nhead &&
	    memcmp(s, k->head, k->nhead) == 0) {
		memcpy(c->exchange, k->exchange, sizeof(c->exchange));
		memcpy(c->market, k->market, sizeof(c->market));
		memcpy(c->symbol, k->symbol, sizeof(c->symbol));
		c->interval = k->interval;
		*known = k->known;
		p += k->nhead;
		goto open_time;
	}
	WANT("{\"kind\":\"candle\",\"exchange\":\"");
	if ((p = canon_name(p, e, c->exchange, sizeof(c->exchange))) == NULL)
		return -1;
	WANT(",\"market\":\"");
	if ((p = canon_name(p, e, c->market, sizeof(c->market))) == NULL)
		return -1;
	WANT(",\"symbol\":\"");
	if ((p = canon_name(p, e, c->symbol, sizeof(c->symbol))) == NULL)
		return -1;
	WANT(",\"interval\":\"");
	if ((p = canon_interval(p, e, &c->interval)) == NULL)
		return -1;
	WANT(",\"open_time\":\"");
	if (k != NULL) {
		k->nhead = 0;
		if ((size_t)(p - s) <= sizeof(k->head)) {
			memcpy(k->head, s, (size_t)(p - s));
			k->nhead = (size_t)(p - s);
			memcpy(k->exchange, c->exchange, sizeof(k->exchange));
			memcpy(k->market, c->market, sizeof(k->market));
			memcpy(k->symbol, c->symbol, sizeof(k->symbol));
			k->interval = c->interval;
			k->known = mdx_code_valid(c->exchange) &&
			    mdx_code_valid(c->market);
			*known = k->known;
		}
	}
open_time:
	if ((p = canon_time(p, e, &c->open_time, k)) == NULL)
		return -1;
	WANT(",\"open\":\"");
	if ((p = canon_dec(s, p, e, &c->open)) == NULL)
		return -1;
	WANT(",\"high\":\"");
	if ((p = canon_dec(s, p, e, &c->high)) == NULL)
		return -1;
	WANT(",\"low\":\"");
	if ((p = canon_dec(s, p, e, &c->low)) == NULL)
		return -1;
	WANT(",\"close\":\"");
	if ((p = canon_dec(s, p, e, &c->close)) == NULL)
		return -1;
	c->has = 0;
	c->price = MDX_PRICE_TRADE;
	c->volume = c->quote_volume = c->taker_buy_volume =
	    c->taker_buy_quote_volume = mdx_dec_from_int(0);
	c->trades = 0;
	WANT(",\"volume\":");
	if (TAKE("\"")) {
		if ((p = canon_dec(s, p, e, &c->volume)) == NULL)
			return -1;
		c->has |= MDX_C_VOLUME;
	} else
		WANT("null");
	WANT(",\"quote_volume\":");
	if (TAKE("\"")) {
		if ((p = canon_dec(s, p, e, &c->quote_volume)) == NULL)
			return -1;
		c->has |= MDX_C_QUOTE_VOLUME;
	} else
		WANT("null");
	if (TAKE(",\"trades\":")) {
		if ((p = canon_int(p, e, &c->trades)) == NULL)
			return -1;
		c->has |= MDX_C_TRADES;
	}
	if (TAKE(",\"taker_buy_volume\":\"")) {
		if ((p = canon_dec(s, p, e, &c->taker_buy_volume)) == NULL)
			return -1;
		c->has |= MDX_C_TAKER_BUY_VOLUME;
	}
	if (TAKE(",\"taker_buy_quote_volume\":\"")) {
		if ((p = canon_dec(s, p, e, &c->taker_buy_quote_volume)) == NULL)
			return -1;
		c->has |= MDX_C_TAKER_BUY_QUOTE_VOLUME;
	}
	if (TAKE(",\"closed\":true"))
		c->closed = 1;
	else {
		WANT(",\"closed\":false");
		c->closed = 0;
	}
	WANT(",\"origin\":\"");
	if (TAKE("exchange\""))
		c->origin = MDX_ORIGIN_EXCHANGE;
	else if (TAKE("archive\""))
		c->origin = MDX_ORIGIN_ARCHIVE;
	else if (TAKE("rollup\""))
		c->origin = MDX_ORIGIN_ROLLUP;
	else if (TAKE("trades\""))
		c->origin = MDX_ORIGIN_TRADES;
	else {
		WANT("filled\"");
		c->origin = MDX_ORIGIN_FILLED;
	}
	c->fetched_at = 0;
	if (TAKE(",\"fetched_at\":\"")) {
		if ((p = canon_time(p, e, &c->fetched_at, NULL)) == NULL)
			return -1;
		c->has |= MDX_C_FETCHED_AT;
	}
	c->base_count = c->base_expected = 0;
	if (TAKE(",\"base_count\":")) {
		if ((p = canon_int(p, e, &bc)) == NULL)
			return -1;
		WANT(",\"base_expected\":");
		if ((p = canon_int(p, e, &be)) == NULL || be <= 0 ||
		    bc > INT32_MAX || be > INT32_MAX)
			return -1;
		c->base_count = (int)bc;
		c->base_expected = (int)be;
		c->has |= MDX_C_BASE_COUNT;
	}
	if (TAKE(",\"partial\":true"))
		c->has |= MDX_C_PARTIAL;
	WANT("}");
	return p == e ? 0 : -1;
}

/* mdx_interval_aligned(), with constant divisors for the common intervals
 * (whose buckets start at the epoch): a division by a variable is slow. */
static int
aligned(const struct mdx_interval *iv, mdx_time t)
{
	switch (iv->ms) {
	case MDX_MS_MINUTE:
		return t % MDX_MS_MINUTE == 0;
	case MDX_MS_HOUR:
		return t % MDX_MS_HOUR == 0;
	case MDX_MS_DAY:
		return t % MDX_MS_DAY == 0;
	default:
		return mdx_interval_aligned(iv, t);
	}
}

/*
 * Whether mdx_candle_check() passes c, answered without its calls for the
 * candles canon_scan() reads (which have no negative trade count).  0 is
 * certain; -1 sends c through mdx_candle_check() for the verdict and the
 * reason.
 */
static int
quick_check(const struct mdx_candle *c, int known)
{
	if (c->open.coef < 0 || c->high.coef < 0 || c->low.coef < 0 ||
	    c->close.coef < 0 || c->volume.coef < 0 ||
	    c->quote_volume.coef < 0 || c->taker_buy_volume.coef < 0 ||
	    c->taker_buy_quote_volume.coef < 0)
		return -1;
	if (mdx_dec_cmp_fast(&c->high, &c->open) < 0 ||
	    mdx_dec_cmp_fast(&c->high, &c->close) < 0 ||
	    mdx_dec_cmp_fast(&c->low, &c->open) > 0 ||
	    mdx_dec_cmp_fast(&c->low, &c->close) > 0)
		return -1;
	if (!aligned(c->interval, c->open_time))
		return -1;
	if (!MDX_TIME_STORABLE(c->open_time) ||
	    ((c->has & MDX_C_FETCHED_AT) != 0 &&
	    !MDX_TIME_STORABLE(c->fetched_at)))
		return -1;
	if (known < 0)
		known = mdx_code_valid(c->exchange) &&
		    mdx_code_valid(c->market);
	return known ? 0 : -1;
}

/* mdx_candle_parse(), remembering in k (when not NULL) what the next line
 * may share with this one. */
static int
parse(struct canon_cache *k, struct mdx_candle *c, const char *line,
    size_t len, struct mdx_json_doc *doc, char *why, size_t whysz)
{
	struct fval f[F_NFIELDS];
	struct mdx_json *root;
	int i, known;

	if (canon_scan(line, len, c, k, &known) == 0)
		return quick_check(c, known) == 0 ? 0 :
		    mdx_candle_check(c, why, whysz);
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

int
mdx_candle_parse(struct mdx_candle *c, const char *line, size_t len,
    struct mdx_json_doc *doc, char *why, size_t whysz)
{
	return parse(NULL, c, line, len, doc, why, whysz);
}

struct mdx_candle_scan {
	struct canon_cache k;
	struct mdx_json_doc *doc;
};

struct mdx_candle_scan *
mdx_candle_scan_new(void)
{
	struct mdx_candle_scan *sc;

	sc = mdx_calloc(1, sizeof(*sc));
	sc->doc = mdx_json_doc_new();
	return sc;
}

int
mdx_candle_scan(struct mdx_candle_scan *sc, struct mdx_candle *c,
    const char *line, size_t len, char *why, size_t whysz)
{
	return parse(&sc->k, c, line, len, sc->doc, why, whysz);
}

void
mdx_candle_scan_free(struct mdx_candle_scan *sc)
{
	if (sc == NULL)
		return;
	mdx_json_doc_free(sc->doc);
	free(sc);
}

const char *
mdx_scan_dec(const char *s, const char *p, const char *e, mdx_dec *d)
{
	return canon_dec(s, p, e, d);
}
