-- aggregate.sql - pgTAP tests of sql/020_aggregate.sql: the change log
-- triggers of mdx.candle, mdx.detect_gaps(), the comments.  Runs in a
-- transaction that is rolled back.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(27);

SELECT has_table('mdx', 'candle_change', 'the change log exists');
-- The row triggers merge the entries of one transaction per hour, and
-- this test is one transaction: the log of the instrument is emptied
-- before each step.
SELECT has_table('mdx', 'rollup_watermark', 'the watermarks exist');
SELECT has_table('mdx', 'gap', 'the gap table exists');
SELECT has_function('mdx', 'detect_gaps',
    ARRAY['bigint', 'text', 'timestamp with time zone',
    'timestamp with time zone', 'bigint'], 'mdx.detect_gaps exists');
SELECT has_trigger('mdx', 'candle', 'candle_log_insert', 'insert trigger');
SELECT has_trigger('mdx', 'candle', 'candle_log_update', 'update trigger');
SELECT has_trigger('mdx', 'candle', 'candle_log_delete', 'delete trigger');
SELECT col_has_check('mdx', 'gap', 'status', 'gap status is checked');

-- Every table and column of the migration has a comment.
SELECT is((SELECT count(*)::int FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'mdx' AND c.relkind = 'r'
    AND c.relname IN ('candle_change', 'rollup_watermark', 'gap')
    AND obj_description(c.oid, 'pg_class') IS NULL), 0,
    'every table has a comment');
SELECT is((SELECT count(*)::int FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'mdx' AND a.attnum > 0 AND NOT a.attisdropped
    AND c.relname IN ('candle_change', 'rollup_watermark', 'gap')
    AND col_description(c.oid, a.attnum) IS NULL), 0,
    'every column has a comment');

-- A private instrument and month.
SELECT lives_ok($$SELECT mdx.ensure_candle_partitions('2031-01-01', '2031-01-31')$$,
    'a private month');
INSERT INTO mdx.instrument (exchange, market, symbol)
VALUES ('binance', 'spot', 'PGTAPUSDT');
CREATE TEMP TABLE inst AS SELECT instrument_id AS id FROM mdx.instrument
WHERE symbol = 'PGTAPUSDT';

-- 0:00 to 1:59 except 0:10, 0:11 and 1:00.
INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low,
    close, volume, closed, origin)
SELECT (SELECT id FROM inst), '1m', t, 10, 12, 9, 11, 1, true, 'exchange'
FROM generate_series('2031-01-01 00:00Z'::timestamptz, '2031-01-01 01:59Z',
    '1 minute') AS t
WHERE t NOT IN ('2031-01-01 00:10Z', '2031-01-01 00:11Z', '2031-01-01 01:00Z');

SELECT results_eq(
    $$SELECT from_time, to_time, rows FROM mdx.candle_change
      WHERE instrument_id = (SELECT id FROM inst) ORDER BY from_time$$,
    $$VALUES ('2031-01-01 00:00Z'::timestamptz, '2031-01-01 00:59Z'::timestamptz, 58),
	     ('2031-01-01 01:01Z', '2031-01-01 01:59Z', 59)$$,
    'an insert logs one entry per hour with its range and rows');

DELETE FROM mdx.candle_change WHERE instrument_id = (SELECT id FROM inst);
UPDATE mdx.candle SET volume = 1.000, updated_at = now()
WHERE instrument_id = (SELECT id FROM inst);
SELECT is((SELECT count(*)::int FROM mdx.candle_change
    WHERE instrument_id = (SELECT id FROM inst)), 0,
    'an update that changes no value logs nothing');

UPDATE mdx.candle SET volume = 2
WHERE instrument_id = (SELECT id FROM inst)
AND open_time = '2031-01-01 00:30Z';
SELECT results_eq(
    $$SELECT from_time, to_time, rows FROM mdx.candle_change
      WHERE instrument_id = (SELECT id FROM inst)$$,
    $$VALUES ('2031-01-01 00:30Z'::timestamptz, '2031-01-01 00:30Z'::timestamptz, 1)$$,
    'a revised candle is logged alone');

DELETE FROM mdx.candle_change WHERE instrument_id = (SELECT id FROM inst);
DELETE FROM mdx.candle WHERE instrument_id = (SELECT id FROM inst)
AND open_time = '2031-01-01 01:30Z';
SELECT results_eq(
    $$SELECT from_time, rows FROM mdx.candle_change
      WHERE instrument_id = (SELECT id FROM inst)$$,
    $$VALUES ('2031-01-01 01:30Z'::timestamptz, 1)$$,
    'a deletion is logged');

-- Gaps from scratch.
SELECT is(mdx.detect_gaps((SELECT id FROM inst), '1m', '-infinity',
    'infinity', NULL), 3, 'detect_gaps finds three gaps');
