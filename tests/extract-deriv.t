#!/bin/sh
# extract-deriv.t - derivatives data (issue 15): mdx-extract fetches mark,
# index and premium-index klines, funding and open interest from every
# exchange of the mock, paged forwards (Binance) and backwards (Bybit, OKX),
# resumes after a fault, and reads Binance's USD-M archives of every kind;
# mdx-transform makes exactly the records tests/deriv-expect.js computes
# from the mock's own generator; a rerun changes nothing.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2024-03-01T00:00:00Z
MDX_STATE=$T/state
export MDX_NOW MDX_STATE
mock_start --now "$MDX_NOW"
EXPECT=$MDX_SRC/tests/deriv-expect.js

# want EX MK SYM KIND IV FROM TO [archive]: the expected records.
want() {
	node "$EXPECT" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$MDX_NOW" ${8:-} \
	    >"$T/want" || bail "deriv-expect.js failed"
}

# canon FILE: mdx-transform of raw records, without fetched_at.
canon() {
	mdx-transform -q <"$1" | jq -c 'del(.fetched_at)'
}

# same EX MK SYM KIND IV FROM TO REQUESTS: extract, transform and compare;
# REQUESTS is the number of requests the range takes.
same() {
	_path=$(endpoint "$1" "$4")
	mock_reset
	if [ "$4" = funding ]; then
		mdx-extract -x "$1" -m "$2" -s "$3" -k "$4" --since "$6" \
		    --until "$7" >"$T/raw" 2>"$T/err"
	else
		mdx-extract -x "$1" -m "$2" -s "$3" -k "$4" -i "$5" --since "$6" \
		    --until "$7" >"$T/raw" 2>"$T/err"
	fi
	_rc=$?
	want "$1" "$2" "$3" "$4" "$5" "$6" "$7"
	canon "$T/raw" >"$T/got"
	is "$_rc" 0 "$1 $2 $3 $4 $5: exit 0"
	ok "test $(wc -l <"$T/want") -gt 0" \
	    "$1 $2 $3 $4 $5: the mock has $(wc -l <"$T/want" | tr -d ' ') rows"
	files_eq "$T/got" "$T/want" "$1 $2 $3 $4 $5: exactly the mock's rows"
	is "$(mock_stats | jq ".by_endpoint[\"$_path\"]")" "$8" \
	    "$1 $2 $3 $4 $5: in $8 requests"
}

# endpoint EX KIND: the path the mock counts.
endpoint() {
	case $1:$2 in
	binance:mark_klines) echo /fapi/v1/markPriceKlines ;;
	binance:index_klines) echo /fapi/v1/indexPriceKlines ;;
	binance:premium_klines) echo /fapi/v1/premiumIndexKlines ;;
	binance:funding) echo /fapi/v1/fundingRate ;;
	binance:open_interest) echo /futures/data/openInterestHist ;;
	bybit:mark_klines) echo /v5/market/mark-price-kline ;;
	bybit:index_klines) echo /v5/market/index-price-kline ;;
	bybit:premium_klines) echo /v5/market/premium-index-price-kline ;;
	bybit:funding) echo /v5/market/funding/history ;;
	bybit:open_interest) echo /v5/market/open-interest ;;
	okx:mark_klines) echo /api/v5/market/history-mark-price-candles ;;
	okx:index_klines) echo /api/v5/market/history-index-candles ;;
	okx:funding) echo /api/v5/public/funding-rate-history ;;
	okx:open_interest) echo /api/v5/rubik/stat/contracts/open-interest-history ;;
	esac
}

# ------------------------------------------------------------------------
# Every endpoint.  Binance pages forwards, 499 candles a request (1200
# minutes: 3); Bybit and OKX backwards (1000 and 100 a request).
F=2024-02-27T00:00:00Z
same binance usdm BTCUSDT mark_klines 1m $F 2024-02-27T20:00:00Z 3
is "$(mock_stats | jq -c '[.weight.fapi.total, .sent_429]')" "[6,0]" \
    "binance: pages of 499 weigh 2 each"
