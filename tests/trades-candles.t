#!/bin/sh
# trades-candles.t - mdx-aggregate --from-trades: candles from trades
# against an independent reference (tests/trades-ref.js, exact BigInt
# sums), literal buckets worked out by hand, partial buckets, duplicates,
# out-of-order and bad trades rejected with their position and accounted
# for, --reconcile-with and its exit status, reruns that change nothing.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

A=mdx-aggregate
gen() { node "$MDX_SRC/tests/trades-gen.js" "$@"; }
ref() { node "$MDX_SRC/tests/trades-ref.js" "$@"; }
sorted() { LC_ALL=C sort; }

# ---- usage
exits 64 "--from-trades without --to: exit 64" $A --from-trades
exits 64 "--from-trades with --db: exit 64" $A --from-trades --db --to 1m
exits 64 "--reconcile-with without --from-trades: exit 64" $A --reconcile-with x
exits 64 "--to and --reconcile-with together: exit 64" \
    $A --from-trades --to 1m --reconcile-with x
exits 0 "--help exits 0" $A --help
like "$(cat "$T/out")" "--from-trades --to intervals" "--help shows --from-trades"

# ---- equal to the reference at every interval: Binance aggregates (ids)
# and trades without ids (OKX), two symbols interleaved
gen --count 40000 --symbols BTCUSDT,ETHUSDT --gap-ms 150 >"$T/bn.nd"
gen --count 20000 --symbols BTC-USDT,ETH-USDT --exchange okx \
    --market spot --gap-ms 400 --seed 7 >"$T/okx.nd"
for f in bn okx; do
	for iv in 1s 1m 5m 1h 1d 1w 1M; do
		$A -q --from-trades --to $iv "$T/$f.nd" | sorted >"$T/got"
		ref $iv <"$T/$f.nd" >"$T/want"
		files_eq "$T/got" "$T/want" "$f: candles at $iv equal the reference"
	done
done
ok "test $(wc -l <"$T/got") -gt 0" "the reference wrote candles"
$A -q --from-trades --to 1s,1m,1h "$T/bn.nd" >"$T/multi"
for iv in 1s 1m 1h; do
	jq -c "select(.interval == \"$iv\")" "$T/multi" | sorted >"$T/got"
	$A -q --from-trades --to $iv "$T/bn.nd" | jq -c . | sorted >"$T/want"
	files_eq "$T/got" "$T/want" "--to 1s,1m,1h: $iv as alone"
done
cat "$T/bn.nd" | $A -q --from-trades --to 1m >"$T/stdin"
$A -q --from-trades --to 1m "$T/bn.nd" >"$T/file"
files_eq "$T/stdin" "$T/file" "standard input and a file give the same"
gzip -c "$T/bn.nd" >"$T/bn.nd.gz"
$A -q --from-trades --to 1m "$T/bn.nd.gz" >"$T/gz"
files_eq "$T/gz" "$T/file" "gzip input gives the same"
$A -q --from-trades --to 1m "$T/bn.nd" >"$T/again"
files_eq "$T/again" "$T/file" "a rerun writes the same bytes"

# ---- one bucket worked out by hand: scales that differ, microseconds,
# an aggregate of 3, taker sides, the bucket boundary
cat >"$T/hand.nd" <<'EOF'
{"kind":"trade","exchange":"binance","market":"spot","symbol":"BTCUSDT","id":"1","first_id":10,"last_id":12,"time":"2024-01-01T00:00:00Z","price":"100.5","quantity":"2","quote_quantity":"201.0","side":"buy","origin":"archive","fetched_at":"2024-01-02T00:00:00Z"}
{"kind":"trade","exchange":"binance","market":"spot","symbol":"BTCUSDT","id":"2","first_id":13,"last_id":13,"time":"2024-01-01T00:00:30.000001Z","price":"101.25","quantity":"0.125","quote_quantity":"12.65625","side":"sell","origin":"archive","fetched_at":"2024-01-02T00:00:00Z"}
{"kind":"trade","exchange":"binance","market":"spot","symbol":"BTCUSDT","id":"3","first_id":14,"last_id":15,"time":"2024-01-01T00:00:59.999999Z","price":"99","quantity":"1.5","quote_quantity":"148.5","side":"buy","origin":"archive","fetched_at":"2024-01-02T00:00:01.5Z"}
{"kind":"trade","exchange":"binance","market":"spot","symbol":"BTCUSDT","id":"4","first_id":16,"last_id":16,"time":"2024-01-01T00:01:00Z","price":"99.5","quantity":"1","quote_quantity":"99.5","side":"sell","origin":"archive","fetched_at":"2024-01-01T00:01:30Z"}
EOF
$A -q --from-trades --to 1m "$T/hand.nd" >"$T/got"
cat >"$T/want" <<'EOF'
{"kind":"candle","exchange":"binance","market":"spot","symbol":"BTCUSDT","interval":"1m","open_time":"2024-01-01T00:00:00Z","open":"100.5","high":"101.25","low":"99","close":"99","volume":"3.625","quote_volume":"362.15625","trades":6,"taker_buy_volume":"3.5","taker_buy_quote_volume":"349.5","closed":true,"origin":"trades","fetched_at":"2024-01-02T00:00:01.500Z"}
{"kind":"candle","exchange":"binance","market":"spot","symbol":"BTCUSDT","interval":"1m","open_time":"2024-01-01T00:01:00Z","open":"99.5","high":"99.5","low":"99.5","close":"99.5","volume":"1","quote_volume":"99.5","trades":1,"taker_buy_volume":"0","taker_buy_quote_volume":"0.0","closed":false,"origin":"trades","fetched_at":"2024-01-01T00:01:30Z","partial":true}
EOF
files_eq "$T/got" "$T/want" "a bucket worked out by hand; the last one fetched before its end is partial"
ref 1m <"$T/hand.nd" >"$T/ref"
files_eq "$T/got" "$T/ref" "the reference agrees with the hand"

