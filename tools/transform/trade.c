/*
 * trade.c - raw trades to canonical trades (mdx-transform(1), "Trades";
 * the record is in mdx-records(5)): Binance aggregate trades, Bybit and
 * OKX trades, from the REST APIs and the archives, and canonical trades
 * passed through.  A fast path takes the raw Binance trades mdx-extract
 * writes, which are nearly all of a trade archive import.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "market.h"
#include "candle.h"
#include "trade.h"

#include "transform.h"

/* A string member's text, without escapes; NULL when absent or not one. */
static const char *
str(const struct mdx_json *o, const char *key, size_t *n)
{
	const struct mdx_json *v = mdx_json_get(o, key);

	if (v == NULL || v->type != MDX_JSON_STRING || v->escaped)
		return NULL;
	*n = v->len;
	return v->text;
}

/* A decimal member: a string or a number, its text. */
static const char *
dectext(const struct mdx_json *o, const char *key, size_t *n)
{
	const struct mdx_json *v = mdx_json_get(o, key);

	if (v == NULL || v->escaped || (v->type != MDX_JSON_STRING &&
	    v->type != MDX_JSON_NUMBER))
		return NULL;
	*n = v->len;
	return v->text;
}

/* Digits in s[0..n) as an int64_t; -1 when not. */
static int
digits(const char *s, size_t n, int64_t *v)
{
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Bybit's file timestamp: seconds with up to six decimals. */
static int
seconds_us(const char *s, size_t n, int64_t *us)
{
	const char *dot = memchr(s, '.', n);
	int64_t sec, frac = 0;
	size_t fl = 0;

	if (digits(s, dot != NULL ? (size_t)(dot - s) : n, &sec) == -1)
		return -1;
	if (dot != NULL) {
		fl = n - (dot - s) - 1;
		if (fl == 0 || fl > 6 || digits(dot + 1, fl, &frac) == -1)
			return -1;
		for (; fl < 6; fl++)
			frac *= 10;
	}
	*us = sec * 1000000 + frac;
	return 0;
}

int
mdx_tx_trade(const struct mdx_tx_trade_in *in, struct mdx_tx_out *o,
    char *err, size_t errsz)
{
	const struct mdx_json *d = in->data, *v;
	struct mdx_trade t;
	int64_t n;
	size_t l;
	const char *s;

	memset(&t, 0, sizeof(t));
	t.exchange = in->exchange;
	t.exlen = strlen(in->exchange);
	t.market = in->market;
	t.mklen = strlen(in->market);
	t.symbol = in->symbol;
	t.symlen = strlen(in->symbol);
	if (mdx_json_skip_plain(t.symbol, t.symbol + t.symlen) !=
	    t.symbol + t.symlen)
		return mdx_errf(err, errsz, "bad trade: bad \"symbol\"");
	if (in->fetched_at != NULL) {
		if (in->fetched_at->type != MDX_JSON_STRING ||
		    in->fetched_at->escaped ||
		    mdx_json_skip_plain(in->fetched_at->text,
		    in->fetched_at->text + in->fetched_at->len) !=
		    in->fetched_at->text + in->fetched_at->len)
			return mdx_errf(err, errsz, "bad trade: bad "
			    "\"fetched_at\"");
		t.fetched = in->fetched_at->text;
		t.felen = in->fetched_at->len;
	}
	t.archive = in->source != NULL &&
	    mdx_json_str_eq(in->source, "archive");
	t.first = -1;
	if (d == NULL || d->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "bad trade: \"data\" is not an "
		    "object");
	if (strcmp(in->exchange, "binance") == 0) {
		v = mdx_json_get(d, "a");
		if (v == NULL || v->type != MDX_JSON_NUMBER ||
		    mdx_json_int(v, &n) == -1 || n < 0)
			return mdx_errf(err, errsz, "bad trade: bad \"a\"");
		t.id = v->text;
		t.idlen = v->len;
		if ((v = mdx_json_get(d, "f")) == NULL ||
		    v->type != MDX_JSON_NUMBER ||
		    mdx_json_int(v, &t.first) == -1 || t.first < 0 ||
		    (v = mdx_json_get(d, "l")) == NULL ||
		    v->type != MDX_JSON_NUMBER ||
		    mdx_json_int(v, &t.last) == -1)
			return mdx_errf(err, errsz, "bad trade: bad \"f\" or "
			    "\"l\"");
		if ((v = mdx_json_get(d, "T")) == NULL ||
		    v->type != MDX_JSON_NUMBER || mdx_json_int(v, &n) == -1)
			return mdx_errf(err, errsz, "bad trade: bad \"T\"");
		t.us = mdx_us_from_epoch(n);
		if ((v = mdx_json_get(d, "m")) == NULL ||
		    (v->type != MDX_JSON_TRUE && v->type != MDX_JSON_FALSE))
			return mdx_errf(err, errsz, "bad trade: bad \"m\"");
		/* m: the buyer was the maker, so the taker sold. */
		t.buy = v->type == MDX_JSON_FALSE;
		t.price = dectext(d, "p", &t.plen);
		t.qty = dectext(d, "q", &t.qlen);
	} else if (strcmp(in->exchange, "bybit") == 0) {
		if ((t.id = str(d, "execId", &t.idlen)) == NULL)
			return mdx_errf(err, errsz, "bad trade: bad "
			    "\"execId\"");
		if ((s = str(d, "timestamp", &l)) != NULL) {
			if (seconds_us(s, l, &t.us) == -1)
				return mdx_errf(err, errsz, "bad trade: bad "
				    "\"timestamp\"");
		} else if ((s = str(d, "time", &l)) == NULL ||
		    digits(s, l, &n) == -1)
			return mdx_errf(err, errsz, "bad trade: bad \"time\"");
		else
			t.us = n * 1000;
		if ((s = str(d, "side", &l)) != NULL && l == 3 &&
		    memcmp(s, "Buy", 3) == 0)
			t.buy = 1;
		else if (s == NULL || l != 4 || memcmp(s, "Sell", 4) != 0)
			return mdx_errf(err, errsz, "bad trade: bad \"side\"");
		t.price = dectext(d, "price", &t.plen);
		t.qty = dectext(d, "size", &t.qlen);
		t.no_quote = strcmp(in->market, "inverse") == 0;
	} else {
		if ((t.id = str(d, "tradeId", &t.idlen)) == NULL)
			return mdx_errf(err, errsz, "bad trade: bad "
			    "\"tradeId\"");
		if ((s = str(d, "ts", &l)) == NULL || digits(s, l, &n) == -1)
			return mdx_errf(err, errsz, "bad trade: bad \"ts\"");
		t.us = n * 1000;
		if ((s = str(d, "side", &l)) != NULL && l == 3 &&
		    memcmp(s, "buy", 3) == 0)
			t.buy = 1;
		else if (s == NULL || l != 4 || memcmp(s, "sell", 4) != 0)
			return mdx_errf(err, errsz, "bad trade: bad \"side\"");
		t.price = dectext(d, "px", &t.plen);
		t.qty = dectext(d, "sz", &t.qlen);
		t.no_quote = strcmp(in->market, "swap") == 0;
	}
	if (t.price == NULL || t.qty == NULL)
		return mdx_errf(err, errsz, "bad trade: no price or quantity");
	mdx_buf_reset(&o->line);
	return mdx_trade_format(&t, &o->line, err, errsz) == 0 ?
	    MDX_TX_LINE : -1;
}

int
mdx_tx_trade_canonical(const struct mdx_json *root, struct mdx_tx_out *o,
    char *err, size_t errsz)
{
	char ex[MDX_NAME_MAX], mk[MDX_NAME_MAX], sym[MDX_SYMBOL_MAX];
	const struct mdx_json *v, *f, *l;
	struct mdx_trade t;
	const char *s;
	char tbuf[40];
	int64_t sub;
	size_t n;
	mdx_time ms;

	memset(&t, 0, sizeof(t));
	if (mdx_record_names(root, ex, mk, sym, err, errsz) != 0)
		return -1;
	t.exchange = ex;
	t.exlen = strlen(ex);
	t.market = mk;
	t.mklen = strlen(mk);
	t.symbol = sym;
	t.symlen = strlen(sym);
	if ((t.id = str(root, "id", &t.idlen)) == NULL)
		return mdx_errf(err, errsz, "bad trade: bad \"id\"");
	f = mdx_json_get(root, "first_id");
	l = mdx_json_get(root, "last_id");
	t.first = -1;
	if ((f != NULL) != (l != NULL) || (f != NULL &&
	    (f->type != MDX_JSON_NUMBER || mdx_json_int(f, &t.first) == -1 ||
	    t.first < 0 || l->type != MDX_JSON_NUMBER ||
	    mdx_json_int(l, &t.last) == -1)))
		return mdx_errf(err, errsz, "bad trade: bad \"first_id\" or "
		    "\"last_id\"");
	/*
	 * RFC 3339 as mdx_trade_format() writes it: a fraction of 6
	 * digits is parsed to the millisecond and the last 3 added.
	 */
	if ((s = str(root, "time", &n)) == NULL || n >= sizeof(tbuf) ||
	    n < 20 || s[n - 1] != 'Z')
		return mdx_errf(err, errsz, "bad trade: bad \"time\"");
	memcpy(tbuf, s, n);
	sub = 0;
	if (n == 27 && s[19] == '.') {
		if (digits(s + 23, 3, &sub) == -1)
			return mdx_errf(err, errsz, "bad trade: bad \"time\"");
		tbuf[23] = 'Z';
		n = 24;
	}
	if (mdx_time_parse_rfc3339(tbuf, n, &ms) == -1)
		return mdx_errf(err, errsz, "bad trade: bad \"time\"");
	t.us = ms * 1000 + sub;
	t.price = dectext(root, "price", &t.plen);
	t.qty = dectext(root, "quantity", &t.qlen);
	if (t.price == NULL || t.qty == NULL)
		return mdx_errf(err, errsz, "bad trade: no price or quantity");
	v = mdx_json_get(root, "quote_quantity");
	t.no_quote = v != NULL && v->type == MDX_JSON_NULL;
	if ((s = str(root, "side", &n)) != NULL && n == 3 &&
	    memcmp(s, "buy", 3) == 0)
		t.buy = 1;
	else if (s == NULL || n != 4 || memcmp(s, "sell", 4) != 0)
		return mdx_errf(err, errsz, "bad trade: bad \"side\"");
	t.archive = (v = mdx_json_get(root, "origin")) != NULL &&
	    mdx_json_str_eq(v, "archive");
	if ((v = mdx_json_get(root, "fetched_at")) != NULL &&
	    v->type == MDX_JSON_STRING && !v->escaped) {
		t.fetched = v->text;
		t.felen = v->len;
	}
	mdx_buf_reset(&o->line);
	return mdx_trade_format(&t, &o->line, err, errsz) == 0 ?
	    MDX_TX_LINE : -1;
}

/* ------------------------------------------------------------------------
 * The fast path: raw Binance trades exactly as mdx-extract writes them,
 * {"mdx":"raw","exchange":"binance","market":M,"kind":"trades","symbol":S,
 * "time":T,"source":SRC,"request":R,"fetched_at":F,"data":{"a":A,"p":P,
 * "q":Q,"f":F,"l":L,"T":T,"m":B[,"M":B]}}, members in that order, strings
 * plain.  Anything else returns 0 for the general path, which gives the
 * same line for every record taken here (both end in
 * mdx_trade_format()).
 */

/* Matches the literal lit at *p; advances past it. */
#define MATCH(p, end, lit) ((size_t)((end) - (p)) >= sizeof(lit) - 1 && \
	memcmp((p), lit, sizeof(lit) - 1) == 0 ? ((p) += sizeof(lit) - 1, 1) : 0)

