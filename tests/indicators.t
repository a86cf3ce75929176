#!/bin/sh
# indicators.t - mdx-indicators on streams: parity with TA-Lib (the npm
# package talib, built from TA-Lib's C sources) on random, market-shaped,
# flat, tiny-priced, huge-priced and short series; VWAP, 24-hour statistics
# and Enigma levels against plain re-computations and hand-computed cases;
# merged output, warm-up, gaps, interleaved series, bad input, the man
# page's examples.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

ORACLE="node $MDX_SRC/tests/indicators-oracle.js"
node -e "require('$MDX_SRC/tests/node/node_modules/talib')" 2>/dev/null ||
    bail "the talib npm package is not installed (run make deps)"

TALIB="sma,ema,wma,rsi,macd,bbands,atr,stoch,obv,roc"
TALIB="$TALIB,sma:2,ema:2,wma:2,rsi:2,macd:26:12:9,macd:5:35:5"
TALIB="$TALIB,bbands:20:2,bbands:20:1.5:2.5,atr:1,stoch:14:1:1,stoch:1:1:1"
TALIB="$TALIB,roc:1"
OTHER="vwap,vwap:day,vwap:20,vwap:1,stats24h,enigma"

# parity KIND N SEED: the whole list over one generated series.
parity() {
	$ORACLE gen "$1" "$2" "$3" >"$T/$1.ndjson"
	mdx-indicators "$TALIB,$OTHER" "$T/$1.ndjson" >"$T/$1.out" \
	    2>"$T/$1.err"
	is "$?" 0 "$1 series of $2: exit 0"
	$ORACLE check "$T/$1.ndjson" "$T/$1.out" "$TALIB,$OTHER" \
	    "${4:-0}" >"$T/$1.check"
	failed=$(grep -c '^not ok' "$T/$1.check")
	is "$failed" 0 "$1 series of $2: every indicator within 1e-9 of the oracle"
	grep '^not ok' "$T/$1.check" | head -5 | sed 's/^/# /'
	like "$(tail -1 "$T/$1.check")" 'unmatched=0$' \
	    "$1 series: no record the oracle does not have"
	diag "$(tail -1 "$T/$1.check")"
}

parity random 10000 1
parity real 20000 2
parity flat 400 3
parity tiny 5000 4
parity huge 5000 5

# TA-Lib's own outputs agree with mdx bit for bit (same operations in the
# same order), not just within the tolerance.
$ORACLE check "$T/real.ndjson" "$T/real.out" "$TALIB" >"$T/bits"
set -- $(tail -1 "$T/bits" | sed 's/.*values=\([0-9]*\) bitwise=\([0-9]*\).*/\1 \2/')
is "$2" "$1" "market-shaped series: TA-Lib's indicators equal bit for bit"

# Flat series: RSI is 0 (gain + loss is zero), the bands collapse.
rsi=$(jq -r 'select(.name == "rsi" and .params == "14") | .values.rsi' \
    "$T/flat.out" | sort -u)
is "$rsi" "0" "flat series: rsi is 0, as TA-Lib gives"
bw=$(jq -r 'select(.name == "bbands" and .params == "20:2:2") |
    "\(.values.upper) \(.values.lower)"' "$T/flat.out" | sort -u)
is "$bw" "100 100" "flat series: bands of zero width"

# Series shorter than the lookback, and exactly as long.
for n in 1 13 14 15 29 30 33 34; do
	$ORACLE gen random "$n" 9 >"$T/short.ndjson"
	mdx-indicators "$TALIB,$OTHER" "$T/short.ndjson" >"$T/short.out"
	$ORACLE check "$T/short.ndjson" "$T/short.out" "$TALIB,$OTHER" \
	    >"$T/short.check"
	is "$(grep -c '^not ok' "$T/short.check")|$(tail -1 "$T/short.check" |
	    sed 's/.*unmatched=//')" "0|0" "series of $n candles: as the oracle"
