#!/bin/sh
# indicators.sh - mdx-indicators against TA-Lib, side by side in one run.
#
# 1. The kernels: each of TA-Lib's C functions (built here from the C
#    sources inside the talib npm package, with the same -O2 as mdx) and
#    the mdx kernel's array form over the same BENCH_N values (1,000,000),
#    interleaved, best of BENCH_REP runs (CPU time); ns per value and the
#    ratio mdx / TA-Lib (below 1 is faster).  Their outputs are compared.
# 2. The program end to end on BENCH_CANDLES candles of NDJSON (1,000,000)
#    with 5 indicators, against node with the talib package doing the same
#    (parse the NDJSON, compute, write the indicator records): candles/s by
#    CPU time (user + system) and by wall clock, best of 3, the ratio, and
#    the target of 1,000,000 candles/s.
set -eu
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
N=${BENCH_N:-1000000}
NC=${BENCH_CANDLES:-1000000}
REP=${BENCH_REP:-7}
CC=${CC:-cc}
TA=$MDX_SRC/tests/node/node_modules/talib/src/lib
[ -d "$TA/src/ta_func" ] || {
	echo "indicators: TA-Lib's sources not found under $TA (make deps)" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mdx-bench-ind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# TA-Lib: the functions compared and what they call, nothing else.
for f in ta_common/ta_global ta_common/ta_retcode ta_common/ta_version \
    ta_func/ta_utility ta_func/ta_SMA ta_func/ta_EMA ta_func/ta_WMA \
    ta_func/ta_RSI ta_func/ta_MACD ta_func/ta_BBANDS ta_func/ta_ATR \
    ta_func/ta_STOCH ta_func/ta_OBV ta_func/ta_ROC ta_func/ta_MA \
    ta_func/ta_STDDEV ta_func/ta_VAR ta_func/ta_TRANGE ta_func/ta_DEMA \
    ta_func/ta_TEMA ta_func/ta_TRIMA ta_func/ta_KAMA ta_func/ta_MAMA \
    ta_func/ta_T3; do
	$CC -O2 -w -I"$TA/include" -I"$TA/src/ta_common" -I"$TA/src/ta_func" \
	    -c "$TA/src/$f.c" -o "$tmp/${f##*/}.o"
done
ar rcs "$tmp/libta.a" "$tmp"/ta_*.o

cat >"$tmp/kb.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "ta_libc.h"
#include "mdx.h"
#include "ta.h"

static double
now(void)
{
	struct timespec t;

	/* CPU time: on a shared machine the time spent waiting for a CPU
	 * says nothing about the code. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int N, REP;
static double *h, *l, *c, *v, *o1, *o2, *o3, *m1, *m2, *m3;
static double *outs[3];
static double worst;

static void
report(const char *name, double ta, double md, int n, size_t k)
{
	int i, diff = n != (int)k;

	for (i = 0; i < n && !diff; i++)
		if (o1[i] != m1[i])
			diff = 1;
	printf("%-12s %10.2f %10.2f %8.2f  %s\n", name, ta * 1e9 / N,
	    md * 1e9 / N, md / ta, diff ? "OUTPUT DIFFERS" : "same output");
	if (md / ta > worst)
		worst = md / ta;
}

/* TA-Lib and mdx in turns, the best time of each. */
#define PAIR(NAME, TACALL, T, INIT, RUN, FREE) do {			\
	double ta = 1e9, md = 1e9, t0, d;				\
	size_t k = 0;							\
	int r, b, n = 0;						\
	for (r = 0; r < REP; r++) {					\
		t0 = now();						\
		TACALL;							\
		if ((d = now() - t0) < ta) ta = d;			\
		t0 = now();						\
		{ T s; INIT; k = RUN; FREE; }				\
		if ((d = now() - t0) < md) md = d;			\
	}								\
	(void)b;							\
	report(NAME, ta, md, n, k);					\
} while (0)

int
main(int argc, char **argv)
{
	double p = 42000;
	int i;

	N = atoi(argv[1]);
	REP = atoi(argv[2]);
	h = malloc(N * sizeof(double)); l = malloc(N * sizeof(double));
	c = malloc(N * sizeof(double)); v = malloc(N * sizeof(double));
	o1 = malloc(N * sizeof(double)); o2 = malloc(N * sizeof(double));
	o3 = malloc(N * sizeof(double)); m1 = malloc(N * sizeof(double));
	m2 = malloc(N * sizeof(double)); m3 = malloc(N * sizeof(double));
	outs[0] = m1; outs[1] = m2; outs[2] = m3;
	srand(1);
	for (i = 0; i < N; i++) {
		p *= 1 + (rand() / (double)RAND_MAX - 0.5) * 0.004;
		c[i] = p;
		h[i] = p * (1 + rand() / (double)RAND_MAX * 0.002);
		l[i] = p * (1 - rand() / (double)RAND_MAX * 0.002);
		v[i] = rand() % 1000;
	}
	TA_Initialize();
	printf("%-12s %10s %10s %8s\n", "kernel", "TA-Lib ns", "mdx ns",
	    "mdx/TA");
	PAIR("sma:30", TA_SMA(0, N - 1, c, 30, &b, &n, o1),
	    struct mdx_ta_sma, mdx_ta_sma_init(&s, 30),
	    mdx_ta_sma_run(&s, c, N, outs), mdx_ta_sma_free(&s));
	PAIR("ema:30", TA_EMA(0, N - 1, c, 30, &b, &n, o1),
	    struct mdx_ta_ema, mdx_ta_ema_init(&s, 30),
	    mdx_ta_ema_run(&s, c, N, outs), (void)0);
	PAIR("wma:30", TA_WMA(0, N - 1, c, 30, &b, &n, o1),
	    struct mdx_ta_wma, mdx_ta_wma_init(&s, 30),
	    mdx_ta_wma_run(&s, c, N, outs), mdx_ta_wma_free(&s));
	PAIR("rsi:14", TA_RSI(0, N - 1, c, 14, &b, &n, o1),
	    struct mdx_ta_rsi, mdx_ta_rsi_init(&s, 14),
	    mdx_ta_rsi_run(&s, c, N, outs), (void)0);
	PAIR("macd:12:26:9", TA_MACD(0, N - 1, c, 12, 26, 9, &b, &n, o1, o2,
	    o3), struct mdx_ta_macd, mdx_ta_macd_init(&s, 12, 26, 9),
	    mdx_ta_macd_run(&s, c, N, outs), (void)0);
	PAIR("bbands:20:2", TA_BBANDS(0, N - 1, c, 20, 2, 2, TA_MAType_SMA,
	    &b, &n, o1, o2, o3), struct mdx_ta_bbands,
	    mdx_ta_bbands_init(&s, 20, 2, 2), mdx_ta_bbands_run(&s, c, N, outs),
	    mdx_ta_bbands_free(&s));
	PAIR("atr:14", TA_ATR(0, N - 1, h, l, c, 14, &b, &n, o1),
	    struct mdx_ta_atr, mdx_ta_atr_init(&s, 14),
	    mdx_ta_atr_run(&s, h, l, c, NULL, N, outs), (void)0);
	PAIR("stoch:5:3:3", TA_STOCH(0, N - 1, h, l, c, 5, 3, TA_MAType_SMA,
	    3, TA_MAType_SMA, &b, &n, o1, o2), struct mdx_ta_stoch,
	    mdx_ta_stoch_init(&s, 5, 3, 3),
	    mdx_ta_stoch_run(&s, h, l, c, NULL, N, outs),
	    mdx_ta_stoch_free(&s));
	PAIR("obv", TA_OBV(0, N - 1, c, v, &b, &n, o1), struct mdx_ta_obv,
	    mdx_ta_obv_init(&s), mdx_ta_obv_run(&s, h, l, c, v, N, outs),
	    (void)0);
	PAIR("roc:10", TA_ROC(0, N - 1, c, 10, &b, &n, o1),
	    struct mdx_ta_roc, mdx_ta_roc_init(&s, 10),
	    mdx_ta_roc_run(&s, c, N, outs), mdx_ta_roc_free(&s));
	printf("worst ratio mdx/TA-Lib: %.2f\n", worst);
	return 0;
}
EOF
$CC -O2 -I"$TA/include" -iquote "$MDX_SRC/lib" \
    -iquote "$MDX_SRC/tools/indicators" "$tmp/kb.c" \
    "$MDX_BUILD/tools/indicators/engine.a" "$MDX_BUILD/libmdx.a" \
    "$tmp/libta.a" -lcurl -ljansson -lpq -larchive -ls3 -lcrypto -lm \
    -o "$tmp/kb"

echo "kernels over $N values (best of $REP, in turns):"
"$tmp/kb" "$N" "$REP"

# ------------------------------------------------------------------------
SPECS=rsi:14,macd:12:26:9,bbands:20:2,ema:50,atr:14
node "$MDX_SRC/tests/indicators-oracle.js" gen real "$NC" 1 >"$tmp/c.ndjson"

cat >"$tmp/peer.js" <<'EOF'
// The peer: the same five indicators with node and the talib package.
const fs = require('fs');
const talib = require(process.argv[2]);
const lines = fs.readFileSync(process.argv[3], 'utf8').split('\n');
const t = [], h = [], l = [], c = [];
let head = null;
for (const line of lines) {
	if (!line) continue;
	const k = JSON.parse(line);
	head = head || `{"kind":"indicator","exchange":"${k.exchange}","market":"${k.market}","symbol":"${k.symbol}","interval":"${k.interval}","open_time":"`;
	t.push(k.open_time); h.push(parseFloat(k.high));
	l.push(parseFloat(k.low)); c.push(parseFloat(k.close));
}
const n = c.length, e = n - 1;
const run = (name, params, args, outs) => {
	const r = talib.execute(Object.assign({ name, startIdx: 0, endIdx: e }, args));
	return { params, r, outs };
};
const all = {
	rsi: run('RSI', '14', { inReal: c, optInTimePeriod: 14 }, { outReal: 'rsi' }),
	macd: run('MACD', '12:26:9', { inReal: c, optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 },
	    { outMACD: 'macd', outMACDSignal: 'signal', outMACDHist: 'hist' }),
	bbands: run('BBANDS', '20:2:2', { inReal: c, optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 },
	    { outRealUpperBand: 'upper', outRealMiddleBand: 'middle', outRealLowerBand: 'lower' }),
	ema: run('EMA', '50', { inReal: c, optInTimePeriod: 50 }, { outReal: 'ema' }),
	atr: run('ATR', '14', { high: h, low: l, close: c, optInTimePeriod: 14 }, { outReal: 'atr' })
};
const out = fs.openSync('/dev/null', 'w');
let buf = [];
for (let i = 0; i < n; i++) {
	for (const name in all) {
		const { params, r, outs } = all[name];
		const k = i - r.begIndex;
		if (k < 0) continue;
		const v = [];
		for (const o in outs) v.push(`"${outs[o]}":${r.result[o][k]}`);
		buf.push(`${head}${t[i]}","name":"${name}","params":"${params}","values":{${v.join(',')}}}\n`);
	}
	if (buf.length > 10000) { fs.writeSync(out, buf.join('')); buf = []; }
}
fs.writeSync(out, buf.join(''));
EOF

secs() {	# secs CMD...: "cpu wall" seconds, each the best of 3 runs
	best="1e9 1e9"
	for _ in 1 2 3; do
		/usr/bin/time -f '%U %S %e' -o "$tmp/time" "$@" >/dev/null
		best=$(awk -v b="$best" '{ split(b, x, " "); c = $1 + $2;
		    printf "%s %s\n", (c < x[1] ? c : x[1]), ($3 < x[2] ? $3 : x[2]) }' \
		    "$tmp/time")
	done
	echo "$best"
}
mdx=$(secs "$MDX_BUILD/mdx-indicators" "$SPECS" "$tmp/c.ndjson")
mdxm=$(secs "$MDX_BUILD/mdx-indicators" --merge "$SPECS" "$tmp/c.ndjson")
peer=$(secs node "$tmp/peer.js" "$MDX_SRC/tests/node/node_modules/talib" \
    "$tmp/c.ndjson")
echo
echo "end to end, $NC candles of NDJSON, $SPECS (best of 3):"
awk -v n="$NC" -v m="$mdx" -v mm="$mdxm" -v p="$peer" 'BEGIN {
	split(m, a, " "); split(mm, b, " "); split(p, c, " ")
	printf "%-26s %8s %14s %8s %14s\n", "", "cpu s", "candles/s", "wall s", "candles/s"
	printf "%-26s %8.2f %14.0f %8.2f %14.0f\n", "mdx-indicators (records)", a[1], n / a[1], a[2], n / a[2]
	printf "%-26s %8.2f %14.0f %8.2f %14.0f\n", "mdx-indicators --merge", b[1], n / b[1], b[2], n / b[2]
	printf "%-26s %8.2f %14.0f %8.2f %14.0f\n", "node + talib (records)", c[1], n / c[1], c[2], n / c[2]
	printf "ratio mdx / node+talib (cpu): %.1f; target 1000000 candles/s (cpu): %s\n",
	    c[1] / a[1], (n / a[1] >= 1000000 ? "met" : "not met")
}'
