#!/bin/sh
# extract-tty.t - mdx-extract on a terminal (script(1) gives it one): the
# progress line is cleared before a warning, so a retry warning starts on
# a line of its own instead of being glued to the progress line.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

command -v script >/dev/null || bail "script(1) is needed (bsdutils)"
mock_start --now 2024-03-01T00:00:00Z --latency 100
# Requests go through one connection at a time, the fifth answered 500 once: by then
# the progress line is on the terminal.
mock_fault '{"type":"500","exchange":"binance","after":4,"count":1}'
cat >"$T/run" <<SH
#!/bin/sh
exec mdx-extract -x binance -s BTCUSDT -i 1m --since 2024-02-20 \
    --until 2024-02-27 --connections 1 >/dev/null
SH
chmod +x "$T/run"
script -q -e -c "$T/run" "$T/tty" >/dev/null 2>&1
is "$?" 0 "mdx-extract on a terminal, with one 500 answer, exits 0"
# The terminal's bytes, one line per \n or \r, escapes shown.
tr '\r' '\n' <"$T/tty" | sed -n 'l 0' >"$T/lines"
ok "grep -q 'mdx-extract: BTCUSDT 1m at .*series' '$T/lines'" \
    "a progress line was drawn"
ok "grep -q '500' '$T/lines'" "a warning about the 500 was printed"
# Each warning comes right after "\r\033[K" (the clear), never glued to a
# progress line: every line that holds "mdx-extract:" twice is a defect.
ok "grep -q '^\\\\033\\[Kmdx-extract: .*500' '$T/lines'" \
    "the warning starts on a cleared line"
is "$(grep -c 'series.*mdx-extract:' "$T/lines")" 0 \
    "no warning is glued to a progress line"
done_testing
