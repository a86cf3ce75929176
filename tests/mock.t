#!/bin/sh
# mock.t - the mock exchange (tests/mock/exchange.js) and its archive maker
# (tests/mock/make-archive.js): shapes, orderings, limits, error bodies,
# weight counting and rate limits, holes, faults, determinism, rollups.
. "$MDX_SRC/tests/lib.sh"

command -v jq >/dev/null || bail "jq not installed"
command -v curl >/dev/null || bail "curl not installed"

MOCKJS=$MDX_SRC/tests/mock/exchange.js
NOW=2024-01-02T00:00:30Z
NOWMS=1704153630000
T0=1704067200000	# 2024-01-01T00:00:00Z
H=3600000

mock_start --now $NOW
M1=$MOCK_URL

get() { curl -s "$MOCK_URL$1"; }
# status URL: the HTTP status of a GET
status() { curl -s -o /dev/null -w '%{http_code}' "$MOCK_URL$1"; }
# jget URL FILTER: the answer to a GET, through jq -c FILTER
jget() { get "$1" | jq -c "$2"; }
# header NAME URL: one response header's value
header() {
	curl -s -D - -o /dev/null "$MOCK_URL$2" | tr -d '\r' |
	    awk -v h="$1" 'BEGIN { h = tolower(h) } { n = index($0, ":");
	    if (tolower(substr($0, 1, n - 1)) == h) print substr($0, n + 2) }'
}

# ---- Binance spot klines
r=$(get "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$T0&limit=3")
is "$(echo "$r" | jq -c '[length, (.[0]|length), .[0][0], .[2][0], .[0][6], .[0][11]]')" \
    "[3,12,$T0,$((T0 + 120000)),$((T0 + 59999)),\"0\"]" \
    "binance klines: 12 fields, oldest first, from startTime, closeTime"
is "$(echo "$r" | jq -c '[.[0][1:6][], .[0][7], .[0][9], .[0][10]] | map(test("^[0-9]+\\.[0-9]{8}$")) | all')" \
    true "binance spot klines: decimals as strings with 8 decimals"
is "$(echo "$r" | jq -c '.[0][8] | type')" '"number"' "binance klines: trades is a number"
is "$(echo "$r" | jq -c '[.[0][4] == .[1][1], .[1][4] == .[2][1]] | all')" true \
    "each 1m candle opens at the previous close"
is "$(get "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$T0" | jq length)" 500 \
    "binance klines: limit defaults to 500"
is "$(get "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$T0&limit=5000" | jq length)" 1000 \
    "binance spot klines: limit is capped at 1000"
is "$(get "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=$((T0 - 86400000))&limit=5000" | jq length)" 1500 \
    "binance usdm klines: limit is capped at 1500"
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1h&endTime=$((T0 + 5 * H))&limit=3" 'map(.[0])')" \
    "[$((T0 + 3 * H)),$((T0 + 4 * H)),$((T0 + 5 * H))]" \
    "binance klines with endTime only: the newest up to endTime"
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$((T0 + 120000))&endTime=$((T0 + 300000))&limit=100" '[length, .[0][0], .[-1][0]]')" \
    "[4,$((T0 + 120000)),$((T0 + 300000))]" \
    "binance klines: startTime and endTime inclusive"
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2" '[.[-1][0], .[-1][6] > '$NOWMS', .[0][6] < '$NOWMS']')" \
    "[$((NOWMS - 30000)),true,true]" \
    "binance klines without times: the newest, forming candle last"
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$((NOWMS + H))" .)" \
    "[]" "no candle after the clock"
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=1000000000000&limit=1" '.[0][0]')" \
    1502928000000 "no candle before the market start (2017-08-17)"
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1w&startTime=$((T0 - 10 * 86400000))&limit=2" 'map(.[0])')" \
    "[$((T0 - 7 * 86400000)),$T0]" \
    "1w candles start on Monday (2024-01-01 is a Monday)"
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1M&startTime=1698796800000&limit=2" 'map([.[0], .[6]])')" \
    "[[1698796800000,1701388799999],[1701388800000,$((T0 - 1))]]" \
    "1M candles are calendar months"

is "$(status "/api/v3/klines?symbol=NOPEUSDT&interval=1m")" 400 "unknown symbol: 400"
is "$(get "/api/v3/klines?symbol=NOPEUSDT&interval=1m")" \
    '{"code":-1121,"msg":"Invalid symbol."}' "unknown symbol: Binance's body"
is "$(get "/api/v3/klines?symbol=BTCUSDT&interval=7m")" \
    '{"code":-1120,"msg":"Invalid interval."}' "bad interval: Binance's body"
is "$(get "/api/v3/klines?interval=1m" | jq .code)" -1102 "missing symbol: -1102"
is "$(get "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=5&endTime=4" | jq .code)" \
    -1023 "startTime after endTime: -1023"

# Weight: spot klines 2, usdm klines by limit, depth by limit.
mock_reset
w1=$(header X-MBX-USED-WEIGHT-1M "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1")
w2=$(header X-MBX-USED-WEIGHT-1M "/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1000")
w3=$(header X-MBX-USED-WEIGHT-1M "/api/v3/depth?symbol=BTCUSDT&limit=500")
is "$w1 $w2 $w3" "2 4 29" "X-MBX-USED-WEIGHT-1M: klines 2, depth(500) 25"
f1=$(header X-MBX-USED-WEIGHT-1M "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=99")
f2=$(header X-MBX-USED-WEIGHT-1M "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=100")
f3=$(header X-MBX-USED-WEIGHT-1M "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1000")
f4=$(header X-MBX-USED-WEIGHT-1M "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1500")
is "$f1 $f2 $f3 $f4" "1 3 8 18" "usdm klines weight by limit 1/2/5/10, own budget"
is "$(mock_stats | jq -c '[.weight.spot.total, .weight.fapi.total, .requests]')" \
    "[29,18,7]" "stats: weight and requests counted"

