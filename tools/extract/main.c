/*
 * mdx-extract - fetch candles, order books and instruments from Binance,
 * Bybit and OKX, candles and instruments from Kraken (and its trades) and
 * Coinbase Exchange, or read Binance public-data archives, and write them as
 * raw NDJSON records (HACKING.md "Raw records") to standard output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "err.h"
#include "opt.h"
#include "buf.h"
#include "ndjson.h"
#include "json.h"
#include "utc.h"
#include "db.h"

#include "exchange.h"
#include "fetch.h"
#include "extract.h"

static const char usage_text[] =
"usage: mdx-extract [-qv] [-x exchange] [-m market] [-k kind] [-s symbols]\n"
"                   [-i intervals] [--since time] [--until time]\n"
"                   [--include-open] [--resume] [--db] [--watchlist file]\n"
"                   [--ranges file] [--depth levels] [--connections n]\n"
"                   [--timeout seconds] [--tries n] [--weight-limit n]\n"
"       mdx-extract --archive path [-x exchange] [-m market] [-k kind]\n"
"                   [-s symbols] [-i intervals] [--since time] [--until time]\n"
"                   [--canonical]\n"
"       mdx-extract -h | -V\n"
MDX_OPT_HELP;

/* ------------------------------------------------------------------------
 * Options and the outcome of the run.
 */
struct opts opt;
mdx_time extract_now_ms;	/* mdx_now() at the start */
static int exit_status;

/*
 * The exit status of the run: the most telling of all that went wrong.  A
 * usage or data error needs a person; a temporary failure only a rerun.
 */
void
extract_fail(int status)
{
	static const int rank[] = { MDX_EX_USAGE, MDX_EX_DATAERR,
	    MDX_EX_CONFIG, MDX_EX_IOERR, MDX_EX_UNAVAILABLE, MDX_EX_TEMPFAIL,
	    MDX_EX_FAIL };
	int i, a = 99, b = 99;

	for (i = 0; i < 7; i++) {
		if (rank[i] == status)
			a = i;
		if (rank[i] == exit_status)
			b = i;
	}
	if (exit_status == 0 || a < b)
		exit_status = status;
}

static void
split_list(char *s, void (*add)(const char *))
{
	char *p;

	for (p = strtok(s, ","); p != NULL; p = strtok(NULL, ","))
		if (*p != '\0')
			add(p);
}

static void
add_symbol(const char *s)
{
	if (!extract_symbol_ok(s))
		mdx_usage("bad symbol '%s'", s);
	opt.symbols = mdx_realloc(opt.symbols, (opt.nsymbols + 1) *
	    sizeof(char *));
	opt.symbols[opt.nsymbols++] = mdx_strdup(s);
}

static void
add_interval(const char *s)
{
	const struct mdx_interval *iv;

	iv = mdx_opt_interval("-i", s, 0);
	if (opt.nivs == (int)(sizeof(opt.ivs) / sizeof(opt.ivs[0])))
		mdx_usage("too many intervals at '%s'", s);
	opt.ivs[opt.nivs++] = iv;
}

/*
 * Whether -k trades is fetched by trades.c (Binance, Bybit and OKX, whose
 * trades are paged by id or served latest first) rather than by the
 * series of plan() and rest.c, which follow Kraken's "since" cursor.
 */
static int
paged_trades(void)
{
	const struct mdx_market *m = mdx_market_lookup(opt.exchange,
	    opt.market);

	return m->id == MDX_BINANCE || m->id == MDX_BYBIT || m->id == MDX_OKX;
}

