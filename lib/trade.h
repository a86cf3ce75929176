/*
 * trade.h - the canonical trade (mdx-records(5) "Trade"): checked and
 * written in one place for mdx-transform, which maps raw trades to it, and
 * mdx-extract --canonical, which writes it straight from trade archives.
 */
#ifndef MDX_TRADE_H
#define MDX_TRADE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dec.h"
#include "utc.h"

/*
 * A trade on its way to its canonical line.  The texts need not be
 * NUL-terminated (they usually point into an input line) and are written
 * as they are: exchange, market and symbol already checked by the caller;
 * id the exchange's trade id; price and qty the exchange's decimals;
 * fetched may be NULL (then no fetched_at member).  first < 0 means no
 * first_id and last_id (only Binance aggregates have them).  us is the
 * trade time in microseconds since the epoch.  no_quote writes a null
 * quote_quantity (markets that trade contracts).
 */
struct mdx_trade {
	const char *exchange, *market, *symbol, *fetched;
	size_t exlen, mklen, symlen, felen;
	const char *id, *price, *qty;
	size_t idlen, plen, qlen;
	int64_t first, last;
	const char *ftext, *ltext; /* NULL, or first and last as the caller
				   has them in decimal, written as they are */
	size_t flen, llen;
	int64_t us;
	int buy;		/* the taker bought */
	int archive;		/* origin "archive", else "exchange" */
	int no_quote;
	/*
	 * Optional, for callers that have read price and qty digit by digit
	 * already (mdx-extract's archive rows): when coef_given is not 0,
	 * price and qty are plain decimals (digits with at most one '.'
	 * between digits) of at most 19 digits, pcoef and qcoef are their
	 * digits as integers with the trailing zeros of the fraction dropped,
	 * and pscale and qscale the number of fraction digits left; the
	 * quote quantity is computed from them without reading the texts
	 * again.  0 (as memset() leaves it) reads the texts.
	 */
	int coef_given;
	uint64_t pcoef, qcoef;
	int pscale, qscale;
};

/*
 * Checks t and appends its canonical line, without a newline, to b: the id
 * 1 to 79 ASCII bytes without quotes, backslashes or control characters,
 * the time within MDX_TIME_STORABLE, price and quantity
 * decimals greater than zero (any form mdx_dec_parse() takes, written as
 * given), last_id >= first_id.  quote_quantity is price x quantity exactly,
 * trailing fractional zeros removed.  The time is written as
 * mdx_time_format_us() does.  Returns 0, or -1 with the reason in err,
 * such as "bad trade: price \"0\" is not positive".
 */
int mdx_trade_format(const struct mdx_trade *t, struct mdx_buf *b, char *err,
    size_t errsz);

/*
 * Reading canonical trades (tradescan.c), for mdx-aggregate --from-trades
 * and mdx-load.  One canonical trade read back: the names and the id
 * point into the line read, or into the scanner's buffers when the line
 * needed the general parser; they stay valid until the next line is
 * scanned.
 */
struct mdx_trade_rec {
	const char *exchange, *market, *symbol, *id;
	size_t exchange_len, market_len, symbol_len, id_len;
	int has_ids;			/* first_id and last_id given */
	int64_t first_id, last_id;
	mdx_time time;			/* milliseconds */
	int usec;			/* the microseconds within them, 0-999 */
	mdx_dec price, quantity, quote_quantity;
	int has_quote;			/* quote_quantity not null */
	int buy;			/* the taker bought */
	int archive;			/* origin "archive", else "exchange" */
	int has_fetched_at;
	mdx_time fetched_at;
	/*
	 * Not 0: a number the scanner gives every new set of names it
	 * remembers; a later line with the same number has the same names,
	 * so its series need not be looked up again.
	 */
	unsigned long names_gen;
};

/*
 * The scanner.  mdx_trade_scan() reads one line into t and checks the
 * rules of a trade: "kind" "trade", non-empty names (whether mdx knows
 * the exchange and market is the caller's to check), a non-empty id, "first_id" and "last_id" both absent or both
 * integers with 0 <= first_id <= last_id, "time" in the form
 * "2024-01-01T00:00:00[.fff|.ffffff]Z" within MDX_TIME_STORABLE, "price"
 * and "quantity" decimals greater than zero, "quote_quantity" a decimal
 * not below zero or null (markets that trade contracts), "side" buy or
 * sell, "origin" exchange or archive,
 * "fetched_at" absent, null or an RFC 3339 time.  The lines mdx-transform
 * writes are read by a scanner that remembers the names, the minute and
 * the fetch time of the line before; any other valid form of the record
 * (members in another order, spaces, escapes, unknown members) goes
 * through the JSON parser and gives the same result.  The line must end
 * in a NUL, as mdx_reader_next() leaves it.  Returns 0, or -1 with the
 * reason in why.
 */
struct mdx_trade_scan *mdx_trade_scan_new(void);
int mdx_trade_scan(struct mdx_trade_scan *sc, struct mdx_trade_rec *t,
    const char *line, size_t len, char *why, size_t whysz);
void mdx_trade_scan_free(struct mdx_trade_scan *sc);

#endif /* MDX_TRADE_H */
