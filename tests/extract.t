#!/bin/sh
# extract.t - mdx-extract against the mock exchange: every exchange, market
# and kind, paging both ways, exact candles compared with the mock's own
# expected candles, ranges, the forming candle, holes, state and --resume,
# --ranges, --watchlist, exchange errors and bad options.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2024-03-01T00:00:00Z
export MDX_NOW
MDX_STATE=$T/state
export MDX_STATE
mock_start --now "$MDX_NOW"

# expect EX MK SYM IV FROM TO: the mock's candles as
# [open_time, open, high, low, close, volume] with the exchange's decimals.
expect() {
	curl -s "$MOCK_URL/mock/candles?exchange=$1&market=$2&symbol=$3&interval=$4&from=$5&to=$6&decimals=exchange" |
	    jq -c '[.open_time, .open, .high, .low, .close, .volume]'
}

# got EX FILE: the same projection of raw records.  Binance, Bybit spot and
# linear and OKX spot keep the base volume at data[5], Bybit inverse at
# data[6], OKX swaps at data[6].
got() {
	case $1 in
	vol6) jq -c '[.time, .data[1], .data[2], .data[3], .data[4], .data[6]]' "$2" ;;
	*) jq -c '[.time, .data[1], .data[2], .data[3], .data[4], .data[5]]' "$2" ;;
	esac
}

# same_candles EX MK SYM IV FROM TO [vol6]: extract and compare.
same_candles() {
	mdx-extract -x "$1" -m "$2" -s "$3" -i "$4" --since "$5" --until "$6" \
	    >"$T/raw" 2>"$T/err"
	_rc=$?
	expect "$1" "$2" "$3" "$4" "$5" "$6" >"$T/want"
	got "${7:-vol5}" "$T/raw" >"$T/got"
	is "$_rc" 0 "$1 $2 $3 $4: exit 0"
	ok "test -s '$T/want'" "$1 $2 $3 $4: the mock has candles"
	files_eq "$T/got" "$T/want" "$1 $2 $3 $4: exactly the mock's candles"
}

# ------------------------------------------------------------------------
# Every source, paging forward (Binance) and backward (Bybit, OKX).
same_candles binance spot BTCUSDT 1m 2024-02-27T12:00:00Z 2024-02-29T13:00:00Z
is "$(mock_stats | jq '.by_endpoint["/api/v3/klines"]')" 3 \
    "binance spot: 2940 candles in 3 requests of 1000"
same_candles binance usdm ETHUSDT 1h 2023-11-01T00:00:00Z 2024-02-01T00:00:00Z
same_candles binance spot ETHBTC 1M 2020-01-01T00:00:00Z 2024-02-01T00:00:00Z
mock_reset
same_candles bybit spot BTCUSDT 1m 2024-02-27T00:00:00Z 2024-02-29T10:00:00Z
is "$(mock_stats | jq '.by_endpoint["/v5/market/kline"]')" 4 \
    "bybit spot: 3480 candles in 4 requests of 1000"
same_candles bybit linear SOLUSDT 5m 2024-01-01T00:00:00Z 2024-01-08T00:00:00Z
same_candles bybit inverse BTCUSD 1d 2023-01-01T00:00:00Z 2024-02-01T00:00:00Z vol6
same_candles bybit spot BTCUSDT 1w 2023-01-02T00:00:00Z 2024-02-26T00:00:00Z
mock_reset
same_candles okx spot BTC-USDT 1m 2024-02-20T00:00:00Z 2024-02-20T08:20:00Z
is "$(mock_stats | jq '.by_endpoint["/api/v5/market/history-candles"]')" 5 \
    "okx: old bars from history-candles, 100 a request"
same_candles okx spot ETH-USDT 1m 2024-02-29T20:00:00Z 2024-03-01T00:00:00Z
is "$(mock_stats | jq '.by_endpoint["/api/v5/market/candles"]')" 3 \
    "okx: the latest bars from candles"
same_candles okx swap BTC-USDT-SWAP 1d 2023-06-01T00:00:00Z 2024-03-01T00:00:00Z vol6
like "$(head -1 "$T/raw")" 'bar=1Dutc' "okx: daily bars in their UTC variant"
same_candles okx spot BTC-USDT 6h 2024-01-01T00:00:00Z 2024-03-01T00:00:00Z

