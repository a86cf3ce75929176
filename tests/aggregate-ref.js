#!/usr/bin/env node
// aggregate-ref.js - an independent reference rollup for the mdx-aggregate
// tests: canonical candles on stdin, one target interval (1h, 4h, 1d, 1w,
// 1M ...), rollups out as sorted TSV in the format of nd_candles in
// tests/aggregate-lib.sh (symbol, open_time, open, high, low, close, volume,
// quote_volume, trades, taker volumes, base_count, base_expected, origin).
// Decimals are summed exactly with BigInt.
'use strict';

const target = process.argv[2];
const base = process.argv[3] || '1m';
const ms = { '1m': 60e3, '5m': 300e3, '15m': 900e3, '1h': 3600e3,
	'4h': 14400e3, '1d': 86400e3 };

function floor(t) {
	const d = new Date(t);
	if (target === '1M')
		return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
	if (target === '1w') {
		const day = Math.floor(t / 86400e3);
		return (day - ((day + 3) % 7)) * 86400e3;	// Monday
	}
	return Math.floor(t / ms[target]) * ms[target];
}
function next(b) {
	const d = new Date(b);
	if (target === '1M')
		return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
	if (target === '1w') return b + 7 * 86400e3;
	return b + ms[target];
}
function dec(s) {
	const [i, f = ''] = s.split('.');
	return { v: BigInt(i + f), s: f.length };
}
function add(a, b) {
	const s = Math.max(a.s, b.s);
	return { v: a.v * 10n ** BigInt(s - a.s) + b.v * 10n ** BigInt(s - b.s), s };
}
function cmp(a, b) {
	const s = Math.max(a.s, b.s);
	const x = a.v * 10n ** BigInt(s - a.s), y = b.v * 10n ** BigInt(s - b.s);
	return x < y ? -1 : x > y ? 1 : 0;
}
function fmt(a) {
	if (a === null) return '';
	let t = a.v.toString().padStart(a.s + 1, '0');
	if (a.s > 0) t = t.slice(0, t.length - a.s) + '.' + t.slice(t.length - a.s);
	if (t.includes('.')) t = t.replace(/0+$/, '').replace(/\.$/, '');
	return t;
}

const buckets = new Map();
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
for (const l of lines) {
	if (!l) continue;
	const c = JSON.parse(l);
	const t = Date.parse(c.open_time);
	const b = floor(t);
	const k = c.symbol + '\t' + b;
	let x = buckets.get(k);
	if (!x) {
		x = { sym: c.symbol, b, first: t, last: t, open: dec(c.open),
			close: dec(c.close), high: dec(c.high), low: dec(c.low),
			vol: dec('0'), qv: dec('0'), tr: 0n, tbv: dec('0'),
			tbqv: dec('0'), n: 0 };
		buckets.set(k, x);
	}
	if (t < x.first) { x.first = t; x.open = dec(c.open); }
	if (t > x.last) { x.last = t; x.close = dec(c.close); }
	if (cmp(dec(c.high), x.high) > 0) x.high = dec(c.high);
	if (cmp(dec(c.low), x.low) < 0) x.low = dec(c.low);
	x.vol = add(x.vol, dec(c.volume));
	x.qv = add(x.qv, dec(c.quote_volume));
	x.tr += BigInt(c.trades);
	x.tbv = add(x.tbv, dec(c.taker_buy_volume));
	x.tbqv = add(x.tbqv, dec(c.taker_buy_quote_volume));
	x.n++;
}
const out = [];
for (const x of buckets.values()) {
	const exp = (next(x.b) - x.b) / ms[base];
	out.push([x.sym, new Date(x.b).toISOString().replace('.000Z', 'Z'),
	    fmt(x.open), fmt(x.high), fmt(x.low), fmt(x.close), fmt(x.vol),
	    fmt(x.qv), x.tr.toString(), fmt(x.tbv), fmt(x.tbqv), x.n, exp,
	    'rollup'].join('\t'));
}
out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
process.stdout.write(out.map((l) => l + '\n').join(''));
