/*
 * rollup.c - the rollup engine of mdx-aggregate: base candles in, coarser
 * buckets, gap ranges and synthetic candles out.  The stream mode feeds it
 * NDJSON lines and the warehouse mode rows read with COPY, so both modes
 * share one definition of a rollup.
 *
 * Every series (exchange, market, symbol, interval, price type) keeps the
 * newest open time seen, hi, as a slot number (open time in base intervals).  A candle
 * is accepted while its slot is at least hi - window; slots below that
 * horizon are final.  A ring bitmap over the slots [horizon, hi] finds
 * duplicates; slots leave it in order, which is when gaps are found and
 * filled.  A bucket is emitted as soon as it is complete, when the horizon
 * passes its end, or at the end of input (then flagged partial when
 * incomplete).  Memory is in proportion to the series and the buckets
 * still open, never to the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "dec.h"
#include "utc.h"
#include "hash.h"
#include "candle.h"

#include "rollup.h"

/* ------------------------------------------------------------------------
 * Slots: an open time as a whole number of intervals, so that the ring and
 * the gap arithmetic need no calendar.
 */
static int64_t
slot_of(const struct mdx_interval *iv, mdx_time t)
{
	struct mdx_tm tm;

	if (iv->ms > 0)
		return mdx_floordiv(t - mdx_interval_floor(iv, 0), iv->ms);
	mdx_time_split(t, &tm);
	return (int64_t)tm.year * 12 + (tm.month - 1);
}

static mdx_time
slot_time(const struct mdx_interval *iv, int64_t s)
{
	int64_t y;

	if (iv->ms > 0)
		return s * iv->ms + mdx_interval_floor(iv, 0);
	y = mdx_floordiv(s, 12);
	return mdx_time_join((int)y, (int)(s - y * 12) + 1, 1, 0, 0, 0, 0);
}

/* ------------------------------------------------------------------------
 * Gap records.
 */
static void
add_kv(struct mdx_buf *b, const char *key, const char *val)
{
	mdx_buf_addch(b, ',');
	mdx_buf_add_json_str(b, key, strlen(key));
	mdx_buf_addch(b, ':');
	mdx_buf_add_json_str(b, val, strlen(val));
}

void
mdx_rollup_format_gap(struct mdx_buf *b, const struct mdx_candle *series,
    mdx_time from, mdx_time to, int64_t count)
{
	char tb[MDX_TIME_BUFSZ];

	mdx_buf_addstr(b, "{\"kind\":\"gap\"");
	add_kv(b, "exchange", series->exchange);
	add_kv(b, "market", series->market);
	add_kv(b, "symbol", series->symbol);
	add_kv(b, "interval", series->interval->code);
	/* A gap of mark, index or premium candles says so: mdx-extract
	 * --ranges refetches it of that kind. */
	if (series->price != MDX_PRICE_TRADE)
		add_kv(b, "price", mdx_price_name(series->price));
	mdx_time_format(from, tb);
	add_kv(b, "from", tb);
	mdx_time_format(to, tb);
	add_kv(b, "to", tb);
	mdx_buf_printf(b, ",\"count\":%lld}", (long long)count);
}

/* ------------------------------------------------------------------------
 * Intervals.
 */
static int
iv_rank(const struct mdx_interval *iv)
{
	int i;

	for (i = 0; mdx_intervals[i].code != NULL; i++)
		if (&mdx_intervals[i] == iv)
			return i;
	return -1;
}

