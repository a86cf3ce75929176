#!/bin/sh
# transform-trades.t - trade archives (Binance aggTrades daily and monthly,
# with CHECKSUM; Bybit trading-history files) to raw and canonical trades;
# checksums verified and corrupt archives rejected; mdx-transform's trade
# mapping, its fast path against the general one, bad rows rejected with
# their position and counted; the lake partitions trades by date.
# Expected trades come from tests/trades-expect.js (the mock's generator).
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2026-01-01T00:00:00Z
export MDX_NOW
MA="node $MDX_SRC/tests/mock/make-archive.js"
EXP="node $MDX_SRC/tests/trades-expect.js"
A=$T/a
U=$T/u
Y=$T/y
canon() { jq -c 'del(.fetched_at)'; }

# Spot from 2025: microseconds, no header.  USD-M: a header, milliseconds.
$MA --kind aggTrades --date 2025-01-02 --out "$A" >/dev/null
$MA --kind aggTrades --market usdm --symbol ETHUSDT --date 2024-03-01 \
    --out "$U" >/dev/null
ok "[ -s '$A/BTCUSDT-aggTrades-2025-01-02.zip.CHECKSUM' ]" "archives come with a CHECKSUM"

mdx-extract --archive "$A" -k trades >"$T/s.raw" 2>"$T/err"
is "$?:$(wc -l <"$T/s.raw" | tr -d ' ')" "0:11520" "spot archive: every row"
is "$(head -1 "$T/s.raw" | jq -c '[.kind, .source, .request, (.data | keys)]')" \
    '["trades","archive","BTCUSDT-aggTrades-2025-01-02.zip:1",["M","T","a","f","l","m","p","q"]]' \
    "raw trades in the REST shape, the request naming file and line"
ok "head -1 '$T/s.raw' | jq -e '.data.T > 100000000000000'" \
    "spot 2025 times stay in microseconds in data"
mdx-transform -q "$T/s.raw" | canon >"$T/s.got"
$EXP binance spot BTCUSDT 2025-01-02 2025-01-03 2025-01-03 archive --us \
    >"$T/s.want"
files_eq "$T/s.got" "$T/s.want" "spot archive: the canonical trades, to the microsecond"
like "$(grep -c '\.[0-9]\{6\}Z' "$T/s.got")" "^[1-9][0-9]*$" "six-digit fractions where the microseconds are not zero"

mdx-extract --archive "$U" -m usdm -k trades | mdx-transform -q | canon >"$T/u.got"
$EXP binance usdm ETHUSDT 2024-03-01 2024-03-02 2024-03-02 archive >"$T/u.want"
files_eq "$T/u.got" "$T/u.want" "usdm archive with a header: the canonical trades"

# --canonical: the same trades in one step.
mdx-extract --archive "$A" -k trades --canonical >"$T/c1" 2>"$T/err"
mdx-transform -q "$T/s.raw" >"$T/c2"
files_eq "$T/c1" "$T/c2" "--canonical writes what mdx-extract | mdx-transform writes"
mdx-extract --archive "$A" -k trades --canonical >"$T/c3" 2>"$T/err"
files_eq "$T/c3" "$T/c1" "a rerun writes the same trades"
exits 64 "--canonical without --archive" mdx-extract -k trades -s BTCUSDT --canonical

# A stored (not deflated) zip reads the same.
$MA --kind aggTrades --date 2025-01-02 --store --out "$T/st" >/dev/null
mdx-extract --archive "$T/st" -k trades --canonical >"$T/st.out" 2>"$T/err"
files_eq "$T/st.out" "$T/c1" "a stored zip: the same trades"

# A monthly archive's name.
mkdir -p "$T/m"
cp "$A/BTCUSDT-aggTrades-2025-01-02.zip" "$T/m/BTCUSDT-aggTrades-2025-01.zip"
mdx-extract --archive "$T/m" -k trades >"$T/m.raw" 2>"$T/err"
is "$?:$(wc -l <"$T/m.raw" | tr -d ' ')" "0:11520" "a monthly archive (no CHECKSUM)"
# --since/--until and -s.
is "$(mdx-extract --archive "$A" -k trades --since 2025-01-02T01:00:00Z \
    --until 2025-01-02T02:00:00Z | wc -l | tr -d ' ')" 480 "--since and --until"
is "$(mdx-extract --archive "$A" -k trades -s ETHUSDT | wc -l | tr -d ' ')" 0 \
    "-s picks the symbols"
is "$(mdx-extract --archive "$A" | wc -l | tr -d ' ')" 0 \
    "klines runs pass trade archives by"

