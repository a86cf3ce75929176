/*
 * candle.c - the canonical candle record: parse, validate, write, and the
 * key and duplicate rules every program shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mdx.h"

static const char *const origin_names[] = {
	"exchange", "archive", "rollup", "filled"
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

static int
fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Copies a string node into dst (dstsz bytes, NUL included), undoing
 * escapes.  Fails on a non-string, an empty string, one too long, and one
 * holding a NUL (which no C string, and no PostgreSQL text, can carry).
 */
static int
copy_str(const struct mdx_json *v, char *dst, size_t dstsz)
{
	static struct mdx_buf tmp = MDX_BUF_INIT;
	const char *s;
	size_t n;

	if (v->type != MDX_JSON_STRING)
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
		return fail(err, errsz, "bad \"%s\": %s", name,
		    mdx_dec_strerror(e));
	return 0;
}

static int
get_time(const struct mdx_json *v, mdx_time *t, const char *name, char *err,
    size_t errsz)
{
	if (v->type != MDX_JSON_STRING || v->escaped ||
	    mdx_time_parse_rfc3339(v->text, v->len, t) != 0)
		return fail(err, errsz, "bad \"%s\": not an RFC 3339 time",
		    name);
	return 0;
}

static int
get_int(const struct mdx_json *v, int64_t *i, const char *name, char *err,
    size_t errsz)
{
	if (v->type != MDX_JSON_NUMBER || mdx_json_int(v, i) != 0)
		return fail(err, errsz, "bad \"%s\": not an integer", name);
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
		return fail(err, errsz, "not a JSON object");
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
					return fail(err, errsz,
					    "bad \"kind\": not \"candle\"");
			}
			break;
		case 5:
			if (KEY(v, "close")) {
				if (get_dec(v, &c->close, "close", err, errsz))
					return -1;
				seen |= R_CLOSE;
			}
			break;
		case 6:
			if (KEY(v, "market")) {
				if (copy_str(v, c->market, sizeof(c->market)))
					return fail(err, errsz,
					    "bad \"market\"");
				seen |= R_MARKET;
			} else if (KEY(v, "symbol")) {
				if (copy_str(v, c->symbol, sizeof(c->symbol)))
					return fail(err, errsz, "bad \"symbol\": "
					    "not a string of 1 to %d bytes",
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
					return fail(err, errsz,
					    "bad \"closed\": not true or false");
				c->closed = v->type == MDX_JSON_TRUE;
				seen |= R_CLOSED;
			} else if (KEY(v, "origin")) {
				if (v->type != MDX_JSON_STRING || v->escaped ||
				    (o = mdx_origin_parse(v->text, v->len)) < 0)
					return fail(err, errsz, "bad \"origin\": "
					    "not exchange, archive, rollup or "
					    "filled");
				c->origin = (enum mdx_origin)o;
				seen |= R_ORIGIN;
			} else if (KEY(v, "trades")) {
				if (v->type == MDX_JSON_NULL)
					break;
				if (get_int(v, &c->trades, "trades", err, errsz))
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
					return fail(err, errsz, "bad \"partial\": "
					    "not true or false");
			}
			break;
		case 8:
			if (KEY(v, "exchange")) {
				if (copy_str(v, c->exchange, sizeof(c->exchange)))
					return fail(err, errsz,
					    "bad \"exchange\"");
				seen |= R_EXCHANGE;
			} else if (KEY(v, "interval")) {
				if (copy_str(v, code, sizeof(code)) ||
				    (c->interval = mdx_interval_lookup(code)) ==
				    NULL)
					return fail(err, errsz, "bad \"interval\": "
					    "not a known interval");
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
					return fail(err, errsz,
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
				if (get_int(v, &i, "base_expected", err, errsz) ||
				    i <= 0 || i > INT32_MAX)
					return fail(err, errsz,
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
		return fail(err, errsz, "missing \"%s\"", required_names[k]);
	}
	if ((c->has & MDX_C_BASE_COUNT) != 0 && c->base_expected == 0)
		return fail(err, errsz, "\"base_count\" without \"base_expected\"");
	if ((c->has & MDX_C_BASE_COUNT) == 0 && c->base_expected != 0)
		return fail(err, errsz, "\"base_expected\" without \"base_count\"");
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

	if (!mdx_market_known(c->exchange, c->market))
		return fail(err, errsz, "unknown exchange and market \"%s %s\"",
		    c->exchange, c->market);
	if (c->interval == NULL)
		return fail(err, errsz, "unknown interval");
	if (!mdx_interval_aligned(c->interval, c->open_time))
		return fail(err, errsz, "open_time not aligned to %s",
		    c->interval->code);
	if (mdx_dec_sign(&c->open) < 0 || mdx_dec_sign(&c->high) < 0 ||
	    mdx_dec_sign(&c->low) < 0 || mdx_dec_sign(&c->close) < 0)
		return fail(err, errsz, "negative price");
	if (mdx_dec_cmp(&c->high, &c->open) < 0)
		return fail(err, errsz, "high < open");
	if (mdx_dec_cmp(&c->high, &c->close) < 0)
		return fail(err, errsz, "high < close");
	if (mdx_dec_cmp(&c->low, &c->open) > 0)
		return fail(err, errsz, "low > open");
	if (mdx_dec_cmp(&c->low, &c->close) > 0)
		return fail(err, errsz, "low > close");
	for (i = 0; i < sizeof(vols) / sizeof(vols[0]); i++) {
		if ((c->has & vols[i].bit) == 0)
			continue;
		d = (const mdx_dec *)(const void *)((const char *)c +
		    vols[i].off);
		if (mdx_dec_sign(d) < 0)
			return fail(err, errsz, "negative %s", vols[i].name);
	}
	if ((c->has & MDX_C_TRADES) != 0 && c->trades < 0)
		return fail(err, errsz, "negative trades");
	return 0;
}

static void
add_dec(struct mdx_buf *b, const char *key, const mdx_dec *d)
{
	mdx_buf_addstr(b, key);
	mdx_buf_addch(b, '"');
	mdx_dec_add_to_buf(b, d);
	mdx_buf_addch(b, '"');
}

static void
add_time(struct mdx_buf *b, const char *key, mdx_time t)
{
	char tb[MDX_TIME_BUFSZ];
	int n;

	n = mdx_time_format(t, tb);
	mdx_buf_addstr(b, key);
	mdx_buf_addch(b, '"');
	mdx_buf_add(b, tb, (size_t)n);
	mdx_buf_addch(b, '"');
}

void
mdx_candle_to_json(const struct mdx_candle *c, struct mdx_buf *b)
{
	mdx_buf_addstr(b, "{\"kind\":\"candle\",\"exchange\":");
	mdx_buf_add_json_str(b, c->exchange, strlen(c->exchange));
	mdx_buf_addstr(b, ",\"market\":");
	mdx_buf_add_json_str(b, c->market, strlen(c->market));
	mdx_buf_addstr(b, ",\"symbol\":");
	mdx_buf_add_json_str(b, c->symbol, strlen(c->symbol));
	mdx_buf_addstr(b, ",\"interval\":\"");
	mdx_buf_addstr(b, c->interval->code);
	mdx_buf_addch(b, '"');
	add_time(b, ",\"open_time\":", c->open_time);
	add_dec(b, ",\"open\":", &c->open);
	add_dec(b, ",\"high\":", &c->high);
	add_dec(b, ",\"low\":", &c->low);
	add_dec(b, ",\"close\":", &c->close);
	if (c->has & MDX_C_VOLUME)
		add_dec(b, ",\"volume\":", &c->volume);
	else
		mdx_buf_addstr(b, ",\"volume\":null");
	if (c->has & MDX_C_QUOTE_VOLUME)
		add_dec(b, ",\"quote_volume\":", &c->quote_volume);
	else
		mdx_buf_addstr(b, ",\"quote_volume\":null");
	if (c->has & MDX_C_TRADES)
		mdx_buf_printf(b, ",\"trades\":%lld", (long long)c->trades);
	if (c->has & MDX_C_TAKER_BUY_VOLUME)
		add_dec(b, ",\"taker_buy_volume\":", &c->taker_buy_volume);
	if (c->has & MDX_C_TAKER_BUY_QUOTE_VOLUME)
		add_dec(b, ",\"taker_buy_quote_volume\":",
		    &c->taker_buy_quote_volume);
	mdx_buf_addstr(b, c->closed ? ",\"closed\":true" : ",\"closed\":false");
	mdx_buf_addstr(b, ",\"origin\":\"");
	mdx_buf_addstr(b, mdx_origin_name(c->origin));
	mdx_buf_addch(b, '"');
	if (c->has & MDX_C_FETCHED_AT)
		add_time(b, ",\"fetched_at\":", c->fetched_at);
	if (c->has & MDX_C_BASE_COUNT)
		mdx_buf_printf(b, ",\"base_count\":%d,\"base_expected\":%d",
		    c->base_count, c->base_expected);
	if (c->has & MDX_C_PARTIAL)
		mdx_buf_addstr(b, ",\"partial\":true");
	mdx_buf_addch(b, '}');
}

int
mdx_candle_same_key(const struct mdx_candle *a, const struct mdx_candle *b)
{
	return a->open_time == b->open_time && a->interval == b->interval &&
	    strcmp(a->symbol, b->symbol) == 0 &&
	    strcmp(a->market, b->market) == 0 &&
	    strcmp(a->exchange, b->exchange) == 0;
}

/* FNV-1a over the key's bytes; the interval is identified by its table
 * entry, so hashing its code is enough. */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0) {
		h ^= *s++;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

uint64_t
mdx_candle_key_hash(const struct mdx_candle *c)
{
	uint64_t h = UINT64_C(14695981039346656037);

	h = fnv(h, c->exchange, strlen(c->exchange) + 1);
	h = fnv(h, c->market, strlen(c->market) + 1);
	h = fnv(h, c->symbol, strlen(c->symbol) + 1);
	if (c->interval != NULL)
		h = fnv(h, c->interval->code, strlen(c->interval->code) + 1);
	h = fnv(h, &c->open_time, sizeof(c->open_time));
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