int
mdx_rollup_parse_intervals(const char *s, const struct mdx_interval **out,
    char *why, size_t whysz)
{
	const struct mdx_interval *iv, *tmp;
	char code[16];
	const char *p = s, *q;
	size_t n;
	int cnt = 0, i, j, dup;

	while (*p != '\0') {
		q = strchr(p, ',');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		if (n == 0 || n >= sizeof(code)) {
			snprintf(why, whysz, "\"%.*s\" is not an interval",
			    (int)(n > 20 ? 20 : n), p);
			return -1;
		}
		memcpy(code, p, n);
		code[n] = '\0';
		if ((iv = mdx_interval_lookup(code)) == NULL) {
			snprintf(why, whysz, "\"%s\" is not an interval",
			    code);
			return -1;
		}
		for (dup = 0, i = 0; i < cnt; i++)
			if (out[i] == iv)
				dup = 1;
		if (!dup) {
			if (cnt == MDX_ROLLUP_MAXTO) {
				snprintf(why, whysz, "more than %d intervals",
				    MDX_ROLLUP_MAXTO);
				return -1;
			}
			out[cnt++] = iv;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (cnt == 0) {
		snprintf(why, whysz, "no interval");
		return -1;
	}
	for (i = 1; i < cnt; i++)
		for (j = i; j > 0 && iv_rank(out[j - 1]) > iv_rank(out[j]);
		    j--) {
			tmp = out[j];
			out[j] = out[j - 1];
			out[j - 1] = tmp;
		}
	return cnt;
}

/* ------------------------------------------------------------------------
 * The engine.
 */
struct bucket {
	mdx_time start, end;
	int64_t expected, count;
	mdx_time first_t, last_t;
	mdx_dec open, high, low, close, vol, qv, tbv, tbqv;
	int64_t trades;
	int64_t ncandles, nvol, nqv, ntrades, ntbv, ntbqv, nclosed;
	const char *overflow;	/* the member whose sum overflowed */
};

struct target {
	const struct mdx_interval *iv;
	int skip;		/* the series' interval does not divide it */
	struct bucket *b;	/* open buckets, by start */
	size_t nb, cap;
};

struct series {
	uint64_t hash;
	struct mdx_candle name;	/* exchange, market, symbol, interval */
	const struct mdx_interval *unit;
	int64_t ms;		/* the interval's length, 0 for months */
	mdx_time origin;	/* the start of slot 0 when ms > 0 */
	int started;
	int64_t hi;		/* newest slot */
	int64_t resolved;	/* slots below are final and resolved */
	uint64_t *ring;		/* presence of slots, ring of rmask+1 */
	int64_t rmask;
	/* Gaps and filling. */
	int seen;		/* a present slot was resolved */
	int gap_open;
	int64_t gap_from;
	struct mdx_candle prev;	/* the newest resolved candle */
	struct mdx_candle *keep;	/* candles in the ring (fill) */
	struct mdx_buf *lines;		/* input lines in the ring (fill) */
	struct target tg[MDX_ROLLUP_MAXTO];
	int ntargets;		/* targets not skipped */
};

struct mdx_rollup {
	struct mdx_rollup_opts o;
	struct series **tab;	/* open addressing */
	size_t tabsz, nseries;
	struct series *last;
	struct mdx_rollup_stats st;
	size_t open_buckets;
};

struct mdx_rollup *
mdx_rollup_new(const struct mdx_rollup_opts *o)
{
	struct mdx_rollup *r;

	r = mdx_calloc(1, sizeof(*r));
	r->o = *o;
	if (r->o.window < 0)
		r->o.window = 0;
	r->tabsz = 256;
	r->tab = mdx_calloc(r->tabsz, sizeof(*r->tab));
	return r;
}

/* A name and the unit separator after it. */
static uint64_t
hash_str(const char *p, uint64_t h)
{
	h = mdx_fnv1a(h, p, strlen(p));
	return mdx_fnv1a(h, "\x1f", 1);
}

static uint64_t
candle_hash(const struct mdx_candle *c)
{
	uint64_t h = MDX_FNV1A_BASIS;

	h = hash_str(c->exchange, h);
	h = hash_str(c->market, h);
	h = hash_str(c->symbol, h);
	if (c->price != MDX_PRICE_TRADE)
		h = hash_str(mdx_price_name(c->price), h);
	return hash_str(c->interval->code, h);
}

/* strcmp(a, b) == 0 inline: the names are short, and this runs for every
 * candle. */
static int
name_eq(const char *a, const char *b)
{
	while (*a == *b) {
		if (*a == '\0')
			return 1;
		a++;
		b++;
	}
	return 0;
}

static int
series_is(const struct series *s, const struct mdx_candle *c)
{
	return s->name.interval == c->interval &&
	    s->name.price == c->price &&
	    name_eq(s->name.symbol, c->symbol) &&
	    name_eq(s->name.market, c->market) &&
	    name_eq(s->name.exchange, c->exchange);
}

static void
grow_table(struct mdx_rollup *r)
{
	struct series **old = r->tab;
	size_t oldsz = r->tabsz, i, j;

	r->tabsz *= 2;
	r->tab = mdx_calloc(r->tabsz, sizeof(*r->tab));
	for (i = 0; i < oldsz; i++) {
		if (old[i] == NULL)
			continue;
		j = old[i]->hash & (r->tabsz - 1);
		while (r->tab[j] != NULL)
			j = (j + 1) & (r->tabsz - 1);
		r->tab[j] = old[i];
	}
	free(old);
}

static struct series *
series_new(struct mdx_rollup *r, const struct mdx_candle *c, uint64_t h)
{
	struct series *s;
	int64_t rs;
	int i;

	s = mdx_calloc(1, sizeof(*s));
	s->hash = h;
	memcpy(s->name.exchange, c->exchange, sizeof(s->name.exchange));
	memcpy(s->name.market, c->market, sizeof(s->name.market));
	memcpy(s->name.symbol, c->symbol, sizeof(s->name.symbol));
	s->name.interval = c->interval;
	s->name.price = c->price;
	s->ms = c->interval->ms;
	if (s->ms > 0)
		s->origin = mdx_interval_floor(c->interval, 0);
	s->unit = r->o.unit != NULL ? r->o.unit : c->interval;
	for (rs = 64; rs < r->o.window + 2; rs *= 2)
		;
	s->rmask = rs - 1;
	s->ring = mdx_calloc((size_t)rs / 64, sizeof(uint64_t));
	if (r->o.fill) {
		s->keep = mdx_calloc((size_t)rs, sizeof(*s->keep));
		if (r->o.nto == 0)
			s->lines = mdx_calloc((size_t)rs, sizeof(*s->lines));
	}
	for (i = 0; i < r->o.nto; i++) {
		s->tg[i].iv = r->o.to[i];
		if (mdx_interval_divides(c->interval, r->o.to[i])) {
			s->ntargets++;
			continue;
		}
		/* Said once per series and target, not once per candle. */
		s->tg[i].skip = 1;
		r->st.skipped_targets++;
		mdx_warn("skipped target %s for %s %s %s %s: interval \"%s\" "
		    "does not divide \"%s\"", r->o.to[i]->code, c->exchange,
		    c->market, c->symbol, c->interval->code, c->interval->code,
		    r->o.to[i]->code);
	}
	return s;
}

static struct series *
series_get(struct mdx_rollup *r, const struct mdx_candle *c)
{
	struct series *s;
	uint64_t h;
	size_t j;

	if (r->last != NULL && series_is(r->last, c))
		return r->last;
	h = candle_hash(c);
	j = h & (r->tabsz - 1);
	while ((s = r->tab[j]) != NULL) {
		if (s->hash == h && series_is(s, c))
			return r->last = s;
		j = (j + 1) & (r->tabsz - 1);
	}
	s = series_new(r, c, h);
	r->tab[j] = s;
	if (++r->nseries * 2 > r->tabsz)
		grow_table(r);
	return r->last = s;
}

#define RBIT(s, x) ((s)->ring[((x) & (s)->rmask) >> 6] & \
    (UINT64_C(1) << ((x) & 63)))
#define RSET(s, x) ((s)->ring[((x) & (s)->rmask) >> 6] |= \
    (UINT64_C(1) << ((x) & 63)))
