/*
 * transform.c - raw exchange records to canonical ones, the work of
 * mdx-transform(1).  The raw formats are the exchanges' own, wrapped in the
 * envelope HACKING.md describes; the field meanings per exchange and market
 * are documented in mdx-transform(1), and the volume units made uniform
 * here: volume in base units, quote_volume in quote units.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "err.h"
#include "buf.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "watch.h"
#include "market.h"
#include "candle.h"
#include "deriv.h"

#include "transform.h"
#include "venues.h"

/* The envelope members of a raw record. */
struct env {
	const struct mdx_json *mdx, *exchange, *market, *kind, *symbol;
	const struct mdx_json *interval, *time, *source, *fetched_at, *closed;
	const struct mdx_json *data;
};

#define KEY(v, k) ((v)->keylen == sizeof(k) - 1 && \
	memcmp((v)->key, k, sizeof(k) - 1) == 0)

/*
 * One pass over the members, by key length first: this runs per record.
 * A member named twice counts by its first occurrence, and a name written
 * with escapes counts as the name it spells, as mdx_json_get() (and so
 * mdx-load) reads them: a record must mean the same to every program, or
 * {"kind":"candle",...,"kind":"instrument"} would be checked here as an
 * instrument and refused by mdx-load as a candle.
 */
#define FIRST(f, v) do { if ((f) == NULL) (f) = (v); } while (0)

static void
read_env(const struct mdx_json *root, struct env *e)
{
	const struct mdx_json *v;

	memset(e, 0, sizeof(*e));
	for (v = root->child; v != NULL; v = v->next) {
		if (memchr(v->key, '\\', v->keylen) != NULL) {
			/* Rare: let the escape-aware lookup decide. */
			e->mdx = mdx_json_get(root, "mdx");
			e->kind = mdx_json_get(root, "kind");
			e->time = mdx_json_get(root, "time");
			e->data = mdx_json_get(root, "data");
			e->market = mdx_json_get(root, "market");
			e->symbol = mdx_json_get(root, "symbol");
			e->source = mdx_json_get(root, "source");
			e->closed = mdx_json_get(root, "closed");
			e->exchange = mdx_json_get(root, "exchange");
			e->interval = mdx_json_get(root, "interval");
			e->fetched_at = mdx_json_get(root, "fetched_at");
			return;
		}
		switch (v->keylen) {
		case 3:
			if (KEY(v, "mdx"))
				FIRST(e->mdx, v);
			break;
		case 4:
			if (KEY(v, "kind"))
				FIRST(e->kind, v);
			else if (KEY(v, "time"))
				FIRST(e->time, v);
			else if (KEY(v, "data"))
				FIRST(e->data, v);
			break;
		case 6:
			if (KEY(v, "market"))
				FIRST(e->market, v);
			else if (KEY(v, "symbol"))
				FIRST(e->symbol, v);
			else if (KEY(v, "source"))
				FIRST(e->source, v);
			else if (KEY(v, "closed"))
				FIRST(e->closed, v);
			break;
		case 8:
			if (KEY(v, "exchange"))
				FIRST(e->exchange, v);
			else if (KEY(v, "interval"))
				FIRST(e->interval, v);
			break;
		case 10:
			if (KEY(v, "fetched_at"))
				FIRST(e->fetched_at, v);
			break;
		default:
			break;
		}
	}
}

/* The identity members every canonical record starts with. */
static int
identity(const struct env *e, const char *what, char *exchange, char *market,
    char *symbol, char *err, size_t errsz)
{
	if (e->exchange == NULL ||
	    mdx_json_strcpy(e->exchange, exchange, MDX_NAME_MAX) != 0)
		return mdx_errf(err, errsz, "bad %s: bad or missing \"exchange\"",
		    what);
	if (e->market == NULL ||
	    mdx_json_strcpy(e->market, market, MDX_NAME_MAX) != 0)
		return mdx_errf(err, errsz, "bad %s: bad or missing \"market\"",
		    what);
	if (!mdx_market_known(exchange, market))
		return mdx_errf(err, errsz, "bad %s: unknown exchange and market "
		    "\"%s %s\"", what, exchange, market);
	if (e->symbol == NULL ||
	    mdx_json_strcpy(e->symbol, symbol, MDX_SYMBOL_MAX) != 0)
		return mdx_errf(err, errsz, "bad %s: bad or missing \"symbol\"",
		    what);
	return 0;
}

/*
 * The elements of a kline array, indexed once: mdx_json_at() walks the
 * list, and a row is read field by field.
 */
#define MAXEL 16
struct row {
	const struct mdx_json *el[MAXEL];
	unsigned n;
};

static void
index_row(const struct mdx_json *arr, struct row *r)
{
	const struct mdx_json *v;

	r->n = 0;
	for (v = arr->child; v != NULL && r->n < MAXEL; v = v->next)
		r->el[r->n++] = v;
}

/* Element i of a kline row as a decimal. */
static int
el_dec(const struct row *a, unsigned i, const char *name, mdx_dec *d,
    char *err, size_t errsz)
{
	int r;

	if (i >= a->n)
		return mdx_errf(err, errsz, "bad candle: no \"%s\" (data[%u])",
		    name, i);
	if ((r = mdx_dec_from_json(d, a->el[i])) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad candle: bad \"%s\" (data[%u]): %s",
		    name, i, mdx_dec_strerror(r));
	return 0;
}

static int
el_time(const struct row *a, unsigned i, mdx_time *t, char *err,
    size_t errsz)
{
	int64_t n;

	if (i >= a->n || mdx_json_int(a->el[i], &n) != 0 || n < 0)
		return mdx_errf(err, errsz, "bad candle: bad open time (data[%u])",
		    i);
	*t = mdx_time_from_epoch(n);
	return 0;
}

/*
 * Binance spot and USD-M klines, REST or archive CSV, have the same twelve
 * fields: open time, open, high, low, close, volume (base), close time,
 * quote volume, trades, taker buy base volume, taker buy quote volume,
 * ignore.
 */
static int
binance_kline(const struct mdx_json *arr, struct mdx_candle *c,
    mdx_time *close, char *err, size_t errsz)
{
	struct row r, *a = &r;
	int64_t n;

	index_row(arr, a);
	if (a->n < 11)
		return mdx_errf(err, errsz, "bad candle: %u fields, Binance "
		    "klines have 12", a->n);
	if (el_time(a, 0, &c->open_time, err, errsz) ||
	    el_dec(a, 1, "open", &c->open, err, errsz) ||
	    el_dec(a, 2, "high", &c->high, err, errsz) ||
	    el_dec(a, 3, "low", &c->low, err, errsz) ||
	    el_dec(a, 4, "close", &c->close, err, errsz) ||
	    el_dec(a, 5, "volume", &c->volume, err, errsz) ||
	    el_dec(a, 7, "quote_volume", &c->quote_volume, err, errsz) ||
	    el_dec(a, 9, "taker_buy_volume", &c->taker_buy_volume, err,
	    errsz) ||
	    el_dec(a, 10, "taker_buy_quote_volume", &c->taker_buy_quote_volume,
	    err, errsz))
		return -1;
	if (mdx_json_int(a->el[6], &n) != 0 || n < 0)
		return mdx_errf(err, errsz, "bad candle: bad close time (data[6])");
	*close = mdx_time_from_epoch(n);
	if (mdx_json_int(a->el[8], &c->trades) != 0)
		return mdx_errf(err, errsz, "bad candle: bad \"trades\" (data[8])");
	c->has |= MDX_C_VOLUME | MDX_C_QUOTE_VOLUME | MDX_C_TRADES |
	    MDX_C_TAKER_BUY_VOLUME | MDX_C_TAKER_BUY_QUOTE_VOLUME;
	return 0;
}

/*
 * An archive row is the CSV line of a Binance public-data kline file.
 * Its fields are made into a temporary JSON array text and parsed like a
 * REST row, so both go through the same code.  Returns 1 for a header
 * line.
 */
