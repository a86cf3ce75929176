#!/bin/sh
# chart.t - pipelines/chart and status --svg against a private PostgreSQL:
# the coverage map's cells say what the data holds (complete, gap open,
# confirmed empty, filled, missing without a gap row, no data), the candle
# chart draws one body per candle, the gaps as bands where they are and
# filled candles apart; every picture is valid XML; bad arguments, an
# unknown series and an unreachable warehouse exit as documented.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"
. "$MDX_SRC/tests/aggregate-lib.sh"

command -v xmllint >/dev/null || bail "xmllint not installed (run make deps)"
C=$MDX_SRC/pipelines/chart
export MDX_VAR=$T/var

pg_start
mdx-load --migrate >/dev/null 2>&1 || bail "migrations failed"

# ---- the data, made without mdx (tests/aggregate-gen.js):
# BTCUSDT 1m, 2024-03-01 to 03-04 whole, with three holes: 03-02 10:00-10:30
# (to be filled), 03-03 05:00-05:05 (to be confirmed empty), 03-04
# 12:00-12:10 (left open);
# ETHUSDT 1m from 03-01 to 03-03 12:00, with a hole over midnight
# 03-01 23:50-03-02 00:10 (left open): 03-03 is half there, 03-04 not yet;
# SOLUSDT 1h over the four days, lacking 03-02 06:00-09:00: mdx.gap
# holds the base interval's gaps (1m) only, so this one has no gap row.
gen --symbols BTCUSDT --from 2024-03-01T00:00:00Z --to 2024-03-05T00:00:00Z \
    --skip 2024-03-02T10:00:00Z/2024-03-02T10:30:00Z,2024-03-03T05:00:00Z/2024-03-03T05:05:00Z,2024-03-04T12:00:00Z/2024-03-04T12:10:00Z \
    >"$T/btc.nd"
gen --symbols ETHUSDT --from 2024-03-01T00:00:00Z --to 2024-03-03T12:00:00Z \
    --skip 2024-03-01T23:50:00Z/2024-03-02T00:10:00Z --seed 3 >"$T/eth.nd"
gen --symbols SOLUSDT --interval 1h --from 2024-03-01T00:00:00Z \
    --to 2024-03-05T00:00:00Z --skip 2024-03-02T06:00:00Z/2024-03-02T09:00:00Z \
    --seed 4 >"$T/sol.nd"
cat "$T/btc.nd" "$T/eth.nd" "$T/sol.nd" | mdx-load -q ||
    bail "loading the candles failed"
# The gaps, as the repair pipeline makes them: all open, then the one of
# 03-02 refetched (nothing came), confirmed empty and filled, the one of
# 03-03 refetched and confirmed empty.  The rollups (1h, 1d) come along.
A="mdx-aggregate -q --db"
$A --gaps >/dev/null &&
    $A --gaps --mark --since 2024-03-02T05:00:00Z --until 2024-03-02T23:00:00Z >/dev/null &&
    $A --confirm && $A --fill &&
    $A --gaps --mark --since 2024-03-03T00:00:00Z --until 2024-03-03T23:00:00Z >/dev/null &&
    $A --confirm || bail "making the gaps failed"
is "$(sql "SELECT i.symbol || ' ' || to_char(g.from_time, 'DD HH24:MI') || ' ' || g.status FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id) ORDER BY g.from_time")" \
"ETHUSDT 01 23:50 open
BTCUSDT 02 10:00 filled
BTCUSDT 03 05:00 confirmed_empty
BTCUSDT 04 12:00 open" "the warehouse holds the gaps the test draws"

# cells FILE: "series day class" of every map cell, in order.
cells() {
	sed -n 's/.*<rect class="cell \([a-z]*\)" data-series="\([^"]*\)" data-day="\([^"]*\)".*/\2 \3 \1/p' "$1"
}
# count FILE REGEX: the lines of FILE matching REGEX.
count() { grep -c -E -- "$2" "$1"; }

