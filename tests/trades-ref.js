#!/usr/bin/env node
// trades-ref.js - the reference for mdx-aggregate --from-trades, written
// apart from mdx: reads canonical trades (in time order per series, no
// duplicates) on standard input and prints the candles of one interval,
// sorted, as mdx-records(5) says a candle from trades reads: the first
// and last price, the extremes, exact sums as BigInt with the largest
// scale of their terms, trades counting the trades of an aggregate,
// taker-buy sums over the trades whose taker bought, fetched_at the
// latest, and the last bucket of a series partial when a trade of it was
// fetched before the bucket ended.
//
//   node trades-ref.js INTERVAL <trades.nd
'use strict';

const iv = process.argv[2];
const fixed = { '1s': 1e3, '1m': 60e3, '3m': 180e3, '5m': 300e3,
	'15m': 900e3, '30m': 1800e3, '1h': 3600e3, '2h': 7200e3, '4h': 14400e3,
	'6h': 21600e3, '8h': 28800e3, '12h': 43200e3, '1d': 86400e3,
	'3d': 259200e3 };
if (!fixed[iv] && iv !== '1w' && iv !== '1M')
	throw new Error('interval ' + iv);

function bucket(ms) {
	if (fixed[iv])
		return [ms - ms % fixed[iv], ms - ms % fixed[iv] + fixed[iv]];
	if (iv === '1w') {
		// 1970-01-01 was a Thursday; weeks start on Monday.
		const off = 4 * 86400e3, w = 7 * 86400e3;
		const b = Math.floor((ms - off) / w) * w + off;
		return [b, b + w];
	}
	const d = new Date(ms);
	return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
	    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

function dec(s) {
	const i = s.indexOf('.');
	return i < 0 ? { c: BigInt(s), s: 0 } :
	    { c: BigInt(s.slice(0, i) + s.slice(i + 1)), s: s.length - i - 1 };
}
function add(a, b) {
	const s = Math.max(a.s, b.s);
	return { c: a.c * 10n ** BigInt(s - a.s) + b.c * 10n ** BigInt(s - b.s),
	    s };
}
function cmp(a, b) {
	const s = Math.max(a.s, b.s);
	const x = a.c * 10n ** BigInt(s - a.s), y = b.c * 10n ** BigInt(s - b.s);
	return x < y ? -1 : x > y ? 1 : 0;
}
function fmt(d) {
	if (d.s === 0)
		return d.c.toString();
	const t = d.c.toString().padStart(d.s + 1, '0');
	return t.slice(0, t.length - d.s) + '.' + t.slice(t.length - d.s);
}
function fmtTime(ms) {
	const s = new Date(ms).toISOString();
	return ms % 1000 === 0 ? s.slice(0, 19) + 'Z' : s;
}

const series = new Map();
const out = [];
function emit(b, last) {
	const partial = last && b.minFetched !== null && b.minFetched < b.end;
	out.push(JSON.stringify({ kind: 'candle', exchange: b.exchange,
	    market: b.market, symbol: b.symbol, interval: iv,
	    open_time: fmtTime(b.open) }).slice(0, -1) +
	    ',"open":"' + fmt(b.o) + '","high":"' + fmt(b.h) + '","low":"' +
	    fmt(b.l) + '","close":"' + fmt(b.c) + '","volume":"' + fmt(b.v) +
	    (b.q === null ? '","quote_volume":null,"trades":' :
	    '","quote_volume":"' + fmt(b.q) + '","trades":') + b.n +
	    ',"taker_buy_volume":"' + fmt(b.tv) + '"' +
	    (b.q === null ? '' : ',"taker_buy_quote_volume":"' + fmt(b.tq) +
	    '"') + ',"closed":' +
	    (partial ? 'false' : 'true') + ',"origin":"trades"' +
	    (b.maxFetched !== null ? ',"fetched_at":"' +
	    fmtTime(b.maxFetched) + '"' : '') +
	    (partial ? ',"partial":true' : '') + '}');
}

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
	buf += d;
	const lines = buf.split('\n');
	buf = lines.pop();
	lines.forEach(take);
});
process.stdin.on('end', () => {
	if (buf !== '')
		take(buf);
	for (const b of series.values())
		emit(b, true);
	out.sort();
	process.stdout.write(out.map((l) => l + '\n').join(''));
});

function take(line) {
	if (line === '')
		return;
	const t = JSON.parse(line);
	const key = t.exchange + ' ' + t.market + ' ' + t.symbol;
	const ms = Date.parse(t.time);
	const [open, end] = bucket(ms);
	const p = dec(t.price), q = dec(t.quantity);
	// A null quote quantity (trades in contracts) makes the quote sums
	// of its bucket null.
	const qq = t.quote_quantity === null ? null : dec(t.quote_quantity);
	const n = t.first_id !== undefined ? t.last_id - t.first_id + 1 : 1;
	const f = t.fetched_at ? Date.parse(t.fetched_at) : null;
	const buy = t.side === 'buy';
	let b = series.get(key);
	if (b && b.open !== open) {
		emit(b, false);
		b = undefined;
	}
	if (!b) {
		b = { exchange: t.exchange, market: t.market, symbol: t.symbol,
		    open, end, o: p, h: p, l: p, c: p, v: q, q: qq,
		    tv: buy ? q : { c: 0n, s: q.s },
		    tq: qq === null ? null : buy ? qq : { c: 0n, s: qq.s }, n,
		    minFetched: f, maxFetched: f };
		series.set(key, b);
		return;
	}
	if (cmp(p, b.h) > 0) b.h = p;
	if (cmp(p, b.l) < 0) b.l = p;
	b.c = p;
	b.v = add(b.v, q);
	if (buy)
		b.tv = add(b.tv, q);
	if (qq === null || b.q === null) {
		b.q = b.tq = null;
	} else {
		b.q = add(b.q, qq);
		if (buy)
			b.tq = add(b.tq, qq);
	}
	b.n += n;
	if (f !== null) {
		if (b.minFetched === null || f < b.minFetched) b.minFetched = f;
		if (b.maxFetched === null || f > b.maxFetched) b.maxFetched = f;
	}
}
