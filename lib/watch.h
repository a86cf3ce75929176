/*
 * watch.h - the watchlist.  See mdx-watchlist(5).  One entry per line:
 *
 *	# exchange  market  symbol   intervals  kinds
 *	binance     spot    BTCUSDT  1m,1h
 *	okx         swap    BTC-USDT-SWAP 1m
 *	bybit       linear  BTCUSDT
 *	binance     usdm    BTCUSDT  1m  kinds=klines,mark,funding,oi
 *
 * Blank lines and lines starting with # are ignored; # after a blank
 * starts a comment.  The intervals may be left out: ninterval is then 0
 * and the program's own interval option applies.  The kinds to keep may
 * follow as kinds=LIST; without them an entry keeps klines only.  Among
 * the intervals, "trades" asks for the entry's trades, kept in the lake,
 * and "trades:load" for its trades loaded into the warehouse too; an entry
 * whose fourth field has only one of these wants no candles (nocandles).
 */
#ifndef MDX_WATCH_H
#define MDX_WATCH_H

#include <stdio.h>

#include "err.h"
#include "utc.h"

#define MDX_WATCH_MAXIV 16

/* The kinds of data an entry keeps (mdx_watch.kinds), by their watchlist
 * names. */
#define MDX_WATCH_KLINES	0x01	/* klines: trade candles */
#define MDX_WATCH_MARK		0x02	/* mark: mark-price candles */
#define MDX_WATCH_INDEX		0x04	/* index: index-price candles */
#define MDX_WATCH_PREMIUM	0x08	/* premium: premium-index candles */
#define MDX_WATCH_FUNDING	0x10	/* funding: funding events */
#define MDX_WATCH_OI		0x20	/* oi: open-interest samples */
/* The kinds only a derivatives market (not spot) has. */
#define MDX_WATCH_DERIVATIVES	(MDX_WATCH_MARK | MDX_WATCH_INDEX | \
	MDX_WATCH_PREMIUM | MDX_WATCH_FUNDING | MDX_WATCH_OI)

struct mdx_watch {
	char exchange[32];
	char market[16];
	char symbol[64];
	int ninterval;
	const struct mdx_interval *interval[MDX_WATCH_MAXIV];
	unsigned kinds;		/* MDX_WATCH_* bits; MDX_WATCH_KLINES when
				 * the line names none */
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

/* The MDX_WATCH_* bit of a kind's watchlist name ("klines", "mark",
 * "index", "premium", "funding", "oi"), or 0. */
unsigned mdx_watch_kind(const char *name);

/* Whether exchange/market is a combination mdx knows: one of
 * mdx_market_list (market.h). */
int mdx_market_known(const char *exchange, const char *market);

#endif /* MDX_WATCH_H */
