#!/bin/sh
# extract-coinbase.t - Coinbase Exchange through its public REST API,
# against the mock: candles in windows of 300, exactly the mock's, holes
# left; resumed after faults; 429 waited out, and a backfill that presses
# the limit without one; transformed and loaded into the warehouse
# exactly; a rerun changes nothing.  Expected values come from the mock's
# own generator (GET /mock/candles), never from mdx.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2024-03-01T00:00:30Z
MDX_STATE=$T/state
export MDX_NOW MDX_STATE
HOLE=coinbase:BTC-USD:2024-02-28T10:00:00Z/2024-02-28T10:07:00Z
mock_start --now "$MDX_NOW" --holes "$HOLE"

# expect SYM IV FROM TO: the mock's candles as [open_time, open, high,
# low, close, volume], each as Coinbase writes it.
expect() {
	curl -s "$MOCK_URL/mock/candles?exchange=coinbase&market=spot&symbol=$1&interval=$2&from=$3&to=$4" |
	    jq -c '[.open_time, .open, .high, .low, .close, .volume]'
}
# got FILE: the same of raw records, from the rows' own number text (jq
# would print the numbers its own way).
got() {
	jq -r .time "$1" >"$T/got.t"
	sed 's/.*"data":\[[0-9]*,\([^]]*\)\]}$/\1/' "$1" |
	    awk -F, '{ printf "\"%s\",\"%s\",\"%s\",\"%s\",\"%s\"]\n", $3, $2, $1, $4, $5 }' |
	    paste -d, "$T/got.t" - | sed 's/^\(.*Z\),/["\1",/'
}
candles() { mock_stats | jq '.by_endpoint | with_entries(select(.key | endswith("/candles"))) | add // 0'; }

# ------------------------------------------------------------------------
# Three days of minutes: 4320 candles in 15 windows of 300, the hole left.
mdx-extract -x coinbase -s BTC-USD -i 1m --since 2024-02-27T00:00:00Z \
    >"$T/c1" 2>"$T/err"
is "$?:$(candles)" "0:15" "1m, three days: exit 0, 15 requests"
got "$T/c1" >"$T/got"
expect BTC-USD 1m 2024-02-27T00:00:00Z 2024-03-01T00:00:00Z >"$T/want"
is "$(wc -l <"$T/want" | tr -d ' ')" 4313 "the mock has 4320 minutes but the 7 of the hole"
files_eq "$T/got" "$T/want" "1m: exactly the mock's candles, oldest first, none forming"
is "$(jq -r .request "$T/c1" | sort -u | head -1)" \
    "GET /products/BTC-USD/candles?granularity=60&start=2024-02-27T00:00:00Z&end=2024-02-27T05:00:00Z" \
    "the request: granularity in seconds, a window of 300"
for w in "5m 2024-02-01T00:00:00Z" "15m 2024-02-20T00:00:00Z" \
    "1h 2024-01-01T00:00:00Z" "6h 2023-06-01T00:00:00Z" \
    "1d 2022-01-01T00:00:00Z"; do
	set -- $w
	mdx-extract -x coinbase -s ETH-USD -i "$1" --since "$2" >"$T/raw" 2>/dev/null
	got "$T/raw" >"$T/got"
	expect ETH-USD "$1" "$2" 2024-03-01T00:00:00Z >"$T/want"
	files_eq "$T/got" "$T/want" "$1 since $2: exactly the mock's candles"
done
exits 64 "4h: not a Coinbase granularity" \
    mdx-extract -x coinbase -s BTC-USD -i 4h
exits 64 "an unknown product: exit 64" \
    mdx-extract -x coinbase -s NOPE-USD -i 1h
like "$(cat "$T/err")" "coinbase error: NotFound \\(HTTP 404\\)" "... in Coinbase's words"
exits 64 "no trades from coinbase" mdx-extract -x coinbase -s BTC-USD -k trades

# mdx-transform refuses what is not a Coinbase row, with the reason.
R='{"mdx":"raw","exchange":"coinbase","market":"spot","kind":"klines","symbol":"BTC-USD","interval":"1m","closed":true'
printf '%s\n' \
    "$R"',"data":[1700000040,1,2,1.5,1.2]}' \
    "$R"',"data":[1700000040,"1",2,1.5,1.2,3]}' \
    "$R"',"data":[1700000040,1,0.5,1.5,1.2,3]}' \
    "$R"',"data":[1700000040,1,2,1.5,1.2,1e-5]}' >"$T/bad"
mdx-transform -q -r "$T/rej" "$T/bad" >"$T/good"
is "$(jq -r .reason "$T/rej" | tr '\n' '|')" \
    'bad candle: 5 fields, Coinbase candles have 6|bad candle: "low" (data[1]) is not a number|bad candle: high < open|' \
    "mdx-transform: each bad Coinbase row rejected, saying why"
is "$(jq -c '[.open_time, .open, .high, .low, .close, .volume, .quote_volume]' "$T/good")" \
    '["2023-11-14T22:14:00Z","1.5","2","1","1.2","0.00001",null]' \
    "... the good one: low, high, open, close in their places, an exponent read exactly"

# ------------------------------------------------------------------------
# Resumed after faults: the fourth window fails every time; the three
# before it are written and the state moved past them; the rerun goes on.
mock_reset
mock_fault '{"type":"500","exchange":"coinbase","after":3,"count":100}'
mdx-extract -x coinbase -s BTC-USD -i 1m --since 2024-02-29T00:00:00Z \
    --resume --tries 2 --connections 1 >"$T/r1" 2>"$T/err"
