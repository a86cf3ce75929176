/*
 * test-ta.c - the indicator kernels on hand-computed cases, spec parsing,
 * saving and loading states mid-series (the resumed series must equal the
 * uninterrupted one bit for bit), the sliding-window deque against a
 * naive scan, and the double printer against printf("%.17g").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdx.h"
#include "ta.h"
#include "ind.h"
#include "tap.h"

static uint64_t seed = 88172645463325252ULL;

static double
rnd(void)
{
	return (double)(tap_xorshift(&seed) >> 11) / 9007199254740992.0;
}

static int
near(double a, double b)
{
	return fabs(a - b) <= 1e-12 * fmax(1, fmax(fabs(a), fabs(b)));
}

static void
test_kernels(void)
{
	struct mdx_ta_sma sma;
	struct mdx_ta_ema ema;
	struct mdx_ta_wma wma;
	struct mdx_ta_rsi rsi;
	struct mdx_ta_roc roc;
	struct mdx_ta_obv obv;
	struct mdx_ta_atr atr;
	struct mdx_ta_bbands bb;
	struct mdx_ta_bar b = { 0, 0, 0, 0, 0, 0 };
	double o[10];
	int r;

	mdx_ta_sma_init(&sma, 3);
	ok(!mdx_ta_sma_update(&sma, 1, o) && !mdx_ta_sma_update(&sma, 2, o),
	    "sma:3: no value for the first two");
	ok(mdx_ta_sma_update(&sma, 3, o) && o[0] == 2, "sma:3 of 1 2 3 is 2");
	ok(mdx_ta_sma_update(&sma, 7, o) && o[0] == 4, "sma:3 of 2 3 7 is 4");
	mdx_ta_sma_free(&sma);

	mdx_ta_ema_init(&ema, 3);	/* k = 0.5, seeded with the mean */
	mdx_ta_ema_update(&ema, 1, o);
	mdx_ta_ema_update(&ema, 2, o);
	ok(mdx_ta_ema_update(&ema, 3, o) && o[0] == 2, "ema:3 seed is the sma");
	ok(mdx_ta_ema_update(&ema, 6, o) && o[0] == 4,
	    "ema:3 then (6 - 2) * 0.5 + 2");

	mdx_ta_wma_init(&wma, 3);
	mdx_ta_wma_update(&wma, 1, o);
	mdx_ta_wma_update(&wma, 2, o);
	ok(mdx_ta_wma_update(&wma, 3, o) && near(o[0], 14.0 / 6),
	    "wma:3 of 1 2 3 is (1 + 4 + 9) / 6");
	ok(mdx_ta_wma_update(&wma, 4, o) && near(o[0], 20.0 / 6),
	    "wma:3 of 2 3 4 is (2 + 6 + 12) / 6");
	mdx_ta_wma_free(&wma);

	mdx_ta_rsi_init(&rsi, 2);
	mdx_ta_rsi_update(&rsi, 1, o);
	ok(!mdx_ta_rsi_update(&rsi, 2, o), "rsi:2: lookback 2");
	ok(mdx_ta_rsi_update(&rsi, 1, o) && o[0] == 50,
	    "rsi:2 of +1 -1 is 50");
	ok(mdx_ta_rsi_update(&rsi, 1, o) && o[0] == 50,
	    "rsi:2 Wilder: gain 0.25, loss 0.25");
	ok(mdx_ta_rsi_update(&rsi, 3, o) && near(o[0], 100 * 1.125 / 1.25),
	    "rsi:2 Wilder: gain (0.25 + 2) / 2, loss 0.125");
	mdx_ta_rsi_init(&rsi, 2);
	mdx_ta_rsi_update(&rsi, 5, o);
	mdx_ta_rsi_update(&rsi, 5, o);
	ok(mdx_ta_rsi_update(&rsi, 5, o) && o[0] == 0, "rsi of a flat run is 0");

	mdx_ta_roc_init(&roc, 1);
	mdx_ta_roc_update(&roc, 0, o);
	ok(mdx_ta_roc_update(&roc, 5, o) && o[0] == 0, "roc after 0 is 0");
	ok(mdx_ta_roc_update(&roc, 10, o) && o[0] == 100, "roc 5 -> 10 is 100");
	mdx_ta_roc_free(&roc);

	mdx_ta_obv_init(&obv);
	b.close = 10;
	b.volume = 2;
	ok(mdx_ta_obv_update(&obv, &b, o) && o[0] == 2,
	    "obv starts at the first volume");
	b.close = 9;
	b.volume = 5;
	mdx_ta_obv_update(&obv, &b, o);
	ok(o[0] == -3, "obv falls with the close");
	b.volume = 100;
	mdx_ta_obv_update(&obv, &b, o);
	ok(o[0] == -3, "obv unchanged on an equal close");

	mdx_ta_atr_init(&atr, 2);
	b = (struct mdx_ta_bar){ 0, 10, 11, 9, 10, 1 };
	ok(!mdx_ta_atr_update(&atr, &b, o), "atr: no true range on bar 0");
	b = (struct mdx_ta_bar){ 0, 10, 14, 12, 13, 1 };	/* tr 4 */
	ok(!mdx_ta_atr_update(&atr, &b, o), "atr:2: lookback 2");
	b = (struct mdx_ta_bar){ 0, 13, 13, 11, 12, 1 };	/* tr 2 */
	r = mdx_ta_atr_update(&atr, &b, o);
	ok(r && o[0] == 3, "atr:2 first value: the mean of 4 and 2");
	b = (struct mdx_ta_bar){ 0, 12, 20, 19, 19, 1 };	/* tr 8 */
	ok(mdx_ta_atr_update(&atr, &b, o) && o[0] == 5.5,
	    "atr:2 Wilder: (3 * 1 + 8) / 2");

	mdx_ta_bbands_init(&bb, 2, 2, 1);
	mdx_ta_bbands_update(&bb, 1, o);
	ok(mdx_ta_bbands_update(&bb, 3, o) && o[1] == 2 && o[0] == 4 &&
	    o[2] == 1, "bbands:2:2:1 of 1 3: middle 2, sd 1");
	mdx_ta_bbands_free(&bb);
}

