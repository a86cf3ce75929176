/*
 * ind.c - indicator specs ("rsi:14,macd:12:26:9"), one indicator instance
 * per series over the kernels of ta.c, the exact text form of their state
 * (for the warehouse's incremental runs), and a fast exact double printer.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "buf.h"
#include "utc.h"

#include "ta.h"
#include "ind.h"

static const char *const out_one_sma[] = { "sma" };
static const char *const out_one_ema[] = { "ema" };
static const char *const out_one_wma[] = { "wma" };
static const char *const out_one_rsi[] = { "rsi" };
static const char *const out_macd[] = { "macd", "signal", "hist" };
static const char *const out_bbands[] = { "upper", "middle", "lower" };
static const char *const out_one_atr[] = { "atr" };
static const char *const out_stoch[] = { "slowk", "slowd" };
static const char *const out_one_obv[] = { "obv" };
static const char *const out_one_roc[] = { "roc" };
static const char *const out_one_vwap[] = { "vwap" };
static const char *const out_stats24h[] = { "last", "change", "change_pct",
	"high", "low", "volume" };
static const char *const out_enigma[] = { "ath", "atl", "position", "fib_0",
	"fib_23_6", "fib_38_2", "fib_50", "fib_61_8", "fib_78_6", "fib_100" };

/*
 * The table of indicators: name, kind, how many integer periods and real
 * parameters it takes (np, nd), their defaults (TA-Lib's) and least
 * values, and its outputs.
 */
static const struct ind_def {
	const char *name;
	enum mdx_ind_kind kind;
	int np, nd;
	int pdef[3], pmin[3];
	double ddef[2];
	int nout;
	const char *const *out;
} defs[] = {
	{ "sma", MDX_IND_SMA, 1, 0, { 30 }, { 2 }, { 0 }, 1, out_one_sma },
	{ "ema", MDX_IND_EMA, 1, 0, { 30 }, { 2 }, { 0 }, 1, out_one_ema },
	{ "wma", MDX_IND_WMA, 1, 0, { 30 }, { 2 }, { 0 }, 1, out_one_wma },
	{ "rsi", MDX_IND_RSI, 1, 0, { 14 }, { 2 }, { 0 }, 1, out_one_rsi },
	{ "macd", MDX_IND_MACD, 3, 0, { 12, 26, 9 }, { 2, 2, 2 }, { 0 }, 3,
	    out_macd },
	{ "bbands", MDX_IND_BBANDS, 1, 2, { 5 }, { 2 }, { 2, 2 }, 3,
	    out_bbands },
	{ "atr", MDX_IND_ATR, 1, 0, { 14 }, { 1 }, { 0 }, 1, out_one_atr },
	{ "stoch", MDX_IND_STOCH, 3, 0, { 5, 3, 3 }, { 1, 1, 1 }, { 0 }, 2,
	    out_stoch },
	{ "obv", MDX_IND_OBV, 0, 0, { 0 }, { 0 }, { 0 }, 1, out_one_obv },
	{ "roc", MDX_IND_ROC, 1, 0, { 10 }, { 1 }, { 0 }, 1, out_one_roc },
	{ "vwap", MDX_IND_VWAP, 1, 0, { 0 }, { 1 }, { 0 }, 1, out_one_vwap },
	{ "stats24h", MDX_IND_STATS24H, 0, 0, { 0 }, { 0 }, { 0 }, 6,
	    out_stats24h },
	{ "enigma", MDX_IND_ENIGMA, 0, 0, { 0 }, { 0 }, { 0 }, 10,
	    out_enigma },
	{ NULL, 0, 0, 0, { 0 }, { 0 }, { 0 }, 0, NULL }
};

#define MAXPERIOD 100000

/* Parses one parameter: an integer period or a real factor. */
static int
parse_param(const char *s, size_t n, int real, int *ip, double *dp)
{
	char tmp[32], *end;
	long l;
	double d;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!isdigit((unsigned char)tmp[0]))
		return -1;
	errno = 0;
	if (real) {
		d = strtod(tmp, &end);
		if (*end != '\0' || errno != 0 || !isfinite(d) || d > 1e6)
			return -1;
		*dp = d;
	} else {
		l = strtol(tmp, &end, 10);
		if (*end != '\0' || errno != 0 || l > MAXPERIOD)
			return -1;
		*ip = (int)l;
	}
	return 0;
}

