#!/bin/sh
# mock-trades.t - the mock exchange's trades: their shapes, limits and
# errors per exchange, and that every closed 1m kline is exactly the
# aggregate of the minute's trades (open, high, low, close, volume, quote
# volume, trade count, taker-buy volumes), checked over HTTP against the
# mock's own klines with exact decimal arithmetic.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

NOW=2024-01-02T00:00:30Z
mock_start --now "$NOW" --no-gzip
B=$MOCK_URL

# Binance: the klines of an hour against the aggregate trades of it.
cat >"$T/agg.js" <<'EOF'
'use strict';
const fs = require('fs');
const [kf, tf, fapi] = process.argv.slice(2);
const kl = JSON.parse(fs.readFileSync(kf));
const tr = [].concat(...fs.readFileSync(tf, 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l)));
const D = (s) => { const i = s.indexOf('.');
	return i < 0 ? [BigInt(s), 0] : [BigInt(s.replace('.', '')),
	    s.length - i - 1]; };
const up = (a, sc) => a[0] * 10n ** BigInt(sc - a[1]);
const eq = (a, b) => { const sc = Math.max(a[1], b[1]);
	return up(a, sc) === up(b, sc); };
const add = (a, b) => { const sc = Math.max(a[1], b[1]);
	return [up(a, sc) + up(b, sc), sc]; };
const mul = (a, b) => [a[0] * b[0], a[1] + b[1]];
let bad = 0, n = 0, prev = -1, holes = 0;
for (const k of kl) {
	const ts = tr.filter((t) => t.T >= k[0] && t.T <= k[6]);
	let v = [0n, 0], q = [0n, 0], tb = [0n, 0], tq = [0n, 0], c = 0;
	let hi = null, lo = null;
	for (const t of ts) {
		const p = D(t.p), a = D(t.q);
		v = add(v, a);
		q = add(q, mul(p, a));
		if (!t.m) {
			tb = add(tb, a);
			tq = add(tq, mul(p, a));
		}
		c += t.l - t.f + 1;
		if (hi === null || up(p, 12) > up(hi, 12)) hi = p;
		if (lo === null || up(p, 12) < up(lo, 12)) lo = p;
		if (prev >= 0 && t.a !== prev + 1) holes++;
		prev = t.a;
	}
	n++;
	const ok = ts.length > 0 && eq(D(ts[0].p), D(k[1])) &&
	    eq(hi, D(k[2])) && eq(lo, D(k[3])) &&
	    eq(D(ts[ts.length - 1].p), D(k[4])) && eq(v, D(k[5])) &&
	    eq(q, D(k[7])) && c === k[8] && eq(tb, D(k[9])) && eq(tq, D(k[10]));
	if (!ok) {
		bad++;
		process.stderr.write('kline ' + JSON.stringify(k) + '\n');
	}
}
console.log(n + ' ' + bad + ' ' + holes);
EOF

for api in api/v3 fapi/v1; do
	curl -sf "$B/$api/klines?symbol=ETHUSDT&interval=1m&startTime=1704150000000&limit=60" >"$T/k"
	: >"$T/t"
	for s in 1704150000000 1704151800000; do
		curl -sf "$B/$api/aggTrades?symbol=ETHUSDT&startTime=$s&endTime=$((s + 1799999))&limit=1000" >>"$T/t"
		echo >>"$T/t"
	done
	is "$(node "$T/agg.js" "$T/k" "$T/t")" "60 0 0" \
	    "$api: 60 klines, each the exact aggregate of its trades; ids contiguous"
done

# Bybit and OKX: prices and volumes of a minute against their klines.
cat >"$T/agg2.js" <<'EOF'
'use strict';
const fs = require('fs');
const [ex, kf, tf] = process.argv.slice(2);
const k = JSON.parse(fs.readFileSync(kf));
const t = JSON.parse(fs.readFileSync(tf));
const row = ex === 'bybit' ? k.result.list[0] : k.data[0];
const tr = (ex === 'bybit' ? t.result.list : t.data).filter((x) =>
    Number(x.time || x.ts) >= Number(row[0]) &&
    Number(x.time || x.ts) < Number(row[0]) + 60000).reverse();