/* The sliding maximum and minimum against a naive scan of the window. */
static void
test_deque(void)
{
	struct mdx_ta_deque hi, lo;
	double v[500], mx, mn;
	int i, j, w = 7, bad = 0;

	mdx_ta_deque_init(&hi, w, 1);
	mdx_ta_deque_init(&lo, w, 0);
	for (i = 0; i < 500; i++) {
		v[i] = floor(rnd() * 20);	/* many ties */
		mdx_ta_deque_evict(&hi, i - w);
		mdx_ta_deque_evict(&lo, i - w);
		mdx_ta_deque_push(&hi, i, v[i]);
		mdx_ta_deque_push(&lo, i, v[i]);
		mx = -1;
		mn = 1e9;
		for (j = i - w + 1 < 0 ? 0 : i - w + 1; j <= i; j++) {
			mx = fmax(mx, v[j]);
			mn = fmin(mn, v[j]);
		}
		if (mdx_ta_deque_top(&hi) != mx || mdx_ta_deque_top(&lo) != mn)
			bad++;
	}
	is_int(bad, 0, "deque: sliding max and min equal a naive scan");
	mdx_ta_deque_free(&hi);
	mdx_ta_deque_free(&lo);
}

static void
test_specs(void)
{
	struct mdx_ind_spec *sp;
	char err[200];
	int n;

	n = mdx_ind_parse("rsi,macd,bbands:20:2,vwap,vwap:30,sma:5,stoch,"
	    "obv,enigma,stats24h,rsi:14", &sp, err, sizeof(err));
	is_int(n, 10, "spec list parsed, the repeated rsi:14 once");
	if (n == 10) {
		is_str(sp[0].params, "14", "rsi default 14");
		is_str(sp[1].params, "12:26:9", "macd default 12:26:9");
		is_str(sp[2].params, "20:2:2", "bbands one deviation for both");
		is_str(sp[2].field, "bbands_20_2_2", "merge field name");
		is_str(sp[3].params, "day", "vwap default per day");
		is_str(sp[4].params, "30", "vwap:30 rolling");
		is_str(sp[6].params, "5:3:3", "stoch default 5:3:3");
		is_str(sp[7].params, "", "obv has no params");
		is_str(sp[7].field, "obv", "obv merge field");
		is_int(sp[8].nout, 10, "enigma has ten values");
		is_str(sp[9].out[2], "change_pct", "stats24h value names");
		free(sp);
	}
	ok(mdx_ind_parse("bogus", &sp, err, sizeof(err)) == -1 &&
	    strstr(err, "unknown indicator 'bogus'") != NULL,
	    "unknown indicator refused");
	ok(mdx_ind_parse("sma:1", &sp, err, sizeof(err)) == -1,
	    "sma:1 refused (TA-Lib's least period is 2)");
	ok(mdx_ind_parse("rsi:100001", &sp, err, sizeof(err)) == -1,
	    "a period above 100000 refused");
	ok(mdx_ind_parse("rsi:14:2", &sp, err, sizeof(err)) == -1,
	    "too many parameters refused");
	ok(mdx_ind_parse("bbands:20:-2", &sp, err, sizeof(err)) == -1,
	    "a negative deviation refused");
	ok(mdx_ind_parse("macd,", &sp, err, sizeof(err)) == -1,
	    "an empty spec refused");
}

