#!/bin/sh
# trades-candles-mock.t - candles built from the mock exchange's trades
# equal its own 1m klines, in every member the exchange gives, to the last
# digit, on Binance spot and USD-M, OKX spot and Bybit linear (over the
# minutes its REST trades cover: Bybit sends the last 1000 trades only);
# --reconcile-with reports a tampered kline; the 1s candles of the same
# trades roll up to the same minutes; a rerun changes nothing; candles from
# trades load into the warehouse like any candle, and loading them again
# changes nothing.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

NOW=2024-01-02T00:00:30Z
MDX_NOW=$NOW
MDX_STATE=$T/state
export MDX_NOW MDX_STATE
mock_start --now "$NOW"
SINCE=2024-01-01T22:00:00Z
UNTIL=2024-01-02T00:00:00Z

# fetch EXCHANGE MARKET SYMBOL NAME: canonical trades and 1m klines.
fetch() {
	mdx-extract -x "$1" -m "$2" -k trades -s "$3" --since "$SINCE" \
	    --until "$UNTIL" 2>"$T/err" | mdx-transform -q >"$T/$4.trades"
	mdx-extract -x "$1" -m "$2" -s "$3" -i 1m --since "$SINCE" \
	    --until "$UNTIL" 2>"$T/err" | mdx-transform -q >"$T/$4.klines"
}

# The members the exchange gives, in a fixed order, one candle a line,
# decimals without trailing fractional zeros (Binance writes 8 places).
members() {
	jq -r 'def n: if type == "string" and test("^[0-9]+\\.[0-9]+$")
	    then sub("0+$"; "") | sub("\\.$"; "") else . end;
	    [.symbol, .open_time, (.open, .high, .low, .close, .volume,
	    .quote_volume, .trades, .taker_buy_volume,
	    .taker_buy_quote_volume | n)] | map(. // "-") | @tsv' |
	    LC_ALL=C sort
}

for s in "binance spot BTCUSDT bs" "binance usdm ETHUSDT bu" \
    "okx spot BTC-USDT os" "bybit linear BTCUSDT by"; do
	# shellcheck disable=SC2086
	set -- $s
	fetch "$1" "$2" "$3" "$4"
	ok "test $(wc -l <"$T/$4.trades") -gt 100" "$1 $2: trades fetched ($(wc -l <"$T/$4.trades"))"
	if [ "$1" = bybit ]; then
		# The minutes after the first trade's: whole buckets.
		first=$(head -1 "$T/$4.trades" | jq -r .time | cut -c1-16)
		jq -c "select(.open_time > \"${first}:00Z\")" "$T/$4.klines" \
		    >"$T/$4.k"
		mv "$T/$4.k" "$T/$4.klines"
	fi
	n=$(wc -l <"$T/$4.klines" | tr -d ' ')
	ok "test $n -gt 10" "$1 $2: klines fetched ($n)"
	exits 0 "$1 $2: every bucket reconciles (exit 0)" \
	    mdx-aggregate -v --from-trades --reconcile-with "$T/$4.klines" \
	    "$T/$4.trades"
	like "$(cat "$T/err")" "$n exchange candles = $n equal" "$1 $2: all $n equal"
	is "$(cat "$T/out")" "" "$1 $2: no reconcile record"
	# The same, member by member as text, for the members the klines
	# give (Binance gives trades and taker-buy volumes, the others not).
	mdx-aggregate -q --from-trades --to 1m "$T/$4.trades" >"$T/$4.c"
	first=$(head -1 "$T/$4.klines" | jq -r .open_time)
	keys=$(head -1 "$T/$4.klines" | jq -r '[keys[] | select(. == "trades" or
	    startswith("taker"))] | join(",")')
	jq -c "select(.open_time >= \"$first\")" "$T/$4.c" |
	    jq -c "if \"$keys\" == \"\" then del(.trades, .taker_buy_volume,
	    .taker_buy_quote_volume) else . end" | members >"$T/got"
	members <"$T/$4.klines" >"$T/want"
	files_eq "$T/got" "$T/want" "$1 $2: open, high, low, close, volumes${keys:+, $keys} equal to the last digit"
