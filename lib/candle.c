/*
 * candle.c - the canonical candle record: parse, validate, write, and the
 * key and duplicate rules every program shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "hash.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "market.h"
#include "candle.h"

static const char *const origin_names[] = {
	"exchange", "archive", "rollup", "filled", "trades"
};

const char *
mdx_origin_name(enum mdx_origin o)
{
	if ((unsigned)o >= sizeof(origin_names) / sizeof(origin_names[0]))
		return "?";
	return origin_names[o];
}

int
mdx_origin_parse(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(origin_names) / sizeof(origin_names[0]); i++)
		if (strlen(origin_names[i]) == n &&
		    memcmp(origin_names[i], s, n) == 0)
			return (int)i;
	return -1;
}

static const char *const price_names[] = {
	"trade", "mark", "index", "premium"
};

const char *
mdx_price_name(enum mdx_price p)
{
	if ((unsigned)p >= sizeof(price_names) / sizeof(price_names[0]))
		return "?";
	return price_names[p];
}

int
mdx_price_parse(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(price_names) / sizeof(price_names[0]); i++)
		if (strlen(price_names[i]) == n &&
		    memcmp(price_names[i], s, n) == 0)
			return (int)i;
	return -1;
}

int
mdx_json_strcpy(const struct mdx_json *v, char *dst, size_t dstsz)
{
	static struct mdx_buf tmp = MDX_BUF_INIT;
	const char *s;
	size_t n;

	if (v == NULL || v->type != MDX_JSON_STRING)
		return -1;
	if (v->escaped) {
		if ((s = mdx_json_str(v, &tmp)) == NULL)
			return -1;
		n = tmp.len;
		if (strlen(s) != n)
			return -1;
	} else {
		s = v->text;
		n = v->len;
	}
	if (n == 0 || n >= dstsz)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int
get_dec(const struct mdx_json *v, mdx_dec *d, const char *name, char *err,
    size_t errsz)
{
	int e;

	if ((e = mdx_dec_from_json(d, v)) != MDX_DEC_OK)
		return mdx_errf(err, errsz, "bad \"%s\": %s", name,
		    mdx_dec_strerror(e));
	return 0;
}

static int
get_time(const struct mdx_json *v, mdx_time *t, const char *name, char *err,
    size_t errsz)
{
	if (v->type != MDX_JSON_STRING || v->escaped ||
	    mdx_time_parse_rfc3339(v->text, v->len, t) != 0)
		return mdx_errf(err, errsz, "bad \"%s\": not an RFC 3339 time",
		    name);
	return 0;
}

static int
get_int(const struct mdx_json *v, int64_t *i, const char *name, char *err,
    size_t errsz)
{
	if (v->type != MDX_JSON_NUMBER || mdx_json_int(v, i) != 0)
		return mdx_errf(err, errsz, "bad \"%s\": not an integer", name);
	return 0;
}

#define KEY(v, k) ((v)->keylen == sizeof(k) - 1 && \
	memcmp((v)->key, k, sizeof(k) - 1) == 0)

/* Required members, as bits of a mask, so that a missing one is named. */
enum {
	R_EXCHANGE = 1 << 0, R_MARKET = 1 << 1, R_SYMBOL = 1 << 2,
	R_INTERVAL = 1 << 3, R_OPEN_TIME = 1 << 4, R_OPEN = 1 << 5,
	R_HIGH = 1 << 6, R_LOW = 1 << 7, R_CLOSE = 1 << 8, R_CLOSED = 1 << 9,
	R_ORIGIN = 1 << 10, R_ALL = (1 << 11) - 1
};
static const char *const required_names[] = {
	"exchange", "market", "symbol", "interval", "open_time", "open",
	"high", "low", "close", "closed", "origin"
};

/*
 * One pass over the members (rather than a lookup per member), since this
 * runs once per candle in every program that reads candles.
 */
