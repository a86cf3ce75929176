/*
 * kraken.c - Kraken's raw rows to canonical candles and trades, and the
 * names of its pairs (mdx-transform(1) "Kraken").
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "candle.h"

#include "venues.h"

/* Element i of a row as a decimal, named in the reason when it is not. */
static int
el_dec(const struct mdx_json *row, unsigned i, const char *what,
    const char *name, mdx_dec *d, char *err, size_t errsz)
{
	const struct mdx_json *v = mdx_json_at(row, i);
	int r;

	if (v == NULL)
		return mdx_errf(err, errsz, "bad %s: no \"%s\" (data[%u])", what,
		    name, i);
	if ((r = mdx_dec_from_json(d, v)) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad %s: bad \"%s\" (data[%u]): %s",
		    what, name, i, mdx_dec_strerror(r));
	return 0;
}

int
mdx_tx_kraken_kline(const struct mdx_json *row, struct mdx_candle *c,
    char *err, size_t errsz)
{
	int64_t t;

	if (row->nchild != 8)
		return mdx_errf(err, errsz, "bad candle: %u fields, Kraken OHLC "
		    "rows have 8", row->nchild);
	if (mdx_json_int(row->child, &t) != 0 || t < 0 ||
	    t >= MDX_TIME_END / 1000)
		return mdx_errf(err, errsz, "bad candle: bad open time "
		    "(data[0])");
	c->open_time = t * 1000;
	if (el_dec(row, 1, "candle", "open", &c->open, err, errsz) ||
	    el_dec(row, 2, "candle", "high", &c->high, err, errsz) ||
	    el_dec(row, 3, "candle", "low", &c->low, err, errsz) ||
	    el_dec(row, 4, "candle", "close", &c->close, err, errsz) ||
	    el_dec(row, 6, "candle", "volume", &c->volume, err, errsz))
		return -1;
	if (mdx_json_int(mdx_json_at(row, 7), &c->trades) != 0 ||
	    c->trades < 0)
		return mdx_errf(err, errsz, "bad candle: bad \"trades\" "
		    "(data[7])");
	c->has |= MDX_C_VOLUME | MDX_C_TRADES;
	return 0;
}

/* A decimal as a canonical record writes it: a JSON string, trailing
 * fractional zeros dropped. */
static void
add_dec(struct mdx_buf *b, const char *key, mdx_dec d)
{
	mdx_dec_normalize(&d);
	mdx_buf_addstr(b, key);
	mdx_buf_addch(b, '"');
	mdx_dec_add_to_buf(b, &d);
	mdx_buf_addch(b, '"');
}

int
mdx_tx_kraken_trade(const struct mdx_json *row, struct mdx_buf *b,
    char *err, size_t errsz)
{
	const struct mdx_json *t, *side;
	char tb[MDX_TIME_BUFSZ];
	mdx_dec p, q, pq;
	int64_t ns, id;

	if (row == NULL || row->type != MDX_JSON_ARRAY)
		return mdx_errf(err, errsz, "bad trade: \"data\" is not an "
		    "array");
	if (row->nchild != 7)
		return mdx_errf(err, errsz, "bad trade: %u fields, Kraken "
		    "trades have 7 (the trade id last)", row->nchild);
	if (el_dec(row, 0, "trade", "price", &p, err, errsz) ||
	    el_dec(row, 1, "trade", "volume", &q, err, errsz))
		return -1;
	if (mdx_dec_sign(&p) <= 0 || mdx_dec_sign(&q) <= 0)
		return mdx_errf(err, errsz, "bad trade: price and volume must "
		    "be positive");
	t = mdx_json_at(row, 2);
	if (t->type != MDX_JSON_NUMBER ||
	    mdx_epoch_seconds_ns(t->text, t->len, &ns) != 0 ||
	    ns / 1000000 >= MDX_TIME_END)
		return mdx_errf(err, errsz, "bad trade: bad time (data[2])");
	side = mdx_json_at(row, 3);
	if (!mdx_json_str_eq(side, "b") && !mdx_json_str_eq(side, "s"))
		return mdx_errf(err, errsz, "bad trade: side (data[3]) is not "
		    "\"b\" or \"s\"");
	if (mdx_json_int(mdx_json_at(row, 6), &id) != 0 || id < 0)
		return mdx_errf(err, errsz, "bad trade: bad trade id "
		    "(data[6])");
	if (mdx_dec_mul(&pq, &p, &q) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad trade: price x volume "
		    "overflows");
	/* Kraken's times carry more digits than microseconds hold: the
	 * time is taken to the microsecond, towards the past. */
	mdx_time_format_us(ns / 1000, tb);
	mdx_buf_printf(b, ",\"id\":\"%lld\",\"time\":\"%s\"", (long long)id,
	    tb);
	add_dec(b, ",\"price\":", p);
	add_dec(b, ",\"quantity\":", q);
	add_dec(b, ",\"quote_quantity\":", pq);
	/* The side of the order that took liquidity: b, the taker bought. */
	mdx_buf_addstr(b, mdx_json_str_eq(side, "b") ? ",\"side\":\"buy\"" :
	    ",\"side\":\"sell\"");
	return 0;
}

int
mdx_tx_kraken_pair(const struct mdx_json *inst, char *base, char *quote,
    size_t sz)
{
	char ws[64], *slash;
	const char *b;

	if (mdx_json_strcpy(mdx_json_get(inst, "wsname"), ws, sizeof(ws)) !=
	    0 || (slash = strchr(ws, '/')) == NULL || slash == ws ||
	    slash[1] == '\0')
		return -1;
	*slash = '\0';
	b = strcmp(ws, "XBT") == 0 ? "BTC" : strcmp(ws, "XDG") == 0 ? "DOGE" :
	    ws;
	if (strlen(b) >= sz || strlen(slash + 1) >= sz)
		return -1;
	strcpy(base, b);
	strcpy(quote, strcmp(slash + 1, "XBT") == 0 ? "BTC" : slash + 1);
	return 0;
}
