#!/bin/sh
# transform.t - mdx-transform: golden raw -> canonical files for every
# exchange and kind, every validation rule, rejects, --strict, dedup and
# the accounting identity.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

G=$MDX_SRC/tests/golden/transform

# Golden files: written by hand from the exchanges' documented formats.
for raw in "$G"/*.raw.ndjson; do
	name=$(basename "$raw" .raw.ndjson)
	exits 0 "golden $name: exit 0" mdx-transform "$raw"
	files_eq "$T/out" "$G/$name.ndjson" "golden $name: canonical output"
done

# The summary of the archive file: the header row is not a record.
mdx-transform "$G/archive-klines.raw.ndjson" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "read 2, written 2, rejected 0, duplicates 0" \
    "archive: summary counts records, not the header row"
like "$(cat "$T/err")" "skipped 1 archive header rows" \
    "archive: the header row is reported"

# Canonical records pass through unchanged.
cat "$G"/*.ndjson | grep -v '"mdx":"raw"' >"$T/canon"
exits 0 "canonical input: exit 0" mdx-transform "$T/canon"
sort "$T/out" >"$T/a"
sort "$T/canon" >"$T/b"
files_eq "$T/a" "$T/b" "canonical input passes through unchanged"

# ------------------------------------------------------------------------
# Validation.  One good Binance row; each case changes one field.

k() {
	# k OPEN HIGH LOW CLOSE VOLUME QUOTE [OPEN_TIME] [INTERVAL]
	printf '{"mdx":"raw","exchange":"binance","market":"spot","kind":"klines","symbol":"BTCUSDT","interval":"%s","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-02T00:00:00Z","closed":true,"data":[%s,%s,%s,%s,%s,%s,1704067259999,%s,10,"1","100","0"]}\n' \
	    "${8:-1m}" "${7:-1704067200000}" "$1" "$2" "$3" "$4" "$5" "$6"
}

check_reject() {
	# check_reject NAME REASON-REGEX LINE
	printf '%s\n' "$3" >"$T/in"
	exits 0 "$1: exit 0 without --strict" \
	    mdx-transform --rejects "$T/rej" "$T/in"
	is "$(wc -c <"$T/out" | tr -d ' ')" "0" "$1: nothing written"
	like "$(jq -r .reason "$T/rej")" "$2" "$1: reason in rejects"
	like "$(cat "$T/err")" "$2.* \\(at $T/in:1\\)" "$1: message with position"
}

good=$(k '"100"' '"110"' '"90"' '"105"' '"2"' '"200"')
printf '%s\n' "$good" >"$T/good"
exits 0 "a good row passes" mdx-transform "$T/good"
is "$(jq -r .close "$T/out")" "105" "a good row: close"

# Rows of k that are rejected, one a line: NAME|REASON-REGEX|the arguments
# of k (OPEN HIGH LOW CLOSE VOLUME QUOTE [OPEN_TIME] [INTERVAL]; empty
# ones take k's default).
while IFS='|' read -r name reason o h l c v q t iv; do
	check_reject "$name" "$reason" \
	    "$(k "$o" "$h" "$l" "$c" "$v" "$q" "$t" "$iv")" </dev/null
done <<'EOF'
high < open|bad candle: high < open|"100"|"99"|"90"|"95"|"2"|"200"||
high < close|bad candle: high < close|"100"|"110"|"90"|"111"|"2"|"200"||
low > open|bad candle: low > open|"100"|"110"|"101"|"105"|"2"|"200"||
low > close|bad candle: low > close|"100"|"110"|"90"|"89"|"2"|"200"||
negative volume|bad candle: negative volume|"100"|"110"|"90"|"105"|"-2"|"200"||
negative quote volume|bad candle: negative quote_volume|"100"|"110"|"90"|"105"|"2"|"-200"||
negative price|bad candle: negative price|"-100"|"110"|"-190"|"105"|"2"|"200"||
open_time not aligned|bad candle: open_time not aligned to 1m|"100"|"110"|"90"|"105"|"2"|"200"|1704067201000|
open_time not aligned to 1h|bad candle: open_time not aligned to 1h|"100"|"110"|"90"|"105"|"2"|"200"|1704067260000|1h
unknown interval|bad candle: unknown interval|"100"|"110"|"90"|"105"|"2"|"200"|1704067200000|7m
NaN|bad candle: bad "open" \(data\[1\]\)|"NaN"|"110"|"90"|"105"|"2"|"200"||
Infinity|bad candle: bad "high" \(data\[2\]\)|"100"|"Infinity"|"90"|"105"|"2"|"200"||
malformed decimal|bad candle: bad "low" \(data\[3\]\)|"100"|"110"|"9.0.0"|"105"|"2"|"200"||
decimal with blanks|bad candle: bad "close" \(data\[4\]\)|"100"|"110"|"90"|" 105"|"2"|"200"||
too many digits|bad candle: bad "volume" \(data\[5\]\)|"100"|"110"|"90"|"105"|"123456789012345678901234567890123456789012"|"200"||
EOF
check_reject "short row" 'bad candle: 3 fields, Binance klines have 12' \
    '{"mdx":"raw","exchange":"binance","market":"spot","kind":"klines","symbol":"BTCUSDT","interval":"1m","closed":true,"data":[1704067200000,"1","1"]}'
check_reject "unknown market" 'bad candle: unknown exchange and market "binance coinm"' \
    '{"mdx":"raw","exchange":"binance","market":"coinm","kind":"klines","symbol":"BTCUSD_PERP","interval":"1m","closed":true,"data":[]}'
check_reject "unknown kind" 'bad record: unknown "kind"' \
    '{"mdx":"raw","exchange":"binance","market":"spot","kind":"liquidations","symbol":"BTCUSDT","data":[]}'
check_reject "not JSON" 'bad record: not JSON' '{"mdx":"raw",'
check_reject "bad depth level" 'bad depth: bad level bids\[0\]' \
    '{"mdx":"raw","exchange":"binance","market":"spot","kind":"depth","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","data":{"lastUpdateId":1,"bids":[["x","1"]],"asks":[]}}'

# Invalid UTF-8 is rejected by the reader, with the line kept.
printf '{"mdx":"raw","symbol":"\377"}\n' >"$T/in"
exits 0 "invalid UTF-8: exit 0" mdx-transform -r "$T/rej" "$T/in"
like "$(jq -r .reason "$T/rej")" "^bad record: .*UTF-8" \
    "invalid UTF-8: reason in rejects"

# The rejects file: the original line, its position and the reason.
bad=$(k '"100"' '"99"' '"90"' '"95"' '"2"' '"200"')
printf '%s\n%s\n\n%s\n' "$good" "$bad" "$bad" >"$T/in"
exits 0 "mixed input: exit 0" mdx-transform -r "$T/rej" "$T/in"
is "$(wc -l <"$T/rej" | tr -d ' ')" "2" "rejects: one line per reject"
is "$(jq -r .record "$T/rej" | head -1)" "$bad" "rejects: the original line"
is "$(jq -r '.input + ":" + (.line|tostring)' "$T/rej" | tr '\n' ' ')" \
    "$T/in:2 $T/in:4 " "rejects: input and line number (blank lines count)"
like "$(cat "$T/err")" "read 3, written 1, rejected 2, duplicates 0" \
    "mixed input: summary"

exits 65 "--strict: a reject exits 65" mdx-transform --strict "$T/in"
is "$(wc -l <"$T/out" | tr -d ' ')" "1" "--strict: good records still written"
exits 0 "--strict: clean input exits 0" mdx-transform -s "$T/good"
printf '%s\n' "$good" | mdx-transform -s >/dev/null 2>&1
is "$?" "0" "standard input is read when no file is given"

# ------------------------------------------------------------------------
# Duplicates: same instrument, interval and open_time.

row() {
	# row CLOSE CLOSED FETCHED_AT [OPEN_TIME]
	printf '{"mdx":"raw","exchange":"binance","market":"spot","kind":"klines","symbol":"BTCUSDT","interval":"1m","source":"rest","fetched_at":"%s","closed":%s,"data":[%s,"100","200","50",%s,"1",1704067259999,"100",1,"1","100","0"]}\n' \
	    "$3" "$2" "${4:-1704067200000}" "$1"
}

# winner ROW ROW: the close mdx-transform keeps of two records of one
# candle (each ROW is the three arguments CLOSE CLOSED FETCHED_AT of row).
winner() {
	{ row "$1" "$2" "$3"; row "$4" "$5" "$6"; } >"$T/in"
	mdx-transform "$T/in" >"$T/out" 2>/dev/null
	jq -r .close "$T/out"
}

{ row '"101"' false 2024-01-01T00:00:30Z; row '"102"' true 2024-01-01T00:01:05Z; } >"$T/in"
exits 0 "open then closed: exit 0" mdx-transform "$T/in"
is "$(jq -r .close "$T/out")" "102" "open then closed: the closed one wins"
like "$(cat "$T/err")" "read 2, written 1, rejected 0, duplicates 1" \
    "open then closed: one duplicate"

is "$(winner '"102"' true 2024-01-01T00:01:05Z '"101"' false 2024-01-01T00:02:00Z)" \
    "102" "closed then a later open: closed still wins"
is "$(winner '"103"' true 2024-01-02T00:00:00Z '"102"' true 2024-01-01T00:01:05Z)" \
    "103" "two closed: the later fetch wins though read first"
is "$(winner '"102"' true 2024-01-01T00:01:05Z '"103"' true 2024-01-02T00:00:00Z)" \
    "103" "two closed: the later fetch wins when read last"
is "$(winner '"102"' true 2024-01-01T00:01:05Z '"104"' true 2024-01-01T00:01:05Z)" \
    "104" "same fetch time: the later record wins"

# Another interval or symbol is not a duplicate.
{ row '"102"' true 2024-01-01T00:01:05Z; row '"102"' true 2024-01-01T00:01:05Z |
    sed 's/"BTCUSDT"/"ETHUSDT"/'; } >"$T/in"
mdx-transform "$T/in" >"$T/out" 2>"$T/err"
is "$(wc -l <"$T/out" | tr -d ' ')" "2" "another symbol is not a duplicate"

# The window bounds memory: a duplicate further back than the window
# candles is not seen; inside it, it is.
{
	row '"101"' true 2024-01-01T00:01:05Z 1704067200000
	row '"101"' true 2024-01-01T00:01:05Z 1704067260000
	row '"101"' true 2024-01-01T00:01:05Z 1704067320000
	row '"101"' true 2024-01-01T00:01:05Z 1704067200000
} >"$T/in"
mdx-transform -w 2 "$T/in" >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "read 4, written 4, rejected 0, duplicates 0" \
    "--window 2: a duplicate 3 candles back passes"
mdx-transform -w 3 "$T/in" >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "read 4, written 3, rejected 0, duplicates 1" \
    "--window 3: the same duplicate is dropped"
is "$(jq -r .open_time "$T/out" | tr '\n' ' ')" \
    "2024-01-01T00:00:00Z 2024-01-01T00:01:00Z 2024-01-01T00:02:00Z " \
    "output keeps the order of first appearance"
mdx-transform --window 0 "$T/in" >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "written 4, rejected 0, duplicates 0" \
    "--window 0: no dedup"
exits 64 "a bad window exits 64" mdx-transform -w lots "$T/in"

# ------------------------------------------------------------------------
# The accounting identity over a large mixed stream: every 7th row
# duplicated, every 11th broken.
awk 'BEGIN {
	for (i = 0; i < 3000; i++) {
		t = 1704067200000 + i * 60000
		h = (i % 11 == 5) ? "1" : "200"
		line = sprintf("{\"mdx\":\"raw\",\"exchange\":\"bybit\",\"market\":\"linear\",\"kind\":\"klines\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\",\"fetched_at\":\"2024-02-01T00:00:00Z\",\"closed\":true,\"data\":[\"%.0f\",\"100\",\"%s\",\"50\",\"150\",\"3\",\"300\"]}", t, h)
		print line
		if (i % 7 == 0) print line
	}
}' >"$T/in"
mdx-transform -r "$T/rej" "$T/in" >"$T/out" 2>"$T/err"
sum=$(sed -n 's/.*read \([0-9]*\), written \([0-9]*\), rejected \([0-9]*\), duplicates \([0-9]*\).*/\1 \2 \3 \4/p' "$T/err")
set -- $sum
is "$1" "$(wc -l <"$T/in" | tr -d ' ')" "identity: read counts every line"
is "$2" "$(wc -l <"$T/out" | tr -d ' ')" "identity: written counts the output"
is "$3" "$(wc -l <"$T/rej" | tr -d ' ')" "identity: rejected counts the rejects"
is "$(($2 + $3 + $4))" "$1" "identity: read = written + rejected + duplicates"
is "$4" "$(awk 'BEGIN { n = 0; for (i = 0; i < 3000; i++) if (i % 7 == 0 && i % 11 != 5) n++; print n }')" \
    "identity: the duplicates are the repeated good rows"

