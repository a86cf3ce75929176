/*
 * ta.h - indicators (ta.c, ind.c).  See mdx-indicators(1).
 *
 * The kernels are streaming: each keeps a small state (ring buffers sized
 * by its period, never by the length of the series), is fed one value or
 * candle at a time in time order, and reproduces TA-Lib's results exactly:
 * the same lookback, the same seeding, the same floating-point operations
 * in the same order, and TA-Lib's default parameters.  An update returns 1
 * when out[] holds the values for this input, 0 while the kernel is still
 * in its lookback (warm-up).  Kernels with ring buffers allocate them in
 * init; mdx_ind_free() (or the kernel's own free) releases them.
 *
 * The TA-Lib kernels also have an array form, mdx_ta_NAME_run(): it feeds
 * n inputs (the volume array may be NULL for atr and stoch), writes the
 * values produced to out[0][k], out[1][k] ... (one array per value, as
 * TA-Lib's functions do) and returns how many it wrote.  It is the same
 * computation as n updates, faster.
 */
#ifndef MDX_TA_H
#define MDX_TA_H

#include "utc.h"

struct mdx_ta_bar {
	mdx_time t;		/* open time */
	double open, high, low, close, volume;
};

/* Simple moving average over n >= 1 values; lookback n - 1. */
struct mdx_ta_sma {
	int n, pos;
	int64_t count;
	double sum;		/* the last n - 1 values, as TA-Lib keeps it */
	double *ring;
};
void mdx_ta_sma_init(struct mdx_ta_sma *s, int n);
int mdx_ta_sma_update(struct mdx_ta_sma *s, double x, double *out);
size_t mdx_ta_sma_run(struct mdx_ta_sma *s, const double *x, size_t n,
    double *const *out);
void mdx_ta_sma_free(struct mdx_ta_sma *s);

/* Exponential moving average, k = 2 / (n + 1), seeded with the SMA of the
 * first n values (TA-Lib's default compatibility); lookback n - 1. */
struct mdx_ta_ema {
	int n;
	int64_t count;
	double k, sum, prev;
};
void mdx_ta_ema_init(struct mdx_ta_ema *s, int n);
int mdx_ta_ema_update(struct mdx_ta_ema *s, double x, double *out);
size_t mdx_ta_ema_run(struct mdx_ta_ema *s, const double *x, size_t n,
    double *const *out);

/* Weighted moving average, weights 1..n; lookback n - 1. */
struct mdx_ta_wma {
	int n, pos;
	int64_t count;
	double sum, sub, trail;
	double *ring;
};
void mdx_ta_wma_init(struct mdx_ta_wma *s, int n);
int mdx_ta_wma_update(struct mdx_ta_wma *s, double x, double *out);
size_t mdx_ta_wma_run(struct mdx_ta_wma *s, const double *x, size_t n,
    double *const *out);
void mdx_ta_wma_free(struct mdx_ta_wma *s);

/* Wilder's RSI; lookback n (TA-Lib's unstable period 0). */
struct mdx_ta_rsi {
	int n;
	int64_t count;
	double prev, gain, loss;
};
void mdx_ta_rsi_init(struct mdx_ta_rsi *s, int n);
int mdx_ta_rsi_update(struct mdx_ta_rsi *s, double x, double *out);
size_t mdx_ta_rsi_run(struct mdx_ta_rsi *s, const double *x, size_t n,
    double *const *out);

/* MACD: out[0] macd, out[1] signal, out[2] hist.  The fast EMA is seeded
 * on the same bar as the slow one, as TA-Lib does; lookback
 * slow - 1 + signal - 1. */
struct mdx_ta_macd {
	int fast, slow;
	int64_t count;
	double kfast, kslow, fsum, ssum, fema, sema;
	struct mdx_ta_ema sig;
};
void mdx_ta_macd_init(struct mdx_ta_macd *s, int fast, int slow, int signal);
int mdx_ta_macd_update(struct mdx_ta_macd *s, double x, double *out);
size_t mdx_ta_macd_run(struct mdx_ta_macd *s, const double *x, size_t n,
    double *const *out);

/* Bollinger Bands on an SMA with the population standard deviation:
 * out[0] upper, out[1] middle, out[2] lower; lookback n - 1. */
struct mdx_ta_bbands {
	int n, pos;
	int64_t count;
	double up, dn, sum, sumsq;
	double *ring;
};
void mdx_ta_bbands_init(struct mdx_ta_bbands *s, int n, double up, double dn);
int mdx_ta_bbands_update(struct mdx_ta_bbands *s, double x, double *out);
size_t mdx_ta_bbands_run(struct mdx_ta_bbands *s, const double *x, size_t n,
    double *const *out);
void mdx_ta_bbands_free(struct mdx_ta_bbands *s);

/* Wilder's average true range; lookback n. */
struct mdx_ta_atr {
	int n;
	int64_t count;
	double pclose, sum, atr;
};
void mdx_ta_atr_init(struct mdx_ta_atr *s, int n);
int mdx_ta_atr_update(struct mdx_ta_atr *s, const struct mdx_ta_bar *b,
    double *out);
