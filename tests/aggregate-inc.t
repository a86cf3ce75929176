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

bucket_sql() {
	case $1 in
	1d) echo "date_trunc('day', open_time)" ;;
	1w) echo "date_trunc('week', open_time)" ;;
	1M) echo "date_trunc('month', open_time)" ;;
	*) echo "date_bin(mdx.interval_length('$1'), open_time, 'epoch')" ;;
	esac
}
# gb_sql IV: PostgreSQL's own rollup of the 1m rows to IV, as text rows of
# wh_sql.
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
	    FROM (SELECT i.symbol, c.*, $_b AS b FROM mdx.candle c
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
ORDER BY 2, 3, 4, 7;
SQL
}

# gaps: the gap table in short (symbol, from, to, missing, status).
gaps() {
	sql "SELECT i.symbol, to_char(g.from_time, 'MM-DD HH24:MI:SS'),
	    to_char(g.to_time, 'MM-DD HH24:MI:SS'), g.missing, g.status
	    FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id)
	    ORDER BY 1, 2"
}

fork() {
	psql -X -q -d postgres -c "SET client_min_messages = warning" \
	    -c "DROP DATABASE IF EXISTS fork" \
	    -c "CREATE DATABASE fork TEMPLATE mdx" >/dev/null ||
	    bail "cannot copy the warehouse"
}

# step NAME TO [OPTIONS...]: the central assertion.  Copies the warehouse,
# runs an incremental mdx-aggregate --db --to TO here and a --rebuild in
# the copy, and compares the two; then compares every rollup interval of
# TO with PostgreSQL's GROUP BY.
step() {
	_name=$1 _to=$2
	shift 2
	fork
	_cut=$(sql "SELECT clock_timestamp()")
	exits 0 "$_name: incremental run" $A --db --to "$_to" "$@"
	PGDATABASE=fork $A -q --db --to "$_to" --rebuild "$@" ||
	    echo "# the rebuild failed"
	snap mdx "$_cut" >"$T/inc"
	snap fork "$_cut" >"$T/scratch"
	files_eq "$T/inc" "$T/scratch" \
	    "$_name: incremental equals a rebuild (rollups, gaps, statuses)"
	gb_check "$_name" "$_to"
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
add $S3 2024-03-31T00:00:00Z 2024-03-31T21:00:00Z
step "a: first run" $TO2
for h in 2024-03-31T21 2024-03-31T22 2024-03-31T23 2024-04-01T00 2024-04-01T01; do
	nxt=$(date -u -d "${h}:00:00Z + 1 hour" +%Y-%m-%dT%H)
	add $S3 "${h}:00:00Z" "${nxt}:00:00Z" 3
	step "a: hour $h appended" $TO2
done
# Half an hour, then the rest: the partial bucket at the edge is redone.
add $S3 2024-04-01T02:00:00Z 2024-04-01T02:30:00Z 4
step "a: half an hour appended" $TO2
add $S3 2024-04-01T02:30:00Z 2024-04-01T03:00:00Z 5
step "a: the rest of the hour appended" $TO2
add $S3 2024-04-01T03:00:00Z 2024-04-01T04:00:00Z 6
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
cat >"$T/want" <<'EOF'
AAA|05-28 12:00:00|05-28 18:00:00|360|open
AAA|05-28 19:00:00|06-02 05:00:00|6360|open
BBB|05-28 12:00:00|05-28 18:00:00|360|open
BBB|05-28 19:00:00|06-02 05:00:00|6360|open
CCC|05-28 12:00:00|05-28 18:00:00|360|open
EOF
gaps >"$T/got"
files_eq "$T/got" "$T/want" "b: the holes are gaps"

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
cat >"$T/want" <<'EOF'
AAA|07-08 11:30:00|07-09 22:00:00|2070|open
BBB|07-01 00:10:00|07-09 22:00:00|12830|open
CCC|07-09 23:50:00|07-10 00:00:00|10|open
EOF
gaps >"$T/got"
files_eq "$T/got" "$T/want" "c: the holes before the old first candles are gaps"

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
cat >"$T/want" <<'EOF'
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
gaps >"$T/got"
files_eq "$T/got" "$T/want" "d: shrunk and split gaps keep their status"
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
cat >"$T/want" <<'EOF'
AAA|09-02 02:00:00|09-02 02:05:00|5|filled
AAA|09-02 02:05:00|09-02 02:07:00|2|open
BBB|09-02 01:58:00|09-02 02:00:00|2|open
BBB|09-02 02:00:00|09-02 02:05:00|5|filled
BBB|09-02 03:00:00|09-02 03:10:00|10|open
CCC|09-02 02:00:00|09-02 02:01:00|1|open
CCC|09-02 02:00:00|09-02 02:05:00|5|filled
CCC|09-02 03:00:00|09-02 03:10:00|10|open
EOF
gaps >"$T/got"
files_eq "$T/got" "$T/want" "e: gaps next to filled ones, filled rows untouched"

# ---- f. deletions: in the middle, the last candle, the first candle, a
# whole hour and a whole day, with every interval.
fresh
add $S3 2024-10-30T00:00:00Z 2024-11-01T02:00:00Z
step "f: first run" $TO5
del AAA 2024-10-31T12:00:00Z 2024-10-31T12:03:00Z
step "f: deletion in the middle" $TO5
del AAA 2024-11-01T01:59:00Z 2024-11-01T02:00:00Z
step "f: the last candle deleted" $TO5
del BBB 2024-10-30T00:00:00Z 2024-10-30T00:01:00Z
step "f: the first candle deleted" $TO5
del CCC 2024-11-01T01:00:00Z 2024-11-01T02:00:00Z
del BBB 2024-10-31T05:00:00Z 2024-10-31T06:00:00Z
step "f: the last hour and an hour in the middle deleted" $TO5
del CCC 2024-11-01T00:00:00Z 2024-11-01T01:00:00Z
del AAA 2024-10-30T00:00:00Z 2024-10-31T00:00:00Z
step "f: the last day and the first day deleted" $TO5
is "$(sql "SELECT count(*) FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE i.symbol = 'CCC' AND c.interval IN ('1d', '1M') AND c.open_time >= '2024-11-01'")" \
    "0" "f: rollups of buckets left empty are deleted"

done_testing
