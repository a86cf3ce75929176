#!/bin/sh
# citus-schema.t - the warehouse schema keeps the rules that let Citus
# distribute it (mdx-warehouse(7), "Running on Citus"), checked in the
# catalog of a private PostgreSQL cluster after mdx-load --migrate, for
# every table, constraint, trigger and function of schema mdx, whoever
# added it.  A fact table is a table with an instrument_id column other
# than mdx.instrument; the others are reference tables.  Each check is a
# query listing what breaks the rule; it is first run against tables made
# to break it, so that a check that cannot fail fails here.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

plan 18

pg_start
mdx-load --migrate >/dev/null 2>&1 || bail "migrations failed"

# The relations a check looks at: FACTS (fact tables, partitions left
# out: they inherit the rules of their parent) in schema $1.
facts() {
	echo "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON
	    n.oid = c.relnamespace WHERE n.nspname = '$1'
	    AND c.relkind IN ('r', 'p') AND NOT c.relispartition
	    AND c.relname <> 'instrument' AND EXISTS (SELECT 1
	    FROM pg_attribute a WHERE a.attrelid = c.oid
	    AND a.attname = 'instrument_id' AND NOT a.attisdropped)"
}

# The checks, each a query printing one line per offence in schema $1.
key_check() {	# every primary key and unique constraint has instrument_id
	echo "SELECT conrelid::regclass || ' ' || conname FROM pg_constraint k
	    WHERE k.contype IN ('p', 'u', 'x') AND k.conrelid IN ($(facts "$1"))
	    AND NOT EXISTS (SELECT 1 FROM pg_attribute a
	    WHERE a.attrelid = k.conrelid AND a.attname = 'instrument_id'
	    AND a.attnum = ANY (k.conkey)) ORDER BY 1"
}
index_check() {	# every unique index has instrument_id
	echo "SELECT i.indexrelid::regclass FROM pg_index i
	    WHERE i.indisunique AND i.indrelid IN ($(facts "$1"))
	    AND NOT EXISTS (SELECT 1 FROM pg_attribute a
	    WHERE a.attrelid = i.indrelid AND a.attname = 'instrument_id'
	    AND a.attnum = ANY (i.indkey)) ORDER BY 1"
}
pk_check() {	# every fact table has a primary key
	echo "SELECT c::regclass FROM ($(facts "$1")) AS f(c)
	    WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k
	    WHERE k.conrelid = f.c AND k.contype = 'p') ORDER BY 1"
}
identity_check() {	# no identity column in a fact table
	echo "SELECT attrelid::regclass || '.' || attname FROM pg_attribute
	    WHERE attrelid IN ($(facts "$1")) AND attidentity <> ''
	    AND NOT attisdropped ORDER BY 1"
}
notnull_check() {	# instrument_id is NOT NULL
	echo "SELECT attrelid::regclass FROM pg_attribute
	    WHERE attrelid IN ($(facts "$1")) AND attname = 'instrument_id'
	    AND NOT attnotnull ORDER BY 1"
}
fk_check() {	# a fact table refers to another only through instrument_id
	echo "SELECT conrelid::regclass || ' ' || conname FROM pg_constraint k
	    WHERE k.contype = 'f' AND k.conrelid IN ($(facts "$1"))
	    AND k.confrelid IN ($(facts "$1")) AND NOT EXISTS (
	    SELECT 1 FROM unnest(k.conkey, k.confkey) AS u(a, b)
	    JOIN pg_attribute x ON x.attrelid = k.conrelid AND x.attnum = u.a
	    JOIN pg_attribute y ON y.attrelid = k.confrelid AND y.attnum = u.b
	    WHERE x.attname = 'instrument_id' AND y.attname = 'instrument_id')
	    ORDER BY 1"
}
transition_check() {	# no trigger with transition tables, anywhere
	echo "SELECT tgrelid::regclass || ' ' || tgname FROM pg_trigger t
	    JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n
	    ON n.oid = c.relnamespace WHERE n.nspname = '$1'
	    AND (t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL)
	    ORDER BY 1"
}
statement_check() {	# no statement trigger on a fact table
	echo "SELECT tgrelid::regclass || ' ' || tgname FROM pg_trigger t
	    WHERE t.tgrelid IN ($(facts "$1")) AND NOT t.tgisinternal
	    AND t.tgtype & 1 = 0 ORDER BY 1"
}
upsert_check() {	# no volatile or stable function in a DO UPDATE SET
	echo "SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n
	    ON n.oid = p.pronamespace WHERE n.nspname = '$1'
	    AND EXISTS (SELECT 1 FROM regexp_matches(p.prosrc,
	    'DO\\s+UPDATE\\s+SET(.*?)(;|\\\$\\\$|\\mWHERE\\M|\\mRETURNING\\M)',
	    'gi') AS m WHERE m[1] ~* '(now|clock_timestamp|statement_timestamp|transaction_timestamp|random|nextval|txid_current|timeofday)\\s*\\('
	    OR m[1] ~* 'current_(timestamp|date|time)\\M')
	    ORDER BY 1"
}
comment_check() {	# every table, view and column has a comment
	echo "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n
	    ON n.oid = c.relnamespace WHERE n.nspname = '$1'
	    AND c.relkind IN ('r', 'p', 'v')
	    AND obj_description(c.oid, 'pg_class') IS NULL
	    UNION ALL SELECT c.oid::regclass || '.' || a.attname
	    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	    JOIN pg_namespace n ON n.oid = c.relnamespace
	    WHERE n.nspname = '$1' AND c.relkind IN ('r', 'p', 'v')
	    AND a.attnum > 0 AND NOT a.attisdropped
	    AND col_description(c.oid, a.attnum) IS NULL ORDER BY 1"
}

