/*
 * plan.c - mdx-extract's series and windows, its state files and its
 * planning: which series the run fetches, over which ranges, and where
 * --resume goes on from.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "err.h"
#include "opt.h"
#include "buf.h"
#include "ndjson.h"
#include "json.h"
#include "utc.h"
#include "db.h"
#include "watch.h"

#include "exchange.h"
#include "fetch.h"
#include "extract.h"

/* ------------------------------------------------------------------------
 * Series and windows (struct series and struct window: extract.h).
 */
struct series *extract_series_head;
static struct series *series_tail;
int extract_nseries, extract_nfinished;
struct mdx_json_doc *extract_doc;

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

/* Real elapsed time for summaries and progress (MDX_NOW stands still). */
mdx_time
extract_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (mdx_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
extract_fmt_time(mdx_time t, char *buf)
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

struct series *
extract_series_new(const struct mdx_market *m, int kind, const char *symbol,
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
		extract_series_head = s;
	series_tail = s;
	extract_nseries++;
	return s;
}

/* ------------------------------------------------------------------------
 * State files: one per exchange, market, symbol, kind and interval, holding
 * the time just after the last row written, replaced atomically.  Klines
 * keep the name they always had (INTERVAL.json); the other kinds are
 * KIND-INTERVAL.json, and funding, which has no interval, funding.json.
 * A trades series has trades.json, holding also Kraken's cursor and the
 * id of the last trade written.
 */
static char *
state_path(const struct series *s)
{
	if (s->kind == MDX_KIND_KLINES)
		return mdx_strfmt("%s/extract/%s/%s/%s/%s.json", opt.state_dir,
		    s->m->exchange, s->m->market, s->symbol, s->iv->code);
	if (!mdx_kind_has_interval(s->kind))
		return mdx_strfmt("%s/extract/%s/%s/%s/%s.json",
		    opt.state_dir, s->m->exchange, s->m->market, s->symbol,
		    mdx_kind_name(s->kind));
	return mdx_strfmt("%s/extract/%s/%s/%s/%s-%s.json", opt.state_dir,
	    s->m->exchange, s->m->market, s->symbol, mdx_kind_name(s->kind),
	    s->iv->code);
}

/*
 * Reads a state file: 1 and *next when there is one (a trades series: its
 * cursor and last_id too), 0 when there is none, -1 after a message when
 * it is unreadable.
 */
static int
state_read(struct series *s, mdx_time *next)
{
	char *path = state_path(s), buf[1024], t[64];
	const struct mdx_json *root, *v, *c = NULL, *id;
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
	if ((root = mdx_json_parse(extract_doc, buf, n)) == NULL ||
	    (v = mdx_json_get(root, "next")) == NULL ||
	    v->type != MDX_JSON_STRING || v->len >= sizeof(t) ||
	    mdx_time_parse_rfc3339(v->text, v->len, next) == -1)
		mdx_warn("bad state file '%s': no \"next\" time (at %s:1)",
		    path, path);
	else if (s->kind == MDX_KIND_TRADES &&
	    ((c = mdx_json_get(root, "cursor")) == NULL ||
	    c->type != MDX_JSON_STRING || c->len == 0 ||
	    c->len >= sizeof(s->cursor) ||
	    strspn(c->text, "0123456789") != c->len ||
	    (id = mdx_json_get(root, "last_id")) == NULL ||
	    mdx_json_int(id, &s->last_id) == -1))
		mdx_warn("bad state file '%s': no \"cursor\" and \"last_id\" "
		    "(at %s:1)", path, path);
	else {
		if (s->kind == MDX_KIND_TRADES) {
			memcpy(s->cursor, c->text, c->len);
			s->cursor[c->len] = '\0';
		}
		rv = 1;
	}
	free(path);
	return rv;
}

void
extract_state_write(const struct series *s)
{
	char *path = state_path(s), t[MDX_TIME_BUFSZ], u[MDX_TIME_BUFSZ];
	struct mdx_buf b = MDX_BUF_INIT;

	extract_fmt_time(s->written, t);
	extract_fmt_time(mdx_now(), u);
	mdx_buf_addch(&b, '{');
	mdx_buf_add_json_kv(&b, 1, "exchange", s->m->exchange);
	mdx_buf_add_json_kv(&b, 0, "market", s->m->market);
	mdx_buf_add_json_kv(&b, 0, "symbol", s->symbol);
	if (s->kind != MDX_KIND_KLINES)
		mdx_buf_add_json_kv(&b, 0, "kind", mdx_kind_name(s->kind));
	if (mdx_kind_has_interval(s->kind))
		mdx_buf_add_json_kv(&b, 0, "interval", s->iv->code);
	mdx_buf_add_json_kv(&b, 0, "next", t);
	if (s->kind == MDX_KIND_TRADES) {
		mdx_buf_add_json_kv(&b, 0, "cursor", s->cursor);
		mdx_buf_printf(&b, ",\"last_id\":%lld", (long long)s->last_id);
	}
	mdx_buf_add_json_kv(&b, 0, "updated_at", u);
	mdx_buf_addstr(&b, "}\n");
	extract_state_replace(path, &b);
	mdx_buf_free(&b);
	free(path);
}

void
extract_state_replace(char *path, const struct mdx_buf *b)
{
	struct mdx_buf tmp = MDX_BUF_INIT;
	int fd;

	mdx_buf_printf(&tmp, "%s.tmp%ld", path, (long)getpid());
	if (mdx_mkdirs(path) == -1 ||
	    (fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC, 0666)) == -1)
		mdx_die(MDX_EX_IOERR, "cannot write state '%s': %s", path,
		    strerror(errno));
	if (write(fd, b->data, b->len) != (ssize_t)b->len || close(fd) == -1 ||
	    rename(tmp.data, path) == -1)
		mdx_die(MDX_EX_IOERR, "cannot write state '%s': %s", path,
		    strerror(errno));
	mdx_buf_free(&tmp);
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
	    "AND i.price = 'trade' AND c.interval = $4 AND c.closed "
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
		until = extract_now_ms;
	s->hi = ceil_iv(iv, until);
	/* Closed candles only, unless the forming one is wanted too. */
	cap = mdx_interval_floor(iv, extract_now_ms);
	if (opt.include_open)
		cap = mdx_interval_next(iv, cap);
	if (s->hi > cap)
		s->hi = cap;
	/* By default a page back, or (Kraken) as far back as it serves. */
	s->lo = have_since ? ceil_iv(iv, since) : sub_iv(iv, s->hi,
	    s->m->history > 0 ? s->m->history - 1 :
	    mdx_market_page(s->m, s->kind));
	/* Binance keeps open-interest history for 30 days only: nothing
	 * older is asked for. */
	if (s->kind == MDX_KIND_OPEN_INTEREST &&
	    mdx_market_oi_depth(s->m) > 0 &&
	    s->lo < extract_now_ms - mdx_market_oi_depth(s->m))
		s->lo = ceil_iv(iv, extract_now_ms - mdx_market_oi_depth(s->m));
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
		extract_fail(MDX_EX_DATAERR);
		s->finished = 1;
		extract_nfinished++;
		return;
	}
	/* The warehouse knows where trade candles end; the other kinds
	 * resume from their state files. */
	if (s->kind == MDX_KIND_KLINES && (opt.db || (st == 0 &&
	    db_configured()))) {
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

/*
 * An exchange that serves only its latest candles (Kraken: 720 of each
 * interval) cannot give the older ones at all: the range starts at the
 * oldest it serves, with a warning naming what is left out and where to
 * find it, and the state moves past it as the candles after it are
 * written.
 */
static void
clamp_history(struct series *s)
{
	char a[MDX_TIME_BUFSZ], b[MDX_TIME_BUFSZ];
	mdx_time oldest;

	if (s->m->history <= 0 || s->iv->ms <= 0)
		return;
	oldest = mdx_interval_floor(s->iv, extract_now_ms) -
	    (int64_t)(s->m->history - 1) * s->iv->ms;
	if (s->lo >= oldest || s->lo >= s->hi)
		return;
	extract_fmt_time(s->lo, a);
	extract_fmt_time(oldest < s->hi ? oldest : s->hi, b);
	mdx_warn("%s %s %s %s: %s serves only its latest %d candles over "
	    "REST: the candles from %s to %s cannot be fetched (its "
	    "downloadable OHLCVT files have them: see mdx-extract(1))",
	    s->m->exchange, s->m->market, s->symbol, s->iv->code,
	    s->m->exchange, s->m->history, a, b);
	s->lo = oldest < s->hi ? oldest : s->hi;
	s->plan = s->written = s->lo;
}

/*
 * A trades series (Kraken): from --since (default: an hour before the
 * end), or with --resume from the state's cursor, up to --until or now.
 */
static void
add_trades(const struct mdx_market *m, const char *symbol)
{
	struct series *s;
	mdx_time next, lo;
	int st;

	if (!m->trades) {
		mdx_warn("kind trades is not offered by %s %s", m->exchange,
		    m->market);
		exit(MDX_EX_USAGE);
	}
	s = extract_series_new(m, MDX_KIND_TRADES, symbol, NULL);
	s->save_state = opt.resume;
	s->last_id = -1;
	s->hi = opt.have_until && opt.until < extract_now_ms ? opt.until :
	    extract_now_ms;
	lo = opt.have_since ? opt.since : s->hi - MDX_MS_HOUR;
	if (lo > s->hi)
		lo = s->hi;
	s->lo = s->written = lo;
	/* Kraken's since excludes itself: one nanosecond before lo. */
	snprintf(s->cursor, sizeof(s->cursor), "%lld",
	    (long long)lo * 1000000 - 1);
	if (!opt.resume)
		return;
	if ((st = state_read(s, &next)) == -1) {
		extract_fail(MDX_EX_DATAERR);
		s->finished = 1;
		extract_nfinished++;
		return;
	}
	/* Without --since the state decides; with it, the later. */
	if (st == 1 && opt.have_since && next < lo) {
		s->last_id = -1;
		snprintf(s->cursor, sizeof(s->cursor), "%lld",
		    (long long)lo * 1000000 - 1);
	} else if (st == 1)
		s->lo = s->written = next < s->hi ? next : s->hi;
}

/* Adds the series of a ranged kind (opt.kind) of symbol at interval iv
 * (the period of open interest; the hour, funding's shortest interval, by
 * which funding is paged). */
static void
add_ranged(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *iv, PGconn **conn)
{
	struct series *s;

	if (opt.kind == MDX_KIND_OPEN_INTEREST ?
	    mdx_market_oi_period(m, iv) == NULL :
	    mdx_market_interval(m, iv) == NULL) {
		mdx_warn("%s '%s' is not offered by %s %s",
		    opt.kind == MDX_KIND_OPEN_INTEREST ? "open-interest period" :
		    "interval", iv->code, m->exchange, m->market);
		exit(MDX_EX_USAGE);
	}
	s = extract_series_new(m, opt.kind, symbol, iv);
	s->save_state = opt.resume;
	plan_range(s, opt.have_since, opt.since, opt.have_until, opt.until);
	if (opt.resume)
		plan_resume(s, conn);
	clamp_history(s);
}

void
extract_add_series(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *const *ivs, int nivs, PGconn **conn)
{
	int i;

	if (!mdx_market_offers(m, opt.kind)) {
		mdx_warn("kind '%s' is not offered by %s %s",
		    mdx_kind_name(opt.kind), m->exchange, m->market);
		exit(MDX_EX_USAGE);
	}
	if (opt.kind == MDX_KIND_FUNDING)
		add_ranged(m, symbol, mdx_interval_lookup("1h"), conn);
	else if (mdx_kind_ranged(opt.kind))
		for (i = 0; i < nivs; i++)
			add_ranged(m, symbol, ivs[i], conn);
	else if (opt.kind == MDX_KIND_TRADES)
		add_trades(m, symbol);
	else {
		if (opt.kind == MDX_KIND_DEPTH && m->depth_max == 0) {
			mdx_warn("kind depth is not offered by %s %s",
			    m->exchange, m->market);
			exit(MDX_EX_USAGE);
		}
		if (opt.kind == MDX_KIND_DEPTH && opt.depth > m->depth_max)
			mdx_usage("--depth %d: %s %s gives at most %d levels",
			    opt.depth, m->exchange, m->market, m->depth_max);
		extract_series_new(m, opt.kind, symbol, NULL);
	}
}

/* The watchlist's name of a kind (mdx-watchlist(5) "kinds="); depth and
 * instruments go with klines. */
static unsigned
watch_bit(int kind)
{
	switch (kind) {
	case MDX_KIND_MARK_KLINES:
		return MDX_WATCH_MARK;
	case MDX_KIND_INDEX_KLINES:
		return MDX_WATCH_INDEX;
	case MDX_KIND_PREMIUM_KLINES:
		return MDX_WATCH_PREMIUM;
	case MDX_KIND_FUNDING:
		return MDX_WATCH_FUNDING;
	case MDX_KIND_OPEN_INTEREST:
		return MDX_WATCH_OI;
	default:
		return MDX_WATCH_KLINES;
	}
}

void
extract_plan_watchlist(PGconn **conn)
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
		/* Trades for the entries that ask for them; of the other
		 * kinds, those an entry keeps (candles not for an entry that
		 * asks for trades alone). */
		if (opt.kind == MDX_KIND_TRADES ? w[i].trades == 0 :
		    (w[i].nocandles && opt.kind == MDX_KIND_KLINES) ||
		    (w[i].kinds & watch_bit(opt.kind)) == 0) {
			mdx_debug("%s %s %s: %s not kept", w[i].exchange,
			    w[i].market, w[i].symbol, mdx_kind_name(opt.kind));
			continue;
		}
		/* A spot entry has no derivatives data: a run for them
		 * passes it over. */
		if (!mdx_market_offers(m, opt.kind)) {
			mdx_debug("%s %s %s: no %s there", w[i].exchange,
			    w[i].market, w[i].symbol, mdx_kind_name(opt.kind));
			continue;
		}
		/* An entry's intervals are candle intervals: open interest
		 * takes its periods from -i. */
		if (w[i].ninterval > 0 && opt.kind != MDX_KIND_OPEN_INTEREST)
			extract_add_series(m, w[i].symbol, w[i].interval,
			    w[i].ninterval, conn);
		else
			extract_add_series(m, w[i].symbol, opt.ivs, opt.nivs,
			    conn);
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

int
extract_range_parse(const char *ln, size_t len, struct extract_range *r,
    char *err, size_t errsz)
{
	struct mdx_buf b[6];
	const struct mdx_json *root, *v;
	const char *ex, *mk, *sym, *ivs, *from, *to;
	int i, ok, rv = -1;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 6; i++)
		mdx_buf_init(&b[i]);
	if ((root = mdx_json_parse(extract_doc, ln, len)) == NULL) {
		mdx_errf(err, errsz, "%s", mdx_json_error(extract_doc));
		goto out;
	}
	ex = gap_str(root, "exchange", &b[0]);
	mk = gap_str(root, "market", &b[1]);
	sym = gap_str(root, "symbol", &b[2]);
	ivs = gap_str(root, "interval", &b[3]);
	from = gap_str(root, "from", &b[4]);
	to = gap_str(root, "to", &b[5]);
	if (ex == NULL || mk == NULL || sym == NULL || ivs == NULL ||
	    from == NULL || to == NULL) {
		mdx_errf(err, errsz, "needs exchange, market, symbol, "
		    "interval, from and to");
		goto out;
	}
	/* The kind: klines, or what "price" or "series" says. */
	r->kind = MDX_KIND_KLINES;
	if ((v = mdx_json_get(root, "price")) != NULL &&
	    v->type != MDX_JSON_NULL && !mdx_json_str_eq(v, "trade")) {
		if (mdx_json_str_eq(v, "mark"))
			r->kind = MDX_KIND_MARK_KLINES;
		else if (mdx_json_str_eq(v, "index"))
			r->kind = MDX_KIND_INDEX_KLINES;
		else if (mdx_json_str_eq(v, "premium"))
			r->kind = MDX_KIND_PREMIUM_KLINES;
		else {
			mdx_errf(err, errsz, "bad \"price\": not trade, "
			    "mark, index or premium");
			goto out;
		}
	}
	if ((v = mdx_json_get(root, "series")) != NULL &&
	    v->type != MDX_JSON_NULL) {
		if (r->kind != MDX_KIND_KLINES) {
			mdx_errf(err, errsz, "both \"price\" and \"series\"");
			goto out;
		}
		if (mdx_json_str_eq(v, "funding"))
			r->kind = MDX_KIND_FUNDING;
		else if (mdx_json_str_eq(v, "open_interest"))
			r->kind = MDX_KIND_OPEN_INTEREST;
		else {
			mdx_errf(err, errsz, "bad \"series\": not funding or "
			    "open_interest");
			goto out;
		}
	}
	ok = (r->m = mdx_market_lookup(ex, mk)) != NULL &&
	    (r->iv = mdx_interval_lookup(ivs)) != NULL &&
	    mdx_market_interval(r->m, r->iv) != NULL &&
	    extract_symbol_ok(sym) &&
	    (r->kind != MDX_KIND_OPEN_INTEREST ||
	    mdx_market_oi_period(r->m, r->iv) != NULL);
	if (!ok) {
		mdx_errf(err, errsz, "no such market, symbol or interval "
		    "'%s %s %s %s'", ex, mk, sym, ivs);
		goto out;
	}
	if (!mdx_market_offers(r->m, r->kind)) {
		mdx_errf(err, errsz, "no %s on '%s %s'",
		    r->kind == MDX_KIND_MARK_KLINES ? "mark candles" :
		    r->kind == MDX_KIND_INDEX_KLINES ? "index candles" :
		    r->kind == MDX_KIND_PREMIUM_KLINES ? "premium candles" :
		    r->kind == MDX_KIND_FUNDING ? "funding" : "open interest",
		    ex, mk);
		goto out;
	}
	if (mdx_time_parse_rfc3339(from, strlen(from), &r->from) == -1 ||
	    mdx_time_parse_rfc3339(to, strlen(to), &r->to) == -1 ||
	    r->to <= r->from) {
		mdx_errf(err, errsz, "bad from '%s' or to '%s'", from, to);
		goto out;
	}
	/* The exchanges have nothing before 1970, and no record is dated
	 * past 9999 (MDX_TIME_STORABLE). */
	if (!MDX_TIME_STORABLE(r->from) || !MDX_TIME_STORABLE(r->to)) {
		mdx_errf(err, errsz, "from '%s' or to '%s' out of range (years "
		    "1970 to 9999)", from, to);
		goto out;
	}
	memcpy(r->symbol, sym, strlen(sym) + 1);
	rv = 0;
out:
	for (i = 0; i < 6; i++)
		mdx_buf_free(&b[i]);
	return rv;
}

