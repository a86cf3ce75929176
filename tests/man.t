#!/bin/sh
# man.t - every man page is mandoc -Tlint clean, every program answers
# --help and --version, and every option in a page's SYNOPSIS appears in
# the program's --help.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

for m in "$MDX_SRC"/man/*.[0-9]; do
	out=$(mandoc -Tlint -Wwarning "$m" 2>&1)
	is "$out" "" "mandoc -Tlint: ${m##*/}"
done

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
