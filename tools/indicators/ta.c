/*
 * ta.c - streaming indicator kernels with TA-Lib's definitions.
 *
 * Each kernel reproduces the arithmetic of the TA-Lib function it is named
 * after, operation for operation, so that the values agree to the last bit
 * with TA-Lib run over the whole series from its first value: TA-Lib keeps
 * running sums that hold the last n - 1 values and subtracts the oldest
 * after the division, seeds its EMAs with an SMA, smooths RSI and ATR by
 * Wilder's rule with (n - 1) as a double, and treats a variance or a gain
 * plus loss below 1e-14 as zero.  The comments say where that matters.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "err.h"
#include "utc.h"

#include "ta.h"

/* The steps are inlined into both the per-value and the array forms; the
 * array loops are only fast when the state stays in registers. */
#if defined(__GNUC__)
#define STEP static inline __attribute__((always_inline)) int
#else
#define STEP static inline int
#endif

/* TA-Lib's TA_IS_ZERO and TA_IS_ZERO_OR_NEG threshold (ta_utility.h). */
#define TA_EPSILON 0.00000000000001

static double *
ring_new(int n)
{
	return mdx_calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}

/* ------------------------------------------------------------------------
 * SMA.  TA_INT_SMA: periodTotal holds the previous n - 1 values; the new
 * value is added, the total copied, the oldest value subtracted, and the
 * copy divided by n.
 */
void
mdx_ta_sma_init(struct mdx_ta_sma *s, int n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->ring = ring_new(n);
}

STEP
sma_step(struct mdx_ta_sma *s, double x, double *out)
{
	double t;

	s->ring[s->pos] = x;
	if (++s->pos == s->n)
		s->pos = 0;
	s->sum += x;
	if (++s->count < s->n)
		return 0;
	t = s->sum;
	/* After the store, the slot at pos holds the oldest of the n. */
	s->sum -= s->ring[s->pos];
	out[0] = t / s->n;
	return 1;
}

void
mdx_ta_sma_free(struct mdx_ta_sma *s)
{
	free(s->ring);
	s->ring = NULL;
}

/* ------------------------------------------------------------------------
 * EMA.  TA_INT_EMA in the default compatibility: the first value is the
 * mean of the first n inputs, summed in order; then
 * prev = ((x - prev) * k) + prev.
 */
void
mdx_ta_ema_init(struct mdx_ta_ema *s, int n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->k = (double)2.0 / ((double)(n + 1));
}

STEP
ema_step(struct mdx_ta_ema *s, double x, double *out)
{
	if (s->count < s->n) {
		s->sum += x;
		if (++s->count < s->n)
			return 0;
		s->prev = s->sum / s->n;
	} else {
		s->count++;
		s->prev = ((x - s->prev) * s->k) + s->prev;
	}
	out[0] = s->prev;
	return 1;
}

/* ------------------------------------------------------------------------
 * WMA.  TA_WMA: the first n - 1 values are added with weights 1..n-1;
 * from then on periodSub (the plain sum) gains the new value and loses the
 * value that left the window one step earlier, periodSum gains n times the
 * new value, and after the output periodSum loses periodSub.
 */
void
mdx_ta_wma_init(struct mdx_ta_wma *s, int n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->ring = ring_new(n);
}

STEP
wma_step(struct mdx_ta_wma *s, double x, double *out)
{
	int divider = (s->n * (s->n + 1)) >> 1;

	s->ring[s->pos] = x;
	if (++s->pos == s->n)
		s->pos = 0;
	if (++s->count < s->n) {
		s->sub += x;
		s->sum += x * (int)s->count;
		return 0;
	}
	s->sub += x;
	s->sub -= s->trail;
	s->sum += x * s->n;
	s->trail = s->ring[s->pos];	/* the oldest of the window */
	out[0] = s->sum / divider;
	s->sum -= s->sub;
	return 1;
}

void
mdx_ta_wma_free(struct mdx_ta_wma *s)
{
	free(s->ring);
	s->ring = NULL;
}

/* ------------------------------------------------------------------------
 * RSI.  TA_RSI with unstable period 0: the first n differences are summed
 * into gain and loss and divided by n; then each is multiplied by n - 1,
 * the new difference added, and divided by n.  A gain plus loss within
 * 1e-14 of zero (a flat series) gives 0, as in TA-Lib.
 */
void
mdx_ta_rsi_init(struct mdx_ta_rsi *s, int n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
}