static int
binance_csv(const struct mdx_json *v, struct mdx_tx_out *o, mdx_time *close,
    char *err, size_t errsz)
{
	static struct mdx_json_doc *doc;
	const struct mdx_json *a;
	const char *s, *p, *end, *comma;

	if (mdx_json_str(v, &o->tmp) == NULL)
		return mdx_errf(err, errsz, "bad candle: bad CSV string in "
		    "\"data\"");
	s = o->tmp.data;
	end = s + o->tmp.len;
	while (end > s && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if ((size_t)(end - s) == sizeof(MDX_BINANCE_CSV_HEADER) - 1 &&
	    memcmp(s, MDX_BINANCE_CSV_HEADER, end - s) == 0)
		return 1;
	mdx_buf_reset(&o->line);
	mdx_buf_addch(&o->line, '[');
	for (p = s; p <= end; p = comma + 1) {
		if ((comma = memchr(p, ',', end - p)) == NULL)
			comma = end;
		if (p != s)
			mdx_buf_addch(&o->line, ',');
		mdx_buf_add_json_str(&o->line, p, comma - p);
		if (comma == end)
			break;
	}
	mdx_buf_addch(&o->line, ']');
	if (doc == NULL)
		doc = mdx_json_doc_new();
	if ((a = mdx_json_parse(doc, o->line.data, o->line.len)) == NULL)
		return mdx_errf(err, errsz, "bad candle: bad CSV line");
	return binance_kline(a, &o->candle, close, err, errsz);
}

/*
 * Bybit klines: [start, open, high, low, close, volume, turnover], all
 * strings.  Spot and linear: volume in base units, turnover in quote
 * units.  Inverse: volume counts contracts of 1 USD (the quote), turnover
 * is in the base coin, so the two are swapped.
 */
static int
bybit_kline(const struct mdx_json *arr, int inverse, struct mdx_candle *c,
    char *err, size_t errsz)
{
	struct row r, *a = &r;

	index_row(arr, a);
	if (a->n < 7)
		return mdx_errf(err, errsz, "bad candle: %u fields, Bybit klines "
		    "have 7", a->n);
	if (el_time(a, 0, &c->open_time, err, errsz) ||
	    el_dec(a, 1, "open", &c->open, err, errsz) ||
	    el_dec(a, 2, "high", &c->high, err, errsz) ||
	    el_dec(a, 3, "low", &c->low, err, errsz) ||
	    el_dec(a, 4, "close", &c->close, err, errsz) ||
	    el_dec(a, inverse ? 6 : 5, "volume", &c->volume, err, errsz) ||
	    el_dec(a, inverse ? 5 : 6, "quote_volume", &c->quote_volume, err,
	    errsz))
		return -1;
	c->has |= MDX_C_VOLUME | MDX_C_QUOTE_VOLUME;
	return 0;
}

/* OKX's confirm flag, element i of a row: "1" closed, "0" not. */
static int
okx_confirm(const struct row *a, unsigned i, int *confirm, char *err,
    size_t errsz)
{
	if (mdx_json_str_eq(a->el[i], "1"))
		*confirm = 1;
	else if (mdx_json_str_eq(a->el[i], "0"))
		*confirm = 0;
	else
		return mdx_errf(err, errsz, "bad candle: bad \"confirm\" "
		    "(data[%u]): not \"0\" or \"1\"", i);
	return 0;
}

/*
 * OKX candles: [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm].  Spot:
 * vol is in base units.  Swaps: vol counts contracts, volCcy is in base
 * units.  volCcyQuote is in quote units for both.  confirm is "1" once the
 * candle is closed.  Older rows without volCcyQuote give spot quote volume
 * in volCcy and swaps none.
 */
static int
okx_kline(const struct mdx_json *arr, int swap, struct mdx_candle *c,
    int *confirm, char *err, size_t errsz)
{
	struct row r, *a = &r;

	index_row(arr, a);
	if (a->n < 7)
		return mdx_errf(err, errsz, "bad candle: %u fields, OKX candles "
		    "have 9", a->n);
	if (el_time(a, 0, &c->open_time, err, errsz) ||
	    el_dec(a, 1, "open", &c->open, err, errsz) ||
	    el_dec(a, 2, "high", &c->high, err, errsz) ||
	    el_dec(a, 3, "low", &c->low, err, errsz) ||
	    el_dec(a, 4, "close", &c->close, err, errsz) ||
	    el_dec(a, swap ? 6 : 5, "volume", &c->volume, err, errsz))
		return -1;
	c->has |= MDX_C_VOLUME;
	if (a->n >= 8) {
		if (el_dec(a, 7, "quote_volume", &c->quote_volume, err, errsz))
			return -1;
		c->has |= MDX_C_QUOTE_VOLUME;
	} else if (!swap) {
		if (el_dec(a, 6, "quote_volume", &c->quote_volume, err, errsz))
			return -1;
		c->has |= MDX_C_QUOTE_VOLUME;
	}
	*confirm = -1;
	if (a->n >= 9)
		return okx_confirm(a, 8, confirm, err, errsz);
	return 0;
}

/*
 * Mark, index and premium-index candles: the open, high, low and close
 * only.  Binance sends the klines row (volumes zero, field 8 a count of
 * samples), its archives the same columns; Bybit [start, open, high, low,
 * close]; OKX the same and confirm.
 */
static int
price_kline(const struct mdx_json *arr, const char *exchange,
    struct mdx_candle *c, mdx_time *close, int *confirm, char *err,
    size_t errsz)
{
	struct row r, *a = &r;
	int64_t n;
	unsigned want = strcmp(exchange, "binance") == 0 ? 12 :
	    strcmp(exchange, "bybit") == 0 ? 5 : 6;

	index_row(arr, a);
	if (a->n < want)
		return mdx_errf(err, errsz, "bad candle: %u fields, %s %s "
		    "candles have %u", a->n, exchange,
		    mdx_price_name(c->price), want);
	if (el_time(a, 0, &c->open_time, err, errsz) ||
	    el_dec(a, 1, "open", &c->open, err, errsz) ||
	    el_dec(a, 2, "high", &c->high, err, errsz) ||
	    el_dec(a, 3, "low", &c->low, err, errsz) ||
	    el_dec(a, 4, "close", &c->close, err, errsz))
		return -1;
	*confirm = -1;
	if (want == 12) {
		if (mdx_json_int(a->el[6], &n) != 0 || n < 0)
			return mdx_errf(err, errsz, "bad candle: bad close time "
			    "(data[6])");
		*close = mdx_time_from_epoch(n);
	} else if (want == 6)
		return okx_confirm(a, 5, confirm, err, errsz);
	return 0;
}

/*
 * Whether a candle from a REST answer was closed: OKX says so itself
 * (confirm); else the envelope says it; else it closed if its end (close,
 * the exchange's close time, or the interval's end) is past the fetch.
 */
static int
candle_closed(const struct env *e, struct mdx_candle *c, mdx_time close,
    int confirm, char *err, size_t errsz)
{
	mdx_time t;

	if (confirm >= 0)
		c->closed = confirm;
	else if (e->closed != NULL && (e->closed->type == MDX_JSON_TRUE ||
	    e->closed->type == MDX_JSON_FALSE))
		c->closed = e->closed->type == MDX_JSON_TRUE;
	else if (c->has & MDX_C_FETCHED_AT) {
		t = close >= 0 ? close + 1 :
		    mdx_interval_next(c->interval, c->open_time);
		c->closed = c->fetched_at >= t;
	} else
		return mdx_errf(err, errsz, "bad candle: no \"closed\" and no "
		    "\"fetched_at\"");
	return 0;
}

static int
klines(const struct env *e, enum mdx_price price, struct mdx_tx_out *o,
    char *err, size_t errsz)
{
	struct mdx_candle *c = &o->candle;
	char code[8];
	mdx_time close;
	int archive, confirm, r;

	memset(c, 0, sizeof(*c));
	c->price = price;
	if (identity(e, "candle", c->exchange, c->market, c->symbol, err,
	    errsz))
		return -1;
	if (e->interval == NULL || mdx_json_strcpy(e->interval, code,
	    sizeof(code)) != 0 || (c->interval = mdx_interval_lookup(code)) ==
	    NULL)
		return mdx_errf(err, errsz, "bad candle: unknown interval");
	if (e->fetched_at != NULL && e->fetched_at->type != MDX_JSON_NULL) {
		if (e->fetched_at->type != MDX_JSON_STRING ||
		    mdx_time_parse_rfc3339(e->fetched_at->text,
		    e->fetched_at->len, &c->fetched_at) != 0)
			return mdx_errf(err, errsz,
			    "bad candle: bad \"fetched_at\"");
		c->has |= MDX_C_FETCHED_AT;
	}
	if (e->data == NULL)
		return mdx_errf(err, errsz, "bad candle: no \"data\"");
	archive = e->data->type == MDX_JSON_STRING ||
	    (e->source != NULL && mdx_json_str_eq(e->source, "archive"));
	close = -1;
	confirm = -1;
	if (price != MDX_PRICE_TRADE) {
		if (e->data->type != MDX_JSON_ARRAY)
			return mdx_errf(err, errsz, "bad candle: \"data\" is not "
			    "an array");
		if (archive && strcmp(c->exchange, "binance") != 0)
			return mdx_errf(err, errsz, "bad candle: archive rows are "
			    "Binance's");
		if (price_kline(e->data, c->exchange, c, &close, &confirm, err,
		    errsz) != 0)
			return -1;
		c->origin = archive ? MDX_ORIGIN_ARCHIVE : MDX_ORIGIN_EXCHANGE;
		if (archive)
			c->closed = 1;
		else if (candle_closed(e, c, close, confirm, err, errsz) != 0)
			return -1;
	} else if (archive) {
		/* The row as REST gives it, or (lakes written before) the
		 * CSV line as a string. */
		if (strcmp(c->exchange, "binance") != 0 ||
		    (e->data->type != MDX_JSON_STRING &&
		    e->data->type != MDX_JSON_ARRAY))
			return mdx_errf(err, errsz, "bad candle: archive rows are "
			    "Binance klines (an array, or a CSV line)");
		if (e->data->type == MDX_JSON_ARRAY) {
			if (binance_kline(e->data, c, &close, err, errsz) != 0)
				return -1;
		} else if ((r = binance_csv(e->data, o, &close, err,
		    errsz)) != 0)
			return r < 0 ? -1 : MDX_TX_HEADER;
		c->origin = MDX_ORIGIN_ARCHIVE;
		c->closed = 1;
	} else {
		if (e->data->type != MDX_JSON_ARRAY)
			return mdx_errf(err, errsz, "bad candle: \"data\" is not "
			    "an array");
		c->origin = MDX_ORIGIN_EXCHANGE;
		if (strcmp(c->exchange, "binance") == 0)
			r = binance_kline(e->data, c, &close, err, errsz);
		else if (strcmp(c->exchange, "bybit") == 0)
			r = bybit_kline(e->data,
			    strcmp(c->market, "inverse") == 0, c, err, errsz);
		else if (strcmp(c->exchange, "kraken") == 0)
			r = mdx_tx_kraken_kline(e->data, c, err, errsz);
		else if (strcmp(c->exchange, "coinbase") == 0)
			r = mdx_tx_coinbase_kline(e->data, c, err, errsz);
		else
			r = okx_kline(e->data, strcmp(c->market, "swap") == 0,
			    c, &confirm, err, errsz);
		if (r != 0 || candle_closed(e, c, close, confirm, err,
		    errsz) != 0)
			return -1;
	}
	if (mdx_candle_check(c, o->tmp_err, sizeof(o->tmp_err)) != 0)
		return mdx_errf(err, errsz, "bad candle: %s", o->tmp_err);
	return MDX_TX_CANDLE;
}

/* Appends "KEY":"decimal" (the decimal re-formatted after a check), or
 * "KEY":null when v is NULL, null or an empty string. */
static int
add_opt_dec(struct mdx_buf *b, const char *key, const struct mdx_json *v,
    int positive)
{
	mdx_dec d;

	mdx_buf_addstr(b, key);
	if (v == NULL || v->type == MDX_JSON_NULL ||
	    (v->type == MDX_JSON_STRING && v->len == 0)) {
		mdx_buf_addstr(b, "null");
		return 0;
	}
	if (mdx_dec_from_json(&d, v) != MDX_DEC_OK ||
	    (positive && mdx_dec_sign(&d) <= 0))
		return -1;
	mdx_buf_addch(b, '"');
	mdx_dec_add_to_buf(b, &d);
	mdx_buf_addch(b, '"');
	return 0;
}

/* Appends "KEY":"string", or "KEY":null when v is absent, empty, holds a
 * NUL or is longer than mdx-load stores (mdx_instrument_check()). */
static void
add_opt_str(struct mdx_buf *b, const char *key, const struct mdx_json *v,
    struct mdx_buf *tmp)
{
	mdx_buf_addstr(b, key);
	if (v == NULL || v->type != MDX_JSON_STRING || v->len == 0 ||
	    mdx_json_str(v, tmp) == NULL || strlen(tmp->data) != tmp->len ||
	    tmp->len >= MDX_SYMBOL_MAX)
		mdx_buf_addstr(b, "null");
	else
		mdx_buf_add_json_str(b, tmp->data, tmp->len);
}

static void
add_identity(struct mdx_buf *b, const char *kind, const char *exchange,
    const char *market, const char *symbol)
{
	mdx_buf_addstr(b, "{\"kind\":\"");
	mdx_buf_addstr(b, kind);
	mdx_buf_addstr(b, "\",\"exchange\":");
	mdx_buf_add_json_str(b, exchange, strlen(exchange));
	mdx_buf_addstr(b, ",\"market\":");
	mdx_buf_add_json_str(b, market, strlen(market));
	mdx_buf_addstr(b, ",\"symbol\":");
	mdx_buf_add_json_str(b, symbol, strlen(symbol));
}

/*
 * One side of a book: an array of levels, each an array whose first two
 * elements are price and quantity (OKX adds two more).  Written back as
 * [["price","quantity"],...], every level checked by mdx_depth_level().
 */
static int
book_side(struct mdx_buf *b, const struct mdx_json *side, const char *name,
    char *err, size_t errsz)
{
	const struct mdx_json *lv;
	mdx_dec p, q;
	unsigned i;

	if (side == NULL || side->type != MDX_JSON_ARRAY)
		return mdx_errf(err, errsz, "bad depth: no \"%s\" array", name);
	mdx_buf_addch(b, '[');
	for (i = 0, lv = side->child; lv != NULL; lv = lv->next, i++) {
		if (mdx_depth_level(lv, 0, &p, &q) != 0)
			return mdx_errf(err, errsz, "bad depth: bad level %s[%u]: "
			    "not a positive price and quantity", name, i);
		if (i > 0)
			mdx_buf_addch(b, ',');
		mdx_buf_addstr(b, "[\"");
		mdx_dec_add_to_buf(b, &p);
		mdx_buf_addstr(b, "\",\"");
		mdx_dec_add_to_buf(b, &q);
		mdx_buf_addstr(b, "\"]");
	}
	mdx_buf_addch(b, ']');
	return 0;
}

/*
 * Order book snapshots.  Binance: {lastUpdateId, bids, asks} (USD-M adds E
 * and T, the transaction time).  Bybit: {s, b, a, ts, u, seq}.  OKX: the
 * data array of one {asks, bids, ts} object, or that object.
 */
static int
depth(const struct env *e, struct mdx_tx_out *o, char *err, size_t errsz)
{
	char exchange[MDX_NAME_MAX], market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX], tb[MDX_TIME_BUFSZ];
	const struct mdx_json *d, *bids, *asks, *ts, *uid;
	mdx_time t;
	int64_t n;
	int have;

	if (identity(e, "depth", exchange, market, symbol, err, errsz))
		return -1;
	d = e->data;
	if (d != NULL && d->type == MDX_JSON_ARRAY && d->nchild == 1)
		d = d->child;
	if (d == NULL || d->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "bad depth: \"data\" is not an object");
	if (strcmp(exchange, "bybit") == 0) {
		bids = mdx_json_get(d, "b");
		asks = mdx_json_get(d, "a");
		ts = mdx_json_get(d, "ts");
		uid = mdx_json_get(d, "u");
	} else if (strcmp(exchange, "okx") == 0) {
		bids = mdx_json_get(d, "bids");
		asks = mdx_json_get(d, "asks");
		ts = mdx_json_get(d, "ts");
		uid = mdx_json_get(d, "seqId");
	} else {
		bids = mdx_json_get(d, "bids");
		asks = mdx_json_get(d, "asks");
		ts = mdx_json_get(d, "T");
		uid = mdx_json_get(d, "lastUpdateId");
	}
	have = 0;
	if (ts != NULL && mdx_json_int(ts, &n) == 0 && n > 0) {
		t = mdx_time_from_epoch(n);
		have = 1;
	} else if (e->time != NULL && e->time->type == MDX_JSON_STRING &&
	    mdx_time_parse_rfc3339(e->time->text, e->time->len, &t) == 0)
		have = 1;
	if (!have)
		return mdx_errf(err, errsz, "bad depth: no snapshot time");
	if (!MDX_TIME_STORABLE(t))
		return mdx_errf(err, errsz, "bad depth: time out of range "
		    "(years 1970 to 9999)");
	mdx_buf_reset(&o->line);
	add_identity(&o->line, "depth", exchange, market, symbol);
	mdx_time_format(t, tb);
	mdx_buf_printf(&o->line, ",\"time\":\"%s\",\"bids\":", tb);
	if (book_side(&o->line, bids, "bids", err, errsz))
		return -1;
	mdx_buf_addstr(&o->line, ",\"asks\":");
	if (book_side(&o->line, asks, "asks", err, errsz))
		return -1;
	/* mdx-load takes an update id of 0 to 2^63-1 or null. */
	if (uid != NULL && mdx_json_int(uid, &n) == 0 && n >= 0)
		mdx_buf_printf(&o->line, ",\"update_id\":%lld", (long long)n);
	else
		mdx_buf_addstr(&o->line, ",\"update_id\":null");
	mdx_buf_addch(&o->line, '}');
	return MDX_TX_LINE;
}