const px = tr.map((x) => Number(x.price || x.px));
console.log([tr.length, px[0] === Number(row[1]), Math.max(...px) === Number(row[2]),
    Math.min(...px) === Number(row[3]), px[px.length - 1] === Number(row[4])].join(' '));
EOF
curl -sf "$B/v5/market/kline?category=linear&symbol=BTCUSDT&interval=1&start=1704153480000&end=1704153480000" >"$T/k"
curl -sf "$B/v5/market/recent-trade?category=linear&symbol=BTCUSDT&limit=100" >"$T/t"
is "$(node "$T/agg2.js" bybit "$T/k" "$T/t")" "8 true true true true" \
    "bybit: a minute's trades open, reach, and close its kline"
is "$(jq '.result.list | length' "$T/t")" 100 "bybit recent-trade: limit"
is "$(jq -c '.result.list[0] | keys' "$T/t")" \
    '["execId","isBlockTrade","isRPITrade","price","seq","side","size","symbol","time"]' \
    "bybit recent-trade: the trade object"
ok "jq -e '.result.list | map(.time | tonumber) | . == (sort | reverse)' '$T/t' >/dev/null" \
    "bybit: newest first"
is "$(curl -sf "$B/v5/market/recent-trade?category=spot&symbol=BTCUSDT&limit=61" | jq .retCode)" \
    10001 "bybit spot: limit above 60 refused"
curl -sf "$B/api/v5/market/history-candles?instId=BTC-USDT&bar=1m&after=1704153540000&limit=1" >"$T/k"
curl -sf "$B/api/v5/market/history-trades?instId=BTC-USDT&type=2&after=1704153540000&limit=100" >"$T/t"
is "$(node "$T/agg2.js" okx "$T/k" "$T/t")" "8 true true true true" \
    "okx: a minute's trades open, reach, and close its candle"
is "$(jq '.data | length' "$T/t")" 100 "okx history-trades: limit 100"
L=$(jq -r '.data[99].tradeId' "$T/t")
is "$(curl -sf "$B/api/v5/market/history-trades?instId=BTC-USDT&after=$L&limit=3" | jq -c '[.data[].tradeId | tonumber]')" \
    "[$((L - 1)),$((L - 2)),$((L - 3))]" "okx: after=tradeId pages back"

# Binance limits and errors.
is "$(curl -s "$B/api/v3/aggTrades?symbol=BTCUSDT&startTime=1704067200000&endTime=1704074400000")" \
    '{"code":-1127,"msg":"More than 1 hours between startTime and endTime."}' \
    "binance: more than an hour between startTime and endTime"
is "$(curl -s "$B/api/v3/aggTrades?symbol=BTCUSDT&limit=5000" | jq length)" 1000 \
    "binance: limit capped at 1000"
is "$(curl -s "$B/api/v3/aggTrades?symbol=BTCUSDT" | jq length)" 500 \
    "binance: 500 by default, the newest"
weight() { curl -s -o /dev/null -D - "$B/$1" | tr -d '\r' |
    sed -n 's/^X-MBX-USED-WEIGHT-1M: //ip'; }
w0=$(weight api/v3/ping)
w1=$(weight "api/v3/aggTrades?symbol=BTCUSDT&limit=1")
w2=$(weight "fapi/v1/ping")
w3=$(weight "fapi/v1/aggTrades?symbol=BTCUSDT&limit=1")
is "$((w1 - w0)):$((w3 - w2))" "4:20" "aggTrades weight: spot 4, USD-M 20"
is "$(curl -s "$B/api/v3/aggTrades?symbol=BTCUSDT&fromId=1&startTime=1704067200000" | jq .code)" \
    -1128 "binance: fromId with a time refused"
is "$(curl -s "$B/api/v3/aggTrades?symbol=NOPE" | jq .code)" -1121 \
    "binance: unknown symbol"
# Holes: no trades in them, a gap in the ids.
mock_post holes 'binance:spot:BTCUSDT:2024-01-01T10:00Z/2024-01-01T10:01Z' >/dev/null
is "$(curl -s "$B/api/v3/aggTrades?symbol=BTCUSDT&startTime=1704103140000&endTime=1704103319999" | jq -c '[.[].a] | (.[8] - .[7])')" \
    9 "a hole: the minute's 8 ids are missing"

done_testing
