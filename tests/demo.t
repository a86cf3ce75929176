#!/bin/sh
# demo.t - make demo end to end, twice, run as the README says: the first
# run builds the warehouse the demo describes, the second changes nothing.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_VAR=$T/var
export MDX_VAR
P=$MDX_SRC/pipelines

# make_demo OUT NAME: run `make demo` (on the build under test) into OUT;
# passes when it exits 0, and shows the end of its output when not.
make_demo() {
	make -C "$MDX_SRC" --no-print-directory O="$MDX_BUILD" demo \
	    >"$1" 2>&1
	_st=$?
	is "$_st" 0 "$2"
	[ "$_st" -eq 0 ] || tail -40 "$1" | sed 's/^/#   /'
}

make_demo "$T/demo1" "make demo runs the demo to the end"

# Look at the warehouse it left behind (the demo stops its server).
"$P/embedded" start || bail "cannot restart the demo's cluster"
at_exit "'$P/embedded' stop"
eval "$("$P/embedded" env)"

# 4 series of 30 days of 1m candles: 3 ingested, 1 backfilled.
is "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1m'")" 172800 \
    "every minute of 4 series x 30 days is in the warehouse"
is "$(sql "SELECT count(*) FROM mdx.candle WHERE origin = 'archive'")" 10080 \
    "7 days came from the public-data archives"
is "$(sql "SELECT count(*) FROM mdx.candle c JOIN mdx.instrument i
	USING (instrument_id) WHERE origin = 'filled'
	AND symbol = 'BTCUSDT'")" 30 \
    "the 30-minute maintenance hole is filled with flagged candles"
is "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1h'
	AND origin = 'rollup'")" 2880 \
    "720 hourly rollups per series"
is "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1d'
	AND base_count = base_expected")" 240 \
    "30 complete daily rollups per series, and per price of the perpetual"

# Trades: a day of BTCUSDT's in the lake, 1s candles from them, their
# minutes equal to the exchange's.
tr=$MDX_VAR/trades-BTCUSDT.ndjson
ok "test $(wc -l <"$tr") -gt 1000" "a day of trades read back from the lake ($(wc -l <"$tr"))"
is "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1s' AND origin = 'trades'")" \
    "$(jq -r '.time[0:19]' "$tr" | sort -u | wc -l | tr -d ' ')" \
    "a 1s candle from trades for every second that had one"
like "$(cat "$T/demo1")" "reconciled with the exchange's 1m candles: 1440 exchange candles = 1440 equal" \
    "the demo shows the day's minutes from trades equal the exchange's"
is "$(sql "SELECT count(*) FROM mdx.candle c JOIN mdx.instrument i
	USING (instrument_id) WHERE symbol = 'ETHUSDT' AND interval = '1m'
	AND origin = 'exchange'")" 43200 \
    "the ETHUSDT outage was refetched from the exchange"
is "$(sql "SELECT status FROM mdx.gap")" "filled" \
    "one gap left in the gap table, filled"
like "$(cat "$T/demo1")" \
    "ETHUSDT 1m \[[^)]*\) 15 missing: refetched" \
    "the report says the outage was refetched"
like "$(cat "$T/demo1")" \
    "BTCUSDT 1m \[[^)]*\) 30 missing: confirmed empty at the exchange; 30 flagged" \
    "the report says the maintenance hole was confirmed empty and filled"
is "$(sql "SELECT count(DISTINCT (instrument_id, name))
	FROM mdx.indicator WHERE interval = '1h'")" 40 \
    "5 indicators on the hourly candles of the 4 series and of the perpetual's 4 prices"

# The perpetual: 30 days of hourly trade, mark, index and premium-index
# candles, its funding every 8 hours and its open interest every 5 minutes.
is "$(sql "SELECT string_agg(price || ' ' || n, ', ' ORDER BY price)
	FROM (SELECT i.price, count(*) AS n FROM mdx.candle c
	JOIN mdx.instrument i USING (instrument_id) WHERE i.market = 'usdm'
	AND c.interval = '1h' GROUP BY 1) x")" \
    "index 720, mark 720, premium 720, trade 720" \
    "the perpetual's hourly candles of each price"
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT interval_in_force)
	FROM mdx.fundings")" "90 1" "90 funding events at one interval"
is "$(sql "SELECT count(*) FROM mdx.open_interest")" 8640 \
    "30 days of open interest every 5 minutes"
is "$(sql "SELECT count(*) FROM mdx.series_gap")" 0 "no funding or open-interest gap"
like "$(cat "$T/demo1")" "== a perpetual: the latest funding events, annualised" \
    "the report shows the perpetual's funding"
