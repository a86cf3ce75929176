#!/bin/sh
# migrations.t - the numbering of sql/, and a warehouse that lacks a
# migration numbered below the newest it has: the programs refuse it (exit
# 78, naming the migration) and mdx-load --migrate applies it, against a
# private PostgreSQL cluster.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

G=$MDX_SRC/tests/golden/transform
PGDB=$MDX_BUILD/tests/pg-db
LC_ALL=C
export LC_ALL

# ------------------------------------------------------------------------
# Numbering.  The migrations that landed while numbers went by area keep
# theirs; from 062 on each is the one before plus one, so that no new
# migration can take a number below one a warehouse already has.

landed="001_core 002_candle_fast_checks 020_aggregate 040_indicators
060_rollup_fast_checks 061_partitions_beside_others"

# numbering_errors DIR: one line per file of DIR/*.sql that breaks the
# rule, nothing when the numbering is valid.
numbering_errors() {
	_want=62
	for _f in "$1"/*.sql; do
		[ -e "$_f" ] || continue
		_b=${_f##*/}
		case $_b in
		[0-9][0-9][0-9]_?*.sql) ;;
		*)
			echo "$_b: not NNN_name.sql"
			continue
			;;
		esac
		_n=$(expr "${_b%%_*}" + 0)
		if [ "$_n" -lt 62 ]; then
			case " $(echo $landed) " in
			*" ${_b%.sql} "*) ;;
			*) echo "$_b: below 062 but not a landed migration" ;;
			esac
			continue
		fi
		[ "$_n" -eq "$_want" ] ||
		    printf '%s: should be numbered %03d\n' "$_b" "$_want"
		_want=$((_n + 1))
	done
	for _m in $landed; do
		[ -e "$1/$_m.sql" ] || echo "$_m.sql: landed, now gone"
	done
}

is "$(numbering_errors "$MDX_SRC/sql")" "" "sql/: the numbering is valid"

# The rule bites: each of these directories, the landed migrations and
# the files named, breaks it once.
mkfake() {
	_d=$T/$1
	shift
	mkdir "$_d"
	for _m in $landed; do : >"$_d/$_m.sql"; done
	for _f; do : >"$_d/$_f"; done
}
mkfake ok 062_a.sql 063_b.sql
is "$(numbering_errors "$T/ok")" "" "numbering: 062 then 063 is valid"
mkfake low 003_a.sql 062_b.sql
is "$(numbering_errors "$T/low")" "003_a.sql: below 062 but not a landed migration" \
    "numbering: a new number below 062 fails"
mkfake gap 062_a.sql 064_b.sql
is "$(numbering_errors "$T/gap")" "064_b.sql: should be numbered 063" \
    "numbering: a gap fails"
mkfake dup 062_a.sql 062_b.sql
is "$(numbering_errors "$T/dup")" "062_b.sql: should be numbered 063" \
    "numbering: a repeated number fails"
mkfake redo 002_other.sql
is "$(numbering_errors "$T/redo")" "002_other.sql: below 062 but not a landed migration" \
    "numbering: a second 002 fails"
mkfake short 62_a.sql
is "$(numbering_errors "$T/short")" "62_a.sql: not NNN_name.sql" \
    "numbering: a number not of three digits fails"
rm "$T/ok/061_partitions_beside_others.sql"
is "$(numbering_errors "$T/ok")" \
    "061_partitions_beside_others.sql: landed, now gone" \
    "numbering: a landed migration renamed or removed fails"

# ------------------------------------------------------------------------
# A warehouse without migration 002.

pg_start

# An empty warehouse lacks every migration: the first one is named.
exits 78 "no schema yet: mdx-load refuses, exit 78" \
    mdx-load "$G/okx-klines.ndjson"
like "$(cat "$T/err")" \
    "at version 0 but this mdx needs version [0-9]+, from migration '001_core' on: run 'mdx-load --migrate'" \
    "no schema yet: the first missing migration is named"

exits 0 "--migrate a new warehouse" mdx-load --migrate

# What a build that carried every migration but 002 would have left: 001's
# constraints on mdx.candle (002 replaced the interval check and dropped the
# foreign key) and no row for 002.  The later migrations do not touch
# either.  A future migration numbered below the newest, the case this test
# is about, leaves the same state: its effect absent and its row missing.
sql "BEGIN;
DELETE FROM mdx.schema_migrations WHERE version = 2;
ALTER TABLE mdx.candle DROP CONSTRAINT candle_interval_check;
ALTER TABLE mdx.candle ADD CONSTRAINT candle_interval_check
    CHECK (mdx.interval_length(interval) IS NOT NULL);