done
$ORACLE gen random 29 9 >"$T/short.ndjson"
is "$(mdx-indicators sma:30 "$T/short.ndjson" | wc -l | tr -d ' ')" 0 \
    "29 candles, sma:30: no record"
$ORACLE gen random 30 9 >"$T/short.ndjson"
is "$(mdx-indicators sma:30 "$T/short.ndjson" | wc -l | tr -d ' ')" 1 \
    "30 candles, sma:30: one record"

# Every printed value reads back as the double the oracle compares.
like "$(jq -r '.values[]' "$T/real.out" | head -1000 |
    awk '{ if ($0 !~ /^-?[0-9.]+(e[-+][0-9]+)?$/) bad++ } END { print bad + 0 }')" \
    '^0$' "values are plain JSON numbers"

# ------------------------------------------------------------------------
# Hand-computed cases.
candle() {	# candle TIME OPEN HIGH LOW CLOSE VOLUME [ORIGIN [SYMBOL [IV]]]
	printf '{"kind":"candle","exchange":"binance","market":"spot","symbol":"%s","interval":"%s","open_time":"%s","open":"%s","high":"%s","low":"%s","close":"%s","volume":"%s","quote_volume":null,"closed":true,"origin":"%s"}\n' \
	    "${8:-BTCUSDT}" "${9:-1m}" "$1" "$2" "$3" "$4" "$5" "$6" \
	    "${7:-exchange}"
}
{
	candle 2024-01-01T00:00:00Z 10 10 10 10 2
	candle 2024-01-01T00:01:00Z 10 11 10 11 3
	candle 2024-01-01T00:02:00Z 11 12.5 11 12.5 1
} >"$T/candles.ndjson"

# The man page's examples, output compared with the page's text.
PAGE=$MDX_SRC/man/mdx-indicators.1
(cd "$T" && mdx-indicators sma:2,obv candles.ndjson |
    jq -c '[.open_time, .name, .params, .values]') >"$T/ex1"
sed -n '/^\$ mdx-indicators sma:2,obv candles.ndjson/,/^\.Ed/p' "$PAGE" |
    sed -e '1,2d' -e '$d' >"$T/ex1.page"
ok "test -s '$T/ex1.page'" "man page: first example found"
files_eq "$T/ex1" "$T/ex1.page" "man page: sma:2,obv example output"
(cd "$T" && mdx-indicators --merge rsi:2 candles.ndjson |
    jq -c '[.close, .rsi_2]') >"$T/ex2"
sed -n '/^\$ mdx-indicators --merge rsi:2 candles.ndjson/,/^\.Ed/p' "$PAGE" |
    sed -e '1d' -e '$d' >"$T/ex2.page"
files_eq "$T/ex2" "$T/ex2.page" "man page: --merge rsi:2 example output"

# VWAP: tp 10, 32/3, 12 with volumes 2, 3, 1: (20 + 32 + 12) / 6.
got=$(mdx-indicators vwap "$T/candles.ndjson" | jq -r '.values.vwap' | tail -1)
is "$(awk -v g="$got" 'BEGIN { d = g - 64 / 6; print (d < 1e-12 && d > -1e-12) }')" 1 \
    "vwap: (20 + 32 + 12) / 6 = 10.666..."
is "$(mdx-indicators vwap:2 "$T/candles.ndjson" | jq -r '.values.vwap' |
    tr '\n' ' ')" "10.4 11 " "vwap:2 by hand: 52/5, 44/4"
# VWAP restarts at 00:00Z.
{
	candle 2024-01-01T23:59:00Z 10 10 10 10 5
	candle 2024-01-02T00:00:00Z 20 20 20 20 1
} >"$T/midnight.ndjson"
is "$(mdx-indicators vwap "$T/midnight.ndjson" | jq -r '.values.vwap' |
    tr '\n' ' ')" "10 20 " "vwap restarts at 00:00Z"
is "$(mdx-indicators vwap:2 "$T/midnight.ndjson" | jq -r '.values.vwap')" \
    "11.666666666666666" "vwap:2 runs across midnight: (50 + 20) / 6"

