-- 064_change_log_per_instrument.sql - a change log ordered per instrument,
-- written by the writers themselves, and a schema Citus can distribute.
--
-- The log of 020 took its order from one identity column and was written
-- by statement triggers with transition tables.  On Citus neither holds:
-- the triggers run per shard (and cannot see the transition tables there),
-- and identity values come from each node's own range, so the order is
-- lost.  Here the order is per instrument: mdx.change_head holds the last
-- sequence number of each instrument, and every transaction that changes
-- candles of an instrument takes the next one for all its entries of that
-- instrument.  The head row stays locked until the transaction ends, so
-- the entries of an instrument commit in the order of their numbers, and
-- what any snapshot sees of an instrument's log is a prefix of it: a
-- reader may take every entry it sees after its watermark, and move the
-- watermark to the highest number it read, without a lock on the log.
--
-- mdx-load and mdx-aggregate write their entries themselves through
-- mdx.log_candle_changes(), in the transaction that writes the candles,
-- and say so by setting mdx.log to 'self' in their sessions.  For other
-- sessions (SQL by hand) row triggers without transition tables log each
-- changed row; Citus runs no such trigger (mdx.citus_distribute() drops
-- them), and there ad-hoc changes call mdx.log_candle_change() themselves
-- (mdx-warehouse(7)).
--
-- Besides, for Citus: the primary key of mdx.gap includes the instrument
-- and loses its identity column, and mdx.detect_gaps_many() runs one
-- statement per instrument, each on one shard.

-- ------------------------------------------------------------------------
-- The heads.

CREATE TABLE mdx.change_head (
	instrument_id bigint NOT NULL PRIMARY KEY,
	seq bigint NOT NULL CHECK (seq >= 0),
	xid bigint NOT NULL
);
COMMENT ON TABLE mdx.change_head IS
    'The last sequence number of the change log (mdx.candle_change) of each instrument, and the transaction that took it; written only by mdx.log_candle_changes().';
COMMENT ON COLUMN mdx.change_head.instrument_id IS
    'The instrument (mdx.instrument.instrument_id).';
COMMENT ON COLUMN mdx.change_head.seq IS
    'The highest sequence number given to a change log entry of the instrument.';
COMMENT ON COLUMN mdx.change_head.xid IS
    'The transaction (txid_current()) that took seq: its later entries of the instrument share the number.';

-- No number handed out so far may come again: every instrument starts
-- above every number of the old log and of the watermarks.
INSERT INTO mdx.change_head (instrument_id, seq, xid)
SELECT i.instrument_id, greatest(
    (SELECT coalesce(max(seq), 0) FROM mdx.candle_change),
    (SELECT coalesce(max(change_seq), 0) FROM mdx.rollup_watermark)), 0
FROM mdx.instrument i;

-- ------------------------------------------------------------------------
-- The log.

DROP TRIGGER candle_log_insert ON mdx.candle;
DROP TRIGGER candle_log_update ON mdx.candle;
DROP TRIGGER candle_log_delete ON mdx.candle;
DROP FUNCTION mdx.candle_log_insert();
DROP FUNCTION mdx.candle_log_update();
DROP FUNCTION mdx.candle_log_delete();

ALTER TABLE mdx.candle_change ALTER COLUMN seq DROP IDENTITY;
ALTER TABLE mdx.candle_change DROP CONSTRAINT candle_change_pkey;
DROP INDEX mdx.candle_change_interval_seq;
ALTER TABLE mdx.candle_change ADD COLUMN hour timestamptz;
UPDATE mdx.candle_change SET hour = to_timestamp(floor(extract(epoch FROM
    from_time) / 3600) * 3600);
ALTER TABLE mdx.candle_change ALTER COLUMN hour SET NOT NULL;
ALTER TABLE mdx.candle_change
    ADD PRIMARY KEY (instrument_id, seq, interval, hour);
CREATE INDEX candle_change_instrument_interval_seq
    ON mdx.candle_change (instrument_id, interval, seq);
COMMENT ON INDEX mdx.candle_change_instrument_interval_seq IS
    'Finds the changes of one instrument and interval after a watermark.';

