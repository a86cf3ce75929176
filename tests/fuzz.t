#!/bin/sh
# fuzz.t - builds the libFuzzer targets of tests/fuzz/ (clang with ASan and
# UBSan, `make fuzz-build`) and runs each over its committed corpus, two
# at a time, for at most FUZZ_T_SECONDS (10) seconds, so that a regression
# in lib/ on any seed or any input a fixed bug was found with fails `make
# check`.  `make fuzz` explores further.  clang is a dependency (tools/deps.sh installs it): without it
# this test fails rather than skips.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

secs=${FUZZ_T_SECONDS:-10}
targets=$(cd "$MDX_SRC/tests/fuzz" && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//')
plan $(( $(echo "$targets" | wc -l) + 1 ))

if ! command -v clang >/dev/null 2>&1; then
	_tap_result 1 "clang is installed (tools/deps.sh installs it)"
	exit 1
fi
make -C "$MDX_SRC" --no-print-directory O="$MDX_BUILD" fuzz-build \
    >"$T/build.log" 2>&1
st=$?
is "$st" 0 "the fuzz targets build"
if [ "$st" -ne 0 ]; then
	sed 's/^/# /' "$T/build.log" | tail -20
	exit 1
fi

# fuzz_run NAME: runs one target; its status and log go to $T/NAME.*.
# make check replays the committed corpus (every seed and every input a
# fixed bug was found with) and mutates no further by default
# (FUZZ_T_RUNS=0): libFuzzer's mutations depend on the order the corpus
# is read in, so they would differ from one checkout to the next.
# FUZZ_T_RUNS=N adds N mutations; make fuzz explores freely.
fuzz_run() {
	mkdir -p "$T/corpus/$1"
	"$MDX_BUILD/fuzz/fuzz-$1" -max_total_time="$secs" -timeout=20 -seed=1 \
	    -runs="${FUZZ_T_RUNS:-0}" \
	    -print_final_stats=1 -artifact_prefix="$T/$1-" \
	    "$T/corpus/$1" "$MDX_SRC/tests/fuzz/corpus/$1" >"$T/$1.log" 2>&1
	echo $? >"$T/$1.st"
}

set -- $targets
while [ $# -gt 0 ]; do
	fuzz_run "$1" &
	p1=$!
	a=$1
	shift
	b=
	if [ $# -gt 0 ]; then
		b=$1
		shift
		fuzz_run "$b"
	fi
	wait "$p1"
	for n in $a $b; do
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    "$T/$n.log")
		seeds=$(ls "$MDX_SRC/tests/fuzz/corpus/$n" | wc -l)
		if [ "$(cat "$T/$n.st")" -eq 0 ] && [ "${runs:-0}" -ge 1 ]
		then
			_tap_result 0 "fuzz-$n: ${runs} runs over $seeds corpus inputs, no failure"
		else
			_tap_result 1 "fuzz-$n: status $(cat "$T/$n.st"), ${runs:-no} runs"
			grep -v '^#[0-9]\|^INFO\|NEW_FUNC\|Uses:' "$T/$n.log" |
			    head -40 | sed 's/^/# /'
			for c in "$T/$n"-crash-*; do
				[ -e "$c" ] || continue
				diag "input: $(od -An -c "$c" | head -5 | tr -s ' ')"
				cp "$c" "$MDX_BUILD/fuzz/" 2>/dev/null &&
				    diag "kept as $MDX_BUILD/fuzz/${c##*/}"
			done
		fi
	done
done
