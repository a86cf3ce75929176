#!/bin/sh
# extract-ban.t - issue 18 finding 7: Retry-After is read strictly
# (delta-seconds saturating, an HTTP-date, anything else a conservative
# default), and after a 418 no request goes to the exchange, from this run
# or any other sharing $MDX_STATE, until the ban has certainly ended.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2024-03-01T00:00:00Z
MDX_STATE=$T/state
export MDX_NOW MDX_STATE
mock_start --now "$MDX_NOW"

binance_requests() { mock_stats | jq '.by_exchange.binance // 0'; }
# A run that must not reach the exchange after the first answer.
run() {
	exits 75 "$1: exit 75" mdx-extract -s BTCUSDT,ETHUSDT -i 1m \
	    --since -2d --connections 1
}
# lift: forget the shared state (an operator lifting a ban by hand).
lift() { rm -rf "$MDX_STATE/ratelimit"; mock_reset; }

year=$(date -u +%Y)

# ban RETRY_AFTER WAIT_REGEX WHAT: a 418 with that Retry-After ends the
# run with exit 75, saying how long it was told to wait and until when,
# after one request.
ban() {
	lift
	mock_fault "{\"type\":\"418\",\"exchange\":\"binance\",\"retry_after\":\"$1\"}"
	run "418, Retry-After '$1'"
	like "$(cat "$T/err")" "HTTP 418, told to wait $2 s, longer than 300 s: stopping; nothing goes to binance before [0-9]{4}-[0-9-]+T" \
	    "... $3, naming the ban's end"
	is "$(binance_requests)" 1 "... no request after the 418"
}

# 20 digits used to overflow to a negative wait (retried at once, exit 0):
# delta-seconds saturate at 10^9.
ban 99999999999999999999 1000000000 "saturated to 10^9 s"
# "1e9" used to be read as 1 s: not delta-seconds, so Binance's longest
# ban.  So is a 418 without Retry-After, which used to wait only for the
# weight window.
ban 1e9 259200 "taken as 3 days, not 1 s"
ban none 259200 "no Retry-After: taken as 3 days"
# An HTTP-date (RFC 9110) an hour ahead.
ban "$(date -u -d '+1 hour' '+%a, %d %b %Y %H:%M:%S GMT')" "3[56][0-9][0-9]" \
    "an HTTP-date an hour ahead: the hour"

# An HTTP-date 3 s ahead: waited out, then the run completes.
lift
d=$(date -u -d '+3 seconds' '+%a, %d %b %Y %H:%M:%S GMT')
mock_fault "{\"type\":\"418\",\"exchange\":\"binance\",\"retry_after\":\"$d\"}"
start=$(date +%s%N)
exits 0 "418, Retry-After an HTTP-date 3 s ahead: waited, exit 0" \
    mdx-extract -s BTCUSDT -i 1h --since -1d
el=$((($(date +%s%N) - start) / 1000000))
ok "test $el -ge 1500" "... waited ${el} ms (the date has whole seconds)"
is "$(wc -l <"$T/out" | tr -d ' ')" 24 "... every candle written"

# The ban is recorded in $MDX_STATE: the next run, the mock healthy again,
# sends nothing and names the ban's end, until the ban is lifted.
lift
mock_fault '{"type":"418","exchange":"binance","retry_after":3600}'
run "418 for an hour"
mock_reset
exits 75 "a later run during the ban: exit 75" \
    mdx-extract -s BTCUSDT -i 1h --since -1d
like "$(cat "$T/err")" "binance is paused until $year-[0-9-]+T[0-9:.]+Z, longer than 300 s" \
    "... naming the ban's end"
like "$(cat "$T/err")" "HTTP 418 to GET /api/v3/klines" "... and the answer that called for it"
is "$(binance_requests)" 0 "... without a request to the exchange"
ok "grep -q '^pause ' '$MDX_STATE'/ratelimit/binance@127.0.0.1:*" \
    "the ban is in the state file"
exits 0 "other exchanges are not held back" \
    mdx-extract -x okx -s BTC-USDT -i 1h --since -1d
rm -rf "$MDX_STATE/ratelimit"
exits 0 "the state file removed, the ban is lifted" \
    mdx-extract -s BTCUSDT -i 1h --since -1d

done_testing