size_t mdx_ta_atr_run(struct mdx_ta_atr *s, const double *high,
    const double *low, const double *close, const double *volume, size_t n,
    double *const *out);

/* A sliding-window maximum (or minimum) in a monotonic deque holding at
 * most cap entries: push a (key, value), evict the keys <= a limit. */
struct mdx_ta_deque {
	int cap, head, len, max;
	int64_t *key;
	double *val;
};
void mdx_ta_deque_init(struct mdx_ta_deque *q, int cap, int max);
void mdx_ta_deque_push(struct mdx_ta_deque *q, int64_t key, double v);
void mdx_ta_deque_evict(struct mdx_ta_deque *q, int64_t limit);
double mdx_ta_deque_top(const struct mdx_ta_deque *q);
void mdx_ta_deque_free(struct mdx_ta_deque *q);

/* Slow stochastic: out[0] slowk, out[1] slowd (SMA smoothing); lookback
 * fastk - 1 + slowk - 1 + slowd - 1. */
struct mdx_ta_stoch {
	int fastk, pos;
	int64_t count, hhi, lli;	/* where the extremes are */
	double hh, ll;
	double *hr, *lr;		/* the last fastk highs and lows */
	struct mdx_ta_sma k, d;
};
void mdx_ta_stoch_init(struct mdx_ta_stoch *s, int fastk, int slowk,
    int slowd);
int mdx_ta_stoch_update(struct mdx_ta_stoch *s, const struct mdx_ta_bar *b,
    double *out);
size_t mdx_ta_stoch_run(struct mdx_ta_stoch *s, const double *high,
    const double *low, const double *close, const double *volume, size_t n,
    double *const *out);
void mdx_ta_stoch_free(struct mdx_ta_stoch *s);

/* On-balance volume, starting at the first candle's volume; lookback 0. */
struct mdx_ta_obv {
	int64_t count;
	double pclose, obv;
};
void mdx_ta_obv_init(struct mdx_ta_obv *s);
int mdx_ta_obv_update(struct mdx_ta_obv *s, const struct mdx_ta_bar *b,
    double *out);
size_t mdx_ta_obv_run(struct mdx_ta_obv *s, const double *high,
    const double *low, const double *close, const double *volume, size_t n,
    double *const *out);

/* Rate of change in per cent, ((x / x[n ago]) - 1) * 100; lookback n. */
struct mdx_ta_roc {
	int n, pos;
	int64_t count;
	double *ring;
};
void mdx_ta_roc_init(struct mdx_ta_roc *s, int n);
int mdx_ta_roc_update(struct mdx_ta_roc *s, double x, double *out);
size_t mdx_ta_roc_run(struct mdx_ta_roc *s, const double *x, size_t n,
    double *const *out);
void mdx_ta_roc_free(struct mdx_ta_roc *s);

/* Volume-weighted average of the typical price (h + l + c) / 3: per UTC
 * day (n == 0, restarting at 00:00Z) or over the last n candles.  No value
 * while the volume summed is zero. */
struct mdx_ta_vwap {
	int n, pos, resum;
	int64_t count, day;
	double pv, v;
	double *rpv, *rv;
};
void mdx_ta_vwap_init(struct mdx_ta_vwap *s, int n);
int mdx_ta_vwap_update(struct mdx_ta_vwap *s, const struct mdx_ta_bar *b,
    double *out);
void mdx_ta_vwap_free(struct mdx_ta_vwap *s);

/* Statistics over the candles that lie within the 24 hours ending at the
 * close of the current one: out[0] last, out[1] change, out[2] change_pct,
 * out[3] high, out[4] low, out[5] volume.  Values start once the series
 * covers 24 hours.  iv is the series' interval. */
struct mdx_ta_stats24 {
	int cap, head, len, resum;
	int64_t span;		/* interval length in ms (0 for months) */
	mdx_time first;
	double vsum;
	mdx_time *t;
	double *open, *vol;
	struct mdx_ta_deque hi, lo;
};
void mdx_ta_stats24_init(struct mdx_ta_stats24 *s,
    const struct mdx_interval *iv);
int mdx_ta_stats24_update(struct mdx_ta_stats24 *s,
    const struct mdx_ta_bar *b, double *out);
void mdx_ta_stats24_free(struct mdx_ta_stats24 *s);

/* Enigma levels: out[0] all-time high, out[1] all-time low (of the series
 * so far), out[2] the close's position between them in per cent (0 when
 * they are equal), out[3..9] the levels low + (high - low) * p for p = 0,
 * 23.6, 38.2, 50, 61.8, 78.6 and 100 %; lookback 0. */
struct mdx_ta_enigma {
	int64_t count;
	double ath, atl;
};
void mdx_ta_enigma_init(struct mdx_ta_enigma *s);
int mdx_ta_enigma_update(struct mdx_ta_enigma *s, const struct mdx_ta_bar *b,
    double *out);

#endif /* MDX_TA_H */
