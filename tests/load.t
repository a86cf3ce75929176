#!/bin/sh
# load.t - mdx-load against a private PostgreSQL: migrations, loading every
# canonical kind, idempotent reloads (same rows, same row versions, no dead
# tuples), revisions, duplicates, runs and lineage, schema version checks,
# hostile symbols, bad records.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

G=$MDX_SRC/tests/golden/transform

# No server yet: unreachable at start is 69.
MDX_DB="host=$T/nowhere dbname=x" exits 69 "no server: exit 69" \
    mdx-load "$G/okx-klines.ndjson"
like "$(cat "$T/err")" "cannot connect to the warehouse" "no server: said so"

pg_start

exits 78 "no schema yet: exit 78" mdx-load "$G/okx-klines.ndjson"
like "$(cat "$T/err")" "run 'mdx-load --migrate'" "no schema: says how to fix"

# The man page example: create the warehouse, then load a day.
exits 0 "--migrate: exit 0" mdx-load --migrate
like "$(cat "$T/err")" "applied [1-9][0-9]* migrations*; the schema is at version" \
    "--migrate: says what it did"
exits 0 "--migrate again: exit 0" mdx-load --migrate
like "$(cat "$T/err")" "applied 0 migrations" "--migrate again: nothing to do"
exits 64 "--migrate with files: usage error" mdx-load --migrate "$G/okx-klines.ndjson"

