/*
 * mdx-extract - fetch candles, order books and instruments from Binance,
 * Bybit and OKX, or read Binance public-data archives, and write them as
 * raw NDJSON records (HACKING.md "Raw records") to standard output.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <libpq-fe.h>

#include "err.h"
#include "opt.h"
#include "buf.h"
#include "ndjson.h"
#include "json.h"
#include "utc.h"
#include "db.h"
#include "watch.h"
#include "sha256.h"

#include "exchange.h"
#include "fetch.h"

static const char usage_text[] =
"usage: mdx-extract [-qv] [-x exchange] [-m market] [-k kind] [-s symbols]\n"
"                   [-i intervals] [--since time] [--until time]\n"
"                   [--include-open] [--resume] [--db] [--watchlist file]\n"
"                   [--ranges file] [--depth levels] [--connections n]\n"
"                   [--timeout seconds] [--tries n] [--weight-limit n]\n"
"       mdx-extract --archive path [-m market] [-s symbols] [-i intervals]\n"
"                   [--since time] [--until time]\n"
"       mdx-extract -h | -V\n"
MDX_OPT_HELP;

/* ------------------------------------------------------------------------
 * Options and the outcome of the run.
 */
struct opts {
	const char *exchange, *market;
	int kind;
	char **symbols;
	int nsymbols;
	const struct mdx_interval *ivs[32];
	int nivs, ivs_given;
	int have_since, have_until;
	mdx_time since, until;
	int include_open, resume, db;
	const char *watchlist, *ranges;
	char **archives;
	int narchives;
	int depth;
	struct mdx_fetch_opts fo;
	int weight_limit;
	const char *state_dir;
};

static struct opts opt;
static mdx_time now_ms;		/* mdx_now() at the start */
static int exit_status;

/*
 * The exit status of the run: the most telling of all that went wrong.  A
 * usage or data error needs a person; a temporary failure only a rerun.
 */
static void
fail(int status)
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

/* Symbols are the exchange's own spelling: letters, digits and - _ . */
static int
symbol_ok(const char *s)
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
	if (!symbol_ok(s))
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

static void
parse_options(int argc, char **argv)
{
	enum { O_SINCE = 256, O_UNTIL, O_WATCH, O_RESUME, O_DB, O_RANGES,
	    O_OPEN, O_ARCHIVE, O_DEPTH, O_CONN, O_TIMEOUT, O_TRIES,
	    O_WEIGHT };
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
		mdx_usage("unknown kind '%s' (klines, depth or instruments)", kind);
	if (opt.exchange == NULL)
		opt.exchange = "binance";
	if (opt.market == NULL)
		opt.market = "spot";
	if (mdx_market_lookup(opt.exchange, opt.market) == NULL)
		mdx_usage("unknown exchange and market '%s %s' (binance "
		    "spot|usdm, bybit spot|linear|inverse, okx spot|swap)",
		    opt.exchange, opt.market);
	if (opt.nivs == 0)
		add_interval("1m");
	if (opt.have_since && opt.have_until && opt.until <= opt.since)
		mdx_usage("--until must be after --since");
	if (opt.narchives > 0 && (opt.ranges != NULL ||
	    opt.watchlist != NULL || opt.resume || opt.kind != MDX_KIND_KLINES))
		mdx_usage("--archive reads klines only, without --ranges, "
		    "--watchlist or --resume");
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
}

/* ------------------------------------------------------------------------
 * Series and windows.
 *
 * A series is what one exchange serves for one market, kind, symbol and
 * interval over [lo, hi).  Klines ranges are cut into windows of one page
 * each (page intervals), fetched several at a time, and written strictly
 * in order: a window is written, and the state advanced past it, only
 * when every window before it has been.  A failure therefore leaves the
 * output and the state ending at the same place, and --resume continues
 * from there with no duplicate and no hole.
 */
struct window {
	struct series *s;
	mdx_time lo, hi;	/* the window */
	mdx_time cur_lo, cur_hi; /* the part still to fetch */
	struct mdx_fetch_req req;
	struct mdx_buf out;	/* its records, ready to write */
	unsigned long rows, rejected;
	mdx_time last;		/* open time of the newest row taken */
	mdx_time stop_at;	/* a candle not yet closed: stop here */
	char *cursor;		/* instruments: the next page */
	int done, failed;
	struct window *next;
};

struct series {
	const struct mdx_market *m;
	int kind;
	char *symbol;		/* NULL: every instrument */
	const struct mdx_interval *iv;
	mdx_time lo, hi;	/* klines: the range asked for, aligned */
	mdx_time plan;		/* start of the next window to plan */
	mdx_time written;	/* everything before it is written */
	int save_state;
	struct window *head, *tail;
	int inflight;
	int finished, failed, stopped, errored;
	unsigned long rows, rejected, requests;
	mdx_time started;
	struct series *next;
};

static struct series *series_head, *series_tail;
static int nseries, nfinished;
static struct mdx_json_doc *doc;
static struct mdx_fetch *fetcher;
static unsigned long total_rows;

