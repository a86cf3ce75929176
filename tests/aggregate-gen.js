#!/usr/bin/env node
// aggregate-gen.js - canonical candle NDJSON for the mdx-aggregate tests and
// benchmark, made independently of mdx (so the tests never check mdx
// against itself).
//
//   node aggregate-gen.js [--symbols A,B] [--from TIME] [--to TIME | --count N]
//       [--interval 1m] [--skip FROM/TO,...] [--seed N] [--shuffle N]
//       [--dup N] [--exchange binance] [--market spot] [--no-trades]
//
// Candles of every symbol are interleaved by open time.  --skip leaves out
// the open times in [FROM, TO); --shuffle N permutes the lines within blocks
// of N; --dup N repeats every N-th line.  Prices are random walks in cents,
// volumes decimals with 8 places, all from a seeded generator.
'use strict';

const args = process.argv.slice(2);
const opt = { symbols: 'BTCUSDT', from: '2024-01-01T00:00:00Z', interval: '1m',
	seed: 1, shuffle: 0, dup: 0, exchange: 'binance', market: 'spot',
	trades: true, skip: '' };
for (let i = 0; i < args.length; i++) {
	const a = args[i];
	if (a === '--no-trades') { opt.trades = false; continue; }
	if (!a.startsWith('--') || i + 1 >= args.length)
		throw new Error('bad argument ' + a);
	opt[a.slice(2)] = args[++i];
}
const ivms = { '1m': 60e3, '3m': 180e3, '5m': 300e3, '15m': 900e3,
	'30m': 1800e3, '1h': 3600e3, '2h': 7200e3, '4h': 14400e3,
	'1d': 86400e3 }[opt.interval];
if (!ivms) throw new Error('interval ' + opt.interval);
const from = Date.parse(opt.from);
const to = opt.to ? Date.parse(opt.to) : from + Number(opt.count) * ivms;
const skips = opt.skip ? opt.skip.split(',').map((r) => r.split('/').map(Date.parse)) : [];

function mulberry32(seed) {
	let s = seed >>> 0;
	return function () {
		s = (s + 0x6D2B79F5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
// Prices and shuffling draw from separate generators, so that shuffled
// input holds the same candles as the ordered one.
const rnd = mulberry32(Number(opt.seed));
const rnd2 = mulberry32(Number(opt.seed) + 7919);
function ri(n) { return Math.floor(rnd() * n); }
function cents(v) { return (v / 100).toFixed(2); }
function dec8() { return ri(1000) + '.' + String(ri(1e8)).padStart(8, '0'); }
function iso(t) { return new Date(t).toISOString().replace('.000Z', 'Z'); }

const syms = opt.symbols.split(',');
const price = syms.map(() => 4000000 + ri(100000));
let out = [];
const block = Number(opt.shuffle) || 0;
const dup = Number(opt.dup) || 0;
let n = 0;
const w = [];
function flush(force) {
	if (!force && out.length < 8192) return;
	process.stdout.write(out.join(''));
	out = [];
}
function emit(line) {
	if (block > 1) {
		w.push(line);
		if (w.length === block) {
			for (let i = w.length - 1; i > 0; i--) {
				const j = Math.floor(rnd2() * (i + 1));
				[w[i], w[j]] = [w[j], w[i]];
			}
			for (const l of w) out.push(l);
			w.length = 0;
		}
	} else
		out.push(line);
	flush(false);
}
for (let t = from; t < to; t += ivms) {
	if (skips.some(([a, b]) => t >= a && t < b)) continue;
	for (let k = 0; k < syms.length; k++) {
		const o = price[k];
		const c = Math.max(100, o + ri(101) - 50);
		const h = Math.max(o, c) + ri(21);
		const l = Math.max(1, Math.min(o, c) - ri(21));
		price[k] = c;
		let line = '{"kind":"candle","exchange":"' + opt.exchange +
		    '","market":"' + opt.market + '","symbol":"' + syms[k] +
		    '","interval":"' + opt.interval + '","open_time":"' + iso(t) +
		    '","open":"' + cents(o) + '","high":"' + cents(h) +
		    '","low":"' + cents(l) + '","close":"' + cents(c) +
		    '","volume":"' + dec8() + '","quote_volume":"' + dec8() + '"';
		if (opt.trades)
			line += ',"trades":' + ri(5000) + ',"taker_buy_volume":"' +
			    dec8() + '","taker_buy_quote_volume":"' + dec8() + '"';
		line += ',"closed":true,"origin":"exchange"}\n';
		emit(line);
		n++;
		if (dup && n % dup === 0) emit(line);
	}
}
for (const l of w) out.push(l);
flush(true);
