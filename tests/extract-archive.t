#!/bin/sh
# extract-archive.t - mdx-extract --archive: Binance public-data zips with
# and without a header row and a .CHECKSUM, millisecond and microsecond
# timestamps, directories, filters, and corrupt input.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_NOW=2025-02-01T00:00:00Z
export MDX_NOW
A=$T/archives
mkdir -p "$A"

# csv START_MS COUNT STEP_MS [us]: COUNT klines rows of the Binance CSV
# layout, open times from START_MS; "us" writes microseconds.
csv() {
	awk -v s="$1" -v n="$2" -v st="$3" -v us="${4:-}" 'BEGIN {
		m = us == "us" ? 1000 : 1
		for (i = 0; i < n; i++) {
			t = s + i * st
			p = 42000 + (i % 97)
			printf "%.0f,%d.01000000,%d.50000000,%d.00000000,%d.25000000,1.%05d000,%.0f,%d.12345678,%d,0.50000000,21000.00000000,0\n",
			    t * m, p, p + 1, p - 1, p, i % 100000, (t + st - 1) * m,
			    p * 2, 100 + i % 50
		}
	}'
}

# mkzip NAME.zip CSVFILE [nocheck]: zip one CSV and write its .CHECKSUM.
mkzip() {
	_d=$T/zip.$$
	mkdir -p "$_d"
	cp "$2" "$_d/${1%.zip}.csv"
	(cd "$_d" && bsdtar --format zip -cf "$A/$1" "${1%.zip}.csv")
	rm -rf "$_d"
	[ "${3:-}" = nocheck ] ||
	    (cd "$A" && sha256sum "$1" >"$1.CHECKSUM")
}

HEADER=open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore

csv 1704067200000 1440 60000 >"$T/d1.csv"
mkzip BTCUSDT-1m-2024-01-01.zip "$T/d1.csv"
{ echo "$HEADER"; csv 1704153600000 1440 60000; } >"$T/d2.csv"
mkzip BTCUSDT-1m-2024-01-02.zip "$T/d2.csv" nocheck
csv 1735689600000 1440 60000 us >"$T/us.csv"
mkzip BTCUSDT-1m-2025-01-01.zip "$T/us.csv"
csv 1704067200000 31 86400000 >"$T/m.csv"
mkzip ETHUSDT-1d-2024-01.zip "$T/m.csv"

# One file without a header, with a checksum.
mdx-extract --archive "$A/BTCUSDT-1m-2024-01-01.zip" >"$T/raw" 2>"$T/err"
is "$?:$(wc -l <"$T/raw" | tr -d ' ')" "0:1440" "one zip: every row"
jq -r '.data | map(tostring) | join(",")' "$T/raw" >"$T/data"
files_eq "$T/data" "$T/d1.csv" "data holds the CSV line's fields, unchanged"
# The same shape as the REST API's row (HACKING.md "Raw records"), so that
# an engine reading the lake sees one JSON type for data.
is "$(jq -c '.data | map(type)' "$T/raw" | sort -u)" \
    '["number","string","string","string","string","string","number","string","number","string","string","string"]' \
    "data is the REST array: times and trades numbers, the rest strings"
jq -c '.data |= (map(tostring) | join(","))' "$T/raw" >"$T/raw-string"
mdx-transform <"$T/raw" >"$T/c-array"
mdx-transform <"$T/raw-string" >"$T/c-string"
files_eq "$T/c-array" "$T/c-string" \
    "mdx-transform makes the same candles of the array and the old CSV string"
is "$(jq -r .origin "$T/c-array" | sort -u)" archive "... with origin archive"
is "$(head -1 "$T/raw" | jq -c 'keys_unsorted')" \
    '["mdx","exchange","market","kind","symbol","interval","time","source","request","fetched_at","closed","data"]' \
    "envelope members"
is "$(sed -n 17p "$T/raw" | jq -r '[.mdx,.exchange,.market,.kind,.symbol,.interval,.time,.source,.request,.fetched_at,.closed]|join(" ")')" \
    "raw binance spot klines BTCUSDT 1m 2024-01-01T00:16:00Z archive BTCUSDT-1m-2024-01-01.zip:17 2025-02-01T00:00:00Z true" \
    "envelope values; request names the file and line"

# A header row, no checksum file.
mdx-extract --archive "$A/BTCUSDT-1m-2024-01-02.zip" >"$T/raw" 2>"$T/err"
is "$?:$(wc -l <"$T/raw" | tr -d ' ')" "0:1440" "header row skipped"
is "$(head -1 "$T/raw" | jq -r '[.time,.request]|join(" ")')" \
    "2024-01-02T00:00:00Z BTCUSDT-1m-2024-01-02.zip:2" "first row is line 2"

# Microsecond timestamps (Binance spot from 2025).
mdx-extract --archive "$A/BTCUSDT-1m-2025-01-01.zip" >"$T/raw" 2>"$T/err"
is "$?:$(head -1 "$T/raw" | jq -r .time):$(tail -1 "$T/raw" | jq -r .time)" \
    "0:2025-01-01T00:00:00Z:2025-01-01T23:59:00Z" "microseconds read as such"
is "$(head -1 "$T/raw" | jq -r '.data[0]')" 1735689600000000 \
    "... and kept in data"

# A directory: every archive, by symbol, interval and date; filters.
mdx-extract --archive "$A" >"$T/raw" 2>"$T/err"
is "$?:$(jq -r '[.symbol,.interval]|join(" ")' "$T/raw" | uniq -c | tr -s ' ' | tr '\n' ',')" \
    "0: 4320 BTCUSDT 1m, 31 ETHUSDT 1d," "a directory: every file"
