#!/bin/sh
# aggregate-inc.t - the incremental path of mdx-aggregate --db, scenario by
# scenario: after every load or deletion, an incremental run must leave the
# warehouse exactly as a rebuild from scratch of the same candles leaves it
# (the rollups of every interval and the whole gap table, statuses and
# timestamps included), and the rollups must equal PostgreSQL's GROUP BY.
#
# The rebuild runs in a copy of the warehouse taken just before the
# incremental run (CREATE DATABASE ... TEMPLATE), so it starts from the
# same gap table: a rebuild keeps the status and the detected, refetched
# and confirmed times of every gap found again inside an old gap row, as
# mdx.detect_gaps_many() does around changed ranges.  Comparing with a
# rebuild run after the incremental one could not catch a wrong status,
# since the rebuild would keep it.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"
. "$MDX_SRC/tests/aggregate-lib.sh"

A=mdx-aggregate
TO2=1h,1d
TO5=5m,1h,1d,1w,1M

pg_start
agg_migrate || bail "migrations failed"

# ---- helpers

# gb_sql IV: PostgreSQL's own rollup of the 1m rows to IV, as text rows of
# wh_sql; the 1m rows come from GB_1M when it is set.
gb_sql() {
	_b=$(bucket_sql "$1")
	echo "SELECT symbol, '$1', b::text, trim_scale((array_agg(open ORDER BY
	    open_time))[1])::text, trim_scale(max(high))::text,
	    trim_scale(min(low))::text,
	    trim_scale((array_agg(close ORDER BY open_time DESC))[1])::text,
	    trim_scale(sum(volume))::text, trim_scale(sum(quote_volume))::text,
	    sum(trades)::text, trim_scale(sum(taker_buy_volume))::text,
	    trim_scale(sum(taker_buy_quote_volume))::text, count(*)::text,
	    ((extract(epoch FROM (b + mdx.interval_length('$1')) - b) /
	    60)::int)::text, 'rollup'
	    FROM (SELECT i.symbol, c.*, $_b AS b FROM ${GB_1M:-mdx.candle} c
		JOIN mdx.instrument i USING (instrument_id)
		WHERE c.interval = '1m') x
	    GROUP BY symbol, b"
}
# wh_sql IV: the warehouse rollups of IV as text rows.
wh_sql() {
	echo "SELECT i.symbol, c.interval, c.open_time::text,
	    trim_scale(c.open)::text, trim_scale(c.high)::text,
	    trim_scale(c.low)::text, trim_scale(c.close)::text,
	    trim_scale(c.volume)::text, trim_scale(c.quote_volume)::text,
	    c.trades::text, trim_scale(c.taker_buy_volume)::text,
	    trim_scale(c.taker_buy_quote_volume)::text, c.base_count::text,
	    c.base_expected::text, c.origin
	    FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id)
	    WHERE c.interval = '$1'"
}

# snap DB CUT: every candle of every interval and the whole gap table of
# database DB.  Times after CUT (the start of the step) print as "new":
# the incremental run and the rebuild stamp new gaps with their own now().
# gap_id, run_id and updated_at are the bookkeeping of the run that wrote
# a row, not results, and are left out.
snap() {
	psql -X -q -A -t -F '	' -v ON_ERROR_STOP=1 -d "$1" <<SQL
SELECT i.symbol, c.interval,
    to_char(c.open_time, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), trim_scale(c.open),
    trim_scale(c.high), trim_scale(c.low), trim_scale(c.close),
    trim_scale(c.volume), trim_scale(c.quote_volume), c.trades,
    trim_scale(c.taker_buy_volume), trim_scale(c.taker_buy_quote_volume),
    c.closed, c.base_count, c.base_expected, c.origin
FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id)
ORDER BY 1, 2, 3;
CREATE TEMP TABLE cut AS SELECT '$2'::timestamptz AS t;
CREATE FUNCTION pg_temp.ts(x timestamptz) RETURNS text LANGUAGE sql AS
    \$\$ SELECT CASE WHEN x IS NULL THEN '-' WHEN x >= (SELECT t FROM cut)
    THEN 'new' ELSE x::text END \$\$;
SELECT 'gap', i.symbol, g.interval, g.from_time, g.to_time, g.missing,
    g.status, pg_temp.ts(g.detected_at), pg_temp.ts(g.refetched_at),
    pg_temp.ts(g.confirmed_at), pg_temp.ts(g.filled_at)
FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id)
ORDER BY 2, 3, 4, 5, 7;
SQL
}

# gaps: the gap table in short (symbol, from, to, missing, status).
gaps() {
	sql "SELECT i.symbol, to_char(g.from_time, 'MM-DD HH24:MI:SS'),
	    to_char(g.to_time, 'MM-DD HH24:MI:SS'), g.missing, g.status
	    FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id)
	    ORDER BY 1, g.from_time, g.to_time, g.status"
}

