/*
 * test-market.c - the list of exchanges and markets (lib/market.c): well
 * formed, what mdx_market_known() goes by, and the codes mdx_code_valid()
 * takes.
 *
 * "test-market exchanges" and "test-market markets" print the lists
 * instead, one row a line with the fields separated by '|', as psql -A -t
 * prints mdx.exchange and mdx.market: tests/markets.t compares the two.
 */
#include <stdio.h>
#include <string.h>

#include "mdx.h"
#include "tap.h"

static int
filled(const char *s)
{
	return s != NULL && *s != '\0' && strchr(s, '|') == NULL &&
	    strchr(s, '\n') == NULL;
}

static int
print(const char *what)
{
	const struct mdx_exchange_info *e;
	const struct mdx_market_info *m;

	if (strcmp(what, "exchanges") == 0) {
		for (e = mdx_exchange_list; e->exchange != NULL; e++)
			printf("%s|%s|%s\n", e->exchange, e->name, e->url);
	} else if (strcmp(what, "markets") == 0) {
		for (m = mdx_market_list; m->exchange != NULL; m++)
			printf("%s|%s|%s|%s\n", m->exchange, m->market,
			    m->contract, m->description);
	} else {
		fprintf(stderr, "usage: test-market [exchanges | markets]\n");
		return 64;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const struct mdx_exchange_info *e, *e2;
	const struct mdx_market_info *m, *m2;
	int good, nmarket;

	if (argc > 1)
		return print(argv[1]);

	good = mdx_exchange_list[0].exchange != NULL;
	for (e = mdx_exchange_list; e->exchange != NULL; e++) {
		good &= filled(e->exchange) && filled(e->name) &&
		    filled(e->url);
		for (e2 = mdx_exchange_list; e2 != e; e2++)
			good &= strcmp(e2->exchange, e->exchange) != 0;
	}
	ok(good, "exchanges: every field given, each code once");

	good = mdx_market_list[0].exchange != NULL;
	for (m = mdx_market_list; m->exchange != NULL; m++) {
		good &= filled(m->market) && filled(m->description);
		good &= strcmp(m->contract, "spot") == 0 ||
		    strcmp(m->contract, "linear") == 0 ||
		    strcmp(m->contract, "inverse") == 0;
		for (m2 = mdx_market_list; m2 != m; m2++)
			good &= strcmp(m2->exchange, m->exchange) != 0 ||
			    strcmp(m2->market, m->market) != 0;
	}
	ok(good, "markets: every field given, contract spot, linear or "
	    "inverse, each pair once");

	good = 1;
	for (m = mdx_market_list; m->exchange != NULL; m++) {
		for (e = mdx_exchange_list; e->exchange != NULL; e++)
			if (strcmp(e->exchange, m->exchange) == 0)
				break;
		good &= e->exchange != NULL;
	}
	ok(good, "every market's exchange is listed");

	good = 1;
	for (e = mdx_exchange_list; e->exchange != NULL; e++) {
		nmarket = 0;
		for (m = mdx_market_list; m->exchange != NULL; m++)
			nmarket += strcmp(e->exchange, m->exchange) == 0;
		good &= nmarket > 0;
	}
	ok(good, "every exchange has a market");

	good = 1;
	for (m = mdx_market_list; m->exchange != NULL; m++)
		good &= mdx_market_known(m->exchange, m->market);
	ok(good, "mdx_market_known() knows every market listed");
	ok(!mdx_market_known("binance", "swap") &&
	    !mdx_market_known("bitstamp", "spot"),
	    "mdx_market_known() knows no other");

	good = 1;
	for (m = mdx_market_list; m->exchange != NULL; m++)
		good &= mdx_code_valid(m->exchange) &&
		    mdx_code_valid(m->market);
	ok(good, "every listed exchange and market is a valid code");
	ok(mdx_code_valid("kraken") && mdx_code_valid("a") &&
	    mdx_code_valid("my_vendor-2") &&
	    mdx_code_valid("abcdefghijklmnopqrstuvwxyz01234"),
	    "mdx_code_valid(): codes of 1 to 31 characters");
	ok(!mdx_code_valid("abcdefghijklmnopqrstuvwxyz012345"),
	    "mdx_code_valid(): not 32 characters");
	ok(!mdx_code_valid("") && !mdx_code_valid(NULL) &&
	    !mdx_code_valid("Kraken") && !mdx_code_valid("1inch") &&
	    !mdx_code_valid("_x") && !mdx_code_valid("a.b") &&
	    !mdx_code_valid("a b") && !mdx_code_valid("a/b") &&
	    !mdx_code_valid("caf\xc3\xa9"),
	    "mdx_code_valid(): not empty, uppercase, a leading digit or '_', "
	    "or other characters");
	return done_testing();
}