# Through mdx-transform, every market gives exactly the mock's canonical
# candles (all members but fetched_at, which the mock leaves out).
for spec in "binance spot BTCUSDT" "binance usdm ETHUSDT" "bybit spot BTCUSDT" \
    "bybit linear SOLUSDT" "bybit inverse BTCUSD" "okx spot BTC-USDT" \
    "okx swap BTC-USDT-SWAP" "okx swap ETH-USD-SWAP"; do
	set -- $spec
	mdx-extract -x "$1" -m "$2" -s "$3" -i 1h --since 2024-02-27T00:00:00Z \
	    2>/dev/null | mdx-transform 2>/dev/null | jq -c 'del(.fetched_at)' \
	    >"$T/got"
	curl -s "$MOCK_URL/mock/candles?exchange=$1&market=$2&symbol=$3&interval=1h&from=2024-02-27T00:00:00Z&to=2024-03-01T00:00:00Z&decimals=exchange" \
	    >"$T/want"
	ok "test -s '$T/want'" "$1 $2 $3: the mock has candles"
	files_eq "$T/got" "$T/want" "$1 $2 $3: through mdx-transform, the mock's canonical candles"
done

# ------------------------------------------------------------------------
# The envelope, and the exchange's row kept byte for byte.
mdx-extract -s BTCUSDT -i 1m --since 2024-02-29T12:00:00Z \
    --until 2024-02-29T12:03:00Z >"$T/raw" 2>/dev/null
is "$(head -1 "$T/raw" | jq -c 'keys_unsorted')" \
    '["mdx","exchange","market","kind","symbol","interval","time","source","request","fetched_at","closed","data"]' \
    "envelope members in HACKING.md order"
is "$(head -1 "$T/raw" | jq -r '[.mdx,.exchange,.market,.kind,.symbol,.interval,.time,.source,.fetched_at,.closed]|join(" ")')" \
    "raw binance spot klines BTCUSDT 1m 2024-02-29T12:00:00Z rest 2024-03-01T00:00:00Z true" \
    "envelope values"
req=$(head -1 "$T/raw" | jq -r .request)
is "$req" "GET /api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=1709208000000&endTime=1709208179999&limit=1000" \
    "request: method, path and query"
{ curl -s "$MOCK_URL${req#GET }" | sed 's/^\[//; s/\],\[.*/]/'; echo; } >"$T/row.want"
head -1 "$T/raw" | sed 's/.*"data"://; s/}$//' >"$T/row.got"
files_eq "$T/row.got" "$T/row.want" "data is the exchange's row, byte for byte"
is "$(wc -l <"$T/raw" | tr -d ' ')" 3 "until is exclusive"

# An unaligned --since starts at the next interval; --until excludes.
mdx-extract -s BTCUSDT -i 1h --since 2024-02-29T10:00:30Z \
    --until 2024-02-29T13:00:00Z 2>/dev/null | jq -r .time >"$T/times"
is "$(tr '\n' ' ' <"$T/times")" \
    "2024-02-29T11:00:00Z 2024-02-29T12:00:00Z " \
    "no candle outside [since, until)"

# ------------------------------------------------------------------------
# Closed candles only, unless --include-open.
mdx-extract -s BTCUSDT -i 1h --since -3h 2>/dev/null >"$T/raw"
is "$(jq -r '.closed' "$T/raw" | sort -u)" true "closed candles only by default"
is "$(tail -1 "$T/raw" | jq -r .time)" 2024-02-29T23:00:00Z \
    "the last closed hour"
mock_post clock '{"now":"2024-03-01T00:30:00Z"}' >/dev/null
MDX_NOW=2024-03-01T00:30:00Z mdx-extract -s BTCUSDT -i 1h --since -3h \
    --include-open 2>/dev/null >"$T/raw"
is "$(tail -1 "$T/raw" | jq -c '[.time,.closed]')" '["2024-03-01T00:00:00Z",false]' \
    "--include-open adds the forming candle, flagged"
MDX_NOW=2024-03-01T00:30:00Z mdx-extract -x okx -s BTC-USDT -i 1h \
    --since -3h --include-open 2>/dev/null >"$T/raw"
