/*
 * market.c - the exchanges and markets mdx knows, as the warehouse has
 * them in mdx.exchange and mdx.market (seeded by sql/001_core.sql and
 * sql/062_kraken_coinbase.sql).
 */
#include <stddef.h>

#include "market.h"

const struct mdx_exchange_info mdx_exchange_list[] = {
	{ "binance", "Binance", "https://api.binance.com" },
	{ "bybit", "Bybit", "https://api.bybit.com" },
	{ "okx", "OKX", "https://www.okx.com" },
	{ "kraken", "Kraken", "https://api.kraken.com" },
	{ "coinbase", "Coinbase Exchange", "https://api.exchange.coinbase.com" },
	{ NULL, NULL, NULL }
};

const struct mdx_market_info mdx_market_list[] = {
	{ "binance", "spot", "spot", "Binance spot" },
	{ "binance", "usdm", "linear",
	    "Binance USD-M perpetual and delivery futures" },
	{ "bybit", "spot", "spot", "Bybit spot" },
	{ "bybit", "linear", "linear",
	    "Bybit USDT and USDC perpetual and futures contracts" },
	{ "bybit", "inverse", "inverse",
	    "Bybit inverse (coin-margined) contracts" },
	{ "okx", "spot", "spot", "OKX spot" },
	{ "okx", "swap", "linear",
	    "OKX perpetual swaps (USDT-margined linear and coin-margined "
	    "inverse)" },
	{ "kraken", "spot", "spot", "Kraken spot" },
	{ "coinbase", "spot", "spot", "Coinbase Exchange spot" },
	{ NULL, NULL, NULL, NULL }
};
