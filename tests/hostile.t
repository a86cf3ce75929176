#!/bin/sh
# hostile.t - the hostile-input corpus (issue 18): every program, every
# input format, records and command-line values a hostile user or a broken
# producer would send.  Each case asserts the exit status, the message with
# its position, and the accounting identity of the program's summary line
# (records in = out + rejected).  One private PostgreSQL for mdx-load; the
# rest runs without a server, so the whole corpus takes a few seconds and
# runs in the sanitizer build too (make check SANITIZE=1).
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

pg_start
mdx-load --migrate >/dev/null 2>&1 || bail "mdx-load --migrate failed"
# Nothing may reach the network.
MDX_BINANCE_URL=http://127.0.0.1:9 MDX_BINANCE_FAPI_URL=http://127.0.0.1:9
MDX_BYBIT_URL=http://127.0.0.1:9 MDX_OKX_URL=http://127.0.0.1:9
MDX_STATE=$T/state MDX_LAKE=$T/lake MDX_NOW=2025-02-01T00:00:00Z
export MDX_BINANCE_URL MDX_BINANCE_FAPI_URL MDX_BYBIT_URL MDX_OKX_URL
export MDX_STATE MDX_LAKE MDX_NOW

# ------------------------------------------------------------------------
# Good records, and m() to change one member of one.

C0='{"kind":"candle","exchange":"binance","market":"spot","symbol":"BTCUSDT","interval":"1m","open_time":"2024-01-01T00:00:00Z","open":"100","high":"110","low":"90","close":"105","volume":"2","quote_volume":"200","trades":10,"taker_buy_volume":"1","taker_buy_quote_volume":"100","closed":true,"origin":"exchange","fetched_at":"2024-01-02T00:00:00Z"}'
C1=$(printf '%s' "$C0" | sed 's/T00:00:00Z","open"/T00:01:00Z","open"/')
C2=$(printf '%s' "$C0" | sed 's/T00:00:00Z","open"/T00:02:00Z","open"/')
D0='{"kind":"depth","exchange":"binance","market":"spot","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","bids":[["100.5","1.2"],["100.4","3"]],"asks":[["100.6","0.4"]],"update_id":17}'
I0='{"kind":"instrument","exchange":"okx","market":"spot","symbol":"BTC-USDT","base":"BTC","quote":"USDT","tick_size":"0.01","lot_size":"0.00001","contract_size":null,"status":"trading"}'
RB='{"mdx":"raw","exchange":"binance","market":"spot","kind":"klines","symbol":"BTCUSDT","interval":"1m","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-02T00:00:00Z","closed":true,"data":[1704067200000,"100","110","90","105","2",1704067259999,"200",10,"1","100","0"]}'
RY='{"mdx":"raw","exchange":"bybit","market":"linear","kind":"klines","symbol":"BTCUSDT","interval":"1m","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-02T00:00:00Z","closed":true,"data":["1704067200000","100","110","90","105","2","200"]}'
RO='{"mdx":"raw","exchange":"okx","market":"spot","kind":"klines","symbol":"BTC-USDT","interval":"1m","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-02T00:00:00Z","data":["1704067200000","100","110","90","105","2","200","200","1"]}'
RD='{"mdx":"raw","exchange":"binance","market":"spot","kind":"depth","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-01T00:00:00Z","data":{"lastUpdateId":1,"bids":[["100","1"]],"asks":[["101","2"]]}}'
RI='{"mdx":"raw","exchange":"binance","market":"spot","kind":"instruments","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-01T00:00:00Z","data":{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","filters":[{"filterType":"PRICE_FILTER","tickSize":"0.01"},{"filterType":"LOT_SIZE","stepSize":"0.00001"}]}}'
RA='{"mdx":"raw","exchange":"binance","market":"spot","kind":"klines","symbol":"BTCUSDT","interval":"1m","time":"2024-01-01T00:00:00Z","source":"archive","request":"BTCUSDT-1m-2024-01-01.zip:2","fetched_at":"2024-01-02T00:00:00Z","closed":true,"data":"1704067200000,100,110,90,105,2,1704067259999,200,10,1,100,0"}'

# m RECORD KEY VALUE: RECORD with the member KEY set to the JSON text
# VALUE (added at the end when absent); VALUE "-" removes the member.  The
# records above are flat where m() is used, or KEY names a member whose
# value has no comma or bracket.
m() {
	printf '%s' "$1" | awk -v k="\"$2\":" -v v="$3" '{
		i = index($0, k)
		if (i == 0) {
			if (v != "-")
				$0 = substr($0, 1, length($0) - 1) "," k v "}"
			print
			next
		}
		rest = substr($0, i + length(k))
		# The value ends at the first comma or brace outside a string
		# (values here hold no escapes), or at the end of an array.
		n = 0; q = 0; d = 0
		for (j = 1; j <= length(rest); j++) {
			ch = substr(rest, j, 1)
			if (q) { if (ch == "\"") q = 0; continue }
			if (ch == "\"") q = 1
			else if (ch == "[" || ch == "{") d++
			else if ((ch == "]" || ch == "}") && d > 0) d--
			else if ((ch == "," || ch == "}") && d == 0) break
		}
		pre = substr($0, 1, i - 1); post = substr(rest, j)
		if (v == "-") {
			if (substr(pre, length(pre)) == ",")
				pre = substr(pre, 1, length(pre) - 1)
			else if (substr(post, 1, 1) == ",")
				post = substr(post, 2)
			print pre post
		} else
			print pre k v post
	}'
}

# ------------------------------------------------------------------------
# The summary line of each program, as "IN OUT REJECTED" after checking
# that IN = OUT + REJECTED there; "broken: ..." when it does not add up,
# "none" when there is no summary.

