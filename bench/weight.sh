#!/bin/sh
# weight.sh - request weight on Binance USD-M (issue 15): its klines of
# every price weigh 1, 2, 5 or 10 by limit ([1,100), [100,500), [500,1000],
# above), so pages of 499 candles (weight 2) give 25% more candles per unit
# of weight than pages of 1000 (weight 5).  Side by side in one run,
# against the mock exchange (which charges those weights) at Binance's
# USD-M budget of 2400 a minute with BENCH_LATENCY (50) ms of latency:
#
#  1. before and after: BENCH_DAYS (30) days of 1m candles of one symbol,
#     fetched in the windows of 1000 candles mdx-extract used before (the
#     same requests, replayed with curl) and by mdx-extract now (pages of
#     499); trade klines and mark-price klines.  Candles, requests, weight
#     as the mock counted it, candles per unit of weight, and the ratio.
#  2. the budget: mdx-extract backfilling BENCH_SYMBOLS (8) symbols for
#     BENCH_MINUTES (2) minutes; the weight of each minute, the busiest
#     whole minute's share of 2400, the 429s and 418s, and the candles per
#     minute that share buys.
set -u
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
PATH="$MDX_BUILD:$PATH"
LAT=${BENCH_LATENCY:-50}
DAYS=${BENCH_DAYS:-30}
NSYM=${BENCH_SYMBOLS:-8}
MIN=${BENCH_MINUTES:-2}
export MDX_SRC

_tap_failed=0
. "$MDX_SRC/tests/lib.sh" >/dev/null
MDX_NOW=2024-03-01T00:00:00Z
MDX_STATE=$T/state
export MDX_NOW MDX_STATE
NOW_MS=1709251200000
SINCE_MS=$((NOW_MS - DAYS * 86400000))

# before PATH: the windows of 1000 candles mdx-extract asked for before,
# one request each; prints "candles requests".
before() {
	_t=$SINCE_MS _n=0 _r=0
	while [ "$_t" -lt "$NOW_MS" ]; do
		_e=$((_t + 1000 * 60000))
		[ "$_e" -gt "$NOW_MS" ] && _e=$NOW_MS
		_c=$(curl -s "$MOCK_URL$1?symbol=BTCUSDT&interval=1m&startTime=$_t&endTime=$((_e - 1))&limit=1000" |
		    jq length)
		_n=$((_n + _c))
		_r=$((_r + 1))
		_t=$_e
	done
	echo "$_n $_r"
}

# row LABEL CANDLES REQUESTS WEIGHT: one line of the table.
row() {
	awk -v l="$1" -v c="$2" -v r="$3" -v w="$4" 'BEGIN {
	    printf "   %-32s %8d candles %5d requests %6d weight %7.1f candles/weight\n",
	    l, c, r, w, (w > 0 ? c / w : 0) }'
}

mock_start --now "$MDX_NOW" --latency "$LAT" --fapi-weight-limit 2400
weight() { mock_stats | jq .weight.fapi.total; }
echo "-- binance usdm, $DAYS days of 1m candles of BTCUSDT"
for k in klines:/fapi/v1/klines mark_klines:/fapi/v1/markPriceKlines; do
	kind=${k%%:*} path=${k#*:}
	mock_reset
	set -- $(before "$path")
	bc=$1 br=$2 bw=$(weight)
	mock_reset
	mdx-extract -q -x binance -m usdm -k "$kind" -s BTCUSDT -i 1m \
	    --since "$SINCE_MS" --until "$NOW_MS" >"$T/out" 2>"$T/err"
	ac=$(wc -l <"$T/out" | tr -d ' ')
	ar=$(mock_stats | jq ".by_endpoint[\"$path\"]")
	aw=$(weight)
	row "$kind before (limit 1000)" "$bc" "$br" "$bw"
	row "$kind mdx (limit 499)" "$ac" "$ar" "$aw"
	awk -v bc="$bc" -v bw="$bw" -v ac="$ac" -v aw="$aw" 'BEGIN {
	    printf "   %-32s %.3f x the candles per unit of weight\n",
	    "ratio mdx/before", (ac / aw) / (bc / bw) }'
done
kill "$_mpid" 2>/dev/null
wait "$_mpid" 2>/dev/null

# The budget: a backfill of NSYM symbols that the budget, not the mock,
# bounds.
mock_start --now "$MDX_NOW" --latency "$LAT" --fapi-weight-limit 2400
syms=$(echo BTCUSDT ETHUSDT BNBUSDT SOLUSDT XRPUSDT ADAUSDT DOGEUSDT \
    AVAXUSDT DOTUSDT LINKUSDT LTCUSDT TRXUSDT | tr ' ' '\n' | head -"$NSYM" |
    paste -sd, -)
mdx-extract -q -x binance -m usdm -s "$syms" -i 1m --since 2022-03-01 \
    --until 2024-03-01 >/dev/null 2>"$T/budget.err" &
p=$!
sleep $((MIN * 60))
mock_stats >"$T/stats"
kill "$p" 2>/dev/null
wait "$p" 2>/dev/null
# The first and last windows are partial: the busiest whole minute is
# among the others.
jq -r --arg syms "$syms" '
    .weight.fapi as $w |
    ($w.windows | map(.used)) as $u |
    ($u[1:-1] | max // 0) as $peak |
    "-- binance usdm budget, backfilling \($syms | split(",") | length) symbols: weight per minute \($u | map(tostring) | join(" "))",
    "   busiest whole minute \($peak) = \($peak * 1000 / 2400 | floor / 10)% of 2400; 429s \(.sent_429), 418s \(.sent_418)",
    "   that minute buys \($peak / 2 * 499 | floor) candles at 499 a page (\($peak / 5 * 1000 | floor) at 1000)"
' "$T/stats"
[ -s "$T/budget.err" ] && echo "   mdx-extract: $(sort "$T/budget.err" |
    uniq -c | sort -rn | head -2 | cut -c1-200)"
kill "$_mpid" 2>/dev/null
wait "$_mpid" 2>/dev/null