STEP
rsi_step(struct mdx_ta_rsi *s, double x, double *out)
{
	double d, t;

	if (s->count++ == 0) {
		s->prev = x;
		return 0;
	}
	d = x - s->prev;
	s->prev = x;
	if (s->count <= s->n + 1) {
		if (d < 0)
			s->loss -= d;
		else
			s->gain += d;
		if (s->count <= s->n)
			return 0;
		s->loss /= s->n;
		s->gain /= s->n;
	} else {
		s->loss *= (s->n - 1);
		s->gain *= (s->n - 1);
		if (d < 0)
			s->loss -= d;
		else
			s->gain += d;
		s->loss /= s->n;
		s->gain /= s->n;
	}
	t = s->gain + s->loss;
	if (!((-TA_EPSILON) < t && t < TA_EPSILON))
		out[0] = 100.0 * (s->gain / t);
	else
		out[0] = 0.0;
	return 1;
}

/* ------------------------------------------------------------------------
 * MACD.  TA_INT_MACD computes both EMAs from the bar where the slow one
 * starts: the slow EMA is seeded with the mean of the first `slow` values,
 * the fast one with the mean of the `fast` values ending on that same bar
 * (earlier values never reach it).  The signal is an EMA of the MACD line,
 * seeded with the mean of its first `signal` values.
 */
void
mdx_ta_macd_init(struct mdx_ta_macd *s, int fast, int slow, int signal)
{
	memset(s, 0, sizeof(*s));
	if (slow < fast) {
		int t = slow;

		slow = fast;
		fast = t;
	}
	s->fast = fast;
	s->slow = slow;
	s->kfast = (double)2.0 / ((double)(fast + 1));
	s->kslow = (double)2.0 / ((double)(slow + 1));
	mdx_ta_ema_init(&s->sig, signal);
}

STEP
macd_step(struct mdx_ta_macd *s, double x, double *out)
{
	double m, sig;

	if (s->count < s->slow) {
		s->ssum += x;
		if (s->count >= s->slow - s->fast)
			s->fsum += x;
		if (++s->count < s->slow)
			return 0;
		s->sema = s->ssum / s->slow;
		s->fema = s->fsum / s->fast;
	} else {
		s->count++;
		s->sema = ((x - s->sema) * s->kslow) + s->sema;
		s->fema = ((x - s->fema) * s->kfast) + s->fema;
	}
	m = s->fema - s->sema;
	if (!ema_step(&s->sig, m, &sig))
		return 0;
	out[0] = m;
	out[1] = sig;
	out[2] = m - sig;
	return 1;
}

/* ------------------------------------------------------------------------
 * Bollinger Bands.  The middle band is the SMA; the deviation is
 * TA_INT_stddev_using_precalc_ma's: a running sum of squares divided by n
 * minus the square of the mean, 0 when that is below 1e-14.
 */
void
mdx_ta_bbands_init(struct mdx_ta_bbands *s, int n, double up, double dn)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->up = up;
	s->dn = dn;
	s->ring = ring_new(n);
}

STEP
bbands_step(struct mdx_ta_bbands *s, double x, double *out)
{
	double t, mean, m2, old, sd;

	s->ring[s->pos] = x;
	if (++s->pos == s->n)
		s->pos = 0;
	s->sum += x;
	if (++s->count < s->n) {
		s->sumsq += x * x;
		return 0;
	}
	old = s->ring[s->pos];
	t = s->sum;
	s->sum -= old;
	mean = t / s->n;
	s->sumsq += x * x;
	m2 = s->sumsq / s->n;
	s->sumsq -= old * old;
	m2 -= mean * mean;
	sd = !(m2 < TA_EPSILON) ? sqrt(m2) : 0.0;
	out[0] = mean + sd * s->up;
	out[1] = mean;
	out[2] = mean - sd * s->dn;
	return 1;
}

void
mdx_ta_bbands_free(struct mdx_ta_bbands *s)
{
	free(s->ring);
	s->ring = NULL;
}

/* ------------------------------------------------------------------------
 * ATR.  The true range needs the previous close, so it starts on the
 * second bar; the first ATR is the mean of the first n true ranges (summed
 * in order), then atr = (atr * (n - 1) + tr) / n in TA-Lib's three steps.
 */
void
mdx_ta_atr_init(struct mdx_ta_atr *s, int n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
}