acct() {
	case $1 in
	transform)
		sed -n 's/.*: read \([0-9]*\), written \([0-9]*\), rejected \([0-9]*\), duplicates \([0-9]*\)$/\1 \2 \3 \4/p' "$T/err" |
		    awk '{ if ($1 != $2 + $3 + $4) print "broken: " $0; else print $1, $2 + $4, $3 }' ;;
	load)
		sed -n 's/.*: read \([0-9]*\), candles \([0-9]*\) (.*), duplicates \([0-9]*\), depth \([0-9]*\), trades \([0-9]*\) (.*), instruments \([0-9]*\), rejected \([0-9]*\)$/\1 \2 \3 \4 \5 \6 \7/p' "$T/err" |
		    awk '{ o = $2 + $3 + $4 + $5 + $6; if ($1 != o + $7) print "broken: " $0; else print $1, o, $7 }' ;;
	aggregate)
		sed -n 's/.*: \([0-9]*\) read = \([0-9]*\) used + \([0-9]*\) duplicate + \([0-9]*\) rejected;.*/\1 \2 \3 \4/p' "$T/err" |
		    awk '{ if ($1 != $2 + $3 + $4) print "broken: " $0; else print $1, $2 + $3, $4 }' ;;
	indicators)
		sed -n 's/.*: \([0-9]*\) records in: \([0-9]*\) candles, \([0-9]*\) rejected, \([0-9]*\) other records;.*/\1 \2 \3 \4/p' "$T/err" |
		    awk '{ if ($1 != $2 + $3 + $4) print "broken: " $0; else print $1, $2 + $4, $3 }' ;;
	esac
}

# run PROG ARGS...: the program with its usual options for the corpus.
run() {
	_p=$1
	shift
	case $_p in
	transform) mdx-transform -s "$@" ;;
	load) mdx-load "$@" ;;
	aggregate) mdx-aggregate --to 5m "$@" ;;
	indicators) mdx-indicators -vv sma:2 "$@" ;;
	esac
}

# hc NAME PROG STATUS REGEX ACCT INPUT...: one case.  The INPUT lines go to
# $T/in; in REGEX, @N stands for the position "(at .../in:N)".  ACCT is
# "IN OUT REJECTED" as acct() gives it.
hc() {
	_n=$1 _p=$2 _s=$3 _re=$4 _a=$5
	shift 5
	printf '%s\n' "$@" >"$T/in"
	_re=$(printf '%s' "$_re" | sed 's|@\([0-9][0-9]*\)|.*\\(at [^)]*/in:\1\\)|g')
	exits "$_s" "$_p: $_n: exit $_s" run "$_p" "$T/in"
	like "$(cat "$T/err")" "$_re" "$_p: $_n: message"
	is "$(acct "$_p")" "$_a" "$_p: $_n: records in = out + rejected"
}

# ------------------------------------------------------------------------
# Canonical candles: mdx-transform (pass-through), mdx-load, mdx-aggregate
# and mdx-indicators read the same records and reject the same ones.

for p in transform load aggregate indicators; do
	hc "good candles" $p 0 '' "3 3 0" "$C0" "$C1" "$C2"
	hc "year 0000 (issue 18 finding 3)" $p 65 \
	    'open_time out of range \(years 1970 to 9999\) @2' "3 2 1" \
	    "$C0" "$(m "$C0" open_time '"0000-01-01T00:00:00Z"')" "$C1"
	hc "year 1969" $p 65 'open_time out of range .*@1' "2 1 1" \
	    "$(m "$C0" open_time '"1969-12-31T23:59:00Z"')" "$C1"
	hc "an offset before 1970" $p 65 'open_time out of range .*@1' \
	    "2 1 1" "$(m "$C0" open_time '"1970-01-01T00:00:00+01:00"')" "$C1"
	hc "an offset past 9999" $p 65 'bad "open_time": not an RFC 3339 time @1' \
	    "1 0 1" "$(m "$C0" open_time '"9999-12-31T23:59:00-01:00"')"
	hc "year 10000" $p 65 'bad "open_time": not an RFC 3339 time @1' \
	    "1 0 1" "$(m "$C0" open_time '"10000-01-01T00:00:00Z"')"
	hc "fetched_at in year 0001" $p 65 'fetched_at out of range .*@1' \
	    "1 0 1" "$(m "$C0" fetched_at '"0001-01-01T00:00:00Z"')"
	hc "trades of 20 digits (issue 18 finding 4)" $p 65 \
	    'bad "trades": not an integer @1' "1 0 1" \
	    "$(m "$C0" trades 12345678901234567890)"
	hc "trades of 2^63" $p 65 'bad "trades": not an integer @2' \
	    "2 1 1" "$C1" "$(m "$C0" trades 9223372036854775808)"
	hc "trades of 19 digits, 2^63-1" $p 0 '' "1 1 0" \
	    "$(m "$C0" trades 9223372036854775807)"
	hc "trades negative" $p 65 'negative trades @1' "1 0 1" \
	    "$(m "$C0" trades -1)"
	hc "trades a fraction" $p 65 'bad "trades": not an integer @1' \
	    "1 0 1" "$(m "$C0" trades 1.5)"
	hc "trades a string" $p 65 'bad "trades": not an integer @1' \
	    "1 0 1" "$(m "$C0" trades '"10"')"
	hc "open NaN" $p 65 'bad "open": not a decimal number @1' "1 0 1" \
	    "$(m "$C0" open '"NaN"')"
	hc "high Infinity" $p 65 'bad "high": not a decimal number @1' \
	    "1 0 1" "$(m "$C0" high '"Infinity"')"
	hc "low of 39 digits" $p 65 'bad "low": .*38 digits.*@1' "1 0 1" \
	    "$(m "$C0" low '"123456789012345678901234567890123456789"')"
	hc "close an empty string" $p 65 'bad "close": not a decimal number @1' \
	    "1 0 1" "$(m "$C0" close '""')"
	hc "negative volume" $p 65 'negative volume @1' "1 0 1" \
	    "$(m "$C0" volume '"-2"')"
	hc "high below low" $p 65 'high < open @1' "1 0 1" \
	    "$(m "$C0" high '"80"')"
	hc "unaligned open_time" $p 65 'open_time not aligned to 1m @1' \
	    "1 0 1" "$(m "$C0" open_time '"2024-01-01T00:00:01Z"')"
	hc "unknown interval" $p 65 'bad "interval": not a known interval @1' \
	    "1 0 1" "$(m "$C0" interval '"7m"')"
	hc "market not a code" $p 65 'bad "market" "Coin-M": not a code .* @1' \
	    "1 0 1" "$(m "$C0" market '"Coin-M"')"
	hc "no symbol" $p 65 'missing "symbol" @1' "1 0 1" \
	    "$(m "$C0" symbol -)"
	hc "no exchange" $p 65 'missing "exchange" @1' "1 0 1" \
	    "$(m "$C0" exchange -)"
	hc "symbol a number" $p 65 'bad "symbol".*@1' "1 0 1" \
	    "$(m "$C0" symbol 5)"
	hc "symbol with a NUL" $p 65 'bad "symbol".*@1' "1 0 1" \
	    "$(m "$C0" symbol '"BTC\u0000USDT"')"
	hc "closed a string" $p 65 'bad "closed": not true or false @1' \
	    "1 0 1" "$(m "$C0" closed '"yes"')"
	hc "not JSON" $p 65 '@2' "2 1 1" "$C0" '{"kind":"candle",'
	hc "a JSON array" $p 65 '@1' "1 0 1" '[1,2,3]'
	hc "invalid UTF-8" $p 65 'UTF-8 .*@1' "1 0 1" "$(printf '{"kind":"candle","symbol":"\377"}')"