/* Parses one spec s[0..n) into sp. */
static int
parse_one(const char *s, size_t n, struct mdx_ind_spec *sp, char *err,
    size_t errsz)
{
	const struct ind_def *d;
	const char *p, *e, *end = s + n;
	size_t len;
	int i, np = 0, nd = 0, nparam, ival = 0;
	double dval = 0;
	char *q;

	len = strcspn(s, ":");
	if (len > n)
		len = n;
	for (d = defs; d->name != NULL; d++)
		if (strlen(d->name) == len && strncmp(d->name, s, len) == 0)
			break;
	if (d->name == NULL) {
		snprintf(err, errsz, "unknown indicator '%.*s'", (int)n, s);
		return -1;
	}
	memset(sp, 0, sizeof(*sp));
	sp->kind = d->kind;
	sp->name = d->name;
	sp->nout = d->nout;
	sp->out = d->out;
	for (i = 0; i < 3; i++)
		sp->p[i] = d->pdef[i];
	for (i = 0; i < 2; i++)
		sp->d[i] = d->ddef[i];
	nparam = 0;
	for (p = s + len; p < end; p = e) {
		p++;	/* the colon */
		e = memchr(p, ':', (size_t)(end - p));
		if (e == NULL)
			e = end;
		if (d->kind == MDX_IND_VWAP && nparam == 0 &&
		    (size_t)(e - p) == 3 && strncmp(p, "day", 3) == 0) {
			nparam++;
			continue;
		}
		if (np < d->np) {
			if (parse_param(p, (size_t)(e - p), 0, &ival, NULL) ==
			    -1 || ival < d->pmin[np])
				goto bad;
			sp->p[np++] = ival;
		} else if (nd < d->nd) {
			if (parse_param(p, (size_t)(e - p), 1, NULL, &dval) ==
			    -1)
				goto bad;
			sp->d[nd++] = dval;
		} else {
			snprintf(err, errsz, "too many parameters in '%.*s'",
			    (int)n, s);
			return -1;
		}
		nparam++;
	}
	/* Bollinger Bands: a lone deviation applies to both bands. */
	if (d->kind == MDX_IND_BBANDS && nd == 1)
		sp->d[1] = sp->d[0];

	/* The normalised parameters and the --merge field name. */
	q = sp->params;
	switch (d->kind) {
	case MDX_IND_VWAP:
		if (sp->p[0] == 0)
			snprintf(q, sizeof(sp->params), "day");
		else
			snprintf(q, sizeof(sp->params), "%d", sp->p[0]);
		break;
	case MDX_IND_BBANDS:
		snprintf(q, sizeof(sp->params), "%d:%g:%g", sp->p[0],
		    sp->d[0], sp->d[1]);
		break;
	default:
		for (i = 0; i < d->np; i++)
			snprintf(q + strlen(q), sizeof(sp->params) - strlen(q),
			    "%s%d", i ? ":" : "", sp->p[i]);
		break;
	}
	if (sp->params[0] == '\0')
		snprintf(sp->field, sizeof(sp->field), "%s", sp->name);
	else {
		snprintf(sp->field, sizeof(sp->field), "%s_%s", sp->name,
		    sp->params);
		for (q = sp->field; *q != '\0'; q++)
			if (*q == ':')
				*q = '_';
	}
	return 0;
bad:
	snprintf(err, errsz, "bad parameter '%.*s' in '%.*s'",
	    (int)(e - p), p, (int)n, s);
	return -1;
}

