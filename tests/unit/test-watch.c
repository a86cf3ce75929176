/*
 * test-watch.c - the watchlist reader and mdx_market_known().
 *
 * mdx_watchlist_read() prints its complaints on stderr; each case runs it
 * with stderr redirected into a file and compares what was printed.
 *
 *	test-watch             the TAP tests
 *	test-watch read FILE   reads FILE and prints one line per entry,
 *	                       "exchange market symbol intervals (at F:L)"
 *	                       ("-" for no intervals);
 *	                       exits 78 when it is bad (tests/watchlist.t)
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdx.h"
#include "tap.h"

static char dir[] = "/tmp/test-watch.XXXXXX";
static char file[300], errfile[300];
static char errs[4096];

/* Writes text as the watchlist, reads it; returns the count or -1 and
 * leaves stderr output in errs. */
static int
readlist(const char *text, struct mdx_watch **out)
{
	FILE *f;
	int saved, fd, n;
	ssize_t k;

	if (text != NULL) {
		f = fopen(file, "w");
		fputs(text, f);
		fclose(f);
	}
	fd = open(errfile, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved = dup(2);
	dup2(fd, 2);
	n = mdx_watchlist_read(file, out);
	dup2(saved, 2);
	close(saved);
	k = pread(fd, errs, sizeof(errs) - 1, 0);
	errs[k > 0 ? k : 0] = '\0';
	close(fd);
	return n;
}

/* errs with the scratch file name replaced by "W". */
static const char *
errs_rel(void)
{
	static char out[4096];
	char *p, *o = out, *s = errs;
	size_t fl = strlen(file);

	while ((p = strstr(s, file)) != NULL) {
		memcpy(o, s, p - s);
		o += p - s;
		*o++ = 'W';
		s = p + fl;
	}
	strcpy(o, s);
	return out;
}

static void
test_good(void)
{
	struct mdx_watch *w = NULL;
	int n;

	n = readlist(
	    "# exchange  market  symbol   intervals\n"
	    "\n"
	    "binance spot BTCUSDT 1m,1h\n"
	    "   \t\n"
	    "  binance\tusdm\tETHUSDT\t1M,1w,1d   # a comment\n"
	    "bybit linear BTCUSDT 1m\r\n"
	    "bybit inverse BTCUSD 3d\n"
	    "bybit spot BTCUSDT 12h\n"
	    "okx swap BTC-USDT-SWAP 1m\n"
	    "okx spot BTC-USDT 1s,3m,5m,15m,30m,2h,4h,6h,8h\n"
	    "okx spot A.B_C/D:E-F 1m\n"
	    "binance spot ethusdt 1m\n"
	    "bybit spot ETHUSDT   # the program's intervals", &w);
	is_int(n, 10, "ten entries");
	is_str(errs, "", "nothing printed");
	if (n != 10)
		return;
	is_str(w[0].exchange, "binance", "exchange");
	is_str(w[0].market, "spot", "market");
	is_str(w[0].symbol, "BTCUSDT", "symbol");
	is_int(w[0].ninterval, 2, "two intervals");
	is_str(w[0].interval[0]->code, "1m", "first interval");
	is_str(w[0].interval[1]->code, "1h", "second interval");
	is_str(w[0].pos.name, file, "position names the file");
	is_int(w[0].pos.line, 3, "line numbers count blank and comment lines");
	is_int(w[1].pos.line, 5, "second entry's line");
	is_str(w[1].interval[0]->code, "1M", "1M is a month");
	is_str(w[1].interval[2]->code, "1d", "comment after the fields");
	is_str(w[2].symbol, "BTCUSDT", "CRLF line ending");
	is_str(w[5].symbol, "BTC-USDT-SWAP", "okx swap symbol");
	is_int(w[6].ninterval, 9, "nine intervals");
	is_str(w[7].symbol, "A.B_C/D:E-F", "every allowed symbol character");
	is_str(w[8].symbol, "ethusdt",
	    "case is kept; a last line without newline");
	is_int(w[8].pos.line, 12, "its line number");
	is_str(w[9].symbol, "ETHUSDT", "three fields and a comment");
	is_int(w[9].ninterval, 0, "no intervals: ninterval 0");
	free(w);

	n = readlist("", &w);
	is_int(n, 0, "empty file: no entries");
	ok(w != NULL, "empty file: an array to free all the same");
	free(w);
	n = readlist("# nothing\n\n", &w);
	is_int(n, 0, "comments only: no entries");
	free(w);
}

static void
test_bad(void)
{
	struct mdx_watch *w = (struct mdx_watch *)&w;
	int n;

	n = readlist(
	    "binance spot BTCUSDT 1m\n"			/* 1 good */
	    "bitstamp spot BTCUSD 1m\n"			/* 2 */
	    "binance futures BTCUSDT 1m\n"		/* 3 */
	    "okx linear BTC-USDT 1m\n"			/* 4 */
	    "binance spot BTC#USDT 1m\n"		/* 5 */
	    "binance spot BTC,USDT 1m\n"		/* 6 */
	    "binance spot BTCUSDT 1m\n"			/* 7 dup of 1 */
	    "binance spot ETHUSDT 1m,2m\n"		/* 8 */
	    "binance spot ETHUSDT 1m,,1h\n"		/* 9 */
	    "binance spot ETHUSDT 1m,\n"		/* 10 */
	    "binance spot ETHUSDT 1m,1h,1m\n"		/* 11 */
	    "binance spot\n"				/* 12 */
	    "binance spot ETHUSDT 1m extra\n"		/* 13 */
	    "binance spot "
	    "A123456789012345678901234567890123456789012345678901234567890123"
	    " 1m\n"					/* 14: 64 chars */
	    "binance spot caf\xc3\xa9 1m\n"		/* 15 */
	    "Binance spot BTCUSDT 1m\n"			/* 16 */
	    "binance spot BTCUSDT 1H\n"			/* 17 */
	    "binance usdm BTCUSDT 1m\n"			/* 18 good */
	    "binance usdm BTCUSDT 1h\n",		/* 19 dup of 18 */
	    &w);
	is_int(n, -1, "bad entries: -1");
	ok(w == NULL, "bad entries: *out is NULL");
	is_str(errs_rel(),
	    "test-watch: bad watchlist entry: unknown exchange 'bitstamp' "
	    "(at W:2)\n"
	    "test-watch: bad watchlist entry: unknown market 'futures' for "
	    "exchange 'binance' (at W:3)\n"
	    "test-watch: bad watchlist entry: unknown market 'linear' for "
	    "exchange 'okx' (at W:4)\n"
	    "test-watch: bad watchlist entry: invalid character '#' in symbol "
	    "'BTC#USDT' (at W:5)\n"
	    "test-watch: bad watchlist entry: invalid character ',' in symbol "
	    "'BTC,USDT' (at W:6)\n"
	    "test-watch: bad watchlist entry: duplicate of 'binance spot "
	    "BTCUSDT' at line 1 (at W:7)\n"
	    "test-watch: bad watchlist entry: unknown interval '2m' (at W:8)\n"
	    "test-watch: bad watchlist entry: empty interval in '1m,,1h' "
	    "(at W:9)\n"
	    "test-watch: bad watchlist entry: empty interval in '1m,' "
	    "(at W:10)\n"
	    "test-watch: bad watchlist entry: interval '1m' given twice "
	    "(at W:11)\n"
	    "test-watch: bad watchlist entry: want exchange, market, symbol "
	    "and intervals (at W:12)\n"
	    "test-watch: bad watchlist entry: more than four fields besides "
	    "kinds= (at W:13)\n"
	    "test-watch: bad watchlist entry: symbol "
	    "'A123456789012345678901234567890123456789...' longer than 63 "
	    "characters (at W:14)\n"
	    "test-watch: bad watchlist entry: invalid byte 0xc3 in symbol "
	    "(at W:15)\n"
	    "test-watch: bad watchlist entry: unknown exchange 'Binance' "
	    "(at W:16)\n"
	    "test-watch: bad watchlist entry: unknown interval '1H' "
	    "(at W:17)\n"
	    "test-watch: bad watchlist entry: duplicate of 'binance usdm "
	    "BTCUSDT' at line 18 (at W:19)\n",
	    "every bad line reported with its reason and position");

	n = readlist("binance spot X 1m\nokx spot Y 1m\0junk\n", &w);
	is_int(n, 2, "text after a NUL is not seen by fputs");
	free(w);

	w = (struct mdx_watch *)&w;
	snprintf(file, sizeof(file), "%s/missing/watchlist", dir);
	n = readlist(NULL, &w);
	is_int(n, -1, "missing file: -1");
	ok(w == NULL, "missing file: *out is NULL");
	is_str(errs_rel(), "test-watch: cannot open watchlist 'W': No such "
	    "file or directory\n", "missing file: message");
	snprintf(file, sizeof(file), "%s/watchlist", dir);
}

static void
test_nul(void)
{
	struct mdx_watch *w;
	int fd, saved, n;
	ssize_t k;

	fd = open(file, O_WRONLY | O_TRUNC);
	(void)!write(fd, "binance spot X 1m\nbinance spot Y\0 1m\n", 37);
	close(fd);
	fd = open(errfile, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved = dup(2);
	dup2(fd, 2);
	n = mdx_watchlist_read(file, &w);
	dup2(saved, 2);
	close(saved);
	k = pread(fd, errs, sizeof(errs) - 1, 0);
	errs[k > 0 ? k : 0] = '\0';
	close(fd);
	is_int(n, -1, "a NUL byte is an error");
	is_str(errs_rel(), "test-watch: bad watchlist entry: NUL byte "
	    "(at W:2)\n", "NUL byte reported with its line");
}

static void
test_market(void)
{
	ok(mdx_market_known("binance", "spot"), "binance spot");
	ok(mdx_market_known("binance", "usdm"), "binance usdm");
	ok(mdx_market_known("bybit", "spot"), "bybit spot");
	ok(mdx_market_known("bybit", "linear"), "bybit linear");
	ok(mdx_market_known("bybit", "inverse"), "bybit inverse");
	ok(mdx_market_known("okx", "spot"), "okx spot");
	ok(mdx_market_known("okx", "swap"), "okx swap");
	ok(!mdx_market_known("binance", "swap"), "not binance swap");
	ok(!mdx_market_known("okx", "usdm"), "not okx usdm");
	ok(!mdx_market_known("bybit", "usdm"), "not bybit usdm");
	ok(!mdx_market_known("BINANCE", "spot"), "case matters");
	ok(!mdx_market_known("", ""), "not empty");
	ok(!mdx_market_known(NULL, "spot"), "not NULL");
}

/* " kinds=klines,mark..." for a kinds mask, in the watchlist's order. */
static void
print_kinds(unsigned kinds)
{
	static const char *const names[] = { "klines", "mark", "index",
	    "premium", "funding", "oi" };
	const char *sep = " kinds=";
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (kinds & mdx_watch_kind(names[k])) {
			printf("%s%s", sep, names[k]);
			sep = ",";
		}
}

static int
print_list(const char *path)
{
	struct mdx_watch *w;
	int n, i, j;

	if ((n = mdx_watchlist_read(path, &w)) < 0)
		return MDX_EX_CONFIG;
	for (i = 0; i < n; i++) {
		printf("%s %s %s ", w[i].exchange, w[i].market, w[i].symbol);
		for (j = 0; j < w[i].ninterval; j++)
			printf("%s%s", j ? "," : "", w[i].interval[j]->code);
		if (w[i].trades != 0)
			printf("%s%s", w[i].ninterval ? "," : "",
			    w[i].trades == MDX_WATCH_TRADES_LOAD ?
			    "trades:load" : "trades");
		else if (w[i].ninterval == 0)
			printf("-");
		if (w[i].kinds != MDX_WATCH_KLINES)
			print_kinds(w[i].kinds);
		printf(" (at %s:%lu)\n", w[i].pos.name, w[i].pos.line);
	}
	free(w);
	return 0;
}

/* The trades tokens: lake only, loaded too, alone or with intervals. */
static void
test_trades(void)
{
	struct mdx_watch *w = NULL;
	int n;

	n = readlist(
	    "binance spot BTCUSDT 1m,trades\n"
	    "binance spot ETHUSDT trades:load,1s\n"
	    "okx spot BTC-USDT trades\n"
	    "bybit linear BTCUSDT 1m\n", &w);
	is_int(n, 4, "trades: four entries");
	if (n != 4)
		return;
	is_int(w[0].trades, MDX_WATCH_TRADES_LAKE, "trades: kept in the lake");
	is_int(w[0].ninterval, 1, "trades: not an interval");
	is_int(w[0].nocandles, 0, "trades with 1m: candles too");
	is_int(w[1].trades, MDX_WATCH_TRADES_LOAD, "trades:load: loaded too");
	is_str(w[1].interval[0]->code, "1s", "an interval after it");
	is_int(w[2].trades, MDX_WATCH_TRADES_LAKE, "trades alone");
	is_int(w[2].nocandles, 1, "trades alone: no candles");
	is_int(w[3].trades, 0, "no trades asked for");
	is_int(w[3].nocandles, 0, "candles");
	free(w);
	n = readlist("binance spot BTCUSDT trades,trades:load\n", &w);
	is_int(n, -1, "trades twice: rejected");
	is_str(errs_rel(), "test-watch: bad watchlist entry: trades given "
	    "twice (at W:1)\n", "trades twice: said so");
	free(w);
	n = readlist("binance spot BTCUSDT trade\n", &w);
	is_int(n, -1, "a misspelt trades: rejected");
	is_str(errs_rel(), "test-watch: bad watchlist entry: unknown "
	    "interval 'trade' (at W:1)\n", "as an unknown interval");
	free(w);
}

int
main(int argc, char **argv)
{
	mdx_init(argv[0]);
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return print_list(argv[2]);
	tap_scratch(dir);
	snprintf(file, sizeof(file), "%s/watchlist", dir);
	snprintf(errfile, sizeof(errfile), "%s/stderr", dir);
	test_good();
	test_trades();
	test_bad();
	test_nul();
	test_market();
	tap_scratch_remove(dir);
	return done_testing();
}
