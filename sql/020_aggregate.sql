-- 020_aggregate.sql - what mdx-aggregate --db needs besides mdx.candle: a
-- change log of mdx.candle (so that a run costs in proportion to what
-- changed, and late or revised candles re-roll exactly the buckets they
-- touch), watermarks per instrument and interval, and the gap table.
-- mdx-aggregate(1) describes how they are used.

-- ------------------------------------------------------------------------
-- The change log.

CREATE TABLE mdx.candle_change (
	seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	instrument_id bigint NOT NULL,
	interval text NOT NULL,
	from_time timestamptz NOT NULL,
	to_time timestamptz NOT NULL,
	rows integer NOT NULL,
	changed_at timestamptz NOT NULL DEFAULT now(),
	CHECK (to_time >= from_time)
);
COMMENT ON TABLE mdx.candle_change IS
    'The change log of mdx.candle, written by triggers: which candles were inserted, changed or deleted, one row per statement, instrument, interval and hour.  mdx-aggregate --db reads the entries after its watermarks and deletes those every consumer has read.';
COMMENT ON COLUMN mdx.candle_change.seq IS
    'The order of the entries; watermarks (mdx.rollup_watermark.change_seq) point into it.';
COMMENT ON COLUMN mdx.candle_change.instrument_id IS
    'The instrument of the changed candles (mdx.instrument).';
COMMENT ON COLUMN mdx.candle_change.interval IS
    'The interval code of the changed candles.';
COMMENT ON COLUMN mdx.candle_change.from_time IS
    'The earliest open_time changed (inclusive).';
COMMENT ON COLUMN mdx.candle_change.to_time IS
    'The latest open_time changed (inclusive); from_time and to_time are in the same hour.';
COMMENT ON COLUMN mdx.candle_change.rows IS
    'How many candles of that hour the statement changed.';
COMMENT ON COLUMN mdx.candle_change.changed_at IS
    'When the change was made (the time of its transaction).';

CREATE INDEX candle_change_interval_seq ON mdx.candle_change (interval, seq);
COMMENT ON INDEX mdx.candle_change_interval_seq IS
    'Finds the changes of one interval after a watermark.';

-- The statement-level triggers log one entry per instrument, interval and
-- hour of the rows a statement touched, so that a bulk load of a year of
-- minutes costs 8760 log rows per instrument, not 525600.  An update logs
-- only the rows whose values changed: reloading the same data re-rolls
-- nothing.
CREATE FUNCTION mdx.candle_log_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO mdx.candle_change (instrument_id, interval, from_time,
	    to_time, rows)
	SELECT instrument_id, interval, min(open_time), max(open_time), count(*)
	FROM new_rows
	GROUP BY instrument_id, interval,
	    floor(extract(epoch FROM open_time) / 3600);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION mdx.candle_log_insert() IS
    'Trigger function: logs inserted candles in mdx.candle_change.';

CREATE FUNCTION mdx.candle_log_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO mdx.candle_change (instrument_id, interval, from_time,
	    to_time, rows)
	SELECT instrument_id, interval, min(open_time), max(open_time),
	    count(DISTINCT open_time)
	FROM (
		(SELECT instrument_id, interval, open_time, open, high, low,
		    close, volume, quote_volume, trades, taker_buy_volume,
		    taker_buy_quote_volume, closed, origin, base_count,
		    base_expected FROM new_rows
		 EXCEPT
		 SELECT instrument_id, interval, open_time, open, high, low,
		    close, volume, quote_volume, trades, taker_buy_volume,
		    taker_buy_quote_volume, closed, origin, base_count,
		    base_expected FROM old_rows)
		UNION ALL
		(SELECT instrument_id, interval, open_time, open, high, low,
		    close, volume, quote_volume, trades, taker_buy_volume,
		    taker_buy_quote_volume, closed, origin, base_count,
		    base_expected FROM old_rows
		 EXCEPT
		 SELECT instrument_id, interval, open_time, open, high, low,
		    close, volume, quote_volume, trades, taker_buy_volume,
		    taker_buy_quote_volume, closed, origin, base_count,
		    base_expected FROM new_rows)
	) AS changed
	GROUP BY instrument_id, interval,
	    floor(extract(epoch FROM open_time) / 3600);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION mdx.candle_log_update() IS
    'Trigger function: logs candles whose values an update changed in mdx.candle_change (both the old and the new key, should the key change).';

