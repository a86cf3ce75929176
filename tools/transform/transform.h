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
 * The fast path for the bulk of raw records, raw Binance klines: turns the
 * line into out->candle without a parse tree and returns MDX_TX_CANDLE, or
 * returns 0 for anything it does not take, good or bad; then
 * mdx_json_parse() and mdx_transform() must decide, which give the same
 * candle for every line taken here.
 */
int mdx_transform_fast(const char *line, size_t len, struct mdx_tx_out *out);

#endif /* MDX_TRANSFORM_H */