# Checksums: a wrong one and a damaged zip are rejected.
$MA --kind aggTrades --date 2025-01-03 --bad-checksum --out "$T/bad" >/dev/null
mdx-extract --archive "$T/bad" -k trades >"$T/x" 2>"$T/err"
is "$?:$(wc -l <"$T/x" | tr -d ' ')" "65:0" "a checksum mismatch: exit 65, nothing written"
like "$(cat "$T/err")" "checksum mismatch for '.*BTCUSDT-aggTrades-2025-01-03.zip'" \
    "the mismatch is named"
$MA --kind aggTrades --date 2025-01-04 --corrupt --out "$T/cor" >/dev/null
mdx-extract --archive "$T/cor" -k trades >"$T/x" 2>"$T/err"
is "$?" 65 "a corrupt zip: exit 65"
like "$(cat "$T/err")" "corrupt archive '.*BTCUSDT-aggTrades-2025-01-04.zip'" \
    "the corrupt archive is named"

# Bad rows in an archive: rejected with the file and line, the rest kept.
mkdir -p "$T/br" "$T/brz"
bsdtar -xOf "$A/BTCUSDT-aggTrades-2025-01-02.zip" 2>/dev/null | head -5 \
    >"$T/br/rows"
sed -E '3s/,(True|False),True$/,Maybe,True/' "$T/br/rows" \
    >"$T/br/BTCUSDT-aggTrades-2025-01-05.csv"
(cd "$T/br" && bsdtar --format zip -cf "$T/brz/BTCUSDT-aggTrades-2025-01-05.zip" \
    BTCUSDT-aggTrades-2025-01-05.csv)
mdx-extract --archive "$T/brz" -k trades >"$T/x" 2>"$T/err"
is "$?:$(wc -l <"$T/x" | tr -d ' ')" "65:4" "a bad row: exit 65, the other rows written"
like "$(cat "$T/err")" "not a Binance aggregate trade \\(at BTCUSDT-aggTrades-2025-01-05.zip:3\\)" \
    "the bad row is named by file and line"

# Rows in the forms the fast reading of numbers leaves to the slow one
# (long integer parts and fractions, 18-digit ids, times in seconds, no
# fraction, a product past 64 bits) and bad ones it must still reject.
# The expected trades are written out by hand.
mkdir -p "$T/ed" "$T/edz"
cat >"$T/ed/BTCUSDT-aggTrades-2025-01-06.csv" <<'EOF'
100,0.00000001,12345678.90000000,1,1,1735689600000001,True,True
101,12345678,0.5,2,3,1735689600123000,false,false
102,5.000000000000,2.00,4,4,1735689601000000,False,True
103,1.5,1.5,123456789012345678,123456789012345678,1735689602500000,True,True
104,0.1,3,5,5,1735689603,True,True
105,99999999.99999999,99999999.99999999,6,6,1735689604000000,False,True
106,1.,1,7,7,1735689605000000,True,True
106,1.2.3,1,7,7,1735689605000000,True,True
0106,1,1,7,7,1735689605000000,True,True
1234567890123456789,1,1,7,7,1735689605000000,True,True
106,1,1,7,7,1735689605000000,Maybe,True
106,0.00000000,1,7,7,1735689605000000,True,True
107,1,1,9,8,1735689606000000,True,True
107,2,0.25,10,10,1735689606000000,True
EOF
(cd "$T/ed" && bsdtar --format zip -cf "$T/edz/BTCUSDT-aggTrades-2025-01-06.zip" \
    BTCUSDT-aggTrades-2025-01-06.csv)
