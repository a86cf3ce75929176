-- 065_citus.sql - on a Citus coordinator, distributes the warehouse:
-- dimensions and lineage become reference tables (a copy on every node),
-- fact tables are distributed by instrument_id and colocated with
-- mdx.candle, so that everything about one instrument lives on one node.
-- On plain PostgreSQL (no citus extension in the database) it does
-- nothing.  mdx-load --migrate calls mdx.citus_distribute() again after
-- every migration it applied, so tables that later migrations create are
-- distributed the same way.  mdx-warehouse(7), "Running on Citus".

CREATE FUNCTION mdx.citus_distribute() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	t record;
	made integer := 0;
	more boolean := true;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
		RETURN 0;
	END IF;

	-- Distributing a table recreates the views over it, without their
	-- comments: they are kept here and put back at the end.
	CREATE TEMP TABLE IF NOT EXISTS mdx_citus_comment (view text,
	    col text, description text) ON COMMIT DROP;
	INSERT INTO mdx_citus_comment
	SELECT c.relname, a.attname, d.description
	FROM pg_description d
	JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
	JOIN pg_namespace n ON n.oid = c.relnamespace
	LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
	    AND d.objsubid > 0
	WHERE n.nspname = 'mdx' AND c.relkind = 'v';

	-- Citus distributes no table with triggers: ad-hoc SQL logs its
	-- changes with mdx.log_candle_change() there.
	FOR t IN SELECT tg.tgname, tg.tgrelid::regclass AS rel
	    FROM pg_trigger tg
	    JOIN pg_class c ON c.oid = tg.tgrelid
	    JOIN pg_namespace n ON n.oid = c.relnamespace
	    WHERE n.nspname = 'mdx' AND NOT tg.tgisinternal
		AND tg.tgparentid = 0
		AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
		    WHERE p.logicalrelid = c.oid)
	LOOP
		RAISE NOTICE 'mdx.citus_distribute: dropping trigger % on %',
		    t.tgname, t.rel;
		EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
	END LOOP;

	-- Tables without instrument_id, and mdx.instrument itself, become
	-- reference tables, each once the tables it refers to are.  Citus
	-- meanwhile adds a table that refers to a reference table to its
	-- metadata as a local table (partmethod n, not replicated): such a
	-- table is still to be done.
	WHILE more LOOP
		more := false;
		FOR t IN SELECT c.oid::regclass AS rel
		    FROM pg_class c
		    JOIN pg_namespace n ON n.oid = c.relnamespace
		    WHERE n.nspname = 'mdx' AND c.relkind IN ('r', 'p')
			AND NOT c.relispartition
			AND (c.relname = 'instrument' OR NOT EXISTS (SELECT 1
			    FROM pg_attribute a WHERE a.attrelid = c.oid
			    AND a.attname = 'instrument_id'
			    AND NOT a.attisdropped))
			AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
			    WHERE p.logicalrelid = c.oid AND (p.partmethod = 'h'
			    OR p.repmodel = 't'))
			AND NOT EXISTS (SELECT 1 FROM pg_constraint f
			    WHERE f.conrelid = c.oid AND f.contype = 'f'
			    AND f.confrelid <> c.oid
			    AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
				WHERE p.logicalrelid = f.confrelid
				AND p.repmodel = 't'))
		    ORDER BY c.relname
		LOOP
			PERFORM create_reference_table(t.rel);
			made := made + 1;
			more := true;
		END LOOP;
	END LOOP;

	-- The facts: by instrument, all in the colocation group of
	-- mdx.candle.
	IF NOT EXISTS (SELECT 1 FROM pg_dist_partition
	    WHERE logicalrelid = 'mdx.candle'::regclass
	    AND partmethod = 'h') THEN
		PERFORM create_distributed_table('mdx.candle', 'instrument_id');
		made := made + 1;
	END IF;
	FOR t IN SELECT c.oid::regclass AS rel
	    FROM pg_class c
	    JOIN pg_namespace n ON n.oid = c.relnamespace
	    WHERE n.nspname = 'mdx' AND c.relkind IN ('r', 'p')
		AND NOT c.relispartition AND c.relname <> 'instrument'
		AND EXISTS (SELECT 1 FROM pg_attribute a
		    WHERE a.attrelid = c.oid AND a.attname = 'instrument_id'
		    AND NOT a.attisdropped)
		AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
		    WHERE p.logicalrelid = c.oid AND p.partmethod = 'h')
	    ORDER BY c.relname
	LOOP
		PERFORM create_distributed_table(t.rel, 'instrument_id',
		    colocate_with => 'mdx.candle');
		made := made + 1;
	END LOOP;

	FOR t IN SELECT k.view, k.col, k.description FROM mdx_citus_comment k
	LOOP
		IF to_regclass('mdx.' || quote_ident(t.view)) IS NULL THEN
			CONTINUE;
		END IF;
		IF t.col IS NULL THEN
			EXECUTE format('COMMENT ON VIEW mdx.%I IS %L', t.view,
			    t.description);
		ELSE
			EXECUTE format('COMMENT ON COLUMN mdx.%I.%I IS %L',
			    t.view, t.col, t.description);
		END IF;
	END LOOP;
	DELETE FROM mdx_citus_comment;
	RETURN made;
END
$$;
COMMENT ON FUNCTION mdx.citus_distribute() IS
    'On a Citus coordinator: makes the tables of schema mdx without instrument_id (and mdx.instrument) reference tables and distributes the others by instrument_id, colocated with mdx.candle, keeping the comments of the views; returns how many tables it distributed.  Does nothing without the citus extension.  Called by mdx-load --migrate.';

SELECT mdx.citus_distribute();
