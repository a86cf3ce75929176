#!/bin/sh
# transform-deriv.t - mdx-transform of derivatives data (issue 15): the
# rules of mark, index and premium candles, funding events and
# open-interest samples, each bad record rejected with its reason and line
# and counted; price types kept apart by the duplicate rule; canonical
# records pass through unchanged.  The golden files
# (tests/golden/transform/deriv-*) are checked by tests/transform.t.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

G=$MDX_SRC/tests/golden/transform

# A good record of each kind, to change one thing in.
MARK='{"mdx":"raw","exchange":"binance","market":"usdm","kind":"mark_klines","symbol":"BTCUSDT","interval":"1h","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-02T00:00:00Z","closed":true,"data":[1704067200000,"42283.5","42300","42250.1","42290","0",1704070799999,"0",720,"0","0","0"]}'
FUND='{"mdx":"raw","exchange":"binance","market":"usdm","kind":"funding","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-02T00:00:00Z","data":{"symbol":"BTCUSDT","fundingTime":1704067200000,"fundingRate":"0.0001","markPrice":"42283.5"}}'
OI='{"mdx":"raw","exchange":"bybit","market":"linear","kind":"open_interest","symbol":"BTCUSDT","interval":"1h","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-02T00:00:00Z","data":{"openInterest":"41441.1925","timestamp":"1704067200000"}}'

for r in "$MARK" "$FUND" "$OI"; do
	echo "$r" >"$T/in"
	exits 0 "good $(echo "$r" | jq -r .kind): exit 0" mdx-transform -s "$T/in"
	is "$(wc -l <"$T/out" | tr -d ' ')" 1 "... one record"
done

# reject NAME REASON-REGEX RECORD: the record is rejected with -s (exit
# 65), the reason names what is wrong and the line, it is counted.
reject() {
	{ echo "$MARK"; echo "$3"; } >"$T/in"
	exits 65 "$1: exit 65 with -s" mdx-transform -s -r "$T/rej" "$T/in"
	like "$(cat "$T/err")" "$2.* \(at .*/in:2\)" "$1: the reason and the line"
	like "$(tail -1 "$T/err")" "read 2, written 1, rejected 1" \
	    "$1: counted"
	is "$(jq -c '[.line, (.record | fromjson | .kind)]' "$T/rej")" \
	    "[2,$(echo "$3" | jq -c .kind)]" "$1: kept in the rejects file"
}

reject "mark candle: high below low" 'bad candle: high < open' \
    "$(echo "$MARK" | jq -c '.data[2] = "42000"')"
reject "mark candle: a negative price" 'bad candle: negative price' \
    "$(echo "$MARK" | jq -c '.data[1] = "-1" | .data[3] = "-1"')"
reject "mark candle: too few fields" 'bad candle: 5 fields, binance mark candles have 12' \
    "$(echo "$MARK" | jq -c '.data = .data[0:5]')"
reject "mark candle: not aligned" 'bad candle: open_time not aligned to 1h' \
    "$(echo "$MARK" | jq -c '.data[0] = 1704067260000')"
reject "okx mark candle: a bad confirm" 'bad "confirm"' \
    '{"mdx":"raw","exchange":"okx","market":"swap","kind":"mark_klines","symbol":"BTC-USDT-SWAP","interval":"1m","source":"rest","fetched_at":"2024-01-02T00:00:00Z","data":["1704067200000","1","2","1","1","x"]}'
reject "funding: no rate" 'bad funding: bad or missing "fundingRate"' \
    "$(echo "$FUND" | jq -c 'del(.data.fundingRate)')"
reject "funding: a rate that is not a number" 'bad funding: bad or missing "fundingRate"' \
    "$(echo "$FUND" | jq -c '.data.fundingRate = "1e"')"
reject "funding: no time" 'bad funding: bad or missing "fundingTime"' \
    "$(echo "$FUND" | jq -c 'del(.data.fundingTime)')"
reject "funding: a mark price of zero" 'bad funding: mark_price not above zero' \
    "$(echo "$FUND" | jq -c '.data.markPrice = "0"')"
reject "funding: an interval mdx has no code for" 'bad funding: "fundingIntervalHours" is not' \
    "$(echo "$FUND" | jq -c '.data.fundingIntervalHours = 5')"
reject "funding: a negative time" 'bad funding: bad or missing "fundingTime"' \
    "$(echo "$FUND" | jq -c '.data.fundingTime = -28800000')"
reject "funding: data not an object" 'bad funding: "data" is not an object' \
    "$(echo "$FUND" | jq -c '.data = [1]')"
