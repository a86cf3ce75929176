/*
 * trades.c - candles from trades (mdx-aggregate --from-trades) and their
 * comparison with an exchange's own candles (--reconcile-with).
 *
 * Each series (exchange, market, symbol) holds one open bucket per target
 * interval and the newest trade time; trades come in time order, so a
 * trade past a bucket's end finishes it.  Memory is in proportion to the
 * series, never to the trades.  Sums are exact decimals: the coefficients
 * are added directly while the scales agree (nearly always: an exchange
 * prints a symbol's quantities with one number of decimals), and through
 * mdx_dec_add() otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "dec.h"
#include "utc.h"
#include "hash.h"
#include "watch.h"
#include "ndjson.h"
#include "candle.h"

#include "trades.h"

/* One bucket being built. */
struct bucket {
	mdx_time open_time, end;	/* end == INT64_MIN: none open */
	mdx_dec open, high, low, close;
	mdx_dec volume, quote_volume, tb_volume, tb_quote_volume;
	int64_t trades;
	mdx_time min_fetched, max_fetched;
	int has_fetched;
	int no_quote;			/* a trade without quote_quantity */
	int bad;			/* a sum overflowed */
};

struct series {
	char exchange[MDX_NAME_MAX], market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	size_t exn, mkn, syn;
	uint64_t hash;
	mdx_time last_time;		/* the newest trade's time */
	int last_usec;
	int has_agg;			/* an aggregate was seen */
	int64_t last_agg;		/* the newest aggregate's last_id */
	/* The ids of the trades at last_time, each NUL-terminated. */
	struct mdx_buf ids;
	struct bucket b[MDX_ROLLUP_MAXTO];
};

struct mdx_tc {
	struct mdx_tc_opts o;
	struct mdx_tc_stats st;
	struct series **tab;		/* open addressing */
	size_t cap, n;
	struct series *last;		/* the series of the trade before */
	unsigned long last_gen;		/* and its names_gen */
};

struct mdx_tc *
mdx_tc_new(const struct mdx_tc_opts *o)
{
	struct mdx_tc *tc;

	tc = mdx_calloc(1, sizeof(*tc));
	tc->o = *o;
	tc->cap = 64;
	tc->tab = mdx_calloc(tc->cap, sizeof(*tc->tab));
	return tc;
}

const struct mdx_tc_stats *
mdx_tc_stats(const struct mdx_tc *tc)
{
	return &tc->st;
}

static uint64_t
names_hash(const struct mdx_trade_rec *t)
{
	uint64_t h = MDX_FNV1A_BASIS;

	h = mdx_fnv1a(h, t->exchange, t->exchange_len + 0);
	h = mdx_fnv1a(h, "", 1);
	h = mdx_fnv1a(h, t->market, t->market_len);
	h = mdx_fnv1a(h, "", 1);
	return mdx_fnv1a(h, t->symbol, t->symbol_len);
}

static int
same_names(const struct series *s, const struct mdx_trade_rec *t)
{
	return s->syn == t->symbol_len && s->exn == t->exchange_len &&
	    s->mkn == t->market_len &&
	    memcmp(s->symbol, t->symbol, s->syn) == 0 &&
	    memcmp(s->exchange, t->exchange, s->exn) == 0 &&
	    memcmp(s->market, t->market, s->mkn) == 0;
}

static void
tab_grow(struct mdx_tc *tc)
{
	struct series **old = tc->tab;
	size_t oldcap = tc->cap, i, j;

	tc->cap *= 2;
	tc->tab = mdx_calloc(tc->cap, sizeof(*tc->tab));
	for (i = 0; i < oldcap; i++) {
		if (old[i] == NULL)
			continue;
		for (j = old[i]->hash & (tc->cap - 1); tc->tab[j] != NULL;
		    j = (j + 1) & (tc->cap - 1))
			;
		tc->tab[j] = old[i];
	}
	free(old);
}

/* The series of t, made when new; NULL with the reason in why when its
 * names are not a known exchange and market or do not fit. */