COMMENT ON TABLE mdx.candle_change IS
    'The change log of mdx.candle: which candles were inserted, changed or deleted, one row per transaction, instrument, interval and hour.  Ordered per instrument by seq; written by mdx-load and mdx-aggregate through mdx.log_candle_changes() and, for other sessions on one node, by row triggers.  mdx-aggregate --db reads the entries after its watermarks and deletes those every consumer has read.';
COMMENT ON COLUMN mdx.candle_change.seq IS
    'The order of the entries of the instrument (all entries of one transaction share it); watermarks (mdx.rollup_watermark.change_seq) point into it.  Numbers of different instruments are not comparable.';
COMMENT ON COLUMN mdx.candle_change.hour IS
    'The hour (UTC) of from_time: the entries of one transaction are merged per hour.';
COMMENT ON COLUMN mdx.candle_change.from_time IS
    'The earliest open_time changed (inclusive).';
COMMENT ON COLUMN mdx.candle_change.to_time IS
    'The latest open_time changed (inclusive); in the hour of from_time, except for an entry made by hand with mdx.log_candle_change().';
COMMENT ON COLUMN mdx.candle_change.rows IS
    'How many candle writes of that hour the transaction logged.';
COMMENT ON COLUMN mdx.candle_change.changed_at IS
    'When the change was first logged (the time of its transaction).';

-- Logs changes of candles: instrument ids[k], interval ivs[k], open times
-- froms[k] to tos[k], rows[k] candles.  The heads of the instruments are
-- taken in instrument order, so that two writers never wait for each other
-- in a circle on them.  The transaction id is read once, here, and handed
-- to the statements as a value: Citus refuses volatile functions in the
-- SET of an upsert.
CREATE FUNCTION mdx.log_candle_changes(p_ids bigint[], p_ivs text[],
    p_froms timestamptz[], p_tos timestamptz[], p_rows integer[])
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	x bigint := txid_current();
	ids bigint[];
	seqs bigint[];
	n integer;
BEGIN
	IF coalesce(cardinality(p_ids), 0) = 0 THEN
		RETURN 0;
	END IF;
	WITH h AS (
		INSERT INTO mdx.change_head AS h (instrument_id, seq, xid)
		SELECT DISTINCT u.i, 1::bigint, x FROM unnest(p_ids) AS u(i)
		ORDER BY 1
		ON CONFLICT (instrument_id) DO UPDATE
		SET seq = CASE WHEN h.xid = excluded.xid THEN h.seq
		    ELSE h.seq + 1 END, xid = excluded.xid
		RETURNING h.instrument_id, h.seq
	)
	SELECT array_agg(h.instrument_id), array_agg(h.seq) INTO ids, seqs
	FROM h;
	INSERT INTO mdx.candle_change AS c (instrument_id, seq, interval, hour,
	    from_time, to_time, rows)
	SELECT u.i, s.seq, u.iv, to_timestamp(floor(extract(epoch FROM u.f)
	    / 3600) * 3600) AS hr, min(u.f), max(u.t), sum(u.n)::integer
	FROM unnest(p_ids, p_ivs, p_froms, p_tos, p_rows) AS u(i, iv, f, t, n)
	JOIN unnest(ids, seqs) AS s(i, seq) ON s.i = u.i
	GROUP BY u.i, s.seq, u.iv, hr
	ON CONFLICT (instrument_id, seq, interval, hour) DO UPDATE
	SET from_time = least(c.from_time, excluded.from_time),
	    to_time = greatest(c.to_time, excluded.to_time),
	    rows = c.rows + excluded.rows;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION mdx.log_candle_changes(bigint[], text[], timestamptz[], timestamptz[], integer[]) IS
    'Logs in mdx.candle_change that candles changed: instrument ids[k], interval ivs[k], open times froms[k] to tos[k], rows[k] candles; the entries of one transaction share the next sequence number of their instrument.  Called by the writers in the transaction that changes the candles; returns the number of entries written or merged.';

CREATE FUNCTION mdx.log_candle_change(p_instrument bigint, p_interval text,
    p_from timestamptz, p_to timestamptz) RETURNS integer
LANGUAGE sql AS $$
	SELECT mdx.log_candle_changes(ARRAY[p_instrument], ARRAY[p_interval],
	    ARRAY[p_from], ARRAY[p_to], ARRAY[1])
$$;
COMMENT ON FUNCTION mdx.log_candle_change(bigint, text, timestamptz, timestamptz) IS
    'Logs that the candles of one instrument and interval from one open time to another (inclusive) were changed by hand, so that mdx-aggregate --db re-rolls them; needed on Citus, where no trigger logs ad-hoc SQL.';

