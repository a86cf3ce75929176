#!/usr/bin/env node
// trades-gen.js - canonical trade NDJSON (mdx-records(5)) for the tests and
// the benchmark of mdx-aggregate --from-trades, made independently of mdx.
//
//   node trades-gen.js [--count N] [--from TIME] [--symbols A,B]
//       [--exchange binance] [--market spot] [--ids 1|0] [--gap-ms N]
//       [--seed N] [--fetched TIME]
//
// N trades, the symbols interleaved, times increasing by 0 to 2*gap-ms
// (default 20) milliseconds with a microsecond part on every third trade.
// Prices are a random walk in cents, quantities have 5 decimals, and
// quote_quantity is their exact product (7 decimals).  With --ids 1
// (the default for binance) each trade is an aggregate of 1 to 4 trades
// with first_id and last_id.  Output is written in blocks, fast enough
// to feed the benchmark.
'use strict';

const args = process.argv.slice(2);
const opt = { count: '1000', from: '2024-01-01T00:00:00Z', symbols: 'BTCUSDT',
	exchange: 'binance', market: 'spot', ids: '', 'gap-ms': '20',
	seed: '1', fetched: '' };
for (let i = 0; i < args.length; i += 2) {
	if (!args[i].startsWith('--') || !(args[i].slice(2) in opt) ||
	    i + 1 >= args.length)
		throw new Error('bad argument ' + args[i]);
	opt[args[i].slice(2)] = args[i + 1];
}
const count = Number(opt.count);
const syms = opt.symbols.split(',');
const ids = opt.ids === '' ? opt.exchange === 'binance' : opt.ids === '1';
const gap = Number(opt['gap-ms']);
let seed = Number(opt.seed) >>> 0;
function rnd() {
	seed = (seed + 0x6D2B79F5) >>> 0;
	let t = seed;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// The time as the contract prints it: no fraction when zero, 3 digits
// when the sub-millisecond part is zero, else 6.  The second's text is
// kept for the next trades.
let secKey = -1, secText = '';
function fmtTime(ms, us) {
	const sec = Math.floor(ms / 1000), m = ms - sec * 1000;
	if (sec !== secKey) {
		secKey = sec;
		secText = new Date(sec * 1000).toISOString().slice(0, 19);
	}
	if (us !== 0)
		return secText + '.' + String(m).padStart(3, '0') +
		    String(us).padStart(3, '0') + 'Z';
	if (m === 0)
		return secText + 'Z';
	return secText + '.' + String(m).padStart(3, '0') + 'Z';
}
// An integer count of 10^-scale units as a decimal string.
function fmtDec(v, scale) {
	let s = String(v).padStart(scale + 1, '0');
	return s.slice(0, s.length - scale) + '.' + s.slice(s.length - scale);
}

let t = Date.parse(opt.from);
const start = t;
const state = syms.map((s, i) => ({ sym: s, price: 4200000 + i * 1000,
	id: 1000 * (i + 1), tid: 5000 * (i + 1) }));
const end = start + count * gap * 2 + 60000;
const fetched = opt.fetched || new Date(end).toISOString();
let out = [], prevUs = 0;
for (let n = 0; n < count; n++) {
	const dt = Math.floor(rnd() * (2 * gap + 1));
	t += dt;
	let us = n % 3 === 2 ? 1 + Math.floor(rnd() * 999) : 0;
	if (dt === 0 && us < prevUs)
		us = prevUs;
	prevUs = dt === 0 ? Math.max(us, prevUs) : us;
	const st = state[n % syms.length];
	st.price += Math.floor(rnd() * 21) - 10;
	if (st.price < 100) st.price = 100;
	const qty = 1 + Math.floor(rnd() * 200000);
	const quote = st.price * qty;	/* below 2^53: exact */
	const side = rnd() < 0.5 ? 'buy' : 'sell';
	let line = '{"kind":"trade","exchange":"' + opt.exchange +
	    '","market":"' + opt.market + '","symbol":"' + st.sym +
	    '","id":"' + st.id + '"';
	if (ids) {
		const k = 1 + Math.floor(rnd() * 4);
		line += ',"first_id":' + st.tid + ',"last_id":' + (st.tid + k - 1);
		st.tid += k;
	}
	st.id++;
	line += ',"time":"' + fmtTime(t, us) + '","price":"' +
	    fmtDec(st.price, 2) + '","quantity":"' + fmtDec(qty, 5) +
	    '","quote_quantity":"' + fmtDec(quote, 7) + '","side":"' + side +
	    '","origin":"archive","fetched_at":"' + fetched + '"}';
	out.push(line);
	if (out.length === 10000) {
		process.stdout.write(out.join('\n') + '\n');
		out = [];
	}
}
if (out.length > 0)
	process.stdout.write(out.join('\n') + '\n');
