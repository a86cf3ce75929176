# deriv-gen.sh - canonical derivatives records written by hand for the
# derivatives tests (sourced after tests/lib.sh): funding events with an
# interval change, open-interest samples with a hole, mark, index and
# premium candles.  The records are the contract's (mdx-records(5)), not
# mdx-transform's output, so that these tests need no fetching.

# fund SYMBOL TIME RATE INTERVAL|null [MARK]: one funding event.
fund() {
	_iv=null
	[ "$4" != null ] && _iv="\"$4\""
	_mp=null
	[ -n "${5:-}" ] && _mp="\"$5\""
	printf '{"kind":"funding","exchange":"binance","market":"usdm","symbol":"%s","time":"%s","rate":"%s","interval":%s,"mark_price":%s,"origin":"exchange","fetched_at":"2024-01-03T00:00:00Z"}\n' \
	    "$1" "$2" "$3" "$_iv" "$_mp"
}

# oi SYMBOL PERIOD TIME OI VALUE|null: one open-interest sample.
oi() {
	_v=null
	[ "$5" != null ] && _v="\"$5\""
	printf '{"kind":"open_interest","exchange":"binance","market":"usdm","symbol":"%s","time":"%s","period":"%s","open_interest":"%s","open_interest_value":%s,"origin":"exchange","fetched_at":"2024-01-03T00:00:00Z"}\n' \
	    "$1" "$3" "$2" "$4" "$_v"
}

# funding_set: the funding events of the tests.
#   BTCUSDT: 8h, then 4h from 2024-01-02T04:00Z: no gap.
#   ETHUSDT: 8h, the event of 2024-01-01T16:00Z missing: one gap.
#   SOLUSDT: 4h, then 8h; the first 8h event (08:00) missing: one gap.
#   XRPUSDT: only the first event says 8h; 16:00 on the second day missing.
#   LTCUSDT: 8h, then 4h dated from the event that opens the new schedule
#   (the source says 4h at 2024-01-02T00:00Z, 8h after the event before):
#   no gap.
funding_set() {
	fund BTCUSDT 2024-01-01T00:00:00Z 0.00010000 8h 42283.5
	fund BTCUSDT 2024-01-01T08:00:00Z 0.00012000 8h 42500.1
	fund BTCUSDT 2024-01-01T16:00:00Z -0.00003000 8h 42100
	fund BTCUSDT 2024-01-02T00:00:00Z 0.00010000 8h 42000.25
	fund BTCUSDT 2024-01-02T04:00:00Z 0.00005000 4h
	fund BTCUSDT 2024-01-02T08:00:00Z 0.00002500 4h
	fund BTCUSDT 2024-01-02T12:00:00Z 0.00005000 4h
	fund ETHUSDT 2024-01-01T00:00:00Z 0.00010000 8h
	fund ETHUSDT 2024-01-01T08:00:00Z 0.00010000 8h
	fund ETHUSDT 2024-01-02T00:00:00Z 0.00010000 8h
	fund ETHUSDT 2024-01-02T08:00:00Z 0.00010000 8h
	fund SOLUSDT 2024-01-01T00:00:00Z 0.00010000 4h
	fund SOLUSDT 2024-01-01T04:00:00Z 0.00010000 4h
	fund SOLUSDT 2024-01-01T16:00:00Z 0.00010000 8h
	fund SOLUSDT 2024-01-02T00:00:00Z 0.00010000 8h
	fund XRPUSDT 2024-01-01T00:00:00Z 0.00010000 8h
	fund XRPUSDT 2024-01-01T08:00:00Z 0.00010000 null
	fund XRPUSDT 2024-01-01T16:00:00Z 0.00010000 null
	fund XRPUSDT 2024-01-02T00:00:00Z 0.00010000 null
	fund XRPUSDT 2024-01-02T08:00:00Z 0.00010000 null
	fund XRPUSDT 2024-01-03T00:00:00Z 0.00010000 null
	fund LTCUSDT 2024-01-01T08:00:00Z 0.00010000 8h
	fund LTCUSDT 2024-01-01T16:00:00Z 0.00010000 8h
	fund LTCUSDT 2024-01-02T00:00:00Z 0.00010000 4h
	fund LTCUSDT 2024-01-02T04:00:00Z 0.00010000 4h
	fund LTCUSDT 2024-01-02T08:00:00Z 0.00010000 4h
}

# oi_set: BTCUSDT every 5m from 00:00 to 00:55, 00:20 and 00:25 missing;
# every 1h from 00:00 to 03:00, complete.
oi_set() {
	for m in 00 05 10 15 30 35 40 45 50 55; do
		oi BTCUSDT 5m "2024-01-01T00:$m:00Z" "8123$m.567" "34123456$m.12"
	done
	for h in 00 01 02 03; do
		oi BTCUSDT 1h "2024-01-01T$h:00:00Z" "8000$h" null
	done
}

# price_candles PRICE SYMBOL MINUTES: 1m candles of a price type from
# 2024-01-01T00:00Z, as node writes them (exact decimals as strings), on
# stdout.  Prices move by a fixed rule so that rollups differ per bucket.
price_candles() {
	node -e '
const [price, sym, n] = [process.argv[1], process.argv[2], +process.argv[3]];
const t0 = Date.UTC(2024, 0, 1);
for (let i = 0; i < n; i++) {
	const b = price === "premium" ? -50 + (i * 7) % 23 : 42000 + (i * 37) % 101;
	const o = b, c = b + ((i * 13) % 9) - 4;
	const h = Math.max(o, c) + (i % 5), l = Math.min(o, c) - (i % 3);
	const s = price === "premium" ? (x) => (x / 100000).toFixed(8) : (x) => x.toFixed(2);
	const t = new Date(t0 + i * 60000).toISOString().replace(".000Z", "Z");
	const p = price === "trade" ? "" : `,"price":"${price}"`;
	const v = price === "trade" ? `,"volume":"1.5","quote_volume":"63000"` : "";
	console.log(`{"kind":"candle","exchange":"binance","market":"usdm","symbol":"${sym}","interval":"1m"${p},"open_time":"${t}","open":"${s(o)}","high":"${s(h)}","low":"${s(l)}","close":"${s(c)}"${v},"closed":true,"origin":"exchange","fetched_at":"2024-01-03T00:00:00Z"}`);
}' "$1" "$2" "$3"
}
