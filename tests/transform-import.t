#!/bin/sh
# transform-import.t - mdx-transform --import: every layout (CSV and TSV
# with named or numbered columns, Binance public-data CSV, Kraken OHLCVT,
# freqtrade JSON) against hand-written expected candles; a malformed file
# (reasons with file:line, the accounting identity); and an exchange mdx
# does not fetch from through transform, lake, load, aggregate (rollup,
# reconcile against the source's own coarser candles) and indicators, a
# rerun changing nothing.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

D=$T/data
mkdir "$D"
# The files' time is the candles' fetched_at.
stamp() { touch -d '2024-02-01 00:00:00 UTC' "$@"; }
FA='"closed":true,"origin":"archive","fetched_at":"2024-02-01T00:00:00Z"}'

# ------------------------------------------------------------------------
# CSV with a header in its own order, RFC 3339 times, a space for the T,
# quoted fields and CRLF; names from --names.

printf '%s\r\n' 'Close,Volume,Date,Open,High,Low,Trades' \
    '42285.01,35.92,2024-01-01T00:00:00Z,42283.58,42298.62,42261.02,1362' \
    '"42290.5",1e-8,2024-01-01 00:01:00+00:00,42285.01,42291,42280.00,7' \
    >"$D/vendor-BTC-USD-1m.csv"
