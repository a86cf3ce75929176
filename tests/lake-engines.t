#!/bin/sh
# lake-engines.t - the lake as an outside engine reads it as it stands:
# DuckDB (npm @duckdb/node-api) over PREFIX/** with hive_partitioning sees
# every record exactly once, archived days included, and no manifest, and
# reads one kind at a time when kinds with and without an interval share
# the lake;
# lakes of the old layout (manifests beside the data, tar archives) are
# still read, and mdx-lake migrate moves them to the present one.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"
. "$MDX_SRC/tests/lake-data.sh"

[ -d "$MDX_SRC/tests/node/node_modules/@duckdb/node-api" ] ||
    bail "@duckdb/node-api not installed (run make deps)"
duck() { node "$MDX_SRC/tests/duckdb.js" "$@"; }
# duck_count GLOB: the rows DuckDB reads from the files GLOB names.
duck_count() {
	duck "SELECT count(*) FROM read_json('$1',
	    format = 'newline_delimited', hive_partitioning = true)"
}
# The rows per symbol and day, as DuckDB sees them (Hive partitions).
duck_days() {
	duck "SELECT symbol, date::VARCHAR, count(*) FROM read_json('$1',
	    format = 'newline_delimited', hive_partitioning = true)
	    GROUP BY ALL ORDER BY ALL"
}
# The same from the records themselves, without the lake.
want_days() {
	jq -r '[.symbol, .time[0:10]] | @tsv' "$@" | sort | uniq -c |
	    awk '{ printf "%s\t%s\t%s\n", $2, $3, $1 }'
}

EPOCH=1704067200	# 2024-01-01T00:00:00Z

# ------------------------------------------------------------------------
# A lake with several objects a day, three days archived, one not.
MDX_LAKE=$T/lake
export MDX_LAKE
gen_raw 3000 BTCUSDT,ETHUSDT,SOLUSDT "$EPOCH" >"$T/in"
gen_raw 500 BTCUSDT $((EPOCH + 6 * 86400)) >>"$T/in"
mdx-lake put -s 16k raw <"$T/in" >/dev/null
n=$(wc -l <"$T/in" | tr -d ' ')
is "$n" 9500 "9500 records put"
MDX_NOW=2024-01-06T00:00:00Z mdx-lake archive --older-than 1d >"$T/out"
is "$(grep -c '^archived' "$T/out")" 9 "3 symbols x 3 days archived"
is "$(mdx-lake ls | grep -c '/compact-')" 9 "one compacted object per partition day"
ok "test $(mdx-lake ls | grep -vc "/compact-") -ge 1" "the recent day keeps its objects"
is "$(duck_count "$MDX_LAKE/raw/**/*")" "$n" \
    "DuckDB reads raw/**/* with hive_partitioning: every record once"
is "$(duck_count "$MDX_LAKE/raw/**/*.ndjson.gz")" "$n" \
    "... and raw/**/*.ndjson.gz"
is "$(duck "SELECT count(*) FROM glob('$MDX_LAKE/raw/**/*')
    WHERE NOT file LIKE '%.ndjson.gz'")" 0 \
    "no manifest or other file under the prefix"
is "$(find "$MDX_LAKE/raw" -type f -name '*.manifest' | wc -l | tr -d ' ')" 0 \
    "the manifests live apart, under _manifests/"
duck_days "$MDX_LAKE/raw/**/*" >"$T/got"
want_days "$T/in" >"$T/want"
files_eq "$T/got" "$T/want" "the partition columns give each symbol's days their records"
is "$(mdx-lake cat | wc -l | tr -d ' ')" "$n" "mdx-lake cat agrees"
# Funding events beside the klines: a kind without an interval component,
# so the lake's paths no longer share one set of partition columns.
i=0
while [ $i -lt 9 ]; do
	t=$((EPOCH + i * 28800))
	printf '{"mdx":"raw","exchange":"binance","market":"usdm","kind":"funding","symbol":"BTCUSDT","time":"%s","source":"rest","fetched_at":"2024-01-05T00:00:00Z","data":{"symbol":"BTCUSDT","fundingTime":%d000,"fundingRate":"0.0001","markPrice":"42283.5"}}\n' \
	    "$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)" "$t"
	i=$((i + 1))
done >"$T/fund"
mdx-lake put raw <"$T/fund" >/dev/null
is "$(duck_count "$MDX_LAKE/raw/*/*/kind=funding/**/*.ndjson.gz")" 9 \
    "DuckDB reads kind=funding with hive_partitioning"
is "$(duck_count "$MDX_LAKE/raw/*/*/kind=klines/**/*.ndjson.gz")" "$n" \
    "... and kind=klines, the same records as before"
is "$(duck "SELECT count(*) FROM read_json('$MDX_LAKE/raw/**/*.ndjson.gz',
    format = 'newline_delimited')")" "$((n + 9))" \
    "without hive_partitioning the whole prefix reads as one, every kind"
