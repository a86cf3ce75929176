/*
 * import.c - candle files to canonical candles, the --import mode of
 * mdx-transform(1).  Every layout comes down to one thing: a record is a
 * list of fields (the cells of a CSV or TSV line, the elements of a
 * freqtrade row), and a column map says which field holds the time, the
 * prices and the volumes.  The fields are read as the file writes them:
 * decimals digit for digit through mdx_dec_parse() (a JSON number such as
 * 1e-8 included), never through a float.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "buf.h"
#include "dec.h"
#include "utc.h"
#include "market.h"
#include "candle.h"

#include "transform.h"
#include "import.h"

enum field {
	F_TIME, F_OPEN, F_HIGH, F_LOW, F_CLOSE, F_VOLUME, F_QUOTE_VOLUME,
	F_TRADES, F_TAKER_BUY_VOLUME, F_TAKER_BUY_QUOTE_VOLUME, F_N
};

static const char *const field_name[F_N] = {
	"time", "open", "high", "low", "close", "volume", "quote_volume",
	"trades", "taker_buy_volume", "taker_buy_quote_volume"
};

/* The header names a CSV or TSV file may give its columns (compared
 * without regard to case) when no --columns says which is which. */
static const struct {
	enum field f;
	const char *name;
} synonyms[] = {
	{ F_TIME, "time" }, { F_TIME, "timestamp" }, { F_TIME, "date" },
	{ F_TIME, "datetime" }, { F_TIME, "open_time" }, { F_TIME, "ts" },
	{ F_OPEN, "open" }, { F_OPEN, "o" },
	{ F_HIGH, "high" }, { F_HIGH, "h" },
	{ F_LOW, "low" }, { F_LOW, "l" },
	{ F_CLOSE, "close" }, { F_CLOSE, "c" },
	{ F_VOLUME, "volume" }, { F_VOLUME, "vol" }, { F_VOLUME, "v" },
	{ F_VOLUME, "base_volume" },
	{ F_QUOTE_VOLUME, "quote_volume" },
	{ F_QUOTE_VOLUME, "quote_asset_volume" },
	{ F_TRADES, "trades" }, { F_TRADES, "count" },
	{ F_TRADES, "number_of_trades" }, { F_TRADES, "trade_count" },
	{ F_TAKER_BUY_VOLUME, "taker_buy_volume" },
	{ F_TAKER_BUY_VOLUME, "taker_buy_base_asset_volume" },
	{ F_TAKER_BUY_QUOTE_VOLUME, "taker_buy_quote_volume" },
	{ F_TAKER_BUY_QUOTE_VOLUME, "taker_buy_quote_asset_volume" },
};

/* A file-name pattern of a layout, and the market it implies. */
struct pattern {
	const char *pat;
	const char *market;
};

static const struct pattern binance_pats[] = {
	{ "{symbol}-{interval}-*.csv", NULL }
};
static const struct pattern kraken_pats[] = {
	{ "{symbol}_{minutes}.csv", NULL }
};
static const struct pattern freqtrade_pats[] = {
	{ "{symbol}-{interval}.json", "spot" },
	{ "{symbol}-{interval}-futures.json", "futures" }
};

/* The layouts: their names, column maps (-1: none) and defaults. */
static const struct layout {
	const char *name;
	char delim;			/* 0: JSON */
	int fixed;			/* the column map is the layout's */
	int col[F_N];
	int timefmt;
	const char *exchange;		/* the default exchange */
	const struct pattern *pats;
	size_t npats;
} layouts[] = {
	[MDX_IMP_CSV] = { "csv", ',', 0,
	    { 0, 1, 2, 3, 4, 5, -1, -1, -1, -1 }, MDX_IMP_TIME_AUTO,
	    NULL, NULL, 0 },
	[MDX_IMP_TSV] = { "tsv", '\t', 0,
	    { 0, 1, 2, 3, 4, 5, -1, -1, -1, -1 }, MDX_IMP_TIME_AUTO,
	    NULL, NULL, 0 },
	/* open time, o, h, l, c, volume, close time, quote volume, trades,
	 * taker buy base and quote volumes, ignore */
	[MDX_IMP_BINANCE] = { "binance", ',', 1,
	    { 0, 1, 2, 3, 4, 5, 7, 8, 9, 10 }, MDX_IMP_TIME_AUTO,
	    "binance", binance_pats, 1 },
	/* time (s), o, h, l, c, volume, trades */
	[MDX_IMP_KRAKEN] = { "kraken", ',', 1,
	    { 0, 1, 2, 3, 4, 5, -1, 6, -1, -1 }, MDX_IMP_TIME_S,
	    "kraken", kraken_pats, 1 },
	/* [ms, o, h, l, c, volume] */
	[MDX_IMP_FREQTRADE] = { "freqtrade", 0, 1,
	    { 0, 1, 2, 3, 4, 5, -1, -1, -1, -1 }, MDX_IMP_TIME_MS,
	    NULL, freqtrade_pats, 2 },
};

