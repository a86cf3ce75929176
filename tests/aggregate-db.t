#!/bin/sh
# aggregate-db.t - mdx-aggregate --db against a private PostgreSQL: rollups
# equal PostgreSQL's own GROUP BY and the stream mode; incremental runs
# after random load orders (late data, revisions, deletions) equal a
# rebuild from scratch; the gap table, the repair pipeline (--gaps --mark,
# --confirm, --fill), reconciling, exchange candles in the rollup key
# space, the run lock.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"
. "$MDX_SRC/tests/aggregate-lib.sh"

A=mdx-aggregate
TO=5m,1h,4h,1d,1w,1M
IVS="5m 1h 4h 1d 1w 1M"

pg_start
agg_migrate || bail "migrations failed"

# PostgreSQL's own rollup of the 1m rows, in the format of wh_candles.
groupby() {
	b=$(bucket_sql "$1")
	psql -X -q -A -t -F '	' -v ON_ERROR_STOP=1 -c "SELECT symbol,
	    to_char(b, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
	    trim_scale((array_agg(open ORDER BY open_time))[1]),
	    trim_scale(max(high)), trim_scale(min(low)),
	    trim_scale((array_agg(close ORDER BY open_time DESC))[1]),
	    trim_scale(sum(volume)), trim_scale(sum(quote_volume)),
	    sum(trades), trim_scale(sum(taker_buy_volume)),
	    trim_scale(sum(taker_buy_quote_volume)), count(*),
	    (extract(epoch FROM (b + mdx.interval_length('$1')) - b) / 60)::int,
	    'rollup'
	    FROM (SELECT i.symbol, c.*, $b AS b FROM mdx.candle c
		JOIN mdx.instrument i USING (instrument_id)
		WHERE c.interval = '1m') x
	    GROUP BY symbol, b ORDER BY 1, 2"
}
# The 1m rows of the warehouse as canonical NDJSON (for the stream mode).
wh_ndjson() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -c "SELECT json_build_object(
	    'kind', 'candle', 'exchange', i.exchange, 'market', i.market,
	    'symbol', i.symbol, 'interval', c.interval,
	    'open_time', to_char(c.open_time, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
	    'open', c.open::text, 'high', c.high::text, 'low', c.low::text,
	    'close', c.close::text, 'volume', c.volume::text,
	    'quote_volume', c.quote_volume::text, 'trades', c.trades,
	    'taker_buy_volume', c.taker_buy_volume::text,
	    'taker_buy_quote_volume', c.taker_buy_quote_volume::text,
	    'closed', c.closed, 'origin', c.origin)
	    FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id)
	    WHERE c.interval = '1m' ORDER BY i.symbol, c.open_time"
}
# All rollups and the gap table, for comparing whole warehouses.
snapshot() {
	for iv in $IVS; do wh_candles $iv; done
	sql "SELECT i.symbol, g.interval, g.from_time, g.to_time, g.missing,
	    g.status FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id)
	    ORDER BY 1, 3"
}

# ---- the data: two instruments over a leap day, a month end and a week
# start, with gaps at the start and end of a day, in the middle and across
# days; split in random pieces loaded in random orders, with revisions.
SKIP=2024-02-28T00:00:00Z/2024-02-28T00:05:00Z,2024-02-28T12:30:00Z/2024-02-28T12:31:00Z,2024-02-29T23:55:00Z/2024-03-01T00:00:00Z,2024-03-01T23:50:00Z/2024-03-02T00:10:00Z
gen --symbols BTCUSDT,ETHUSDT --from 2024-02-27T20:00:00Z \
    --to 2024-03-02T04:00:00Z --skip "$SKIP" >"$T/all.nd"
# Revised candles: the same open times, other values.
gen --symbols BTCUSDT,ETHUSDT --from 2024-02-29T06:00:00Z \
    --to 2024-02-29T07:30:00Z --seed 2 >"$T/rev.nd"
n=$(wc -l <"$T/all.nd")
diag "$n candles"

# Pieces of random lines (late data inside every piece).
split_random() {	# FILE K SEED -> $T/piece.0 .. K-1
	awk -v k="$2" -v seed="$3" -v dir="$T" 'BEGIN { srand(seed) }
	    { print > (dir "/piece." int(rand() * k)) }' "$1"
}