#define RCLR(s, x) ((s)->ring[((x) & (s)->rmask) >> 6] &= \
    ~(UINT64_C(1) << ((x) & 63)))

/* Emits a bucket as a rollup candle. */
static void
emit_bucket(struct mdx_rollup *r, struct series *s, struct target *t,
    const struct bucket *b, int at_end)
{
	struct mdx_candle c;
	char tb[MDX_TIME_BUFSZ];

	if (b->overflow != NULL) {
		/* The bucket cannot be written; the others go on. */
		mdx_time_format(b->start, tb);
		mdx_warn("rejected bucket %s %s %s %s %s: the sum of \"%s\" "
		    "overflows", s->name.exchange, s->name.market,
		    s->name.symbol, t->iv->code, tb, b->overflow);
		r->st.bad_buckets++;
		return;
	}
	memcpy(c.exchange, s->name.exchange, sizeof(c.exchange));
	memcpy(c.market, s->name.market, sizeof(c.market));
	memcpy(c.symbol, s->name.symbol, sizeof(c.symbol));
	c.interval = t->iv;
	c.price = s->name.price;
	c.open_time = b->start;
	c.open = b->open;
	c.high = b->high;
	c.low = b->low;
	c.close = b->close;
	c.volume = b->vol;
	c.quote_volume = b->qv;
	c.trades = b->trades;
	c.taker_buy_volume = b->tbv;
	c.taker_buy_quote_volume = b->tbqv;
	c.closed = b->nclosed == b->ncandles;
	c.origin = MDX_ORIGIN_ROLLUP;
	c.fetched_at = 0;
	c.base_count = (int)b->count;
	c.base_expected = (int)b->expected;
	c.has = MDX_C_BASE_COUNT;
	if (b->nvol == b->ncandles)
		c.has |= MDX_C_VOLUME;
	if (b->nqv == b->ncandles)
		c.has |= MDX_C_QUOTE_VOLUME;
	if (b->ntrades == b->ncandles)
		c.has |= MDX_C_TRADES;
	if (b->ntbv == b->ncandles)
		c.has |= MDX_C_TAKER_BUY_VOLUME;
	if (b->ntbqv == b->ncandles)
		c.has |= MDX_C_TAKER_BUY_QUOTE_VOLUME;
	if (at_end && b->count < b->expected) {
		c.has |= MDX_C_PARTIAL;
		r->st.partial++;
	}
	r->st.out++;
	if (r->o.candle != NULL)
		r->o.candle(r->o.arg, &c);
}

