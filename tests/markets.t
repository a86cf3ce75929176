#!/bin/sh
# markets.t - the exchanges and markets of lib/market.c are the rows of
# mdx.exchange and mdx.market in a warehouse migrated by `mdx-load
# --migrate`, field for field, no more and no fewer.  sql/001_core.sql
# seeded the rows and does not change: a market added on one side only
# fails here until a migration or lib/market.c adds it on the other.
# Only the seeded rows count: mdx-load adds unseeded ones for the
# exchanges and markets of imported records (sql/063).
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

LIST=$MDX_BUILD/tests/test-market

pg_start
exits 0 "mdx-load --migrate" mdx-load --migrate

for t in exchanges markets; do
	"$LIST" "$t" >"$T/c" || bail "test-market $t failed"
	case $t in
	exchanges)
		q="SELECT exchange, name, url FROM mdx.exchange
		    WHERE seeded" ;;
	markets)
		q="SELECT exchange, market, contract, description
		    FROM mdx.market WHERE seeded" ;;
	esac
	# psql prints a NULL as nothing: a NULL url would show as an empty
	# field, which lib/market.c never has.
	sql "$q" >"$T/db" || bail "cannot read mdx.$t"
	LC_ALL=C sort "$T/c" >"$T/c.sorted"
	LC_ALL=C sort "$T/db" >"$T/db.sorted"
	ok "[ -s '$T/c.sorted' ]" "lib/market.c lists $t"
	files_eq "$T/c.sorted" "$T/db.sorted" \
	    "the $t of lib/market.c are those of the warehouse"
done

done_testing
