#!/bin/sh
# trades-candles.sh - candles from trades: mdx-aggregate --from-trades
# --to 1m against DuckDB (the peer: read_ndjson, GROUP BY time_bucket,
# exact DECIMAL sums, one thread, as mdx uses one core), side by side in
# one run on the same canonical trade NDJSON (tests/trades-gen.js: Binance
# aggregates, about 306 bytes a line).
#
# For each size in BENCH_TRADES (default "1000000 10000000 100000000") it
# prints mdx's trades per CPU second (user + system: the machine is
# shared, so wall time says more about the neighbours; the median of
# BENCH_RUNS, default 3, runs from a file) and its peak RSS, to show that
# memory stays flat.  Sizes up to 10M are read from a file;
# a larger one is streamed through a pipe, the 10M file again and again
# under other symbol names, so that it needs no file of its size (the
# producer's CPU is not counted in mdx's).  The peer runs at the sizes up
# to BENCH_PEER_MAX (default 1000000; DuckDB takes about 25 CPU seconds a
# million trades here), and the ratio is printed; the two outputs are
# compared value by value.
set -u
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
PATH="$MDX_BUILD:$PATH"
SIZES=${BENCH_TRADES:-"1000000 10000000 100000000"}
PEER_MAX=${BENCH_PEER_MAX:-1000000}
RUNS=${BENCH_RUNS:-3}
BASE=10000000

_tap_failed=0
. "$MDX_SRC/tests/lib.sh" >/dev/null
rate() { awk "BEGIN { printf \"%.0f\", $1 / $2 }"; }
cpu() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }
rss() { awk '{ printf "%.1f", $3 / 1024 }' "$1"; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
gen=$max
[ "$gen" -gt "$BASE" ] && gen=$BASE
node "$MDX_SRC/tests/trades-gen.js" --count "$gen" --gap-ms 20 >"$T/base.nd"
echo "input: $gen generated trades, $(wc -c <"$T/base.nd" | tr -d ' ') bytes"

# Both outputs as "symbol,open_time,values..." with decimals normalised
# (no trailing fractional zeros), for the comparison.
norm() {
	awk -F, -v OFS=, '{
		for (i = 5; i <= NF; i++)
			if ($i ~ /\./) { sub(/0+$/, "", $i); sub(/\.$/, "", $i) }
		print
	}'
}

status=0
for n in $SIZES; do
	echo "-- $n trades -> 1m candles"
	if [ "$n" -le "$gen" ]; then
		if [ "$n" -eq "$gen" ]; then in=$T/base.nd; else
			head -n "$n" "$T/base.nd" >"$T/in.nd"; in=$T/in.nd
		fi
		cat "$in" >/dev/null
		r=0
		: >"$T/t.runs"
		while [ $r -lt "$RUNS" ]; do
			/usr/bin/time -f '%U %S %M' -o "$T/t.run" \
			    mdx-aggregate -q --from-trades --to 1m "$in" \
			    >"$T/mdx.out"
			tail -1 "$T/t.run" | awk '{ print $1 + $2, $0 }' \
			    >>"$T/t.runs"
			r=$((r + 1))
		done
		# The run of median CPU time.
		sort -n "$T/t.runs" | awk '{ a[NR] = $0 }
		    END { $0 = a[int((NR + 1) / 2)]; print $2, $3, $4 }' \
		    >"$T/t.mdx"
	else
		# Whole copies (n rounded up to a multiple of the file), sed
		# writing in 1 MiB blocks: with stdio's 4 KiB, mdx would pay a
		# read(2) and a wakeup for every 4 KiB of the pipe.
		copies=$(( (n + gen - 1) / gen ))
		n=$((copies * gen))
		i=0
		while [ $i -lt $copies ]; do
			stdbuf -o 1M sed "s/\"BTCUSDT\"/\"S${i}USDT\"/" "$T/base.nd"
			i=$((i + 1))
		done | /usr/bin/time -f '%U %S %M' -o "$T/t.mdx" \
		    mdx-aggregate -q --from-trades --to 1m >"$T/mdx.out"
		in=
	fi
	c=$(cpu "$T/t.mdx")
	printf 'mdx-aggregate --from-trades  %10s trades per CPU second  (%s s CPU, RSS %s MiB, %s candles)\n' \
	    "$(rate "$n" "$c")" "$c" "$(rss "$T/t.mdx")" "$(wc -l <"$T/mdx.out" | tr -d ' ')"
	if [ -n "$in" ] && [ "$n" -le "$PEER_MAX" ]; then
		/usr/bin/time -f '%U %S %M' -o "$T/t.duck" node \
		    "$MDX_SRC/bench/trades-duckdb.js" 60 "$in" "$T/duck.csv"
		cd=$(cpu "$T/t.duck")
		printf 'DuckDB, 1 thread (peer)      %10s trades per CPU second  (%s s CPU, RSS %s MiB, %s candles)\n' \
		    "$(rate "$n" "$cd")" "$cd" "$(rss "$T/t.duck")" "$(wc -l <"$T/duck.csv" | tr -d ' ')"
		printf 'ratio mdx/DuckDB: %.1f\n' "$(awk "BEGIN { print $cd / $c }")"
		jq -r '[.exchange, .market, .symbol, .open_time, .open, .high,
		    .low, .close, .volume, .quote_volume, .trades,
		    .taker_buy_volume, .taker_buy_quote_volume] | join(",")' \
		    "$T/mdx.out" | sed 's/T\([0-9:]*\)Z,/ \1,/' | norm |
		    LC_ALL=C sort >"$T/a"
		norm <"$T/duck.csv" | LC_ALL=C sort >"$T/b"
		if cmp -s "$T/a" "$T/b"; then
			echo "the same candles, value by value"
		else
			echo "the candles differ:"; diff "$T/a" "$T/b" | head -5
			status=1
		fi
	fi
done
exit $status
