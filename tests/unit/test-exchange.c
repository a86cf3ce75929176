/*
 * test-exchange.c - what tools/extract/exchange.c knows of each exchange: markets,
 * interval spellings, request paths and weights, answers and error
 * bodies, rows.
 */
#include <stdlib.h>
#include <string.h>

#include "mdx.h"
#include "exchange.h"
#include "tap.h"

static struct mdx_json_doc *doc;

static const struct mdx_json *
parse(const char *s)
{
	return mdx_json_parse(doc, s, strlen(s));
}

static enum mdx_answer
check(const char *ex, const char *mk, enum mdx_kind k, long http,
    const char *body, int *status, char *why)
{
	const struct mdx_json *payload;

	return mdx_answer_check(mdx_market_lookup(ex, mk), k, http,
	    parse(body), &payload, status, why, 200);
}

/* Kraken and Coinbase Exchange: intervals, requests, answers, rows. */
static void
test_kraken_coinbase(void)
{
	const struct mdx_market *kr = mdx_market_lookup("kraken", "spot");
	const struct mdx_market *cb = mdx_market_lookup("coinbase", "spot");
	const struct mdx_interval *m1 = mdx_interval_lookup("1m");
	const struct mdx_interval *h1 = mdx_interval_lookup("1h");
	struct mdx_request r;
	char why[200];
	int status, closed;
	int64_t ns, id;
	mdx_time t;

	ok(kr != NULL && cb != NULL, "kraken spot and coinbase spot");
	ok(kr->history == 720 && kr->to_newest && kr->trades,
	    "kraken: the latest 720 candles, answers to the newest, trades");
	is_str(mdx_market_interval(kr, h1), "60", "kraken 1h is 60");
	ok(mdx_market_interval(kr, mdx_interval_lookup("1w")) == NULL,
	    "kraken has no 1w (its weeks open on Thursdays)");
	is_str(mdx_market_interval(cb, mdx_interval_lookup("6h")), "21600",
	    "coinbase 6h is 21600");
	ok(mdx_market_interval(cb, mdx_interval_lookup("4h")) == NULL,
	    "coinbase has no 4h");

	mdx_buf_init(&r.path);
	mdx_request_klines(kr, "XBTUSD", m1, 1709208000000, 1709251200000,
	    1709251200000, &r);
	is_str(r.path.data, "/0/public/OHLC?pair=XBTUSD&interval=1"
	    "&since=1709207999", "kraken OHLC: since a second before");
	mdx_request_klines(cb, "BTC-USD", h1, 1709236800000, 1709251200000,
	    1709251200000, &r);
	is_str(r.path.data, "/products/BTC-USD/candles?granularity=3600"
	    "&start=2024-02-29T20:00:00Z&end=2024-03-01T00:00:00Z",
	    "coinbase candles: start and end");
	mdx_kraken_request_trades(kr, "XBTUSD", "1709251018087303000", &r);
	is_str(r.path.data, "/0/public/Trades?pair=XBTUSD"
	    "&since=1709251018087303000&count=1000", "kraken trades");
	mdx_request_instruments(kr, NULL, &r);
	is_str(r.path.data, "/0/public/AssetPairs", "kraken instruments");
	mdx_request_instruments(cb, NULL, &r);
	is_str(r.path.data, "/products", "coinbase instruments");
	mdx_buf_free(&r.path);

	is_int(check("kraken", "spot", MDX_KIND_KLINES, 200,
	    "{\"error\":[\"EGeneral:Too many requests\"]}", &status, why),
	    MDX_ANSWER_LIMITED, "kraken: too many requests is the limit");
	is_str(why, "kraken error EGeneral:Too many requests (HTTP 200)",
	    "... in kraken's words");
	is_int(check("kraken", "spot", MDX_KIND_KLINES, 200,
	    "{\"error\":[\"EQuery:Unknown asset pair\"]}", &status, why),
	    MDX_ANSWER_ERROR, "kraken: an unknown pair is an error");
	is_int(status, MDX_EX_USAGE, "... of usage");
	is_int(check("kraken", "spot", MDX_KIND_KLINES, 200,
	    "{\"error\":[\"EService:Unavailable\"]}", &status, why),
	    MDX_ANSWER_TRANSIENT, "kraken: EService passes");
	is_int(check("kraken", "spot", MDX_KIND_KLINES, 200,
	    "{\"error\":[],\"result\":{\"XXBTZUSD\":[],\"last\":0}}",
	    &status, why), MDX_ANSWER_OK, "kraken: the rows beside last");
	is_int(check("kraken", "spot", MDX_KIND_KLINES, 200,
	    "{\"error\":[],\"result\":{\"last\":0}}", &status, why),
	    MDX_ANSWER_BAD, "kraken: no rows is bad");
	is_int(check("coinbase", "spot", MDX_KIND_KLINES, 429,
	    "{\"message\":\"Public rate limit exceeded\"}", &status, why),
	    MDX_ANSWER_LIMITED, "coinbase 429 is the limit");
	is_int(check("coinbase", "spot", MDX_KIND_KLINES, 404,
	    "{\"message\":\"NotFound\"}", &status, why), MDX_ANSWER_ERROR,
	    "coinbase: an unknown product is an error");
	is_int(status, MDX_EX_USAGE, "... of usage");
	is_int(check("coinbase", "spot", MDX_KIND_KLINES, 502,
	    "{\"message\":\"Bad gateway\"}", &status, why),
	    MDX_ANSWER_TRANSIENT, "coinbase 5xx passes");

	ok(mdx_kline_row(kr, m1, parse("[1709251140,\"1\",\"2\",\"0.5\","
	    "\"1.5\",\"1.2\",\"10\",3]"), 1709251200000, &t, &closed, why,
	    sizeof(why)) == 0 && t == 1709251140000 && closed,
	    "kraken row: seconds, closed at its end");
	ok(mdx_kline_row(kr, m1, parse("[1709251200,\"1\",\"2\",\"0.5\","
	    "\"1.5\",\"1.2\",\"10\",3]"), 1709251230000, &t, &closed, why,
	    sizeof(why)) == 0 && !closed, "kraken row: the forming one");
	ok(mdx_kline_row(kr, m1, parse("[\"1709251200\",\"1\",\"2\","
	    "\"0.5\",\"1.5\",\"1.2\",\"10\",3]"), 0, &t, &closed, why,
	    sizeof(why)) == -1, "kraken row: a string time is bad");
	ok(mdx_kline_row(cb, h1, parse("[1709236800,23744.48,23972.75,"
	    "23752.86,23951.92,1174.5]"), 1709251200000, &t, &closed, why,
	    sizeof(why)) == 0 && t == 1709236800000 && closed,
	    "coinbase row: six numbers");
	ok(mdx_kline_row(cb, h1, parse("[1709236800,\"1\",2,3,4,5]"), 0, &t,
	    &closed, why, sizeof(why)) == -1, "coinbase row: a string is bad");
	ok(mdx_kraken_trade_row(parse("[\"30243.40000\",\"0.34507674\","
	    "1688669597.8277369,\"b\",\"m\",\"\",61044952]"), &ns, &id, why,
	    sizeof(why)) == 0 && ns == INT64_C(1688669597827736900) &&
	    id == 61044952, "kraken trade: time in ns, trade id");
	ok(mdx_kraken_trade_row(parse("[\"30243.40000\",\"0.34507674\","
	    "1688669597.8277369,\"b\",\"m\",\"\"]"), &ns, &id, why,
	    sizeof(why)) == -1, "kraken trade without an id is bad");
	ok(mdx_kraken_trades_cursor(parse("{\"error\":[],\"result\":"
	    "{\"X\":[],\"last\":\"1688671969993150842\"}}")) != NULL,
	    "kraken trades: the cursor");
}