done

# ------------------------------------------------------------------------
# Depth snapshots and instruments: mdx-transform (canonical pass-through)
# and mdx-load apply the same rules (candle.h).

for p in transform load; do
	hc "good depth and instrument" $p 0 '' "2 2 0" "$D0" "$I0"
	hc "depth with no names (issue 18 finding 1)" $p 65 \
	    'bad depth: bad or missing "exchange" @1' "1 0 1" '{"kind":"depth"}'
	hc "depth without market" $p 65 'bad depth: bad or missing "market" @2' \
	    "2 1 1" "$D0" "$(m "$D0" market -)"
	hc "depth without symbol" $p 65 'bad depth: bad or missing "symbol" @1' \
	    "1 0 1" "$(m "$D0" symbol -)"
	hc "instrument with no names" $p 65 \
	    'bad instrument: bad or missing "exchange" @1' "1 0 1" '{"kind":"instrument"}'
	hc "instrument without symbol" $p 65 \
	    'bad instrument: bad or missing "symbol" @1' "1 0 1" "$(m "$I0" symbol -)"
	hc "instrument of a market not a code" $p 65 \
	    'bad instrument: bad "market" "OKX futures": not a code .* @1' \
	    "1 0 1" "$(m "$I0" market '"OKX futures"')"
	hc "depth levels of issue 18 finding 2" $p 65 \
	    'bad depth: bad level bids\[0\]: not \[price, quantity\] of two positive decimal strings @1' \
	    "1 0 1" "$(m "$D0" bids '[["-7","-1"],["abc"]]')"
	hc "depth ask NaN, Infinity" $p 65 'bad depth: bad level asks\[0\]' \
	    "1 0 1" "$(m "$D0" asks '[["NaN","Infinity"],{"x":1}]')"
	hc "depth level an object" $p 65 'bad depth: bad level asks\[1\]' \
	    "1 0 1" "$(m "$D0" asks '[["1","1"],{"x":1}]')"
	hc "depth level of one element" $p 65 'bad depth: bad level bids\[1\]' \
	    "1 0 1" "$(m "$D0" bids '[["1","1"],["1"]]')"
	hc "depth level of three elements" $p 65 'bad depth: bad level bids\[0\]' \
	    "1 0 1" "$(m "$D0" bids '[["1","1","1"]]')"
	hc "depth level of numbers" $p 65 'bad depth: bad level bids\[0\]' \
	    "1 0 1" "$(m "$D0" bids '[[100.5,1]]')"
	hc "depth zero price" $p 65 'bad depth: bad level asks\[0\]' \
	    "1 0 1" "$(m "$D0" asks '[["0","1"]]')"
	hc "depth zero quantity" $p 65 'bad depth: bad level asks\[0\]' \
	    "1 0 1" "$(m "$D0" asks '[["1","0"]]')"
	hc "depth negative quantity" $p 65 'bad depth: bad level asks\[0\]' \
	    "1 0 1" "$(m "$D0" asks '[["1","-0.5"]]')"
	hc "depth 39-digit price" $p 65 'bad depth: bad level bids\[0\]' \
	    "1 0 1" "$(m "$D0" bids '[["123456789012345678901234567890123456789","1"]]')"
	hc "depth bids not an array" $p 65 'bad depth: "bids" is not an array @1' \
	    "1 0 1" "$(m "$D0" bids '{"a":1}')"
	hc "depth asks missing" $p 65 'bad depth: "asks" is not an array @1' \
	    "1 0 1" "$(m "$D0" asks -)"
	hc "depth time in year 0000" $p 65 'bad depth: time out of range .*@1' \
	    "1 0 1" "$(m "$D0" time '"0000-01-01T00:00:00Z"')"
	hc "depth time missing" $p 65 'bad depth: bad or missing "time" @1' \
	    "1 0 1" "$(m "$D0" time -)"
	hc "depth update_id of 2^64" $p 65 'bad depth: bad "update_id"' \
	    "1 0 1" "$(m "$D0" update_id 18446744073709551616)"
	hc "depth update_id negative" $p 65 'bad depth: bad "update_id"' \
	    "1 0 1" "$(m "$D0" update_id -1)"
	hc "depth update_id a string" $p 65 'bad depth: bad "update_id"' \
	    "1 0 1" "$(m "$D0" update_id '"17"')"
	hc "instrument tick_size negative" $p 65 'bad instrument: bad "tick_size"' \
	    "1 0 1" "$(m "$I0" tick_size '"-0.01"')"
	hc "instrument lot_size NaN" $p 65 'bad instrument: bad "lot_size"' \
	    "1 0 1" "$(m "$I0" lot_size '"NaN"')"
	hc "instrument contract_size zero" $p 65 \
	    'bad instrument: bad "contract_size"' "1 0 1" "$(m "$I0" contract_size '"0"')"
	hc "instrument base a number" $p 65 'bad instrument: bad "base"' \
	    "1 0 1" "$(m "$I0" base 7)"
	hc "instrument status an object" $p 65 'bad instrument: bad "status"' \
	    "1 0 1" "$(m "$I0" status '{"a":1}')"
	hc "unknown kind" $p 65 '@1' "1 0 1" '{"kind":"trade","exchange":"binance"}'