/* A plain string's content up to its closing quote; advances past the
 * quote.  NULL when it has a byte the fast path leaves alone. */
static const char *
fstr(const char **pp, const char *end, size_t *n)
{
	const char *p = *pp, *s = p;

	p = mdx_json_skip_plain(p, end);
	if (p == end || *p != '"')
		return NULL;
	*n = p - s;
	*pp = p + 1;
	return s;
}

/* An unsigned integer; advances past it. */
static int
fint(const char **pp, const char *end, int64_t *v, const char **s,
    size_t *n)
{
	const char *p = *pp;

	*s = p;
	*v = 0;
	while (p < end && *p >= '0' && *p <= '9' && p - *s < 18)
		*v = *v * 10 + (*p++ - '0');
	if (p == *s || (**s == '0' && p - *s > 1) ||
	    (p < end && *p >= '0' && *p <= '9'))
		return -1;
	*n = p - *s;
	*pp = p;
	return 0;
}

int
mdx_transform_fast_trade(const char *line, size_t len, struct mdx_tx_out *o)
{
	const char *p = line, *end = line + len, *s, *src;
	char err[MDX_ERRSZ];
	struct mdx_trade t;
	size_t n, srclen;
	int64_t v;

	if (!MATCH(p, end, "{\"mdx\":\"raw\",\"exchange\":\"binance\","
	    "\"market\":\""))
		return 0;
	memset(&t, 0, sizeof(t));
	t.exchange = "binance";
	t.exlen = 7;
	if ((t.market = fstr(&p, end, &t.mklen)) == NULL || t.mklen != 4 ||
	    (memcmp(t.market, "spot", 4) != 0 &&
	    memcmp(t.market, "usdm", 4) != 0))
		return 0;
	if (!MATCH(p, end, ",\"kind\":\"trades\",\"symbol\":\"") ||
	    (t.symbol = fstr(&p, end, &t.symlen)) == NULL ||
	    t.symlen == 0 || t.symlen >= MDX_SYMBOL_MAX ||
	    !MATCH(p, end, ",\"time\":\"") || fstr(&p, end, &n) == NULL ||
	    !MATCH(p, end, ",\"source\":\"") ||
	    (src = fstr(&p, end, &srclen)) == NULL ||
	    !MATCH(p, end, ",\"request\":\"") || fstr(&p, end, &n) == NULL ||
	    !MATCH(p, end, ",\"fetched_at\":\"") ||
	    (t.fetched = fstr(&p, end, &t.felen)) == NULL ||
	    !MATCH(p, end, ",\"data\":{\"a\":") ||
	    fint(&p, end, &v, &t.id, &t.idlen) == -1 ||
	    !MATCH(p, end, ",\"p\":\"") ||
	    (t.price = fstr(&p, end, &t.plen)) == NULL ||
	    !MATCH(p, end, ",\"q\":\"") ||
	    (t.qty = fstr(&p, end, &t.qlen)) == NULL ||
	    !MATCH(p, end, ",\"f\":") ||
	    fint(&p, end, &t.first, &s, &n) == -1 ||
	    !MATCH(p, end, ",\"l\":") ||
	    fint(&p, end, &t.last, &s, &n) == -1 ||
	    !MATCH(p, end, ",\"T\":") || fint(&p, end, &v, &s, &n) == -1 ||
	    !MATCH(p, end, ",\"m\":"))
		return 0;
	if (MATCH(p, end, "true"))
		t.buy = 0;
	else if (MATCH(p, end, "false"))
		t.buy = 1;
	else
		return 0;
	/* The best-match flag of spot trades says nothing canonical. */
	(void)(MATCH(p, end, ",\"M\":true") || MATCH(p, end, ",\"M\":false"));
	if (!MATCH(p, end, "}}") || p != end)
		return 0;
	t.us = mdx_us_from_epoch(v);
	t.archive = srclen == 7 && memcmp(src, "archive", 7) == 0;
	if (!(srclen == 4 && memcmp(src, "rest", 4) == 0) && !t.archive)
		return 0;
	mdx_buf_reset(&o->line);
	return mdx_trade_format(&t, &o->line, err, sizeof(err)) == 0 ?
	    MDX_TX_LINE : 0;
}
