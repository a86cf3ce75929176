#!/bin/sh
# cronday.t - a simulated day of cron against the mock exchange: ingest
# every minute of a simulated clock, rollup every hour, repair and maintain
# at the end of the day, with injected faults (server errors, resets, rate
# limiting, an outage long enough for ingest to give up with 75) and holes
# (one the exchange later fills, one maintenance window it never fills).
# The warehouse it builds must equal one built by a single clean backfill
# of the same period: candles, rollups, gaps and indicators.
#
# MDX_CRONDAY_HOURS sets the simulated length (default 24: 1440 ingest
# runs; .ci/run shortens it for the slower sanitizer build).
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

H=${MDX_CRONDAY_HOURS:-24}
P=$MDX_SRC/pipelines
T0=2026-11-02T00:00:00Z
t0=$(date -u -d "$T0" +%s)
at() { date -u -d "@$((t0 + $1 * 60))" +%Y-%m-%dT%H:%M:%SZ; }

pg_start
"$PG_BINDIR/createdb" clean
mock_start --now "$T0"
export MDX_VAR="$T/cron" MDX_LAKE="$T/cron/lake" MDX_STATE="$T/cron/state"
mkdir -p "$MDX_VAR"
cat >"$T/watchlist" <<'WL'
binance spot BTCUSDT  1m
okx     spot BTC-USDT 1m
WL
export MDX_WATCHLIST="$T/watchlist" MDX_INGEST_SINCE=$T0
export MDX_ROLLUPS=1h MDX_INDICATORS=rsi:14,ema:20,macd:12:26:9
export MDX_EXTRACT_OPTS="--tries 3"
mdx-load --migrate 2>/dev/null

# The exchange's troubles, in simulated minutes of the day.
m_hole=$((H * 60 / 4))		# 10 minutes missing, filled in later
m_maint=$((H * 60 / 2))		# 20 minutes of maintenance, never filled
m_outage=$((H * 60 / 3))	# binance unreachable for 2 minutes
mock_post holes "binance:spot:BTCUSDT:$(at $m_hole)/$(at $((m_hole + 10)))" >/dev/null
mock_post holes "okx:spot:BTC-USDT:$(at $m_maint)/$(at $((m_maint + 20)))" >/dev/null

bad=0 temp=0 runs=0
m=1
while [ $m -le $((H * 60)) ]; do
	now=$(at $m)
	export MDX_NOW="$now"
	mock_post clock "{\"now\":\"$now\"}" >/dev/null
	case $((m % 53)) in
	0) mock_fault '{"type":"500","exchange":"binance","count":2}' ;;
	17) mock_fault '{"type":"reset","exchange":"okx","count":1}' ;;
	29) mock_fault '{"type":"429","exchange":"binance","count":1,"retry_after":1}' ;;
	41) mock_fault '{"type":"truncate","exchange":"okx","count":1}' ;;
	esac
	if [ $m -eq $m_outage ]; then
		mock_fault '{"type":"503","exchange":"binance","count":1000}'
	fi
	if [ $m -eq $((m_outage + 2)) ]; then
		mock_clear faults
	fi
	if [ $m -eq $((m_hole + 60)) ]; then
		# The exchange recovers the candles it had lost.
		mock_clear holes
		mock_post holes "okx:spot:BTC-USDT:$(at $m_maint)/$(at $((m_maint + 20)))" >/dev/null
	fi
	"$P/ingest" 2>>"$T/ingest.log"
	st=$?
	runs=$((runs + 1))
	case $st in
	0) ;;
	75) temp=$((temp + 1)) ;;
	*) bad=$((bad + 1)); echo "# ingest at $now exited $st" ;;
	esac
	if [ $((m % 60)) -eq 0 ]; then
		"$P/rollup" 2>>"$T/rollup.log" ||
		    { bad=$((bad + 1)); echo "# rollup at $now failed"; }
	fi
	m=$((m + 1))
done
mock_clear faults
is "$bad" 0 "$runs ingest runs and $H rollups: none failed for good"
ok "[ $temp -ge 1 ]" "the outage made ingest exit 75 ($temp times), for cron to retry"

"$P/repair" "$T0" 2>"$T/repair.log"
is "$?" 0 "the nightly repair succeeds"
"$P/maintain" 2>"$T/maintain.log"
is "$?" 0 "the nightly maintain succeeds"

# The same period, built in one go by a clean backfill.
export MDX_DB="dbname=clean" MDX_VAR="$T/clean" MDX_LAKE="$T/clean/lake"
mkdir -p "$MDX_VAR"
mdx-load --migrate 2>/dev/null
end=$(at $((H * 60)))
"$P/backfill" binance BTCUSDT 1m "$T0" "$end" 2>"$T/bf1.log" &&
"$P/backfill" okx BTC-USDT 1m "$T0" "$end" 2>"$T/bf2.log" &&
"$P/repair" "$T0" 2>"$T/repair2.log"
is "$?" 0 "the clean backfill, rollup and repair succeed"

# Fingerprints that leave out surrogate keys, run ids and timestamps.
fp() {
	psql -X -A -t -d "$1" -c "
	SELECT 'candles', count(*), md5(string_agg(row(i.exchange, i.market,
	    i.symbol, c.interval, c.open_time, c.open, c.high, c.low, c.close,
	    c.volume, c.quote_volume, c.trades, c.taker_buy_volume,
	    c.taker_buy_quote_volume, c.closed, c.origin, c.base_count,
	    c.base_expected)::text, ',' ORDER BY i.symbol, c.interval,
	    c.open_time))
	  FROM mdx.candle c JOIN mdx.instrument i USING (instrument_id)"
	psql -X -A -t -d "$1" -c "
	SELECT 'gaps', count(*), md5(string_agg(row(i.symbol, g.interval,
	    g.from_time, g.to_time, g.missing, g.status)::text, ','
	    ORDER BY i.symbol, g.from_time))
	  FROM mdx.gap g JOIN mdx.instrument i USING (instrument_id)"
	psql -X -A -t -d "$1" -c "
	SELECT 'indicators', count(*), md5(string_agg(row(i.symbol, x.interval,
	    x.open_time, x.name, x.params, x.value)::text, ',' ORDER BY
	    i.symbol, x.interval, x.name, x.params, x.open_time))
	  FROM mdx.indicator x JOIN mdx.instrument i USING (instrument_id)"
}
fp mdx >"$T/fp.cron"
fp clean >"$T/fp.clean"
n1m=$(psql -X -A -t -d mdx -c "SELECT count(*) FROM mdx.candle WHERE interval = '1m'")
is "$n1m" "$((2 * H * 60))" "every minute of both series is in the cron-built warehouse"
is "$(psql -X -A -t -d mdx -c "SELECT count(*) FROM mdx.candle WHERE origin = 'filled'")" 20 \
    "the maintenance window is filled with 20 flagged candles"
is "$(sed -n 1p "$T/fp.cron")" "$(sed -n 1p "$T/fp.clean")" \
    "candles and rollups equal the clean backfill's"
is "$(sed -n 2p "$T/fp.cron")" "$(sed -n 2p "$T/fp.clean")" \
    "gaps equal the clean backfill's"
is "$(sed -n 3p "$T/fp.cron")" "$(sed -n 3p "$T/fp.clean")" \
    "indicators equal the clean backfill's"
done_testing
