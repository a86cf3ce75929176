#!/bin/sh
# aggregate.sh - mdx-aggregate against its peers, side by side in one run:
#
#  1. stream: BENCH_N (default 10,000,000) 1m candles to 1h, mdx-aggregate
#     against an awk one-pass equivalent (floating-point sums, so it does
#     less than mdx, which sums exactly); candles/s and the ratio.
#  2. warehouse full rollup: BENCH_DAYS (365) days of 1m candles for
#     BENCH_INSTRUMENTS (10) instruments to 1h, mdx-aggregate --db (which
#     also builds the gap table) against the best plain SQL: INSERT ...
#     SELECT ... GROUP BY date_trunc('hour') with first and last through
#     ordered array_agg.
#  3. incremental refresh: one new hour for BENCH_INC_INSTRUMENTS (100)
#     instruments after BENCH_INC_HISTORY ("31 365") days of history, to
#     1h and 1d; the median of BENCH_INC_RUNS (9) refreshes, in ms.  The
#     history is rolled up and vacuumed first, as in a warehouse in use.
#
# Scale down for a quick run: BENCH_N=1000000 BENCH_DAYS=30
# BENCH_INC_HISTORY="7 31" sh bench/aggregate.sh
set -u
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
PATH="$MDX_BUILD:$PATH"
N=${BENCH_N:-10000000}
DAYS=${BENCH_DAYS:-365}
NINST=${BENCH_INSTRUMENTS:-10}
INC_INST=${BENCH_INC_INSTRUMENTS:-100}
INC_HIST=${BENCH_INC_HISTORY:-"31 365"}
INC_RUNS=${BENCH_INC_RUNS:-9}
PARTS=${BENCH_PARTS:-"stream full incremental"}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

# A scratch directory and a private PostgreSQL, through the test helpers.
_tap_failed=0
. "$MDX_SRC/tests/lib.sh" >/dev/null
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
secs() { calc "$2 - $1"; }
rate() { awk "BEGIN { printf \"%.0f\", $1 / $2 }"; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------------
if part stream; then
echo "-- stream: $N 1m candles -> 1h"
per=$(( N / 10 ))
node "$MDX_SRC/tests/aggregate-gen.js" --count "$per" >"$T/c0.nd"
cp "$T/c0.nd" "$T/in.nd"
for i in 1 2 3 4 5 6 7 8 9; do
	sed "s/\"BTCUSDT\"/\"SYM${i}USDT\"/" "$T/c0.nd" >>"$T/in.nd"
done
n=$(wc -l <"$T/in.nd" | tr -d ' ')
cat "$T/in.nd" >/dev/null
t0=$(now)
/usr/bin/time -f '%U %S' -o "$T/cpu.mdx" mdx-aggregate -q --to 1h "$T/in.nd" >"$T/mdx.out"
t1=$(now)
/usr/bin/time -f '%U %S' -o "$T/cpu.awk" awk -F'"' '
function flush() {
	if (k != "")
		printf "%s %s %s %s %s %s %.8f %.8f\n", sym, b, o, h, l, c, v, q
}
{
	kk = $16 substr($24, 1, 13)
	if (kk != k) {
		flush(); k = kk; sym = $16; b = substr($24, 1, 13)
		o = $28; h = $32 + 0; l = $36 + 0; v = 0; q = 0
	}
	if ($32 + 0 > h) h = $32 + 0
	if ($36 + 0 < l) l = $36 + 0
	c = $40; v += $44; q += $48
}
END { flush() }' "$T/in.nd" >"$T/awk.out"
t2=$(now)
dm=$(secs "$t0" "$t1")
da=$(secs "$t1" "$t2")
cm=$(awk '{ print $1 + $2 }' "$T/cpu.mdx")
ca=$(awk '{ print $1 + $2 }' "$T/cpu.awk")
printf 'mdx-aggregate --to 1h  %10s candles/s  (%.2f s; %s candles per CPU second; %s rollups)\n' \
    "$(rate "$n" "$dm")" "$dm" "$(rate "$n" "$cm")" "$(wc -l <"$T/mdx.out" | tr -d ' ')"
printf 'awk one-pass (peer)    %10s candles/s  (%.2f s; %s candles per CPU second; %s rollups)\n' \
    "$(rate "$n" "$da")" "$da" "$(rate "$n" "$ca")" "$(wc -l <"$T/awk.out" | tr -d ' ')"
printf 'ratio mdx/awk          %10.2f  (CPU time: %.2f)\n' "$(calc "$da / $dm")" "$(calc "$ca / $cm")"
rm -f "$T/in.nd" "$T/c0.nd" "$T/mdx.out" "$T/awk.out"
fi
# The stream part alone needs no PostgreSQL.
part full || part incremental || exit 0

# ------------------------------------------------------------------------
pg_start >/dev/null
"$MDX_BUILD/tests/pg-db" migrate >/dev/null ||
    { echo "bench: migrations failed" >&2; exit 1; }
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# make_history NINST DAYS: instruments BENCH0.. with DAYS days of 1m
# candles ending 2025-01-01, random walks in exact decimals.  Not logged
# (mdx.log = self): the first run builds the instruments from scratch.
make_history() {
	psql <<SQL >/dev/null
SET mdx.log = self;
SELECT mdx.ensure_candle_partitions(timestamptz '2025-01-01' - interval '$2 days', '2025-02-01');
INSERT INTO mdx.instrument (exchange, market, symbol)
SELECT 'binance', 'spot', 'BENCH' || i FROM generate_series(0, $1 - 1) i
ON CONFLICT DO NOTHING;
INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low,
    close, volume, quote_volume, trades, taker_buy_volume,
    taker_buy_quote_volume, closed, origin)
SELECT i.instrument_id, '1m', t, p, p + 0.50, p - 0.50, p + 0.25,
    round(random()::numeric * 100, 8), round(random()::numeric * 1e6, 8),
    (random() * 1000)::int, round(random()::numeric * 50, 8),
    round(random()::numeric * 5e5, 8), true, 'exchange'
FROM mdx.instrument i
CROSS JOIN generate_series(timestamptz '2025-01-01' - interval '$2 days',
    timestamptz '2025-01-01' - interval '1 minute', interval '1 minute') t
CROSS JOIN LATERAL (SELECT round((40000 + 1000 * sin(extract(epoch FROM t) / 86400)
    + i.instrument_id)::numeric, 2) AS p) x
WHERE i.symbol LIKE 'BENCH%';
ANALYZE mdx.candle;
SQL
}