# ---- Binance depth, exchangeInfo, ping, time
is "$(jget "/api/v3/depth?symbol=BTCUSDT&limit=5" '[(.bids|length), (.asks|length), (.lastUpdateId|type),
    ([.bids[][0]|tonumber] | . == (sort|reverse)), ([.asks[][0]|tonumber] | . == sort),
    ((.bids[0][0]|tonumber) < (.asks[0][0]|tonumber))]')" \
    '[5,5,"number",true,true,true]' "depth: bids descending, asks ascending, no cross"
is "$(jget "/fapi/v1/depth?symbol=BTCUSDT&limit=10" '[(.bids|length), has("E"), has("T")]')" \
    '[10,true,true]' "usdm depth has E and T"
is "$(jget "/api/v3/exchangeInfo?symbol=BTCUSDT" '.symbols[0] | [.symbol, .status, .baseAsset, .quoteAsset,
    (.filters[] | select(.filterType=="PRICE_FILTER") | .tickSize),
    (.filters[] | select(.filterType=="LOT_SIZE") | .stepSize)]')" \
    '["BTCUSDT","TRADING","BTC","USDT","0.01000000","0.00001000"]' \
    "exchangeInfo: status, assets, PRICE_FILTER tickSize, LOT_SIZE stepSize"
is "$(jget "/api/v3/exchangeInfo" '[(.symbols|length), (.symbols[]|select(.symbol=="LUNAUSDT")|.status), .rateLimits[0].limit]')" \
    '[26,"BREAK",6000]' "exchangeInfo: all symbols, one not trading, weight limit"
is "$(jget "/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D" '[.symbols[].symbol]')" \
    '["BTCUSDT","ETHUSDT"]' "exchangeInfo: symbols=[...]"
is "$(jget "/fapi/v1/exchangeInfo?symbol=ETHUSDT" '.symbols[0] | [.contractType, .marginAsset]')" \
    '["PERPETUAL","USDT"]' "usdm exchangeInfo"
is "$(get /api/v3/ping)$(get /api/v3/time)" "{}{\"serverTime\":$NOWMS}" \
    "ping and time (the mock clock)"

# ---- Bybit
is "$(jget "/v5/market/kline?category=spot&symbol=BTCUSDT&interval=1&start=$T0&end=$((T0 + 600000))&limit=3" '[.retCode, .retMsg, .result.category, .result.symbol, (.result.list|length),
    (.result.list[0]|length), (.result.list|map(.[0]|tonumber)), (.result.list[0]|map(type)|unique), (.time|type)]')" \
    "[0,\"OK\",\"spot\",\"BTCUSDT\",3,7,[$((T0 + 600000)),$((T0 + 540000)),$((T0 + 480000))],[\"string\"],\"number\"]" \
    "bybit kline: envelope, 7 strings, newest first, the newest in [start,end]"
is "$(get "/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1&start=$T0&end=$NOWMS" | jq '.result.list|length')" \
    200 "bybit kline: limit defaults to 200"
is "$(jget "/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1&start=$T0&limit=3" '.result.list|map(.[0]|tonumber)')" \
    "[$((T0 + 120000)),$((T0 + 60000)),$T0]" "bybit kline with only start: the oldest from start"
is "$(get "/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1&limit=5000" | jq '.result.list|length')" \
    1000 "bybit kline: limit capped at 1000"
is "$(jget "/v5/market/kline?category=inverse&symbol=BTCUSD&interval=60&end=$((T0 + H))&limit=2" '.result.list[0] | [(.[5]|test("^[0-9]+$")),
    ((.[5]|tonumber) / (.[6]|tonumber) >= (.[3]|tonumber) * 0.999),
    ((.[5]|tonumber) / (.[6]|tonumber) <= (.[2]|tonumber) * 1.001)]')" \
    '[true,true,true]' "bybit inverse: volume in USD contracts, turnover in base coin"
is "$(jget "/v5/market/kline?category=linear&symbol=BTCUSDT&interval=D&start=$T0&end=$T0" '.result.list|map(.[0])')" \
    "[\"$T0\"]" "bybit D interval"
is "$(jget "/v5/market/kline?category=spot&symbol=NOPE&interval=1" '[.retCode, .retMsg]')" \
    '[10001,"Not supported symbols"]' "bybit unknown symbol: retCode 10001"
is "$(jget "/v5/market/kline?category=spot&symbol=BTCUSDT&interval=2" '.retCode')" \
    10001 "bybit bad interval: retCode 10001"
is "$(jget "/v5/market/instruments-info?category=linear&symbol=BTCUSDT" '.result.list[0] | [.status, .baseCoin, .quoteCoin, .priceFilter.tickSize, .lotSizeFilter.qtyStep, .contractType]')" \
    '["Trading","BTC","USDT","0.01","0.00001","LinearPerpetual"]' "bybit instruments-info"