cat "$G"/*klines.raw.ndjson >"$T/day.raw.ndjson"
(
	export MDX_DB='dbname=mdx'
	mdx-load --migrate
	mdx-transform "$T/day.raw.ndjson" | mdx-load
) >"$T/out" 2>"$T/err"
is "$?" "0" "man page example: migrate, transform and load"
like "$(cat "$T/err")" "candles 13 \\(inserted 13, revised 0, unchanged 0\\)" \
    "man page example: 13 candles inserted"
is "$(sql "SELECT count(*) FROM mdx.candle")" "13" "13 candle rows"

# Candles keep every digit; names come through the views.
is "$(sql "SELECT open::text || ' ' || volume::text || ' ' || quote_volume::text
    FROM mdx.candles WHERE exchange = 'bybit' AND market = 'inverse'")" \
    "17071 15.74462667 268611" "values exact, inverse volume in coin"
is "$(sql "SELECT count(*) FROM mdx.candles_1m")" "8" "candles_1m view"
is "$(sql "SELECT count(*) FROM mdx.candles_1h")" "4" "candles_1h view"
is "$(sql "SELECT count(*) FROM mdx.candles_1w")" "1" "candles_1w view"
is "$(sql "SELECT close_time FROM mdx.candles_1w")" "2017-07-10 00:00:00+00" \
    "close_time is open_time plus the interval"
is "$(sql "SELECT string_agg(c.relname, ' ' ORDER BY c.relname)
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'mdx.candle'::regclass")" \
    "candle_201707 candle_202212 candle_202401 candle_202501" \
    "monthly partitions created for the months present, no others"
is "$(sql "SELECT count(*) FROM mdx.candle_202401")" "8" \
    "January 2024 rows are in their partition"
is "$(sql "SELECT trades || ' ' || closed || ' ' || origin FROM mdx.candles
    WHERE market = 'usdm' AND origin = 'archive'")" "2345 true archive" \
    "archive candle: trades, closed, origin"
is "$(sql "SELECT count(*) FROM mdx.instrument")" "10" \
    "instruments created from the candles"
is "$(sql "SELECT count(*) FROM mdx.instrument WHERE base IS NULL")" "10" \
    "created instruments have no metadata yet"

# Instrument records enrich them.
exits 0 "instrument records: exit 0" mdx-load "$G/instruments.ndjson"
like "$(cat "$T/err")" "instruments 8," "instrument records: counted"
is "$(sql "SELECT base || '/' || quote || ' ' || tick_size || ' ' || status
    FROM mdx.instrument WHERE exchange = 'okx' AND symbol = 'BTC-USDT-SWAP'")" \
    "BTC/USDT 0.1 trading" "instrument enriched: base, quote, tick, status"
is "$(sql "SELECT contract_size FROM mdx.instruments
    WHERE symbol = 'BTC-USD-SWAP'")" "100" "contract size"
is "$(sql "SELECT string_agg(exchange || ' ' || symbol, ',' ORDER BY symbol)
    FROM mdx.instrument WHERE base IS NULL")" "binance BTCUSDT,okx ETH-USDT" \
    "every instrument with a record enriched, the others not"
is "$(sql "SELECT counts->>'instruments_created' || ' '
    || (counts->>'instruments_updated') FROM mdx.run ORDER BY run_id DESC LIMIT 1")" \
    "0 8" "run counts: 8 instruments updated"
printf '%s\n' '{"kind":"instrument","exchange":"okx","market":"spot","symbol":"DOGE-USDT","base":"DOGE","quote":"USDT","tick_size":"0.00001","lot_size":null,"contract_size":null,"status":null}' |
    mdx-load >/dev/null 2>&1
is "$(sql "SELECT base || ' ' || tick_size || ' ' || coalesce(status, 'null')
    FROM mdx.instrument WHERE symbol = 'DOGE-USDT'")" "DOGE 0.00001 null" \
    "an unknown instrument of an instrument record is created"
exits 0 "instrument records again: exit 0" mdx-load "$G/instruments.ndjson"
is "$(sql "SELECT counts->>'instruments_updated' FROM mdx.run
    ORDER BY run_id DESC LIMIT 1")" "0" "the same metadata updates nothing"

# Depth snapshots.
exits 0 "depth: exit 0" mdx-load "$G/depth.ndjson"
is "$(sql "SELECT best_bid || ' ' || best_ask || ' ' || spread || ' ' || bid_levels
    FROM mdx.depths WHERE exchange = 'bybit'")" "65485.47 65557.7 72.23 1" \
    "depth: best prices, spread, levels"
is "$(sql "SELECT bids::text FROM mdx.depth d JOIN mdx.instrument i
    USING (instrument_id) WHERE i.symbol = 'BNBBTC'")" \
    '[["4.00000000", "431.00000000"], ["3.99000000", "9.00000000"]]' \
    "depth: levels stored exactly"
exits 0 "depth again: exit 0" mdx-load "$G/depth.ndjson"
is "$(sql "SELECT (counts->>'depth_inserted') || ' ' || (counts->>'depth_revised')
    FROM mdx.run ORDER BY run_id DESC LIMIT 1")" "0 0" "depth again: nothing written"

# ------------------------------------------------------------------------
# Reload: same rows, same row versions, no new dead tuples.

checksum() {
	sql "SELECT md5(string_agg(c::text, '|' ORDER BY instrument_id, interval,
	    open_time)) FROM (SELECT instrument_id, interval, open_time, open,
	    high, low, close, volume, quote_volume, trades, taker_buy_volume,
	    taker_buy_quote_volume, closed, origin, run_id, updated_at
	    FROM mdx.candle) c"
}
versions() {
	sql "SELECT md5(string_agg(xmin::text || ctid::text, '|' ORDER BY
	    instrument_id, interval, open_time)) FROM mdx.candle"
}
stats() {
	sql "SELECT sum(n_tup_upd) || ' ' || sum(n_dead_tup) || ' ' || sum(n_tup_ins)
	    FROM pg_stat_user_tables WHERE schemaname = 'mdx'
	    AND relname LIKE 'candle%'"
}

# 20000 one-minute candles from February 2024 on, made canonical by
# mdx-transform from raw Binance rows.
awk 'BEGIN {
	for (i = 0; i < 20000; i++) {
		t = 1706745600000 + i * 60000
		p = 2000 + i % 50
		printf "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\",\"kind\":\"klines\",\"symbol\":\"ETHUSDT\",\"interval\":\"1m\",\"fetched_at\":\"2024-03-01T00:00:00Z\",\"closed\":true,\"data\":[%.0f,\"%d.5\",\"%d.75\",\"%d.25\",\"%d.5\",\"1.%05d\",%.0f,\"%d.1\",%d,\"0.5\",\"1000\",\"0\"]}\n", t, p, p + 1, p - 1, p, i, t + 59999, 2000 + i, i % 100
	}
}' | mdx-transform --strict >"$T/big.ndjson" 2>/dev/null
is "$(wc -l <"$T/big.ndjson" | tr -d ' ')" "20000" "20000 test candles made"

exits 0 "load 20000 candles in batches of 3000: exit 0" \
    mdx-load -b 3000 "$T/big.ndjson"
like "$(cat "$T/err")" "candles 20000 \\(inserted 20000, revised 0, unchanged 0\\)" \
    "all inserted"
is "$(sql "SELECT counts->>'batches' FROM mdx.run ORDER BY run_id DESC LIMIT 1")" \
    "7" "7 batches of at most 3000"
rows=$(sql "SELECT count(*) FROM mdx.candle")
sum=$(checksum)
ver=$(versions)
sleep 1
st=$(stats)

exits 0 "reload: exit 0" mdx-load -b 3000 "$T/big.ndjson"
like "$(cat "$T/err")" "candles 20000 \\(inserted 0, revised 0, unchanged 20000\\)" \
    "reload: all unchanged"
is "$(sql "SELECT count(*) FROM mdx.candle")" "$rows" "reload: same row count"
is "$(checksum)" "$sum" "reload: same table checksum"
is "$(versions)" "$ver" "reload: no row rewritten (same xmin and ctid)"
sleep 1
is "$(stats)" "$st" "reload: n_tup_upd and n_dead_tup unchanged"

# The same candles fetched again later, values identical: still nothing.
sed 's/2024-03-01T00:00:00Z/2024-03-02T00:00:00Z/' "$T/big.ndjson" |
    mdx-load >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "inserted 0, revised 0, unchanged 20000" \
    "refetched identical candles: unchanged"
is "$(versions)" "$ver" "refetched identical candles: no row rewritten"

# A revision: one candle changed by the exchange.
sed -n '100p' "$T/big.ndjson" | sed 's/"close":"[0-9.]*"/"close":"2049.75"/;
    s/"fetched_at":"[^"]*"/"fetched_at":"2024-03-03T00:00:00Z"/' >"$T/rev"
exits 0 "revised candle: exit 0" mdx-load "$T/rev"
like "$(cat "$T/err")" "candles 1 \\(inserted 0, revised 1, unchanged 0\\)" \
    "revised candle: counted as revised"
t100=$(jq -r .open_time "$T/rev")
is "$(sql "SELECT close FROM mdx.candles WHERE symbol = 'ETHUSDT'
    AND open_time = '$t100'")" "2049.75" "revised candle: new close stored"
is "$(sql "SELECT c.run_id = (SELECT max(run_id) FROM mdx.run) FROM mdx.candles c
    WHERE symbol = 'ETHUSDT' AND open_time = '$t100'")" "t" \
    "revised candle: carries the run that revised it"

# An older fetch does not undo the revision; an open candle does not
# replace a closed one.
sed -n '100p' "$T/big.ndjson" | sed 's/"close":"[0-9.]*"/"close":"2049.25"/' |
    mdx-load >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "inserted 0, revised 0, unchanged 1" \
    "an earlier fetch leaves the revision alone"
sed 's/"closed":true/"closed":false/; s/"fetched_at":"[^"]*"/"fetched_at":"2024-03-04T00:00:00Z"/;
    s/"close":"[0-9.]*"/"close":"2049.5"/' "$T/rev" | mdx-load >/dev/null 2>&1
is "$(sql "SELECT close || ' ' || closed FROM mdx.candles WHERE symbol = 'ETHUSDT'
    AND open_time = '$t100'")" "2049.75 true" "an open candle does not replace a closed one"

# An open candle is replaced by its closed version.
o='{"kind":"candle","exchange":"okx","market":"spot","symbol":"SOL-USDT","interval":"1m","open_time":"2024-04-01T00:00:00Z","open":"100","high":"101","low":"99","close":"100.5","volume":"1","quote_volume":"100","closed":false,"origin":"exchange","fetched_at":"2024-04-01T00:00:30Z"}'
printf '%s\n' "$o" | mdx-load >/dev/null 2>&1
printf '%s\n' "$o" | sed 's/"closed":false/"closed":true/; s/00:00:30Z/00:01:02Z/;
    s/"close":"100.5"/"close":"100.7"/' | mdx-load >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "inserted 0, revised 1, unchanged 0" "open then closed: revised"
is "$(sql "SELECT close || ' ' || closed FROM mdx.candles WHERE symbol = 'SOL-USDT'")" \
    "100.7 true" "open then closed: the closed candle is stored"

# Duplicates inside a batch: the rule of mdx-transform.
{ printf '%s\n' "$o" | sed 's/SOL-USDT/ADA-USDT/'
  printf '%s\n' "$o" | sed 's/SOL-USDT/ADA-USDT/; s/"closed":false/"closed":true/; s/"close":"100.5"/"close":"100.6"/'
  printf '%s\n' "$o" | sed 's/SOL-USDT/ADA-USDT/; s/"close":"100.5"/"close":"100.4"/'
} | mdx-load >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "read 3, candles 1 \\(inserted 1, revised 0, unchanged 0\\), duplicates 2" \
    "duplicates in a batch: counted"
is "$(sql "SELECT close FROM mdx.candles WHERE symbol = 'ADA-USDT'")" "100.6" \
    "duplicates in a batch: the closed one is stored"

# A concurrent writer: a key of the batch inserted (uncommitted) by another
# session before mdx-load copies; mdx-load waits for it, meets the unique
# key, rolls the batch back and writes it again with the upsert.
for i in 0 1 2 3 4; do
	printf '%s\n' "$o" | sed "s/SOL-USDT/DOT-USDT/; s/00:00:00Z/0$i:00:00Z/;
	    s/\"closed\":false/\"closed\":true/"
done >"$T/conc"
head -1 "$T/conc" | sed 's/2024-04-01T00/2024-03-31T23/' | mdx-load >/dev/null 2>&1
iid=$(sql "SELECT instrument_id FROM mdx.instrument WHERE symbol = 'DOT-USDT'")
{
	echo "BEGIN;"
	echo "INSERT INTO mdx.candle (instrument_id, interval, open_time, open,
	    high, low, close, closed, origin) VALUES ($iid, '1m',
	    '2024-04-01T02:00:00Z', 100, 101, 99, 100.1, true, 'exchange');"
	echo "SELECT 'inserted';"
	# Commit once mdx-load waits for this row (at most 60 s).
	sql_wait_lock mdx-load
	echo "COMMIT;"
} | psql -X -q -A -t >"$T/conc.out" 2>&1 &
cpid=$!
wait_line "$T/conc.out" inserted
MDX_VERBOSE=2 mdx-load "$T/conc" >/dev/null 2>"$T/err"
is "$?" "0" "concurrent writer: exit 0"
wait $cpid
like "$(cat "$T/err")" "met a concurrent writer's key" \
    "concurrent writer: the batch is written again"
like "$(cat "$T/err")" "candles 5 \\(inserted 4, revised 1, unchanged 0\\)" \
    "concurrent writer: the other's row revised, the rest inserted"
is "$(sql "SELECT count(*) || ' ' || min(close) FROM mdx.candles WHERE symbol = 'DOT-USDT'
    AND open_time >= '2024-04-01'")" "5 100.5" "concurrent writer: every row as loaded"

# A batch of many series (more than mdx-load compares itself) goes through
# the staging table and the merge statement: same outcomes.
awk 'BEGIN {
	for (s = 0; s < 80; s++)
		for (i = 0; i < 3; i++)
			printf "{\"kind\":\"candle\",\"exchange\":\"okx\",\"market\":\"swap\",\"symbol\":\"S%02d-USDT-SWAP\",\"interval\":\"1h\",\"open_time\":\"2024-06-01T0%d:00:00Z\",\"open\":\"1\",\"high\":\"2\",\"low\":\"0.5\",\"close\":\"1.5\",\"volume\":\"%d\",\"quote_volume\":\"3\",\"closed\":true,\"origin\":\"exchange\",\"fetched_at\":\"2024-06-02T00:00:00Z\"}\n", s, i, s + 1
}' >"$T/many"
exits 0 "80 series: exit 0" mdx-load "$T/many"
like "$(cat "$T/err")" "candles 240 \\(inserted 240, revised 0, unchanged 0\\)" \
    "80 series: inserted"
exits 0 "80 series again: exit 0" mdx-load "$T/many"
like "$(cat "$T/err")" "candles 240 \\(inserted 0, revised 0, unchanged 240\\)" \
    "80 series again: unchanged"
sed 's/"volume":"7"/"volume":"7.5"/; s/2024-06-02T00/2024-06-03T00/' "$T/many" |
    mdx-load >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "candles 240 \\(inserted 0, revised 3, unchanged 237\\)" \
    "80 series with one revised: 3 candles revised"
is "$(sql "SELECT count(*) FROM mdx.candles WHERE symbol = 'S06-USDT-SWAP'
    AND volume = 7.5")" "3" "80 series: the revision stored"

# ------------------------------------------------------------------------
# Runs and lineage.

obj=raw/exchange=binance/market=spot/kind=klines/symbol=BTCUSDT/interval=1m/date=2024-01-01/2024-01-01.ndjson.gz
gzip -c "$G/binance-spot-klines.raw.ndjson" >"$T/2024-01-01.ndjson.gz"
(cd "$T" && mdx-transform 2024-01-01.ndjson.gz | mdx-load \
    -o "$obj") >/dev/null 2>"$T/err"
is "$?" "0" "man page example: load with a lake object"
is "$(sql "SELECT o.uri FROM mdx.lake_object o JOIN mdx.run_lake_object USING (object_id)
    WHERE run_id = (SELECT max(run_id) FROM mdx.run)")" "$obj" \
    "the lake object is linked to the run"
is "$(sql "SELECT program || ' ' || status || ' ' || exit_status || ' ' || args
    || ' ' || (finished_at IS NOT NULL) FROM mdx.run ORDER BY run_id DESC LIMIT 1")" \
    "mdx-load ok 0 -o $obj true" "the run row: program, status, args, end"
sql "SELECT run_id, status, counts->>'inserted' AS inserted,
    counts->>'revised' AS revised FROM mdx.runs
    WHERE program = 'mdx-load' ORDER BY run_id DESC LIMIT 5" >"$T/runs"
is "$(head -1 "$T/runs")" "$(sql "SELECT max(run_id) FROM mdx.run")|ok|0|0" \
    "man page example: the last runs"
(cd "$T" && mdx-load -o "$obj" /dev/null) >/dev/null 2>&1
is "$(sql "SELECT count(*) || ' ' || max(last_run_id) || ' ' || min(first_run_id)
    FROM mdx.lake_object")" \
    "1 $(sql "SELECT max(run_id) FROM mdx.run") $(sql "SELECT max(run_id) - 1 FROM mdx.run")" \
    "a lake object loaded again: one row, first and last run"

# ------------------------------------------------------------------------
# Hostile symbols: quotes, backslashes, tabs, newlines, unicode, SQL.

for s in "O'Brien" 'back\\slash' 'tab\there' 'new\nline' 'caf\u00e9\u2603' \
    "x'); DROP TABLE mdx.candle; --" 'a\"b' '\\N' 'pct%s%n'; do
	printf '{"kind":"candle","exchange":"bybit","market":"spot","symbol":"%s","interval":"1d","open_time":"2024-05-01T00:00:00Z","open":"1","high":"2","low":"0.5","close":"1.5","volume":"10","quote_volume":"15","closed":true,"origin":"exchange"}\n' "$s"
done >"$T/hostile"
printf '%s\n' "$(head -1 "$T/hostile" | sed 's/"kind":"candle"/"kind":"instrument"/; s/"interval".*/"base":"O'"'"'B","quote":"Q\\\\t","tick_size":"0.1","lot_size":null,"contract_size":null,"status":"trading"}/')" >>"$T/hostile"
exits 0 "hostile symbols: exit 0" mdx-load "$T/hostile"
like "$(cat "$T/err")" "candles 9 \\(inserted 9," "hostile symbols: 9 candles"
sql "SELECT encode(convert_to(i.symbol, 'UTF8'), 'hex') FROM mdx.candle c
    JOIN mdx.instrument i USING (instrument_id) WHERE c.interval = '1d'
    AND c.open_time = '2024-05-01'" | sort >"$T/got"