STEP
atr_step(struct mdx_ta_atr *s, const struct mdx_ta_bar *b,
    double *out)
{
	double tr, v;

	if (s->count++ == 0) {
		s->pclose = b->close;
		return 0;
	}
	/* TA_TRANGE, comparisons in its order. */
	tr = b->high - b->low;
	v = fabs(s->pclose - b->high);
	if (v > tr)
		tr = v;
	v = fabs(s->pclose - b->low);
	if (v > tr)
		tr = v;
	s->pclose = b->close;
	if (s->count <= s->n + 1) {
		s->sum += tr;
		if (s->count <= s->n)
			return 0;
		s->atr = s->sum / s->n;
	} else {
		s->atr *= s->n - 1;
		s->atr += tr;
		s->atr /= s->n;
	}
	out[0] = s->atr;
	return 1;
}

/* ------------------------------------------------------------------------
 * The monotonic deque: values kept decreasing (max) or increasing (min)
 * from the front, so the front is the extreme of the window.
 */
void
mdx_ta_deque_init(struct mdx_ta_deque *q, int cap, int max)
{
	memset(q, 0, sizeof(*q));
	q->cap = cap > 0 ? cap : 1;
	q->max = max;
	q->key = mdx_calloc((size_t)q->cap, sizeof(*q->key));
	q->val = mdx_calloc((size_t)q->cap, sizeof(*q->val));
}

/* Slot i of the deque's ring, for 0 <= i < 2 * cap (no division). */
static inline int
slot(const struct mdx_ta_deque *q, int i)
{
	return i >= q->cap ? i - q->cap : i;
}

static inline void
deque_push(struct mdx_ta_deque *q, int64_t key, double v)
{
	int i;

	while (q->len > 0) {
		i = slot(q, q->head + q->len - 1);
		if (q->max ? q->val[i] > v : q->val[i] < v)
			break;
		q->len--;
	}
	if (q->len == q->cap) {		/* only when the caller evicts late */
		q->head = slot(q, q->head + 1);
		q->len--;
	}
	i = slot(q, q->head + q->len);
	q->key[i] = key;
	q->val[i] = v;
	q->len++;
}

static inline void
deque_evict(struct mdx_ta_deque *q, int64_t limit)
{
	while (q->len > 0 && q->key[q->head] <= limit) {
		q->head = slot(q, q->head + 1);
		q->len--;
	}
}

static inline double
deque_top(const struct mdx_ta_deque *q)
{
	return q->len > 0 ? q->val[q->head] : 0.0;
}

void
mdx_ta_deque_push(struct mdx_ta_deque *q, int64_t key, double v)
{
	deque_push(q, key, v);
}

void
mdx_ta_deque_evict(struct mdx_ta_deque *q, int64_t limit)
{
	deque_evict(q, limit);
}

double
mdx_ta_deque_top(const struct mdx_ta_deque *q)
{
	return deque_top(q);
}

void
mdx_ta_deque_free(struct mdx_ta_deque *q)
{
	free(q->key);
	free(q->val);
	q->key = NULL;
	q->val = NULL;
}

/* ------------------------------------------------------------------------
 * Stochastic.  TA_STOCH: the raw %K is (close - lowest) / diff with
 * diff = (highest - lowest) / 100, 0 when diff is 0; slow %K is its SMA and
 * slow %D the SMA of slow %K.  The highest high and lowest low are tracked
 * as TA-Lib tracks them: the window is scanned again only when the
 * extreme leaves it.
 */
void
mdx_ta_stoch_init(struct mdx_ta_stoch *s, int fastk, int slowk, int slowd)
{
	memset(s, 0, sizeof(*s));
	s->fastk = fastk;
	s->hr = ring_new(fastk);
	s->lr = ring_new(fastk);
	mdx_ta_sma_init(&s->k, slowk);
	mdx_ta_sma_init(&s->d, slowd);
}