is "$(jget "/v5/market/instruments-info?category=inverse" '[.result.list[].symbol]')" \
    '["BTCUSD","ETHUSD","XRPUSD"]' "bybit inverse instruments"
is "$(jget "/v5/market/instruments-info?category=option" '[.retCode, .result.list]')" \
    '[0,[]]' "bybit options: an empty list"
is "$(jget "/dapi/v1/exchangeInfo" '.symbols')" '[]' "binance coin-m: no symbols"
is "$(jget "/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=7" '.result | [(.b|length), (.a|length), .s, (.ts|type)]')" \
    '[7,7,"BTCUSDT","number"]' "bybit orderbook"

# ---- OKX
is "$(jget "/api/v5/market/candles?instId=BTC-USDT&bar=1m&limit=3" '[.code, .msg, (.data|length), (.data[0]|length), (.data|map(.[8])),
    (.data|map(.[0]|tonumber)), (.data[0]|map(type)|unique)]')" \
    "[\"0\",\"\",3,9,[\"0\",\"1\",\"1\"],[$((NOWMS - 30000)),$((NOWMS - 90000)),$((NOWMS - 150000))],[\"string\"]]" \
    "okx candles: 9 strings, newest first, forming bar confirm 0"
is "$(jget "/api/v5/market/history-candles?instId=BTC-USDT&bar=1m&after=$((T0 + 600000))&limit=500" '[(.data|length), .data[0][0], .data[-1][0]]')" \
    "[100,\"$((T0 + 540000))\",\"$((T0 + 600000 - 6000000))\"]" \
    "okx history-candles: after gives older bars, limit capped at 100"
is "$(jget "/api/v5/market/history-candles?instId=BTC-USDT&bar=1m&before=$T0&after=$((T0 + 300000))" '.data|map(.[0]|tonumber)')" \
    "[$((T0 + 240000)),$((T0 + 180000)),$((T0 + 120000)),$((T0 + 60000))]" \
    "okx: before and after are exclusive bounds"
is "$(jget "/api/v5/market/candles?instId=BTC-USDT&bar=1m&after=$T0" '.data|length')" \
    0 "okx candles: only the latest 1440 bars"
is "$(jget "/api/v5/market/candles?instId=BTC-USDT&bar=1m&limit=1000" '.data|length')" \
    300 "okx candles: limit capped at 300"
is "$(get "/api/v5/market/history-candles?instId=BTC-USDT&bar=1D&after=$((T0 + 86400000))&limit=1" | jq -r '.data[0][0]')" \
    "$((T0 + 16 * H))" "okx 1D opens at 16:00 UTC (Hong Kong midnight)"
is "$(get "/api/v5/market/history-candles?instId=BTC-USDT&bar=1Dutc&after=$((T0 + 86400000))&limit=1" | jq -r '.data[0][0]')" \
    "$T0" "okx 1Dutc opens at 00:00 UTC"
is "$(jget "/api/v5/market/history-candles?instId=BTC-USDT-SWAP&bar=1H&after=$((T0 + H))&limit=1" '.data[0] | [((.[5]|tonumber) * 0.01 - (.[6]|tonumber) | fabs < 1e-9),
    ((.[7]|tonumber) / (.[6]|tonumber) >= (.[3]|tonumber)), ((.[7]|tonumber) / (.[6]|tonumber) <= (.[2]|tonumber))]')" \
    '[true,true,true]' "okx swap: vol in contracts (ctVal 0.01), volCcy base, volCcyQuote quote"
is "$(jget "/api/v5/market/candles?instId=NOPE-USDT" .)" \
    '{"code":"51001","data":[],"msg":"Instrument ID does not exist"}' "okx unknown instId: 51001"
is "$(jget "/api/v5/market/candles?instId=BTC-USDT&bar=1h" .code)" '"51000"' \
    "okx bad bar: 51000"
is "$(jget "/api/v5/public/instruments?instType=SWAP&instId=BTC-USD-SWAP" '.data[0] | [.instType, .ctType, .ctVal, .ctValCcy, .settleCcy, .tickSz, .lotSz, .state, .uly]')" \
    '["SWAP","inverse","100","USD","BTC","0.1","1","live","BTC-USD"]' "okx instruments: inverse swap"
is "$(jget "/api/v5/public/instruments?instType=SPOT&instId=ETH-USDT" '.data[0] | [.baseCcy, .quoteCcy, .tickSz, .lotSz]')" \
    '["ETH","USDT","0.01","0.0001"]' "okx instruments: spot"
is "$(jget "/api/v5/market/books?instId=BTC-USDT&sz=4" '.data[0] | [(.asks|length), (.bids|length), (.asks[0]|length)]')" \
    '[4,4,4]' "okx books"

# ---- Compression, when asked for
curl -s --compressed -D "$T/h" -o "$T/gz" "$MOCK_URL/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$T0&limit=50"
is "$(tr -d '\r' <"$T/h" | grep -i '^content-encoding:' | cut -d' ' -f2)" gzip \
    "answers are gzipped when the client accepts it"
is "$(cksum <"$T/gz")" "$(get "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$T0&limit=50" | cksum)" \
    "the gzipped answer holds the same bytes"

# ---- Determinism and rollups
a=$(get "/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=$T0&limit=1000" | cksum)
b=$(get "/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=$T0&limit=1000" | cksum)
is "$a" "$b" "the same query twice gives the same bytes"
mock_start --now 2024-06-01T00:00:00Z
M2=$MOCK_URL
MOCK_URL=$M1	# the tests go on against the first mock
c=$(curl -s "$M2/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=$T0&limit=1000" | cksum)
is "$c" "$a" "another mock with another clock serves the same closed candles"