# ---- the coverage map of the 1m series
exits 0 "map -i 1m" "$C" map -i 1m --since 2024-03-01 --until 2024-03-05 \
    -o "$T/map1m.svg"
ok "xmllint --noout '$T/map1m.svg'" "the map is valid XML"
cells "$T/map1m.svg" >"$T/got"
cat >"$T/want" <<'EOF'
binance spot BTCUSDT 1m 2024-03-01 complete
binance spot BTCUSDT 1m 2024-03-02 filled
binance spot BTCUSDT 1m 2024-03-03 empty
binance spot BTCUSDT 1m 2024-03-04 open
binance spot ETHUSDT 1m 2024-03-01 open
binance spot ETHUSDT 1m 2024-03-02 open
binance spot ETHUSDT 1m 2024-03-03 partial
binance spot ETHUSDT 1m 2024-03-04 none
EOF
files_eq "$T/got" "$T/want" \
    "each day of each 1m series has the state its candles and gaps imply"
is "$(count "$T/map1m.svg" '<text class="series"')" 2 "one row per series"
is "$(grep -o 'class="day"[^>]*>[0-9-]*<' "$T/map1m.svg" | sed 's/.*>\(.*\)</\1/' | tr '\n' ' ')" \
    "2024-03-01 2024-03-02 2024-03-03 2024-03-04 " "the days are labelled"
is "$(count "$T/map1m.svg" '<g class="legend ')" 6 "the legend names the six states"
like "$(grep 'data-series="binance spot ETHUSDT 1m" data-day="2024-03-03"' "$T/map1m.svg")" \
    '720 of 1440 candles' "a cell's tooltip gives its counts"
like "$(grep 'data-day="2024-03-01"' "$T/map1m.svg" | grep ETHUSDT)" \
    'gap open: 10 missing' "a gap over midnight counts in each day its own part"

# ---- the whole warehouse: the rollups are series too; a rollup present
# counts whatever its base count (the base interval's gaps show in the 1m
# row); SOLUSDT 1h lacks three hours without a gap row.
exits 0 "map of the whole warehouse" "$C" map --since 2024-03-01 \
    --until 2024-03-05 -o "$T/map.svg"
ok "xmllint --noout '$T/map.svg'" "the whole map is valid XML"
is "$(count "$T/map.svg" '<text class="series"')" \
    "$(sql "SELECT count(DISTINCT (instrument_id, interval)) FROM mdx.candle")" \
    "one row per series of mdx.candle"
cells "$T/map.svg" | awk '{ print $3, $4, $6 }' | sort | uniq -c |
    awk '{ print $2, $3, $4, $1 }' >"$T/got"
cat >"$T/want" <<'EOF'
BTCUSDT 1d complete 4
BTCUSDT 1h complete 4
BTCUSDT 1m complete 1
BTCUSDT 1m empty 1
BTCUSDT 1m filled 1
BTCUSDT 1m open 1
ETHUSDT 1d complete 3
ETHUSDT 1d none 1
ETHUSDT 1h complete 2
ETHUSDT 1h none 1
ETHUSDT 1h partial 1
ETHUSDT 1m none 1
ETHUSDT 1m open 2
ETHUSDT 1m partial 1
SOLUSDT 1d complete 4
SOLUSDT 1h complete 3
SOLUSDT 1h partial 1
EOF
files_eq "$T/got" "$T/want" "the cells per series and state"
is "$(cells "$T/map.svg" | grep 'SOLUSDT 1h' | grep partial | cut -d' ' -f5)" \
    "2024-03-02" "the missing hours without a gap row are on their day"
is "$(grep -o 'class="cell [a-z]*"' "$T/map.svg" | sort | uniq -c | awk '{ printf "%s=%s ", $3, $1 }')" \
    'complete"=21 empty"=1 filled"=1 none"=3 open"=3 partial"=3 ' \
    "the number of cells of each state"

