#!/bin/sh
# trades-import.sh - trade archive import, zip to canonical trades:
# mdx-extract --archive -k trades --canonical against bsdtar | awk doing the
# same conversion, on the same Binance spot aggTrades archives (monthly,
# microsecond times, as Binance writes them since 2025; BENCH_MONTHS of
# them from 2025-01 on, default 12, about 350,000 trades each, from the
# mock's market: mdx runs for some CPU seconds, so that the 10 ms ticks of
# the CPU times do not matter).
#
#   mdx:          checksum, unzip (libdeflate, the member whole), check
#                 every row, exact quote quantity
#   bsdtar | awk: unzip, the same fields and the same exact quote quantity
#                 (long multiplication in 7-digit limbs), no checks
#
# Both write to a file.  The figures are trades per CPU second (user +
# system, children included: the machine may be shared, so wall time says
# more about the neighbours); mdx's is the median of BENCH_RUNS (default
# 3) runs, the peer's (many times slower) one run.  The outputs are
# compared byte for byte.  Also shown, for the record: the two-step
# pipeline mdx-extract --archive | mdx-transform, and bsdtar alone (what
# unzipping costs with zlib).  Targets: >= 2,000,000 trades per CPU
# second, and >= 3x bsdtar | awk.
set -eu
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
PATH=$MDX_BUILD:$PATH
M=${BENCH_MONTHS:-12}
RUNS=${BENCH_RUNS:-3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mdx-bench-trades.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
MDX_NOW=2026-01-01T00:00:00Z
export MDX_NOW

command -v bsdtar >/dev/null 2>&1 ||
    { echo "bench: bsdtar is needed" >&2; exit 1; }
TIMEF=/usr/bin/time
[ -x "$TIMEF" ] || { echo "bench: /usr/bin/time (GNU time) is needed" >&2; exit 1; }

i=1
while [ "$i" -le "$M" ]; do
	node "$MDX_SRC/tests/mock/make-archive.js" --kind aggTrades \
	    --month "$((2025 + (i - 1) / 12))-$(printf %02d $(((i - 1) % 12 + 1)))" \
	    --out "$tmp/z" >/dev/null
	i=$((i + 1))
done
N=0
for z in "$tmp"/z/*.zip; do
	N=$((N + $(bsdtar -xOf "$z" | wc -l)))
done

# run NAME CMD...: the command's output in $tmp/out, its wall and CPU
# seconds (user + system, children included; the run of median CPU time
# of $runs runs, default 1) in secs and cpu, and a line with the rates.
runs=1
run() {
	_name=$1
	shift
	_r=0
	: >"$tmp/runs"
	while [ "$_r" -lt "$runs" ]; do
		"$TIMEF" -f '%e %M %U %S' -o "$tmp/time" "$@" >"$tmp/out" \
		    2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
		tail -1 "$tmp/time" |
		    awk '{ print $3 + $4, $1 }' >>"$tmp/runs"
		_r=$((_r + 1))
	done
	set -- $(sort -n "$tmp/runs" |
	    awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
	cpu=$1 secs=$2
	awk -v n="$_name" -v s="$secs" -v r="$N" -v c="$cpu" 'BEGIN {
		if (s <= 0) s = 0.01
		if (c <= 0) c = 0.01
		printf "  %-30s %8d trades %6.2f s %6.2f CPU-s %9.0f /CPU-s\n",
		    n, r, s, c, r / c }'
}

cat >"$tmp/conv.awk" <<'EOF'
# One Binance aggTrades CSV row to the canonical trade mdx writes.
function trim(s) {
	if (index(s, ".") > 0) {
		sub(/0+$/, "", s)
		sub(/\.$/, "", s)
	}
	return s
}
# The exact product of two plain decimals, trailing zeros removed.
function mul(x, y,    sx, sy, i, xs, ys, nx, ny, a, b, r, k, c, s, sc) {
	x = trim(x); y = trim(y)
	i = index(x, "."); sx = i ? length(x) - i : 0; sub(/\./, "", x)
	i = index(y, "."); sy = i ? length(y) - i : 0; sub(/\./, "", y)
	nx = 0
	for (i = length(x); i > 0; i -= 7)
		a[nx++] = substr(x, i > 7 ? i - 6 : 1, i > 7 ? 7 : i) + 0
	ny = 0
	for (i = length(y); i > 0; i -= 7)
		b[ny++] = substr(y, i > 7 ? i - 6 : 1, i > 7 ? 7 : i) + 0
	for (k = 0; k < nx + ny; k++)
		r[k] = 0
	for (i = 0; i < nx; i++)
		for (k = 0; k < ny; k++)
			r[i + k] += a[i] * b[k]
	c = 0
	s = ""
	for (k = 0; k < nx + ny; k++) {
		r[k] += c
		c = int(r[k] / 10000000)
		s = sprintf("%07d", r[k] - c * 10000000) s
	}
	sub(/^0+/, "", s)
	sc = sx + sy
	while (sc > 0 && substr(s, length(s), 1) == "0") {
		s = substr(s, 1, length(s) - 1)
		sc--
	}
	if (sc == 0)
		return s
	while (length(s) <= sc)
		s = "0" s
	return substr(s, 1, length(s) - sc) "." substr(s, length(s) - sc + 1)
}
BEGIN {
	FS = ","
	pre = "{\"kind\":\"trade\",\"exchange\":\"binance\",\"market\":\"spot\"," \
	    "\"symbol\":\"" sym "\",\"id\":\""
	day = -1
}
{
	t = $6
	us = length(t) >= 15 ? t : t * 1000
	sec = int(us / 1000000)
	frac = us - sec * 1000000
	d = int(sec / 86400)
	if (d != day) {
		day = d
		date = strftime("%Y-%m-%d", d * 86400, 1)
	}
	r = sec - d * 86400
	ts = sprintf("%sT%02d:%02d:%02d", date, int(r / 3600),
	    int(r / 60) % 60, r % 60)
	if (frac % 1000 != 0)
		ts = ts sprintf(".%06d", frac)
	else if (frac != 0)
		ts = ts sprintf(".%03d", frac / 1000)
	printf "%s%s\",\"first_id\":%s,\"last_id\":%s,\"time\":\"%sZ\"," \
	    "\"price\":\"%s\",\"quantity\":\"%s\",\"quote_quantity\":\"%s\"," \
	    "\"side\":\"%s\",\"origin\":\"archive\",\"fetched_at\":\"%s\"}\n",
	    pre, $1, $4, $5, ts, $2, $3, mul($2, $3),
	    ($7 == "True" || $7 == "true") ? "sell" : "buy", fetched
}
EOF

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $M monthly BTCUSDT aggTrades archives, $N trades," \
    "$(cat "$tmp"/z/*.zip | wc -c) bytes zipped"
runs=$RUNS
run "mdx-extract --canonical" mdx-extract -q --archive "$tmp/z" -k trades \
    --canonical
mcpu=$cpu
cp "$tmp/out" "$tmp/mdx.ndjson"
run "mdx-extract | mdx-transform" sh -c "mdx-extract -q --archive '$tmp/z' \
    -k trades | mdx-transform -q"
pcpu=$cpu
cmp -s "$tmp/out" "$tmp/mdx.ndjson" ||
    { echo "bench: the pipeline and --canonical differ" >&2; exit 1; }
runs=1
run "bsdtar -xO (unzip alone)" sh -c "for z in '$tmp'/z/*.zip; do \
    bsdtar -xOf \"\$z\"; done"
run "bsdtar | awk" sh -c "for z in '$tmp'/z/*.zip; do bsdtar -xOf \"\$z\"; \
    done | awk -v sym=BTCUSDT -v fetched=2026-01-01T00:00:00Z \
    -f '$tmp/conv.awk'"
acpu=$cpu
status=0
if cmp -s "$tmp/out" "$tmp/mdx.ndjson"; then
	echo "  outputs: mdx and bsdtar | awk identical"
else
	echo "  outputs: DIFFER (bench/trades-import.sh: fix the awk)"
	status=1
fi
awk -v n="$N" -v mc="$mcpu" -v pc="$pcpu" -v ac="$acpu" -v runs="$RUNS" '
BEGIN {
	if (mc <= 0) mc = 0.01
	if (pc <= 0) pc = 0.01
	if (ac <= 0) ac = 0.01
	ratio = (n / mc) / (n / ac)
	printf "  trades per CPU second: mdx-extract --canonical %.0f (median of %d), bsdtar | awk %.0f\n",
	    n / mc, runs, n / ac
	printf "  ratio: mdx-extract --canonical is %.1fx bsdtar | awk (CPU time); the pipeline %.1fx\n",
	    ratio, (n / pc) / (n / ac)
	printf "  target >= 2000000 trades per CPU second: %s (%.0f)\n",
	    (n / mc >= 2000000 ? "met" : "MISSED"), n / mc
	printf "  target >= 3x bsdtar | awk: %s (%.1fx)\n",
	    (ratio >= 3 ? "met" : "MISSED"), ratio
}'
exit $status