# dsum: exact sum of decimal strings with 8 decimals.
DSUM='def dsum: map(split(".")) | {i: (map(.[0]|tonumber)|add), f: (map(.[1]|tonumber)|add)}
    | (.i + ((.f / 100000000)|floor) | tostring) + "." + ((.f % 100000000) + 100000000 | tostring | .[1:]);'
roll() {
	jq -c "$DSUM"'[.[0][1], (map(.[2]|tonumber)|max), (map(.[3]|tonumber)|min), .[-1][4],
	    (map(.[5])|dsum), (map(.[7])|dsum), (map(.[8])|add), (map(.[9])|dsum), (map(.[10])|dsum)]'
}
one() {
	jq -c '.[0] | [.[1], (.[2]|tonumber), (.[3]|tonumber), .[4], .[5], .[7], .[8], .[9], .[10]]'
}
m=$(get "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$((T0 + 7 * H))&endTime=$((T0 + 8 * H - 1))&limit=1000")
h=$(get "/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=$((T0 + 7 * H))&limit=1")
is "$(echo "$m" | jq length)" 60 "an hour has 60 1m candles"
is "$(echo "$m" | roll)" "$(echo "$h" | one)" "a 1h candle is the exact rollup of its 1m candles"
m=$(get "/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=$T0&endTime=$((T0 + 23 * H))&limit=1000")
d=$(get "/api/v3/klines?symbol=BTCUSDT&interval=1d&startTime=$T0&limit=1")
is "$(echo "$m" | roll)" "$(echo "$d" | one)" "a 1d candle is the exact rollup of its 1h candles"
m=$(get "/api/v3/klines?symbol=SOLUSDT&interval=1d&startTime=$T0&endTime=$((T0 + 30 * 86400000))&limit=1000")
d=$(get "/api/v3/klines?symbol=SOLUSDT&interval=1M&startTime=$T0&limit=1")
is "$(echo "$m" | roll)" "$(echo "$d" | one)" "a 1M candle is the exact rollup of its 1d candles"
# shellcheck disable=SC2016 # jq's own variables
is "$(jget "/api/v3/klines?symbol=DOGEUSDT&interval=1m&startTime=$T0&limit=1000" 'map((.[1:5]|map(tonumber)) as [$o,$h,$l,$c] |
    $l > 0 and $h >= ([$o,$c]|max) and $l <= ([$o,$c]|min) and (.[5]|tonumber) > 0) | all')" \
    true "prices are sane: low > 0, high >= max(open, close), low <= min(open, close)"
# The forming candle: a rollup of the closed minutes and the partial one.
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=1" '.[0] | [.[0], (.[6] > '$NOWMS')]')" \
    "[$((NOWMS - 30000)),true]" \
    "the forming 1h candle is served"

# OKX's Hong Kong day is the rollup of the hours from 16:00 UTC.
d=$(get "/api/v5/market/history-candles?instId=ETH-USDT&bar=1D&after=$((T0 - 7 * H))&limit=1")
h=$(get "/api/v5/market/history-candles?instId=ETH-USDT&bar=1H&after=$((T0 + 16 * H))&before=$((T0 - 8 * H - 1))&limit=100")
is "$(echo "$d" | jq -c '.data[0] | [.[0], (.[1:5] | map(tonumber))]')" \
    "$(echo "$h" | jq -c '.data | [.[-1][0], [(.[-1][1]|tonumber), (map(.[2]|tonumber)|max), (map(.[3]|tonumber)|min), (.[0][4]|tonumber)]]')" \
    "okx 1D (UTC+8) is the rollup of its 24 hours"

# The canonical dump: the control endpoint and the CLI agree, and match the
# exchange's rows.
q="exchange=binance&market=spot&symbol=BTCUSDT&interval=1h&from=2024-01-01T00:00:00Z&to=2024-01-01T03:00:00Z"
get "/mock/candles?$q" >"$T/ep.ndjson"
node "$MOCKJS" --dump --now $NOW --exchange binance --market spot --symbol BTCUSDT \
    --interval 1h --from 2024-01-01T00:00:00Z --to 2024-01-01T03:00:00Z >"$T/cli.ndjson"
files_eq "$T/ep.ndjson" "$T/cli.ndjson" "--dump and GET /mock/candles give the same records"
is "$(jq -c '[.kind, .exchange, .market, .symbol, .interval, .open_time, .closed, .origin]' "$T/ep.ndjson" | head -1)" \
    '["candle","binance","spot","BTCUSDT","1h","2024-01-01T00:00:00Z",true,"exchange"]' \
    "canonical candle record"
is "$(jq -s -c 'map(.open)' "$T/ep.ndjson")" \
    "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=$T0&limit=3" 'map(.[1] | sub("0+$"; "") | sub("\\.$"; ""))')" \
    "canonical opens equal the exchange's, trailing zeros dropped"
is "$(node "$MOCKJS" --dump --now $NOW --exchange okx --market swap --symbol BTC-USD-SWAP \
    --interval 1h --from 2024-01-01T00:00:00Z --to 2024-01-01T01:00:00Z | jq -c '[.volume, .quote_volume]')" \
    "$(jget "/api/v5/market/history-candles?instId=BTC-USD-SWAP&bar=1H&after=$((T0 + H))&limit=1" '.data[0] | [.[6], .[7]]')" \
    "canonical okx inverse: volume in base, quote_volume in USD"