done

# mdx-load: the good records of a batch with bad ones are stored, and the
# run row counts the rejects (issue 18 finding 3: the batch was lost and
# the run said rejected 0).
sql "TRUNCATE mdx.candle, mdx.depth" >/dev/null
printf '%s\n' "$C0" "$(m "$C0" open_time '"0000-01-01T00:00:00Z"')" "$C1" \
    '{"kind":"depth"}' "$D0" >"$T/in"
exits 65 "load: a batch with bad records: exit 65" mdx-load "$T/in"
is "$(sql "SELECT count(*) FROM mdx.candle")" 2 \
    "load: a batch with bad records: the good candles are stored"
is "$(sql "SELECT count(*) FROM mdx.depth")" 1 \
    "load: a batch with bad records: the good depth is stored"
is "$(sql "SELECT counts->>'rejected' FROM mdx.run ORDER BY run_id DESC LIMIT 1")" 2 \
    "load: a batch with bad records: the run row counts the rejects"
ok '! grep -q "no transaction in progress" "$T/err"' \
    "load: a batch with bad records: no stray warning"

# ------------------------------------------------------------------------
# The rollup engine (issue 18 findings 4 and 5): a sum that overflows
# rejects its bucket alone, with a message and the summary; a target the
# input's interval does not divide is skipped once; one candle dated 2100
# does not push the others out of the window.

N38=99999999999999999999999999999999999999
B0=$(m "$(m "$C0" symbol '"ETHUSDT"')" volume "\"$N38\"")
B1=$(m "$(m "$C1" symbol '"ETHUSDT"')" volume "\"$N38\"")
hc "a volume sum past 38 digits (finding 5)" aggregate 65 \
    'rejected bucket binance spot ETHUSDT 5m 2024-01-01T00:00:00Z: the sum of "volume" overflows' \
    "5 5 0" "$C0" "$B0" "$C1" "$B1" "$C2"
is "$(grep -c '"symbol":"BTCUSDT"' "$T/out")" 1 \
    "aggregate: a volume sum past 38 digits: the other series is written"
is "$(grep -c '"symbol":"ETHUSDT"' "$T/out")" 0 \
    "aggregate: a volume sum past 38 digits: not the bad bucket"
like "$(cat "$T/err")" '1 buckets rejected' \
    "aggregate: a volume sum past 38 digits: counted in the summary"
hc "a trades sum past 2^63-1 (finding 4)" aggregate 65 \
    'rejected bucket binance spot BTCUSDT 5m 2024-01-01T00:00:00Z: the sum of "trades" overflows' \
    "2 2 0" "$(m "$C0" trades 9223372036854775807)" \
    "$(m "$C1" trades 9223372036854775807)"
ok '! grep -q "\"trades\":-" "$T/out"' \
    "aggregate: a trades sum past 2^63-1: no negative count"
Q0=$(m "$C0" interval '"15m"')
Q1=$(m "$(m "$C0" interval '"15m"')" open_time '"2024-01-01T00:15:00Z"')
Q2=$(m "$(m "$C0" interval '"15m"')" open_time '"2024-01-01T00:30:00Z"')
printf '%s\n' "$Q0" "$Q1" "$Q2" >"$T/in"
exits 65 "aggregate: --to 5m,1h on 15m: exit 65" mdx-aggregate --to 5m,1h "$T/in"
is "$(grep -c 'skipped target 5m for binance spot BTCUSDT 15m: interval "15m" does not divide "5m"' "$T/err")" 1 \
    "aggregate: --to 5m,1h on 15m: one message for the target"
is "$(grep -c 'rejected candle' "$T/err")" 0 \
    "aggregate: --to 5m,1h on 15m: no candle rejected"
is "$(jq -r .interval "$T/out" | sort | uniq -c | tr -s ' ')" " 1 1h" \
    "aggregate: --to 5m,1h on 15m: the 1h target is built"
is "$(acct aggregate)" "3 3 0" "aggregate: --to 5m,1h on 15m: counts"
printf '%s\n' "$C0" "$(m "$C0" open_time '"2100-01-01T00:00:00Z"')" "$C2" "$C1" >"$T/in"
exits 65 "aggregate: a candle dated 2100: exit 65" mdx-aggregate --to 5m "$T/in"
like "$(cat "$T/err")" 'rejected candle: candle at 2100-01-01T00:00:00Z opens after 2025-02-02T00:00:00Z \(now and a day\) \(at [^)]*/in:2\)' \
    "aggregate: a candle dated 2100: rejected with its position"
is "$(grep -c 'older than the window' "$T/err")" 0 \
    "aggregate: a candle dated 2100: the later candles are not too old"
is "$(jq -r .base_count "$T/out")" 3 \
    "aggregate: a candle dated 2100: the real candles are rolled up"