# ---- a first load, rolled up once: equals GROUP BY and the stream mode
load "$T/all.nd"
exits 0 "first run from scratch" $A --db --to $TO
is "$(sql "SELECT counts->>'fresh' FROM mdx.run ORDER BY run_id DESC LIMIT 1")" \
    "12" "the first run builds 2 instruments x 6 intervals from scratch"
for iv in $IVS; do
	wh_candles $iv >"$T/got"
	groupby $iv >"$T/want"
	files_eq "$T/got" "$T/want" "rollup $iv equals PostgreSQL's GROUP BY"
done
$A -q --to $TO "$T/all.nd" >"$T/stream"
for iv in $IVS; do
	nd_candles $iv <"$T/stream" >"$T/s"
	wh_candles $iv >"$T/w"
	files_eq "$T/w" "$T/s" "warehouse $iv equals the stream mode"
done
is "$(sql "SELECT base_count || '/' || base_expected FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE symbol = 'BTCUSDT' AND interval = '1d' AND open_time = '2024-02-29'")" \
    "1435/1440" "1d from 1h counts 1m candles (the leap day lacks 5)"
is "$(sql "SELECT base_expected FROM mdx.candle WHERE interval = '1M' AND open_time = '2024-02-01' LIMIT 1")" \
    "41760" "February 2024 expects 29 days of minutes"
is "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1w' AND extract(isodow FROM open_time) <> 1")" \
    "0" "weeks start on Monday"

# Nothing new: nothing read.
exits 0 "a run without changes" $A --db --to $TO
like "$(cat "$T/err")" "^mdx-aggregate: 0 candles read, 0 rollups written" \
    "a run without changes reads nothing"
is "$(sql "SELECT count(*) FROM mdx.candle_change")" "0" \
    "the change log is emptied once every consumer read it"
is "$(sql "SELECT counts->>'read' FROM mdx.run ORDER BY run_id DESC LIMIT 1")" \
    "0" "mdx.run records the counts"

# Gaps.
sql "SELECT i.symbol, to_char(from_time, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
    missing, g.status FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id)
    ORDER BY 1, 2" >"$T/got"
for s in BTCUSDT ETHUSDT; do
	printf '%s|2024-02-28T00:00:00Z|5|open\n' $s
	printf '%s|2024-02-28T12:30:00Z|1|open\n' $s
	printf '%s|2024-02-29T23:55:00Z|5|open\n' $s
	printf '%s|2024-03-01T23:50:00Z|20|open\n' $s
done >"$T/want"
files_eq "$T/got" "$T/want" "the gap table holds every gap, status open"
$A -q --db --gaps | jq -r '[.symbol, .from, .to, .count] | @tsv' >"$T/got"
$A -q --gaps "$T/all.nd" | jq -r '[.symbol, .from, .to, .count] | @tsv' |
    LC_ALL=C sort >"$T/want"
files_eq "$T/got" "$T/want" "--db --gaps prints what the stream --gaps finds"

# ---- incremental == from scratch, over random load orders
for round in 1 2 3; do
	sql "TRUNCATE mdx.candle, mdx.gap, mdx.rollup_watermark, mdx.candle_change"
	split_random "$T/all.nd" 5 $round
	order=$(for i in 0 1 2 3 4 R D; do echo "$(awk -v s=$round$i 'BEGIN{srand(s); print rand()}') $i"; done |
	    sort | cut -d' ' -f2 | tr '\n' ' ')
	for p in $order; do
		case $p in
		R) load "$T/rev.nd" ;;
		D) sql "DELETE FROM mdx.candle WHERE interval = '1m' AND
		    open_time >= '2024-03-01T10:00Z' AND open_time < '2024-03-01T10:07Z'" ;;
		*) load "$T/piece.$p" ;;
		esac
		# Roll up after most loads, and sometimes after two.
		[ $(( $(echo "$p" | cksum | cut -c1-3) % 3 )) -ne 0 ] &&
		    $A -q --db --to $TO || true
	done
	# A late revision of data already rolled up, and a deletion again.
	load "$T/rev.nd"
	sql "DELETE FROM mdx.candle WHERE interval = '1m' AND
	    open_time >= '2024-03-01T10:00Z' AND open_time < '2024-03-01T10:07Z'"
	$A -q --db --to $TO
	snapshot >"$T/incr"
	for iv in $IVS; do
		wh_candles $iv >"$T/got"
		groupby $iv >"$T/want"
		files_eq "$T/got" "$T/want" "round $round ($order): incremental $iv equals GROUP BY"
	done
	$A -q --db --to $TO --rebuild
	snapshot >"$T/scratch"
	files_eq "$T/incr" "$T/scratch" "round $round: incremental equals a rebuild from scratch, gaps included"
