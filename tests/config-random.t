#!/bin/sh
# config-random.t - random configuration files through the pipelines'
# parser (mdx_load_config in pipelines/common.sh) under dash and bash,
# against the model of mdx-pipelines(7)'s rules in tests/config-random.js:
# the same verdict, the same line named, the same values, and no command
# written in a value ever run.  MDX_CONFIG_CASES sets the number of files
# per shell (default 400); the sanitizer build has nothing to add here.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

cases=${MDX_CONFIG_CASES:-400}
for sh in dash bash; do
	command -v "$sh" >/dev/null || bail "$sh is not installed"
	mkdir -p "$T/$sh"
	node "$MDX_SRC/tests/config-random.js" "$sh" "$cases" 7 "$T/$sh" \
	    >"$T/$sh.out" 2>&1
	is "$?" 0 "$sh: the random run completes"
	like "$(head -1 "$T/$sh.out")" "^$cases cases, [0-9]+ refused, [0-9]+ taken, 0 disagreements\$" \
	    "$sh: parser and model agree on $cases files"
	refused=$(head -1 "$T/$sh.out" | sed 's/.*cases, \([0-9]*\) refused.*/\1/')
	ok "[ '$refused' -gt $((cases / 5)) ] && [ '$refused' -lt $((cases * 4 / 5)) ]" \
	    "$sh: both verdicts are drawn often ($refused of $cases refused)"
	[ "$(head -1 "$T/$sh.out" | grep -c ' 0 disagreements')" = 1 ] ||
	    diag "$(cat "$T/$sh.out")"
done
done_testing
