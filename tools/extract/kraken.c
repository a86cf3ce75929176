/*
 * kraken.c - Kraken's public REST API (spot): OHLC, Trades and
 * AssetPairs, their answers and error strings.
 *
 * OHLC answers with at most the latest 720 candles of an interval,
 * whatever "since" says, the last of them the one still forming; older
 * candles are not served over REST at all (mdx-extract(1) says where to
 * find them).  Trades pages through the whole history with "since", a
 * time in nanoseconds that excludes itself, 1000 trades at most a page,
 * and gives the cursor to the next page as "last".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "json.h"
#include "utc.h"

#include "exchange.h"

const char *
mdx_kraken_interval(const struct mdx_interval *iv)
{
	/*
	 * Kraken also has 10080 (weeks that open on Thursdays, not on
	 * Mondays as mdx's 1w) and 21600 (15 days): neither is an mdx
	 * interval.
	 */
	static const char *tab[][2] = {
		{ "1m", "1" }, { "5m", "5" }, { "15m", "15" }, { "30m", "30" },
		{ "1h", "60" }, { "4h", "240" }, { "1d", "1440" },
		{ NULL, NULL }
	};
	int i;

	for (i = 0; tab[i][0] != NULL; i++)
		if (strcmp(tab[i][0], iv->code) == 0)
			return tab[i][1];
	return NULL;
}

void
mdx_kraken_request_klines(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *iv, mdx_time lo, struct mdx_request *r)
{
	/* since is in seconds; one second before lo takes the candle at lo
	 * whether Kraken counts since in or out. */
	mdx_buf_printf(&r->path, "/0/public/OHLC?pair=%s&interval=%s"
	    "&since=%" PRId64, symbol, mdx_kraken_interval(iv),
	    mdx_floordiv(lo, 1000) - 1);
	r->rl = m->rl_klines;
	r->weight = 1;
}

void
mdx_kraken_request_trades(const struct mdx_market *m, const char *symbol,
    const char *cursor, struct mdx_request *r)
{
	mdx_buf_reset(&r->path);
	mdx_buf_printf(&r->path, "/0/public/Trades?pair=%s&since=%s&count=%d",
	    symbol, cursor, MDX_KRAKEN_TRADES_PAGE);
	r->rl = m->rl_klines;
	r->weight = 1;
}

void
mdx_kraken_request_instruments(const struct mdx_market *m,
    struct mdx_request *r)
{
	mdx_buf_addstr(&r->path, "/0/public/AssetPairs");
	r->rl = m->rl_info;
	r->weight = 1;
}

/* Whether the error string v starts with prefix. */
static int
err_is(const struct mdx_json *v, const char *prefix)
{
	size_t n = strlen(prefix);

	return v->type == MDX_JSON_STRING && v->len >= n &&
	    memcmp(v->text, prefix, n) == 0;
}

/* The one member of result holding the rows: the one not named "last". */
static const struct mdx_json *
rows_member(const struct mdx_json *res)
{
	const struct mdx_json *v;

	for (v = res->child; v != NULL; v = v->next)
		if (!(v->keylen == 4 && memcmp(v->key, "last", 4) == 0))
			return v;
	return NULL;
}

