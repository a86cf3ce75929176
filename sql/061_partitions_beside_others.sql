-- 061_partitions_beside_others.sql - mdx.ensure_candle_partitions() leaves
-- alone a month that another partition of mdx.candle already holds.
--
-- Until now a partition of another name for a month (one made by hand, or
-- a month's partition replaced by the user's own) stopped every writer of
-- that month: the function tried to create mdx.candle_YYYYMM beside it and
-- PostgreSQL refused the overlap.  The candles of such a month go to the
-- partition that holds them, through mdx.candle.  A month only partly
-- held still gets no partition of its own: a candle in the rest of it
-- fails with PostgreSQL's "no partition of relation found for row".

CREATE OR REPLACE FUNCTION mdx.ensure_candle_partitions(from_time timestamptz,
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
			EXCEPTION
				-- Made meanwhile by another session.
				WHEN duplicate_table THEN
					NULL;
				-- The month overlaps a partition of another name:
				-- the only definition error this statement can meet.
				WHEN invalid_object_definition THEN
					NULL;
			END;
		END IF;
		m := m + interval '1 month';
	END LOOP;
	RETURN made;
END
$$;
COMMENT ON FUNCTION mdx.ensure_candle_partitions(timestamptz, timestamptz) IS
    'Creates the missing monthly partitions mdx.candle_YYYYMM of mdx.candle for open times from from_time to to_time inclusive, but for months another partition of mdx.candle overlaps; returns how many it created.';
