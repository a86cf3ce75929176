/*
 * watch.h - the watchlist.  See mdx-watchlist(5).  One entry per line:
 *
 *	# exchange  market  symbol   intervals
 *	binance     spot    BTCUSDT  1m,1h
 *	okx         swap    BTC-USDT-SWAP 1m
 *	bybit       linear  BTCUSDT
 *
 * Blank lines and lines starting with # are ignored; # after a blank
 * starts a comment.  The intervals may be left out: ninterval is then 0
 * and the program's own interval option applies.  Among the intervals,
 * "trades" asks for the entry's trades, kept in the lake, and
 * "trades:load" for its trades loaded into the warehouse too; an entry
 * whose fourth field has only one of these wants no candles (nocandles).
 */
#ifndef MDX_WATCH_H
#define MDX_WATCH_H

#include <stdio.h>

#include "err.h"
#include "utc.h"

#define MDX_WATCH_MAXIV 16

struct mdx_watch {
	char exchange[32];
	char market[16];
	char symbol[64];
	int ninterval;
	const struct mdx_interval *interval[MDX_WATCH_MAXIV];
	int trades;		/* 0 or an MDX_WATCH_TRADES_* */
	int nocandles;		/* only trades were asked for */
	struct mdx_pos pos;
};

#define MDX_WATCH_TRADES_LAKE 1	/* "trades": fetched into the lake */
#define MDX_WATCH_TRADES_LOAD 2	/* "trades:load": and into mdx.trade */

/*
 * Reads a watchlist ("-" is standard input).  Returns the number of
 * entries, in file order, and sets *out (free it with free(); the entries'
 * pos.name lives in the same allocation), or -1 with *out NULL after
 * printing every bad line as "PROGNAME: bad watchlist entry: REASON (at
 * FILE:LINE)", or a message when the file cannot be read.
 */
int mdx_watchlist_read(const char *path, struct mdx_watch **out);
/* The same for a watchlist read from fp, named name in the messages and
 * the entries' pos.name; fp is left open. */
int mdx_watchlist_read_fp(FILE *fp, const char *name,
    struct mdx_watch **out);

/* Whether exchange/market is a combination mdx knows: one of
 * mdx_market_list (market.h). */
int mdx_market_known(const char *exchange, const char *market);

#endif /* MDX_WATCH_H */
