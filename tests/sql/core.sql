-- core.sql - pgTAP tests of the core warehouse (sql/001_core.sql): tables,
-- keys, constraints, partitions, views, comments and roles.  Run by
-- tests/sql.t after mdx-load --migrate; everything is rolled back.
BEGIN;
SELECT plan(88);

SELECT has_schema('mdx', 'schema mdx');
SELECT ok((SELECT max(version) FROM mdx.schema_migrations) >= 1,
    'schema_migrations records the core migration');

-- Tables.
SELECT has_table('mdx', t, 'table mdx.' || t) FROM unnest(ARRAY['exchange',
    'market', 'instrument', 'depth', 'run', 'lake_object',
    'run_lake_object', 'schema_migrations']) AS t;
SELECT is((SELECT relkind::text FROM pg_class WHERE oid = 'mdx.candle'::regclass),
    'p', 'mdx.candle is partitioned');
SELECT is((SELECT partstrat::text FROM pg_partitioned_table
    WHERE partrelid = 'mdx.candle'::regclass), 'r', 'by range');

-- The column names other programs rely on (HACKING.md).
SELECT has_column('mdx', 'candle', c, 'mdx.candle.' || c) FROM unnest(ARRAY[
    'instrument_id', 'interval', 'open_time', 'open', 'high', 'low', 'close',
    'volume', 'quote_volume', 'trades', 'taker_buy_volume',
    'taker_buy_quote_volume', 'closed', 'origin', 'base_count',
    'base_expected', 'run_id', 'updated_at']) AS c;
SELECT col_type_is('mdx', 'candle', c, 'numeric', c || ' is numeric')
    FROM unnest(ARRAY['open', 'high', 'low', 'close', 'volume',
    'quote_volume']) AS c;
SELECT col_type_is('mdx', 'candle', 'open_time', 'timestamp with time zone',
    'open_time is timestamptz');
SELECT col_is_pk('mdx', 'candle', ARRAY['instrument_id', 'interval',
    'open_time'], 'candle key (instrument_id, interval, open_time)');
SELECT has_column('mdx', 'instrument', c, 'mdx.instrument.' || c)
    FROM unnest(ARRAY['instrument_id', 'exchange', 'market', 'symbol', 'base',
    'quote', 'tick_size', 'lot_size', 'status']) AS c;
SELECT col_is_unique('mdx', 'instrument', ARRAY['exchange', 'market',
    'symbol'], 'instrument unique (exchange, market, symbol)');
SELECT has_column('mdx', 'run', c, 'mdx.run.' || c) FROM unnest(ARRAY[
    'run_id', 'program', 'args', 'started_at', 'finished_at', 'status',
    'counts']) AS c;
SELECT col_type_is('mdx', 'run', 'counts', 'jsonb', 'run counts is jsonb');

-- Seeded dimensions.
SELECT set_eq('SELECT exchange, market FROM mdx.market WHERE seeded',
    $$VALUES ('binance', 'spot'), ('binance', 'usdm'), ('bybit', 'spot'),
    ('bybit', 'linear'), ('bybit', 'inverse'), ('okx', 'spot'),
    ('okx', 'swap'), ('kraken', 'spot'), ('coinbase', 'spot')$$,
    'the markets mdx knows');

-- Every table, view and column of the schema has a comment (migrations of
-- every area are held to it).
SELECT is_empty($$SELECT c.relname FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'mdx' AND c.relkind IN ('r', 'p', 'v', 'm')
    AND obj_description(c.oid, 'pg_class') IS NULL$$,
    'every table and view of mdx has a comment');
SELECT is_empty($$SELECT c.relname || '.' || a.attname FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
	AND NOT a.attisdropped
    WHERE n.nspname = 'mdx' AND c.relkind IN ('r', 'p', 'v', 'm')
    AND col_description(c.oid, a.attnum) IS NULL$$,
    'every column of mdx has a comment');

-- Intervals.
SELECT is(mdx.interval_length('1m'), interval '1 minute', '1m is a minute');
SELECT is(mdx.interval_length('1M'), interval '1 month', '1M is a month');
SELECT is(mdx.interval_length('7m'), NULL, 'unknown codes have no length');

-- Partitions.
SELECT is(mdx.ensure_candle_partitions('2031-01-15', '2031-03-01'), 3,
    'three monthly partitions made for Jan..Mar');
SELECT is(mdx.ensure_candle_partitions('2031-01-01', '2031-03-31'), 0,
    'asked again: none made');
SELECT has_table('mdx', 'candle_203102', 'partition mdx.candle_203102');
SELECT is((SELECT pg_get_expr(relpartbound, oid) FROM pg_class
    WHERE oid = 'mdx.candle_203102'::regclass),
    $$FOR VALUES FROM ('2031-02-01 00:00:00+00') TO ('2031-03-01 00:00:00+00')$$,
    'a partition spans one UTC month');
SELECT isnt(obj_description('mdx.candle_203102'::regclass, 'pg_class'), NULL,
    'a new partition has a comment');
SELECT isnt(col_description('mdx.candle_203102'::regclass, 3), NULL,
    'a new partition''s columns have comments');

-- Rows, constraints and views.
INSERT INTO mdx.instrument (exchange, market, symbol, base, quote)
    VALUES ('binance', 'spot', 'TESTUSDT', 'TEST', 'USDT');
INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low,
    close, volume, closed, origin)
    SELECT instrument_id, '1h', '2031-02-03T04:00:00Z', 1.5, 2, 1, 1.75, 10,
    true, 'exchange' FROM mdx.instrument WHERE symbol = 'TESTUSDT';
SELECT ok((SELECT tableoid = 'mdx.candle_203102'::regclass FROM mdx.candle
    WHERE open_time = '2031-02-03T04:00:00Z'),
    'a candle lands in its month''s partition');
SELECT results_eq($$SELECT exchange, symbol, close_time, close FROM mdx.candles_1h
    WHERE symbol = 'TESTUSDT'$$,
    $$VALUES ('binance'::text, 'TESTUSDT'::text,
    '2031-02-03T05:00:00Z'::timestamptz, 1.75::numeric)$$,
    'mdx.candles_1h: names, close_time, values');
SELECT is_empty($$SELECT 1 FROM mdx.candles_1d WHERE symbol = 'TESTUSDT'$$,
    'mdx.candles_1d does not show 1h candles');
SELECT throws_ok($$INSERT INTO mdx.candle (instrument_id, interval, open_time,
    open, high, low, close, closed, origin) SELECT instrument_id, '1h',
    '2031-02-03T05:00:00Z', 1.5, 1.4, 1, 1.2, true, 'exchange'
    FROM mdx.instrument WHERE symbol = 'TESTUSDT'$$, '23514', NULL,
    'high < open is refused');
SELECT throws_ok($$INSERT INTO mdx.candle (instrument_id, interval, open_time,
    open, high, low, close, volume, closed, origin) SELECT instrument_id, '1h',
    '2031-02-03T05:00:00Z', 1.5, 2, 1, 1.2, -1, true, 'exchange'
    FROM mdx.instrument WHERE symbol = 'TESTUSDT'$$, '23514', NULL,
    'a negative volume is refused');
SELECT throws_ok($$INSERT INTO mdx.candle (instrument_id, interval, open_time,
    open, high, low, close, closed, origin) SELECT instrument_id, '7m',
    '2031-02-03T05:00:00Z', 1.5, 2, 1, 1.2, true, 'exchange'
    FROM mdx.instrument WHERE symbol = 'TESTUSDT'$$, '23514', NULL,
    'an unknown interval is refused');
SELECT throws_ok($$INSERT INTO mdx.candle (instrument_id, interval, open_time,
    open, high, low, close, closed, origin) SELECT instrument_id, '1h',
    '2031-02-03T05:00:00Z', 1.5, 2, 1, 1.2, true, 'guess'
    FROM mdx.instrument WHERE symbol = 'TESTUSDT'$$, '23514', NULL,
    'an unknown origin is refused');
SELECT throws_ok($$INSERT INTO mdx.instrument (exchange, market, symbol)
    VALUES ('binance', 'coinm', 'BTCUSD_PERP')$$, '23503', NULL,
    'an unknown market is refused');
SELECT throws_ok($$INSERT INTO mdx.candle (instrument_id, interval, open_time,
    open, high, low, close, closed, origin) SELECT instrument_id, '1h',
    '2099-02-03T05:00:00Z', 1.5, 2, 1, 1.2, true, 'exchange'
    FROM mdx.instrument WHERE symbol = 'TESTUSDT'$$, '23514', NULL,
    'a candle without a partition is refused');

INSERT INTO mdx.depth (instrument_id, time, bids, asks)
    SELECT instrument_id, '2031-02-03T04:00:00Z', '[["1.5","2"],["1.4","1"]]',
    '[["1.6","3"]]' FROM mdx.instrument WHERE symbol = 'TESTUSDT';
SELECT results_eq($$SELECT best_bid, best_ask, spread, mid, bid_levels
    FROM mdx.depths WHERE symbol = 'TESTUSDT'$$,
    $$VALUES (1.5::numeric, 1.6::numeric, 0.1::numeric, 1.55::numeric, 2)$$,
    'mdx.depths: best prices, spread, mid, levels');
SELECT is((SELECT contract FROM mdx.instruments WHERE symbol = 'TESTUSDT'),
    'spot', 'mdx.instruments: contract type');

-- Roles.
SELECT has_role('mdx_reader', 'role mdx_reader');
SELECT has_role('mdx_writer', 'role mdx_writer');
SELECT ok(NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'mdx_writer'),
    'mdx_writer cannot log in itself');
SELECT table_privs_are('mdx', 'candle', 'mdx_reader', ARRAY['SELECT'],
    'mdx_reader may only read candles');
SELECT table_privs_are('mdx', 'candle', 'mdx_writer',
    ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'mdx_writer may write candles');
SELECT function_privs_are('mdx', 'ensure_candle_partitions',
    ARRAY['timestamp with time zone', 'timestamp with time zone'],
    'mdx_writer', ARRAY['EXECUTE'], 'mdx_writer may make partitions');
SET LOCAL ROLE mdx_reader;
SELECT is((SELECT count(*)::int FROM mdx.candles WHERE symbol = 'TESTUSDT'), 1,
    'mdx_reader reads the views');
SELECT throws_ok($$DELETE FROM mdx.candle$$, '42501', NULL,
    'mdx_reader cannot delete');
RESET ROLE;
SET LOCAL ROLE mdx_writer;
SELECT is(mdx.ensure_candle_partitions('2032-05-05', '2032-05-05'), 1,
    'mdx_writer makes a partition through the function');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