head -9 "$T/hostile" | while IFS= read -r l; do
	printf '%s\n' "$l" | jq -j .symbol | od -An -tx1 | tr -d ' \n'
	echo
done | sort >"$T/wanthex"
files_eq "$T/got" "$T/wanthex" "hostile symbols stored byte for byte"
is "$(sql "SELECT count(*) FROM mdx.candle WHERE interval = '1d'")" "9" \
    "hostile symbols: the candle table is still there"
is "$(sql "SELECT base || quote FROM mdx.instrument WHERE symbol = 'O''Brien'")" \
    "$(printf "O'BQ\\\\t")" "hostile instrument metadata stored as given"

# The SQL examples of mdx-warehouse(7), taken from the page itself, run
# against what this test loaded.
awk '/^\.Sh EXAMPLES/ { ex = 1 } ex && /^\.Bd -literal/ { n++; inb = 1; next }
    inb && /^\.Ed/ { inb = 0; next }
    inb { gsub(/\\e/, "\\"); print > (dir "/ex" n ".sql") }' dir="$T" \
    "$MDX_SRC/man/mdx-warehouse.7"
nex=0
for f in "$T"/ex*.sql; do
	nex=$((nex + 1))
	psql -X -q -A -t -v ON_ERROR_STOP=1 -f "$f" >"$f.out" 2>&1
	is "$?" "0" "mdx-warehouse(7) example ${f##*/ex}: runs"
