#!/bin/sh
# deriv-pipelines.t - the watchlist's kinds through the pipelines, against
# the mock exchange: ingest fetches and loads every kind a perpetual keeps
# (klines, mark, index, premium, funding, oi) and only klines for an entry
# that names none; a rerun loads nothing new; the oi job fetches open
# interest only, under ingest's lock; the common.sh helpers under dash.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"
P=$MDX_SRC/pipelines

# The helpers of common.sh as /bin/sh (dash on Debian) runs them.
cat >"$T/wl" <<'WL'
binance usdm BTCUSDT 1m,1h kinds=klines,mark,index,premium,funding,oi  # all
binance spot BTCUSDT 1m
binance usdm ETHUSDT kinds=funding
WL
cat >"$T/h.sh" <<SH
MDX_WATCHLIST=$T/wl
MDX_VAR=$T/var
. "$P/common.sh"
mdx_watchlist
mdx_kind_args oi - | tr '\n' ' '; echo
mdx_kind_args mark 1m,1h | tr '\n' ' '; echo
mdx_kind_args funding 1m | tr '\n' ' '; echo
mdx_kind_args gold 1m || echo refused
SH
exits 0 "common.sh helpers under dash" dash "$T/h.sh"
is "$(cat "$T/out")" "binance usdm BTCUSDT 1m,1h klines,mark,index,premium,funding,oi
binance spot BTCUSDT 1m klines
binance usdm ETHUSDT - funding
-k open_interest -i 5m 
-k mark_klines -i 1m,1h 
-k funding 
refused" "mdx_watchlist and mdx_kind_args"

MDX_NOW=2024-03-01T00:00:00Z
MDX_VAR=$T/var
MDX_INGEST_SINCE=-9h
export MDX_NOW MDX_VAR MDX_INGEST_SINCE
mkdir -p "$MDX_VAR"
mock_start --now "$MDX_NOW"
pg_start
mdx-load --migrate 2>/dev/null

exits 0 "ingest: every kind of every entry" "$P/ingest" "$T/wl"
is "$(sql "SELECT string_agg(price || ':' || interval || '=' || n, ' ' ORDER BY
    price, interval) FROM (SELECT i.price, c.interval, count(*) AS n
    FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id)
    WHERE i.market = 'usdm' GROUP BY 1, 2) x")" \
    "index:1h=9 index:1m=540 mark:1h=9 mark:1m=540 premium:1h=9 premium:1m=540 trade:1h=9 trade:1m=540" \
    "usdm BTCUSDT: 9 hours of trade, mark, index and premium candles"
is "$(sql "SELECT count(*) FROM mdx.candles WHERE market = 'spot'
    AND interval = '1m'")" "540" "spot BTCUSDT: klines only"
is "$(sql "SELECT symbol || ' ' || count(*) FROM mdx.fundings
    GROUP BY symbol ORDER BY symbol" | tr '\n' ';')" \
    "BTCUSDT 2;ETHUSDT 1;" "funding of both entries (9 hours at 4h and at 8h)"
is "$(sql "SELECT period || ' ' || count(*) FROM mdx.open_interests
    GROUP BY period")" "5m 108" "open interest every 5 minutes"
like "$(cat "$T/err")" "binance usdm BTCUSDT 1m,1h oi: " "one summary line per kind"

exits 0 "status" "$P/status"
like "$(cat "$T/out")" "BTCUSDT mark *\| 1m " "status: the lag of the mark candles"
like "$(cat "$T/out")" "ETHUSDT *\| funding " "status: the lag of funding"
like "$(cat "$T/out")" "BTCUSDT *\| oi 5m " "status: the lag of open interest"

exits 0 "ingest again" "$P/ingest" "$T/wl"
is "$(sql "SELECT sum((counts->>'inserted')::int + (counts->>'revised')::int
    + (counts->>'funding_inserted')::int
    + (counts->>'open_interest_inserted')::int)
    FROM mdx.run WHERE run_id > (SELECT max(run_id) - 8 FROM mdx.run)
    AND program = 'mdx-load'")" "0" "rerun: nothing new loaded"

# Half an hour later, the oi job fetches the six new samples and nothing else.
n=$(sql "SELECT count(*) FROM mdx.candle")
MDX_NOW=2024-03-01T00:30:00Z
export MDX_NOW
mock_post clock '{"now":"2024-03-01T00:30:00Z"}' >/dev/null
exits 0 "oi job" "$P/oi" "$T/wl"
is "$(sql "SELECT count(*) FROM mdx.open_interest")" "114" "oi: 6 new samples"
is "$(sql "SELECT count(*) FROM mdx.candle")" "$n" "oi: no candle fetched"
is "$(sed -n 's/^job=//p' "$MDX_VAR/status/oi")" "oi" "oi: its own status"

( exec 9>"$MDX_VAR/lock/ingest.lock"; flock 9; exec sleep 5 ) &
holder=$!
sleep 1
exits 75 "oi: ingest's lock taken, exit 75" "$P/oi" "$T/wl"
wait "$holder"

done_testing
