#!/bin/sh
# run.sh - run every test under prove and finish with "N passed, N failed".
#
# Test points are counted from the TAP stream: "ok" lines pass, "not ok"
# lines fail, skipped points are counted apart and never as passes, and a
# script that fails without a failing point (it died, or its plan does not
# match) counts as one failure.
set -u
cd "$(dirname "$0")/.."
: "${MDX_BUILD:=$PWD/build}"
export MDX_BUILD
export PATH="$MDX_BUILD:$PATH"
export MDX_SRC="$PWD"

log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM

set --
for f in tests/*.t; do [ -e "$f" ] && set -- "$@" "$f"; done
for f in "$MDX_BUILD"/tests/test-*; do [ -x "$f" ] && set -- "$@" "$f"; done
if [ -n "${MDX_TESTS:-}" ]; then
	# shellcheck disable=SC2086
	set -- $MDX_TESTS
fi

prove -v --merge --timer "$@" >"$log" 2>&1
status=$?
# Show the summary and failures, not every passing point.
grep -v -E '^(ok [0-9]+|[[:space:]]*ok [0-9]+)' "$log" || true

awk -v status="$status" '
/^[[:space:]]*ok [0-9]+/ {
	if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) skipped++; else passed++
	next
}
/^[[:space:]]*not ok [0-9]+/ {
	if ($0 ~ /# *TODO/) next
	failed++
	next
}
/^Failed tests:|^Test Summary Report/ { summary = 1 }
summary && /^[^ ].*\(Wstat: / { files++ }
summary && /Parse errors:|Bad plan/ { parse++ }
END {
	if (status != 0 && failed == 0)
		failed = files > 0 ? files : 1
	printf "%d passed, %d failed", passed, failed
	if (skipped) printf ", %d skipped", skipped
	printf "\n"
}' "$log"
exit "$status"