# The day in progress holds the candles up to now: ETHUSDT's 03-03 is
# complete at noon; a later --until is cut at now.
exits 0 "map at noon of 03-03" env MDX_NOW=2024-03-03T12:00:00Z "$C" map \
    -i 1m --since 2024-03-01 --until 2024-03-10
is "$(cells "$T/out" | tr '\n' ',')" \
    "binance spot BTCUSDT 1m 2024-03-01 complete,binance spot BTCUSDT 1m 2024-03-02 filled,binance spot BTCUSDT 1m 2024-03-03 empty,binance spot ETHUSDT 1m 2024-03-01 open,binance spot ETHUSDT 1m 2024-03-02 open,binance spot ETHUSDT 1m 2024-03-03 complete," \
    "the day in progress is complete when it holds every candle up to now"
like "$(grep 'ETHUSDT 1m" data-day="2024-03-03"' "$T/out")" '720 of 720 candles' \
    "... 720 of 720"

# A range before the data: an empty picture, still valid, and a word why.
exits 0 "map of an empty range" "$C" map --since 2023-01-01 --until 2023-02-01
ok "xmllint --noout '$T/out'" "... is valid XML"
is "$(count "$T/out" 'class="cell')" 0 "... without cells"
like "$(cat "$T/err")" "no candles and no gaps" "... and says so"

# ---- candle charts
# The filled gap: 90 minutes, 30 of them synthetic, one band.
exits 0 "candles around the filled gap" "$C" candles -x binance -m spot \
    -s BTCUSDT -i 1m --since 2024-03-02T09:30:00Z \
    --until 2024-03-02T11:00:00Z -o "$T/c1.svg"
ok "xmllint --noout '$T/c1.svg'" "the candle chart is valid XML"
is "$(count "$T/c1.svg" '<rect class="body ')" \
    "$(sql "SELECT count(*) FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE symbol = 'BTCUSDT' AND interval = '1m' AND open_time >= '2024-03-02T09:30:00Z' AND open_time < '2024-03-02T11:00:00Z'")" \
    "one body per candle in the range"
is "$(count "$T/c1.svg" '<rect class="body ')" 90 "... 90 of them"
is "$(count "$T/c1.svg" '<rect class="body filled"')" 30 \
    "the 30 filled candles are drawn apart"
is "$(count "$T/c1.svg" '<line class="wick ')" 90 "one wick per candle"
is "$(count "$T/c1.svg" '<rect class="gap ')" 1 "one gap band"
like "$(grep '<rect class="gap ' "$T/c1.svg")" \
    'class="gap filled" data-from="2024-03-02T10:00:00Z" data-to="2024-03-02T10:30:00Z"' \
    "... for the filled gap"

# attr FILE REGEX NAME: the value of attribute NAME of the line matching
# REGEX.
attr() { grep -E -- "$2" "$1" | head -1 | sed -n "s/.* $3=\"\\([^\"]*\\)\".*/\\1/p"; }
# band_between FILE BEFORE AFTER: the gap band lies right of the body of
# the candle at BEFORE and left of the one at AFTER, and every body inside
# the band's time range lies inside it.
band_between() {
	bx=$(attr "$1" '<rect class="gap ' x)
	bw=$(attr "$1" '<rect class="gap ' width)
	px=$(attr "$1" "class=\"body [a-z]*\" data-time=\"$2\"" x)
	pw=$(attr "$1" "class=\"body [a-z]*\" data-time=\"$2\"" width)
	nx=$(attr "$1" "class=\"body [a-z]*\" data-time=\"$3\"" x)
	awk -v bx="$bx" -v bw="$bw" -v px="$px" -v pw="$pw" -v nx="$nx" \
	    'BEGIN { exit !(px != "" && nx != "" && bx + 0 >= px + pw && bx + bw <= nx + 0 && bw > 0) }'
}
ok "band_between '$T/c1.svg' 2024-03-02T09:59:00Z 2024-03-02T10:30:00Z" \
    "the band lies between the candles around the gap"
