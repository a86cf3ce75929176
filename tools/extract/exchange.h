/*
 * exchange.h - exchanges (exchange.c, with Kraken's and Coinbase
 * Exchange's specifics in kraken.c and coinbase.c): what mdx-extract knows
 * about the public REST APIs of Binance, Bybit, OKX, Kraken and Coinbase
 * Exchange: base URLs, interval spellings,
 * request paths, weights and rate limits, and the shapes of answers and
 * error bodies.  HACKING.md "Raw records" gives the records built from them.
 */
#ifndef MDX_EXCHANGE_H
#define MDX_EXCHANGE_H

#include "buf.h"
#include "json.h"
#include "utc.h"

enum mdx_kind {
	MDX_KIND_KLINES,
	MDX_KIND_DEPTH,
	MDX_KIND_INSTRUMENTS,
	MDX_KIND_TRADES,
	MDX_KIND_MARK_KLINES,
	MDX_KIND_INDEX_KLINES,
	MDX_KIND_PREMIUM_KLINES,
	MDX_KIND_FUNDING,
	MDX_KIND_OPEN_INTEREST
};

/* "klines", "depth", "instruments", "trades", "mark_klines",
 * "index_klines", "premium_klines", "funding", "open_interest";
 * mdx_kind_lookup() returns -1 when the name is unknown. */
const char *mdx_kind_name(enum mdx_kind k);
int mdx_kind_lookup(const char *name);
/* Whether kind is a series over time, fetched range by range (every kind
 * but depth, instruments and trades, which follow a cursor). */
int mdx_kind_ranged(enum mdx_kind k);
/* Whether kind is a kind of candles: klines, mark, index or premium. */
int mdx_kind_candles(enum mdx_kind k);
/* Whether kind's records name an interval: candles, and open interest
 * (its period). */
int mdx_kind_has_interval(enum mdx_kind k);

/*
 * A rate limit shared by the requests that count against it: Binance's
 * request weight per minute (spot and USD-M apart, tracked from the
 * X-MBX-USED-WEIGHT-1M header), Bybit's 600 requests per 5 s, OKX's 20 or
 * 40 requests per 2 s per endpoint.
 */
struct mdx_ratelimit {
	const char *name;	/* "binance spot", "okx history-candles" */
	const char *exchange;	/* a pause after a 429 holds for all of an
				   exchange's limits */
	int limit;		/* weight or requests per period */
	int64_t period;		/* ms */
	int fixed_window;	/* windows aligned to multiples of period
				   (Binance), else a sliding window */
	const char *used_header; /* the header giving the weight used */
	int forbidden_is_limit;	/* HTTP 403 means "too frequent" (Bybit) */
};

enum mdx_exchange_id { MDX_BINANCE, MDX_BYBIT, MDX_OKX, MDX_KRAKEN,
	MDX_COINBASE, MDX_NEXCHANGE };

struct mdx_market {
	const char *exchange;	/* binance */
	const char *market;	/* spot */
	enum mdx_exchange_id id;
	const char *url_env;	/* MDX_BINANCE_URL */
	const char *url_default; /* https://api.binance.com */
	const char *category;	/* the market as the exchange spells it in
				   requests: Bybit category, OKX instType */
	int page;		/* klines rows per request: the limit that
				   gives the most rows per unit of weight */
	int newest_first;	/* klines answers come newest first */
	int depth_default;	/* order book levels asked for by default */
	int depth_max;
	const struct mdx_ratelimit *rl_klines, *rl_history, *rl_depth,
	    *rl_info;
	int history;		/* klines: only the latest `history` candles
				   are served (Kraken: 720); 0: all */
	int to_newest;		/* a klines answer runs from the start asked
				   for to the newest candle, whatever the
				   end (Kraken): one answer completes a
				   window, rows past it are passed over */
	int trades;		/* kind trades is served (Kraken) */
};

/* Whether market m serves kind (derivatives data: Binance USD-M, Bybit
 * linear and inverse, OKX swaps; no premium index on Bybit inverse and
 * OKX). */
int mdx_market_offers(const struct mdx_market *m, enum mdx_kind kind);
/* The rows asked for per request of a ranged kind on m. */
int mdx_market_page(const struct mdx_market *m, enum mdx_kind kind);
/* The exchange's spelling of an open-interest period ("5m", Bybit "5min",
 * OKX "1H"), or NULL when it has no such period. */
