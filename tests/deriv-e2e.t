#!/bin/sh
# deriv-e2e.t - derivatives data from the mock exchange to the warehouse:
# mark, index and premium-index klines, funding and open interest fetched
# by mdx-extract, made canonical by mdx-transform and loaded by mdx-load;
# rollups of mark, index and premium candles (stream and --db) equal the
# mock's own 1h and 1d candles of that price; funding across the mock's
# 8h -> 4h change on 2024-02-15 gives no false gap, a hole gives one, in
# the stream and in the warehouse; a rerun of load and rollups changes
# nothing.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2024-03-01T00:00:00Z
export MDX_NOW
MDX_STATE=$T/state
export MDX_STATE
mock_start --now "$MDX_NOW"
pg_start
mdx-load --migrate 2>/dev/null

SINCE=2024-02-26T00:00:00Z
UNTIL=2024-02-29T00:00:00Z

# fetch KIND INTERVALS OUT: extract and transform one BTCUSDT series.
fetch() {
	mdx-extract -m usdm -k "$1" -s BTCUSDT -i "$2" --since "$SINCE" \
	    --until "$UNTIL" 2>>"$T/extract.err" |
	    mdx-transform 2>>"$T/transform.err" >"$3"
}

# strip: the members two candles of the same bucket share whatever made
# them (not origin, fetched_at, base counts), sorted.
strip() {
	jq -c 'del(.origin, .fetched_at, .base_count, .base_expected)' "$@" |
	    sort
}

for p in mark index premium; do
	fetch "${p}_klines" 1m "$T/$p-1m.ndjson"
	fetch "${p}_klines" 1h,1d "$T/$p-x.ndjson"
	is "$(wc -l <"$T/$p-1m.ndjson" | tr -d ' ')" "4320" "$p: 3 days of 1m candles"
	is "$(jq -r .price "$T/$p-x.ndjson" | sort -u)" "$p" "$p: price type kept"
	mdx-aggregate -q --to 1h,1d "$T/$p-1m.ndjson" >"$T/$p-roll.ndjson"
	strip "$T/$p-roll.ndjson" >"$T/a"
	strip "$T/$p-x.ndjson" >"$T/b"
	is "$(wc -l <"$T/a" | tr -d ' ')" "75" "$p: 72 hours and 3 days rolled up"
	files_eq "$T/a" "$T/b" "$p: stream rollups equal the mock's 1h and 1d candles"
done
fetch klines 1m "$T/trade-1m.ndjson"
mdx-extract -m usdm -k funding -s BTCUSDT --since 2024-02-01T00:00:00Z \
    --until "$UNTIL" 2>>"$T/extract.err" | mdx-transform 2>/dev/null \
    >"$T/funding.ndjson"
fetch open_interest 5m "$T/oi.ndjson"

# The funding schedule changes from 8h to 4h on 2024-02-15: no gap.
is "$(jq -r .time "$T/funding.ndjson" | grep -c '2024-02-1[0-4]')" "15" \
    "funding: 3 events a day before the change"
is "$(jq -r .time "$T/funding.ndjson" | grep -c '2024-02-1[6-9]')" "24" \
    "funding: 6 events a day after it"
exits 0 "stream --gaps over the funding change" \
    mdx-aggregate --gaps "$T/funding.ndjson" "$T/oi.ndjson"
is "$(cat "$T/out")" "" "no false funding or open-interest gap"

# Load everything (but the 1h and 1d candles: the warehouse rolls its own).
cat "$T/mark-1m.ndjson" "$T/index-1m.ndjson" "$T/premium-1m.ndjson" \
    "$T/trade-1m.ndjson" "$T/funding.ndjson" "$T/oi.ndjson" >"$T/all.ndjson"
n_fund=$(wc -l <"$T/funding.ndjson" | tr -d ' ')
n_oi=$(wc -l <"$T/oi.ndjson" | tr -d ' ')
exits 0 "load" mdx-load "$T/all.ndjson"
like "$(cat "$T/err")" "candles 17280 \\(inserted 17280," "17280 candles loaded"
like "$(cat "$T/err")" "funding $n_fund \\(inserted $n_fund, revised 0, unchanged 0\\), open_interest $n_oi \\(inserted $n_oi," \
    "every funding event and sample loaded"