is "$(tail -1 "$T/raw" | jq -c '[.time,.closed,.data[8]]')" \
    '["2024-03-01T00:00:00Z",false,"0"]' "okx: forming bar has confirm 0"
MDX_NOW=2024-03-01T00:30:00Z mdx-extract -x okx -s BTC-USDT -i 1h \
    --since -3h 2>/dev/null >"$T/raw"
is "$(jq -r .closed "$T/raw" | sort -u)" true "okx: closed bars only by default"
mock_post clock "{\"now\":\"$MDX_NOW\"}" >/dev/null

# ------------------------------------------------------------------------
# Holes: minutes with no candle are simply absent, never invented.
mock_post holes \
    'binance:spot:BTCUSDT:2024-02-28T10:00:00Z/2024-02-28T10:30:00Z,bybit:linear:BTCUSDT:2024-02-28T09:00:00Z/2024-02-28T09:10:00Z' >/dev/null
same_candles binance spot BTCUSDT 1m 2024-02-28T00:00:00Z 2024-02-28T20:00:00Z
is "$(wc -l <"$T/raw" | tr -d ' ')" 1170 "binance: 30 minutes missing"
same_candles bybit linear BTCUSDT 1m 2024-02-28T00:00:00Z 2024-02-28T20:00:00Z
is "$(wc -l <"$T/raw" | tr -d ' ')" 1190 "bybit: 10 minutes missing"
mock_clear holes

# ------------------------------------------------------------------------
# Order books and instruments.
for spec in "binance spot BTCUSDT bids" "binance usdm BTCUSDT bids" \
    "bybit spot ETHUSDT b" "bybit inverse BTCUSD b" "okx swap BTC-USDT-SWAP bids"; do
	set -- $spec
	mdx-extract -x "$1" -m "$2" -k depth -s "$3" --depth 5 >"$T/raw" 2>"$T/err"
	is "$?:$(jq -r '[.kind,.symbol,.source,(.data.'"$4"'|length)]|join(" ")' "$T/raw")" \
	    "0:depth $3 rest 5" "$1 $2 depth: one snapshot of 5 levels"
done
is "$(jq -r '.time' "$T/raw")" "$MDX_NOW" "okx depth: the exchange's timestamp"
ok "! grep -q '\"interval\"\\|\"closed\"' '$T/raw'" "depth: no interval, no closed"

mdx-extract -k instruments >"$T/raw" 2>"$T/err"
is "$?:$(wc -l <"$T/raw" | tr -d ' ')" "0:26" "binance spot: every instrument"
is "$(jq -r 'select(.symbol=="BTCUSDT") | .data.filters[0].tickSize' "$T/raw")" \
    0.01000000 "binance instrument: the exchange's object"
mdx-extract -x bybit -m linear -k instruments -s BTCUSDT,ETHUSDT >"$T/raw" 2>/dev/null
is "$(jq -r '.symbol' "$T/raw" | tr '\n' ' ')" "BTCUSDT ETHUSDT " \
    "bybit instruments: -s selects"
mdx-extract -x okx -m swap -k instruments >"$T/raw" 2>/dev/null
is "$(wc -l <"$T/raw" | tr -d ' '):$(jq -r .data.instType "$T/raw" | sort -u)" \
    "22:SWAP" "okx swap instruments"
exits 64 "instruments: an unknown symbol exits 64" \
    mdx-extract -k instruments -s BTCUSDT,NOPEUSDT
like "$(cat "$T/err")" "unknown symbol 'NOPEUSDT'" "... and names it"

# ------------------------------------------------------------------------
# Exchange errors, reported in the exchange's words with the request.
exits 64 "binance: unknown symbol exits 64" \
    mdx-extract -s NOPEUSDT --since -1h
like "$(cat "$T/err")" 'binance error -1121: Invalid symbol\. \(HTTP 400\) \(GET /api/v3/klines\?symbol=NOPEUSDT' \
    "binance: the exchange's message and the request"
exits 64 "bybit: unknown symbol exits 64" \
    mdx-extract -x bybit -s NOPEUSDT --since -1h
