#!/bin/sh
# load-fast.t - mdx-load's fast path against the slow ones: new candles go
# by binary COPY straight into their monthly partitions and mdx-load writes
# their change log entries itself; the values stored, the comparison on
# reload and the change log must be what the text COPY, the upsert and the
# triggers of mdx.candle give.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

pg_start
mdx-load --migrate 2>/dev/null || bail "migrate failed"

# candle SYMBOL OPEN_TIME OPEN HIGH LOW CLOSE VOLUME [INTERVAL]
candle() {
	printf '{"kind":"candle","exchange":"binance","market":"spot","symbol":"%s","interval":"%s","open_time":"%s","open":"%s","high":"%s","low":"%s","close":"%s","volume":%s,"quote_volume":null,"closed":true,"origin":"exchange","fetched_at":"2025-01-01T00:00:00Z"}\n' \
	    "$1" "${8:-1m}" "$2" "$3" "$4" "$5" "$6" "$7"
}

# Decimals whose base-10000 digits are tricky: zero at several scales,
# leading and trailing zero groups, 38 significant digits, scales that
# are and are not multiples of 4, large integers.
{
	candle DEC 2030-01-01T00:00:00Z 0.00010000 12345678901234567890.123456789012345678 0 0.1 '"0"'
	candle DEC 2030-01-01T00:01:00Z 100000000 100000000.5 0.00000001 99999999.99999999 '"0.000"'
	candle DEC 2030-01-01T00:02:00Z 10000 20000 0.0000000000000000000000000000000000001 10000.0000 null
	candle DEC 2030-01-01T00:03:00Z 1.5 99999999999999999999999999999999999999 1.5 1.50 '"123456789.987654321"'
	candle DEC 2030-01-01T00:04:00Z 0.0001 0.001 0.0001 0.00100 '"10000000000000000"'
} >"$T/dec.ndjson"
exits 0 "tricky decimals: exit 0" mdx-load "$T/dec.ndjson"
like "$(cat "$T/err")" "inserted 5, revised 0" "tricky decimals: 5 inserted"
got=$(sql "SELECT open || ' ' || high || ' ' || low || ' ' || close || ' ' ||
    coalesce(volume::text, 'null') FROM mdx.candles WHERE symbol = 'DEC'
    ORDER BY open_time")
want=$(sed 's/.*"open":"\([^"]*\)","high":"\([^"]*\)","low":"\([^"]*\)","close":"\([^"]*\)","volume":\([^,]*\),.*/\1 \2 \3 \4 \5/; s/"//g' "$T/dec.ndjson")
is "$got" "$want" "tricky decimals: stored exactly, scale and all"

# The same values through psql's text COPY give the same rows.
cols="instrument_id, interval, open_time, open, high, low, close, volume,
    quote_volume, trades, taker_buy_volume, taker_buy_quote_volume, closed,
    origin, base_count, base_expected, fetched_at"
sql "CREATE TABLE text_copy (LIKE mdx.candle INCLUDING DEFAULTS)"
psql -X -q -c "\\copy (SELECT $cols FROM mdx.candle WHERE open_time >= '2030-01-01') TO '$T/dec.csv' CSV"
psql -X -q -c "\\copy text_copy ($cols) FROM '$T/dec.csv' CSV"
is "$(sql "SELECT count(*) FROM (SELECT $cols FROM mdx.candle
    WHERE open_time >= '2030-01-01' EXCEPT ALL SELECT $cols FROM text_copy) d")" \
    "0" "tricky decimals: binary rows equal text COPY rows"

exits 0 "tricky decimals, reload: exit 0" mdx-load "$T/dec.ndjson"
like "$(cat "$T/err")" "inserted 0, revised 0, unchanged 5" \
    "tricky decimals, reload: all unchanged"
sed 's/"close":"0.1"/"close":"0.10000"/; s/"close":"1.50"/"close":"1.5"/' \
    "$T/dec.ndjson" >"$T/dec2.ndjson"
exits 0 "other scale, same number: exit 0" mdx-load "$T/dec2.ndjson"
like "$(cat "$T/err")" "inserted 0, revised 0, unchanged 5" \
    "other scale, same number: unchanged"
sed 's/"close":"0.1"/"close":"0.10001"/' "$T/dec.ndjson" >"$T/dec3.ndjson"
exits 0 "one digit more: exit 0" mdx-load "$T/dec3.ndjson"
like "$(cat "$T/err")" "inserted 0, revised 1, unchanged 4" \
    "one digit more: revised"

# The change log: three instruments, two intervals, three months, hours
# cut by batches, unsorted input, some lines twice.  Per instrument,
# interval and hour, mdx-load's entries must cover exactly the rows the
# triggers of mdx.candle log for the same rows inserted through the parent
# table.
awk 'BEGIN {
	split("31 28 31", mdays, " ")
	for (i = 0; i < 3000; i++) {
		iv = (i % 5 == 0) ? "5m" : "1m"
		m = (i * 7919) % 100000
		if (iv == "5m")
			m = m - m % 5
		d = int(m / 1440)
		mo = 1
		while (d >= mdays[mo]) {
			d -= mdays[mo]
			mo++
		}
		line = sprintf("{\"kind\":\"candle\",\"exchange\":\"binance\",\"market\":\"spot\",\"symbol\":\"S%d\",\"interval\":\"%s\",\"open_time\":\"2031-%02d-%02dT%02d:%02d:00Z\",\"open\":\"1\",\"high\":\"2\",\"low\":\"0.5\",\"close\":\"1.5\",\"volume\":\"%d\",\"closed\":true,\"origin\":\"exchange\"}",
		    i % 3, iv, mo, d + 1, int(m % 1440 / 60), m % 60, i)
		print line
		if (i % 10 == 0)
			print line
	}
}' >"$T/log.ndjson"
sql "TRUNCATE mdx.candle_change"
exits 0 "change log: load in batches of 97" mdx-load -b 97 "$T/log.ndjson"
per_hour="SELECT instrument_id, interval,
    floor(extract(epoch FROM from_time) / 3600) AS h, min(from_time),
    max(to_time), sum(rows) FROM mdx.candle_change
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
sql "$per_hour" >"$T/log.load"
is "$(sql "SELECT count(*) FROM mdx.candle_change
    WHERE date_trunc('hour', from_time) <> date_trunc('hour', to_time)
    OR from_time > to_time")" "0" "change log: every entry within one hour"
