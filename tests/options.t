#!/bin/sh
# options.t - the command line every program shares (lib/opt.c): -V and
# --version, -q and -v, and one wording and exit status 64 for a bad
# option value, whichever program and option it is.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

version=$(sed -n 's/^#define MDX_VERSION "\(.*\)"/\1/p' "$MDX_SRC"/lib/*.h)
for p in aggregate extract indicators lake load transform; do
	exits 0 "mdx-$p -V exits 0" "mdx-$p" -V
	is "$(cat "$T/out")" "mdx-$p $version" "mdx-$p -V prints name and version"
	exits 0 "mdx-$p --version exits 0" "mdx-$p" --version
	is "$(cat "$T/out")" "mdx-$p $version" "mdx-$p --version: the same"
	exits 0 "mdx-$p -h exits 0" "mdx-$p" -h
	like "$(tail -1 "$T/out")" '^  -V, --version +the version$' \
	    "mdx-$p -h lists the common options"
	exits 64 "mdx-$p: an unknown option exits 64" "mdx-$p" --no-such
	like "$(sed -n 2p "$T/err")" "^usage: mdx-$p" \
	    "mdx-$p: the usage follows the error"
done

# bad CMD... -- REGEX: the command exits 64, and the first line of its
# standard error is exactly PROGRAM: bad OPTION "VALUE": REASON.
bad() {
	_re=$1
	shift
	exits 64 "$* exits 64" "$@"
	like "$(head -1 "$T/err")" "^$1: $_re" "$*: one wording"
}

# Times.
bad 'bad --since "yesterday": not a time \(RFC 3339, an epoch number, or relative such as -7d\)$' \
    mdx-aggregate --gaps --since yesterday
bad 'bad --until "2024-13-01": not a time ' \
    mdx-extract -s BTCUSDT --until 2024-13-01
bad 'bad --since "yesterday": not a time ' mdx-lake --since yesterday cat
bad 'bad --older-than "7x": not an age \(7d, 12h, 2w\) or a past time$' \
    mdx-lake --older-than 7x archive
bad 'bad --older-than "\+1d": not an age ' mdx-lake --older-than +1d prune
bad 'bad --older-than "2999-01-01": not an age ' \
    mdx-lake --older-than 2999-01-01 prune
# Numbers: no sign, no space, no trailing text, and the range named.
bad 'bad --batch "0": not a whole number from 1 to 10000000$' mdx-load -b 0
bad 'bad --window "\+12": not a whole number from 0 to 10000000$' \
    mdx-transform -w +12
bad 'bad --window " 12": not a whole number ' mdx-transform -w ' 12'
bad 'bad --window "12abc": not a whole number ' \
    mdx-aggregate --to 1h --window 12abc
bad 'bad --window "": not a whole number ' mdx-aggregate --to 1h --window ''
bad 'bad --connections "65": not a whole number from 1 to 64$' \
    mdx-extract -s BTCUSDT --connections 65
bad 'bad --level "3x": not a whole number from 1 to 9$' \
    mdx-lake -l 3x put raw
bad 'bad --object-size "0": not a size from 1 to 1099511627776 bytes ' \
    mdx-lake -s 0 put raw
bad 'bad --object-size "4q": not a size ' mdx-lake -s 4q put raw
# Intervals.
bad 'bad --base "1M": not an interval \(1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w\)$' \
    mdx-aggregate --db --base 1M
bad 'bad -i "7m": not an interval \(1s 1m .* 1w 1M\)$' \
    mdx-indicators --db -i 7m rsi
bad 'bad -i "7m": not an interval ' mdx-extract -s BTCUSDT -i 7m
bad 'bad --to "1h,7m": "7m" is not an interval$' mdx-aggregate --to 1h,7m

# A good size with a unit is taken: 4k writes a lake object.
printf '{"mdx":"raw","exchange":"binance","market":"spot","kind":"klines","symbol":"BTCUSDT","interval":"1m","time":"2024-01-01T00:00:00Z","data":[]}\n' \
    >"$T/raw.nd"
exits 0 "mdx-lake -s 4k put is accepted" \
    mdx-lake -L "$T/lake" -s 4k put raw <"$T/raw.nd"

# -q silences the summary that a run prints by default; -v adds to it.
exits 0 "mdx-transform runs" mdx-transform "$MDX_SRC/tests/golden/transform/depth.raw.ndjson"
like "$(cat "$T/err")" 'read' "mdx-transform prints a summary by default"
exits 0 "mdx-transform -q runs" mdx-transform -q "$MDX_SRC/tests/golden/transform/depth.raw.ndjson"
is "$(cat "$T/err")" "" "mdx-transform -q: nothing on standard error"
exits 0 "mdx-aggregate -q runs" mdx-aggregate -q --to 1h </dev/null
is "$(cat "$T/err")" "" "mdx-aggregate -q: nothing on standard error"
exits 0 "mdx-aggregate runs" mdx-aggregate --to 1h </dev/null
like "$(cat "$T/err")" '0 read = 0 used' "mdx-aggregate prints a summary by default"

done_testing
