/*
 * exchange.c - what mdx knows about the public REST APIs of Binance, Bybit
 * and OKX: base URLs, interval spellings, request paths and weights, rate
 * limits, and the shapes of answers and error bodies.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "json.h"
#include "utc.h"

#include "exchange.h"

/*
 * The published limits.  Binance counts request weight per IP in fixed
 * one-minute windows, spot and USD-M futures apart; Bybit counts requests
 * per IP over 5 s; OKX counts requests per IP and endpoint over 2 s.
 */
static const struct mdx_ratelimit rl_binance_spot = {
	"binance spot", "binance", 6000, 60000, 1, "X-MBX-USED-WEIGHT-1M", 0
};
static const struct mdx_ratelimit rl_binance_usdm = {
	"binance usdm", "binance", 2400, 60000, 1, "X-MBX-USED-WEIGHT-1M", 0
};
static const struct mdx_ratelimit rl_bybit = {
	"bybit", "bybit", 600, 5000, 0, NULL, 1
};
static const struct mdx_ratelimit rl_okx_candles = {
	"okx candles", "okx", 40, 2000, 0, NULL, 0
};
static const struct mdx_ratelimit rl_okx_history = {
	"okx history-candles", "okx", 20, 2000, 0, NULL, 0
};
static const struct mdx_ratelimit rl_okx_books = {
	"okx books", "okx", 40, 2000, 0, NULL, 0
};
static const struct mdx_ratelimit rl_okx_instruments = {
	"okx instruments", "okx", 20, 2000, 0, NULL, 0
};

/* The markets mdx knows (lib/market.c), each once, with what their REST
 * APIs need: test-exchange checks that the two lists hold the same
 * markets. */
const struct mdx_market mdx_markets[] = {
	{ "binance", "spot", MDX_BINANCE, "MDX_BINANCE_URL",
	    "https://api.binance.com", NULL, 1000, 0, 100, 5000,
	    &rl_binance_spot, &rl_binance_spot, &rl_binance_spot,
	    &rl_binance_spot },
	{ "binance", "usdm", MDX_BINANCE, "MDX_BINANCE_FAPI_URL",
	    "https://fapi.binance.com", NULL, 1000, 0, 100, 1000,
	    &rl_binance_usdm, &rl_binance_usdm, &rl_binance_usdm,
	    &rl_binance_usdm },
	{ "bybit", "spot", MDX_BYBIT, "MDX_BYBIT_URL", "https://api.bybit.com",
	    "spot", 1000, 1, 50, 200, &rl_bybit, &rl_bybit, &rl_bybit,
	    &rl_bybit },
	{ "bybit", "linear", MDX_BYBIT, "MDX_BYBIT_URL",
	    "https://api.bybit.com", "linear", 1000, 1, 50, 500, &rl_bybit,
	    &rl_bybit, &rl_bybit, &rl_bybit },
	{ "bybit", "inverse", MDX_BYBIT, "MDX_BYBIT_URL",
	    "https://api.bybit.com", "inverse", 1000, 1, 50, 500, &rl_bybit,
	    &rl_bybit, &rl_bybit, &rl_bybit },
	{ "okx", "spot", MDX_OKX, "MDX_OKX_URL", "https://www.okx.com", "SPOT",
	    100, 1, 100, 400, &rl_okx_candles, &rl_okx_history, &rl_okx_books,
	    &rl_okx_instruments },
	{ "okx", "swap", MDX_OKX, "MDX_OKX_URL", "https://www.okx.com", "SWAP",
	    100, 1, 100, 400, &rl_okx_candles, &rl_okx_history, &rl_okx_books,
	    &rl_okx_instruments },
	{ NULL, NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL,
	    NULL }
};

/* OKX serves only its latest 1440 bars from /market/candles. */
#define OKX_RECENT_BARS 1440

static const char *kinds[] = { "klines", "depth", "instruments", "trades" };

const char *
mdx_kind_name(enum mdx_kind k)
{
	return kinds[k];
}

int
mdx_kind_lookup(const char *name)
{
	int i;

	for (i = 0; i < (int)(sizeof(kinds) / sizeof(kinds[0])); i++)
		if (strcmp(kinds[i], name) == 0)
			return i;
	return -1;
}

const struct mdx_market *
mdx_market_lookup(const char *exchange, const char *market)
{
	const struct mdx_market *m;

	if (exchange == NULL || market == NULL)
		return NULL;
	for (m = mdx_markets; m->exchange != NULL; m++)
		if (strcmp(m->exchange, exchange) == 0 &&
		    strcmp(m->market, market) == 0)
			return m;
	return NULL;
}