/* Real elapsed time for summaries and progress (MDX_NOW stands still). */
static mdx_time
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (mdx_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
fmt_time(mdx_time t, char *buf)
{
	mdx_time_format(t, buf);
}

/* The first interval start at or after t. */
static mdx_time
ceil_iv(const struct mdx_interval *iv, mdx_time t)
{
	mdx_time f = mdx_interval_floor(iv, t);

	return f == t ? t : mdx_interval_next(iv, f);
}

/* The start n intervals after t (t aligned). */
static mdx_time
add_iv(const struct mdx_interval *iv, mdx_time t, int64_t n)
{
	if (iv->ms > 0)
		return t + n * iv->ms;
	while (n-- > 0)
		t = mdx_interval_next(iv, t);
	return t;
}

static mdx_time
sub_iv(const struct mdx_interval *iv, mdx_time t, int64_t n)
{
	struct mdx_tm tm;
	int64_t mon;

	if (iv->ms > 0)
		return t - n * iv->ms;
	mdx_time_split(t, &tm);
	mon = (int64_t)tm.year * 12 + (tm.month - 1) - n;
	return mdx_time_join((int)(mon / 12), (int)(mon % 12) + 1, 1, 0, 0, 0,
	    0);
}

static struct series *
series_new(const struct mdx_market *m, int kind, const char *symbol,
    const struct mdx_interval *iv)
{
	struct series *s = mdx_calloc(1, sizeof(*s));

	s->m = m;
	s->kind = kind;
	s->symbol = symbol != NULL ? mdx_strdup(symbol) : NULL;
	s->iv = iv;
	if (series_tail != NULL)
		series_tail->next = s;
	else
		series_head = s;
	series_tail = s;
	nseries++;
	return s;
}

/* ------------------------------------------------------------------------
 * State files: one per exchange, market, symbol and interval, holding the
 * open time just after the last candle written, replaced atomically.
 */
static char *
state_path(const struct series *s)
{
	struct mdx_buf b = MDX_BUF_INIT;

	mdx_buf_printf(&b, "%s/extract/%s/%s/%s/%s.json", opt.state_dir,
	    s->m->exchange, s->m->market, s->symbol, s->iv->code);
	return mdx_buf_detach(&b, NULL);
}

/* Reads a state file: 1 and *next when there is one, 0 when there is
 * none, -1 after a message when it is unreadable. */
static int
state_read(const struct series *s, mdx_time *next)
{
	char *path = state_path(s), buf[1024], t[64];
	const struct mdx_json *root, *v;
	FILE *fp;
	size_t n;
	int rv = -1;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			rv = 0;
		else
			mdx_warn("cannot read state '%s': %s", path,
			    strerror(errno));
		free(path);
		return rv;
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if ((root = mdx_json_parse(doc, buf, n)) == NULL ||
	    (v = mdx_json_get(root, "next")) == NULL ||
	    v->type != MDX_JSON_STRING || v->len >= sizeof(t) ||
	    mdx_time_parse_rfc3339(v->text, v->len, next) == -1)
		mdx_warn("bad state file '%s': no \"next\" time (at %s:1)",
		    path, path);
	else
		rv = 1;
	free(path);
	return rv;
}

static void
state_write(const struct series *s)
{
	char *path = state_path(s), t[MDX_TIME_BUFSZ], u[MDX_TIME_BUFSZ];
	struct mdx_buf b = MDX_BUF_INIT, tmp = MDX_BUF_INIT;
	int fd;

	fmt_time(s->written, t);
	fmt_time(mdx_now(), u);
	mdx_buf_addch(&b, '{');
	mdx_buf_add_json_kv(&b, 1, "exchange", s->m->exchange);
	mdx_buf_add_json_kv(&b, 0, "market", s->m->market);
	mdx_buf_add_json_kv(&b, 0, "symbol", s->symbol);
	mdx_buf_add_json_kv(&b, 0, "interval", s->iv->code);
	mdx_buf_add_json_kv(&b, 0, "next", t);
	mdx_buf_add_json_kv(&b, 0, "updated_at", u);
	mdx_buf_addstr(&b, "}\n");
	mdx_buf_printf(&tmp, "%s.tmp%ld", path, (long)getpid());
	if (mdx_mkdirs(path) == -1 ||
	    (fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC, 0666)) == -1)
		mdx_die(MDX_EX_IOERR, "cannot write state '%s': %s", path,
		    strerror(errno));
	if (write(fd, b.data, b.len) != (ssize_t)b.len || close(fd) == -1 ||
	    rename(tmp.data, path) == -1)
		mdx_die(MDX_EX_IOERR, "cannot write state '%s': %s", path,
		    strerror(errno));
	mdx_buf_free(&b);
	mdx_buf_free(&tmp);
	free(path);
}

/* Whether a warehouse is configured (MDX_DB, or libpq's variables). */
static int
db_configured(void)
{
	static const char *vars[] = { "MDX_DB", "PGDATABASE", "PGHOST",
	    "PGSERVICE", NULL };
	const char *v;
	int i;

	for (i = 0; vars[i] != NULL; i++)
		if ((v = getenv(vars[i])) != NULL && *v != '\0')
			return 1;
	return 0;
}

/*
 * The warehouse's high-water mark for a series: the open time after the
 * newest closed candle that came from the exchange or an archive.  0 when
 * there is none.
 */
static mdx_time
db_next(PGconn *c, const struct series *s)
{
	static const char q[] =
	    "SELECT (extract(epoch FROM max(c.open_time)) * 1000)::bigint "
	    "FROM mdx.candle c JOIN mdx.instrument i "
	    "ON i.instrument_id = c.instrument_id "
	    "WHERE i.exchange = $1 AND i.market = $2 AND i.symbol = $3 "
	    "AND c.interval = $4 AND c.closed "
	    "AND c.origin IN ('exchange', 'archive')";
	const char *p[4];
	PGresult *res;
	mdx_time t = 0;

	p[0] = s->m->exchange;
	p[1] = s->m->market;
	p[2] = s->symbol;
	p[3] = s->iv->code;
	res = mdx_db_execp(c, q, 4, p);
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		t = mdx_interval_next(s->iv, strtoll(PQgetvalue(res, 0, 0),
		    NULL, 10));
	PQclear(res);
	return t;
}

/* ------------------------------------------------------------------------
 * Planning: the range of every klines series.
 */
static void
plan_range(struct series *s, int have_since, mdx_time since, int have_until,
    mdx_time until)
{
	const struct mdx_interval *iv = s->iv;
	mdx_time cap;

	if (!have_until)
		until = now_ms;
	s->hi = ceil_iv(iv, until);
	/* Closed candles only, unless the forming one is wanted too. */
	cap = mdx_interval_floor(iv, now_ms);
	if (opt.include_open)
		cap = mdx_interval_next(iv, cap);
	if (s->hi > cap)
		s->hi = cap;
	s->lo = have_since ? ceil_iv(iv, since) : sub_iv(iv, s->hi,
	    s->m->page);
	if (s->lo > s->hi)
		s->lo = s->hi;
	s->plan = s->written = s->lo;
}

static void
plan_resume(struct series *s, PGconn **conn)
{
	mdx_time next = 0, t;
	int st = 0;

	if (!opt.db)
		st = state_read(s, &next);
	if (st == -1) {
		fail(MDX_EX_DATAERR);
		s->finished = 1;
		nfinished++;
		return;
	}
	if (opt.db || (st == 0 && db_configured())) {
		if (*conn == NULL)
			*conn = mdx_db_connect();
		if (mdx_db_schema_version(*conn) > 0 &&
		    (t = db_next(*conn, s)) > next)
			next = t;
		if (next != 0)
			st = 1;
	}
	/* Without --since the state decides where to go on, however far
	 * back; with it, the later of the two. */
	if (st == 1 && (next > s->lo || !opt.have_since)) {
		s->lo = next < s->hi ? next : s->hi;
		s->plan = s->written = s->lo;
	}
}

static void
add_klines(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *iv, PGconn **conn)
{
	struct series *s;

	if (mdx_market_interval(m, iv) == NULL) {
		mdx_warn("interval '%s' is not offered by %s %s", iv->code,
		    m->exchange, m->market);
		exit(MDX_EX_USAGE);
	}
	s = series_new(m, MDX_KIND_KLINES, symbol, iv);
	s->save_state = opt.resume;
	plan_range(s, opt.have_since, opt.since, opt.have_until, opt.until);
	if (opt.resume)
		plan_resume(s, conn);
}

