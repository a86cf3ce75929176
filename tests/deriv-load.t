#!/bin/sh
# deriv-load.t - mdx-load of derivatives data (canonical records written by
# hand, tests/deriv-gen.sh): funding events, open-interest samples, mark,
# index and premium candles loaded exactly; a rerun changes nothing;
# revisions; rejects with their position, accounted; the friendly views
# (annualised rate, mark versus trade, basis) against values worked out
# here; funding gaps with an interval change and open-interest gaps in the
# warehouse (mdx.detect_series_gaps).
. "${MDX_SRC:-$(dirname "$0")/..}/tests/lib.sh"
. "$MDX_SRC/tests/deriv-gen.sh"

pg_start
exits 0 "migrate" mdx-load --migrate

funding_set >"$T/funding.ndjson"
oi_set >"$T/oi.ndjson"
{
	price_candles trade BTCUSDT 120
	price_candles mark BTCUSDT 120
	price_candles index BTCUSDT 120
	price_candles premium BTCUSDT 120
} >"$T/candles.ndjson"
cat "$T/funding.ndjson" "$T/oi.ndjson" "$T/candles.ndjson" >"$T/all.ndjson"

exits 0 "load funding, open interest and price candles" \
    mdx-load -b 100 "$T/all.ndjson"
like "$(cat "$T/err")" "candles 480 \\(inserted 480, revised 0, unchanged 0\\)" \
    "480 candles inserted"
like "$(cat "$T/err")" "funding 26 \\(inserted 26, revised 0, unchanged 0\\), open_interest 14 \\(inserted 14, revised 0, unchanged 0\\)" \
    "26 funding events and 14 samples inserted"
is "$(sql "SELECT count(*) FROM mdx.funding")" "26" "26 funding rows"
is "$(sql "SELECT count(*) FROM mdx.open_interest")" "14" "14 open-interest rows"

# Exact values, NULLs where the record had null.
is "$(sql "SELECT rate::text || ' ' || interval || ' ' || mark_price::text
    FROM mdx.fundings WHERE symbol = 'BTCUSDT'
    AND time = '2024-01-01T16:00:00Z'")" "-0.00003000 8h 42100" \
    "funding: negative rate, interval and mark price exact"
is "$(sql "SELECT coalesce(mark_price::text, 'null') || ' ' ||
    coalesce(interval, 'null') FROM mdx.funding f JOIN mdx.instrument i
    USING (instrument_id) WHERE symbol = 'XRPUSDT'
    AND time = '2024-01-01T08:00:00Z'")" "null null" \
    "funding: absent interval and mark price are NULL"
is "$(sql "SELECT open_interest::text || ' ' || open_interest_value::text
    FROM mdx.open_interests WHERE period = '5m'
    AND time = '2024-01-01T00:35:00Z'")" "812335.567 3412345635.12" \
    "open interest: values exact"
is "$(sql "SELECT string_agg(c.relname, ' ' ORDER BY c.relname)
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent IN ('mdx.funding'::regclass,
    'mdx.open_interest'::regclass)")" \
    "funding_202401 open_interest_202401" "monthly partitions made"

# Price candles: one instrument row per price, the same names.
is "$(sql "SELECT string_agg(price, ' ' ORDER BY price) FROM mdx.instrument
    WHERE symbol = 'BTCUSDT'")" "index mark premium trade" \
    "one instrument row per price"
is "$(sql "SELECT count(*) FROM mdx.candles WHERE price = 'mark'
    AND symbol = 'BTCUSDT'")" "120" "mark candles in mdx.candles"
is "$(sql "SELECT count(*) FROM mdx.candles_1m WHERE price = 'trade'")" "120" \
    "candles_1m has the price column"
is "$(sql "SELECT coalesce(volume::text, 'null') || ' ' || close::text
    FROM mdx.candles WHERE price = 'premium'
    AND open_time = '2024-01-01T00:01:00Z'")" "null -0.00043000" \
    "premium candle: negative price exact, no volume"
is "$(sql "SELECT string_agg(table_name, ' ' ORDER BY table_name)
    FROM information_schema.columns WHERE table_schema = 'mdx'
    AND column_name = 'price' AND table_name IN ('candles', 'candles_1h',
    'instruments', 'indicators')")" "candles candles_1h indicators instruments" \
    "the views give the price"
is "$(sql "SELECT count(*) FROM mdx.funding f JOIN mdx.instrument i
    USING (instrument_id) WHERE i.price <> 'trade'")" "0" \
    "funding belongs to the trade row"

# Accounting in the run row.
is "$(sql "SELECT counts->>'read' || ' ' || (counts->>'funding') || ' ' ||
    (counts->>'open_interest') || ' ' || (counts->>'candles') || ' ' ||
    (counts->>'rejected') FROM mdx.run ORDER BY run_id DESC LIMIT 1")" \
    "520 26 14 480 0" "run counts: read = funding + oi + candles"

