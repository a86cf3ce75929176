#!/bin/sh
# install.t - make install into a DESTDIR puts every program and man page
# in place, and make uninstall removes them again.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

d=$T/dest
make -s -C "$MDX_SRC" O="$MDX_BUILD" DESTDIR="$d" PREFIX=/usr install \
    >"$T/log" 2>&1
is "$?" 0 "make install DESTDIR=... succeeds"
for src in "$MDX_SRC"/tools/*/main.c; do
	[ -e "$src" ] || continue
	p=mdx-$(basename "$(dirname "$src")")
	ok "test -x '$d/usr/bin/$p'" "installed $p"
done
for m in "$MDX_SRC"/man/*.[0-9]; do
	s=${m##*.}
	ok "test -f '$d/usr/share/man/man$s/${m##*/}'" "installed ${m##*/}"
done
make -s -C "$MDX_SRC" O="$MDX_BUILD" DESTDIR="$d" PREFIX=/usr uninstall \
    >"$T/log" 2>&1
is "$?" 0 "make uninstall succeeds"
is "$(find "$d" -type f | wc -l)" 0 "uninstall leaves no file behind"
done_testing