# ---- the checks can fail: a schema bad in every way.
sql "CREATE SCHEMA bad;
CREATE TABLE bad.instrument (instrument_id bigint PRIMARY KEY);
CREATE TABLE bad.f1 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instrument_id bigint, t timestamptz, UNIQUE (t));
CREATE UNIQUE INDEX f1_t ON bad.f1 (t, id);
CREATE TABLE bad.f2 (instrument_id bigint NOT NULL, x bigint,
    FOREIGN KEY (x) REFERENCES bad.f1 (id));
CREATE FUNCTION bad.log() RETURNS trigger LANGUAGE plpgsql AS
    \$\$BEGIN RETURN NULL; END\$\$;
CREATE TRIGGER tt AFTER INSERT ON bad.f2 REFERENCING NEW TABLE AS n
    FOR EACH STATEMENT EXECUTE FUNCTION bad.log();
CREATE FUNCTION bad.up() RETURNS void LANGUAGE sql AS
    \$\$INSERT INTO bad.f1 (instrument_id, t) VALUES (1, now())
    ON CONFLICT (t) DO UPDATE SET t = now() WHERE bad.f1.t IS NULL\$\$;"
is "$(sql "$(key_check bad)")" "$(printf 'bad.f1 f1_pkey\nbad.f1 f1_t_key')" \
    "the key check finds a primary key and a unique constraint without instrument_id"
is "$(sql "$(index_check bad)")" "$(printf 'bad.f1_pkey\nbad.f1_t_key\nbad.f1_t')" \
    "the index check finds unique indexes without instrument_id"
is "$(sql "$(pk_check bad)")" "bad.f2" \
    "the primary key check finds a fact table without one"
is "$(sql "$(identity_check bad)")" "bad.f1.id" \
    "the identity check finds an identity column"
is "$(sql "$(notnull_check bad)")" "bad.f1" \
    "the NOT NULL check finds a nullable instrument_id"
is "$(sql "$(fk_check bad)")" "bad.f2 f2_x_fkey" \
    "the foreign key check finds a reference between facts without the instrument"
is "$(sql "$(transition_check bad)")" "bad.f2 tt" \
    "the transition table check finds one"
is "$(sql "$(statement_check bad)")" "bad.f2 tt" \
    "the statement trigger check finds one"
is "$(sql "$(upsert_check bad)")" "bad.up()" \
    "the upsert check finds now() in a DO UPDATE SET"
like "$(sql "$(comment_check bad)")" "bad.f1.id" \
    "the comment check finds a column without a comment"
sql "SET client_min_messages TO warning; DROP SCHEMA bad CASCADE"

# ---- the warehouse.
is "$(sql "SELECT count(*) >= 8 FROM ($(facts mdx)) f")" "t" \
    "the fact tables are found (candle, depth, the log, watermarks, gaps, indicators ...)"
is "$(sql "$(key_check mdx)")" "" \
    "every primary key and unique constraint of a fact table includes instrument_id"
is "$(sql "$(index_check mdx)")$(sql "$(pk_check mdx)")$(sql "$(notnull_check mdx)")" "" \
    "every unique index includes instrument_id, every fact table has a primary key and a NOT NULL instrument_id"
is "$(sql "$(identity_check mdx)")" "" \
    "no fact table has an identity column"
is "$(sql "$(fk_check mdx)")" "" \
    "fact tables refer to each other only through instrument_id"
is "$(sql "$(transition_check mdx)")$(sql "$(statement_check mdx)")" "" \
    "no trigger with transition tables, no statement trigger on a fact table"
is "$(sql "$(upsert_check mdx)")" "" \
    "no function of mdx has a volatile or stable function in an upsert's DO UPDATE SET"
is "$(sql "$(comment_check mdx)")" "" \
    "every table, view and column of mdx has a comment"