done
wh_ndjson >"$T/final.nd"
$A -q --to $TO "$T/final.nd" >"$T/stream"
same=0
for iv in $IVS; do
	nd_candles $iv <"$T/stream" >"$T/s"
	wh_candles $iv >"$T/w"
	cmp -s "$T/s" "$T/w" || same=1
done
is "$same" "0" "after revisions and deletions, warehouse and stream still agree"
is "$(sql "SELECT count(*) FROM mdx.gap WHERE from_time = '2024-03-01T10:00Z' AND missing = 7")" \
    "2" "deleted candles become gaps"

# ---- the repair pipeline: --gaps --mark, refetch, --confirm, --fill
$A -q --db --gaps --mark >"$T/ranges"
is "$(wc -l <"$T/ranges" | tr -d ' ')" "10" "--gaps --mark prints the open gaps"
is "$(sql "SELECT count(*) FROM mdx.gap WHERE status = 'refetched'")" "10" \
    "... and marks them refetched"
is "$($A -q --db --gaps | wc -l | tr -d ' ')" "0" "refetched gaps are not open any more"
# The "exchange" delivers two of the seven deleted minutes and the
# 2024-02-28 gaps of BTCUSDT (as mdx-extract --ranges would).
jq -c 'select(.open_time >= "2024-03-01T10:02:00Z" and .open_time < "2024-03-01T10:04:00Z")' \
    "$T/all.nd" >"$T/refetch.nd"
gen --symbols BTCUSDT --from 2024-02-28T00:00:00Z --to 2024-02-28T00:05:00Z >>"$T/refetch.nd"
gen --symbols BTCUSDT --from 2024-02-28T12:30:00Z --to 2024-02-28T12:31:00Z --seed 5 >>"$T/refetch.nd"
load "$T/refetch.nd"
exits 0 "--confirm after the refetch" $A --db --to $TO --confirm
sql "SELECT i.symbol, to_char(from_time, 'DD HH24:MI'), missing, g.status
    FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id)
    WHERE g.status <> 'open' ORDER BY 1, from_time" >"$T/got"
cat >"$T/want" <<'EOF'
BTCUSDT|29 23:55|5|confirmed_empty
BTCUSDT|01 10:00|2|confirmed_empty
BTCUSDT|01 10:04|3|confirmed_empty
BTCUSDT|01 23:50|20|confirmed_empty
ETHUSDT|28 00:00|5|confirmed_empty
ETHUSDT|28 12:30|1|confirmed_empty
ETHUSDT|29 23:55|5|confirmed_empty
ETHUSDT|01 10:00|2|confirmed_empty
ETHUSDT|01 10:04|3|confirmed_empty
ETHUSDT|01 23:50|20|confirmed_empty
EOF
files_eq "$T/got" "$T/want" "refetched gaps: delivered parts vanish, the rest is confirmed empty"
is "$(sql "SELECT count(*) FROM mdx.candle WHERE origin = 'filled'")" "0" \
    "no synthetic candle before --fill"
exits 0 "--fill" $A --db --to $TO --fill
is "$(sql "SELECT count(*) FROM mdx.candle WHERE origin = 'filled'")" "66" \
    "--fill writes one candle per confirmed-missing minute"
is "$(sql "SELECT count(*) FROM mdx.gap WHERE status = 'filled'")" "10" \
    "... and marks the gaps filled"
is "$(sql "SELECT count(*) FROM mdx.candle f JOIN LATERAL (SELECT close FROM mdx.candle p WHERE p.instrument_id = f.instrument_id AND p.interval = '1m' AND p.open_time < f.open_time AND p.origin <> 'filled' ORDER BY p.open_time DESC LIMIT 1) p ON true WHERE f.origin = 'filled' AND (f.open <> p.close OR f.high <> p.close OR f.low <> p.close OR f.close <> p.close OR f.volume <> 0 OR f.trades <> 0)")" \
    "0" "filled candles: the previous close, zero volume"
