#!/bin/sh
# extract-kraken.t - Kraken through its public REST API, against the mock:
# OHLC candles exactly the mock's within Kraken's latest 720, the older
# ones refused with a warning, trades paged by Kraken's cursor, resumed
# after faults, "Too many requests" waited out without a ban, and all of
# it transformed and loaded into the warehouse exactly; a rerun changes
# nothing.  Expected values come from the mock's own generator
# (GET /mock/candles, /mock/trades), never from mdx.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2024-03-01T00:00:30Z
MDX_STATE=$T/state
export MDX_NOW MDX_STATE
HOLE=kraken:XBTUSD:2024-02-29T20:10:00Z/2024-02-29T20:15:00Z
mock_start --now "$MDX_NOW" --holes "$HOLE"

# expect SYM IV FROM TO: the mock's candles as [open_time, open, high,
# low, close, volume, trades] with Kraken's decimals.
expect() {
	curl -s "$MOCK_URL/mock/candles?exchange=kraken&market=spot&symbol=$1&interval=$2&from=$3&to=$4&decimals=exchange" |
	    jq -c '[.open_time, .open, .high, .low, .close, .volume, .trades]'
}
# got FILE [IV]: the same of raw records (of interval IV).
got() {
	jq -c "select(${2:+.interval == \"$2\" and }.kind == \"klines\") |
	    [.time, .data[1], .data[2], .data[3], .data[4], .data[6], .data[7]]" "$1"
}
requests() { mock_stats | jq ".by_endpoint[\"/0/public/$1\"] // 0"; }

# ------------------------------------------------------------------------
# Candles within the latest 720: one request per series, every closed
# candle, the forming one left for later.
mdx-extract -x kraken -s XBTUSD -i 1h,1d --since 2024-02-10T00:00:00Z \
    >"$T/k1" 2>"$T/err"
is "$?:$(requests OHLC)" "0:2" "1h and 1d since 2024-02-10: exit 0, two requests"
for iv in 1h 1d; do
	got "$T/k1" $iv >"$T/got"
	expect XBTUSD $iv 2024-02-10T00:00:00Z 2024-03-01T00:00:00Z >"$T/want"
	ok "test -s '$T/want'" "the mock has $iv candles"
	files_eq "$T/got" "$T/want" "$iv: exactly the mock's candles, none forming"
done
is "$(jq -r 'select(.interval == "1h") | .request' "$T/k1" | sort -u)" \
    "GET /0/public/OHLC?pair=XBTUSD&interval=60&since=1707523199" \
    "the request: Kraken's pair, interval in minutes, since in seconds"

# Older than the latest 720: not served over REST; said so, and where to
# find them; the rest exactly.
mdx-extract -x kraken -s XBTUSD -i 1m --since 2024-02-29T00:00:00Z \
    >"$T/k2" 2>"$T/err"
is "$?" 0 "1m since a day back: exit 0"
like "$(cat "$T/err")" "kraken spot XBTUSD 1m: kraken serves only its latest 720 candles over REST: the candles from 2024-02-29T00:00:00Z to 2024-02-29T12:01:00Z cannot be fetched \\(its downloadable OHLCVT files have them" \
    "... warning that the first 12 hours cannot be fetched, and where they are"
got "$T/k2" >"$T/got"
expect XBTUSD 1m 2024-02-29T12:01:00Z 2024-03-01T00:00:00Z >"$T/want"
files_eq "$T/got" "$T/want" "1m: the candles Kraken serves, exactly, the hole left"
is "$(wc -l <"$T/got" | tr -d ' ')" 714 "... 719 minutes but the 5 of the hole"
mdx-extract -q -x kraken -s XBTUSD -i 1m >"$T/k3" 2>"$T/err"
is "$?:$(wc -c <"$T/err" | tr -d ' '):$(head -1 "$T/k3" | jq -r .time)" \
    "0:0:2024-02-29T12:01:00Z" "without --since: as far back as Kraken serves, no warning"

