// indicators-oracle.js - test helper for tests/indicators*.t: generates
// candle series and checks mdx-indicators' output against TA-Lib (the npm
// package talib, which builds TA-Lib's own C sources) and against plain
// re-computations of the indicators TA-Lib does not have.
//
//   node indicators-oracle.js gen KIND N SEED [SYMBOL]   candles on stdout
//   node indicators-oracle.js check CANDLES OUTPUT SPECS [ABSFLOOR]
//
// check prints one line per indicator value name: "ok NAME n=COUNT" or
// "not ok NAME ..." with the first differences, then a summary line.
'use strict';
const fs = require('fs');
const path = require('path');
const talib = require(path.join(__dirname, 'node', 'node_modules', 'talib'));

// A small deterministic generator (mulberry32), so failures reproduce.
function rng(seed) {
	let a = seed >>> 0;
	return function () {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function iso(ms) {
	return new Date(ms).toISOString().replace('.000Z', 'Z');
}

// Prices as decimal strings with `dec` decimals, OHLC consistent.
function gen(kind, n, seed, symbol) {
	const r = rng(seed);
	const gauss = () => {
		let u = 0, v = 0;
		while (u === 0) u = r();
		while (v === 0) v = r();
		return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
	};
	let p, dec, vol = 0.002;
	switch (kind) {
	case 'random': p = 100; dec = 4; break;
	case 'real': p = 42283.58; dec = 2; break;
	case 'flat': p = 100; dec = 2; break;
	case 'tiny': p = 1.5e-8; dec = 16; break;
	case 'huge': p = 1e12; dec = 2; break;
	default: throw new Error('unknown kind ' + kind);
	}
	const t0 = Date.UTC(2024, 0, 1);
	const out = [];
	for (let i = 0; i < n; i++) {
		let o = p, c, h, l;
		if (kind === 'flat') {
			c = h = l = o;
		} else {
			if (kind === 'real') {
				// Volatility clusters and trends, as markets have.
				if (r() < 0.01) vol = 0.0005 + r() * 0.006;
				c = o * Math.exp(vol * gauss() + 0.00002 * Math.sin(i / 500));
			} else {
				c = o * (1 + (r() - 0.5) * 0.02);
			}
			h = Math.max(o, c) * (1 + r() * vol * 2);
			l = Math.min(o, c) * (1 - r() * vol * 2);
		}
		const f = (x) => x.toFixed(dec);
		let os = f(o), cs = f(c), hs = f(h), ls = f(l);
		// Rounding may break high >= open, close >= low: repair in text.
		const num = Number;
		if (num(hs) < Math.max(num(os), num(cs))) hs = num(os) > num(cs) ? os : cs;
		if (num(ls) > Math.min(num(os), num(cs))) ls = num(os) < num(cs) ? os : cs;
		const v = (r() * 50).toFixed(8);
		out.push(JSON.stringify({
			kind: 'candle', exchange: 'binance', market: 'spot',
			symbol: symbol || 'BTCUSDT', interval: '1m',
			open_time: iso(t0 + i * 60000), open: os, high: hs, low: ls,
			close: cs, volume: v, quote_volume: null, closed: true,
			origin: 'exchange'
		}));
		p = num(cs);
	}
	process.stdout.write(out.join('\n') + '\n');
}

// The TA-Lib function, its optional inputs in spec order, and the names
// of its outputs as mdx names them.
const TA = {
	sma: ['SMA', ['optInTimePeriod'], { outReal: 'sma' }],
	ema: ['EMA', ['optInTimePeriod'], { outReal: 'ema' }],
	wma: ['WMA', ['optInTimePeriod'], { outReal: 'wma' }],
	rsi: ['RSI', ['optInTimePeriod'], { outReal: 'rsi' }],
	roc: ['ROC', ['optInTimePeriod'], { outReal: 'roc' }],
	atr: ['ATR', ['optInTimePeriod'], { outReal: 'atr' }],
	obv: ['OBV', [], { outReal: 'obv' }],
	macd: ['MACD', ['optInFastPeriod', 'optInSlowPeriod', 'optInSignalPeriod'],
	    { outMACD: 'macd', outMACDSignal: 'signal', outMACDHist: 'hist' }],
	bbands: ['BBANDS', ['optInTimePeriod', 'optInNbDevUp', 'optInNbDevDn'],
	    { outRealUpperBand: 'upper', outRealMiddleBand: 'middle',
	      outRealLowerBand: 'lower' }],
	stoch: ['STOCH', ['optInFastK_Period', 'optInSlowK_Period',
	    'optInSlowD_Period'], { outSlowK: 'slowk', outSlowD: 'slowd' }]
};

function taDefaults(fn) {
	const d = {};
	for (const o of talib.explain(fn).optInputs)
		d[o.name] = o.defaultValue;
	return d;
}

// Expected values of one spec over one series: {params, rows: [{t, v}]}.
function expected(spec, s) {
	const parts = spec.split(':');
	const name = parts[0];
	const n = s.close.length;
	if (name in TA) {
		const [fn, opts, outs] = TA[name];
		const def = taDefaults(fn);
		const args = { name: fn, startIdx: 0, endIdx: n - 1,
		    inReal: s.close, high: s.high, low: s.low, close: s.close,
		    volume: s.volume };
		const vals = opts.map((o, i) => parts[i + 1] !== undefined ?
		    Number(parts[i + 1]) : def[o]);
		if (name === 'bbands' && parts.length === 3)
			vals[2] = vals[1];	// one deviation for both bands
		opts.forEach((o, i) => { args[o] = vals[i]; });
		if (name === 'bbands') args.optInMAType = 0;
		if (name === 'stoch') {
			args.optInSlowK_MAType = 0;
			args.optInSlowD_MAType = 0;
		}
		const res = n > 0 ? talib.execute(args) : { begIndex: 0, nbElement: 0, result: {} };
		if (res.error) throw new Error(fn + ': ' + res.error);
		const rows = [];
		for (let k = 0; k < res.nbElement; k++) {
			const v = {};
			for (const o in outs) v[outs[o]] = res.result[o][k];
			rows.push({ t: s.time[res.begIndex + k], v });
		}
		return { params: vals.map(String).join(':'), rows };
	}
	return plain(name, parts.slice(1), s);
}

// The indicators TA-Lib lacks, computed the obvious way (windows summed
// afresh, no running state), from their definitions in mdx-indicators(1).
function plain(name, p, s) {
	const n = s.close.length, rows = [];
	const tp = (i) => (s.high[i] + s.low[i] + s.close[i]) / 3;
	if (name === 'vwap' && (p.length === 0 || p[0] === 'day')) {
		for (let i = 0; i < n; i++) {
			const day = Math.floor(s.ms[i] / 86400000);
			let pv = 0, v = 0;
			for (let j = i; j >= 0 && Math.floor(s.ms[j] / 86400000) === day; j--) {
				pv += tp(j) * s.volume[j];
				v += s.volume[j];
			}
			if (v !== 0) rows.push({ t: s.time[i], v: { vwap: pv / v } });
		}
		return { params: 'day', rows };
	}
	if (name === 'vwap') {
		const w = Number(p[0]);
		for (let i = w - 1; i < n; i++) {
			let pv = 0, v = 0;
			for (let j = i - w + 1; j <= i; j++) {
				pv += tp(j) * s.volume[j];
				v += s.volume[j];
			}
			if (v !== 0) rows.push({ t: s.time[i], v: { vwap: pv / v } });
		}
		return { params: String(w), rows };
	}
	if (name === 'stats24h') {
		for (let i = 0; i < n; i++) {
			// The window: open times from close - 24 h on.
			const lim = s.ms[i] + s.ivms - 86400000;
			if (s.ms[0] > lim) continue;
			let j = i;
			while (j > 0 && s.ms[j - 1] >= lim) j--;
			let hi = -Infinity, lo = Infinity, vol = 0;
			for (let k = j; k <= i; k++) {
				hi = Math.max(hi, s.high[k]);
				lo = Math.min(lo, s.low[k]);
				vol += s.volume[k];
			}
			const ch = s.close[i] - s.open[j];
			rows.push({ t: s.time[i], v: { last: s.close[i], change: ch,
			    change_pct: s.open[j] !== 0 ? ch / s.open[j] * 100 : 0,
			    high: hi, low: lo, volume: vol } });
		}
		return { params: '', rows };
	}
	if (name === 'enigma') {
		let ath = -Infinity, atl = Infinity;
		for (let i = 0; i < n; i++) {
			ath = Math.max(ath, s.high[i]);
			atl = Math.min(atl, s.low[i]);
			const r = ath - atl;
			const v = { ath, atl, position: r !== 0 ? (s.close[i] - atl) / r * 100 : 0 };
			for (const [k, f] of [['fib_0', 0], ['fib_23_6', 23.6],
			    ['fib_38_2', 38.2], ['fib_50', 50], ['fib_61_8', 61.8],
			    ['fib_78_6', 78.6], ['fib_100', 100]])
				v[k] = atl + r * f / 100;
			rows.push({ t: s.time[i], v });
		}
		return { params: '', rows };
	}
	throw new Error('no oracle for ' + name);
}

function readSeries(file) {
	const s = { time: [], ms: [], open: [], high: [], low: [], close: [],
	    volume: [], ivms: 60000 };
	const ivs = { '1m': 60000, '5m': 300000, '1h': 3600000, '1d': 86400000 };
	for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
		if (line === '') continue;
		const c = JSON.parse(line);
		s.time.push(c.open_time);
		s.ms.push(Date.parse(c.open_time));
		for (const k of ['open', 'high', 'low', 'close', 'volume'])
			s[k].push(parseFloat(c[k]));
		s.ivms = ivs[c.interval] || s.ivms;
	}
	return s;
}

function check(candleFile, outFile, specs, absFloor) {
	const s = readSeries(candleFile);
	const got = new Map();
	for (const line of fs.readFileSync(outFile, 'utf8').split('\n')) {
		if (line === '') continue;
		const r = JSON.parse(line);
		got.set(r.name + '|' + r.params + '|' + r.open_time, r.values);
	}
	let failed = 0, total = 0, bitwise = 0, seen = 0;
	const done = new Set();
	for (const spec of specs.split(',')) {
		const name = spec.split(':')[0];
		const e = expected(spec, s);
		if (done.has(name + '|' + e.params))
			continue;	// a repeated spec is computed once
		done.add(name + '|' + e.params);
		const bad = [];
		for (const row of e.rows) {
			const g = got.get(name + '|' + e.params + '|' + row.t);
			if (g === undefined) {
				bad.push('missing at ' + row.t);
				continue;
			}
			seen++;
			for (const k in row.v) {
				const a = g[k], b = row.v[k];
				total++;
				if (a === b) { bitwise++; continue; }
				const d = Math.abs(a - b);
				const tol = Math.max(1e-9 * Math.max(Math.abs(a), Math.abs(b)), absFloor);
				if (typeof a !== 'number' || !(d <= tol))
					bad.push(`${k} at ${row.t}: got ${a} want ${b}`);
			}
		}
		const extra = [...got.keys()].filter((k) => k.startsWith(name + '|' + e.params + '|')).length - e.rows.length;
		if (extra > 0) bad.push(extra + ' records more than the oracle');
		if (bad.length) {
			failed++;
			console.log(`not ok ${spec} n=${e.rows.length}: ${bad.slice(0, 3).join('; ')}`);
		} else
			console.log(`ok ${spec} n=${e.rows.length}`);
	}
	const unmatched = got.size - seen;
	console.log(`summary failed=${failed} values=${total} bitwise=${bitwise} unmatched=${unmatched}`);
}

const [cmd, ...a] = process.argv.slice(2);
if (cmd === 'gen') gen(a[0], Number(a[1]), Number(a[2]), a[3]);
else if (cmd === 'check') check(a[0], a[1], a[2], Number(a[3] || 0));
else {
	console.error('usage: indicators-oracle.js gen|check ...');
	process.exit(64);
}