done

# A tampered kline is reported, with both values.
jq -c 'if .open_time == "2024-01-01T23:00:00Z" then .high = "99999.99"
    else . end' "$T/bs.klines" >"$T/bs.tampered"
exits 1 "a tampered kline: exit 1" \
    mdx-aggregate -q --from-trades --reconcile-with "$T/bs.tampered" "$T/bs.trades"
is "$(jq -c '[.status, .open_time, .fields.high.exchange]' "$T/out")" \
    '["differs","2024-01-01T23:00:00Z","99999.99"]' "it names the bucket and the member"
want=$(jq -r 'select(.open_time == "2024-01-01T23:00:00Z") | .high' "$T/bs.klines")
is "$(jq -r .fields.high.trades "$T/out")" "$want" "and the value the trades give"

# 1s candles of the same trades roll up to the same minutes.
mdx-aggregate -q --from-trades --to 1s "$T/bs.trades" >"$T/bs.1s"
ok "test $(wc -l <"$T/bs.1s") -gt $(wc -l <"$T/bs.klines")" "1s candles built ($(wc -l <"$T/bs.1s"))"
mdx-aggregate -q --to 1m "$T/bs.1s" | members >"$T/got"
members <"$T/bs.klines" >"$T/want"
files_eq "$T/got" "$T/want" "1s candles from trades roll up to the exchange's 1m klines"

# A rerun writes the same bytes.
mdx-aggregate -q --from-trades --to 1s,1m "$T/bs.trades" >"$T/r1"
mdx-aggregate -q --from-trades --to 1s,1m "$T/bs.trades" >"$T/r2"
files_eq "$T/r1" "$T/r2" "a rerun writes the same candles"

# The warehouse: candles from trades load like any candle.
pg_start
mdx-load --migrate >/dev/null 2>&1
exits 0 "1s and 1m candles from trades load (exit 0)" mdx-load "$T/r1"
is "$(sql "SELECT origin, interval, count(*) FROM mdx.candle GROUP BY 1, 2 ORDER BY 2" | tr '\n' ' ')" \
    "trades|1m|120 trades|1s|$(grep -c '"1s"' "$T/r1") " "stored with origin trades"
is "$(sql "SELECT high FROM mdx.candles WHERE interval = '1m' AND open_time = '2024-01-01T23:00:00Z'")" \
    "$want" "exact values stored"
before=$(sql "SELECT max(updated_at) FROM mdx.candle")
exits 0 "loading them again: exit 0" mdx-load -v "$T/r1"
is "$(sql "SELECT max(updated_at) FROM mdx.candle")" "$before" "a rerun changes nothing"
exits 0 "the exchange's klines load beside them" mdx-load "$T/bs.klines"
ncandles=$(sql "SELECT count(*) FROM mdx.candle")

# Trades load into mdx.trade, a partition a day, exact; again: nothing.
cat "$T/bs.trades" "$T/os.trades" >"$T/all.trades"
nt=$(wc -l <"$T/all.trades" | tr -d ' ')
exits 0 "trades load (exit 0)" mdx-load -v "$T/all.trades"
like "$(cat "$T/err")" "trades $nt \\(inserted $nt, revised 0\\)" "all $nt inserted"
is "$(sql "SELECT count(*) FROM mdx.trade")" "$nt" "every trade stored"
is "$(sql "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'mdx.trade'::regclass")" \
    "trade_20240101" "in the day's partition"
