#!/bin/sh
# transform.sh - mdx-transform against jq doing the same field mapping, on
# the same raw Binance kline envelopes (BENCH_N, default 1000000).
#
#   mdx-transform: parse, validate (decimals, OHLC, alignment), dedup, write
#   jq -c:         the field mapping alone, no validation
#
# jq is slow, so it runs on the first BENCH_JQ_N lines (default: all of
# them) and its rate is compared.  Targets: >= 1,000,000 records/s and
# >= 15x jq; RSS flat (under 64 MiB) at any input size.
set -eu
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
PATH=$MDX_BUILD:$PATH
N=${BENCH_N:-1000000}
JN=${BENCH_JQ_N:-$N}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mdx-bench-transform.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

. "$MDX_SRC/tests/lake-data.sh"
gen_raw_random "$N" 1704067200000 40000 5000 2024-12-02T00:00:03.120Z \
    '"time":"2024-01-01T00:00:00Z","source":"rest","request":"GET /api/v3/klines?symbol=BTCUSDT&interval=1m",' \
    >"$tmp/in.ndjson"
head -n "$JN" "$tmp/in.ndjson" >"$tmp/jq.ndjson"

TIMEF=/usr/bin/time
[ -x "$TIMEF" ] || { echo "bench: /usr/bin/time (GNU time) is needed" >&2; exit 1; }

# run NAME RECORDS CMD...: runs CMD with output to /dev/null; sets $secs,
# $cpu (user + system seconds) and $rss (KiB) and prints them with the
# rates: per second of wall time, and per second of CPU time (which the
# other programs on a shared machine do not inflate).
run() {
	_name=$1 _n=$2
	shift 2
	"$TIMEF" -f '%e %M %U %S' -o "$tmp/time" "$@" >/dev/null \
	    2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
	set -- $(tail -1 "$tmp/time")
	secs=$1 rss=$2
	cpu=$(awk -v u="$3" -v s="$4" 'BEGIN { print u + s }')
	awk -v n="$_name" -v s="$secs" -v r="$_n" -v m="$rss" -v c="$cpu" 'BEGIN {
		if (s <= 0) s = 0.01
		if (c <= 0) c = 0.01
		printf "  %-28s %8d rec %7.2f s %9.0f rec/s %9.0f rec/CPU-s  RSS %5.1f MiB\n",
		    n, r, s, r / s, r / c, m / 1024 }'
}

echo "input: $N raw Binance klines, $(wc -c <"$tmp/in.ndjson") bytes"
run "mdx-transform" "$N" mdx-transform "$tmp/in.ndjson"
ms=$secs mrss=$rss mcpu=$cpu
run "mdx-transform (1/10 input)" "$((N / 10))" sh -c \
    "head -n $((N / 10)) '$tmp/in.ndjson' | mdx-transform"
srss=$rss
run "jq -c (mapping only)" "$JN" jq -c '{kind: "candle", exchange, market,
    symbol, interval, open_time: (.data[0] / 1000 | todate),
    open: .data[1], high: .data[2], low: .data[3], close: .data[4],
    volume: .data[5], quote_volume: .data[7], trades: .data[8],
    taker_buy_volume: .data[9], taker_buy_quote_volume: .data[10], closed,
    origin: "exchange", fetched_at}' "$tmp/jq.ndjson"
js=$secs jcpu=$cpu
awk -v n="$N" -v ms="$ms" -v jn="$JN" -v js="$js" -v r1="$mrss" -v r2="$srss" \
    -v mc="$mcpu" -v jc="$jcpu" 'BEGIN {
	if (ms <= 0) ms = 0.01
	if (js <= 0) js = 0.01
	rate = n / ms
	ratio = rate / (jn / js)
	if (mc <= 0) mc = 0.01
	if (jc <= 0) jc = 0.01
	printf "  ratio: mdx-transform is %.1fx the speed of jq (%.1fx in CPU time)\n",
	    ratio, (n / mc) / (jn / jc)
	printf "  target >= 1000000 records/s: %s (%.0f; %.0f per CPU second)\n",
	    (rate >= 1000000 ? "met" : "MISSED"), rate, n / mc
	printf "  target >= 15x jq: %s (%.1fx)\n", (ratio >= 15 ? "met" : "MISSED"),
	    ratio
	printf "  target RSS < 64 MiB, flat: %s (%.1f MiB at N, %.1f MiB at N/10)\n",
	    (r1 < 65536 ? "met" : "MISSED"), r1 / 1024, r2 / 1024
}'