-- A microsecond after a time.  Adding a fixed number of microseconds does
-- not depend on the time zone, so the function is immutable (the
-- operator, which also adds days and months, is only stable): Citus takes
-- only immutable functions in the SET of an upsert, where mdx-load marks
-- a revised row with it.
CREATE FUNCTION mdx.microsecond_after(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT t + interval '1 microsecond' $$;
COMMENT ON FUNCTION mdx.microsecond_after(timestamptz) IS
    'The time one microsecond after t; immutable, for the SET of an upsert on Citus.';

-- The row triggers, for sessions that do not log themselves.
CREATE FUNCTION mdx.candle_log_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		PERFORM mdx.log_candle_changes(ARRAY[OLD.instrument_id],
		    ARRAY[OLD.interval], ARRAY[OLD.open_time],
		    ARRAY[OLD.open_time], ARRAY[1]);
	END IF;
	IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR
	    (OLD.instrument_id, OLD.interval, OLD.open_time) IS DISTINCT FROM
	    (NEW.instrument_id, NEW.interval, NEW.open_time)) THEN
		PERFORM mdx.log_candle_changes(ARRAY[NEW.instrument_id],
		    ARRAY[NEW.interval], ARRAY[NEW.open_time],
		    ARRAY[NEW.open_time], ARRAY[1]);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION mdx.candle_log_row() IS
    'Trigger function: logs an inserted, changed or deleted candle in mdx.candle_change (both keys, should an update change the key).';

CREATE TRIGGER candle_log_insert AFTER INSERT ON mdx.candle
    FOR EACH ROW
    WHEN (current_setting('mdx.log', true) IS DISTINCT FROM 'self')
    EXECUTE FUNCTION mdx.candle_log_row();
COMMENT ON TRIGGER candle_log_insert ON mdx.candle IS
    'Logs inserted candles for mdx-aggregate (mdx.candle_change), unless the session logs itself (mdx.log = self).';
CREATE TRIGGER candle_log_update AFTER UPDATE ON mdx.candle
    FOR EACH ROW
    WHEN (current_setting('mdx.log', true) IS DISTINCT FROM 'self' AND
	(OLD.instrument_id, OLD.interval, OLD.open_time, OLD.open, OLD.high,
	OLD.low, OLD.close, OLD.volume, OLD.quote_volume, OLD.trades,
	OLD.taker_buy_volume, OLD.taker_buy_quote_volume, OLD.closed,
	OLD.origin, OLD.base_count, OLD.base_expected) IS DISTINCT FROM
	(NEW.instrument_id, NEW.interval, NEW.open_time, NEW.open, NEW.high,
	NEW.low, NEW.close, NEW.volume, NEW.quote_volume, NEW.trades,
	NEW.taker_buy_volume, NEW.taker_buy_quote_volume, NEW.closed,
	NEW.origin, NEW.base_count, NEW.base_expected))
    EXECUTE FUNCTION mdx.candle_log_row();
COMMENT ON TRIGGER candle_log_update ON mdx.candle IS
    'Logs candles whose values an update changed (mdx.candle_change), unless the session logs itself (mdx.log = self).';
CREATE TRIGGER candle_log_delete AFTER DELETE ON mdx.candle
    FOR EACH ROW
    WHEN (current_setting('mdx.log', true) IS DISTINCT FROM 'self')
    EXECUTE FUNCTION mdx.candle_log_row();
COMMENT ON TRIGGER candle_log_delete ON mdx.candle IS
    'Logs deleted candles for mdx-aggregate (mdx.candle_change), unless the session logs itself (mdx.log = self).';

-- ------------------------------------------------------------------------
-- Gaps: a key with the instrument, numbers from a plain sequence.

ALTER TABLE mdx.gap ALTER COLUMN gap_id DROP IDENTITY;
CREATE SEQUENCE mdx.gap_id_seq AS bigint OWNED BY mdx.gap.gap_id;
COMMENT ON SEQUENCE mdx.gap_id_seq IS
    'The numbers of mdx.gap rows.';
