#!/bin/sh
# demo.t - make demo's script end to end, twice: the first run builds the
# warehouse the demo describes, the second changes nothing.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_VAR=$T/var
export MDX_VAR
P=$MDX_SRC/pipelines

"$P/demo" >"$T/demo1" 2>&1
st=$?
is "$st" 0 "the demo runs to the end"
[ "$st" -eq 0 ] || sed 's/^/#   /' "$T/demo1" | tail -30

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
is "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1h'")" 2880 \
    "720 hourly rollups per series"
is "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1d'
	AND base_count = base_expected")" 120 \
    "30 complete daily rollups per series"
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
	FROM mdx.indicator WHERE interval = '1h'")" 20 \
    "5 indicators on the hourly candles of the 4 series"
like "$(cat "$T/demo1")" 'psql "host=' "the report ends with the psql line"

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

# The README's ad-hoc SQL runs as written on the demo's warehouse.
sed -n '/^## Ad-hoc SQL/,/^## /p' "$MDX_SRC/README.md" | sed -n 's/^    //p' \
    >"$T/readme.sql"
ok "[ $(grep -c 'SELECT' "$T/readme.sql") -ge 4 ]" "the README has SQL examples"
psql -X -q -v ON_ERROR_STOP=1 -f "$T/readme.sql" >"$T/readme.out" 2>&1
is "$?" 0 "the README's SQL examples run"
like "$(cat "$T/readme.out")" "binance +\| BTCUSDT +\| 2026-10-31 23:00:00\+00 +\| [0-9.]+" \
    "the README's RSI query finds the latest hourly RSI"

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
"$P/demo" >"$T/demo2" 2>&1
is "$?" 0 "a second run succeeds"
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
raw="read_json('$MDX_VAR/lake/raw/**/*', format = 'newline_delimited',
    hive_partitioning = true)"
is "$(duck "SELECT count(*) FROM $raw WHERE kind = 'klines'")" \
    "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1m'
	AND origin IN ('exchange', 'archive')")" \
    "DuckDB reads as many klines from the lake as the warehouse has candles"
is "$(duck "SELECT count(DISTINCT (exchange, symbol, time)) FROM $raw
    WHERE kind = 'klines'")" 172770 "... each once: 4 x 30 days less the 30-minute hole"
is "$(duck "SELECT DISTINCT json_type(to_json(data)) FROM $raw
    WHERE kind = 'klines'")" ARRAY \
    "data is an array in REST and archive klines alike"
done_testing
