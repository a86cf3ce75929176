/*
 * candle.h - canonical records (candle.c): the candle record of HACKING.md
 * "Canonical records", parsed into a fixed-size struct (no allocation per
 * record), validated and written back as one JSON line.  mdx-transform
 * writes them; mdx-load, mdx-aggregate and mdx-indicators read them.
 */
#ifndef MDX_CANDLE_H
#define MDX_CANDLE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "dec.h"
#include "utc.h"

#define MDX_SYMBOL_MAX 128	/* bytes of a symbol, NUL included */
#define MDX_NAME_MAX 32		/* bytes of an exchange or market code:
				   MDX_CODE_MAXLEN (market.h) and a NUL */
#define MDX_ERRSZ 160		/* room for a reason these functions give */

enum mdx_origin {
	MDX_ORIGIN_EXCHANGE,	/* an exchange's REST API */
	MDX_ORIGIN_ARCHIVE,	/* an exchange's public-data archive */
	MDX_ORIGIN_ROLLUP,	/* built from finer candles */
	MDX_ORIGIN_FILLED,	/* a gap filled by mdx-aggregate */
	MDX_ORIGIN_TRADES	/* built from trades by mdx-aggregate */
};

/*
 * The price a candle is made of: trades (the candles mdx has always kept),
 * or the exchange's mark, index or premium-index price.  A trade candle's
 * record has no "price" member; the others have it right after
 * "interval", and no volume, quote_volume, trades or taker members.
 */
enum mdx_price {
	MDX_PRICE_TRADE,
	MDX_PRICE_MARK,
	MDX_PRICE_INDEX,
	MDX_PRICE_PREMIUM
};

/* "trade", "mark", "index", "premium". */
const char *mdx_price_name(enum mdx_price p);
/* The price type named s[0..n), or -1. */
int mdx_price_parse(const char *s, size_t n);

/* Bits of mdx_candle.has: the optional members that are present (not
 * absent and not null). */
#define MDX_C_VOLUME		0x01
#define MDX_C_QUOTE_VOLUME	0x02
#define MDX_C_TRADES		0x04
#define MDX_C_TAKER_BUY_VOLUME	0x08
#define MDX_C_TAKER_BUY_QUOTE_VOLUME 0x10
#define MDX_C_FETCHED_AT	0x20
#define MDX_C_BASE_COUNT	0x40	/* base_count and base_expected */
#define MDX_C_PARTIAL		0x80	/* "partial":true */

struct mdx_candle {
	char exchange[MDX_NAME_MAX];
	char market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	const struct mdx_interval *interval;
	enum mdx_price price;		/* MDX_PRICE_TRADE unless "price" */
	mdx_time open_time;
	mdx_dec open, high, low, close;
	mdx_dec volume;			/* base units */
	mdx_dec quote_volume;		/* quote units */
	int64_t trades;
	mdx_dec taker_buy_volume;
	mdx_dec taker_buy_quote_volume;
	int closed;
	enum mdx_origin origin;
	mdx_time fetched_at;
	int base_count, base_expected;
	unsigned has;			/* MDX_C_* bits */
};

/*
 * Copies a JSON string node into dst (dstsz bytes, NUL included), escapes
 * undone.  Returns -1 for NULL (a missing member), a non-string, an empty string, one that does not
 * fit and one holding a NUL (which no C string and no PostgreSQL text can
 * carry).
 */
int mdx_json_strcpy(const struct mdx_json *v, char *dst, size_t dstsz);

/* "exchange", "archive", "rollup", "filled", "trades". */
const char *mdx_origin_name(enum mdx_origin o);
/* The origin named s[0..n), or -1. */
int mdx_origin_parse(const char *s, size_t n);

/*
 * Fills c from a parsed canonical candle record (an object whose "kind",
 * when present, is "candle").  Unknown members are ignored.  Returns 0, or
 * -1 with a reason naming the member in err (MDX_ERRSZ bytes), such as
 * "bad \"high\": not a decimal number".  Only the syntax is checked here;
 * mdx_candle_check() applies the rules.
 */
int mdx_candle_from_json(struct mdx_candle *c, const struct mdx_json *obj,
    char *err, size_t errsz);

/*
 * Parses one canonical candle line into c (candlescan.c) and
 * checks it with mdx_candle_check().  A fast scanner reads the flat
 * objects mdx-transform writes without building a tree; anything else
 * goes through mdx_json and mdx_candle_from_json(), which also word the
 * reasons.  Returns 0, or -1 with a reason in why.  doc is reused line
 * after line.
 */
int mdx_candle_parse(struct mdx_candle *c, const char *line, size_t len,
    struct mdx_json_doc *doc, char *why, size_t whysz);