SELECT setval('mdx.gap_id_seq', coalesce(max(gap_id), 0) + 1, false)
FROM mdx.gap;
ALTER TABLE mdx.gap ALTER COLUMN gap_id SET DEFAULT nextval('mdx.gap_id_seq');
ALTER TABLE mdx.gap DROP CONSTRAINT gap_pkey;
ALTER TABLE mdx.gap ADD PRIMARY KEY (instrument_id, gap_id);
COMMENT ON COLUMN mdx.gap.gap_id IS
    'Surrogate key, unique with the instrument.';

-- One statement per instrument, each with the instrument as a constant:
-- on Citus each runs on the one shard that holds the instrument.
CREATE OR REPLACE FUNCTION mdx.detect_gaps_many(p_interval text,
    p_ids bigint[], p_los timestamptz[], p_his timestamptz[], p_run bigint)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	len interval := mdx.interval_length(p_interval);
	secs numeric := extract(epoch FROM mdx.interval_length(p_interval));
	ts timestamptz := now();
	r record;
	a timestamptz;
	b timestamptz;
	pv timestamptz;
	nx timestamptz;
	mn timestamptz;
	mx timestamptz;
	n bigint := 0;
	k bigint;
BEGIN
	FOR r IN SELECT u.i, u.lo, u.hi
	    FROM unnest(p_ids, p_los, p_his) AS u(i, lo, hi)
	LOOP
		SELECT max(c.open_time) INTO pv FROM mdx.candle c
		WHERE c.instrument_id = r.i AND c.interval = p_interval
		    AND c.open_time < r.lo;
		SELECT min(c.open_time) INTO nx FROM mdx.candle c
		WHERE c.instrument_id = r.i AND c.interval = p_interval
		    AND c.open_time > r.hi;
		SELECT min(x.from_time), max(x.to_time) INTO mn, mx FROM mdx.gap x
		WHERE x.instrument_id = r.i AND x.interval = p_interval
		    AND x.status <> 'filled' AND x.from_time <= coalesce(nx, r.hi)
		    AND x.to_time > coalesce(pv, r.lo);
		a := least(coalesce(pv, r.lo), mn);
		b := greatest(coalesce(nx, r.hi), mx);
		WITH old AS (
			DELETE FROM mdx.gap x
			WHERE x.instrument_id = r.i AND x.interval = p_interval
			    AND x.status <> 'filled' AND x.from_time <= b
			    AND x.to_time > a
			RETURNING x.from_time, x.to_time, x.status,
			    x.detected_at, x.refetched_at, x.confirmed_at
		), found AS (
			SELECT y.open_time + len AS f, y.nxt AS t
			FROM (SELECT c.open_time, lead(c.open_time)
				OVER (ORDER BY c.open_time) AS nxt
			    FROM mdx.candle c
			    WHERE c.instrument_id = r.i
				AND c.interval = p_interval
				AND c.open_time >= a AND c.open_time <= b) y
			WHERE y.nxt > y.open_time + len
		), ins AS (
			INSERT INTO mdx.gap (instrument_id, interval,
			    from_time, to_time, missing, status, detected_at,
			    refetched_at, confirmed_at, run_id, updated_at)
			SELECT DISTINCT ON (found.f) r.i, p_interval, found.f,
			    found.t, round(extract(epoch FROM found.t -
			    found.f) / secs)::bigint,
			    coalesce(o.status, 'open'),
			    coalesce(o.detected_at, ts), o.refetched_at,
			    o.confirmed_at, p_run, ts
			FROM found
			LEFT JOIN old o ON o.from_time <= found.f
			    AND found.t <= o.to_time
			ORDER BY found.f, o.from_time
			RETURNING 1
		)
		SELECT count(*) INTO k FROM ins;
		n := n + k;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION mdx.detect_gaps_many(text, bigint[], timestamptz[], timestamptz[], bigint) IS
    'mdx.detect_gaps() for many instruments and ranges: finds the gaps again around each range (instrument ids[k], open times los[k] to his[k]) and replaces the rows of mdx.gap there, keeping the status of gaps found again; one statement per range, each on one instrument.  Called by mdx-aggregate --db.';

GRANT SELECT ON mdx.change_head TO mdx_reader, mdx_writer;
GRANT INSERT, UPDATE, DELETE ON mdx.change_head TO mdx_writer;
GRANT USAGE, SELECT ON SEQUENCE mdx.gap_id_seq TO mdx_reader, mdx_writer;