int
mdx_candle_from_json(struct mdx_candle *c, const struct mdx_json *obj,
    char *err, size_t errsz)
{
	const struct mdx_json *v;
	char code[8];
	int64_t i;
	unsigned seen, k;
	int o;

	if (obj == NULL || obj->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "not a JSON object");
	memset(c, 0, sizeof(*c));
	seen = 0;
	for (v = obj->child; v != NULL; v = v->next) {
		switch (v->keylen) {
		case 3:
			if (KEY(v, "low")) {
				if (get_dec(v, &c->low, "low", err, errsz))
					return -1;
				seen |= R_LOW;
			}
			break;
		case 4:
			if (KEY(v, "open")) {
				if (get_dec(v, &c->open, "open", err, errsz))
					return -1;
				seen |= R_OPEN;
			} else if (KEY(v, "high")) {
				if (get_dec(v, &c->high, "high", err, errsz))
					return -1;
				seen |= R_HIGH;
			} else if (KEY(v, "kind")) {
				if (!mdx_json_str_eq(v, "candle"))
					return mdx_errf(err, errsz,
					    "bad \"kind\": not \"candle\"");
			}
			break;
		case 5:
			if (KEY(v, "close")) {
				if (get_dec(v, &c->close, "close", err, errsz))
					return -1;
				seen |= R_CLOSE;
			} else if (KEY(v, "price")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (v->type != MDX_JSON_STRING ||
				    (o = mdx_price_parse(v->text, v->len)) < 0)
					return mdx_errf(err, errsz,
					    "bad \"price\": not \"trade\", "
					    "\"mark\", \"index\" or "
					    "\"premium\"");
				c->price = (enum mdx_price)o;
			}
			break;
		case 6:
			if (KEY(v, "market")) {
				if (mdx_json_strcpy(v, c->market,
				    sizeof(c->market)))
					return mdx_errf(err, errsz,
					    "bad \"market\"");
				seen |= R_MARKET;
			} else if (KEY(v, "symbol")) {
				if (mdx_json_strcpy(v, c->symbol,
				    sizeof(c->symbol)))
					return mdx_errf(err, errsz,
					    "bad \"symbol\": not a string "
					    "of 1 to %d bytes",
					    MDX_SYMBOL_MAX - 1);
				seen |= R_SYMBOL;
			} else if (KEY(v, "volume")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (get_dec(v, &c->volume, "volume", err,
				    errsz))
					return -1;
				c->has |= MDX_C_VOLUME;
			} else if (KEY(v, "closed")) {
				if (v->type != MDX_JSON_TRUE &&
				    v->type != MDX_JSON_FALSE)
					return mdx_errf(err, errsz,
					    "bad \"closed\": not true or "
					    "false");
				c->closed = v->type == MDX_JSON_TRUE;
				seen |= R_CLOSED;
			} else if (KEY(v, "origin")) {
				if (v->type != MDX_JSON_STRING || v->escaped ||
				    (o = mdx_origin_parse(v->text, v->len)) < 0)
					return mdx_errf(err, errsz,
					    "bad \"origin\": not exchange, "
					    "archive, rollup, filled or trades");
				c->origin = (enum mdx_origin)o;
				seen |= R_ORIGIN;
			} else if (KEY(v, "trades")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (get_int(v, &c->trades, "trades", err,
				    errsz))
					return -1;
				c->has |= MDX_C_TRADES;
			}
			break;
		case 7:
			if (KEY(v, "partial")) {
				if (v->type == MDX_JSON_TRUE)
					c->has |= MDX_C_PARTIAL;
				else if (v->type != MDX_JSON_FALSE &&
				    v->type != MDX_JSON_NULL)
					return mdx_errf(err, errsz,
					    "bad \"partial\": not true or "
					    "false");
			}
			break;
		case 8:
			if (KEY(v, "exchange")) {
				if (mdx_json_strcpy(v, c->exchange,
				    sizeof(c->exchange)))
					return mdx_errf(err, errsz,
					    "bad \"exchange\"");
				seen |= R_EXCHANGE;
			} else if (KEY(v, "interval")) {
				if (mdx_json_strcpy(v, code, sizeof(code)) ||
				    (c->interval = mdx_interval_lookup(code)) ==
				    NULL)
					return mdx_errf(err, errsz,
					    "bad \"interval\": not a known "
					    "interval");
				seen |= R_INTERVAL;
			}
			break;
		case 9:
			if (KEY(v, "open_time")) {
				if (get_time(v, &c->open_time, "open_time", err,
				    errsz))
					return -1;
				seen |= R_OPEN_TIME;
			}
			break;
		case 10:
			if (KEY(v, "fetched_at")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (get_time(v, &c->fetched_at, "fetched_at",
				    err, errsz))
					return -1;
				c->has |= MDX_C_FETCHED_AT;
			} else if (KEY(v, "base_count")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (get_int(v, &i, "base_count", err, errsz) ||
				    i < 0 || i > INT32_MAX)
					return mdx_errf(err, errsz,
					    "bad \"base_count\"");
				c->base_count = (int)i;
				c->has |= MDX_C_BASE_COUNT;
			}
			break;
		case 12:
			if (KEY(v, "quote_volume")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (get_dec(v, &c->quote_volume, "quote_volume",
				    err, errsz))
					return -1;
				c->has |= MDX_C_QUOTE_VOLUME;
			}
			break;
		case 13:
			if (KEY(v, "base_expected")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (get_int(v, &i, "base_expected", err,
				    errsz) ||
				    i <= 0 || i > INT32_MAX)
					return mdx_errf(err, errsz,
					    "bad \"base_expected\"");
				c->base_expected = (int)i;
			}
			break;
		case 16:
			if (KEY(v, "taker_buy_volume")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (get_dec(v, &c->taker_buy_volume,
				    "taker_buy_volume", err, errsz))
					return -1;
				c->has |= MDX_C_TAKER_BUY_VOLUME;
			}
			break;
		case 22:
			if (KEY(v, "taker_buy_quote_volume")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (get_dec(v, &c->taker_buy_quote_volume,
				    "taker_buy_quote_volume", err, errsz))
					return -1;
				c->has |= MDX_C_TAKER_BUY_QUOTE_VOLUME;
			}
			break;
		default:
			break;
		}
	}
	if (seen != R_ALL) {
		for (k = 0; (seen & (1u << k)) != 0; k++)
			;
		return mdx_errf(err, errsz, "missing \"%s\"", required_names[k]);
	}
	if ((c->has & MDX_C_BASE_COUNT) != 0 && c->base_expected == 0)
		return mdx_errf(err, errsz,
		    "\"base_count\" without \"base_expected\"");
	if ((c->has & MDX_C_BASE_COUNT) == 0 && c->base_expected != 0)
		return mdx_errf(err, errsz,
		    "\"base_expected\" without \"base_count\"");
	return 0;
}