static void
parse_options(int argc, char **argv)
{
	enum { O_SINCE = 256, O_UNTIL, O_WATCH, O_RESUME, O_DB, O_RANGES,
	    O_OPEN, O_ARCHIVE, O_DEPTH, O_CONN, O_TIMEOUT, O_TRIES,
	    O_WEIGHT, O_CANON };
	static const struct option lo[] = {
		{ "exchange", required_argument, NULL, 'x' },
		{ "market", required_argument, NULL, 'm' },
		{ "symbols", required_argument, NULL, 's' },
		{ "intervals", required_argument, NULL, 'i' },
		{ "kind", required_argument, NULL, 'k' },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "watchlist", required_argument, NULL, O_WATCH },
		{ "resume", no_argument, NULL, O_RESUME },
		{ "db", no_argument, NULL, O_DB },
		{ "ranges", required_argument, NULL, O_RANGES },
		{ "include-open", no_argument, NULL, O_OPEN },
		{ "archive", required_argument, NULL, O_ARCHIVE },
		{ "depth", required_argument, NULL, O_DEPTH },
		{ "connections", required_argument, NULL, O_CONN },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "tries", required_argument, NULL, O_TRIES },
		{ "weight-limit", required_argument, NULL, O_WEIGHT },
		{ "canonical", no_argument, NULL, O_CANON },
		MDX_OPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	const char *kind = "klines", *v;
	char *copy;
	int c;

	opt.fo.connections = 8;
	opt.fo.timeout = 30000;
	opt.fo.tries = 6;
	opt.fo.max_wait = 300000;
	opt.fo.share = 0.95;
	opt.fo.backoff = 500;
	opt.depth = 0;
	while ((c = getopt_long(argc, argv, "x:m:s:i:k:" MDX_OPT_SHORT, lo,
	    NULL)) != -1) {
		switch (c) {
		case 'x': opt.exchange = optarg; break;
		case 'm': opt.market = optarg; break;
		case 's':
			copy = mdx_strdup(optarg);
			split_list(copy, add_symbol);
			free(copy);
			break;
		case 'i':
			opt.ivs_given = 1;
			copy = mdx_strdup(optarg);
			split_list(copy, add_interval);
			free(copy);
			break;
		case 'k': kind = optarg; break;
		case O_SINCE:
			opt.since = mdx_opt_time("--since", optarg);
			opt.have_since = 1;
			break;
		case O_UNTIL:
			opt.until = mdx_opt_time("--until", optarg);
			opt.have_until = 1;
			break;
		case O_WATCH: opt.watchlist = optarg; break;
		case O_RESUME: opt.resume = 1; break;
		case O_DB: opt.db = 1; break;
		case O_RANGES: opt.ranges = optarg; break;
		case O_OPEN: opt.include_open = 1; break;
		case O_ARCHIVE:
			opt.archives = mdx_realloc(opt.archives,
			    (opt.narchives + 1) * sizeof(char *));
			opt.archives[opt.narchives++] = optarg;
			break;
		case O_DEPTH:
			opt.depth = (int)mdx_opt_num("--depth", optarg, 1, 5000);
			break;
		case O_CONN:
			opt.fo.connections = (int)mdx_opt_num("--connections",
			    optarg, 1, 64);
			break;
		case O_TIMEOUT:
			opt.fo.timeout = mdx_opt_num("--timeout", optarg, 1,
			    3600) * 1000;
			break;
		case O_TRIES:
			opt.fo.tries = (int)mdx_opt_num("--tries", optarg, 1,
			    100);
			break;
		case O_CANON: opt.canonical = 1; break;
		case O_WEIGHT:
			opt.weight_limit = (int)mdx_opt_num("--weight-limit",
			    optarg, 1, 1000000);
			break;
		default: mdx_opt_common(c);
		}
	}
	if (optind < argc)
		mdx_usage("unexpected argument '%s'", argv[optind]);
	if ((opt.kind = mdx_kind_lookup(kind)) == -1)
		mdx_usage("unknown kind '%s' (klines, mark_klines, index_klines, "
		    "premium_klines, funding, open_interest, depth, "
		    "instruments or trades)", kind);
	if (opt.kind == MDX_KIND_FUNDING && opt.ivs_given)
		mdx_usage("-i does not apply to funding (its events come at "
		    "the exchange's funding times)");
	if (opt.exchange == NULL)
		opt.exchange = "binance";
	if (opt.market == NULL)
		opt.market = "spot";
	if (mdx_market_lookup(opt.exchange, opt.market) == NULL)
		mdx_usage("unknown exchange and market '%s %s' (binance "
		    "spot|usdm, bybit spot|linear|inverse, okx spot|swap, "
		    "kraken spot, coinbase spot)", opt.exchange, opt.market);
	if (opt.narchives > 0 && opt.kind != MDX_KIND_KLINES &&
	    opt.kind != MDX_KIND_TRADES && strcmp(opt.market, "usdm") != 0)
		mdx_usage("--archive -k %s reads Binance USD-M archives: give "
		    "-m usdm", kind);
	if (opt.nivs == 0)
		add_interval(opt.kind == MDX_KIND_OPEN_INTEREST ? "5m" : "1m");
	if (opt.have_since && opt.have_until && opt.until <= opt.since)
		mdx_usage("--until must be after --since");
	if (opt.narchives > 0 && (opt.ranges != NULL ||
	    opt.watchlist != NULL || opt.resume ||
	    (!mdx_kind_ranged(opt.kind) && opt.kind != MDX_KIND_TRADES)))
		mdx_usage("--archive reads klines, mark_klines, index_klines, "
		    "premium_klines, funding, open_interest or trades, without "
		    "--ranges, --watchlist or --resume");
	if (opt.canonical && (opt.narchives == 0 ||
	    opt.kind != MDX_KIND_TRADES))
		mdx_usage("--canonical goes with --archive and -k trades");
	if (opt.kind == MDX_KIND_TRADES && opt.narchives == 0 &&
	    paged_trades() && (opt.ranges != NULL || opt.watchlist != NULL))
		mdx_usage("-k trades takes -s, not --ranges or --watchlist");
	if (opt.ranges != NULL && opt.kind != MDX_KIND_KLINES)
		mdx_usage("--ranges takes the kind of each gap record "
		    "(price, series): leave out -k");
	if (opt.ranges != NULL && opt.watchlist != NULL)
		mdx_usage("--ranges and --watchlist exclude each other");
	if (opt.narchives == 0 && opt.ranges == NULL &&
	    opt.watchlist == NULL && opt.nsymbols == 0 &&
	    opt.kind != MDX_KIND_INSTRUMENTS)
		mdx_usage("no symbols: give -s, --watchlist, --ranges or "
		    "--archive");
	if ((v = getenv("MDX_STATE")) != NULL && *v != '\0')
		opt.state_dir = v;
	else
		opt.state_dir = "./var/state";
	opt.fo.state_dir = opt.state_dir;
}