#define MAXCOLS 256

/* Where each column map entry comes from. */
enum colmode {
	COLS_FIXED,		/* numbers: the layout's or --columns' */
	COLS_NAMED,		/* --columns NAME=HEADER: from the header */
	COLS_HEADER		/* no --columns: the header by synonyms, else
				   the layout's numbers */
};

/* The states of the freqtrade reader. */
enum jstate {
	J_START,		/* before the outer '[' */
	J_ROW,			/* a row or the outer ']' */
	J_ROWSEP,		/* ',' or the outer ']' */
	J_VAL,			/* a value of a row, or its ']' */
	J_VALSEP,		/* ',' or the row's ']' */
	J_SKIP,			/* a bad row, up to its ']' */
	J_END,			/* after the outer ']' */
	J_BROKEN		/* after a syntax error outside a row */
};

struct fld {
	size_t off, n;		/* in fb */
};

struct mdx_import {
	const struct layout *ly;
	struct mdx_import_opts o;
	int timefmt;
	enum colmode colmode;
	int spec[F_N];		/* COLS_FIXED: the column numbers */
	char *hname[F_N];	/* COLS_NAMED: the header names */
	char *colstr;		/* what hname points into */
	char *userpat;		/* --names */
	struct pattern user;

	/* The file. */
	const char *path;
	char exchange[MDX_NAME_MAX], market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	const struct mdx_interval *iv;
	mdx_time fetched_at;
	int col[F_N];		/* the column map of the file */
	int need;		/* the columns a record must have */
	int first;		/* no line read yet */
	char colerr[MDX_ERRSZ];	/* not empty: no column map */
	mdx_import_put *put;
	void *arg;

	/* The record being read. */
	struct mdx_buf fb;	/* its fields' text */
	struct fld f[MAXCOLS];
	size_t nf;

	/* freqtrade */
	enum jstate js;
	struct mdx_buf row;	/* the row's text, for rejects */
	unsigned long rowline, brokenline, lastline;
	char rowerr[MDX_ERRSZ];
};