CREATE FUNCTION mdx.candle_log_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO mdx.candle_change (instrument_id, interval, from_time,
	    to_time, rows)
	SELECT instrument_id, interval, min(open_time), max(open_time), count(*)
	FROM old_rows
	GROUP BY instrument_id, interval,
	    floor(extract(epoch FROM open_time) / 3600);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION mdx.candle_log_delete() IS
    'Trigger function: logs deleted candles in mdx.candle_change.';

CREATE TRIGGER candle_log_insert AFTER INSERT ON mdx.candle
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mdx.candle_log_insert();
COMMENT ON TRIGGER candle_log_insert ON mdx.candle IS
    'Logs inserted candles for mdx-aggregate (mdx.candle_change).';
CREATE TRIGGER candle_log_update AFTER UPDATE ON mdx.candle
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mdx.candle_log_update();
COMMENT ON TRIGGER candle_log_update ON mdx.candle IS
    'Logs changed candles for mdx-aggregate (mdx.candle_change).';
CREATE TRIGGER candle_log_delete AFTER DELETE ON mdx.candle
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mdx.candle_log_delete();
COMMENT ON TRIGGER candle_log_delete ON mdx.candle IS
    'Logs deleted candles for mdx-aggregate (mdx.candle_change).';

-- ------------------------------------------------------------------------
-- Watermarks.

CREATE TABLE mdx.rollup_watermark (
	instrument_id bigint NOT NULL
	    REFERENCES mdx.instrument ON DELETE CASCADE,
	interval text NOT NULL CHECK (mdx.interval_length(interval) IS NOT NULL),
	job text NOT NULL CHECK (job IN ('rollup', 'gaps')),
	source_interval text NOT NULL
	    CHECK (mdx.interval_length(source_interval) IS NOT NULL),
	base_interval text NOT NULL
	    CHECK (mdx.interval_length(base_interval) IS NOT NULL),
	change_seq bigint NOT NULL,
	through timestamptz,
	run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (instrument_id, interval, job)
);
COMMENT ON TABLE mdx.rollup_watermark IS
    'How far mdx-aggregate --db has brought each instrument and interval: the rollups of an interval (job rollup) and the gap table of a base interval (job gaps) reflect every change of mdx.candle_change up to change_seq.  Without a row, the next run builds that instrument and interval from scratch.';
COMMENT ON COLUMN mdx.rollup_watermark.instrument_id IS
    'The instrument (mdx.instrument).';
COMMENT ON COLUMN mdx.rollup_watermark.interval IS
    'The rollup interval (job rollup) or the base interval checked for gaps (job gaps).';
COMMENT ON COLUMN mdx.rollup_watermark.job IS
    'rollup: the rollups of interval; gaps: the gap table of interval.';
COMMENT ON COLUMN mdx.rollup_watermark.source_interval IS
    'The interval the job reads: the finest finer interval of the run that divides interval (job rollup), or interval itself (job gaps).';
COMMENT ON COLUMN mdx.rollup_watermark.base_interval IS
    'The base interval of the run, the unit of base_count and base_expected; a run with another base or source starts the instrument from scratch.';
COMMENT ON COLUMN mdx.rollup_watermark.change_seq IS
    'Every entry of mdx.candle_change up to this seq is reflected.';
COMMENT ON COLUMN mdx.rollup_watermark.through IS
    'The newest source open_time the job has seen for the instrument.';
COMMENT ON COLUMN mdx.rollup_watermark.run_id IS
    'The run that last moved the watermark (mdx.run).';
COMMENT ON COLUMN mdx.rollup_watermark.updated_at IS
    'When the watermark last moved.';

-- ------------------------------------------------------------------------
-- Gaps.