same binance usdm ETHUSDT index_klines 1h 2024-01-01T00:00:00Z $F 3
same binance usdm BTCUSDT premium_klines 5m $F 2024-02-29T00:00:00Z 2
same bybit linear BTCUSDT mark_klines 1m $F 2024-02-28T01:00:00Z 2
same bybit inverse BTCUSD index_klines 1h 2024-01-01T00:00:00Z $F 2
same bybit linear SOLUSDT premium_klines 15m 2024-02-01T00:00:00Z $F 3
same okx swap BTC-USDT-SWAP mark_klines 1m $F 2024-02-27T04:10:00Z 3
same okx swap ETH-USD-SWAP index_klines 1d 2023-12-01T00:00:00Z $F 1
like "$(head -1 "$T/raw" | jq -r .request)" 'instId=ETH-USD&bar=1Dutc' \
    "okx: index candles asked for by index, daily bars in UTC"

# Funding over the change of BTCUSDT from 8 to 4 hours (2024-02-15):
# Binance in pages of 1000, Bybit 200, OKX 100, every event once (a full
# page calls for one more request: 1000 events of 8 hours fill the first
# window of Binance).
same binance usdm BTCUSDT funding - 2023-01-01T00:00:00Z $MDX_NOW 3
same bybit linear BTCUSDT funding - 2023-10-01T00:00:00Z $MDX_NOW 3
same okx swap BTC-USDT-SWAP funding - 2024-01-01T00:00:00Z $MDX_NOW 3
same bybit inverse ETHUSD funding - 2024-01-01T00:00:00Z $MDX_NOW 1
same binance usdm BTCUSDT funding - 2024-02-10T00:00:00Z 2024-02-20T00:00:00Z 1
mdx-transform -q <"$T/raw" | jq -r .time >"$T/times"
is "$(jq -Rs 'split("\n") | map(select(. != "") | fromdate) |
    [range(1; length) as $i | .[$i] - .[$i - 1]] | group_by(.) |
    map([.[0], length])' -c "$T/times")" "[[14400,29],[28800,15]]" \
    "binance: 45 events from 2024-02-10 to 2024-02-20, 15 after 8h, 29 after 4h"
is "$(sed -n '15p;16p;17p' "$T/times" | tr '\n' ' ')" \
    "2024-02-14T16:00:00Z 2024-02-15T00:00:00Z 2024-02-15T04:00:00Z " \
    "... the interval changes at 2024-02-15"

# Open interest at each exchange's periods: Binance 500 a page, Bybit 200,
# OKX 100.
same binance usdm BTCUSDT open_interest 5m 2024-02-26T00:00:00Z $MDX_NOW 3
same binance usdm ETHUSDT open_interest 1d 2024-01-01T00:00:00Z $MDX_NOW 1
same bybit linear BTCUSDT open_interest 5m 2024-02-29T00:00:00Z $MDX_NOW 2
same bybit inverse BTCUSD open_interest 4h 2024-02-01T00:00:00Z $MDX_NOW 1
same okx swap BTC-USDT-SWAP open_interest 1h 2024-02-20T00:00:00Z $MDX_NOW 3
same okx swap BTC-USD-SWAP open_interest 5m 2024-02-29T20:00:00Z $MDX_NOW 1

# The mock's 1h and 1d mark candles are rollups of its 1m mark candles,
# and mdx-aggregate makes the same of them, price type kept: rolled up
# apart from the trade candles of the same hours.
mdx-extract -x binance -m usdm -s BTCUSDT -k mark_klines -i 1m,1h,1d \
    --since 2024-02-27T00:00:00Z --until 2024-02-29T00:00:00Z >"$T/raw" \
    2>/dev/null
mdx-extract -x binance -m usdm -s BTCUSDT -i 1m \
    --since 2024-02-27T00:00:00Z --until 2024-02-29T00:00:00Z >>"$T/raw" \
    2>/dev/null
mdx-transform -q "$T/raw" >"$T/c"
jq -c 'select(.interval == "1m")' "$T/c" | mdx-aggregate -q --to 1h,1d |
    jq -c 'select(.price == "mark") |
    [.interval, .open_time, .open, .high, .low, .close, .closed]' |
    sort >"$T/got"
jq -c 'select(.interval != "1m") |
    [.interval, .open_time, .open, .high, .low, .close, .closed]' "$T/c" |
    sort >"$T/want"
is "$(wc -l <"$T/want" | tr -d ' ')" 50 "the mock's 48 hourly and 2 daily mark candles"
files_eq "$T/got" "$T/want" \
    "... equal mdx-aggregate's rollups of its 1m mark candles"
