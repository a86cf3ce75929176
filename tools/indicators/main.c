/*
 * mdx-indicators - technical indicators over canonical candle streams and
 * in the warehouse.  See mdx-indicators(1).
 *
 * A stream is read once; every series (exchange, market, symbol,
 * interval) keeps its own indicator states, so series may be interleaved.
 * In the warehouse (--db) each series is read in time order through a
 * cursor and the indicator states are saved with the values, so that the
 * next run resumes where this one stopped.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "err.h"
#include "opt.h"
#include "buf.h"
#include "ndjson.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "db.h"
#include "hash.h"
#include "candle.h"

#include "ta.h"
#include "ind.h"

static const char usage_text[] =
    "usage: mdx-indicators [-qv] [--merge] [--keep-warmup] specs [file ...]\n"
    "       mdx-indicators [-qv] --db [--full] [-x exchange] [-m market]\n"
    "                      [-s symbol] [-i interval] specs\n"
    "       mdx-indicators -h | -V\n"
    "\n"
    "specs: comma-separated NAME[:PARAM...]: sma:30 ema:30 wma:30 rsi:14\n"
    "       macd:12:26:9 bbands:5:2:2 atr:14 stoch:5:3:3 obv roc:10\n"
    "       vwap[:day|:N] stats24h enigma\n"
    "\n"
    "      --merge         write the candles with indicator fields added\n"
    "      --keep-warmup   write null values before an indicator's lookback\n"
    "      --db            read mdx.candle, write mdx.indicator incrementally\n"
    "      --full          with --db: recompute from the first candle\n"
    "  -x, --exchange E    with --db: only this exchange\n"
    "  -m, --market M      with --db: only this market\n"
    "  -s, --symbol S      with --db: only this symbol\n"
    "  -i, --interval I    with --db: only this interval\n"
    MDX_OPT_HELP;

static struct {
	int merge, keep_warmup, db, full;
	const char *exchange, *market, *symbol, *interval;
} opt;

static struct mdx_ind_spec *specs;
static int nspecs;
static int need_volume;

/* Counts for the summary and the exit status. */
static struct {
	uint64_t in, candles, rejected, passed, out, gaps, series;
} cnt;

/* Slack after the sources and destinations of put_block(). */
#define PAD 16

/* ------------------------------------------------------------------------
 * Series.
 */
struct series {
	char exchange[MDX_NAME_MAX], market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	const struct mdx_interval *iv;
	int started, filled;
	mdx_time last;
	struct mdx_ind *ind;
	/* --db: per indicator, the last candle already in its state. */
	mdx_time *resume;
	int *ifilled;
	int64_t instrument_id;
	/* An indicator record up to open_time, then room for the time:
	 * the text of tday's date stays there for the next candles of the
	 * same day (INT64_MIN: none). */
	struct mdx_buf prefix;
	mdx_time tday;
	struct series *next;
};

#define NBUCKET 1024
static struct series *buckets[NBUCKET];
static struct series *last_series;

/* The names with their NULs, and the interval's table entry.  The table
 * is only ever searched, never walked, so nothing printed depends on the
 * hash. */
static unsigned
series_hash(const struct mdx_candle *c)
{
	const char *parts[3] = { c->exchange, c->market, c->symbol };
	uint64_t h = MDX_FNV1A_BASIS;
	int i;

	for (i = 0; i < 3; i++)
		h = mdx_fnv1a(h, parts[i], strlen(parts[i]) + 1);
	h ^= (uintptr_t)c->interval;
	return h % NBUCKET;
}

static int
series_is(const struct series *s, const char *exchange, const char *market,
    const char *symbol, const struct mdx_interval *iv)
{
	return s->iv == iv && strcmp(s->symbol, symbol) == 0 &&
	    strcmp(s->exchange, exchange) == 0 &&
	    strcmp(s->market, market) == 0;
}

static struct series *
series_new(const char *exchange, const char *market, const char *symbol,
    const struct mdx_interval *iv)
{
	struct series *s;
	int i;

	s = mdx_calloc(1, sizeof(*s));
	snprintf(s->exchange, sizeof(s->exchange), "%s", exchange);
	snprintf(s->market, sizeof(s->market), "%s", market);
	snprintf(s->symbol, sizeof(s->symbol), "%s", symbol);
	s->iv = iv;
	s->ind = mdx_calloc((size_t)nspecs, sizeof(*s->ind));
	s->resume = mdx_calloc((size_t)nspecs, sizeof(*s->resume));
	s->ifilled = mdx_calloc((size_t)nspecs, sizeof(*s->ifilled));
	for (i = 0; i < nspecs; i++) {
		mdx_ind_init(&s->ind[i], &specs[i], iv);
		s->resume[i] = INT64_MIN;
	}
	mdx_buf_init(&s->prefix);
	mdx_buf_addstr(&s->prefix, "{\"kind\":\"indicator\"");
	mdx_buf_add_json_kv(&s->prefix, 0, "exchange", exchange);
	mdx_buf_add_json_kv(&s->prefix, 0, "market", market);
	mdx_buf_add_json_kv(&s->prefix, 0, "symbol", symbol);
	mdx_buf_add_json_kv(&s->prefix, 0, "interval", iv->code);
	mdx_buf_addstr(&s->prefix, ",\"open_time\":\"");
	mdx_buf_grow(&s->prefix, MDX_TIME_BUFSZ + PAD);
	s->tday = INT64_MIN;
	cnt.series++;
	return s;
}