static void
drop_bucket(struct mdx_rollup *r, struct target *t, size_t i)
{
	memmove(t->b + i, t->b + i + 1, (t->nb - i - 1) * sizeof(*t->b));
	t->nb--;
	r->open_buckets--;
}

/* Whether -2^122 <= v < 2^122, so that two such add up below 10^38. */
#define SMALL(v) ((unsigned __int128)(v) + ((unsigned __int128)1 << 122) < \
    ((unsigned __int128)1 << 123))

/* A sum past 38 digits marks the bucket, which is then not emitted. */
static void
sum_dec(mdx_dec *acc, const mdx_dec *v, struct bucket *b, const char *name)
{
	if (mdx_dec_add(acc, acc, v) != MDX_DEC_OK && b->overflow == NULL)
		b->overflow = name;
}

static inline void
sum(mdx_dec *acc, const mdx_dec *v, struct bucket *b, const char *name)
{
	/*
	 * Volumes of one series come at one scale: then a sum that stays
	 * well below 10^38 is the plain sum of the coefficients, which is
	 * what mdx_dec_add() gives, without its calls.
	 */
	if (acc->scale == v->scale && SMALL(acc->coef) && SMALL(v->coef))
		acc->coef += v->coef;
	else
		sum_dec(acc, v, b, name);
}

/* The base candles c stands for, in the unit of the series. */
static int64_t
weight(const struct series *s, const struct mdx_candle *c)
{
	if (s->unit == c->interval)
		return 1;
	if (c->has & MDX_C_BASE_COUNT)
		return c->base_count;
	return mdx_interval_count(s->unit, c->open_time,
	    mdx_interval_next(c->interval, c->open_time));
}

