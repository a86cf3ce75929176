/*
 * evgaps.c - gaps of funding events and open-interest samples in a stream
 * (evgaps.h).
 *
 * A funding event's interval in force is its own interval when the record
 * gives one, else read from the spacing of the events (in_force()).
 * Between two consecutive events more time than the intervals in force at
 * both means ceil(spacing / interval) - 1 missing events in the later
 * one's interval, the last one an interval before the later event: so a
 * change of schedule is no gap, however a source dates it.
 * Open-interest samples are judged against their period, the first
 * missing one a period after the sample before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hash.h"
#include "json.h"
#include "utc.h"
#include "candle.h"
#include "deriv.h"

#include "evgaps.h"

struct ev {
	mdx_time t;
	int64_t ms;		/* the interval given; 0: none */
};

struct evseries {
	char exchange[MDX_NAME_MAX];
	char market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	int oi;			/* open interest, else funding */
	const struct mdx_interval *period; /* open interest: the period */
	struct ev *v;
	size_t n, cap;
	uint64_t hash;
	struct evseries *next;
};

#define EV_BUCKETS 256

struct mdx_evgaps {
	struct evseries *tab[EV_BUCKETS];
	size_t nseries;
	uint64_t nrec;
};

struct mdx_evgaps *
mdx_evgaps_new(void)
{
	return mdx_calloc(1, sizeof(struct mdx_evgaps));
}

static uint64_t
key_hash(const char *ex, const char *mk, const char *sym, int oi,
    const struct mdx_interval *period)
{
	uint64_t h = MDX_FNV1A_BASIS;

	h = mdx_fnv1a(h, ex, strlen(ex) + 1);
	h = mdx_fnv1a(h, mk, strlen(mk) + 1);
	h = mdx_fnv1a(h, sym, strlen(sym) + 1);
	h = mdx_fnv1a(h, &oi, sizeof(oi));
	return mdx_fnv1a(h, &period, sizeof(period));
}

static struct evseries *
series_get(struct mdx_evgaps *g, const char *ex, const char *mk,
    const char *sym, int oi, const struct mdx_interval *period)
{
	struct evseries *s;
	uint64_t h;

	h = key_hash(ex, mk, sym, oi, period);
	for (s = g->tab[h % EV_BUCKETS]; s != NULL; s = s->next)
		if (s->hash == h && s->oi == oi && s->period == period &&
		    strcmp(s->symbol, sym) == 0 &&
		    strcmp(s->market, mk) == 0 &&
		    strcmp(s->exchange, ex) == 0)
			return s;
	s = mdx_calloc(1, sizeof(*s));
	snprintf(s->exchange, sizeof(s->exchange), "%s", ex);
	snprintf(s->market, sizeof(s->market), "%s", mk);
	snprintf(s->symbol, sizeof(s->symbol), "%s", sym);
	s->oi = oi;
	s->period = period;
	s->hash = h;
	s->next = g->tab[h % EV_BUCKETS];
	g->tab[h % EV_BUCKETS] = s;
	g->nseries++;
	return s;
}

static void
push(struct evseries *s, mdx_time t, int64_t ms)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = mdx_realloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].t = t;
	s->v[s->n].ms = ms;
	s->n++;
}

int
mdx_evgaps_add(struct mdx_evgaps *g, const struct mdx_json *obj, char *why,
    size_t whysz)
{
	const struct mdx_json *kind;
	struct mdx_funding f;
	struct mdx_oi o;
	struct evseries *s;

	kind = mdx_json_get(obj, "kind");
	if (mdx_json_str_eq(kind, "funding")) {
		if (mdx_funding_from_json(&f, obj, why, whysz) != 0)
			return -1;
		if (f.interval != NULL && f.interval->ms <= 0)
			return mdx_errf(why, whysz, "interval %s: not of "
			    "fixed length", f.interval->code);
		s = series_get(g, f.exchange, f.market, f.symbol, 0, NULL);
		push(s, f.time, f.interval != NULL ? f.interval->ms : 0);
	} else if (mdx_json_str_eq(kind, "open_interest")) {
		if (mdx_oi_from_json(&o, obj, why, whysz) != 0)
			return -1;
		if (o.period->ms <= 0)
			return mdx_errf(why, whysz, "period %s: not of fixed "
			    "length", o.period->code);
		s = series_get(g, o.exchange, o.market, o.symbol, 1, o.period);
		push(s, o.time, o.period->ms);
	} else
		return 1;
	g->nrec++;
	return 0;
}

uint64_t
mdx_evgaps_count(const struct mdx_evgaps *g)
{
	return g->nrec;
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return 0;
}