done
ok "[ $nex -ge 6 ]" "mdx-warehouse(7): every example found ($nex)"
is "$(cut -d'|' -f1,5 "$T/ex1.sql.out" | tr '\n' ' ')" \
    "2024-01-01 00:00:00+00|42285.01000000 2024-01-01 00:01:00+00|42288.88000000 " \
    "mdx-warehouse(7) example 1: the first hour of BTCUSDT"
like "$(cat "$T/ex4.sql.out")" "BTCUSDT|1m|2024-01-01 00:01:00\\+00" \
    "mdx-warehouse(7) example 4: the open candle"
is "$(cat "$T/ex7.sql.out")" "$(sql "SELECT max(version) FROM mdx.schema_migrations")" \
    "mdx-warehouse(7) example 7: the schema version"

# The roles, as mdx-warehouse(7) grants them: a loader and an analyst.
awk '/^\.Sh ROLES/ { r = 1 } r && /^\.Bd -literal/ { inb = 1; next }
    inb && /^\.Ed/ { exit } inb { print }' "$MDX_SRC/man/mdx-warehouse.7" \
    >"$T/roles.sql"
psql -X -q -v ON_ERROR_STOP=1 -f "$T/roles.sql" >/dev/null 2>&1
is "$?" "0" "mdx-warehouse(7) roles example: runs"
printf '%s\n' "$o" | sed 's/SOL-USDT/LINK-USDT/' >"$T/etl"
PGUSER=etl exits 0 "mdx_writer (etl) loads" mdx-load -o etl-object "$T/etl"
is "$(PGUSER=analyst sql "SELECT count(*) FROM mdx.candles WHERE symbol = 'LINK-USDT'")" \
    "1" "mdx_reader (analyst) reads"
