#!/bin/sh
# man.t - every man page is mandoc -Tlint clean, every program answers
# --help and --version, and every option in a page's SYNOPSIS appears in
# the program's --help; every page renders without doubled, nested or
# unbalanced quotes.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

# quotes PAGE: the page's prose (literal displays left out) rendered with
# mandoc -Tascii, then one line per defect: a doubled quote ("" `` ''),
# a ` opened inside another, one never closed, or an odd number of " in a
# paragraph.
quotes() {
	sed -e '/^\.Bd -literal/,/^\.Ed/d' -e '/^\.Dl /d' "$1" |
	    mandoc -Tascii 2>/dev/null | col -b |
	    awk '
	function check(p,   i, c, open, nd) {
		if (p ~ /""|``|'"''"'/)
			print "doubled quote: " p
		open = 0; nd = 0
		for (i = 1; i <= length(p); i++) {
			c = substr(p, i, 1)
			if (c == "`") {
				if (open) { print "nested quote: " p; return }
				open = 1
			} else if (c == "'"'"'")
				open = 0
			else if (c == "\"")
				nd++
		}
		if (open) print "unclosed quote: " p
		else if (nd % 2) print "unbalanced double quotes: " p
	}
	/^[[:space:]]*$/ { if (para != "") check(para); para = ""; next }
	{ sub(/^[[:space:]]+/, ""); para = para (para == "" ? "" : " ") $0 }
	END { if (para != "") check(para) }'
}

for m in "$MDX_SRC"/man/*.[0-9]; do
	out=$(mandoc -Tlint -Wwarning "$m" 2>&1)
	is "$out" "" "mandoc -Tlint: ${m##*/}"
	is "$(quotes "$m")" "" "mandoc -Tascii: ${m##*/} has no quoting defect"
done

# The check itself: it finds each defect it looks for, and passes a
# correct page.
page() {
	printf '.Dd May 1, 2026\n.Dt T 1\n.Os\n.Sh NAME\n.Nm t\n.Nd t\n'
	printf '.Sh DESCRIPTION\n%s\n' "$@"
}
page '.Qq status : Ns Qq missing .' >"$T/q.1"
like "$(quotes "$T/q.1")" "doubled quote" "the check finds a doubled quote"
page '.Pq Ql -7d , Ql now .' >"$T/q.1"
like "$(quotes "$T/q.1")" "nested quote" "the check finds a nested quote"
page 'a \(dqb' >"$T/q.1"
like "$(quotes "$T/q.1")" "unbalanced" "the check finds an unbalanced quote"
page '.Ql "a":"b"' '.Qq ok' "the exchange's and the series' rows" \
    '.Bd -literal' '["a","",1]' '.Ed' >"$T/q.1"
is "$(quotes "$T/q.1")" "" "the check passes quotes, apostrophes, displays"

# Half-open ranges are written as such, and an option in parentheses is
# not taken for the next word's.
like "$(mandoc -Tascii "$MDX_SRC/man/mdx-extract.1" | col -b)" \
    "opening in \[since, until\):" "mdx-extract(1): [since, until)"
like "$(mandoc -Tascii "$MDX_SRC/man/mdx-pipelines.7" | col -b)" \
    "day by day over \[since, until\)," "mdx-pipelines(7): [since, until)"
like "$(mandoc -Tascii "$MDX_SRC/man/mdx-aggregate.1" | col -b | tr '\n' ' ')" \
    "\(--window, +default 60\)" "mdx-aggregate(1): (--window, default 60)"

for src in "$MDX_SRC"/tools/*/main.c; do
	[ -e "$src" ] || continue
	prog=mdx-$(basename "$(dirname "$src")")
	exits 0 "$prog --help exits 0" "$prog" --help
	cp "$T/out" "$T/help"
	like "$(head -1 "$T/help")" "^usage: $prog" "$prog --help starts with usage"
	exits 0 "$prog --version exits 0" "$prog" --version
	like "$(cat "$T/out")" "^$prog [0-9]" "$prog --version prints the version"
	exits 64 "$prog with a bad option exits 64" "$prog" --no-such-option
	page=$MDX_SRC/man/$prog.1
	ok "test -f '$page'" "$prog has a man page"
	[ -f "$page" ] || continue
	# Options named in the SYNOPSIS, as -x or --long.
	sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$page" |
	    grep -o 'Fl [-a-zA-Z0-9]*' | sed 's/^Fl /-/' | sort -u >"$T/opts"
	missing=""
	while read -r o; do
		[ "$o" = "-" ] && continue
		grep -q -e "$o\\b" "$T/help" || missing="$missing $o"
	done <"$T/opts"
	is "$missing" "" "$prog --help shows every SYNOPSIS option"
done

done_testing