STEP
stoch_step(struct mdx_ta_stoch *s, const struct mdx_ta_bar *b, double *out)
{
	double diff, raw, k, d;
	int64_t i = s->count++, trail = i - s->fastk + 1, j;
	int slot;

	s->hr[s->pos] = b->high;
	s->lr[s->pos] = b->low;
	if (++s->pos == s->fastk)
		s->pos = 0;
	if (i == 0) {
		s->hh = b->high;
		s->ll = b->low;
		s->hhi = s->lli = 0;
	} else {
		if (s->lli < trail) {
			slot = s->pos;	/* the oldest bar, trail */
			s->ll = s->lr[slot];
			s->lli = trail;
			for (j = trail + 1; j <= i; j++) {
				if (++slot == s->fastk)
					slot = 0;
				if (s->lr[slot] < s->ll) {
					s->ll = s->lr[slot];
					s->lli = j;
				}
			}
		} else if (b->low <= s->ll) {
			s->ll = b->low;
			s->lli = i;
		}
		if (s->hhi < trail) {
			slot = s->pos;	/* the oldest bar, trail */
			s->hh = s->hr[slot];
			s->hhi = trail;
			for (j = trail + 1; j <= i; j++) {
				if (++slot == s->fastk)
					slot = 0;
				if (s->hr[slot] > s->hh) {
					s->hh = s->hr[slot];
					s->hhi = j;
				}
			}
		} else if (b->high >= s->hh) {
			s->hh = b->high;
			s->hhi = i;
		}
	}
	if (s->count < s->fastk)
		return 0;
	diff = (s->hh - s->ll) / 100.0;
	raw = diff != 0.0 ? (b->close - s->ll) / diff : 0.0;
	if (!sma_step(&s->k, raw, &k))
		return 0;
	if (!sma_step(&s->d, k, &d))
		return 0;
	out[0] = k;
	out[1] = d;
	return 1;
}

void
mdx_ta_stoch_free(struct mdx_ta_stoch *s)
{
	free(s->hr);
	free(s->lr);
	s->hr = s->lr = NULL;
	mdx_ta_sma_free(&s->k);
	mdx_ta_sma_free(&s->d);
}

/* ------------------------------------------------------------------------
 * OBV.  TA_OBV starts at the first bar's volume (not at zero).
 */
void
mdx_ta_obv_init(struct mdx_ta_obv *s)
{
	memset(s, 0, sizeof(*s));
}

STEP
obv_step(struct mdx_ta_obv *s, const struct mdx_ta_bar *b,
    double *out)
{
	/* TA-Lib's branches without branching: adding -v is subtracting v,
	 * adding 0 * v leaves the sum as it is. */
	if (s->count++ == 0)
		s->obv = b->volume;
	else
		s->obv += (double)((b->close > s->pclose) -
		    (b->close < s->pclose)) * b->volume;
	s->pclose = b->close;
	out[0] = s->obv;
	return 1;
}

/* ------------------------------------------------------------------------
 * ROC.  TA_ROC: ((x / x[n ago]) - 1) * 100, and 0 when x[n ago] is 0.
 */
void
mdx_ta_roc_init(struct mdx_ta_roc *s, int n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->ring = ring_new(n);
}

STEP
roc_step(struct mdx_ta_roc *s, double x, double *out)
{
	double old = s->ring[s->pos];

	s->ring[s->pos] = x;
	if (++s->pos == s->n)
		s->pos = 0;
	if (s->count++ < s->n)
		return 0;
	out[0] = old != 0.0 ? ((x / old) - 1.0) * 100.0 : 0.0;
	return 1;
}

void
mdx_ta_roc_free(struct mdx_ta_roc *s)
{
	free(s->ring);
	s->ring = NULL;
}

/* ------------------------------------------------------------------------
 * The public per-value updates, and the array forms: they run the same
 * step over a whole array with the state in a local copy, which the
 * compiler keeps in registers.
 */

/*
 * The array form named run of a kernel with no faster one of its own:
 * step, which gives nout values, over each input in turn, on a local copy
 * of the state (of type type).  VALUE_RUN defines the form fed values,
 * BAR_RUN the form fed candles.  Each is a macro, not a function taking
 * the step, so that every kernel keeps its step inlined.
 */
#define VALUE_RUN(run, type, step, nout)				\
size_t									\
run(type *s, const double *x, size_t n, double *const *out)		\
{									\
	type t = *s;							\
	double v[nout];							\
	size_t i, k = 0;						\
	int j;								\
									\
	for (i = 0; i < n; i++) {					\
		if (!step(&t, x[i], v))					\
			continue;					\
		for (j = 0; j < nout; j++)				\
			out[j][k] = v[j];				\
		k++;							\
	}								\
	*s = t;								\
	return k;							\
}

#define BAR_RUN(run, type, step, nout)					\
size_t									\
run(type *s, const double *high, const double *low,			\
    const double *close, const double *volume, size_t n,		\
    double *const *out)							\
{									\
	type t = *s;							\
	struct mdx_ta_bar b = { 0, 0, 0, 0, 0, 0 };			\
	double v[nout];							\
	size_t i, k = 0;						\
	int j;								\
									\
	for (i = 0; i < n; i++) {					\
		b.high = high[i];					\
		b.low = low[i];						\
		b.close = close[i];					\
		b.volume = volume != NULL ? volume[i] : 0;		\
		if (!step(&t, &b, v))					\
			continue;					\
		for (j = 0; j < nout; j++)				\
			out[j][k] = v[j];				\
		k++;							\
	}								\
	*s = t;								\
	return k;							\
}

