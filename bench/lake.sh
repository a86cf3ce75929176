#!/bin/sh
# lake.sh - mdx-lake put and cat against gzip and zcat of the same bytes,
# on the local directory and on S3 (s3rver on loopback):
#
#   mdx-lake put raw (local, S3)   vs  gzip -c > file
#   mdx-lake cat raw (local, S3)   vs  zcat file
#
# and the peak memory (max RSS) of put and cat at a tenth of the input and
# at the whole of it, which must stay flat and under 64 MiB.
#
# BENCH_N raw kline records (default 1000000; 10 symbols, 1m, about 470
# bytes each as mdx-extract writes them).  Wall time on a shared machine
# depends on its load, so CPU time (user + system) is shown too, and both
# ratios.
set -eu
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
N=${BENCH_N:-1000000}
. "$MDX_SRC/tests/lib.sh"
. "$MDX_SRC/tests/lake-data.sh"
set -eu
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "lake.sh: GNU time is needed (Debian package time)" >&2; exit 1; }

gen_raw $((N / 10)) AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT,EEEUSDT,FFFUSDT,GGGUSDT,HHHUSDT,IIIUSDT,JJJUSDT 1704067200 >"$T/in"
head -n $((N / 10)) "$T/in" >"$T/tenth"
bytes=$(wc -c <"$T/in")
awk -v n="$N" -v b="$bytes" 'BEGIN {
	printf "  %d records, %.0f MB (%.0f bytes a record)\n", n, b / 1e6, b / n }'
printf '  %-34s %8s %8s %8s %9s\n' "" "wall s" "cpu s" "MB/s" "RSS MiB"

# run NAME OUT CMD...: runs CMD with stdout to OUT; sets wall, cpu, rss.
run() {
	_name=$1 _out=$2
	shift 2
	"$TIME" -f '%e %U %S %M' -o "$T/time" "$@" >"$_out"
	read -r wall u s rss <"$T/time"
	cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
	rss=$(awk -v r="$rss" 'BEGIN { print r / 1024 }')
	awk -v n="$_name" -v w="$wall" -v c="$cpu" -v r="$rss" -v b="${runbytes:-$bytes}" \
	    'BEGIN { if (w <= 0) w = 0.01
		printf "  %-34s %8.2f %8.2f %8.0f %9.1f\n", n, w, c, b / w / 1e6, r }'
}

ratio() {
	awk -v w1="$1" -v w2="$2" -v c1="$3" -v c2="$4" -v what="$5" 'BEGIN {
		if (w2 <= 0) w2 = 0.01
		if (c2 <= 0) c2 = 0.01
		printf "  ratio %-28s wall %.2fx, cpu %.2fx\n", what, w1 / w2, c1 / c2 }'
}

# Local directory.
L=$T/lake
run "gzip -c > file" /dev/null sh -c "gzip -c <'$T/in' >'$T/in.gz'"
gw=$wall gc=$cpu
run "mdx-lake put raw (local)" /dev/null sh -c "mdx-lake -L '$L' put raw <'$T/in'"
pw=$wall pc=$cpu prss=$rss
ratio "$pw" "$gw" "$pc" "$gc" "put/gzip (target <= 1.5):"
run "zcat file" /dev/null zcat "$T/in.gz"
zw=$wall zc=$cpu
run "mdx-lake cat raw (local)" /dev/null mdx-lake -L "$L" cat raw
cw=$wall cc=$cpu crss=$rss
ratio "$cw" "$zw" "$cc" "$zc" "cat/zcat:"
printf '  sizes: gzip %d bytes, lake %d bytes\n' "$(wc -c <"$T/in.gz")" \
    "$(mdx-lake -L "$L" ls | awk -F '\t' '{ s += $2 } END { print s }')"
mdx-lake -L "$L" cat raw symbol=AAAUSDT | cmp -s - "$T/tenth" ||
    { echo "lake.sh: cat did not give back what put stored" >&2; exit 1; }

# S3.
s3_start
MDX_S3_PROTOCOL=http
export MDX_S3_PROTOCOL
S=s3://$S3_BUCKET/bench
run "mdx-lake put raw (S3)" /dev/null sh -c "mdx-lake -L '$S' put raw <'$T/in'"
ratio "$wall" "$gw" "$cpu" "$gc" "put S3/gzip:"
run "mdx-lake cat raw (S3)" /dev/null mdx-lake -L "$S" cat raw
ratio "$wall" "$zw" "$cpu" "$zc" "cat S3/zcat:"

# Memory stays flat: a tenth of the input against all of it.
runbytes=$(wc -c <"$T/tenth")
run "mdx-lake put, a tenth (local)" /dev/null sh -c "mdx-lake -L '$T/lake10' put raw <'$T/tenth'"
trss=$rss
run "mdx-lake cat, a tenth (local)" /dev/null mdx-lake -L "$T/lake10" cat raw
awk -v a="$trss" -v b="$prss" -v c="$rss" -v d="$crss" 'BEGIN {
	printf "  max RSS: put %.1f MiB at N/10, %.1f MiB at N; cat %.1f MiB at N/10, %.1f MiB at N (limit 64)\n", a, b, c, d
	if (b > 64 || d > 64) { print "  RSS over 64 MiB"; exit 1 }
}'