static void
series_free(struct series *s)
{
	int i;

	for (i = 0; i < nspecs; i++)
		mdx_ind_free(&s->ind[i]);
	free(s->ind);
	free(s->resume);
	free(s->ifilled);
	mdx_buf_free(&s->prefix);
	free(s);
}

static struct series *
series_get(const struct mdx_candle *c)
{
	struct series *s;
	unsigned h;

	if (last_series != NULL && series_is(last_series, c->exchange,
	    c->market, c->symbol, c->interval))
		return last_series;
	h = series_hash(c);
	for (s = buckets[h]; s != NULL; s = s->next)
		if (series_is(s, c->exchange, c->market, c->symbol,
		    c->interval))
			break;
	if (s == NULL) {
		s = series_new(c->exchange, c->market, c->symbol, c->interval);
		s->next = buckets[h];
		buckets[h] = s;
	}
	last_series = s;
	return s;
}

/* The open time a candle after one opening at t should have. */
static mdx_time
next_open(const struct mdx_interval *iv, mdx_time t)
{
	return iv->ms > 0 ? t + iv->ms : mdx_interval_next(iv, t);
}

/*
 * Reports a gap before the candle at t and says whether the indicators
 * must start over: they do, unless the series was filled upstream (it
 * holds candles of origin "filled"), in which case the gap is one the
 * filler chose to leave and the indicators carry on across it.
 */
static int
gap(const struct series *s, mdx_time prev, mdx_time t, int filled,
    const char *where)
{
	char a[MDX_TIME_BUFSZ], b[MDX_TIME_BUFSZ];
	mdx_time from = next_open(s->iv, prev);

	mdx_time_format(from, a);
	mdx_time_format(t, b);
	cnt.gaps++;
	mdx_warn("gap in '%s/%s/%s/%s': %s to %s (%" PRId64 " candles "
	    "missing), %s%s", s->exchange, s->market, s->symbol, s->iv->code,
	    a, b, mdx_interval_count(s->iv, from, t),
	    filled ? "continuing (the series was filled upstream)" :
	    "restarting the series", where);
	return !filled;
}

/* ------------------------------------------------------------------------
 * Output.  Records are assembled from pieces made once per spec, into
 * room reserved once per candle: the output is most of the work.  The
 * pieces are short and copied in whole blocks of PAD bytes, with PAD bytes
 * of slack after every source and destination, which compiles to a few
 * moves where a copy of variable length is a library call; the values of
 * a candle are printed all together by mdx_fmt_doubles(), and each is
 * copied from its slot in one fixed-size move.
 */
struct piece {
	char *s;		/* len bytes and PAD of slack */
	size_t len;
};

static struct outfmt {
	struct piece head;	/* ","name":"rsi","params":"14","values":{ */
	struct piece field;	/* ,"rsi_14": */
	struct piece key[MDX_IND_MAXOUT];	/* "rsi": then ,"x": */
	size_t vals;		/* the most put_values() adds */
	size_t rec;		/* the most a record adds after open_time */
	size_t merged;		/* the most a merged member adds */
} *fmt;

/* The printed values of a candle: slot k of txt holds the k-th value
 * printed, len[k] its length; first[i] is spec i's first slot. */
static struct {
	double *v;
	char *txt;
	int *len, *first;
} pv;

static void
piece_set(struct piece *p, struct mdx_buf *b)
{
	p->len = b->len;
	p->s = mdx_calloc(b->len + PAD, 1);
	memcpy(p->s, b->data, b->len);
	mdx_buf_reset(b);
}

static void
fmt_init(void)
{
	struct mdx_buf b = MDX_BUF_INIT;
	int i, j, n = 0;

	fmt = mdx_calloc((size_t)nspecs, sizeof(*fmt));
	for (i = 0; i < nspecs; i++) {
		mdx_buf_printf(&b, "\",\"name\":\"%s\",\"params\":\"%s\","
		    "\"values\":{", specs[i].name, specs[i].params);
		piece_set(&fmt[i].head, &b);
		mdx_buf_printf(&b, ",\"%s\":", specs[i].field);
		piece_set(&fmt[i].field, &b);
		fmt[i].vals = 0;
		for (j = 0; j < specs[i].nout; j++) {
			mdx_buf_printf(&b, "%s\"%s\":", j ? "," : "",
			    specs[i].out[j]);
			piece_set(&fmt[i].key[j], &b);
			fmt[i].vals += fmt[i].key[j].len + PAD + MDX_DBL_BUFSZ;
		}
		fmt[i].rec = fmt[i].head.len + PAD + fmt[i].vals + 4;
		fmt[i].merged = fmt[i].field.len + PAD + fmt[i].vals +
		    MDX_DBL_BUFSZ + 4;
		n += specs[i].nout;
	}
	mdx_buf_free(&b);
	pv.v = mdx_calloc((size_t)n, sizeof(*pv.v));
	pv.txt = mdx_calloc((size_t)n, MDX_DBL_BUFSZ);
	pv.len = mdx_calloc((size_t)n, sizeof(*pv.len));
	pv.first = mdx_calloc((size_t)nspecs, sizeof(*pv.first));
}

static void
fmt_free(void)
{
	int i, j;

	for (i = 0; i < nspecs; i++) {
		free(fmt[i].head.s);
		free(fmt[i].field.s);
		for (j = 0; j < specs[i].nout; j++)
			free(fmt[i].key[j].s);
	}
	free(fmt);
	free(pv.v);
	free(pv.txt);
	free(pv.len);
	free(pv.first);
}

