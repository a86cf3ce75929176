#!/bin/sh
# change-log.t - the change log of mdx.candle is ordered per instrument
# (sql/064_change_log_per_instrument.sql): each transaction takes the next
# number of each instrument it changes, shares it among its entries (merged
# per interval and hour), and holds the instrument's head until it ends, so
# that the numbers of an instrument commit in order; instruments do not
# share numbers.  Against a private PostgreSQL cluster.
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"

plan 10

pg_start
mdx-load --migrate >/dev/null 2>&1 || bail "migrations failed"
sql "INSERT INTO mdx.instrument (exchange, market, symbol)
    VALUES ('binance', 'spot', 'AAA'), ('binance', 'spot', 'BBB')"
A=$(sql "SELECT instrument_id FROM mdx.instrument WHERE symbol = 'AAA'")
B=$(sql "SELECT instrument_id FROM mdx.instrument WHERE symbol = 'BBB'")
sql "SELECT mdx.ensure_candle_partitions('2030-01-01', '2030-01-31')" >/dev/null

# log I IV FROM TO ROWS: one call of the writers' function, as SQL.
log() {
	echo "SELECT mdx.log_candle_changes(ARRAY[$1]::bigint[], ARRAY['$2'],
	    ARRAY['$3'::timestamptz], ARRAY['$4'::timestamptz], ARRAY[$5]);"
}
entries() {	# I: seq, interval, hour, from, to, rows of the instrument
	sql "SELECT seq, interval, hour, from_time, to_time, rows
	    FROM mdx.candle_change WHERE instrument_id = $1 ORDER BY 1, 2, 3"
}

psql -X -q -A -t -v ON_ERROR_STOP=1 >/dev/null <<SQL
BEGIN;
$(log "$A" 1m 2030-01-01T00:10Z 2030-01-01T00:20Z 11)
$(log "$A" 1m 2030-01-01T00:05Z 2030-01-01T00:07Z 3)
$(log "$A" 1m 2030-01-01T01:00Z 2030-01-01T01:00Z 1)
$(log "$A" 1h 2030-01-01T00:00Z 2030-01-01T00:00Z 1)
COMMIT;
SQL
is "$(entries "$A")" "1|1h|2030-01-01 00:00:00+00|2030-01-01 00:00:00+00|2030-01-01 00:00:00+00|1
1|1m|2030-01-01 00:00:00+00|2030-01-01 00:05:00+00|2030-01-01 00:20:00+00|14
1|1m|2030-01-01 01:00:00+00|2030-01-01 01:00:00+00|2030-01-01 01:00:00+00|1" \
    "one transaction: one number, its entries merged per interval and hour"

sql "$(log "$A" 1m 2030-01-01T02:00Z 2030-01-01T02:00Z 1)" >/dev/null
sql "$(log "$B" 1m 2030-01-01T02:00Z 2030-01-01T02:00Z 1)" >/dev/null
is "$(sql "SELECT max(seq) FROM mdx.candle_change WHERE instrument_id = $A")" "2" \
    "the next transaction takes the next number of the instrument"
is "$(entries "$B")" "1|1m|2030-01-01 02:00:00+00|2030-01-01 02:00:00+00|2030-01-01 02:00:00+00|1" \
    "another instrument counts from its own head"
is "$(sql "SELECT instrument_id || ':' || seq FROM mdx.change_head ORDER BY 1")" \
    "$A:2
$B:1" "the heads hold the last numbers"

# A transaction that holds the head of AAA makes another wait; the waiter
# takes the number after it.
psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<SQL &
BEGIN;
$(log "$A" 1m 2030-01-01T03:00Z 2030-01-01T03:00Z 1)
SELECT pg_sleep(2);
COMMIT;
SQL
first=$!
sleep 0.5
PGAPPNAME=second psql -X -q -v ON_ERROR_STOP=1 -c "$(log "$A" 1m 2030-01-01T04:00Z 2030-01-01T04:00Z 1)" >/dev/null 2>&1 &
second=$!
psql -X -q -c "$(sql_wait_lock second)" >/dev/null
is "$(sql "SELECT wait_event_type FROM pg_stat_activity WHERE application_name = 'second'")" \
    "Lock" "a second writer of the instrument waits for the first"
wait "$first"
wait "$second"
is "$(sql "SELECT seq || ' ' || hour FROM mdx.candle_change
    WHERE instrument_id = $A AND seq > 2 ORDER BY seq")" \
    "3 2030-01-01 03:00:00+00
4 2030-01-01 04:00:00+00" "it takes the number after the first's, in commit order"

# The writers log themselves (mdx.log = self): no trigger doubles them.
sql "TRUNCATE mdx.candle_change"
printf '%s\n' '{"kind":"candle","exchange":"binance","market":"spot","symbol":"AAA","interval":"1m","open_time":"2030-01-01T05:00:00Z","open":"1","high":"2","low":"1","close":"2","volume":"1","quote_volume":"1","closed":true,"origin":"exchange","fetched_at":"2030-01-02T00:00:00Z"}' |
    mdx-load -q
is "$(entries "$A")" "5|1m|2030-01-01 05:00:00+00|2030-01-01 05:00:00+00|2030-01-01 05:00:00+00|1" \
    "mdx-load logs its candle once, with the instrument's next number"

# Other sessions are logged by the row triggers, merged per transaction.
sql "TRUNCATE mdx.candle_change"
sql "INSERT INTO mdx.candle (instrument_id, interval, open_time, open, high,
    low, close, closed, origin) SELECT $B, '1m', t, 1, 1, 1, 1, true,
    'exchange' FROM generate_series('2030-01-01 06:00Z'::timestamptz,
    '2030-01-01 06:09Z', '1 minute') t"
is "$(entries "$B")" "2|1m|2030-01-01 06:00:00+00|2030-01-01 06:00:00+00|2030-01-01 06:09:00+00|10" \
    "an INSERT by hand is logged by the triggers, one entry for its hour"
sql "TRUNCATE mdx.candle_change"
sql "SET mdx.log = self; DELETE FROM mdx.candle WHERE instrument_id = $B"
is "$(sql "SELECT count(*) FROM mdx.candle_change")" "0" \
    "a session that says it logs itself is not logged by the triggers"
sql "SELECT mdx.log_candle_change($B, '1m', '2030-01-01 06:00Z', '2030-01-01 06:09Z')" >/dev/null
is "$(entries "$B")" "3|1m|2030-01-01 06:00:00+00|2030-01-01 06:00:00+00|2030-01-01 06:09:00+00|1" \
    "mdx.log_candle_change() logs a range by hand"