line=$(sed -n 7p "$T/bs.trades")
is "$(sql "SELECT json_build_object('id', trade_id, 'first_id', first_id, 'last_id', last_id, 'time', to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), 'price', price::text, 'quantity', quantity::text, 'quote_quantity', quote_quantity::text, 'side', side, 'origin', origin)::text FROM mdx.trades WHERE symbol = 'BTCUSDT' AND trade_id = '$(echo "$line" | jq -r .id)'" | jq -c .)" \
    "$(echo "$line" | jq -c '{id, first_id, last_id, time: (.time | sub("Z$"; "") | if test("\\.") then . else . + ".000" end), price, quantity, quote_quantity, side, origin} | .time |= (. + "000000" | .[0:26])')" \
    "a trade stored exactly"
exits 0 "loading the trades again: exit 0" mdx-load -v "$T/all.trades"
like "$(cat "$T/err")" "trades $nt \\(inserted 0, revised 0\\)" "a rerun changes nothing"

# maintain drops trade days past MDX_DB_TRADE_RETENTION and prunes the
# lake's trades past MDX_LAKE_TRADE_RETENTION, apart from the candles
# (MDX_DB_RETENTION unset, MDX_LAKE_RETENTION long: kept).
mkdir -p "$T/var"
L=$T/var/lake
mdx-extract -k trades -s BTCUSDT --since "$SINCE" --until "$UNTIL" \
    2>/dev/null | mdx-lake -q -L "$L" put raw >/dev/null
mdx-extract -s BTCUSDT -i 1m --since "$SINCE" --until "$UNTIL" \
    2>/dev/null | mdx-lake -q -L "$L" put raw >/dev/null
ok "mdx-lake -L '$L' ls | grep -q kind=trades/" "raw trades in the lake"
MDX_NOW=2024-01-20T00:00:00Z MDX_VAR=$T/var MDX_LAKE=$L MDX_DB_TRADE_RETENTION="1 day" \
    MDX_LAKE_TRADE_RETENTION=1d MDX_LAKE_RETENTION=100000d \
    "$MDX_SRC/pipelines/maintain" >"$T/m.log" 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/# /' "$T/m.log"
is "$st" 0 "maintain: exit 0"
is "$(sql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'mdx.trade'::regclass")" 0 \
    "the old trade day is dropped"
is "$(sql "SELECT count(*) FROM mdx.candle")" "$ncandles" "the candles are kept"
is "$(mdx-lake -L "$L" ls | grep -c kind=trades/)" 0 "the lake's trades are pruned"
ok "mdx-lake -L '$L' ls | grep -q kind=klines/" "the lake's klines are kept"

# ingest knows trades: "trades" keeps them in the lake, "trades:load"
# loads them too, a trades-only entry fetches no candles; a rerun fetches
# nothing again.
W=$T/ingest
mkdir -p "$W"
printf '%s\n' 'binance spot BTCUSDT 1m,trades' 'okx spot BTC-USDT trades:load' \
    >"$W/watchlist"
sql "TRUNCATE mdx.candle" >/dev/null
sql "DELETE FROM mdx.trade" >/dev/null
ingest() {
	MDX_VAR=$W MDX_LAKE=$W/lake MDX_STATE=$W/state \
	    MDX_INGEST_SINCE=2024-01-01T23:00:00Z \
	    "$MDX_SRC/pipelines/ingest" "$W/watchlist" >"$W/log" 2>&1
}
ingest
st=$?
[ $st -eq 0 ] || sed 's/^/# /' "$W/log"
is "$st" 0 "ingest with trades: exit 0"
is "$(mdx-lake -L "$W/lake" ls | sed -n 's|.*exchange=\([a-z]*\)/.*kind=\([a-z]*\)/.*|\1 \2|p' | sort -u | tr '\n' ' ')" \
    "binance klines binance trades okx trades " "the lake has the trades of both, the klines of one"
is "$(sql "SELECT i.exchange || ' ' || c.interval || ' ' || count(*) FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id) GROUP BY i.exchange, c.interval ORDER BY 1")" \
    "binance 1m 60" "candles only for the entry with intervals"