wh_ndjson | jq -c 'select(.origin != "filled")' >"$T/real.nd"
$A -q --fill "$T/real.nd" | nd_candles 1m >"$T/s"
wh_candles 1m | LC_ALL=C sort >"$T/w"
files_eq "$T/w" "$T/s" "warehouse --fill equals stream --fill of the same candles"
$A -q --fill --to $TO "$T/real.nd" >"$T/stream"
for iv in 1h 1d; do
	nd_candles $iv <"$T/stream" >"$T/s"
	wh_candles $iv >"$T/w"
	files_eq "$T/w" "$T/s" "after --fill, warehouse $iv equals stream --fill --to $iv"
done
is "$($A -q --db --gaps | wc -l | tr -d ' ')" "0" "no open gaps left"
exits 0 "a run after --fill" $A --db --to $TO
is "$(sql "SELECT count(*) FROM mdx.gap WHERE status = 'filled'")" "10" \
    "filled gaps stay recorded"

# ---- --reconcile: the exchange's own 1h candles, from the input
jq -c '.origin = "exchange" | del(.base_count, .base_expected, .partial)' "$T/stream" |
    jq -c 'select(.interval == "1h")' >"$T/same1h.nd"
exits 0 "--reconcile: identical candles: exit 0" $A --db --reconcile "$T/same1h.nd"
is "$(cat "$T/out")" "" "... and prints nothing"
like "$(cat "$T/err")" "read = [0-9]+ equal \+ 0 differ \+ 0 without a rollup \+ 0 rejected" \
    "... and accounts for every line"
jq -c 'if .open_time == "2024-02-29T10:00:00Z" then .close = "1.00" | .low = "1.00"
    elif .open_time == "2024-03-01T10:00:00Z" then .trades = 0 else . end' \
    "$T/same1h.nd" >"$T/ex1h.nd"
$A -q --db --reconcile "$T/ex1h.nd" >"$T/rec"
jq -r '[.symbol, .open_time, (.fields | keys | join(","))] | @tsv' "$T/rec" >"$T/got"
printf 'BTCUSDT\t2024-02-29T10:00:00Z\tclose,low\nBTCUSDT\t2024-03-01T10:00:00Z\ttrades\nETHUSDT\t2024-02-29T10:00:00Z\tclose,low\nETHUSDT\t2024-03-01T10:00:00Z\ttrades\n' >"$T/want"
files_eq "$T/got" "$T/want" "--reconcile reports exactly the buckets and members that differ"
head -1 "$T/same1h.nd" | jq -c '.volume = "1.5" | .high = (.high + "1")' >"$T/one.nd"
head -1 "$T/same1h.nd" | jq -c '.symbol = "NOSUCH"' >>"$T/one.nd"
exits 1 "--reconcile: a changed candle: exit 1" $A --db --reconcile "$T/one.nd"
is "$(head -1 "$T/out" | jq -c '[.status, (.fields | keys)]')" '["differs",["high","volume"]]' \
    "every differing member is reported"
is "$(head -1 "$T/out" | jq -r '.fields.volume.exchange')" "1.5" "with the exchange's value"
is "$(sed -n 2p "$T/out" | jq -r .status)" "missing" "a bucket without a rollup is reported"

# ---- exchange candles in the rollup key space are left alone
head -1 "$T/one.nd" | jq -c '.open_time = "2024-03-02T03:00:00Z"' >"$T/x.nd"
sql "DELETE FROM mdx.candle WHERE interval = '1h' AND open_time = '2024-03-02T03:00Z'"
load "$T/x.nd"
exits 0 "a run with an exchange 1h candle present" $A --db --to $TO --rebuild
like "$(cat "$T/err")" "1 held by exchange candles" "the held bucket is counted"
is "$(sql "SELECT status || ' ' || count(*) FROM mdx.gap GROUP BY status")" \
    "filled 10" "--rebuild keeps the status of the gaps"
is "$(sql "SELECT origin || ' ' || volume FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE symbol = 'BTCUSDT' AND interval = '1h' AND open_time = '2024-03-02T03:00Z'")" \
    "exchange 1.5" "the exchange candle is not overwritten"