const char *
mdx_market_url(const struct mdx_market *m)
{
	const char *v;

	v = getenv(m->url_env);
	return v != NULL && *v != '\0' ? v : m->url_default;
}

const char *
mdx_market_interval(const struct mdx_market *m, const struct mdx_interval *iv)
{
	static const char *bybit[][2] = {
		{ "1m", "1" }, { "3m", "3" }, { "5m", "5" }, { "15m", "15" },
		{ "30m", "30" }, { "1h", "60" }, { "2h", "120" },
		{ "4h", "240" }, { "6h", "360" }, { "12h", "720" },
		{ "1d", "D" }, { "1w", "W" }, { "1M", "M" }, { NULL, NULL }
	};
	static const char *okx[][2] = {
		{ "1m", "1m" }, { "3m", "3m" }, { "5m", "5m" },
		{ "15m", "15m" }, { "30m", "30m" }, { "1h", "1H" },
		{ "2h", "2H" }, { "4h", "4H" },
		{ "6h", "6Hutc" }, { "12h", "12Hutc" }, { "1d", "1Dutc" },
		{ "1w", "1Wutc" }, { "1M", "1Mutc" }, { NULL, NULL }
	};
	const char *(*tab)[2];
	int i;

	switch (m->id) {
	case MDX_BINANCE:
		/* Binance spells every mdx interval the same; 1s is spot
		 * only. */
		if (strcmp(iv->code, "1s") == 0 &&
		    strcmp(m->market, "spot") != 0)
			return NULL;
		return iv->code;
	case MDX_BYBIT:
		tab = bybit;
		break;
	default:
		tab = okx;
		break;
	}
	for (i = 0; tab[i][0] != NULL; i++)
		if (strcmp(tab[i][0], iv->code) == 0)
			return tab[i][1];
	return NULL;
}

static void
request_init(struct mdx_request *r)
{
	mdx_buf_reset(&r->path);
}

void
mdx_request_klines(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *iv, mdx_time lo, mdx_time hi, mdx_time now,
    struct mdx_request *r)
{
	const char *code = mdx_market_interval(m, iv);
	mdx_time newest;

	request_init(r);
	switch (m->id) {
	case MDX_BINANCE:
		mdx_buf_printf(&r->path, "%s?symbol=%s&interval=%s"
		    "&startTime=%" PRId64 "&endTime=%" PRId64 "&limit=%d",
		    strcmp(m->market, "spot") == 0 ? "/api/v3/klines" :
		    "/fapi/v1/klines", symbol, code, lo, hi - 1, m->page);
		r->rl = m->rl_klines;
		/* Spot klines weigh 2; USD-M weigh by limit (5 for 1000). */
		r->weight = strcmp(m->market, "spot") == 0 ? 2 : 5;
		break;
	case MDX_BYBIT:
		mdx_buf_printf(&r->path, "/v5/market/kline?category=%s"
		    "&symbol=%s&interval=%s&start=%" PRId64 "&end=%" PRId64
		    "&limit=%d", m->category, symbol, code, lo, hi - 1,
		    m->page);
		r->rl = m->rl_klines;
		r->weight = 1;
		break;
	case MDX_OKX:
		/*
		 * /market/candles knows only the latest bars; older ones come
		 * from /market/history-candles, which has the lower limit.
		 */
		newest = mdx_interval_floor(iv, now - 1);
		if (iv->ms > 0 && lo >= newest -
		    (OKX_RECENT_BARS - 2 * m->page) * iv->ms) {
			mdx_buf_addstr(&r->path, "/api/v5/market/candles");
			r->rl = m->rl_klines;
		} else {
			mdx_buf_addstr(&r->path,
			    "/api/v5/market/history-candles");
			r->rl = m->rl_history;
		}
		mdx_buf_printf(&r->path, "?instId=%s&bar=%s&after=%" PRId64
		    "&before=%" PRId64 "&limit=%d", symbol, code, hi, lo - 1,
		    m->page);
		r->weight = 1;
		break;
	}
}

/* Binance's depth weights by limit (spot, USD-M). */
static int
binance_depth_weight(const struct mdx_market *m, int n)
{
	if (strcmp(m->market, "spot") == 0)
		return n <= 100 ? 5 : n <= 500 ? 25 : n <= 1000 ? 50 : 250;
	return n <= 50 ? 2 : n <= 100 ? 5 : n <= 500 ? 10 : 20;
}