# gaps_are NAME <WANT: the gap table in short (gaps) is WANT.
gaps_are() {
	cat >"$T/want"
	gaps >"$T/got"
	files_eq "$T/got" "$T/want" "$1"
}

# fork: copies the warehouse to the database "fork" and prints the time
# (the cut of snap).
fork() {
	psql -X -q -A -t -d postgres -c "SET client_min_messages = warning" \
	    -c "DROP DATABASE IF EXISTS fork" \
	    -c "CREATE DATABASE fork TEMPLATE mdx" \
	    -c "SELECT clock_timestamp()" || bail "cannot copy the warehouse"
}

# step NAME TO [OPTIONS...]: the central assertion.  Copies the warehouse,
# runs an incremental mdx-aggregate --db --to TO here and a --rebuild in
# the copy, and compares the two; then compares every rollup interval of
# TO with PostgreSQL's GROUP BY.
step() {
	_sn=$1 _to=$2
	shift 2
	_cut=$(fork)
	# The two databases are apart: the runs may overlap, as may the
	# snapshots.
	PGDATABASE=fork $A -q --db --to "$_to" --rebuild "$@" \
	    >"$T/rebuild.out" 2>&1 &
	_pid=$!
	exits 0 "$_sn: incremental run" $A --db --to "$_to" "$@"
	wait $_pid || { echo "# the rebuild failed:"; sed 's/^/#   /' "$T/rebuild.out"; }
	snap fork "$_cut" >"$T/scratch" &
	_pid=$!
	snap mdx "$_cut" >"$T/inc"
	wait $_pid
	files_eq "$T/inc" "$T/scratch" \
	    "$_sn: incremental equals a rebuild (rollups, gaps, statuses)"
	gb_check "$_sn" "$_to"
}

# gb_check NAME TO: the rollups of TO equal PostgreSQL's GROUP BY (one
# statement: a psql call costs more than the query).  Differing rows are
# printed marked + (in the warehouse only) or - (in GROUP BY only).
gb_check() {
	_w="" _g=""
	for _iv in $(echo "$2" | tr ',' ' '); do
		_w="$_w${_w:+ UNION ALL }$(wh_sql "$_iv")"
		_g="$_g${_g:+ UNION ALL }$(gb_sql "$_iv")"
	done
	psql -X -q -A -t -v ON_ERROR_STOP=1 >"$T/gbdiff" 2>&1 <<SQL
WITH w AS ($_w), g AS ($_g)
SELECT '+', * FROM (SELECT * FROM w EXCEPT ALL SELECT * FROM g) x
UNION ALL
SELECT '-', * FROM (SELECT * FROM g EXCEPT ALL SELECT * FROM w) y
ORDER BY 2, 3, 4, 1;
SQL
	if [ ! -s "$T/gbdiff" ]; then
		_tap_result 0 "$1: rollups $2 equal GROUP BY"
	else
		_tap_result 1 "$1: rollups $2 equal GROUP BY"
		head -10 "$T/gbdiff" | sed 's/^/#   /'
	fi
}

# fresh: an empty warehouse for the next scenario (instruments stay).
fresh() {
	sql "TRUNCATE mdx.candle, mdx.gap, mdx.rollup_watermark,
	    mdx.candle_change"
}

# del SYMBOL FROM TO: deletes the 1m candles of SYMBOL in [FROM, TO).
del() {
	sql "DELETE FROM mdx.candle c USING mdx.instrument i
	    WHERE i.instrument_id = c.instrument_id AND i.symbol = '$1'
	    AND c.interval = '1m' AND c.open_time >= '$2'
	    AND c.open_time < '$3'"
}

# add SYMBOLS FROM TO [SEED]: generates and loads 1m candles.
add() {
	gen --symbols "$1" --from "$2" --to "$3" --seed "${4:-1}" >"$T/add.nd"
	load "$T/add.nd"
}

S3=AAA,BBB,CCC

# ---- a. the live edge: hour after hour, contiguous, a run after each
# (the shape of the incremental benchmark), across a day and a month end.
fresh
add $S3 2024-03-31T18:00:00Z 2024-03-31T22:00:00Z
step "a: first run" $TO2
for h in 2024-03-31T22/2024-03-31T23 2024-03-31T23/2024-04-01T00 \
    2024-04-01T00/2024-04-01T01; do
	add $S3 "${h%/*}:00:00Z" "${h#*/}:00:00Z" 3
	step "a: hour ${h%/*} appended" $TO2
