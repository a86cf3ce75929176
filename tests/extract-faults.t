#!/bin/sh
# extract-faults.t - mdx-extract under every fault the mock can inject, on
# every exchange, and inside the rate limits: zero 429s over backfills that
# press against them, Retry-After honoured, no run into a ban.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2024-03-01T00:00:00Z
MDX_STATE=$T/state
export MDX_NOW MDX_STATE

# Binance's weight budget, pressed: a mock allowing 100 weight a minute and
# a backfill of 60 requests of weight 2.  It crosses a minute boundary, so
# it runs in the background while the rest of the tests go on.
mock_start --now "$MDX_NOW" --weight-limit 100
WURL=$MOCK_URL
MDX_BINANCE_URL=$WURL mdx-extract -s BTCUSDT -i 1m --weight-limit 100 \
    --since 2024-01-01T00:00:00Z --until 2024-02-11T16:00:00Z \
    >"$T/w.out" 2>"$T/w.err" &
wpid=$!

mock_start --now "$MDX_NOW"

# ------------------------------------------------------------------------
# Each fault, once, on each exchange: the run retries and completes.
for ex in "binance BTCUSDT" "bybit BTCUSDT" "okx BTC-USDT"; do
	set -- $ex
	for f in 429 418 500 502 503 504 html slow truncate reset badjson \
	    empty 403; do
		[ "$f" = 403 ] && [ "$1" != bybit ] && continue
		mock_reset
		mock_fault "{\"type\":\"$f\",\"exchange\":\"$1\",\"count\":1,\"latency\":3000}"
		mdx-extract -x "$1" -s "$2" -i 1h --since 2024-02-20T00:00:00Z \
		    --timeout 1 >"$T/raw" 2>"$T/err"
		rc=$?
		is "$rc:$(wc -l <"$T/raw" | tr -d ' '):$(mock_stats | jq .faults_injected)" \
		    "0:240:1" "$1: fault $f retried, every candle written"
	done
done
like "$(cat "$T/err")" 'trying again \(2 of 6\)' "retries are reported"

# Retry-After is honoured.
mock_reset
mock_fault '{"type":"429","exchange":"binance","retry_after":2}'
start=$(date +%s%N)
mdx-extract -s BTCUSDT -i 1h --since -1d >/dev/null 2>"$T/err"
el=$((($(date +%s%N) - start) / 1000000))
ok "test $el -ge 2000" "429 with Retry-After 2: waited ${el} ms"
like "$(cat "$T/err")" 'HTTP 429, waiting 2\.[0-9] s' "... and said so"

# A Retry-After beyond the longest wait: stop, exit 75, never go on.
mock_reset
mock_fault '{"type":"418","exchange":"binance","retry_after":3600}'
exits 75 "418 banned for an hour: exit 75" \
    mdx-extract -s BTCUSDT,ETHUSDT -i 1m --since -2d --connections 1
like "$(cat "$T/err")" 'HTTP 418, told to wait 3600 s' "... saying why"
is "$(mock_stats | jq '.by_exchange.binance')" 1 "no request after the ban"
# The ban is recorded in the shared rate budget and would hold back the
# next run too (tests/extract-ban.t): lift it by hand.
rm -rf "$MDX_STATE/ratelimit"
mock_reset
mock_fault '{"type":"418","exchange":"binance","retry_after":3600}'
exits 75 "the same with 8 connections" \
    mdx-extract -s BTCUSDT,ETHUSDT -i 1m --since -2d
ok "test $(mock_stats | jq '.by_exchange.binance') -le 8" \
    "only the requests already under way reached the exchange"
rm -rf "$MDX_STATE/ratelimit"

# Exhausted retries of every transient kind: exit 75.
for f in 503 truncate reset html badjson; do
	mock_reset
	mock_fault "{\"type\":\"$f\",\"exchange\":\"okx\",\"count\":100}"
	exits 75 "okx: $f every time: exit 75" \
	    mdx-extract -x okx -s BTC-USDT -i 1h --since -1d --tries 3
done

# ------------------------------------------------------------------------
# Rate limits: backfills that press against them get no 429.
mock_reset
mdx-extract -x okx -s BTC-USDT,ETH-USDT -i 1m --since 2024-02-27T00:00:00Z \
    --until 2024-02-28T12:00:00Z >"$T/raw" 2>/dev/null