void
mdx_request_depth(const struct mdx_market *m, const char *symbol,
    int levels, struct mdx_request *r)
{
	int n = levels > 0 ? levels : m->depth_default;

	request_init(r);
	r->rl = m->rl_depth;
	r->weight = 1;
	switch (m->id) {
	case MDX_BINANCE:
		mdx_buf_printf(&r->path, "%s?symbol=%s&limit=%d",
		    strcmp(m->market, "spot") == 0 ? "/api/v3/depth" :
		    "/fapi/v1/depth", symbol, n);
		r->weight = binance_depth_weight(m, n);
		break;
	case MDX_BYBIT:
		mdx_buf_printf(&r->path, "/v5/market/orderbook?category=%s"
		    "&symbol=%s&limit=%d", m->category, symbol, n);
		break;
	case MDX_OKX:
		mdx_buf_printf(&r->path, "/api/v5/market/books?instId=%s&sz=%d",
		    symbol, n);
		break;
	}
}

void
mdx_request_instruments(const struct mdx_market *m, const char *cursor,
    struct mdx_request *r)
{
	const char *c;

	request_init(r);
	r->rl = m->rl_info;
	r->weight = 1;
	switch (m->id) {
	case MDX_BINANCE:
		if (strcmp(m->market, "spot") == 0) {
			mdx_buf_addstr(&r->path, "/api/v3/exchangeInfo");
			r->weight = 20;
		} else
			mdx_buf_addstr(&r->path, "/fapi/v1/exchangeInfo");
		break;
	case MDX_BYBIT:
		mdx_buf_printf(&r->path, "/v5/market/instruments-info"
		    "?category=%s&limit=1000", m->category);
		if (cursor != NULL && *cursor != '\0') {
			/* Cursors are opaque: percent-encode all but the
			 * unreserved characters. */
			mdx_buf_addstr(&r->path, "&cursor=");
			for (c = cursor; *c != '\0'; c++) {
				if ((*c >= 'A' && *c <= 'Z') ||
				    (*c >= 'a' && *c <= 'z') ||
				    (*c >= '0' && *c <= '9') || *c == '-' ||
				    *c == '_' || *c == '.' || *c == '~')
					mdx_buf_addch(&r->path, *c);
				else
					mdx_buf_printf(&r->path, "%%%02X",
					    (unsigned char)*c);
			}
		}
		break;
	case MDX_OKX:
		mdx_buf_printf(&r->path, "/api/v5/public/instruments"
		    "?instType=%s", m->category);
		break;
	}
}

/* Copies a JSON string or number node into a C buffer for messages. */
static void
node_text(const struct mdx_json *v, char *out, size_t outsz)
{
	size_t n;

	if (v == NULL || (v->type != MDX_JSON_STRING &&
	    v->type != MDX_JSON_NUMBER)) {
		snprintf(out, outsz, "?");
		return;
	}
	n = v->len < outsz - 1 ? v->len : outsz - 1;
	memcpy(out, v->text, n);
	out[n] = '\0';
}

static enum mdx_answer
shape(const char *want, char *why, size_t whysz)
{
	snprintf(why, whysz, "unexpected answer: %s", want);
	return MDX_ANSWER_BAD;
}

/*
 * Binance: errors are {"code":-1121,"msg":"Invalid symbol."} with a 4xx or
 * 5xx status.  Codes -1100 to -1199 are about the request's parameters.
 */
static enum mdx_answer
binance_check(enum mdx_kind kind, long http, const struct mdx_json *root,
    const struct mdx_json **payload, int *status, char *why, size_t whysz)
{
	const struct mdx_json *code, *msg;
	char c[32], t[256];
	int64_t n;

	if (root->type == MDX_JSON_OBJECT &&
	    (code = mdx_json_get(root, "code")) != NULL &&
	    (msg = mdx_json_get(root, "msg")) != NULL) {
		node_text(code, c, sizeof(c));
		node_text(msg, t, sizeof(t));
		snprintf(why, whysz, "binance error %s: %s (HTTP %ld)", c, t,
		    http);
		if (mdx_json_int(code, &n) == 0 && (n == -1000 || n == -1001 ||
		    n == -1003 || n == -1007 || n == -1008))
			return n == -1003 ? MDX_ANSWER_LIMITED :
			    MDX_ANSWER_TRANSIENT;
		*status = (mdx_json_int(code, &n) == 0 && n <= -1100 &&
		    n >= -1199) ? MDX_EX_USAGE : MDX_EX_UNAVAILABLE;
		return MDX_ANSWER_ERROR;
	}
	if (http >= 500)
		return MDX_ANSWER_TRANSIENT;
	if (http != 200) {
		snprintf(why, whysz, "binance answered HTTP %ld", http);
		*status = MDX_EX_UNAVAILABLE;
		return MDX_ANSWER_ERROR;
	}
	switch (kind) {
	case MDX_KIND_KLINES:
		if (root->type != MDX_JSON_ARRAY)
			return shape("klines are not an array", why, whysz);
		*payload = root;
		break;
	case MDX_KIND_TRADES:
		if (root->type != MDX_JSON_ARRAY)
			return shape("trades are not an array", why, whysz);
		*payload = root;
		break;
	case MDX_KIND_DEPTH:
		if (root->type != MDX_JSON_OBJECT ||
		    mdx_json_get(root, "bids") == NULL)
			return shape("order book without bids", why, whysz);
		*payload = root;
		break;
	case MDX_KIND_INSTRUMENTS:
		if (root->type != MDX_JSON_OBJECT ||
		    (*payload = mdx_json_get(root, "symbols")) == NULL ||
		    (*payload)->type != MDX_JSON_ARRAY)
			return shape("exchangeInfo without symbols", why,
			    whysz);
		break;
	}
	return MDX_ANSWER_OK;
}