like "$(cat "$T/err")" 'bybit error 10001: Not supported symbols' "bybit: its message"
exits 64 "okx: unknown instrument exits 64" \
    mdx-extract -x okx -s NOPE-USDT --since -1h
like "$(cat "$T/err")" 'okx error 51001: Instrument ID does not exist' "okx: its message"
exits 64 "an interval the exchange lacks exits 64" \
    mdx-extract -x okx -s BTC-USDT -i 8h --since -1d
like "$(cat "$T/err")" "interval '8h' is not offered by okx spot" "... and says so"
mdx-extract -s BTCUSDT,NOPEUSDT --since -2h >"$T/raw" 2>/dev/null
is "$?:$(wc -l <"$T/raw" | tr -d ' ')" "64:120" \
    "other symbols are still fetched when one is unknown"

# ------------------------------------------------------------------------
# Bad options.
exits 64 "unknown option" mdx-extract --no-such-option
exits 64 "bad time" mdx-extract -s BTCUSDT --since yesterday
like "$(cat "$T/err")" 'bad --since "yesterday": not a time' "bad time: named"
exits 64 "unknown interval" mdx-extract -s BTCUSDT -i 7m
exits 64 "unknown market" mdx-extract -x bybit -m usdm -s BTCUSDT
exits 64 "unknown kind" mdx-extract -k liquidations -s BTCUSDT
exits 64 "no symbols" mdx-extract -i 1m
exits 64 "until before since" mdx-extract -s BTCUSDT --since -1d --until -2d
exits 64 "bad symbol" mdx-extract -s 'BTC USDT'
exits 64 "bad number" mdx-extract -s BTCUSDT --connections 0
exits 64 "more levels than the exchange gives" \
    mdx-extract -x bybit -k depth -s BTCUSDT --depth 300

# ------------------------------------------------------------------------
# State and --resume.
rm -rf "$MDX_STATE"
mdx-extract -s BTCUSDT -i 1m --since 2024-02-29T00:00:00Z --resume \
    >"$T/r1" 2>/dev/null
is "$(wc -l <"$T/r1" | tr -d ' ')" 1440 "resume without state: from --since"
is "$(jq -r .next "$MDX_STATE/extract/binance/spot/BTCUSDT/1m.json")" \
    2024-03-01T00:00:00Z "state: the open time after the last candle"
mdx-extract -s BTCUSDT -i 1m --since 2024-02-28T00:00:00Z \
    --until 2024-02-28T01:00:00Z >/dev/null 2>&1
is "$(jq -r .next "$MDX_STATE/extract/binance/spot/BTCUSDT/1m.json")" \
    2024-03-01T00:00:00Z "a run without --resume leaves the state alone"
mdx-extract -s BTCUSDT -i 1m --since 2024-02-29T00:00:00Z --resume \
    >"$T/r2" 2>/dev/null
is "$?:$(wc -l <"$T/r2" | tr -d ' ')" "0:0" "resume when up to date: nothing"
mock_post clock '{"now":"2024-03-01T01:00:00Z"}' >/dev/null
MDX_NOW=2024-03-01T01:00:00Z mdx-extract -s BTCUSDT -i 1m --resume \
    >"$T/r3" 2>/dev/null
is "$(wc -l <"$T/r3" | tr -d ' '):$(head -1 "$T/r3" | jq -r .time)" \
    "60:2024-03-01T00:00:00Z" "resume an hour later: that hour only"
mock_post clock '{"now":"2024-03-03T01:00:00Z"}' >/dev/null
MDX_NOW=2024-03-03T01:00:00Z mdx-extract -s BTCUSDT -i 1m --resume \
    >"$T/r4" 2>/dev/null
is "$(wc -l <"$T/r4" | tr -d ' '):$(head -1 "$T/r4" | jq -r .time)" \
    "2880:2024-03-01T01:00:00Z" "resume two days later: all of them, not one page"
mock_post clock "{\"now\":\"$MDX_NOW\"}" >/dev/null

# Resume after an injected failure: no duplicate and no hole.
rm -rf "$MDX_STATE"
mock_reset
mock_fault '{"type":"500","path":"/api/v3/klines","after":2,"count":1000}'
exits 75 "retries exhausted: exit 75" \
    mdx-extract -s ETHUSDT -i 1m --since 2024-02-25T00:00:00Z --resume --tries 2