is "$(get "/mock/candles?exchange=bybit&market=inverse&symbol=BTCUSD&interval=1m&from=$((NOWMS - 90000))&to=$((NOWMS + 60000))" | jq -s -c 'map([.open_time, .closed, .quote_volume, .volume])')" \
    "$(jget "/v5/market/kline?category=inverse&symbol=BTCUSD&interval=1&start=$((NOWMS - 90000))&end=$NOWMS" '.result.list | reverse | map([(.[0]|tonumber/1000|todate), (.[0]|tonumber) + 60000 <= '$NOWMS', .[5], .[6]])')" \
    "canonical bybit inverse, forming candle too: quote_volume is the contracts, volume the turnover"
exits 0 "--help exits 0" node "$MOCKJS" --help
like "$(cat "$T/out")" '^usage: node exchange.js --port PORT' "--help prints the usage"
exits 64 "an unknown option exits 64" node "$MOCKJS" --port 1 --frobnicate
exits 64 "a bad hole exits 64" node "$MOCKJS" --port 1 --holes 'binance:BTCUSDT:2024-01-02/2024-01-01'
exits 64 "--dump of an unknown symbol exits 64" node "$MOCKJS" --dump --exchange binance \
    --market spot --symbol NOPE --interval 1m --from 2024-01-01 --to 2024-01-02

# ---- Holes
mock_post holes 'binance:spot:BTCUSDT:2024-01-01T10:00Z/2024-01-01T10:05Z' >/dev/null
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$((T0 + 10 * H - 120000))&limit=5" 'map(.[0])')" \
    "[$((T0 + 10 * H - 120000)),$((T0 + 10 * H - 60000)),$((T0 + 10 * H + 300000)),$((T0 + 10 * H + 360000)),$((T0 + 10 * H + 420000))]" \
    "a hole: its minutes are skipped"
is "$(jget "/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=$((T0 + 10 * H))&limit=1" '.[0][0]')" \
    "$((T0 + 10 * H))" "a hole is per symbol"
m=$(get "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$((T0 + 10 * H))&endTime=$((T0 + 11 * H - 1))&limit=1000")
h=$(get "/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=$((T0 + 10 * H))&limit=1")
is "$(echo "$m" | jq length)" 55 "the hour with a hole has 55 1m candles"
is "$(echo "$m" | roll)" "$(echo "$h" | one)" "its 1h candle is the rollup of the 55"
is "$(get /mock/holes | jq -c '.[0]')" \
    '{"exchange":"binance","market":"spot","symbol":"BTCUSDT","from":"2024-01-01T10:00:00Z","to":"2024-01-01T10:05:00Z"}' \
    "GET /mock/holes"
mock_clear holes
is "$(jget "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$((T0 + 10 * H))&limit=1" '.[0][0]')" \
    "$((T0 + 10 * H))" "DELETE /mock/holes fills them again"
mock_post holes '{"exchange":"okx","symbol":"BTC-USDT","from":"2024-01-01T00:01:00Z","to":"2024-01-01T00:02:00Z"}' >/dev/null
is "$(jget "/api/v5/market/history-candles?instId=BTC-USDT&bar=1m&before=$((T0 - 1))&after=$((T0 + 180000))" '.data|map(.[0]|tonumber)')" \
    "[$((T0 + 120000)),$T0]" "holes on okx, given as an object"
is "$(get "/mock/candles?exchange=okx&market=spot&symbol=BTC-USDT&interval=1m&from=$T0&to=$((T0 + 180000))" | jq -s -c 'map(.open_time)')" \
    '["2024-01-01T00:00:00Z","2024-01-01T00:02:00Z"]' "the canonical dump leaves the holes out too"
mock_clear holes

# ---- Faults
K="/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1"
mock_fault '{"type":"429","path":"/api/v3/klines","retry_after":3}'
is "$(status "$K") $(status "$K")" "429 200" "fault 429 for the next request only"
mock_fault '{"type":"429","retry_after":3}'
is "$(header Retry-After "$K")" 3 "fault 429 carries Retry-After"
mock_fault '{"type":"418","exchange":"binance"}'
is "$(jget "$K" '[.code, (.msg|test("banned"))]')" '[-1003,true]' "fault 418"
for s in 500 502 503 504; do
	mock_fault "{\"type\":\"$s\"}"
	is "$(status "$K")" "$s" "fault $s"
done
mock_fault '{"type":"html"}'
r=$(curl -s -w ' %{http_code} %{content_type}' "$MOCK_URL$K" | tr -d '\n')
like "$r" 'Cloudflare.* 502 text/html' "fault html: a Cloudflare-style 502 page"
mock_fault '{"type":"slow","latency":700}'
t=$(curl -s -o /dev/null -w '%{time_total}' "$MOCK_URL$K")
ok "awk 'BEGIN { exit !($t >= 0.65) }'" "fault slow: the answer comes late ($t s)"
mock_fault '{"type":"truncate"}'
curl -s -o /dev/null "$MOCK_URL$K"
is "$?" 18 "fault truncate: curl sees a partial body (exit 18)"
mock_fault '{"type":"reset"}'
curl -s -o /dev/null "$MOCK_URL$K"
rc=$?
ok "[ $rc -eq 52 ] || [ $rc -eq 56 ]" "fault reset: the connection is dropped (curl exit $rc)"
mock_fault '{"type":"badjson"}'
is "$(curl -s -o "$T/bj" -w '%{http_code}' "$MOCK_URL$K")" 200 "fault badjson: status 200"
ok "! jq . '$T/bj'" "fault badjson: the body is not JSON"
mock_fault '{"type":"empty"}'
is "$(curl -s -o "$T/em" -w '%{http_code}' "$MOCK_URL$K") $(wc -c <"$T/em" | tr -d ' ')" "200 0" \
    "fault empty: 200 with an empty body"