if part full; then
echo "-- warehouse full rollup: $DAYS days x $NINST instruments of 1m -> 1h"
make_history "$NINST" "$DAYS"
rows=$(psql -A -t -c "SELECT count(*) FROM mdx.candle WHERE interval = '1m'")
psql -c "CREATE TABLE bench_rollup (LIKE mdx.candle INCLUDING DEFAULTS)"
psql -c "DELETE FROM mdx.candle_change"
t0=$(now)
mdx-aggregate -q --db --to 1h
t1=$(now)
psql <<'SQL'
INSERT INTO bench_rollup (instrument_id, interval, open_time, open, high, low,
    close, volume, quote_volume, trades, taker_buy_volume,
    taker_buy_quote_volume, closed, origin, base_count, base_expected)
SELECT instrument_id, '1h', date_trunc('hour', open_time),
    (array_agg(open ORDER BY open_time))[1], max(high), min(low),
    (array_agg(close ORDER BY open_time DESC))[1], sum(volume),
    sum(quote_volume), sum(trades), sum(taker_buy_volume),
    sum(taker_buy_quote_volume), bool_and(closed), 'rollup', count(*), 60
FROM mdx.candle WHERE interval = '1m'
GROUP BY instrument_id, date_trunc('hour', open_time);
SQL
t2=$(now)
dm=$(secs "$t0" "$t1")
ds=$(secs "$t1" "$t2")
diff=$(psql -A -t -c "SELECT count(*) FROM (SELECT instrument_id, open_time,
    open, high, low, close, volume, quote_volume, trades, base_count
    FROM mdx.candle WHERE interval = '1h' EXCEPT SELECT instrument_id,
    open_time, open, high, low, close, volume, quote_volume, trades,
    base_count FROM bench_rollup) x")