# Hostile symbols survive as JSON, escapes and all.
printf '%s\n' "$good" | sed 's/"BTCUSDT"/"A\\"B\\\\C\\tD\\u00e9\\u2603"/' >"$T/in"
exits 0 "hostile symbol: exit 0" mdx-transform "$T/in"
is "$(jq -r .symbol "$T/out")" "$(printf 'A"B\\C\tD\303\251\342\230\203')" \
    "hostile symbol: the same text comes out"

# Compressed input is read as it stands.
gzip -c "$G/okx-klines.raw.ndjson" >"$T/in.gz"
exits 0 "gzip input: exit 0" mdx-transform "$T/in.gz"
files_eq "$T/out" "$G/okx-klines.ndjson" "gzip input: same canonical output"

# The example of mdx-transform(1).
mdx-transform --strict --rejects "$T/rej" "$G/binance-spot-klines.raw.ndjson" \
    "$G/bybit-klines.raw.ndjson" >"$T/out" 2>"$T/err"
is "$?" "0" "man page example: strict run over two files"
is "$(jq -r 'select(.market == "inverse") | .volume + " " + .quote_volume' "$T/out")" \
    "15.74462667 268611" "man page example: Bybit inverse volume in coin, quote in USD"

printf '%s\n%s\n%s\n' "$bad" "$good" "$bad" | mdx-transform -r "$T/rej" >/dev/null 2>&1
is "$(jq -r .reason "$T/rej" | sort | uniq -c | sed 's/^ *//')" \
    "2 bad candle: high < open" "man page example: rejects counted by reason"

done_testing
