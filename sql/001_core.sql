-- 001_core.sql - the core warehouse: exchanges, markets, instruments,
-- candles (partitioned by month), order book snapshots, lineage (runs and
-- lake objects), the reader and writer roles, and the friendly views.
--
-- Applied by `mdx-load --migrate` inside one transaction; mdx_db_migrate()
-- has already created schema mdx and mdx.schema_migrations.  mdx-warehouse(7)
-- documents every table and view.

CREATE SCHEMA IF NOT EXISTS mdx;

-- Roles are cluster-wide, so several databases (and repeated migrations)
-- share them: create them only when they are missing, and tolerate a
-- concurrent migration of another database creating them first.
DO $roles$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mdx_reader') THEN
		BEGIN
			CREATE ROLE mdx_reader NOLOGIN;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN
			NULL;
		END;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mdx_writer') THEN
		BEGIN
			CREATE ROLE mdx_writer NOLOGIN;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN
			NULL;
		END;
	END IF;
END
$roles$;

COMMENT ON SCHEMA mdx IS 'The mdx market-data warehouse (see mdx-warehouse(7)).';

-- ------------------------------------------------------------------------
-- Dimensions.

CREATE TABLE mdx.exchange (
	exchange text PRIMARY KEY,
	name text NOT NULL,
	url text
);
COMMENT ON TABLE mdx.exchange IS
    'The exchanges mdx knows, one row each.';
COMMENT ON COLUMN mdx.exchange.exchange IS
    'The exchange code used everywhere in mdx: binance, bybit, okx.';
COMMENT ON COLUMN mdx.exchange.name IS
    'The exchange''s display name.';
COMMENT ON COLUMN mdx.exchange.url IS
    'The public REST API base URL of the exchange.';

INSERT INTO mdx.exchange (exchange, name, url) VALUES
    ('binance', 'Binance', 'https://api.binance.com'),
    ('bybit', 'Bybit', 'https://api.bybit.com'),
    ('okx', 'OKX', 'https://www.okx.com');

CREATE TABLE mdx.market (
	exchange text NOT NULL REFERENCES mdx.exchange,
	market text NOT NULL,
	contract text NOT NULL
	    CHECK (contract IN ('spot', 'linear', 'inverse')),
	description text NOT NULL,
	PRIMARY KEY (exchange, market)
);
COMMENT ON TABLE mdx.market IS
    'The markets of each exchange (spot, futures, swaps) mdx knows.';
COMMENT ON COLUMN mdx.market.exchange IS
    'The exchange code (mdx.exchange).';
COMMENT ON COLUMN mdx.market.market IS
    'The market code: binance spot|usdm, bybit spot|linear|inverse, okx spot|swap.';
COMMENT ON COLUMN mdx.market.contract IS
    'spot (base traded for quote), linear (contracts settled in the quote asset) or inverse (contracts settled in the base asset).';
COMMENT ON COLUMN mdx.market.description IS
    'What the market is, in words.';

INSERT INTO mdx.market (exchange, market, contract, description) VALUES
    ('binance', 'spot', 'spot', 'Binance spot'),
    ('binance', 'usdm', 'linear', 'Binance USD-M perpetual and delivery futures'),
    ('bybit', 'spot', 'spot', 'Bybit spot'),
    ('bybit', 'linear', 'linear', 'Bybit USDT and USDC perpetual and futures contracts'),
    ('bybit', 'inverse', 'inverse', 'Bybit inverse (coin-margined) contracts'),
    ('okx', 'spot', 'spot', 'OKX spot'),
    ('okx', 'swap', 'linear', 'OKX perpetual swaps (USDT-margined linear and coin-margined inverse)');

CREATE TABLE mdx.instrument (
	instrument_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	exchange text NOT NULL,
	market text NOT NULL,
	symbol text NOT NULL,
	base text,
	quote text,
	tick_size numeric CHECK (tick_size > 0),
	lot_size numeric CHECK (lot_size > 0),
	contract_size numeric CHECK (contract_size > 0),
	status text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (exchange, market, symbol),
	FOREIGN KEY (exchange, market) REFERENCES mdx.market
);
COMMENT ON TABLE mdx.instrument IS
    'One row per traded instrument (exchange, market, symbol); created by mdx-load from the first record that names it and enriched by instrument metadata records.';