int
mdx_import_layout(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (strcmp(layouts[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
field_lookup(const char *s, size_t n)
{
	int i;

	for (i = 0; i < F_N; i++)
		if (strlen(field_name[i]) == n &&
		    memcmp(field_name[i], s, n) == 0)
			return i;
	return -1;
}

/*
 * Parses --columns.  Either every item is a field name alone, the item's
 * place in the list being its column ("-" or an empty item skips a
 * column), or every item is NAME=N (column N, from 1) or NAME=HEADER (the
 * column whose header is HEADER).
 */
static int
parse_columns(struct mdx_import *im, char *err, size_t errsz)
{
	char *s, *item, *eq, *end;
	int i, pos, named = -1, f, byhead = 0;
	long n;

	for (i = 0; i < F_N; i++)
		im->spec[i] = -1;
	s = im->colstr = mdx_strfmt("%s", im->o.columns);
	for (pos = 0; s != NULL; pos++) {
		item = s;
		if ((s = strchr(s, ',')) != NULL)
			*s++ = '\0';
		eq = strchr(item, '=');
		if (named == -1)
			named = eq != NULL;
		else if (named != (eq != NULL))
			return mdx_errf(err, errsz, "bad --columns \"%s\": give "
			    "every column as NAME or every one as NAME=COLUMN",
			    im->o.columns);
		if (!named && (*item == '\0' || strcmp(item, "-") == 0))
			continue;
		if ((f = field_lookup(item, eq != NULL ? (size_t)(eq - item) :
		    strlen(item))) == -1)
			return mdx_errf(err, errsz, "bad --columns \"%s\": "
			    "unknown field \"%.*s\"", im->o.columns,
			    (int)(eq != NULL ? eq - item : (long)strlen(item)),
			    item);
		if (im->spec[f] != -1 || im->hname[f] != NULL)
			return mdx_errf(err, errsz, "bad --columns \"%s\": "
			    "\"%s\" given twice", im->o.columns, field_name[f]);
		if (!named) {
			if (pos >= MAXCOLS)
				return mdx_errf(err, errsz, "bad --columns: "
				    "more than %d columns", MAXCOLS);
			im->spec[f] = pos;
			continue;
		}
		n = strtol(eq + 1, &end, 10);
		if (eq[1] >= '0' && eq[1] <= '9' && *end == '\0') {
			if (n < 1 || n > MAXCOLS)
				return mdx_errf(err, errsz, "bad --columns "
				    "\"%s\": column %s out of range (1 to %d)",
				    im->o.columns, eq + 1, MAXCOLS);
			im->spec[f] = (int)n - 1;
		} else if (eq[1] != '\0') {
			im->hname[f] = eq + 1;
			byhead = 1;
		} else
			return mdx_errf(err, errsz, "bad --columns \"%s\": no "
			    "column for \"%s\"", im->o.columns, field_name[f]);
	}
	for (i = 0; i <= F_CLOSE; i++)
		if (im->spec[i] == -1 && im->hname[i] == NULL)
			return mdx_errf(err, errsz, "bad --columns \"%s\": no "
			    "\"%s\" column", im->o.columns, field_name[i]);
	im->colmode = byhead ? COLS_NAMED : COLS_FIXED;
	return 0;
}

/* The placeholders of a name pattern. */
enum ph { PH_EXCHANGE, PH_MARKET, PH_SYMBOL, PH_INTERVAL, PH_MINUTES, PH_N };
static const char *const ph_name[PH_N] = {
	"exchange", "market", "symbol", "interval", "minutes"
};

/* The placeholder at p ("{symbol}..."), its length into *n; -1 when p
 * does not start one. */
static int
placeholder(const char *p, size_t *n)
{
	const char *e;
	int i;

	if (*p != '{' || (e = strchr(p, '}')) == NULL)
		return -1;
	for (i = 0; i < PH_N; i++)
		if (strlen(ph_name[i]) == (size_t)(e - p - 1) &&
		    memcmp(ph_name[i], p + 1, e - p - 1) == 0) {
			*n = e - p + 1;
			return i;
		}
	return -1;
}

static int
check_pattern(const char *pat, char *err, size_t errsz)
{
	const char *p;
	size_t n;
	int ph, seen = 0;

	for (p = pat; *p != '\0'; p++) {
		if (*p == '}')
			return mdx_errf(err, errsz, "bad --names \"%s\": '}' "
			    "without '{'", pat);
		if (*p != '{')
			continue;
		if ((ph = placeholder(p, &n)) == -1)
			return mdx_errf(err, errsz, "bad --names \"%s\": not a "
			    "placeholder at \"%.20s\" (want {exchange}, "
			    "{market}, {symbol}, {interval} or {minutes})",
			    pat, p);
		if (seen & (1 << ph) ||
		    (ph == PH_MINUTES && (seen & (1 << PH_INTERVAL))) ||
		    (ph == PH_INTERVAL && (seen & (1 << PH_MINUTES))))
			return mdx_errf(err, errsz, "bad --names \"%s\": the "
			    "%s named twice", pat, ph == PH_MINUTES ?
			    "interval" : ph_name[ph]);
		seen |= 1 << ph;
		p += n - 1;
	}
	return 0;
}

struct mdx_import *
mdx_import_new(const struct mdx_import_opts *o, char *err, size_t errsz)
{
	struct mdx_import *im;
	int i;

	im = mdx_calloc(1, sizeof(*im));
	im->o = *o;
	im->ly = &layouts[o->layout];
	im->timefmt = o->timefmt >= 0 ? o->timefmt : im->ly->timefmt;
	mdx_buf_init(&im->fb);
	mdx_buf_init(&im->row);
	for (i = 0; i < F_N; i++)
		im->spec[i] = im->ly->col[i];
	im->colmode = im->ly->fixed ? COLS_FIXED : COLS_HEADER;
	if (o->columns != NULL) {
		if (im->ly->fixed) {
			mdx_errf(err, errsz, "--columns is for the csv and tsv "
			    "layouts; %s has its own", im->ly->name);
			goto bad;
		}
		if (parse_columns(im, err, errsz) != 0)
			goto bad;
	}
	if (im->ly->delim == 0 && o->header != MDX_IMP_HEADER_AUTO) {
		mdx_errf(err, errsz, "--header and --no-header are for CSV "
		    "and TSV layouts");
		goto bad;
	}
	if (im->colmode == COLS_NAMED && o->header == MDX_IMP_HEADER_NO) {
		mdx_errf(err, errsz, "--no-header: --columns names header "
		    "columns");
		goto bad;
	}
	if (o->names != NULL) {
		if (check_pattern(o->names, err, errsz) != 0)
			goto bad;
		im->userpat = mdx_strfmt("%s", o->names);
		im->user.pat = im->userpat;
		im->user.market = NULL;
	}
	return im;
bad:
	mdx_import_free(im);
	return NULL;
}

void
mdx_import_free(struct mdx_import *im)
{
	if (im == NULL)
		return;
	free(im->colstr);
	free(im->userpat);
	mdx_buf_free(&im->fb);
	mdx_buf_free(&im->row);
	free(im);
}

/* ------------------------------------------------------------------------
 * Names from the file name.
 */

struct names {
	char v[PH_N][MDX_SYMBOL_MAX];
	const struct mdx_interval *iv;
};

/* A symbol as the lake stores it: a partition value (mdx-lake(1)). */
static int
symbol_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64 || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* The fixed interval of a number of minutes, or NULL. */
static const struct mdx_interval *
minutes_interval(const char *s)
{
	const struct mdx_interval *iv;
	long long m = 0;
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || m > 100000000)
			return NULL;
		m = m * 10 + (*p - '0');
	}
	for (iv = mdx_intervals; iv->code != NULL; iv++)
		if (iv->ms != 0 && iv->ms == m * MDX_MS_MINUTE)
			return iv;
	return NULL;
}

/* Whether s[0..n) is a good value of placeholder ph; sets it in nm. */
static int
ph_set(struct names *nm, int ph, const char *s, size_t n)
{
	char *v = nm->v[ph];

	if (n == 0 || n >= sizeof(nm->v[ph]))
		return 0;
	memcpy(v, s, n);
	v[n] = '\0';
	switch (ph) {
	case PH_EXCHANGE:
	case PH_MARKET:
		return mdx_code_valid(v);
	case PH_SYMBOL:
		return symbol_ok(v, n);
	case PH_INTERVAL:
		return (nm->iv = mdx_interval_lookup(v)) != NULL;
	default:
		return (nm->iv = minutes_interval(v)) != NULL;
	}
}

/*
 * Matches s against pattern p: '*' matches any text, a placeholder a
 * non-empty value good for it, anything else itself.  Each placeholder
 * and '*' takes the longest text that lets the rest match.
 */
static int
pmatch(const char *p, const char *s, struct names *nm)
{
	size_t n, len;
	int ph;

	for (; *p != '\0' && *p != '*' && *p != '{'; p++, s++)
		if (*p != *s)
			return 0;
	if (*p == '\0')
		return *s == '\0';
	len = strlen(s);
	if (*p == '*') {
		for (n = len + 1; n-- > 0;)
			if (pmatch(p + 1, s + n, nm))
				return 1;
		return 0;
	}
	ph = placeholder(p, &n);
	for (len = strlen(s); len > 0; len--)
		if (ph_set(nm, ph, s, len) && pmatch(p + n, s + len, nm))
			return 1;
	nm->v[ph][0] = '\0';
	return 0;
}

/* Matches the end of path with as many components as pat has, with and
 * then without a compression suffix. */
static int
match_path(const char *pat, const char *path, struct names *nm)
{
	static const char *const zs[] = { ".gz", ".zst", ".xz", ".bz2" };
	const char *tail, *p;
	char buf[4096];
	size_t n, k, i;
	int slashes = 0;

	for (p = pat; *p != '\0'; p++)
		slashes += *p == '/';
	tail = path + strlen(path);
	while (tail > path) {
		if (tail[-1] == '/' && slashes-- == 0)
			break;
		tail--;
	}
	memset(nm, 0, sizeof(*nm));
	if (pmatch(pat, tail, nm))
		return 1;
	n = strlen(tail);
	for (i = 0; i < sizeof(zs) / sizeof(zs[0]); i++) {
		k = strlen(zs[i]);
		if (n > k && n - k < sizeof(buf) &&
		    strcmp(tail + n - k, zs[i]) == 0) {
			memcpy(buf, tail, n - k);
			buf[n - k] = '\0';
			memset(nm, 0, sizeof(*nm));
			if (pmatch(pat, buf, nm))
				return 1;
		}
	}
	return 0;
}

static mdx_time
file_time(const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0)
		return mdx_now();
	return (mdx_time)st.st_mtim.tv_sec * 1000 +
	    st.st_mtim.tv_nsec / 1000000;
}

int
mdx_import_begin(struct mdx_import *im, const char *path,
    mdx_import_put *put, void *arg, char *err, size_t errsz)
{
	const struct pattern *pats = im->ly->pats, *pm = NULL;
	size_t npats = im->ly->npats, i;
	struct names nm;
	const char *ex, *mk, *sym, *what = NULL;
	char hint[512] = "";

	if (im->userpat != NULL) {
		pats = &im->user;
		npats = 1;
	}
	memset(&nm, 0, sizeof(nm));
	if (strcmp(path, "-") != 0)
		for (i = 0; i < npats && pm == NULL; i++)
			if (match_path(pats[i].pat, path, &nm))
				pm = &pats[i];
	if (pm == NULL)
		memset(&nm, 0, sizeof(nm));
	ex = im->o.exchange != NULL ? im->o.exchange :
	    nm.v[PH_EXCHANGE][0] != '\0' ? nm.v[PH_EXCHANGE] : im->ly->exchange;
	mk = im->o.market != NULL ? im->o.market :
	    nm.v[PH_MARKET][0] != '\0' ? nm.v[PH_MARKET] :
	    pm != NULL && pm->market != NULL ? pm->market : "spot";
	sym = im->o.symbol != NULL ? im->o.symbol :
	    nm.v[PH_SYMBOL][0] != '\0' ? nm.v[PH_SYMBOL] : NULL;
	im->iv = im->o.interval != NULL ? im->o.interval : nm.iv;
	if (ex == NULL)
		what = "exchange";
	else if (sym == NULL)
		what = "symbol";
	else if (im->iv == NULL)
		what = "interval";
	if (what != NULL) {
		if (pm != NULL)
			snprintf(hint, sizeof(hint), "; the file-name pattern "
			    "'%s' does not name it", pm->pat);
		else
			for (i = 0; i < npats && strcmp(path, "-") != 0; i++)
				snprintf(hint + strlen(hint), sizeof(hint) -
				    strlen(hint), "%s'%s'", i == 0 ?
				    "; the name does not match " : " or ",
				    pats[i].pat);
		return mdx_errf(err, errsz, "cannot tell the %s of '%s': give "
		    "--%s%s", what, path, what, hint);
	}
	if (!mdx_code_valid(ex) || !mdx_code_valid(mk) ||
	    !symbol_ok(sym, strlen(sym)))
		return mdx_errf(err, errsz, "bad exchange, market or symbol "
		    "'%.40s %.40s %.70s' for '%s'", ex, mk, sym, path);
	memcpy(im->exchange, ex, strlen(ex) + 1);
	memcpy(im->market, mk, strlen(mk) + 1);
	memcpy(im->symbol, sym, strlen(sym) + 1);
	im->path = path;
	im->fetched_at = file_time(path);
	im->put = put;
	im->arg = arg;
	im->first = 1;
	im->colerr[0] = '\0';
	im->js = J_START;
	memcpy(im->col, im->spec, sizeof(im->col));
	return 0;
}

/* ------------------------------------------------------------------------
 * Fields to a candle.
 */

static const char *
fptr(const struct mdx_import *im, size_t i)
{
	return im->fb.data + im->f[i].off;
}

/* The largest column number of the map, plus one. */
static int
columns_needed(const int *col)
{
	int i, n = 0;

	for (i = 0; i < F_N; i++)
		if (col[i] + 1 > n)
			n = col[i] + 1;
	return n;
}

/*
 * A time: an epoch number in the unit fmt says (by magnitude for auto:
 * below 10^11 seconds, below 10^14 milliseconds, below 10^17
 * microseconds, else nanoseconds), a fraction of zeros allowed; or RFC
 * 3339.  Returns NULL, or the reason.
 */
static const char *
parse_time(int fmt, const char *s, size_t n, mdx_time *t)
{
	uint64_t v = 0, div = 1, mul = 1;
	size_t i, nd;

	for (nd = 0; nd < n && s[nd] >= '0' && s[nd] <= '9'; nd++)
		;
	if (fmt == MDX_IMP_TIME_RFC3339 || (fmt == MDX_IMP_TIME_AUTO &&
	    (nd == 0 || (nd < n && s[nd] != '.'))))
		return mdx_time_parse_rfc3339(s, n, t) == 0 ? NULL :
		    "not an RFC 3339 time";
	if (nd == 0 || nd > 19)
		return "not an epoch number";
	if (nd < n) {
		for (i = nd + 1; i < n && s[i] == '0'; i++)
			;
		if (s[nd] != '.' || i == nd + 1 || i < n)
			return "not a whole epoch number";
	}
	for (i = 0; i < nd; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return "epoch number too large";
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (fmt == MDX_IMP_TIME_AUTO)
		fmt = v < UINT64_C(100000000000) ? MDX_IMP_TIME_S :
		    v < UINT64_C(100000000000000) ? MDX_IMP_TIME_MS :
		    v < UINT64_C(100000000000000000) ? MDX_IMP_TIME_US : -1;
	switch (fmt) {
	case MDX_IMP_TIME_S:
		mul = 1000;
		break;
	case MDX_IMP_TIME_MS:
		break;
	case MDX_IMP_TIME_US:
		div = 1000;
		break;
	default:
		div = 1000000;
		break;
	}
	if (v % div != 0)
		return "not a whole millisecond";
	v /= div;
	if (v > (uint64_t)MDX_TIME_END / mul)
		return "out of range (years 1970 to 9999)";
	*t = (mdx_time)(v * mul);
	return NULL;
}

/* Rejects the record: the reason is "bad candle: " and the formatted text. */
static void
reject(struct mdx_import *im, unsigned long line, const char *text,
    size_t len, const char *fmt, ...) MDX_PRINTF(5, 6);

static void
reject(struct mdx_import *im, unsigned long line, const char *text,
    size_t len, const char *fmt, ...)
{
	char why[MDX_ERRSZ + 64];
	va_list ap;
	int n;

	n = snprintf(why, sizeof(why), "bad candle: ");
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - n, fmt, ap);
	va_end(ap);
	im->put(im->arg, -1, NULL, why, line, text, len);
}

/* The fields of the record (im->f) as a candle, put or rejected. */
static void
record(struct mdx_import *im, unsigned long line, const char *text,
    size_t len)
{
	static const unsigned optbit[F_N] = {
		[F_VOLUME] = MDX_C_VOLUME,
		[F_QUOTE_VOLUME] = MDX_C_QUOTE_VOLUME,
		[F_TAKER_BUY_VOLUME] = MDX_C_TAKER_BUY_VOLUME,
		[F_TAKER_BUY_QUOTE_VOLUME] = MDX_C_TAKER_BUY_QUOTE_VOLUME,
	};
	const char *unit = im->ly->delim != 0 ? "column" : "element";
	struct mdx_candle c;
	char why[MDX_ERRSZ];
	const char *p, *r;
	mdx_dec *d;
	size_t n, i;
	int f, col, e;

	if (im->colerr[0] != '\0') {
		reject(im, line, text, len, "%s", im->colerr);
		return;
	}
	if (im->nf < (size_t)im->need) {
		reject(im, line, text, len, "%zu %ss, want at least %d",
		    im->nf, unit, im->need);
		return;
	}
	memset(&c, 0, sizeof(c));
	memcpy(c.exchange, im->exchange, sizeof(c.exchange));
	memcpy(c.market, im->market, sizeof(c.market));
	memcpy(c.symbol, im->symbol, sizeof(c.symbol));
	c.interval = im->iv;
	for (f = 0; f < F_N; f++) {
		if ((col = im->col[f]) < 0)
			continue;
		p = fptr(im, col);
		n = im->f[col].n;
		if (n == 0) {
			if (f <= F_CLOSE) {
				reject(im, line, text, len, "no \"%s\" (%s %d)",
				    field_name[f], unit, col + 1);
				return;
			}
			continue;
		}
		if (f == F_TIME) {
			if ((r = parse_time(im->timefmt, p, n,
			    &c.open_time)) != NULL) {
				reject(im, line, text, len, "bad \"time\" (%s "
				    "%d): %s", unit, col + 1, r);
				return;
			}
			continue;
		}
		if (f == F_TRADES) {
			for (i = 0; i < n && i < 18 && p[i] >= '0' &&
			    p[i] <= '9'; i++)
				c.trades = c.trades * 10 + (p[i] - '0');
			if (i < n) {
				reject(im, line, text, len, "bad \"trades\" (%s "
				    "%d): not a whole number", unit, col + 1);
				return;
			}
			c.has |= MDX_C_TRADES;
			continue;
		}
		d = f == F_OPEN ? &c.open : f == F_HIGH ? &c.high :
		    f == F_LOW ? &c.low : f == F_CLOSE ? &c.close :
		    f == F_VOLUME ? &c.volume : f == F_QUOTE_VOLUME ?
		    &c.quote_volume : f == F_TAKER_BUY_VOLUME ?
		    &c.taker_buy_volume : &c.taker_buy_quote_volume;
		if ((e = mdx_dec_parse(d, p, n)) != MDX_DEC_OK) {
			reject(im, line, text, len, "bad \"%s\" (%s %d): %s",
			    field_name[f], unit, col + 1, mdx_dec_strerror(e));
			return;
		}
		c.has |= optbit[f];
	}
	c.origin = MDX_ORIGIN_ARCHIVE;
	c.fetched_at = im->fetched_at;
	c.has |= MDX_C_FETCHED_AT;
	/* Closed when its end is past the file's time, as mdx-extract
	 * judges a fetched candle. */
	c.closed = MDX_TIME_STORABLE(c.open_time) &&
	    mdx_interval_next(c.interval, c.open_time) <= c.fetched_at;
	if (mdx_candle_check(&c, why, sizeof(why)) != 0) {
		reject(im, line, text, len, "%s", why);
		return;
	}
	im->put(im->arg, MDX_TX_CANDLE, &c, NULL, line, text, len);
}

/* ------------------------------------------------------------------------
 * CSV and TSV.
 */

static int
blank(int c, char delim)
{
	return c == ' ' || (c == '\t' && delim != '\t');
}

/*
 * Splits a line into fields (im->f, their text in im->fb): separated by
 * the delimiter, blanks around a field dropped, a field in double quotes
 * taken as it stands ("" inside is a quote).  Returns NULL, or the
 * reason the line cannot be split.
 */
static const char *
split(struct mdx_import *im, const char *s, size_t len)
{
	char delim = im->ly->delim;
	size_t i = 0, start;

	im->nf = 0;
	mdx_buf_reset(&im->fb);
	for (;;) {
		while (i < len && blank(s[i], delim))
			i++;
		start = im->fb.len;
		if (i < len && s[i] == '"') {
			for (i++;; i++) {
				if (i >= len)
					return "a quoted field does not end";
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"')
						i++;
					else
						break;
				}
				mdx_buf_addch(&im->fb, s[i]);
			}
			for (i++; i < len && blank(s[i], delim); i++)
				;
			if (i < len && s[i] != delim)
				return "text after a quoted field";
		} else {
			for (; i < len && s[i] != delim; i++)
				mdx_buf_addch(&im->fb, s[i]);
			while (im->fb.len > start &&
			    blank(im->fb.data[im->fb.len - 1], delim))
				im->fb.len--;
		}
		if (im->nf == MAXCOLS)
			return "more than 256 columns";
		im->f[im->nf].off = start;
		im->f[im->nf].n = im->fb.len - start;
		im->nf++;
		if (i >= len)
			return NULL;
		i++;
	}
}