is "$(acct aggregate)" "4 3 1" "aggregate: a candle dated 2100: counts"

# The warehouse mode: the same bucket is left out, with its message and
# exit 65, and the other instrument's rollup is written (a negative trade
# count failed a check constraint for every instrument, every run).
sql "TRUNCATE mdx.candle, mdx.depth" >/dev/null
printf '%s\n' "$(m "$C0" trades 9223372036854775807)" \
    "$(m "$C1" trades 9223372036854775807)" "$(m "$C0" symbol '"ETHUSDT"')" \
    "$(m "$C1" symbol '"ETHUSDT"')" >"$T/in"
mdx-load "$T/in" >/dev/null 2>&1
exits 65 "aggregate --db: a trades sum past 2^63-1: exit 65" \
    mdx-aggregate --db --to 5m
like "$(cat "$T/err")" 'rejected bucket .* 5m 2024-01-01T00:00:00Z: the sum of "trades" overflows' \
    "aggregate --db: a trades sum past 2^63-1: the bucket is named"
is "$(sql "SELECT i.symbol || ' ' || c.trades FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) WHERE c.interval = '5m' ORDER BY 1")" \
    "ETHUSDT 20" "aggregate --db: a trades sum past 2^63-1: the other rollup is written"

# ------------------------------------------------------------------------
# Raw records through mdx-transform.

t() { hc "$@"; }
t "raw good records" transform 0 '' "6 6 0" "$RB" "$RY" "$RO" "$RD" "$RI" "$RA"
t "raw kline year 0000 epoch" transform 65 'bad candle: bad open time \(data\[0\]\) @1' \
    "1 0 1" "$(printf '%s' "$RB" | sed 's/\[1704067200000,/[-62167219200000,/')"
t "raw kline negative epoch" transform 65 'bad candle.* @1' "1 0 1" \
    "$(printf '%s' "$RB" | sed 's/\[1704067200000,/[-60000,/')"
t "raw kline year 5138 (ms read as s)" transform 0 '' "1 1 0" \
    "$(printf '%s' "$RB" | sed 's/\[1704067200000,/[99999999960,/')"
t "raw kline epoch of 20 digits" transform 65 'bad candle.* @1' "1 0 1" \
    "$(printf '%s' "$RB" | sed 's/\[1704067200000,/[12345678901234567890,/')"
t "raw kline trades of 20 digits" transform 65 'bad candle: bad "trades" \(data\[8\]\) @1' \
    "1 0 1" "$(printf '%s' "$RB" | sed 's/"200",10,/"200",12345678901234567890,/')"
t "raw kline trades of 2^63-1" transform 0 '' "1 1 0" \
    "$(printf '%s' "$RB" | sed 's/"200",10,/"200",9223372036854775807,/')"
t "raw kline trades negative" transform 65 'bad candle.*trades.* @1' "1 0 1" \
    "$(printf '%s' "$RB" | sed 's/"200",10,/"200",-10,/')"
t "raw kline open NaN" transform 65 'bad candle: bad "open" \(data\[1\]\): not a decimal number @1' \
    "1 0 1" "$(printf '%s' "$RB" | sed 's/,"100","110"/,"NaN","110"/')"
t "raw kline high -Infinity" transform 65 'bad candle: bad "high" \(data\[2\]\): not a decimal number @1' \
    "1 0 1" "$(printf '%s' "$RB" | sed 's/,"110",/,"-Infinity",/')"
t "raw kline 10 elements" transform 65 'bad candle: 10 fields, Binance klines have 12 @1' \
    "1 0 1" "$(printf '%s' "$RB" | sed 's/,"100","0"\]/]/')"
t "raw kline data an object" transform 65 'bad candle.* @1' "1 0 1" \
    "$(m "$RB" data '{"a":1}')"
t "raw kline no data" transform 65 'bad candle.* @1' "1 0 1" "$(m "$RB" data -)"
t "raw kline no exchange" transform 65 'bad candle.*exchange.* @1' "1 0 1" \
    "$(m "$RB" exchange -)"
t "raw kline no symbol" transform 65 'bad candle.*symbol.* @1' "1 0 1" \
    "$(m "$RB" symbol -)"
t "raw kline no interval" transform 65 'bad candle.*interval.* @1' "1 0 1" \
    "$(m "$RB" interval -)"
t "raw kline mdx not raw" transform 65 'bad record: "mdx" is not "raw" @1' \
    "1 0 1" "$(m "$RB" mdx '"cooked"')"
t "raw kline no kind" transform 65 'bad record: no "kind" @1' "1 0 1" \
    "$(m "$RB" kind -)"
t "raw bybit kline a number" transform 65 'bad candle.* @1' "1 0 1" \
    "$(printf '%s' "$RY" | sed 's/"100","110"/"1e999","110"/')"
t "raw bybit 6 elements" transform 65 'bad candle.* @1' "1 0 1" \
    "$(printf '%s' "$RY" | sed 's/,"200"\]/]/')"
t "raw okx open_time 1970" transform 0 '' "1 1 0" \
    "$(printf '%s' "$RO" | sed 's/\["1704067200000"/["0"/')"
t "raw okx open_time before 1970" transform 65 'bad candle.* @1' "1 0 1" \
    "$(printf '%s' "$RO" | sed 's/\["1704067200000"/["-60000"/')"
t "raw okx negative volume" transform 65 'bad candle: negative volume @1' \
    "1 0 1" "$(printf '%s' "$RO" | sed 's/"105","2"/"105","-2"/')"
t "raw okx unknown market" transform 65 'unknown exchange and market "okx linear" @1' \
    "1 0 1" "$(m "$RO" market '"linear"')"
t "raw depth level NaN" transform 65 'bad depth: bad level bids\[0\]: not a positive price and quantity @1' \
    "1 0 1" "$(printf '%s' "$RD" | sed 's/"bids":\[\["100","1"\]\]/"bids":[["NaN","1"]]/')"
