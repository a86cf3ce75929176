#!/bin/sh
# extract-trades.t - mdx-extract -k trades from the mock exchange: Binance
# spot and USD-M aggregate trades (by time, then by id), Bybit recent
# trades, OKX history trades; resumed after faults with no trade twice and
# none lost; holes in the aggregate ids reported; a rerun that changes
# nothing.  Expected trades come from tests/trades-expect.js (the mock's
# generator), not from mdx.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

NOW=2024-01-02T00:00:30Z
MDX_NOW=$NOW
MDX_STATE=$T/state
export MDX_NOW MDX_STATE
mock_start --now "$NOW"
EXP="node $MDX_SRC/tests/trades-expect.js"

# canon FILE: the canonical trades of raw FILE, fetched_at dropped.
canon() { mdx-transform -q "$1" | jq -c 'del(.fetched_at)'; }

# Binance spot: four hours by time and id.
mdx-extract -k trades -s BTCUSDT --since 2024-01-01T20:00:00Z \
    --until 2024-01-02T00:00:00Z >"$T/b.raw" 2>"$T/err"
is "$?" 0 "binance spot: exit 0"
canon "$T/b.raw" >"$T/b.got"
$EXP binance spot BTCUSDT 2024-01-01T20:00:00Z 2024-01-02T00:00:00Z "$NOW" \
    exchange >"$T/b.want"
is "$(wc -l <"$T/b.want" | tr -d ' ')" 1920 "expected: 8 trades a minute"
files_eq "$T/b.got" "$T/b.want" "binance spot: every trade, once, in order"
is "$(jq -r .request "$T/b.raw" | sed 's/?.*//' | sort -u)" \
    "GET /api/v3/aggTrades" "binance spot: /api/v3/aggTrades"
ok "jq -r .request '$T/b.raw' | grep -q 'startTime=1704139200000&endTime=1704142799999'" \
    "the first page by time, an hour at most"
ok "jq -r .request '$T/b.raw' | grep -q 'fromId='" "then by id"
is "$(jq -c '.data | keys' "$T/b.raw" | sort -u)" '["M","T","a","f","l","m","p","q"]' \
    "data is the aggTrades object as sent"

# USD-M, a shorter range.
mdx-extract -m usdm -k trades -s ETHUSDT --since 2024-01-01T23:30:00Z \
    --until 2024-01-02T00:00:00Z >"$T/u.raw" 2>"$T/err"
canon "$T/u.raw" >"$T/u.got"
$EXP binance usdm ETHUSDT 2024-01-01T23:30:00Z 2024-01-02T00:00:00Z "$NOW" \
    exchange >"$T/u.want"
files_eq "$T/u.got" "$T/u.want" "binance usdm: every trade"
is "$(jq -r .request "$T/u.raw" | sed 's/?.*//' | sort -u)" \
    "GET /fapi/v1/aggTrades" "binance usdm: /fapi/v1/aggTrades"

# Faults: retried ones leave no mark; one that outlasts --tries fails the
# run, and --resume goes on from the state with no duplicate and no hole.
mock_fault '{"type":"truncate","path":"/api/v3/aggTrades","count":1,"after":1}'
mock_fault '{"type":"badjson","path":"/api/v3/aggTrades","count":1,"after":2}'
mdx-extract -k trades -s BNBUSDT --since 2024-01-01T20:00:00Z \
    --until 2024-01-02T00:00:00Z --resume >"$T/f1.raw" 2>"$T/err"
is "$?" 0 "retried faults: exit 0"
$EXP binance spot BNBUSDT 2024-01-01T20:00:00Z 2024-01-02T00:00:00Z "$NOW" \
    exchange >"$T/f.want"
canon "$T/f1.raw" >"$T/f1.got"
files_eq "$T/f1.got" "$T/f.want" "retried faults: every trade once"
rm -rf "$MDX_STATE"
mock_fault '{"type":"500","path":"/api/v3/aggTrades","count":2,"after":2}'
mdx-extract --tries 2 -k trades -s BNBUSDT --since 2024-01-01T20:00:00Z \
    --until 2024-01-02T00:00:00Z --resume >"$T/f2.raw" 2>"$T/err"