/* Adds a candle to the bucket of target t that holds it. */
static void
bucket_add(struct mdx_rollup *r, struct series *s, struct target *t,
    const struct mdx_candle *c)
{
	struct bucket *b;
	mdx_time start;
	size_t i;

	if (t->nb > 0 && c->open_time >= t->b[t->nb - 1].start &&
	    c->open_time < t->b[t->nb - 1].end) {
		b = &t->b[t->nb - 1];
		goto update;
	}
	start = mdx_interval_floor(t->iv, c->open_time);
	for (i = t->nb; i > 0 && t->b[i - 1].start > start; i--)
		;
	if (i > 0 && t->b[i - 1].start == start) {
		b = &t->b[i - 1];
		goto update;
	}
	if (t->nb == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4;
		t->b = mdx_realloc(t->b, t->cap * sizeof(*t->b));
	}
	memmove(t->b + i + 1, t->b + i, (t->nb - i) * sizeof(*t->b));
	t->nb++;
	r->open_buckets++;
	b = &t->b[i];
	memset(b, 0, sizeof(*b));
	b->start = start;
	b->end = mdx_interval_next(t->iv, start);
	b->expected = mdx_interval_count(s->unit, start, b->end);
	b->first_t = b->last_t = c->open_time;
	b->open = c->open;
	b->close = c->close;
	b->high = c->high;
	b->low = c->low;
	b->vol = c->volume;
	b->qv = c->quote_volume;
	b->tbv = c->taker_buy_volume;
	b->tbqv = c->taker_buy_quote_volume;
	b->trades = c->trades;
	goto counts;
update:
	if (c->open_time < b->first_t) {
		b->first_t = c->open_time;
		b->open = c->open;
	}
	if (c->open_time > b->last_t) {
		b->last_t = c->open_time;
		b->close = c->close;
	}
	if (mdx_dec_cmp_fast(&c->high, &b->high) > 0)
		b->high = c->high;
	if (mdx_dec_cmp_fast(&c->low, &b->low) < 0)
		b->low = c->low;
	if (c->has & MDX_C_VOLUME)
		sum(&b->vol, &c->volume, b, "volume");
	if (c->has & MDX_C_QUOTE_VOLUME)
		sum(&b->qv, &c->quote_volume, b, "quote_volume");
	if (c->has & MDX_C_TAKER_BUY_VOLUME)
		sum(&b->tbv, &c->taker_buy_volume, b, "taker_buy_volume");
	if (c->has & MDX_C_TAKER_BUY_QUOTE_VOLUME)
		sum(&b->tbqv, &c->taker_buy_quote_volume, b,
		    "taker_buy_quote_volume");
	if ((c->has & MDX_C_TRADES) &&
	    __builtin_add_overflow(b->trades, c->trades, &b->trades) &&
	    b->overflow == NULL)
		b->overflow = "trades";
counts:
	b->ncandles++;
	b->nvol += (c->has & MDX_C_VOLUME) != 0;
	b->nqv += (c->has & MDX_C_QUOTE_VOLUME) != 0;
	b->ntrades += (c->has & MDX_C_TRADES) != 0;
	b->ntbv += (c->has & MDX_C_TAKER_BUY_VOLUME) != 0;
	b->ntbqv += (c->has & MDX_C_TAKER_BUY_QUOTE_VOLUME) != 0;
	b->nclosed += c->closed != 0;
	b->count += weight(s, c);
	/* Complete buckets go out at once, but in order. */
	while (t->nb > 0 && t->b[0].count >= t->b[0].expected) {
		emit_bucket(r, s, t, &t->b[0], 0);
		drop_bucket(r, t, 0);
	}
}

static void
add_to_targets(struct mdx_rollup *r, struct series *s,
    const struct mdx_candle *c)
{
	int i;

	for (i = 0; i < r->o.nto; i++)
		if (!s->tg[i].skip)
			bucket_add(r, s, &s->tg[i], c);
}

/* Emits the buckets of every target that end at or before time h. */
static void
finalize(struct mdx_rollup *r, struct series *s, mdx_time h)
{
	struct target *t;
	int i;

	for (i = 0; i < r->o.nto; i++) {
		t = &s->tg[i];
		while (t->nb > 0 && (t->b[0].end <= h ||
		    t->b[0].count >= t->b[0].expected)) {
			emit_bucket(r, s, t, &t->b[0], 0);
			drop_bucket(r, t, 0);
		}
	}
}