/*
 * The exchange and market codes of a record: any code of the documented
 * pattern (mdx_code_valid()), not only the exchanges mdx fetches from, so
 * that imported data is a record like any other.
 */
static int
codes_check(const char *ex, const char *mk, char *err, size_t errsz)
{
	if (!mdx_code_valid(ex))
		return mdx_errf(err, errsz, "bad \"exchange\" \"%.40s\": not a "
		    "code ([a-z][a-z0-9_-]{0,30})", ex);
	if (!mdx_code_valid(mk))
		return mdx_errf(err, errsz, "bad \"market\" \"%.40s\": not a "
		    "code ([a-z][a-z0-9_-]{0,30})", mk);
	return 0;
}

int
mdx_candle_check(const struct mdx_candle *c, char *err, size_t errsz)
{
	static const struct {
		unsigned bit;
		size_t off;
		const char *name;
	} vols[] = {
		{ MDX_C_VOLUME, offsetof(struct mdx_candle, volume), "volume" },
		{ MDX_C_QUOTE_VOLUME, offsetof(struct mdx_candle, quote_volume),
		    "quote_volume" },
		{ MDX_C_TAKER_BUY_VOLUME,
		    offsetof(struct mdx_candle, taker_buy_volume),
		    "taker_buy_volume" },
		{ MDX_C_TAKER_BUY_QUOTE_VOLUME,
		    offsetof(struct mdx_candle, taker_buy_quote_volume),
		    "taker_buy_quote_volume" },
	};
	const mdx_dec *d;
	size_t i;

	if (codes_check(c->exchange, c->market, err, errsz) != 0)
		return -1;
	if (c->interval == NULL)
		return mdx_errf(err, errsz, "unknown interval");
	if (!MDX_TIME_STORABLE(c->open_time))
		return mdx_errf(err, errsz, "open_time out of range (years "
		    "1970 to 9999)");
	if ((c->has & MDX_C_FETCHED_AT) != 0 &&
	    !MDX_TIME_STORABLE(c->fetched_at))
		return mdx_errf(err, errsz, "fetched_at out of range (years "
		    "1970 to 9999)");
	if (!mdx_interval_aligned(c->interval, c->open_time))
		return mdx_errf(err, errsz, "open_time not aligned to %s",
		    c->interval->code);
	if (c->price != MDX_PRICE_PREMIUM && (mdx_dec_sign(&c->open) < 0 ||
	    mdx_dec_sign(&c->high) < 0 || mdx_dec_sign(&c->low) < 0 ||
	    mdx_dec_sign(&c->close) < 0))
		return mdx_errf(err, errsz, "negative price");
	if (mdx_dec_cmp(&c->high, &c->open) < 0)
		return mdx_errf(err, errsz, "high < open");
	if (mdx_dec_cmp(&c->high, &c->close) < 0)
		return mdx_errf(err, errsz, "high < close");
	if (mdx_dec_cmp(&c->low, &c->open) > 0)
		return mdx_errf(err, errsz, "low > open");
	if (mdx_dec_cmp(&c->low, &c->close) > 0)
		return mdx_errf(err, errsz, "low > close");
	for (i = 0; i < sizeof(vols) / sizeof(vols[0]); i++) {
		if ((c->has & vols[i].bit) == 0)
			continue;
		d = (const mdx_dec *)(const void *)((const char *)c +
		    vols[i].off);
		if (mdx_dec_sign(d) < 0)
			return mdx_errf(err, errsz, "negative %s", vols[i].name);
	}
	if ((c->has & MDX_C_TRADES) != 0 && c->trades < 0)
		return mdx_errf(err, errsz, "negative trades");
	return 0;
}