done
# Half an hour, then the rest: the partial bucket at the edge is redone.
add $S3 2024-04-01T01:00:00Z 2024-04-01T01:30:00Z 4
step "a: half an hour appended" $TO2
add $S3 2024-04-01T01:30:00Z 2024-04-01T02:00:00Z 5
step "a: the rest of the hour appended" $TO2
add $S3 2024-04-01T02:00:00Z 2024-04-01T03:00:00Z 6
step "a: an hour with all intervals" $TO5
is "$(gaps)" "" "a: contiguous appends leave no gap"

# ---- b. appends after a hole: shorter than a day, then several days
# across a month (and partition) boundary.
fresh
add $S3 2024-05-28T00:00:00Z 2024-05-28T12:00:00Z
step "b: first run" $TO5
add $S3 2024-05-28T18:00:00Z 2024-05-28T19:00:00Z 2
step "b: an hour after a 6-hour hole" $TO5
add AAA,BBB 2024-06-02T05:00:00Z 2024-06-02T06:00:00Z 3
step "b: an hour after a hole of days into the next month" $TO5
# A week that starts in a month without a partition yet (2026-06-29, a
# Monday; the candles open on Wednesday 2026-07-01).
add CCC 2026-07-01T00:00:00Z 2026-07-01T01:00:00Z 4
step "b: an hour years later, its week in a month without a partition" $TO5
gaps_are "b: the holes are gaps" <<'EOF'
AAA|05-28 12:00:00|05-28 18:00:00|360|open
AAA|05-28 19:00:00|06-02 05:00:00|6360|open
BBB|05-28 12:00:00|05-28 18:00:00|360|open
BBB|05-28 19:00:00|06-02 05:00:00|6360|open
CCC|05-28 12:00:00|05-28 18:00:00|360|open
CCC|05-28 19:00:00|07-01 00:00:00|1099020|open
EOF

# ---- c. backfills before the first candle: adjacent, and with a hole.
fresh
add $S3 2024-07-10T00:00:00Z 2024-07-10T06:00:00Z
step "c: first run" $TO2
add AAA,BBB 2024-07-09T22:00:00Z 2024-07-10T00:00:00Z 2
step "c: an adjacent backfill" $TO2
add AAA 2024-07-08T10:00:00Z 2024-07-08T11:30:00Z 3
add CCC 2024-07-09T23:30:00Z 2024-07-09T23:50:00Z 3
step "c: backfills with a hole" $TO2
add BBB 2024-06-30T23:00:00Z 2024-07-01T00:10:00Z 4
step "c: a backfill days back into the month before" $TO5
gaps_are "c: the holes before the old first candles are gaps" <<'EOF'
AAA|07-08 11:30:00|07-09 22:00:00|2070|open
BBB|07-01 00:10:00|07-09 22:00:00|12830|open
CCC|07-09 23:50:00|07-10 00:00:00|10|open
EOF

# ---- d. refetched and confirmed gaps partly filled: a gap shrinks, one is
# split in two.  The parts found again keep status and times.
fresh
SKIP=2024-08-05T10:00:00Z/2024-08-05T11:00:00Z,2024-08-05T14:00:00Z/2024-08-05T14:30:00Z,2024-08-05T18:00:00Z/2024-08-05T18:20:00Z
gen --symbols $S3 --from 2024-08-05T00:00:00Z --to 2024-08-06T00:00:00Z \
    --skip "$SKIP" >"$T/d.nd"
load "$T/d.nd"
step "d: first run" $TO5
# The 10:00 gaps are marked and confirmed empty, the later ones only
# marked (refetched).
$A -q --db --gaps --mark --until 2024-08-05T12:00:00Z >/dev/null 2>&1
exits 0 "d: --confirm" $A --db --to $TO5 --confirm
$A -q --db --gaps --mark --since 2024-08-05T12:00:00Z >/dev/null 2>&1
sql "CREATE TABLE gap_before AS SELECT * FROM mdx.gap"
is "$(sql "SELECT string_agg(DISTINCT status, ',') FROM mdx.gap")" \
    "confirmed_empty,refetched" "d: gaps confirmed empty and refetched"
