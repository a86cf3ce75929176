/*
 * ind.c - indicator specs ("rsi:14,macd:12:26:9"), one indicator instance
 * per series over the kernels of ta.c, the exact text form of their state
 * (for the warehouse's incremental runs), and a fast exact double printer.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdx.h"

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
 * most 0.9 ulp), so strtod() gives v back either way.  Without a 64-bit long double
 * the printf path is used.
 */
#if LDBL_MANT_DIG >= 64
#define POW_MIN (-360)
#define POW_MAX 340
static long double pow10tab[POW_MAX - POW_MIN + 1];
static int pow10init;

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

static void
init_pow10(void)
{
	int i;

	for (i = POW_MIN; i <= POW_MAX; i++)
		pow10tab[i - POW_MIN] = powl(10.0L, (long double)i);
	pow10init = 1;
}
#endif

int
mdx_fmt_double(double v, char *buf)
{
#if LDBL_MANT_DIG >= 64
	static const char digits2[] =
	    "0001020304050607080910111213141516171819"
	    "2021222324252627282930313233343536373839"
	    "4041424344454647484950515253545556575859"
	    "6061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	char dg[20], *p = buf;
	uint64_t m, bits;
	uint32_t hi, lo;
	int e, k, i, nd;
	double a;

	if (!isfinite(v)) {
		memcpy(buf, "null", 5);
		return 4;
	}
	if (v == 0) {
		memcpy(buf, "0", 2);
		return 1;
	}
	if (!pow10init)
		init_pow10();
	a = fabs(v);
	if (a < 1e-300)		/* subnormal territory: rare, use printf */
		return snprintf(buf, MDX_DBL_BUFSZ, "%.17g", v);
	/* log10(2) ~ 78913 / 2^18: an estimate of the decimal exponent
	 * from the binary one (v is normal here), corrected by the loop. */
	memcpy(&bits, &a, sizeof(bits));
	e = (int)((bits >> 52) & 0x7ff) - 1023;
	e = e >= 0 ? (e * 78913) >> 18 : -((-e * 78913 + (1 << 18) - 1) >> 18);
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
	/* The 17 digits, most significant first: 9 and 8 of them in 32-bit
	 * arithmetic. */
	hi = (uint32_t)(m / 100000000);
	lo = (uint32_t)(m % 100000000);
	for (i = 16; i > 8; i -= 2) {
		memcpy(dg + i - 1, digits2 + (lo % 100) * 2, 2);
		lo /= 100;
	}
	for (i = 8; i > 0; i -= 2) {
		memcpy(dg + i - 1, digits2 + (hi % 100) * 2, 2);
		hi /= 100;
	}
	m = hi;
	dg[0] = (char)('0' + m);
	for (nd = 17; nd > 1 && dg[nd - 1] == '0'; nd--)
		;
	if (v < 0)
		*p++ = '-';
	if (e < -4 || e >= 17) {
		*p++ = dg[0];
		if (nd > 1) {
			*p++ = '.';
			memcpy(p, dg + 1, (size_t)nd - 1);
			p += nd - 1;
		}
		*p++ = 'e';
		*p++ = e < 0 ? '-' : '+';
		if (e < 0)
			e = -e;
		if (e >= 100) {
			*p++ = (char)('0' + e / 100);
			e %= 100;
		}
		*p++ = (char)('0' + e / 10);
		*p++ = (char)('0' + e % 10);
	} else if (e < 0) {
		*p++ = '0';
		*p++ = '.';
		for (i = -1; i > e; i--)
			*p++ = '0';
		memcpy(p, dg, (size_t)nd);
		p += nd;
	} else {
		if (nd <= e + 1) {
			memcpy(p, dg, (size_t)nd);
			p += nd;
			for (i = nd; i <= e; i++)
				*p++ = '0';
		} else {
			memcpy(p, dg, (size_t)e + 1);
			p += e + 1;
			*p++ = '.';
			memcpy(p, dg + e + 1, (size_t)(nd - e - 1));
			p += nd - e - 1;
		}
	}
	*p = '\0';
	return (int)(p - buf);
#else
	if (!isfinite(v)) {
		memcpy(buf, "null", 5);
		return 4;
	}
	return snprintf(buf, MDX_DBL_BUFSZ, "%.17g", v);
#endif
}
