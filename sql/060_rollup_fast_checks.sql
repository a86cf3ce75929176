-- 060_rollup_fast_checks.sql - cheaper interval checks on the tables
-- mdx-aggregate --db writes on every run.
--
-- mdx.interval_length() is a STRICT SQL function whose body is a CASE, so
-- the planner cannot inline it, and a check calling it runs a SQL function
-- for every row written.  An incremental run moves three watermarks per
-- instrument, and their three interval checks cost more than writing the
-- rows.  As 002 did for mdx.candle, the checks become plain lists of the
-- same codes; they accept and refuse exactly what they did.

ALTER TABLE mdx.rollup_watermark
    DROP CONSTRAINT rollup_watermark_interval_check,
    DROP CONSTRAINT rollup_watermark_source_interval_check,
    DROP CONSTRAINT rollup_watermark_base_interval_check,
    ADD CONSTRAINT rollup_watermark_interval_check
    CHECK (interval IN ('1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h',
    '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M')),
    ADD CONSTRAINT rollup_watermark_source_interval_check
    CHECK (source_interval IN ('1s', '1m', '3m', '5m', '15m', '30m', '1h',
    '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M')),
    ADD CONSTRAINT rollup_watermark_base_interval_check
    CHECK (base_interval IN ('1s', '1m', '3m', '5m', '15m', '30m', '1h',
    '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'));

ALTER TABLE mdx.gap
    DROP CONSTRAINT gap_interval_check,
    ADD CONSTRAINT gap_interval_check
    CHECK (interval IN ('1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h',
    '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'));