static void
gap_close(struct mdx_rollup *r, struct series *s, int64_t x)
{
	mdx_time from, to;

	if (!s->gap_open)
		return;
	s->gap_open = 0;
	from = slot_time(s->name.interval, s->gap_from);
	to = slot_time(s->name.interval, x);
	r->st.gaps++;
	r->st.gap_candles += (uint64_t)(x - s->gap_from);
	if (r->o.gap != NULL)
		r->o.gap(r->o.arg, &s->name, from, to, x - s->gap_from);
}

/*
 * A synthetic candle for slot x: open, high, low and close are the close
 * of the newest real or synthetic candle before it, the volumes zero (only
 * those the series gives at all).
 */
static void
fill_slot(struct mdx_rollup *r, struct series *s, int64_t x)
{
	struct mdx_candle c;
	mdx_dec zero = mdx_dec_from_int(0);

	c = s->name;
	c.open_time = slot_time(s->name.interval, x);
	c.open = c.high = c.low = c.close = s->prev.close;
	c.volume = c.quote_volume = zero;
	c.taker_buy_volume = c.taker_buy_quote_volume = zero;
	c.trades = 0;
	c.closed = 1;
	c.origin = MDX_ORIGIN_FILLED;
	c.has = s->prev.has & (MDX_C_VOLUME | MDX_C_QUOTE_VOLUME |
	    MDX_C_TRADES | MDX_C_TAKER_BUY_VOLUME |
	    MDX_C_TAKER_BUY_QUOTE_VOLUME);
	r->st.filled++;
	if (r->o.nto > 0)
		add_to_targets(r, s, &c);
	else {
		r->st.out++;
		if (r->o.candle != NULL)
			r->o.candle(r->o.arg, &c);
	}
}

static void
resolve_present(struct mdx_rollup *r, struct series *s, int64_t x)
{
	struct mdx_buf *l;

	gap_close(r, s, x);
	s->seen = 1;
	if (s->keep != NULL) {
		s->prev = s->keep[x & s->rmask];
		if (r->o.nto > 0)
			add_to_targets(r, s, &s->prev);
	}
	if (s->lines != NULL) {
		l = &s->lines[x & s->rmask];
		r->st.out++;
		if (r->o.line != NULL)
			r->o.line(r->o.arg, l->data, l->len);
	}
}

static void
resolve_missing(struct mdx_rollup *r, struct series *s, int64_t a,
    int64_t b)
{
	int64_t x;

	if (!s->seen || a >= b)
		return;
	if (r->o.gaps && !s->gap_open) {
		s->gap_open = 1;
		s->gap_from = a;
	}
	if (r->o.fill)
		for (x = a; x < b; x++)
			fill_slot(r, s, x);
}

/*
 * Resolves the slots [s->resolved, h): the ring still holds everything up
 * to s->hi, and slots after it were never seen.
 */
static void
resolve_upto(struct mdx_rollup *r, struct series *s, int64_t h)
{
	int64_t x, lim;

	if (h <= s->resolved)
		return;
	if (r->o.gaps || r->o.fill) {
		lim = h < s->hi + 1 ? h : s->hi + 1;
		for (x = s->resolved; x < lim; x++) {
			if (RBIT(s, x))
				resolve_present(r, s, x);
			else
				resolve_missing(r, s, x, x + 1);
		}
		if (h > lim)
			resolve_missing(r, s, lim, h);
	}
	s->resolved = h;
}