printf 'mdx-aggregate --db --to 1h  %8.2f s  (%s candles, %s candles/s, with gap table)\n' \
    "$dm" "$rows" "$(rate "$rows" "$dm")"
printf 'plain SQL GROUP BY (peer)   %8.2f s  (%s candles/s)\n' "$ds" \
    "$(rate "$rows" "$ds")"
printf 'ratio SQL/mdx               %8.2f  (rollups differing: %s)\n' \
    "$(calc "$ds / $dm")" "$diff"
psql -c "DROP TABLE bench_rollup"
fi

# ------------------------------------------------------------------------
part incremental || exit 0
for days in $INC_HIST; do
	echo "-- incremental: one new hour x $INC_INST instruments after $days days"
	psql -c "TRUNCATE mdx.candle, mdx.gap, mdx.rollup_watermark, mdx.candle_change" \
	    -c "DELETE FROM mdx.instrument"
	make_history "$INC_INST" "$days"
	t0=$(now)
	mdx-aggregate -q --db --to 1h,1d
	t1=$(now)
	printf 'initial rollup of %s days: %.1f s\n' "$days" "$(secs "$t0" "$t1")"
	# The history of a warehouse in use was vacuumed and written to disk
	# long ago: vacuum it here (and the change log the first rollup
	# emptied), so that autovacuum does not work through it beside the
	# refreshes measured (on 2 cores).
	# The same for the gigabytes the kernel still has to write back.
	t0=$(now)
	psql -c "VACUUM (ANALYZE)"
	sync
	t1=$(now)
	printf 'vacuum and sync of the history: %.1f s\n' "$(secs "$t0" "$t1")"
	ms=""
	rms=""
	la0=$(cut -d' ' -f1-3 /proc/loadavg)
	h=0
	while [ $h -lt "$INC_RUNS" ]; do
		# The new hour, logged as a writer logs it (mdx-load does
		# the same): one entry per instrument.
		psql <<SQL >/dev/null
BEGIN;
SET LOCAL mdx.log = self;
SELECT mdx.log_candle_changes(array_agg(instrument_id), array_agg(text '1m'),
    array_agg(timestamptz '2025-01-01' + interval '$h hours'),
    array_agg(timestamptz '2025-01-01' + interval '$h hours 59 minutes'),
    array_agg(60)) FROM mdx.instrument;
INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low,
    close, volume, quote_volume, trades, closed, origin)
SELECT i.instrument_id, '1m', t, 100.00, 101.00, 99.00, 100.50,
    round(random()::numeric * 100, 8), round(random()::numeric * 1e6, 8),
    7, true, 'exchange'
FROM mdx.instrument i
CROSS JOIN generate_series(timestamptz '2025-01-01' + interval '$h hours',
    timestamptz '2025-01-01' + interval '$h hours 59 minutes',
    interval '1 minute') t;
COMMIT;
SQL
		t0=$(now)
		mdx-aggregate -q --db --to 1h,1d
		t1=$(now)
		ms="$ms $(awk "BEGIN { printf \"%.0f\", ($t1 - $t0) * 1000 }")"
		# The run's own time, as mdx.run records it.
		rms="$rms $(psql -A -t -c "SELECT round(extract(epoch FROM
		    finished_at - started_at) * 1000, 1) FROM mdx.run
		    ORDER BY run_id DESC LIMIT 1")"
		h=$((h + 1))
	done
	med=$(echo "$ms" | tr ' ' '\n' | grep . | sort -n |
	    awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	rmed=$(echo "$rms" | tr ' ' '\n' | grep . | sort -n |
	    awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	printf 'refresh after %s days: median %s ms wall (runs:%s ms; target < 100 ms)\n' \
	    "$days" "$med" "$ms"
	printf 'refresh after %s days: median %s ms in the run (mdx.run; runs:%s ms; target < 25 ms: %s)\n' \
	    "$days" "$rmed" "$rms" "$(awk "BEGIN { print ($rmed < 25) ? \"met\" : \"MISSED\" }")"
	printf 'refresh after %s days: load average %s before the refreshes, %s after\n' \
	    "$days" "$la0" "$(cut -d' ' -f1-3 /proc/loadavg)"
done