COMMENT ON COLUMN mdx.instrument.instrument_id IS
    'Surrogate key, referenced by the fact tables.';
COMMENT ON COLUMN mdx.instrument.exchange IS
    'The exchange code (mdx.exchange).';
COMMENT ON COLUMN mdx.instrument.market IS
    'The market code (mdx.market).';
COMMENT ON COLUMN mdx.instrument.symbol IS
    'The exchange''s own spelling of the symbol: BTCUSDT, BTC-USDT, BTC-USDT-SWAP.';
COMMENT ON COLUMN mdx.instrument.base IS
    'The base asset (BTC in BTCUSDT); NULL until an instrument record gives it.';
COMMENT ON COLUMN mdx.instrument.quote IS
    'The quote asset (USDT in BTCUSDT); NULL until an instrument record gives it.';
COMMENT ON COLUMN mdx.instrument.tick_size IS
    'The price increment.';
COMMENT ON COLUMN mdx.instrument.lot_size IS
    'The quantity increment, in base units for spot and in contracts for derivatives.';
COMMENT ON COLUMN mdx.instrument.contract_size IS
    'For derivatives: base units per contract (linear) or quote units per contract (inverse); NULL for spot.';
COMMENT ON COLUMN mdx.instrument.status IS
    'The trading status as mdx-transform normalises it: trading, halted, delisted, pending.';
COMMENT ON COLUMN mdx.instrument.created_at IS
    'When the row was created.';
COMMENT ON COLUMN mdx.instrument.updated_at IS
    'When metadata last changed.';

-- ------------------------------------------------------------------------
-- Lineage: the runs of the programs and the lake objects they loaded.