/* ------------------------------------------------------------------------
 * main
 */
static void
plan(void)
{
	const struct mdx_market *m = mdx_market_lookup(opt.exchange,
	    opt.market);
	PGconn *conn = NULL;
	int i;

	if (opt.ranges != NULL)
		extract_plan_ranges();
	else if (opt.watchlist != NULL)
		extract_plan_watchlist(&conn);
	else if (opt.kind == MDX_KIND_INSTRUMENTS) {
		extract_series_new(m, MDX_KIND_INSTRUMENTS, NULL, NULL);
		if (opt.nsymbols > 0)
			extract_inst_seen = mdx_calloc(opt.nsymbols, 1);
	} else
		for (i = 0; i < opt.nsymbols; i++)
			extract_add_series(m, opt.symbols[i], opt.ivs,
			    opt.nivs, &conn);
	if (conn != NULL)
		mdx_db_close(conn);
}

int
main(int argc, char **argv)
{
	mdx_init(argv[0]);
	mdx_opt_usage(usage_text);
	parse_options(argc, argv);
	extract_now_ms = mdx_now();
	extract_doc = mdx_json_doc_new();
	if (opt.narchives > 0)
		extract_run_archives();
	else if (opt.kind == MDX_KIND_TRADES && paged_trades())
		extract_run_trades();
	else {
		plan();
		extract_run_rest();
	}
	mdx_writer_flush(mdx_stdout());
	mdx_json_doc_free(extract_doc);
	return exit_status;
}

