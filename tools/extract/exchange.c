/*
 * exchange.c - what mdx knows about the public REST APIs of Binance, Bybit,
 * OKX, Kraken and Coinbase Exchange: base URLs, interval spellings,
 * request paths and weights, rate limits, and the shapes of answers and
 * error bodies (Kraken's and Coinbase's own in kraken.c and coinbase.c).
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
/* Binance's funding endpoints count requests apart from the weight: 500
 * per 5 minutes per IP for fundingRate and fundingInfo together, 1000 for
 * the futures statistics (openInterestHist). */
static const struct mdx_ratelimit rl_binance_funding = {
	"binance funding", "binance", 500, 300000, 1, NULL, 0
};
static const struct mdx_ratelimit rl_binance_stats = {
	"binance futures data", "binance", 1000, 300000, 1, NULL, 0
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
/*
 * Kraken counts public calls per IP (and pair, for OHLC and Trades) on a
 * counter that decays by about one a second and refuses calls past its
 * maximum; "one call a second stays within", it says.  Five calls in any
 * 5 s keeps the counter at 5 at most, whatever the pair.
 */
static const struct mdx_ratelimit rl_kraken = {
	"kraken", "kraken", 5, 5000, 0, NULL, 0
};
/* Coinbase Exchange: 10 public requests a second per IP (bursts of 15). */
static const struct mdx_ratelimit rl_coinbase = {
	"coinbase", "coinbase", 10, 1000, 0, NULL, 0
};
static const struct mdx_ratelimit rl_okx_mark = {
	"okx history-mark-price-candles", "okx", 10, 2000, 0, NULL, 0
};
static const struct mdx_ratelimit rl_okx_index = {
	"okx history-index-candles", "okx", 10, 2000, 0, NULL, 0
};
static const struct mdx_ratelimit rl_okx_funding = {
	"okx funding-rate-history", "okx", 10, 2000, 0, NULL, 0
};
static const struct mdx_ratelimit rl_okx_oi = {
	"okx open-interest-history", "okx", 5, 2000, 0, NULL, 0
};

/* The markets mdx knows (lib/market.c), each once, with what their REST
 * APIs need: test-exchange checks that the two lists hold the same
 * markets. */
const struct mdx_market mdx_markets[] = {
	{ "binance", "spot", MDX_BINANCE, "MDX_BINANCE_URL",
	    "https://api.binance.com", NULL, 1000, 0, 100, 5000,
	    &rl_binance_spot, &rl_binance_spot, &rl_binance_spot,
	    &rl_binance_spot, 0, 0, 0 },
	{ "binance", "usdm", MDX_BINANCE, "MDX_BINANCE_FAPI_URL",
	    "https://fapi.binance.com", NULL, 499, 0, 100, 1000,
	    &rl_binance_usdm, &rl_binance_usdm, &rl_binance_usdm,
	    &rl_binance_usdm, 0, 0, 0 },
	{ "bybit", "spot", MDX_BYBIT, "MDX_BYBIT_URL", "https://api.bybit.com",
	    "spot", 1000, 1, 50, 200, &rl_bybit, &rl_bybit, &rl_bybit,
	    &rl_bybit, 0, 0, 0 },
	{ "bybit", "linear", MDX_BYBIT, "MDX_BYBIT_URL",
	    "https://api.bybit.com", "linear", 1000, 1, 50, 500, &rl_bybit,
	    &rl_bybit, &rl_bybit, &rl_bybit, 0, 0, 0 },
	{ "bybit", "inverse", MDX_BYBIT, "MDX_BYBIT_URL",
	    "https://api.bybit.com", "inverse", 1000, 1, 50, 500, &rl_bybit,
	    &rl_bybit, &rl_bybit, &rl_bybit, 0, 0, 0 },
	{ "okx", "spot", MDX_OKX, "MDX_OKX_URL", "https://www.okx.com", "SPOT",
	    100, 1, 100, 400, &rl_okx_candles, &rl_okx_history, &rl_okx_books,
	    &rl_okx_instruments, 0, 0, 0 },
	{ "okx", "swap", MDX_OKX, "MDX_OKX_URL", "https://www.okx.com", "SWAP",
	    100, 1, 100, 400, &rl_okx_candles, &rl_okx_history, &rl_okx_books,
	    &rl_okx_instruments, 0, 0, 0 },
	{ "kraken", "spot", MDX_KRAKEN, "MDX_KRAKEN_URL",
	    "https://api.kraken.com", NULL, 720, 0, 0, 0, &rl_kraken,
	    &rl_kraken, &rl_kraken, &rl_kraken, 720, 1, 1 },
	{ "coinbase", "spot", MDX_COINBASE, "MDX_COINBASE_URL",
	    "https://api.exchange.coinbase.com", NULL, 300, 1, 0, 0,
	    &rl_coinbase, &rl_coinbase, &rl_coinbase, &rl_coinbase, 0, 0, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL,
	    NULL, 0, 0, 0 }
};

/* OKX serves only its latest 1440 bars from /market/candles. */
#define OKX_RECENT_BARS 1440

static const char *kinds[] = { "klines", "depth", "instruments", "trades",
	"mark_klines", "index_klines", "premium_klines", "funding",
	"open_interest" };

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

int
mdx_kind_ranged(enum mdx_kind k)
{
	return k != MDX_KIND_DEPTH && k != MDX_KIND_INSTRUMENTS &&
	    k != MDX_KIND_TRADES;
}

int
mdx_kind_candles(enum mdx_kind k)
{
	return k == MDX_KIND_KLINES || k == MDX_KIND_MARK_KLINES ||
	    k == MDX_KIND_INDEX_KLINES || k == MDX_KIND_PREMIUM_KLINES;
}

int
mdx_kind_has_interval(enum mdx_kind k)
{
	return mdx_kind_candles(k) || k == MDX_KIND_OPEN_INTEREST;
}

/* Whether m is a market of perpetual contracts with derivatives data. */
static int
perpetual(const struct mdx_market *m)
{
	return strcmp(m->market, "usdm") == 0 ||
	    strcmp(m->market, "linear") == 0 ||
	    strcmp(m->market, "inverse") == 0 ||
	    strcmp(m->market, "swap") == 0;
}

int
mdx_market_offers(const struct mdx_market *m, enum mdx_kind kind)
{
	switch (kind) {
	case MDX_KIND_KLINES:
	case MDX_KIND_DEPTH:
	case MDX_KIND_INSTRUMENTS:
		return 1;
	case MDX_KIND_TRADES:
		return m->trades;
	case MDX_KIND_PREMIUM_KLINES:
		/* Bybit has premium-index candles of linear contracts only;
		 * OKX has none (its premium history is not candles). */
		return m->id == MDX_BINANCE ? perpetual(m) :
		    strcmp(m->market, "linear") == 0;
	default:
		return perpetual(m);
	}
}

/*
 * Rows per request.  Binance USD-M weighs klines of every price by limit:
 * 1 below 100, 2 below 500, 5 up to 1000, 10 above, so 499 rows for 2
 * (250 a unit) beat 1000 for 5 (200) and 1500 for 10 (150).
 */
int
mdx_market_page(const struct mdx_market *m, enum mdx_kind kind)
{
	switch (kind) {
	case MDX_KIND_FUNDING:
		return m->id == MDX_BINANCE ? 1000 : m->id == MDX_BYBIT ? 200 :
		    100;
	case MDX_KIND_OPEN_INTEREST:
		return m->id == MDX_BINANCE ? 500 : m->id == MDX_BYBIT ? 200 :
		    100;
	default:
		return m->page;
	}
}

const char *
mdx_market_oi_period(const struct mdx_market *m, const struct mdx_interval *iv)
{
	static const char *binance[] = { "5m", "15m", "30m", "1h", "2h", "4h",
		"6h", "12h", "1d", NULL };
	static const char *bybit[][2] = {
		{ "5m", "5min" }, { "15m", "15min" }, { "30m", "30min" },
		{ "1h", "1h" }, { "4h", "4h" }, { "1d", "1d" }, { NULL, NULL }
	};
	int i;

	switch (m->id) {
	case MDX_BINANCE:
		for (i = 0; binance[i] != NULL; i++)
			if (strcmp(binance[i], iv->code) == 0)
				return binance[i];
		return NULL;
	case MDX_BYBIT:
		for (i = 0; bybit[i][0] != NULL; i++)
			if (strcmp(bybit[i][0], iv->code) == 0)
				return bybit[i][1];
		return NULL;
	default:
		/* OKX's statistics periods are its bar sizes from 5m. */
		if (iv->ms > 0 && iv->ms < 5 * MDX_MS_MINUTE)
			return NULL;
		return mdx_market_interval(m, iv);
	}
}

int64_t
mdx_market_oi_depth(const struct mdx_market *m)
{
	return m->id == MDX_BINANCE ? 30 * MDX_MS_DAY : 0;
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
	case MDX_KRAKEN:
		return mdx_kraken_interval(iv);
	case MDX_COINBASE:
		return mdx_coinbase_interval(iv);
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

/* Binance's klines weights: spot 2 whatever the limit; USD-M, klines of
 * every price, by limit. */
static int
binance_klines_weight(const struct mdx_market *m, int limit)
{
	if (strcmp(m->market, "spot") == 0)
		return 2;
	return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
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
		r->weight = binance_klines_weight(m, m->page);
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
	case MDX_KRAKEN:
		mdx_kraken_request_klines(m, symbol, iv, lo, r);
		break;
	case MDX_COINBASE:
		mdx_coinbase_request_klines(m, symbol, iv, lo, hi, r);
		break;
	default:
		break;
	}
}

/* OKX asks for index candles by index (BTC-USDT), not by swap
 * (BTC-USDT-SWAP): the symbol without its "-SWAP". */
static int
okx_index_len(const char *symbol)
{
	size_t n = strlen(symbol);

	if (n > 5 && strcmp(symbol + n - 5, "-SWAP") == 0)
		n -= 5;
	return (int)n;
}

void
mdx_request_series(const struct mdx_market *m, enum mdx_kind kind,
    const char *symbol, const struct mdx_interval *iv, mdx_time lo,
    mdx_time hi, struct mdx_request *r)
{
	static const char *binance[] = { "markPriceKlines?symbol",
		"indexPriceKlines?pair", "premiumIndexKlines?symbol" };
	static const char *bybit[] = { "mark-price-kline", "index-price-kline",
		"premium-index-price-kline" };
	int page = mdx_market_page(m, kind), k;

	request_init(r);
	r->weight = 1;
	k = kind == MDX_KIND_MARK_KLINES ? 0 : kind == MDX_KIND_INDEX_KLINES ?
	    1 : 2;
	switch (m->id) {
	case MDX_BINANCE:
		r->rl = m->rl_klines;
		if (kind == MDX_KIND_FUNDING) {
			mdx_buf_printf(&r->path, "/fapi/v1/fundingRate?symbol=%s",
			    symbol);
			r->rl = &rl_binance_funding;
		} else if (kind == MDX_KIND_OPEN_INTEREST) {
			mdx_buf_printf(&r->path, "/futures/data/openInterestHist"
			    "?symbol=%s&period=%s", symbol,
			    mdx_market_oi_period(m, iv));
			r->rl = &rl_binance_stats;
		} else {
			mdx_buf_printf(&r->path, "/fapi/v1/%s=%s&interval=%s",
			    binance[k], symbol, mdx_market_interval(m, iv));
			r->weight = binance_klines_weight(m, page);
		}
		mdx_buf_printf(&r->path, "&startTime=%" PRId64 "&endTime=%"
		    PRId64 "&limit=%d", lo, hi - 1, page);
		break;
	case MDX_BYBIT:
		r->rl = m->rl_klines;
		if (kind == MDX_KIND_FUNDING)
			mdx_buf_printf(&r->path, "/v5/market/funding/history"
			    "?category=%s&symbol=%s&startTime=%" PRId64
			    "&endTime=%" PRId64, m->category, symbol, lo, hi - 1);
		else if (kind == MDX_KIND_OPEN_INTEREST)
			mdx_buf_printf(&r->path, "/v5/market/open-interest"
			    "?category=%s&symbol=%s&intervalTime=%s&startTime=%"
			    PRId64 "&endTime=%" PRId64, m->category, symbol,
			    mdx_market_oi_period(m, iv), lo, hi - 1);
		else
			mdx_buf_printf(&r->path, "/v5/market/%s?category=%s"
			    "&symbol=%s&interval=%s&start=%" PRId64 "&end=%"
			    PRId64, bybit[k], m->category, symbol,
			    mdx_market_interval(m, iv), lo, hi - 1);
		mdx_buf_printf(&r->path, "&limit=%d", page);
		break;
	case MDX_OKX:
		if (kind == MDX_KIND_FUNDING) {
			mdx_buf_printf(&r->path, "/api/v5/public/"
			    "funding-rate-history?instId=%s", symbol);
			r->rl = &rl_okx_funding;
		} else if (kind == MDX_KIND_OPEN_INTEREST) {
			/* The statistics take an inclusive begin and end. */
			mdx_buf_printf(&r->path, "/api/v5/rubik/stat/contracts/"
			    "open-interest-history?instId=%s&period=%s&begin=%"
			    PRId64 "&end=%" PRId64 "&limit=%d", symbol,
			    mdx_market_oi_period(m, iv), lo, hi - 1, page);
			r->rl = &rl_okx_oi;
			break;
		} else if (kind == MDX_KIND_MARK_KLINES) {
			mdx_buf_printf(&r->path, "/api/v5/market/"
			    "history-mark-price-candles?instId=%s&bar=%s",
			    symbol, mdx_market_interval(m, iv));
			r->rl = &rl_okx_mark;
		} else {
			mdx_buf_printf(&r->path, "/api/v5/market/"
			    "history-index-candles?instId=%.*s&bar=%s",
			    okx_index_len(symbol), symbol,
			    mdx_market_interval(m, iv));
			r->rl = &rl_okx_index;
		}
		/* after and before are exclusive. */
		mdx_buf_printf(&r->path, "&after=%" PRId64 "&before=%" PRId64
		    "&limit=%d", hi, lo - 1, page);
		break;
	default:
		/* mdx_market_offers() gives these kinds to perpetual
		 * contracts only, which Kraken and Coinbase have none of. */
		abort();
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
	default:
		/* No order books from Kraken or Coinbase (mdx-extract
		 * refuses -k depth for them). */
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
	case MDX_KRAKEN:
		mdx_kraken_request_instruments(m, r);
		break;
	case MDX_COINBASE:
		mdx_coinbase_request_instruments(m, r);
		break;
	default:
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
	default:
		/* Every ranged kind is an array of rows. */
		if (root->type != MDX_JSON_ARRAY)
			return shape(kind == MDX_KIND_KLINES ?
			    "klines are not an array" : "rows are not an array",
			    why, whysz);
		*payload = root;
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
	if (kind == MDX_KIND_DEPTH) {
		if (mdx_json_get(res, "b") == NULL)
			return shape("order book without bids", why, whysz);
		*payload = res;
	} else if ((*payload = mdx_json_get(res, "list")) == NULL ||
	    (*payload)->type != MDX_JSON_ARRAY)
		return shape("result without a list", why, whysz);
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
	case MDX_KRAKEN:
		return mdx_kraken_check(kind, http, root, payload, status, why,
		    whysz);
	case MDX_COINBASE:
		return mdx_coinbase_check(kind, http, root, payload, status,
		    why, whysz);
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

/*
 * The checks of a candle's open time t, aligned to iv, and whether the
 * candle was closed when fetched: OKX says so in its confirm field, for
 * the others its end must be past the fetch.
 */
static int
candle_closed(const struct mdx_market *m, const struct mdx_interval *iv,
    mdx_time t, const struct mdx_json *confirm, mdx_time fetched,
    int *closed, char *why, size_t whysz)
{
	if (!mdx_interval_aligned(iv, t)) {
		snprintf(why, whysz, "open time %" PRId64 " is not the start "
		    "of a %s interval", t, iv->code);
		return -1;
	}
	if (m->id != MDX_OKX)
		*closed = mdx_interval_next(iv, t) <= fetched;
	else if (mdx_json_str_eq(confirm, "1"))
		*closed = 1;
	else if (mdx_json_str_eq(confirm, "0"))
		*closed = 0;
	else {
		snprintf(why, whysz, "confirm flag is not \"0\" or \"1\"");
		return -1;
	}
	return 0;
}

int
mdx_row_shape(const struct mdx_json *row, const char *types, char *why,
    size_t whysz)
{
	const struct mdx_json *c;
	unsigned i, n = strlen(types);

	if (row->type != MDX_JSON_ARRAY || row->nchild != n) {
		snprintf(why, whysz, "row is not an array of %u fields", n);
		return -1;
	}
	for (i = 0, c = row->child; c != NULL; c = c->next, i++)
		if (c->type != (types[i] == 'n' ? MDX_JSON_NUMBER :
		    MDX_JSON_STRING)) {
			snprintf(why, whysz, "field %u is not a %s", i,
			    types[i] == 'n' ? "number" : "string");
			return -1;
		}
	return 0;
}

int
mdx_row_open_seconds(const struct mdx_interval *iv, const struct mdx_json *t,
    mdx_time fetched, mdx_time *open, int *closed, char *why, size_t whysz)
{
	int64_t v;

	if (mdx_json_int(t, &v) == -1 || v < 0 || v >= MDX_TIME_END / 1000) {
		snprintf(why, whysz, "bad open time");
		return -1;
	}
	*open = v * 1000;
	if (!mdx_interval_aligned(iv, *open)) {
		snprintf(why, whysz, "open time %" PRId64 " is not the start "
		    "of a %s interval", v, iv->code);
		return -1;
	}
	*closed = mdx_interval_next(iv, *open) <= fetched;
	return 0;
}

int
mdx_kline_row(const struct mdx_market *m, const struct mdx_interval *iv,
    const struct mdx_json *row, mdx_time fetched, mdx_time *open,
    int *closed, char *why, size_t whysz)
{
	static const unsigned fields[] = { 12, 7, 9 };
	const struct mdx_json *t;
	int64_t v;

	if (m->id == MDX_KRAKEN)
		return mdx_kraken_kline_row(iv, row, fetched, open, closed, why,
		    whysz);
	if (m->id == MDX_COINBASE)
		return mdx_coinbase_kline_row(iv, row, fetched, open, closed,
		    why, whysz);
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
	return candle_closed(m, iv, v, mdx_json_at(row, 8), fetched, closed,
	    why, whysz);
}

/* A time given as a JSON number (as_number) or as a string of digits. */
static int
row_time(const struct mdx_json *v, int as_number, mdx_time *t)
{
	int64_t n;

	if (v == NULL || v->type != (as_number ? MDX_JSON_NUMBER :
	    MDX_JSON_STRING) || mdx_json_int(v, &n) == -1 || n < 0)
		return -1;
	*t = n;
	return 0;
}

int
mdx_series_row(const struct mdx_market *m, enum mdx_kind kind,
    const struct mdx_interval *iv, const struct mdx_json *row,
    mdx_time fetched, mdx_time *t, int *closed, char *why, size_t whysz)
{
	static const unsigned fields[] = { 12, 5, 6 };
	static const char *okey[][3] = {
		{ "fundingTime", "fundingRateTimestamp", "fundingTime" },
		{ "timestamp", "timestamp", NULL }
	};
	const char *key;

	*closed = 1;
	if (kind == MDX_KIND_FUNDING || (kind == MDX_KIND_OPEN_INTEREST &&
	    m->id != MDX_OKX)) {
		key = okey[kind == MDX_KIND_FUNDING ? 0 : 1][m->id];
		if (row->type != MDX_JSON_OBJECT) {
			snprintf(why, whysz, "row is not an object");
			return -1;
		}
		if (row_time(mdx_json_get(row, key), m->id == MDX_BINANCE,
		    t) == -1) {
			snprintf(why, whysz, "bad or missing \"%s\"", key);
			return -1;
		}
		return 0;
	}
	if (kind == MDX_KIND_OPEN_INTEREST) {
		/* OKX: [ts, oi, oiCcy, oiUsd], all strings. */
		if (row->type != MDX_JSON_ARRAY || row->nchild != 4 ||
		    !strings_from(row, 0)) {
			snprintf(why, whysz, "row is not an array of 4 strings");
			return -1;
		}
		if (row_time(row->child, 0, t) == -1) {
			snprintf(why, whysz, "bad time");
			return -1;
		}
		return 0;
	}
	/* Mark, index and premium candles: Binance the klines row, Bybit
	 * [start, open, high, low, close], OKX the same and confirm. */
	if (row->type != MDX_JSON_ARRAY || row->nchild != fields[m->id] ||
	    (m->id != MDX_BINANCE && !strings_from(row, 0))) {
		snprintf(why, whysz, "row is not an array of %u %s",
		    fields[m->id], m->id == MDX_BINANCE ? "fields" : "strings");
		return -1;
	}
	if (row_time(row->child, m->id == MDX_BINANCE, t) == -1) {
		snprintf(why, whysz, "bad open time");
		return -1;
	}
	return candle_closed(m, iv, *t, mdx_json_at(row, 5), fetched, closed,
	    why, whysz);
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
	default:
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
	s = mdx_json_get(inst, m->id == MDX_OKX ? "instId" :
	    m->id == MDX_KRAKEN ? "altname" : m->id == MDX_COINBASE ? "id" :
	    "symbol");
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