# A refetch delivers the start of the 10:00 gap (it shrinks) and the middle
# of the 14:00 gap (it splits), for AAA and BBB; CCC gets the end of the
# 18:00 gap.
add AAA,BBB 2024-08-05T10:00:00Z 2024-08-05T10:10:00Z 2
add AAA,BBB 2024-08-05T14:10:00Z 2024-08-05T14:15:00Z 3
add CCC 2024-08-05T18:15:00Z 2024-08-05T18:20:00Z 4
step "d: parts of refetched and confirmed gaps filled" $TO5
gaps_are "d: shrunk and split gaps keep their status" <<'EOF'
AAA|08-05 10:10:00|08-05 11:00:00|50|confirmed_empty
AAA|08-05 14:00:00|08-05 14:10:00|10|refetched
AAA|08-05 14:15:00|08-05 14:30:00|15|refetched
AAA|08-05 18:00:00|08-05 18:20:00|20|refetched
BBB|08-05 10:10:00|08-05 11:00:00|50|confirmed_empty
BBB|08-05 14:00:00|08-05 14:10:00|10|refetched
BBB|08-05 14:15:00|08-05 14:30:00|15|refetched
BBB|08-05 18:00:00|08-05 18:20:00|20|refetched
CCC|08-05 10:00:00|08-05 11:00:00|60|confirmed_empty
CCC|08-05 14:00:00|08-05 14:30:00|30|refetched
CCC|08-05 18:00:00|08-05 18:15:00|15|refetched
EOF
# Every gap row now lies inside a gap row of before, whose detected,
# refetched and confirmed times it keeps.
is "$(sql "SELECT count(*) FROM mdx.gap g WHERE NOT EXISTS (SELECT 1
    FROM gap_before b WHERE b.instrument_id = g.instrument_id
    AND b.from_time <= g.from_time AND g.to_time <= b.to_time
    AND b.status = g.status AND b.detected_at = g.detected_at
    AND b.refetched_at IS NOT DISTINCT FROM g.refetched_at
    AND b.confirmed_at IS NOT DISTINCT FROM g.confirmed_at)")" \
    "0" "d: gaps found again keep their detected, refetched and confirmed times"
# A deletion next to a confirmed gap makes it grow: the grown gap lies in
# no old row, and starts over as open (a rebuild does the same).
del AAA 2024-08-05T11:00:00Z 2024-08-05T11:02:00Z
del BBB 2024-08-05T10:08:00Z 2024-08-05T10:10:00Z
step "d: confirmed gaps grown by deletions" $TO5
is "$(sql "SELECT string_agg(i.symbol || ' ' || to_char(from_time, 'HH24:MI') || '-' || to_char(to_time, 'HH24:MI') || ' ' || g.status, ', ' ORDER BY 1) FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id) WHERE from_time < '2024-08-05T12:00Z' AND i.symbol <> 'CCC'")" \
    "AAA 10:10-11:02 open, BBB 10:08-11:00 open" \
    "d: a grown gap is open again"

# ---- e. a gap filled exactly; a gap next to a filled gap.
fresh
SKIP=2024-09-02T01:00:00Z/2024-09-02T01:10:00Z,2024-09-02T02:00:00Z/2024-09-02T02:05:00Z,2024-09-02T03:00:00Z/2024-09-02T03:10:00Z
gen --symbols $S3 --from 2024-09-02T00:00:00Z --to 2024-09-02T06:00:00Z \
    --skip "$SKIP" >"$T/e.nd"
load "$T/e.nd"
step "e: first run" $TO2
add $S3 2024-09-02T01:00:00Z 2024-09-02T01:10:00Z 2
step "e: an open gap filled exactly" $TO2
is "$(sql "SELECT count(*) FROM mdx.gap WHERE from_time < '2024-09-02T01:30Z'")" \
    "0" "e: the filled gap is gone"
# The 02:00 gaps become filled (synthetic candles).
$A -q --db --gaps --mark --since 2024-09-02T01:30:00Z --until 2024-09-02T02:30:00Z >/dev/null 2>&1
$A -q --db --to $TO2 --confirm
step "e: --fill" $TO2 --fill
is "$(sql "SELECT status || ' ' || count(*) FROM mdx.gap GROUP BY status ORDER BY 1")" \
    "$(printf 'filled 3\nopen 3')" "e: three filled gaps, three open"
# Deletions next to the filled gaps (after and before), and a refetch that
# fills the 03:00 gap of AAA exactly.
del AAA 2024-09-02T02:05:00Z 2024-09-02T02:07:00Z
del BBB 2024-09-02T01:58:00Z 2024-09-02T02:00:00Z
del CCC 2024-09-02T02:00:00Z 2024-09-02T02:01:00Z
add AAA 2024-09-02T03:00:00Z 2024-09-02T03:10:00Z 3
step "e: gaps next to filled gaps" $TO2
gaps_are "e: gaps next to filled ones, filled rows untouched" <<'EOF'
AAA|09-02 02:00:00|09-02 02:05:00|5|filled
AAA|09-02 02:05:00|09-02 02:07:00|2|open
BBB|09-02 01:58:00|09-02 02:00:00|2|open
BBB|09-02 02:00:00|09-02 02:05:00|5|filled
BBB|09-02 03:00:00|09-02 03:10:00|10|open
CCC|09-02 02:00:00|09-02 02:01:00|1|open
CCC|09-02 02:00:00|09-02 02:05:00|5|filled
CCC|09-02 03:00:00|09-02 03:10:00|10|open
EOF