# Intervals Kraken does not have in mdx's sense, and kinds it does not serve.
exits 64 "1w: Kraken's weeks open on Thursdays" \
    mdx-extract -x kraken -s XBTUSD -i 1w
exits 64 "no order books from kraken" mdx-extract -x kraken -s XBTUSD -k depth
exits 64 "an unknown pair: exit 64" mdx-extract -x kraken -s NOPE -i 1h
like "$(cat "$T/err")" "kraken error EQuery:Unknown asset pair" "... in Kraken's words"

# Bad rows from Kraken: reported with the request and the row, not written.
mock_fault '{"type":"missing_field","exchange":"kraken","path":"/0/public/OHLC"}'
mdx-extract -x kraken -s SOLUSD -i 1d --since 2024-02-25T00:00:00Z \
    >"$T/b" 2>"$T/err"
is "$?:$(wc -l <"$T/b" | tr -d ' ')" "65:4" "a short row: exit 65, the others written"
like "$(cat "$T/err")" "bad data from kraken: row is not an array of 8 fields \(row 1 of GET /0/public/OHLC" \
    "... naming the row and the request"

# mdx-transform refuses what is not a Kraken row, with the reason.
R='{"mdx":"raw","exchange":"kraken","market":"spot","symbol":"XBTUSD"'
printf '%s\n' \
    "$R"',"kind":"trades","data":["1","2",1700000000.5,"b","m",""]}' \
    "$R"',"kind":"trades","data":["1","2",1700000000.5,"x","m","",7]}' \
    "$R"',"kind":"trades","data":["0","2",1700000000.5,"b","m","",7]}' \
    "$R"',"kind":"trades","data":["1","2",1e9,"b","m","",7]}' \
    "$R"',"kind":"klines","interval":"1m","closed":true,"data":[1700000040,"1","2","0.5","1.5","1.2","10"]}' \
    "$R"',"kind":"klines","interval":"1m","closed":true,"data":[1700000040,"1","2","0.5","1.5","1.2","10",-3]}' \
    "$R"',"kind":"trades","data":["1.50","2.0",1700000000.0000019,"s","l","",7]}' \
    >"$T/bad"
mdx-transform -q -r "$T/rej" "$T/bad" >"$T/good"
is "$(jq -r .reason "$T/rej" | tr '\n' '|')" \
    "bad trade: 6 fields, Kraken trades have 7 (the trade id last)|bad trade: side (data[3]) is not \"b\" or \"s\"|bad trade: price and volume must be positive|bad trade: bad time (data[2])|bad candle: 7 fields, Kraken OHLC rows have 8|bad candle: bad \"trades\" (data[7])|" \
    "mdx-transform: each bad Kraken row rejected, saying why"
is "$(jq -c '[.id, .time, .price, .quantity, .quote_quantity, .side]' "$T/good")" \
    '["7","2023-11-14T22:13:20.000001Z","1.5","2","3","sell"]' \
    "... the good one: time cut to the microsecond, decimals exact"

# ------------------------------------------------------------------------
# Resumed after faults: the 4h series fails, the others are written and
# their state saved; the rerun fetches the 4h series only.
mock_fault '{"type":"500","exchange":"kraken","interval":"240","count":100}'
mdx-extract -x kraken -s ETHUSD -i 1h,4h,1d --since 2024-02-20T00:00:00Z \
    --resume --tries 2 >"$T/r1" 2>"$T/err"
is "$?" 75 "4h failing every time: exit 75"
is "$(jq -r .interval "$T/r1" | sort | uniq -c | tr -s ' ' | tr '\n' ,)" \
    " 10 1d, 240 1h," "... the 1h and 1d candles written"
mock_clear faults
n0=$(requests OHLC)
mdx-extract -x kraken -s ETHUSD -i 1h,4h,1d --since 2024-02-20T00:00:00Z \
    --resume >"$T/r2" 2>"$T/err"
is "$?:$(($(requests OHLC) - n0)):$(jq -r .interval "$T/r2" | sort -u)" \
    "0:1:4h" "the rerun: one request, the 4h candles only"