/*
 * Every indicator: feed half a series, save, load into a fresh instance,
 * feed the rest to both; the outputs must be identical.
 */
static void
test_save_load(void)
{
	static const char list[] = "sma:7,ema:5,wma:4,rsi:6,macd:3:8:4,"
	    "bbands:5:2:1.5,atr:3,stoch:5:3:2,obv,roc:4,vwap,vwap:6,stats24h,"
	    "enigma";
	const struct mdx_interval *iv = mdx_interval_lookup("1h");
	struct mdx_ind_spec *sp;
	struct mdx_ind a, b;
	struct mdx_ta_bar bar;
	struct mdx_buf st = MDX_BUF_INIT;
	double oa[MDX_IND_MAXOUT], ob[MDX_IND_MAXOUT], p = 100;
	char err[200], name[200];
	int n, i, k, j, ha, hb, same, loaded, bad;

	n = mdx_ind_parse(list, &sp, err, sizeof(err));
	is_int(n, 14, "save/load: specs parsed");
	for (i = 0; i < n; i++) {
		mdx_ind_init(&a, &sp[i], iv);
		mdx_ind_init(&b, &sp[i], iv);
		same = 1;
		loaded = 0;
		for (k = 0; k < 200; k++) {
			p *= 1 + (rnd() - 0.5) * 0.02;
			bar.t = INT64_C(1704067200000) + k * MDX_MS_HOUR;
			bar.open = p;
			bar.close = p * (1 + (rnd() - 0.5) * 0.01);
			bar.high = fmax(bar.open, bar.close) * 1.003;
			bar.low = fmin(bar.open, bar.close) * 0.997;
			bar.volume = rnd() * 10;
			if (k == 97) {
				mdx_buf_reset(&st);
				mdx_ind_save(&a, &st);
				loaded = mdx_ind_load(&b, st.data) == 0;
			}
			ha = mdx_ind_update(&a, &bar, oa);
			if (k < 97)
				continue;
			hb = mdx_ind_update(&b, &bar, ob);
			if (ha != hb)
				same = 0;
			for (j = 0; ha && hb && j < sp[i].nout; j++)
				if (memcmp(&oa[j], &ob[j], sizeof(double)) != 0)
					same = 0;
		}
		snprintf(name, sizeof(name), "%s:%s: resumed from its saved "
		    "state, bit for bit", sp[i].name, sp[i].params);
		ok(loaded && same, name);
		/* A state is refused by another spec and when damaged. */
		if (i > 0) {
			mdx_ind_reset(&b);
			mdx_buf_reset(&st);
			mdx_ind_save(&a, &st);
			bad = 0;
			st.data[st.len / 2 + 3] = 'z';
			if (mdx_ind_load(&b, st.data) != -1)
				bad++;
			st.data[st.len - 1] = '\0';
			if (mdx_ind_load(&b, "mdx-ta/1 rsi 14| 1 2 3") != -1 &&
			    sp[i].kind != MDX_IND_RSI)
				bad++;
			snprintf(name, sizeof(name), "%s: damaged or foreign "
			    "state refused", sp[i].name);
			is_int(bad, 0, name);
		}
		mdx_ind_free(&a);
		mdx_ind_free(&b);
	}
	mdx_buf_free(&st);
	free(sp);
}