/* n bytes of s at p, in blocks of PAD: s is readable and p writable PAD
 * bytes beyond n. */
static inline char *
put_block(char *p, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += PAD)
		memcpy(p + i, s + i, PAD);
	return p + n;
}

static inline char *
put(char *p, const struct piece *pc)
{
	return put_block(p, pc->s, pc->len);
}

/* Prints the values of the specs that have them (have NULL: all). */
static void
print_values(double (*val)[MDX_IND_MAXOUT], const int *have)
{
	int i, j, n = 0;

	for (i = 0; i < nspecs; i++) {
		pv.first[i] = n;
		if (have != NULL && !have[i])
			continue;
		for (j = 0; j < specs[i].nout; j++)
			pv.v[n++] = val[i][j];
	}
	mdx_fmt_doubles(pv.v, n, pv.txt, pv.len);
}

/* The printed value in slot k at p (one move of the whole slot). */
static inline char *
put_value(char *p, int k)
{
	memcpy(p, pv.txt + (size_t)k * MDX_DBL_BUFSZ, MDX_DBL_BUFSZ);
	return p + pv.len[k];
}

/* "a":1,"b":2 (or nulls) for spec i's values; fmt[i].vals bytes of room. */
static char *
put_values(char *p, int i, int have)
{
	int j;

	for (j = 0; j < specs[i].nout; j++) {
		p = put(p, &fmt[i].key[j]);
		if (have)
			p = put_value(p, pv.first[i] + j);
		else {
			memcpy(p, "null", 4);
			p += 4;
		}
	}
	return p;
}

/* The same into a buffer, for the warehouse's COPY rows. */
static void
add_values(struct mdx_buf *b, int i, const double *v)
{
	char *p;

	pv.first[i] = 0;
	mdx_fmt_doubles(v, specs[i].nout, pv.txt, pv.len);
	mdx_buf_grow(b, fmt[i].vals);
	p = put_values(b->data + b->len, i, 1);
	b->len = (size_t)(p - b->data);
	b->data[b->len] = '\0';
}

static inline char *
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/*
 * Writes the open time t after the series' record prefix and returns its
 * length.  Within a day only the time of day changes: the date written
 * for an earlier candle stays, and the time of day is put over it.
 */
static int
series_time(struct series *s, mdx_time t)
{
	char *q = s->prefix.data + s->prefix.len;
	int n, sec;

	if (s->tday != INT64_MIN && t >= s->tday && t - s->tday < MDX_MS_DAY &&
	    (t - s->tday) % 1000 == 0) {
		sec = (int)((t - s->tday) / 1000);
		put2(q + 11, sec / 3600);
		put2(q + 14, sec / 60 % 60);
		put2(q + 17, sec % 60);
		return 20;
	}
	/* The plain form YYYY-MM-DDTHH:MM:SSZ is the one kept. */
	n = mdx_time_format(t, q);
	s->tday = n == 20 ? t - ((t % MDX_MS_DAY) + MDX_MS_DAY) % MDX_MS_DAY :
	    INT64_MIN;
	return n;
}

/* One indicator record per indicator with a value (or all, with
 * --keep-warmup). */
static void
write_records(struct mdx_buf *b, struct series *s, mdx_time t,
    double (*val)[MDX_IND_MAXOUT], const int *have)
{
	size_t need = 0, hlen;
	char *p;
	int i;

	hlen = s->prefix.len + (size_t)series_time(s, t);
	print_values(val, have);
	for (i = 0; i < nspecs; i++)
		need += hlen + PAD + fmt[i].rec;
	mdx_buf_grow(b, need);
	p = b->data + b->len;
	for (i = 0; i < nspecs; i++) {
		if (!have[i] && !opt.keep_warmup)
			continue;
		p = put_block(p, s->prefix.data, hlen);
		p = put(p, &fmt[i].head);
		p = put_values(p, i, have[i]);
		memcpy(p, "}}\n", 3);
		p += 3;
		cnt.out++;
	}
	b->len = (size_t)(p - b->data);
	b->data[b->len] = '\0';
}

/* The candle line with one member per indicator added before its final
 * brace: a number for one value, an object for several. */
static void
write_merged(struct mdx_buf *b, const char *line, size_t len,
    double (*val)[MDX_IND_MAXOUT], const int *have)
{
	size_t need = len + 4;
	char *p;
	int i;

	while (len > 0 && line[len - 1] != '}')
		len--;
	print_values(val, have);
	for (i = 0; i < nspecs; i++)
		need += fmt[i].merged;
	mdx_buf_grow(b, need);
	p = b->data + b->len;
	memcpy(p, line, len - 1);
	p += len - 1;
	for (i = 0; i < nspecs; i++) {
		if (!have[i] && !opt.keep_warmup)
			continue;
		p = put(p, &fmt[i].field);
		if (specs[i].nout == 1) {
			if (have[i])
				p = put_value(p, pv.first[i]);
			else {
				memcpy(p, "null", 4);
				p += 4;
			}
		} else {
			*p++ = '{';
			p = put_values(p, i, have[i]);
			*p++ = '}';
		}
	}
	memcpy(p, "}\n", 2);
	p += 2;
	b->len = (size_t)(p - b->data);
	b->data[b->len] = '\0';
	cnt.out++;
}

/* ------------------------------------------------------------------------
 * The stream.
 */