int
mdx_ta_sma_update(struct mdx_ta_sma *s, double x, double *out)
{
	return sma_step(s, x, out);
}

/*
 * The array forms of SMA, WMA and ROC: once a whole window lies inside the
 * array, the oldest value is read from the array rather than the ring, and
 * at the end the ring is refilled from the array's last n values.
 */
size_t
mdx_ta_sma_run(struct mdx_ta_sma *s, const double *x, size_t n,
    double *const *out)
{
	struct mdx_ta_sma t = *s;
	double *o = out[0], sum, v;
	size_t i, k = 0, w = (size_t)t.n;

	for (i = 0; i < n && i < w; i++)
		k += sma_step(&t, x[i], o + k);
	if (i < n) {
		sum = t.sum;
		for (; i < n; i++) {
			sum += x[i];
			v = sum;
			sum -= x[i - w + 1];
			o[k++] = v / t.n;
		}
		t.sum = sum;
		t.count += (int64_t)(n - w);
		memcpy(t.ring, x + n - w, w * sizeof(double));
		t.pos = 0;
	}
	*s = t;
	return k;
}

int
mdx_ta_ema_update(struct mdx_ta_ema *s, double x, double *out)
{
	return ema_step(s, x, out);
}

VALUE_RUN(mdx_ta_ema_run, struct mdx_ta_ema, ema_step, 1)

int
mdx_ta_wma_update(struct mdx_ta_wma *s, double x, double *out)
{
	return wma_step(s, x, out);
}

size_t
mdx_ta_wma_run(struct mdx_ta_wma *s, const double *x, size_t n,
    double *const *out)
{
	struct mdx_ta_wma t = *s;
	double *o = out[0], sum, sub, trail, v, nd, dv;
	size_t i, k = 0, w = (size_t)t.n;
	int divider = (t.n * (t.n + 1)) >> 1;

	for (i = 0; i < n && i < w; i++)
		k += wma_step(&t, x[i], o + k);
	if (i < n) {
		sum = t.sum;
		sub = t.sub;
		trail = t.trail;	/* x[i - w], loaded a step ahead */
		nd = t.n;	/* the int to double conversions, done once */
		dv = divider;
		for (; i < n; i++) {
			v = x[i];
			sub += v;
			sub -= trail;
			sum += v * nd;
			trail = x[i - w + 1];
			o[k++] = sum / dv;
			sum -= sub;
		}
		t.sum = sum;
		t.sub = sub;
		t.trail = trail;
		t.count += (int64_t)(n - w);
		memcpy(t.ring, x + n - w, w * sizeof(double));
		t.pos = 0;
	}
	*s = t;
	return k;
}

int
mdx_ta_rsi_update(struct mdx_ta_rsi *s, double x, double *out)
{
	return rsi_step(s, x, out);
}

/* Past its seeding RSI is one tight loop: Wilder's smoothing of both
 * averages, with the step's operations in the step's order. */
size_t
mdx_ta_rsi_run(struct mdx_ta_rsi *s, const double *x, size_t n,
    double *const *out)
{
	struct mdx_ta_rsi t = *s;
	double *o = out[0], n1, nn, prev, gain, loss, d, sum;
	size_t i, i0, k = 0;

	for (i = 0; i < n && t.count < (int64_t)t.n + 1; i++)
		k += rsi_step(&t, x[i], o + k);
	i0 = i;
	n1 = t.n - 1;
	nn = t.n;
	prev = t.prev;
	gain = t.gain;
	loss = t.loss;
	for (; i < n; i++) {
		d = x[i] - prev;
		prev = x[i];
		/* TA-Lib's order: the branch leaves the other sum's chain
		 * one addition shorter, which a branchless form cannot. */
		loss *= n1;
		gain *= n1;
		if (d < 0)
			loss -= d;
		else
			gain += d;
		loss /= nn;
		gain /= nn;
		sum = gain + loss;
		o[k++] = !((-TA_EPSILON) < sum && sum < TA_EPSILON) ?
		    100.0 * (gain / sum) : 0.0;
	}
	t.count += (int64_t)(n - i0);
	t.prev = prev;
	t.gain = gain;
	t.loss = loss;
	*s = t;
	return k;
}