is "$?:$(wc -l <"$T/raw" | tr -d ' ')" "0:4320" "okx: 44 history requests"
is "$(mock_stats | jq -c '[.sent_429, .rate_limited.okx]')" "[0,0]" \
    "okx: 20 requests per 2 s kept, zero 429"
mock_reset
mdx-extract -x bybit -m linear -s BTCUSDT,ETHUSDT,SOLUSDT -i 1m \
    --since 2024-01-01T00:00:00Z --until 2024-02-01T00:00:00Z >/dev/null 2>&1
is "$?:$(mock_stats | jq -c '[.by_endpoint["/v5/market/kline"], .sent_403, .rate_limited.bybit]')" \
    "0:[135,0,0]" "bybit: 135 requests, zero 403"

# ------------------------------------------------------------------------
# Bad data from an exchange: a small server answering with crafted rows.
# Each is reported with the request and the row, and never written.
bport=$(free_port)
cat >"$T/bad.js" <<'EOF'
const http = require('http');
const M = 60000, T0 = 1709164800000;	// 2024-02-29T00:00:00Z
const row = (t) => [t, "1.0", "2.0", "0.5", "1.5", "10", t + M - 1, "15", 3,
    "5", "7.5", "0"];
http.createServer((req, res) => {
	const u = new URL(req.url, 'http://x');
	const sym = u.searchParams.get('symbol');
	let body;
	if (sym === 'OUTSIDE')		// a row before the range asked for
		body = [row(T0 - M), row(T0), row(T0 + M)];
	else if (sym === 'SHORT')	// a row with 5 fields
		body = [row(T0), [T0 + M, "1", "2", "3", "4"], row(T0 + 2 * M)];
	else if (sym === 'REPEAT')	// the same minute twice
		body = [row(T0), row(T0), row(T0 + M)];
	else if (sym === 'SHAPE')	// not an array of rows
		body = { rows: [] };
	else
		body = [row(T0), row(T0 + M), row(T0 + 2 * M)];
	res.writeHead(200, { 'Content-Type': 'application/json' });
	res.end(JSON.stringify(body));
}).listen(+process.argv[2], '127.0.0.1');
EOF
node "$T/bad.js" "$bport" &
bpid=$!
at_exit "kill $bpid 2>/dev/null"
until curl -s "http://127.0.0.1:$bport/" >/dev/null; do sleep 0.1; done
for c in "OUTSIDE:outside the range asked for:2" "SHORT:row is not an array of 12 fields:2" \
    "REPEAT:row repeated or out of order:2"; do
	sym=${c%%:*} rest=${c#*:}
	why=${rest%:*} n=${rest##*:}
	MDX_BINANCE_URL=http://127.0.0.1:$bport exits 65 "$sym: exit 65" \
	    mdx-extract -s "$sym" -i 1m --since 2024-02-29T00:00:00Z \
	    --until 2024-02-29T00:03:00Z
	is "$(wc -l <"$T/out" | tr -d ' ')" "$n" "$sym: the good rows written"
	like "$(cat "$T/err")" "bad data from binance: .*$why.*\\(row [0-9] of GET /api/v3/klines\\?symbol=$sym" \
	    "$sym: reported with the row and the request"
done
MDX_BINANCE_URL=http://127.0.0.1:$bport exits 75 "an answer of the wrong shape is retried, then exit 75" \
    mdx-extract -s SHAPE -i 1m --since 2024-02-29T00:00:00Z \
    --until 2024-02-29T00:03:00Z --tries 2
like "$(cat "$T/err")" "unexpected answer: klines are not an array" "... and says why"

wait $wpid
is "$?:$(wc -l <"$T/w.out" | tr -d ' ')" "0:60000" \
    "binance: 60 requests over a budget of 100 weight a minute"
MOCK_URL=$WURL	# the counters of the first mock, the one with the budget
is "$(mock_stats | jq -c '[.sent_429, .sent_418, .weight.spot.total]')" \
    "[0,0,120]" "binance: zero 429 and 418"
ok "test $(mock_stats | jq .weight.spot.peak) -le 100" \
    "binance: never above the budget in any minute"

done_testing