t "raw depth negative quantity" transform 65 'bad depth: bad level asks\[0\]: not a positive price and quantity @1' \
    "1 0 1" "$(printf '%s' "$RD" | sed 's/\["101","2"\]/["101","-2"]/')"
t "raw depth level a string" transform 65 'bad depth: bad level asks\[0\]: not a positive price and quantity @1' \
    "1 0 1" "$(printf '%s' "$RD" | sed 's/\["101","2"\]/"101"/')"
t "raw depth no bids" transform 65 'bad depth: no "bids" array @1' \
    "1 0 1" "$(printf '%s' "$RD" | sed 's/"bids":\[\["100","1"\]\],//')"
t "raw depth no names" transform 65 'bad depth: bad or missing "exchange" @1' \
    "1 0 1" '{"mdx":"raw","kind":"depth","data":{}}'
t "raw depth year 0000" transform 65 'bad depth: time out of range .*@1' "1 0 1" \
    "$(m "$RD" time '"0000-01-01T00:00:00Z"')"
t "raw depth no time" transform 65 'bad depth: no snapshot time @1' "1 0 1" \
    "$(m "$RD" time -)"
t "raw instrument negative tick" transform 65 'bad instrument: bad tick size @1' \
    "1 0 1" "$(printf '%s' "$RI" | sed 's/"0.01"/"-0.01"/')"
t "raw instrument data an array" transform 65 'bad instrument: "data" is not an object @1' \
    "1 0 1" "$(printf '%s' "$RI" | sed 's/"data":{.*}}$/"data":[1]}/')"
t "raw instrument unknown market" transform 65 'unknown exchange and market "binance coinm" @1' \
    "1 0 1" "$(m "$RI" market '"coinm"')"
# Archive CSV lines inside raw records (issue 18 finding 9: a line not
# starting with a digit was taken for a header and dropped).
t "archive line of text" transform 65 'bad candle.* @1' "1 0 1" \
    "$(m "$RA" data '"garbage,row"')"
t "archive empty line" transform 65 'bad candle.* @1' "1 0 1" \
    "$(m "$RA" data '""')"
t "archive header with a typo" transform 65 'bad candle.* @1' "1 0 1" \
    "$(m "$RA" data '"open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignor"')"
t "archive line with a leading blank" transform 65 'bad candle.* @1' "1 0 1" \
    "$(m "$RA" data '" 1704067200000,100,110,90,105,2,1704067259999,200,10,1,100,0"')"
t "archive line of 10 fields" transform 65 'bad candle: 10 fields.* @1' "1 0 1" \
    "$(m "$RA" data '"1704067200000,100,110,90,105,2,1704067259999,200,10,1"')"
t "archive line with a bad decimal" transform 65 'bad candle: bad "high".* @1' "1 0 1" \
    "$(m "$RA" data '"1704067200000,100,1x0,90,105,2,1704067259999,200,10,1,100,0"')"
printf '%s\n' "$(m "$RA" data '"open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore"')" "$RA" >"$T/in"
exits 0 "transform: the known archive header is skipped" mdx-transform -s "$T/in"
like "$(cat "$T/err")" "read 1, written 1, rejected 0, duplicates 0" \
    "transform: the known archive header: not a record"
like "$(cat "$T/err")" "skipped 1 archive header rows" \
    "transform: the known archive header: reported"

# ------------------------------------------------------------------------
# Compressed input (issue 18 finding 6: a gzip whose data was altered was
# read without a word).  Each program: an altered payload (CRC mismatch), a
# cut, garbage after the member; the message names the input, the summary
# still comes, the status is 65.

printf '%s\n' "$C0" "$C1" "$C2" >"$T/c.ndjson"
gzip -nc <"$T/c.ndjson" >"$T/good.gz"
# The deflate data of the text with one digit changed, under the
# original's trailer: gzip -t fails with a CRC error.
sed 's/"close":"105"/"close":"106"/' "$T/c.ndjson" | gzip -nc >"$T/alt.gz"
is "$(wc -c <"$T/alt.gz")" "$(wc -c <"$T/good.gz")" "the altered gzip has the same length"
_n=$(wc -c <"$T/good.gz")
{ head -c $((_n - 8)) "$T/alt.gz"; tail -c 8 "$T/good.gz"; } >"$T/crc.gz"
ok '! gzip -t "$T/crc.gz"' "the altered gzip fails gzip -t"
head -c $((_n - 4)) "$T/good.gz" >"$T/cut.gz"
{ cat "$T/good.gz"; printf 'garbage'; } >"$T/tail.gz"
for p in transform load aggregate indicators; do
	exits 0 "$p: a good gzip" run $p "$T/good.gz"
	is "$(acct $p)" "3 3 0" "$p: a good gzip: counts"
	exits 65 "$p: gzip CRC mismatch: exit 65" run $p "$T/crc.gz"
	like "$(cat "$T/err")" "cannot read '$T/crc.gz': corrupt gzip data after byte [0-9]+: incorrect data check \\(at $T/crc.gz:[0-9]+\\)" \
	    "$p: gzip CRC mismatch: the message names the input"
	ok '! grep -q "cannot read .*cannot read" "$T/err"' \
	    "$p: gzip CRC mismatch: no doubled prefix (issue 18 finding 14)"
	like "$(acct $p)" '^[0-9]+ [0-9]+ 0$' \
	    "$p: gzip CRC mismatch: a summary that adds up (finding 14)"
	exits 65 "$p: gzip cut short: exit 65" run $p "$T/cut.gz"
	like "$(cat "$T/err")" "cannot read '$T/cut.gz': truncated gzip input" \
	    "$p: gzip cut short: the message"
	ok '! grep -q "cannot read .*cannot read" "$T/err"' \
	    "$p: gzip cut short: no doubled prefix (finding 14)"
	like "$(acct $p)" '^[0-9]+ [0-9]+ 0$' \
	    "$p: gzip cut short: a summary that adds up (finding 14)"
	exits 65 "$p: garbage after gzip: exit 65" run $p "$T/tail.gz"
	like "$(cat "$T/err")" "cannot read '$T/tail.gz': truncated or corrupt compressed data after byte $_n" \
	    "$p: garbage after gzip: the message"
