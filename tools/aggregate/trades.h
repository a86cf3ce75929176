/*
 * trades.h - candles from trades (mdx-aggregate --from-trades): the
 * canonical trade record of mdx-records(5) read line by line (tradescan.c)
 * and folded into candles of any interval from 1s up (trades.c), with the
 * comparison against an exchange's own candles (--reconcile-with).
 */
#ifndef MDX_TRADES_H
#define MDX_TRADES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dec.h"
#include "utc.h"
#include "candle.h"

#include "rollup.h"

/*
 * One canonical trade.  The names and the id point into the line read, or
 * into the scanner's buffers when the line needed the general parser; they
 * stay valid until the next line is scanned.
 */
struct mdx_tc_trade {
	const char *exchange, *market, *symbol, *id;
	size_t exchange_len, market_len, symbol_len, id_len;
	int has_ids;			/* first_id and last_id given */
	int64_t first_id, last_id;
	mdx_time time;			/* milliseconds */
	int usec;			/* the microseconds within them, 0-999 */
	mdx_dec price, quantity, quote_quantity;
	int has_quote;			/* quote_quantity not null */
	int buy;			/* the taker bought */
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
 * The scanner.  mdx_tc_scan() reads one line into t and checks the
 * rules of a trade: "kind" "trade", a known exchange and market, a
 * non-empty symbol and id, "first_id" and "last_id" both absent or both
 * integers with 0 <= first_id <= last_id, "time" in the form
 * "2024-01-01T00:00:00[.fff|.ffffff]Z" within MDX_TIME_STORABLE, "price"
 * and "quantity" decimals greater than zero, "quote_quantity" a decimal
 * not below zero or null (markets that trade contracts), "side" buy or sell, "origin" exchange or archive,
 * "fetched_at" absent, null or an RFC 3339 time.  The lines mdx-transform
 * writes are read by a scanner that remembers the names, the minute and
 * the fetch time of the line before; any other valid form of the record
 * (members in another order, spaces, escapes, unknown members) goes
 * through the JSON parser and gives the same result.  The line must end
 * in a NUL, as mdx_reader_next() leaves it.  Returns 0, or -1 with the
 * reason in why.
 */
struct mdx_tc_scan *mdx_tc_scan_new(void);
int mdx_tc_scan(struct mdx_tc_scan *sc, struct mdx_tc_trade *t,
    const char *line, size_t len, char *why, size_t whysz);
void mdx_tc_scan_free(struct mdx_tc_scan *sc);

struct mdx_tc_opts {
	const struct mdx_interval *to[MDX_ROLLUP_MAXTO];	/* targets */
	int nto;
	/* Every finished candle; none when NULL. */
	void (*candle)(void *arg, const struct mdx_candle *c);
	void *arg;
};

struct mdx_tc_stats {
	uint64_t used, dup, rejected;	/* input trades */
	uint64_t out, partial;		/* candles written */
	uint64_t bad_buckets;		/* not written: a sum overflows */
};

enum mdx_tc_res {
	MDX_TC_USED = 0,
	MDX_TC_DUP = 1,			/* seen already: dropped */
	MDX_TC_REJECT = -1		/* reason in why */
};

struct mdx_tc;

struct mdx_tc *mdx_tc_new(const struct mdx_tc_opts *o);
/*
 * Adds one trade.  The trades of a series (exchange, market, symbol) must
 * come in time order: a trade older than the newest of its series is
 * rejected ("out of order"), as is an aggregate whose ids overlap the
 * newest aggregate's in part.  An aggregate whose ids were all seen, and
 * a trade whose time is the series' newest and whose id a trade of that
 * time had, are duplicates.  Returns an mdx_tc_res.
 */
int mdx_tc_add(struct mdx_tc *tc, const struct mdx_tc_trade *t, char *why,
    size_t whysz);
/* End of input: writes every open bucket. */
void mdx_tc_finish(struct mdx_tc *tc);
const struct mdx_tc_stats *mdx_tc_stats(const struct mdx_tc *tc);
void mdx_tc_free(struct mdx_tc *tc);

/*
 * The comparison with an exchange's candles (--reconcile-with).
 * mdx_recon_new() takes the exchange's candles (read whole from the files
 * named: memory grows with them, not with the trades) and says which
 * intervals they have; mdx_recon_candle() compares each candle built from
 * trades with the exchange's of the same series, interval and open time
 * and writes a reconcile record when they differ; mdx_recon_finish()
 * reports the exchange's candles that no trade built.  Returns of
 * mdx_recon_finish(): MDX_EX_OK when every bucket is equal, MDX_EX_FAIL
 * when one differs or is missing on either side.
 */
struct mdx_recon;

struct mdx_recon *mdx_recon_new(char *const *files, int nfiles,
    const struct mdx_interval **to, int *nto, uint64_t *bad);
void mdx_recon_candle(void *arg, const struct mdx_candle *c);
int mdx_recon_finish(struct mdx_recon *rc);
void mdx_recon_free(struct mdx_recon *rc);

/*
 * The stream mode of --from-trades: reads the trades in files (standard
 * input when nfiles is 0) and writes the candles of the intervals to[] on
 * standard output, or, with recon (a file of the exchange's candles),
 * builds the candles of the intervals in it and writes reconcile records
 * instead.  Every line is accounted for (read = used + duplicate +
 * rejected); returns the exit status mdx-aggregate(1) documents.
 */
int mdx_trades_run(const struct mdx_interval *const *to, int nto,
    char *recon, char **files, int nfiles);

#endif /* MDX_TRADES_H */