mock_fault '{"type":"403","exchange":"bybit"}'
is "$(status "/v5/market/time")" 403 "fault 403 (Bybit's access too frequent)"
# Bad rows in well-formed answers.
KB="/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$T0&limit=3"
KY="/v5/market/kline?category=spot&symbol=BTCUSDT&interval=1&start=$T0&end=$((T0 + 120000))"
KX="/api/v5/market/history-candles?instId=BTC-USDT&before=$((T0 - 1))&after=$((T0 + 180000))"
mock_fault '{"type":"outside"}'
is "$(jget "$KB" 'map(.[0])')" "[$((T0 - 60000)),$T0,$((T0 + 60000)),$((T0 + 120000))]" \
    "fault outside (binance): a row before the range"
mock_fault '{"type":"outside"}'
is "$(jget "$KY" '.result.list|map(.[0])')" \
    "[\"$((T0 + 120000))\",\"$((T0 + 60000))\",\"$T0\",\"$((T0 - 60000))\"]" \
    "fault outside (bybit): a row before the range, at the end"
mock_fault '{"type":"missing_field"}'
is "$(jget "$KX" '.data|map(length)')" "[8,9,9]" "fault missing_field"
mock_fault '{"type":"duplicate"}'
is "$(jget "$KB" 'map(.[0])')" "[$T0,$T0,$((T0 + 60000)),$((T0 + 120000))]" "fault duplicate"
mock_fault '{"type":"unordered"}'
is "$(jget "$KB" 'map(.[0])')" "[$((T0 + 120000)),$((T0 + 60000)),$T0]" "fault unordered"
mock_fault '{"type":"bad_number"}'
is "$(jget "$KB" '.[0][1]')" '"abc"' "fault bad_number"
mock_fault '{"type":"high_low"}'
is "$(jget "$KB" '.[0] | (.[2]|tonumber) < (.[3]|tonumber)')" true "fault high_low"
mock_fault '{"type":"500","count":2,"symbol":"ETHUSDT"}'
is "$(status "$K") $(status "${K%BTCUSDT*}ETHUSDT&interval=1m") $(status "${K%BTCUSDT*}ETHUSDT&interval=1m") $(status "${K%BTCUSDT*}ETHUSDT&interval=1m")" \
    "200 500 500 200" "a fault for the next N requests of one symbol"
mock_fault '{"type":"503","after":2,"count":1,"exchange":"okx"}'
O="/api/v5/market/history-candles?instId=BTC-USDT&limit=1"
is "$(status "$O") $(status "$O") $(status "$O") $(status "$O")" "200 200 503 200" \
    "a fault after N requests"
is "$(get /mock/faults | jq -c '.[0] | [.type, .seen, .fired, .count]')" '["429",1,1,1]' \
    "GET /mock/faults lists the rules with their counters"
seq_statuses() { i=0; out=; while [ $i -lt 20 ]; do out="$out$(status "$K" | cut -c1)"; i=$((i + 1)); done; echo "$out"; }
mock_clear faults
mock_fault '{"type":"502","probability":0.3,"seed":42}'
s1=$(seq_statuses)
mock_clear faults
mock_fault '{"type":"502","probability":0.3,"seed":42}'
s2=$(seq_statuses)
is "$s1" "$s2" "a probabilistic fault is the same with the same seed"
like "$s1" '^[25]*5[25]*2[25]*$|^[25]*2[25]*5[25]*$' "it fires sometimes, not always ($s1)"
mock_clear faults
mock_fault 'type=503,path=/v5/*,count=1'
is "$(status "/v5/market/time") $(status "/v5/market/time")" "503 200" \
    "key=value rules and path prefixes"
r=$(mock_stats)
is "$(echo "$r" | jq -c '[.faults["500"] >= 3, .faults.reset, .faults.truncate, .sent_429, .faults_injected > 10]')" \
    '[true,1,1,2,true]' "stats count the faults and the 429s sent"

# ---- Rate limits, on a mock with small budgets
# (OKX's window is widened to 5 s so that a slow machine still sends the
# requests of one burst inside it.)
mock_start --now $NOW --weight-limit 10 --ban-seconds 2 --ban-after 1 --bybit-limit 3 \
    --okx-candles-limit 3 --okx-history-limit 2 --okx-window 5000
M3=$MOCK_URL
# Stay inside one weight window (a real-clock minute).
while [ "$(date -u +%S)" -gt 50 ]; do sleep 1; done
for i in 1 2 3 4 5; do status "$K" >/dev/null; done
is "$(header X-MBX-USED-WEIGHT-1M "$K")" 12 "weight counted up to the budget"
is "$(status "$K") $(status "$K")" "429 418" \
    "requests before Retry-After: 429 again, then (--ban-after 1) 418"