is "$(sql "SELECT sum(rows) FROM mdx.candle_change")" \
    "$(sql "SELECT count(*) FROM mdx.candle WHERE open_time >= '2031-01-01'")" \
    "change log: one row counted per candle inserted"
sql "CREATE TABLE saved AS SELECT * FROM mdx.candle WHERE open_time >= '2031-01-01'"
sql "DELETE FROM mdx.candle WHERE open_time >= '2031-01-01'"
sql "TRUNCATE mdx.candle_change"
sql "INSERT INTO mdx.candle SELECT * FROM saved ORDER BY random()"
sql "$per_hour" >"$T/log.trigger"
files_eq "$T/log.load" "$T/log.trigger" \
    "change log: the same hours, ranges and rows as the triggers log"
ok "[ \$(wc -l <'$T/log.load') -gt 500 ]" "change log: many hours compared"

# In one batch, the entries are exactly the trigger's.
sql "DELETE FROM mdx.candle WHERE open_time >= '2031-01-01'"
sql "TRUNCATE mdx.candle_change"
exits 0 "change log, one batch: exit 0" mdx-load "$T/log.ndjson"
entries="SELECT instrument_id, interval, from_time, to_time, rows
    FROM mdx.candle_change ORDER BY 1, 2, 3"
sql "$entries" >"$T/log.load1"
sql "DELETE FROM mdx.candle WHERE open_time >= '2031-01-01'"
sql "TRUNCATE mdx.candle_change"
sql "INSERT INTO mdx.candle SELECT * FROM saved"
sql "$entries" >"$T/log.trigger1"
files_eq "$T/log.load1" "$T/log.trigger1" \
    "change log, one batch: the trigger's entries exactly"
is "$(sql "SELECT count(DISTINCT changed_at) FROM mdx.candle_change")" "1" \
    "change log: stamped with the transaction's time"

# A month whose partition is not mdx.candle_YYYYMM goes through mdx.candle
# (and its triggers); a table of that name that is no partition stays
# empty.
sql "CREATE TABLE mdx.candle_custom PARTITION OF mdx.candle
    FOR VALUES FROM ('2032-01-01') TO ('2032-02-01')"
sql "CREATE TABLE mdx.candle_203201 (LIKE mdx.candle)"
sql "TRUNCATE mdx.candle_change"
{
	candle CUST 2032-01-05T00:00:00Z 1 2 1 2 '"1"'
	candle CUST 2032-01-05T00:01:00Z 1 2 1 2 '"1"'
} >"$T/cust.ndjson"
exits 0 "own partition layout: exit 0" mdx-load "$T/cust.ndjson"
is "$(sql "SELECT count(*) FROM mdx.candle_custom")" "2" \
    "own partition layout: rows in the real partition"
is "$(sql "SELECT count(*) FROM mdx.candle_203201")" "0" \
    "own partition layout: none in the look-alike"
is "$(sql "SELECT from_time || ' ' || to_time || ' ' || rows FROM mdx.candle_change")" \
    "2032-01-05 00:00:00+00 2032-01-05 00:01:00+00 2" \
    "own partition layout: logged once, by the trigger"

# A partition named like the month but narrower: the rows outside it fail
# the partition's constraint, and the batch goes again through the upsert.
sql "CREATE TABLE mdx.candle_203203 PARTITION OF mdx.candle
    FOR VALUES FROM ('2032-03-01') TO ('2032-03-15')"
sql "CREATE TABLE mdx.candle_203203b PARTITION OF mdx.candle
    FOR VALUES FROM ('2032-03-15') TO ('2032-04-01')"
{
	candle NARROW 2032-03-10T00:00:00Z 1 2 1 2 '"1"'
	candle NARROW 2032-03-20T00:00:00Z 1 2 1 2 '"1"'
} >"$T/narrow.ndjson"
exits 0 "narrow partition: exit 0" mdx-load "$T/narrow.ndjson"
like "$(cat "$T/err")" "inserted 2, revised 0" "narrow partition: both inserted"
is "$(sql "SELECT count(*) FROM mdx.candle_203203b")" "1" \
    "narrow partition: the late row in the other partition"

done_testing