/* The status words of the exchanges, in mdx's four. */
static const char *
norm_status(const struct mdx_json *v)
{
	static const struct {
		const char *from, *to;
	} map[] = {
		{ "TRADING", "trading" }, { "Trading", "trading" },
		{ "live", "trading" },
		{ "HALT", "halted" }, { "BREAK", "halted" },
		{ "suspend", "halted" }, { "Settling", "halted" },
		{ "PENDING_TRADING", "pending" }, { "PreLaunch", "pending" },
		{ "preopen", "pending" }, { "test", "pending" },
		{ "END_OF_DAY", "delisted" }, { "CLOSE", "delisted" },
		{ "SETTLING", "delisted" }, { "DELIVERING", "delisted" },
		{ "DELIVERED", "delisted" }, { "PRE_DELIVERING", "delisted" },
		{ "Delivering", "delisted" }, { "Closed", "delisted" },
		{ "expired", "delisted" },
		{ "online", "trading" }, { "cancel_only", "halted" },
		{ "post_only", "halted" }, { "limit_only", "halted" },
		{ "reduce_only", "halted" }, { "maintenance", "halted" },
		{ "offline", "halted" }, { "delisted", "delisted" },
	};
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (mdx_json_str_eq(v, map[i].from))
			return map[i].to;
	return NULL;
}

