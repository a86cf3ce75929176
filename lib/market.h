/*
 * market.h - the exchanges and markets mdx knows, the one list of them in
 * C.  The warehouse holds the same rows in mdx.exchange and mdx.market;
 * tests/markets.t checks that they agree, and test-exchange that
 * mdx-extract's REST specifics (tools/extract/exchange.c) cover exactly
 * these markets.  A new market takes a row here, a migration inserting
 * its row, and its REST specifics.
 *
 * mdx_market_known() (watch.h) says whether a name pair is in the list:
 * these are the exchanges and markets mdx-extract FETCHES from.  Records
 * may name any other exchange and market whose codes mdx_code_valid()
 * takes (data imported with mdx-transform --import): the warehouse creates
 * their mdx.exchange and mdx.market rows on first use (sql/063).
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
 * The longest exchange or market code, in bytes: MDX_NAME_MAX (candle.h)
 * is one more, for the NUL.
 */
#define MDX_CODE_MAXLEN 31

/*
 * Whether s is a valid exchange or market code of a record: a lowercase
 * ASCII letter, then up to MDX_CODE_MAXLEN - 1 lowercase letters, digits,
 * '_' or '-' (the pattern [a-z][a-z0-9_-]{0,30}).  Every such code is a
 * safe lake partition value (mdx-lake(1)) and an SQL text value; the
 * warehouse checks the same pattern (sql/063_open_exchanges.sql).
 */
int mdx_code_valid(const char *s);

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
