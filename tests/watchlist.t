#!/bin/sh
# watchlist.t - the examples of mdx-watchlist(5), read by the library's
# watchlist reader (through the test-watch unit test program).
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

page=$MDX_SRC/man/mdx-watchlist.5
rd=$MDX_BUILD/tests/test-watch

# The literal display of the EXAMPLES section.
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$page" |
    sed -n '/^\.Bd -literal/,/^\.Ed/p' | sed '1d;$d' >"$T/watchlist"
is "$(wc -l <"$T/watchlist" | tr -d ' ')" 13 "the example is in the page"

exits 0 "the example watchlist is good" "$rd" read "$T/watchlist"
is "$(cat "$T/out")" "binance spot BTCUSDT 1m,1h,1d (at $T/watchlist:2)
binance spot ETHUSDT 1m (at $T/watchlist:3)
binance usdm BTCUSDT 1m,1w,1M (at $T/watchlist:4)
bybit linear BTCUSDT 5m (at $T/watchlist:5)
bybit inverse BTCUSD 1h (at $T/watchlist:6)
bybit spot BTCUSDT - (at $T/watchlist:7)
okx spot BTC-USDT 1m (at $T/watchlist:8)
okx swap BTC-USDT-SWAP 1m,4h (at $T/watchlist:9)
binance usdm ETHUSDT 1m,1h kinds=klines,mark,index,premium,funding,oi (at $T/watchlist:10)
okx swap ETH-USDT-SWAP - kinds=funding,oi (at $T/watchlist:11)
binance usdm SOLUSDT 1m,trades (at $T/watchlist:12)
okx spot ETH-USDT trades:load (at $T/watchlist:13)" "the example's entries"

is "$(cat "$T/err")" "" "nothing on stderr"

# Kinds: unknown, repeated, on spot, and more fields than allowed.
printf '%s\n' 'binance usdm BTCUSDT 1m kinds=mark,gold' \
    'binance usdm ETHUSDT kinds=oi,oi' 'binance spot BTCUSDT 1m kinds=funding' \
    'binance usdm XRPUSDT 1m 1h kinds=oi' >"$T/kinds"
exits 78 "bad kinds refused" "$rd" read "$T/kinds"
is "$(cat "$T/err")" "test-watch: bad watchlist entry: unknown kind 'gold' (klines, mark, index, premium, funding or oi) (at $T/kinds:1)
test-watch: bad watchlist entry: kind 'oi' given twice (at $T/kinds:2)
test-watch: bad watchlist entry: kind 'funding' on a spot market (at $T/kinds:3)
test-watch: bad watchlist entry: more than four fields besides kinds= (at $T/kinds:4)" \
    "each bad kinds field named with its line"

# The DIAGNOSTICS example: a duplicate on line 7 of an entry on line 3 and
# an unknown interval on line 8.
cd "$T" || bail "cd $T"
{
	printf '# two\n\nbinance spot BTCUSDT 1m\n\n\n\n'
	printf 'binance spot BTCUSDT 1h\nbinance spot ETHUSDT 2m\n'
} >watchlist
exits 78 "a bad watchlist is refused" "$rd" read watchlist
# The page shows the second message folded over two lines.
is "$(sed 's/^[^:]*: //' "$T/err")" \
"bad watchlist entry: duplicate of 'binance spot BTCUSDT' at line 3 (at watchlist:7)
bad watchlist entry: unknown interval '2m' (at watchlist:8)" \
    "the messages of the DIAGNOSTICS example"
is "$(cat "$T/out")" "" "nothing on stdout"

done_testing