int
main(void)
{
	const struct mdx_market *bn, *bu, *by, *ok, *m;
	const struct mdx_market_info *known;
	const struct mdx_interval *m1, *h6, *d1, *mo;
	struct mdx_request r;
	char why[200];
	mdx_time t;
	int status, closed, good, n;

	doc = mdx_json_doc_new();
	bn = mdx_market_lookup("binance", "spot");
	bu = mdx_market_lookup("binance", "usdm");
	by = mdx_market_lookup("bybit", "inverse");
	ok = mdx_market_lookup("okx", "swap");
	ok(bn && bu && by && ok, "the markets of HACKING.md");
	ok(mdx_market_lookup("binance", "linear") == NULL, "no binance linear");
	ok(mdx_market_lookup("kraken", "futures") == NULL,
	    "no kraken futures");

	/* The REST specifics cover the markets mdx knows, each once, and no
	 * other. */
	good = 1;
	n = 0;
	for (known = mdx_market_list; known->exchange != NULL; known++, n++)
		good &= mdx_market_lookup(known->exchange, known->market) !=
		    NULL;
	for (m = mdx_markets; m->exchange != NULL; m++, n--)
		good &= mdx_market_known(m->exchange, m->market) &&
		    mdx_market_lookup(m->exchange, m->market) == m;
	ok(good && n == 0, "the markets of lib/market.c, no more, no fewer");

	m1 = mdx_interval_lookup("1m");
	h6 = mdx_interval_lookup("6h");
	d1 = mdx_interval_lookup("1d");
	mo = mdx_interval_lookup("1M");
	is_str(mdx_market_interval(bn, mo), "1M", "binance 1M");
	is_str(mdx_market_interval(by, d1), "D", "bybit 1d is D");
	is_str(mdx_market_interval(by, m1), "1", "bybit 1m is 1");
	is_str(mdx_market_interval(ok, h6), "6Hutc", "okx 6h is 6Hutc");
	is_str(mdx_market_interval(ok, mo), "1Mutc", "okx 1M is 1Mutc");
	ok(mdx_market_interval(ok, mdx_interval_lookup("8h")) == NULL,
	    "okx has no 8h");
	ok(mdx_market_interval(bu, mdx_interval_lookup("1s")) == NULL,
	    "binance usdm has no 1s");

	unsetenv("MDX_BINANCE_FAPI_URL");
	is_str(mdx_market_url(bu), "https://fapi.binance.com", "default URL");
	setenv("MDX_BINANCE_FAPI_URL", "http://127.0.0.1:1", 1);
	is_str(mdx_market_url(bu), "http://127.0.0.1:1",
	    "URL from the environment");

	mdx_buf_init(&r.path);
	mdx_request_klines(bn, "BTCUSDT", m1, 1704067200000, 1704127200000,
	    1709251200000, &r);
	is_str(r.path.data, "/api/v3/klines?symbol=BTCUSDT&interval=1m"
	    "&startTime=1704067200000&endTime=1704127199999&limit=1000",
	    "binance klines: forward from startTime, endTime inclusive");
	is_int(r.weight, 2, "binance spot klines weigh 2");
	mdx_request_klines(bu, "BTCUSDT", m1, 0, 60000, 1709251200000, &r);
	is_str(r.path.data, "/fapi/v1/klines?symbol=BTCUSDT&interval=1m"
	    "&startTime=0&endTime=59999&limit=499",
	    "binance usdm klines: pages of 499");
	is_int(r.weight, 2, "binance usdm klines of 499 weigh 2");
	mdx_request_klines(by, "BTCUSD", d1, 1704067200000, 1704153600000,
	    1709251200000, &r);
	is_str(r.path.data, "/v5/market/kline?category=inverse&symbol=BTCUSD"
	    "&interval=D&start=1704067200000&end=1704153599999&limit=1000",
	    "bybit kline: start and end inclusive");
	mdx_request_klines(ok, "BTC-USDT-SWAP", m1, 1704067200000,
	    1704073200000, 1709251200000, &r);
	is_str(r.path.data, "/api/v5/market/history-candles"
	    "?instId=BTC-USDT-SWAP&bar=1m&after=1704073200000"
	    "&before=1704067199999&limit=100",
	    "okx: old bars from history-candles, cursors exclusive");
	ok(strcmp(r.rl->name, "okx history-candles") == 0,
	    "okx history has its own limit");
	mdx_request_klines(ok, "BTC-USDT-SWAP", m1, 1709250000000,
	    1709251200000, 1709251200000, &r);
	ok(strncmp(r.path.data, "/api/v5/market/candles?", 23) == 0,
	    "okx: the latest bars from candles");

	/* Derivatives data: where each market has it, its requests. */
	ok(!mdx_market_offers(bn, MDX_KIND_FUNDING) &&
	    mdx_market_offers(bu, MDX_KIND_FUNDING) &&
	    mdx_market_offers(bu, MDX_KIND_PREMIUM_KLINES) &&
	    !mdx_market_offers(by, MDX_KIND_PREMIUM_KLINES) &&
	    mdx_market_offers(mdx_market_lookup("bybit", "linear"),
	    MDX_KIND_PREMIUM_KLINES) &&
	    !mdx_market_offers(ok, MDX_KIND_PREMIUM_KLINES) &&
	    mdx_market_offers(ok, MDX_KIND_OPEN_INTEREST) &&
	    mdx_market_offers(bn, MDX_KIND_KLINES),
	    "derivatives kinds on perpetual markets only; no premium on "
	    "bybit inverse and okx");
	is_int(mdx_kind_lookup("open_interest"), MDX_KIND_OPEN_INTEREST,
	    "kind open_interest");
	ok(mdx_kind_ranged(MDX_KIND_FUNDING) && !mdx_kind_candles(
	    MDX_KIND_FUNDING) && !mdx_kind_has_interval(MDX_KIND_FUNDING) &&
	    mdx_kind_has_interval(MDX_KIND_OPEN_INTEREST) &&
	    mdx_kind_candles(MDX_KIND_MARK_KLINES) &&
	    !mdx_kind_ranged(MDX_KIND_DEPTH), "kinds: ranged, candles, interval");
	mdx_request_series(bu, MDX_KIND_INDEX_KLINES, "BTCUSDT", m1, 0, 60000,
	    &r);
	is_str(r.path.data, "/fapi/v1/indexPriceKlines?pair=BTCUSDT"
	    "&interval=1m&startTime=0&endTime=59999&limit=499",
	    "binance index klines: by pair, pages of 499");
	is_int(r.weight, 2, "... weigh 2");
	mdx_request_series(bu, MDX_KIND_FUNDING, "BTCUSDT", NULL, 0, 60000,
	    &r);
	is_str(r.path.data, "/fapi/v1/fundingRate?symbol=BTCUSDT"
	    "&startTime=0&endTime=59999&limit=1000", "binance funding");
	is_str(r.rl->name, "binance funding", "... on its own limit");
	mdx_request_series(bu, MDX_KIND_OPEN_INTEREST, "BTCUSDT",
	    mdx_interval_lookup("5m"), 0, 300000, &r);
	is_str(r.path.data, "/futures/data/openInterestHist?symbol=BTCUSDT"
	    "&period=5m&startTime=0&endTime=299999&limit=500",
	    "binance open interest");
	mdx_request_series(by, MDX_KIND_OPEN_INTEREST, "BTCUSD",
	    mdx_interval_lookup("5m"), 0, 300000, &r);
	is_str(r.path.data, "/v5/market/open-interest?category=inverse"
	    "&symbol=BTCUSD&intervalTime=5min&startTime=0&endTime=299999"
	    "&limit=200", "bybit open interest: 5min");
	ok(mdx_market_oi_period(by, mdx_interval_lookup("2h")) == NULL &&
	    mdx_market_oi_period(ok, m1) == NULL,
	    "no bybit 2h or okx 1m open interest");
	mdx_request_series(ok, MDX_KIND_INDEX_KLINES, "BTC-USD-SWAP", d1,
	    1704067200000, 1704153600000, &r);
	is_str(r.path.data, "/api/v5/market/history-index-candles"
	    "?instId=BTC-USD&bar=1Dutc&after=1704153600000"
	    "&before=1704067199999&limit=100", "okx index candles by index");
	mdx_request_series(ok, MDX_KIND_FUNDING, "BTC-USDT-SWAP", NULL, 0,
	    1000, &r);
	is_str(r.path.data, "/api/v5/public/funding-rate-history"
	    "?instId=BTC-USDT-SWAP&after=1000&before=-1&limit=100",
	    "okx funding");
	ok(mdx_series_row(bu, MDX_KIND_FUNDING, NULL,
	    parse("{\"fundingTime\":1704067200001,\"fundingRate\":\"1\"}"),
	    0, &t, &closed, why, sizeof(why)) == 0 && t == 1704067200001 &&
	    closed, "binance funding row: its time, on no boundary");
	ok(mdx_series_row(mdx_market_lookup("bybit", "linear"),
	    MDX_KIND_FUNDING, NULL, parse("{\"fundingRateTimestamp\":"
	    "1704067200000}"), 0, &t, &closed, why, sizeof(why)) == -1,
	    "bybit funding row: its time a string, not a number");
	ok(mdx_series_row(ok, MDX_KIND_OPEN_INTEREST, m1,
	    parse("[\"1704067200000\",\"1\",\"2\",\"3\"]"), 0, &t, &closed,
	    why, sizeof(why)) == 0 && t == 1704067200000,
	    "okx open-interest row");
	ok(mdx_series_row(ok, MDX_KIND_MARK_KLINES, m1,
	    parse("[\"1704067200000\",\"1\",\"2\",\"0.5\",\"1\",\"0\"]"),
	    1709251200000, &t, &closed, why, sizeof(why)) == 0 && !closed,
	    "okx mark row: confirm 0 is open");
	ok(mdx_series_row(bu, MDX_KIND_MARK_KLINES, m1,
	    parse("[1704067200000,\"1\",\"2\",\"0.5\",\"1\"]"), 0, &t,
	    &closed, why, sizeof(why)) == -1, "a short binance mark row is bad");
	mdx_request_depth(bn, "BTCUSDT", 500, &r);
	is_int(r.weight, 25, "binance spot depth 500 weighs 25");
	mdx_request_instruments(by, "a=b/c", &r);
	is_str(r.path.data, "/v5/market/instruments-info?category=inverse"
	    "&limit=1000&cursor=a%3Db%2Fc", "bybit cursor percent-encoded");
	mdx_buf_free(&r.path);

	is_int(check("binance", "spot", MDX_KIND_KLINES, 400,
	    "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", &status, why),
	    MDX_ANSWER_ERROR, "binance -1121 is an error");
	is_int(status, MDX_EX_USAGE, "... of usage");
	is_str(why, "binance error -1121: Invalid symbol. (HTTP 400)",
	    "... in binance's words");
	is_int(check("binance", "spot", MDX_KIND_KLINES, 503,
	    "{\"code\":-1001,\"msg\":\"Internal error\"}", &status, why),
	    MDX_ANSWER_TRANSIENT, "binance -1001 is transient");
	is_int(check("bybit", "spot", MDX_KIND_KLINES, 200,
	    "{\"retCode\":10006,\"retMsg\":\"Too many visits!\"}", &status,
	    why), MDX_ANSWER_LIMITED, "bybit 10006 is a rate limit");
	is_int(check("bybit", "spot", MDX_KIND_KLINES, 200,
	    "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{}}", &status, why),
	    MDX_ANSWER_BAD, "bybit without a list is bad");
	is_int(check("okx", "spot", MDX_KIND_KLINES, 200,
	    "{\"code\":\"51001\",\"msg\":\"Instrument ID does not exist\","
	    "\"data\":[]}", &status, why), MDX_ANSWER_ERROR,
	    "okx 51001 is an error");
	is_int(status, MDX_EX_USAGE, "... of usage");
	is_int(check("okx", "spot", MDX_KIND_DEPTH, 200,
	    "{\"code\":\"0\",\"msg\":\"\","
	    "\"data\":[{\"bids\":[],\"ts\":\"1\"}]}",
	    &status, why), MDX_ANSWER_OK, "okx depth: the first data object");
	is_int(check("okx", "spot", MDX_KIND_KLINES, 200, "{\"code\":",
	    &status, why), MDX_ANSWER_BAD, "invalid JSON is bad");

	ok(mdx_kline_row(bn, m1, parse("[1704067200000,\"1\",\"2\",\"0.5\","
	    "\"1.5\",\"10\",1704067259999,\"15\",3,\"5\",\"7.5\",\"0\"]"),
	    1704067260000, &t, &closed, why, sizeof(why)) == 0 &&
	    t == 1704067200000 && closed, "binance row: closed at its end");
	ok(mdx_kline_row(bn, m1, parse("[1704067200000,\"1\",\"2\",\"0.5\","
	    "\"1.5\",\"10\",1704067259999,\"15\",3,\"5\",\"7.5\",\"0\"]"),
	    1704067259999, &t, &closed, why, sizeof(why)) == 0 && !closed,
	    "binance row: open before its end");
	ok(mdx_kline_row(bn, m1, parse("[1704067200001,\"1\",\"2\",\"0.5\","
	    "\"1.5\",\"10\",1704067259999,\"15\",3,\"5\",\"7.5\",\"0\"]"),
	    1709251200000, &t, &closed, why, sizeof(why)) == -1,
	    "a row off the interval is bad");
	ok(mdx_kline_row(ok, m1, parse("[\"1704067200000\",\"1\",\"2\","
	    "\"0.5\",\"1.5\",\"10\",\"15\",\"15\",\"0\"]"), 1709251200000, &t,
	    &closed, why, sizeof(why)) == 0 && !closed,
	    "okx row: confirm 0 is open, whatever the time");
	ok(mdx_kline_row(mdx_market_lookup("bybit", "spot"), m1,
	    parse("[\"1704067200000\",\"1\",\"2\"]"), 0, &t, &closed, why,
	    sizeof(why)) == -1, "a short bybit row is bad");
	is_int(mdx_depth_time(bu, parse("{\"E\":1704067200123,"
	    "\"T\":1704067200120,\"bids\":[]}"), 5), 1704067200120,
	    "binance usdm depth: its T");
	is_int(mdx_depth_time(bn, parse("{\"bids\":[]}"), 5), 5,
	    "binance spot depth: the fetch time");
	test_kraken_coinbase();
	mdx_json_doc_free(doc);
	return done_testing();
}