/* Binance lists filters as [{"filterType":"PRICE_FILTER",...},...]. */
static const struct mdx_json *
binance_filter(const struct mdx_json *d, const char *type, const char *key)
{
	const struct mdx_json *f, *v;

	if ((f = mdx_json_get(d, "filters")) == NULL ||
	    f->type != MDX_JSON_ARRAY)
		return NULL;
	for (v = f->child; v != NULL; v = v->next)
		if (mdx_json_str_eq(mdx_json_get(v, "filterType"), type))
			return mdx_json_get(v, key);
	return NULL;
}

/*
 * Instrument metadata.  Binance exchangeInfo symbols: baseAsset,
 * quoteAsset, status, PRICE_FILTER tickSize, LOT_SIZE stepSize.  Bybit
 * instruments-info: baseCoin, quoteCoin, status, priceFilter.tickSize,
 * lotSizeFilter.qtyStep (spot: basePrecision); inverse contracts are worth
 * 1 USD.  OKX instruments: baseCcy/quoteCcy (swaps: from uly
 * "BTC-USDT"), tickSz, lotSz, ctVal, state.  Kraken AssetPairs: base and
 * quote from wsname, tick_size, 10^-lot_decimals, status.  Coinbase
 * products: base_currency, quote_currency, quote_increment,
 * base_increment, status.
 */
static int
instrument(const struct env *e, struct mdx_tx_out *o, char *err,
    size_t errsz)
{
	char exchange[MDX_NAME_MAX], market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX], base[64], quote[64];
	const struct mdx_json *d, *vb, *vq, *tick, *lot, *csize, *st, *f, *u;
	const char *status, *dash;
	struct mdx_buf *b = &o->line;
	mdx_dec lotdec;
	int64_t ld;
	int have_lotdec = 0;

	if (identity(e, "instrument", exchange, market, symbol, err, errsz))
		return -1;
	d = e->data;
	if (d == NULL || d->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "bad instrument: \"data\" is not an "
		    "object");
	csize = NULL;
	base[0] = quote[0] = '\0';
	if (strcmp(exchange, "binance") == 0) {
		vb = mdx_json_get(d, "baseAsset");
		vq = mdx_json_get(d, "quoteAsset");
		tick = binance_filter(d, "PRICE_FILTER", "tickSize");
		lot = binance_filter(d, "LOT_SIZE", "stepSize");
		st = mdx_json_get(d, "status");
	} else if (strcmp(exchange, "bybit") == 0) {
		vb = mdx_json_get(d, "baseCoin");
		vq = mdx_json_get(d, "quoteCoin");
		tick = mdx_json_get(mdx_json_get(d, "priceFilter"), "tickSize");
		f = mdx_json_get(d, "lotSizeFilter");
		if ((lot = mdx_json_get(f, "qtyStep")) == NULL)
			lot = mdx_json_get(f, "basePrecision");
		st = mdx_json_get(d, "status");
	} else if (strcmp(exchange, "kraken") == 0) {
		vb = vq = lot = NULL;
		if (mdx_tx_kraken_pair(d, base, quote, sizeof(base)) != 0)
			base[0] = quote[0] = '\0';
		tick = mdx_json_get(d, "tick_size");
		if (mdx_json_int(mdx_json_get(d, "lot_decimals"), &ld) == 0 &&
		    ld >= 0 && ld <= MDX_DEC_MAXSCALE) {
			lotdec.coef = 1;
			lotdec.scale = (int)ld;
			have_lotdec = 1;
		}
		st = mdx_json_get(d, "status");
	} else if (strcmp(exchange, "coinbase") == 0) {
		vb = mdx_json_get(d, "base_currency");
		vq = mdx_json_get(d, "quote_currency");
		tick = mdx_json_get(d, "quote_increment");
		lot = mdx_json_get(d, "base_increment");
		st = mdx_json_get(d, "status");
	} else {
		vb = mdx_json_get(d, "baseCcy");
		vq = mdx_json_get(d, "quoteCcy");
		tick = mdx_json_get(d, "tickSz");
		lot = mdx_json_get(d, "lotSz");
		st = mdx_json_get(d, "state");
		if (strcmp(market, "swap") == 0) {
			csize = mdx_json_get(d, "ctVal");
			u = mdx_json_get(d, "uly");
			if (u == NULL || u->len == 0)
				u = mdx_json_get(d, "instFamily");
			if (u != NULL && mdx_json_str(u, &o->tmp) != NULL &&
			    (dash = strchr(o->tmp.data, '-')) != NULL &&
			    (size_t)(dash - o->tmp.data) < sizeof(base) &&
			    strlen(dash + 1) < sizeof(quote)) {
				memcpy(base, o->tmp.data, dash - o->tmp.data);
				base[dash - o->tmp.data] = '\0';
				strcpy(quote, dash + 1);
			}
		}
	}
	if (base[0] == '\0') {
		if (vb == NULL ||
		    mdx_json_strcpy(vb, base, sizeof(base)) != 0)
			base[0] = '\0';
		if (vq == NULL ||
		    mdx_json_strcpy(vq, quote, sizeof(quote)) != 0)
			quote[0] = '\0';
	}
	mdx_buf_reset(b);
	add_identity(b, "instrument", exchange, market, symbol);
	mdx_buf_addstr(b, ",\"base\":");
	if (base[0] != '\0')
		mdx_buf_add_json_str(b, base, strlen(base));
	else
		mdx_buf_addstr(b, "null");
	mdx_buf_addstr(b, ",\"quote\":");
	if (quote[0] != '\0')
		mdx_buf_add_json_str(b, quote, strlen(quote));
	else
		mdx_buf_addstr(b, "null");
	if (add_opt_dec(b, ",\"tick_size\":", tick, 1))
		return mdx_errf(err, errsz, "bad instrument: bad tick size");
	if (have_lotdec) {
		mdx_buf_addstr(b, ",\"lot_size\":\"");
		mdx_dec_add_to_buf(b, &lotdec);
		mdx_buf_addch(b, '"');
	} else if (add_opt_dec(b, ",\"lot_size\":", lot, 1))
		return mdx_errf(err, errsz, "bad instrument: bad lot size");
	if (strcmp(exchange, "bybit") == 0 && strcmp(market, "inverse") == 0)
		mdx_buf_addstr(b, ",\"contract_size\":\"1\"");
	else if (add_opt_dec(b, ",\"contract_size\":", csize, 1))
		return mdx_errf(err, errsz, "bad instrument: bad contract size");
	if ((status = norm_status(st)) != NULL)
		mdx_buf_printf(b, ",\"status\":\"%s\"", status);
	else
		add_opt_str(b, ",\"status\":", st, &o->tmp);
	mdx_buf_addch(b, '}');
	return MDX_TX_LINE;
}

