#!/bin/sh
# run.sh - run the benchmarks: every bench/*.sh, or those named in the
# arguments (make bench BENCH="lake load").
#
# The rule for every benchmark: it runs mdx and its peer side by side, in
# the same run, on the same input, and prints both figures and their
# ratio, so a reader never compares numbers from different machines or days.
set -u
cd "$(dirname "$0")/.."
: "${MDX_BUILD:=$PWD/build}"
export MDX_BUILD MDX_SRC="$PWD" PATH="$MDX_BUILD:$PATH"

if [ $# -eq 0 ]; then
	set -- bench/*.sh
else
	for b in "$@"; do shift; set -- "$@" "bench/${b%.sh}.sh"; done
fi
status=0
for b in "$@"; do
	[ "$b" = bench/run.sh ] && continue
	[ -f "$b" ] || { echo "bench: no such benchmark: $b" >&2; status=64; continue; }
	echo "== ${b#bench/}"
	sh "$b" || status=1
done
exit $status
