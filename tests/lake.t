#!/bin/sh
# lake.t - mdx-lake on the local directory backend: round trips,
# partitioning, rejects, consumer marks, corrupt objects and archives,
# archive/prune/stats/verify, and kill -9 during put and archive.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

newlake() { MDX_LAKE=$T/lake-$1; export MDX_LAKE; }
obj_path() { printf '%s/%s\n' "$MDX_LAKE" "$1"; }

. "$MDX_SRC/tests/lake-common.sh"

# The local backend's own promises.
newlake local
mdx-lake put raw <"$T/one" >/dev/null
ok "test -z \"\$(find '$MDX_LAKE' -name '.tmp-*')\"" "no temporary file is left after put"
key=$(mdx-lake ls | head -1 | cut -f1)
# A consumer's marks are files in the lake, under _marks/ (mdx-lake(1));
# once committed, they name the objects it read.
mdx-lake cat --new probe raw >/dev/null && mdx-lake commit probe
ok "grep -qxF '$key' '$MDX_LAKE/_marks/probe.done'" "marks live inside the lake"
sha=$(sha256sum "$MDX_LAKE/$key" | cut -d' ' -f1)
is "$(mdx-lake ls | head -1 | cut -f6)" "$sha" "the manifest checksum is the object's SHA-256"
is "$(zcat "$MDX_LAKE/$key" | wc -l | tr -d ' ')" 1440 "objects are plain gzip NDJSON"
ok "test -f '$MDX_LAKE/_manifests/$key.manifest'" "the manifest is under _manifests/, apart from the data"
is "$(jq -r .rows "$MDX_LAKE/_manifests/$key.manifest")" 1440 "the manifest is JSON with the rows"
newlake crlf
head -3 "$T/one" | sed 's/$/\r/' >"$T/crlf"
mdx-lake put raw <"$T/crlf" >"$T/tee"
files_eq "$T/tee" "$T/crlf" "CRLF input is copied unchanged"
head -3 "$T/one" >"$T/lf"
mdx-lake cat raw >"$T/back"
files_eq "$T/back" "$T/lf" "and stored without the CR"
mdx-lake -L "$T/lake-other" put raw <"$T/lf" >/dev/null
exits 0 "-L overrides MDX_LAKE" mdx-lake -L "$T/lake-other" ls
is "$(cut -f3 "$T/out")" 3 "-L: ls lists the lake named, not MDX_LAKE's"

# A root that does not exist is a configuration error for every command
# but put, which creates it: a misspelt root must not read as an empty lake.
for c in verify cat ls stats "commit probe" "archive --older-than 1d" \
    "prune --older-than 1d"; do
	# shellcheck disable=SC2086
	exits 78 "$c on a lake that does not exist: exit 78" \
	    mdx-lake -L "$T/nothing" $c
	is "$(cat "$T/err")" "mdx-lake: lake \"$T/nothing\" does not exist (only put creates a lake)" \
	    "$c on a lake that does not exist: the root is named"
	is "$(wc -c <"$T/out" | tr -d ' ')" 0 "$c on a lake that does not exist: no output"
done
: >"$T/afile"
exits 78 "a root that is a file: exit 78" mdx-lake -L "$T/afile" ls
like "$(cat "$T/err")" "lake \"$T/afile\" is not a directory" \
    "a root that is a file: said so"
exits 0 "put creates a lake that does not exist" mdx-lake -L "$T/new/lake" put raw <"$T/lf"
exits 0 "then verify finds it" mdx-lake -L "$T/new/lake" verify

# field!=value: the partitions whose field has none of the values; a
# partition without the field (funding has no interval) has none.
newlake neg
gen_raw 2 BTCUSDT,ETHUSDT 1704067200 | mdx-lake put raw >/dev/null
printf '%s\n' '{"mdx":"raw","exchange":"binance","market":"usdm","kind":"funding","symbol":"BTCUSDT","time":"2024-01-01T00:00:00Z","source":"rest","fetched_at":"2024-01-02T00:00:00Z","data":{"symbol":"BTCUSDT","fundingTime":1704067200000,"fundingRate":"0.0001","markPrice":"42283.5"}}' |
    mdx-lake put raw >/dev/null
exits 0 "ls kind!=klines" mdx-lake ls 'kind!=klines'
is "$(cut -f1 "$T/out" | grep -c 'kind=funding/')$(cut -f1 "$T/out" | grep -c 'kind=klines/')" 10 \
    "... lists the funding partition and no klines"
exits 0 "ls interval!=1m" mdx-lake ls 'interval!=1m'
like "$(cut -f1 "$T/out")" '^raw/exchange=binance/market=usdm/kind=funding/symbol=BTCUSDT/date=2024-01-01/' \
    "... a partition without an interval has none of the values"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "... and it alone"
exits 0 "ls symbol!=ETHUSDT,SOLUSDT kind=klines" \
    mdx-lake ls 'symbol!=ETHUSDT,SOLUSDT' kind=klines
is "$(grep -c symbol=BTCUSDT "$T/out"):$(grep -c symbol=ETHUSDT "$T/out")" 1:0 \
    "... a list of values, and = and != together"
MDX_NOW=2024-03-01T00:00:00Z mdx-lake archive --older-than 1d >/dev/null
exits 0 "prune -n kind!=funding" \
    env MDX_NOW=2024-03-01T00:00:00Z mdx-lake prune -n --older-than 1d 'kind!=funding'
is "$(grep -c '^would delete.*kind=klines' "$T/out"):$(grep -c 'kind=funding' "$T/out")" 2:0 \
    "... would delete the klines only"
exits 64 "a != selector without a value: exit 64" mdx-lake ls 'kind!='
like "$(cat "$T/err")" 'bad selector "kind!=": not a partition value' "... said so"
exits 64 "!= without a field: exit 64" mdx-lake ls '!=klines'
like "$(cat "$T/err")" 'bad selector "!=klines": unknown field' "... said so"
done_testing