static void
add_series(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *const *ivs, int nivs, PGconn **conn)
{
	int i;

	if (opt.kind == MDX_KIND_KLINES)
		for (i = 0; i < nivs; i++)
			add_klines(m, symbol, ivs[i], conn);
	else {
		if (opt.kind == MDX_KIND_DEPTH && opt.depth > m->depth_max)
			mdx_usage("--depth %d: %s %s gives at most %d levels",
			    opt.depth, m->exchange, m->market, m->depth_max);
		series_new(m, opt.kind, symbol, NULL);
	}
}

static void
plan_watchlist(PGconn **conn)
{
	struct mdx_watch *w;
	const struct mdx_market *m;
	int n, i;

	if ((n = mdx_watchlist_read(opt.watchlist, &w)) == -1)
		exit(MDX_EX_DATAERR);
	for (i = 0; i < n; i++) {
		if ((m = mdx_market_lookup(w[i].exchange, w[i].market)) ==
		    NULL) {
			mdx_warn("unknown market '%s %s' (at %s:%lu)",
			    w[i].exchange, w[i].market, w[i].pos.name,
			    w[i].pos.line);
			exit(MDX_EX_DATAERR);
		}
		add_series(m, w[i].symbol, w[i].ninterval > 0 ?
		    w[i].interval : opt.ivs, w[i].ninterval > 0 ?
		    w[i].ninterval : opt.nivs, conn);
	}
	free(w);
}

/* Reads one member of a gap record as a C string into buf. */
static const char *
gap_str(const struct mdx_json *root, const char *key, struct mdx_buf *buf)
{
	const struct mdx_json *v = mdx_json_get(root, key);

	return v != NULL && v->type == MDX_JSON_STRING ?
	    mdx_json_str(v, buf) : NULL;
}

/* Reads the gap records of --ranges: each becomes a series of its own,
 * outside the state files. */
static void
plan_ranges(void)
{
	struct mdx_reader *r;
	struct mdx_buf b[6];
	const struct mdx_json *root;
	const struct mdx_market *m;
	const struct mdx_interval *iv;
	const char *ln, *ex, *mk, *sym, *ivs, *from, *to;
	char *path = (char *)opt.ranges;
	struct mdx_pos pos;
	struct series *s;
	mdx_time a, z;
	size_t len;
	int rc, i, bad = 0;

	for (i = 0; i < 6; i++)
		mdx_buf_init(&b[i]);
	r = mdx_reader_open(&path, 1);
	while ((rc = mdx_reader_next(r, &ln, &len)) != MDX_RD_EOF) {
		pos = mdx_reader_pos(r);
		if (rc == MDX_RD_ERR) {
			mdx_warn("cannot read ranges: %s (at %s:%lu)",
			    mdx_reader_error(r), pos.name, pos.line);
			exit(mdx_reader_error_status(r));
		}
		if (rc == MDX_RD_BAD) {
			mdx_warn("bad range: %s (at %s:%lu)",
			    mdx_reader_error(r), pos.name, pos.line);
			bad++;
			continue;
		}
		if ((root = mdx_json_parse(doc, ln, len)) == NULL) {
			mdx_warn("bad range: %s (at %s:%lu)",
			    mdx_json_error(doc), pos.name, pos.line);
			bad++;
			continue;
		}
		ex = gap_str(root, "exchange", &b[0]);
		mk = gap_str(root, "market", &b[1]);
		sym = gap_str(root, "symbol", &b[2]);
		ivs = gap_str(root, "interval", &b[3]);
		from = gap_str(root, "from", &b[4]);
		to = gap_str(root, "to", &b[5]);
		if (ex == NULL || mk == NULL || sym == NULL || ivs == NULL ||
		    from == NULL || to == NULL) {
			mdx_warn("bad range: needs exchange, market, symbol, "
			    "interval, from and to (at %s:%lu)", pos.name,
			    pos.line);
			bad++;
			continue;
		}
		if ((m = mdx_market_lookup(ex, mk)) == NULL ||
		    (iv = mdx_interval_lookup(ivs)) == NULL ||
		    mdx_market_interval(m, iv) == NULL || !symbol_ok(sym)) {
			mdx_warn("bad range: no such market, symbol or "
			    "interval '%s %s %s %s' (at %s:%lu)", ex, mk, sym,
			    ivs, pos.name, pos.line);
			bad++;
			continue;
		}
		if (mdx_time_parse_rfc3339(from, strlen(from), &a) == -1 ||
		    mdx_time_parse_rfc3339(to, strlen(to), &z) == -1 ||
		    z <= a) {
			mdx_warn("bad range: bad from '%s' or to '%s' (at "
			    "%s:%lu)", from, to, pos.name, pos.line);
			bad++;
			continue;
		}
		s = series_new(m, MDX_KIND_KLINES, sym, iv);
		plan_range(s, 1, a, 1, z);
	}
	mdx_reader_close(r);
	for (i = 0; i < 6; i++)
		mdx_buf_free(&b[i]);
	if (bad > 0)
		fail(MDX_EX_DATAERR);
}

/* ------------------------------------------------------------------------
 * Records.
 */

/* Appends the raw JSON text of v: its source text when it is one line,
 * else the same value written compactly (numbers and strings unchanged). */
static void
add_raw(struct mdx_buf *b, const struct mdx_json *v)
{
	if ((v->type == MDX_JSON_ARRAY || v->type == MDX_JSON_OBJECT) &&
	    v->text != NULL && v->len >= 2 &&
	    v->text[0] == (v->type == MDX_JSON_ARRAY ? '[' : '{') &&
	    memchr(v->text, '\n', v->len) == NULL &&
	    memchr(v->text, '\r', v->len) == NULL)
		mdx_buf_add(b, v->text, v->len);
	else
		mdx_json_dump(v, b);
}

/* Starts a record: the envelope up to "time". */
static void
record_start(struct mdx_buf *b, const struct series *s, const char *symbol,
    size_t symlen, int kind)
{
	mdx_buf_printf(b, "{\"mdx\":\"raw\",\"exchange\":\"%s\",\"market\":"
	    "\"%s\",\"kind\":\"%s\",\"symbol\":", s->m->exchange, s->m->market,
	    mdx_kind_name(kind));
	mdx_buf_add_json_str(b, symbol, symlen);
	if (kind == MDX_KIND_KLINES)
		mdx_buf_printf(b, ",\"interval\":\"%s\"", s->iv->code);
}

static void
record_rest(struct mdx_buf *b, mdx_time t, const struct mdx_fetch_req *r,
    const char *fetched)
{
	char ts[MDX_TIME_BUFSZ];

	fmt_time(t, ts);
	mdx_buf_printf(b, ",\"time\":\"%s\",\"source\":\"rest\",\"request\":",
	    ts);
	mdx_buf_add_json_str(b, r->what.data, r->what.len);
	mdx_buf_printf(b, ",\"fetched_at\":\"%s\"", fetched);
}