static int
bar_from_candle(const struct mdx_candle *c, struct mdx_ta_bar *bar,
    char *err, size_t errsz)
{
	bar->t = c->open_time;
	bar->open = mdx_dec_to_double(&c->open);
	bar->high = mdx_dec_to_double(&c->high);
	bar->low = mdx_dec_to_double(&c->low);
	bar->close = mdx_dec_to_double(&c->close);
	if (c->has & MDX_C_VOLUME)
		bar->volume = mdx_dec_to_double(&c->volume);
	else if (need_volume) {
		snprintf(err, errsz, "no \"volume\" for %s", "obv, vwap or "
		    "stats24h");
		return -1;
	} else
		bar->volume = 0;
	return 0;
}

enum { LINE_CANDLE, LINE_BAD, LINE_OTHER, LINE_BAD_CANDLE };

/*
 * A line mdx_candle_scan() did not take, parsed again through mdx_json to
 * tell what it is: not JSON (err says why), a record of another kind, a
 * bad candle (err says why) or, should the two readers ever disagree, a
 * good candle in c.  Such lines are rare, and this keeps their reasons
 * worded as they always were.
 */
static int
not_candle(struct mdx_json_doc *doc, const char *line, size_t len,
    struct mdx_candle *c, char *err, size_t errsz)
{
	struct mdx_json *root, *kind;

	if ((root = mdx_json_parse(doc, line, len)) == NULL) {
		snprintf(err, errsz, "%s", mdx_json_error(doc));
		return LINE_BAD;
	}
	kind = root->type == MDX_JSON_OBJECT ?
	    mdx_json_get(root, "kind") : NULL;
	if (kind != NULL && !mdx_json_str_eq(kind, "candle"))
		return LINE_OTHER;
	if (mdx_candle_from_json(c, root, err, errsz) == -1 ||
	    mdx_candle_check(c, err, errsz) == -1)
		return LINE_BAD_CANDLE;
	return LINE_CANDLE;
}

static void
reject(const char *what, const char *reason, struct mdx_pos pos)
{
	cnt.rejected++;
	mdx_warn("bad %s: %s (at %s:%lu)", what, reason, pos.name, pos.line);
}

static int
run_stream(char **files, int nfiles)
{
	struct mdx_reader *r;
	struct mdx_json_doc *doc;
	struct mdx_candle_scan *sc;
	struct mdx_candle c;
	struct mdx_ta_bar bar;
	struct mdx_buf out = MDX_BUF_INIT;
	struct mdx_writer *w = mdx_stdout();
	struct series *s;
	struct mdx_pos pos;
	double (*val)[MDX_IND_MAXOUT];
	int *have;
	char err[MDX_ERRSZ], tbuf[MDX_TIME_BUFSZ], where[64 + 32];
	const char *line;
	size_t len;
	int rc, i, status = MDX_EX_OK;

	val = mdx_calloc((size_t)nspecs, sizeof(*val));
	have = mdx_calloc((size_t)nspecs, sizeof(*have));
	doc = mdx_json_doc_new();
	sc = mdx_candle_scan_new();
	r = mdx_reader_open(files, nfiles);
	for (;;) {
		rc = mdx_reader_next(r, &line, &len);
		if (rc == MDX_RD_EOF)
			break;
		pos = mdx_reader_pos(r);
		if (rc == MDX_RD_ERR) {
			/* What was read stands; the summary still comes
			 * (from main), then the reader's status. */
			mdx_warn("%s (at %s:%lu)", mdx_reader_error(r),
			    pos.name, pos.line);
			status = mdx_reader_error_status(r);
			break;
		}
		cnt.in++;
		if (rc == MDX_RD_BAD) {
			reject("record", mdx_reader_error(r), pos);
			continue;
		}
		if (mdx_candle_scan(sc, &c, line, len, err,
		    sizeof(err)) != 0) {
			switch (not_candle(doc, line, len, &c, err,
			    sizeof(err))) {
			case LINE_BAD:
				reject("record", err, pos);
				continue;
			case LINE_OTHER:
				/* Depth and instruments pass through a
				 * merge. */
				cnt.passed++;
				if (opt.merge) {
					mdx_buf_add(&out, line, len);
					mdx_buf_addch(&out, '\n');
				}
				continue;
			case LINE_BAD_CANDLE:
				reject("candle", err, pos);
				continue;
			default:
				break;
			}
		}
		if (bar_from_candle(&c, &bar, err, sizeof(err)) == -1) {
			reject("candle", err, pos);
			continue;
		}
		s = series_get(&c);
		if (s->started && c.open_time <= s->last) {
			mdx_time_format(s->last, tbuf);
			snprintf(err, sizeof(err), "\"open_time\" not after the "
			    "previous candle's (%s) in its series", tbuf);
			reject("candle", err, pos);
			continue;
		}
		if (c.origin == MDX_ORIGIN_FILLED)
			s->filled = 1;
		if (s->started && c.open_time != next_open(s->iv, s->last)) {
			snprintf(where, sizeof(where), " (at %s:%lu)",
			    pos.name, pos.line);
			if (gap(s, s->last, c.open_time, s->filled, where))
				for (i = 0; i < nspecs; i++)
					mdx_ind_reset(&s->ind[i]);
		}
		s->started = 1;
		s->last = c.open_time;
		cnt.candles++;
		for (i = 0; i < nspecs; i++)
			have[i] = mdx_ind_update(&s->ind[i], &bar, val[i]);
		if (opt.merge)
			write_merged(&out, line, len, val, have);
		else
			write_records(&out, s, c.open_time, val, have);
		if (out.len >= 256 * 1024) {	/* written without a copy */
			mdx_write(w, out.data, out.len);
			mdx_buf_reset(&out);
		}
	}
	mdx_write(w, out.data, out.len);
	mdx_writer_flush(w);
	mdx_buf_free(&out);
	mdx_reader_close(r);
	mdx_json_doc_free(doc);
	mdx_candle_scan_free(sc);
	free(val);
	free(have);
	if (status != MDX_EX_OK)
		return status;
	return cnt.rejected > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
}