bx=$(attr "$T/c1.svg" '<rect class="gap ' x)
bw=$(attr "$T/c1.svg" '<rect class="gap ' width)
is "$(grep '<rect class="body filled"' "$T/c1.svg" | sed 's/.* x="\([^"]*\)" y="[^"]*" width="\([^"]*\)".*/\1 \2/' |
    awk -v bx="$bx" -v bw="$bw" '$1 >= bx && $1 + $2 <= bx + bw { n++ } END { print n + 0 }')" \
    30 "the filled candles lie inside the band"

# The open gap: 120 minutes less 10.
exits 0 "candles around the open gap" "$C" candles -x binance -m spot \
    -s BTCUSDT -i 1m --since 2024-03-04T11:00:00Z \
    --until 2024-03-04T13:00:00Z -o "$T/c2.svg"
ok "xmllint --noout '$T/c2.svg'" "... valid XML"
is "$(count "$T/c2.svg" '<rect class="body ')" 110 "110 bodies"
is "$(count "$T/c2.svg" '<rect class="body filled"')" 0 "none of them filled"
like "$(grep '<rect class="gap ' "$T/c2.svg")" \
    'class="gap open" data-from="2024-03-04T12:00:00Z" data-to="2024-03-04T12:10:00Z"' \
    "the open gap's band"
ok "band_between '$T/c2.svg' 2024-03-04T11:59:00Z 2024-03-04T12:10:00Z" \
    "... lies between the candles around the gap"
is "$(count "$T/c2.svg" '<rect class="gap ')" 1 "the gap of another day is not drawn"
# Up is up: the highest high's wick starts highest (smallest y), the
# lowest low's ends lowest.
hi=$(sql "SELECT to_char(open_time, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE symbol = 'BTCUSDT' AND interval = '1m' AND open_time >= '2024-03-04T11:00:00Z' AND open_time < '2024-03-04T13:00:00Z' ORDER BY high DESC, open_time LIMIT 1")
lo=$(sql "SELECT to_char(open_time, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE symbol = 'BTCUSDT' AND interval = '1m' AND open_time >= '2024-03-04T11:00:00Z' AND open_time < '2024-03-04T13:00:00Z' ORDER BY low, open_time LIMIT 1")
is "$(grep '<line class="wick ' "$T/c2.svg" | sed 's/.*data-time="\([^"]*\)".* y1="\([^"]*\)".*/\2 \1/' | sort -n | head -1 | cut -d' ' -f2)" \
    "$hi" "the highest wick is the candle with the highest high"
is "$(grep '<line class="wick ' "$T/c2.svg" | sed 's/.*data-time="\([^"]*\)".* y2="\([^"]*\)".*/\2 \1/' | sort -rn | head -1 | cut -d' ' -f2)" \
    "$lo" "the lowest wick is the candle with the lowest low"
n=$(count "$T/c2.svg" '<text class="price"')
ok "[ $n -ge 3 ] && [ $n -le 12 ]" "a few price labels ($n)"
n=$(count "$T/c2.svg" '<text class="time"')
ok "[ $n -ge 3 ] && [ $n -le 8 ]" "a few time labels ($n)"
like "$(grep '<text class="time"' "$T/c2.svg" | head -1)" '>03-04 11:15<' \
    "time labels at round times"

# A rollup's chart shows the gaps of its base interval.
exits 0 "candles of a 1h rollup" "$C" candles -x binance -m spot -s BTCUSDT \
    -i 1h --since 2024-03-02T00:00:00Z --until 2024-03-03T00:00:00Z \
    -o "$T/c4.svg"
ok "xmllint --noout '$T/c4.svg'" "... valid XML"
is "$(count "$T/c4.svg" '<rect class="body ')" 24 "24 hourly bodies"
like "$(grep '<rect class="gap ' "$T/c4.svg")" \
    'class="gap filled" data-from="2024-03-02T10:00:00Z" data-to="2024-03-02T10:30:00Z"' \
    "the filled 1m gap is marked on the 1h chart"
ok "band_between '$T/c4.svg' 2024-03-02T09:00:00Z 2024-03-02T11:00:00Z" \
    "... inside the 10:00 hour"

# Hours missing without a gap row: no band.
exits 0 "candles of a 1h series" "$C" candles -x binance -m spot -s SOLUSDT \
    -i 1h --since 2024-03-01T12:00:00Z --until 2024-03-03T00:00:00Z \
    -o "$T/c3.svg"
ok "xmllint --noout '$T/c3.svg'" "... valid XML"
is "$(count "$T/c3.svg" '<rect class="body ')" 33 "36 hours less 3: 33 bodies"
is "$(count "$T/c3.svg" '<rect class="gap ')" 0 "no band without a gap row"
is "$(count "$T/c3.svg" '<rect class="body up"') $(count "$T/c3.svg" '<rect class="body down"')" \
    "$(sql "SELECT count(*) FILTER (WHERE close >= open) || ' ' || count(*) FILTER (WHERE close < open) FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE symbol = 'SOLUSDT' AND interval = '1h' AND open_time >= '2024-03-01T12:00:00Z' AND open_time < '2024-03-03T00:00:00Z'")" \
    "up and down bodies as close against open says"

# ---- errors
exits 0 "-h: 0" "$C" -h
like "$(cat "$T/out")" "^usage: chart map" "... the synopsis on standard output"
exits 64 "candles without a symbol: 64" "$C" candles -x binance -m spot -i 1h
exits 64 "an unknown picture: 64" "$C" pie
exits 64 "an unknown interval: 64" "$C" candles -x binance -m spot \
    -s BTCUSDT -i 7m
like "$(cat "$T/err")" "bad interval '7m'" "... named"
exits 64 "--since after --until: 64" "$C" map --since 2024-03-05 \
    --until 2024-03-01
exits 65 "a series without candles: 65" "$C" candles -x binance -m spot \
    -s DOGEUSDT -i 1m -o "$T/none.svg"
like "$(cat "$T/err")" "no candles of binance spot DOGEUSDT 1m" "... named"
ok "[ ! -e '$T/none.svg' ] && [ ! -e '$T/none.svg.tmp' ]" "... and no file written"
exits 64 "more candles than the limit: 64" \
    env MDX_CHART_MAX_CANDLES=50 "$C" candles -x binance -m spot \
    -s BTCUSDT -i 1m --since 2024-03-04T11:00:00Z --until 2024-03-04T13:00:00Z -o "$T/big.svg"
like "$(cat "$T/err")" "more than 50 candles" "... says so"
ok "[ ! -e '$T/big.svg' ] && [ ! -e '$T/big.svg.tmp' ]" "... and no file written"
exits 69 "an unreachable warehouse: 69" env PGHOST="$T/nowhere" "$C" map
like "$(cat "$T/err")" "cannot reach the warehouse: .*$T/nowhere" \
    "... says so, naming the socket psql tried"

# ---- status --svg
exits 0 "status --svg" env MDX_NOW=2024-03-05T00:00:00Z \
    "$MDX_SRC/pipelines/status" --svg "$T/charts"
like "$(cat "$T/out")" "coverage map: $T/charts/coverage.svg" \
    "status says where the map is"
ok "xmllint --noout '$T/charts/coverage.svg'" "... a valid SVG"
is "$(count "$T/charts/coverage.svg" 'class="cell')" 32 \
    "... with the cells of the last 90 days: 8 series, 4 days"
exits 64 "status with an unknown argument: 64" "$MDX_SRC/pipelines/status" \
    --png

done_testing