/* Reports bad data from an exchange with the exchange's request. */
static void
bad_row(struct window *w, const char *why, unsigned i)
{
	mdx_warn("bad data from %s: %s (row %u of %s)", w->s->m->exchange, why,
	    i + 1, w->req.what.data);
	w->rejected++;
	fail(MDX_EX_DATAERR);
}

/* ------------------------------------------------------------------------
 * Requests.
 */
static void
submit(struct window *w)
{
	struct series *s = w->s;
	struct mdx_request rq;
	const char *base = mdx_market_url(s->m);

	mdx_buf_init(&rq.path);
	switch (s->kind) {
	case MDX_KIND_KLINES:
		mdx_request_klines(s->m, s->symbol, s->iv, w->cur_lo, w->cur_hi,
		    now_ms, &rq);
		break;
	case MDX_KIND_DEPTH:
		mdx_request_depth(s->m, s->symbol, opt.depth, &rq);
		break;
	default:
		mdx_request_instruments(s->m, w->cursor, &rq);
		break;
	}
	mdx_buf_reset(&w->req.url);
	mdx_buf_addstr(&w->req.url, base);
	while (w->req.url.len > 0 && w->req.url.data[w->req.url.len - 1] ==
	    '/')
		w->req.url.data[--w->req.url.len] = '\0';
	mdx_buf_add(&w->req.url, rq.path.data, rq.path.len);
	mdx_buf_reset(&w->req.what);
	mdx_buf_addstr(&w->req.what, "GET ");
	mdx_buf_add(&w->req.what, rq.path.data, rq.path.len);
	w->req.rl = rq.rl;
	w->req.weight = rq.weight;
	w->req.udata = w;
	mdx_buf_free(&rq.path);
	s->requests++;
	mdx_fetch_submit(fetcher, &w->req);
}

static struct window *
window_new(struct series *s, mdx_time lo, mdx_time hi)
{
	struct window *w = mdx_calloc(1, sizeof(*w));

	w->s = s;
	w->lo = w->cur_lo = lo;
	w->hi = w->cur_hi = hi;
	w->last = INT64_MIN;
	w->stop_at = INT64_MIN;
	mdx_fetch_req_init(&w->req);
	mdx_buf_init(&w->out);
	if (s->tail != NULL)
		s->tail->next = w;
	else
		s->head = w;
	s->tail = w;
	s->inflight++;
	return w;
}

static void
window_free(struct window *w)
{
	mdx_fetch_req_free(&w->req);
	mdx_buf_free(&w->out);
	free(w->cursor);
	free(w);
}

/* Plans and submits the next window of s; 0 when there is none. */
static int
plan_next(struct series *s)
{
	struct window *w;
	mdx_time hi;

	if (s->finished || s->failed || s->stopped)
		return 0;
	if (s->kind != MDX_KIND_KLINES) {
		if (s->plan != 0)
			return 0;
		s->plan = 1;
		w = window_new(s, 0, 0);
		submit(w);
		return 1;
	}
	if (s->plan >= s->hi)
		return 0;
	hi = add_iv(s->iv, s->plan, s->m->page);
	if (hi > s->hi)
		hi = s->hi;
	w = window_new(s, s->plan, hi);
	s->plan = hi;
	submit(w);
	return 1;
}

/* ------------------------------------------------------------------------
 * Answers.
 */

/* Gives up a window: its series stops there. */
static void
window_fail(struct window *w, int status, const char *why)
{
	/* One message per series: later windows fail for the same reason. */
	if (!w->s->errored)
		mdx_warn("%s", why);
	w->s->errored = 1;
	fail(status);
	w->failed = 1;
	w->done = 1;
}

/*
 * Takes the klines of one answer into the window: checks every row, keeps
 * those inside the part asked for in time order, and asks again for what a
 * full page may have left out.  Returns 1 when the window is complete.
 */
static int
take_klines(struct window *w, const struct mdx_json *rows)
{
	struct series *s = w->s;
	const struct mdx_json **v;
	struct mdx_buf page = MDX_BUF_INIT;
	char why[200], fetched[MDX_TIME_BUFSZ];
	mdx_time t, first = INT64_MAX, newest = INT64_MIN;
	const struct mdx_json *c;
	unsigned n = rows->nchild, i, k;
	int closed;

	v = mdx_calloc(n + 1, sizeof(*v));
	/* Oldest first, whatever the exchange's order. */
	for (i = 0, c = rows->child; c != NULL; c = c->next, i++)
		v[s->m->newest_first ? n - 1 - i : i] = c;
	fmt_time(w->req.fetched_at, fetched);
	for (k = 0; k < n; k++) {
		i = s->m->newest_first ? n - 1 - k : k;
		if (mdx_kline_row(s->m, s->iv, v[k], w->req.fetched_at, &t,
		    &closed, why, sizeof(why)) == -1) {
			bad_row(w, why, i);
			continue;
		}
		if (t < w->cur_lo || t >= w->cur_hi) {
			char a[MDX_TIME_BUFSZ], b[MDX_TIME_BUFSZ];
			char ts[MDX_TIME_BUFSZ];

			fmt_time(t, ts);
			fmt_time(w->cur_lo, a);
			fmt_time(w->cur_hi, b);
			snprintf(why, sizeof(why), "row at %s outside the "
			    "range asked for [%s, %s)", ts, a, b);
			bad_row(w, why, i);
			continue;
		}
		if (t <= newest || t <= w->last) {
			snprintf(why, sizeof(why),
			    "row repeated or out of order");
			bad_row(w, why, i);
			continue;
		}
		if (t < first)
			first = t;
		newest = t;
		if (!closed && !opt.include_open) {
			/* Not closed yet (OKX confirms a little after the
			 * end): nothing from here on is written this time. */
			w->stop_at = t;
			break;
		}
		record_start(&page, s, s->symbol, strlen(s->symbol),
		    MDX_KIND_KLINES);
		record_rest(&page, t, &w->req, fetched);
		mdx_buf_addstr(&page, closed ? ",\"closed\":true,\"data\":" :
		    ",\"closed\":false,\"data\":");
		add_raw(&page, v[k]);
		mdx_buf_addstr(&page, "}\n");
		w->rows++;
	}
	free(v);
	/* Pages come in order within the window: forward pages append,
	 * backward ones go before what came already. */
	if (s->m->newest_first && w->out.len > 0) {
		mdx_buf_add(&page, w->out.data, w->out.len);
		mdx_buf_free(&w->out);
		w->out = page;
	} else {
		mdx_buf_add(&w->out, page.data, page.len);
		mdx_buf_free(&page);
	}
	if (newest > w->last && !s->m->newest_first)
		w->last = newest;
	if (w->stop_at != INT64_MIN || n < (unsigned)s->m->page ||
	    first == INT64_MAX)
		return 1;
	/* A full page: what it did not reach may hold more candles. */
	if (s->m->newest_first) {
		if (first <= w->cur_lo)
			return 1;
		w->cur_hi = first;
	} else {
		t = mdx_interval_next(s->iv, newest);
		if (t >= w->cur_hi)
			return 1;
		w->cur_lo = t;
	}
	return 0;
}