CREATE TABLE mdx.gap (
	gap_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	instrument_id bigint NOT NULL
	    REFERENCES mdx.instrument ON DELETE CASCADE,
	interval text NOT NULL CHECK (mdx.interval_length(interval) IS NOT NULL),
	from_time timestamptz NOT NULL,
	to_time timestamptz NOT NULL,
	missing bigint NOT NULL CHECK (missing > 0),
	status text NOT NULL DEFAULT 'open'
	    CHECK (status IN ('open', 'refetched', 'confirmed_empty', 'filled')),
	detected_at timestamptz NOT NULL DEFAULT now(),
	refetched_at timestamptz,
	confirmed_at timestamptz,
	filled_at timestamptz,
	run_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	CHECK (to_time > from_time)
);
COMMENT ON TABLE mdx.gap IS
    'Missing candles of a base interval between the first and the last candle of an instrument, one row per run of consecutive missing open times, with where the repair stands.  Kept up to date by mdx-aggregate --db; see mdx-aggregate(1) for the repair pipeline.';
COMMENT ON COLUMN mdx.gap.gap_id IS
    'Surrogate key.';
COMMENT ON COLUMN mdx.gap.instrument_id IS
    'The instrument (mdx.instrument).';
COMMENT ON COLUMN mdx.gap.interval IS
    'The interval of the missing candles (the base interval of the runs).';
COMMENT ON COLUMN mdx.gap.from_time IS
    'The open time of the first missing candle.';
COMMENT ON COLUMN mdx.gap.to_time IS
    'The open time just after the last missing candle (exclusive): the open time of the next candle present.';
COMMENT ON COLUMN mdx.gap.missing IS
    'How many candles are missing: (to_time - from_time) / interval.';
COMMENT ON COLUMN mdx.gap.status IS
    'open: found, not yet asked for again; refetched: printed with --gaps --mark for a refetch; confirmed_empty: still missing after the refetch (mdx-aggregate --confirm), the exchange has no candle there; filled: synthetic candles (origin filled) were written by --fill.';
COMMENT ON COLUMN mdx.gap.detected_at IS
    'When the gap was first found.';
COMMENT ON COLUMN mdx.gap.refetched_at IS
    'When it was handed out for a refetch (--gaps --mark).';
COMMENT ON COLUMN mdx.gap.confirmed_at IS
    'When it was confirmed empty (--confirm).';
COMMENT ON COLUMN mdx.gap.filled_at IS
    'When synthetic candles were written for it (--fill).';
COMMENT ON COLUMN mdx.gap.run_id IS
    'The run that last changed the row (mdx.run).';
COMMENT ON COLUMN mdx.gap.updated_at IS
    'When the row last changed.';

CREATE INDEX gap_instrument ON mdx.gap (instrument_id, interval, from_time);
COMMENT ON INDEX mdx.gap_instrument IS
    'Finds the gaps of an instrument and interval by time.';
CREATE INDEX gap_status ON mdx.gap (status, instrument_id)
    WHERE status <> 'filled';
COMMENT ON INDEX mdx.gap_status IS
    'Finds the gaps still to repair.';