int
mdx_ind_parse(const char *list, struct mdx_ind_spec **specs, char *err,
    size_t errsz)
{
	struct mdx_ind_spec *v = NULL;
	const char *p, *e;
	int n = 0, i;

	for (p = list;; p = e + 1) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		while (p < e && isspace((unsigned char)*p))
			p++;
		if (e == p) {
			snprintf(err, errsz, "empty indicator spec in '%s'",
			    list);
			free(v);
			return -1;
		}
		v = mdx_realloc(v, (size_t)(n + 1) * sizeof(*v));
		if (parse_one(p, (size_t)(e - p), &v[n], err, errsz) == -1) {
			free(v);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (strcmp(v[i].name, v[n].name) == 0 &&
			    strcmp(v[i].params, v[n].params) == 0)
				break;
		if (i == n)	/* a repeated spec is computed once */
			n++;
		if (*e == '\0')
			break;
	}
	*specs = v;
	return n;
}

/* ------------------------------------------------------------------------
 * Instances.
 */
void
mdx_ind_init(struct mdx_ind *in, const struct mdx_ind_spec *sp,
    const struct mdx_interval *iv)
{
	memset(in, 0, sizeof(*in));
	in->spec = sp;
	in->iv = iv;
	switch (sp->kind) {
	case MDX_IND_SMA:
		mdx_ta_sma_init(&in->u.sma, sp->p[0]);
		break;
	case MDX_IND_EMA:
		mdx_ta_ema_init(&in->u.ema, sp->p[0]);
		break;
	case MDX_IND_WMA:
		mdx_ta_wma_init(&in->u.wma, sp->p[0]);
		break;
	case MDX_IND_RSI:
		mdx_ta_rsi_init(&in->u.rsi, sp->p[0]);
		break;
	case MDX_IND_MACD:
		mdx_ta_macd_init(&in->u.macd, sp->p[0], sp->p[1], sp->p[2]);
		break;
	case MDX_IND_BBANDS:
		mdx_ta_bbands_init(&in->u.bbands, sp->p[0], sp->d[0],
		    sp->d[1]);
		break;
	case MDX_IND_ATR:
		mdx_ta_atr_init(&in->u.atr, sp->p[0]);
		break;
	case MDX_IND_STOCH:
		mdx_ta_stoch_init(&in->u.stoch, sp->p[0], sp->p[1], sp->p[2]);
		break;
	case MDX_IND_OBV:
		mdx_ta_obv_init(&in->u.obv);
		break;
	case MDX_IND_ROC:
		mdx_ta_roc_init(&in->u.roc, sp->p[0]);
		break;
	case MDX_IND_VWAP:
		mdx_ta_vwap_init(&in->u.vwap, sp->p[0]);
		break;
	case MDX_IND_STATS24H:
		mdx_ta_stats24_init(&in->u.stats24, iv);
		break;
	case MDX_IND_ENIGMA:
		mdx_ta_enigma_init(&in->u.enigma);
		break;
	}
}

void
mdx_ind_free(struct mdx_ind *in)
{
	switch (in->spec->kind) {
	case MDX_IND_SMA:
		mdx_ta_sma_free(&in->u.sma);
		break;
	case MDX_IND_WMA:
		mdx_ta_wma_free(&in->u.wma);
		break;
	case MDX_IND_BBANDS:
		mdx_ta_bbands_free(&in->u.bbands);
		break;
	case MDX_IND_STOCH:
		mdx_ta_stoch_free(&in->u.stoch);
		break;
	case MDX_IND_ROC:
		mdx_ta_roc_free(&in->u.roc);
		break;
	case MDX_IND_VWAP:
		mdx_ta_vwap_free(&in->u.vwap);
		break;
	case MDX_IND_STATS24H:
		mdx_ta_stats24_free(&in->u.stats24);
		break;
	default:
		break;
	}
}

void
mdx_ind_reset(struct mdx_ind *in)
{
	const struct mdx_ind_spec *sp = in->spec;
	const struct mdx_interval *iv = in->iv;

	mdx_ind_free(in);
	mdx_ind_init(in, sp, iv);
}

