/*
 * exchange.h - exchanges (exchange.c): what mdx-extract knows about the
 * public REST APIs of Binance, Bybit and OKX: base URLs, interval spellings,
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
	MDX_KIND_TRADES
};

/* "klines", "depth", "instruments", "trades"; mdx_kind_lookup() returns -1
 * when the name is unknown. */
const char *mdx_kind_name(enum mdx_kind k);
int mdx_kind_lookup(const char *name);

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

enum mdx_exchange_id { MDX_BINANCE, MDX_BYBIT, MDX_OKX };

struct mdx_market {
	const char *exchange;	/* binance */
	const char *market;	/* spot */
	enum mdx_exchange_id id;
	const char *url_env;	/* MDX_BINANCE_URL */
	const char *url_default; /* https://api.binance.com */
	const char *category;	/* the market as the exchange spells it in
				   requests: Bybit category, OKX instType */
	int page;		/* klines rows per request */
	int newest_first;	/* klines answers come newest first */
	int depth_default;	/* order book levels asked for by default */
	int depth_max;
	const struct mdx_ratelimit *rl_klines, *rl_history, *rl_depth,
	    *rl_info;
};

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

#endif /* MDX_EXCHANGE_H */
