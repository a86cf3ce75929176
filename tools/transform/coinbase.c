/*
 * coinbase.c - Coinbase Exchange's raw candle rows to canonical candles
 * (mdx-transform(1) "Coinbase").
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "candle.h"

#include "venues.h"

int
mdx_tx_coinbase_kline(const struct mdx_json *row, struct mdx_candle *c,
    char *err, size_t errsz)
{
	static const char *names[] = { "time", "low", "high", "open",
	    "close", "volume" };
	mdx_dec *dst[6];
	const struct mdx_json *v;
	int64_t t;
	unsigned i;
	int r;

	if (row->nchild != 6)
		return mdx_errf(err, errsz, "bad candle: %u fields, Coinbase "
		    "candles have 6", row->nchild);
	if (mdx_json_int(row->child, &t) != 0 || t < 0 ||
	    t >= MDX_TIME_END / 1000)
		return mdx_errf(err, errsz, "bad candle: bad open time "
		    "(data[0])");
	c->open_time = t * 1000;
	dst[1] = &c->low;
	dst[2] = &c->high;
	dst[3] = &c->open;
	dst[4] = &c->close;
	dst[5] = &c->volume;
	for (i = 1, v = row->child->next; v != NULL; v = v->next, i++) {
		/* Coinbase sends numbers; a string would be another API. */
		if (v->type != MDX_JSON_NUMBER)
			return mdx_errf(err, errsz, "bad candle: \"%s\" "
			    "(data[%u]) is not a number", names[i], i);
		if ((r = mdx_dec_from_json(dst[i], v)) != MDX_DEC_OK)
			return mdx_errf(err, errsz, "bad candle: bad \"%s\" "
			    "(data[%u]): %s", names[i], i,
			    mdx_dec_strerror(r));
	}
	c->has |= MDX_C_VOLUME;
	return 0;
}