/* Whether the fields of a line are a header: none of them a number. */
static int
is_header(const struct mdx_import *im)
{
	mdx_dec d;
	size_t i;

	for (i = 0; i < im->nf; i++)
		if (mdx_dec_parse(&d, fptr(im, i), im->f[i].n) == MDX_DEC_OK)
			return 0;
	return 1;
}

/* The column map of a file from its header line; a reason in colerr
 * when it gives none. */
static void
header_columns(struct mdx_import *im)
{
	size_t i, k;
	int f, found;

	if (im->colmode == COLS_FIXED)
		return;
	for (f = 0; f < F_N; f++)
		im->col[f] = -1;
	for (i = 0; i < im->nf; i++) {
		found = -1;
		if (im->colmode == COLS_NAMED) {
			for (f = 0; f < F_N; f++)
				if (im->hname[f] != NULL &&
				    strlen(im->hname[f]) == im->f[i].n &&
				    strncasecmp(im->hname[f], fptr(im, i),
				    im->f[i].n) == 0)
					found = f;
		} else {
			for (k = 0; k < sizeof(synonyms) /
			    sizeof(synonyms[0]); k++)
				if (strlen(synonyms[k].name) == im->f[i].n &&
				    strncasecmp(synonyms[k].name, fptr(im, i),
				    im->f[i].n) == 0)
					found = (int)synonyms[k].f;
		}
		if (found < 0)
			continue;
		if (im->col[found] != -1) {
			snprintf(im->colerr, sizeof(im->colerr), "the header "
			    "names \"%s\" twice (columns %d and %zu)",
			    field_name[found], im->col[found] + 1, i + 1);
			return;
		}
		im->col[found] = (int)i;
	}
	for (f = 0; f < F_N; f++) {
		if (im->colmode == COLS_NAMED && im->hname[f] != NULL &&
		    im->col[f] == -1) {
			snprintf(im->colerr, sizeof(im->colerr), "no column "
			    "\"%s\" in the header (for \"%s\")", im->hname[f],
			    field_name[f]);
			return;
		}
		if (im->colmode == COLS_NAMED && im->col[f] == -1)
			im->col[f] = im->spec[f];
		if (f <= F_CLOSE && im->col[f] == -1) {
			snprintf(im->colerr, sizeof(im->colerr), "no \"%s\" "
			    "column in the header", field_name[f]);
			return;
		}
	}
}