ALTER TABLE mdx.candle ADD CONSTRAINT candle_instrument_id_fkey
    FOREIGN KEY (instrument_id) REFERENCES mdx.instrument;
COMMENT ON COLUMN mdx.candle.instrument_id IS
    'The instrument (mdx.instrument).';
COMMIT" || bail "cannot undo migration 002"

fkey() {
	sql "SELECT count(*) FROM pg_constraint
	    WHERE conrelid = 'mdx.candle'::regclass
	    AND conname = 'candle_instrument_id_fkey'"
}
intcheck() {
	sql "SELECT pg_get_constraintdef(oid) FROM pg_constraint
	    WHERE conrelid = 'mdx.candle'::regclass
	    AND conname = 'candle_interval_check'"
}
is "$(fkey)" "1" "without 002: mdx.candle has 001's foreign key"
like "$(intcheck)" "interval_length" "without 002: and 001's interval check"
newest=$(ls "$MDX_SRC"/sql/[0-9][0-9][0-9]_*.sql | tail -1)
newest=${newest##*/}
is "$(sql "SELECT max(version) FROM mdx.schema_migrations")" \
    "$(expr "${newest%%_*}" + 0)" \
    "without 002: the warehouse is still at the newest version"

# Every program checks the set, not the newest number: it refuses to write.
n0=$(sql "SELECT count(*) FROM mdx.run")
exits 78 "without 002: mdx-load refuses, exit 78" \
    mdx-load "$G/okx-klines.ndjson"
like "$(cat "$T/err")" \
    "^mdx-load: the warehouse schema is at version [0-9]+ but lacks migration '002_candle_fast_checks': run 'mdx-load --migrate'\$" \
    "without 002: the message names it and says what to run"
is "$(sql "SELECT count(*) FROM mdx.run")" "$n0" "without 002: nothing written"
exits 78 "without 002: the library's schema check refuses, exit 78" \
    "$PGDB" check
like "$(cat "$T/err")" "lacks migration '002_candle_fast_checks'" \
    "without 002: the library names it"

# --migrate applies it, though a higher one is there, and says so.
exits 0 "without 002: --migrate, exit 0" mdx-load --migrate
like "$(cat "$T/err")" \
    "^mdx-load: applying migration '002_candle_fast_checks' out of order: the warehouse already has '${newest%.sql}'\$" \
    "without 002: --migrate warns that it applies 002 out of order"
like "$(cat "$T/err")" "applied 1 migration;" "without 002: --migrate applies one"
is "$(sql "SELECT name FROM mdx.schema_migrations WHERE version = 2")" \
    "002_candle_fast_checks" "002 applied: its row is recorded"
is "$(fkey)" "0" "002 applied: the foreign key is gone"
like "$(intcheck)" '^CHECK \(\("?interval"? = ANY \(ARRAY\[' \
    "002 applied: the interval check is a plain list"
like "$(sql "SELECT col_description('mdx.candle'::regclass, attnum)
    FROM pg_attribute WHERE attrelid = 'mdx.candle'::regclass
    AND attname = 'instrument_id'")" "not a foreign key" \
    "002 applied: its comment is there"
is "$(sql "SELECT count(*) FROM mdx.schema_migrations")" \
    "$(ls "$MDX_SRC"/sql/[0-9][0-9][0-9]_*.sql | wc -l | tr -d ' ')" \
    "002 applied: one row per built-in migration"

exits 0 "002 applied: the library's schema check passes" "$PGDB" check
exits 0 "002 applied: mdx-load loads" mdx-load "$G/okx-klines.ndjson"
exits 0 "--migrate again: exit 0" mdx-load --migrate
like "$(cat "$T/err")" "applied 0 migrations" "--migrate again: nothing to do"

# A migration this build does not know, below its newest: another build
# migrated the warehouse, and neither a check nor a migrate can fix that.
sql "INSERT INTO mdx.schema_migrations (version, name)
    VALUES (3, '003_from_elsewhere')"
exits 78 "an unknown lower migration: mdx-load refuses, exit 78" \
    mdx-load "$G/okx-klines.ndjson"
like "$(cat "$T/err")" \
    "the warehouse has migration '003_from_elsewhere', which version [0-9]+ of this mdx does not know: upgrade mdx" \
    "an unknown lower migration: named"
exits 78 "an unknown lower migration: --migrate refuses, exit 78" \
    mdx-load --migrate
like "$(cat "$T/err")" "'003_from_elsewhere'.*upgrade mdx" \
    "an unknown lower migration: --migrate names it"
sql "DELETE FROM mdx.schema_migrations WHERE version = 3"
exits 0 "without it: mdx-load loads again" mdx-load "$G/okx-klines.ndjson"

done_testing
