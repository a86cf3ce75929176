/*
 * market.c - the exchanges and markets mdx knows, as the warehouse has
 * them in mdx.exchange and mdx.market (seeded by sql/001_core.sql and
 * sql/062_kraken_coinbase.sql), and the check of the codes any record may
 * carry.
 */
#include <stddef.h>
#include <string.h>

#include "market.h"

int
mdx_code_valid(const char *s)
{
	size_t i;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (i == MDX_CODE_MAXLEN || !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return 0;
	return 1;
}

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
