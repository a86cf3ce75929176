/*
 * ind.h - indicator specs and instances (ind.c).  A spec list is
 * "rsi:14,macd:12:26:9,bbands:20:2": names with colon-separated
 * parameters, missing parameters taking TA-Lib's defaults.
 */
#ifndef MDX_IND_H
#define MDX_IND_H

#include "buf.h"
#include "utc.h"
#include "ta.h"

#define MDX_IND_MAXOUT 10

enum mdx_ind_kind {
	MDX_IND_SMA, MDX_IND_EMA, MDX_IND_WMA, MDX_IND_RSI, MDX_IND_MACD,
	MDX_IND_BBANDS, MDX_IND_ATR, MDX_IND_STOCH, MDX_IND_OBV, MDX_IND_ROC,
	MDX_IND_VWAP, MDX_IND_STATS24H, MDX_IND_ENIGMA
};

struct mdx_ind_spec {
	enum mdx_ind_kind kind;
	const char *name;	/* "macd" */
	char params[64];	/* normalised, defaults filled in: "12:26:9" */
	char field[80];		/* --merge field name: "macd_12_26_9" */
	int p[3];
	double d[2];
	int nout;
	const char *const *out;	/* value names: "macd", "signal", "hist" */
};

/*
 * Parses a spec list into *specs (free() it); returns the number of specs,
 * or -1 with a reason in err ("unknown indicator 'foo'").
 */
int mdx_ind_parse(const char *list, struct mdx_ind_spec **specs,
    char *err, size_t errsz);

/* One indicator on one series. */
struct mdx_ind {
	const struct mdx_ind_spec *spec;
	const struct mdx_interval *iv;
	union {
		struct mdx_ta_sma sma;
		struct mdx_ta_ema ema;
		struct mdx_ta_wma wma;
		struct mdx_ta_rsi rsi;
		struct mdx_ta_macd macd;
		struct mdx_ta_bbands bbands;
		struct mdx_ta_atr atr;
		struct mdx_ta_stoch stoch;
		struct mdx_ta_obv obv;
		struct mdx_ta_roc roc;
		struct mdx_ta_vwap vwap;
		struct mdx_ta_stats24 stats24;
		struct mdx_ta_enigma enigma;
	} u;
};

void mdx_ind_init(struct mdx_ind *in, const struct mdx_ind_spec *spec,
    const struct mdx_interval *iv);
void mdx_ind_free(struct mdx_ind *in);
/* Starts the series over (after a gap). */
void mdx_ind_reset(struct mdx_ind *in);
/* Feeds one candle; returns 1 with spec->nout values in out, 0 in the
 * warm-up. */
int mdx_ind_update(struct mdx_ind *in, const struct mdx_ta_bar *b,
    double *out);
/*
 * The state as text (exact: doubles in hexadecimal), to resume a series
 * later with identical results; mdx_ind_load() returns 0, or -1 when the
 * text does not belong to this spec or is damaged.
 */
void mdx_ind_save(struct mdx_ind *in, struct mdx_buf *b);
int mdx_ind_load(struct mdx_ind *in, const char *text);

/*
 * Formats a double with 17 significant digits, as printf("%.17g") does
 * (enough for strtod() to give back the same double), but several times
 * faster; NaN and infinities print as "null".  buf has at least
 * MDX_DBL_BUFSZ bytes; returns the length.
 */
#define MDX_DBL_BUFSZ 32
int mdx_fmt_double(double v, char *buf);
/*
 * The same for n values at once, several times faster per value than
 * one by one (their work overlaps): value i's text at buf + i *
 * MDX_DBL_BUFSZ (n * MDX_DBL_BUFSZ bytes), its length in len[i].  Each
 * slot's bytes after the text and its NUL are undefined.
 */
#define MDX_FMT_BATCH 16
void mdx_fmt_doubles(const double *v, int n, char *buf, int *len);

#endif /* MDX_IND_H */