int
mdx_ta_macd_update(struct mdx_ta_macd *s, double x, double *out)
{
	return macd_step(s, x, out);
}

VALUE_RUN(mdx_ta_macd_run, struct mdx_ta_macd, macd_step, 3)

int
mdx_ta_bbands_update(struct mdx_ta_bbands *s, double x, double *out)
{
	return bbands_step(s, x, out);
}

VALUE_RUN(mdx_ta_bbands_run, struct mdx_ta_bbands, bbands_step, 3)

int
mdx_ta_roc_update(struct mdx_ta_roc *s, double x, double *out)
{
	return roc_step(s, x, out);
}

size_t
mdx_ta_roc_run(struct mdx_ta_roc *s, const double *x, size_t n,
    double *const *out)
{
	struct mdx_ta_roc t = *s;
	double *o = out[0], old;
	size_t i, k = 0, w = (size_t)t.n;

	for (i = 0; i < n && i < w; i++)
		k += roc_step(&t, x[i], o + k);
	if (i < n) {
#if defined(__SSE2__)
		/* Two at a time: both quotients are computed and a zero
		 * divisor's lane is masked to 0 afterwards, as the branch
		 * below gives it. */
		for (; i + 2 <= n; i += 2) {
			__m128d xv = _mm_loadu_pd(x + i);
			__m128d ov = _mm_loadu_pd(x + i - w);
			__m128d r = _mm_mul_pd(_mm_sub_pd(_mm_div_pd(xv, ov),
			    _mm_set1_pd(1.0)), _mm_set1_pd(100.0));

			r = _mm_andnot_pd(_mm_cmpeq_pd(ov, _mm_setzero_pd()), r);
			_mm_storeu_pd(o + k, r);
			k += 2;
		}
#endif
		for (; i < n; i++) {
			old = x[i - w];
			o[k++] = old != 0.0 ? ((x[i] / old) - 1.0) * 100.0 : 0.0;
		}
		t.count += (int64_t)(n - w);
		memcpy(t.ring, x + n - w, w * sizeof(double));
		t.pos = 0;
	}
	*s = t;
	return k;
}

int
mdx_ta_atr_update(struct mdx_ta_atr *s, const struct mdx_ta_bar *b,
    double *out)
{
	return atr_step(s, b, out);
}

BAR_RUN(mdx_ta_atr_run, struct mdx_ta_atr, atr_step, 1)

int
mdx_ta_stoch_update(struct mdx_ta_stoch *s, const struct mdx_ta_bar *b,
    double *out)
{
	return stoch_step(s, b, out);
}

/*
 * The array form of the stochastic: once the window lies inside the
 * arrays, the highs and lows are read from them rather than from the
 * rings (refilled at the end, as for SMA), the two smoothing SMAs run on
 * locals, and the extremes are tracked exactly as the step does.
 */
