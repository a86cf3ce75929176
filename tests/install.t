#!/bin/sh
# install.t - make install into a DESTDIR puts every program, man page,
# pipeline, example and the configuration in place, and make uninstall
# removes them again.
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
# The front command, the pipelines it runs, the cron and systemd examples
# and the configuration, with the installed paths filled in.
ok "test -x '$d/usr/bin/mdx'" "installed the front command mdx"
for p in backfill cron-run embedded ingest maintain repair rollup status; do
	ok "test -x '$d/usr/libexec/mdx/$p'" "installed the pipeline $p"
done
ok "test -f '$d/usr/libexec/mdx/common.sh'" "installed common.sh"
for e in crontab mdx.conf watchlist mdx-ingest.service mdx-ingest.timer \
    mdx-rollup.service mdx-repair.timer mdx-maintain.service; do
	ok "test -f '$d/usr/share/mdx/examples/$e'" "installed the example $e"
done
ok "test -f '$d/etc/mdx/mdx.conf'" "installed /etc/mdx/mdx.conf"
ok "test -f '$d/etc/mdx/watchlist'" "installed /etc/mdx/watchlist"
is "$(grep -rlI '@MDX_[A-Z]*@' "$d" 2>/dev/null)" "" "no placeholder is left"
like "$(cat "$d/usr/share/mdx/examples/crontab")" \
    "/usr/bin/mdx cron-run ingest" "the crontab runs the installed mdx"
is "$(sed -n 's/^EnvironmentFile=//p' "$d/usr/share/mdx/examples/mdx-ingest.service")" \
    "-/etc/mdx/mdx.conf" "the units read the same /etc/mdx/mdx.conf"
# A second install keeps a configuration the operator changed.
echo "MDX_ROLLUPS=4h" >>"$d/etc/mdx/mdx.conf"
make -s -C "$MDX_SRC" O="$MDX_BUILD" DESTDIR="$d" PREFIX=/usr install \
    >"$T/log" 2>&1
like "$(tail -1 "$d/etc/mdx/mdx.conf")" "MDX_ROLLUPS=4h" \
    "a second install keeps the changed mdx.conf"
make -s -C "$MDX_SRC" O="$MDX_BUILD" DESTDIR="$d" PREFIX=/usr uninstall \
    >"$T/log" 2>&1
like "$(cat "$T/log")" "kept $d/etc/mdx/mdx.conf: it was changed" \
    "uninstall keeps the changed mdx.conf"
rm -f "$d/etc/mdx/mdx.conf"
make -s -C "$MDX_SRC" O="$MDX_BUILD" DESTDIR="$d" PREFIX=/usr install \
    >"$T/log" 2>&1
make -s -C "$MDX_SRC" O="$MDX_BUILD" DESTDIR="$d" PREFIX=/usr uninstall \
    >"$T/log" 2>&1
is "$?" 0 "make uninstall succeeds"
is "$(find "$d" -type f | wc -l)" 0 "uninstall leaves no file behind"
done_testing