int
mdx_record_names(const struct mdx_json *obj, char *ex, char *mk, char *sym,
    char *err, size_t errsz)
{
	if (mdx_json_strcpy(mdx_json_get(obj, "exchange"), ex,
	    MDX_NAME_MAX) != 0)
		return mdx_errf(err, errsz, "bad or missing \"exchange\"");
	if (mdx_json_strcpy(mdx_json_get(obj, "market"), mk,
	    MDX_NAME_MAX) != 0)
		return mdx_errf(err, errsz, "bad or missing \"market\"");
	if (codes_check(ex, mk, err, errsz) != 0)
		return -1;
	if (mdx_json_strcpy(mdx_json_get(obj, "symbol"), sym,
	    MDX_SYMBOL_MAX) != 0)
		return mdx_errf(err, errsz, "bad or missing \"symbol\"");
	return 0;
}

int
mdx_depth_level(const struct mdx_json *lv, int canonical, mdx_dec *price,
    mdx_dec *qty)
{
	const struct mdx_json *p, *q;

	if (lv == NULL || lv->type != MDX_JSON_ARRAY || lv->nchild < 2 ||
	    (canonical && lv->nchild != 2))
		return -1;
	p = lv->child;
	q = p->next;
	if (canonical && (p->type != MDX_JSON_STRING ||
	    q->type != MDX_JSON_STRING))
		return -1;
	if (mdx_dec_from_json(price, p) != MDX_DEC_OK ||
	    mdx_dec_from_json(qty, q) != MDX_DEC_OK)
		return -1;
	if (mdx_dec_sign(price) <= 0 || mdx_dec_sign(qty) <= 0)
		return -1;
	return 0;
}

/* One side of a canonical book, every level checked. */
static int
depth_side(const struct mdx_json *side, const char *name, char *err,
    size_t errsz)
{
	const struct mdx_json *lv;
	mdx_dec p, q;
	unsigned i;

	if (side == NULL || side->type != MDX_JSON_ARRAY)
		return mdx_errf(err, errsz, "\"%s\" is not an array", name);
	for (i = 0, lv = side->child; lv != NULL; lv = lv->next, i++)
		if (mdx_depth_level(lv, 1, &p, &q) != 0)
			return mdx_errf(err, errsz, "bad level %s[%u]: not "
			    "[price, quantity] of two positive decimal "
			    "strings", name, i);
	return 0;
}

