/*
 * coinbase.c - Coinbase Exchange's public REST API: product candles and
 * the product list, their answers and error bodies.
 *
 * A candles request names a window by start and end and is refused when
 * the window holds more than 300 candles of its granularity; the answer
 * holds the candles of the window that have trades, newest first (the
 * forming one too), and Coinbase says it may hold some from before start.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "json.h"
#include "utc.h"

#include "exchange.h"

const char *
mdx_coinbase_interval(const struct mdx_interval *iv)
{
	static const char *tab[][2] = {
		{ "1m", "60" }, { "5m", "300" }, { "15m", "900" },
		{ "1h", "3600" }, { "6h", "21600" }, { "1d", "86400" },
		{ NULL, NULL }
	};
	int i;

	for (i = 0; tab[i][0] != NULL; i++)
		if (strcmp(tab[i][0], iv->code) == 0)
			return tab[i][1];
	return NULL;
}

void
mdx_coinbase_request_klines(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *iv, mdx_time lo, mdx_time hi,
    struct mdx_request *r)
{
	char a[MDX_TIME_BUFSZ], b[MDX_TIME_BUFSZ];

	mdx_time_format(lo, a);
	mdx_time_format(hi, b);
	mdx_buf_printf(&r->path, "/products/%s/candles?granularity=%s"
	    "&start=%s&end=%s", symbol, mdx_coinbase_interval(iv), a, b);
	r->rl = m->rl_klines;
	r->weight = 1;
}

void
mdx_coinbase_request_instruments(const struct mdx_market *m,
    struct mdx_request *r)
{
	mdx_buf_addstr(&r->path, "/products");
	r->rl = m->rl_info;
	r->weight = 1;
}

enum mdx_answer
mdx_coinbase_check(enum mdx_kind kind, long http, const struct mdx_json *root,
    const struct mdx_json **payload, int *status, char *why, size_t whysz)
{
	const struct mdx_json *msg;
	char t[256];
	size_t n;

	(void)kind;
	if (root->type == MDX_JSON_OBJECT &&
	    (msg = mdx_json_get(root, "message")) != NULL) {
		if (msg->type == MDX_JSON_STRING) {
			n = msg->len < sizeof(t) - 1 ? msg->len : sizeof(t) - 1;
			memcpy(t, msg->text, n);
			t[n] = '\0';
		} else
			snprintf(t, sizeof(t), "?");
		snprintf(why, whysz, "coinbase error: %s (HTTP %ld)", t, http);
		if (http == 429)
			return MDX_ANSWER_LIMITED;
		if (http >= 500)
			return MDX_ANSWER_TRANSIENT;
		/* 400: a bad granularity or range; 404: no such product. */
		*status = http == 400 || http == 404 ? MDX_EX_USAGE :
		    MDX_EX_UNAVAILABLE;
		return MDX_ANSWER_ERROR;
	}
	if (http >= 500)
		return MDX_ANSWER_TRANSIENT;
	if (http != 200) {
		snprintf(why, whysz, "coinbase answered HTTP %ld", http);
		*status = MDX_EX_UNAVAILABLE;
		return MDX_ANSWER_ERROR;
	}
	if (root->type != MDX_JSON_ARRAY) {
		snprintf(why, whysz, "unexpected answer: not an array");
		return MDX_ANSWER_BAD;
	}
	*payload = root;
	return MDX_ANSWER_OK;
}

/*
 * [time, low, high, open, close, volume], all numbers, time in seconds.
 * Coinbase does not say whether a candle is closed: it is when its end is
 * past the fetch.
 */
int
mdx_coinbase_kline_row(const struct mdx_interval *iv,
    const struct mdx_json *row, mdx_time fetched, mdx_time *open,
    int *closed, char *why, size_t whysz)
{
	if (mdx_row_shape(row, "nnnnnn", why, whysz) == -1)
		return -1;
	return mdx_row_open_seconds(iv, row->child, fetched, open, closed, why,
	    whysz);
}