static struct series *
series_of(struct mdx_tc *tc, const struct mdx_trade_rec *t, char *why,
    size_t whysz)
{
	struct series *s;
	uint64_t h;
	size_t j;
	int i;

	h = names_hash(t);
	for (j = h & (tc->cap - 1); (s = tc->tab[j]) != NULL;
	    j = (j + 1) & (tc->cap - 1))
		if (s->hash == h && same_names(s, t))
			return s;
	if (t->exchange_len >= MDX_NAME_MAX || t->market_len >= MDX_NAME_MAX ||
	    t->symbol_len >= MDX_SYMBOL_MAX) {
		mdx_errf(why, whysz, "unknown exchange and market, or a "
		    "symbol longer than %d bytes", MDX_SYMBOL_MAX - 1);
		return NULL;
	}
	s = mdx_calloc(1, sizeof(*s));
	memcpy(s->exchange, t->exchange, t->exchange_len);
	memcpy(s->market, t->market, t->market_len);
	memcpy(s->symbol, t->symbol, t->symbol_len);
	if (!mdx_market_known(s->exchange, s->market)) {
		mdx_errf(why, whysz, "unknown exchange and market \"%s %s\"",
		    s->exchange, s->market);
		free(s);
		return NULL;
	}
	s->exn = t->exchange_len;
	s->mkn = t->market_len;
	s->syn = t->symbol_len;
	s->hash = h;
	s->last_time = INT64_MIN;
	for (i = 0; i < tc->o.nto; i++)
		s->b[i].end = INT64_MIN;
	tc->tab[j] = s;
	if (++tc->n * 2 > tc->cap)
		tab_grow(tc);
	return s;
}

/* Writes bucket i of s; closed says whether a later trade of the series
 * was read. */
static void
emit(struct mdx_tc *tc, struct series *s, int i, int closed)
{
	struct bucket *b = &s->b[i];
	struct mdx_candle c;
	char tb[MDX_TIME_BUFSZ];

	if (b->end == INT64_MIN)
		return;
	if (b->bad) {
		mdx_time_format(b->open_time, tb);
		mdx_warn("bucket not written: a sum passes 38 digits or a "
		    "trade count 2^63-1 (%s %s %s %s %s)", s->exchange,
		    s->market, s->symbol, tc->o.to[i]->code, tb);
		tc->st.bad_buckets++;
		b->end = INT64_MIN;
		return;
	}
	memset(&c, 0, sizeof(c));
	memcpy(c.exchange, s->exchange, sizeof(c.exchange));
	memcpy(c.market, s->market, sizeof(c.market));
	memcpy(c.symbol, s->symbol, s->syn + 1);
	c.interval = tc->o.to[i];
	c.open_time = b->open_time;
	c.open = b->open;
	c.high = b->high;
	c.low = b->low;
	c.close = b->close;
	c.volume = b->volume;
	c.quote_volume = b->quote_volume;
	c.trades = b->trades;
	c.taker_buy_volume = b->tb_volume;
	c.taker_buy_quote_volume = b->tb_quote_volume;
	c.has = MDX_C_VOLUME | MDX_C_TRADES | MDX_C_TAKER_BUY_VOLUME;
	if (!b->no_quote)
		c.has |= MDX_C_QUOTE_VOLUME | MDX_C_TAKER_BUY_QUOTE_VOLUME;
	/* A trade without a fetch time is history, fetched after it all. */
	c.closed = closed || !b->has_fetched || b->min_fetched >= b->end;
	if (!c.closed)
		c.has |= MDX_C_PARTIAL;
	if (b->has_fetched) {
		c.fetched_at = b->max_fetched;
		c.has |= MDX_C_FETCHED_AT;
	}
	c.origin = MDX_ORIGIN_TRADES;
	tc->st.out++;
	if (!c.closed)
		tc->st.partial++;
	if (tc->o.candle != NULL)
		tc->o.candle(tc->o.arg, &c);
	b->end = INT64_MIN;
}

/* a += b exactly; -1 when the sum does not fit. */
static inline int
sum(mdx_dec *a, const mdx_dec *b)
{
	/* 10^38, the bound of every coefficient (dec.h). */
	static const __int128 lim = (__int128)UINT64_C(10000000000000000000) *
	    (__int128)UINT64_C(10000000000000000000);
	__int128 r;

	if (a->scale == b->scale) {
		r = a->coef + b->coef;
		if (r >= lim || r <= -lim)
			return -1;
		a->coef = r;
		return 0;
	}
	return mdx_dec_add(a, a, b) == MDX_DEC_OK ? 0 : -1;
}