cp "$T/out" "$T/part1"
like "$(cat "$T/err")" 'gave up after 2 tries: HTTP 500: \{"code":-1000' \
    "the failure names the request, tries and the exchange's words"
n1=$(wc -l <"$T/part1" | tr -d ' ')
is "$n1" 2000 "everything before the failure was written"
is "$(jq -r .next "$MDX_STATE/extract/binance/spot/ETHUSDT/1m.json")" \
    "$(tail -1 "$T/part1" | jq -r '.data[0] + 60000 | ./1000 | todate')" \
    "state ends where the output ends"
mock_clear faults
mdx-extract -s ETHUSDT -i 1m --since 2024-02-25T00:00:00Z --resume \
    >"$T/part2" 2>/dev/null
cat "$T/part1" "$T/part2" | jq -r .time >"$T/times"
is "$(sort "$T/times" | uniq -d | wc -l | tr -d ' ')" 0 "no duplicate"
is "$(wc -l <"$T/times" | tr -d ' '):$(head -1 "$T/times"):$(tail -1 "$T/times")" \
    "7200:2024-02-25T00:00:00Z:2024-02-29T23:59:00Z" "no hole: 5 days of minutes"
cat "$T/part1" "$T/part2" >"$T/both"
got vol5 "$T/both" >"$T/got"
expect binance spot ETHUSDT 1m 2024-02-25T00:00:00Z 2024-03-01T00:00:00Z >"$T/want"
files_eq "$T/got" "$T/want" "the two runs give exactly the candles"

# The warehouse high-water mark when there is no state file.
pg_start
sql "CREATE SCHEMA mdx;
CREATE TABLE mdx.schema_migrations (version int, name text, applied_at timestamptz);
INSERT INTO mdx.schema_migrations VALUES (1, 'core', now());
CREATE TABLE mdx.instrument (instrument_id int, exchange text, market text, symbol text, price text);
CREATE TABLE mdx.candle (instrument_id int, interval text, open_time timestamptz, closed bool, origin text);
INSERT INTO mdx.instrument VALUES (1, 'binance', 'spot', 'XRPUSDT', 'trade');
INSERT INTO mdx.candle VALUES (1, '1m', '2024-02-29T22:59:00Z', true, 'exchange'),
  (1, '1m', '2024-02-29T23:30:00Z', true, 'filled');" >/dev/null
mdx-extract -s XRPUSDT -i 1m --since 2024-02-29T00:00:00Z --resume \
    >"$T/raw" 2>/dev/null
is "$(wc -l <"$T/raw" | tr -d ' '):$(head -1 "$T/raw" | jq -r .time)" \
    "60:2024-02-29T23:00:00Z" "resume from the warehouse's newest candle"
MDX_STATE=$T/nostate mdx-extract -s XRPUSDT -i 1m --since 2024-02-29T23:50:00Z \
    --resume --db >"$T/raw" 2>/dev/null
is "$(wc -l <"$T/raw" | tr -d ' ')" 10 "--db: the later of --since and the warehouse"
unset PGHOST PGPORT PGUSER PGDATABASE

# ------------------------------------------------------------------------
# --ranges: the gaps mdx-aggregate --gaps prints, and only those.
cat >"$T/gaps" <<'EOF'
{"kind":"gap","exchange":"binance","market":"spot","symbol":"BTCUSDT","interval":"1m","from":"2024-02-28T10:00:00Z","to":"2024-02-28T10:05:00Z","count":5}
{"kind":"gap","exchange":"bybit","market":"linear","symbol":"ETHUSDT","interval":"1h","from":"2024-02-28T10:00:00Z","to":"2024-02-28T12:00:00Z","count":2}
EOF
rm -rf "$MDX_STATE"
mdx-extract --ranges - <"$T/gaps" >"$T/raw" 2>"$T/err"
is "$?:$(jq -r '[.exchange,.symbol,.time]|join(" ")' "$T/raw" | tr '\n' ',')" \
    "0:binance BTCUSDT 2024-02-28T10:00:00Z,binance BTCUSDT 2024-02-28T10:01:00Z,binance BTCUSDT 2024-02-28T10:02:00Z,binance BTCUSDT 2024-02-28T10:03:00Z,binance BTCUSDT 2024-02-28T10:04:00Z,bybit ETHUSDT 2024-02-28T10:00:00Z,bybit ETHUSDT 2024-02-28T11:00:00Z," \
    "--ranges -: exactly the missing candles"