st=$?
ok "[ $st -ne 0 ]" "a fault past --tries fails the run (exit $st)"
n2=$(wc -l <"$T/f2.raw" | tr -d ' ')
ok "[ $n2 -gt 0 ] && [ $n2 -lt 1920 ]" "it wrote part of the range ($n2)"
is "$(jq -r .last_id "$MDX_STATE/extract/binance/spot/BNBUSDT/trades.json")" \
    "$(tail -1 "$T/f2.raw" | jq -r .data.a)" "the state is the last trade written"
mdx-extract -k trades -s BNBUSDT --since 2024-01-01T20:00:00Z \
    --until 2024-01-02T00:00:00Z --resume >"$T/f3.raw" 2>"$T/err"
is "$?" 0 "--resume: exit 0"
cat "$T/f2.raw" "$T/f3.raw" >"$T/f23.raw"
canon "$T/f23.raw" >"$T/f23.got"
files_eq "$T/f23.got" "$T/f.want" "resumed: every trade once, in order"
is "$(jq -r .data.a "$T/f23.raw" | sort | uniq -d | wc -l | tr -d ' ')" 0 \
    "no aggregate id twice"
mdx-extract -k trades -s BNBUSDT --since 2024-01-01T20:00:00Z \
    --until 2024-01-02T00:00:00Z --resume >"$T/f4.raw" 2>"$T/err"
is "$?:$(wc -l <"$T/f4.raw" | tr -d ' ')" "0:0" "a rerun changes nothing"

# --resume goes on from the state, also when it is older than the default
# range (the last hour).
mdx-extract -k trades -s ADAUSDT --since 2024-01-01T22:00:00Z \
    --until 2024-01-01T22:30:00Z --resume >"$T/r1.raw" 2>"$T/err"
mdx-extract -k trades -s ADAUSDT --resume >"$T/r2.raw" 2>"$T/err"
cat "$T/r1.raw" "$T/r2.raw" | mdx-transform -q | jq -c 'del(.fetched_at)' >"$T/r.got"
$EXP binance spot ADAUSDT 2024-01-01T22:00:00Z "$NOW" "$NOW" exchange >"$T/r.want"
files_eq "$T/r.got" "$T/r.want" "--resume from a state older than an hour: nothing lost"

# Holes: a minute without trades leaves a gap in the aggregate ids, which
# is reported; the trades around it are all there.
mock_post holes 'binance:spot:SOLUSDT:2024-01-01T23:10Z/2024-01-01T23:12Z' >/dev/null
mdx-extract -k trades -s SOLUSDT --since 2024-01-01T23:00:00Z \
    --until 2024-01-01T23:30:00Z >"$T/h.raw" 2>"$T/err"
is "$?" 0 "holes: exit 0"
like "$(cat "$T/err")" "hole in aggregate trade ids of binance spot SOLUSDT: [0-9]+ to [0-9]+ missing" \
    "the hole is reported"
MOCK_HOLES=binance:spot:SOLUSDT:2024-01-01T23:10Z/2024-01-01T23:12Z \
    $EXP binance spot SOLUSDT 2024-01-01T23:00:00Z 2024-01-01T23:30:00Z \
    "$NOW" exchange >"$T/h.want"
canon "$T/h.raw" >"$T/h.got"
files_eq "$T/h.got" "$T/h.want" "holes: the trades around them"
is "$(($(tail -1 "$T/h.raw" | jq .data.a) - $(head -1 "$T/h.raw" | jq .data.a) + 1 - $(wc -l <"$T/h.raw")))" \
    16 "the gap is two minutes of ids"
mock_clear holes

# Bybit: the newest trades only.
mdx-extract -x bybit -m linear -k trades -s BTCUSDT \
    --since 2024-01-01T23:00:00Z >"$T/y.raw" 2>"$T/err"