-- Finds the gaps of instruments again around ranges of open times
-- (instrument p_ids[k], from p_los[k] to p_his[k], ranges of one
-- instrument not overlapping), widened to the candles present on either
-- side and to the gaps that overlap them, and replaces the rows of mdx.gap
-- there.  Gaps found again keep the status and times of the gap row that
-- held them; rows with status filled are never touched.  One statement for
-- all ranges: an incremental run must not pay a plan per instrument.
-- Returns the number of gaps now in the ranges.
CREATE FUNCTION mdx.detect_gaps_many(p_interval text, p_ids bigint[],
    p_los timestamptz[], p_his timestamptz[], p_run bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	len interval := mdx.interval_length(p_interval);
	secs numeric := extract(epoch FROM mdx.interval_length(p_interval));
	n bigint;
BEGIN
	WITH d AS MATERIALIZED (
		SELECT r.i,
		    least(coalesce(prev.t, r.lo), g.mn) AS a,
		    greatest(coalesce(nxt.t, r.hi), g.mx) AS b
		FROM unnest(p_ids, p_los, p_his) AS r(i, lo, hi)
		LEFT JOIN LATERAL (SELECT c.open_time AS t FROM mdx.candle c
		    WHERE c.instrument_id = r.i AND c.interval = p_interval
		    AND c.open_time < r.lo ORDER BY c.open_time DESC LIMIT 1)
		    prev ON true
		LEFT JOIN LATERAL (SELECT c.open_time AS t FROM mdx.candle c
		    WHERE c.instrument_id = r.i AND c.interval = p_interval
		    AND c.open_time > r.hi ORDER BY c.open_time LIMIT 1)
		    nxt ON true
		LEFT JOIN LATERAL (SELECT min(x.from_time) AS mn,
		    max(x.to_time) AS mx FROM mdx.gap x
		    WHERE x.instrument_id = r.i AND x.interval = p_interval
		    AND x.status <> 'filled'
		    AND x.from_time <= coalesce(nxt.t, r.hi)
		    AND x.to_time > coalesce(prev.t, r.lo)) g ON true
	), old AS (
		DELETE FROM mdx.gap x USING d
		WHERE x.instrument_id = d.i AND x.interval = p_interval
		    AND x.status <> 'filled' AND x.from_time <= d.b
		    AND x.to_time > d.a
		RETURNING x.*
	), found AS (
		SELECT DISTINCT d.i, y.open_time + len AS f, y.nxt AS t
		FROM d
		CROSS JOIN LATERAL (
			SELECT c.open_time,
			    lead(c.open_time) OVER (ORDER BY c.open_time) AS nxt
			FROM mdx.candle c
			WHERE c.instrument_id = d.i AND c.interval = p_interval
			    AND c.open_time >= d.a AND c.open_time <= d.b
			OFFSET 0
		) y
		WHERE y.nxt > y.open_time + len
	), ins AS (
		INSERT INTO mdx.gap (instrument_id, interval, from_time, to_time,
		    missing, status, detected_at, refetched_at, confirmed_at,
		    run_id)
		SELECT found.i, p_interval, found.f, found.t,
		    round(extract(epoch FROM found.t - found.f) / secs)::bigint,
		    coalesce(o.status, 'open'), coalesce(o.detected_at, now()),
		    o.refetched_at, o.confirmed_at, p_run
		FROM found
		LEFT JOIN LATERAL (
			SELECT * FROM old
			WHERE old.instrument_id = found.i
			    AND old.from_time <= found.f AND found.t <= old.to_time
			ORDER BY old.from_time LIMIT 1
		) o ON true
		RETURNING 1
	)
	SELECT count(*) INTO n FROM ins;
	RETURN n;
END
$$;
COMMENT ON FUNCTION mdx.detect_gaps_many(text, bigint[], timestamptz[], timestamptz[], bigint) IS
    'mdx.detect_gaps() for many instruments and ranges in one statement: finds the gaps again around each range (instrument ids[k], open times los[k] to his[k]) and replaces the rows of mdx.gap there, keeping the status of gaps found again.  Called by mdx-aggregate --db.';

-- One instrument and range: mdx.detect_gaps_many() for one.
CREATE FUNCTION mdx.detect_gaps(p_instrument bigint, p_interval text,
    p_lo timestamptz, p_hi timestamptz, p_run bigint) RETURNS integer
LANGUAGE sql AS $$
	SELECT mdx.detect_gaps_many(p_interval, ARRAY[p_instrument],
	    ARRAY[p_lo], ARRAY[p_hi], p_run)::integer
$$;
COMMENT ON FUNCTION mdx.detect_gaps(bigint, text, timestamptz, timestamptz, bigint) IS
    'Finds the gaps of one instrument and interval again around the open times lo to hi (see mdx.detect_gaps_many); returns how many gaps the range holds.';

GRANT SELECT ON mdx.candle_change, mdx.rollup_watermark, mdx.gap
    TO mdx_reader, mdx_writer;
GRANT INSERT, UPDATE, DELETE ON mdx.candle_change, mdx.rollup_watermark,
    mdx.gap TO mdx_writer;
