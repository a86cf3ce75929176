-- 067_derivatives.sql - derivatives data: mark, index and premium-index
-- candles, funding events and open-interest samples, their gaps, and the
-- friendly views over them (mdx-warehouse(7)).
--
-- Mark, index and premium candles are candles like any other, so they
-- live in mdx.candle and go through the same rollups, gap table, change
-- log and indicators, which all work by instrument_id.  What tells them
-- apart is the instrument: each (exchange, market, symbol) has one row per
-- price it follows, its trade row (price 'trade', the row of today) and,
-- once such candles are loaded, a row for each of mark, index and premium.
-- Nothing of mdx.candle changes.
--
-- Funding events and open-interest samples have tables of their own,
-- partitioned by month like mdx.candle, keyed by the instrument's trade
-- row.

-- ------------------------------------------------------------------------
-- The price an instrument row follows.

ALTER TABLE mdx.instrument ADD COLUMN price text NOT NULL DEFAULT 'trade'
    CONSTRAINT instrument_price_check
    CHECK (price IN ('trade', 'mark', 'index', 'premium'));
ALTER TABLE mdx.instrument
    DROP CONSTRAINT instrument_exchange_market_symbol_key;
ALTER TABLE mdx.instrument ADD CONSTRAINT instrument_names_price_key
    UNIQUE (exchange, market, symbol, price);
COMMENT ON COLUMN mdx.instrument.price IS
    'The price the row''s candles follow: trade (the traded price; the row funding, open interest, depth and instrument metadata belong to), mark, index or premium (the premium index).  An (exchange, market, symbol) has one row per price; mark, index and premium rows carry only the names.';
COMMENT ON TABLE mdx.instrument IS
    'One row per traded instrument (exchange, market, symbol) and price it follows (trade, mark, index, premium); created by mdx-load from the first record that names it and enriched by instrument metadata records (trade rows only).';

-- The views gain the price, as their last column.
CREATE OR REPLACE VIEW mdx.candles AS
SELECT i.exchange, i.market, i.symbol, i.base, i.quote, c.interval,
    c.open_time, c.open_time + mdx.interval_length(c.interval) AS close_time,
    c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trades,
    c.taker_buy_volume, c.taker_buy_quote_volume, c.closed, c.origin,
    c.base_count, c.base_expected, c.instrument_id, c.run_id, c.fetched_at,
    c.updated_at, i.price
FROM mdx.candle c
JOIN mdx.instrument i USING (instrument_id);
COMMENT ON COLUMN mdx.candles.price IS
    'The price the candle follows: trade, mark, index or premium (filter on it: trade candles of today have price trade).';
COMMENT ON VIEW mdx.candles IS
    'Candles with exchange, market and symbol names, price type and close_time; filter by exchange, symbol, price, interval and open_time.';

DO $views$
DECLARE
	v record;
BEGIN
	FOR v IN SELECT * FROM (VALUES ('1m', 'candles_1m'), ('5m', 'candles_5m'),
	    ('15m', 'candles_15m'), ('1h', 'candles_1h'), ('4h', 'candles_4h'),
	    ('1d', 'candles_1d'), ('1w', 'candles_1w'), ('1M', 'candles_1mo'))
	    AS t(code, name)
	LOOP
		EXECUTE format('CREATE OR REPLACE VIEW mdx.%I AS SELECT * FROM '
		    'mdx.candles WHERE interval = %L', v.name, v.code);
		EXECUTE format('COMMENT ON COLUMN mdx.%I.price IS %L', v.name,
		    'The price the candle follows: trade, mark, index or premium.');
	END LOOP;
END
$views$;

CREATE OR REPLACE VIEW mdx.instruments AS
SELECT i.exchange, i.market, m.contract, i.symbol, i.base, i.quote,
    i.tick_size, i.lot_size, i.contract_size, i.status, i.instrument_id,
    i.created_at, i.updated_at, i.price
FROM mdx.instrument i
JOIN mdx.market m USING (exchange, market);
COMMENT ON COLUMN mdx.instruments.price IS
    'trade, mark, index or premium: the price the row''s candles follow.';

CREATE OR REPLACE VIEW mdx.indicators AS
SELECT i.exchange, i.market, i.symbol, x.interval, x.open_time, x.name,
    x.params, x.value, x.instrument_id, x.run_id, x.updated_at, i.price
FROM mdx.indicator x
JOIN mdx.instrument i USING (instrument_id);
COMMENT ON COLUMN mdx.indicators.price IS
    'The price of the candles the indicator was computed on: trade, mark, index or premium.';