# The event at the change closes the last 8h period: 8h up to it, 4h after.
is "$(sql "SELECT count(*) FROM mdx.fundings WHERE interval_in_force = '8h'
    AND time <= '2024-02-15'") $(sql "SELECT count(*) FROM mdx.fundings
    WHERE interval_in_force = '4h' AND time > '2024-02-15'")" \
    "$(jq -r 'select(.time <= "2024-02-15T00:00:00Z") | .time' \
    "$T/funding.ndjson" | wc -l | tr -d ' ') $(jq -r \
    'select(.time > "2024-02-15T00:00:00Z") | .time' "$T/funding.ndjson" |
    wc -l | tr -d ' ')" \
    "interval in force read from the spacing: 8h before, 4h after"

exits 0 "warehouse rollups" mdx-aggregate --db --to 1h,1d
for p in mark index premium; do
	sql "SELECT json_build_object('kind', 'candle', 'exchange', exchange,
	    'market', market, 'symbol', symbol, 'interval', interval,
	    'price', price, 'open_time', to_char(open_time AT TIME ZONE 'UTC',
	    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'open', open::text,
	    'high', high::text, 'low', low::text, 'close', close::text,
	    'closed', closed) FROM mdx.candles WHERE price = '$p'
	    AND interval IN ('1h', '1d') AND origin = 'rollup'" >"$T/db-$p"
	strip "$T/db-$p" >"$T/a"
	strip "$T/$p-x.ndjson" >"$T/b"
	files_eq "$T/a" "$T/b" "$p: warehouse rollups equal the mock's 1h and 1d candles"
done

# --reconcile compares the mock's own candles with the warehouse rollups
# of the same price: all equal; one altered close differs.
cat "$T/mark-x.ndjson" "$T/index-x.ndjson" "$T/premium-x.ndjson" >"$T/x.ndjson"
exits 0 "reconcile the mock's 1h and 1d candles of every price" \
    mdx-aggregate -v --db --reconcile "$T/x.ndjson"
is "$(cat "$T/out")" "" "reconcile: nothing differs, nothing missing"
like "$(cat "$T/err")" "225 read = 225 equal \\+ 0 differ \\+ 0 without a rollup" "reconcile: 225 equal"
head -1 "$T/mark-x.ndjson" | sed 's/"close":"[0-9.]*"/"close":"1"/; s/"low":"[0-9.]*"/"low":"1"/' \
    >"$T/bad-x.ndjson"
mdx-aggregate --db --reconcile "$T/bad-x.ndjson" >"$T/out" 2>/dev/null
is "$(jq -r '[.price, .status, (.fields | keys | join(","))] | join(" ")' "$T/out")" \
    "mark differs close,low" "reconcile: an altered mark candle differs, named as mark"

# A rerun changes nothing.
exits 0 "load again" mdx-load "$T/all.ndjson"
like "$(cat "$T/err")" "candles 17280 \\(inserted 0, revised 0, unchanged 17280\\)" \
    "rerun: candles unchanged"
like "$(cat "$T/err")" "funding $n_fund \\(inserted 0, revised 0, unchanged $n_fund\\), open_interest $n_oi \\(inserted 0, revised 0, unchanged $n_oi\\)" \
    "rerun: funding and open interest unchanged"
exits 0 "rollups again" mdx-aggregate -v --db --to 1h,1d
like "$(cat "$T/err")" " 0 rollups written" "rerun: no rollup written"

# A hole of funding in the 4h era, and one of open interest: found in the
# warehouse as one missing event and two missing samples.
jq -c 'select(.time != "2024-02-20T08:00:00Z")' "$T/funding.ndjson" \
    >"$T/f2.ndjson"
sql "DELETE FROM mdx.funding WHERE time = '2024-02-20T08:00:00Z';
    DELETE FROM mdx.open_interest WHERE time IN ('2024-02-27T10:05:00Z',
    '2024-02-27T10:10:00Z')" >/dev/null
exits 0 "--db --gaps" mdx-aggregate --db --gaps --mark
is "$(jq -c 'select(.series) | [.series, .interval, .from, .to, .count]' "$T/out")" \
'["funding","4h","2024-02-20T08:00:00Z","2024-02-20T12:00:00Z",1]
["open_interest","5m","2024-02-27T10:05:00Z","2024-02-27T10:15:00Z",2]' \
    "warehouse: the missing event and samples, nothing else"
is "$(sql "SELECT string_agg(status, ' ') FROM mdx.series_gap")" \
    "refetched refetched" "--mark: marked refetched"
# The refetch of exactly those ranges brings them back.
jq -c 'select(.series)' "$T/out" >"$T/sgaps"
mdx-extract --ranges "$T/sgaps" 2>"$T/rx.err" | mdx-transform 2>/dev/null |
    mdx-load 2>"$T/rl.err"
