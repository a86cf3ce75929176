#!/bin/sh
# mock.t - the mock exchange (tests/mock/exchange.js): shapes, orderings,
# limits, error bodies, weight counting, holes, faults and determinism.
. "$MDX_SRC/tests/lib.sh"

command -v jq >/dev/null || bail "jq not installed"
command -v curl >/dev/null || bail "curl not installed"

mock_start --now 2024-01-02T00:00:30Z

get() { curl -s "$MOCK_URL$1"; }

T0=1704067200000	# 2024-01-01T00:00:00Z

r=$(get "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$T0&limit=3")
is "$(echo "$r" | jq -c '[length, (.[0]|length), .[0][0], .[2][0], .[0][6]]')" \
    "[3,12,$T0,$((T0 + 120000)),$((T0 + 59999))]" \
    "binance spot klines: 12 fields, oldest first, from startTime"

done_testing