/* Whether the id of t is among those of the series' newest time. */
static int
seen_id(const struct series *s, const struct mdx_trade_rec *t)
{
	const char *p = s->ids.data, *e = s->ids.data + s->ids.len;
	size_t n;

	while (p < e) {
		n = strlen(p);
		if (n == t->id_len && memcmp(p, t->id, n) == 0)
			return 1;
		p += n + 1;
	}
	return 0;
}

int
mdx_tc_add(struct mdx_tc *tc, const struct mdx_trade_rec *t, char *why,
    size_t whysz)
{
	struct series *s = tc->last;
	struct bucket *b;
	char tb[MDX_TIME_BUFSZ], tb2[MDX_TIME_BUFSZ];
	int64_t n;
	int i, newer;

	if (s == NULL || ((t->names_gen == 0 ||
	    t->names_gen != tc->last_gen) && !same_names(s, t))) {
		if ((s = series_of(tc, t, why, whysz)) == NULL) {
			tc->st.rejected++;
			return MDX_TC_REJECT;
		}
		tc->last = s;
	}
	tc->last_gen = t->names_gen;
	if (t->has_ids && s->has_agg && t->first_id <= s->last_agg) {
		if (t->last_id <= s->last_agg) {
			tc->st.dup++;
			return MDX_TC_DUP;
		}
		tc->st.rejected++;
		return mdx_errf(why, whysz, "aggregate ids %lld-%lld overlap "
		    "those seen, up to %lld", (long long)t->first_id,
		    (long long)t->last_id, (long long)s->last_agg);
	}
	newer = t->time > s->last_time ||
	    (t->time == s->last_time && t->usec > s->last_usec);
	if (!newer && (t->time != s->last_time || t->usec != s->last_usec)) {
		mdx_time_format_us(t->time * 1000 + t->usec, tb);
		mdx_time_format_us(s->last_time * 1000 + s->last_usec, tb2);
		tc->st.rejected++;
		return mdx_errf(why, whysz, "out of order: time %s is before "
		    "%s, the newest of %s %s %s", tb, tb2, s->exchange,
		    s->market, s->symbol);
	}
	if (!t->has_ids) {
		if (newer)
			mdx_buf_reset(&s->ids);
		else if (seen_id(s, t)) {
			tc->st.dup++;
			return MDX_TC_DUP;
		}
		mdx_buf_add(&s->ids, t->id, t->id_len);
		mdx_buf_addch(&s->ids, '\0');
	} else {
		s->has_agg = 1;
		s->last_agg = t->last_id;
	}
	s->last_time = t->time;
	s->last_usec = t->usec;
	n = t->has_ids ? t->last_id - t->first_id + 1 : 1;
	for (i = 0; i < tc->o.nto; i++) {
		b = &s->b[i];
		if (t->time >= b->end) {
			emit(tc, s, i, 1);
			b->open_time = mdx_interval_floor(tc->o.to[i], t->time);
			b->end = mdx_interval_next(tc->o.to[i], t->time);
			b->open = b->high = b->low = b->close = t->price;
			b->volume = t->quantity;
			b->quote_volume = t->quote_quantity;
			if (t->buy) {
				b->tb_volume = t->quantity;
				b->tb_quote_volume = t->quote_quantity;
			} else {
				b->tb_volume.coef = 0;
				b->tb_volume.scale = t->quantity.scale;
				b->tb_quote_volume.coef = 0;
				b->tb_quote_volume.scale =
				    t->quote_quantity.scale;
			}
			b->trades = n;
			b->has_fetched = t->has_fetched_at;
			b->min_fetched = b->max_fetched = t->fetched_at;
			b->no_quote = !t->has_quote;
			b->bad = 0;
			continue;
		}
		if (mdx_dec_cmp_fast(&t->price, &b->high) > 0)
			b->high = t->price;
		else if (mdx_dec_cmp_fast(&t->price, &b->low) < 0)
			b->low = t->price;
		b->close = t->price;
		if (sum(&b->volume, &t->quantity) != 0 ||
		    __builtin_add_overflow(b->trades, n, &b->trades) ||
		    (t->buy && sum(&b->tb_volume, &t->quantity) != 0))
			b->bad = 1;
		if (!t->has_quote)
			b->no_quote = 1;
		else if (!b->no_quote &&
		    (sum(&b->quote_volume, &t->quote_quantity) != 0 ||
		    (t->buy && sum(&b->tb_quote_volume,
		    &t->quote_quantity) != 0)))
			b->bad = 1;
		if (t->has_fetched_at) {
			if (!b->has_fetched ||
			    t->fetched_at < b->min_fetched)
				b->min_fetched = t->fetched_at;
			if (!b->has_fetched ||
			    t->fetched_at > b->max_fetched)
				b->max_fetched = t->fetched_at;
			b->has_fetched = 1;
		}
	}
	tc->st.used++;
	return MDX_TC_USED;
}