int
mdx_depth_from_json(struct mdx_depth *d, const struct mdx_json *obj,
    char *err, size_t errsz)
{
	const struct mdx_json *v;

	memset(d, 0, sizeof(*d));
	if (obj == NULL || obj->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "not a JSON object");
	if (mdx_record_names(obj, d->exchange, d->market, d->symbol, err,
	    errsz) != 0)
		return -1;
	v = mdx_json_get(obj, "time");
	if (v == NULL || get_time(v, &d->time, "time", err, errsz) != 0)
		return mdx_errf(err, errsz, "bad or missing \"time\"");
	if (!MDX_TIME_STORABLE(d->time))
		return mdx_errf(err, errsz, "time out of range (years 1970 "
		    "to 9999)");
	d->bids = mdx_json_get(obj, "bids");
	d->asks = mdx_json_get(obj, "asks");
	if (depth_side(d->bids, "bids", err, errsz) != 0 ||
	    depth_side(d->asks, "asks", err, errsz) != 0)
		return -1;
	v = mdx_json_get(obj, "update_id");
	if (v != NULL && v->type != MDX_JSON_NULL) {
		if (v->type != MDX_JSON_NUMBER ||
		    mdx_json_int(v, &d->update_id) != 0 || d->update_id < 0)
			return mdx_errf(err, errsz, "bad \"update_id\": not "
			    "an integer of 0 to 2^63-1");
		d->has_update_id = 1;
	}
	return 0;
}

int
mdx_instrument_check(const struct mdx_json *obj, char *ex, char *mk,
    char *sym, char *err, size_t errsz)
{
	static const char *const decs[] = { "tick_size", "lot_size",
	    "contract_size" };
	static const char *const strs[] = { "base", "quote", "status" };
	const struct mdx_json *v;
	char tmp[MDX_SYMBOL_MAX];
	mdx_dec d;
	size_t i;

	if (obj == NULL || obj->type != MDX_JSON_OBJECT)
		return mdx_errf(err, errsz, "not a JSON object");
	if (mdx_record_names(obj, ex, mk, sym, err, errsz) != 0)
		return -1;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		v = mdx_json_get(obj, strs[i]);
		if (v != NULL && v->type != MDX_JSON_NULL &&
		    mdx_json_strcpy(v, tmp, sizeof(tmp)) != 0)
			return mdx_errf(err, errsz, "bad \"%s\": not null or "
			    "a string of 1 to %d bytes", strs[i],
			    MDX_SYMBOL_MAX - 1);
	}
	for (i = 0; i < sizeof(decs) / sizeof(decs[0]); i++) {
		v = mdx_json_get(obj, decs[i]);
		if (v != NULL && v->type != MDX_JSON_NULL &&
		    (mdx_dec_from_json(&d, v) != MDX_DEC_OK ||
		    mdx_dec_sign(&d) <= 0))
			return mdx_errf(err, errsz, "bad \"%s\": not null or "
			    "a positive decimal", decs[i]);
	}
	return 0;
}

/*
 * The writer runs once per candle in every program that writes candles, so
 * it writes straight into the buffer after making room once (the longest
 * line is bounded: fixed text, three names, eight decimals, two times).
 */
#define PUT(p, lit) \
	(memcpy((p), (lit), sizeof(lit) - 1), (p) += sizeof(lit) - 1)

static char *
put_dec(char *p, const char *key, size_t keylen, const mdx_dec *d)
{
	memcpy(p, key, keylen);
	p += keylen;
	*p++ = '"';
	p += mdx_dec_format(d, p);
	*p++ = '"';
	return p;
}

/*
 * mdx_time_format() works out the calendar date every time, which costs
 * more than the rest of a time; a stream's times mostly fall on the day of
 * the time before, so each time member keeps the date text of the day it
 * last wrote (thread-local, as the writer may run in several threads), and
 * only the time of day is written when the day is the same.  The date is
 * everything up to the 'T'.
 */