# ---- f. deletions: in the middle, the last candle, the first candle, a
# whole hour and a whole day (and month), with every interval.
fresh
add $S3 2024-10-31T20:00:00Z 2024-11-01T02:00:00Z
step "f: first run" $TO5
del AAA 2024-10-31T22:00:00Z 2024-10-31T22:03:00Z
step "f: deletion in the middle" $TO5
del AAA 2024-11-01T01:59:00Z 2024-11-01T02:00:00Z
step "f: the last candle deleted" $TO5
del BBB 2024-10-31T20:00:00Z 2024-10-31T20:01:00Z
step "f: the first candle deleted" $TO5
del CCC 2024-11-01T01:00:00Z 2024-11-01T02:00:00Z
del BBB 2024-10-31T22:00:00Z 2024-10-31T23:00:00Z
step "f: the last hour and an hour in the middle deleted" $TO5
del CCC 2024-10-31T20:00:00Z 2024-11-01T00:00:00Z
step "f: the first day (and month) deleted" $TO5
is "$(sql "SELECT count(*) FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE i.symbol = 'CCC' AND c.interval IN ('1d', '1M') AND c.open_time < '2024-11-01'")" \
    "0" "f: rollups of buckets left empty are deleted"

# ---- g. misaligned 1m candles inserted with plain SQL (nothing stops
# them: mdx.candle does not check alignment).  This pins what happens
# today, which is not all consistent: the engine puts a candle into the
# slot its open time falls in (12:03:30 counts as 12:03, and one at 12:02:30
# next to 12:02 is a duplicate and dropped), so the rollups of an
# incremental run and a rebuild agree; but the gap table around a changed
# range comes from mdx.detect_gaps_many(), which measures from the
# misaligned open time itself (a gap 12:03 to 12:03:30 of "1" candle, and
# one of round(2.5) = 3), while a rebuild takes the gaps from the engine.
fresh
add AAA,BBB 2025-01-06T10:00:00Z 2025-01-06T12:05:00Z
step "g: first run" $TO2
misaligned() {	# SYMBOL TIME CLOSE
	sql "INSERT INTO mdx.candle (instrument_id, interval, open_time, open,
	    high, low, close, volume, quote_volume, trades, taker_buy_volume,
	    taker_buy_quote_volume, closed, origin) SELECT instrument_id,
	    '1m', '$2', $3, $3, $3, $3, 1, $3, 1, 0.5, $3 / 2, true, 'exchange'
	    FROM mdx.instrument WHERE symbol = '$1'"
}
# The 1m rows as the engine sees them: misaligned ones in the slot of
# their minute, the first row of a slot kept.
GB_1M="(SELECT DISTINCT ON (instrument_id, date_trunc('minute', open_time))
    * FROM mdx.candle WHERE interval = '1m'
    ORDER BY instrument_id, date_trunc('minute', open_time), open_time)"
# misaligned_step NAME GAPS-INCREMENTAL GAPS-REBUILD: the incremental run
# and a rebuild in a copy; rollups equal, gap tables as pinned.
misaligned_step() {
	_cut=$(fork)
	exits 0 "$1: incremental run: exit 0" $A --db --to $TO2
	exits 0 "$1: a rebuild: exit 0" env PGDATABASE=fork $A --db --to $TO2 --rebuild
	snap mdx "$_cut" | grep -v '^gap' >"$T/inc"
	snap fork "$_cut" | grep -v '^gap' >"$T/scratch"
	files_eq "$T/inc" "$T/scratch" "$1: incremental rollups equal a rebuild"
	gb_check "$1" $TO2
	is "$(gaps)" "$2" "$1: the gaps of the incremental run"
	is "$(PGDATABASE=fork gaps)" "$3" "$1: the gaps of a rebuild"
}
del AAA 2025-01-06T12:03:00Z 2025-01-06T12:04:00Z
misaligned AAA 2025-01-06T12:03:30Z 40000.5
misaligned BBB 2025-01-06T12:02:30Z 50000.5
misaligned_step "g: misaligned candles in the middle" \
    "AAA|01-06 12:03:00|01-06 12:03:30|1|open" ""
close_at() {	# SYMBOL TIME
	sql "SELECT c.close FROM mdx.candle c JOIN mdx.instrument i
	    USING (instrument_id) WHERE i.symbol = '$1'
	    AND c.interval = '1m' AND c.open_time = '$2'"
}
is "$(sql "SELECT i.symbol || ' ' || c.base_count || ' ' || c.close FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE c.interval = '1h' AND c.open_time = '2025-01-06T12:00Z' ORDER BY 1")" \
    "$(printf 'AAA 5 %s\nBBB 5 %s' "$(close_at AAA 2025-01-06T12:04Z)" \
    "$(close_at BBB 2025-01-06T12:04Z)")" \
    "g: a misaligned candle fills its minute, a second one in a minute is dropped"