PGUSER=analyst exits 1 "mdx_reader (analyst) cannot write" \
    psql -X -q -v ON_ERROR_STOP=1 -c "DELETE FROM mdx.candle"

# ------------------------------------------------------------------------
# Bad records: reported with their position, the good ones loaded, 65.

{ printf '%s\n' "$o" | sed 's/SOL-USDT/XRP-USDT/'
  echo 'not json'
  printf '%s\n' "$o" | sed 's/SOL-USDT/XRP-USDT/; s/"high":"101"/"high":"90"/'
  printf '%s\n' "$o" | sed 's/SOL-USDT/XRP-USDT/; s/"okx"/"Kraken"/'
  echo '{"kind":"trade"}'
} >"$T/bad"
exits 65 "bad records: exit 65" mdx-load "$T/bad"
like "$(cat "$T/err")" "bad record: not JSON.* \\(at $T/bad:2\\)" "not JSON: position"
like "$(cat "$T/err")" "bad candle: high < open \\(at $T/bad:3\\)" "bad candle: position"
like "$(cat "$T/err")" "bad candle: bad \"exchange\" \"Kraken\": not a code .* \\(at $T/bad:4\\)" \
    "exchange not a code: position"
like "$(cat "$T/err")" "read 5, candles 1 .*rejected 4" "bad records: counted"
is "$(sql "SELECT status || ' ' || exit_status || ' ' || message FROM mdx.run
    ORDER BY run_id DESC LIMIT 1")" "failed 65 4 bad records not loaded" \
    "bad records: the run says so"
is "$(sql "SELECT count(*) FROM mdx.candles WHERE symbol = 'XRP-USDT'")" "1" \
    "bad records: the good one loaded"

exits 64 "a bad batch size exits 64" mdx-load -b 0 "$T/bad"

# ------------------------------------------------------------------------
# Schema version mismatch.

sql "INSERT INTO mdx.schema_migrations (version, name) VALUES (999, '999_future')"
n0=$(sql "SELECT count(*) FROM mdx.run")
exits 78 "a newer warehouse: exit 78" mdx-load "$G/okx-klines.ndjson"
like "$(cat "$T/err")" "schema is at version 999, newer than" \
    "a newer warehouse: clear message"
is "$(sql "SELECT count(*) FROM mdx.run")" "$n0" "a newer warehouse: nothing written"
exits 78 "--migrate refuses a newer warehouse" mdx-load --migrate
sql "DELETE FROM mdx.schema_migrations WHERE version = 999"
exits 0 "the right version loads again" mdx-load "$G/okx-klines.ndjson"

done_testing