static void
take_depth(struct window *w, const struct mdx_json *book)
{
	struct series *s = w->s;
	char fetched[MDX_TIME_BUFSZ];

	fmt_time(w->req.fetched_at, fetched);
	record_start(&w->out, s, s->symbol, strlen(s->symbol), MDX_KIND_DEPTH);
	record_rest(&w->out, mdx_depth_time(s->m, book, w->req.fetched_at),
	    &w->req, fetched);
	mdx_buf_addstr(&w->out, ",\"data\":");
	add_raw(&w->out, book);
	mdx_buf_addstr(&w->out, "}\n");
	w->rows++;
}

/* Whether sym is among the symbols asked for (all when none were). */
static int
wanted(const struct mdx_json *sym, unsigned char *seen)
{
	int i;

	if (opt.nsymbols == 0)
		return 1;
	for (i = 0; i < opt.nsymbols; i++)
		if (mdx_json_str_eq(sym, opt.symbols[i])) {
			seen[i] = 1;
			return 1;
		}
	return 0;
}

static unsigned char *inst_seen;

/* Returns 1 when the instruments are complete, 0 when a next page is to
 * be fetched. */
static int
take_instruments(struct window *w, const struct mdx_json *root,
    const struct mdx_json *list)
{
	struct series *s = w->s;
	const struct mdx_json *c, *sym, *cur;
	char fetched[MDX_TIME_BUFSZ];
	struct mdx_buf b = MDX_BUF_INIT;
	unsigned i;

	fmt_time(w->req.fetched_at, fetched);
	for (i = 0, c = list->child; c != NULL; c = c->next, i++) {
		if ((sym = mdx_instrument_symbol(s->m, c)) == NULL) {
			bad_row(w, "instrument without a symbol", i);
			continue;
		}
		/* A watchlist entry names its one symbol; -s names several. */
		if (s->symbol != NULL ? !mdx_json_str_eq(sym, s->symbol) :
		    !wanted(sym, inst_seen))
			continue;
		record_start(&w->out, s, sym->text, sym->len,
		    MDX_KIND_INSTRUMENTS);
		record_rest(&w->out, w->req.fetched_at, &w->req, fetched);
		mdx_buf_addstr(&w->out, ",\"data\":");
		add_raw(&w->out, c);
		mdx_buf_addstr(&w->out, "}\n");
		w->rows++;
	}
	if ((cur = mdx_instruments_cursor(s->m, root)) == NULL)
		return 1;
	free(w->cursor);
	w->cursor = mdx_strdup(mdx_json_str(cur, &b));
	mdx_buf_free(&b);
	return 0;
}

/* An answer came for window w: check it and take its data. */
static void
answer(struct window *w)
{
	struct series *s = w->s;
	const struct mdx_json *root, *payload;
	char why[400];
	enum mdx_answer a;
	int status, complete = 1;

	if (s->failed || s->stopped) {
		/* Nothing after a failure or a forming candle is written. */
		w->done = 1;
		return;
	}
	if (!w->req.ok) {
		window_fail(w, w->req.status, w->req.why);
		return;
	}
	root = mdx_json_parse(doc, w->req.body.data, w->req.body.len);
	a = mdx_answer_check(s->m, s->kind, w->req.http, root, &payload,
	    &status, why, sizeof(why));
	if (root == NULL)
		snprintf(why, sizeof(why), "invalid JSON: %s",
		    mdx_json_error(doc));
	switch (a) {
	case MDX_ANSWER_OK:
		break;
	case MDX_ANSWER_BAD:
	case MDX_ANSWER_TRANSIENT:
	case MDX_ANSWER_LIMITED:
		if (mdx_fetch_retry(fetcher, &w->req, why,
		    a == MDX_ANSWER_LIMITED) == -1)
			window_fail(w, w->req.status, w->req.why);
		return;
	case MDX_ANSWER_ERROR: {
		char msg[600];

		snprintf(msg, sizeof(msg), "%s (%s)", why, w->req.what.data);
		window_fail(w, status, msg);
		return;
	}
	}
	switch (s->kind) {
	case MDX_KIND_KLINES:
		complete = take_klines(w, payload);
		break;
	case MDX_KIND_DEPTH:
		take_depth(w, payload);
		break;
	default:
		complete = take_instruments(w, root, payload);
		break;
	}
	if (!complete) {
		if (s->kind == MDX_KIND_INSTRUMENTS) {
			/* Write this page now; the next one follows it. */
			mdx_write(mdx_stdout(), w->out.data, w->out.len);
			s->rows += w->rows;
			total_rows += w->rows;
			w->rows = 0;
			mdx_buf_reset(&w->out);
		}
		submit(w);
		return;
	}
	w->done = 1;
}

/* ------------------------------------------------------------------------
 * Output and progress.
 */
static void
summary(const struct series *s)
{
	char a[MDX_TIME_BUFSZ], b[MDX_TIME_BUFSZ];
	double secs;

	if (mdx_verbose < 1 || mdx_stderr_is_tty())
		return;
	secs = (real_ms() - s->started) / 1000.0;
	if (s->kind != MDX_KIND_KLINES) {
		fprintf(stderr, "%s: %s %s %s %s: %lu records, %lu requests, "
		    "%.1f s%s\n", mdx_progname, s->m->exchange, s->m->market,
		    mdx_kind_name(s->kind), s->symbol ? s->symbol : "(all)",
		    s->rows, s->requests, secs, s->failed ? ", FAILED" : "");
		return;
	}
	fmt_time(s->lo, a);
	fmt_time(s->written, b);
	fprintf(stderr, "%s: %s %s %s %s: %lu candles from %s to %s, %lu "
	    "requests, %lu rejected, %.1f s%s\n", mdx_progname,
	    s->m->exchange, s->m->market, s->symbol, s->iv->code, s->rows, a,
	    b, s->requests, s->rejected, secs, s->failed ? ", FAILED" : "");
}