#define TIME_MAX_CACHED MDX_TIME_END

struct day_cache {
	mdx_time start;		/* the day's first millisecond */
	int len;		/* bytes of date, 'T' included; 0 none */
	char date[MDX_TIME_BUFSZ];
};

static char *
put2(char *p, int v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *
put_time(char *p, const char *key, size_t keylen, mdx_time t,
    struct day_cache *dc)
{
	const char *tee;
	int64_t rem;
	int n;

	memcpy(p, key, keylen);
	p += keylen;
	*p++ = '"';
	if (dc->len == 0 || t < dc->start ||
	    (uint64_t)t - (uint64_t)dc->start >= (uint64_t)MDX_MS_DAY) {
		n = mdx_time_format(t, p);
		/* Kept for the years 1970 to 9999 alone, where nothing
		 * overflows. */
		if (t >= 0 && t < TIME_MAX_CACHED &&
		    (tee = memchr(p, 'T', n)) != NULL) {
			dc->len = (int)(tee + 1 - p);
			memcpy(dc->date, p, dc->len);
			dc->start = mdx_floordiv(t, MDX_MS_DAY) * MDX_MS_DAY;
		}
		p += n;
		*p++ = '"';
		return p;
	}
	memcpy(p, dc->date, dc->len);
	p += dc->len;
	rem = t - dc->start;
	p = put2(p, (int)(rem / MDX_MS_HOUR));
	*p++ = ':';
	p = put2(p, (int)(rem / MDX_MS_MINUTE % 60));
	*p++ = ':';
	p = put2(p, (int)(rem / 1000 % 60));
	if (rem % 1000 != 0) {
		*p++ = '.';
		*p++ = (char)('0' + rem % 1000 / 100);
		p = put2(p, (int)(rem % 100));
	}
	*p++ = 'Z';
	*p++ = '"';
	return p;
}

/* Appends s as a JSON string at p, escaping through the buffer only when
 * some character needs it. */
static char *
put_str(struct mdx_buf *b, char *p, const char *s)
{
	const char *end, *q;
	size_t n;

	n = strlen(s);
	end = s + n;
	/* Non-ASCII bytes need no escape; the rest of what stops the
	 * skip does. */
	for (q = mdx_json_skip_plain(s, end); q < end; q++)
		if ((unsigned char)*q < 0x20 || *q == '"' || *q == '\\')
			break;
	if (q == end) {
		*p++ = '"';
		memcpy(p, s, n);
		p += n;
		*p++ = '"';
		return p;
	}
	b->len = p - b->data;
	mdx_buf_add_json_str(b, s, n);
	mdx_buf_grow(b, 1024 + 6 * (MDX_SYMBOL_MAX + 2 * MDX_NAME_MAX));
	return b->data + b->len;
}

/* Appends a decimal integer (sprintf is a tenth of the writer's time). */
static char *
put_int(char *p, int64_t v)
{
	char tmp[48], *q = tmp + 24;
	uint64_t u;

	u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--q = '-';
	/* Twenty bytes whatever the length: p has room, and a copy of a
	 * fixed size is cheaper. */
	memcpy(p, q, 20);
	return p + (tmp + 24 - q);
}

#define DEC(p, k, d) ((p) = put_dec((p), k, sizeof(k) - 1, (d)))
#define TIME(p, k, t, dc) ((p) = put_time((p), k, sizeof(k) - 1, (t), (dc)))

void
mdx_candle_to_json(const struct mdx_candle *c, struct mdx_buf *b)
{
	static _Thread_local struct day_cache open_day, fetched_day;
	const char *o;
	char *p;

	/* Names are at most 6 bytes per input byte when escaped. */
	mdx_buf_grow(b, 1024 + 6 * (MDX_SYMBOL_MAX + 2 * MDX_NAME_MAX));
	p = b->data + b->len;
	PUT(p, "{\"kind\":\"candle\",\"exchange\":");
	p = put_str(b, p, c->exchange);
	PUT(p, ",\"market\":");
	p = put_str(b, p, c->market);
	PUT(p, ",\"symbol\":");
	p = put_str(b, p, c->symbol);
	PUT(p, ",\"interval\":\"");
	memcpy(p, c->interval->code, strlen(c->interval->code));
	p += strlen(c->interval->code);
	*p++ = '"';
	if (c->price != MDX_PRICE_TRADE) {
		PUT(p, ",\"price\":\"");
		o = mdx_price_name(c->price);
		memcpy(p, o, strlen(o));
		p += strlen(o);
		*p++ = '"';
	}
	TIME(p, ",\"open_time\":", c->open_time, &open_day);
	DEC(p, ",\"open\":", &c->open);
	DEC(p, ",\"high\":", &c->high);
	DEC(p, ",\"low\":", &c->low);
	DEC(p, ",\"close\":", &c->close);
	/* A mark, index or premium candle has no volumes at all. */
	if (c->price == MDX_PRICE_TRADE) {
		if (c->has & MDX_C_VOLUME)
			DEC(p, ",\"volume\":", &c->volume);
		else
			PUT(p, ",\"volume\":null");
		if (c->has & MDX_C_QUOTE_VOLUME)
			DEC(p, ",\"quote_volume\":", &c->quote_volume);
		else
			PUT(p, ",\"quote_volume\":null");
		if (c->has & MDX_C_TRADES) {
			PUT(p, ",\"trades\":");
			p = put_int(p, c->trades);
		}
		if (c->has & MDX_C_TAKER_BUY_VOLUME)
			DEC(p, ",\"taker_buy_volume\":", &c->taker_buy_volume);
		if (c->has & MDX_C_TAKER_BUY_QUOTE_VOLUME)
			DEC(p, ",\"taker_buy_quote_volume\":",
			    &c->taker_buy_quote_volume);
	}
	if (c->closed)
		PUT(p, ",\"closed\":true,\"origin\":\"");
	else
		PUT(p, ",\"closed\":false,\"origin\":\"");
	o = mdx_origin_name(c->origin);
	memcpy(p, o, strlen(o));
	p += strlen(o);
	*p++ = '"';
	if (c->has & MDX_C_FETCHED_AT)
		TIME(p, ",\"fetched_at\":", c->fetched_at, &fetched_day);
	if (c->has & MDX_C_BASE_COUNT) {
		PUT(p, ",\"base_count\":");
		p = put_int(p, c->base_count);
		PUT(p, ",\"base_expected\":");
		p = put_int(p, c->base_expected);
	}
	if (c->has & MDX_C_PARTIAL)
		PUT(p, ",\"partial\":true");
	*p++ = '}';
	*p = '\0';
	b->len = p - b->data;
}

int
mdx_candle_same_key(const struct mdx_candle *a, const struct mdx_candle *b)
{
	return a->open_time == b->open_time && a->interval == b->interval &&
	    a->price == b->price && strcmp(a->symbol, b->symbol) == 0 &&
	    strcmp(a->market, b->market) == 0 &&
	    strcmp(a->exchange, b->exchange) == 0;
}

/* The interval is identified by its table entry, so hashing its code is
 * enough. */
uint64_t
mdx_candle_key_hash(const struct mdx_candle *c)
{
	uint64_t h = MDX_FNV1A_BASIS;

	h = mdx_fnv1a(h, c->exchange, strlen(c->exchange) + 1);
	h = mdx_fnv1a(h, c->market, strlen(c->market) + 1);
	h = mdx_fnv1a(h, c->symbol, strlen(c->symbol) + 1);
	if (c->interval != NULL)
		h = mdx_fnv1a(h, c->interval->code,
		    strlen(c->interval->code) + 1);
	if (c->price != MDX_PRICE_TRADE)
		h = mdx_fnv1a(h, &c->price, sizeof(c->price));
	h = mdx_fnv1a(h, &c->open_time, sizeof(c->open_time));
	return h;
}

int
mdx_candle_supersedes(const struct mdx_candle *b, const struct mdx_candle *a)
{
	if (b->closed != a->closed)
		return b->closed;
	if ((a->has & b->has & MDX_C_FETCHED_AT) != 0 &&
	    a->fetched_at != b->fetched_at)
		return b->fetched_at > a->fetched_at;
	return 1;
}