# The rate budgets (ratelimit/) are shared state of every run; the series'
# state files are what --ranges must not touch.
ok "test ! -e '$MDX_STATE/extract'" "--ranges leaves the state alone"
printf '%s\n' '{"kind":"gap","exchange":"binance"}' >"$T/badgaps"
exits 65 "a bad range exits 65" mdx-extract --ranges "$T/badgaps"
like "$(cat "$T/err")" "bad range: .*\\(at $T/badgaps:1\\)" "... with its position"

# --watchlist.
cat >"$T/watch" <<'EOF'
# exchange market symbol intervals
binance spot BTCUSDT 1h
okx spot ETH-USDT 1h,4h
EOF
mdx-extract --watchlist "$T/watch" --since 2024-02-29T00:00:00Z >"$T/raw" 2>/dev/null
is "$?:$(jq -r '[.exchange,.interval]|join(" ")' "$T/raw" | sort | uniq -c | tr -s ' ' | tr '\n' ',')" \
    "0: 24 binance 1h, 24 okx 1h, 6 okx 4h," "--watchlist: every entry and interval"
mdx-extract --watchlist "$T/watch" -k instruments >"$T/raw" 2>/dev/null
is "$?:$(jq -r '[.exchange,.symbol]|join(" ")' "$T/raw" | tr '\n' ',')" \
    "0:binance BTCUSDT,okx ETH-USDT," "--watchlist -k instruments: each entry's own"

# ------------------------------------------------------------------------
# Progress: a line kept up to date on a terminal, else one summary line
# per series.
mdx-extract -s BTCUSDT,ETHUSDT --since 2024-02-29T00:00:00Z >/dev/null \
    2>"$T/err"
is "$(cat "$T/err")" "mdx-extract: binance spot BTCUSDT 1m: 1440 candles from 2024-02-29T00:00:00Z to 2024-03-01T00:00:00Z, 2 requests, 0 rejected, $(sed -n 1p "$T/err" | sed 's/.*rejected, //')
mdx-extract: binance spot ETHUSDT 1m: 1440 candles from 2024-02-29T00:00:00Z to 2024-03-01T00:00:00Z, 2 requests, 0 rejected, $(sed -n 2p "$T/err" | sed 's/.*rejected, //')" \
    "not a terminal: one summary line per series"
like "$(sed -n 1p "$T/err")" ' [0-9]+\.[0-9] s$' "... ending with the time taken"
script -qec "mdx-extract -s BTCUSDT,ETHUSDT --since 2024-02-29T00:00:00Z >/dev/null" \
    /dev/null </dev/null | tr '\r' '\n' | sed '/^ *$/d' >"$T/tty"
like "$(tail -1 "$T/tty")" '^mdx-extract: 2/2 series, 2880 rows, 100%' \
    "a terminal: the progress line, ending at 100%"

# ------------------------------------------------------------------------
# Several symbols and intervals at once, each series in time order.
mdx-extract -s BTCUSDT,ETHUSDT,SOLUSDT -i 1m,5m --since 2024-02-28T00:00:00Z \
    >"$T/raw" 2>/dev/null
jq -r '[.symbol,.interval,.time]|join(" ")' "$T/raw" | awk '
	{ k = $1 " " $2; if ((k in last) && $3 <= last[k]) bad++; last[k] = $3 }
	END { print bad + 0 }' >"$T/order"
is "$(cat "$T/order")" 0 "each series in time order, no repeats"
is "$(jq -r '[.symbol,.interval]|join(" ")' "$T/raw" | sort | uniq -c | tr -s ' ' | tr '\n' ',')" \
    " 2880 BTCUSDT 1m, 576 BTCUSDT 5m, 2880 ETHUSDT 1m, 576 ETHUSDT 5m, 2880 SOLUSDT 1m, 576 SOLUSDT 5m," \
    "6 series complete"

done_testing