misaligned AAA 2025-01-06T12:07:30Z 40001.5
misaligned_step "g: a misaligned candle at the live edge" \
    "$(printf 'AAA|01-06 12:03:00|01-06 12:03:30|1|open\nAAA|01-06 12:05:00|01-06 12:07:30|3|open')" \
    "AAA|01-06 12:05:00|01-06 12:07:00|2|open"
is "$(sql "SELECT c.base_count || ' ' || c.close FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE i.symbol = 'AAA' AND c.interval = '1h' AND c.open_time = '2025-01-06T12:00Z'")" \
    "6 40001.5" "g: the misaligned candle at the edge closes the hour"
unset GB_1M

# ---- h. two changed ranges of one instrument more than a day apart in
# one run, one of them next to a gap that was marked refetched.
fresh
gen --symbols AAA,BBB --from 2025-02-03T00:00:00Z --to 2025-02-05T12:00:00Z \
    --skip 2025-02-05T10:00:00Z/2025-02-05T11:00:00Z >"$T/h.nd"
load "$T/h.nd"
step "h: first run" $TO2
$A -q --db --gaps --mark >/dev/null 2>&1
add AAA,BBB 2025-02-03T05:00:00Z 2025-02-03T05:10:00Z 7
add AAA 2025-02-05T10:00:00Z 2025-02-05T10:05:00Z 8
del BBB 2025-02-05T11:00:00Z 2025-02-05T11:01:00Z
step "h: two ranges two days apart, one at a refetched gap" $TO2
is "$(gaps)" "$(printf 'AAA|02-05 10:05:00|02-05 11:00:00|55|refetched\nBBB|02-05 10:00:00|02-05 11:01:00|61|open')" \
    "h: the gap shrunk stays refetched, the one grown is open"
add BBB 2025-02-03T23:00:00Z 2025-02-03T23:10:00Z 9
del AAA 2025-02-05T11:30:00Z 2025-02-05T11:31:00Z
add BBB 2025-02-05T10:00:00Z 2025-02-05T11:01:00Z 10
step "h: a revision, a new gap and a whole gap filled, a day and more apart" $TO2
is "$(gaps)" "$(printf 'AAA|02-05 10:05:00|02-05 11:00:00|55|refetched\nAAA|02-05 11:30:00|02-05 11:31:00|1|open')" \
    "h: the gaps after the second run"

# ---- i. user-made partitions of mdx.candle not named mdx.candle_YYYYMM.
# A partition of another name holds a month: mdx.ensure_candle_partitions()
# leaves the month alone (before 061 it tried to create mdx.candle_YYYYMM
# beside it, PostgreSQL refused the overlap, and every writer of the month
# failed), and the rollups go into the user's partition through
# mdx.candle and its triggers.
fresh
sql "CREATE TABLE mdx.user_2025_06 PARTITION OF mdx.candle
    FOR VALUES FROM ('2025-06-01T00:00Z') TO ('2025-07-01T00:00Z')"
# load_plain FILE: load without mdx.ensure_candle_partitions().
load_plain() {
	jq -r '[.symbol, .open_time, .open, .high, .low, .close, .volume,
	    .quote_volume, .trades, .taker_buy_volume,
	    .taker_buy_quote_volume] | @tsv' "$1" >"$T/plain.tsv"
	psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TEMP TABLE l (symbol text, open_time timestamptz, open numeric,
    high numeric, low numeric, close numeric, volume numeric,
    quote_volume numeric, trades bigint, taker_buy_volume numeric,
    taker_buy_quote_volume numeric);
\copy l FROM '$T/plain.tsv'
INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low,
    close, volume, quote_volume, trades, taker_buy_volume,
    taker_buy_quote_volume, closed, origin)
SELECT i.instrument_id, '1m', l.open_time, l.open, l.high, l.low, l.close,
    l.volume, l.quote_volume, l.trades, l.taker_buy_volume,
    l.taker_buy_quote_volume, true, 'exchange'
FROM l JOIN mdx.instrument i USING (symbol);
SQL
}
gen --symbols AAA,BBB --from 2025-06-02T00:00:00Z --to 2025-06-02T03:00:00Z >"$T/i.nd"
load_plain "$T/i.nd"
is "$(sql "SELECT count(*) FROM mdx.user_2025_06")" "360" \
    "i: the candles of June are in the user's partition"
is "$(sql "SELECT mdx.ensure_candle_partitions('2025-06-01T00:00Z', '2025-07-15T00:00Z')")" \
    "1" "i: mdx.ensure_candle_partitions() makes July, not June beside the user's partition"
is "$(sql "SELECT to_regclass('mdx.candle_202506') IS NULL")" "t" \
    "i: ... and mdx.candle_202506 does not exist"
