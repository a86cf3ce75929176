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

#endif /* MDX_TRADE_H */