# ---- numerics: the warehouse reads them in binary form (base-10000
# digits); every kind of digit group, scale and size must come out exactly
# as the text the stream mode parses.
sql "TRUNCATE mdx.candle, mdx.gap, mdx.rollup_watermark, mdx.candle_change"
numx() {	# TIME OPEN HIGH LOW CLOSE VOLUME QUOTE_VOLUME TBV TBQV
	printf '{"kind":"candle","exchange":"binance","market":"spot","symbol":"NUMX","interval":"1m","open_time":"2024-05-01T%s:00Z","open":"%s","high":"%s","low":"%s","close":"%s","volume":%s,"quote_volume":%s,"trades":7,"taker_buy_volume":%s,"taker_buy_quote_volume":%s,"closed":true,"origin":"exchange"}\n' "$@"
}
{
	numx 00:00 42283.58000000 42298.62 42261.02 42285.01 '"35.92"' '"1518922.1"' '"0.00000001"' '"0"'
	numx 00:01 42285.01 100000000 0.0001 10000 '"0.00000000"' '"100000000"' '"0.0001"' '"0.00012345"'
	numx 00:02 10000.0001 20000.00010000 1000.1 10000.0001 '"1E-8"' '"0.10000"' '"9999.9999"' '"1"'
	numx 01:00 1.5 2.0000 1 1.25 '"99999999999999999999999999999999999999"' '"9999999999999999999999999999999999"' '"1.0000000000000000000000000000000000000000"' '"12345678901234567890.123456789012345678"'
	numx 02:00 0.000000000000000000000000000000000001 1 0 0.5 '"0"' '"0.00000000000000000000000000000000000000"' '"99999999999999999999999999999999.9"' '"1234567890123456789012345678901234.5"'
	numx 03:00 1234567890123456789012345678.1234 1234567890123456789012345678.1234 1234567890123456789012345678.1234 1234567890123456789012345678.1234 null null null null
} >"$T/numx.nd"
load "$T/numx.nd"
# Negative prices are not candles an exchange sends, but numerics all the
# same.
sql "INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high,
    low, close, volume, closed, origin) SELECT instrument_id, '1m',
    '2024-05-01T04:00Z', -2.50, -1.0000, -3.25, -2.0, 0.5, true, 'exchange'
    FROM mdx.instrument WHERE symbol = 'NUMX'"
exits 0 "tricky numerics: a run from scratch" $A --db --to 1h
wh_candles 1h >"$T/got"
groupby 1h >"$T/want"
files_eq "$T/got" "$T/want" "tricky numerics: rollups equal PostgreSQL's GROUP BY"
sql "DELETE FROM mdx.candle WHERE open_time = '2024-05-01T04:00Z'"
exits 0 "tricky numerics: a run after a deletion" $A --db --to 1h
raw_1h="to_char(open_time, 'HH24:MI'), open, high, low, close, volume,
    quote_volume, trades, taker_buy_volume, taker_buy_quote_volume, base_count"
psql -X -q -A -t -F '	' -v ON_ERROR_STOP=1 -c "SELECT $raw_1h
    FROM mdx.candle WHERE interval = '1h' ORDER BY open_time" >"$T/got"
$A -q --to 1h "$T/numx.nd" | jq -r '[(.open_time | .[11:16]), .open, .high,
    .low, .close, .volume, .quote_volume, .trades, .taker_buy_volume,
    .taker_buy_quote_volume, .base_count] | map(. // "") | @tsv' >"$T/want"
files_eq "$T/got" "$T/want" "tricky numerics: the same digits and scales as the stream mode"

# ---- usage and the run lock
exits 64 "--to not a multiple of the base: exit 64" $A --db --to 1h --base 1h
exits 64 "--db with files: exit 64" $A --db --to 1h "$T/all.nd"
psql -X -q -c "SELECT pg_advisory_lock(74519824), pg_sleep(4)" >/dev/null 2>&1 &
lockpid=$!
sleep 1
exits 75 "another run holds the lock: exit 75" $A --db
like "$(cat "$T/err")" "another mdx-aggregate --db is running" "... and says so"
wait $lockpid
MDX_DB="host=$T/nowhere" exits 69 "no warehouse: exit 69" $A --db

# The run lock is released by the run itself before it exits.  Left to the
# server, a session lock outlives the client by as long as its backend
# takes to drop the run's temporary tables, and the next run started at
# once (repair runs --confirm, --fill and the rollup back to back) found
# it taken and exited 75.  The statement log shows the explicit unlock.
sql "ALTER DATABASE mdx SET log_statement = 'all'"
n0=$(wc -l <"$T/pg/server.log")
exits 0 "a run with the statement log on" $A --db --to 1h
is "$(tail -n +"$((n0 + 1))" "$T/pg/server.log" |
    grep -c 'pg_advisory_unlock(74519824)')" 1 \
    "the run releases its lock before it exits"
is "$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
    AND objid = 74519824")" 0 "... and nobody holds it after the run"
sql "ALTER DATABASE mdx RESET log_statement"

done_testing