like "$(cat "$T/demo1")" 'psql "host=' "the report ends with the psql line"

# The pictures it prints the paths of (pipelines/chart; tests/chart.t
# checks the drawing in detail).
C=$MDX_VAR/charts
like "$(cat "$T/demo1")" "== pictures.*
  $C/coverage.svg
  $C/binance-spot-BTCUSDT-1m-maintenance.svg
  $C/binance-spot-BTCUSDT-1h-week.svg" "the demo prints where its pictures are"
ok "xmllint --noout '$C/coverage.svg' '$C/binance-spot-BTCUSDT-1m-maintenance.svg' '$C/binance-spot-BTCUSDT-1h-week.svg'" \
    "they are valid SVG"
is "$(grep -o 'class="cell [a-z]*" data-series="binance spot BTCUSDT 1m"' "$C/coverage.svg" | sed 's/class="cell \([a-z]*\)".*/\1/' | sort | uniq -c | awk '{ printf "%s %s ", $2, $1 }')" \
    'complete 29 filled 1 ' \
    "the map shows BTCUSDT 1m's 30 days complete but for the filled one"
is "$(grep -c 'class="body filled"' "$C/binance-spot-BTCUSDT-1m-maintenance.svg") $(grep -c 'class="body ' "$C/binance-spot-BTCUSDT-1m-maintenance.svg") $(grep -c 'class="gap filled"' "$C/binance-spot-BTCUSDT-1m-maintenance.svg")" \
    "30 90 1" "the maintenance chart: 90 candles, 30 filled, one filled band"

# The candles are exactly what the exchange serves: compare one day of
# ETHUSDT, the repaired one, with the mock's own rendering of its market.
day=$(sql "SELECT to_char(from_time, 'YYYY-MM-DD') FROM mdx.gap") # BTCUSDT
node "$MDX_SRC/tests/mock/exchange.js" --dump --exchange binance \
    --market spot --symbol BTCUSDT --interval 1m --from "${day}T00:00:00Z" \
    --to "${day}T23:59:59Z" --now 2026-11-01T00:00:00Z |
    jq -r '[.open_time, .open, .high, .low, .close, .volume,
	.quote_volume, .trades] | @csv' >"$T/want.csv"
sql "CREATE TABLE want (open_time timestamptz, open numeric, high numeric,
	low numeric, close numeric, volume numeric, quote_volume numeric,
	trades bigint)"
psql -X -q -c "\\copy want FROM '$T/want.csv' CSV"
is "$(sql "SELECT count(*) FROM want")" 1440 "the mock renders the whole day"
is "$(sql "SELECT count(*) FROM (SELECT open_time, open, high, low, close,
	volume, quote_volume, trades FROM mdx.candle c JOIN mdx.instrument i
	USING (instrument_id) WHERE symbol = 'BTCUSDT' AND interval = '1m'
	AND origin <> 'filled' AND open_time >= '$day' AND
	open_time < '$day'::date + 1
	EXCEPT SELECT * FROM want) d")" 0 \
    "every candle of the day equals the exchange's, to the last digit"
sql "DROP TABLE want"

# The README's ad-hoc SQL runs as written on the demo's warehouse, each
# example on its own, and each returns rows (a count, more than 0).
sed -n '/^## Ad-hoc SQL/,/^## /p' "$MDX_SRC/README.md" |
    sed -n -e 's/^    //p' -e '/^$/p' |
    awk -v d="$T/readme" 'BEGIN { n = 1 } /^$/ { if (c) n++; c = 0; next }
	{ c = 1; print > (d "." n ".sql") }'
n=0
for f in "$T"/readme.*.sql; do
	n=$((n + 1))
	what=$(head -n 1 "$f")
	psql -X -q -A -t -v ON_ERROR_STOP=1 -f "$f" >"$T/readme.out" 2>&1
	is "$?" 0 "README example runs: $what"
	ok "[ -s '$T/readme.out' ] && [ \"\$(cat '$T/readme.out')\" != 0 ]" \
	    "README example returns rows: $what"
	[ -s "$T/readme.out" ] || sed 's/^/#   /' "$f"
done
is "$n" 4 "the README has 4 SQL examples"
like "$(cat "$T"/readme.*.sql)" "base_count = base_expected" \
    "the examples were read whole"
psql -X -q -A -t -f "$T/readme.1.sql" >"$T/readme.out"
is "$(wc -l <"$T/readme.out" | tr -d ' ')" 24 \
    "the first example gives the last day of hourly BTCUSDT candles: 24"