/*
 * The array forms equal the per-value updates, also when the input comes
 * in pieces (the state carries over between calls).
 */
#define NRUN 400
static double rh[NRUN], rl[NRUN], rc[NRUN], rv[NRUN];

static int
cmp_runs(double (*u)[3], int nu, double *const *o, size_t no, int nout)
{
	int i, j;

	if ((size_t)nu != no)
		return 0;
	for (i = 0; i < nu; i++)
		for (j = 0; j < nout; j++)
			if (memcmp(&u[i][j], &o[j][i], sizeof(double)) != 0)
				return 0;
	return 1;
}

#define RUNTEST(NAME, T, INIT, UPD, RUN, FREE, NOUT) do {		\
	static const size_t cuts[] = { 0, 1, 5, 29, 30, 31, 150, NRUN }; \
	static double u[NRUN][3], a0[NRUN], a1[NRUN], a2[NRUN];		\
	double *o[3] = { a0, a1, a2 }, *op[3];				\
	struct mdx_ta_bar b;						\
	T s;								\
	int i, nu = 0, good = 1;					\
	(void)b;							\
	size_t c, no, p0;						\
	INIT;								\
	for (i = 0; i < NRUN; i++) {					\
		b.t = i; b.open = rc[i]; b.high = rh[i]; b.low = rl[i];	\
		b.close = rc[i]; b.volume = rv[i];			\
		if (UPD) nu++;						\
	}								\
	FREE;								\
	for (c = 0; c + 1 < sizeof(cuts) / sizeof(cuts[0]); c++) {	\
		INIT;							\
		p0 = cuts[c];						\
		no = 0;							\
		op[0] = a0; op[1] = a1; op[2] = a2;			\
		{ size_t from = 0, to = p0;				\
		  size_t got;						\
		  got = RUN; no += got;					\
		  op[0] += got; op[1] += got; op[2] += got;		\
		  from = p0; to = NRUN;					\
		  got = RUN; no += got; }				\
		FREE;							\
		if (!cmp_runs(u, nu, o, no, NOUT))			\
			good = 0;					\
	}								\
	ok(good, NAME ": array form equals the updates, in pieces too"); \
} while (0)

/* RUNTEST for the kernel mdx_ta_K of closes, or of bars (RUNBAR), set up
 * by mdx_ta_K_init ARGS and put away by FREE. */
#define RUNCLOSE(NAME, K, ARGS, FREE, NOUT)				\
	RUNTEST(NAME, struct mdx_ta_##K, mdx_ta_##K##_init ARGS,	\
	    mdx_ta_##K##_update(&s, rc[i], u[nu]),			\
	    mdx_ta_##K##_run(&s, rc + from, to - from, op), FREE, NOUT)
#define RUNBAR(NAME, K, ARGS, FREE, NOUT)				\
	RUNTEST(NAME, struct mdx_ta_##K, mdx_ta_##K##_init ARGS,	\
	    mdx_ta_##K##_update(&s, &b, u[nu]),				\
	    mdx_ta_##K##_run(&s, rh + from, rl + from, rc + from,	\
	    rv + from, to - from, op), FREE, NOUT)