static void
progress(int last)
{
	static mdx_time shown, begun;
	struct series *s;
	const struct series *cur = NULL;
	double all = 0, done = 0, frac, eta;
	char t[MDX_TIME_BUFSZ];
	mdx_time now = real_ms();

	if (mdx_verbose < 1 || !mdx_stderr_is_tty())
		return;
	if (begun == 0)
		begun = now;
	if (!last && now - shown < 250)
		return;
	shown = now;
	for (s = series_head; s != NULL; s = s->next) {
		if (s->kind != MDX_KIND_KLINES || s->hi <= s->lo) {
			all += 1;
			done += s->finished;
			continue;
		}
		all += 1;
		done += (double)(s->written - s->lo) / (double)(s->hi - s->lo);
		if (!s->finished && cur == NULL && s->head != NULL)
			cur = s;
	}
	frac = all > 0 ? done / all : 1;
	eta = frac > 0.001 ? (now - begun) / 1000.0 * (1 - frac) / frac : 0;
	if (cur != NULL) {
		fmt_time(cur->written, t);
		fprintf(stderr, "\r%s: %s %s at %s, %d/%d series, %lu rows, "
		    "%.0f%%, ETA %.0f s   ", mdx_progname, cur->symbol,
		    cur->iv->code, t, nfinished, nseries, total_rows,
		    frac * 100, eta);
	} else
		fprintf(stderr, "\r%s: %d/%d series, %lu rows, %.0f%%   ",
		    mdx_progname, nfinished, nseries, total_rows, frac * 100);
	if (last)
		fputc('\n', stderr);
}

/* Whether every window of s has been planned. */
static int
planned_all(const struct series *s)
{
	if (s->failed || s->stopped)
		return 1;
	return s->kind == MDX_KIND_KLINES ? s->plan >= s->hi : s->plan != 0;
}

/*
 * Writes every finished window at the head of s, in order, and advances
 * the state past each once it is on its way out.  After a failed window
 * nothing more of the series is written.
 */
static void
emit(struct series *s)
{
	struct window *w;

	while ((w = s->head) != NULL && w->done) {
		s->head = w->next;
		if (s->head == NULL)
			s->tail = NULL;
		s->inflight--;
		if (w->failed)
			s->failed = 1;
		if (!s->failed && !s->stopped) {
			mdx_write(mdx_stdout(), w->out.data, w->out.len);
			s->rows += w->rows;
			total_rows += w->rows;
			if (s->kind == MDX_KIND_KLINES) {
				s->written = w->stop_at != INT64_MIN ?
				    w->stop_at : w->hi;
				/* The forming candle is written, not passed. */
				if (s->written > mdx_interval_floor(s->iv,
				    now_ms))
					s->written = mdx_interval_floor(s->iv,
					    now_ms);
				if (s->save_state) {
					mdx_writer_flush(mdx_stdout());
					state_write(s);
				}
				if (w->stop_at != INT64_MIN)
					s->stopped = 1;
			}
		}
		s->rejected += w->rejected;
		window_free(w);
	}
	if (!s->finished && s->head == NULL && planned_all(s)) {
		s->finished = 1;
		nfinished++;
		summary(s);
	}
}

/* ------------------------------------------------------------------------
 * The fetch loop.
 */
static void
run_rest(void)
{
	struct mdx_fetch_req *r;
	struct series *s;
	struct window *w;
	int ahead, progressed, out[3];

	fetcher = mdx_fetch_new(&opt.fo);
	if (opt.weight_limit > 0) {
		const struct mdx_market *m;

		for (m = mdx_markets; m->exchange != NULL; m++)
			if (m->id == MDX_BINANCE)
				mdx_fetch_set_limit(fetcher, m->rl_klines,
				    opt.weight_limit);
	}
	for (s = series_head; s != NULL; s = s->next) {
		s->started = real_ms();
		if (!s->finished && s->kind == MDX_KIND_KLINES &&
		    s->plan >= s->hi)
			emit(s);
	}
	/*
	 * Enough windows under way per exchange to keep its connections
	 * busy, and none of them far ahead of what is written.  Each pass
	 * gives every series at most one more window, so series share the
	 * connections, and one slow exchange holds back no other.
	 */
	ahead = opt.fo.connections * 2;
	for (;;) {
		memset(out, 0, sizeof(out));
		for (s = series_head; s != NULL; s = s->next)
			out[s->m->id] += s->inflight;
		do {
			progressed = 0;
			for (s = series_head; s != NULL; s = s->next)
				if (out[s->m->id] < ahead && plan_next(s)) {
					out[s->m->id]++;
					progressed = 1;
				}
		} while (progressed);
		if (nfinished >= nseries && mdx_fetch_outstanding(fetcher) == 0)
			break;
		r = mdx_fetch_wait(fetcher, 250);
		progress(0);
		if (r == NULL)
			continue;
		w = r->udata;
		answer(w);
		if (w->done)
			emit(w->s);
	}
	progress(1);
	mdx_writer_flush(mdx_stdout());
	if (opt.kind == MDX_KIND_INSTRUMENTS && inst_seen != NULL) {
		int i;

		for (i = 0; i < opt.nsymbols; i++)
			if (!inst_seen[i]) {
				mdx_warn("unknown symbol '%s': not among the "
				    "instruments of %s %s", opt.symbols[i],
				    opt.exchange, opt.market);
				fail(MDX_EX_USAGE);
			}
	}
	mdx_fetch_free(fetcher);
}

/* ------------------------------------------------------------------------
 * Binance public-data archives: SYMBOL-INTERVAL-YYYY-MM[-DD].zip, each a
 * zip holding one CSV of klines, with a SHA-256 in NAME.zip.CHECKSUM.
 */
struct zipname {
	char *path;
	const char *base;
	char symbol[65];
	const struct mdx_interval *iv;
	char date[11];		/* YYYY-MM or YYYY-MM-DD */
};

/* Splits an archive name; -1 when it is not SYMBOL-INTERVAL-DATE.zip. */
static int
zip_parse(struct zipname *z)
{
	char name[256], *p, *dash[4];
	const char *ivc;
	int n = 0;
	size_t len;

	z->base = strrchr(z->path, '/') ? strrchr(z->path, '/') + 1 : z->path;
	len = strlen(z->base);
	if (len < 5 || len >= sizeof(name) ||
	    strcmp(z->base + len - 4, ".zip") != 0)
		return -1;
	memcpy(name, z->base, len - 4);
	name[len - 4] = '\0';
	/* The date has one or two dashes; the symbol none. */
	for (p = name; *p != '\0'; p++)
		if (*p == '-') {
			if (n == 4)
				return -1;
			dash[n++] = p;
		}
	if (n < 3)
		return -1;
	*dash[0] = *dash[1] = '\0';
	if (!symbol_ok(name) || strlen(name) >= sizeof(z->symbol))
		return -1;
	strcpy(z->symbol, name);
	ivc = strcmp(dash[0] + 1, "1mo") == 0 ? "1M" : dash[0] + 1;
	if ((z->iv = mdx_interval_lookup(ivc)) == NULL)
		return -1;
	if (strlen(dash[1] + 1) >= sizeof(z->date))
		return -1;
	strcpy(z->date, dash[1] + 1);
	return 0;
}

static int
zip_cmp(const void *a, const void *b)
{
	const struct zipname *x = a, *y = b;
	int c;

	if ((c = strcmp(x->symbol, y->symbol)) != 0)
		return c;
	if (x->iv != y->iv)
		return x->iv->ms < y->iv->ms ? -1 : 1;
	/* A month before its days: "2024-01" sorts first. */
	return strcmp(x->date, y->date);
}