P='{"kind":"trade","exchange":"binance","market":"spot","symbol":"BTCUSDT","id":'
F='"origin":"archive","fetched_at":"2026-01-01T00:00:00Z"}'
cat >"$T/ed.want" <<EOF
$P"100","first_id":1,"last_id":1,"time":"2025-01-01T00:00:00.000001Z","price":"0.00000001","quantity":"12345678.90000000","quote_quantity":"0.123456789","side":"sell",$F
$P"101","first_id":2,"last_id":3,"time":"2025-01-01T00:00:00.123Z","price":"12345678","quantity":"0.5","quote_quantity":"6172839","side":"buy",$F
$P"102","first_id":4,"last_id":4,"time":"2025-01-01T00:00:01Z","price":"5.000000000000","quantity":"2.00","quote_quantity":"10","side":"buy",$F
$P"103","first_id":123456789012345678,"last_id":123456789012345678,"time":"2025-01-01T00:00:02.500Z","price":"1.5","quantity":"1.5","quote_quantity":"2.25","side":"sell",$F
$P"104","first_id":5,"last_id":5,"time":"2025-01-01T00:00:03Z","price":"0.1","quantity":"3","quote_quantity":"0.3","side":"sell",$F
$P"105","first_id":6,"last_id":6,"time":"2025-01-01T00:00:04Z","price":"99999999.99999999","quantity":"99999999.99999999","quote_quantity":"9999999999999998.0000000000000001","side":"buy",$F
$P"107","first_id":10,"last_id":10,"time":"2025-01-01T00:00:06Z","price":"2","quantity":"0.25","quote_quantity":"0.5","side":"sell",$F
EOF
mdx-extract --archive "$T/edz" -k trades --canonical >"$T/ed.got" 2>"$T/err"
is "$?" 65 "odd rows: exit 65 for the bad ones"
files_eq "$T/ed.got" "$T/ed.want" "odd rows: the good ones, to the digit"
is "$(grep -o 'at BTCUSDT-aggTrades-2025-01-06.zip:[0-9]*' "$T/err" |
    cut -d: -f2 | tr '\n' ' ')" "7 8 9 10 11 12 13 " \
    "odd rows: each bad one named by its line"
mdx-extract --archive "$T/edz" -k trades 2>/dev/null | mdx-transform -q \
    >"$T/ed.two"
files_eq "$T/ed.two" "$T/ed.want" "odd rows: mdx-extract | mdx-transform the same"

# Bybit trading-history files.
$MA --exchange bybit --symbol ETHUSDT --date 2024-02-01 --out "$Y" >/dev/null
ok "[ -s '$Y/ETHUSDT2024-02-01.csv.gz' ]" "bybit file: SYMBOLYYYY-MM-DD.csv.gz"
mdx-extract --archive "$Y" -x bybit -m linear -k trades >"$T/y.raw" 2>"$T/err"
is "$?:$(wc -l <"$T/y.raw" | tr -d ' ')" "0:11520" "bybit file: every row"
mdx-transform -q "$T/y.raw" | canon >"$T/y.got"
$EXP bybit linear ETHUSDT 2024-02-01 2024-02-02 2024-02-02 archive >"$T/y.want"
files_eq "$T/y.got" "$T/y.want" "bybit file: the canonical trades"
mdx-extract --archive "$Y" -x bybit -m linear -k trades --canonical | canon \
    >"$T/y2.got"
files_eq "$T/y2.got" "$T/y.want" "bybit file --canonical"
$MA --exchange bybit --date 2024-02-02 --corrupt --out "$T/ycor" >/dev/null
mdx-extract --archive "$T/ycor" -x bybit -m linear -k trades >"$T/x" 2>"$T/err"
is "$?" 65 "a corrupt bybit file: exit 65"
# Odd Bybit rows: a timestamp of more digits than an int64_t holds (found
# by fuzz-tradecsv: the seconds overflowed before their number was
# checked; SANITIZE=1 builds abort on it) and one of twelve digits.
mkdir -p "$T/yod"
{
	echo 'timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional'
	echo '1706745600.5,ETHUSDT,Buy,0.25,2300.10,PlusTick,t-1,57502500000,0.25,575.025'
	echo '11111111111111111111111111.5,ETHUSDT,Buy,1,1,PlusTick,t-2,1,1,1'
	echo '170674560000,ETHUSDT,Sell,1,1,PlusTick,t-3,1,1,1'
	echo '1706745601,ETHUSDT,Sell,2,2300,MinusTick,t-4,460000000000,2,4600'
} | gzip >"$T/yod/ETHUSDT2024-02-01.csv.gz"
mdx-extract --archive "$T/yod" -x bybit -m linear -k trades --canonical \
    >"$T/yod.got" 2>"$T/err"
is "$?" 65 "odd bybit rows: exit 65"
is "$(jq -r '[.id, .time, .quote_quantity] | join(" ")' "$T/yod.got" |
    tr '\n' ';')" \
    "t-1 2024-02-01T00:00:00.500Z 575.025;t-4 2024-02-01T00:00:01Z 4600;" \
    "odd bybit rows: the good ones written"
is "$(grep -o 'at ETHUSDT2024-02-01.csv.gz:[0-9]*' "$T/err" | cut -d: -f2 |
    tr '\n' ' ')" "3 4 " "odd bybit rows: each bad one named by its line"