# ---- rejects: position, reason, accounting, exit 65; duplicates dropped
{
	sed -n 1,2p "$T/hand.nd"
	sed -n 1p "$T/hand.nd"				# a duplicate aggregate
	echo '{"kind":"trade","exchange":"binance","market":"spot","symbol":"BTCUSDT","id":"9","first_id":90,"last_id":90,"time":"2024-01-01T00:00:10Z","price":"100","quantity":"1","quote_quantity":"100","side":"buy","origin":"archive"}'
	echo '{"kind":"trade","exchange":"binance","market":"spot","symbol":"BTCUSDT","id":"9","first_id":91,"last_id":91,"time":"2024-01-01T00:00:40Z","price":"-1","quantity":"1","quote_quantity":"100","side":"buy","origin":"archive"}'
	echo 'not json'
	echo '{"kind":"trade","exchange":"nowhere","market":"spot","symbol":"X","id":"1","time":"2024-01-01T00:00:40Z","price":"1","quantity":"1","quote_quantity":"1","side":"buy","origin":"archive"}'
	echo '{"kind":"trade","exchange":"binance","market":"spot","symbol":"BTCUSDT","id":"9","time":"2024-01-01T00:00:40Z","price":"1","quantity":"1","quote_quantity":"1","side":"up","origin":"archive"}'
	sed -n 3p "$T/hand.nd"
} >"$T/bad.nd"
exits 65 "rejected trades: exit 65" $A -v --from-trades --to 1m "$T/bad.nd"
like "$(cat "$T/err")" "rejected trade: out of order: time 2024-01-01T00:00:10Z is before 2024-01-01T00:00:30.000001Z.*\\(at $T/bad.nd:4\\)" \
    "an out-of-order trade is rejected with its position"
like "$(cat "$T/err")" "bad trade: \"price\" is not above zero \\(at $T/bad.nd:5\\)" "a negative price is rejected with its position"
like "$(cat "$T/err")" "bad trade: .*\\(at $T/bad.nd:6\\)" "a line that is not JSON is rejected with its position"
like "$(cat "$T/err")" "unknown exchange and market \"nowhere spot\" \\(at $T/bad.nd:7\\)" "an unknown exchange is rejected"
like "$(cat "$T/err")" "bad or missing \"side\".*\\(at $T/bad.nd:8\\)" "a bad side is rejected"
like "$(cat "$T/err")" "9 read = 3 used \\+ 1 duplicate \\+ 5 rejected" "read = used + duplicate + rejected"
sed -n 1,2p "$T/hand.nd" >"$T/ok.nd"
sed -n 3p "$T/hand.nd" >>"$T/ok.nd"
$A -q --from-trades --to 1m "$T/ok.nd" >"$T/want"
files_eq "$T/out" "$T/want" "the good trades around the bad ones give their candle"
{ cat "$T/ok.nd"; cat "$T/ok.nd"; } >"$T/dup.nd"
exits 0 "a whole input repeated: exit 0" $A -v --from-trades --to 1m "$T/dup.nd"
files_eq "$T/out" "$T/want" "repeated aggregates change nothing"
like "$(cat "$T/err")" "6 read = 3 used \\+ 3 duplicate \\+ 0 rejected" "the repeats are counted as duplicates"
# Trades without ids: a repeat at the newest time is a duplicate.
head -3 "$T/okx.nd" >"$T/o3.nd"
{ cat "$T/o3.nd"; tail -1 "$T/o3.nd"; } >"$T/o4.nd"
exits 0 "a repeated trade without ids: exit 0" $A -v --from-trades --to 1m "$T/o4.nd"
like "$(cat "$T/err")" "4 read = 3 used \\+ 1 duplicate" "it is counted as a duplicate"
# Members in another order and spaces read the same.
jq -c '{side, price, quantity, quote_quantity, time, id, first_id, last_id,
    symbol, market, exchange, kind, origin, fetched_at}' "$T/bn.nd" \
    | sed 's/,"/, "/g' >"$T/shuffled.nd"