/*
 * Trades: Kraken's rows (venues.h) as canonical trades (mdx-records(5)),
 * with origin "exchange" and the envelope's fetched_at.
 */
static int
kraken_trade(const struct env *e, const char *exchange, const char *market,
    const char *symbol, struct mdx_tx_out *o, char *err, size_t errsz)
{
	char tb[MDX_TIME_BUFSZ];
	struct mdx_buf *b = &o->line;
	mdx_time fetched;

	mdx_buf_reset(b);
	add_identity(b, "trade", exchange, market, symbol);
	if (mdx_tx_kraken_trade(e->data, b, err, errsz) != 0)
		return -1;
	mdx_buf_addstr(b, ",\"origin\":\"exchange\"");
	if (e->fetched_at != NULL && e->fetched_at->type != MDX_JSON_NULL) {
		if (e->fetched_at->type != MDX_JSON_STRING ||
		    mdx_time_parse_rfc3339(e->fetched_at->text,
		    e->fetched_at->len, &fetched) != 0 ||
		    !MDX_TIME_STORABLE(fetched))
			return mdx_errf(err, errsz,
			    "bad trade: bad \"fetched_at\"");
		mdx_time_format(fetched, tb);
		mdx_buf_printf(b, ",\"fetched_at\":\"%s\"", tb);
	}
	mdx_buf_addch(b, '}');
	return MDX_TX_LINE;
}

/*
 * A raw trades record: the names checked here; Kraken's rows go to
 * kraken_trade(), those of Binance, Bybit and OKX to trade.c.
 */
static int
trades(const struct env *e, struct mdx_tx_out *o, char *err, size_t errsz)
{
	char exchange[MDX_NAME_MAX], market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	struct mdx_tx_trade_in in;

	if (identity(e, "trade", exchange, market, symbol, err, errsz) != 0)
		return -1;
	if (strcmp(exchange, "kraken") == 0)
		return kraken_trade(e, exchange, market, symbol, o, err,
		    errsz);
	if (strcmp(exchange, "binance") != 0 &&
	    strcmp(exchange, "bybit") != 0 && strcmp(exchange, "okx") != 0)
		return mdx_errf(err, errsz, "bad trade: no trades of \"%s\" "
		    "are known", exchange);
	in.exchange = exchange;
	in.market = market;
	in.symbol = symbol;
	in.source = e->source;
	in.fetched_at = e->fetched_at;
	in.data = e->data;
	return mdx_tx_trade(&in, o, err, errsz);
}


/*
 * The envelope's fetched_at (absent or null: none) and whether the record
 * came from an archive, for funding and open interest.
 */
static int
fetched_origin(const struct env *e, const char *what, mdx_time *fetched,
    int *has, enum mdx_origin *origin, char *err, size_t errsz)
{
	*has = 0;
	if (e->fetched_at != NULL && e->fetched_at->type != MDX_JSON_NULL) {
		if (e->fetched_at->type != MDX_JSON_STRING ||
		    mdx_time_parse_rfc3339(e->fetched_at->text,
		    e->fetched_at->len, fetched) != 0)
			return mdx_errf(err, errsz, "bad %s: bad \"fetched_at\"",
			    what);
		*has = 1;
	}
	*origin = e->source != NULL && mdx_json_str_eq(e->source, "archive") ?
	    MDX_ORIGIN_ARCHIVE : MDX_ORIGIN_EXCHANGE;
	return 0;
}

/* A time in ms since the epoch, as a JSON number or a string of digits. */
static int
epoch_member(const struct mdx_json *v, mdx_time *t)
{
	int64_t n;

	if (v == NULL || (v->type != MDX_JSON_NUMBER &&
	    v->type != MDX_JSON_STRING) || mdx_json_int(v, &n) != 0 || n < 0)
		return -1;
	*t = mdx_time_from_epoch(n);
	return 0;
}

/*
 * Funding history.  Binance: {symbol, fundingTime, fundingRate, markPrice}
 * (markPrice "" or absent in old rows); its fundingRate archive rows add
 * fundingIntervalHours.  Bybit: {symbol, fundingRate,
 * fundingRateTimestamp}.  OKX: {instId, fundingRate, realizedRate,
 * fundingTime, ...}.  Only the archive says which interval was in force.
 */
static int
funding(const struct env *e, struct mdx_tx_out *o, char *err, size_t errsz)
{
	struct mdx_funding f;
	const struct mdx_json *d, *v;
	const char *tkey;
	char code[16];
	int64_t h;
	int r;

	memset(&f, 0, sizeof(f));
	if (identity(e, "funding", f.exchange, f.market, f.symbol, err,
	    errsz) ||
	    fetched_origin(e, "funding", &f.fetched_at, &f.has_fetched_at,
	    &f.origin, err, errsz))
		return -1;
	if ((d = e->data) == NULL || d->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "bad funding: \"data\" is not an "
		    "object");
	tkey = strcmp(f.exchange, "bybit") == 0 ? "fundingRateTimestamp" :
	    "fundingTime";
	if (epoch_member(mdx_json_get(d, tkey), &f.time) != 0)
		return mdx_errf(err, errsz, "bad funding: bad or missing "
		    "\"%s\"", tkey);
	if ((v = mdx_json_get(d, "fundingRate")) == NULL ||
	    (r = mdx_dec_from_json(&f.rate, v)) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad funding: bad or missing "
		    "\"fundingRate\"");
	v = mdx_json_get(d, "markPrice");
	if (v != NULL && v->type != MDX_JSON_NULL &&
	    !(v->type == MDX_JSON_STRING && v->len == 0)) {
		if (mdx_dec_from_json(&f.mark_price, v) != MDX_DEC_OK)
			return mdx_errf(err, errsz, "bad funding: bad "
			    "\"markPrice\"");
		f.has_mark_price = 1;
	}
	if ((v = mdx_json_get(d, "fundingIntervalHours")) != NULL &&
	    v->type != MDX_JSON_NULL) {
		if (mdx_json_int(v, &h) != 0 || h < 1 || h > 24 ||
		    (snprintf(code, sizeof(code), "%dh", (int)h),
		    f.interval = mdx_interval_lookup(code)) == NULL)
			return mdx_errf(err, errsz, "bad funding: "
			    "\"fundingIntervalHours\" is not 1 to 24 hours of an "
			    "interval mdx knows");
	}
	if (mdx_funding_check(&f, o->tmp_err, sizeof(o->tmp_err)) != 0)
		return mdx_errf(err, errsz, "bad funding: %s", o->tmp_err);
	mdx_buf_reset(&o->line);
	mdx_funding_to_json(&f, &o->line);
	return MDX_TX_LINE;
}

/*
 * Open-interest history.  Binance: {symbol, sumOpenInterest (base units),
 * sumOpenInterestValue (quote), timestamp}; its metrics archive rows the
 * same names.  Bybit: {openInterest, timestamp}, in the base coin for
 * linear contracts and in contracts of 1 USD for inverse ones, whose value
 * in USD is therefore the same number.  OKX: [ts, oi (contracts), oiCcy
 * (base), oiUsd (USD)].
 */
