-- 066_trades.sql - candles built from trades, and the trades themselves.
--
-- mdx-aggregate --from-trades writes candles with origin 'trades'; they
-- load into mdx.candle like any candle, so its origin check takes the new
-- origin.  Trades are kept in the lake; those of the instruments the
-- watchlist asks for are loaded into mdx.trade, partitioned by day (a
-- day of one busy symbol is millions of rows, where its candles are 1440),
-- so that pipelines/maintain drops whole days past their own retention
-- (MDX_DB_TRADE_RETENTION), apart from the candles'.  The table is ready
-- for Citus: instrument_id is in the primary key, no identity column, no
-- trigger.

ALTER TABLE mdx.candle DROP CONSTRAINT candle_origin_check;
ALTER TABLE mdx.candle ADD CONSTRAINT candle_origin_check
    CHECK (origin IN ('exchange', 'archive', 'rollup', 'filled', 'trades'));
COMMENT ON COLUMN mdx.candle.origin IS
    'exchange (REST), archive (public-data archive), rollup (built by mdx-aggregate from finer candles), filled (a synthetic candle for a confirmed-empty gap) or trades (built by mdx-aggregate --from-trades from trades).';

CREATE TABLE mdx.trade (
	instrument_id bigint NOT NULL,
	time timestamptz NOT NULL,
	trade_id text NOT NULL CHECK (trade_id <> ''),
	first_id bigint CHECK (first_id >= 0),
	last_id bigint,
	price numeric NOT NULL CHECK (price > 0),
	quantity numeric NOT NULL CHECK (quantity > 0),
	quote_quantity numeric CHECK (quote_quantity >= 0),
	side text NOT NULL CHECK (side IN ('buy', 'sell')),
	origin text NOT NULL CHECK (origin IN ('exchange', 'archive')),
	fetched_at timestamptz,
	run_id bigint,
	PRIMARY KEY (instrument_id, time, trade_id),
	CHECK ((first_id IS NULL) = (last_id IS NULL) AND last_id >= first_id)
) PARTITION BY RANGE (time);
COMMENT ON TABLE mdx.trade IS
    'Trades of the instruments the watchlist loads trades for (mdx-watchlist(5)), one row per canonical trade record (mdx-records(5)), exact numerics.  Range-partitioned by UTC day of time (mdx.trade_YYYYMMDD), partitions made by mdx.ensure_trade_partitions() and dropped by pipelines/maintain after MDX_DB_TRADE_RETENTION.';
COMMENT ON COLUMN mdx.trade.instrument_id IS
    'The instrument (mdx.instrument.instrument_id).';
COMMENT ON COLUMN mdx.trade.time IS
    'When the trade happened, to the microsecond (UTC).';
COMMENT ON COLUMN mdx.trade.trade_id IS
    'The exchange''s trade id as text: Binance aggregate trade id, OKX tradeId, Bybit execId, Kraken trade_id.';
COMMENT ON COLUMN mdx.trade.first_id IS
    'Binance aggregates: the first individual trade id of the aggregate; null elsewhere.';
COMMENT ON COLUMN mdx.trade.last_id IS
    'Binance aggregates: the last individual trade id; last_id - first_id + 1 trades make the aggregate.';
COMMENT ON COLUMN mdx.trade.price IS
    'The price, in quote currency per base unit, exact.';
COMMENT ON COLUMN mdx.trade.quantity IS
    'The quantity traded, as the canonical trade gives it.';
COMMENT ON COLUMN mdx.trade.quote_quantity IS
    'price x quantity in quote currency, exact, or as the exchange gave it; null for trades counted in contracts.';
COMMENT ON COLUMN mdx.trade.side IS
    'The taker''s side: buy or sell.';
COMMENT ON COLUMN mdx.trade.origin IS
    'exchange (REST) or archive (public-data archive).';
COMMENT ON COLUMN mdx.trade.fetched_at IS
    'When mdx fetched or read the trade.';
COMMENT ON COLUMN mdx.trade.run_id IS
    'The run (mdx.run) that last wrote the row.';