is "$?:$(wc -l <"$T/r1" | tr -d ' ')" "75:900" "a failing window: exit 75, three windows written"
is "$(jq -r .next "$MDX_STATE/extract/coinbase/spot/BTC-USD/1m.json")" \
    2024-02-29T15:00:00Z "... the state just after them"
mock_clear faults
mdx-extract -x coinbase -s BTC-USD -i 1m --resume >"$T/r2" 2>"$T/err"
is "$?:$(head -1 "$T/r2" | jq -r .time)" "0:2024-02-29T15:00:00Z" \
    "the rerun goes on from the state"
cat "$T/r1" "$T/r2" >"$T/r"
got "$T/r" >"$T/got"
expect BTC-USD 1m 2024-02-29T00:00:00Z 2024-03-01T00:00:00Z >"$T/want"
files_eq "$T/got" "$T/want" "resumed: exactly the mock's candles, once each"
mdx-extract -x coinbase -s BTC-USD -i 1m --resume >"$T/r3" 2>/dev/null
is "$?:$(wc -l <"$T/r3" | tr -d ' ')" "0:0" "a rerun: nothing new"

# ------------------------------------------------------------------------
# 429 {"message":"Public rate limit exceeded"}: waited out, then on.
mock_reset
mock_fault '{"type":"429","exchange":"coinbase","retry_after":"none","count":1}'
mdx-extract -x coinbase -s ETH-USD -i 1h --since 2024-02-29T00:00:00Z \
    >"$T/l" 2>"$T/err"
is "$?:$(wc -l <"$T/l" | tr -d ' ')" "0:24" "429: retried, every candle"
like "$(cat "$T/err")" "HTTP 429, waiting 1\\.[0-9] s" "... after a window of the limit"
# A backfill of 45 windows at once, eight connections: Coinbase's bucket
# (15, ten a second) never runs dry.
mock_reset
mdx-extract -x coinbase -s BNB-USD -i 1m --since 2024-02-20T00:00:00Z \
    --until 2024-02-29T09:00:00Z >"$T/p" 2>/dev/null
is "$?:$(wc -l <"$T/p" | tr -d ' '):$(mock_stats | jq '.rate_limited.coinbase')" \
    "0:13500:0" "45 windows at once: every candle, no 429"
# The bucket is real: a mock with a bucket of 5, refilled one a second,
# answers 429 to most of 20 calls at once from curl.
_murl=$MOCK_URL
mock_start --now "$MDX_NOW" --coinbase-burst 5 --coinbase-rate 1
i=0
while [ $i -lt 20 ]; do
	curl -s -o /dev/null -w '%{http_code}\n' "$MOCK_URL/products/BTC-USD"
	i=$((i + 1))
done | sort | uniq -c | tr -s ' ' | tr '\n' , >"$T/h"
like "$(cat "$T/h")" '^ [5-9] 200, 1[1-5] 429,$' \
    "... as 20 calls at once from curl do"
MOCK_URL=$_murl
MDX_COINBASE_URL=$_murl

# ------------------------------------------------------------------------
# Into the warehouse: exactly the mock's candles and instruments; a rerun
# changes nothing.
pg_start
exits 0 "mdx-load --migrate" mdx-load --migrate
mdx-extract -q -x coinbase -k instruments >"$T/i"
cat "$T/i" "$T/c1" | mdx-transform -q --strict >"$T/c"
exits 0 "mdx-load" mdx-load "$T/c"
sql "SELECT to_char(open_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
    open, high, low, close, volume, coalesce(quote_volume::text, 'null'),
    coalesce(trades::text, 'null'), closed::text, origin
    FROM mdx.candles WHERE exchange = 'coinbase' AND symbol = 'BTC-USD'
    AND interval = '1m' ORDER BY open_time" >"$T/db"
curl -s "$MOCK_URL/mock/candles?exchange=coinbase&market=spot&symbol=BTC-USD&interval=1m&from=2024-02-27T00:00:00Z&to=2024-03-01T00:00:00Z" |
    jq -r '[.open_time, .open, .high, .low, .close, .volume, "null", "null",
    .closed, .origin] | map(tostring) | join("|")' >"$T/want"
files_eq "$T/db" "$T/want" "warehouse: exactly the mock's candles, volume only"
is "$(sql "SELECT symbol, base, quote, tick_size, lot_size, status FROM mdx.instruments WHERE exchange = 'coinbase' ORDER BY symbol" | tr '\n' ,)" \
    "BNB-USD|BNB|USD|0.01|0.00000001|trading,BTC-USD|BTC|USD|0.01|0.00000001|trading,ETH-USD|ETH|USD|0.01|0.00000001|trading," \
    "instruments: increments as tick and lot"
before=$(sql "SELECT md5(string_agg(c::text, ',' ORDER BY instrument_id, interval, open_time)) FROM mdx.candle c")
mdx-extract -q -x coinbase -s BTC-USD -i 1m --since 2024-02-27T00:00:00Z |
    mdx-transform -q --strict >"$T/c2"
exits 0 "mdx-load of the rerun" mdx-load "$T/c2"
is "$(sql "SELECT md5(string_agg(c::text, ',' ORDER BY instrument_id, interval, open_time)) FROM mdx.candle c")" \
    "$before" "a rerun changes nothing in the warehouse"

done_testing
