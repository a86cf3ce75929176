#!/bin/sh
# extract-budget.t - issue 18 finding 13: the rate budget is the host's,
# not the process's.  Two mdx-extract runs at once against a mock allowing
# 120 weight a minute together spend at most their one budget (114: 95%
# of it) and draw no 429, where each used to spend 114 of its own; a pause
# one of them is told to keep holds the other back too.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2024-03-01T00:00:00Z
MDX_STATE=$T/state
export MDX_NOW MDX_STATE

# Each run wants 40 requests of weight 2: 80 weight, 160 together.
mock_start --now "$MDX_NOW" --weight-limit 120
extract() {
	mdx-extract -s "$1" -i 1m --since 2023-12-01T00:00:00Z \
	    --until 2023-12-28T18:40:00Z --weight-limit 120 >"$T/$1.out" \
	    2>"$T/$1.err" &
}
extract BTCUSDT
p1=$!
extract ETHUSDT
p2=$!
# Long enough for both to spend what the window allows (under a second
# on the mock), short of the minute they would then wait for.
sleep 4
st=$(mock_stats)
kill "$p1" "$p2" 2>/dev/null
wait "$p1" "$p2" 2>/dev/null
is "$(echo "$st" | jq -c '[.sent_429, .sent_418]')" "[0,0]" \
    "two runs at once: no 429, no 418"
ok "test $(echo "$st" | jq .weight.spot.peak) -le 114" \
    "... at most 114 weight in any window, both together ($(echo "$st" | jq -c '[.weight.spot.windows[].used]'))"
ok "test $(echo "$st" | jq .weight.spot.total) -ge 100" \
    "... and the budget was used ($(echo "$st" | jq .weight.spot.total) weight)"
ok "test -s '$T/BTCUSDT.out' && test -s '$T/ETHUSDT.out'" \
    "... by both runs"
f=$(echo "$MDX_STATE"/ratelimit/binance@127.0.0.1:*)
like "$(cat "$f")" "^mdx-ratelimit 1
fixed binance-spot [0-9]+ 1[01][0-9] [0-9]+$" \
    "the state file holds the weight spent in the window"

# OKX reports no used weight, so only the shared budget keeps two runs
# inside its 20 history requests per 2 s: two of 44 requests each at once.
rm -rf "$MDX_STATE/ratelimit"
mock_start --now "$MDX_NOW"
mdx-extract -x okx -s BTC-USDT -i 1m --since 2024-02-27T00:00:00Z \
    --until 2024-02-28T12:00:00Z >"$T/o1" 2>"$T/o1.err" &
p1=$!
mdx-extract -x okx -s ETH-USDT -i 1m --since 2024-02-27T00:00:00Z \
    --until 2024-02-28T12:00:00Z >"$T/o2" 2>"$T/o2.err"
s2=$?
wait "$p1"
is "$?:$s2:$(cat "$T/o1" "$T/o2" | wc -l | tr -d ' ')" "0:0:4320" \
    "okx: two history backfills at once, every candle"
is "$(mock_stats | jq -c '[.sent_429, .rate_limited.okx]')" "[0,0]" \
    "... no 429: 20 requests per 2 s kept by both together"

# A 429 one run is told about pauses the other: the second run, started
# during the first's Retry-After of 3 s, sends nothing before it ends.
rm -rf "$MDX_STATE/ratelimit"
mock_start --now "$MDX_NOW"
mock_fault '{"type":"429","exchange":"binance","retry_after":3}'
mdx-extract -s BTCUSDT -i 1h --since -1d >/dev/null 2>"$T/a.err" &
p1=$!
until [ "$(mock_stats | jq .sent_429)" = 1 ]; do sleep 0.1; done
t0=$(date +%s%N)
exits 0 "a second run during the first's pause completes" \
    mdx-extract -s ETHUSDT -i 1h --since -1d
el=$((($(date +%s%N) - t0) / 1000000))
wait "$p1"
is "$?" 0 "... and so does the first"
ok "test $el -ge 2500" "... the second waited out the pause (${el} ms)"
is "$(mock_stats | jq -c '[.sent_429, .by_exchange.binance]')" "[1,3]" \
    "... one 429, then one request each"

# A lock held by a process that died blocks no one: the kernel drops it.
# (python3 takes the fcntl lock mdx-extract takes, then kills itself.)
rm -rf "$MDX_STATE/ratelimit"
mkdir -p "$MDX_STATE/ratelimit"
f=$MDX_STATE/ratelimit/binance@${MOCK_URL#http://}
: >"$f"
if command -v python3 >/dev/null; then
	(python3 -c '
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
os.kill(os.getpid(), 9)' "$f"; true) 2>/dev/null
	exits 0 "a lock left by a killed process does not block" \
	    timeout 20 mdx-extract -s BTCUSDT -i 1h --since -1d
else
	echo "ok $((_tap_n += 1)) # SKIP no python3 to take the lock"
fi

done_testing