size_t
mdx_ta_stoch_run(struct mdx_ta_stoch *s, const double *high,
    const double *low, const double *close, const double *volume, size_t n,
    double *const *out)
{
	struct mdx_ta_stoch t = *s;
	struct mdx_ta_bar b = { 0, 0, 0, 0, 0, 0 };
	double v[2], *ok = out[0], *od = out[1], hh, ll, raw, diff, x;
	double ksum, dsum, nk, nd, *kr, *dr;
	const double *lp, *hp;
	size_t i, k = 0, w = (size_t)t.fastk, j;
	int64_t g, trail, hhi, lli, kcount, dcount;
	int kpos, dpos, kn, dn;

	/* The step until the window is inside the arrays and the first bar
	 * (which seeds the extremes) is behind. */
	for (i = 0; i < n && (i + 1 < w || t.count == 0); i++) {
		b.high = high[i];
		b.low = low[i];
		b.close = close[i];
		b.volume = volume != NULL ? volume[i] : 0;
		if (stoch_step(&t, &b, v)) {
			ok[k] = v[0];
			od[k] = v[1];
			k++;
		}
	}
	if (i == n) {
		*s = t;
		return k;
	}
	hh = t.hh;
	ll = t.ll;
	hhi = t.hhi;
	lli = t.lli;
	ksum = t.k.sum;
	kpos = t.k.pos;
	kcount = t.k.count;
	kn = t.k.n;
	nk = kn;
	kr = t.k.ring;
	dsum = t.d.sum;
	dpos = t.d.pos;
	dcount = t.d.count;
	dn = t.d.n;
	nd = dn;
	dr = t.d.ring;
	g = t.count - (int64_t)i;	/* the bar index of array slot 0 */
	for (; i < n; i++) {
		trail = g + (int64_t)i - (int64_t)w + 1;
		if (lli < trail) {
			lp = low + i + 1 - w;
			ll = lp[0];
			lli = trail;
			for (j = 1; j < w; j++)
				if (lp[j] < ll) {
					ll = lp[j];
					lli = trail + (int64_t)j;
				}
		} else if (low[i] <= ll) {
			ll = low[i];
			lli = g + (int64_t)i;
		}
		if (hhi < trail) {
			hp = high + i + 1 - w;
			hh = hp[0];
			hhi = trail;
			for (j = 1; j < w; j++)
				if (hp[j] > hh) {
					hh = hp[j];
					hhi = trail + (int64_t)j;
				}
		} else if (high[i] >= hh) {
			hh = high[i];
			hhi = g + (int64_t)i;
		}
		diff = (hh - ll) / 100.0;
		raw = diff != 0.0 ? (close[i] - ll) / diff : 0.0;
		/* sma_step() twice. */
		kr[kpos] = raw;
		if (++kpos == kn)
			kpos = 0;
		ksum += raw;
		if (++kcount < kn)
			continue;
		x = ksum;
		ksum -= kr[kpos];
		x /= nk;
		dr[dpos] = x;
		if (++dpos == dn)
			dpos = 0;
		dsum += x;
		if (++dcount < dn)
			continue;
		ok[k] = x;
		x = dsum;
		dsum -= dr[dpos];
		od[k++] = x / nd;
	}
	t.count = g + (int64_t)n;
	t.hh = hh;
	t.ll = ll;
	t.hhi = hhi;
	t.lli = lli;
	t.k.sum = ksum;
	t.k.pos = kpos;
	t.k.count = kcount;
	t.d.sum = dsum;
	t.d.pos = dpos;
	t.d.count = dcount;
	memcpy(t.hr, high + n - w, w * sizeof(double));
	memcpy(t.lr, low + n - w, w * sizeof(double));
	t.pos = 0;
	*s = t;
	return k;
}

int
mdx_ta_obv_update(struct mdx_ta_obv *s, const struct mdx_ta_bar *b,
    double *out)
{
	return obv_step(s, b, out);
}

BAR_RUN(mdx_ta_obv_run, struct mdx_ta_obv, obv_step, 1)

/* ------------------------------------------------------------------------
 * VWAP.  The rolling form keeps its two sums by adding the new candle and
 * subtracting the one leaving the window; every n candles the sums are
 * recomputed from the window, so rounding never drifts.
 */
void
mdx_ta_vwap_init(struct mdx_ta_vwap *s, int n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->day = INT64_MIN;
	if (n > 0) {
		s->rpv = ring_new(n);
		s->rv = ring_new(n);
	}
}

int
mdx_ta_vwap_update(struct mdx_ta_vwap *s, const struct mdx_ta_bar *b,
    double *out)
{
	double tp = (b->high + b->low + b->close) / 3.0;
	double pv = tp * b->volume;
	int64_t day;
	int i;

	if (s->n == 0) {
		day = b->t >= 0 ? b->t / MDX_MS_DAY :
		    -((-b->t + MDX_MS_DAY - 1) / MDX_MS_DAY);
		if (day != s->day) {
			s->day = day;
			s->pv = s->v = 0;
		}
		s->count++;
		s->pv += pv;
		s->v += b->volume;
	} else {
		if (s->count >= s->n) {
			s->pv -= s->rpv[s->pos];
			s->v -= s->rv[s->pos];
		}
		s->rpv[s->pos] = pv;
		s->rv[s->pos] = b->volume;
		if (++s->pos == s->n)
			s->pos = 0;
		s->pv += pv;
		s->v += b->volume;
		s->count++;
		if (++s->resum >= s->n && s->count >= s->n) {
			s->resum = 0;
			s->pv = s->v = 0;
			for (i = 0; i < s->n; i++) {
				s->pv += s->rpv[(s->pos + i) % s->n];
				s->v += s->rv[(s->pos + i) % s->n];
			}
		}
		if (s->count < s->n)
			return 0;
	}
	if (s->v == 0.0)
		return 0;
	out[0] = s->pv / s->v;
	return 1;
}

void
mdx_ta_vwap_free(struct mdx_ta_vwap *s)
{
	free(s->rpv);
	free(s->rv);
	s->rpv = s->rv = NULL;
}

