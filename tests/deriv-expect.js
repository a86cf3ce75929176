#!/usr/bin/env node
// deriv-expect.js - the canonical records mdx-transform should make of the
// mock exchange's derivatives data, computed here from the mock's own
// generator (tests/mock/exchange.js) and the meanings mdx-records(5)
// documents, not by mdx: tests compare them with what mdx-extract and
// mdx-transform produce.  fetched_at is left out.
//
//   node deriv-expect.js EXCHANGE MARKET SYMBOL KIND INTERVAL FROM TO NOW
//       [archive]
//
// KIND is mark_klines, index_klines, premium_klines, funding or
// open_interest; INTERVAL is the candle interval or open-interest period
// ("-" for funding); FROM and TO bound the times (TO exclusive); NOW is the
// mock's clock.  With "archive", the records of Binance's archives
// (origin archive; funding with its interval, without a mark price).
'use strict';

const mx = require('./mock/exchange.js');

const [ex, mk, sym, kind, ivc, fromS, toS, nowS, src] = process.argv.slice(2);
const now = mx.parseTime(nowS, Date.now());
const from = mx.parseTime(fromS, now), to = mx.parseTime(toS, now);
const market = new mx.Market({ start: mx.parseTime('2017-08-17T00:00:00Z',
    now) });
const inst = market.find(ex, mk, sym);
if (!inst || isNaN(from) || isNaN(to) || isNaN(now)) {
	process.stderr.write('deriv-expect.js: bad arguments\n');
	process.exit(64);
}
const archive = src === 'archive';
const origin = archive ? 'archive' : 'exchange';
const out = [];
const ident = (k) => ({ kind: k, exchange: ex, market: mk, symbol: sym });

if (/_klines$/.test(kind)) {
	const type = kind.replace('_klines', '');
	const iv = mx.mkiv(ivc, 0);
	// OKX keeps about three months of mark and index candles.
	const lo = ex === 'okx' ? Math.max(from, now - mx.OKX_PRICE_DEPTH) :
	    from;
	const sh = mx.shadowOf(inst, type);
	for (const c of market.candles(sh, iv, lo, to - 1, Infinity, true,
	    archive ? Infinity : now)) {
		if (!archive && !c.closed)
			continue;
		let row;
		if (ex === 'binance')
			row = mx.binancePriceRow(sh, c);
		else if (ex === 'bybit')
			row = mx.bybitPriceRow(sh, c);
		else
			row = mx.okxPriceRow(sh, c);
		out.push(Object.assign(ident('candle'), { interval: ivc,
		    price: type, open_time: mx.fmtTime(c.t), open: row[1],
		    high: row[2], low: row[3], close: row[4], closed: true,
		    origin: origin }));
	}
} else if (kind === 'funding') {
	for (const f of market.fundings(inst, from, to - 1, Infinity, true,
	    archive ? Infinity : now)) {
		const r = mx.fundingRow(inst, f);
		out.push(Object.assign(ident('funding'), {
			time: mx.fmtTime(f.t),
			rate: archive ? mx.fmtDec(f.rate, 8, 8) : r.fundingRate,
			// Only the archives say which interval was in force.
			interval: archive ? f.hours + 'h' : null,
			mark_price: !archive && ex === 'binance' ? r.markPrice : null,
			origin: origin }));
	}
} else if (kind === 'open_interest') {
	const iv = mx.mkiv(ivc, 0);
	// Binance keeps the latest 30 days (its archives everything).
	const lo = ex === 'binance' && !archive ?
	    Math.max(from, now - 30 * mx.DAY) : from;
	for (const x of market.oiSamples(inst, iv, lo, to - 1, Infinity, true,
	    archive ? Infinity : now)) {
		const r = mx.oiRow(inst, x);
		let oi, val;
		if (ex === 'binance') {
			oi = r.sumOpenInterest;
			val = r.sumOpenInterestValue;
		} else if (ex === 'bybit') {
			oi = r.openInterest;
			// Inverse contracts are worth 1 USD each.
			val = mk === 'inverse' ? r.openInterest : null;
		} else {
			oi = r[1];
			val = r[3];
		}
		out.push(Object.assign(ident('open_interest'), {
			time: mx.fmtTime(x.t), period: ivc, open_interest: oi,
			open_interest_value: val, origin: origin }));
	}
} else {
	process.stderr.write('deriv-expect.js: bad kind "' + kind + '"\n');
	process.exit(64);
}
process.stdout.write(out.map((r) => JSON.stringify(r) + '\n').join(''));