static int
open_interest(const struct env *e, struct mdx_tx_out *o, char *err,
    size_t errsz)
{
	struct mdx_oi s;
	const struct mdx_json *d, *t, *oi, *val;
	char code[8];

	memset(&s, 0, sizeof(s));
	if (identity(e, "open interest", s.exchange, s.market, s.symbol, err,
	    errsz) ||
	    fetched_origin(e, "open interest", &s.fetched_at,
	    &s.has_fetched_at, &s.origin, err, errsz))
		return -1;
	if (e->interval == NULL || mdx_json_strcpy(e->interval, code,
	    sizeof(code)) != 0 || (s.period = mdx_interval_lookup(code)) ==
	    NULL)
		return mdx_errf(err, errsz, "bad open interest: unknown "
		    "interval");
	d = e->data;
	val = NULL;
	if (strcmp(s.exchange, "okx") == 0) {
		if (d == NULL || d->type != MDX_JSON_ARRAY || d->nchild < 4)
			return mdx_errf(err, errsz, "bad open interest: \"data\" "
			    "is not an array of 4");
		t = mdx_json_at(d, 0);
		oi = mdx_json_at(d, 1);
		val = mdx_json_at(d, 3);
	} else {
		if (d == NULL || d->type != MDX_JSON_OBJECT)
			return mdx_errf(err, errsz, "bad open interest: \"data\" "
			    "is not an object");
		t = mdx_json_get(d, "timestamp");
		if (strcmp(s.exchange, "binance") == 0) {
			oi = mdx_json_get(d, "sumOpenInterest");
			val = mdx_json_get(d, "sumOpenInterestValue");
		} else {
			oi = mdx_json_get(d, "openInterest");
			if (strcmp(s.market, "inverse") == 0)
				val = oi;
		}
	}
	if (epoch_member(t, &s.time) != 0)
		return mdx_errf(err, errsz, "bad open interest: bad or missing "
		    "time");
	if (oi == NULL || mdx_dec_from_json(&s.open_interest, oi) !=
	    MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad open interest: bad or missing "
		    "open interest");
	if (val != NULL && val->type != MDX_JSON_NULL &&
	    !(val->type == MDX_JSON_STRING && val->len == 0)) {
		if (mdx_dec_from_json(&s.value, val) != MDX_DEC_OK)
			return mdx_errf(err, errsz, "bad open interest: bad "
			    "value");
		s.has_value = 1;
	}
	if (mdx_oi_check(&s, o->tmp_err, sizeof(o->tmp_err)) != 0)
		return mdx_errf(err, errsz, "bad open interest: %s",
		    o->tmp_err);
	mdx_buf_reset(&o->line);
	mdx_oi_to_json(&s, &o->line);
	return MDX_TX_LINE;
}

/*
 * A record that is already canonical passes through: a candle is parsed
 * and checked again, depth and instrument records are checked by the
 * rules mdx-load applies (candle.h) and copied as they are.
 */
static int
canonical(const struct mdx_json *root, const struct env *e,
    struct mdx_tx_out *o, char *err, size_t errsz)
{
	if (mdx_json_str_eq(e->kind, "candle")) {
		if (mdx_candle_from_json(&o->candle, root, o->tmp_err,
		    sizeof(o->tmp_err)) != 0 ||
		    mdx_candle_check(&o->candle, o->tmp_err,
		    sizeof(o->tmp_err)) != 0)
			return mdx_errf(err, errsz, "bad candle: %s", o->tmp_err);
		return MDX_TX_CANDLE;
	}
	if (mdx_json_str_eq(e->kind, "trade"))
		return mdx_tx_trade_canonical(root, o, err, errsz);
	if (mdx_json_str_eq(e->kind, "depth") ||
	    mdx_json_str_eq(e->kind, "instrument")) {
		if (mdx_json_str_eq(e->kind, "depth") ?
		    mdx_depth_from_json(&o->depth, root, o->tmp_err,
		    sizeof(o->tmp_err)) != 0 :
		    mdx_instrument_check(root, o->depth.exchange,
		    o->depth.market, o->depth.symbol, o->tmp_err,
		    sizeof(o->tmp_err)) != 0)
			return mdx_errf(err, errsz, "bad %s: %s",
			    mdx_json_str_eq(e->kind, "depth") ? "depth" :
			    "instrument", o->tmp_err);
		mdx_buf_reset(&o->line);
		mdx_json_dump(root, &o->line);
		return MDX_TX_LINE;
	}
	if (mdx_json_str_eq(e->kind, "funding")) {
		struct mdx_funding f;

		if (mdx_funding_from_json(&f, root, o->tmp_err,
		    sizeof(o->tmp_err)) != 0)
			return mdx_errf(err, errsz, "bad funding: %s",
			    o->tmp_err);
		mdx_buf_reset(&o->line);
		mdx_funding_to_json(&f, &o->line);
		return MDX_TX_LINE;
	}
	if (mdx_json_str_eq(e->kind, "open_interest")) {
		struct mdx_oi s;

		if (mdx_oi_from_json(&s, root, o->tmp_err,
		    sizeof(o->tmp_err)) != 0)
			return mdx_errf(err, errsz, "bad open interest: %s",
			    o->tmp_err);
		mdx_buf_reset(&o->line);
		mdx_oi_to_json(&s, &o->line);
		return MDX_TX_LINE;
	}
	return mdx_errf(err, errsz, "bad record: unknown \"kind\"");
}

int
mdx_transform(const struct mdx_json *root, struct mdx_tx_out *o, char *err,
    size_t errsz)
{
	struct env e;

	if (root == NULL || root->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "bad record: not a JSON object");
	read_env(root, &e);
	if (e.mdx == NULL)
		return canonical(root, &e, o, err, errsz);
	if (!mdx_json_str_eq(e.mdx, "raw"))
		return mdx_errf(err, errsz, "bad record: \"mdx\" is not \"raw\"");
	if (e.kind == NULL)
		return mdx_errf(err, errsz, "bad record: no \"kind\"");
	if (mdx_json_str_eq(e.kind, "klines"))
		return klines(&e, MDX_PRICE_TRADE, o, err, errsz);
	if (mdx_json_str_eq(e.kind, "mark_klines"))
		return klines(&e, MDX_PRICE_MARK, o, err, errsz);
	if (mdx_json_str_eq(e.kind, "index_klines"))
		return klines(&e, MDX_PRICE_INDEX, o, err, errsz);
	if (mdx_json_str_eq(e.kind, "premium_klines"))
		return klines(&e, MDX_PRICE_PREMIUM, o, err, errsz);
	if (mdx_json_str_eq(e.kind, "funding"))
		return funding(&e, o, err, errsz);
	if (mdx_json_str_eq(e.kind, "open_interest"))
		return open_interest(&e, o, err, errsz);
	if (mdx_json_str_eq(e.kind, "depth"))
		return depth(&e, o, err, errsz);
	if (mdx_json_str_eq(e.kind, "instruments"))
		return instrument(&e, o, err, errsz);
	if (mdx_json_str_eq(e.kind, "trades"))
		return trades(&e, o, err, errsz);
	return mdx_errf(err, errsz, "bad record: unknown \"kind\"");
}

/* ------------------------------------------------------------------------
 * The fast path.  Raw Binance klines from the REST API are nearly all that
 * mdx-transform reads in volume, so they are scanned in one pass straight
 * into a candle, without a tree and with the decimals parsed while their
 * digits are read.  The scanner takes only a plain subset of JSON (strings
 * of printable ASCII without escapes, unsigned integers and fractions, the
 * three literals, no nesting but the data array, each envelope member at
 * most once) and gives up on anything else, valid or not; so does the
 * mapping on anything unusual, and on every record that would be rejected.
 * The caller then runs mdx_json_parse() and mdx_transform(), which decide
 * and word the reason, so both paths accept exactly the same records and
 * make the same candles of them (tests/unit/test-transform.c compares
 * them).
 */
enum { FV_NONE, FV_STR, FV_NUM, FV_TRUE, FV_FALSE, FV_NULL, FV_ARRAY };

struct fv {
	const char *p;		/* string content or number text */
	size_t n;
	int type;		/* FV_* */
	int isdec;		/* digits, maybe a fraction, in u and scale */
	int isint;		/* digits alone, in u as an int64_t */
	uint64_t u;
	int scale;
};

static inline const char *
fws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' ||
	    *p == '\t'))
		p++;
	return p;
}

/* The scanner's small steps run for every byte; they must be inlined. */
#if defined(__GNUC__)
#define HOT static inline __attribute__((always_inline))
#else
#define HOT static inline
#endif

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FAST_DIGITS 1
static const uint64_t fp10[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL
};

/*
 * The value of the n digits at s (n <= 8), eight bytes at s readable:
 * the digits go to the top of a word, the bytes after them are shifted out
 * (a borrow from them only runs upwards), and the eight digit values are
 * combined in three multiplications.
 */
HOT uint64_t
digits8(const char *s, size_t n)
{
	uint64_t w;

	if (n == 0)
		return 0;
	memcpy(&w, s, 8);
	w = (w - UINT64_C(0x3030303030303030)) << (8 * (8 - n));
	w = w * 10 + (w >> 8);
	return ((w & UINT64_C(0x000000ff000000ff)) *
	    (100 + (UINT64_C(1000000) << 32)) +
	    ((w >> 16) & UINT64_C(0x000000ff000000ff)) *
	    (1 + (UINT64_C(10000) << 32))) >> 32;
}