static void
csv_line(struct mdx_import *im, const char *s, size_t len,
    unsigned long line)
{
	const char *r;
	int head;

	r = split(im, s, len);
	if (im->first) {
		im->first = 0;
		head = r == NULL && (im->o.header == MDX_IMP_HEADER_YES ||
		    (im->o.header == MDX_IMP_HEADER_AUTO && is_header(im)));
		if (head) {
			header_columns(im);
			im->need = columns_needed(im->col);
			im->put(im->arg, MDX_TX_HEADER, NULL, NULL, line, s,
			    len);
			return;
		}
		if (im->colmode == COLS_NAMED)
			snprintf(im->colerr, sizeof(im->colerr), "no header "
			    "line to find the columns of --columns in");
		im->need = columns_needed(im->col);
	}
	if (r != NULL) {
		reject(im, line, s, len, "%s", r);
		return;
	}
	record(im, line, s, len);
}

/* ------------------------------------------------------------------------
 * freqtrade JSON: one array of rows, each an array of the time in
 * milliseconds and the prices and volume as JSON numbers, on one line or
 * many.  A row is a record; it is read by this state machine across
 * lines, so the file need not fit one line.
 */

static void
row_end(struct mdx_import *im)
{
	if (im->js == J_SKIP)
		reject(im, im->rowline, im->row.data, im->row.len, "%s",
		    im->rowerr);
	else
		record(im, im->rowline, im->row.data, im->row.len);
	im->js = J_ROWSEP;
}