r=$(curl -s -D "$T/h" "$MOCK_URL$K")
is "$(echo "$r" | jq -c '.code')" -1003 "418 body: -1003"
like "$(tr -d '\r' <"$T/h" | grep -i '^retry-after:')" '^[Rr]etry-[Aa]fter: [12]$' \
    "418 carries the remaining ban in Retry-After"
is "$(mock_stats | jq -c '[.sent_429, .sent_418, .weight.spot.peak, (.weight.spot.windows|length)]')" \
    '[2,2,12,1]' "stats: 429 and 418 counted, the peak weight, one window"
sleep 2.2
mock_reset
while [ "$(date -u +%S)" -gt 50 ]; do sleep 1; done
for i in 1 2 3 4 5; do status "$K" >/dev/null; done
r=$(curl -s -D "$T/h" "$MOCK_URL$K")
is "$(echo "$r" | jq -c .code)" -1003 "over the weight budget: 429 body -1003"
like "$(tr -d '\r' <"$T/h" | head -1)" ' 429 ' "over the weight budget: HTTP 429"
ra=$(tr -d '\r' <"$T/h" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }')
ok "[ '$ra' -ge 1 ] && [ '$ra' -le 60 ]" "429 Retry-After is the rest of the minute ($ra s)"
B="/v5/market/kline?category=spot&symbol=BTCUSDT&interval=1&limit=1"
is "$(status "$B") $(status "$B") $(status "$B") $(status "$B")" "200 200 200 403" \
    "bybit: over the request budget, 403"
like "$(get "$B")" 'access too frequent' "bybit 403 body"
O="/api/v5/market/candles?instId=BTC-USDT&limit=1"
is "$(status "$O") $(status "$O") $(status "$O") $(status "$O")" "200 200 200 429" \
    "okx candles: over 3 per window, 429"
is "$(get "$O")" '{"msg":"Too Many Requests","code":"50011","data":[]}' "okx 429 body"
OH="/api/v5/market/history-candles?instId=BTC-USDT&limit=1"
is "$(status "$OH") $(status "$OH") $(status "$OH")" "200 200 429" \
    "okx history-candles has its own, smaller budget"
sleep 5.1
is "$(status "$O")" 200 "okx: the window slides"
is "$(mock_stats | jq -c '.rate_limited | [.bybit >= 1, .okx >= 3]')" '[true,true]' \
    "stats: rate-limited answers per exchange"

# ---- Clock control
MOCK_URL=$M3
is "$(mock_post clock '{"now":"2024-01-01T00:10:00Z"}' | jq -c '[.now, .clock]')" \
    '["2024-01-01T00:10:00Z","fixed"]' "POST /mock/clock sets the clock"
is "$(get "/api/v5/market/history-candles?instId=BTC-USDT&limit=1" | jq -r '.data[0][0]')" \
    "$((T0 + 540000))" "the newest candle follows the clock"
is "$(mock_post clock '{"advance":"5m"}' | jq -r .now)" "2024-01-01T00:15:00Z" \
    "POST /mock/clock advances it"
a=$(mock_post clock '{"now":"2024-01-01T00:00:00Z","clock":"running"}' | jq .now_ms)
sleep 1.1
b=$(get /mock/clock | jq -c '[.clock, .now_ms]')
ok "echo '$b' | jq -e '.[0] == \"running\" and .[1] - $a >= 1000 and .[1] - $a < 5000'" \
    "a running clock advances with real time ($b)"

# The forming candle grows with the clock, then closes at its final values
# (on the first mock, whose OKX budget is not small).
MOCK_URL=$M1
mock_post clock '{"now":"2024-01-01T00:00:30Z"}' >/dev/null
KO="/api/v5/market/history-candles?instId=BTC-USDT&before=$((T0 - 1))&after=$((T0 + 60000))"
a=$(jget "$KO" '.data[0] | [.[0], .[8], (.[5]|tonumber)]')
mock_post clock '{"now":"2024-01-01T00:00:45Z"}' >/dev/null
b=$(jget "$KO" '.data[0] | [.[0], .[8], (.[5]|tonumber)]')
mock_post clock '{"now":"2024-01-01T00:05:00Z"}' >/dev/null
c=$(jget "$KO" '.data[0]')
is "$(jq -n -c --argjson a "$a" --argjson b "$b" '[$a[1], $b[1], $a[2] < $b[2]]')" '["0","0",true]' \
    "the forming bar is unconfirmed and its volume grows"
is "$c" "$(curl -s "$M2/api/v5/market/history-candles?instId=BTC-USDT&before=$((T0 - 1))&after=$((T0 + 60000))" | jq -c '.data[0]')" \
    "once closed it equals the bar served by a mock with a later clock"

# A fault for a span of the mock clock: an outage.
mock_fault '{"type":"503","exchange":"okx","from":"2024-01-01T01:00:00Z","to":"2024-01-01T01:10:00Z"}'
OT="/api/v5/public/time"
s1=$(status "$OT")
mock_post clock '{"now":"2024-01-01T01:00:00Z"}' >/dev/null
s2="$(status "$OT") $(status "$OT")"
mock_post clock '{"now":"2024-01-01T01:10:00Z"}' >/dev/null
is "$s1 $s2 $(status "$OT")" "200 503 503 200" "a fault from/to the mock clock"
mock_clear faults

# ---- Start options and SIGTERM
port=$(free_port)
MDX_NOW=$NOW node "$MOCKJS" --port "$port" --start 2024-01-01T00:00:00Z \
    --latency 300 --fault 'type=502,path=/api/v3/ping,count=1' \
    --holes 'binance:BTCUSDT:2024-01-01T00:00Z/2024-01-01T00:03Z' >"$T/m4.log" 2>&1 &