void
mdx_tc_finish(struct mdx_tc *tc)
{
	size_t j;
	int i;

	for (j = 0; j < tc->cap; j++)
		if (tc->tab[j] != NULL)
			for (i = 0; i < tc->o.nto; i++)
				emit(tc, tc->tab[j], i, 0);
}

void
mdx_tc_free(struct mdx_tc *tc)
{
	size_t j;

	if (tc == NULL)
		return;
	for (j = 0; j < tc->cap; j++)
		if (tc->tab[j] != NULL) {
			mdx_buf_free(&tc->tab[j]->ids);
			free(tc->tab[j]);
		}
	free(tc->tab);
	free(tc);
}

/* ------------------------------------------------------------------------
 * --reconcile-with: the exchange's candles in a hash table by key.
 */
struct rentry {
	struct mdx_candle c;
	int seen;
};

/* The span of the exchange's candles of one series and interval: a
 * candle built from trades outside it has nothing to be compared with. */
struct rspan {
	struct mdx_candle key;
	mdx_time first, last;
};

struct mdx_recon {
	struct rentry **tab;
	size_t cap, n;
	struct rspan *span;
	size_t nspan;
	struct mdx_buf out;
	uint64_t equal, differ, missing, extra, open, empty;
};

static struct rentry **
rslot(struct mdx_recon *rc, const struct mdx_candle *c)
{
	size_t j;

	for (j = mdx_candle_key_hash(c) & (rc->cap - 1); rc->tab[j] != NULL;
	    j = (j + 1) & (rc->cap - 1))
		if (mdx_candle_same_key(&rc->tab[j]->c, c))
			break;
	return &rc->tab[j];
}

static void
rgrow(struct mdx_recon *rc)
{
	struct rentry **old = rc->tab;
	size_t oldcap = rc->cap, i;

	rc->cap = rc->cap ? rc->cap * 2 : 1024;
	rc->tab = mdx_calloc(rc->cap, sizeof(*rc->tab));
	for (i = 0; i < oldcap; i++)
		if (old[i] != NULL)
			*rslot(rc, &old[i]->c) = old[i];
	free(old);
}

static struct rspan *
span_of(struct mdx_recon *rc, const struct mdx_candle *c)
{
	size_t i;

	for (i = 0; i < rc->nspan; i++)
		if (rc->span[i].key.interval == c->interval &&
		    strcmp(rc->span[i].key.symbol, c->symbol) == 0 &&
		    strcmp(rc->span[i].key.market, c->market) == 0 &&
		    strcmp(rc->span[i].key.exchange, c->exchange) == 0)
			return &rc->span[i];
	return NULL;
}

