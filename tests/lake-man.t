#!/bin/sh
# lake-man.t - every example in man/mdx-lake.1 (the "$ " lines of
# EXAMPLES) runs and does what the page says.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"
. "$MDX_SRC/tests/lake-data.sh"

s3_start
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MDX_SRC/man/mdx-lake.1" |
    sed -n 's/^\$ //p' | sed 's/\\e/\\/g' >"$T/examples"
ok "test $(wc -l <"$T/examples") -ge 10" "the page has examples"

mkdir "$T/ex"
cd "$T/ex" || bail "cd"
MDX_LAKE=$T/ex/lake
export MDX_LAKE
# A day of one symbol from 2024, and an hour of the day before yesterday:
# from its noon, so that the hour stays inside that day whenever the test
# runs (from now less two days, it crossed midnight late in the evening).
now=$(date -u +%s)
gen_raw 1440 BTCUSDT 1704067200 >klines.ndjson
gen_raw 60 BTCUSDT $(( (now - 86400 * 2) / 86400 * 86400 + 43200 )) >>klines.ndjson
while IFS= read -r cmd; do
	sh -c "$cmd" >"$T/out" 2>"$T/err"
	st=$?
	is "$st" 0 "example runs: $cmd"
	[ "$st" -eq 0 ] || sed 's/^/#   /' "$T/err"
	case $cmd in
	*"| wc -l")
		is "$(tr -d ' ' <"$T/out")" 1440 "the day has 1440 records" ;;
	*"ls raw symbol=BTCUSDT")
		is "$(wc -l <"$T/out" | tr -d ' ')" 2 "ls lists the two days" ;;
	*"> week.ndjson")
		is "$(wc -l <week.ndjson | tr -d ' ')" 60 "the last week has the recent hour" ;;
	*"commit load")
		is "$(wc -l <batch.ndjson | tr -d ' ')" 1500 "the consumer got every record" ;;
	*"archive --older-than 7d")
		like "$(cat "$T/out")" '^archived.*date=2024-01-01' "the old day is archived" ;;
	*"mdx-lake migrate")
		is "$(wc -c <"$T/out" | tr -d ' ')" 0 "a lake of the present layout has nothing to migrate" ;;
	*"--dry-run")
		like "$(cat "$T/out")" '^would delete.*date=2024-01-01/compact-' "prune would drop the old compacted object" ;;
	*"mdx-lake verify")
		like "$(cat "$T/out")" '^ok' "verify checks the lake" ;;
	*"stats --json")
		like "$(cat "$T/out")" '"type":"total","objects":2,"rows":1500' "stats counts everything" ;;
	esac
done <"$T/examples"
done_testing
