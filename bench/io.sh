#!/bin/sh
# io.sh - the NDJSON reader, the checked writer and the JSON line parser
# against their peers, on the same Binance kline envelopes:
#
#   read + validate + write   test-ndjson cat      vs  iconv -f UTF-8 -t UTF-8
#   line reading alone        (same)               vs  wc -l (no validation)
#   gzip input                test-ndjson cat F.gz vs  zcat F.gz
#   parse every line          test-json parse      vs  jq -c .
#   one envelope in process   test-json bench      vs  jansson json_loadb
#
# BENCH_N lines (default 500000, about 190 MB).  The mdx side runs through
# the unit test programs (built here if missing), which are thin loops
# over the library calls the programs use.
set -eu
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
N=${BENCH_N:-500000}
tn=$MDX_BUILD/tests/test-ndjson
tj=$MDX_BUILD/tests/test-json
if [ ! -x "$tn" ] || [ ! -x "$tj" ]; then
	make -s -C "$MDX_SRC" O="$MDX_BUILD" "$tn" "$tj" >/dev/null
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mdx-bench-io.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

awk -v n="$N" 'BEGIN {
	srand(1)
	for (i = 0; i < n; i++) {
		o = 40000 + int(rand() * 5000) + rand()
		printf "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\",\"kind\":\"klines\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\",\"time\":\"2024-01-01T00:00:00Z\",\"source\":\"rest\",\"fetched_at\":\"2024-01-02T00:00:03.120Z\",\"closed\":true,\"data\":[%d,\"%.8f\",\"%.8f\",\"%.8f\",\"%.8f\",\"%.8f\",%d,\"%.8f\",%d,\"%.8f\",\"%.8f\",\"0\"]}\n", \
		    1704067200000 + i * 60000, o, o + rand() * 50, o - rand() * 50, \
		    o + rand() * 20 - 10, rand() * 100, 1704067259999 + i * 60000, \
		    rand() * 4e6, int(rand() * 5000), rand() * 50, rand() * 2e6
	}
}' >"$tmp/in.ndjson"
gzip -1 -c "$tmp/in.ndjson" >"$tmp/in.ndjson.gz"
bytes=$(wc -c <"$tmp/in.ndjson")

now() { date +%s.%N; }

# run NAME CMD...: runs CMD (output to /dev/null), prints and sets $secs.
run() {
	_name=$1
	shift
	_t0=$(now)
	"$@" >/dev/null
	_t1=$(now)
	secs=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.3f", b - a }')
	awk -v n="$_name" -v s="$secs" -v b="$bytes" -v l="$N" 'BEGIN {
		if (s <= 0) s = 0.001
		printf "  %-40s %7.3f s %8.0f MB/s %6.2f M lines/s\n",
		    n, s, b / s / 1e6, l / s / 1e6 }'
}

ratio() {
	awk -v m="$1" -v p="$2" -v w="$3" 'BEGIN {
		if (m <= 0) m = 0.001
		printf "  ratio: mdx is %.2fx the speed of %s\n", p / m, w }'
}

echo "input: $N kline envelopes, $bytes bytes"
echo "read, check UTF-8, write:"
run "mdx (test-ndjson cat)" "$tn" cat "$tmp/in.ndjson"; m=$secs
run "iconv -f UTF-8 -t UTF-8" iconv -f UTF-8 -t UTF-8 "$tmp/in.ndjson"; p=$secs
ratio "$m" "$p" iconv
run "wc -l (counts lines, checks nothing)" wc -l "$tmp/in.ndjson"; p=$secs
ratio "$m" "$p" "wc -l"
echo "gzip input:"
run "mdx (test-ndjson cat F.gz)" "$tn" cat "$tmp/in.ndjson.gz"; m=$secs
run "zcat" zcat "$tmp/in.ndjson.gz"; p=$secs
ratio "$m" "$p" zcat
echo "parse every line:"
run "mdx (test-json parse)" "$tj" parse "$tmp/in.ndjson"; m=$secs
run "jq -c ." jq -c . "$tmp/in.ndjson"; p=$secs
ratio "$m" "$p" "jq -c ."
echo "one kline envelope, in process:"
"$tj" bench 1000000 | sed 's/^/  /'