static int
zip_wanted(const struct zipname *z)
{
	int i, ok = opt.nsymbols == 0;

	for (i = 0; i < opt.nsymbols; i++)
		if (strcmp(opt.symbols[i], z->symbol) == 0)
			ok = 1;
	if (!ok)
		return 0;
	if (!opt.ivs_given)
		return 1;	/* without -i: every interval */
	for (i = 0; i < opt.nivs; i++)
		if (opt.ivs[i] == z->iv)
			return 1;
	return 0;
}

static int
read_file(const char *path, struct mdx_buf *b)
{
	char tmp[65536];
	ssize_t n;
	int fd;

	mdx_buf_reset(b);
	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		mdx_buf_add(b, tmp, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

/* Checks NAME.zip against NAME.zip.CHECKSUM when there is one: 0 good or
 * absent, -1 after a message. */
static int
zip_checksum(const struct zipname *z, const struct mdx_buf *data)
{
	struct mdx_buf path = MDX_BUF_INIT, sum = MDX_BUF_INIT;
	struct mdx_sha256 sh;
	char hex[MDX_SHA256_HEXLEN + 1];
	size_t i;
	int rv = 0;

	mdx_buf_printf(&path, "%s.CHECKSUM", z->path);
	if (read_file(path.data, &sum) == -1) {
		if (errno != ENOENT) {
			mdx_warn("cannot read '%s': %s", path.data,
			    strerror(errno));
			fail(MDX_EX_IOERR);
			rv = -1;
		} else
			mdx_debug("%s: no checksum file", z->path);
		goto out;
	}
	for (i = 0; i < sum.len && i < MDX_SHA256_HEXLEN; i++)
		if (!((sum.data[i] >= '0' && sum.data[i] <= '9') ||
		    (sum.data[i] >= 'a' && sum.data[i] <= 'f') ||
		    (sum.data[i] >= 'A' && sum.data[i] <= 'F')))
			break;
	if (i != MDX_SHA256_HEXLEN) {
		mdx_warn("bad checksum file '%s': no SHA-256 at its start "
		    "(at %s:1)", path.data, path.data);
		fail(MDX_EX_DATAERR);
		rv = -1;
		goto out;
	}
	mdx_sha256_init(&sh);
	mdx_sha256_update(&sh, data->data, data->len);
	mdx_sha256_hex(&sh, hex);
	if (strncasecmp(hex, sum.data, MDX_SHA256_HEXLEN) != 0) {
		mdx_warn("checksum mismatch for '%s': SHA-256 %s, '%s' says "
		    "%.64s", z->path, hex, path.data, sum.data);
		fail(MDX_EX_DATAERR);
		rv = -1;
	}
out:
	mdx_buf_free(&path);
	mdx_buf_free(&sum);
	return rv;
}

/* RFC 3339 for open times, computing the date once per day. */
static int
fast_time(mdx_time t, char *buf)
{
	static mdx_time day = INT64_MIN;
	static char date[16];
	mdx_time d, ms;
	int h, m, sec, n;

	if (t < 0)
		return mdx_time_format(t, buf);
	d = t - t % MDX_MS_DAY;
	if (d != day) {
		mdx_time_format_date(d, date);
		day = d;
	}
	ms = t - d;
	h = (int)(ms / MDX_MS_HOUR);
	m = (int)(ms / MDX_MS_MINUTE % 60);
	sec = (int)(ms / 1000 % 60);
	memcpy(buf, date, 10);
	buf[10] = 'T';
	buf[11] = '0' + h / 10; buf[12] = '0' + h % 10; buf[13] = ':';
	buf[14] = '0' + m / 10; buf[15] = '0' + m % 10; buf[16] = ':';
	buf[17] = '0' + sec / 10; buf[18] = '0' + sec % 10;
	n = 19;
	if (ms % 1000 != 0)
		n += sprintf(buf + n, ".%03d", (int)(ms % 1000));
	buf[n++] = 'Z';
	buf[n] = '\0';
	return n;
}

struct csvstate {
	const struct zipname *z;
	struct mdx_buf pre, req, mid, out;
	unsigned long line, rows, rejected, skipped;
};

/* One CSV line of an archive. */
static void
csv_line(struct csvstate *c, const char *s, size_t n)
{
	char ts[MDX_TIME_BUFSZ], num[24];
	const char *p = s, *e = s + n;
	int64_t v = 0;
	size_t commas = 0, k;
	mdx_time t;
	int tn, nn, plain = 1;
	char *o;

	c->line++;
	if (n > 0 && s[n - 1] == '\r')
		e = s + --n;
	if (n == 0)
		return;
	if (*p < '0' || *p > '9') {
		if (c->line == 1)
			return;	/* the header row */
		goto bad;
	}
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (p == e || *p != ',')
		goto bad;
	/* One pass: the fields, and whether the line needs JSON escapes. */
	for (; p < e; p++) {
		if (*p == ',')
			commas++;
		else if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\')
			plain = 0;
	}
	if (commas != 11)
		goto bad;
	t = mdx_time_from_epoch(v);
	if (!mdx_interval_aligned(c->z->iv, t))
		goto bad;
	if ((opt.have_since && t < opt.since) ||
	    (opt.have_until && t >= opt.until)) {
		c->skipped++;
		return;
	}
	tn = fast_time(t, ts);
	nn = 0;
	for (k = c->line; k > 0; k /= 10)
		num[nn++] = (char)('0' + k % 10);
	/* The constant parts come from buffers made once per file. */
	mdx_buf_grow(&c->out, c->pre.len + tn + c->req.len + nn +
	    c->mid.len + n + 4);
	o = c->out.data + c->out.len;
	memcpy(o, c->pre.data, c->pre.len);
	o += c->pre.len;
	memcpy(o, ts, tn);
	o += tn;
	memcpy(o, c->req.data, c->req.len);
	o += c->req.len;
	while (nn > 0)
		*o++ = num[--nn];
	memcpy(o, c->mid.data, c->mid.len);
	o += c->mid.len;
	if (plain) {
		*o++ = '"';
		memcpy(o, s, n);
		o += n;
		*o++ = '"';
		c->out.len = o - c->out.data;
	} else {
		c->out.len = o - c->out.data;
		mdx_buf_add_json_str(&c->out, s, n);
		mdx_buf_grow(&c->out, 2);
		o = c->out.data + c->out.len;
	}
	*o++ = '}';
	*o++ = '\n';
	c->out.len = o - c->out.data;
	c->out.data[c->out.len] = '\0';
	c->rows++;
	if (c->out.len >= 1 << 20) {
		mdx_write(mdx_stdout(), c->out.data, c->out.len);
		mdx_buf_reset(&c->out);
	}
	return;
bad:
	mdx_warn("bad archive row: not a %s kline (at %s:%lu)",
	    c->z->iv->code, c->z->base, c->line);
	c->rejected++;
	fail(MDX_EX_DATAERR);
}

static void
import_zip(const struct zipname *z, struct mdx_buf *data, const char *fetched)
{
	struct archive *a;
	struct archive_entry *e;
	struct csvstate c;
	struct mdx_buf carry = MDX_BUF_INIT;
	const char *nl, *p;
	char buf[1 << 16];
	la_ssize_t n;
	int rc, entries = 0;
	mdx_time t0 = real_ms();

	if (read_file(z->path, data) == -1) {
		mdx_warn("cannot read '%s': %s", z->path, strerror(errno));
		fail(MDX_EX_IOERR);
		return;
	}
	if (zip_checksum(z, data) == -1)
		return;
	memset(&c, 0, sizeof(c));
	c.z = z;
	mdx_buf_printf(&c.pre, "{\"mdx\":\"raw\",\"exchange\":\"binance\","
	    "\"market\":\"%s\",\"kind\":\"klines\",\"symbol\":\"%s\","
	    "\"interval\":\"%s\",\"time\":\"", opt.market, z->symbol,
	    z->iv->code);
	mdx_buf_printf(&c.req, "\",\"source\":\"archive\",\"request\":\"%s:",
	    z->base);
	mdx_buf_printf(&c.mid, "\",\"fetched_at\":\"%s\",\"closed\":true,"
	    "\"data\":", fetched);
	a = archive_read_new();
	archive_read_support_format_zip(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_memory(a, data->data, data->len) != ARCHIVE_OK)
		goto corrupt;
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		entries++;
		c.line = 0;
		mdx_buf_reset(&carry);
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			p = buf;
			while ((nl = memchr(p, '\n', buf + n - p)) != NULL) {
				if (carry.len > 0) {
					mdx_buf_add(&carry, p, nl - p);
					csv_line(&c, carry.data, carry.len);
					mdx_buf_reset(&carry);
				} else
					csv_line(&c, p, nl - p);
				p = nl + 1;
			}
			mdx_buf_add(&carry, p, buf + n - p);
		}
		if (n < 0)
			goto corrupt;
		if (carry.len > 0)
			csv_line(&c, carry.data, carry.len);
	}
	if (rc != ARCHIVE_EOF)
		goto corrupt;
	if (entries == 0) {
		mdx_warn("bad archive '%s': no CSV inside", z->path);
		fail(MDX_EX_DATAERR);
	}
	goto out;
corrupt:
	mdx_warn("corrupt archive '%s': %s (at %s:%lu)", z->path,
	    archive_error_string(a) ? archive_error_string(a) : "unreadable",
	    z->base, c.line);
	fail(MDX_EX_DATAERR);
out:
	mdx_write(mdx_stdout(), c.out.data, c.out.len);
	archive_read_free(a);
	if (mdx_verbose >= 1)
		fprintf(stderr, "%s: %s: %lu candles, %lu rejected, %lu "
		    "outside the range, %.2f s\n", mdx_progname, z->path,
		    c.rows, c.rejected, c.skipped, (real_ms() - t0) / 1000.0);
	mdx_buf_free(&c.pre);
	mdx_buf_free(&c.req);
	mdx_buf_free(&c.mid);
	mdx_buf_free(&c.out);
	mdx_buf_free(&carry);
}

