-- 002_candle_fast_checks.sql - cheaper constraints on mdx.candle, the
-- table every candle is written to.
--
-- The interval check of 001 called mdx.interval_length() for every row
-- written, and the foreign key to mdx.instrument ran a lookup per row:
-- together they more than doubled the time of a bulk load.  The interval
-- check becomes a plain list, and the foreign key goes: instrument ids are
-- made by mdx.instrument and only ever written by mdx programs that take
-- them from there (mdx-load creates an instrument before its candles).
-- mdx.depth keeps its foreign key: snapshots are few.

ALTER TABLE mdx.candle DROP CONSTRAINT candle_interval_check;
ALTER TABLE mdx.candle ADD CONSTRAINT candle_interval_check
    CHECK (interval IN ('1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h',
    '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'));
ALTER TABLE mdx.candle DROP CONSTRAINT candle_instrument_id_fkey;

COMMENT ON COLUMN mdx.candle.instrument_id IS
    'The instrument (mdx.instrument.instrument_id; not a foreign key, for loading speed: writers take it from mdx.instrument).';