struct mdx_recon *
mdx_recon_new(char *const *files, int nfiles,
    const struct mdx_interval **to, int *nto, uint64_t *bad)
{
	struct mdx_recon *rc;
	struct mdx_reader *rd;
	struct mdx_candle_scan *sc;
	struct mdx_candle c;
	struct rentry **slot;
	struct rspan *sp;
	struct mdx_pos pos;
	const char *line;
	char why[256];
	size_t len;
	uint64_t nread = 0;
	int i;

	rc = mdx_calloc(1, sizeof(*rc));
	rgrow(rc);
	*nto = 0;
	sc = mdx_candle_scan_new();
	rd = mdx_reader_open(files, nfiles);
	while (mdx_reader_line(rd, &line, &len, &nread, bad, NULL)) {
		pos = mdx_reader_pos(rd);
		if (mdx_candle_scan(sc, &c, line, len, why,
		    sizeof(why)) != 0) {
			mdx_warn("bad candle: %s (at %s:%lu)", why, pos.name,
			    pos.line);
			(*bad)++;
			continue;
		}
		for (i = 0; i < *nto && to[i] != c.interval; i++)
			;
		if (i == *nto) {
			if (*nto == MDX_ROLLUP_MAXTO)
				mdx_die(MDX_EX_DATAERR, "more than %d "
				    "intervals to reconcile (at %s:%lu)",
				    MDX_ROLLUP_MAXTO, pos.name, pos.line);
			to[(*nto)++] = c.interval;
		}
		slot = rslot(rc, &c);
		if (*slot != NULL) {
			/* The exchange's own duplicate rule decides. */
			if (mdx_candle_supersedes(&c, &(*slot)->c))
				(*slot)->c = c;
			continue;
		}
		*slot = mdx_malloc(sizeof(**slot));
		(*slot)->c = c;
		(*slot)->seen = 0;
		if ((sp = span_of(rc, &c)) == NULL) {
			rc->span = mdx_realloc(rc->span, (rc->nspan + 1) *
			    sizeof(*rc->span));
			sp = &rc->span[rc->nspan++];
			sp->key = c;
			sp->first = sp->last = c.open_time;
		}
		if (c.open_time < sp->first)
			sp->first = c.open_time;
		if (c.open_time > sp->last)
			sp->last = c.open_time;
		if (++rc->n * 2 > rc->cap)
			rgrow(rc);
	}
	mdx_reader_close(rd);
	mdx_candle_scan_free(sc);
	return rc;
}

static void
rec_head(struct mdx_buf *b, const struct mdx_candle *c)
{
	char tb[MDX_TIME_BUFSZ];

	mdx_time_format(c->open_time, tb);
	mdx_buf_reset(b);
	mdx_buf_addstr(b, "{\"kind\":\"reconcile\"");
	mdx_buf_add_json_kv(b, 0, "exchange", c->exchange);
	mdx_buf_add_json_kv(b, 0, "market", c->market);
	mdx_buf_add_json_kv(b, 0, "symbol", c->symbol);
	mdx_buf_add_json_kv(b, 0, "interval", c->interval->code);
	mdx_buf_add_json_kv(b, 0, "open_time", tb);
}

static void
rec_status(struct mdx_recon *rc, const struct mdx_candle *c,
    const char *status)
{
	rec_head(&rc->out, c);
	mdx_buf_printf(&rc->out, ",\"status\":\"%s\"}", status);
	mdx_write_line(mdx_stdout(), rc->out.data, rc->out.len);
}

/* Appends one differing member to the record. */
static void
rec_field(struct mdx_buf *b, int *nd, const char *name, const char *ex,
    const char *tr)
{
	mdx_buf_addstr(b, *nd == 0 ? ",\"fields\":{" : ",");
	mdx_buf_add_json_str(b, name, strlen(name));
	mdx_buf_addstr(b, ":{\"exchange\":");
	mdx_buf_add_json_str(b, ex, strlen(ex));
	mdx_buf_addstr(b, ",\"trades\":");
	if (tr != NULL)
		mdx_buf_add_json_str(b, tr, strlen(tr));
	else
		mdx_buf_addstr(b, "null");
	mdx_buf_addch(b, '}');
	(*nd)++;
}

/* Compares a member; tr is NULL when the trades did not give it (a
 * quote volume of trades in contracts). */
static void
rec_dec(struct mdx_buf *b, int *nd, const char *name, const mdx_dec *ex,
    const mdx_dec *tr)
{
	char x[MDX_DEC_BUFSZ], y[MDX_DEC_BUFSZ];

	if (tr != NULL && mdx_dec_cmp(ex, tr) == 0)
		return;
	mdx_dec_format(ex, x);
	if (tr != NULL)
		mdx_dec_format(tr, y);
	rec_field(b, nd, name, x, tr != NULL ? y : NULL);
}