psql -X -q -A -t -f "$T/readme.3.sql" >"$T/readme.out"
like "$(cat "$T/readme.out")" "binance\|BTCUSDT\|2026-10-31 23:00:00\+00\|[0-9.]+" \
    "the README's RSI query finds the latest hourly RSI"

# Lineage: the pipelines pass the lake objects they wrote to mdx-load, so
# every run that loaded exchange candles links its objects, and the
# lineage query of mdx-warehouse(7) names them.
ok "[ $(sql "SELECT count(*) FROM mdx.lake_object") -gt 0 ]" \
    "mdx.lake_object is not empty after the demo"
ok "[ $(sql "SELECT count(*) FROM mdx.run_lake_object") -gt 0 ]" \
    "mdx.run_lake_object is not empty after the demo"
is "$(sql "SELECT count(*) FROM mdx.lake_object o
	WHERE o.uri NOT LIKE 'raw/exchange=%/date=%/%.ndjson.gz'")" 0 \
    "every recorded object is named as mdx-lake names its keys"
for s in BTCUSDT ETHUSDT SOLUSDT; do
	sql "SELECT r.run_id, r.started_at, r.args, o.uri
	    FROM mdx.candles c
	    JOIN mdx.run r USING (run_id)
	    LEFT JOIN mdx.run_lake_object ro USING (run_id)
	    LEFT JOIN mdx.lake_object o USING (object_id)
	    WHERE c.symbol = '$s' AND c.interval = '1m'
	    AND c.open_time = '2026-10-20T12:00:00Z'" >"$T/lineage"
	uri=$(cut -d'|' -f4 "$T/lineage" | grep "/date=2026-10-20/")
	ok "[ -n '$uri' ] && [ -f '$MDX_VAR/lake/$uri' ]" \
	    "the lineage query names the lake object of a $s candle, which exists"
done

fingerprint() {
	sql "SELECT md5(string_agg(t::text, ',' ORDER BY t::text))
	    FROM mdx.candle t"
	sql "SELECT md5(string_agg(t::text, ',' ORDER BY t::text))
	    FROM mdx.indicator t"
	sql "SELECT md5(string_agg(t::text, ',' ORDER BY t::text))
	    FROM mdx.gap t"
	sql "SELECT md5(string_agg(t::text, ',' ORDER BY t::text))
	    FROM mdx.instrument t"
	find "$MDX_VAR/lake" -type f -name '*.ndjson.gz' | sort | md5sum
}
fingerprint >"$T/fp1"
"$P/embedded" stop

start=$(date +%s)
make_demo "$T/demo2" "a second make demo succeeds"
took=$(( $(date +%s) - start ))
ok "[ $took -lt 60 ]" "a second run is quick (${took}s)"
"$P/embedded" start
fingerprint >"$T/fp2"
files_eq "$T/fp1" "$T/fp2" \
    "a second run changes nothing: candles, indicators, gaps, instruments, lake"

# The lake as an outside engine reads it, after maintain has archived the
# days older than a week (issue 14, finding 6): DuckDB over raw/**/* with
# hive_partitioning sees exactly the candles the warehouse has from the
# exchange and the archives, and data has one JSON type.
MDX_NOW=2026-11-01T00:00:00Z "$P/maintain" >"$T/maintain.log" 2>&1
is "$?" 0 "maintain archives the demo's lake"
[ -d "$MDX_SRC/tests/node/node_modules/@duckdb/node-api" ] ||
    bail "@duckdb/node-api not installed (run make deps)"
duck() { node "$MDX_SRC/tests/duckdb.js" "$@"; }
ok "test $(mdx-lake -L "$MDX_VAR/lake" ls | grep -c '/compact-') -gt 0" "maintain made compacted objects"
# One kind at a time: the partitions of funding events have no interval
# component, and DuckDB wants one set of partition keys per read.
raw="read_json('$MDX_VAR/lake/raw/*/*/kind=klines/**/*',
    format = 'newline_delimited', hive_partitioning = true)"
is "$(duck "SELECT count(*) FROM $raw WHERE kind = 'klines'
    AND interval = '1m'")" \
    "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1m'
	AND origin IN ('exchange', 'archive')")" \
    "DuckDB reads as many klines from the lake as the warehouse has candles"
is "$(duck "SELECT count(DISTINCT (exchange, symbol, time)) FROM $raw
    WHERE kind = 'klines' AND interval = '1m'")" 172770 "... each once: 4 x 30 days less the 30-minute hole"
is "$(duck "SELECT DISTINCT json_type(to_json(data)) FROM $raw
    WHERE kind = 'klines'")" ARRAY \
    "data is an array in REST and archive klines alike"
done_testing
