# aggregate-lib.sh - helpers of the mdx-aggregate tests (sourced after
# tests/lib.sh).  They make and load candles without mdx: the generator is
# tests/aggregate-gen.js, and candles reach the warehouse through psql.

# gen ARGS...: canonical candles on stdout (see tests/aggregate-gen.js).
gen() { node "$MDX_SRC/tests/aggregate-gen.js" "$@"; }

# bucket_sql IV: the SQL expression of the IV bucket of open_time.
bucket_sql() {
	case $1 in
	1d) echo "date_trunc('day', open_time)" ;;
	1w) echo "date_trunc('week', open_time)" ;;
	1M) echo "date_trunc('month', open_time)" ;;
	*) echo "date_bin(mdx.interval_length('$1'), open_time, 'epoch')" ;;
	esac
}

# agg_migrate: the schema, through libmdx's mdx_db_migrate().
agg_migrate() { "$MDX_BUILD/tests/pg-db" migrate >/dev/null; }

# CANDLE_SET: what an upsert of a candle replaces (ON CONFLICT ... DO UPDATE
# SET $CANDLE_SET, ...): the values and closed.
CANDLE_SET="open = excluded.open, high = excluded.high, low = excluded.low,
    close = excluded.close, volume = excluded.volume,
    quote_volume = excluded.quote_volume, trades = excluded.trades,
    taker_buy_volume = excluded.taker_buy_volume,
    taker_buy_quote_volume = excluded.taker_buy_quote_volume,
    closed = excluded.closed"

# load FILE: upserts the canonical candles of FILE into mdx.candle, as a
# loader would (a revised candle replaces the old one).
load() {
	jq -r '[.exchange, .market, .symbol, .interval, .open_time, .open,
	    .high, .low, .close, (.volume // ""), (.quote_volume // ""),
	    (.trades // ""), (.taker_buy_volume // ""),
	    (.taker_buy_quote_volume // ""), .closed, .origin] | @tsv' \
	    "$1" >"$T/load.tsv" || return 1
	psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TEMP TABLE l (exchange text, market text, symbol text,
    interval text, open_time timestamptz, open numeric, high numeric,
    low numeric, close numeric, volume numeric, quote_volume numeric,
    trades bigint, taker_buy_volume numeric, taker_buy_quote_volume numeric,
    closed boolean, origin text);
\copy l FROM '$T/load.tsv' WITH (NULL '')
INSERT INTO mdx.instrument (exchange, market, symbol)
    SELECT DISTINCT exchange, market, symbol FROM l
    ON CONFLICT DO NOTHING;
SELECT mdx.ensure_candle_partitions(min(open_time), max(open_time)) FROM l;
INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low,
    close, volume, quote_volume, trades, taker_buy_volume,
    taker_buy_quote_volume, closed, origin)
SELECT i.instrument_id, l.interval, l.open_time, l.open, l.high, l.low,
    l.close, l.volume, l.quote_volume, l.trades, l.taker_buy_volume,
    l.taker_buy_quote_volume, l.closed, l.origin
FROM l JOIN mdx.instrument i USING (exchange, market, symbol)
ON CONFLICT (instrument_id, interval, open_time) DO UPDATE SET
    $CANDLE_SET, origin = excluded.origin, updated_at = now();
SQL
}

# wh_candles IV: the warehouse candles of interval IV as sorted TSV
# (symbol, open_time, open, high, low, close, volume, quote_volume, trades,
# taker volumes, base_count, base_expected, origin), numbers normalised.
wh_candles() {
	psql -X -q -A -t -F '	' -v ON_ERROR_STOP=1 -c "SELECT i.symbol,
	    to_char(c.open_time, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
	    trim_scale(c.open), trim_scale(c.high), trim_scale(c.low),
	    trim_scale(c.close), trim_scale(c.volume),
	    trim_scale(c.quote_volume), c.trades,
	    trim_scale(c.taker_buy_volume),
	    trim_scale(c.taker_buy_quote_volume), c.base_count,
	    c.base_expected, c.origin
	    FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id)
	    WHERE c.interval = '$1' ORDER BY 1, 2"
}

# nd_candles IV <FILE: the same TSV from canonical NDJSON.
nd_candles() {
	jq -r --arg iv "$1" 'select(.interval == $iv) | [.symbol, .open_time,
	    .open, .high, .low, .close, .volume, .quote_volume, .trades,
	    .taker_buy_volume, .taker_buy_quote_volume, .base_count,
	    .base_expected, .origin] | map(if type == "string" and
	    test("^[0-9]+\\.[0-9]+$") then sub("0+$"; "") | sub("\\.$"; "")
	    else . end) | map(. // "") | @tsv' | LC_ALL=C sort
}