static void
run_archives(void)
{
	struct zipname *z = NULL;
	struct mdx_buf data = MDX_BUF_INIT;
	struct dirent *de;
	struct stat st;
	char fetched[MDX_TIME_BUFSZ];
	size_t nz = 0, i, len;
	DIR *d;
	int k;

	if (strcmp(opt.exchange, "binance") != 0)
		mdx_usage("--archive reads Binance public-data archives only");
	fmt_time(now_ms, fetched);
	for (k = 0; k < opt.narchives; k++) {
		if (stat(opt.archives[k], &st) == -1) {
			mdx_warn("cannot read '%s': %s", opt.archives[k],
			    strerror(errno));
			fail(MDX_EX_IOERR);
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			z = mdx_realloc(z, (nz + 1) * sizeof(*z));
			z[nz].path = mdx_strdup(opt.archives[k]);
			if (zip_parse(&z[nz]) == -1) {
				mdx_warn("bad archive name '%s' (want "
				    "SYMBOL-INTERVAL-YYYY-MM[-DD].zip)",
				    z[nz].path);
				free(z[nz].path);
				fail(MDX_EX_USAGE);
				continue;
			}
			nz++;
			continue;
		}
		if ((d = opendir(opt.archives[k])) == NULL) {
			mdx_warn("cannot read '%s': %s", opt.archives[k],
			    strerror(errno));
			fail(MDX_EX_IOERR);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len < 5 ||
			    strcmp(de->d_name + len - 4, ".zip") != 0)
				continue;
			z = mdx_realloc(z, (nz + 1) * sizeof(*z));
			mdx_buf_printf(&data, "%s/%s", opt.archives[k],
			    de->d_name);
			z[nz].path = mdx_buf_detach(&data, NULL);
			if (zip_parse(&z[nz]) == -1) {
				mdx_warn("skipping '%s': not named "
				    "SYMBOL-INTERVAL-YYYY-MM[-DD].zip",
				    z[nz].path);
				free(z[nz].path);
				continue;
			}
			nz++;
		}
		closedir(d);
	}
	if (nz > 0)
		qsort(z, nz, sizeof(*z), zip_cmp);
	for (i = 0; i < nz; i++) {
		if (zip_wanted(&z[i]))
			import_zip(&z[i], &data, fetched);
		free(z[i].path);
	}
	free(z);
	mdx_buf_free(&data);
	mdx_writer_flush(mdx_stdout());
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
		plan_ranges();
	else if (opt.watchlist != NULL)
		plan_watchlist(&conn);
	else if (opt.kind == MDX_KIND_INSTRUMENTS) {
		series_new(m, MDX_KIND_INSTRUMENTS, NULL, NULL);
		if (opt.nsymbols > 0)
			inst_seen = mdx_calloc(opt.nsymbols, 1);
	} else
		for (i = 0; i < opt.nsymbols; i++)
			add_series(m, opt.symbols[i], opt.ivs, opt.nivs, &conn);
	if (conn != NULL)
		mdx_db_close(conn);
}

int
main(int argc, char **argv)
{
	mdx_init(argv[0]);
	mdx_opt_usage(usage_text);
	parse_options(argc, argv);
	now_ms = mdx_now();
	doc = mdx_json_doc_new();
	if (opt.narchives > 0)
		run_archives();
	else {
		plan();
		run_rest();
	}
	mdx_writer_flush(mdx_stdout());
	mdx_json_doc_free(doc);
	return exit_status;
}