CREATE TABLE mdx.run (
	run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	program text NOT NULL,
	args text,
	version text,
	started_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	status text NOT NULL DEFAULT 'running'
	    CHECK (status IN ('running', 'ok', 'failed')),
	exit_status integer,
	message text,
	counts jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE mdx.run IS
    'One row per invocation of an mdx program that writes to the warehouse, with what it did.';
COMMENT ON COLUMN mdx.run.run_id IS
    'Surrogate key, referenced by the rows a run wrote (run_id columns).';
COMMENT ON COLUMN mdx.run.program IS
    'The program: mdx-load, mdx-aggregate, mdx-indicators.';
COMMENT ON COLUMN mdx.run.args IS
    'The command line arguments, space-separated (never secrets: those come from the environment).';
COMMENT ON COLUMN mdx.run.version IS
    'The mdx version of the program.';
COMMENT ON COLUMN mdx.run.started_at IS
    'When the run started.';
COMMENT ON COLUMN mdx.run.finished_at IS
    'When the run ended; NULL while running, or when the program died without saying.';
COMMENT ON COLUMN mdx.run.status IS
    'running, ok or failed.';
COMMENT ON COLUMN mdx.run.exit_status IS
    'The exit status of the program (0 ok, 65 bad data, 75 temporary failure ...).';
COMMENT ON COLUMN mdx.run.message IS
    'The error message of a failed run.';
COMMENT ON COLUMN mdx.run.counts IS
    'The counts of the run as a JSON object; mdx-load: read, candles, inserted, revised, unchanged, stale, duplicates, depth, instruments, batches.';

CREATE TABLE mdx.lake_object (
	object_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	uri text NOT NULL UNIQUE,
	first_run_id bigint REFERENCES mdx.run,
	last_run_id bigint REFERENCES mdx.run,
	first_loaded_at timestamptz NOT NULL DEFAULT now(),
	last_loaded_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE mdx.lake_object IS
    'The lake objects whose records were loaded into the warehouse.';
COMMENT ON COLUMN mdx.lake_object.object_id IS
    'Surrogate key.';
COMMENT ON COLUMN mdx.lake_object.uri IS
    'The object as mdx-load --object named it: a lake path or s3:// URI.';
COMMENT ON COLUMN mdx.lake_object.first_run_id IS
    'The run that loaded it first.';
COMMENT ON COLUMN mdx.lake_object.last_run_id IS
    'The run that loaded it last.';
COMMENT ON COLUMN mdx.lake_object.first_loaded_at IS
    'When it was first loaded.';
COMMENT ON COLUMN mdx.lake_object.last_loaded_at IS
    'When it was last loaded.';

CREATE TABLE mdx.run_lake_object (
	run_id bigint NOT NULL REFERENCES mdx.run ON DELETE CASCADE,
	object_id bigint NOT NULL REFERENCES mdx.lake_object ON DELETE CASCADE,
	PRIMARY KEY (run_id, object_id)
);
COMMENT ON TABLE mdx.run_lake_object IS
    'Which runs loaded which lake objects (many to many).';
COMMENT ON COLUMN mdx.run_lake_object.run_id IS
    'The run (mdx.run).';
COMMENT ON COLUMN mdx.run_lake_object.object_id IS
    'The lake object (mdx.lake_object).';

-- ------------------------------------------------------------------------
-- Intervals.

-- The length of an mdx interval code as a PostgreSQL interval; NULL for an
-- unknown code.  Immutable, so it can be used in indexes and views.
CREATE FUNCTION mdx.interval_length(code text) RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT CASE code
	    WHEN '1s' THEN interval '1 second'
	    WHEN '1m' THEN interval '1 minute'
	    WHEN '3m' THEN interval '3 minutes'
	    WHEN '5m' THEN interval '5 minutes'
	    WHEN '15m' THEN interval '15 minutes'
	    WHEN '30m' THEN interval '30 minutes'
	    WHEN '1h' THEN interval '1 hour'
	    WHEN '2h' THEN interval '2 hours'
	    WHEN '4h' THEN interval '4 hours'
	    WHEN '6h' THEN interval '6 hours'
	    WHEN '8h' THEN interval '8 hours'
	    WHEN '12h' THEN interval '12 hours'
	    WHEN '1d' THEN interval '1 day'
	    WHEN '3d' THEN interval '3 days'
	    WHEN '1w' THEN interval '7 days'
	    WHEN '1M' THEN interval '1 month'
	END
$$;
COMMENT ON FUNCTION mdx.interval_length(text) IS
    'The length of an mdx interval code (1m, 1h, 1d, 1M ...) as an interval; NULL when the code is unknown.';

-- ------------------------------------------------------------------------
-- Candles: the facts, partitioned by month of open_time.

CREATE TABLE mdx.candle (
	instrument_id bigint NOT NULL REFERENCES mdx.instrument,
	interval text NOT NULL
	    CHECK (mdx.interval_length(interval) IS NOT NULL),
	open_time timestamptz NOT NULL,
	open numeric NOT NULL,
	high numeric NOT NULL,
	low numeric NOT NULL,
	close numeric NOT NULL,
	volume numeric CHECK (volume >= 0),
	quote_volume numeric CHECK (quote_volume >= 0),
	trades bigint CHECK (trades >= 0),
	taker_buy_volume numeric CHECK (taker_buy_volume >= 0),
	taker_buy_quote_volume numeric CHECK (taker_buy_quote_volume >= 0),
	closed boolean NOT NULL,
	origin text NOT NULL
	    CHECK (origin IN ('exchange', 'archive', 'rollup', 'filled')),
	base_count integer CHECK (base_count >= 0),
	base_expected integer CHECK (base_expected > 0),
	fetched_at timestamptz,
	run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (instrument_id, interval, open_time),
	CHECK (high >= open AND high >= close AND low <= open AND low <= close)
) PARTITION BY RANGE (open_time);
COMMENT ON TABLE mdx.candle IS
    'OHLCV candles keyed by (instrument_id, interval, open_time), exact numerics; exchange candles and rollups (origin) alike.  Range-partitioned by month of open_time (mdx.candle_YYYYMM), partitions made by mdx.ensure_candle_partitions().';
COMMENT ON COLUMN mdx.candle.instrument_id IS
    'The instrument (mdx.instrument).';
COMMENT ON COLUMN mdx.candle.interval IS
    'The mdx interval code: 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M.';
COMMENT ON COLUMN mdx.candle.open_time IS
    'The start of the candle, UTC, aligned to the interval.';
COMMENT ON COLUMN mdx.candle.open IS
    'The first trade price.';
COMMENT ON COLUMN mdx.candle.high IS
    'The highest trade price.';
COMMENT ON COLUMN mdx.candle.low IS
    'The lowest trade price.';
COMMENT ON COLUMN mdx.candle.close IS
    'The last trade price.';
COMMENT ON COLUMN mdx.candle.volume IS
    'The traded amount in base-asset units (contracts converted, see mdx-transform(1)); NULL when the exchange does not give it.';
COMMENT ON COLUMN mdx.candle.quote_volume IS
    'The traded amount in quote-asset units; NULL when the exchange does not give it.';
COMMENT ON COLUMN mdx.candle.trades IS
    'The number of trades (Binance only), else NULL.';
COMMENT ON COLUMN mdx.candle.taker_buy_volume IS
    'The part of volume bought by takers, base units (Binance only), else NULL.';
COMMENT ON COLUMN mdx.candle.taker_buy_quote_volume IS
    'The part of quote_volume bought by takers, quote units (Binance only), else NULL.';
COMMENT ON COLUMN mdx.candle.closed IS
    'Whether the candle was final when fetched; an open candle is replaced when its closed version arrives.';
COMMENT ON COLUMN mdx.candle.origin IS
    'Where the row came from: exchange (REST API), archive (public-data files), rollup (built from finer candles), filled (a gap filled by mdx-aggregate).';
COMMENT ON COLUMN mdx.candle.base_count IS
    'Rollups: how many finer candles it was built from; NULL for other origins.';
COMMENT ON COLUMN mdx.candle.base_expected IS
    'Rollups: how many finer candles a complete bucket has; base_count < base_expected means incomplete.';
COMMENT ON COLUMN mdx.candle.fetched_at IS
    'When mdx fetched the candle from the exchange or read it from an archive.';
COMMENT ON COLUMN mdx.candle.run_id IS
    'The run that last wrote the row (mdx.run).';
COMMENT ON COLUMN mdx.candle.updated_at IS
    'When the row was last inserted or changed.';

-- Creates the monthly partitions of mdx.candle that hold [from_time,
-- to_time], skipping those that exist.  SECURITY DEFINER so that mdx_writer,
-- which does not own mdx.candle, can call it; it only ever creates
-- partitions of mdx.candle named mdx.candle_YYYYMM.
CREATE FUNCTION mdx.ensure_candle_partitions(from_time timestamptz,
    to_time timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m timestamp;
	last timestamp;
	part text;
	col record;
	made integer := 0;
BEGIN
	IF from_time IS NULL OR to_time IS NULL THEN
		RETURN 0;
	END IF;
	m := date_trunc('month', from_time AT TIME ZONE 'UTC');
	last := date_trunc('month', to_time AT TIME ZONE 'UTC');
	IF last - m > interval '100 years' THEN
		RAISE EXCEPTION 'mdx.ensure_candle_partitions: range too wide: % to %',
		    from_time, to_time;
	END IF;
	WHILE m <= last LOOP
		part := 'candle_' || to_char(m, 'YYYYMM');
		IF to_regclass('mdx.' || part) IS NULL THEN
			BEGIN
				EXECUTE format('CREATE TABLE mdx.%I PARTITION OF mdx.candle '
				    'FOR VALUES FROM (%L) TO (%L)', part,
				    (m AT TIME ZONE 'UTC'),
				    ((m + interval '1 month') AT TIME ZONE 'UTC'));
				EXECUTE format('COMMENT ON TABLE mdx.%I IS %L', part,
				    'The candles of mdx.candle opening in ' ||
				    to_char(m, 'YYYY-MM') || ' (UTC).');
				FOR col IN SELECT a.attname, d.description
				    FROM pg_attribute a
				    JOIN pg_description d ON d.objoid = a.attrelid
					AND d.classoid = 'pg_class'::regclass
					AND d.objsubid = a.attnum
				    WHERE a.attrelid = 'mdx.candle'::regclass
					AND a.attnum > 0
				LOOP
					EXECUTE format('COMMENT ON COLUMN mdx.%I.%I IS %L',
					    part, col.attname, col.description);
				END LOOP;
				made := made + 1;
			EXCEPTION WHEN duplicate_table THEN
				NULL;
			END;
		END IF;
		m := m + interval '1 month';
	END LOOP;
	RETURN made;
END
$$;
COMMENT ON FUNCTION mdx.ensure_candle_partitions(timestamptz, timestamptz) IS
    'Creates the missing monthly partitions mdx.candle_YYYYMM of mdx.candle for open times from from_time to to_time inclusive; returns how many it created.';

-- ------------------------------------------------------------------------
-- Order book snapshots.

CREATE TABLE mdx.depth (
	instrument_id bigint NOT NULL REFERENCES mdx.instrument,
	time timestamptz NOT NULL,
	bids jsonb NOT NULL CHECK (jsonb_typeof(bids) = 'array'),
	asks jsonb NOT NULL CHECK (jsonb_typeof(asks) = 'array'),
	update_id bigint,
	best_bid numeric GENERATED ALWAYS AS ((bids -> 0 ->> 0)::numeric) STORED,
	best_ask numeric GENERATED ALWAYS AS ((asks -> 0 ->> 0)::numeric) STORED,
	run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (instrument_id, time)
);
COMMENT ON TABLE mdx.depth IS
    'Order book snapshots: the price levels of one instrument at one time.';
COMMENT ON COLUMN mdx.depth.instrument_id IS
    'The instrument (mdx.instrument).';
COMMENT ON COLUMN mdx.depth.time IS
    'The snapshot time: the exchange''s timestamp, else the fetch time.';
COMMENT ON COLUMN mdx.depth.bids IS
    'The bid levels, best first, as a JSON array of ["price","quantity"] decimal strings (quantity in the exchange''s unit).';
COMMENT ON COLUMN mdx.depth.asks IS
    'The ask levels, best first, as a JSON array of ["price","quantity"] decimal strings.';
COMMENT ON COLUMN mdx.depth.update_id IS
    'The exchange''s order book sequence number (Binance lastUpdateId, Bybit u, OKX seqId), when given.';
COMMENT ON COLUMN mdx.depth.best_bid IS
    'The highest bid price (computed from bids).';
COMMENT ON COLUMN mdx.depth.best_ask IS
    'The lowest ask price (computed from asks).';
COMMENT ON COLUMN mdx.depth.run_id IS
    'The run that last wrote the row (mdx.run).';
COMMENT ON COLUMN mdx.depth.updated_at IS
    'When the row was last inserted or changed.';

-- ------------------------------------------------------------------------
-- Friendly views.

CREATE VIEW mdx.candles AS
SELECT i.exchange, i.market, i.symbol, i.base, i.quote, c.interval,
    c.open_time, c.open_time + mdx.interval_length(c.interval) AS close_time,
    c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trades,
    c.taker_buy_volume, c.taker_buy_quote_volume, c.closed, c.origin,
    c.base_count, c.base_expected, c.instrument_id, c.run_id, c.fetched_at,
    c.updated_at
FROM mdx.candle c
JOIN mdx.instrument i USING (instrument_id);
COMMENT ON VIEW mdx.candles IS
    'Candles with exchange, market and symbol names and close_time; filter by exchange, symbol, interval and open_time.';
COMMENT ON COLUMN mdx.candles.exchange IS 'The exchange code.';
COMMENT ON COLUMN mdx.candles.market IS 'The market code.';
COMMENT ON COLUMN mdx.candles.symbol IS 'The exchange''s symbol.';
COMMENT ON COLUMN mdx.candles.base IS 'The base asset, when known.';
COMMENT ON COLUMN mdx.candles.quote IS 'The quote asset, when known.';
COMMENT ON COLUMN mdx.candles.interval IS 'The interval code.';
COMMENT ON COLUMN mdx.candles.open_time IS 'The start of the candle (inclusive).';
COMMENT ON COLUMN mdx.candles.close_time IS 'The end of the candle (exclusive): open_time plus the interval.';
COMMENT ON COLUMN mdx.candles.open IS 'The first trade price.';
COMMENT ON COLUMN mdx.candles.high IS 'The highest trade price.';
COMMENT ON COLUMN mdx.candles.low IS 'The lowest trade price.';
COMMENT ON COLUMN mdx.candles.close IS 'The last trade price.';
COMMENT ON COLUMN mdx.candles.volume IS 'The traded amount in base units.';
COMMENT ON COLUMN mdx.candles.quote_volume IS 'The traded amount in quote units.';
COMMENT ON COLUMN mdx.candles.trades IS 'The number of trades (Binance).';
COMMENT ON COLUMN mdx.candles.taker_buy_volume IS 'Taker buy volume, base units (Binance).';
COMMENT ON COLUMN mdx.candles.taker_buy_quote_volume IS 'Taker buy volume, quote units (Binance).';
COMMENT ON COLUMN mdx.candles.closed IS 'Whether the candle was final when fetched.';
COMMENT ON COLUMN mdx.candles.origin IS 'exchange, archive, rollup or filled.';
COMMENT ON COLUMN mdx.candles.base_count IS 'Rollups: finer candles used.';
COMMENT ON COLUMN mdx.candles.base_expected IS 'Rollups: finer candles in a complete bucket.';
COMMENT ON COLUMN mdx.candles.instrument_id IS 'The instrument key.';
COMMENT ON COLUMN mdx.candles.run_id IS 'The run that last wrote the row.';
COMMENT ON COLUMN mdx.candles.fetched_at IS 'When the candle was fetched.';
COMMENT ON COLUMN mdx.candles.updated_at IS 'When the row last changed.';

-- One view per common interval, with the columns of mdx.candles.  Unquoted
-- names fold to lower case, so the month view is candles_1mo.
DO $views$
DECLARE
	v record;
	col record;
BEGIN
	FOR v IN SELECT * FROM (VALUES ('1m', 'candles_1m'), ('5m', 'candles_5m'),
	    ('15m', 'candles_15m'), ('1h', 'candles_1h'), ('4h', 'candles_4h'),
	    ('1d', 'candles_1d'), ('1w', 'candles_1w'), ('1M', 'candles_1mo'))
	    AS t(code, name)
	LOOP
		EXECUTE format('CREATE VIEW mdx.%I AS SELECT * FROM mdx.candles '
		    'WHERE interval = %L', v.name, v.code);
		EXECUTE format('COMMENT ON VIEW mdx.%I IS %L', v.name,
		    'The ' || v.code || ' candles of mdx.candles, with names.');
		FOR col IN SELECT a.attname, d.description
		    FROM pg_attribute a
		    JOIN pg_description d ON d.objoid = a.attrelid
			AND d.classoid = 'pg_class'::regclass
			AND d.objsubid = a.attnum
		    WHERE a.attrelid = 'mdx.candles'::regclass AND a.attnum > 0
		LOOP
			EXECUTE format('COMMENT ON COLUMN mdx.%I.%I IS %L', v.name,
			    col.attname, col.description);
		END LOOP;
	END LOOP;
END
$views$;

CREATE VIEW mdx.depths AS
SELECT i.exchange, i.market, i.symbol, d.time, d.best_bid, d.best_ask,
    d.best_ask - d.best_bid AS spread,
    (d.best_ask + d.best_bid) / 2 AS mid,
    jsonb_array_length(d.bids) AS bid_levels,
    jsonb_array_length(d.asks) AS ask_levels,
    d.bids, d.asks, d.update_id, d.instrument_id, d.run_id, d.updated_at
FROM mdx.depth d
JOIN mdx.instrument i USING (instrument_id);
COMMENT ON VIEW mdx.depths IS
    'Order book snapshots with names, best prices, spread and mid price.';
COMMENT ON COLUMN mdx.depths.exchange IS 'The exchange code.';
COMMENT ON COLUMN mdx.depths.market IS 'The market code.';
COMMENT ON COLUMN mdx.depths.symbol IS 'The exchange''s symbol.';
COMMENT ON COLUMN mdx.depths.time IS 'The snapshot time.';
COMMENT ON COLUMN mdx.depths.best_bid IS 'The highest bid price.';
COMMENT ON COLUMN mdx.depths.best_ask IS 'The lowest ask price.';
COMMENT ON COLUMN mdx.depths.spread IS 'best_ask - best_bid.';
COMMENT ON COLUMN mdx.depths.mid IS '(best_ask + best_bid) / 2.';
COMMENT ON COLUMN mdx.depths.bid_levels IS 'The number of bid levels.';
COMMENT ON COLUMN mdx.depths.ask_levels IS 'The number of ask levels.';
COMMENT ON COLUMN mdx.depths.bids IS 'The bid levels, best first.';
COMMENT ON COLUMN mdx.depths.asks IS 'The ask levels, best first.';
COMMENT ON COLUMN mdx.depths.update_id IS 'The exchange''s sequence number.';
COMMENT ON COLUMN mdx.depths.instrument_id IS 'The instrument key.';
COMMENT ON COLUMN mdx.depths.run_id IS 'The run that last wrote the row.';
COMMENT ON COLUMN mdx.depths.updated_at IS 'When the row last changed.';

CREATE VIEW mdx.instruments AS
SELECT i.exchange, i.market, m.contract, i.symbol, i.base, i.quote,
    i.tick_size, i.lot_size, i.contract_size, i.status, i.instrument_id,
    i.created_at, i.updated_at
FROM mdx.instrument i
JOIN mdx.market m USING (exchange, market);
COMMENT ON VIEW mdx.instruments IS
    'Instruments with the contract type of their market.';
COMMENT ON COLUMN mdx.instruments.exchange IS 'The exchange code.';
COMMENT ON COLUMN mdx.instruments.market IS 'The market code.';
COMMENT ON COLUMN mdx.instruments.contract IS 'spot, linear or inverse.';
COMMENT ON COLUMN mdx.instruments.symbol IS 'The exchange''s symbol.';
COMMENT ON COLUMN mdx.instruments.base IS 'The base asset.';
COMMENT ON COLUMN mdx.instruments.quote IS 'The quote asset.';
COMMENT ON COLUMN mdx.instruments.tick_size IS 'The price increment.';
COMMENT ON COLUMN mdx.instruments.lot_size IS 'The quantity increment.';
COMMENT ON COLUMN mdx.instruments.contract_size IS 'Units per contract (derivatives).';
COMMENT ON COLUMN mdx.instruments.status IS 'trading, halted, delisted or pending.';
COMMENT ON COLUMN mdx.instruments.instrument_id IS 'The instrument key.';
COMMENT ON COLUMN mdx.instruments.created_at IS 'When the row was created.';
COMMENT ON COLUMN mdx.instruments.updated_at IS 'When metadata last changed.';

CREATE VIEW mdx.runs AS
SELECT r.run_id, r.program, r.status, r.exit_status, r.started_at,
    r.finished_at, r.finished_at - r.started_at AS duration, r.args,
    r.counts, r.message,
    (SELECT count(*) FROM mdx.run_lake_object o WHERE o.run_id = r.run_id)
	AS lake_objects
FROM mdx.run r;
COMMENT ON VIEW mdx.runs IS
    'Runs with their duration and the number of lake objects they loaded, newest last.';
COMMENT ON COLUMN mdx.runs.run_id IS 'The run key.';
COMMENT ON COLUMN mdx.runs.program IS 'The program.';
COMMENT ON COLUMN mdx.runs.status IS 'running, ok or failed.';
COMMENT ON COLUMN mdx.runs.exit_status IS 'The exit status.';
COMMENT ON COLUMN mdx.runs.started_at IS 'When it started.';
COMMENT ON COLUMN mdx.runs.finished_at IS 'When it ended.';
COMMENT ON COLUMN mdx.runs.duration IS 'finished_at - started_at.';
COMMENT ON COLUMN mdx.runs.args IS 'The command line arguments.';
COMMENT ON COLUMN mdx.runs.counts IS 'The counts as JSON.';
COMMENT ON COLUMN mdx.runs.message IS 'The error message of a failed run.';
COMMENT ON COLUMN mdx.runs.lake_objects IS 'How many lake objects it loaded.';

-- ------------------------------------------------------------------------
-- Privileges.  mdx_reader may read everything; mdx_writer may also write
-- and create candle partitions.  Grant them to login roles:
--	GRANT mdx_writer TO etl;  GRANT mdx_reader TO analyst;
-- Later migrations grant on their own objects the same way.

GRANT USAGE ON SCHEMA mdx TO mdx_reader, mdx_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA mdx TO mdx_reader, mdx_writer;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA mdx TO mdx_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA mdx TO mdx_reader, mdx_writer;
REVOKE ALL ON FUNCTION mdx.ensure_candle_partitions(timestamptz, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mdx.ensure_candle_partitions(timestamptz, timestamptz)
    TO mdx_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA mdx
    GRANT SELECT ON TABLES TO mdx_reader, mdx_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA mdx
    GRANT INSERT, UPDATE, DELETE ON TABLES TO mdx_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA mdx
    GRANT USAGE, SELECT ON SEQUENCES TO mdx_reader, mdx_writer;