# A rerun changes nothing: same row versions.
before=$(sql "SELECT string_agg(xmin::text, ',' ORDER BY instrument_id, time)
    FROM mdx.funding")$(sql "SELECT string_agg(xmin::text, ','
    ORDER BY instrument_id, period, time) FROM mdx.open_interest")
exits 0 "rerun" mdx-load -b 100 "$T/all.ndjson"
like "$(cat "$T/err")" "candles 480 \\(inserted 0, revised 0, unchanged 480\\)" \
    "rerun: candles unchanged"
like "$(cat "$T/err")" "funding 26 \\(inserted 0, revised 0, unchanged 26\\), open_interest 14 \\(inserted 0, revised 0, unchanged 14\\)" \
    "rerun: funding and open interest unchanged"
after=$(sql "SELECT string_agg(xmin::text, ',' ORDER BY instrument_id, time)
    FROM mdx.funding")$(sql "SELECT string_agg(xmin::text, ','
    ORDER BY instrument_id, period, time) FROM mdx.open_interest")
is "$after" "$before" "rerun: no row written again"

# Revisions: a later fetch with another rate wins, an earlier one does not;
# a source without the interval does not erase it.
{
	fund BTCUSDT 2024-01-01T08:00:00Z 0.00015000 null |
	    sed 's/2024-01-03T00:00:00Z/2024-01-04T00:00:00Z/'
	fund BTCUSDT 2024-01-01T00:00:00Z 0.00099000 8h |
	    sed 's/2024-01-03T00:00:00Z/2024-01-02T00:00:00Z/'
	oi BTCUSDT 5m 2024-01-01T00:00:00Z 1 null |
	    sed 's/2024-01-03T00:00:00Z/2024-01-04T00:00:00Z/'
} >"$T/rev.ndjson"
exits 0 "revisions" mdx-load "$T/rev.ndjson"
like "$(cat "$T/err")" "funding 2 \\(inserted 0, revised 1, unchanged 1\\), open_interest 1 \\(inserted 0, revised 1, unchanged 0\\)" \
    "revisions counted"
is "$(sql "SELECT rate::text || ' ' || interval || ' ' || mark_price::text
    FROM mdx.fundings WHERE symbol = 'BTCUSDT'
    AND time = '2024-01-01T08:00:00Z'")" "0.00015000 8h 42500.1" \
    "later fetch revises; interval and mark price kept"
is "$(sql "SELECT rate::text FROM mdx.fundings WHERE symbol = 'BTCUSDT'
    AND time = '2024-01-01T00:00:00Z'")" "0.00010000" \
    "earlier fetch does not revise"
is "$(sql "SELECT open_interest::text || ' ' || open_interest_value::text
    FROM mdx.open_interests WHERE period = '5m'
    AND time = '2024-01-01T00:00:00Z'")" "1 3412345600.12" \
    "open interest revised, value kept"

# Bad records: rejected with their position, accounted, the rest loaded.
{
	fund ADAUSDT 2024-01-01T00:00:00Z 0.0001 8h
	fund ADAUSDT 2024-01-01T08:00:00Z 1e 8h
	fund ADAUSDT 2024-01-01T16:00:00Z 0.0001 7h
	fund ADAUSDT 2024-01-02T00:00:00Z 0.0001 8h -5
	fund ADAUSDT 2024-01-02T08:00:00Z 0.0001 8h | sed 's/"exchange","fetched/"rollup","fetched/'
	oi ADAUSDT 5m 2024-01-01T00:00:00Z -1 null
	oi ADAUSDT 1M 2024-01-01T00:00:00Z 1 null
	oi ADAUSDT 5m 2024-01-01T00:05:00Z 1 null
	echo '{"kind":"funding","exchange":"binance","market":"usdm","symbol":"ADAUSDT","time":"2024-01-01T00:00:00Z","origin":"exchange"}'
	oi ADAUSDT 5m 2024-01-01T00:07:00Z 1 null
	price_candles gold ADAUSDT 1
} >"$T/bad.ndjson"
exits 65 "bad records: exit 65" mdx-load "$T/bad.ndjson"
like "$(cat "$T/err")" "bad funding: bad \"rate\": .*at $T/bad.ndjson:2\\)" \
    "bad rate named with its line"
like "$(cat "$T/err")" "bad funding: bad \"interval\".*at $T/bad.ndjson:3\\)" \
    "unknown interval"
like "$(cat "$T/err")" "bad funding: mark_price not above zero.*:4\\)" \
    "negative mark price"
like "$(cat "$T/err")" "bad funding: origin \"rollup\": not exchange or archive.*:5\\)" \
    "origin rollup refused for funding"
like "$(cat "$T/err")" "bad open_interest: negative open_interest.*:6\\)" \
    "negative open interest"
like "$(cat "$T/err")" "bad open_interest: period 1M: not of fixed length.*:7\\)" \
    "a month is no period"
like "$(cat "$T/err")" "bad funding: no \"rate\".*:9\\)" "missing rate"
like "$(cat "$T/err")" "bad open_interest: time not aligned to 5m.*:10\\)" \
    "open-interest sample off its period"
like "$(cat "$T/err")" "bad candle: bad \"price\".*:11\\)" "unknown price"
like "$(cat "$T/err")" "read 11, .*rejected 9" "accounting: 11 read, 9 rejected"
like "$(cat "$T/err")" "funding 1 \\(inserted 1, .*open_interest 1 \\(inserted 1," \
    "accounting: the good ones loaded"

# The annualised rate: rate x events in a 365-day year at the interval in
# force (8h: 1095, 4h: 2190), worked out here by hand.
is "$(sql "SELECT to_char(time, 'DD HH24') || ' ' || interval_in_force ||
    ' ' || trim_scale(annualised_rate)::text FROM mdx.fundings
    WHERE symbol = 'BTCUSDT' ORDER BY time" | tr '\n' ';')" \
    "01 00 8h 0.1095;01 08 8h 0.16425;01 16 8h -0.03285;02 00 8h 0.1095;02 04 4h 0.1095;02 08 4h 0.05475;02 12 4h 0.1095;" \
    "annualised rates at 8h and 4h"
is "$(sql "SELECT string_agg(interval_in_force, ' ' ORDER BY time)
    FROM mdx.fundings WHERE symbol = 'XRPUSDT'")" "8h 8h 8h 8h 8h 8h" \
    "interval in force carried from an earlier event"

# Mark versus trade, and basis, against the candles' own closes.
is "$(sql "SELECT trade_close || ' ' || mark_close || ' ' || difference
    FROM mdx.mark_vs_trade WHERE open_time = '2024-01-01T00:05:00Z'")" \
    "$(sql "SELECT t.close || ' ' || m.close || ' ' || (m.close - t.close)
    FROM mdx.candles t JOIN mdx.candles m USING (symbol, interval, open_time)
    WHERE t.price = 'trade' AND m.price = 'mark'
    AND open_time = '2024-01-01T00:05:00Z'")" "mark_vs_trade"
is "$(sql "SELECT count(*) FROM mdx.mark_vs_trade")" "120" \
    "mark_vs_trade: one row per pair of candles"
is "$(sql "SELECT count(*) FROM mdx.basis WHERE basis <> trade_close - index_close
    OR mark_basis <> mark_close - index_close")" "0" "basis is close minus index"
is "$(sql "SELECT count(*) FROM mdx.basis WHERE trade_close IS NOT NULL")" "120" \
    "basis: every index candle has its trade candle"

# Gaps in the warehouse: no false gap at the 8h -> 4h change, a missing
# event before and after a change found, open interest against its period.
exits 0 "detect series gaps" sql "SELECT mdx.detect_series_gaps(NULL)"
is "$(sql "SELECT symbol || ' ' || series || ' ' || interval || ' ' ||
    to_char(from_time, 'DD HH24:MI') || ' ' || to_char(to_time, 'DD HH24:MI')
    || ' ' || missing || ' ' || status FROM mdx.series_gaps
    ORDER BY symbol, series, interval, from_time")" \
"BTCUSDT open_interest 5m 01 00:20 01 00:30 2 open
ETHUSDT funding 8h 01 16:00 02 00:00 1 open
SOLUSDT funding 8h 01 08:00 01 16:00 1 open
XRPUSDT funding 8h 02 16:00 03 00:00 1 open" "series gaps"
exits 0 "stream --gaps of the same records" mdx-aggregate --gaps \
    "$T/funding.ndjson" "$T/oi.ndjson"
is "$(jq -r '[.symbol, .series, .interval, .from[8:16], .to[8:16], .count] |
    map(tostring) | join(" ")' "$T/out")" \
"BTCUSDT open_interest 5m 01T00:20 01T00:30 2
ETHUSDT funding 8h 01T16:00 02T00:00 1
SOLUSDT funding 8h 01T08:00 01T16:00 1
XRPUSDT funding 8h 02T16:00 03T00:00 1" "stream: the same gaps"
sql "UPDATE mdx.series_gap SET status = 'refetched' WHERE missing = 2" >/dev/null
oi BTCUSDT 5m 2024-01-01T00:20:00Z 5 null >"$T/fill.ndjson"
exits 0 "half the open-interest gap arrives" mdx-load "$T/fill.ndjson"
exits 0 "detect again" sql "SELECT mdx.detect_series_gaps(NULL)"
is "$(sql "SELECT to_char(from_time, 'HH24:MI') || ' ' || missing || ' ' ||
    status FROM mdx.series_gap WHERE series = 'open_interest'")" \
    "00:25 1 open" "the rest of the gap, found anew"

done_testing