enum mdx_answer
mdx_kraken_check(enum mdx_kind kind, long http, const struct mdx_json *root,
    const struct mdx_json **payload, int *status, char *why, size_t whysz)
{
	const struct mdx_json *e, *res;
	char t[256];
	size_t n;

	if (root->type != MDX_JSON_OBJECT ||
	    (e = mdx_json_get(root, "error")) == NULL ||
	    e->type != MDX_JSON_ARRAY) {
		if (http >= 500)
			return MDX_ANSWER_TRANSIENT;
		snprintf(why, whysz, "unexpected answer: no error array "
		    "(HTTP %ld)", http);
		return MDX_ANSWER_BAD;
	}
	if (e->nchild > 0) {
		e = e->child;
		if (e->type == MDX_JSON_STRING) {
			n = e->len < sizeof(t) - 1 ? e->len : sizeof(t) - 1;
			memcpy(t, e->text, n);
			t[n] = '\0';
		} else
			snprintf(t, sizeof(t), "?");
		snprintf(why, whysz, "kraken error %s (HTTP %ld)", t, http);
		/*
		 * EGeneral:Too many requests is the public rate limit;
		 * EService errors and internal errors pass.  EQuery (an
		 * unknown pair) and EGeneral:Invalid arguments are the
		 * request's.
		 */
		if (err_is(e, "EGeneral:Too many requests") ||
		    err_is(e, "EAPI:Rate limit"))
			return MDX_ANSWER_LIMITED;
		if (err_is(e, "EService:") ||
		    err_is(e, "EGeneral:Internal error") ||
		    err_is(e, "EGeneral:Temporary lockout"))
			return MDX_ANSWER_TRANSIENT;
		*status = err_is(e, "EQuery:") ||
		    err_is(e, "EGeneral:Invalid arguments") ? MDX_EX_USAGE :
		    MDX_EX_UNAVAILABLE;
		return MDX_ANSWER_ERROR;
	}
	if (http >= 500)
		return MDX_ANSWER_TRANSIENT;
	if ((res = mdx_json_get(root, "result")) == NULL ||
	    res->type != MDX_JSON_OBJECT) {
		snprintf(why, whysz, "unexpected answer: no result object");
		return MDX_ANSWER_BAD;
	}
	if (kind == MDX_KIND_INSTRUMENTS) {
		*payload = res;
		return MDX_ANSWER_OK;
	}
	if ((*payload = rows_member(res)) == NULL ||
	    (*payload)->type != MDX_JSON_ARRAY) {
		snprintf(why, whysz, "unexpected answer: no rows in result");
		return MDX_ANSWER_BAD;
	}
	return MDX_ANSWER_OK;
}

/*
 * [time, open, high, low, close, vwap, volume, count]: time in seconds
 * and count are numbers, the rest strings.  The candle is closed when its
 * end is past the fetch: the last row is the one still forming.
 */
int
mdx_kraken_kline_row(const struct mdx_interval *iv,
    const struct mdx_json *row, mdx_time fetched, mdx_time *open,
    int *closed, char *why, size_t whysz)
{
	if (mdx_row_shape(row, "nssssssn", why, whysz) == -1)
		return -1;
	return mdx_row_open_seconds(iv, row->child, fetched, open, closed, why,
	    whysz);
}

/*
 * [price, volume, time, side, type, misc, trade_id]: time in seconds with
 * a fraction and the trade id are numbers, the rest strings.  Rows without
 * a trade id (Kraken added it in 2023) are refused: the id is what tells
 * a trade from another.
 */
int
mdx_kraken_trade_row(const struct mdx_json *row, int64_t *ns, int64_t *id,
    char *why, size_t whysz)
{
	const struct mdx_json *c;

	if (mdx_row_shape(row, "ssnsssn", why, whysz) == -1)
		return -1;
	c = mdx_json_at(row, 2);
	if (mdx_epoch_seconds_ns(c->text, c->len, ns) == -1 ||
	    *ns / 1000000 >= MDX_TIME_END) {
		snprintf(why, whysz, "bad trade time");
		return -1;
	}
	if (mdx_json_int(mdx_json_at(row, 6), id) == -1 || *id < 0) {
		snprintf(why, whysz, "bad trade id");
		return -1;
	}
	return 0;
}

const struct mdx_json *
mdx_kraken_trades_cursor(const struct mdx_json *root)
{
	const struct mdx_json *res, *c;

	if (root == NULL || (res = mdx_json_get(root, "result")) == NULL ||
	    (c = mdx_json_get(res, "last")) == NULL ||
	    (c->type != MDX_JSON_STRING && c->type != MDX_JSON_NUMBER) ||
	    c->len == 0 || c->len > 20)
		return NULL;
	return c;
}