pid=$!
at_exit "kill $pid 2>/dev/null"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/mock/health" || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "$(curl -s "http://127.0.0.1:$port/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=0&limit=1" | jq -c '.[0][0]')" \
    "$((T0 + 180000))" "--start and --holes at start-up"
is "$(curl -s "http://127.0.0.1:$port/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=0&limit=1" | jq -c '.[0][0]')" \
    "$T0" "--start: the first candle"
is "$(curl -s "http://127.0.0.1:$port/api/v3/time")" "{\"serverTime\":$NOWMS}" \
    "MDX_NOW in the environment sets the clock"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v3/ping") $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v3/ping")" \
    "502 200" "--fault at start-up"
t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/api/v3/ping")
ok "awk 'BEGIN { exit !($t >= 0.28) }'" "--latency delays every answer ($t s)"
kill -TERM $pid
wait $pid
is "$?" 0 "exits 0 on SIGTERM"
is "$(cat "$T/m4.log")" "" "quiet without --verbose"

# ---- make-archive.js
MA=$MDX_SRC/tests/mock/make-archive.js
unz() {
	if command -v bsdtar >/dev/null; then bsdtar -xOf "$1"; else unzip -p "$1"; fi
}
if command -v bsdtar >/dev/null || command -v unzip >/dev/null; then
	node "$MA" --date 2024-01-01 --out "$T/arch" >"$T/out"
	is "$(cat "$T/out")" "$T/arch/BTCUSDT-1m-2024-01-01.zip" "make-archive prints the path"
	ok "cd '$T/arch' && sha256sum -c BTCUSDT-1m-2024-01-01.zip.CHECKSUM" \
	    ".CHECKSUM in sha256sum format verifies"
	unz "$T/arch/BTCUSDT-1m-2024-01-01.zip" >"$T/a.csv"
	is "$(wc -l <"$T/a.csv" | tr -d ' ')" 1440 "a daily 1m archive has 1440 rows, no header"
	curl -s "$M2/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$T0&limit=1000" |
	    jq -r '.[] | map(tostring) | join(",")' | head -1000 >"$T/k.csv"
	head -1000 "$T/a.csv" >"$T/a1000.csv"
	files_eq "$T/a1000.csv" "$T/k.csv" "archive rows equal the REST klines"
	node "$MA" --month 2024-02 --interval 1h --us --header --out "$T/arch" >/dev/null
	unz "$T/arch/BTCUSDT-1h-2024-02.zip" >"$T/b.csv"
	is "$(head -1 "$T/b.csv")" \
	    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore" \
	    "--header writes Binance's header row"
	is "$(sed -n 2p "$T/b.csv" | cut -d, -f1,7)" "1706745600000000,1706749199999999" \
	    "--us writes microsecond timestamps"
	is "$(($(wc -l <"$T/b.csv") - 1))" 696 "a monthly 1h archive of February 2024 has 696 rows"
	node "$MA" --date 2025-01-01 --interval 1h --out "$T/arch" >/dev/null
	is "$(unz "$T/arch/BTCUSDT-1h-2025-01-01.zip" | head -1 | cut -d, -f1,7)" \
	    "1735689600000000,1735693199999999" "spot archives from 2025 use microseconds"
	node "$MA" --date 2025-01-01 --interval 1h --ts ms --market usdm --out "$T/arch" >/dev/null
	is "$(unz "$T/arch/BTCUSDT-1h-2025-01-01.zip" | sed -n 2p | cut -d, -f1,7)" \
	    "1735689600000,1735693199999" "--ts ms; usdm archives have a header by default"
	is "$(node "$MA" --from 2024-01-30 --to 2024-02-01 --interval 1d --out "$T/r" | xargs -n1 basename | tr '\n' ' ')" \
	    "BTCUSDT-1d-2024-01-30.zip BTCUSDT-1d-2024-01-31.zip BTCUSDT-1d-2024-02-01.zip " \
	    "--from/--to writes daily archives"
	is "$(node "$MA" --from 2023-12-15 --to 2024-02-01 --monthly --interval 1d --out "$T/r" | xargs -n1 basename | tr '\n' ' ')" \
	    "BTCUSDT-1d-2023-12.zip BTCUSDT-1d-2024-01.zip BTCUSDT-1d-2024-02.zip " \
	    "--monthly writes monthly archives"
	node "$MA" --date 2024-01-03 --corrupt --bad-checksum --out "$T/bad" >/dev/null
	ok "! unz '$T/bad/BTCUSDT-1m-2024-01-03.zip' >/dev/null 2>&1" "--corrupt: the zip does not extract"
	ok "! (cd '$T/bad' && sha256sum -c BTCUSDT-1m-2024-01-03.zip.CHECKSUM)" \
	    "--bad-checksum: the checksum does not verify"
	node "$MA" --date 2024-01-04 --no-checksum --market usdm --symbol ETHUSDT --out "$T/nc" >/dev/null
	ok "[ ! -e '$T/nc/ETHUSDT-1m-2024-01-04.zip.CHECKSUM' ] && [ -s '$T/nc/ETHUSDT-1m-2024-01-04.zip' ]" \
	    "--no-checksum"
else
	echo "ok - # SKIP neither bsdtar nor unzip installed"
fi

done_testing