/* A syntax error outside a row: the rest of the line is a rejected
 * record, and so is every later line of the file. */
static void
broken(struct mdx_import *im, const char *s, size_t len, unsigned long line,
    const char *what)
{
	char why[MDX_ERRSZ];

	snprintf(why, sizeof(why), "bad freqtrade file: %s", what);
	im->put(im->arg, -1, NULL, why, line, s, len);
	im->js = J_BROKEN;
	im->brokenline = line;
}

static int
jspace(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A row value at s[i]: a number or literal (null gives an empty field),
 * or a string without escapes.  Returns the index past it, or 0 after
 * setting rowerr. */
static size_t
jvalue(struct mdx_import *im, const char *s, size_t len, size_t i)
{
	size_t start = i, off = im->fb.len;

	if (im->nf == MAXCOLS) {
		snprintf(im->rowerr, sizeof(im->rowerr), "more than %d "
		    "elements", MAXCOLS);
		return 0;
	}
	if (s[i] == '"') {
		for (i++; i < len && s[i] != '"' && s[i] != '\\'; i++)
			;
		if (i >= len || s[i] != '"') {
			snprintf(im->rowerr, sizeof(im->rowerr), "a string "
			    "with an escape or not ending on its line "
			    "(element %zu)", im->nf + 1);
			return 0;
		}
		mdx_buf_add(&im->fb, s + start + 1, i - start - 1);
		i++;
	} else {
		for (; i < len && s[i] != ',' && s[i] != ']' &&
		    !jspace((unsigned char)s[i]); i++)
			;
		if (i == start || s[start] == '[' || s[start] == '{') {
			snprintf(im->rowerr, sizeof(im->rowerr), "element "
			    "%zu is not a number or string", im->nf + 1);
			return 0;
		}
		if (!(i - start == 4 && memcmp(s + start, "null", 4) == 0))
			mdx_buf_add(&im->fb, s + start, i - start);
	}
	im->f[im->nf].off = off;
	im->f[im->nf].n = im->fb.len - off;
	im->nf++;
	return i;
}

static void
json_line(struct mdx_import *im, const char *s, size_t len,
    unsigned long line)
{
	size_t i, rowstart = 0, j;
	char c;

	if (im->first) {
		im->first = 0;
		im->need = columns_needed(im->col);
	}
	if (im->js == J_BROKEN) {
		snprintf(im->rowerr, sizeof(im->rowerr), "bad freqtrade file: "
		    "after the syntax error at line %lu", im->brokenline);
		im->put(im->arg, -1, NULL, im->rowerr, line, s, len);
		return;
	}
	if (im->js >= J_VAL && im->js <= J_SKIP)
		mdx_buf_addch(&im->row, '\n');
	for (i = 0; i < len; i++) {
		c = s[i];
		if (im->js == J_SKIP) {
			if (c == '"') {
				for (i++; i < len && s[i] != '"'; i++)
					;
				if (i >= len)
					break;
			} else if (c == ']') {
				mdx_buf_add(&im->row, s + rowstart,
				    i + 1 - rowstart);
				row_end(im);
			}
			continue;
		}
		if (jspace((unsigned char)c))
			continue;
		switch (im->js) {
		case J_START:
			if (c != '[') {
				broken(im, s + i, len - i, line, "not a JSON "
				    "array");
				return;
			}
			im->js = J_ROW;
			break;
		case J_ROW:
		case J_ROWSEP:
			if (c == ']') {
				im->js = J_END;
			} else if (im->js == J_ROWSEP && c == ',') {
				im->js = J_ROW;
			} else if (im->js == J_ROW && c == '[') {
				im->js = J_VAL;
				im->rowline = line;
				rowstart = i;
				im->nf = 0;
				mdx_buf_reset(&im->fb);
				mdx_buf_reset(&im->row);
			} else {
				broken(im, s + i, len - i, line, im->js ==
				    J_ROW ? "want a row (an array)" :
				    "want ',' or ']' after a row");
				return;
			}
			break;
		case J_VAL:
		case J_VALSEP:
			if (c == ']' && (im->js == J_VALSEP || im->nf == 0)) {
				mdx_buf_add(&im->row, s + rowstart,
				    i + 1 - rowstart);
				row_end(im);
			} else if (c == ',' && im->js == J_VALSEP) {
				im->js = J_VAL;
			} else if (im->js == J_VAL &&
			    (j = jvalue(im, s, len, i)) != 0) {
				i = j - 1;
				im->js = J_VALSEP;
			} else {
				if (im->js == J_VALSEP)
					snprintf(im->rowerr, sizeof(im->rowerr),
					    "want ',' or ']' after element %zu",
					    im->nf);
				im->js = J_SKIP;
				i--;
			}
			break;
		case J_END:
			broken(im, s + i, len - i, line, "text after the "
			    "array");
			return;
		default:
			break;
		}
	}
	if (im->js >= J_VAL && im->js <= J_SKIP)
		mdx_buf_add(&im->row, s + rowstart, len - rowstart);
}

void
mdx_import_line(struct mdx_import *im, const char *s, size_t len,
    unsigned long line)
{
	im->lastline = line;
	if (im->ly->delim != 0)
		csv_line(im, s, len, line);
	else
		json_line(im, s, len, line);
}

void
mdx_import_end(struct mdx_import *im)
{
	if (im->ly->delim != 0 || im->first || im->js == J_END ||
	    im->js == J_BROKEN)
		return;
	if (im->js == J_START)
		return;
	if (im->js >= J_VAL && im->js <= J_SKIP)
		reject(im, im->rowline, im->row.data, im->row.len, "the row "
		    "does not end (the file ends)");
	else
		im->put(im->arg, -1, NULL, "bad freqtrade file: the array does "
		    "not end (the file ends)", im->lastline, "", 0);
}