/* The value of the n <= 19 digits at s, 24 bytes at s readable. */
HOT uint64_t
digits19(const char *s, size_t n)
{
	if (n <= 8)
		return digits8(s, n);
	if (n <= 16)
		return digits8(s, 8) * fp10[n - 8] + digits8(s + 8, n - 8);
	return (digits8(s, 8) * fp10[8] + digits8(s + 8, 8)) * fp10[n - 16] +
	    digits8(s + 16, n - 16);
}
#endif

/*
 * Reads digits with an optional fraction at p into v and returns the byte
 * after them (the point, when no digit follows it).  A coefficient of up
 * to 19 digits fits in 64 bits; longer ones are left to mdx_dec_parse().
 * Integers get 18 digits at most, so that they fit in an int64_t.  With
 * SSE2, the digits of the next 32 bytes are found in one go and converted
 * eight at a time; near the end of the line, and for longer runs of
 * digits, a byte at a time.
 */
HOT const char *
fdigits(const char *p, const char *end, struct fv *v)
{
	const char *s = p, *f;
	uint64_t u = 0;
	size_t ni, nf = 0;

#ifdef FAST_DIGITS
	if (end - p >= 32) {
		const __m128i lo = _mm_set1_epi8('0' - 1);
		const __m128i hi = _mm_set1_epi8('9' + 1);
		__m128i a, b;
		uint32_t nd, rest;

		a = _mm_loadu_si128((const __m128i *)(const void *)p);
		b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		a = _mm_and_si128(_mm_cmpgt_epi8(a, lo), _mm_cmplt_epi8(a, hi));
		b = _mm_and_si128(_mm_cmpgt_epi8(b, lo), _mm_cmplt_epi8(b, hi));
		/* The bytes that are not digits. */
		nd = ~((uint32_t)_mm_movemask_epi8(a) |
		    (uint32_t)_mm_movemask_epi8(b) << 16);
		if (nd != 0) {
			ni = __builtin_ctz(nd);
			if (ni == 0)
				return p;
			if (p[ni] != '.') {
				v->u = ni <= 19 ? digits19(p, ni) : 0;
				v->scale = 0;
				v->isdec = ni <= 19;
				v->isint = ni <= 18;
				return p + ni;
			}
			rest = ni + 1 < 32 ? nd >> (ni + 1) : 0;
			if (rest != 0) {
				nf = __builtin_ctz(rest);
				if (nf == 0)
					return p + ni;
				if (ni + nf <= 19) {
					v->u = digits19(p, ni) * fp10[nf] +
					    digits19(p + ni + 1, nf);
					v->isdec = 1;
				}
				v->scale = (int)nf;
				return p + ni + 1 + nf;
			}
		}
	}
#endif
	while (p < end && (unsigned)(*p - '0') <= 9)
		u = u * 10 + (unsigned)(*p++ - '0');
	if ((ni = p - s) == 0)
		return p;
	if (p < end && *p == '.') {
		f = ++p;
		while (p < end && (unsigned)(*p - '0') <= 9)
			u = u * 10 + (unsigned)(*p++ - '0');
		if ((nf = p - f) == 0)
			return f - 1;	/* "1." is no number: stop at '.' */
	}
	v->u = u;
	v->scale = (int)nf;
	v->isdec = ni + nf <= 19;
	v->isint = nf == 0 && ni <= 18;
	return p;
}

/* A scalar value at p into v; returns the byte after it, or NULL. */
static const char *
fscalar(const char *p, const char *end, struct fv *v, int digits)
{
	const char *q;

	v->isdec = v->isint = 0;
	if (p >= end)
		return NULL;
	switch (*p) {
	case '"':
		v->type = FV_STR;
		v->p = ++p;
		if (digits && (q = fdigits(p, end, v)) < end && *q == '"') {
			v->n = q - p;
			return q + 1;
		}
		v->isdec = v->isint = 0;
		q = mdx_json_skip_plain(p, end);
		if (q >= end || *q != '"')
			return NULL;
		v->n = q - p;
		return q + 1;
	case 't':
		v->type = FV_TRUE;
		return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		v->type = FV_FALSE;
		return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 :
		    NULL;
	case 'n':
		v->type = FV_NULL;
		return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		/* JSON numbers: no sign here, no exponent, no leading zero. */
		if ((unsigned)(*p - '0') > 9 || (*p == '0' && end - p > 1 &&
		    (unsigned)(p[1] - '0') <= 9))
			return NULL;
		v->type = FV_NUM;
		v->p = p;
		q = fdigits(p, end, v);
		if (q < end && (*q == '.' || *q == 'e' || *q == 'E'))
			return NULL;
		v->n = q - p;
		return q;
	}
}

#define FEQ(v, lit) ((v)->type == FV_STR && (v)->n == sizeof(lit) - 1 && \
	memcmp((v)->p, lit, sizeof(lit) - 1) == 0)

/* The envelope members the fast path reads. */
enum {
	FE_MDX, FE_KIND, FE_EXCHANGE, FE_MARKET, FE_SYMBOL, FE_INTERVAL,
	FE_FETCHED_AT, FE_SOURCE, FE_CLOSED, FE_DATA, FE_N
};

static int
fkey(const char *k, size_t n)
{
	switch (n) {
	case 3:
		return memcmp(k, "mdx", 3) == 0 ? FE_MDX : -1;
	case 4:
		return memcmp(k, "kind", 4) == 0 ? FE_KIND :
		    memcmp(k, "data", 4) == 0 ? FE_DATA : -1;
	case 6:
		return memcmp(k, "market", 6) == 0 ? FE_MARKET :
		    memcmp(k, "symbol", 6) == 0 ? FE_SYMBOL :
		    memcmp(k, "source", 6) == 0 ? FE_SOURCE :
		    memcmp(k, "closed", 6) == 0 ? FE_CLOSED : -1;
	case 8:
		return memcmp(k, "exchange", 8) == 0 ? FE_EXCHANGE :
		    memcmp(k, "interval", 8) == 0 ? FE_INTERVAL : -1;
	case 10:
		return memcmp(k, "fetched_at", 10) == 0 ? FE_FETCHED_AT : -1;
	default:
		return -1;
	}
}

/* The data array at p (its '['): the first MAXEL elements into el. */
static const char *
farray(const char *p, const char *end, struct fv *el, unsigned *nel)
{
	struct fv skip;
	unsigned n = 0;

	p = fws(p + 1, end);
	if (p < end && *p == ']') {
		*nel = 0;
		return p + 1;
	}
	for (;;) {
		if ((p = fscalar(p, end, n < MAXEL ? &el[n] : &skip, 1)) ==
		    NULL)
			return NULL;
		n++;
		p = fws(p, end);
		if (p < end && *p == ',') {
			p = fws(p + 1, end);
			continue;
		}
		if (p < end && *p == ']') {
			*nel = n < MAXEL ? n : MAXEL;
			return p + 1;
		}
		return NULL;
	}
}

/* Copies a string member into dst of dstsz bytes; -1 when it cannot. */
static int
fcopy(const struct fv *v, char *dst, size_t dstsz)
{
	if (v->type != FV_STR || v->n == 0 || v->n >= dstsz)
		return -1;
	memcpy(dst, v->p, v->n);
	dst[v->n] = '\0';
	return 0;
}

static void
fdec(mdx_dec *d, const struct fv *v)
{
	d->coef = (__int128)v->u;
	d->scale = v->scale;
}

/*
 * The envelopes of the lines of one fetch are the same but for members the
 * mapping does not read ("time", "request").  After a line whose "data"
 * came last, its envelope (the bytes before the data array) is kept with
 * what the mapping made of it; a next line with the same bytes there, but
 * for plain printable ASCII inside the strings of unread members, has the
 * same members with the same values, so it needs no scan of its envelope.
 */
#define MEMO_MAX 1024
#define MEMO_SPANS 16

struct mdx_tx_memo {
	size_t len;			/* bytes of envelope; 0: none */
	char text[MEMO_MAX];
	unsigned char free[MEMO_MAX];	/* 0xff inside unread strings */
	/* What the envelope gave. */
	char exchange[MDX_NAME_MAX];
	char market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	const struct mdx_interval *interval;
	mdx_time fetched_at;
	unsigned has;
	int closed;			/* the FV_* type of "closed" */
};