const char *mdx_market_oi_period(const struct mdx_market *m,
    const struct mdx_interval *iv);
/* How far back m keeps open-interest history, in ms, or 0 when it does
 * not say (Binance: the latest 30 days). */
int64_t mdx_market_oi_depth(const struct mdx_market *m);

/* The market, or NULL when exchange/market is not one mdx knows. */
const struct mdx_market *mdx_market_lookup(const char *exchange,
    const char *market);
/* Every market, ending with a NULL exchange. */
extern const struct mdx_market mdx_markets[];
/* The base URL: the environment variable when set, else the default. */
const char *mdx_market_url(const struct mdx_market *m);
/*
 * The exchange's spelling of an interval ("1m", Bybit "1", OKX "1Dutc"),
 * or NULL when the exchange has no such interval.  OKX bars of 6h and
 * longer are asked for in their UTC variants, so that every interval
 * starts where mdx_interval_floor() says.
 */
const char *mdx_market_interval(const struct mdx_market *m,
    const struct mdx_interval *iv);

/* A request: its path with query (no host), what it costs and against
 * which limit. */
struct mdx_request {
	struct mdx_buf path;
	const struct mdx_ratelimit *rl;
	int weight;
};

/*
 * The klines request for the candles opening in [lo, hi), at most
 * m->page of them (the caller keeps hi - lo within a page).  now picks
 * OKX's recent or history endpoint.
 */
void mdx_request_klines(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *iv, mdx_time lo, mdx_time hi, mdx_time now,
    struct mdx_request *r);
/*
 * The request of a ranged kind other than klines (mark, index and premium
 * klines, funding, open interest) for the rows with times in [lo, hi), at
 * most mdx_market_page() of them.  iv is the interval (candles) or period
 * (open interest); unused for funding.
 */
void mdx_request_series(const struct mdx_market *m, enum mdx_kind kind,
    const char *symbol, const struct mdx_interval *iv, mdx_time lo,
    mdx_time hi, struct mdx_request *r);
/* The order book request; levels <= 0 asks for m->depth_default. */
void mdx_request_depth(const struct mdx_market *m, const char *symbol,
    int levels, struct mdx_request *r);
/* The instruments request; cursor is Bybit's nextPageCursor or NULL. */
void mdx_request_instruments(const struct mdx_market *m, const char *cursor,
    struct mdx_request *r);

/* What an answer turned out to be. */
enum mdx_answer {
	MDX_ANSWER_OK = 0,	/* *payload is the data */
	MDX_ANSWER_BAD,		/* not JSON or not the expected shape: retry */
	MDX_ANSWER_TRANSIENT,	/* an exchange error that says "try again" */
	MDX_ANSWER_LIMITED,	/* the exchange says too many requests */
	MDX_ANSWER_ERROR	/* an exchange error body: give up; *status
				   is MDX_EX_USAGE for an unknown symbol,
				   interval or parameter, else
				   MDX_EX_UNAVAILABLE */
};

/*
 * Checks an answer (HTTP status http, body[0..n), already parsed into
 * root, NULL when it is not JSON) and finds its payload: klines the rows
 * array, depth the order book object, instruments the list.  On anything
 * but MDX_ANSWER_OK, why holds the reason, quoting the exchange's own
 * code and message when it gave one.
 */
enum mdx_answer mdx_answer_check(const struct mdx_market *m,
    enum mdx_kind kind, long http, const struct mdx_json *root,
    const struct mdx_json **payload, int *status, char *why, size_t whysz);

/*
 * One klines row: its open time and whether the candle was closed when
 * fetched.  Returns 0, or -1 with the reason when the row does not have
 * the exchange's shape.
 */
int mdx_kline_row(const struct mdx_market *m, const struct mdx_interval *iv,
    const struct mdx_json *row, mdx_time fetched, mdx_time *open,
    int *closed, char *why, size_t whysz);
/*
 * One row of a ranged kind (mdx_kind_ranged()): its time (the open time
 * of a candle, a funding time, an open-interest sample time) and, for
 * candles, whether it was closed when fetched (else *closed is 1).
 * Returns 0, or -1 with the reason when the row does not have the
 * exchange's shape.  Klines rows go to mdx_kline_row().
 */