jq -c 'select(.interval == "1m")' "$T/c" | mdx-aggregate -q --to 1d >"$T/d"
is "$(jq -r '.price // "trade"' "$T/d" | sort | uniq -c | awk '{ print $1, $2 }' |
    tr '\n' ' ')" "2 mark 2 trade " "... apart from the trade candles"
is "$(jq -c 'select(.price == "mark") | has("volume")' "$T/d" | sort -u)" \
    false "... and without volumes"

# A hole in the mark candles: mdx-aggregate --gaps names it with its price
# type, and mdx-extract --ranges refetches mark candles there.
mock_post holes "binance:usdm:BTCUSDT:2024-02-28T10:00:00Z/2024-02-28T10:05:00Z" >/dev/null
mdx-extract -x binance -m usdm -s BTCUSDT -k mark_klines -i 1m \
    --since 2024-02-28T09:00:00Z --until 2024-02-28T11:00:00Z 2>/dev/null |
    mdx-transform -q | mdx-aggregate -q --gaps >"$T/gaps"
is "$(jq -c '[.price, .from, .count]' "$T/gaps")" \
    '["mark","2024-02-28T10:00:00Z",5]' "a gap of mark candles says so"
mock_clear holes
mdx-extract --ranges "$T/gaps" >"$T/raw" 2>"$T/err"
is "$?:$(jq -r .kind "$T/raw" | sort | uniq -c | tr -s ' ')" \
    "0: 5 mark_klines" "... and --ranges refetches its 5 mark candles"
exits 64 "--ranges takes no -k" mdx-extract -k mark_klines --ranges "$T/gaps"
printf '%s\n' '{"kind":"gap","exchange":"okx","market":"swap","symbol":"BTC-USDT-SWAP","interval":"1m","price":"premium","from":"2024-02-28T10:00:00Z","to":"2024-02-28T10:05:00Z","count":5}' >"$T/g2"
exits 65 "a premium gap on okx is a bad range" mdx-extract --ranges "$T/g2"
like "$(cat "$T/err")" "no premium candles on 'okx swap' \(at .*g2:1\)" \
    "... with its position"

# History depth: Binance keeps 30 days of open interest, and mdx asks for
# no more; OKX about three months of mark candles.
mdx-extract -x binance -m usdm -s BTCUSDT -k open_interest -i 1h \
    --since 2024-01-01T00:00:00Z >"$T/raw" 2>/dev/null
is "$(head -1 "$T/raw" | jq -r .time):$(wc -l <"$T/raw" | tr -d ' ')" \
    "2024-01-31T00:00:00Z:720" "binance open interest: the latest 30 days"
mdx-extract -x okx -m swap -s BTC-USDT-SWAP -k mark_klines -i 1d \
    --since 2023-06-01T00:00:00Z >"$T/raw" 2>/dev/null
is "$(head -1 "$T/raw" | jq -r .time)" 2023-11-30T00:00:00Z \
    "okx mark candles: the latest 92 days"

# Offered or not.
exits 64 "okx has no premium candles" \
    mdx-extract -x okx -m swap -s BTC-USDT-SWAP -k premium_klines
exits 64 "bybit inverse has no premium candles" \
    mdx-extract -x bybit -m inverse -s BTCUSD -k premium_klines
exits 64 "spot has no funding" mdx-extract -x binance -m spot -s BTCUSDT \
    -k funding
like "$(cat "$T/err")" "kind 'funding' is not offered by binance spot" \
    "... and says so"
exits 64 "an open-interest period bybit lacks" mdx-extract -x bybit \
    -m linear -s BTCUSDT -k open_interest -i 2h
exits 64 "-i does not apply to funding" mdx-extract -x binance -m usdm \
    -s BTCUSDT -k funding -i 1h

