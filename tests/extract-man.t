#!/bin/sh
# extract-man.t - every example of man/mdx-extract.1, taken from the page
# itself and run against the mock exchange.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2024-03-01T00:00:00Z
MDX_STATE=$T/work/var/state
export MDX_NOW MDX_STATE
mock_start --now "$MDX_NOW"

# The commands of the EXAMPLES section, one per line, continuation lines
# joined and the roff escape \e read as a backslash.
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MDX_SRC/man/mdx-extract.1" |
    awk '/^\.Bd/ { inb = 1; next } /^\.Ed/ { inb = 0; next }
	inb { sub(/\\e$/, ""); line = line $0; if ($0 ~ / $/) next;
	    print line; line = "" }' |
    sed 's/\\e/\\/g' >"$T/examples"
is "$(wc -l <"$T/examples" | tr -d ' ')" 16 "sixteen examples in the page"

mkdir -p "$T/work/BTCUSDT-1m"
cd "$T/work" || bail "no work directory"
# What the examples read: a gap file and a directory of archives.
printf '%s\n' '{"kind":"gap","exchange":"binance","market":"spot","symbol":"BTCUSDT","interval":"1m","from":"2024-02-28T10:00:00Z","to":"2024-02-28T10:05:00Z","count":5}' >gaps.ndjson
awk 'BEGIN { for (i = 0; i < 44640; i++) printf "%.0f,1.0,2.0,0.5,1.5,10.0,%.0f,15.0,3,5.0,7.5,0\n", 1704067200000 + i * 60000, 1704067200000 + i * 60000 + 59999 }' >BTCUSDT-1m-2024-01.csv
bsdtar --format zip -cf BTCUSDT-1m/BTCUSDT-1m-2024-01.zip BTCUSDT-1m-2024-01.csv
awk 'BEGIN { for (i = 0; i < 100; i++) printf "%d,1.5,2.0,%d,%d,%.0f,False,True\n", 7 + i, 10 * i, 10 * i + 3, 1735689600000000 + i * 1000 }' >BTCUSDT-aggTrades-2025-01.csv
bsdtar --format zip -cf BTCUSDT-aggTrades-2025-01.zip BTCUSDT-aggTrades-2025-01.csv
node "$MDX_SRC/tests/mock/make-archive.js" --market usdm --kind fundingRate \
    --month 2024-01 --out . >/dev/null

n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	sh -c "$cmd" >"$T/ex$n.out" 2>"$T/ex$n.err"
	is "$?" 0 "example $n runs: $cmd"
done <"$T/examples"

is "$(wc -l <klines.ndjson | tr -d ' ')" 44640 "archive example: a month of minutes"
is "$(wc -l <"$T/ex2.out" | tr -d ' ')" 30 "okx swap: 30 daily candles"
is "$(wc -l <raw.ndjson | tr -d ' '):$(tail -1 raw.ndjson | jq -r .time)" \
    "1000:2024-02-29T23:59:00Z" "cron example: the latest page on the first run"
is "$(jq -r '.kind + " " + (.data.b | length | tostring)' "$T/ex4.out" | head -1)" \
    "depth 50" "depth example: 50 levels"
is "$(wc -l <refetched.ndjson | tr -d ' ')" 5 "ranges example: the 5 missing minutes"
is "$(wc -l <"$T/ex6.out" | tr -d ' ')" 168 "kraken example: a week of hours"
is "$(jq -r '.exchange + " " + .kind' trades.ndjson | sort -u)" "kraken trades" \
    "kraken trades example: Kraken's trades"
is "$(wc -l <"$T/ex8.out" | tr -d ' ')" 1440 "coinbase example: a day of minutes"
is "$(jq -r .kind "$T/ex11.out" | sort | uniq -c | tr -s ' ')" " 1440 mark_klines" \
    "futures example: hourly mark candles since 2024-01-01"
is "$(wc -l <"$T/ex12.out" | tr -d ' ')" 225 \
    "futures example: every funding event since 2024-01-01, 8h then 4h"
is "$(wc -l <"$T/ex13.out" | tr -d ' ')" 720 \
    "futures example: 30 days of hourly open interest"
is "$(jq -r '.data.fundingIntervalHours' "$T/ex14.out" | sort -u)" 8 \
    "futures example: January's funding archive, 8 hours"
is "$(wc -l <aggtrades.ndjson | tr -d ' ')" 480 "trades example: the last hour's 480 trades"
is "$(jq -r '.quote_quantity' trades.canonical.ndjson | sort -u)" 3 \
    "canonical trades example: 100 trades of 1.5 x 2"
sed -n 1p "$T/examples" | sed 's/> klines.ndjson//' >"$T/first"
sh -c "$(cat "$T/first")" 2>/dev/null | jq -r '[.symbol,.interval]|join(" ")' |
    sort | uniq -c | tr -s ' ' | tr '\n' ',' >"$T/counts"
is "$(cat "$T/counts")" " 24 BTCUSDT 1h, 1440 BTCUSDT 1m, 24 ETHUSDT 1h, 1440 ETHUSDT 1m," \
    "first example: a day of minutes and hours of two symbols"

done_testing
