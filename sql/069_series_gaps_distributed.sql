-- 069_series_gaps_distributed.sql - mdx.detect_series_gaps() without a
-- temporary table.
--
-- The function of 067 gathered the gaps found in a temporary table and
-- brought mdx.series_gap in line with it.  Citus takes no statement that
-- changes a distributed table from a local one, so on Citus every
-- mdx-aggregate --db failed there.  The gaps found are now a common table
-- expression of each statement, which PostgreSQL plans as before and
-- Citus computes first and hands to the shards.

CREATE OR REPLACE FUNCTION mdx.detect_series_gaps(p_run bigint)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	WITH found AS (
		SELECT instrument_id, 'funding'::text AS series, interval,
		    from_time
		FROM mdx.funding_gaps
		UNION ALL
		SELECT instrument_id, 'open_interest', interval, from_time
		FROM mdx.open_interest_gaps
	)
	DELETE FROM mdx.series_gap g WHERE NOT EXISTS (SELECT 1
	    FROM found f WHERE f.instrument_id = g.instrument_id
	    AND f.series = g.series AND f.interval = g.interval
	    AND f.from_time = g.from_time);
	INSERT INTO mdx.series_gap AS g (instrument_id, series, interval,
	    from_time, to_time, missing, run_id)
	SELECT instrument_id, 'funding', interval, from_time, to_time,
	    missing, p_run
	FROM mdx.funding_gaps
	UNION ALL
	SELECT instrument_id, 'open_interest', interval, from_time, to_time,
	    missing, p_run
	FROM mdx.open_interest_gaps
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