step "i: rollups of a month in the user's partition" $TO2
add AAA,BBB 2025-06-02T03:00:00Z 2025-06-02T04:00:00Z 2
step "i: an hour appended in the user's partition" $TO2
is "$(sql "SELECT interval || ' ' || count(*) FROM mdx.user_2025_06 GROUP BY interval ORDER BY interval")" \
    "$(printf '1d 2\n1h 8\n1m 480')" "i: the rollups of June are in the user's partition"
# With mdx.candle_YYYYMM taken by a table that is not (or no longer) a
# partition, for instance the month's partition detached and replaced by
# the user's own, everything works through mdx.candle: loads and rollups
# land in the user's partition.  A writer that took mdx.candle_YYYYMM by
# its name would write into the detached table instead.
fresh
sql "DROP TABLE mdx.user_2025_06"
sql "SELECT mdx.ensure_candle_partitions('2025-04-01T00:00Z', '2025-04-01T00:00Z');
    ALTER TABLE mdx.candle DETACH PARTITION mdx.candle_202504;
    CREATE TABLE mdx.user_2025_04 PARTITION OF mdx.candle
    FOR VALUES FROM ('2025-04-01T00:00Z') TO ('2025-05-01T00:00Z')" >/dev/null
add AAA,BBB 2025-03-31T20:00:00Z 2025-04-01T02:00:00Z
step "i: first run" $TO5
add AAA,BBB 2025-04-01T02:00:00Z 2025-04-01T03:00:00Z 2
step "i: an hour appended in the user's partition" $TO5
add AAA 2025-04-01T00:30:00Z 2025-04-01T00:40:00Z 3
del BBB 2025-04-01T01:00:00Z 2025-04-01T02:00:00Z
step "i: a revision and an hour deleted in the user's partition" $TO5
is "$(sql "SELECT count(*) FROM mdx.candle_202504")" "0" \
    "i: the detached mdx.candle_202504 stays empty"
is "$(sql "SELECT interval || ' ' || count(*) FROM mdx.user_2025_04 GROUP BY interval ORDER BY interval")" \
    "$(printf '1M 2\n1d 2\n1h 5\n1m 300\n5m 60')" "i: the rollups of April are in the user's partition"

# ---- j. idempotence: a run with nothing new writes nothing, not even a
# dead tuple.  A backend flushes its statistics before it leaves
# pg_stat_activity, so waiting for the runs' backends to be gone is enough.
quiet() {
	_i=0
	while [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE
	    backend_type = 'client backend' AND pid <> pg_backend_pid()")" != 0 ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && break
		sleep 0.05
	done
}
tupstats() {
	quiet
	sql "SELECT sum(n_tup_ins) || ' ' || sum(n_tup_upd) || ' ' ||
	    sum(n_tup_del) FROM pg_stat_user_tables WHERE relid IN (SELECT
	    inhrelid FROM pg_inherits WHERE inhparent = 'mdx.candle'::regclass)"
}
before=$(tupstats)
exits 0 "j: a run with nothing new" $A --db --to $TO5
is "$(sql "SELECT counts->>'read' || ' ' || (counts->>'written') || ' ' || (counts->>'deleted') FROM mdx.run ORDER BY run_id DESC LIMIT 1")" \
    "0 0 0" "j: ... reads, writes and deletes nothing (mdx.run)"
is "$(sql "SELECT count(*) FROM mdx.candle_change")" "0" \
    "j: ... and leaves the change log empty"
is "$(tupstats)" "$before" "j: ... and no row of mdx.candle is inserted, updated or deleted"
# The same candles loaded again change nothing either.
gen --symbols AAA,BBB --from 2025-04-01T02:00:00Z --to 2025-04-01T03:00:00Z \
    --seed 2 >"$T/j.nd"
load "$T/j.nd"
before=$(tupstats)
exits 0 "j: a run after the same candles were loaded again" $A --db --to $TO5
is "$(sql "SELECT counts->>'read' || ' ' || (counts->>'written') || ' ' || (counts->>'deleted') FROM mdx.run ORDER BY run_id DESC LIMIT 1")" \
    "0 0 0" "j: ... reads, writes and deletes nothing"
is "$(tupstats)" "$before" "j: ... and touches no row of mdx.candle"
# A change of 1m candles that leaves their rollups as they were (the
# origin is no member of a rollup): the buckets are read again, and no
# rollup row is written.
sql "UPDATE mdx.candle SET origin = 'archive' WHERE interval = '1m'
    AND open_time >= '2025-04-01T01:00Z' AND open_time < '2025-04-01T01:05Z'"
before=$(tupstats)
exits 0 "j: a run after a change that leaves the rollups as they were" $A --db --to $TO5
is "$(sql "SELECT counts->>'read' || ' ' || (counts->>'written') || ' ' || (counts->>'deleted') FROM mdx.run ORDER BY run_id DESC LIMIT 1")" \
    "5 0 0" "j: ... reads the 5m bucket again, writes and deletes nothing"
is "$(tupstats)" "$before" "j: ... and touches no row of mdx.candle"

# ---- k. the change log entries of the rollups (read by the jobs of
# coarser intervals) are those the triggers of mdx.candle write for a
# plain INSERT ... ON CONFLICT and DELETE of the same rows.  A trigger of
# the test's own copies every entry as it is inserted or merged with the
# later changes of its transaction, since the run prunes the entries of
# intervals no job reads.
fresh
sql "CREATE TABLE log_copy (LIKE mdx.candle_change INCLUDING INDEXES);
    CREATE FUNCTION log_copy() RETURNS trigger LANGUAGE plpgsql AS
    \$\$ BEGIN INSERT INTO log_copy SELECT NEW.*
    ON CONFLICT (instrument_id, seq, interval, hour) DO UPDATE SET
    from_time = excluded.from_time, to_time = excluded.to_time,
    rows = excluded.rows; RETURN NULL; END \$\$;
    CREATE TRIGGER log_copy AFTER INSERT OR UPDATE ON mdx.candle_change
    FOR EACH ROW EXECUTE FUNCTION log_copy()"
gen --symbols AAA,BBB --from 2025-05-05T00:00:00Z --to 2025-05-05T06:00:00Z >"$T/k.nd"
load "$T/k.nd"
$A -q --db --to $TO5
# A revision, an appended hour, a deleted hour, and the same candles
# loaded again (which changes nothing).
add AAA 2025-05-05T02:00:00Z 2025-05-05T02:10:00Z 9
add AAA,BBB 2025-05-05T06:00:00Z 2025-05-05T07:00:00Z 2
del BBB 2025-05-05T03:00:00Z 2025-05-05T04:00:00Z
jq -c 'select(.symbol == "BBB" and .open_time < "2025-05-05T01:30:00Z")' \
    "$T/k.nd" >"$T/k2.nd"
load "$T/k2.nd"
sql "TRUNCATE log_copy"
fork >/dev/null
exits 0 "k: an incremental run" $A --db --to $TO5
logged() {	# DB: the copied entries of the rollup intervals
	psql -X -q -A -t -d "$1" -c "SELECT i.symbol, l.interval,
	    l.from_time, l.to_time, l.rows FROM log_copy l
	    JOIN mdx.instrument i USING (instrument_id)
	    WHERE l.interval <> '1m' ORDER BY 1, 2, 3, 4, 5"
}
logged mdx >"$T/got"
# The same rows written by plain statements in the copy taken before the
# run: per interval an upsert of every rollup and a delete of those gone,
# as the run does.
psql -X -q -A -t -v ON_ERROR_STOP=1 -c "COPY (SELECT * FROM mdx.candle
    WHERE interval <> '1m') TO STDOUT" >"$T/k.rows"
