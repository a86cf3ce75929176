#!/bin/sh
# sql.t - the pgTAP tests of the warehouse schema, tests/sql/*.sql, against
# a private PostgreSQL migrated by `mdx-load --migrate`.  Each file's TAP
# points are passed on one by one; pg_prove then runs them all as the
# reference harness.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

pg_start
exits 0 "mdx-load --migrate" mdx-load --migrate
sql "CREATE EXTENSION IF NOT EXISTS pgtap SCHEMA public" >/dev/null 2>&1 ||
    bail "the pgtap extension is not installed (run make deps)"

for f in "$MDX_SRC"/tests/sql/*.sql; do
	[ -e "$f" ] || continue
	name=${f##*/}
	psql -X -q -A -t -v ON_ERROR_STOP=1 -f "$f" >"$T/tap" 2>"$T/err"
	st=$?
	plan=
	while IFS= read -r l; do
		case $l in
		"ok "*) _tap_result 0 "$name: ${l#ok * - }" ;;
		"not ok "*) _tap_result 1 "$name: ${l#not ok * - }" ;;
		"1.."*) plan=${l#1..} ;;
		"#"*) echo "$l" ;;
		esac
	done <"$T/tap"
	is "$st" "0" "$name: psql ran it to the end"
	[ "$st" -eq 0 ] || sed 's/^/#   /' "$T/err" | head -5
	ok "[ -n '$plan' ] && [ $(grep -c '^\(not \)\{0,1\}ok ' "$T/tap") -eq '${plan:-0}' ]" \
	    "$name: as many points as planned"
done

ok "pg_prove -q '$MDX_SRC'/tests/sql/*.sql" "pg_prove passes over tests/sql"

done_testing