static int
series_cmp(const void *a, const void *b)
{
	const struct evseries *x = *(const struct evseries *const *)a;
	const struct evseries *y = *(const struct evseries *const *)b;
	int c;

	if ((c = strcmp(x->exchange, y->exchange)) != 0 ||
	    (c = strcmp(x->market, y->market)) != 0 ||
	    (c = strcmp(x->symbol, y->symbol)) != 0)
		return c;
	if (x->oi != y->oi)
		return x->oi - y->oi;
	if (x->period != y->period)
		return x->period->ms < y->period->ms ? -1 : 1;
	return 0;
}

/* The interval code of a length, or NULL. */
static const struct mdx_interval *
by_length(int64_t ms)
{
	int i;

	for (i = 0; mdx_intervals[i].code != NULL; i++)
		if (mdx_intervals[i].ms == ms)
			return &mdx_intervals[i];
	return NULL;
}

/*
 * Sorts the events by time and merges those of the same time (a record
 * repeated, one of them perhaps with the interval the others lack).
 */
static void
sort_merge(struct evseries *s)
{
	size_t i, j;

	qsort(s->v, s->n, sizeof(*s->v), ev_cmp);
	for (i = j = 0; i < s->n; i++) {
		if (j > 0 && s->v[j - 1].t == s->v[i].t) {
			if (s->v[i].ms != 0)
				s->v[j - 1].ms = s->v[i].ms;
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
}

/*
 * The funding intervals in force, into the events' ms (0 when none can be
 * told), by the rule of the warehouse's mdx.funding_in_force: the given
 * interval, else the spacing before the event when a neighbouring spacing
 * agrees (or it is the only one), else the smaller neighbouring spacing;
 * the first event takes the earliest interval given, else the second
 * event's.
 */
static void
in_force(struct evseries *s)
{
	int64_t first = 0, sp, before, after, *len;
	size_t i;

	if (s->n == 0)
		return;
	len = mdx_calloc(s->n, sizeof(*len));
	for (i = 0; i < s->n && first == 0; i++)
		first = s->v[i].ms;
	for (i = 1; i < s->n; i++) {
		sp = s->v[i].t - s->v[i - 1].t;
		before = i >= 2 ? s->v[i - 1].t - s->v[i - 2].t : 0;
		after = i + 1 < s->n ? s->v[i + 1].t - s->v[i].t : 0;
		if (sp == before || sp == after || (before == 0 && after == 0))
			len[i] = sp;
		else if (before == 0 || (after != 0 && after < before))
			len[i] = after;
		else
			len[i] = before;
	}
	for (i = 0; i < s->n; i++)
		if (s->v[i].ms != 0)
			len[i] = s->v[i].ms;
	if (s->v[0].ms == 0)
		len[0] = first != 0 ? first : s->n > 1 ? len[1] : 0;
	for (i = 0; i < s->n; i++)
		s->v[i].ms = len[i];
	free(len);
}

uint64_t
mdx_evgaps_finish(struct mdx_evgaps *g, mdx_evgap_fn *fn, void *arg)
{
	struct evseries **all, *s;
	const struct mdx_interval *iv;
	int64_t d, ms, missing;
	uint64_t ngaps = 0;
	size_t i, k, n = 0;

	all = mdx_calloc(g->nseries + 1, sizeof(*all));
	for (k = 0; k < EV_BUCKETS; k++)
		for (s = g->tab[k]; s != NULL; s = s->next)
			all[n++] = s;
	qsort(all, n, sizeof(*all), series_cmp);
	for (k = 0; k < n; k++) {
		s = all[k];
		sort_merge(s);
		if (!s->oi)
			in_force(s);
		for (i = 1; i < s->n; i++) {
			ms = s->v[i].ms;
			d = s->v[i].t - s->v[i - 1].t;
			if (ms <= 0 || d <= ms || (!s->oi && d <= s->v[i - 1].ms))
				continue;
			missing = (d + ms - 1) / ms - 1;
			iv = s->oi ? s->period : by_length(ms);
			if (iv == NULL)
				continue;
			ngaps++;
			if (s->oi)
				fn(arg, s->exchange, s->market, s->symbol,
				    "open_interest", iv->code,
				    s->v[i - 1].t + ms, s->v[i].t, missing);
			else
				fn(arg, s->exchange, s->market, s->symbol,
				    "funding", iv->code,
				    s->v[i].t - missing * ms, s->v[i].t,
				    missing);
		}
	}
	free(all);
	return ngaps;
}

void
mdx_evgaps_free(struct mdx_evgaps *g)
{
	struct evseries *s, *next;
	size_t k;

	if (g == NULL)
		return;
	for (k = 0; k < EV_BUCKETS; k++)
		for (s = g->tab[k]; s != NULL; s = next) {
			next = s->next;
			free(s->v);
			free(s);
		}
	free(g);
}
