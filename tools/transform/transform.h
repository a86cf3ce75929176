/*
 * transform.h - raw to canonical (transform.c): the mapping of
 * mdx-transform(1).
 */
#ifndef MDX_TRANSFORM_H
#define MDX_TRANSFORM_H

#include "buf.h"
#include "json.h"
#include "candle.h"

enum mdx_tx {
	MDX_TX_CANDLE = 1,	/* out->candle holds a checked candle */
	MDX_TX_LINE = 2,	/* out->line holds a canonical depth or
				   instrument record */
	MDX_TX_HEADER = 3	/* an archive CSV header row: no record */
};

struct mdx_tx_memo;

struct mdx_tx_out {
	struct mdx_candle candle;
	struct mdx_depth depth;		/* a canonical depth record, checked */
	struct mdx_buf line;
	struct mdx_buf tmp;
	char tmp_err[MDX_ERRSZ];
	struct mdx_tx_memo *memo;	/* mdx_transform_fast()'s own */
};

/*
 * Turns one parsed record into a canonical one.  Raw records ("mdx":"raw",
 * kinds klines, depth and instruments, from every exchange and market)
 * are mapped as mdx-transform(1) documents; canonical records pass through
 * (candles checked again).  Candles are checked with mdx_candle_check().
 * Returns an enum mdx_tx, or -1 with the reason in err, such as
 * "bad candle: high < close".  out starts zeroed (MDX_BUF_INIT buffers).
 */
int mdx_transform(const struct mdx_json *root, struct mdx_tx_out *out,
    char *err, size_t errsz);
void mdx_tx_out_free(struct mdx_tx_out *out);

/*
 * Trades (trade.c).  mdx_tx_trade() maps a raw trades record, given its
 * checked names and its envelope members (source, fetched_at and data may
 * be NULL), to a canonical trade in out->line; mdx_tx_trade_canonical()
 * checks a canonical trade and writes it again in its canonical form.
 * Both return MDX_TX_LINE, or -1 with the reason in err, such as "bad
 * trade: price \"0\" is not positive".  mdx_transform() calls them.
 */
struct mdx_tx_trade_in {
	const char *exchange, *market, *symbol;
	const struct mdx_json *source, *fetched_at, *data;
};

int mdx_tx_trade(const struct mdx_tx_trade_in *in, struct mdx_tx_out *out,
    char *err, size_t errsz);
int mdx_tx_trade_canonical(const struct mdx_json *root,
    struct mdx_tx_out *out, char *err, size_t errsz);
/*
 * The fast path of raw Binance trades as mdx-extract writes them, as
 * mdx_transform_fast() is for klines: MDX_TX_LINE with the canonical trade
 * in out->line, or 0 for anything it does not take, good or bad, which
 * mdx_json_parse() and mdx_transform() then decide, with the same line for
 * every record taken here.
 */
int mdx_transform_fast_trade(const char *line, size_t len,
    struct mdx_tx_out *out);
/*
 * The fast path for the bulk of raw records, raw Binance klines: turns the
 * line into out->candle without a parse tree and returns MDX_TX_CANDLE, or
 * returns 0 for anything it does not take, good or bad; then
 * mdx_json_parse() and mdx_transform() must decide, which give the same
 * candle for every line taken here.
 */
int mdx_transform_fast(const char *line, size_t len, struct mdx_tx_out *out);

#endif /* MDX_TRANSFORM_H */