/* ------------------------------------------------------------------------
 * 24-hour statistics.  The window holds the candles whose open time is
 * after close - 24 h, where close is the end of the current candle: 1440
 * one-minute candles, 24 hourly ones, one daily candle.  Candles of 24
 * hours or more (and months) make a window of one.
 */
void
mdx_ta_stats24_init(struct mdx_ta_stats24 *s, const struct mdx_interval *iv)
{
	memset(s, 0, sizeof(*s));
	s->span = iv != NULL ? iv->ms : 0;
	if (s->span > 0 && s->span < MDX_MS_DAY)
		s->cap = (int)((MDX_MS_DAY + s->span - 1) / s->span);
	else
		s->cap = 1;
	s->first = INT64_MIN;
	s->t = mdx_calloc((size_t)s->cap, sizeof(*s->t));
	s->open = ring_new(s->cap);
	s->vol = ring_new(s->cap);
	mdx_ta_deque_init(&s->hi, s->cap, 1);
	mdx_ta_deque_init(&s->lo, s->cap, 0);
}

int
mdx_ta_stats24_update(struct mdx_ta_stats24 *s, const struct mdx_ta_bar *b,
    double *out)
{
	mdx_time limit;
	int i, j;

	/* Evict open times up to limit: before close - 24 h. */
	if (s->span > 0 && s->span < MDX_MS_DAY)
		limit = b->t + s->span - MDX_MS_DAY - 1;
	else
		limit = b->t - 1;
	while (s->len > 0 && s->t[s->head] <= limit) {
		s->vsum -= s->vol[s->head];
		s->head = (s->head + 1) % s->cap;
		s->len--;
		s->resum++;
	}
	if (s->len == s->cap) {		/* cannot happen in time order */
		s->vsum -= s->vol[s->head];
		s->head = (s->head + 1) % s->cap;
		s->len--;
	}
	deque_evict(&s->hi, limit);
	deque_evict(&s->lo, limit);
	j = (s->head + s->len) % s->cap;
	s->t[j] = b->t;
	s->open[j] = b->open;
	s->vol[j] = b->volume;
	s->len++;
	s->vsum += b->volume;
	if (s->resum >= s->cap) {
		s->resum = 0;
		s->vsum = 0;
		for (i = 0; i < s->len; i++)
			s->vsum += s->vol[(s->head + i) % s->cap];
	}
	deque_push(&s->hi, b->t, b->high);
	deque_push(&s->lo, b->t, b->low);
	if (s->first == INT64_MIN)
		s->first = b->t;
	if (s->first > limit + 1)	/* the series covers less than 24 h */
		return 0;
	out[0] = b->close;
	out[1] = b->close - s->open[s->head];
	out[2] = s->open[s->head] != 0.0 ?
	    out[1] / s->open[s->head] * 100.0 : 0.0;
	out[3] = deque_top(&s->hi);
	out[4] = deque_top(&s->lo);
	out[5] = s->vsum;
	return 1;
}

void
mdx_ta_stats24_free(struct mdx_ta_stats24 *s)
{
	free(s->t);
	free(s->open);
	free(s->vol);
	s->t = NULL;
	s->open = s->vol = NULL;
	mdx_ta_deque_free(&s->hi);
	mdx_ta_deque_free(&s->lo);
}

/* ------------------------------------------------------------------------
 * Enigma levels.
 */
static const double enigma_pct[7] = { 0, 23.6, 38.2, 50, 61.8, 78.6, 100 };


void
mdx_ta_enigma_init(struct mdx_ta_enigma *s)
{
	memset(s, 0, sizeof(*s));
}

int
mdx_ta_enigma_update(struct mdx_ta_enigma *s, const struct mdx_ta_bar *b,
    double *out)
{
	double range;
	int i;

	if (s->count++ == 0) {
		s->ath = b->high;
		s->atl = b->low;
	} else {
		if (b->high > s->ath)
			s->ath = b->high;
		if (b->low < s->atl)
			s->atl = b->low;
	}
	range = s->ath - s->atl;
	out[0] = s->ath;
	out[1] = s->atl;
	out[2] = range != 0.0 ? (b->close - s->atl) / range * 100.0 : 0.0;
	out[3] = s->atl;
	for (i = 1; i < 6; i++)
		out[3 + i] = s->atl + range * enigma_pct[i] / 100.0;
	out[9] = s->ath;
	return 1;
}