# Enigma: high 12.5, low 10 after three candles; close 12.5 is at 100 %.
is "$(mdx-indicators enigma "$T/candles.ndjson" | tail -1 |
    jq -c '.values | [.ath, .atl, .position, .fib_0, .fib_50, .fib_100]')" \
    "[12.5,10,100,10,11.25,12.5]" "enigma by hand"
is "$(mdx-indicators enigma "$T/candles.ndjson" | sed -n 2p |
    jq -c '.values | [.ath, .atl, .position, .fib_23_6, .fib_61_8]')" \
    "[11,10,100,10.236,10.618]" "enigma, second candle"

# 24-hour statistics on hourly candles: 25 candles, the last window holds
# candles 1..24 (open 101, close 124; highs +0.5, lows -0.5).
: >"$T/hourly.ndjson"
i=0
while [ $i -lt 25 ]; do
	if [ $i -lt 24 ]; then
		t=$(printf '2024-01-01T%02d:00:00Z' $i)
	else
		t=2024-01-02T00:00:00Z
	fi
	candle "$t" $((100 + i)) $((100 + i)).5 $((99 + i)).5 $((100 + i)) 1 \
	    exchange BTCUSDT 1h >>"$T/hourly.ndjson"
	i=$((i + 1))
done
mdx-indicators stats24h "$T/hourly.ndjson" >"$T/stats"
is "$(wc -l <"$T/stats" | tr -d ' ')" 2 "stats24h: values once 24 hours are covered"
is "$(tail -1 "$T/stats" | jq -c '.values | [.last, .change, .high, .low, .volume]')" \
    "[124,23,124.5,100.5,24]" "stats24h by hand: last, change, high, low, volume"
is "$(tail -1 "$T/stats" | jq -r '.values.change_pct')" \
    "$(node -e 'console.log(String(23 / 101 * 100))')" "stats24h: change_pct"

# ------------------------------------------------------------------------
# Output forms.
mdx-indicators --keep-warmup rsi:2,sma:3 "$T/candles.ndjson" >"$T/kw"
is "$(wc -l <"$T/kw" | tr -d ' ')" 6 "--keep-warmup: one record per candle and spec"
is "$(head -1 "$T/kw" | jq -c '.values')" '{"rsi":null}' "--keep-warmup: null values"
is "$(mdx-indicators macd "$T/candles.ndjson" | wc -l | tr -d ' ')" 0 \
    "warm-up records left out by default"
mdx-indicators --merge --keep-warmup macd:2:3:2,obv "$T/candles.ndjson" >"$T/m"
is "$(wc -l <"$T/m" | tr -d ' ')" 3 "--merge: one line per candle"
is "$(jq -c 'del(.macd_2_3_2, .obv)' "$T/m")" "$(jq -c . "$T/candles.ndjson")" \
    "--merge: the candle members unchanged"
is "$(tail -1 "$T/m" | jq -c '.macd_2_3_2 | keys')" '["hist","macd","signal"]' \
    "--merge: an object for several values (null in the warm-up)"
is "$(tail -1 "$T/m" | jq -c '.obv')" 6 "--merge: a number for one value"
printf '{"kind":"depth","exchange":"binance","market":"spot","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","bids":[],"asks":[]}\n' >"$T/depth"
is "$(cat "$T/depth" "$T/candles.ndjson" | mdx-indicators --merge obv | head -1)" \
    "$(cat "$T/depth")" "--merge: other records pass through"
is "$(cat "$T/depth" | mdx-indicators obv | wc -l | tr -d ' ')" 0 \
    "other records are ignored without --merge"
is "$(mdx-indicators rsi,bbands:20:2,vwap,macd:26:12 "$T/real.ndjson" |
    jq -r '"\(.name):\(.params)"' | sort -u | tr '\n' ' ')" \
    "bbands:20:2:2 macd:26:12:9 rsi:14 vwap:day " "params with the defaults filled in"

