#!/bin/sh
# lake-rerun.t - issue 18 finding 12: an ingest killed after mdx-lake put
# committed and before mdx-load did fetches the same records again on its
# rerun (its --resume --db starts where the warehouse ends).  put stores
# no record the partition already holds (the same but for fetched_at and
# request), so the lake holds the day once, not twice; revisions and new
# records are stored, and every record still goes through to the load.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

MDX_STATE=$T/state
export MDX_STATE
mock_start --now 2024-03-01T00:00:00Z
s3_start
MDX_S3_PROTOCOL=http
export MDX_S3_PROTOCOL

# fetch NOW: one day of BTCUSDT 1m, fetched at NOW, through put.
fetch() {
	MDX_NOW=$1 mdx-extract -s BTCUSDT -i 1m --since 2024-02-01T00:00:00Z \
	    --until 2024-02-02T00:00:00Z 2>/dev/null
}
put() { MDX_VERBOSE=2 mdx-lake put raw >"$T/tee" 2>"$T/put.err"; }
coverage() {
	mdx-lake stats --json | jq -r 'select(.type == "coverage") |
	    "\(.rows) \(.percent)"'
}

# The same on both backends: a directory, and S3 (where put lists the
# partition and reads its manifests over HTTP).
rerun() {
	MDX_LAKE=$2
	export MDX_LAKE
	fetch 2024-03-01T00:00:00Z | put
	is "$?:$(wc -l <"$T/tee" | tr -d ' ')" 0:1440 "$1: the first run stores the day"
	is "$(coverage)" "1440 100" "... 100% coverage"

	# The rerun after the kill: fetched a minute later, the same candles.
	fetch 2024-03-01T00:01:00Z >"$T/again"
	isnt "$(head -1 "$T/again" | jq -r .fetched_at)" 2024-03-01T00:00:00Z \
	    "the rerun's records differ in fetched_at"
	put <"$T/again"
	is "$?:$(wc -l <"$T/tee" | tr -d ' ')" 0:1440 \
	    "the rerun: every record goes through to the load"
	like "$(cat "$T/put.err")" "1440 records, 0 stored in 0 objects, 1440 already in the lake, 0 rejected" \
	    "... none stored again, and counted"
	is "$(coverage)" "1440 100" "... the lake holds the day once: 100%, not 200%"
	is "$(mdx-lake cat raw | wc -l | tr -d ' ')" 1440 "... 1440 records in the lake"

	# A revision (another close for one minute) and a new record are stored.
	{
		sed -n 10p "$T/again" | jq -c '.data[4] = "1.5"'
		MDX_NOW=2024-03-01T00:02:00Z mdx-extract -s BTCUSDT -i 1m \
		    --since 2024-02-02T00:00:00Z --until 2024-02-02T00:05:00Z 2>/dev/null
		sed -n 11,20p "$T/again"
	} | put
	like "$(cat "$T/put.err")" "16 records, 6 stored in 2 objects, 10 already in the lake, 0 rejected" \
	    "a revision and 5 new records stored, 10 held skipped"

	# What an archived (compacted) day holds is held too.
	mdx-lake archive --older-than 0d date=2024-02-01 >/dev/null 2>"$T/ar.err"
	is "$?" 0 "the day is archived"
	is "$(mdx-lake ls --json date=2024-02-01 | jq -r .type | sort -u | tr '\n' ' ')" \
	    "compact " "... into a compacted object"
	put <"$T/again"
	like "$(cat "$T/put.err")" "1440 records, 0 stored in 0 objects, 1440 already in the lake" \
	    "the day archived: the rerun stores nothing again"
	is "$(mdx-lake cat raw date=2024-02-01 | wc -l | tr -d ' ')" 1441 \
	    "... the day holds its 1440 candles and the one revision"
}

rerun dir "$T/lake"
rerun s3 "s3://$S3_BUCKET/rerun"

done_testing