/* Bybit: {"retCode":0,"retMsg":"OK","result":{...}}, errors with HTTP 200. */
static enum mdx_answer
bybit_check(enum mdx_kind kind, long http, const struct mdx_json *root,
    const struct mdx_json **payload, int *status, char *why, size_t whysz)
{
	const struct mdx_json *code, *msg, *res;
	char c[32], t[256];
	int64_t n;

	if (root->type != MDX_JSON_OBJECT ||
	    (code = mdx_json_get(root, "retCode")) == NULL ||
	    mdx_json_int(code, &n) == -1) {
		if (http >= 500)
			return MDX_ANSWER_TRANSIENT;
		return shape("no retCode", why, whysz);
	}
	if (n != 0) {
		msg = mdx_json_get(root, "retMsg");
		node_text(code, c, sizeof(c));
		node_text(msg, t, sizeof(t));
		snprintf(why, whysz, "bybit error %s: %s (HTTP %ld)", c, t,
		    http);
		if (n == 10006 || n == 10018)
			return MDX_ANSWER_LIMITED;
		if (n == 10000 || n == 10016 || n == 10002)
			return MDX_ANSWER_TRANSIENT;
		*status = n == 10001 ? MDX_EX_USAGE : MDX_EX_UNAVAILABLE;
		return MDX_ANSWER_ERROR;
	}
	if ((res = mdx_json_get(root, "result")) == NULL ||
	    res->type != MDX_JSON_OBJECT)
		return shape("no result object", why, whysz);
	switch (kind) {
	case MDX_KIND_KLINES:
	case MDX_KIND_INSTRUMENTS:
	case MDX_KIND_TRADES:
		if ((*payload = mdx_json_get(res, "list")) == NULL ||
		    (*payload)->type != MDX_JSON_ARRAY)
			return shape("result without a list", why, whysz);
		break;
	case MDX_KIND_DEPTH:
		if (mdx_json_get(res, "b") == NULL)
			return shape("order book without bids", why, whysz);
		*payload = res;
		break;
	}
	return MDX_ANSWER_OK;
}

/* OKX: {"code":"0","msg":"","data":[...]}; errors name a code. */
static enum mdx_answer
okx_check(enum mdx_kind kind, long http, const struct mdx_json *root,
    const struct mdx_json **payload, int *status, char *why, size_t whysz)
{
	const struct mdx_json *code, *msg, *data;
	char c[32], t[256];
	int64_t n;

	if (root->type != MDX_JSON_OBJECT ||
	    (code = mdx_json_get(root, "code")) == NULL ||
	    mdx_json_int(code, &n) == -1) {
		if (http >= 500)
			return MDX_ANSWER_TRANSIENT;
		return shape("no code", why, whysz);
	}
	if (n != 0) {
		msg = mdx_json_get(root, "msg");
		node_text(code, c, sizeof(c));
		node_text(msg, t, sizeof(t));
		snprintf(why, whysz, "okx error %s: %s (HTTP %ld)", c, t, http);
		if (n == 50011 || n == 50061)
			return MDX_ANSWER_LIMITED;
		if (n == 50001 || n == 50004 || n == 50013 || n == 50026)
			return MDX_ANSWER_TRANSIENT;
		*status = (n == 51001 || n == 51000 || n == 50014) ?
		    MDX_EX_USAGE : MDX_EX_UNAVAILABLE;
		return MDX_ANSWER_ERROR;
	}
	if ((data = mdx_json_get(root, "data")) == NULL ||
	    data->type != MDX_JSON_ARRAY)
		return shape("no data array", why, whysz);
	if (kind == MDX_KIND_DEPTH) {
		if ((*payload = mdx_json_at(data, 0)) == NULL ||
		    (*payload)->type != MDX_JSON_OBJECT)
			return shape("no order book in data", why, whysz);
	} else
		*payload = data;
	return MDX_ANSWER_OK;
}