done

# ------------------------------------------------------------------------
# Gap ranges (mdx-extract --ranges): every bad one named with its line;
# nothing is fetched when none is good.

G0='{"kind":"gap","exchange":"binance","market":"spot","symbol":"BTCUSDT","interval":"1m","from":"2024-01-01T10:00:00Z","to":"2024-01-01T10:05:00Z","count":5}'
gr() {
	# gr NAME REGEX LINE
	printf '%s\n' "$3" >"$T/in"
	exits 65 "ranges: $1: exit 65" mdx-extract --ranges "$T/in"
	like "$(cat "$T/err")" "$2 \\(at $T/in:1\\)" "ranges: $1: message"
	is "$(grep -c 'bad range' "$T/err")" 1 "ranges: $1: one reject counted"
}
gr "not JSON" 'bad range: unexpected end of input at column 15' '{"kind":"gap",'
gr "no from" 'bad range: needs exchange, market, symbol, interval, from and to' \
    "$(m "$G0" from -)"
gr "no symbol" 'bad range: needs exchange, market, symbol, interval, from and to' "$(m "$G0" symbol -)"
gr "to before from" "bad range: bad from '2024-01-01T10:00:00Z' or to '2024-01-01T09:00:00Z'" \
    "$(m "$G0" to '"2024-01-01T09:00:00Z"')"
gr "from not a time" "bad range: bad from 'yesterday' or to '2024-01-01T10:05:00Z'" "$(m "$G0" from '"yesterday"')"
gr "unknown market" "bad range: no such market, symbol or interval 'binance coinm BTCUSDT 1m'" \
    "$(m "$G0" market '"coinm"')"
gr "unknown interval" "bad range: no such market, symbol or interval 'binance spot BTCUSDT 7m'" \
    "$(m "$G0" interval '"7m"')"
gr "symbol with a slash" "bad range: no such market, symbol or interval 'binance spot \\.\\./x 1m'" \
    "$(m "$G0" symbol '"../x"')"
gr "invalid UTF-8" 'bad range: invalid UTF-8 at column 25' "$(printf '{"kind":"gap","symbol":"\377"}')"
gr "from a number" 'bad range: needs exchange, market, symbol, interval, from and to' "$(m "$G0" from 5)"
# fuzz-ranges: a range starting in year 0 was accepted and fetched.
gr "from in year 0" "bad range: from '0000-01-01T00:00:00Z' or to '2024-01-01T10:05:00Z' out of range \\(years 1970 to 9999\\)" \
    "$(m "$G0" from '"0000-01-01T00:00:00Z"')"

# ------------------------------------------------------------------------
# The watchlist (mdx-extract --watchlist): a bad one is refused whole,
# exit 65 (bad data, as mdx-extract(1) says), every bad line named.

wl() {
	# wl NAME REGEX LINE
	printf 'binance spot BTCUSDT 1m\n%s\n' "$3" >"$T/wl"
	exits 65 "watchlist: $1: exit 65" mdx-extract --watchlist "$T/wl"
	like "$(cat "$T/err")" "bad watchlist entry: $2 \\(at $T/wl:2\\)" \
	    "watchlist: $1: message with position"
	is "$(grep -c 'bad watchlist entry' "$T/err")" 1 \
	    "watchlist: $1: one bad entry"
}
wl "unknown exchange" "unknown exchange 'bitstamp'" "bitstamp spot BTCUSDT 1m"
wl "unknown market" "unknown market 'coinm' for exchange 'binance'" "binance coinm BTCUSD 1m"
wl "unknown interval" "unknown interval '7m'" "binance spot ETHUSDT 7m"
wl "duplicate" "duplicate of 'binance spot BTCUSDT' at line 1" "binance spot BTCUSDT 1h"
wl "no symbol" "want exchange, market, symbol and intervals" "binance spot"
wl "a symbol with a quote" 'invalid character .\". in symbol .BTC\"USDT.' 'binance spot BTC"USDT 1m'
wl "too many fields" "more than four fields besides kinds=" "binance spot ETHUSDT 1m extra"

# ------------------------------------------------------------------------
# Binance archive CSV (mdx-extract --archive; issue 18 finding 9).

