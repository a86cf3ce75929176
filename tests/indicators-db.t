#!/bin/sh
# indicators-db.t - mdx-indicators --db against a private PostgreSQL: the
# values in mdx.indicator equal the stream's, an incremental run after new
# candles equals a full recomputation, new specs, changed old candles,
# unclosed candles, gaps, filters, the run record, the schema check.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

ORACLE="node $MDX_SRC/tests/indicators-oracle.js"
SPECS="rsi,macd,bbands:20:2,atr,stoch,obv,vwap,stats24h,enigma,sma:50"

pg_start
exits 78 "an empty database: exit 78 (migrate first)" mdx-indicators --db rsi
like "$(cat "$T/err")" "mdx-load --migrate" "an empty database: says what to run"
mdx-load --migrate >/dev/null 2>&1 || bail "mdx-load --migrate failed"

$ORACLE gen real 3000 21 >"$T/btc.ndjson"
$ORACLE gen random 800 22 ETHUSDT >"$T/eth.ndjson"
head -2000 "$T/btc.ndjson" >"$T/btc1.ndjson"
mdx-load "$T/btc1.ndjson" "$T/eth.ndjson" >/dev/null 2>&1 || bail "mdx-load failed"

# db_values SYMBOL: the warehouse's indicator rows as indicator records.
db_values() {
	sql "SELECT json_build_object('name', name, 'params', params,
	    'open_time', to_char(open_time AT TIME ZONE 'UTC',
	    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'values', value)
	    FROM mdx.indicators WHERE symbol = '$1'
	    ORDER BY name, params, open_time"
}

# same STREAM DB: the same records with exactly the same doubles.
same() {
	node -e '
const fs = require("fs");
const load = (f) => {
	const m = new Map();
	for (const l of fs.readFileSync(f, "utf8").split("\n")) {
		if (!l) continue;
		const r = JSON.parse(l);
		m.set(r.name + "|" + r.params + "|" + r.open_time, r.values);
	}
	return m;
};
const a = load(process.argv[1]), b = load(process.argv[2]);
let bad = 0;
for (const [k, v] of a) {
	const w = b.get(k);
	if (!w) { if (bad++ < 3) console.log("missing " + k); continue; }
	for (const n in v) if (v[n] !== w[n]) {
		if (bad++ < 3) console.log(k + " " + n + ": " + v[n] + " vs " + w[n]);
	}
}
if (a.size !== b.size) { bad++; console.log("sizes " + a.size + " " + b.size); }
console.log(bad === 0 ? "same" : "differ");' "$1" "$2"
}

exits 0 "first run: exit 0" mdx-indicators --db "$SPECS"
mdx-indicators "$SPECS" "$T/btc1.ndjson" >"$T/stream1"
db_values BTCUSDT >"$T/db1"
is "$(same "$T/stream1" "$T/db1" | tail -1)" same \
    "warehouse values equal the stream's, bit for bit"
is "$(sql "SELECT count(*) FROM mdx.indicators WHERE symbol = 'BTCUSDT'
    AND name = 'rsi'")" 1986 "rsi:14 rows: 2000 candles less the lookback"
is "$(sql "SELECT count(*) FROM mdx.indicator_state")" 20 \
    "a saved state per series and indicator"
is "$(sql "SELECT DISTINCT last_open_time AT TIME ZONE 'UTC'
    FROM mdx.indicator_state st JOIN mdx.instrument USING (instrument_id)
    WHERE symbol = 'BTCUSDT'")" "2024-01-02 09:19:00" \
    "states saved at the last candle"
is "$(sql "SELECT status || ' ' || (counts->>'series') || ' ' ||
    (counts->>'candles') FROM mdx.run WHERE program = 'mdx-indicators'")" \
    "ok 2 2800" "the run is recorded with its counts"

# Incremental: 1000 more candles; the result equals a full recomputation.
sed -n '2001,$p' "$T/btc.ndjson" >"$T/btc2.ndjson"
mdx-load "$T/btc2.ndjson" >/dev/null 2>&1 || bail "mdx-load failed"
exits 0 "incremental run: exit 0" mdx-indicators --db "$SPECS"
is "$(sql "SELECT counts->>'candles' FROM mdx.run WHERE program =
    'mdx-indicators' ORDER BY run_id DESC LIMIT 1")" 1000 \
    "incremental run: reads only the new candles"
mdx-indicators "$SPECS" "$T/btc.ndjson" >"$T/stream2"
db_values BTCUSDT >"$T/db2"
is "$(same "$T/stream2" "$T/db2" | tail -1)" same \
    "incremental run equals a full recomputation, bit for bit"
db_values ETHUSDT >"$T/eth1"
mdx-indicators "$SPECS" "$T/eth.ndjson" >"$T/eth.stream"
is "$(same "$T/eth.stream" "$T/eth1" | tail -1)" same "ETHUSDT as its stream"

exits 0 "--full: exit 0" mdx-indicators --db --full "$SPECS"
db_values BTCUSDT >"$T/db3"
files_eq "$T/db3" "$T/db2" "--full gives the same values"

# A spec added later starts from the first candle.
exits 0 "a new spec: exit 0" mdx-indicators --db "rsi,ema:10"
is "$(sql "SELECT count(*) FROM mdx.indicators WHERE symbol = 'BTCUSDT'
    AND name = 'ema'")" 2991 "a new spec computed over the whole series"
mdx-indicators ema:10 "$T/btc.ndjson" >"$T/ema.stream"
sql "SELECT json_build_object('name', name, 'params', params,
    'open_time', to_char(open_time AT TIME ZONE 'UTC',
    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'values', value)
    FROM mdx.indicators WHERE symbol = 'BTCUSDT' AND name = 'ema'" \
    >"$T/ema.db"