# ------------------------------------------------------------------------
# Interleaved series give what each series gives alone.
$ORACLE gen real 500 11 ETHUSDT >"$T/eth.ndjson"
head -500 "$T/real.ndjson" >"$T/btc.ndjson"
paste -d '\n' "$T/btc.ndjson" "$T/eth.ndjson" >"$T/both.ndjson"
mdx-indicators rsi,macd,stoch,stats24h "$T/btc.ndjson" >"$T/btc.out"
mdx-indicators rsi,macd,stoch,stats24h "$T/eth.ndjson" >"$T/eth.out"
mdx-indicators rsi,macd,stoch,stats24h "$T/both.ndjson" >"$T/both.out"
grep -h '"BTCUSDT"' "$T/both.out" >"$T/both.btc"
grep -h '"ETHUSDT"' "$T/both.out" >"$T/both.eth"
files_eq "$T/both.btc" "$T/btc.out" "interleaved: BTCUSDT as alone"
files_eq "$T/both.eth" "$T/eth.out" "interleaved: ETHUSDT as alone"

# The open times of the records are the candles', across midnights, a
# month's end and interleaved series of other intervals (each series keeps
# its date between candles).
{
	candle 2024-01-31T23:58:00Z 1 1 1 1 1
	candle 2024-01-31T23:59:00Z 1 1 1 1 1
	candle 2024-01-31T23:59:00Z 1 1 1 1 1 exchange BTCUSDT 1s
	candle 2024-02-01T00:00:00Z 1 1 1 1 1
	candle 2024-01-31T23:59:01Z 1 1 1 1 1 exchange BTCUSDT 1s
	candle 2024-02-01T00:00:00Z 1 1 1 1 1 exchange ETHUSDT 1h
	candle 2024-02-01T00:01:00Z 1 1 1 1 1
	candle 2024-02-01T01:00:00Z 1 1 1 1 1 exchange ETHUSDT 1h
	candle 2024-02-02T00:00:00Z 1 1 1 1 1 exchange ETHUSDT 1h
	candle 2024-02-01T00:02:00Z 1 1 1 1 1
	candle 1999-12-31T23:59:00Z 1 1 1 1 1 exchange XRPUSDT
	candle 2000-01-01T00:00:00Z 1 1 1 1 1 exchange XRPUSDT
} >"$T/times.ndjson"
mdx-indicators obv "$T/times.ndjson" 2>/dev/null | jq -r .open_time >"$T/times.out"
jq -r .open_time "$T/times.ndjson" >"$T/times.in"
files_eq "$T/times.out" "$T/times.in" "records: open_time as in each candle"
head -500 "$T/real.ndjson" | mdx-indicators obv | jq -r .open_time >"$T/times.out"
head -500 "$T/real.ndjson" | jq -r .open_time >"$T/times.in"
files_eq "$T/times.out" "$T/times.in" "records: open_time of 500 candles"

# ------------------------------------------------------------------------
# Gaps.
head -500 "$T/real.ndjson" | sed '101,105d' >"$T/gap.ndjson"
exits 0 "a gap is not an error" mdx-indicators rsi,macd "$T/gap.ndjson"
cp "$T/out" "$T/gap.out"
is "$(cat "$T/err")" "mdx-indicators: gap in 'binance/spot/BTCUSDT/1m': 2024-01-01T01:40:00Z to 2024-01-01T01:45:00Z (5 candles missing), restarting the series (at $T/gap.ndjson:101)" \
    "a gap is reported with its range and position"
sed -n '101,$p' "$T/gap.ndjson" >"$T/after.ndjson"
mdx-indicators rsi,macd "$T/after.ndjson" >"$T/after.out"
jq -c 'select(.open_time >= "2024-01-01T01:45:00Z")' "$T/gap.out" >"$T/gap.after"
jq -c . "$T/after.out" >"$T/after.jq"
files_eq "$T/gap.after" "$T/after.jq" \
    "after a gap the series starts over (as if it began there)"
