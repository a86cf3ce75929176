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
#   ceiling:      psql \copy of the same rows in COPY's binary format into
#                 mdx.candle, straight into its partitions (no trigger:
#                 the fastest way into the table), and into an unlogged
#                 copy of the table with no index, no constraint and no
#                 trigger: what the server can take in at best, for the
#                 row-by-row target
#
# Targets: mdx-load of the new candles at >= 90% of the ceiling's rate
# (\copy binary into the partitions), reload <= 0.5x \copy, the
# row-by-row rate for information, RSS flat under 64 MiB.  The ceiling,
# mdx-load (empty table and reload) and \copy CSV are run in turn
# BENCH_RUNS times (default 3), and the ratios use the median of each.
#
# mdx-load logs its changes for mdx-aggregate itself and tells the row
# triggers of mdx.candle so (mdx.log = self, see mdx-warehouse(7)); the
# psql sides are run with the same setting, so that no side pays a
# trigger's logging and every side pays the trigger's test.  Each line gives the wall time,
# the CPU time of the client (user + sys) and, where /proc has it, of the
# server processes the run used (the backends, counted when they exit):
# on a shared machine the CPU times compare better than the wall times.
#
# The cluster is the test suite's, but with PostgreSQL's default
# durability (fsync, synchronous_commit and full_page_writes on) for every
# side, as a real warehouse runs: the tests turn them off for speed, which
# would make a commit per row unrealistically cheap.  The test cluster
# sets them on the server's command line, which ALTER SYSTEM cannot
# override, so the server is restarted without them.
set -eu
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
N=${BENCH_N:-1000000}
RN=${BENCH_ROW_N:-20000}
. "$MDX_SRC/tests/lib.sh"

TIMEF=/usr/bin/time
[ -x "$TIMEF" ] || { echo "bench: /usr/bin/time (GNU time) is needed" >&2; exit 1; }

# N one-minute candles over two years, canonical (made by mdx-transform).
. "$MDX_SRC/tests/lake-data.sh"
gen_raw_random "$N" 1672531200000 20000 20000 2025-12-02T00:00:03.120Z |
    mdx-transform --strict >"$T/in.ndjson" 2>/dev/null

pg_start >/dev/null
pg_stop
_pg_as "$PG_BINDIR/pg_ctl" -D "$MDX_PGDATA" -l "$T/pg/server.log" -w \
    -o "-k $PGHOST -c listen_addresses=''" start >/dev/null
durable=$(sql "SELECT string_agg(name || ' ' || setting, ', ' ORDER BY name)
    FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit',
    'full_page_writes')")
mdx-load --migrate 2>/dev/null
PGOPTIONS="${PGOPTIONS:-} -c mdx.log=self"
export PGOPTIONS
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

# The CPU time (in clock ticks) of the server's exited processes: the
# postmaster's children's times, which grow when a backend exits.
PMPID=$(head -1 "$MDX_PGDATA/postmaster.pid")
srv_ticks() {
	if [ -r "/proc/$PMPID/stat" ]; then
		sed 's/.*) //' "/proc/$PMPID/stat" | awk '{ print $14 + $15 }'
	else
		echo 0
	fi
}
HZ=$(getconf CLK_TCK)

# run NAME ROWS CMD...: sets $secs and $rss (KiB) and prints them with the
# CPU times.
run() {
	_name=$1 _n=$2
	shift 2
	_t0=$(srv_ticks)
	"$TIMEF" -f '%e %M %U %S' -o "$T/time" "$@" >/dev/null 2>"$T/stderr" ||
	    { cat "$T/stderr" >&2; exit 1; }
	sleep 0.2	# the backend's exit
	_t1=$(srv_ticks)
	set -- $(tail -1 "$T/time")
	secs=$1 rss=$2
	awk -v n="$_name" -v s="$secs" -v r="$_n" -v m="$rss" -v u="$3" \
	    -v y="$4" -v st="$((_t1 - _t0))" -v hz="$HZ" 'BEGIN {
		if (s <= 0) s = 0.01
		printf "  %-34s %8d rows %7.2f s %8.0f rows/s  CPU client %6.2f s server %6.2f s  RSS %6.1f MiB\n",
		    n, r, s, r / s, u + y, st / hz, m / 1024 }'
}

# The ceiling's rows: the same rows in COPY's binary format (made by the
# server, so nothing is parsed), for mdx.candle, each partition and an
# unlogged copy of the table without index, constraint or trigger.
reset_table
psql -X -q -c "\\copy mdx.candle ($cols) FROM '$T/in.csv' CSV"
psql -X -q -c "\\copy (SELECT $cols FROM mdx.candle) TO '$T/in.bin' (FORMAT binary)"
cols1=$(echo $cols)
: >"$T/parts.psql"
: >"$T/bare.psql"
for p in $(sql "SELECT c.relname FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'mdx.candle'::regclass ORDER BY 1"); do
	psql -X -q -c "\\copy (SELECT $cols1 FROM mdx.$p) TO '$T/$p.bin' (FORMAT binary)"
	printf '\\copy mdx.%s (%s) FROM %s (FORMAT binary)\n' "$p" "$cols1" \
	    "'$T/$p.bin'" >>"$T/parts.psql"
	printf '\\copy bare (%s) FROM %s (FORMAT binary)\n' "$cols1" \
	    "'$T/$p.bin'" >>"$T/bare.psql"