static void
test_runs(void)
{
	double p = 50;
	int i;

	for (i = 0; i < NRUN; i++) {
		p *= 1 + (rnd() - 0.5) * 0.03;
		rc[i] = p;
		rh[i] = p * (1 + rnd() * 0.01);
		rl[i] = p * (1 - rnd() * 0.01);
		rv[i] = floor(rnd() * 100);
	}
	RUNCLOSE("sma:30", sma, (&s, 30), mdx_ta_sma_free(&s), 1);
	RUNCLOSE("ema:10", ema, (&s, 10), (void)0, 1);
	RUNCLOSE("wma:7", wma, (&s, 7), mdx_ta_wma_free(&s), 1);
	RUNCLOSE("rsi:14", rsi, (&s, 14), (void)0, 1);
	RUNCLOSE("macd", macd, (&s, 12, 26, 9), (void)0, 3);
	RUNCLOSE("bbands:20:2", bbands, (&s, 20, 2, 2), mdx_ta_bbands_free(&s),
	    3);
	RUNCLOSE("roc:10", roc, (&s, 10), mdx_ta_roc_free(&s), 1);
	RUNBAR("atr:14", atr, (&s, 14), (void)0, 1);
	RUNBAR("stoch", stoch, (&s, 5, 3, 3), mdx_ta_stoch_free(&s), 2);
	RUNBAR("obv", obv, (&s), (void)0, 1);

	/* Prices on a coarse grid, with flat stretches and zeros: ties for
	 * the stochastic's extremes, zero differences for RSI, zero
	 * divisors for ROC (the array forms take other paths there). */
	for (i = 0; i < NRUN; i++) {
		rc[i] = (i / 40) % 3 == 1 ? 7 : floor(rnd() * 4);
		if (i % 17 == 0)
			rc[i] = i % 2 ? -0.0 : 0.0;
		rh[i] = rc[i] + floor(rnd() * 2);
		rl[i] = rc[i] - floor(rnd() * 2);
		rv[i] = floor(rnd() * 3);
	}
	RUNCLOSE("rsi:3, flat and ties", rsi, (&s, 3), (void)0, 1);
	RUNCLOSE("roc:2, zero divisors", roc, (&s, 2), mdx_ta_roc_free(&s), 1);
	RUNCLOSE("roc:1, zero divisors", roc, (&s, 1), mdx_ta_roc_free(&s), 1);
	RUNBAR("stoch:5:3:3, ties", stoch, (&s, 5, 3, 3),
	    mdx_ta_stoch_free(&s), 2);
	RUNBAR("stoch:1:1:1, ties", stoch, (&s, 1, 1, 1),
	    mdx_ta_stoch_free(&s), 2);
	RUNBAR("stoch:14:1:4, ties", stoch, (&s, 14, 1, 4),
	    mdx_ta_stoch_free(&s), 2);
	/* The array form leaves the extremes where the updates leave them
	 * (their positions decide when the window is scanned again), after
	 * any number of bars. */
	{
		struct mdx_ta_stoch a, c;
		struct mdx_ta_bar bar;
		double *o[2], o0[NRUN], o1[NRUN], v[2];
		int same = 1;

		o[0] = o0;
		o[1] = o1;
		mdx_ta_stoch_init(&c, 5, 3, 3);
		for (i = 0; i < NRUN; i++) {
			bar.t = i;
			bar.open = bar.close = rc[i];
			bar.high = rh[i];
			bar.low = rl[i];
			bar.volume = rv[i];
			mdx_ta_stoch_update(&c, &bar, v);
			mdx_ta_stoch_init(&a, 5, 3, 3);
			mdx_ta_stoch_run(&a, rh, rl, rc, rv, (size_t)i + 1, o);
			if (a.count != c.count || a.hhi != c.hhi ||
			    a.lli != c.lli || a.hh != c.hh || a.ll != c.ll)
				same = 0;
			mdx_ta_stoch_free(&a);
		}
		ok(same, "stoch: the array form's extremes are the updates'");
		mdx_ta_stoch_free(&c);
	}
}

/* mdx_fmt_doubles() prints what mdx_fmt_double() prints, value for value,
 * in batches of every size, whatever the mix of special values. */