int
mdx_rollup_add(struct mdx_rollup *r, const struct mdx_candle *c,
    const char *line, size_t len, char *why, size_t whysz)
{
	struct series *s;
	char t1[MDX_TIME_BUFSZ], t2[MDX_TIME_BUFSZ];
	int64_t x, y;

	if (r->o.latest != 0 && c->open_time > r->o.latest) {
		mdx_time_format(c->open_time, t1);
		mdx_time_format(r->o.latest, t2);
		snprintf(why, whysz, "candle at %s opens after %s (now and a "
		    "day)", t1, t2);
		r->st.rejected++;
		return MDX_ROLLUP_REJECT;
	}
	s = series_get(r, c);
	if (r->o.nto > 0 && s->ntargets == 0) {
		/* Every target skipped, and said so once. */
		if (whysz > 0)
			why[0] = '\0';
		r->st.rejected++;
		return MDX_ROLLUP_REJECT;
	}
	/* The next slot needs no division (slow for a variable divisor). */
	if (s->started && s->ms > 0 &&
	    c->open_time == (s->hi + 1) * s->ms + s->origin)
		x = s->hi + 1;
	else
		x = slot_of(c->interval, c->open_time);
	if (!s->started) {
		s->started = 1;
		s->hi = x;
		s->resolved = x - r->o.window;
	} else if (x < s->hi - r->o.window) {
		mdx_time_format(c->open_time, t1);
		mdx_time_format(slot_time(c->interval, s->hi), t2);
		snprintf(why, whysz, "candle at %s is older than the window "
		    "(%lld intervals before %s)", t1, (long long)r->o.window,
		    t2);
		r->st.rejected++;
		return MDX_ROLLUP_REJECT;
	} else if (x <= s->hi) {
		if (RBIT(s, x)) {
			r->st.dup++;
			return MDX_ROLLUP_DUP;
		}
	} else {
		if (x - r->o.window > s->resolved)
			resolve_upto(r, s, x - r->o.window);
		if (x - s->hi > s->rmask)
			memset(s->ring, 0, (size_t)(s->rmask + 1) / 8);
		else
			for (y = s->hi + 1; y <= x; y++)
				RCLR(s, y);
		s->hi = x;
	}
	RSET(s, x);
	r->st.used++;
	if (s->keep != NULL)
		s->keep[x & s->rmask] = *c;
	if (s->lines != NULL) {
		mdx_buf_reset(&s->lines[x & s->rmask]);
		mdx_buf_add(&s->lines[x & s->rmask], line, len);
	}
	/*
	 * With filling, buckets take their candles in slot order as slots are
	 * resolved, so that synthetic candles see the right previous close;
	 * otherwise candles go to their buckets at once.
	 */
	if (r->o.nto > 0) {
		if (!r->o.fill)
			add_to_targets(r, s, c);
		finalize(r, s, s->ms > 0 ? s->resolved * s->ms + s->origin :
		    slot_time(c->interval, s->resolved));
	}
	return MDX_ROLLUP_USED;
}

static void
finish_series(struct mdx_rollup *r, struct series *s)
{
	struct target *t;
	int i;

	resolve_upto(r, s, s->hi + 1);
	for (i = 0; i < r->o.nto; i++) {
		t = &s->tg[i];
		while (t->nb > 0) {
			emit_bucket(r, s, t, &t->b[0], 1);
			drop_bucket(r, t, 0);
		}
	}
}

void
mdx_rollup_finish(struct mdx_rollup *r)
{
	size_t i;

	for (i = 0; i < r->tabsz; i++)
		if (r->tab[i] != NULL && r->tab[i]->started)
			finish_series(r, r->tab[i]);
}

const struct mdx_rollup_stats *
mdx_rollup_stats(const struct mdx_rollup *r)
{
	return &r->st;
}

size_t
mdx_rollup_open_buckets(const struct mdx_rollup *r)
{
	return r->open_buckets;
}

void
mdx_rollup_free(struct mdx_rollup *r)
{
	struct series *s;
	size_t i;
	int j;
	int64_t k;

	if (r == NULL)
		return;
	for (i = 0; i < r->tabsz; i++) {
		if ((s = r->tab[i]) == NULL)
			continue;
		for (j = 0; j < MDX_ROLLUP_MAXTO; j++)
			free(s->tg[j].b);
		if (s->lines != NULL)
			for (k = 0; k <= s->rmask; k++)
				mdx_buf_free(&s->lines[k]);
		free(s->lines);
		free(s->keep);
		free(s->ring);
		free(s);
	}
	free(r->tab);
	free(r);
}
