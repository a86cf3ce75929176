-- 040_indicators.sql - the indicator values mdx-indicators --db computes,
-- and the saved indicator states its incremental runs resume from.
-- mdx-indicators(1) defines every indicator and its values.

CREATE TABLE mdx.indicator (
	instrument_id bigint NOT NULL REFERENCES mdx.instrument,
	interval text NOT NULL
	    CHECK (mdx.interval_length(interval) IS NOT NULL),
	open_time timestamptz NOT NULL,
	name text NOT NULL,
	params text NOT NULL,
	value jsonb NOT NULL CHECK (jsonb_typeof(value) = 'object'),
	run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (instrument_id, interval, name, params, open_time)
);
COMMENT ON TABLE mdx.indicator IS
    'Technical indicator values, one row per candle and indicator, written by mdx-indicators --db; candles inside an indicator''s lookback have no row.  See mdx-indicators(1).';
COMMENT ON COLUMN mdx.indicator.instrument_id IS
    'The instrument (mdx.instrument) of the candle series.';
COMMENT ON COLUMN mdx.indicator.interval IS
    'The interval code of the candle series (1m, 1h, 1d ...).';
COMMENT ON COLUMN mdx.indicator.open_time IS
    'The open time of the candle the values belong to; they use that candle''s close and everything before it.';
COMMENT ON COLUMN mdx.indicator.name IS
    'The indicator: sma, ema, wma, rsi, macd, bbands, atr, stoch, obv, roc, vwap, stats24h or enigma.';
COMMENT ON COLUMN mdx.indicator.params IS
    'The indicator''s parameters, colon-separated, defaults filled in (rsi: ''14'', macd: ''12:26:9'', bbands: ''20:2:2'', vwap: ''day'' or a candle count; '''' for none).';
COMMENT ON COLUMN mdx.indicator.value IS
    'The values as a JSON object of doubles, as in the NDJSON indicator record: {"rsi": 55.2}, {"macd": 1.5, "signal": 1.2, "hist": 0.3}, {"upper": .., "middle": .., "lower": ..}.';
COMMENT ON COLUMN mdx.indicator.run_id IS
    'The mdx.run of mdx-indicators that last changed the row.';
COMMENT ON COLUMN mdx.indicator.updated_at IS
    'When the row last changed.';

CREATE TABLE mdx.indicator_state (
	instrument_id bigint NOT NULL REFERENCES mdx.instrument,
	interval text NOT NULL
	    CHECK (mdx.interval_length(interval) IS NOT NULL),
	name text NOT NULL,
	params text NOT NULL,
	last_open_time timestamptz NOT NULL,
	filled boolean NOT NULL DEFAULT false,
	state text NOT NULL,
	run_id bigint,
	saved_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (instrument_id, interval, name, params)
);
COMMENT ON TABLE mdx.indicator_state IS
    'The state of each indicator on each candle series after the last candle mdx-indicators --db fed it, so that the next run resumes with the values a full recomputation gives.  Delete a row (or run with --full) to recompute that indicator from the first candle.';
COMMENT ON COLUMN mdx.indicator_state.instrument_id IS
    'The instrument (mdx.instrument) of the candle series.';
COMMENT ON COLUMN mdx.indicator_state.interval IS
    'The interval code of the candle series.';
COMMENT ON COLUMN mdx.indicator_state.name IS
    'The indicator, as in mdx.indicator.name.';
COMMENT ON COLUMN mdx.indicator_state.params IS
    'The parameters, as in mdx.indicator.params.';
COMMENT ON COLUMN mdx.indicator_state.last_open_time IS
    'The open time of the last candle included in the state; the next run starts after it.';
COMMENT ON COLUMN mdx.indicator_state.filled IS
    'Whether the series held candles of origin filled (gap-filled upstream): a remaining gap then does not restart the indicator.';
COMMENT ON COLUMN mdx.indicator_state.state IS
    'The indicator''s internal state as text ("mdx-ta/1 NAME PARAMS|" then its counters and ring buffers, doubles in exact hexadecimal); read only by mdx-indicators.';
COMMENT ON COLUMN mdx.indicator_state.run_id IS
    'The mdx.run that saved the state.';
COMMENT ON COLUMN mdx.indicator_state.saved_at IS
    'When the state was saved; a candle at or before last_open_time updated since then makes the next run recompute the series.';

CREATE VIEW mdx.indicators AS
SELECT i.exchange, i.market, i.symbol, x.interval, x.open_time, x.name,
    x.params, x.value, x.instrument_id, x.run_id, x.updated_at
FROM mdx.indicator x
JOIN mdx.instrument i USING (instrument_id);
COMMENT ON VIEW mdx.indicators IS
    'Indicator values with exchange, market and symbol names; value->>''rsi'' and such give one value (cast to float8).';
COMMENT ON COLUMN mdx.indicators.exchange IS 'The exchange code.';
COMMENT ON COLUMN mdx.indicators.market IS 'The market code.';
COMMENT ON COLUMN mdx.indicators.symbol IS 'The exchange''s symbol.';
COMMENT ON COLUMN mdx.indicators.interval IS 'The interval code.';
COMMENT ON COLUMN mdx.indicators.open_time IS 'The open time of the candle.';
COMMENT ON COLUMN mdx.indicators.name IS 'The indicator.';
COMMENT ON COLUMN mdx.indicators.params IS 'The indicator''s parameters.';
COMMENT ON COLUMN mdx.indicators.value IS 'The values, a JSON object of numbers.';
COMMENT ON COLUMN mdx.indicators.instrument_id IS 'The instrument key.';
COMMENT ON COLUMN mdx.indicators.run_id IS 'The run that last changed the row.';
COMMENT ON COLUMN mdx.indicators.updated_at IS 'When the row last changed.';

GRANT SELECT ON mdx.indicator, mdx.indicator_state, mdx.indicators
    TO mdx_reader, mdx_writer;
GRANT INSERT, UPDATE, DELETE ON mdx.indicator, mdx.indicator_state
    TO mdx_writer;