# ------------------------------------------------------------------------
# Resume after a fault: the run stops where the fault was, the state says
# so, and --resume goes on with no duplicate and no hole; a rerun fetches
# nothing.
for spec in "binance usdm BTCUSDT mark_klines 1m /fapi/v1/markPriceKlines" \
    "bybit linear BTCUSDT funding - /v5/market/funding/history" \
    "okx swap BTC-USDT-SWAP open_interest 5m /api/v5/rubik/stat/contracts/open-interest-history"; do
	set -- $spec
	rm -rf "$MDX_STATE"
	mock_reset
	mock_fault "{\"type\":\"500\",\"path\":\"$6\",\"after\":1,\"count\":100}"
	ivopt="-i $5"
	[ "$4" = funding ] && ivopt=
	since=2024-02-27T00:00:00Z
	[ "$4" = funding ] && since=2023-06-01T00:00:00Z
	mdx-extract -x $1 -m $2 -s $3 -k $4 $ivopt --since $since --resume \
	    --tries 1 --connections 1 >"$T/r1" 2>"$T/err"
	rc=$?
	ok "test $rc -ne 0 && test -s '$T/r1'" \
	    "$1 $4: a fault stops the run after its first page (exit $rc)"
	mock_clear faults
	mdx-extract -x $1 -m $2 -s $3 -k $4 $ivopt --since $since --resume \
	    >"$T/r2" 2>"$T/err"
	is "$?" 0 "$1 $4: --resume completes"
	cat "$T/r1" "$T/r2" >"$T/raw"
	want $1 $2 $3 $4 $5 $since $MDX_NOW
	canon "$T/raw" >"$T/got"
	files_eq "$T/got" "$T/want" \
	    "$1 $4: both runs together hold every row once"
	st=$(cat "$MDX_STATE"/extract/$1/$2/$3/*.json)
	mdx-extract -x $1 -m $2 -s $3 -k $4 $ivopt --since $since --resume \
	    >"$T/r3" 2>"$T/err"
	is "$?:$(wc -l <"$T/r3" | tr -d ' ')" "0:0" "$1 $4: a rerun fetches nothing"
	is "$(cat "$MDX_STATE"/extract/$1/$2/$3/*.json | jq -c 'del(.updated_at)')" \
	    "$(echo "$st" | jq -c 'del(.updated_at)')" "$1 $4: ... and leaves the state"
done
ls "$MDX_STATE/extract/okx/swap/BTC-USDT-SWAP" >"$T/ls"
is "$(cat "$T/ls")" "open_interest-5m.json" "state file KIND-PERIOD.json"
is "$(jq -c '[.kind, .interval, .next]' "$MDX_STATE/extract/okx/swap/BTC-USDT-SWAP/open_interest-5m.json")" \
    '["open_interest","5m","2024-03-01T00:00:00Z"]' "... naming kind, period and where to go on"

# Bad rows from the exchange are rejected with the request and the row:
# one outside the range asked for by mdx-extract, one with a bad price by
# mdx-transform.
mock_reset
mock_fault '{"type":"outside","path":"/v5/market/mark-price-kline"}'
exits 65 "a mark kline outside the range: exit 65" mdx-extract -x bybit \
    -m linear -s BTCUSDT -k mark_klines -i 1h --since 2024-02-29T00:00:00Z
like "$(cat "$T/err")" "bad data from bybit: row at 2024-02-28T23:00:00Z outside .*\(row 25 of GET /v5/market/mark-price-kline" \
    "... naming the row and the request"
is "$(wc -l <"$T/out" | tr -d ' ')" 24 "... the others kept"
mock_fault '{"type":"bad_number","path":"/fapi/v1/markPriceKlines"}'
exits 0 "a mark kline with a bad price: mdx-extract keeps the row as sent" \
    mdx-extract -x binance -m usdm -s BTCUSDT -k mark_klines -i 1h \
    --since 2024-02-29T00:00:00Z
mdx-transform -s <"$T/out" >"$T/c" 2>"$T/terr"
is "$?" 65 "... mdx-transform -s rejects it (exit 65)"
like "$(cat "$T/terr")" 'bad "open".*at stdin:1\)' "... naming it and its line"
like "$(tail -1 "$T/terr")" 'read 24, written 23, rejected 1' \
    "... and counting it"

# ------------------------------------------------------------------------
# Binance USD-M archives of every kind, daily and monthly, with CHECKSUM.
A=$T/arch
MA=$MDX_SRC/tests/mock/make-archive.js
node "$MA" --market usdm --kind markPriceKlines --interval 1h \
    --date 2024-01-02 --date 2024-01-03 --out "$A/mark" >/dev/null
node "$MA" --market usdm --kind indexPriceKlines --interval 1d \
    --month 2024-01 --out "$A/index" >/dev/null
node "$MA" --market usdm --kind premiumIndexKlines --interval 5m \
    --date 2024-01-02 --symbol ETHUSDT --out "$A/premium" >/dev/null
node "$MA" --market usdm --kind fundingRate --month 2024-01 --month 2024-02 \
    --out "$A/funding" >/dev/null
node "$MA" --market usdm --kind metrics --date 2024-02-14 --date 2024-02-15 \
    --out "$A/metrics" >/dev/null

# arch KIND DIR EX-ARGS...: extract the archives of DIR, compare.
arch() {
	_k=$1 _d=$2
	shift 2
	mdx-extract -m usdm -k "$_k" --archive "$A/$_d" >"$T/raw" 2>"$T/err"
	_rc=$?
	want binance usdm "$@" archive
	canon "$T/raw" >"$T/got"
	is "$_rc" 0 "archive $_d: exit 0"
	ok "test $(wc -l <"$T/want") -gt 0" "archive $_d: $(wc -l <"$T/want" | tr -d ' ') rows"
	files_eq "$T/got" "$T/want" "archive $_d: exactly the mock's rows"
}
arch mark_klines mark BTCUSDT mark_klines 1h 2024-01-02T00:00:00Z 2024-01-04T00:00:00Z
arch index_klines index BTCUSDT index_klines 1d 2024-01-01T00:00:00Z 2024-02-01T00:00:00Z
arch premium_klines premium ETHUSDT premium_klines 5m 2024-01-02T00:00:00Z 2024-01-03T00:00:00Z
arch funding funding BTCUSDT funding - 2024-01-01T00:00:00Z 2024-03-01T00:00:00Z
arch open_interest metrics BTCUSDT open_interest 5m 2024-02-14T00:00:00Z 2024-02-16T00:00:00Z
is "$(canon "$T/raw" | jq -r .period | sort -u)" 5m "metrics: 5-minute samples"
mdx-extract -m usdm -k funding --archive "$A/funding" | mdx-transform -q |
    jq -r '.interval' | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' ' >"$T/iv"
is "$(cat "$T/iv")" "135 8h 90 4h " \
    "funding archive: the interval in force, 8h then 4h"
is "$(mdx-extract -m usdm -k funding --archive "$A/funding" \
    --since 2024-02-15T00:00:00Z --until 2024-02-16T00:00:00Z | wc -l | tr -d ' ')" 6 \
    "--since and --until select funding events"

# A corrupt archive, a bad checksum, a bad row, a name of another kind.
node "$MA" --market usdm --kind fundingRate --month 2023-12 --corrupt \
    --out "$A/bad1" >/dev/null
exits 65 "corrupt funding archive: exit 65" mdx-extract -m usdm -k funding \
    --archive "$A/bad1"
like "$(cat "$T/err")" "corrupt archive .*BTCUSDT-fundingRate-2023-12.zip" \
    "... named"
node "$MA" --market usdm --kind metrics --date 2024-01-05 --bad-checksum \
    --out "$A/bad2" >/dev/null
exits 65 "bad checksum: exit 65" mdx-extract -m usdm -k open_interest \
    --archive "$A/bad2"
like "$(cat "$T/err")" "checksum mismatch" "... named"
is "$(wc -l <"$T/out" | tr -d ' ')" 0 "... and nothing read from it"
mkdir -p "$A/bad3" "$T/z"
printf '%s\n%s\n%s\n' "calc_time,funding_interval_hours,last_funding_rate" \
    "1704067200000,8,0.00010000" "1704096000000,eight,0.0001" \
    >"$T/z/BTCUSDT-fundingRate-2024-01.csv"
(cd "$T/z" && bsdtar --format zip -cf "$A/bad3/BTCUSDT-fundingRate-2024-01.zip" \
    BTCUSDT-fundingRate-2024-01.csv)
exits 65 "a bad funding row: exit 65" mdx-extract -m usdm -k funding \
    --archive "$A/bad3"
like "$(cat "$T/err")" "not a fundingRate row \(at BTCUSDT-fundingRate-2024-01.zip:3\)" \
    "... with its file and line"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "... the good row kept"
exits 64 "-k funding with a metrics archive: exit 64" mdx-extract -m usdm \
    -k funding --archive "$A/metrics/BTCUSDT-metrics-2024-02-14.zip"
exits 64 "-k funding archives are USD-M" mdx-extract -k funding \
    --archive "$A/funding"

done_testing