# mdx-transform: the general path gives what the fast path gives.
sed 's/"q":"/"q": "/' "$T/s.raw" | mdx-transform -q >"$T/slow"
mdx-transform -q "$T/s.raw" >"$T/fast"
files_eq "$T/slow" "$T/fast" "fast and general paths agree"
mdx-transform -q "$T/fast" >"$T/again"
files_eq "$T/again" "$T/fast" "canonical trades pass through unchanged"

R1=$(sed -n 1p "$T/s.raw")
# Quote quantities: exact, trailing zeros dropped, up to 38 digits.
for pq in 10.0:2.50:25 100:0.01:1 0.5:0.2:0.1 1.000:1:1 007.10:3:21.3 \
    99999999999999999999:0.000000000000000001:99.999999999999999999 \
    1e2:3:300 \
    123456789.123456789:987654321.987654321:121932631356500531.347203169112635269; do
	p=${pq%%:*} r=${pq#*:}
	q=${r%%:*} want=${r#*:}
	got=$(echo "$R1" | sed "s/\"p\":\"[0-9.]*\"/\"p\":\"$p\"/; s/\"q\":\"[0-9.]*\"/\"q\":\"$q\"/" |
	    mdx-transform -q | jq -r .quote_quantity)
	is "$got" "$want" "$p x $q = $want"
done

# Bad records: rejected with the reason and the position, and counted.
{
	echo "$R1"
	echo "$R1" | sed 's/"p":"[0-9.]*"/"p":"0"/'
	echo "$R1" | sed 's/"q":"[0-9.]*"/"q":"1x"/'
	echo "$R1" | sed 's/,"m":false//'
	echo "$R1" | sed 's/"l":[0-9]*/"l":1/'
	echo "$R1" | sed 's/"T":[0-9]*/"T":-5/'
	echo "$R1" | sed 's/"a":[0-9]*/"a":"x"/'
	echo "$R1" | sed 's/"market":"spot"/"market":"moon"/'
} >"$T/bad.raw"
mdx-transform -v -r "$T/rej" "$T/bad.raw" >"$T/out" 2>"$T/err"
is "$?" 0 "bad records: exit 0 without --strict"
is "$(wc -l <"$T/out" | tr -d ' '):$(wc -l <"$T/rej" | tr -d ' ')" "1:7" \
    "one written, seven rejected"
like "$(cat "$T/err")" "read 8, written 1, rejected 7" "records in = out + rejected"
is "$(jq -r '.line' "$T/rej" | tr '\n' ' ')" "2 3 4 5 6 7 8 " "rejects keep their lines"
like "$(jq -r .reason "$T/rej" | sed -n 1p)" 'price "0" is not positive' "price 0"
like "$(jq -r .reason "$T/rej" | sed -n 2p)" 'bad quantity "1x"' "a bad quantity"
like "$(jq -r .reason "$T/rej" | sed -n 3p)" 'bad "m"' "no maker flag"
like "$(jq -r .reason "$T/rej" | sed -n 4p)" 'last id 1 before first id' "last id before first"
like "$(jq -r .reason "$T/rej" | sed -n 6p)" 'bad "a"' "a bad aggregate id"
like "$(jq -r .reason "$T/rej" | sed -n 7p)" 'unknown exchange and market' "an unknown market"
like "$(cat "$T/err")" 'bad trade: .* \(at .*bad.raw:2\)' "messages name file and line"
exits 65 "--strict: exit 65" mdx-transform -q -s "$T/bad.raw"

# The lake partitions trades by kind, symbol and date; no interval.
head -100 "$T/s.raw" | mdx-lake -L "$T/lake" put raw >/dev/null
ok "[ -d '$T/lake/raw/exchange=binance/market=spot/kind=trades/symbol=BTCUSDT/date=2025-01-02' ]" \
    "raw trades: kind=trades, date from the trade time"
head -100 "$T/c1" | mdx-lake -L "$T/lake" put canon >/dev/null
ok "[ -d '$T/lake/canon/exchange=binance/market=spot/kind=trade/symbol=BTCUSDT/date=2025-01-02' ]" \
    "canonical trades: kind=trade"
is "$(mdx-lake -L "$T/lake" cat raw | mdx-transform -q | md5sum)" \
    "$(head -100 "$T/c1" | md5sum)" "the lake gives the trades back"
tail -1 "$T/s.raw" | mdx-lake -L "$T/lake" put raw >/dev/null
is "$(mdx-lake -L "$T/lake" ls raw | grep -c 'date=2025-01-02')" \
    "$(mdx-lake -L "$T/lake" ls raw | wc -l | tr -d ' ')" \
    "a trade at 23:59:59.9 stays in its day"

done_testing