stamp "$D/vendor-BTC-USD-1m.csv"
cat >"$T/want" <<EOF
{"kind":"candle","exchange":"vendor","market":"spot","symbol":"BTC-USD","interval":"1m","open_time":"2024-01-01T00:00:00Z","open":"42283.58","high":"42298.62","low":"42261.02","close":"42285.01","volume":"35.92","quote_volume":null,"trades":1362,$FA
{"kind":"candle","exchange":"vendor","market":"spot","symbol":"BTC-USD","interval":"1m","open_time":"2024-01-01T00:01:00Z","open":"42285.01","high":"42291","low":"42280.00","close":"42290.5","volume":"0.00000001","quote_volume":null,"trades":7,$FA
EOF
exits 0 "csv with a header: exit 0" mdx-transform -i csv \
    --names '{exchange}-{symbol}-{interval}.csv' "$D/vendor-BTC-USD-1m.csv"
files_eq "$T/out" "$T/want" "csv with a header: the candles, digit for digit"
like "$(cat "$T/err")" "read 2, written 2, rejected 0" "csv: counted"
like "$(cat "$T/err")" "skipped 1 header lines" "csv: the header skipped"

# TSV without a header, columns numbered, epoch milliseconds; names given.
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    7 1704067200000 100.5 99 101 100 12.5 \
    8 1704067260000 100 99.5 100.25 99.75 0 >"$D/x.tsv"
stamp "$D/x.tsv"
cat >"$T/want" <<EOF
{"kind":"candle","exchange":"my_vendor","market":"perp","symbol":"ETH.USD","interval":"1m","open_time":"2024-01-01T00:00:00Z","open":"100.5","high":"101","low":"99","close":"100","volume":"12.5","quote_volume":null,$FA
{"kind":"candle","exchange":"my_vendor","market":"perp","symbol":"ETH.USD","interval":"1m","open_time":"2024-01-01T00:01:00Z","open":"100","high":"100.25","low":"99.5","close":"99.75","volume":"0","quote_volume":null,$FA
EOF
exits 0 "tsv numbered: exit 0" mdx-transform -i tsv \
    --columns time=2,open=3,low=4,high=5,close=6,volume=7 \
    --exchange my_vendor --market perp --symbol ETH.USD --interval 1m \
    "$D/x.tsv"
files_eq "$T/out" "$T/want" "tsv numbered: the candles"

# CSV with the columns named in file order, one skipped, epoch seconds
# given, quote volume; standard input (fetched_at: MDX_NOW).
printf '1704067200,x,1,2,0.5,1.5,10,15.75\n' >"$T/in"
exits 0 "csv positional: exit 0" env MDX_NOW=2024-03-01T00:00:00Z \
    mdx-transform -i csv --time-format s \
    --columns time,-,open,high,low,close,volume,quote_volume \
    --exchange kaiko --symbol ADAUSD --interval 1d <"$T/in"
is "$(cat "$T/out")" '{"kind":"candle","exchange":"kaiko","market":"spot","symbol":"ADAUSD","interval":"1d","open_time":"2024-01-01T00:00:00Z","open":"1","high":"2","low":"0.5","close":"1.5","volume":"10","quote_volume":"15.75","closed":true,"origin":"archive","fetched_at":"2024-03-01T00:00:00Z"}' \
    "csv positional from stdin: the candle"

# Columns named by their headers (a CryptoDataDownload-like file, two
# volume columns, newest first); a header missing one of them rejects
# every line of that file, with the reason.
printf '%s\n' 'Unix,Date,Symbol,Open,High,Low,Close,Volume BTC,Volume USDT' \
    '1704067260000,2024-01-01 00:01:00,BTC/USDT,2,3,1,2.5,0.5,1.25' \
    '1704067200000,2024-01-01 00:00:00,BTC/USDT,1,2,0.5,1.5,3,4.5' \
    >"$D/cdd.csv"
printf '%s\n' 'Unix,Open,High,Low,Close' '1704067200000,1,2,0.5,1.5' \
    >"$D/cdd-short.csv"
stamp "$D/cdd.csv" "$D/cdd-short.csv"
exits 0 "columns by header names: exit 0" mdx-transform -v -i csv \
    --columns 'time=unix,open=Open,high=High,low=Low,close=Close,volume=Volume BTC,quote_volume=Volume USDT' \
    --exchange cdd --symbol BTCUSDT --interval 1m "$D/cdd.csv" "$D/cdd-short.csv"
is "$(jq -r '[.open_time, .open, .volume, .quote_volume] | join(" ")' "$T/out" | tr '\n' ';')" \
    "2024-01-01T00:01:00Z 2 0.5 1.25;2024-01-01T00:00:00Z 1 3 4.5;" \
    "columns by header names: the candles"
like "$(cat "$T/err")" "bad candle: no column \"Volume BTC\" in the header \(for \"volume\"\) \(at $D/cdd-short.csv:2\)" \
    "a header without a named column: the reason, file and line"
like "$(cat "$T/err")" "read 3, written 2, rejected 1" "... counted"

# Canonical imported candles pass through mdx-transform unchanged.
exits 0 "imported candles pass through" mdx-transform "$T/want"
files_eq "$T/out" "$T/want" "... byte for byte"

# Time formats by magnitude: s, ms and us give the same open time; a
# candle still open at the file's time is not closed.
printf '1704067200,1,1,1,1,1\n1704067200000,1,1,1,1,1\n1704067200000000,1,1,1,1,1\n1706745600,1,1,1,1,1\n' \
    >"$D/t.csv"
stamp "$D/t.csv"
exits 0 "epoch units: exit 0" mdx-transform -w 0 -i csv --exchange e \
    --symbol S --interval 1m "$D/t.csv"
is "$(jq -r '.open_time' "$T/out" | tr '\n' ' ')" \
    "2024-01-01T00:00:00Z 2024-01-01T00:00:00Z 2024-01-01T00:00:00Z 2024-02-01T00:00:00Z " \
    "epoch seconds, milliseconds and microseconds"
is "$(jq -r '.closed' "$T/out" | tr '\n' ' ')" "true true true false " \
    "a candle ending after the file's time is open"

# ------------------------------------------------------------------------
# Binance public-data CSV (with and without its header, ms and us times).

printf '%s\n' \
    'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore' \
    '1704067200000,42283.58000000,42298.62000000,42261.02000000,42285.01000000,35.92000000,1704067259999,1518922.10000000,1362,18.10000000,765432.10000000,0' \
    >"$D/BTCUSDT-1m-2024-01-01.csv"
printf '%s\n' \
    '1735689600000000,1.5,2,1,1.75,3,1735689659999999,4.5,5,1,2,0' \
    >"$D/BTCUSDT-1m-2025-01-01.csv"
stamp "$D/BTCUSDT-1m-2024-01-01.csv" "$D/BTCUSDT-1m-2025-01-01.csv"
cat >"$T/want" <<EOF
{"kind":"candle","exchange":"binance","market":"spot","symbol":"BTCUSDT","interval":"1m","open_time":"2024-01-01T00:00:00Z","open":"42283.58000000","high":"42298.62000000","low":"42261.02000000","close":"42285.01000000","volume":"35.92000000","quote_volume":"1518922.10000000","trades":1362,"taker_buy_volume":"18.10000000","taker_buy_quote_volume":"765432.10000000",$FA
{"kind":"candle","exchange":"binance","market":"spot","symbol":"BTCUSDT","interval":"1m","open_time":"2025-01-01T00:00:00Z","open":"1.5","high":"2","low":"1","close":"1.75","volume":"3","quote_volume":"4.5","trades":5,"taker_buy_volume":"1","taker_buy_quote_volume":"2","closed":false,"origin":"archive","fetched_at":"2024-02-01T00:00:00Z"}
EOF
exits 0 "binance: exit 0" mdx-transform -i binance \
    "$D/BTCUSDT-1m-2024-01-01.csv" "$D/BTCUSDT-1m-2025-01-01.csv"
files_eq "$T/out" "$T/want" "binance: the candles (the file's digits kept)"

# ------------------------------------------------------------------------
# freqtrade JSON: floats read as written (1e-08, 4.2e4), rows over lines,
# the market from the file name.

printf '[[1704067200000,42283.58,42298.62,42261.02,42285.01,35.92],\n [1704070800000, 4.2e4, 42300.5, 41999.99, 42000.0, 1e-08]]\n' \
    >"$D/BTC_USDT-1h.json"
printf '[\n  [\n    1704067200000,\n    1,\n    2,\n    0.5,\n    1.5,\n    3\n  ]\n]' \
    >"$D/BTC_USDT_USDT-5m-futures.json"
gzip -c "$D/BTC_USDT-1h.json" >"$D/ETH_USDT-1h.json.gz"
stamp "$D"/*.json*
cat >"$T/want" <<EOF
{"kind":"candle","exchange":"binance","market":"spot","symbol":"BTC_USDT","interval":"1h","open_time":"2024-01-01T00:00:00Z","open":"42283.58","high":"42298.62","low":"42261.02","close":"42285.01","volume":"35.92","quote_volume":null,$FA
{"kind":"candle","exchange":"binance","market":"spot","symbol":"BTC_USDT","interval":"1h","open_time":"2024-01-01T01:00:00Z","open":"42000","high":"42300.5","low":"41999.99","close":"42000.0","volume":"0.00000001","quote_volume":null,$FA
{"kind":"candle","exchange":"binance","market":"futures","symbol":"BTC_USDT_USDT","interval":"5m","open_time":"2024-01-01T00:00:00Z","open":"1","high":"2","low":"0.5","close":"1.5","volume":"3","quote_volume":null,$FA
EOF
exits 0 "freqtrade: exit 0" mdx-transform -i freqtrade --exchange binance \
    "$D/BTC_USDT-1h.json" "$D/BTC_USDT_USDT-5m-futures.json"
files_eq "$T/out" "$T/want" "freqtrade: the candles, floats digit for digit"
exits 0 "freqtrade gzip: exit 0" mdx-transform -i freqtrade \
    --exchange binance "$D/ETH_USDT-1h.json.gz"
is "$(jq -r '.symbol + " " + .open' "$T/out" | tr '\n' ' ')" \
    "ETH_USDT 42283.58 ETH_USDT 42000 " "freqtrade .json.gz: names and values"
exits 64 "freqtrade without an exchange: exit 64" mdx-transform \
    -i freqtrade "$D/BTC_USDT-1h.json"
like "$(cat "$T/err")" "cannot tell the exchange of '.*BTC_USDT-1h.json': give --exchange" \
    "... and says what to give"
is "$(cat "$T/out")" "" "... writing nothing"

# ------------------------------------------------------------------------
# Kraken OHLCVT: a 1m file and the 60m file of the same trades.  The 1m
# candles come from a formula; the 60m ones are computed here by awk,
# independently of mdx (exact volume sums in thousandths).

awk 'BEGIN {
	for (i = 0; i < 120; i++) {
		o = 42000 + (i * 37) % 101; c = 42000 + (i * 53) % 97;
		h = (o > c ? o : c) + i % 5; l = (o < c ? o : c) - 1 - i % 3;
		printf "%d,%d.25,%d.75,%d.5,%d.25,%d.%03d,%d\n", 1704067200 + 60 * i,
		    o, h, l, c, i % 3, (i * 17) % 1000, i % 9 + 1
	}
}' >"$D/XBTUSD_1.csv"
awk -F, '
function flush() {
	if (n == 0) return
	printf "%d,%s,%s,%s,%s,%d.%03d,%d\n", t0, op, hi, lo, cl, int(v / 1000),
	    v % 1000, tr
}
{
	h = int(($1 - 1704067200) / 3600)
	if (n > 0 && h != cur) { flush(); n = 0 }
	if (n == 0) { cur = h; t0 = $1; op = $2; hi = $3; lo = $4; v = 0; tr = 0 }
	if ($3 + 0 > hi + 0) hi = $3
	if ($4 + 0 < lo + 0) lo = $4
	cl = $5; split($6, p, "."); v += p[1] * 1000 + p[2]; tr += $7; n++
}
END { flush() }' "$D/XBTUSD_1.csv" >"$D/XBTUSD_60.csv"
stamp "$D/XBTUSD_1.csv" "$D/XBTUSD_60.csv"
is "$(wc -l <"$D/XBTUSD_60.csv" | tr -d ' ')" 2 "kraken: two hours of 60m candles"

exits 0 "kraken 1m: exit 0" mdx-transform -i kraken "$D/XBTUSD_1.csv"
cp "$T/out" "$T/k1"
like "$(cat "$T/err")" "read 120, written 120, rejected 0" "kraken 1m: counted"
is "$(head -n 1 "$T/k1")" '{"kind":"candle","exchange":"kraken","market":"spot","symbol":"XBTUSD","interval":"1m","open_time":"2024-01-01T00:00:00Z","open":"42000.25","high":"42000.75","low":"41999.5","close":"42000.25","volume":"0.000","quote_volume":null,"trades":1,'"$FA" \
    "kraken 1m: the first candle"
exits 0 "kraken 60m: exit 0" mdx-transform -i kraken "$D/XBTUSD_60.csv"
cp "$T/out" "$T/k60"
is "$(jq -r '.interval' "$T/k60" | sort -u)" "1h" "kraken: 60 minutes is 1h"

# The stream rollup of the 1m candles is the 60m file.
mdx-aggregate --to 1h "$T/k1" >"$T/roll" 2>/dev/null
f='[.open_time, .open, .high, .low, .close, (.volume | tonumber), .trades] | @tsv'
jq -r "$f" "$T/k60" >"$T/a"
jq -r "select(.interval == \"1h\") | $f" "$T/roll" >"$T/b"
files_eq "$T/b" "$T/a" "kraken: the rollup of the 1m file is the 60m file"

# ------------------------------------------------------------------------
# A malformed file: each bad line rejected with its file:line, the rest
# written, read = written + rejected (+ duplicates).

printf '%s\n' 'time,open,high,low,close,volume' \
    '2024-01-01T00:00:00Z,1,2,0.5,1.5,1' \
    '2024-01-01T00:01:00Z,1,0.5,0.4,0.45,1' \
    '2024-01-01T00:02:00Z,abc,2,0.5,1.5,1' \
    '2024-01-01T00:03:30Z,1,2,0.5,1.5,1' \
    '2024-01-01T00:04:00,1,2,0.5,1.5,1' \
    '2024-01-01T00:05:00Z,1,2' \
    '2024-01-01T00:06:00Z,"1,2,0.5,1.5,1' \
    '2024-01-01T00:07:00Z,,2,0.5,1.5,1' \
    '2024-01-01T00:00:00Z,1,2,0.5,1.5,1' \
    '2024-01-01T00:08:00Z,1,2,0.5,1.5,-1' \
    '2024-01-01T00:09:00Z,1,2,0.5,1.5,1' >"$D/bad-BAD-1m.csv"
exits 65 "malformed csv --strict: exit 65" mdx-transform -s -v \
    -r "$T/rej" -i csv --names '{exchange}-{symbol}-{interval}.csv' \
    "$D/bad-BAD-1m.csv"
B="$D/bad-BAD-1m.csv"
for want in \
    "bad candle: high < open \\(at $B:3\\)" \
    "bad candle: bad \"open\" \\(column 2\\): not a decimal number.* \\(at $B:4\\)" \
    "bad candle: open_time not aligned to 1m \\(at $B:5\\)" \
    "bad candle: bad \"time\" \\(column 1\\): not an RFC 3339 time \\(at $B:6\\)" \
    "bad candle: 3 columns, want at least 6 \\(at $B:7\\)" \
    "bad candle: a quoted field does not end \\(at $B:8\\)" \
    "bad candle: no \"open\" \\(column 2\\) \\(at $B:9\\)" \
    "bad candle: negative volume \\(at $B:11\\)"; do
	like "$(cat "$T/err")" "$want" "malformed: $(echo "$want" | sed 's/ \\\\(at.*//')"
done
like "$(cat "$T/err")" "read 11, written 2, rejected 8, duplicates 1" \
    "malformed: 11 read = 2 written + 8 rejected + 1 duplicate"
is "$(wc -l <"$T/out" | tr -d ' ')" 2 "malformed: the two good candles written"
is "$(jq -r '.line' "$T/rej" | tr '\n' ' ')" "3 4 5 6 7 8 9 11 " \
    "malformed: the rejects file has each line"
is "$(jq -r 'select(.line == 4) | .record' "$T/rej")" \
    '2024-01-01T00:02:00Z,abc,2,0.5,1.5,1' "malformed: ... and the line as read"

# A broken freqtrade file: a bad row is one reject; a break outside rows
# rejects the rest, line by line.
printf '[[1704067200000,1,2,0.5,1.5,3],\n [1704067260000,1,x,0.5,1.5,3],\n [1704067320000,1,2,0.5,1.5,3] oops\n[1704067380000,1,2,0.5,1.5,3]]\n' \
    >"$D/F_X-1m.json"
exits 0 "broken freqtrade: exit 0 without --strict" mdx-transform -v \
    -i freqtrade --exchange ft "$D/F_X-1m.json"
like "$(cat "$T/err")" "bad candle: bad \"high\" \\(element 3\\): not a decimal number.* \\(at $D/F_X-1m.json:2\\)" \
    "broken freqtrade: the bad row and its line"
like "$(cat "$T/err")" "bad freqtrade file: want ',' or '\\]' after a row \\(at $D/F_X-1m.json:3\\)" \
    "broken freqtrade: the break and its line"
like "$(cat "$T/err")" "after the syntax error at line 3 \\(at $D/F_X-1m.json:4\\)" \
    "broken freqtrade: the lines after it rejected"
like "$(cat "$T/err")" "read 5, written 2, rejected 3" \
    "broken freqtrade: 5 read = 2 written + 3 rejected"

# A time format given: what does not fit it is rejected.
printf '2024-0,1,1,1,1,1\n1704067200.000,1,1,1,1,1\n1704067200.5,1,1,1,1,1\n' >"$T/in"
exits 0 "--time-format s" mdx-transform -i csv --time-format s \
    --exchange e --symbol S --interval 1m <"$T/in"
like "$(cat "$T/err")" "bad \"time\" \(column 1\): not a whole epoch number \(at stdin:1\)" \
    "an RFC 3339 date is not seconds"
like "$(cat "$T/err")" "not a whole epoch number \(at stdin:3\)" \
    "a fraction of a second is refused"
is "$(jq -r .open_time "$T/out")" "2024-01-01T00:00:00Z" "a fraction of zeros is whole"

# Bad command lines.
exits 64 "an unknown layout: exit 64" mdx-transform -i parquet x
exits 64 "a bad exchange code: exit 64" mdx-transform -i csv --exchange Kraken
exits 64 "--columns without --import: exit 64" mdx-transform --columns time
exits 64 "--columns without close: exit 64" mdx-transform -i csv \
    --columns time,open,high,low
like "$(cat "$T/err")" 'no "close" column' "... saying which"
exits 64 "a bad placeholder: exit 64" mdx-transform -i csv --names '{sym}.csv'
exits 64 "a file whose names cannot be told: exit 64" mdx-transform -i csv \
    --exchange e "$D/x.tsv"
like "$(cat "$T/err")" "cannot tell the symbol of '$D/x.tsv': give --symbol" \
    "... naming the file and the option"

# ------------------------------------------------------------------------
# The warehouse: an exchange mdx does not fetch from through the lake,
# load, rollups, reconcile, indicators; a rerun changes nothing.

pg_start
exits 0 "migrate" mdx-load --migrate
MDX_LAKE=$T/lake
export MDX_LAKE

import_all() {
	mdx-transform -q -i kraken "$D/XBTUSD_1.csv" | mdx-lake put canonical \
	    >/dev/null &&
	mdx-lake cat canonical | mdx-load -q
}
exits 0 "kraken 1m through the lake into the warehouse" import_all
ok "[ -d '$T/lake/canonical/exchange=kraken/market=spot/kind=candle/symbol=XBTUSD/interval=1m' ]" \
    "the lake partition of kraken"
# Kraken is an exchange mdx fetches from (sql/062): its files land on the
# seeded rows, untouched.
is "$(sql "SELECT exchange, name, url IS NULL, seeded FROM mdx.exchange WHERE exchange = 'kraken'")" \
    "kraken|Kraken|f|t" "mdx.exchange: kraken's seeded row, untouched"
is "$(sql "SELECT contract, seeded FROM mdx.market WHERE exchange = 'kraken' AND market = 'spot'")" \
    "spot|t" "mdx.market: kraken spot, seeded"
is "$(sql "SELECT count(*) FROM mdx.candles WHERE exchange = 'kraken' AND interval = '1m'")" \
    120 "120 kraken candles stored"
is "$(sql "SELECT origin, min(open), sum(trades) FROM mdx.candles WHERE exchange = 'kraken' GROUP BY 1")" \
    "archive|42000.25|591" "stored with their values"

exits 0 "mdx-aggregate --db --to 1h" mdx-aggregate --db --to 1h
is "$(sql "SELECT count(*) FROM mdx.candles WHERE exchange = 'kraken' AND interval = '1h' AND origin = 'rollup' AND base_count = 60")" \
    2 "two complete 1h rollups"
exits 0 "the rollups reconcile with Kraken's own 60m candles" \
    mdx-aggregate --db --reconcile "$T/k60"
is "$(cat "$T/out")" "" "... no bucket differs"
sed 's/"high":"[0-9.]*"/"high":"99999"/' "$T/k60" >"$T/k60bad"
exits 1 "a changed 60m candle does not reconcile: exit 1" \
    mdx-aggregate --db --reconcile "$T/k60bad"
like "$(cat "$T/out")" '"status":"differs"' "... and is reported"

exits 0 "mdx-indicators --db" mdx-indicators --db sma:5
is "$(sql "SELECT count(*) FROM mdx.indicators WHERE exchange = 'kraken' AND interval = '1m' AND name = 'sma'")" \
    116 "indicators of the kraken series (120 - 4 warm-up)"
mdx-indicators sma:5 "$T/k1" >"$T/ind" 2>/dev/null
is "$(jq -r 'select(.values.sma != null) | .exchange' "$T/ind" | sort | uniq -c | tr -s ' ')" \
    " 116 kraken" "indicators in the stream mode too"

# The gaps of an exchange mdx cannot fetch from stay open: repair's --mark
# hands out only what mdx-extract can refetch.
sed 11d "$D/XBTUSD_1.csv" >"$D/XBTEUR_1.csv"
exits 0 "a series of an exchange mdx does not fetch from, with a hole, loads" sh -c \
    "mdx-transform -q -i kraken --exchange bitstamp '$D/XBTEUR_1.csv' | mdx-load -q"
is "$(sql "SELECT exchange, name, url IS NULL, seeded FROM mdx.exchange WHERE exchange = 'bitstamp'")" \
    "bitstamp|bitstamp|t|f" "mdx.exchange: bitstamp created, not seeded"
is "$(sql "SELECT contract, seeded FROM mdx.market WHERE exchange = 'bitstamp' AND market = 'spot'")" \
    "spot|f" "mdx.market: bitstamp spot created as a spot market"
exits 0 "mdx-aggregate --db --to 1h after a hole" mdx-aggregate --db --to 1h
exits 0 "gaps" mdx-aggregate --db --gaps --since 2024-01-01T00:00:00Z
like "$(cat "$T/out")" '"exchange":"bitstamp","market":"spot","symbol":"XBTEUR","interval":"1m","from":"2024-01-01T00:10:00Z","to":"2024-01-01T00:11:00Z","count":1' \
    "the bitstamp gap is found"
exits 0 "gaps --mark" mdx-aggregate --db --gaps --mark --since 2024-01-01T00:00:00Z
is "$(cat "$T/out")" "" "... but not handed out for a refetch"
is "$(sql "SELECT g.status FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id) WHERE i.exchange = 'bitstamp'")" \
    "open" "... and stays open"

# A rerun of the whole import changes nothing.
dump() {
	sql "SELECT c.interval, c.open_time, c.open, c.high, c.low, c.close,
	    c.volume, c.trades, c.origin, c.updated_at FROM mdx.candle c
	    JOIN mdx.instrument i USING (instrument_id)
	    WHERE i.exchange = 'kraken' ORDER BY 1, 2"
}
mdx-aggregate --db --to 1h -q
dump >"$T/before"
exits 0 "rerun: the import again" import_all
exits 0 "rerun: the rollup again" mdx-aggregate --db --to 1h
dump >"$T/after"
files_eq "$T/after" "$T/before" "a rerun changes no candle (updated_at included)"
is "$(sql "SELECT count(*) FROM mdx.exchange WHERE exchange = 'kraken'") $(sql "SELECT count(*) FROM mdx.instrument WHERE exchange = 'kraken'")" \
    "1 1" "... and adds no exchange or instrument"

# The README's tour: a folder of CSV files through the lake into the
# warehouse, rolled up.
mkdir "$T/vendor"
printf '%s\n' timestamp,open,high,low,close,volume \
    1704067200000,1,2,0.5,1.5,3 1704070800000,1.5,2.5,1,2,4 \
    >"$T/vendor/BTCUSDT-1h.csv"
printf '%s\n' timestamp,open,high,low,close,volume \
    2024-01-01T00:00:00Z,10,20,5,15,30 >"$T/vendor/ETHUSDT-1h.csv"
tour() {
	( cd "$T" &&
	mdx-transform -q -i csv --exchange kaiko \
	    --names '{symbol}-{interval}.csv' --rejects rejects.ndjson \
	    vendor/*.csv | mdx-lake put canonical >/dev/null &&
	mdx-lake cat canonical exchange=kaiko | mdx-load -q &&
	mdx-aggregate -q --db --to 1h,1d )
}
exits 0 "the README's folder of CSV files" tour
is "$(sql "SELECT symbol, interval, count(*), sum(volume) FROM mdx.candles WHERE exchange = 'kaiko' GROUP BY 1, 2 ORDER BY 1, 2" | tr '\n' ' ')" \
    "BTCUSDT|1d|1|7 BTCUSDT|1h|2|7 ETHUSDT|1d|1|30 ETHUSDT|1h|1|30 " \
    "... loaded and rolled up to 1d"
is "$(cat "$T/rejects.ndjson")" "" "... with no rejects"

# Any code of the pattern is a name; the warehouse refuses any other.
exits 0 "another exchange's csv loads" sh -c \
    "mdx-transform -q -i csv --names '{exchange}-{symbol}-{interval}.csv' \
    '$D/vendor-BTC-USD-1m.csv' | mdx-load -q"
is "$(sql "SELECT count(*) FROM mdx.candles WHERE exchange = 'vendor'")" 2 \
    "vendor candles stored"
exits 1 "mdx.exchange refuses a code outside the pattern" psql -X -q \
    -v ON_ERROR_STOP=1 -c "SELECT mdx.ensure_market('Bad Name', 'spot')"
is "$(sql "SELECT count(*) FROM mdx.market WHERE seeded") $(sql "SELECT count(*) FROM mdx.market WHERE NOT seeded")" \
    "9 3" "seeded markets untouched, three created"

done_testing