/* Whether s[0..n) starts with the kept envelope, as above. */
static int
memo_match(const struct mdx_tx_memo *m, const char *s, size_t n)
{
	size_t i;

	if (m == NULL || m->len == 0 || n <= m->len)
		return 0;
#if defined(__SSE2__)
	{
		const __m128i quote = _mm_set1_epi8('"');
		const __m128i bslash = _mm_set1_epi8('\\');
		const __m128i space = _mm_set1_epi8(0x20);
		__m128i a, b, fr;
		unsigned diff, bad;

		/* The last block overlaps the one before (len >= 16). */
		for (i = 0;; i += 16) {
			if (i + 16 > m->len)
				i = m->len - 16;
			a = _mm_loadu_si128((const __m128i *)(const void *)
			    (s + i));
			b = _mm_loadu_si128((const __m128i *)(const void *)
			    (m->text + i));
			diff = ~(unsigned)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(a, b)) & 0xffff;
			if (diff != 0) {
				fr = _mm_loadu_si128((const __m128i *)
				    (const void *)(m->free + i));
				bad = (unsigned)_mm_movemask_epi8(_mm_or_si128(
				    _mm_or_si128(_mm_cmpeq_epi8(a, quote),
				    _mm_cmpeq_epi8(a, bslash)),
				    _mm_cmplt_epi8(a, space)));
				if ((diff & (~(unsigned)_mm_movemask_epi8(fr) |
				    bad)) != 0)
					return 0;
			}
			if (i + 16 == m->len)
				return 1;
		}
	}
#else
	for (i = 0; i < m->len; i++)
		if (s[i] != m->text[i] && (m->free[i] == 0 ||
		    (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x80 ||
		    s[i] == '"' || s[i] == '\\'))
			return 0;
	return 1;
#endif
}

int
mdx_transform_fast(const char *line, size_t len, struct mdx_tx_out *o)
{
	static const unsigned decs[] = { 1, 2, 3, 4, 5, 7, 9, 10 };
	struct mdx_candle *c = &o->candle;
	struct mdx_tx_memo *m = o->memo;
	const char *p = line, *end = line + len, *k, *q, *data = NULL;
	const char *span[MEMO_SPANS];
	size_t spanlen[MEMO_SPANS];
	struct fv env[FE_N], el[MAXEL], skip, *v;
	char code[8];
	unsigned nel = 0, nspan = 0, i;
	int f, closed, last = -1;

	if (memo_match(m, line, len)) {
		/* The envelope is the kept one: the data array follows. */
		p = line + m->len;
		if (*p != '[' || (p = farray(p, end, el, &nel)) == NULL)
			return 0;
		p = fws(p, end);
		if (p >= end || *p != '}' || fws(p + 1, end) != end ||
		    nel < 11)
			return 0;
		memcpy(c->exchange, m->exchange, sizeof(c->exchange));
		memcpy(c->market, m->market, sizeof(c->market));
		memcpy(c->symbol, m->symbol, sizeof(c->symbol));
		c->interval = m->interval;
		c->price = MDX_PRICE_TRADE;
		c->fetched_at = m->fetched_at;
		c->has = m->has;
		closed = m->closed;
		m = NULL;	/* nothing new to keep */
		goto row;
	}

	for (f = 0; f < FE_N; f++)
		env[f].type = FV_NONE;
	p = fws(p, end);
	if (p >= end || *p != '{')
		return 0;
	p = fws(p + 1, end);
	for (;;) {
		if (p >= end || *p != '"')
			return 0;
		k = p + 1;
		q = mdx_json_skip_plain(k, end);
		if (q >= end || *q != '"')
			return 0;
		p = fws(q + 1, end);
		if (p >= end || *p != ':')
			return 0;
		p = fws(p + 1, end);
		last = f = fkey(k, q - k);
		v = f >= 0 ? &env[f] : &skip;
		if (f >= 0 && v->type != FV_NONE)
			return 0;	/* a member twice */
		if (f == FE_DATA) {
			data = p;
			if (p >= end || *p != '[' ||
			    (p = farray(p, end, el, &nel)) == NULL)
				return 0;
			v->type = FV_ARRAY;
		} else if ((p = fscalar(p, end, v, 0)) == NULL)
			return 0;
		if (f < 0 && v->type == FV_STR) {
			if (nspan < MEMO_SPANS) {
				span[nspan] = v->p;
				spanlen[nspan] = v->n;
			}
			nspan++;
		}
		p = fws(p, end);
		if (p < end && *p == ',') {
			p = fws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			break;
		return 0;
	}
	if (fws(p + 1, end) != end)
		return 0;

	/* The mapping of klines() and binance_kline(), for good rows. */
	if (!FEQ(&env[FE_MDX], "raw") || !FEQ(&env[FE_KIND], "klines") ||
	    !FEQ(&env[FE_EXCHANGE], "binance") ||
	    env[FE_DATA].type == FV_NONE || FEQ(&env[FE_SOURCE], "archive") ||
	    nel < 11)
		return 0;
	/*
	 * Every member of the candle is set here or below; the bytes after
	 * the names' NULs are left as they are (nothing reads them), which
	 * saves clearing the whole candle.
	 */
	if (fcopy(&env[FE_EXCHANGE], c->exchange, sizeof(c->exchange)) ||
	    fcopy(&env[FE_MARKET], c->market, sizeof(c->market)) ||
	    !mdx_market_known(c->exchange, c->market) ||
	    fcopy(&env[FE_SYMBOL], c->symbol, sizeof(c->symbol)) ||
	    fcopy(&env[FE_INTERVAL], code, sizeof(code)) ||
	    (c->interval = mdx_interval_lookup(code)) == NULL)
		return 0;
	/* Only raw klines come this way: trade candles. */
	c->price = MDX_PRICE_TRADE;
	c->has = 0;
	c->fetched_at = 0;
	v = &env[FE_FETCHED_AT];
	if (v->type == FV_STR) {
		if (mdx_time_parse_rfc3339(v->p, v->n, &c->fetched_at) != 0)
			return 0;
		c->has |= MDX_C_FETCHED_AT;
	} else if (v->type != FV_NONE && v->type != FV_NULL)
		return 0;
	closed = env[FE_CLOSED].type;

row:
	if (!el[0].isint || !el[6].isint || !el[8].isint)
		return 0;
	for (i = 0; i < sizeof(decs) / sizeof(decs[0]); i++)
		if (!el[decs[i]].isdec)
			return 0;
	c->base_count = c->base_expected = 0;
	c->origin = MDX_ORIGIN_EXCHANGE;
	c->open_time = mdx_time_from_epoch((int64_t)el[0].u);
	fdec(&c->open, &el[1]);
	fdec(&c->high, &el[2]);
	fdec(&c->low, &el[3]);
	fdec(&c->close, &el[4]);
	fdec(&c->volume, &el[5]);
	fdec(&c->quote_volume, &el[7]);
	c->trades = (int64_t)el[8].u;
	fdec(&c->taker_buy_volume, &el[9]);
	fdec(&c->taker_buy_quote_volume, &el[10]);
	c->has |= MDX_C_VOLUME | MDX_C_QUOTE_VOLUME | MDX_C_TRADES |
	    MDX_C_TAKER_BUY_VOLUME | MDX_C_TAKER_BUY_QUOTE_VOLUME;
	if (closed == FV_TRUE || closed == FV_FALSE)
		c->closed = closed == FV_TRUE;
	else if (c->has & MDX_C_FETCHED_AT)
		c->closed = c->fetched_at >=
		    mdx_time_from_epoch((int64_t)el[6].u) + 1;
	else
		return 0;
	if (mdx_candle_check(c, o->tmp_err, sizeof(o->tmp_err)) != 0)
		return 0;

	/* Keeps the envelope of a good line whose data came last. */
	if (last == FE_DATA && nspan <= MEMO_SPANS &&
	    (size_t)(data - line) >= 16 && (size_t)(data - line) <= MEMO_MAX) {
		if ((m = o->memo) == NULL)
			m = o->memo = mdx_calloc(1, sizeof(*m));
		m->len = data - line;
		memcpy(m->text, line, m->len);
		memset(m->free, 0, m->len);
		for (i = 0; i < nspan; i++)
			memset(m->free + (span[i] - line), 0xff, spanlen[i]);
		memcpy(m->exchange, c->exchange, sizeof(m->exchange));
		memcpy(m->market, c->market, sizeof(m->market));
		memcpy(m->symbol, c->symbol, sizeof(m->symbol));
		m->interval = c->interval;
		m->fetched_at = c->fetched_at;
		m->has = c->has & MDX_C_FETCHED_AT;
		m->closed = closed;
	}
	return MDX_TX_CANDLE;
}

void
mdx_tx_out_free(struct mdx_tx_out *o)
{
	free(o->memo);
	o->memo = NULL;
	mdx_buf_free(&o->line);
	mdx_buf_free(&o->tmp);
}
