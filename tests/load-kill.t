#!/bin/sh
# load-kill.t - the server killed in the middle of a large load: mdx-load
# exits 75, every committed batch is whole, nothing half-written; after a
# restart the same load completes and the table equals a clean load.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

N=200000
B=1000

pg_start
mdx-load --migrate 2>/dev/null || bail "migrate failed"

# N one-minute candles over several months, made canonical by mdx-transform.
awk -v n=$N 'BEGIN {
	for (i = 0; i < n; i++) {
		t = 1704067200000 + i * 60000
		p = 40000 + i % 997
		printf "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\",\"kind\":\"klines\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\",\"fetched_at\":\"2024-12-01T00:00:00Z\",\"closed\":true,\"data\":[%.0f,\"%d.10\",\"%d.90\",\"%d.05\",\"%d.50\",\"0.%06d\",%.0f,\"%d.25\",%d,\"0.1\",\"10\",\"0\"]}\n", t, p, p + 3, p - 2, p, i, t + 59999, 1000 + i, i % 300
	}
}' | mdx-transform --strict >"$T/big.ndjson" 2>/dev/null
is "$(wc -l <"$T/big.ndjson" | tr -d ' ')" "$N" "$N candles made"

mdx-load -b $B "$T/big.ndjson" >"$T/out1" 2>"$T/err1" &
pid=$!
# Kill the server once some batches are committed.
i=0
while :; do
	n=$(sql "SELECT count(*) FROM mdx.candle" 2>/dev/null || echo 0)
	[ "${n:-0}" -ge $((B * 3)) ] && break
	i=$((i + 1))
	[ $i -gt 600 ] && break
	sleep 0.05
done
pg_kill
wait $pid
st=$?
is "$st" "75" "server killed mid-load: exit 75"
like "$(cat "$T/err1")" "lost the connection to the warehouse" \
    "server killed mid-load: the message says so"

pg_restart || bail "pg_restart failed"
committed=$(sql "SELECT count(*) FROM mdx.candle")
ok "[ $committed -gt 0 ] && [ $committed -lt $N ]" \
    "some batches committed before the kill ($committed rows)"
is "$((committed % B))" "0" "only whole batches are in the table"
is "$(sql "SELECT status || ' ' || (finished_at IS NULL) || ' '
    || (counts->>'candles') FROM mdx.run")" "running true $committed" \
    "the dead run shows what it committed"

exits 0 "rerun after restart: exit 0" mdx-load -b $B "$T/big.ndjson"
like "$(cat "$T/err")" "candles $N \\(inserted $((N - committed)), revised 0, unchanged $committed\\)" \
    "rerun: inserts the rest, leaves the committed rows"
is "$(sql "SELECT count(*) FROM mdx.candle")" "$N" "rerun: every candle is there"

# The table equals a clean load into a fresh database.
content="SELECT md5(string_agg(concat_ws(',', open_time, open, high, low,
    close, volume, quote_volume, trades, taker_buy_volume,
    taker_buy_quote_volume, closed, origin, fetched_at), '|'
    ORDER BY open_time)) FROM mdx.candles"
after=$(sql "$content")
"$PG_BINDIR/createdb" mdx2 || bail "createdb failed"
MDX_DB=dbname=mdx2 mdx-load --migrate 2>/dev/null
MDX_DB=dbname=mdx2 mdx-load "$T/big.ndjson" 2>/dev/null
is "$after" "$(PGDATABASE=mdx2 sql "$content")" \
    "rerun: the table equals a clean load of the same file"

done_testing
