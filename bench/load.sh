#!/bin/sh
# load.sh - mdx-load against psql's \copy and against row-by-row INSERTs,
# into the same table of a private PostgreSQL cluster, with the same rows
# (BENCH_N candles, default 1000000):
#
#   empty table:  mdx-load (COPY to staging + upsert)  vs  psql \copy of
#                 the same rows as CSV straight into mdx.candle
#   reload:       mdx-load of the same input again      vs  the same \copy
#   row by row:   one INSERT per candle through psql, on BENCH_ROW_N rows
#                 (default 20000), compared by rate
#
# Targets: empty table <= 1.3x \copy, reload <= 1.0x \copy, >= 50x the
# row-by-row rate, RSS flat under 64 MiB.
#
# The cluster is the test suite's, but with PostgreSQL's default
# durability (fsync and synchronous_commit on) for every side, as a real
# warehouse runs: the tests turn both off for speed, which would make a
# commit per row unrealistically cheap.
set -eu
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
N=${BENCH_N:-1000000}
RN=${BENCH_ROW_N:-20000}
. "$MDX_SRC/tests/lib.sh"

TIMEF=/usr/bin/time
[ -x "$TIMEF" ] || { echo "bench: /usr/bin/time (GNU time) is needed" >&2; exit 1; }

# N one-minute candles over two years, canonical (made by mdx-transform).
awk -v n="$N" 'BEGIN {
	srand(1)
	for (i = 0; i < n; i++) {
		t = 1672531200000 + i * 60000
		o = 20000 + int(rand() * 20000) + rand()
		printf "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\",\"kind\":\"klines\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\",\"fetched_at\":\"2025-12-02T00:00:03.120Z\",\"closed\":true,\"data\":[%.0f,\"%.8f\",\"%.8f\",\"%.8f\",\"%.8f\",\"%.8f\",%.0f,\"%.8f\",%d,\"%.8f\",\"%.8f\",\"0\"]}\n", \
		    t, o, o + 60, o - 60, o + rand() * 20 - 10, rand() * 100, \
		    t + 59999, rand() * 4e6, int(rand() * 5000), rand() * 50, \
		    rand() * 2e6
	}
}' | mdx-transform --strict >"$T/in.ndjson" 2>/dev/null

pg_start >/dev/null
sql "ALTER SYSTEM SET fsync = on" >/dev/null
sql "ALTER SYSTEM SET synchronous_commit = on" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
mdx-load --migrate 2>/dev/null
cols="instrument_id, interval, open_time, open, high, low, close, volume,
    quote_volume, trades, taker_buy_volume, taker_buy_quote_volume, closed,
    origin, base_count, base_expected, fetched_at, run_id, updated_at"

# A first load makes the instrument and the partitions, then the same rows
# go out as CSV for psql.
mdx-load "$T/in.ndjson" 2>/dev/null
psql -X -q -c "\\copy (SELECT $cols FROM mdx.candle) TO '$T/in.csv' CSV"
reset_table() {
	sql "TRUNCATE mdx.candle" >/dev/null
	sql "VACUUM ANALYZE mdx.candle" >/dev/null
	sql "CHECKPOINT" >/dev/null
}

# run NAME ROWS CMD...: sets $secs and $rss (KiB) and prints them.
run() {
	_name=$1 _n=$2
	shift 2
	"$TIMEF" -f '%e %M' -o "$T/time" "$@" >/dev/null 2>"$T/stderr" ||
	    { cat "$T/stderr" >&2; exit 1; }
	set -- $(tail -1 "$T/time")
	secs=$1 rss=$2
	awk -v n="$_name" -v s="$secs" -v r="$_n" -v m="$rss" 'BEGIN {
		if (s <= 0) s = 0.01
		printf "  %-34s %8d rows %8.2f s %9.0f rows/s  RSS %6.1f MiB\n",
		    n, r, s, r / s, m / 1024 }'
}

echo "input: $N canonical Binance 1m candles, $(wc -c <"$T/in.ndjson") bytes"
reset_table
run "psql \\copy CSV, empty table" "$N" \
    psql -X -q -c "\\copy mdx.candle ($cols) FROM '$T/in.csv' CSV"
cs=$secs
run "psql \\copy CSV, again (fails)" "$N" \
    sh -c "psql -X -q -c \"\\\\copy mdx.candle ($cols) FROM '$T/in.csv' CSV\" 2>/dev/null; true"
reset_table
run "mdx-load, empty table" "$N" mdx-load "$T/in.ndjson"
ls=$secs lrss=$rss
run "mdx-load, reload (no change)" "$N" mdx-load "$T/in.ndjson"
rs=$secs
run "mdx-load, 1/10 input (RSS)" "$((N / 10))" \
    sh -c "head -n $((N / 10)) '$T/in.ndjson' | mdx-load"
srss=$rss

# Row by row: one INSERT per candle, each its own transaction, as a naive
# loader does.
reset_table
head -n "$RN" "$T/in.csv" | awk -F, -v q="'" '{
	printf "INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low, close, volume, quote_volume, trades, taker_buy_volume, taker_buy_quote_volume, closed, origin, fetched_at) VALUES (%s, %s%s%s, %s%s%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s%s%s, %s%s%s);\n",
	    $1, q, $2, q, q, $3, q, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, q, $14, q, q, $17, q
}' >"$T/rows.sql"
run "row-by-row INSERT (psql)" "$RN" psql -X -q -f "$T/rows.sql"
is_=$secs

awk -v n="$N" -v cs="$cs" -v ls="$ls" -v rs="$rs" -v rn="$RN" -v is="$is_" \
    -v r1="$lrss" -v r2="$srss" 'BEGIN {
	if (cs <= 0) cs = 0.01
	if (ls <= 0) ls = 0.01
	if (is <= 0) is = 0.01
	a = ls / cs
	b = rs / cs
	c = (n / ls) / (rn / is)
	printf "  ratio: mdx-load empty table / \\copy = %.2fx (target <= 1.3x: %s)\n",
	    a, (a <= 1.3 ? "met" : "MISSED")
	printf "  ratio: mdx-load reload / \\copy = %.2fx (target <= 1.0x: %s)\n",
	    b, (b <= 1.0 ? "met" : "MISSED")
	printf "  ratio: mdx-load is %.0fx row-by-row INSERTs (target >= 50x: %s)\n",
	    c, (c >= 50 ? "met" : "MISSED")
	printf "  RSS: %.1f MiB at N, %.1f MiB at N/10 (target < 64 MiB, flat: %s)\n",
	    r1 / 1024, r2 / 1024, (r1 < 65536 ? "met" : "MISSED")
}'