is "$(same "$T/ema.stream" "$T/ema.db" | tail -1)" same "the new spec's values"

# A changed old candle makes the series recompute.
sed '100s/"close":"[0-9.]*"/"close":"99999.99"/;100s/"high":"[0-9.]*"/"high":"99999.99"/' \
    "$T/btc.ndjson" >"$T/btc.changed"
sed -n 100p "$T/btc.changed" | mdx-load >/dev/null 2>&1 || bail "mdx-load failed"
exits 0 "after a changed candle: exit 0" mdx-indicators --db -v "$SPECS"
like "$(cat "$T/err")" "candles of 'binance/spot/BTCUSDT/1m' changed since the last run" \
    "a changed candle is noticed"
mdx-indicators "$SPECS" "$T/btc.changed" >"$T/stream4"
db_values BTCUSDT | grep -v '"name" : "ema"' >"$T/db4"
grep -v '"name":"ema"' "$T/stream4" >"$T/stream4b"
is "$(same "$T/stream4b" "$T/db4" | tail -1)" same \
    "after a changed candle: values of the changed series"

# An unclosed candle stops the series until it is final.
tail -1 "$T/btc.ndjson" | node -e '
const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
const t = new Date(Date.parse(c.open_time) + 60000).toISOString().replace(".000Z", "Z");
for (const closed of [false, true]) {
	c.open_time = t; c.closed = closed;
	require("fs").writeFileSync(process.argv[1] + (closed ? ".closed" : ".open"), JSON.stringify(c) + "\n");
}' "$T/last"
mdx-load "$T/last.open" >/dev/null 2>&1 || bail "mdx-load failed"
exits 0 "an open candle: exit 0" mdx-indicators --db -s BTCUSDT rsi
is "$(sql "SELECT count(*) FROM mdx.indicators WHERE symbol = 'BTCUSDT'
    AND name = 'rsi' AND open_time = '2024-01-03 02:00:00Z'")" 0 \
    "an open candle gets no value"
mdx-load "$T/last.closed" >/dev/null 2>&1 || bail "mdx-load failed"
exits 0 "once closed: exit 0" mdx-indicators --db -s BTCUSDT rsi
is "$(sql "SELECT count(*) FROM mdx.indicators WHERE symbol = 'BTCUSDT'
    AND name = 'rsi' AND open_time = '2024-01-03 02:00:00Z'")" 1 \
    "the candle gets its value once closed"

# Filters: only ETHUSDT is read.
exits 0 "-s ETHUSDT: exit 0" mdx-indicators --db -s ETHUSDT -i 1m rsi
is "$(sql "SELECT counts->>'series' FROM mdx.run WHERE program =
    'mdx-indicators' ORDER BY run_id DESC LIMIT 1")" 1 "-s: one series"
exits 64 "--db with an unknown interval: exit 64" mdx-indicators --db -i 7m rsi

# A gap in the warehouse: reported and the series restarts.
sql "DELETE FROM mdx.candle c USING mdx.instrument i
    WHERE c.instrument_id = i.instrument_id AND i.symbol = 'ETHUSDT'
    AND c.open_time BETWEEN '2024-01-01 05:00:00Z' AND '2024-01-01 05:04:00Z'"
exits 0 "a gap: exit 0" mdx-indicators --db --full -s ETHUSDT rsi
is "$(cat "$T/err")" "mdx-indicators: gap in 'binance/spot/ETHUSDT/1m': 2024-01-01T05:00:00Z to 2024-01-01T05:05:00Z (5 candles missing), restarting the series (at mdx.candle 2024-01-01T05:05:00Z)" \
    "a gap in the warehouse is reported"
sed '301,305d' "$T/eth.ndjson" >"$T/eth.gap"
mdx-indicators rsi "$T/eth.gap" 2>/dev/null >"$T/eth.gap.stream"
sql "SELECT json_build_object('name', name, 'params', params,
    'open_time', to_char(open_time AT TIME ZONE 'UTC',
    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'values', value)
    FROM mdx.indicators WHERE symbol = 'ETHUSDT' AND name = 'rsi'
    AND open_time NOT BETWEEN '2024-01-01 05:00:00Z' AND '2024-01-01 05:18:00Z'" \
    >"$T/eth.gap.db"
is "$(same "$T/eth.gap.stream" "$T/eth.gap.db" | tail -1)" same \
    "after a gap: values as the stream's"

# A damaged state is recomputed, with a warning.
sql "UPDATE mdx.indicator_state SET state = 'mdx-ta/1 rsi 14| garbage'
    WHERE name = 'rsi'"
exits 0 "a damaged state: exit 0" mdx-indicators --db -s BTCUSDT rsi
like "$(cat "$T/err")" "saved state of 'rsi:14' for 'binance/spot/BTCUSDT/1m' is damaged, recomputing it" \
    "a damaged state: reported"

# The man page's warehouse example, as printed there.
exits 0 "man page: the --db example" mdx-indicators --db rsi:14,macd:12:26:9,bbands:20:2
q=$(sed -n '/^\$ psql -c "SELECT open_time/,/LIMIT 5"$/p' "$MDX_SRC/man/mdx-indicators.1" |
    sed -e 's/^\$ psql -c "//' -e 's/"$//' | tr '\n' ' ')
like "$q" "^SELECT open_time, .*LIMIT 5 $" "man page: the query found"
is "$(psql -X -q -A -t -c "$q" | wc -l | tr -d ' ')" 5 "man page: the query gives 5 rows"

done_testing
