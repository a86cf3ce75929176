#!/bin/sh
# budget.sh - the shared rate budget (issue 18): an ingest, two backfills
# and a repair, four mdx-extract processes at once, against the mock
# exchange at Binance's real limit (6000 weight a minute, per IP: every
# process here is 127.0.0.1) with BENCH_LATENCY (50) ms of latency, for
# BENCH_MINUTES (3) minutes.  Prints the weight the mock counted in each
# minute, the busiest whole minute and its share of 6000, and the 429s and
# 418s.
#
#   shared:   the four share $MDX_STATE, so one budget (as installed);
#   separate: each has its own $MDX_STATE, so each spends a budget of its
#             own (what every run did before the budget was shared).
#
# Then the same for OKX, which reports no used weight: two history
# backfills at once for BENCH_OKX_SECONDS (60) against its 20 requests per
# 2 s; the requests per 2 s and the 429s.
#
# BENCH_MODES="shared separate" picks the runs (default both);
# BENCH_MINUTES=0 runs the OKX part only.
set -u
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
PATH="$MDX_BUILD:$PATH"
LAT=${BENCH_LATENCY:-50}
MIN=${BENCH_MINUTES:-3}
MODES=${BENCH_MODES:-"shared separate"}
OKXS=${BENCH_OKX_SECONDS:-60}
export MDX_SRC

_tap_failed=0
. "$MDX_SRC/tests/lib.sh" >/dev/null
MDX_NOW=2024-03-01T00:00:00Z
export MDX_NOW

# The repair's gaps: an hour missing every day of February, on 3 symbols.
for s in BTCUSDT ETHUSDT SOLUSDT; do
	for d in $(seq -w 1 28); do
		printf '{"kind":"gap","exchange":"binance","market":"spot","symbol":"%s","interval":"1m","from":"2024-02-%sT10:00:00Z","to":"2024-02-%sT11:00:00Z","count":60}\n' \
		    "$s" "$d" "$d"
	done
done >"$T/gaps"

# state N: the MDX_STATE of process N in this mode.
state() { if [ "$mode" = shared ]; then echo "$T/$mode/state"; else
	echo "$T/$mode/state$1"; fi; }

for mode in $MODES; do
	mkdir -p "$T/$mode"
	[ "$MIN" -gt 0 ] || continue
	mock_start --now "$MDX_NOW" --latency "$LAT"
	pids=
	# The ingest: the last hour of 10 symbols, 1m and 5m, every 20 s.
	(
		while :; do
			MDX_STATE=$(state 1) mdx-extract -q -s \
			    BTCUSDT,ETHUSDT,BNBUSDT,SOLUSDT,XRPUSDT,ADAUSDT,DOGEUSDT,AVAXUSDT,DOTUSDT,LINKUSDT \
			    -i 1m,5m --since -1h >/dev/null 2>>"$T/$mode/ingest.err"
			sleep 20
		done
	) &
	pids="$pids $!"
	# Two backfills: a year of 1m, 4 symbols each.
	MDX_STATE=$(state 2) mdx-extract -q -s LTCUSDT,TRXUSDT,ATOMUSDT,UNIUSDT \
	    -i 1m --since 2023-03-01 --until 2024-03-01 >/dev/null \
	    2>"$T/$mode/backfill1.err" &
	pids="$pids $!"
	MDX_STATE=$(state 3) mdx-extract -q -s ETCUSDT,XLMUSDT,BCHUSDT,FILUSDT \
	    -i 1m --since 2023-03-01 --until 2024-03-01 >/dev/null \
	    2>"$T/$mode/backfill2.err" &
	pids="$pids $!"
	# The repair: the gaps, again and again.
	(
		while :; do
			MDX_STATE=$(state 4) mdx-extract -q --ranges "$T/gaps" \
			    >/dev/null 2>>"$T/$mode/repair.err"
		done
	) &
	pids="$pids $!"
	sleep $((MIN * 60))
	mock_stats >"$T/$mode/stats"
	# The loops first, then what they had started.
	for p in $pids; do
		kids=$(pgrep -P "$p")
		kill "$p" $kids 2>/dev/null
	done
	wait $pids 2>/dev/null
	kill "$_mpid" 2>/dev/null
	wait "$_mpid" 2>/dev/null
	# The first and last windows are partial: the busiest whole minute is
	# among the others.
	jq -r --arg mode "$mode" '
	    .weight.spot as $w |
	    ($w.windows | map(.used)) as $u |
	    ($u[1:-1] | max // 0) as $peak |
	    "-- \($mode): weight per minute \($u | map(tostring) | join(" "))",
	    "   busiest whole minute \($peak) = \($peak * 1000 / 6000 | floor / 10)% of 6000; 429s \(.sent_429), 418s \(.sent_418); weight in all \($w.total), requests \(.by_exchange.binance // 0)"
	' "$T/$mode/stats"
	for f in "$T/$mode"/*.err; do
		[ -s "$f" ] && echo "   $(basename "$f"): $(sort "$f" | uniq -c | sort -rn | head -2 | cut -c1-200)"
	done
done

for mode in $MODES; do
	mock_start --now "$MDX_NOW" --latency "$LAT"
	pids=
	for n in 1 2; do
		MDX_STATE=$(state $n) mdx-extract -q -x okx -s \
		    "$(echo BTC-USDT ETH-USDT | cut -d' ' -f$n)" -i 1m \
		    --since 2023-03-01 --until 2024-01-01 >/dev/null 2>&1 &
		pids="$pids $!"
	done
	sleep "$OKXS"
	mock_stats >"$T/$mode/okx"
	kill $pids 2>/dev/null
	wait $pids 2>/dev/null
	kill "$_mpid" 2>/dev/null
	wait "$_mpid" 2>/dev/null
	jq -r --arg mode "$mode" --argjson s "$OKXS" '
	    (.by_endpoint["/api/v5/market/history-candles"] // 0) as $n |
	    "-- okx \($mode): \($n) history requests in \($s) s = \($n * 2 / $s * 10 | floor / 10) per 2 s (limit 20); 429s \(.sent_429)"
	' "$T/$mode/okx"
done
