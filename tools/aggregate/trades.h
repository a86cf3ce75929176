/*
 * trades.h - candles from trades (mdx-aggregate --from-trades): the
 * canonical trade records (read by lib/tradescan.c, trade.h) folded into
 * candles of any interval from 1s up (trades.c), with the
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
#include "trade.h"

#include "rollup.h"

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
int mdx_tc_add(struct mdx_tc *tc, const struct mdx_trade_rec *t, char *why,
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