enum mdx_answer
mdx_answer_check(const struct mdx_market *m, enum mdx_kind kind, long http,
    const struct mdx_json *root, const struct mdx_json **payload,
    int *status, char *why, size_t whysz)
{
	*payload = NULL;
	*status = MDX_EX_UNAVAILABLE;
	why[0] = '\0';
	if (root == NULL)
		return shape("not JSON", why, whysz);
	switch (m->id) {
	case MDX_BINANCE:
		return binance_check(kind, http, root, payload, status, why,
		    whysz);
	case MDX_BYBIT:
		return bybit_check(kind, http, root, payload, status, why,
		    whysz);
	default:
		return okx_check(kind, http, root, payload, status, why,
		    whysz);
	}
}

/* Whether an array node holds n elements, all strings from `from` on. */
static int
strings_from(const struct mdx_json *row, unsigned from)
{
	const struct mdx_json *c;
	unsigned i;

	for (i = 0, c = row->child; c != NULL; c = c->next, i++)
		if (i >= from && c->type != MDX_JSON_STRING)
			return 0;
	return 1;
}

int
mdx_kline_row(const struct mdx_market *m, const struct mdx_interval *iv,
    const struct mdx_json *row, mdx_time fetched, mdx_time *open,
    int *closed, char *why, size_t whysz)
{
	static const unsigned fields[] = { 12, 7, 9 };
	const struct mdx_json *t, *confirm;
	int64_t v;

	if (row->type != MDX_JSON_ARRAY || row->nchild != fields[m->id]) {
		snprintf(why, whysz, "row is not an array of %u fields",
		    fields[m->id]);
		return -1;
	}
	t = row->child;
	if (m->id == MDX_BINANCE ? t->type != MDX_JSON_NUMBER :
	    !strings_from(row, 0)) {
		snprintf(why, whysz, m->id == MDX_BINANCE ?
		    "open time is not a number" : "row has a non-string field");
		return -1;
	}
	if (mdx_json_int(t, &v) == -1 || v < 0) {
		snprintf(why, whysz, "bad open time");
		return -1;
	}
	*open = v;
	if (!mdx_interval_aligned(iv, v)) {
		snprintf(why, whysz, "open time %" PRId64 " is not the start "
		    "of a %s interval", v, iv->code);
		return -1;
	}
	if (m->id == MDX_OKX) {
		confirm = mdx_json_at(row, 8);
		if (mdx_json_str_eq(confirm, "1"))
			*closed = 1;
		else if (mdx_json_str_eq(confirm, "0"))
			*closed = 0;
		else {
			snprintf(why, whysz,
			    "confirm flag is not \"0\" or \"1\"");
			return -1;
		}
	} else
		*closed = mdx_interval_next(iv, v) <= fetched;
	return 0;
}

mdx_time
mdx_depth_time(const struct mdx_market *m, const struct mdx_json *book,
    mdx_time fetched)
{
	const struct mdx_json *t = NULL;
	int64_t v;

	switch (m->id) {
	case MDX_BINANCE:
		if ((t = mdx_json_get(book, "T")) == NULL)
			t = mdx_json_get(book, "E");
		break;
	case MDX_BYBIT:
	case MDX_OKX:
		t = mdx_json_get(book, "ts");
		break;
	}
	if (t != NULL && mdx_json_int(t, &v) == 0 && v > 0)
		return mdx_time_from_epoch(v);
	return fetched;
}

const struct mdx_json *
mdx_instrument_symbol(const struct mdx_market *m, const struct mdx_json *inst)
{
	const struct mdx_json *s;

	if (inst->type != MDX_JSON_OBJECT)
		return NULL;
	s = mdx_json_get(inst, m->id == MDX_OKX ? "instId" : "symbol");
	return s != NULL && s->type == MDX_JSON_STRING && s->len > 0 ? s :
	    NULL;
}

const struct mdx_json *
mdx_instruments_cursor(const struct mdx_market *m, const struct mdx_json *root)
{
	const struct mdx_json *res, *c;

	if (m->id != MDX_BYBIT || root == NULL ||
	    (res = mdx_json_get(root, "result")) == NULL ||
	    (c = mdx_json_get(res, "nextPageCursor")) == NULL ||
	    c->type != MDX_JSON_STRING || c->len == 0)
		return NULL;
	return c;
}