-- The mdx interval code of a length, the inverse of
-- mdx.interval_length() for the fixed intervals; NULL for any other length.
CREATE FUNCTION mdx.interval_code(len interval) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT CASE len
	    WHEN interval '1 second' THEN '1s'
	    WHEN interval '1 minute' THEN '1m'
	    WHEN interval '3 minutes' THEN '3m'
	    WHEN interval '5 minutes' THEN '5m'
	    WHEN interval '15 minutes' THEN '15m'
	    WHEN interval '30 minutes' THEN '30m'
	    WHEN interval '1 hour' THEN '1h'
	    WHEN interval '2 hours' THEN '2h'
	    WHEN interval '4 hours' THEN '4h'
	    WHEN interval '6 hours' THEN '6h'
	    WHEN interval '8 hours' THEN '8h'
	    WHEN interval '12 hours' THEN '12h'
	    WHEN interval '1 day' THEN '1d'
	    WHEN interval '3 days' THEN '3d'
	    WHEN interval '7 days' THEN '1w'
	END
$$;
COMMENT ON FUNCTION mdx.interval_code(interval) IS
    'The mdx interval code of a fixed length (8 hours gives 8h); NULL when no code has that length.';

-- ------------------------------------------------------------------------
-- Funding events.

CREATE TABLE mdx.funding (
	instrument_id bigint NOT NULL,
	time timestamptz NOT NULL,
	rate numeric NOT NULL,
	interval text CONSTRAINT funding_interval_check
	    CHECK (interval IN ('1s', '1m', '3m', '5m', '15m', '30m', '1h',
	    '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w')),
	mark_price numeric CONSTRAINT funding_mark_price_check
	    CHECK (mark_price > 0),
	origin text NOT NULL CONSTRAINT funding_origin_check
	    CHECK (origin IN ('exchange', 'archive')),
	fetched_at timestamptz,
	run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (instrument_id, time)
) PARTITION BY RANGE (time);
COMMENT ON TABLE mdx.funding IS
    'Funding events of perpetual contracts, one per instrument and funding time, exact numerics.  Range-partitioned by month of time (mdx.funding_YYYYMM), partitions made by mdx.ensure_series_partitions().';
COMMENT ON COLUMN mdx.funding.instrument_id IS
    'The instrument (mdx.instrument.instrument_id of its trade row; not a foreign key, as for mdx.candle).';
COMMENT ON COLUMN mdx.funding.time IS
    'The funding time: when the payment was settled, UTC.';
COMMENT ON COLUMN mdx.funding.rate IS
    'The funding rate of the event as a fraction (0.0001 is 0.01%), paid by longs to shorts when positive.';
COMMENT ON COLUMN mdx.funding.interval IS
    'The funding interval in force for this event (the length of the funding period ending at time) as an interval code, when the source says it; NULL otherwise (mdx.fundings infers it).';
COMMENT ON COLUMN mdx.funding.mark_price IS
    'The mark price the payment was computed on, when the source gives it.';
COMMENT ON COLUMN mdx.funding.origin IS
    'exchange (REST API) or archive (public-data files).';
COMMENT ON COLUMN mdx.funding.fetched_at IS
    'When mdx fetched the event or read it from an archive.';
COMMENT ON COLUMN mdx.funding.run_id IS
    'The run that last wrote the row (mdx.run).';
COMMENT ON COLUMN mdx.funding.updated_at IS
    'When the row was last inserted or changed.';

-- ------------------------------------------------------------------------
-- Open interest.

CREATE TABLE mdx.open_interest (
	instrument_id bigint NOT NULL,
	period text NOT NULL CONSTRAINT open_interest_period_check
	    CHECK (period IN ('1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h',
	    '4h', '6h', '8h', '12h', '1d', '3d', '1w')),
	time timestamptz NOT NULL,
	open_interest numeric NOT NULL
	    CONSTRAINT open_interest_open_interest_check
	    CHECK (open_interest >= 0),
	open_interest_value numeric
	    CONSTRAINT open_interest_value_check
	    CHECK (open_interest_value >= 0),
	origin text NOT NULL CONSTRAINT open_interest_origin_check
	    CHECK (origin IN ('exchange', 'archive')),
	fetched_at timestamptz,
	run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (instrument_id, period, time)
) PARTITION BY RANGE (time);
COMMENT ON TABLE mdx.open_interest IS
    'Open-interest samples of derivatives, one per instrument, sampling period and time, exact numerics.  Range-partitioned by month of time (mdx.open_interest_YYYYMM), partitions made by mdx.ensure_series_partitions().';
COMMENT ON COLUMN mdx.open_interest.instrument_id IS
    'The instrument (mdx.instrument.instrument_id of its trade row; not a foreign key, as for mdx.candle).';