$A -q --from-trades --to 1m "$T/shuffled.nd" >"$T/got"
files_eq "$T/got" "$T/file" "another member order and spaces give the same candles"

# ---- reconcile against an exchange's candles
$A -q --from-trades --to 1m "$T/bn.nd" | sed 's/"origin":"trades"/"origin":"exchange"/' >"$T/ex.nd"
exits 0 "every bucket equal: exit 0" $A --from-trades --reconcile-with "$T/ex.nd" "$T/bn.nd"
is "$(cat "$T/out")" "" "nothing is printed when all is equal"
n=$(wc -l <"$T/ex.nd")
like "$(cat "$T/err")" "$n exchange candles = $n equal" "the summary counts them equal"
line=$(sed -n 5p "$T/ex.nd")
sym=$(echo "$line" | jq -r .symbol)
ot=$(echo "$line" | jq -r .open_time)
vol=$(echo "$line" | jq -r .volume)
awk 'NR == 5 { sub(/"trades":[0-9]+/, "\"trades\":1") } { print }' "$T/ex.nd" |
    jq -c 'if .open_time == "'"$ot"'" and .symbol == "'"$sym"'" then .volume = "999" else . end' >"$T/tampered.nd"
exits 1 "a tampered bucket: exit 1" $A -q --from-trades --reconcile-with "$T/tampered.nd" "$T/bn.nd"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "one record for the one bucket"
is "$(jq -c '[.status, .symbol, .interval, .open_time, .fields.volume.exchange, .fields.volume.trades, .fields.trades.exchange] ' "$T/out")" \
    "[\"differs\",\"$sym\",\"1m\",\"$ot\",\"999\",\"$vol\",\"1\"]" "it names the bucket and both values of each member"
sed 5d "$T/ex.nd" >"$T/less.nd"
exits 1 "a candle the exchange lacks: exit 1" $A -q --from-trades --reconcile-with "$T/less.nd" "$T/bn.nd"
is "$(jq -r '.status + " " + .open_time' "$T/out")" "extra $ot" "reported as extra"
jq -c 'select(.symbol == "ETHUSDT")' "$T/bn.nd" >"$T/eth.nd"
grep '"ETHUSDT"' "$T/ex.nd" >"$T/exeth.nd"
awk 'NR > 3' "$T/eth.nd" >"$T/eth-late.nd"
first=$(head -1 "$T/exeth.nd" | jq -r .open_time)
exits 1 "trades missing for an exchange candle: exit 1" \
    $A -q --from-trades --reconcile-with "$T/exeth.nd" "$T/eth-late.nd"
like "$(cat "$T/out")" "\"open_time\":\"$first\",\"fields\".*\"trades\":\\{\"exchange\":\"[0-9]+\",\"trades\".*\"status\":\"differs\"" "a bucket with trades missing differs"
# An empty exchange candle (no trades, zero volume) matches no trades.
head -1 "$T/exeth.nd" | jq -c '.open_time = "2023-12-31T23:59:00Z" | .volume = "0" | .quote_volume = "0" | .trades = 0 | .taker_buy_volume = "0" | .taker_buy_quote_volume = "0" | .open = .close | .high = .close | .low = .close' >"$T/empty.nd"
cat "$T/exeth.nd" >>"$T/empty.nd"
exits 0 "an empty exchange candle equals a bucket without trades" \
    $A -q --from-trades --reconcile-with "$T/empty.nd" "$T/eth.nd"
# An exchange candle with trades that no trade built.
head -1 "$T/exeth.nd" | jq -c '.open_time = "2023-12-31T23:59:00Z"' >"$T/miss.nd"
cat "$T/exeth.nd" >>"$T/miss.nd"
exits 1 "an exchange candle with trades and none read: exit 1" \
    $A -q --from-trades --reconcile-with "$T/miss.nd" "$T/eth.nd"
is "$(jq -r '.status + " " + .open_time' "$T/out")" "missing 2023-12-31T23:59:00Z" "reported as missing"

# ---- memory stays flat: the open buckets, not the trades
if [ -z "${SANITIZE:-}" ]; then
	gen --count 400000 --gap-ms 5 >"$T/big.nd"
	/usr/bin/time -f %M -o "$T/rss" $A -q --from-trades --to 1s,1m "$T/big.nd" >/dev/null
	ok "test $(cat "$T/rss") -lt 16000" "400000 trades in under 16 MB ($(cat "$T/rss") kB)"
fi

done_testing
