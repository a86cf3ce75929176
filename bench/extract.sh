#!/bin/sh
# extract.sh - mdx-extract against a CCXT fetchOHLCV loop
# (bench/extract-ccxt.mjs), side by side in one run, both pointed at the
# mock exchange answering with BENCH_LATENCY (50) ms of latency and
# Binance's weight budget (6000 a minute):
#
#  1. a one-year 1m backfill of one symbol (BENCH_DAYS, 365 days);
#  2. a one-month 1m backfill of BENCH_SYMBOLS (20) symbols
#     (BENCH_MONTH_DAYS, 30 days);
#  3. the same month with the budget tight (BENCH_TIGHT, 1200 weight a
#     minute, told to mdx-extract with --weight-limit), so that the budget
#     and not the exchange bounds the speed: the share of each minute's
#     budget spent shows how close mdx runs to the limit without a 429.
#
# For each: wall time, requests per minute, weight spent, the weight of the
# busiest one-minute window and its share of the budget, 429s (and 418s),
# and the ratio of the wall times.
#
#  4. archive import: BENCH_ARCHIVE_DAYS (365) days of 1m klines in monthly
#     Binance public-data zips, mdx-extract --archive against bsdtar -xO | awk
#     writing the same envelope (no checksum, no validation); candles/s.
#
# Scale down for a quick run: BENCH_DAYS=30 BENCH_SYMBOLS=5
# BENCH_MONTH_DAYS=7 BENCH_ARCHIVE_DAYS=60 sh bench/extract.sh; run some
# parts only with BENCH_PARTS="year month tight archive".
set -u
: "${MDX_SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${MDX_BUILD:=$MDX_SRC/build}"
PATH="$MDX_BUILD:$PATH"
LAT=${BENCH_LATENCY:-50}
DAYS=${BENCH_DAYS:-365}
NSYM=${BENCH_SYMBOLS:-20}
MDAYS=${BENCH_MONTH_DAYS:-30}
TIGHT=${BENCH_TIGHT:-1200}
ADAYS=${BENCH_ARCHIVE_DAYS:-365}
PARTS=${BENCH_PARTS:-"year month tight archive"}
export MDX_SRC

_tap_failed=0
. "$MDX_SRC/tests/lib.sh" >/dev/null
MDX_NOW=2024-03-01T00:00:00Z
MDX_STATE=$T/state
export MDX_NOW MDX_STATE
NOW_MS=1709251200000
now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }

SYMS="BTCUSDT ETHUSDT BNBUSDT SOLUSDT XRPUSDT ADAUSDT DOGEUSDT AVAXUSDT DOTUSDT
LINKUSDT LTCUSDT TRXUSDT ATOMUSDT UNIUSDT ETCUSDT XLMUSDT BCHUSDT FILUSDT
APTUSDT NEARUSDT ARBUSDT OPUSDT INJUSDT SUIUSDT"
syms=$(echo $SYMS | tr ' ' '\n' | head -"$NSYM" | tr '\n' ' ')

# run NAME LIMIT SINCE_MS UNTIL_MS SYMBOLS...: both tools on a fresh mock;
# prints a line each and the ratio.
run() {
	name=$1 limit=$2 since=$3 until=$4
	shift 4
	mock_start --now "$MDX_NOW" --latency "$LAT" --weight-limit "$limit"
	url=$MOCK_URL
	list=$(echo "$@" | tr ' ' ',')
	echo "-- $name: $# symbol(s), $(( (until - since) / 60000 )) minutes each, budget $limit weight/min, latency $LAT ms"
	for tool in mdx ccxt; do
		# Fresh counters: the weight of this window starts at 0.
		curl -s -X POST "$url/mock/reset" >/dev/null
		t0=$(now)
		if [ $tool = mdx ]; then
			mdx-extract -s "$list" -i 1m --since "$since" --until "$until" \
			    --weight-limit "$limit" >"$T/out" 2>"$T/err"
		else
			node "$MDX_SRC/bench/extract-ccxt.mjs" "$url" "$since" "$until" \
			    "$@" >"$T/out" 2>"$T/err"
		fi
		st=$?
		t1=$(now)
		rows=$(wc -l <"$T/out" | tr -d ' ')
		curl -s "$url/mock/stats" >"$T/stats"
		req=$(jq '.by_endpoint["/api/v3/klines"] // 0' "$T/stats")
		w=$(jq '.weight.spot.total' "$T/stats")
		peak=$(jq '.weight.spot.peak' "$T/stats")
		r429=$(jq '.sent_429' "$T/stats")
		r418=$(jq '.sent_418' "$T/stats")
		wins=$(jq -c '[.weight.spot.windows[]?.used]' "$T/stats")
		el=$(calc "$t1 - $t0")
		printf '%-5s %6.1f s  %7d candles  %5d requests  %6.0f req/min  weight %5d  busiest minute %5d = %3.0f%% of %d  429s %d  418s %d  exit %d  windows %s\n' \
		    "$tool" "$el" "$rows" "$req" "$(calc "$req * 60 / $el")" "$w" \
		    "$peak" "$(calc "$peak * 100 / $limit")" "$limit" "$r429" \
		    "$r418" "$st" "$wins"
		eval "el_$tool=$el"
	done
	printf 'ratio  ccxt / mdx wall time: %.1fx\n' "$(calc "$el_ccxt / $el_mdx")"
	kill "$_mpid" 2>/dev/null
	wait "$_mpid" 2>/dev/null
}