# mdx-lake(1)'s DuckDB query, as written, from a directory holding var/lake.
sed -n '/^SELECT symbol, date, count/,/GROUP BY ALL;/p' \
    "$MDX_SRC/man/mdx-lake.1" >"$T/man.sql"
ok "test -s '$T/man.sql'" "mdx-lake(1) has a DuckDB query"
mkdir -p "$T/cwd/var"
ln -s "$MDX_LAKE" "$T/cwd/var/lake"
(cd "$T/cwd" && duck "$(cat "$T/man.sql")") | sort >"$T/got"
want_days "$T/in" >"$T/want"
files_eq "$T/got" "$T/want" "mdx-lake(1)'s DuckDB query counts each symbol's days"
zcat "$MDX_LAKE"/raw/*/*/*/symbol=SOLUSDT/*/date=2024-01-02/compact-*.ndjson.gz >"$T/sol"
grep '"SOLUSDT".*"time":"2024-01-02' "$T/in" >"$T/want"
files_eq "$T/sol" "$T/want" "a compacted object is the day's records byte for byte, in order"

# ------------------------------------------------------------------------
# A lake written by the previous layout (tests/golden/lake-v1/README):
# still read as it is.
cp -R "$MDX_SRC/tests/golden/lake-v1/lake" "$T/old"
MDX_LAKE=$T/old
sort "$MDX_SRC/tests/golden/lake-v1/input.ndjson" >"$T/old.sorted"
mdx-lake cat | sort >"$T/got"
files_eq "$T/got" "$T/old.sorted" "an old-layout lake reads whole (manifests beside data, tar archives)"
exits 0 "verify checks the old layout" mdx-lake verify
is "$(grep -c '^ok' "$T/out")" 4 "... 2 archives and 2 objects"
mdx-lake cat --new load >"$T/new"
tail -n +51 "$MDX_SRC/tests/golden/lake-v1/input.ndjson" >"$T/want"
files_eq "$T/new" "$T/want" "its consumer marks still hold"
exits 0 "migrate --dry-run" mdx-lake migrate --dry-run
is "$(grep -c '^would move' "$T/out"):$(grep -c '^would compact' "$T/out")" 4:2 \
    "... names the 4 manifests to move and the 2 archives to compact"
is "$(find "$T/old" -name '*.manifest' ! -path '*/_manifests/*' | wc -l | tr -d ' ')" 4 \
    "... and changes nothing"
exits 0 "migrate" mdx-lake migrate
is "$(find "$T/old/raw" -type f ! -name '*.ndjson.gz' | wc -l | tr -d ' ')" 0 \
    "after migrate only data files are under raw/"
mdx-lake cat | sort >"$T/got"
files_eq "$T/got" "$T/old.sorted" "every record is still there once"
exits 0 "verify after migrate" mdx-lake verify
mdx-lake cat --new load >"$T/new"
files_eq "$T/new" "$T/want" "the consumer marks survive the migration"
is "$(duck_count "$T/old/raw/**/*")" 80 "DuckDB reads the migrated lake whole"
exits 0 "a second migrate" mdx-lake migrate
is "$(wc -l <"$T/out" | tr -d ' ')" 0 "... has nothing to do"

# archive on a day of the old layout that got new objects: one compacted
# object, the archive's records first, as they were written.
rm -rf "$T/old"
cp -R "$MDX_SRC/tests/golden/lake-v1/lake" "$T/old"
gen_raw 2 BTCUSDT $((EPOCH + 30)) >"$T/late"
mdx-lake put raw <"$T/late" >/dev/null
MDX_NOW=2024-01-10T00:00:00Z mdx-lake archive --older-than 1d >"$T/out"
like "$(grep 'symbol=BTCUSDT.*date=2024-01-01' "$T/out")" '^archived.*/compact-.*	2 objects	26 rows' \
    "archive compacts the tar archive and the late object of a day together"
mdx-lake cat symbol=BTCUSDT date=2024-01-01 >"$T/got"
{ head -24 "$MDX_SRC/tests/golden/lake-v1/input.ndjson"; cat "$T/late"; } >"$T/want"
files_eq "$T/got" "$T/want" "... in the order they were written"
is "$(find "$T/old/raw" -name 'archive-*' | wc -l | tr -d ' ')" 0 "no tar archive is left"

# A migration killed at each step loses and doubles nothing.
for step in archive-committed archive-manifest archive-delete; do
	rm -rf "$T/old"
	cp -R "$MDX_SRC/tests/golden/lake-v1/lake" "$T/old"
	MDX_LAKE_KILL_AT=$step mdx-lake migrate >/dev/null 2>&1
	is "$?" 137 "migrate killed at $step"
	mdx-lake cat | sort >"$T/got"
	files_eq "$T/got" "$T/old.sorted" "nothing lost or doubled after the kill at $step"
	exits 0 "migrate runs again after $step" mdx-lake migrate
	is "$(duck_count "$T/old/raw/**/*")" 80 "DuckDB reads every record once after $step"
done
done_testing