is "$?" 0 "bybit linear: exit 0"
canon "$T/y.raw" >"$T/y.got"
$EXP bybit linear BTCUSDT 2024-01-01T23:00:00Z "$NOW" "$NOW" exchange >"$T/y.want"
files_eq "$T/y.got" "$T/y.want" "bybit linear: the trades since --since"
mdx-extract -x bybit -m spot -k trades -s ETHUSDT --since 2024-01-01T23:00:00Z \
    >"$T/ys.raw" 2>"$T/err"
is "$(wc -l <"$T/ys.raw" | tr -d ' ')" 60 "bybit spot: 60 trades, all it serves"
like "$(cat "$T/err")" "recent-trade reaches back to .* only" \
    "the trades it cannot reach are reported"
# Resumed: only what is new since the last run.
mdx-extract -x bybit -m linear -k trades -s XRPUSDT --since 2024-01-01T23:50:00Z \
    --resume >"$T/y1.raw" 2>"$T/err"
mock_post clock '{"advance":"120s"}' >/dev/null
MDX_NOW=2024-01-02T00:02:30Z mdx-extract -x bybit -m linear -k trades \
    -s XRPUSDT --resume >"$T/y2.raw" 2>"$T/err"
cat "$T/y1.raw" "$T/y2.raw" >"$T/y12.raw"
canon "$T/y12.raw" >"$T/y12.got"
$EXP bybit linear XRPUSDT 2024-01-01T23:50:00Z 2024-01-02T00:02:30Z \
    2024-01-02T00:02:30Z exchange >"$T/y12.want"
files_eq "$T/y12.got" "$T/y12.want" "bybit resumed: every trade once"
mock_post clock "{\"now\":\"$NOW\"}" >/dev/null

# OKX: paged back by trade id, written oldest first.
mdx-extract -x okx -m spot -k trades -s BTC-USDT --since 2024-01-01T23:00:00Z \
    --until 2024-01-01T23:40:00Z >"$T/o.raw" 2>"$T/err"
is "$?" 0 "okx spot: exit 0"
canon "$T/o.raw" >"$T/o.got"
$EXP okx spot BTC-USDT 2024-01-01T23:00:00Z 2024-01-01T23:40:00Z "$NOW" \
    exchange >"$T/o.want"
files_eq "$T/o.got" "$T/o.want" "okx spot: every trade, oldest first"
ok "jq -r .request '$T/o.raw' | grep -q 'type=1&after='" "paged by trade id"
mdx-extract -x okx -m swap -k trades -s ETH-USDT-SWAP \
    --since 2024-01-01T23:00:00Z --until 2024-01-01T23:20:00Z --resume \
    >"$T/o1.raw" 2>"$T/err"
mock_fault '{"type":"503","path":"/api/v5/market/history-trades","count":1}'
mdx-extract -x okx -m swap -k trades -s ETH-USDT-SWAP \
    --until 2024-01-01T23:45:00Z --resume >"$T/o2.raw" 2>"$T/err"
is "$?" 0 "okx resumed after a retried fault: exit 0"
cat "$T/o1.raw" "$T/o2.raw" >"$T/o12.raw"
canon "$T/o12.raw" >"$T/o12.got"
$EXP okx swap ETH-USDT-SWAP 2024-01-01T23:00:00Z 2024-01-01T23:45:00Z "$NOW" \
    exchange >"$T/o12.want"
files_eq "$T/o12.got" "$T/o12.want" "okx swap resumed: every trade once (quote null: contracts)"

# Errors.
mdx-extract -k trades -s NOSUCH --since 2024-01-01T23:00:00Z >"$T/x" 2>"$T/err"
is "$?" 64 "an unknown symbol: exit 64"
like "$(cat "$T/err")" "binance error -1121" "with Binance's error"
exits 64 "-k trades with --watchlist" mdx-extract -k trades --watchlist /dev/null

done_testing
