/*
 * venues.h - the raw rows of Kraken (kraken.c) and Coinbase Exchange
 * (coinbase.c) as transform.c maps them: candles, Kraken's trades and the
 * parts of their instruments that need more than picking a member.
 * Private to mdx-transform.
 */
#ifndef MDX_VENUES_H
#define MDX_VENUES_H

#include "buf.h"
#include "json.h"
#include "dec.h"
#include "candle.h"

/*
 * Kraken OHLC rows, [time, open, high, low, close, vwap, volume, count]:
 * fills c's open time, prices, volume (base units) and trades.  The vwap
 * is rounded to the pair's price decimals, so vwap x volume is not the
 * quote volume, which stays absent.  Returns 0, or -1 with the reason in
 * err.
 */
int mdx_tx_kraken_kline(const struct mdx_json *row, struct mdx_candle *c,
    char *err, size_t errsz);

/*
 * Kraken trade rows, [price, volume, time, side, type, misc, trade_id]:
 * appends the members of the canonical trade from "id" to "side"
 * (mdx-records(5)) to b.  Returns 0, or -1 with the reason in err.
 */
int mdx_tx_kraken_trade(const struct mdx_json *row, struct mdx_buf *b,
    char *err, size_t errsz);

/*
 * Kraken's pair names, from its wsname "XBT/USD": base and quote (each of
 * size sz), with Kraken's own asset codes XBT and XDG written BTC and
 * DOGE, as every other exchange names them.  Returns 0, or -1 when there
 * is no such name.
 */
int mdx_tx_kraken_pair(const struct mdx_json *inst, char *base,
    char *quote, size_t sz);

/*
 * Coinbase candle rows, [time, low, high, open, close, volume], JSON
 * numbers: fills c's open time, prices and volume (base units); Coinbase
 * gives no quote volume.  Returns 0, or -1 with the reason in err.
 */
int mdx_tx_coinbase_kline(const struct mdx_json *row, struct mdx_candle *c,
    char *err, size_t errsz);

#endif /* MDX_VENUES_H */