void
mdx_recon_candle(void *arg, const struct mdx_candle *c)
{
	struct mdx_recon *rc = arg;
	const struct mdx_candle *e;
	struct rentry *r;
	struct rspan *sp;
	char x[32], y[32];
	int nd = 0;

	if ((r = *rslot(rc, c)) == NULL) {
		if ((sp = span_of(rc, c)) != NULL &&
		    c->open_time >= sp->first && c->open_time <= sp->last) {
			rec_status(rc, c, "extra");
			rc->extra++;
		}
		return;
	}
	r->seen = 1;
	e = &r->c;
	if (!e->closed) {
		rc->open++;
		return;
	}
	rec_head(&rc->out, c);
	rec_dec(&rc->out, &nd, "open", &e->open, &c->open);
	rec_dec(&rc->out, &nd, "high", &e->high, &c->high);
	rec_dec(&rc->out, &nd, "low", &e->low, &c->low);
	rec_dec(&rc->out, &nd, "close", &e->close, &c->close);
	if (e->has & MDX_C_VOLUME)
		rec_dec(&rc->out, &nd, "volume", &e->volume, &c->volume);
	if (e->has & MDX_C_QUOTE_VOLUME)
		rec_dec(&rc->out, &nd, "quote_volume", &e->quote_volume,
		    (c->has & MDX_C_QUOTE_VOLUME) ? &c->quote_volume : NULL);
	if ((e->has & MDX_C_TRADES) && e->trades != c->trades) {
		snprintf(x, sizeof(x), "%lld", (long long)e->trades);
		snprintf(y, sizeof(y), "%lld", (long long)c->trades);
		rec_field(&rc->out, &nd, "trades", x, y);
	}
	if (e->has & MDX_C_TAKER_BUY_VOLUME)
		rec_dec(&rc->out, &nd, "taker_buy_volume",
		    &e->taker_buy_volume, &c->taker_buy_volume);
	if (e->has & MDX_C_TAKER_BUY_QUOTE_VOLUME)
		rec_dec(&rc->out, &nd, "taker_buy_quote_volume",
		    &e->taker_buy_quote_volume,
		    (c->has & MDX_C_TAKER_BUY_QUOTE_VOLUME) ?
		    &c->taker_buy_quote_volume : NULL);
	if (nd == 0) {
		rc->equal++;
		return;
	}
	mdx_buf_addstr(&rc->out, "},\"status\":\"differs\"}");
	mdx_write_line(mdx_stdout(), rc->out.data, rc->out.len);
	rc->differ++;
}

/* Whether an exchange candle says nothing traded in its bucket. */
static int
no_trades(const struct mdx_candle *e)
{
	if ((e->has & MDX_C_TRADES) && e->trades != 0)
		return 0;
	if ((e->has & MDX_C_VOLUME) && !mdx_dec_is_zero(&e->volume))
		return 0;
	return (e->has & (MDX_C_TRADES | MDX_C_VOLUME)) != 0;
}

int
mdx_recon_finish(struct mdx_recon *rc)
{
	struct rentry *r;
	size_t j;

	for (j = 0; j < rc->cap; j++) {
		if ((r = rc->tab[j]) == NULL || r->seen)
			continue;
		if (!r->c.closed)
			rc->open++;
		else if (no_trades(&r->c))
			rc->empty++;
		else {
			rec_status(rc, &r->c, "missing");
			rc->missing++;
		}
	}
	mdx_writer_flush(mdx_stdout());
	if (mdx_verbose >= 1)
		mdx_warn("%zu exchange candles = %llu equal + %llu differ + "
		    "%llu without trades' candle + %llu empty + %llu open; "
		    "%llu candles from trades without the exchange's", rc->n,
		    (unsigned long long)rc->equal,
		    (unsigned long long)rc->differ,
		    (unsigned long long)rc->missing,
		    (unsigned long long)rc->empty,
		    (unsigned long long)rc->open,
		    (unsigned long long)rc->extra);
	return rc->differ + rc->missing + rc->extra > 0 ? MDX_EX_FAIL :
	    MDX_EX_OK;
}

