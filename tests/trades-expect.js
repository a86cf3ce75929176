#!/usr/bin/env node
// trades-expect.js - the canonical trades mdx should make of the mock
// exchange's trades, computed here from the mock's generator and the
// exchanges' row shapes, independently of mdx (mdx-records(5) "Trade"):
//
//   node tests/trades-expect.js EXCHANGE MARKET SYMBOL FROM TO NOW ORIGIN
//       [--us]
//
// prints, oldest first, the trades with time in [FROM, TO) that exist at
// NOW (times as tests/mock/exchange.js parses them), with origin ORIGIN
// (exchange or archive) and no fetched_at.  --us: the time as Binance spot
// archives from 2025 give it (microseconds); else as the REST APIs give it
// (milliseconds).
'use strict';

const mx = require('./mock/exchange.js');

const [ex, market, symbol, fromS, toS, nowS, origin] = process.argv.slice(2);
const us = process.argv.indexOf('--us') >= 0;
const now = mx.parseTime(nowS, Date.now());
const from = mx.parseTime(fromS, now), to = mx.parseTime(toS, now);
const m = new mx.Market({ start: mx.parseTime('2017-08-17T00:00:00Z', 0) });
if (process.env.MOCK_HOLES)
	m.setHoles(mx.parseHoles(process.env.MOCK_HOLES, now));
const inst = m.find(ex, market, symbol);
if (!inst || isNaN(from) || isNaN(to) || isNaN(now)) {
	process.stderr.write('trades-expect.js: bad arguments\n');
	process.exit(64);
}

// Exact product of two decimal strings, trailing fractional zeros removed.
function mul(a, b) {
	const sa = a.indexOf('.') < 0 ? 0 : a.length - a.indexOf('.') - 1;
	const sb = b.indexOf('.') < 0 ? 0 : b.length - b.indexOf('.') - 1;
	let s = (BigInt(a.replace('.', '')) * BigInt(b.replace('.', '')))
	    .toString();
	let sc = sa + sb;
	while (sc > 0 && s.endsWith('0')) {
		s = s.slice(0, -1);
		sc--;
	}
	if (sc === 0)
		return s;
	s = s.padStart(sc + 1, '0');
	return s.slice(0, s.length - sc) + '.' + s.slice(s.length - sc);
}

function time(t) {
	const ms = Math.floor(t / 1000), sub = t % 1000;
	let s = new Date(ms).toISOString();	// ...ss.mmmZ
	if (sub !== 0)
		return s.slice(0, -1) + String(sub).padStart(3, '0') + 'Z';
	return s.replace('.000Z', 'Z');
}

const out = [];
for (let mm = Math.floor(from / mx.MIN); mm * mx.MIN < to; mm++) {
	for (const z of m.tradesAt(inst, mm, now)) {
		const ms = Math.floor(z.us / 1000);
		if (ms < from || ms >= to)
			continue;
		const r = { kind: 'trade', exchange: ex, market: market,
		    symbol: symbol };
		let price, qty, t = ms * 1000, buy = z.buy;
		if (ex === 'binance') {
			const b = mx.binanceTrade(inst, z);
			r.id = String(b.a);
			r.first_id = b.f;
			r.last_id = b.l;
			price = b.p;
			qty = b.q;
			if (us)
				t = z.us;
			buy = !b.m;
		} else if (ex === 'bybit') {
			const b = mx.bybitTrade(inst, z);
			r.id = b.execId;
			price = b.price;
			qty = b.size;
			buy = b.side === 'Buy';
		} else {
			const o = mx.okxTrade(inst, z);
			r.id = o.tradeId;
			price = o.px;
			qty = o.sz;
			buy = o.side === 'buy';
		}
		r.time = time(t);
		r.price = price;
		r.quantity = qty;
		const contracts = (ex === 'okx' && market === 'swap') ||
		    (ex === 'bybit' && market === 'inverse');
		r.quote_quantity = contracts ? null : mul(price, qty);
		r.side = buy ? 'buy' : 'sell';
		r.origin = origin;
		out.push(JSON.stringify(r));
	}
}
process.stdout.write(out.length ? out.join('\n') + '\n' : '');