like "$(cat "$T/rl.err")" "funding 1 \\(inserted 1, .*open_interest 2 \\(inserted 2," \
    "--ranges refetched the missing event and the two samples"
exits 0 "--confirm" mdx-aggregate --db --confirm
is "$(sql "SELECT count(*) FROM mdx.series_gap")" "0" \
    "the refetch closed both gaps"
sql "DELETE FROM mdx.funding WHERE time = '2024-02-20T08:00:00Z'" >/dev/null
mdx-aggregate --db --gaps --mark >/dev/null 2>&1
exits 0 "--confirm" mdx-aggregate --db --confirm
is "$(sql "SELECT string_agg(status, ' ') FROM mdx.series_gap")" \
    "confirmed_empty" "--confirm: a refetched gap still missing is confirmed"
exits 0 "stream --gaps with the hole" mdx-aggregate --gaps "$T/f2.ndjson"
is "$(jq -c '[.series, .interval, .from, .to, .count]' "$T/out")" \
    '["funding","4h","2024-02-20T08:00:00Z","2024-02-20T12:00:00Z",1]' \
    "stream: the same funding gap"


# Binance's archives: the funding of January and February (with the
# interval in force, 8h then 4h from 2024-02-15) and two days of metrics
# (open interest every 5 minutes) loaded over what REST gave (an origin
# of its own: a revision): the interval comes in, the mark price REST gave
# stays, the missing event comes back, and there is no gap, false or true.
MA=$MDX_SRC/tests/mock/make-archive.js
node "$MA" --market usdm --kind fundingRate --month 2024-01 --month 2024-02 \
    --out "$T/arch/funding" >/dev/null
node "$MA" --market usdm --kind metrics --date 2024-02-27 --date 2024-02-28 \
    --out "$T/arch/metrics" >/dev/null
{
	mdx-extract -m usdm -k funding --archive "$T/arch/funding"
	mdx-extract -m usdm -k open_interest --archive "$T/arch/metrics"
} 2>/dev/null | mdx-transform 2>/dev/null >"$T/archive.ndjson"
exits 0 "load the archives" mdx-load "$T/archive.ndjson"
like "$(cat "$T/err")" "funding 225 \\(inserted 100, revised 125, .*open_interest 576 \\(inserted 0," \
    "archives: 225 funding events, 100 new (January, 29 February, the hole); the samples REST gave"
is "$(sql "SELECT count(*) || ' ' || count(interval) || ' ' || count(mark_price)
    FILTER (WHERE time >= '2024-02-01') FROM mdx.funding
    WHERE time < '2024-03-01'")" \
    "225 225 $(jq -r 'select(.time >= "2024-02-01" and
    .time != "2024-02-20T08:00:00Z") | .time' \
    "$T/funding.ndjson" | sort -u | wc -l | tr -d ' ')" \
    "every event has its interval; REST's mark prices kept"
exits 0 "--db --gaps after the archives" mdx-aggregate --db --gaps
is "$(jq -c 'select(.series)' "$T/out")" "" "no funding or open-interest gap"
is "$(sql "SELECT string_agg(DISTINCT interval_in_force, ' ') FROM mdx.fundings
    WHERE time < '2024-02-15'") $(sql "SELECT string_agg(DISTINCT
    interval_in_force, ' ') FROM mdx.fundings WHERE time > '2024-02-15'")" \
    "8h 4h" "the archive's intervals in force"

# The series gaps are found again only after funding or open interest
# changed (mdx.series_change): a gap put in by hand outlives a run without
# such changes and goes with the run after the next change.
sql "INSERT INTO mdx.series_gap (instrument_id, series, interval, from_time,
    to_time, missing) SELECT instrument_id, 'funding', '8h', '2020-01-01',
    '2020-01-01 16:00', 1 FROM mdx.funding LIMIT 1" >/dev/null
exits 0 "a run after no change of funding" mdx-aggregate --db
is "$(sql "SELECT count(*) FROM mdx.series_gap")" "1" \
    "without a change, the series gaps are not searched again"
sql "UPDATE mdx.open_interest SET open_interest = open_interest
    WHERE time = (SELECT max(time) FROM mdx.open_interest)" >/dev/null
is "$(sql "SELECT count(DISTINCT xid) FROM mdx.series_change")" "1" \
    "a change of open interest is marked"
exits 0 "a run after a change" mdx-aggregate --db
is "$(sql "SELECT count(*) FROM mdx.series_gap") $(sql "SELECT count(*)
    FROM mdx.series_change")" "0 0" \
    "after a change, the series gaps are searched again and the mark goes"

done_testing