reject "open interest: negative" 'bad open interest: negative open_interest' \
    "$(echo "$OI" | jq -c '.data.openInterest = "-1"')"
reject "open interest: not on the period" 'bad open interest: time not aligned to 1h' \
    "$(echo "$OI" | jq -c '.data.timestamp = "1704067500000"')"
reject "open interest: no interval" 'bad open interest: unknown interval' \
    "$(echo "$OI" | jq -c 'del(.interval)')"
reject "open interest: no time" 'bad open interest: bad or missing time' \
    "$(echo "$OI" | jq -c 'del(.data.timestamp)')"
reject "okx open interest: too short" 'bad open interest: "data" is not an array of 4' \
    '{"mdx":"raw","exchange":"okx","market":"swap","kind":"open_interest","symbol":"BTC-USDT-SWAP","interval":"1h","source":"rest","data":["1704067200000","1"]}'
reject "canonical candle: a bad price type" 'bad candle: bad "price"' \
    '{"kind":"candle","exchange":"binance","market":"usdm","symbol":"BTCUSDT","interval":"1h","price":"last","open_time":"2024-01-01T00:00:00Z","open":"1","high":"1","low":"1","close":"1","closed":true,"origin":"exchange"}'
reject "canonical funding: a bad interval" 'bad funding: bad "interval"' \
    '{"kind":"funding","exchange":"binance","market":"usdm","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","rate":"0.0001","interval":"5h","mark_price":null,"origin":"exchange"}'
reject "canonical funding: a rollup origin" 'bad funding: origin "rollup"' \
    '{"kind":"funding","exchange":"binance","market":"usdm","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","rate":"0.0001","interval":null,"mark_price":null,"origin":"rollup"}'
reject "canonical open interest: no period" 'bad open interest: bad "period"' \
    '{"kind":"open_interest","exchange":"binance","market":"usdm","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","open_interest":"1","open_interest_value":null,"origin":"exchange"}'

# A premium index may be negative; a mark or index price may not.
echo "$MARK" | jq -c '.kind = "premium_klines" | .data[1:5] = ["-0.0002","-0.0001","-0.0003","-0.00025"]' >"$T/in"
exits 0 "premium: negative values are kept" mdx-transform -s "$T/in"
is "$(jq -c '[.price, .open, .low]' "$T/out")" '["premium","-0.0002","-0.0003"]' \
    "... exactly"

# The duplicate rule keeps price types apart: a trade candle and the mark
# candle of the same minute are two candles; two mark candles of it one.
K='{"mdx":"raw","exchange":"binance","market":"usdm","kind":"klines","symbol":"BTCUSDT","interval":"1h","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-02T00:00:00Z","closed":true,"data":[1704067200000,"42283.5","42300","42250.1","42290","1.5",1704070799999,"63000","10","0.5","21000","0"]}'
{ echo "$K"; echo "$MARK"; echo "$MARK" | jq -c '.fetched_at = "2024-01-03T00:00:00Z" | .data[4] = "42291"'; } >"$T/in"
exits 0 "trade and mark candles of one hour: exit 0" mdx-transform "$T/in"
is "$(jq -c '[.price, .close]' "$T/out" | tr '\n' ' ')" \
    '[null,"42290"] ["mark","42291"] ' \
    "... the trade candle and the later mark candle"
like "$(tail -1 "$T/err")" "read 3, written 2, rejected 0, duplicates 1" \
    "... one duplicate counted"
# A trade kline after a mark kline takes mdx-transform's fast path: it is
# a trade candle all the same.
{ echo "$MARK"; echo "$K"; echo "$K" | jq -c '.data[0] = 1704070800000 |
    .data[6] = 1704074399999 | .time = "2024-01-01T01:00:00Z"'; } >"$T/in"
exits 0 "a mark candle, then trade candles: exit 0" mdx-transform "$T/in"
is "$(jq -c '[.price, .open_time]' "$T/out" | tr '\n' ' ')" \
    '["mark","2024-01-01T00:00:00Z"] [null,"2024-01-01T00:00:00Z"] [null,"2024-01-01T01:00:00Z"] ' \
    "... each of its own price type"

# Canonical derivatives records pass through byte for byte, and so does
# a second pass over mdx-transform's own output.
cat "$G"/deriv-*.raw.ndjson >"$T/raw"
mdx-transform -q "$T/raw" >"$T/c1"
exits 0 "canonical derivatives records: exit 0" mdx-transform "$T/c1"
files_eq "$T/out" "$T/c1" "... pass through unchanged"

done_testing