okn=$(sql "SELECT count(*) FROM mdx.trades WHERE exchange = 'okx'")
ok "test $okn -gt 0" "trades:load: okx's trades loaded ($okn)"
is "$(sql "SELECT count(*) FROM mdx.trades WHERE exchange = 'binance'")" 0 \
    "trades: binance's kept in the lake only"
nobj=$(mdx-lake -L "$W/lake" ls | grep -c kind=trades)
ingest
is "$?" 0 "a second ingest: exit 0"
is "$(sql "SELECT count(*) FROM mdx.trades")" "$okn" "no trade loaded twice"
is "$(mdx-lake -L "$W/lake" ls | grep -c kind=trades)" "$nobj" \
    "no trades put in the lake again"

# status shows the trades of the lake and of the warehouse.
MDX_VAR=$W MDX_LAKE=$W/lake "$MDX_SRC/pipelines/status" >"$T/status.out" 2>&1
like "$(cat "$T/status.out")" "== trades: in the lake" "status has a trades section"
like "$(cat "$T/status.out")" "lake binance spot BTCUSDT 2024-01-0[12]" "it shows the lake's last day of binance trades"
like "$(cat "$T/status.out")" "okx +\\| spot +\\| BTC-USDT +\\| +$okn " "and the trades loaded for okx"

# backfill trades: archives first, the REST API for the rest, into the
# lake and (trades:load) the warehouse; the candles of the trades read
# back from the lake reconcile with the exchange's 1m klines; a rerun
# fetches nothing.
B=$T/bf
mkdir -p "$B"
node "$MDX_SRC/tests/mock/make-archive.js" --kind aggTrades --symbol BTCUSDT \
    --date 2023-12-30 --date 2023-12-31 --out "$B/arch" >/dev/null
ls "$B/arch" >"$B/archives"
like "$(cat "$B/archives")" "BTCUSDT-aggTrades-2023-12-30.zip" "aggTrades archives made"
backfill() {
	MDX_VAR=$B MDX_LAKE=$B/lake MDX_STATE=$B/state MDX_ARCHIVE_DIR=$B/arch \
	    "$MDX_SRC/pipelines/backfill" binance BTCUSDT trades:load \
	    2023-12-30T00:00:00Z 2024-01-02T00:00:00Z >"$B/log" 2>&1
}
backfill
st=$?
[ $st -eq 0 ] || sed 's/^/# /' "$B/log"
is "$st" 0 "backfill trades: exit 0"
like "$(cat "$B/log")" "3 days loaded, 2 from archives, 1 from the REST API" \
    "two days from archives, one from REST"
is "$(mdx-lake -L "$B/lake" ls raw kind=trades | sed -n 's|.*/date=\([0-9-]*\)/.*|\1|p' | sort -u | tr '\n' ' ')" \
    "2023-12-30 2023-12-31 2024-01-01 " "the lake has the trades of the three days"
mdx-lake -q -L "$B/lake" cat raw kind=trades | mdx-transform -q >"$B/trades"
is "$(sql "SELECT count(*) FROM mdx.trades WHERE exchange = 'binance' AND time < '2024-01-02'")" \
    "$(wc -l <"$B/trades" | tr -d ' ')" "trades:load: every trade in mdx.trade"
mdx-extract -s BTCUSDT -i 1m --since 2023-12-30T00:00:00Z \
    --until 2024-01-02T00:00:00Z 2>/dev/null | mdx-transform -q >"$B/klines"
exits 0 "the backfilled trades make the exchange's 1m klines of three days" \
    mdx-aggregate -v --from-trades --reconcile-with "$B/klines" "$B/trades"
like "$(cat "$T/err")" "4320 exchange candles = 4320 equal" "all 4320 minutes equal"
backfill
is "$?" 0 "a second backfill: exit 0"
like "$(cat "$B/log")" "0 days to fetch" "it fetches nothing"

done_testing