COMMENT ON COLUMN mdx.open_interest.period IS
    'The sampling period as an interval code (5m, 15m, 30m, 1h, 4h, 1d ...): one sample is expected every period.';
COMMENT ON COLUMN mdx.open_interest.time IS
    'The sample time, UTC.';
COMMENT ON COLUMN mdx.open_interest.open_interest IS
    'The open interest in contracts as the exchange counts them (Binance: base-asset units; see mdx-records(5) per exchange).';
COMMENT ON COLUMN mdx.open_interest.open_interest_value IS
    'The open interest in quote currency, when the exchange gives it.';
COMMENT ON COLUMN mdx.open_interest.origin IS
    'exchange (REST API) or archive (public-data files, Binance metrics).';
COMMENT ON COLUMN mdx.open_interest.fetched_at IS
    'When mdx fetched the sample or read it from an archive.';
COMMENT ON COLUMN mdx.open_interest.run_id IS
    'The run that last wrote the row (mdx.run).';
COMMENT ON COLUMN mdx.open_interest.updated_at IS
    'When the row was last inserted or changed.';

-- Creates the monthly partitions of mdx.funding or mdx.open_interest
-- (p_table 'funding' or 'open_interest', nothing else) that hold
-- [from_time, to_time], as mdx.ensure_candle_partitions() does for
-- mdx.candle: named TABLE_YYYYMM, commented like their parent, and a month
-- another partition already holds is left alone.  SECURITY DEFINER so that
-- mdx_writer, which does not own the tables, can call it.
CREATE FUNCTION mdx.ensure_series_partitions(p_table text,
    from_time timestamptz, to_time timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m timestamp;
	last timestamp;
	part text;
	what text;
	col record;
	made integer := 0;
BEGIN
	IF p_table = 'funding' THEN
		what := 'The funding events of mdx.funding at times in ';
	ELSIF p_table = 'open_interest' THEN
		what := 'The open-interest samples of mdx.open_interest at times in ';
	ELSE
		RAISE EXCEPTION 'mdx.ensure_series_partitions: not funding or open_interest: %',
		    p_table;
	END IF;
	IF from_time IS NULL OR to_time IS NULL THEN
		RETURN 0;
	END IF;
	m := date_trunc('month', from_time AT TIME ZONE 'UTC');
	last := date_trunc('month', to_time AT TIME ZONE 'UTC');
	IF last - m > interval '100 years' THEN
		RAISE EXCEPTION 'mdx.ensure_series_partitions: range too wide: % to %',
		    from_time, to_time;
	END IF;
	WHILE m <= last LOOP
		part := p_table || '_' || to_char(m, 'YYYYMM');
		IF to_regclass('mdx.' || part) IS NULL THEN
			BEGIN
				EXECUTE format('CREATE TABLE mdx.%I PARTITION OF mdx.%I '
				    'FOR VALUES FROM (%L) TO (%L)', part, p_table,
				    (m AT TIME ZONE 'UTC'),
				    ((m + interval '1 month') AT TIME ZONE 'UTC'));
				EXECUTE format('COMMENT ON TABLE mdx.%I IS %L', part,
				    what || to_char(m, 'YYYY-MM') || ' (UTC).');
				FOR col IN SELECT a.attname, d.description
				    FROM pg_attribute a
				    JOIN pg_description d ON d.objoid = a.attrelid
					AND d.classoid = 'pg_class'::regclass
					AND d.objsubid = a.attnum
				    WHERE a.attrelid = ('mdx.' || p_table)::regclass
					AND a.attnum > 0
				LOOP
					EXECUTE format('COMMENT ON COLUMN mdx.%I.%I IS %L',
					    part, col.attname, col.description);
				END LOOP;
				made := made + 1;
			EXCEPTION
				WHEN duplicate_table THEN
					NULL;
				WHEN invalid_object_definition THEN
					NULL;
			END;
		END IF;
		m := m + interval '1 month';
	END LOOP;
	RETURN made;
END
$$;
COMMENT ON FUNCTION mdx.ensure_series_partitions(text, timestamptz, timestamptz) IS
    'Creates the missing monthly partitions mdx.funding_YYYYMM or mdx.open_interest_YYYYMM (p_table funding or open_interest) for times from from_time to to_time inclusive, but for months another partition overlaps; returns how many it created.';
REVOKE ALL ON FUNCTION mdx.ensure_series_partitions(text, timestamptz, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mdx.ensure_series_partitions(text, timestamptz, timestamptz)
    TO mdx_writer;

-- ------------------------------------------------------------------------
-- The funding interval in force, and the annualised rate.
--
-- An event's interval in force is its own interval when the source gave
-- it (Binance's archives do; its REST API does not).  Otherwise it is read
-- from the spacing of the events: the time since the event before, when
-- the spacing before that or after it is the same (the schedule held) or
-- when it is the only spacing; else the smaller of those two neighbouring
-- spacings (a spacing that stands out is a missing event, or the first
-- period of a new schedule).  The first event takes the earliest interval
-- given, else the interval in force at the second.

CREATE VIEW mdx.funding_in_force AS
WITH s AS (
	SELECT f.*,
	    lag(f.time) OVER w AS prev_time,
	    f.time - lag(f.time) OVER w AS spacing,
	    first_value(f.interval) OVER (PARTITION BY f.instrument_id
		ORDER BY f.interval IS NULL, f.time ROWS BETWEEN UNBOUNDED
		PRECEDING AND UNBOUNDED FOLLOWING) AS first_known
	FROM mdx.funding f
	WINDOW w AS (PARTITION BY f.instrument_id ORDER BY f.time)
), n AS (
	SELECT s.*,
	    lag(s.spacing) OVER w AS spacing_before,
	    lead(s.spacing) OVER w AS spacing_after
	FROM s
	WINDOW w AS (PARTITION BY s.instrument_id ORDER BY s.time)
), r AS (
	SELECT n.*,
	    CASE WHEN n.spacing IS NULL THEN NULL
		WHEN n.spacing = n.spacing_before OR n.spacing = n.spacing_after
		    OR (n.spacing_before IS NULL AND n.spacing_after IS NULL)
		    THEN n.spacing
		ELSE least(n.spacing_before, n.spacing_after)
	    END AS read_length
	FROM n
), t AS (
	SELECT r.*,
	    coalesce(mdx.interval_length(r.interval), r.read_length,
		mdx.interval_length(r.first_known),
		lead(r.read_length) OVER (PARTITION BY r.instrument_id
		    ORDER BY r.time)) AS length
	FROM r
)
SELECT t.instrument_id, t.time, t.prev_time, t.rate, t.interval,
    mdx.interval_code(t.length) AS interval_in_force,
    t.length AS length_in_force,
    t.mark_price, t.origin, t.fetched_at, t.run_id, t.updated_at
FROM t;
COMMENT ON VIEW mdx.funding_in_force IS
    'mdx.funding with the funding interval in force for every event: its own interval when the source gave it, else read from the spacing of the events (the spacing before the event when a neighbouring spacing agrees, else the smaller neighbouring spacing); see mdx-warehouse(7).';
COMMENT ON COLUMN mdx.funding_in_force.instrument_id IS 'The instrument key (trade row).';
COMMENT ON COLUMN mdx.funding_in_force.time IS 'The funding time.';
COMMENT ON COLUMN mdx.funding_in_force.prev_time IS 'The time of the instrument''s previous event; NULL for the first.';
COMMENT ON COLUMN mdx.funding_in_force.rate IS 'The funding rate.';
COMMENT ON COLUMN mdx.funding_in_force.interval IS 'The interval the source gave, or NULL.';
COMMENT ON COLUMN mdx.funding_in_force.interval_in_force IS 'The funding interval in force for the event, as an interval code; NULL when it cannot be told or no code has its length.';
COMMENT ON COLUMN mdx.funding_in_force.length_in_force IS 'The funding interval in force as an SQL interval; NULL when it cannot be told.';
COMMENT ON COLUMN mdx.funding_in_force.mark_price IS 'The mark price, when given.';
COMMENT ON COLUMN mdx.funding_in_force.origin IS 'exchange or archive.';
COMMENT ON COLUMN mdx.funding_in_force.fetched_at IS 'When the event was fetched.';
COMMENT ON COLUMN mdx.funding_in_force.run_id IS 'The run that last wrote the row.';
COMMENT ON COLUMN mdx.funding_in_force.updated_at IS 'When the row last changed.';

CREATE VIEW mdx.fundings AS
SELECT i.exchange, i.market, i.symbol, f.time, f.rate, f.interval,
    f.interval_in_force,
    f.rate * 31536000 / extract(epoch FROM f.length_in_force)
	AS annualised_rate,
    365 * 86400 / extract(epoch FROM f.length_in_force) AS events_per_year,
    f.mark_price, f.origin, f.fetched_at, f.instrument_id, f.run_id,
    f.updated_at
FROM mdx.funding_in_force f
JOIN mdx.instrument i USING (instrument_id);
COMMENT ON VIEW mdx.fundings IS
    'Funding events with names, the interval in force and the annualised rate (the rate times the events of a 365-day year at that interval: 1095 at 8h, 2190 at 4h).';
COMMENT ON COLUMN mdx.fundings.exchange IS 'The exchange code.';
COMMENT ON COLUMN mdx.fundings.market IS 'The market code.';
COMMENT ON COLUMN mdx.fundings.symbol IS 'The exchange''s symbol.';
COMMENT ON COLUMN mdx.fundings.time IS 'The funding time.';
COMMENT ON COLUMN mdx.fundings.rate IS 'The funding rate of the event, a fraction.';
COMMENT ON COLUMN mdx.fundings.interval IS 'The funding interval the source gave, or NULL.';
COMMENT ON COLUMN mdx.fundings.interval_in_force IS 'The funding interval in force (see mdx.funding_in_force).';
COMMENT ON COLUMN mdx.fundings.annualised_rate IS 'rate x events_per_year: the rate over a 365-day year; NULL when the interval in force is not known.';
COMMENT ON COLUMN mdx.fundings.events_per_year IS 'Funding events in a 365-day year at the interval in force.';
COMMENT ON COLUMN mdx.fundings.mark_price IS 'The mark price, when given.';
COMMENT ON COLUMN mdx.fundings.origin IS 'exchange or archive.';
COMMENT ON COLUMN mdx.fundings.fetched_at IS 'When the event was fetched.';
COMMENT ON COLUMN mdx.fundings.instrument_id IS 'The instrument key (trade row).';
COMMENT ON COLUMN mdx.fundings.run_id IS 'The run that last wrote the row.';
COMMENT ON COLUMN mdx.fundings.updated_at IS 'When the row last changed.';

CREATE VIEW mdx.open_interests AS
SELECT i.exchange, i.market, i.symbol, o.period, o.time, o.open_interest,
    o.open_interest_value,
    o.open_interest - lag(o.open_interest) OVER (PARTITION BY
	o.instrument_id, o.period ORDER BY o.time) AS change,
    o.origin, o.fetched_at, o.instrument_id, o.run_id, o.updated_at
FROM mdx.open_interest o
JOIN mdx.instrument i USING (instrument_id);
COMMENT ON VIEW mdx.open_interests IS
    'Open-interest samples with names and the change since the sample before.';
COMMENT ON COLUMN mdx.open_interests.exchange IS 'The exchange code.';
COMMENT ON COLUMN mdx.open_interests.market IS 'The market code.';
COMMENT ON COLUMN mdx.open_interests.symbol IS 'The exchange''s symbol.';
COMMENT ON COLUMN mdx.open_interests.period IS 'The sampling period.';
COMMENT ON COLUMN mdx.open_interests.time IS 'The sample time.';
COMMENT ON COLUMN mdx.open_interests.open_interest IS 'Open interest in contracts as the exchange counts them.';
COMMENT ON COLUMN mdx.open_interests.open_interest_value IS 'Open interest in quote currency, when given.';
COMMENT ON COLUMN mdx.open_interests.change IS 'open_interest minus that of the previous sample of the same period (NULL for the first).';
COMMENT ON COLUMN mdx.open_interests.origin IS 'exchange or archive.';
COMMENT ON COLUMN mdx.open_interests.fetched_at IS 'When the sample was fetched.';
COMMENT ON COLUMN mdx.open_interests.instrument_id IS 'The instrument key (trade row).';
COMMENT ON COLUMN mdx.open_interests.run_id IS 'The run that last wrote the row.';
COMMENT ON COLUMN mdx.open_interests.updated_at IS 'When the row last changed.';

-- ------------------------------------------------------------------------
-- Mark versus trade, and basis.

CREATE VIEW mdx.mark_vs_trade AS
SELECT t.exchange, t.market, t.symbol, tc.interval, tc.open_time,
    tc.close AS trade_close, mc.close AS mark_close,
    mc.close - tc.close AS difference,
    (mc.close - tc.close) / nullif(tc.close, 0) AS difference_rate
FROM mdx.instrument t
JOIN mdx.instrument m ON m.exchange = t.exchange AND m.market = t.market
    AND m.symbol = t.symbol AND m.price = 'mark'
JOIN mdx.candle tc ON tc.instrument_id = t.instrument_id
JOIN mdx.candle mc ON mc.instrument_id = m.instrument_id
    AND mc.interval = tc.interval AND mc.open_time = tc.open_time
WHERE t.price = 'trade';
COMMENT ON VIEW mdx.mark_vs_trade IS
    'The close of each trade candle beside the close of the mark-price candle of the same instrument, interval and open time.';
COMMENT ON COLUMN mdx.mark_vs_trade.exchange IS 'The exchange code.';
COMMENT ON COLUMN mdx.mark_vs_trade.market IS 'The market code.';
COMMENT ON COLUMN mdx.mark_vs_trade.symbol IS 'The exchange''s symbol.';
COMMENT ON COLUMN mdx.mark_vs_trade.interval IS 'The interval code.';
COMMENT ON COLUMN mdx.mark_vs_trade.open_time IS 'The start of the candles.';
COMMENT ON COLUMN mdx.mark_vs_trade.trade_close IS 'The close of the trade candle.';
COMMENT ON COLUMN mdx.mark_vs_trade.mark_close IS 'The close of the mark-price candle.';
COMMENT ON COLUMN mdx.mark_vs_trade.difference IS 'mark_close - trade_close.';
COMMENT ON COLUMN mdx.mark_vs_trade.difference_rate IS '(mark_close - trade_close) / trade_close.';

CREATE VIEW mdx.basis AS
SELECT x.exchange, x.market, x.symbol, ic.interval, ic.open_time,
    ic.close AS index_close, tc.close AS trade_close, mc.close AS mark_close,
    tc.close - ic.close AS basis,
    (tc.close - ic.close) / nullif(ic.close, 0) AS basis_rate,
    mc.close - ic.close AS mark_basis,
    (mc.close - ic.close) / nullif(ic.close, 0) AS mark_basis_rate
FROM mdx.instrument x
JOIN mdx.candle ic ON ic.instrument_id = x.instrument_id
LEFT JOIN mdx.instrument t ON t.exchange = x.exchange
    AND t.market = x.market AND t.symbol = x.symbol AND t.price = 'trade'
LEFT JOIN mdx.candle tc ON tc.instrument_id = t.instrument_id
    AND tc.interval = ic.interval AND tc.open_time = ic.open_time
LEFT JOIN mdx.instrument m ON m.exchange = x.exchange
    AND m.market = x.market AND m.symbol = x.symbol AND m.price = 'mark'
LEFT JOIN mdx.candle mc ON mc.instrument_id = m.instrument_id
    AND mc.interval = ic.interval AND mc.open_time = ic.open_time
WHERE x.price = 'index';
COMMENT ON VIEW mdx.basis IS
    'The basis of a derivative: the close of its trade and mark candles against the close of its index candle of the same interval and open time, one row per index candle.';
COMMENT ON COLUMN mdx.basis.exchange IS 'The exchange code.';
COMMENT ON COLUMN mdx.basis.market IS 'The market code.';
COMMENT ON COLUMN mdx.basis.symbol IS 'The exchange''s symbol.';
COMMENT ON COLUMN mdx.basis.interval IS 'The interval code.';
COMMENT ON COLUMN mdx.basis.open_time IS 'The start of the candles.';
COMMENT ON COLUMN mdx.basis.index_close IS 'The close of the index candle.';
COMMENT ON COLUMN mdx.basis.trade_close IS 'The close of the trade candle; NULL when there is none.';
COMMENT ON COLUMN mdx.basis.mark_close IS 'The close of the mark-price candle; NULL when there is none.';
COMMENT ON COLUMN mdx.basis.basis IS 'trade_close - index_close.';
COMMENT ON COLUMN mdx.basis.basis_rate IS '(trade_close - index_close) / index_close.';
COMMENT ON COLUMN mdx.basis.mark_basis IS 'mark_close - index_close.';
COMMENT ON COLUMN mdx.basis.mark_basis_rate IS '(mark_close - index_close) / index_close.';

-- ------------------------------------------------------------------------
-- Gaps of funding and open interest.
--
-- A funding gap: between two consecutive events, more time than the
-- intervals in force at both (whichever way a source dates a change of
-- schedule, to the event that opens the new period or to the one that
-- closes it, the spacing at the change is one of the two intervals); the
-- missing events are the ones at the later event's time minus 1, 2 ...
-- of its interval, as many as ceil(spacing / interval) - 1.  So a change
-- of schedule (8h to 4h, or 4h to 8h) is no gap, and an event missing
-- across it is.

CREATE VIEW mdx.funding_gaps AS
SELECT f.instrument_id, f.interval_in_force AS interval,
    f.time - f.length_in_force * n.missing AS from_time, f.time AS to_time,
    n.missing
FROM (SELECT i.*, lag(i.length_in_force) OVER (PARTITION BY
    i.instrument_id ORDER BY i.time) AS prev_length
    FROM mdx.funding_in_force i) f
CROSS JOIN LATERAL (SELECT (ceil(extract(epoch FROM f.time - f.prev_time) /
    extract(epoch FROM f.length_in_force)) - 1)::bigint AS missing) n
WHERE f.prev_time IS NOT NULL AND f.interval_in_force IS NOT NULL
    AND f.time - f.prev_time > f.length_in_force
    AND (f.prev_length IS NULL OR f.time - f.prev_time > f.prev_length);
COMMENT ON VIEW mdx.funding_gaps IS
    'Missing funding events: between two consecutive events more time than the intervals in force at both (mdx.funding_in_force), counted in the later one''s interval; one row per run of missing events.';
COMMENT ON COLUMN mdx.funding_gaps.instrument_id IS 'The instrument key (trade row).';
COMMENT ON COLUMN mdx.funding_gaps.interval IS 'The funding interval in force.';
COMMENT ON COLUMN mdx.funding_gaps.from_time IS 'The time of the first missing event.';
COMMENT ON COLUMN mdx.funding_gaps.to_time IS 'The time of the event after the last missing one (exclusive).';
COMMENT ON COLUMN mdx.funding_gaps.missing IS 'How many events are missing.';

CREATE VIEW mdx.open_interest_gaps AS
SELECT g.instrument_id, g.period AS interval,
    g.prev_time + mdx.interval_length(g.period) AS from_time,
    g.time AS to_time,
    (ceil(extract(epoch FROM g.time - g.prev_time) /
	extract(epoch FROM mdx.interval_length(g.period))) - 1)::bigint
	AS missing
FROM (SELECT o.instrument_id, o.period, o.time,
    lag(o.time) OVER (PARTITION BY o.instrument_id, o.period
	ORDER BY o.time) AS prev_time
    FROM mdx.open_interest o) g
WHERE g.time - g.prev_time > mdx.interval_length(g.period);
COMMENT ON VIEW mdx.open_interest_gaps IS
    'Missing open-interest samples: between two consecutive samples of a period, more time than the period.  One row per run of missing samples.';
COMMENT ON COLUMN mdx.open_interest_gaps.instrument_id IS 'The instrument key (trade row).';
COMMENT ON COLUMN mdx.open_interest_gaps.interval IS 'The sampling period.';
COMMENT ON COLUMN mdx.open_interest_gaps.from_time IS 'The time of the first missing sample (the sample before plus the period).';
COMMENT ON COLUMN mdx.open_interest_gaps.to_time IS 'The time of the sample after the last missing one (exclusive).';
COMMENT ON COLUMN mdx.open_interest_gaps.missing IS 'How many samples are missing.';

CREATE TABLE mdx.series_gap (
	instrument_id bigint NOT NULL,
	series text NOT NULL CONSTRAINT series_gap_series_check
	    CHECK (series IN ('funding', 'open_interest')),
	interval text NOT NULL,
	from_time timestamptz NOT NULL,
	to_time timestamptz NOT NULL,
	missing bigint NOT NULL CONSTRAINT series_gap_missing_check
	    CHECK (missing > 0),
	status text NOT NULL DEFAULT 'open'
	    CONSTRAINT series_gap_status_check
	    CHECK (status IN ('open', 'refetched', 'confirmed_empty')),
	detected_at timestamptz NOT NULL DEFAULT now(),
	refetched_at timestamptz,
	confirmed_at timestamptz,
	run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (instrument_id, series, interval, from_time),
	CONSTRAINT series_gap_check CHECK (to_time > from_time)
);
COMMENT ON TABLE mdx.series_gap IS
    'Missing funding events and open-interest samples (mdx.funding_gaps, mdx.open_interest_gaps), with where the repair stands; kept up to date by mdx.detect_series_gaps(), which mdx-aggregate --db calls.';
COMMENT ON COLUMN mdx.series_gap.instrument_id IS 'The instrument (trade row of mdx.instrument).';
COMMENT ON COLUMN mdx.series_gap.series IS 'funding or open_interest.';
COMMENT ON COLUMN mdx.series_gap.interval IS 'The funding interval in force, or the open-interest period.';
COMMENT ON COLUMN mdx.series_gap.from_time IS 'The time of the first missing event or sample.';
COMMENT ON COLUMN mdx.series_gap.to_time IS 'The time of the event or sample after the last missing one (exclusive).';
COMMENT ON COLUMN mdx.series_gap.missing IS 'How many are missing.';
COMMENT ON COLUMN mdx.series_gap.status IS 'open: found; refetched: handed out for a refetch (mdx-aggregate --gaps --mark); confirmed_empty: still missing after the refetch (--confirm).';
COMMENT ON COLUMN mdx.series_gap.detected_at IS 'When the gap was first found.';
COMMENT ON COLUMN mdx.series_gap.refetched_at IS 'When it was handed out for a refetch.';
COMMENT ON COLUMN mdx.series_gap.confirmed_at IS 'When it was confirmed empty.';
COMMENT ON COLUMN mdx.series_gap.run_id IS 'The run that last changed the row (mdx.run).';
COMMENT ON COLUMN mdx.series_gap.updated_at IS 'When the row last changed.';

-- Brings mdx.series_gap in line with the gaps the data has now: gaps no
-- longer there go, new ones come in as open, and a gap found again (same
-- start) keeps its status.  Returns the number of gaps.
CREATE FUNCTION mdx.detect_series_gaps(p_run bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	CREATE TEMP TABLE IF NOT EXISTS mdx_series_gap_found (
		instrument_id bigint, series text, interval text,
		from_time timestamptz, to_time timestamptz, missing bigint
	) ON COMMIT DROP;
	DELETE FROM mdx_series_gap_found;
	INSERT INTO mdx_series_gap_found
	SELECT instrument_id, 'funding', interval, from_time, to_time, missing
	FROM mdx.funding_gaps
	UNION ALL
	SELECT instrument_id, 'open_interest', interval, from_time, to_time,
	    missing
	FROM mdx.open_interest_gaps;
	DELETE FROM mdx.series_gap g WHERE NOT EXISTS (SELECT 1
	    FROM mdx_series_gap_found f WHERE f.instrument_id = g.instrument_id
	    AND f.series = g.series AND f.interval = g.interval
	    AND f.from_time = g.from_time);
	INSERT INTO mdx.series_gap AS g (instrument_id, series, interval,
	    from_time, to_time, missing, run_id)
	SELECT instrument_id, series, interval, from_time, to_time, missing,
	    p_run
	FROM mdx_series_gap_found
	ON CONFLICT (instrument_id, series, interval, from_time) DO UPDATE
	SET to_time = excluded.to_time, missing = excluded.missing,
	    run_id = excluded.run_id, updated_at = excluded.updated_at
	WHERE (g.to_time, g.missing) IS DISTINCT FROM
	    (excluded.to_time, excluded.missing);
	SELECT count(*) INTO n FROM mdx.series_gap;
	RETURN n;
END
$$;
COMMENT ON FUNCTION mdx.detect_series_gaps(bigint) IS
    'Finds the gaps of every funding and open-interest series again and brings mdx.series_gap in line, keeping the status of gaps found again; returns how many gaps there are.  Called by mdx-aggregate --db.';

CREATE VIEW mdx.series_gaps AS
SELECT i.exchange, i.market, i.symbol, g.series, g.interval, g.from_time,
    g.to_time, g.missing, g.status, g.detected_at, g.refetched_at,
    g.confirmed_at, g.instrument_id, g.run_id, g.updated_at
FROM mdx.series_gap g
JOIN mdx.instrument i USING (instrument_id);
COMMENT ON VIEW mdx.series_gaps IS
    'Gaps of funding and open interest with names.';
COMMENT ON COLUMN mdx.series_gaps.exchange IS 'The exchange code.';
COMMENT ON COLUMN mdx.series_gaps.market IS 'The market code.';
COMMENT ON COLUMN mdx.series_gaps.symbol IS 'The exchange''s symbol.';
COMMENT ON COLUMN mdx.series_gaps.series IS 'funding or open_interest.';
COMMENT ON COLUMN mdx.series_gaps.interval IS 'The funding interval in force or the open-interest period.';
COMMENT ON COLUMN mdx.series_gaps.from_time IS 'The first missing time.';
COMMENT ON COLUMN mdx.series_gaps.to_time IS 'The time after the last missing one.';
COMMENT ON COLUMN mdx.series_gaps.missing IS 'How many are missing.';
COMMENT ON COLUMN mdx.series_gaps.status IS 'open, refetched or confirmed_empty.';
COMMENT ON COLUMN mdx.series_gaps.detected_at IS 'When the gap was first found.';
COMMENT ON COLUMN mdx.series_gaps.refetched_at IS 'When it was handed out for a refetch.';
COMMENT ON COLUMN mdx.series_gaps.confirmed_at IS 'When it was confirmed empty.';
COMMENT ON COLUMN mdx.series_gaps.instrument_id IS 'The instrument key.';
COMMENT ON COLUMN mdx.series_gaps.run_id IS 'The run that last changed the row.';
COMMENT ON COLUMN mdx.series_gaps.updated_at IS 'When the row last changed.';

GRANT SELECT ON mdx.funding, mdx.open_interest, mdx.series_gap
    TO mdx_reader, mdx_writer;
GRANT INSERT, UPDATE, DELETE ON mdx.funding, mdx.open_interest,
    mdx.series_gap TO mdx_writer;