# A series filled upstream carries on across a gap.
head -500 "$T/real.ndjson" | sed '101,105d' |
    sed '50s/"origin":"exchange"/"origin":"filled"/' >"$T/filled.ndjson"
mdx-indicators rsi "$T/filled.ndjson" >"$T/filled.out" 2>"$T/filled.err"
like "$(cat "$T/filled.err")" "continuing \(the series was filled upstream\)" \
    "filled series: the gap is reported"
ok "grep -q '\"open_time\":\"2024-01-01T01:45:00Z\"' '$T/filled.out'" \
    "filled series: no new warm-up after the gap"

# ------------------------------------------------------------------------
# Bad input: reported with its position, the rest processed, exit 65.
{
	candle 2024-01-01T00:00:00Z 10 10 10 10 2
	echo '{"kind":"candle", nonsense'
	candle 2024-01-01T00:01:00Z 10 9 10 10 1
	candle 2024-01-01T00:01:00Z 10 11 10 11 3
	candle 2024-01-01T00:00:30Z 10 11 10 11 3
	candle 2024-01-01T00:01:00Z 10 11 10 11 3
	candle 2024-01-01T00:02:00Z 11 12.5 11 12.5 1
} >"$T/bad.ndjson"
exits 65 "bad records: exit 65" mdx-indicators obv "$T/bad.ndjson"
is "$(wc -l <"$T/out" | tr -d ' ')" 3 "bad records: the good ones processed"
is "$(wc -l <"$T/err" | tr -d ' ')" 4 "bad records: one message each"
like "$(sed -n 1p "$T/err")" "^mdx-indicators: bad record: .* \(at $T/bad.ndjson:2\)$" \
    "unparsable line: reported with its position"
like "$(sed -n 2p "$T/err")" "^mdx-indicators: bad candle: .*high.* \(at $T/bad.ndjson:3\)$" \
    "high below low: reported"
like "$(sed -n 4p "$T/err")" "^mdx-indicators: bad candle: \"open_time\" not after the previous candle's \(2024-01-01T00:01:00Z\) in its series \(at $T/bad.ndjson:6\)$" \
    "a repeated candle: reported"
cat "$T/depth" >>"$T/bad.ndjson"
MDX_VERBOSE=2 mdx-indicators obv "$T/bad.ndjson" 2>&1 >/dev/null | tail -1 >"$T/sum"
is "$(cat "$T/sum")" "mdx-indicators: 8 records in: 3 candles, 4 rejected, 1 other records; 3 records out; 1 series, 0 gaps" \
    "the summary accounts for every record"
printf '{"kind":"candle","exchange":"binance","market":"spot","symbol":"BTCUSDT","interval":"1m","open_time":"2024-01-01T00:00:00Z","open":"1","high":"1","low":"1","close":"1","volume":null,"closed":true,"origin":"exchange"}\n' >"$T/novol"
exits 65 "obv without volume: exit 65" mdx-indicators obv "$T/novol"
exits 0 "rsi without volume: fine" mdx-indicators rsi "$T/novol"

# ------------------------------------------------------------------------
# The command line.
exits 64 "no specs: exit 64" mdx-indicators
exits 64 "unknown indicator: exit 64" mdx-indicators foo:3 "$T/candles.ndjson"
like "$(cat "$T/err")" "unknown indicator 'foo:3'" "unknown indicator named"
exits 64 "period below the minimum: exit 64" mdx-indicators sma:1
exits 64 "bad parameter: exit 64" mdx-indicators rsi:x
exits 64 "too many parameters: exit 64" mdx-indicators rsi:14:3
exits 64 "empty spec: exit 64" mdx-indicators rsi,,sma
exits 64 "--db with files: exit 64" mdx-indicators --db rsi "$T/candles.ndjson"
exits 64 "-s without --db: exit 64" mdx-indicators -s BTCUSDT rsi
exits 0 "standard input" sh -c "mdx-indicators obv <'$T/candles.ndjson'"
is "$(wc -l <"$T/out" | tr -d ' ')" 3 "standard input: read"

done_testing