A=$T/archives
mkdir -p "$A"
row() { printf '%s,100.0,110.0,90.0,105.0,2.0,%s,200.0,10,1.0,100.0,0\n' "$1" $(($1 + 59999)); }
HDR=open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore
az() {
	# az NAME STATUS REGEX ROWS-OUT BADLINE...: a zip of rows with the
	# lines given in between; ROWS-OUT records must come out.
	_n=$1 _s=$2 _re=$3 _o=$4
	shift 4
	rm -rf "$A"/* "$T/z"
	mkdir -p "$T/z"
	{
		row 1704067200000
		for l in "$@"; do printf '%s\n' "$l"; done
		row 1704067260000
	} >"$T/z/BTCUSDT-1m-2024-01-01.csv"
	(cd "$T/z" && bsdtar --format zip -cf "$A/BTCUSDT-1m-2024-01-01.zip" \
	    BTCUSDT-1m-2024-01-01.csv)
	exits "$_s" "archive: $_n: exit $_s" mdx-extract --archive "$A/BTCUSDT-1m-2024-01-01.zip"
	like "$(cat "$T/err")" "$_re" "archive: $_n: message"
	is "$(wc -l <"$T/out" | tr -d ' ')" "$_o" "archive: $_n: rows out"
}
az "a text line" 65 'bad archive row: not a 1m kline \(at BTCUSDT-1m-2024-01-01.zip:2\)' 2 "garbage,row"
az "the header in the middle" 65 'not a 1m kline \(at BTCUSDT-1m-2024-01-01.zip:2\)' 2 "$HDR"
az "a line starting with a blank" 65 'not a 1m kline \(at BTCUSDT-1m-2024-01-01.zip:2\)' 2 " 1704067230000,1,1,1,1,1,1,1,1,1,1,0"
az "a line of 11 fields" 65 'not a 1m kline \(at BTCUSDT-1m-2024-01-01.zip:2\)' 2 "1704067230000,1,1,1,1,1,1,1,1,1,1"
az "an unaligned time" 65 'not a 1m kline \(at BTCUSDT-1m-2024-01-01.zip:2\)' 2 "1704067230000,1,1,1,1,1,1,1,1,1,1,0"
az "a time of 20 digits" 65 'not a 1m kline \(at BTCUSDT-1m-2024-01-01.zip:2\)' 2 "12345678901234567890,1,1,1,1,1,1,1,1,1,1,0"
az "a minus sign" 65 'not a 1m kline \(at BTCUSDT-1m-2024-01-01.zip:2\)' 2 "-1704067230000,1,1,1,1,1,1,1,1,1,1,0"
# fuzz-archive: a byte that is not ASCII went into the record as it was,
# invalid UTF-8 and so invalid JSON.
az "a byte that is not UTF-8" 65 'not a 1m kline \(at BTCUSDT-1m-2024-01-01.zip:2\)' 2 "$(printf '1704067200000,1,\210,1,1,1,1,1,1,1,1,0')"
rm -rf "$A"/* "$T/z"
mkdir -p "$T/z"
{ echo "open_time,open,high"; row 1704067200000; } >"$T/z/BTCUSDT-1m-2024-01-01.csv"
(cd "$T/z" && bsdtar --format zip -cf "$A/BTCUSDT-1m-2024-01-01.zip" BTCUSDT-1m-2024-01-01.csv)
exits 65 "archive: an unknown first-line header: exit 65" \
    mdx-extract --archive "$A/BTCUSDT-1m-2024-01-01.zip"
like "$(cat "$T/err")" 'not a 1m kline \(at BTCUSDT-1m-2024-01-01.zip:1\)' \
    "archive: an unknown first-line header: named"
{ echo "$HDR"; row 1704067200000; } >"$T/z/BTCUSDT-1m-2024-01-01.csv"
rm -f "$A"/*
(cd "$T/z" && bsdtar --format zip -cf "$A/BTCUSDT-1m-2024-01-01.zip" BTCUSDT-1m-2024-01-01.csv)
exits 0 "archive: the known header on line 1 is skipped" \
    mdx-extract --archive "$A/BTCUSDT-1m-2024-01-01.zip"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "archive: the known header: the row is out"

# ------------------------------------------------------------------------
# Command-line values: refused with a usage message, exit 64, before any
# work (issue 18 finding 10: mdx-lake put -s -5 was accepted).

cl() {
	# cl NAME REGEX PROGRAM ARGS...
	_n=$1 _re=$2
	shift 2
	exits 64 "options: $_n: exit 64" "$@" </dev/null
	like "$(cat "$T/err")" "$_re" "options: $_n: message"
}
cl "lake put -s -5" 'bad --object-size "-5": not a size' mdx-lake put -s -5 raw
cl "lake put -s 99999999999G" 'bad --object-size "99999999999G": not a size' mdx-lake put -s 99999999999G raw
cl "lake put -s 1X" 'bad --object-size "1X"' mdx-lake put -s 1X raw
cl "lake put -l 99" 'bad --level "99": not a whole number from 1 to 9' mdx-lake put -l 99 raw
cl "lake put -o 0" 'bad --max-open "0"' mdx-lake put -o 0 raw
cl "lake cat --since junk" 'bad --since "junk"' mdx-lake cat --since junk
cl "lake prune --older-than 1x" 'bad --older-than "1x": not an age' mdx-lake prune --older-than 1x
cl "load --batch 0" 'bad --batch "0"' mdx-load --batch 0
cl "load --batch 1e9" 'bad --batch "1e9"' mdx-load --batch 1e9
cl "load --batch 99999999999999999999" 'bad --batch "99999999999999999999"' mdx-load --batch 99999999999999999999
cl "aggregate --to 7m" 'bad --to' mdx-aggregate --to 7m
cl "aggregate --to empty" 'bad --to' mdx-aggregate --to ''
cl "aggregate --window -1" 'bad --window "-1"' mdx-aggregate --to 1h --window -1
cl "aggregate --since 2024-13-01" 'bad --since "2024-13-01"' mdx-aggregate --gaps --since 2024-13-01
cl "indicators sma:0" 'sma' mdx-indicators sma:0
cl "indicators sma:99999999999999999999" 'sma' mdx-indicators sma:99999999999999999999
cl "indicators unknown" 'nosuch' mdx-indicators nosuch:3
cl "extract --since junk" 'bad --since "junk"' mdx-extract -s BTCUSDT --since junk
cl "extract --connections 0" 'bad --connections "0"' mdx-extract -s BTCUSDT --connections 0
cl "extract --timeout -1" 'bad --timeout "-1"' mdx-extract -s BTCUSDT --timeout -1
cl "extract -i 7m" '7m' mdx-extract -s BTCUSDT -i 7m
cl "extract -x bitstamp" 'bitstamp' mdx-extract -x bitstamp -s BTCUSDT
cl "extract --depth 0" 'bad --depth "0"' mdx-extract -k depth -s BTCUSDT --depth 0
cl "transform unknown option" 'usage: mdx-transform' mdx-transform --nosuch

done_testing