/* ------------------------------------------------------------------------
 * The warehouse.
 */
static int64_t run_id;
static struct mdx_buf copybuf = MDX_BUF_INIT;
static struct mdx_buf argsbuf = MDX_BUF_INIT;

static void
db_put_copy(PGconn *c, const char *what)
{
	PGresult *res;

	if (copybuf.len == 0)
		return;
	res = mdx_db_exec(c, "COPY pg_temp.mdx_indicator_in (open_time, name, "
	    "params, value) FROM STDIN");
	PQclear(res);
	if (PQputCopyData(c, copybuf.data, (int)copybuf.len) != 1 ||
	    PQputCopyEnd(c, NULL) != 1)
		mdx_die(mdx_db_error_status(c, NULL), "cannot write %s: %s",
		    what, PQerrorMessage(c));
	while ((res = PQgetResult(c)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			mdx_die(mdx_db_error_status(c, res), "cannot write %s: "
			    "%s", what, PQresultErrorMessage(res));
		PQclear(res);
	}
	mdx_buf_reset(&copybuf);
}

/* Moves the copied rows into mdx.indicator (insert or update). */
static void
db_flush(PGconn *c, const struct series *s, const char *what)
{
	char id[32], rid[32];
	const char *p[3];
	PGresult *res;

	if (copybuf.len == 0)
		return;
	db_put_copy(c, what);
	snprintf(id, sizeof(id), "%" PRId64, s->instrument_id);
	snprintf(rid, sizeof(rid), "%" PRId64, run_id);
	p[0] = id;
	p[1] = s->iv->code;
	p[2] = rid;
	res = mdx_db_execp(c,
	    "INSERT INTO mdx.indicator AS t (instrument_id, interval, "
	    "open_time, name, params, value, run_id, updated_at) "
	    "SELECT $1::bigint, $2::text, open_time, name, params, value, "
	    "$3::bigint, now() FROM pg_temp.mdx_indicator_in "
	    "ON CONFLICT (instrument_id, interval, name, params, open_time) "
	    "DO UPDATE SET value = EXCLUDED.value, run_id = EXCLUDED.run_id, "
	    "updated_at = EXCLUDED.updated_at "
	    "WHERE t.value IS DISTINCT FROM EXCLUDED.value",
	    3, p);
	PQclear(res);
	res = mdx_db_exec(c, "TRUNCATE pg_temp.mdx_indicator_in");
	PQclear(res);
}

static int
spec_index(const char *name, const char *params)
{
	int i;

	for (i = 0; i < nspecs; i++)
		if (strcmp(specs[i].name, name) == 0 &&
		    strcmp(specs[i].params, params) == 0)
			return i;
	return -1;
}

/*
 * Loads the saved states of a series.  A state is dropped (the indicator
 * recomputed from the first candle) with --full, when it cannot be read,
 * or when a candle at or before its last one changed after it was saved
 * (a late candle, a refetch, a filled gap): resuming would then give
 * values a full recomputation would not.
 */
static void
db_load_states(PGconn *c, struct series *s, const char *id, const char *name)
{
	PGresult *res, *r2;
	const char *p[4];
	char last[MDX_TIME_BUFSZ];
	mdx_time maxlast = INT64_MIN;
	int i, j, loaded = 0;

	if (opt.full)
		return;
	p[0] = id;
	p[1] = s->iv->code;
	res = mdx_db_execp(c,
	    "SELECT name, params, "
	    "(extract(epoch FROM last_open_time) * 1000)::bigint, filled, "
	    "state FROM mdx.indicator_state "
	    "WHERE instrument_id = $1 AND interval = $2", 2, p);
	for (j = 0; j < PQntuples(res); j++) {
		i = spec_index(PQgetvalue(res, j, 0), PQgetvalue(res, j, 1));
		if (i == -1)
			continue;
		if (mdx_ind_load(&s->ind[i], PQgetvalue(res, j, 4)) == -1) {
			mdx_warn("saved state of '%s:%s' for '%s' is damaged, "
			    "recomputing it", specs[i].name, specs[i].params,
			    name);
			continue;
		}
		s->resume[i] = strtoll(PQgetvalue(res, j, 2), NULL, 10);
		s->ifilled[i] = PQgetvalue(res, j, 3)[0] == 't';
		if (s->resume[i] > maxlast)
			maxlast = s->resume[i];
		loaded++;
	}
	PQclear(res);
	if (loaded == 0)
		return;
	mdx_time_format(maxlast, last);
	p[2] = last;
	r2 = mdx_db_execp(c,
	    "SELECT EXISTS (SELECT 1 FROM mdx.candle c "
	    "JOIN mdx.indicator_state st ON st.instrument_id = c.instrument_id "
	    "AND st.interval = c.interval "
	    "WHERE c.instrument_id = $1 AND c.interval = $2 "
	    "AND c.open_time <= st.last_open_time AND c.open_time <= $3 "
	    "AND c.updated_at >= st.saved_at)", 3, p);
	if (PQgetvalue(r2, 0, 0)[0] == 't') {
		if (mdx_verbose >= 1)
			mdx_warn("candles of '%s' changed since the last run, "
			    "recomputing its indicators", name);
		for (i = 0; i < nspecs; i++) {
			mdx_ind_reset(&s->ind[i]);
			s->resume[i] = INT64_MIN;
			s->ifilled[i] = 0;
		}
	}
	PQclear(r2);
}

static void
db_save_states(PGconn *c, struct series *s, const char *id,
    const mdx_time *start)
{
	struct mdx_buf st = MDX_BUF_INIT;
	char last[MDX_TIME_BUFSZ], rid[32];
	const char *p[8];
	PGresult *res;
	int i;

	snprintf(rid, sizeof(rid), "%" PRId64, run_id);
	for (i = 0; i < nspecs; i++) {
		if (s->resume[i] == INT64_MIN || s->resume[i] == start[i])
			continue;
		mdx_buf_reset(&st);
		mdx_ind_save(&s->ind[i], &st);
		mdx_time_format(s->resume[i], last);
		p[0] = id;
		p[1] = s->iv->code;
		p[2] = specs[i].name;
		p[3] = specs[i].params;
		p[4] = last;
		p[5] = s->ifilled[i] ? "true" : "false";
		p[6] = st.data;
		p[7] = rid;
		res = mdx_db_execp(c,
		    "INSERT INTO mdx.indicator_state AS t (instrument_id, "
		    "interval, name, params, last_open_time, filled, state, "
		    "run_id, saved_at) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp()) "
		    "ON CONFLICT (instrument_id, interval, name, params) DO "
		    "UPDATE SET last_open_time = EXCLUDED.last_open_time, "
		    "filled = EXCLUDED.filled, state = EXCLUDED.state, "
		    "run_id = EXCLUDED.run_id, saved_at = EXCLUDED.saved_at",
		    8, p);
		PQclear(res);
	}
	mdx_buf_free(&st);
}

/* Converts a numeric column to a double the way the stream does, so both
 * paths give the same values. */
static double
db_double(PGresult *res, int row, int col)
{
	mdx_dec d;
	const char *v = PQgetvalue(res, row, col);

	if (mdx_dec_parse(&d, v, strlen(v)) != MDX_DEC_OK)
		mdx_die(MDX_EX_DATAERR, "bad numeric '%s' in mdx.candle", v);
	return mdx_dec_to_double(&d);
}

static void
db_series(PGconn *c, struct series *s)
{
	char id[32], from[MDX_TIME_BUFSZ], tbuf[MDX_TIME_BUFSZ], name[256];
	char where[300];
	double val[MDX_IND_MAXOUT];
	mdx_time *start, minres = INT64_MAX, t, warned = INT64_MIN;
	struct mdx_ta_bar bar;
	const char *p[3];
	PGresult *res;
	int i, j, n, tlen, filled, stop = 0;

	snprintf(id, sizeof(id), "%" PRId64, s->instrument_id);
	snprintf(name, sizeof(name), "%s/%s/%s/%s", s->exchange, s->market,
	    s->symbol, s->iv->code);
	PQclear(mdx_db_exec(c, "BEGIN"));
	db_load_states(c, s, id, name);
	start = mdx_calloc((size_t)nspecs, sizeof(*start));
	for (i = 0; i < nspecs; i++) {
		start[i] = s->resume[i];
		if (s->resume[i] < minres)
			minres = s->resume[i];
	}
	if (minres == INT64_MIN)
		snprintf(from, sizeof(from), "-infinity");
	else
		mdx_time_format(minres, from);
	p[0] = id;
	p[1] = s->iv->code;
	p[2] = from;
	PQclear(mdx_db_execp(c,
	    "DECLARE mdx_candles NO SCROLL CURSOR FOR "
	    "SELECT (extract(epoch FROM open_time) * 1000)::bigint, open, high, "
	    "low, close, volume, origin = 'filled', closed FROM mdx.candle "
	    "WHERE instrument_id = $1 AND interval = $2 "
	    "AND open_time > $3::timestamptz ORDER BY open_time", 3, p));
	while (!stop) {
		res = mdx_db_exec(c, "FETCH 10000 FROM mdx_candles");
		n = PQntuples(res);
		for (j = 0; j < n && !stop; j++) {
			if (PQgetvalue(res, j, 7)[0] != 't') {
				stop = 1;	/* resumed once it is closed */
				break;
			}
			t = strtoll(PQgetvalue(res, j, 0), NULL, 10);
			bar.t = t;
			bar.open = db_double(res, j, 1);
			bar.high = db_double(res, j, 2);
			bar.low = db_double(res, j, 3);
			bar.close = db_double(res, j, 4);
			if (!PQgetisnull(res, j, 5))
				bar.volume = db_double(res, j, 5);
			else if (need_volume) {
				mdx_time_format(t, tbuf);
				mdx_warn("bad candle: no \"volume\" for obv, "
				    "vwap or stats24h; '%s' stops before it "
				    "(at mdx.candle %s)", name, tbuf);
				cnt.rejected++;
				stop = 1;
				break;
			} else
				bar.volume = 0;
			filled = PQgetvalue(res, j, 6)[0] == 't';
			cnt.candles++;
			tlen = mdx_time_format(t, tbuf);
			for (i = 0; i < nspecs; i++) {
				if (t <= s->resume[i])
					continue;
				if (filled)
					s->ifilled[i] = 1;
				if (s->resume[i] != INT64_MIN &&
				    t != next_open(s->iv, s->resume[i])) {
					int restart = !s->ifilled[i];

					if (warned != t) {
						snprintf(where, sizeof(where),
						    " (at mdx.candle %s)", tbuf);
						gap(s, s->resume[i], t,
						    s->ifilled[i], where);
						warned = t;
					}
					if (restart)
						mdx_ind_reset(&s->ind[i]);
				}
				s->resume[i] = t;
				if (!mdx_ind_update(&s->ind[i], &bar, val))
					continue;
				mdx_buf_add(&copybuf, tbuf, (size_t)tlen);
				mdx_buf_addch(&copybuf, '\t');
				mdx_buf_addstr(&copybuf, specs[i].name);
				mdx_buf_addch(&copybuf, '\t');
				mdx_buf_addstr(&copybuf, specs[i].params);
				mdx_buf_addstr(&copybuf, "\t{");
				add_values(&copybuf, i, val);
				mdx_buf_addstr(&copybuf, "}\n");
				cnt.out++;
			}
			if (copybuf.len >= 4 * 1024 * 1024)
				db_flush(c, s, name);
		}
		PQclear(res);
		if (n == 0)
			break;
	}
	PQclear(mdx_db_exec(c, "CLOSE mdx_candles"));
	db_flush(c, s, name);
	db_save_states(c, s, id, start);
	PQclear(mdx_db_exec(c, "COMMIT"));
	free(start);
}

static void
db_run_end(PGconn *c, int status)
{
	char st[16], counts[256], rid[32];
	const char *p[4];

	snprintf(st, sizeof(st), "%d", status);
	snprintf(rid, sizeof(rid), "%" PRId64, run_id);
	snprintf(counts, sizeof(counts), "{\"series\":%" PRIu64 ",\"candles\":"
	    "%" PRIu64 ",\"rows\":%" PRIu64 ",\"gaps\":%" PRIu64 ","
	    "\"rejected\":%" PRIu64 "}", cnt.series, cnt.candles, cnt.out,
	    cnt.gaps, cnt.rejected);
	p[0] = status == 0 ? "ok" : "failed";
	p[1] = st;
	p[2] = counts;
	p[3] = rid;
	PQclear(mdx_db_execp(c, "UPDATE mdx.run SET finished_at = now(), "
	    "status = $1, exit_status = $2::int, counts = $3::jsonb "
	    "WHERE run_id = $4::bigint", 4, p));
}

/*
 * The series of the run on Citus, where the listing above is refused (it
 * correlates mdx.candle with a reference table): the instruments first,
 * then for each the intervals it has candles of, in a statement on the
 * one shard that holds the instrument.  The same series in the same
 * order.  p holds the parameters of the listing.
 */
static void
db_series_citus(PGconn *c, const char **p)
{
	struct series *s;
	const char *q[3];
	PGresult *insts, *ivs;
	int i, j;

	insts = mdx_db_execp(c, "SELECT instrument_id, exchange, market, "
	    "symbol FROM mdx.instrument "
	    "WHERE ($1::text IS NULL OR exchange = $1) "
	    "AND ($2::text IS NULL OR market = $2) "
	    "AND ($3::text IS NULL OR symbol = $3) "
	    "ORDER BY exchange, market, symbol", 3, p + 1);
	for (i = 0; i < PQntuples(insts); i++) {
		q[0] = PQgetvalue(insts, i, 0);
		q[1] = p[4];
		q[2] = p[0];
		ivs = mdx_db_execp(c, "SELECT v.code FROM unnest($3::text[]) "
		    "WITH ORDINALITY AS v(code, ord) "
		    "WHERE ($2::text IS NULL OR v.code = $2) "
		    "AND EXISTS (SELECT 1 FROM mdx.candle c WHERE "
		    "c.instrument_id = $1::bigint AND c.interval = v.code) "
		    "ORDER BY v.ord", 3, q);
		for (j = 0; j < PQntuples(ivs); j++) {
			s = series_new(PQgetvalue(insts, i, 1),
			    PQgetvalue(insts, i, 2), PQgetvalue(insts, i, 3),
			    mdx_interval_lookup(PQgetvalue(ivs, j, 0)));
			s->instrument_id = strtoll(q[0], NULL, 10);
			db_series(c, s);
			series_free(s);
		}
		PQclear(ivs);
	}
	PQclear(insts);
}

static int
run_db(void)
{
	struct mdx_buf codes = MDX_BUF_INIT;
	const struct mdx_interval *iv;
	struct series *s;
	const char *p[6];
	PGresult *res, *list;
	PGconn *c;
	int i, status, citus;

	c = mdx_db_connect();
	mdx_db_check_schema(c);
	p[0] = argsbuf.data;
	p[1] = MDX_VERSION;
	res = mdx_db_execp(c, "INSERT INTO mdx.run (program, args, version) "
	    "VALUES ('mdx-indicators', $1, $2) RETURNING run_id", 2, p);
	run_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	PQclear(mdx_db_exec(c, "CREATE TEMP TABLE mdx_indicator_in ("
	    "open_time timestamptz, name text, params text, value jsonb)"));

	/* The series: every instrument and interval with candles, probed
	 * through the primary key rather than by scanning mdx.candle. */
	mdx_buf_addch(&codes, '{');
	for (iv = mdx_intervals; iv->code != NULL; iv++)
		mdx_buf_printf(&codes, "%s\"%s\"", iv == mdx_intervals ? "" :
		    ",", iv->code);
	mdx_buf_addch(&codes, '}');
	p[0] = codes.data;
	p[1] = opt.exchange;
	p[2] = opt.market;
	p[3] = opt.symbol;
	p[4] = opt.interval;
	res = mdx_db_exec(c, "SELECT EXISTS (SELECT 1 FROM pg_extension "
	    "WHERE extname = 'citus')");
	citus = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (citus) {
		db_series_citus(c, p);
		mdx_buf_free(&codes);
		status = cnt.rejected > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
		db_run_end(c, status);
		mdx_db_close(c);
		return status;
	}
	list = mdx_db_execp(c,
	    "SELECT i.instrument_id, v.code, i.exchange, i.market, i.symbol "
	    "FROM mdx.instrument i CROSS JOIN unnest($1::text[]) "
	    "WITH ORDINALITY AS v(code, ord) "
	    "WHERE ($2::text IS NULL OR i.exchange = $2) "
	    "AND ($3::text IS NULL OR i.market = $3) "
	    "AND ($4::text IS NULL OR i.symbol = $4) "
	    "AND ($5::text IS NULL OR v.code = $5) "
	    "AND EXISTS (SELECT 1 FROM mdx.candle c WHERE "
	    "c.instrument_id = i.instrument_id AND c.interval = v.code) "
	    "ORDER BY i.exchange, i.market, i.symbol, v.ord", 5, p);
	mdx_buf_free(&codes);
	for (i = 0; i < PQntuples(list); i++) {
		iv = mdx_interval_lookup(PQgetvalue(list, i, 1));
		s = series_new(PQgetvalue(list, i, 2), PQgetvalue(list, i, 3),
		    PQgetvalue(list, i, 4), iv);
		s->instrument_id = strtoll(PQgetvalue(list, i, 0), NULL, 10);
		db_series(c, s);
		series_free(s);
	}
	PQclear(list);
	status = cnt.rejected > 0 ? MDX_EX_DATAERR : MDX_EX_OK;
	db_run_end(c, status);
	mdx_db_close(c);
	return status;
}

static void
summary(void)
{
	if (!mdx_stderr_is_tty() && mdx_verbose < 2)
		return;
	if (opt.db)
		mdx_warn("%" PRIu64 " series, %" PRIu64 " candles read, %" PRIu64
		    " rows written, %" PRIu64 " gaps, %" PRIu64 " bad candles",
		    cnt.series, cnt.candles, cnt.out, cnt.gaps, cnt.rejected);
	else
		mdx_warn("%" PRIu64 " records in: %" PRIu64 " candles, %" PRIu64
		    " rejected, %" PRIu64 " other records; %" PRIu64
		    " records out; %" PRIu64 " series, %" PRIu64 " gaps",
		    cnt.in, cnt.candles, cnt.rejected, cnt.passed, cnt.out,
		    cnt.series, cnt.gaps);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "merge", no_argument, NULL, 'M' },
		{ "keep-warmup", no_argument, NULL, 'W' },
		{ "db", no_argument, NULL, 'D' },
		{ "full", no_argument, NULL, 'F' },
		{ "exchange", required_argument, NULL, 'x' },
		{ "market", required_argument, NULL, 'm' },
		{ "symbol", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		MDX_OPT_LONG,
		{ NULL, 0, NULL, 0 }
	};
	char err[256];
	int ch, i, status;

	mdx_init(argv[0]);
	mdx_opt_usage(usage_text);
	for (i = 1; i < argc; i++)	/* for mdx.run; no secrets on argv */
		mdx_buf_printf(&argsbuf, "%s%s", i > 1 ? " " : "", argv[i]);
	while ((ch = getopt_long(argc, argv, "x:m:s:i:" MDX_OPT_SHORT, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'M': opt.merge = 1; break;
		case 'W': opt.keep_warmup = 1; break;
		case 'D': opt.db = 1; break;
		case 'F': opt.full = 1; break;
		case 'x': opt.exchange = optarg; break;
		case 'm': opt.market = optarg; break;
		case 's': opt.symbol = optarg; break;
		case 'i': opt.interval = optarg; break;
		default: mdx_opt_common(ch);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		mdx_usage(NULL);
	if ((nspecs = mdx_ind_parse(argv[0], &specs, err, sizeof(err))) < 0)
		mdx_usage("bad indicator spec: %s", err);
	for (i = 0; i < nspecs; i++)
		if (specs[i].kind == MDX_IND_OBV ||
		    specs[i].kind == MDX_IND_VWAP ||
		    specs[i].kind == MDX_IND_STATS24H)
			need_volume = 1;
	fmt_init();
	if (opt.db) {
		if (argc > 1 || opt.merge || opt.keep_warmup)
			mdx_usage("--db reads the warehouse: no "
			    "files, --merge or --keep-warmup with it");
		if (opt.interval != NULL)
			mdx_opt_interval("-i", opt.interval, 0);
		status = run_db();
	} else {
		if (opt.full || opt.exchange || opt.market || opt.symbol ||
		    opt.interval)
			mdx_usage("--full, -x, -m, -s and -i go "
			    "with --db");
		status = run_stream(argv + 1, argc - 1);
	}
	summary();
	fmt_free();
	free(specs);
	return status;
}