-- Creates the daily partitions of mdx.trade that hold [from_time,
-- to_time], skipping those that exist or that another partition overlaps
-- (as mdx.ensure_candle_partitions() does for months).  SECURITY DEFINER
-- so that mdx_writer, which does not own mdx.trade, can call it; it only
-- ever creates partitions of mdx.trade named mdx.trade_YYYYMMDD.
CREATE FUNCTION mdx.ensure_trade_partitions(from_time timestamptz,
    to_time timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d timestamp;
	last timestamp;
	part text;
	col record;
	made integer := 0;
BEGIN
	IF from_time IS NULL OR to_time IS NULL THEN
		RETURN 0;
	END IF;
	d := date_trunc('day', from_time AT TIME ZONE 'UTC');
	last := date_trunc('day', to_time AT TIME ZONE 'UTC');
	IF last - d > interval '10 years' THEN
		RAISE EXCEPTION 'mdx.ensure_trade_partitions: range too wide: % to %',
		    from_time, to_time;
	END IF;
	WHILE d <= last LOOP
		part := 'trade_' || to_char(d, 'YYYYMMDD');
		IF to_regclass('mdx.' || part) IS NULL THEN
			BEGIN
				EXECUTE format('CREATE TABLE mdx.%I PARTITION OF mdx.trade '
				    'FOR VALUES FROM (%L) TO (%L)', part,
				    (d AT TIME ZONE 'UTC'),
				    ((d + interval '1 day') AT TIME ZONE 'UTC'));
				EXECUTE format('COMMENT ON TABLE mdx.%I IS %L', part,
				    'The trades of mdx.trade of ' ||
				    to_char(d, 'YYYY-MM-DD') || ' (UTC).');
				FOR col IN SELECT a.attname, dd.description
				    FROM pg_attribute a
				    JOIN pg_description dd ON dd.objoid = a.attrelid
					AND dd.classoid = 'pg_class'::regclass
					AND dd.objsubid = a.attnum
				    WHERE a.attrelid = 'mdx.trade'::regclass
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
		d := d + interval '1 day';
	END LOOP;
	RETURN made;
END
$$;
COMMENT ON FUNCTION mdx.ensure_trade_partitions(timestamptz, timestamptz) IS
    'Creates the missing daily partitions mdx.trade_YYYYMMDD of mdx.trade for times from from_time to to_time inclusive, but for days another partition of mdx.trade overlaps; returns how many it created.';
REVOKE ALL ON FUNCTION mdx.ensure_trade_partitions(timestamptz, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mdx.ensure_trade_partitions(timestamptz, timestamptz)
    TO mdx_writer;

CREATE VIEW mdx.trades AS
SELECT i.exchange, i.market, i.symbol, t.time, t.trade_id, t.first_id,
    t.last_id, t.price, t.quantity, t.quote_quantity, t.side, t.origin,
    t.fetched_at, t.run_id
  FROM mdx.trade t
  JOIN mdx.instrument i ON i.instrument_id = t.instrument_id;
COMMENT ON VIEW mdx.trades IS
    'mdx.trade with the exchange, market and symbol of each instrument.';
COMMENT ON COLUMN mdx.trades.exchange IS 'The exchange code (binance, bybit, okx, kraken).';
COMMENT ON COLUMN mdx.trades.market IS 'The market code (spot, usdm, linear, inverse, swap).';
COMMENT ON COLUMN mdx.trades.symbol IS 'The exchange''s own symbol.';
COMMENT ON COLUMN mdx.trades.time IS 'When the trade happened (UTC).';
COMMENT ON COLUMN mdx.trades.trade_id IS 'The exchange''s trade id.';
COMMENT ON COLUMN mdx.trades.first_id IS 'Binance aggregates: the first trade id.';
COMMENT ON COLUMN mdx.trades.last_id IS 'Binance aggregates: the last trade id.';
COMMENT ON COLUMN mdx.trades.price IS 'The price.';
COMMENT ON COLUMN mdx.trades.quantity IS 'The quantity.';
COMMENT ON COLUMN mdx.trades.quote_quantity IS 'price x quantity, or null.';
COMMENT ON COLUMN mdx.trades.side IS 'The taker''s side.';
COMMENT ON COLUMN mdx.trades.origin IS 'exchange or archive.';
COMMENT ON COLUMN mdx.trades.fetched_at IS 'When mdx fetched it.';
COMMENT ON COLUMN mdx.trades.run_id IS 'The run that last wrote it.';