int
mdx_ind_update(struct mdx_ind *in, const struct mdx_ta_bar *b, double *out)
{
	switch (in->spec->kind) {
	case MDX_IND_SMA:
		return mdx_ta_sma_update(&in->u.sma, b->close, out);
	case MDX_IND_EMA:
		return mdx_ta_ema_update(&in->u.ema, b->close, out);
	case MDX_IND_WMA:
		return mdx_ta_wma_update(&in->u.wma, b->close, out);
	case MDX_IND_RSI:
		return mdx_ta_rsi_update(&in->u.rsi, b->close, out);
	case MDX_IND_MACD:
		return mdx_ta_macd_update(&in->u.macd, b->close, out);
	case MDX_IND_BBANDS:
		return mdx_ta_bbands_update(&in->u.bbands, b->close, out);
	case MDX_IND_ATR:
		return mdx_ta_atr_update(&in->u.atr, b, out);
	case MDX_IND_STOCH:
		return mdx_ta_stoch_update(&in->u.stoch, b, out);
	case MDX_IND_OBV:
		return mdx_ta_obv_update(&in->u.obv, b, out);
	case MDX_IND_ROC:
		return mdx_ta_roc_update(&in->u.roc, b->close, out);
	case MDX_IND_VWAP:
		return mdx_ta_vwap_update(&in->u.vwap, b, out);
	case MDX_IND_STATS24H:
		return mdx_ta_stats24_update(&in->u.stats24, b, out);
	case MDX_IND_ENIGMA:
		return mdx_ta_enigma_update(&in->u.enigma, b, out);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * State as text.  One function per kernel walks its fields for both
 * directions, so saving and loading cannot disagree.  Doubles are written
 * in C99 hexadecimal ("%a"), which strtod() reads back exactly.
 */
struct io {
	int load;
	struct mdx_buf *b;
	const char *p;
	int bad;
};

static void
io_i64(struct io *io, int64_t *v)
{
	char *end;

	if (!io->load) {
		mdx_buf_printf(io->b, " %" PRId64, *v);
		return;
	}
	if (io->bad)
		return;
	errno = 0;
	*v = strtoll(io->p, &end, 10);
	if (end == io->p || errno != 0)
		io->bad = 1;
	io->p = end;
}

static void
io_int(struct io *io, int *v)
{
	int64_t t = *v;

	io_i64(io, &t);
	if (t < INT32_MIN || t > INT32_MAX)
		io->bad = 1;
	else
		*v = (int)t;
}

static void
io_dbl(struct io *io, double *v)
{
	char *end;

	if (!io->load) {
		mdx_buf_printf(io->b, " %a", *v);
		return;
	}
	if (io->bad)
		return;
	*v = strtod(io->p, &end);
	if (end == io->p)
		io->bad = 1;
	io->p = end;
}

static void
io_dbls(struct io *io, double *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		io_dbl(io, &v[i]);
}

/* A ring position must stay inside its ring whatever the text says. */
static void
io_pos(struct io *io, int *v, int n)
{
	io_int(io, v);
	if (*v < 0 || *v >= (n > 0 ? n : 1))
		io->bad = 1;
}

static void
io_sma(struct io *io, struct mdx_ta_sma *s)
{
	io_i64(io, &s->count);
	io_pos(io, &s->pos, s->n);
	io_dbl(io, &s->sum);
	io_dbls(io, s->ring, s->n);
}

static void
io_ema(struct io *io, struct mdx_ta_ema *s)
{
	io_i64(io, &s->count);
	io_dbl(io, &s->sum);
	io_dbl(io, &s->prev);
}

static void
io_deque(struct io *io, struct mdx_ta_deque *q)
{
	int i;

	io_pos(io, &q->head, q->cap);
	io_int(io, &q->len);
	if (q->len < 0 || q->len > q->cap)
		io->bad = 1;
	for (i = 0; i < q->cap && !io->bad; i++) {
		io_i64(io, &q->key[i]);
		io_dbl(io, &q->val[i]);
	}
}

static void
io_kernel(struct io *io, struct mdx_ind *in)
{
	switch (in->spec->kind) {
	case MDX_IND_SMA:
		io_sma(io, &in->u.sma);
		break;
	case MDX_IND_EMA:
		io_ema(io, &in->u.ema);
		break;
	case MDX_IND_WMA:
		io_i64(io, &in->u.wma.count);
		io_pos(io, &in->u.wma.pos, in->u.wma.n);
		io_dbl(io, &in->u.wma.sum);
		io_dbl(io, &in->u.wma.sub);
		io_dbl(io, &in->u.wma.trail);
		io_dbls(io, in->u.wma.ring, in->u.wma.n);
		break;
	case MDX_IND_RSI:
		io_i64(io, &in->u.rsi.count);
		io_dbl(io, &in->u.rsi.prev);
		io_dbl(io, &in->u.rsi.gain);
		io_dbl(io, &in->u.rsi.loss);
		break;
	case MDX_IND_MACD:
		io_i64(io, &in->u.macd.count);
		io_dbl(io, &in->u.macd.fsum);
		io_dbl(io, &in->u.macd.ssum);
		io_dbl(io, &in->u.macd.fema);
		io_dbl(io, &in->u.macd.sema);
		io_ema(io, &in->u.macd.sig);
		break;
	case MDX_IND_BBANDS:
		io_i64(io, &in->u.bbands.count);
		io_pos(io, &in->u.bbands.pos, in->u.bbands.n);
		io_dbl(io, &in->u.bbands.sum);
		io_dbl(io, &in->u.bbands.sumsq);
		io_dbls(io, in->u.bbands.ring, in->u.bbands.n);
		break;
	case MDX_IND_ATR:
		io_i64(io, &in->u.atr.count);
		io_dbl(io, &in->u.atr.pclose);
		io_dbl(io, &in->u.atr.sum);
		io_dbl(io, &in->u.atr.atr);
		break;
	case MDX_IND_STOCH:
		io_i64(io, &in->u.stoch.count);
		io_pos(io, &in->u.stoch.pos, in->u.stoch.fastk);
		io_i64(io, &in->u.stoch.hhi);
		io_i64(io, &in->u.stoch.lli);
		io_dbl(io, &in->u.stoch.hh);
		io_dbl(io, &in->u.stoch.ll);
		io_dbls(io, in->u.stoch.hr, in->u.stoch.fastk);
		io_dbls(io, in->u.stoch.lr, in->u.stoch.fastk);
		io_sma(io, &in->u.stoch.k);
		io_sma(io, &in->u.stoch.d);
		break;
	case MDX_IND_OBV:
		io_i64(io, &in->u.obv.count);
		io_dbl(io, &in->u.obv.pclose);
		io_dbl(io, &in->u.obv.obv);
		break;
	case MDX_IND_ROC:
		io_i64(io, &in->u.roc.count);
		io_pos(io, &in->u.roc.pos, in->u.roc.n);
		io_dbls(io, in->u.roc.ring, in->u.roc.n);
		break;
	case MDX_IND_VWAP:
		io_i64(io, &in->u.vwap.count);
		io_i64(io, &in->u.vwap.day);
		io_int(io, &in->u.vwap.resum);
		io_dbl(io, &in->u.vwap.pv);
		io_dbl(io, &in->u.vwap.v);
		if (in->u.vwap.n > 0) {
			io_pos(io, &in->u.vwap.pos, in->u.vwap.n);
			io_dbls(io, in->u.vwap.rpv, in->u.vwap.n);
			io_dbls(io, in->u.vwap.rv, in->u.vwap.n);
		}
		break;
	case MDX_IND_STATS24H: {
		struct mdx_ta_stats24 *s = &in->u.stats24;
		int i;

		io_pos(io, &s->head, s->cap);
		io_int(io, &s->len);
		if (s->len < 0 || s->len > s->cap)
			io->bad = 1;
		io_int(io, &s->resum);
		io_i64(io, &s->first);
		io_dbl(io, &s->vsum);
		for (i = 0; i < s->cap && !io->bad; i++) {
			io_i64(io, &s->t[i]);
			io_dbl(io, &s->open[i]);
			io_dbl(io, &s->vol[i]);
		}
		io_deque(io, &s->hi);
		io_deque(io, &s->lo);
		break;
	}
	case MDX_IND_ENIGMA:
		io_i64(io, &in->u.enigma.count);
		io_dbl(io, &in->u.enigma.ath);
		io_dbl(io, &in->u.enigma.atl);
		break;
	}
}

#define STATE_MAGIC "mdx-ta/1"

void
mdx_ind_save(struct mdx_ind *in, struct mdx_buf *b)
{
	struct io io = { 0, b, NULL, 0 };

	mdx_buf_printf(b, STATE_MAGIC " %s %s|", in->spec->name,
	    in->spec->params[0] != '\0' ? in->spec->params : "-");
	io_kernel(&io, in);
}

int
mdx_ind_load(struct mdx_ind *in, const char *text)
{
	struct mdx_buf head = MDX_BUF_INIT;
	struct io io = { 1, NULL, NULL, 0 };
	const char *bar;
	int match;

	mdx_buf_printf(&head, STATE_MAGIC " %s %s|", in->spec->name,
	    in->spec->params[0] != '\0' ? in->spec->params : "-");
	match = strncmp(text, head.data, head.len) == 0;
	bar = text + head.len;
	mdx_buf_free(&head);
	if (!match)
		return -1;
	mdx_ind_reset(in);
	io.p = bar;
	io_kernel(&io, in);
	while (*io.p == ' ')
		io.p++;
	if (io.bad || *io.p != '\0') {
		mdx_ind_reset(in);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Printing doubles.
 *
 * printf("%.17g") is correct but slow (it works with big integers).  Here
 * the 17 significant digits are computed in long double (a 64-bit
 * mantissa on x86): v * 10^k is within a few thousandths of a unit of the
 * last digit of the exact product, so the digits are those of %.17g or,
 * when the exact product is that close to a tie, differ by one in the
 * 17th digit -- still well within half an ulp of v (a 17-digit step is at
 * most 0.9 ulp), so strtod() gives v back either way.  Without a 64-bit
 * long double the printf path is used.
 *
 * Each value is a long chain of dependent steps (the product, then the
 * digits), so mdx_fmt_doubles() takes several at once and runs each step
 * over all of them: the processor overlaps the chains.  The digits are
 * made eight at a time in a 64-bit word and the text is put together in
 * three such words, with masks for the decimal point, and stored once:
 * no byte-by-byte string is copied afterwards (narrow stores read back by
 * wide loads stall) and no copy has a variable length (a library call).
 */
#if LDBL_MANT_DIG >= 64
#define POW_MIN (-360)
#define POW_MAX 340
static long double pow10tab[POW_MAX - POW_MIN + 1];
static double pow10up[POW_MAX - POW_MIN + 1];
static int pow10init;

#define ONES UINT64_C(0x0101010101010101)

/* Rounds to the nearest integer, ties to even, as llrintl() does; the x87
 * instruction directly where there is one. */
static inline uint64_t
round_even(long double r)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
	int64_t m;

	__asm__("fistpll %0" : "=m"(m) : "t"(r) : "st");
	return (uint64_t)m;
#else
	return (uint64_t)llrintl(r);
#endif
}

/*
 * pow10up[i] is a double just above 10^i: a at or above it certainly has
 * a * 10^(16 - (i - 1)) of 18 digits, so that the decimal exponent is i.
 * Below it the search starts from i - 1, as it always did, which keeps
 * the digits the same in the cases where both would fit.
 */
static void
init_pow10(void)
{
	int i;

	for (i = POW_MIN; i <= POW_MAX; i++) {
		pow10tab[i - POW_MIN] = powl(10.0L, (long double)i);
		pow10up[i - POW_MIN] = nextafter((double)pow10tab[i - POW_MIN],
		    INFINITY);
	}
	pow10init = 1;
}

/* The eight decimal digits of v < 10^8 as ASCII, the first in the lowest
 * byte: halves, quarters and digits split in all lanes at once (the
 * multiplications by 10486 / 2^20 and 103 / 2^10 divide exactly by 100
 * and 10 in this range). */
static inline uint64_t
digits8(uint32_t v)
{
	uint64_t x, q;

	x = (v / 10000) | ((uint64_t)(v % 10000) << 32);
	q = ((x * 10486) >> 20) & UINT64_C(0x0000007f0000007f);
	x = q | ((x - q * 100) << 16);
	q = ((x * 103) >> 10) & UINT64_C(0x000f000f000f000f);
	x = q | ((x - q * 10) << 8);
	return x | (ONES * '0');
}

/* Bytes 0 .. n-1 of a word set (none for n <= 0, all for n >= 8). */
static inline uint64_t
low_bytes(int n)
{
	return n <= 0 ? 0 : n >= 8 ? ~UINT64_C(0) :
	    (UINT64_C(1) << (8 * n)) - 1;
}

static inline void
store64(char *p, uint64_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &x, 8);
#else
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (char)(x >> (8 * i));
#endif
}

/* The digits of a word that are '0', counted from its top byte down. */
static inline int
top_zeros(uint64_t w)
{
	uint64_t z = w ^ (ONES * '0');
	int n = 0;

	if (z == 0)
		return 8;
#if defined(__GNUC__)
	n = __builtin_clzll(z) >> 3;
#else
	while ((z >> 56) == 0) {
		z <<= 8;
		n++;
	}
#endif
	return n;
}

/*
 * The first step: the 17 digits of |v| as an integer m, 10^16 <= m <
 * 10^17, and the decimal exponent e.  Returns -1 for the values printed
 * otherwise (not finite, zero, subnormal).
 */
static inline int
fmt_digits(double v, uint64_t *mp, int *ep)
{
	uint64_t m, bits;
	double a = fabs(v);
	int e, k;

	if (!isfinite(v) || v == 0 || a < 1e-300)
		return -1;
	/* log10(2) ~ 78913 / 2^18: an estimate of the decimal exponent from
	 * the binary one (v is normal here), one short or right; the table
	 * settles most of the first case, the loop the rest. */
	memcpy(&bits, &a, sizeof(bits));
	e = (int)((bits >> 52) & 0x7ff) - 1023;
	e = e >= 0 ? (e * 78913) >> 18 : -((-e * 78913 + (1 << 18) - 1) >> 18);
	if (a >= pow10up[e + 1 - POW_MIN])
		e++;
	for (;;) {
		k = 16 - e;
		m = round_even((long double)a * pow10tab[k - POW_MIN]);
		if (m >= UINT64_C(100000000000000000))
			e++;
		else if (m < UINT64_C(10000000000000000))
			e--;
		else
			break;
	}
	*mp = m;
	*ep = e;
	return 0;
}

/* The second step: the text of the value with digits m and exponent e
 * at buf (MDX_DBL_BUFSZ bytes); returns its length. */
static inline int
fmt_text(char *buf, int neg, uint64_t m, int e)
{
	static const char digits2[] =
	    "0001020304050607080910111213141516171819"
	    "2021222324252627282930313233343536373839"
	    "4041424344454647484950515253545556575859"
	    "6061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	uint64_t hi, c0, a8, b8, u0, u1, u2, v0, v1, v2, mk, dot;
	char *p = buf;
	int nd, l, s;

	/* The 17 digits as bytes 0..16 of u0, u1, u2: the first, then two
	 * words of eight; nd of them up to the last nonzero one. */
	hi = m / 100000000;
	a8 = digits8((uint32_t)(hi % 100000000));
	b8 = digits8((uint32_t)(m % 100000000));
	c0 = '0' + hi / 100000000;
	u0 = c0 | a8 << 8;
	u1 = a8 >> 56 | b8 << 8;
	u2 = b8 >> 56;
	nd = 17 - top_zeros(b8);
	if (nd == 9)
		nd = 9 - top_zeros(a8);
	if (neg)
		*p++ = '-';
	if (e >= 0 && e < 7) {
		/* The usual values, as below with the point in the first
		 * word: the other two are the digits moved up a byte. */
		l = e + 1;
		mk = (UINT64_C(1) << (8 * l)) - 1;
		store64(p, (u0 & mk) | ((u0 & ~mk) << 8) |
		    ((uint64_t)'.' << (8 * l)));
		store64(p + 8, u1 << 8 | u0 >> 56);
		store64(p + 16, u2 << 8 | u1 >> 56);
		p += nd <= l ? l : nd + 1;
	} else if (e >= 0 && e < 17) {
		/* d.ddd: the first l = e + 1 digits, the point, the rest
		 * one byte further on (v: the digits moved up a byte).  An
		 * integer's missing digits are the zeros trimmed. */
		l = e + 1;
		v0 = u0 << 8;
		v1 = u1 << 8 | u0 >> 56;
		v2 = u2 << 8 | u1 >> 56;
		mk = low_bytes(l);
		dot = low_bytes(l + 1) ^ mk;
		store64(p, (u0 & mk) | (v0 & ~mk & ~dot) | (dot & ONES * '.'));
		mk = low_bytes(l - 8);
		dot = low_bytes(l - 7) ^ mk;
		store64(p + 8, (u1 & mk) | (v1 & ~mk & ~dot) |
		    (dot & ONES * '.'));
		mk = low_bytes(l - 16);
		dot = low_bytes(l - 15) ^ mk;
		store64(p + 16, (u2 & mk) | (v2 & ~mk & ~dot) |
		    (dot & ONES * '.'));
		p += nd <= l ? l : nd + 1;
	} else if (e < 0 && e >= -4) {
		/* 0.000ddd: the digits s = 1 - e (2 to 5) bytes on. */
		s = 8 * (1 - e);
		store64(p, (UINT64_C(0x303030302e30) & low_bytes(1 - e)) |
		    u0 << s);
		store64(p + 8, u0 >> (64 - s) | u1 << s);
		store64(p + 16, u1 >> (64 - s) | u2 << s);
		p += 1 - e + nd;
	} else {
		/* d.ddde+NN */
		store64(p, c0 | ((uint64_t)'.' << 8) | a8 << 16);
		store64(p + 8, a8 >> 48 | b8 << 16);
		store64(p + 16, b8 >> 48);
		p += nd > 1 ? nd + 1 : 1;
		*p++ = 'e';
		*p++ = e < 0 ? '-' : '+';
		if (e < 0)
			e = -e;
		if (e >= 100) {
			*p++ = (char)('0' + e / 100);
			e %= 100;
		}
		memcpy(p, digits2 + e * 2, 2);
		p += 2;
	}
	*p = '\0';
	return (int)(p - buf);
}
#endif

/* The values fmt_digits() leaves out. */
static int
fmt_other(double v, char *buf)
{
	if (!isfinite(v)) {
		memcpy(buf, "null", 5);
		return 4;
	}
	if (v == 0) {
		memcpy(buf, "0", 2);
		return 1;
	}
	return snprintf(buf, MDX_DBL_BUFSZ, "%.17g", v);
}

int
mdx_fmt_double(double v, char *buf)
{
#if LDBL_MANT_DIG >= 64
	uint64_t m;
	int e;

	if (!pow10init)
		init_pow10();
	if (fmt_digits(v, &m, &e) == -1)
		return fmt_other(v, buf);
	return fmt_text(buf, v < 0, m, e);
#else
	return fmt_other(v, buf);
#endif
}

void
mdx_fmt_doubles(const double *v, int n, char *buf, int *len)
{
#if LDBL_MANT_DIG >= 64
	uint64_t m[MDX_FMT_BATCH];
	int e[MDX_FMT_BATCH], i, j, k;

	if (!pow10init)
		init_pow10();
	for (i = 0; i < n; i += k) {
		k = n - i < MDX_FMT_BATCH ? n - i : MDX_FMT_BATCH;
		for (j = 0; j < k; j++)
			if (fmt_digits(v[i + j], &m[j], &e[j]) == -1)
				e[j] = INT_MIN;
		for (j = 0; j < k; j++)
			len[i + j] = e[j] == INT_MIN ?
			    fmt_other(v[i + j], buf + (i + j) * MDX_DBL_BUFSZ) :
			    fmt_text(buf + (i + j) * MDX_DBL_BUFSZ, v[i + j] < 0,
			    m[j], e[j]);
	}
#else
	int i;

	for (i = 0; i < n; i++)
		len[i] = fmt_other(v[i], buf + i * MDX_DBL_BUFSZ);
#endif
}