/* Reads the gap records of --ranges: each becomes a series of its own,
 * outside the state files. */
void
extract_plan_ranges(void)
{
	struct mdx_reader *r;
	struct extract_range g;
	const char *ln;
	char *path = (char *)opt.ranges, why[512];
	struct mdx_pos pos;
	struct series *s;
	size_t len;
	int rc, bad = 0;

	r = mdx_reader_open(&path, 1);
	while ((rc = mdx_reader_next(r, &ln, &len)) != MDX_RD_EOF) {
		pos = mdx_reader_pos(r);
		if (rc == MDX_RD_ERR) {
			mdx_warn("%s (at %s:%lu)",
			    mdx_reader_error(r), pos.name, pos.line);
			exit(mdx_reader_error_status(r));
		}
		if (rc == MDX_RD_BAD) {
			mdx_warn("bad range: %s (at %s:%lu)",
			    mdx_reader_error(r), pos.name, pos.line);
			bad++;
			continue;
		}
		if (extract_range_parse(ln, len, &g, why, sizeof(why)) != 0) {
			mdx_warn("bad range: %s (at %s:%lu)", why, pos.name,
			    pos.line);
			bad++;
			continue;
		}
		/* Funding is planned on the hourly grid, as -k funding
		 * is (extract_add_series()). */
		s = extract_series_new(g.m, g.kind, g.symbol,
		    g.kind == MDX_KIND_FUNDING ? mdx_interval_lookup("1h") :
		    g.iv);
		plan_range(s, 1, g.from, 1, g.to);
		clamp_history(s);
	}
	mdx_reader_close(r);
	if (bad > 0)
		extract_fail(MDX_EX_DATAERR);
}
