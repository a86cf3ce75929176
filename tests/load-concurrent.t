#!/bin/sh
# load-concurrent.t - issue 18 finding 11: two mdx-load runs of
# overlapping candles at once.  They used to deadlock in 4 rounds of 10,
# the loser exiting 75; a batch the server rolls back for a deadlock
# (40P01) or a serialization failure (40001) is now written again, so both
# exit 0, every round, and the warehouse holds what one load of the union
# holds.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

pg_start
mdx-load --migrate 2>/dev/null || bail "migrate failed"

# 4 symbols of 1m candles, 6000 each; A holds the first 4000 of each, B
# the last 4000, in the opposite order (symbols and times reversed), so
# that the two meet on 2000 keys of each symbol from opposite ends.
awk 'BEGIN {
	split("BTCUSDT ETHUSDT SOLUSDT XRPUSDT", sym, " ")
	for (s = 1; s <= 4; s++)
		for (i = 0; i < 6000; i++) {
			t = 1704067200000 + i * 60000
			p = 100 * s + i % 97
			printf "%d %d {\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\",\"kind\":\"klines\",\"symbol\":\"%s\",\"interval\":\"1m\",\"fetched_at\":\"2024-12-01T00:00:00Z\",\"closed\":true,\"data\":[%.0f,\"%d.10\",\"%d.90\",\"%d.05\",\"%d.50\",\"1.5\",%.0f,\"%d.25\",%d,\"0.1\",\"10\",\"0\"]}\n", s, i, sym[s], t, p, p + 3, p - 2, p, t + 59999, 1000 + i, i % 300
		}
}' >"$T/all.keyed"
awk '$2 < 4000' "$T/all.keyed" | cut -d' ' -f3- | mdx-transform --strict \
    >"$T/a.ndjson" 2>/dev/null
awk '$2 >= 2000' "$T/all.keyed" | sort -k1,1nr -k2,2nr | cut -d' ' -f3- |
    mdx-transform --strict >"$T/b.ndjson" 2>/dev/null
is "$(wc -l <"$T/a.ndjson" | tr -d ' '):$(wc -l <"$T/b.ndjson" | tr -d ' ')" \
    "16000:16000" "two loads of 16000 candles, 8000 of them shared"

# What the candle table holds, as one hash.
table() {
	sql "SELECT count(*) || ' ' || md5(string_agg(c::text, ','
	    ORDER BY c.instrument_id, c.interval, c.open_time))
	    FROM (SELECT instrument_id, interval, open_time, open, high, low,
	    close, volume, quote_volume, trades, closed FROM mdx.candle) c"
}
wipe() { sql "TRUNCATE mdx.candle CASCADE" >/dev/null 2>&1; }

# The reference: one load of both, one after the other.
mdx-load -q "$T/a.ndjson" "$T/b.ndjson" 2>/dev/null
ref=$(table)
like "$ref" "^24000 " "one load of both: 24000 candles"

fails=0
r=1
while [ $r -le 10 ]; do
	wipe
	mdx-load -q -b 500 "$T/a.ndjson" 2>"$T/e1" &
	p1=$!
	mdx-load -q -b 500 "$T/b.ndjson" 2>"$T/e2" &
	p2=$!
	wait $p1
	s1=$?
	wait $p2
	s2=$?
	got=$(table)
	if [ "$s1:$s2" != 0:0 ] || [ "$got" != "$ref" ]; then
		fails=$((fails + 1))
		diag "round $r: exit $s1 and $s2; table $got"
		sed 's/^/# /' "$T/e1" "$T/e2" | head -4
	fi
	r=$((r + 1))
done
is "$fails" 0 "10 rounds of two loads at once: both exit 0, the table equals one load"

# A deadlock made on purpose, so that it happens every time: another
# session holds the batch's third key (uncommitted); once mdx-load has
# copied the first two and waits for the third, the session inserts the
# first.  The server aborts mdx-load's batch (the session waits longer
# before it looks for deadlocks), and mdx-load writes it again once the
# session has committed.
wipe
for i in 0 1 2 3 4; do
	printf '{"kind":"candle","exchange":"okx","market":"spot","symbol":"DOT-USDT","interval":"1m","open_time":"2024-04-01T0%d:00:00Z","open":"100","high":"101","low":"99","close":"100.5","volume":"1","quote_volume":"100","closed":true,"origin":"exchange","fetched_at":"2024-04-02T00:00:00Z"}\n' $i
done >"$T/dl"
# A candle of the same day, outside the batch: the instrument and the
# month's partition exist before.
sed -n 1p "$T/dl" | sed 's/2024-04-01T00/2024-04-01T09/' | mdx-load -q 2>/dev/null
iid=$(sql "SELECT instrument_id FROM mdx.instrument WHERE symbol = 'DOT-USDT'")
ins() {
	echo "INSERT INTO mdx.candle (instrument_id, interval, open_time, open,
	    high, low, close, closed, origin) VALUES ($iid, '1m',
	    '2024-04-01T0$1:00:00Z', 100, 101, 99, 100.1, true, 'exchange');"
}
{
	echo "SET deadlock_timeout = '30s';"
	echo "BEGIN;"
	ins 2
	echo "SELECT 'inserted';"
	# Once mdx-load waits for that row (at most 60 s), take its first.
	sql_wait_lock mdx-load
	ins 0
	echo "COMMIT;"
} | psql -X -q -A -t >"$T/dl.out" 2>&1 &
cpid=$!
wait_line "$T/dl.out" inserted
MDX_VERBOSE=1 mdx-load "$T/dl" >/dev/null 2>"$T/err"
is "$?" 0 "a batch aborted by a deadlock: exit 0"
wait $cpid
like "$(cat "$T/err")" "batch deadlocked with a concurrent writer; writing it again \\(2 of 8\\)" \
    "... it was written again"
is "$(sql "SELECT count(*) || ' ' || min(close) || ' ' || max(close)
    FROM mdx.candles WHERE symbol = 'DOT-USDT' AND open_time < '2024-04-01T05:00Z'")" \
    "5 100.5 100.5" "... every row as loaded"
is "$(grep -c 'ERROR' "$T/dl.out")" 0 "... the other session committed"

done_testing
