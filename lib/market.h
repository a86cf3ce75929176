/*
 * market.h - the exchanges and markets mdx knows, the one list of them in
 * C.  The warehouse holds the same rows in mdx.exchange and mdx.market;
 * tests/markets.t checks that they agree, and test-exchange that
 * mdx-extract's REST specifics (tools/extract/exchange.c) cover exactly
 * these markets.  A new market takes a row here, a migration inserting
 * its row, and its REST specifics.
 *
 * mdx_market_known() (watch.h) says whether a name pair is in the list.
 */
#ifndef MDX_MARKET_H
#define MDX_MARKET_H

struct mdx_exchange_info {
	const char *exchange;	/* the code mdx uses everywhere: binance */
	const char *name;	/* the display name: Binance */
	const char *url;	/* the public REST API base URL */
};

struct mdx_market_info {
	const char *exchange;	/* binance */
	const char *market;	/* the market code: usdm */
	const char *contract;	/* spot, linear or inverse */
	const char *description; /* what the market is, in words */
};

/*
 * The header row some of Binance's public-data kline CSV files start with
 * (the others have none).  mdx-extract --archive skips it when it is the
 * first line, and mdx-transform when a raw archive record holds it; any
 * other line that is not a kline is a bad row.
 */
#define MDX_BINANCE_CSV_HEADER "open_time,open,high,low,close,volume," \
	"close_time,quote_volume,count,taker_buy_volume," \
	"taker_buy_quote_volume,ignore"

/*
 * The header rows of Binance's USD-M fundingRate and metrics archives,
 * which mdx-extract --archive skips as their first lines.
 */
#define MDX_BINANCE_FUNDING_HEADER \
	"calc_time,funding_interval_hours,last_funding_rate"
#define MDX_BINANCE_METRICS_HEADER "create_time,symbol,sum_open_interest," \
	"sum_open_interest_value,count_toptrader_long_short_ratio," \
	"sum_toptrader_long_short_ratio,count_long_short_ratio," \
	"sum_taker_long_short_vol_ratio"

/* The exchanges and the markets, each list ending with an entry whose
 * exchange is NULL. */
extern const struct mdx_exchange_info mdx_exchange_list[];
extern const struct mdx_market_info mdx_market_list[];

#endif /* MDX_MARKET_H */