/*
 * mdx_candle_parse() for a stream of lines (candlescan.c): the
 * scanner remembers the names, interval and date of the line before, so
 * that a line of the same series and day does not read them again.  The
 * same results, line for line, as mdx_candle_parse().
 */
struct mdx_candle_scan *mdx_candle_scan_new(void);
int mdx_candle_scan(struct mdx_candle_scan *sc, struct mdx_candle *c,
    const char *line, size_t len, char *why, size_t whysz);
void mdx_candle_scan_free(struct mdx_candle_scan *sc);

/*
 * The decimal reader of the candle scanner, for the scanners of other
 * canonical records (mdx-aggregate's trades): reads the plain decimal
 * string value at p (an optional '-', at most 18 digits with at most one
 * point between two of them) and its closing quote, in line s[0..e).
 * Returns the end past the quote, or NULL for anything else (an exponent,
 * more digits), which the caller hands to mdx_dec_parse().
 */
const char *mdx_scan_dec(const char *s, const char *p, const char *e,
    mdx_dec *d);

/*
 * The validation rules of a candle: exchange and market codes that
 * mdx_code_valid() takes, open_time
 * and fetched_at within MDX_TIME_STORABLE, open_time aligned to the
 * interval, high >= max(open, close), low <= min(open,
 * close), no negative price (but for a premium index, which is negative
 * when the contract trades below its index), volume, trade count or base
 * count.  Returns 0,
 * or -1 with the reason ("high < close") in err.
 */
int mdx_candle_check(const struct mdx_candle *c, char *err, size_t errsz);

/*
 * The identity of a depth or instrument record: "exchange" and "market"
 * (codes mdx_code_valid() takes) and "symbol", into ex and mk (MDX_NAME_MAX bytes) and
 * sym (MDX_SYMBOL_MAX).  Returns 0, or -1 with the reason in err, such as
 * "bad or missing \"symbol\"".
 */
int mdx_record_names(const struct mdx_json *obj, char *ex, char *mk,
    char *sym, char *err, size_t errsz);

/*
 * One order book level: an array whose first two elements are the price
 * and the quantity, both decimals greater than zero, into price and qty.
 * With canonical, the level must be exactly two JSON strings (the
 * canonical form); without, numbers and more elements (OKX sends four)
 * are allowed, as the exchanges send them.  Returns 0 or -1.
 */
int mdx_depth_level(const struct mdx_json *lv, int canonical, mdx_dec *price,
    mdx_dec *qty);

/* A canonical depth snapshot, checked; bids and asks point into the
 * parsed document. */
struct mdx_depth {
	char exchange[MDX_NAME_MAX];
	char market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	mdx_time time;
	const struct mdx_json *bids, *asks;
	int64_t update_id;
	int has_update_id;
};

/*
 * Fills d from a canonical depth record and checks it: the identity as
 * mdx_record_names() wants it, "time" an RFC 3339 time within
 * MDX_TIME_STORABLE, "bids" and "asks" arrays of levels that
 * mdx_depth_level() accepts in canonical form, "update_id" absent, null or
 * an integer of 0 to 2^63-1.  Returns 0, or -1 with the reason in err.
 */
int mdx_depth_from_json(struct mdx_depth *d, const struct mdx_json *obj,
    char *err, size_t errsz);

/*
 * Checks a canonical instrument record: the identity (into ex, mk, sym as
 * mdx_record_names() does), "base", "quote" and "status" absent, null or
 * strings of 1 to MDX_SYMBOL_MAX - 1 bytes, "tick_size", "lot_size" and
 * "contract_size" absent, null or decimals greater than zero.  Returns 0,
 * or -1 with the reason in err.
 */
int mdx_instrument_check(const struct mdx_json *obj, char *ex, char *mk,
    char *sym, char *err, size_t errsz);

/* Appends c as one canonical JSON line, without the newline, to b.  Absent
 * volume and quote_volume are written as null (left out, with the other
 * volumes, for a mark, index or premium candle); other absent optional
 * members are left out. */
void mdx_candle_to_json(const struct mdx_candle *c, struct mdx_buf *b);

/* Whether a and b are the same candle: exchange, market, symbol,
 * interval, price type and open_time equal. */
int mdx_candle_same_key(const struct mdx_candle *a, const struct mdx_candle *b);
/* A hash of that key, for hash tables. */
uint64_t mdx_candle_key_hash(const struct mdx_candle *c);

/*
 * The duplicate rule, shared by every program that drops duplicates: whether
 * the candle b, seen after a with the same key, replaces a.  A closed
 * candle wins over an open one; between two closed or two open ones, the
 * later fetched_at wins, and when that does not decide, the later one (b).
 */
int mdx_candle_supersedes(const struct mdx_candle *b,
    const struct mdx_candle *a);

#endif /* MDX_CANDLE_H */