want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

want year && run "one-year 1m backfill" 6000 \
    $((NOW_MS - DAYS * 86400000)) "$NOW_MS" BTCUSDT
want month && run "one-month 1m backfill of $NSYM symbols" 6000 \
    $((NOW_MS - MDAYS * 86400000)) "$NOW_MS" $syms
want tight && run "the same under a tight budget" "$TIGHT" \
    $((NOW_MS - MDAYS * 86400000)) "$NOW_MS" $syms
want archive || exit 0

# ------------------------------------------------------------------------
echo "-- archive import: $ADAYS days of 1m klines in monthly zips"
A=$T/archive
mkdir -p "$A"
awk -v days="$ADAYS" -v start=1672531200000 -v dir="$A" 'BEGIN {
	for (i = 0; i < days * 1440; i++) {
		t = start + i * 60000
		p = 20000 + (i % 1000)
		f = dir "/" strftime("BTCUSDT-1m-%Y-%m.csv", t / 1000, 1)
		printf "%.0f,%d.01000000,%d.50000000,%d.00000000,%d.25000000,12.34567000,%.0f,254829.12345678,%d,6.17283500,127414.56172839,0\n",
		    t, p, p + 1, p - 1, p, t + 59999, 100 + i % 900 >f
	}
}'
for c in "$A"/*.csv; do
	(cd "$A" && bsdtar --format zip -cf "$(basename "$c" .csv).zip" \
	    "$(basename "$c")" && sha256sum "$(basename "$c" .csv).zip" \
	    >"$(basename "$c" .csv).zip.CHECKSUM")
done
mkdir -p "$A/zips"
mv "$A"/*.zip "$A"/*.CHECKSUM "$A/zips/"
rows=$(cat "$A"/*.csv | wc -l | tr -d ' ')
rm -f "$A"/*.csv
cat "$A"/zips/* >/dev/null
# Wall time on a shared machine moves with its load, so CPU time (user +
# system, of every process in the pipeline) is given too.
/usr/bin/time -f '%e %U %S' -o "$T/t.mdx" \
    mdx-extract --archive "$A/zips" 2>/dev/null | wc -l >"$T/n.mdx"
cat >"$T/peer.sh" <<'EOF'
# The peer: unpack each zip and wrap each line in the same envelope.
f=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for z in "$1"/*.zip; do
	b=$(basename "$z")
	bsdtar -xOf "$z" | awk -F, -v b="$b" -v f="$f" '{
		printf "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\",\"kind\":\"klines\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\",\"time\":\"%s\",\"source\":\"archive\",\"request\":\"%s:%d\",\"fetched_at\":\"%s\",\"closed\":true,\"data\":\"%s\"}\n",
		    strftime("%Y-%m-%dT%H:%M:%SZ", $1 / 1000, 1), b, NR, f, $0
	}'
done
EOF
/usr/bin/time -f '%e %U %S' -o "$T/t.awk" sh "$T/peer.sh" "$A/zips" |
    wc -l >"$T/n.awk"
m=$(cat "$T/n.mdx") a=$(cat "$T/n.awk")
read -r mw mu ms <"$T/t.mdx"
read -r aw au as <"$T/t.awk"
printf 'mdx   %6.2f s wall %6.2f s cpu  %8d candles  %9.0f candles/s wall  %9.0f candles/s cpu (target 1000000)\n' \
    "$mw" "$(calc "$mu + $ms")" "$m" "$(calc "$m / $mw")" "$(calc "$m / ($mu + $ms)")"
printf 'awk   %6.2f s wall %6.2f s cpu  %8d candles  %9.0f candles/s wall  %9.0f candles/s cpu (bsdtar -xO | awk, no checks)\n' \
    "$aw" "$(calc "$au + $as")" "$a" "$(calc "$a / $aw")" "$(calc "$a / ($au + $as)")"
printf 'ratio  mdx / awk candles/s: %.1fx wall, %.1fx cpu (of %d rows)\n' \
    "$(calc "($m / $mw) / ($a / $aw)")" \
    "$(calc "($m / ($mu + $ms)) / ($a / ($au + $as))")" "$rows"
