#!/bin/sh
# aggregate.t - mdx-aggregate as a stream filter: rollups against an
# independent reference (tests/aggregate-ref.js, exact BigInt sums), every
# calendar boundary, partial buckets, gaps, filling, out-of-order input,
# duplicates, rejects with positions, the accounting identity, memory.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"
. "$MDX_SRC/tests/aggregate-lib.sh"

A=mdx-aggregate
ref() { node "$MDX_SRC/tests/aggregate-ref.js" "$@"; }
# vs_ref FILE FROM NAME IV...: for each IV, mdx-aggregate --to IV of the
# FROM candles of FILE equals the reference; NAME is a printf format of IV.
vs_ref() {
	_f=$1 _from=$2 _name=$3
	shift 3
	for _iv; do
		$A -q --to "$_iv" <"$_f" | nd_candles "$_iv" >"$T/got"
		ref "$_iv" "$_from" <"$_f" >"$T/want"
		# shellcheck disable=SC2059
		files_eq "$T/got" "$T/want" "$(printf "$_name" "$_iv")"
	done
}
# brief: interval, open_time, base_count, base_expected, partial.
brief() { jq -r '[.interval, .open_time, .base_count, .base_expected,
    (.partial // false)] | @tsv'; }

# ---- usage
exits 0 "--help exits 0" $A --help
like "$(cat "$T/out")" "^usage: mdx-aggregate \\[-qv\\] --to intervals" "--help prints the usage"
exits 0 "--version exits 0" $A --version
is "$(cat "$T/out")" "mdx-aggregate $(sed -n 's/^#define MDX_VERSION "\(.*\)"/\1/p' "$MDX_SRC"/lib/*.h)" "--version prints the version"
exits 64 "nothing to do: exit 64" $A
exits 64 "unknown --to interval: exit 64" $A --to 1h,7m
like "$(cat "$T/err")" '"7m"' "the bad interval is named"
exits 64 "--gaps with --to: exit 64" $A --gaps --to 1h
exits 64 "--mark without --db: exit 64" $A --mark --to 1h

# ---- rollups equal the reference, for every interval, two instruments
# interleaved
gen --symbols BTCUSDT,ETHUSDT --count 3000 >"$T/r.nd"
vs_ref "$T/r.nd" 1m "1m -> %s equals the exact reference" 5m 15m 1h 4h 1d 1w 1M
$A -q --to 5m,1h,1d <"$T/r.nd" >"$T/multi"
for iv in 5m 1h 1d; do
	nd_candles $iv <"$T/multi" >"$T/got"
	ref $iv <"$T/r.nd" >"$T/want"
	files_eq "$T/got" "$T/want" "--to 5m,1h,1d: $iv as alone"
done
jq -c 'select(.symbol == "ETHUSDT")' "$T/r.nd" | $A -q --to 1h |
    nd_candles 1h >"$T/eth"
nd_candles 1h <"$T/multi" | grep '^ETHUSDT' >"$T/eth2"
files_eq "$T/eth" "$T/eth2" "interleaved instruments roll up as when alone"
first=$(head -1 "$T/multi")
is "$(echo "$first" | jq -r '[.origin, .closed, .base_count, .base_expected] | @tsv')" \
    "rollup	true	5	5" "rollups say origin rollup, base_count, base_expected"

# ---- calendar boundaries: week (Monday), month, leap day, year end
gen --interval 1h --from 2024-02-26T00:00:00Z --to 2024-03-05T00:00:00Z >"$T/leap.nd"
$A -q --to 1d,1w,1M <"$T/leap.nd" | brief | LC_ALL=C sort >"$T/got"
cat >"$T/want" <<'EOF'
1M	2024-02-01T00:00:00Z	96	696	false
1M	2024-03-01T00:00:00Z	96	744	true
1d	2024-02-26T00:00:00Z	24	24	false
1d	2024-02-27T00:00:00Z	24	24	false
1d	2024-02-28T00:00:00Z	24	24	false
1d	2024-02-29T00:00:00Z	24	24	false
1d	2024-03-01T00:00:00Z	24	24	false
1d	2024-03-02T00:00:00Z	24	24	false
1d	2024-03-03T00:00:00Z	24	24	false
1d	2024-03-04T00:00:00Z	24	24	false
1w	2024-02-26T00:00:00Z	168	168	false
1w	2024-03-04T00:00:00Z	24	168	true
EOF
files_eq "$T/got" "$T/want" "leap year: 2024-02-29 is a day, February has 696 hours, weeks start Monday"
vs_ref "$T/leap.nd" 1h "1h -> %s across the leap day equals the reference" 1d 1w 1M
gen --from 2023-12-31T22:00:00Z --to 2024-01-01T02:00:00Z >"$T/ye.nd"
$A -q --to 1h,1d,1w,1M <"$T/ye.nd" | brief | LC_ALL=C sort >"$T/got"
cat >"$T/want" <<'EOF'
1M	2023-12-01T00:00:00Z	120	44640	false
1M	2024-01-01T00:00:00Z	120	44640	true
1d	2023-12-31T00:00:00Z	120	1440	false
1d	2024-01-01T00:00:00Z	120	1440	true
1h	2023-12-31T22:00:00Z	60	60	false
1h	2023-12-31T23:00:00Z	60	60	false
1h	2024-01-01T00:00:00Z	60	60	false
1h	2024-01-01T01:00:00Z	60	60	false
1w	2023-12-25T00:00:00Z	120	10080	false
1w	2024-01-01T00:00:00Z	120	10080	true
EOF
files_eq "$T/got" "$T/want" "year end: buckets close at 2024-01-01T00:00Z; 2024-01-01 is a Monday"
vs_ref "$T/ye.nd" 1m "year end: %s equals the reference" 1d 1w 1M

# ---- partial buckets
gen --from 2024-01-01T00:00:00Z --count 150 >"$T/p.nd"
$A -q --to 1h <"$T/p.nd" | brief >"$T/got"
printf '1h\t2024-01-01T00:00:00Z\t60\t60\tfalse\n1h\t2024-01-01T01:00:00Z\t60\t60\tfalse\n1h\t2024-01-01T02:00:00Z\t30\t60\ttrue\n' >"$T/want"
files_eq "$T/got" "$T/want" "complete buckets as they complete, the last partial at the end"
gen --from 2024-01-01T00:20:00Z --count 200 >"$T/p2.nd"
is "$($A -q --to 1h <"$T/p2.nd" | brief | head -1)" \
    "1h	2024-01-01T00:00:00Z	40	60	false" \
    "a bucket the input starts inside counts what it has (no partial flag once the window passed)"

# ---- gaps: at the start and end of a day, in the middle, across days
gen --symbols BTCUSDT,ETHUSDT --from 2024-01-01T22:00:00Z --to 2024-01-04T02:00:00Z \
    --skip 2024-01-02T00:00:00Z/2024-01-02T00:05:00Z,2024-01-02T12:30:00Z/2024-01-02T12:31:00Z,2024-01-02T23:55:00Z/2024-01-03T00:00:00Z,2024-01-03T23:50:00Z/2024-01-04T00:10:00Z \
    >"$T/g.nd"
$A -q --gaps <"$T/g.nd" | jq -r '[.symbol, .interval, .from, .to, .count] | @tsv' |
    LC_ALL=C sort >"$T/got"
for s in BTCUSDT ETHUSDT; do
	printf '%s\t1m\t2024-01-02T00:00:00Z\t2024-01-02T00:05:00Z\t5\n' $s
	printf '%s\t1m\t2024-01-02T12:30:00Z\t2024-01-02T12:31:00Z\t1\n' $s
	printf '%s\t1m\t2024-01-02T23:55:00Z\t2024-01-03T00:00:00Z\t5\n' $s
	printf '%s\t1m\t2024-01-03T23:50:00Z\t2024-01-04T00:10:00Z\t20\n' $s
done >"$T/want"
files_eq "$T/got" "$T/want" "--gaps: start of day, middle, end of day, across days"
is "$($A -q --gaps <"$T/g.nd" | head -1 | jq -c 'keys_unsorted')" \
    '["kind","exchange","market","symbol","interval","from","to","count"]' \
    "gap records carry the fields mdx-extract --ranges reads"
is "$($A -q --gaps --since 2024-01-03T12:00:00Z <"$T/g.nd" | jq -r .from | sort -u)" \
    "2024-01-03T23:50:00Z" "--since keeps the gaps that end after it"
jq -c 'select(.open_time >= "2024-01-02T00:03:00Z")' "$T/g.nd" >"$T/g2.nd"
is "$($A -q --gaps <"$T/g2.nd" | jq -r .from | sort -u | head -1)" \
    "2024-01-02T12:30:00Z" "no gap before the first candle of a series"
$A -q --to 1d <"$T/g.nd" | jq -r 'select(.symbol == "BTCUSDT") | [.open_time, .base_count, .base_expected] | @tsv' >"$T/got"
printf '2024-01-01T00:00:00Z\t120\t1440\n2024-01-02T00:00:00Z\t1429\t1440\n2024-01-03T00:00:00Z\t1430\t1440\n2024-01-04T00:00:00Z\t110\t1440\n' >"$T/want"
files_eq "$T/got" "$T/want" "gaps show as base_count < base_expected"

# ---- filling
$A -q --fill <"$T/g.nd" >"$T/f.nd"
is "$(wc -l <"$T/f.nd" | tr -d ' ')" "$(( $(wc -l <"$T/g.nd") + 2 * 31 ))" \
    "--fill adds one candle per missing interval"
is "$($A -q --gaps <"$T/f.nd" | wc -l | tr -d ' ')" "0" "a filled series has no gaps"
jq -c 'select(.origin == "filled")' "$T/f.nd" >"$T/filled"
is "$(jq -r 'select(.open != .high or .open != .low or .open != .close or .volume != "0" or .quote_volume != "0" or .trades != 0 or .closed != true)' "$T/filled" | wc -l | tr -d ' ')" \
    "0" "filled candles: open = high = low = close, zero volume, closed"
want=$(jq -r 'select(.symbol == "BTCUSDT" and .open_time == "2024-01-03T23:49:00Z") | .close' "$T/g.nd")
is "$(jq -r 'select(.symbol == "BTCUSDT" and .open_time >= "2024-01-03T23:50:00Z" and .open_time < "2024-01-04T00:10:00Z") | .close' "$T/filled" | sort -u)" \
    "$want" "filled candles carry the previous close, across days"
jq -r 'select(.symbol == "BTCUSDT") | .open_time' "$T/f.nd" >"$T/times"
sort -c "$T/times" 2>/dev/null
ok "[ $? -eq 0 ]" "--fill keeps each series in time order"
is "$($A -q --fill <"$T/g2.nd" | jq -r 'select(.origin == "filled") | .open_time' | sort | head -1)" \
    "2024-01-02T12:30:00Z" "--fill never fills before the first candle of a series"
$A -q --fill --to 1d <"$T/g.nd" | jq -r 'select(.symbol == "BTCUSDT") | [.open_time, .base_count] | @tsv' >"$T/got"
printf '2024-01-01T00:00:00Z\t120\n2024-01-02T00:00:00Z\t1440\n2024-01-03T00:00:00Z\t1440\n2024-01-04T00:00:00Z\t120\n' >"$T/want"
files_eq "$T/got" "$T/want" "--fill --to: filled candles count in the buckets"
$A -q --to 1h <"$T/f.nd" | nd_candles 1h >"$T/got"
$A -q --fill --to 1h <"$T/g.nd" | nd_candles 1h >"$T/want"
files_eq "$T/got" "$T/want" "--fill --to equals --fill piped into --to"

# ---- out-of-order input, duplicates, rejects
gen --symbols A,B --count 400 >"$T/in.nd"
gen --symbols A,B --count 400 --shuffle 9 --dup 50 >"$T/sh.nd"
$A -q --to 15m,1h <"$T/in.nd" | sort >"$T/o1"
exits 0 "shuffled input with duplicates: exit 0" $A --to 15m,1h "$T/sh.nd"
sort "$T/out" >"$T/o2"
files_eq "$T/o2" "$T/o1" "out-of-order input within the window rolls up the same"
like "$(cat "$T/err")" "816 read = 800 used \+ 16 duplicate \+ 0 rejected" \
    "duplicates dropped and counted; read = used + duplicate + rejected"
exits 65 "input older than the window: exit 65" $A --to 1h --window 2 "$T/sh.nd"
like "$(cat "$T/err")" "rejected candle: candle at 2024-01-01T[0-9:]+Z is older than the window \(2 intervals before .*\) \(at .*sh.nd:[0-9]+\)" \
    "the rejected candle is named with its position"
summary=$(tail -1 "$T/err")
set -- $(echo "$summary" | sed 's/.*: \([0-9]*\) read = \([0-9]*\) used + \([0-9]*\) duplicate + \([0-9]*\) rejected.*/\1 \2 \3 \4/')
is "$1" "$(( $2 + $3 + $4 ))" "with rejects, read = used + duplicate + rejected ($summary)"
ok "[ $4 -gt 0 ] && [ $4 -eq $(grep -c 'rejected candle' "$T/err") ]" "every reject is reported"

printf '%s\nnot json\n{"kind":"candle"}\n' "$(head -1 "$T/in.nd")" >"$T/bad.nd"
exits 65 "bad lines: exit 65" $A --to 1h "$T/bad.nd"
like "$(cat "$T/err")" "bad candle: .* \(at .*bad.nd:2\)" "a line that is not JSON is named"
like "$(cat "$T/err")" "bad candle: missing \"exchange\" \(at .*bad.nd:3\)" "a missing member is named"
like "$(cat "$T/err")" "3 read = 1 used \+ 0 duplicate \+ 2 rejected" "bad lines are counted as rejected"
is "$(jq -r .base_count "$T/out")" "1" "good lines around bad ones still roll up"

gen --interval 1h --count 3 >"$T/h.nd"
exits 65 "an interval that does not divide: exit 65" $A --to 5m "$T/h.nd"
like "$(cat "$T/err")" 'interval "1h" does not divide "5m"' "... and says so"

# ---- memory in proportion to open buckets, not input
gen --count 20000 >"$T/small.nd"
gen --count 400000 >"$T/big.nd"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
r1=$(rss $A -q --to 1h,1d "$T/small.nd")
r2=$(rss $A -q --to 1h,1d "$T/big.nd")
ok "[ $r2 -lt $(( r1 + 2048 )) ]" "20x the input, same memory ($r1 KiB, $r2 KiB)"

# ---- the examples of mdx-aggregate(1)
cd "$T" && gen --symbols BTCUSDT,ETHUSDT --count 1500 --skip 2024-01-01T10:00:00Z/2024-01-01T10:05:00Z >candles.ndjson
exits 0 "man example: --to 1h,1d" $A --to 1h,1d candles.ndjson
is "$(wc -l <"$T/out" | tr -d ' ')" "54" "... prints 50 hours and 4 days"
exits 0 "man example: --gaps" $A --gaps candles.ndjson
is "$(jq -r '[.symbol, .from, .count] | @tsv' "$T/out")" "BTCUSDT	2024-01-01T10:00:00Z	5
ETHUSDT	2024-01-01T10:00:00Z	5" "... prints the five missing minutes of each"
exits 0 "man example: --fill | --to 1h" sh -c "$A --fill candles.ndjson | $A --to 1h"
is "$(jq -r 'select(.open_time == "2024-01-01T10:00:00Z") | .base_count' "$T/out" | sort -u)" \
    "60" "... fills hour 10 completely"

done_testing
