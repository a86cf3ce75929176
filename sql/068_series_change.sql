-- 068_series_change.sql - a mark for every transaction that changes funding
-- or open interest, so that mdx-aggregate --db finds the gaps of those
-- series again (mdx.detect_series_gaps()) only when they may have changed.
--
-- Row triggers on mdx.funding and mdx.open_interest insert one row per
-- transaction and instrument into mdx.series_change (the transaction's id
-- is in the key, so a transaction never waits on another's mark).  A run
-- that finds the table empty has nothing to do: every mark committed
-- before its snapshot was deleted by an earlier run, in the transaction
-- that then found the gaps again in a later snapshot, one that saw the
-- changes.  A run that finds marks deletes those it sees and finds the
-- gaps again in the same transaction; marks committed meanwhile stay for
-- the next run.  As with the candles' row triggers, TRUNCATE is not
-- logged.  On Citus, which runs no trigger (mdx.citus_distribute() drops
-- them), mdx-aggregate finds the series gaps again on every run.

CREATE TABLE mdx.series_change (
	instrument_id bigint NOT NULL,
	xid bigint NOT NULL,
	PRIMARY KEY (instrument_id, xid)
);
COMMENT ON TABLE mdx.series_change IS
    'Marks of transactions that changed funding or open interest (one row per transaction and instrument), written by row triggers; mdx-aggregate --db deletes them when it finds the gaps of those series again (mdx.detect_series_gaps()), and skips that search while the table is empty.';
COMMENT ON COLUMN mdx.series_change.instrument_id IS
    'The instrument whose funding or open interest changed (0: the mark of this migration).';
COMMENT ON COLUMN mdx.series_change.xid IS
    'The transaction (txid_current()) that changed it.';

CREATE FUNCTION mdx.series_log_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		INSERT INTO mdx.series_change (instrument_id, xid)
		VALUES (OLD.instrument_id, txid_current())
		ON CONFLICT DO NOTHING;
	END IF;
	IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND
	    OLD.instrument_id IS DISTINCT FROM NEW.instrument_id) THEN
		INSERT INTO mdx.series_change (instrument_id, xid)
		VALUES (NEW.instrument_id, txid_current())
		ON CONFLICT DO NOTHING;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION mdx.series_log_row() IS
    'Trigger function: marks in mdx.series_change that the transaction changed the funding or open interest of an instrument.';

-- A warehouse already on Citus has its fact tables distributed, and
-- Citus takes no trigger on those: there mdx-aggregate needs none.
DO $$
BEGIN
	IF to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition
		    WHERE logicalrelid = 'mdx.funding'::regclass) THEN
			RETURN;
		END IF;
	END IF;
	CREATE TRIGGER funding_log AFTER INSERT OR UPDATE OR DELETE
	    ON mdx.funding FOR EACH ROW EXECUTE FUNCTION mdx.series_log_row();
	COMMENT ON TRIGGER funding_log ON mdx.funding IS
	    'Marks changed funding in mdx.series_change for mdx-aggregate --db.';
	CREATE TRIGGER open_interest_log AFTER INSERT OR UPDATE OR DELETE
	    ON mdx.open_interest FOR EACH ROW
	    EXECUTE FUNCTION mdx.series_log_row();
	COMMENT ON TRIGGER open_interest_log ON mdx.open_interest IS
	    'Marks changed open interest in mdx.series_change for mdx-aggregate --db.';
END
$$;

-- Changes made before the triggers were unmarked: the first run after
-- this migration finds the gaps again.
INSERT INTO mdx.series_change (instrument_id, xid) VALUES (0, txid_current());

GRANT SELECT ON mdx.series_change TO mdx_reader, mdx_writer;
GRANT INSERT, DELETE ON mdx.series_change TO mdx_writer;
