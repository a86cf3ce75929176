/*
 * mdx-extract - fetch candles, order books and instruments from Binance,
 * Bybit and OKX, or read Binance public-data archives, and write them as
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
#include "buf.h"
#include "ndjson.h"
#include "json.h"
#include "utc.h"
#include "db.h"

#include "exchange.h"
#include "fetch.h"
#include "extract.h"

#define USAGE \
"usage: mdx-extract [-v] [-x exchange] [-m market] [-k kind] [-s symbols]\n" \
"                   [-i intervals] [--since time] [--until time]\n" \
"                   [--include-open] [--resume] [--db] [--watchlist file]\n" \
"                   [--ranges file] [--depth levels] [--connections n]\n" \
"                   [--timeout seconds] [--tries n] [--weight-limit n]\n" \
"       mdx-extract --archive path [-m market] [-s symbols] [-i intervals]\n" \
"                   [--since time] [--until time]\n" \
"       mdx-extract -h | --help | --version\n"

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

void
usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "%s: ", mdx_progname);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(USAGE, stderr);
	exit(MDX_EX_USAGE);
}

/* Symbols are the exchange's own spelling: letters, digits and - _ . */
int
extract_symbol_ok(const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			return 0;
	return 1;
}

static long
number_arg(const char *name, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (want %ld to %ld)\n",
		    mdx_progname, name, s, min, max);
		exit(MDX_EX_USAGE);
	}
	return v;
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
		usage("bad symbol '%s'", s);
	opt.symbols = mdx_realloc(opt.symbols, (opt.nsymbols + 1) *
	    sizeof(char *));
	opt.symbols[opt.nsymbols++] = mdx_strdup(s);
}

static void
add_interval(const char *s)
{
	const struct mdx_interval *iv;

	if ((iv = mdx_interval_lookup(s)) == NULL)
		usage("unknown interval '%s'", s);
	if (opt.nivs == (int)(sizeof(opt.ivs) / sizeof(opt.ivs[0])))
		usage("too many intervals at '%s'", s);
	opt.ivs[opt.nivs++] = iv;
}

static void
time_arg(const char *name, const char *s, mdx_time *t)
{
	if (mdx_time_parse(s, t) == -1) {
		fprintf(stderr, "%s: bad time '%s' for %s (RFC 3339, epoch or "
		    "relative like -7d)\n", mdx_progname, s, name);
		exit(MDX_EX_USAGE);
	}
}

static void
parse_options(int argc, char **argv)
{
	enum { O_SINCE = 256, O_UNTIL, O_WATCH, O_RESUME, O_DB, O_RANGES,
	    O_OPEN, O_ARCHIVE, O_DEPTH, O_CONN, O_TIMEOUT, O_TRIES,
	    O_WEIGHT, O_VERSION };
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
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
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
	while ((c = getopt_long(argc, argv, "x:m:s:i:k:vh", lo, NULL)) != -1) {
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
			time_arg("--since", optarg, &opt.since);
			opt.have_since = 1;
			break;
		case O_UNTIL:
			time_arg("--until", optarg, &opt.until);
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
			opt.depth = (int)number_arg("--depth", optarg, 1, 5000);
			break;
		case O_CONN:
			opt.fo.connections = (int)number_arg("--connections",
			    optarg, 1, 64);
			break;
		case O_TIMEOUT:
			opt.fo.timeout = number_arg("--timeout", optarg, 1,
			    3600) * 1000;
			break;
		case O_TRIES:
			opt.fo.tries = (int)number_arg("--tries", optarg, 1,
			    100);
			break;
		case O_WEIGHT:
			opt.weight_limit = (int)number_arg("--weight-limit",
			    optarg, 1, 1000000);
			break;
		case 'v': mdx_verbose++; break;
		case 'h': fputs(USAGE, stdout); exit(0);
		case O_VERSION:
			printf("mdx-extract %s\n", MDX_VERSION);
			exit(0);
		default: usage(NULL);
		}
	}
	if (optind < argc)
		usage("unexpected argument '%s'", argv[optind]);
	if ((opt.kind = mdx_kind_lookup(kind)) == -1)
		usage("unknown kind '%s' (klines, depth or instruments)", kind);
	if (opt.exchange == NULL)
		opt.exchange = "binance";
	if (opt.market == NULL)
		opt.market = "spot";
	if (mdx_market_lookup(opt.exchange, opt.market) == NULL)
		usage("unknown exchange and market '%s %s' (binance "
		    "spot|usdm, bybit spot|linear|inverse, okx spot|swap)",
		    opt.exchange, opt.market);
	if (opt.nivs == 0)
		add_interval("1m");
	if (opt.have_since && opt.have_until && opt.until <= opt.since)
		usage("--until must be after --since");
	if (opt.narchives > 0 && (opt.ranges != NULL ||
	    opt.watchlist != NULL || opt.resume || opt.kind != MDX_KIND_KLINES))
		usage("--archive reads klines only, without --ranges, "
		    "--watchlist or --resume");
	if (opt.ranges != NULL && opt.watchlist != NULL)
		usage("--ranges and --watchlist exclude each other");
	if (opt.narchives == 0 && opt.ranges == NULL &&
	    opt.watchlist == NULL && opt.nsymbols == 0 &&
	    opt.kind != MDX_KIND_INSTRUMENTS)
		usage("no symbols: give -s, --watchlist, --ranges or "
		    "--archive");
	if ((v = getenv("MDX_STATE")) != NULL && *v != '\0')
		opt.state_dir = v;
	else
		opt.state_dir = "./var/state";
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
	parse_options(argc, argv);
	extract_now_ms = mdx_now();
	extract_doc = mdx_json_doc_new();
	if (opt.narchives > 0)
		extract_run_archives();
	else {
		plan();
		extract_run_rest();
	}
	mdx_writer_flush(mdx_stdout());
	mdx_json_doc_free(extract_doc);
	return exit_status;
}