int mdx_series_row(const struct mdx_market *m, enum mdx_kind kind,
    const struct mdx_interval *iv, const struct mdx_json *row,
    mdx_time fetched, mdx_time *t, int *closed, char *why, size_t whysz);
/* The time of an order book snapshot: the exchange's timestamp when it
 * gives one, else fetched. */
mdx_time mdx_depth_time(const struct mdx_market *m,
    const struct mdx_json *book, mdx_time fetched);
/* The symbol of one instrument object, or NULL. */
const struct mdx_json *mdx_instrument_symbol(const struct mdx_market *m,
    const struct mdx_json *inst);
/* Bybit's cursor to the next page of instruments, or NULL at the end. */
const struct mdx_json *mdx_instruments_cursor(const struct mdx_market *m,
    const struct mdx_json *root);

/*
 * Checks that row is an array of strlen(types) fields, field i a JSON
 * number where types[i] is 'n' and a string where it is 's'.  Returns 0,
 * or -1 with the reason, such as "field 3 is not a string".
 */
int mdx_row_shape(const struct mdx_json *row, const char *types, char *why,
    size_t whysz);
/*
 * The open time of a row whose time t is a JSON number of seconds
 * (Kraken, Coinbase): within the years mdx stores and aligned to iv; the
 * candle is closed when its end is not after fetched.  Returns 0, or -1
 * with the reason.
 */
int mdx_row_open_seconds(const struct mdx_interval *iv,
    const struct mdx_json *t, mdx_time fetched, mdx_time *open, int *closed,
    char *why, size_t whysz);

/*
 * Kraken (kraken.c).  Answers are {"error":[...],"result":{...}}: errors
 * are "Category:Message" strings, with HTTP 200.  OHLC and Trades give
 * their rows in the one result member named after the pair (XXBTZUSD for
 * the altname XBTUSD), beside "last".
 */
const char *mdx_kraken_interval(const struct mdx_interval *iv);
void mdx_kraken_request_klines(const struct mdx_market *m,
    const char *symbol, const struct mdx_interval *iv, mdx_time lo,
    struct mdx_request *r);
void mdx_kraken_request_instruments(const struct mdx_market *m,
    struct mdx_request *r);
enum mdx_answer mdx_kraken_check(enum mdx_kind kind, long http,
    const struct mdx_json *root, const struct mdx_json **payload,
    int *status, char *why, size_t whysz);
int mdx_kraken_kline_row(const struct mdx_interval *iv,
    const struct mdx_json *row, mdx_time fetched, mdx_time *open,
    int *closed, char *why, size_t whysz);
/*
 * Trades: the request for the trades after cursor, Kraken's "since" (a
 * time in nanoseconds that excludes itself), a page of at most
 * MDX_KRAKEN_TRADES_PAGE trades; a shorter page is the last.
 */
#define MDX_KRAKEN_TRADES_PAGE 1000
void mdx_kraken_request_trades(const struct mdx_market *m,
    const char *symbol, const char *cursor, struct mdx_request *r);
/* One trade row: its time in nanoseconds since the epoch and its trade
 * id.  Returns 0, or -1 with the reason when the row does not have
 * Kraken's shape. */
int mdx_kraken_trade_row(const struct mdx_json *row, int64_t *ns,
    int64_t *id, char *why, size_t whysz);
/* The cursor to the trades after a page ("last"), or NULL. */
const struct mdx_json *mdx_kraken_trades_cursor(const struct mdx_json *root);

/*
 * Coinbase Exchange (coinbase.c).  Candles are arrays of six JSON
 * numbers, newest first; errors are {"message":"..."} with a 4xx or 5xx
 * status.
 */
const char *mdx_coinbase_interval(const struct mdx_interval *iv);
void mdx_coinbase_request_klines(const struct mdx_market *m,
    const char *symbol, const struct mdx_interval *iv, mdx_time lo,
    mdx_time hi, struct mdx_request *r);
void mdx_coinbase_request_instruments(const struct mdx_market *m,
    struct mdx_request *r);
enum mdx_answer mdx_coinbase_check(enum mdx_kind kind, long http,
    const struct mdx_json *root, const struct mdx_json **payload,
    int *status, char *why, size_t whysz);
int mdx_coinbase_kline_row(const struct mdx_interval *iv,
    const struct mdx_json *row, mdx_time fetched, mdx_time *open,
    int *closed, char *why, size_t whysz);

#endif /* MDX_EXCHANGE_H */