jq -r '[.symbol,.interval,.time]|join(" ")' "$T/raw" >"$T/keys"
sort -c "$T/keys" 2>/dev/null
is "$?" 0 "in order of symbol, interval and time"
mdx-extract --archive "$A" -s ETHUSDT >"$T/raw" 2>/dev/null
is "$(wc -l <"$T/raw" | tr -d ' ')" 31 "-s selects files by symbol"
mdx-extract --archive "$A" -i 1d >"$T/raw" 2>/dev/null
is "$(wc -l <"$T/raw" | tr -d ' ')" 31 "-i selects files by interval"
mdx-extract --archive "$A" -s BTCUSDT -i 1m --since 2024-01-01T23:00:00Z \
    --until 2024-01-02T01:00:00Z >"$T/raw" 2>/dev/null
is "$(wc -l <"$T/raw" | tr -d ' '):$(head -1 "$T/raw" | jq -r .time):$(tail -1 "$T/raw" | jq -r .time)" \
    "120:2024-01-01T23:00:00Z:2024-01-02T00:59:00Z" "--since/--until select rows"
mdx-extract --archive "$A/ETHUSDT-1d-2024-01.zip" -m usdm >"$T/raw" 2>/dev/null
is "$(jq -r .market "$T/raw" | sort -u)" usdm "-m usdm for futures archives"

# A wrong checksum: nothing from that file, exit 65.
cp "$A/BTCUSDT-1m-2024-01-01.zip" "$T/BTCUSDT-1m-2023-12-31.zip"
echo "0000000000000000000000000000000000000000000000000000000000000000  BTCUSDT-1m-2023-12-31.zip" \
    >"$T/BTCUSDT-1m-2023-12-31.zip.CHECKSUM"
exits 65 "bad checksum exits 65" mdx-extract --archive "$T/BTCUSDT-1m-2023-12-31.zip"
is "$(wc -l <"$T/out" | tr -d ' ')" 0 "... and writes nothing of it"
like "$(cat "$T/err")" "checksum mismatch for '.*BTCUSDT-1m-2023-12-31.zip'" \
    "... and says so"

# A corrupt zip.
head -c 3000 "$A/BTCUSDT-1m-2024-01-01.zip" >"$T/BTCUSDT-1m-2023-12-30.zip"
exits 65 "a truncated zip exits 65" mdx-extract --archive "$T/BTCUSDT-1m-2023-12-30.zip"
like "$(cat "$T/err")" "corrupt archive '.*BTCUSDT-1m-2023-12-30.zip'" "... named"
echo "this is not a zip" >"$T/BTCUSDT-1m-2023-12-29.zip"
exits 65 "not a zip exits 65" mdx-extract --archive "$T/BTCUSDT-1m-2023-12-29.zip"
# Damage inside the compressed data: the CRC check catches it.
cp "$A/BTCUSDT-1m-2024-01-01.zip" "$T/BTCUSDT-1m-2023-12-28.zip"
printf 'XXXXXXXX' | dd of="$T/BTCUSDT-1m-2023-12-28.zip" bs=1 seek=2000 \
    conv=notrunc 2>/dev/null
exits 65 "damaged compressed data exits 65" \
    mdx-extract --archive "$T/BTCUSDT-1m-2023-12-28.zip"

# Bad rows are reported with their position and counted; the rest goes on.
{ csv 1703980800000 5 60000; echo "garbage,row"; csv 1703981100000 5 60000; } >"$T/bad.csv"
mkzip BTCUSDT-1m-2023-12-31.zip "$T/bad.csv"
exits 65 "a bad row exits 65" mdx-extract --archive "$A/BTCUSDT-1m-2023-12-31.zip"
is "$(wc -l <"$T/out" | tr -d ' ')" 10 "... after writing the good rows"
like "$(cat "$T/err")" "bad archive row: not a 1m kline \\(at BTCUSDT-1m-2023-12-31.zip:6\\)" \
    "... naming file and line"
rm -f "$A/BTCUSDT-1m-2023-12-31.zip" "$A/BTCUSDT-1m-2023-12-31.zip.CHECKSUM"
# A close time or trades count that is not an integer cannot be the REST
# row's number: the row is bad, not stored with another type.
{ csv 1703980800000 2 60000; csv 1703980920000 1 60000 | sed 's/,\([0-9]*\),0\.5/,1.5,0.5/'
  csv 1703980980000 1 60000 | sed 's/,\([0-9]*\),0\.5/,007,0.5/'; } >"$T/bad.csv"
mkzip BTCUSDT-1m-2023-12-31.zip "$T/bad.csv"
exits 65 "a fractional or zero-padded trades count is a bad row" \
    mdx-extract --archive "$A/BTCUSDT-1m-2023-12-31.zip"
is "$(wc -l <"$T/out" | tr -d ' ')" 2 "... the good rows are written"
like "$(tr "\n" " " <"$T/err")" "not a 1m kline \\(at BTCUSDT-1m-2023-12-31.zip:3\\).*zip:4" \
    "... and both bad ones named"
is "$(jq -c 'select(.data | type != "array")' "$T/out" | wc -l | tr -d ' ')" 0 \
    "... and what is written is whole"
rm -f "$A/BTCUSDT-1m-2023-12-31.zip" "$A/BTCUSDT-1m-2023-12-31.zip.CHECKSUM"

exits 74 "a missing file exits 74" mdx-extract --archive "$T/nope/BTCUSDT-1m-2024-01-01.zip"
cp "$A/BTCUSDT-1m-2024-01-01.zip" "$T/klines.zip"
exits 64 "a name not in the public-data layout exits 64" \
    mdx-extract --archive "$T/klines.zip"
exits 64 "--archive with --resume exits 64" mdx-extract --archive "$A" --resume
exits 64 "--archive is Binance's" mdx-extract -x okx --archive "$A"

done_testing