static void
test_fmt_batch(void)
{
	static double v[1000];
	static char txt[1000 * MDX_DBL_BUFSZ];
	static int len[1000];
	char one[MDX_DBL_BUFSZ];
	uint64_t bits;
	int i, k, n, l, same = 1;

	for (i = 0; i < 1000; i++) {
		switch (i % 9) {
		case 0:
			bits = ((uint64_t)(rnd() * 4294967296.0) << 32) ^
			    (uint64_t)(rnd() * 4294967296.0);
			memcpy(&v[i], &bits, sizeof(bits));
			break;
		case 1:
			v[i] = pow(10, floor(rnd() * 600) - 300);
			break;
		case 2:
			v[i] = nextafter(pow(10, floor(rnd() * 40) - 20), 0);
			break;
		case 3:
			v[i] = floor(rnd() * 1e8) / 100;
			break;
		case 4:
			v[i] = -rnd() * 1e-3;
			break;
		case 5:
			v[i] = i % 2 ? 0.0 : -0.0;
			break;
		case 6:
			v[i] = i % 4 == 0 ? NAN : i % 4 == 1 ? INFINITY :
			    i % 4 == 2 ? 5e-324 : 1e-300;
			break;
		case 7:
			v[i] = (rnd() - 0.5) * 1e22;
			break;
		default:
			v[i] = 50 + rnd();
			break;
		}
	}
	for (n = 1; n <= 40; n++) {
		for (k = 0; k + n <= 1000; k += n) {
			mdx_fmt_doubles(v + k, n, txt, len);
			for (i = 0; i < n; i++) {
				l = mdx_fmt_double(v[k + i], one);
				if (l != len[i] || strcmp(one, txt + (size_t)i *
				    MDX_DBL_BUFSZ) != 0)
					same = 0;
			}
		}
	}
	ok(same, "fmt: in batches as one by one");
}

static void
test_fmt(void)
{
	static const double fixed[] = { 1, -2.5, 0.1, 1e21, 1e-5, 1.5e-7,
	    123456789012345678.0, 42283.58, 1e17, 99999999999999999.0,
	    9.999999999999999e22, 5e-324 * 1e10, 1e300, 2.2250738585072014e-300,
	    0.3, 100, 12.5, 1e16, 123.456 };
	char a[MDX_DBL_BUFSZ], b[64], *end;
	double v;
	int i, k, n = 0, same = 0, trip = 0;

	for (i = 0; i < (int)(sizeof(fixed) / sizeof(fixed[0])); i++) {
		mdx_fmt_double(fixed[i], a);
		snprintf(b, sizeof(b), "%.17g", fixed[i]);
		is_str(a, b, "fmt: as %.17g");
	}
	mdx_fmt_double(0.0, a);
	is_str(a, "0", "fmt: zero");
	mdx_fmt_double(-0.0, a);
	is_str(a, "0", "fmt: negative zero prints as 0");
	mdx_fmt_double(NAN, a);
	is_str(a, "null", "fmt: NaN prints as null");
	mdx_fmt_double(-INFINITY, a);
	is_str(a, "null", "fmt: infinity prints as null");
	for (k = 0; k < 300000; k++) {
		v = (rnd() - 0.5) * pow(10, floor(rnd() * 80) - 40);
		if (k % 3 == 0)	/* decimal-looking values */
			v = floor(v * 1e6) / 1e6;
		if (v == 0)
			continue;
		mdx_fmt_double(v, a);
		snprintf(b, sizeof(b), "%.17g", v);
		n++;
		if (strcmp(a, b) == 0)
			same++;
		if (strtod(a, &end) == v && *end == '\0')
			trip++;
	}
	is_int(trip, n, "fmt: every value reads back exactly");
	/* Near a tie the 17th digit may differ from printf's by one; both
	 * read back as v, which is what matters. */
	ok(same >= n - n / 100, "fmt: the very digits of %.17g but near ties");
	printf("# %d of %d as %%.17g\n", same, n);
	test_fmt_batch();
}

int
main(void)
{
	test_kernels();
	test_deque();
	test_specs();
	test_save_load();
	test_runs();
	test_fmt();
	return done_testing();
}