cat "$T/r1" "$T/r2" >"$T/r"
for iv in 1h 4h 1d; do
	got "$T/r" $iv >"$T/got"
	expect ETHUSD $iv 2024-02-20T00:00:00Z 2024-03-01T00:00:00Z >"$T/want"
	files_eq "$T/got" "$T/want" "resumed $iv: exactly the mock's, once each"
done
n0=$(requests OHLC)
mdx-extract -x kraken -s ETHUSD -i 1h,4h,1d --resume >"$T/r3" 2>/dev/null
is "$?:$(wc -l <"$T/r3" | tr -d ' '):$(($(requests OHLC) - n0))" "0:0:0" \
    "a rerun: nothing new, nothing asked"

# ------------------------------------------------------------------------
# Trades, paged by Kraken's cursor: a fault after the first page stops the
# run with the page written and the cursor saved; the rerun goes on from
# there; together exactly the mock's trades.
mock_fault '{"type":"503","path":"/0/public/Trades","after":1,"count":100}'
mdx-extract -x kraken -k trades -s XBTUSD --since 2024-02-29T12:00:00Z \
    --resume --tries 2 >"$T/t1" 2>"$T/err"
is "$?:$(wc -l <"$T/t1" | tr -d ' ')" "75:1000" "trades: the first page, then exit 75"
is "$(jq -r .cursor "$MDX_STATE/extract/kraken/spot/XBTUSD/trades.json")" \
    "$(jq -r '.data[2] | tostring' "$T/t1" | tail -1 | awk -F. '{ f = $2; while (length(f) < 9) f = f "0"; print $1 f }')" \
    "... the state's cursor: the last trade's time in ns"
mock_clear faults
mdx-extract -x kraken -k trades -s XBTUSD --resume >"$T/t2" 2>"$T/err"
is "$?" 0 "the rerun: exit 0"
like "$(jq -r .request "$T/t2" | head -1)" \
    "^GET /0/public/Trades\\?pair=XBTUSD&since=[0-9]+&count=1000\$" \
    "... from the saved cursor"
cat "$T/t1" "$T/t2" | mdx-transform -q --strict >"$T/tc"
is "$?" 0 "mdx-transform takes every trade"
jq -c 'del(.fetched_at)' "$T/tc" >"$T/got"
curl -s "$MOCK_URL/mock/trades?exchange=kraken&symbol=XBTUSD&from=2024-02-29T12:00:00Z&to=$MDX_NOW" \
    >"$T/want"
ok "test $(wc -l <"$T/want") -gt 2000" "the mock has more than two pages of trades"
files_eq "$T/got" "$T/want" "trades: exactly the mock's, once each, canonical"
is "$(jq -r 'select(.id == "227900144") | [.time, .price, .quantity, .quote_quantity, .side] | join(" ")' "$T/tc")" \
    "2024-02-29T23:58:17.014149Z 23686.2 0.2546 6030.50652 buy" \
    "a trade: microseconds, exact quote quantity, the taker's side"
mdx-extract -x kraken -k trades -s XBTUSD --resume >"$T/t3" 2>/dev/null
is "$?:$(wc -l <"$T/t3" | tr -d ' ')" "0:0" "a rerun: no trade twice"

# ------------------------------------------------------------------------
# "EGeneral:Too many requests": waited out (a whole window of the limit,
# 5 s), then the run goes on; no refusal beyond the one injected.
mock_fault '{"type":"429","exchange":"kraken","path":"/0/public/OHLC","count":1}'
start=$(date +%s)
mdx-extract -x kraken -s SOLUSD -i 1h --since 2024-02-29T00:00:00Z \
    >"$T/l" 2>"$T/err"
el=$(($(date +%s) - start))
is "$?:$(wc -l <"$T/l" | tr -d ' ')" "0:24" "too many requests: retried, every candle"
ok "test $el -ge 4" "... after waiting ${el} s"
like "$(cat "$T/err")" "kraken error EGeneral:Too many requests" "... saying why"
is "$(mock_stats | jq '.rate_limited.kraken')" 0 \
    "no request of the whole test went past Kraken's counter"