upsert_sql() {	# IV
	cat <<SQL
INSERT INTO mdx.candle SELECT * FROM r WHERE interval = '$1'
ON CONFLICT (instrument_id, interval, open_time) DO UPDATE SET
    $CANDLE_SET, base_count = excluded.base_count,
    base_expected = excluded.base_expected;
DELETE FROM mdx.candle c WHERE c.interval = '$1' AND NOT EXISTS (SELECT 1
    FROM r WHERE r.instrument_id = c.instrument_id AND r.interval = '$1'
    AND r.open_time = c.open_time);
SQL
}
{
	echo "CREATE TEMP TABLE r AS SELECT * FROM mdx.candle LIMIT 0;"
	printf '\\copy r FROM %s\n' "'$T/k.rows'"
	for iv in 5m 1h 1d 1w 1M; do upsert_sql $iv; done
} | psql -X -q -v ON_ERROR_STOP=1 -d fork >/dev/null
logged fork >"$T/want"
files_eq "$T/got" "$T/want" "k: the run logs its rollups as the triggers log plain statements"
cat >"$T/want" <<'EOF'
AAA|1d|2025-05-05 00:00:00+00|2025-05-05 00:00:00+00|1
AAA|1h|2025-05-05 02:00:00+00|2025-05-05 02:00:00+00|1
AAA|1h|2025-05-05 06:00:00+00|2025-05-05 06:00:00+00|1
BBB|1d|2025-05-05 00:00:00+00|2025-05-05 00:00:00+00|1
BBB|1h|2025-05-05 03:00:00+00|2025-05-05 03:00:00+00|1
BBB|1h|2025-05-05 06:00:00+00|2025-05-05 06:00:00+00|1
EOF
grep '|1[hd]|' "$T/got" >"$T/got.hd"
files_eq "$T/got.hd" "$T/want" "k: ... one entry per rollup changed, new or deleted, none for one unchanged"
sql "DROP TRIGGER log_copy ON mdx.candle_change; DROP FUNCTION log_copy();
    DROP TABLE log_copy"

done_testing