SELECT results_eq(
    $$SELECT from_time, to_time, missing, status FROM mdx.gap
      WHERE instrument_id = (SELECT id FROM inst) ORDER BY from_time$$,
    $$VALUES ('2031-01-01 00:10Z'::timestamptz, '2031-01-01 00:12Z'::timestamptz, 2::bigint, 'open'),
	     ('2031-01-01 01:00Z', '2031-01-01 01:01Z', 1, 'open'),
	     ('2031-01-01 01:30Z', '2031-01-01 01:31Z', 1, 'open')$$,
    'gaps: from the first missing open time to the next present one');

-- A refetch delivers 0:10 of the refetched gap 0:10-0:12.
UPDATE mdx.gap SET status = 'refetched'
WHERE instrument_id = (SELECT id FROM inst) AND from_time = '2031-01-01 00:10Z';
INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low,
    close, volume, closed, origin)
VALUES ((SELECT id FROM inst), '1m', '2031-01-01 00:10Z', 11, 11, 11, 11, 0,
    true, 'exchange');
SELECT is(mdx.detect_gaps((SELECT id FROM inst), '1m', '2031-01-01 00:10Z',
    '2031-01-01 00:10Z', NULL), 1, 'detect_gaps around a change');
SELECT results_eq(
    $$SELECT from_time, missing, status FROM mdx.gap
      WHERE instrument_id = (SELECT id FROM inst) ORDER BY from_time$$,
    $$VALUES ('2031-01-01 00:11Z'::timestamptz, 1::bigint, 'refetched'),
	     ('2031-01-01 01:00Z', 1, 'open'),
	     ('2031-01-01 01:30Z', 1, 'open')$$,
    'the rest of a refetched gap keeps its status, other gaps are untouched');

-- A filled gap is never replaced.
UPDATE mdx.gap SET status = 'filled'
WHERE instrument_id = (SELECT id FROM inst) AND from_time = '2031-01-01 01:00Z';
INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high, low,
    close, volume, closed, origin)
VALUES ((SELECT id FROM inst), '1m', '2031-01-01 01:00Z', 11, 11, 11, 11, 0,
    true, 'filled');
SELECT is(mdx.detect_gaps((SELECT id FROM inst), '1m', '2031-01-01 00:50Z',
    '2031-01-01 01:10Z', NULL), 0, 'no gap where filled candles are');
SELECT is((SELECT status FROM mdx.gap WHERE instrument_id = (SELECT id FROM inst)
    AND from_time = '2031-01-01 01:00Z'), 'filled', 'the filled gap stays');

-- A deletion at the edge of a gap merges it with its neighbour.
DELETE FROM mdx.candle WHERE instrument_id = (SELECT id FROM inst)
AND open_time = '2031-01-01 01:31Z';
SELECT is(mdx.detect_gaps((SELECT id FROM inst), '1m', '2031-01-01 01:31Z',
    '2031-01-01 01:31Z', NULL), 1, 'one gap after the deletion');
SELECT results_eq(
    $$SELECT from_time, to_time, missing FROM mdx.gap
      WHERE instrument_id = (SELECT id FROM inst) AND status = 'open'$$,
    $$VALUES ('2031-01-01 01:30Z'::timestamptz, '2031-01-01 01:32Z'::timestamptz, 2::bigint)$$,
    'the widened gap replaces the old one');

-- Nothing before the first or after the last candle is a gap.
DELETE FROM mdx.candle WHERE instrument_id = (SELECT id FROM inst)
AND open_time < '2031-01-01 00:05Z';
SELECT is(mdx.detect_gaps((SELECT id FROM inst), '1m', '2031-01-01 00:00Z',
    '2031-01-01 00:04Z', NULL), 0, 'no gap before the first candle');

SELECT throws_ok($$INSERT INTO mdx.gap (instrument_id, interval, from_time,
    to_time, missing, status) VALUES ((SELECT id FROM inst), '1m',
    '2031-01-02', '2031-01-02 00:01', 1, 'lost')$$, '23514', NULL,
    'an unknown gap status is refused');
SELECT throws_ok($$INSERT INTO mdx.gap (instrument_id, interval, from_time,
    to_time, missing) VALUES ((SELECT id FROM inst), '1m',
    '2031-01-02', '2031-01-02', 1)$$, '23514', NULL,
    'an empty gap is refused');
SELECT throws_ok($$INSERT INTO mdx.rollup_watermark (instrument_id, interval,
    job, source_interval, base_interval, change_seq) VALUES
    ((SELECT id FROM inst), '1h', 'other', '1m', '1m', 0)$$, '23514', NULL,
    'an unknown watermark job is refused');

SELECT * FROM finish();
ROLLBACK;