# A stricter counter (5, decaying one a second): a run of eight requests
# stays under it.
_murl=$MOCK_URL
mock_start --now "$MDX_NOW" --kraken-limit 5 --kraken-decay 1
mdx-extract -x kraken -s XBTUSD,ETHUSD,SOLUSD,XBTUSD -i 1h,1d \
    --since 2024-02-28T00:00:00Z >"$T/p" 2>/dev/null
is "$?:$(mock_stats | jq '.rate_limited.kraken'):$(requests OHLC)" "0:0:8" \
    "eight requests at once: none refused"
# The counter is real: eight calls at once are refused past the fifth.
for i in 1 2 3 4 5 6 7 8; do
	curl -s "$MOCK_URL/0/public/OHLC?pair=SOLUSD&interval=1440"
	echo
done | jq -c .error | sort | uniq -c | tr -s ' ' | tr '\n' , >"$T/h"
like "$(cat "$T/h")" '^ [1-3] \["EGeneral:Too many requests"\], [5-7] \[\],$' \
    "... as eight calls at once from curl are"
MOCK_URL=$_murl
MDX_KRAKEN_URL=$_murl

# ------------------------------------------------------------------------
# Into the warehouse: candles and instruments exactly; a rerun changes
# nothing.
pg_start
exits 0 "mdx-load --migrate" mdx-load --migrate
mdx-extract -q -x kraken -k instruments >"$T/i"
cat "$T/i" "$T/k1" "$T/k2" | mdx-transform -q --strict >"$T/c"
exits 0 "mdx-load" mdx-load "$T/c"
q="SELECT to_char(open_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
    trim_scale(open), trim_scale(high), trim_scale(low), trim_scale(close),
    trim_scale(volume), coalesce(quote_volume::text, 'null'), trades,
    closed::text, origin
    FROM mdx.candles WHERE exchange = 'kraken' AND symbol = 'XBTUSD'
    AND interval = '%s' ORDER BY open_time"
for w in "1h 2024-02-10T00:00:00Z" "1d 2024-02-10T00:00:00Z" \
    "1m 2024-02-29T12:01:00Z"; do
	set -- $w
	sql "$(printf "$q" "$1")" >"$T/db"
	curl -s "$MOCK_URL/mock/candles?exchange=kraken&market=spot&symbol=XBTUSD&interval=$1&from=$2&to=2024-03-01T00:00:00Z" |
	    jq -r '[.open_time, .open, .high, .low, .close, .volume, "null",
	    .trades, .closed, .origin] | map(tostring) | join("|")' >"$T/want"
	files_eq "$T/db" "$T/want" "warehouse $1: exactly the mock's candles, no quote volume"
done
is "$(sql "SELECT symbol, base, quote, tick_size, lot_size, status FROM mdx.instruments WHERE exchange = 'kraken' ORDER BY symbol" | tr '\n' ,)" \
    "ETHUSD|ETH|USD|0.01|0.00000001|trading,SOLUSD|SOL|USD|0.01|0.00000001|trading,XBTUSD|BTC|USD|0.1|0.00000001|trading," \
    "instruments: XBT is BTC, lot from lot_decimals"
before=$(sql "SELECT md5(string_agg(c::text, ',' ORDER BY instrument_id, interval, open_time)) FROM mdx.candle c")
mdx-extract -q -x kraken -s XBTUSD -i 1h,1d --since 2024-02-10T00:00:00Z |
    mdx-transform -q --strict >"$T/c2"
exits 0 "mdx-load of the rerun" mdx-load "$T/c2"
is "$(sql "SELECT md5(string_agg(c::text, ',' ORDER BY instrument_id, interval, open_time)) FROM mdx.candle c")" \
    "$before" "a rerun changes nothing in the warehouse"

done_testing