void
mdx_recon_free(struct mdx_recon *rc)
{
	size_t j;

	if (rc == NULL)
		return;
	for (j = 0; j < rc->cap; j++)
		free(rc->tab[j]);
	free(rc->tab);
	free(rc->span);
	mdx_buf_free(&rc->out);
	free(rc);
}

/* ------------------------------------------------------------------------
 * The run.
 */
struct tout {
	struct mdx_buf b;
	struct mdx_writer *w;
};

static void
put_candle(void *arg, const struct mdx_candle *c)
{
	struct tout *o = arg;

	mdx_buf_reset(&o->b);
	mdx_candle_to_json(c, &o->b);
	mdx_write_line(o->w, o->b.data, o->b.len);
}

int
mdx_trades_run(const struct mdx_interval *const *to, int nto, char *recon,
    char **files, int nfiles)
{
	struct mdx_tc_opts o;
	struct mdx_tc *tc;
	struct mdx_recon *rc = NULL;
	struct mdx_trade_scan *sc;
	struct mdx_reader *rd;
	const struct mdx_tc_stats *st;
	struct mdx_trade_rec t;
	struct mdx_pos pos;
	struct tout out = { MDX_BUF_INIT, NULL };
	const char *line;
	char why[256];
	size_t len;
	uint64_t nread = 0, bad = 0, rbad = 0;
	int r, status, rdst = MDX_EX_OK;

	memset(&o, 0, sizeof(o));
	if (recon != NULL) {
		rc = mdx_recon_new(&recon, 1, o.to, &o.nto, &rbad);
		o.candle = mdx_recon_candle;
		o.arg = rc;
	} else {
		memcpy(o.to, to, (size_t)nto * sizeof(*to));
		o.nto = nto;
		out.w = mdx_stdout();
		o.candle = put_candle;
		o.arg = &out;
	}
	tc = mdx_tc_new(&o);
	sc = mdx_trade_scan_new();
	rd = mdx_reader_open(files, nfiles);
	/* When the input cannot be read on, what was read is built and
	 * written (the last buckets marked partial), then the reader's
	 * status is the exit status. */
	while (mdx_reader_line(rd, &line, &len, &nread, &bad, &rdst)) {
		if (mdx_trade_scan(sc, &t, line, len, why, sizeof(why)) != 0) {
			pos = mdx_reader_pos(rd);
			mdx_warn("bad trade: %s (at %s:%lu)", why, pos.name,
			    pos.line);
			bad++;
			continue;
		}
		switch (mdx_tc_add(tc, &t, why, sizeof(why))) {
		case MDX_TC_REJECT:
			pos = mdx_reader_pos(rd);
			mdx_warn("rejected trade: %s (at %s:%lu)", why,
			    pos.name, pos.line);
			break;
		case MDX_TC_DUP:
			pos = mdx_reader_pos(rd);
			mdx_debug("duplicate trade dropped (at %s:%lu)",
			    pos.name, pos.line);
			break;
		default:
			break;
		}
	}
	mdx_tc_finish(tc);
	st = mdx_tc_stats(tc);
	if (mdx_verbose >= 1)
		mdx_warn("%llu read = %llu used + %llu duplicate + %llu "
		    "rejected; %llu candles out (%llu partial), %llu buckets "
		    "rejected", (unsigned long long)nread,
		    (unsigned long long)st->used, (unsigned long long)st->dup,
		    (unsigned long long)(st->rejected + bad),
		    (unsigned long long)st->out,
		    (unsigned long long)st->partial,
		    (unsigned long long)st->bad_buckets);
	status = st->rejected + bad + rbad + st->bad_buckets > 0 ?
	    MDX_EX_DATAERR : MDX_EX_OK;
	if (rc != NULL) {
		r = mdx_recon_finish(rc);
		if (status == MDX_EX_OK)
			status = r;
		mdx_recon_free(rc);
	} else
		mdx_writer_flush(out.w);
	if (rdst != MDX_EX_OK)
		status = rdst;
	mdx_reader_close(rd);
	mdx_trade_scan_free(sc);
	mdx_tc_free(tc);
	mdx_buf_free(&out.b);
	return status;
}