done

echo "input: $N canonical Binance 1m candles, $(wc -c <"$T/in.ndjson") bytes"
echo "server: $durable"
# The sides the targets compare, in turn, BENCH_RUNS (default 3) times:
# on a shared machine a run can be slowed by what else runs, and taking
# the median of each side, measured alternately, keeps that from deciding
# a ratio.
R=${BENCH_RUNS:-3}
: >"$T/secs"
i=1
while [ "$i" -le "$R" ]; do
	reset_table
	run "ceiling: \\copy binary, partitions" "$N" psql -X -q -f "$T/parts.psql"
	echo "pp $secs" >>"$T/secs"
	reset_table
	run "mdx-load, empty table" "$N" mdx-load "$T/in.ndjson"
	echo "ls $secs" >>"$T/secs"
	lrss=$rss
	run "mdx-load, reload (no change)" "$N" mdx-load "$T/in.ndjson"
	echo "rs $secs" >>"$T/secs"
	reset_table
	run "psql \\copy CSV, empty table" "$N" \
	    psql -X -q -c "\\copy mdx.candle ($cols) FROM '$T/in.csv' CSV"
	echo "cs $secs" >>"$T/secs"
	i=$((i + 1))
done
# med KEY: the median of the times of KEY.
med() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/secs" | sort -n |
	    awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
pps=$(med pp) ls=$(med ls) rs=$(med rs) cs=$(med cs)
run "psql \\copy CSV, again (fails)" "$N" \
    sh -c "psql -X -q -c \"\\\\copy mdx.candle ($cols) FROM '$T/in.csv' CSV\" 2>/dev/null; true"
reset_table
run "mdx-load, 1/10 input, empty table" "$((N / 10))" \
    sh -c "head -n $((N / 10)) '$T/in.ndjson' | mdx-load"
srss=$rss
reset_table
run "ceiling: \\copy binary, mdx.candle" "$N" \
    psql -X -q -c "\\copy mdx.candle ($cols) FROM '$T/in.bin' (FORMAT binary)"
sql "CREATE UNLOGGED TABLE bare (LIKE mdx.candle)" >/dev/null
sql "CHECKPOINT" >/dev/null
run "ceiling: \\copy binary, bare table" "$N" psql -X -q -f "$T/bare.psql"
cps=$secs

# Row by row: one INSERT per candle, each its own transaction, as a naive
# loader does.
reset_table
head -n "$RN" "$T/in.csv" | awk -F, -v q="'" '{
	printf "INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low, close, volume, quote_volume, trades, taker_buy_volume, taker_buy_quote_volume, closed, origin, fetched_at) VALUES (%s, %s%s%s, %s%s%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s%s%s, %s%s%s);\n",
	    $1, q, $2, q, q, $3, q, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, q, $14, q, q, $17, q
}' >"$T/rows.sql"
run "row-by-row INSERT (psql)" "$RN" psql -X -q -f "$T/rows.sql"
is_=$secs

awk -v runs="$R" -v n="$N" -v cs="$cs" -v ls="$ls" -v rs="$rs" -v rn="$RN" -v is="$is_" \
    -v r1="$lrss" -v r2="$srss" -v ps="$cps" -v pp="$pps" 'BEGIN {
	if (cs <= 0) cs = 0.01
	if (ps <= 0) ps = 0.01
	if (pp <= 0) pp = 0.01
	if (ls <= 0) ls = 0.01
	if (is <= 0) is = 0.01
	a = ls / cs
	b = rs / cs
	c = (n / ls) / (rn / is)
	d = pp / ls
	printf "  medians of %d runs each: ceiling %.2f s, mdx-load %.2f s, reload %.2f s, \\copy CSV %.2f s\n",
	    runs, pp, ls, rs, cs
	printf "  ratio: mdx-load empty table rate / ceiling (\\copy binary, partitions) = %.0f%% (target >= 90%%: %s)\n",
	    100 * d, (d >= 0.9 ? "met" : "MISSED")
	printf "  ratio: mdx-load empty table / \\copy = %.2fx\n", a
	printf "  ratio: mdx-load reload / \\copy = %.2fx (target <= 0.5x: %s)\n",
	    b, (b <= 0.5 ? "met" : "MISSED")
	printf "  ratio: mdx-load is %.0fx row-by-row INSERTs (for information)\n", c
	printf "  ceiling: binary COPY is %.0fx row-by-row INSERTs into the partitions, %.0fx into a bare table\n",
	    (n / pp) / (rn / is), (n / ps) / (rn / is)
	# Below two batches (100000 candles) the N/10 run holds less.
	flat = r1 < 65536 && (n / 10 < 100000 || r1 < r2 * 1.25)
	printf "  RSS: %.1f MiB at N, %.1f MiB at N/10 (target < 64 MiB, flat: %s)\n",
	    r1 / 1024, r2 / 1024, (flat ? "met" : "MISSED")
}'
