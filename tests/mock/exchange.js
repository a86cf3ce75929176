#!/usr/bin/env node
// exchange.js - the mock exchange for mdx tests, the demo and the benchmarks.
//
// It speaks the public market-data endpoints of Binance (spot and USD-M
// futures), Bybit v5 and OKX v5 with their real shapes, orderings, limits,
// rate limits and error bodies, over a deterministic synthetic market, and
// it can leave holes and inject faults.  tests/mock/README documents the
// options, the control endpoints and the market.  Only Node's built-in
// modules are used.
'use strict';

const http = require('http');
const crypto = require('crypto');
const zlib = require('zlib');

const MIN = 60000;
const HOUR = 3600000;
const DAY = 86400000;
const WEEK = 7 * DAY;
// 1970-01-01 was a Thursday; weeks start on Monday.
const WEEK_ALIGN = 4 * DAY;
const HKT = 8 * HOUR;

// ------------------------------------------------------------------------
// Time helpers.

// Parses a user-facing time the way mdx_time_parse does: RFC 3339 (seconds
// optional), a date, an epoch number (unit told by magnitude), "now", or a
// time relative to `now` such as "-2d".  Returns ms or NaN.
function parseTime(s, now) {
	if (s === undefined || s === null)
		return NaN;
	s = String(s).trim();
	if (s === 'now')
		return now;
	let m = /^([+-])(\d+)([smhdw])$/.exec(s);
	if (m) {
		const unit = { s: 1000, m: MIN, h: HOUR, d: DAY, w: WEEK }[m[3]];
		return now + (m[1] === '-' ? -1 : 1) * Number(m[2]) * unit;
	}
	if (/^-?\d+$/.test(s)) {
		const v = Number(s);
		const a = Math.abs(v);
		if (a < 1e11)
			return v * 1000;
		if (a < 1e14)
			return v;
		if (a < 1e17)
			return Math.trunc(v / 1000);
		return Math.trunc(v / 1e6);
	}
	if (/^\d{4}-\d\d-\d\d$/.test(s))
		return Date.parse(s + 'T00:00:00Z');
	if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(s))
		return NaN;
	return Date.parse(s);
}

function fmtTime(ms) {
	return new Date(ms).toISOString().replace('.000Z', 'Z');
}

// ------------------------------------------------------------------------
// Intervals.  An interval is {ms} (fixed, aligned to the epoch, or to
// Monday for weeks) or {months: 1}, shifted by `off` ms of local time (OKX
// aligns its non-UTC bars of 6H and longer to Hong Kong time, UTC+8).

const MDX_INTERVALS = {
	'1m': MIN, '3m': 3 * MIN, '5m': 5 * MIN, '15m': 15 * MIN, '30m': 30 * MIN,
	'1h': HOUR, '2h': 2 * HOUR, '4h': 4 * HOUR, '6h': 6 * HOUR,
	'8h': 8 * HOUR, '12h': 12 * HOUR, '1d': DAY, '3d': 3 * DAY, '1w': WEEK,
	'1M': 0
};

function mkiv(code, off) {
	const ms = MDX_INTERVALS[code];
	return { code: code, ms: ms, months: ms === 0 ? 1 : 0, off: off || 0 };
}

function ivFloor(iv, t) {
	const l = t + iv.off;
	if (iv.months) {
		const d = new Date(l);
		return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - iv.off;
	}
	const a = iv.ms === WEEK && iv.code !== 'kraken-1w' ? WEEK_ALIGN : 0;
	return Math.floor((l - a) / iv.ms) * iv.ms + a - iv.off;
}

function ivNext(iv, start) {
	if (iv.months) {
		const d = new Date(start + iv.off);
		return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - iv.off;
	}
	return start + iv.ms;
}

function ivPrev(iv, start) {
	if (iv.months) {
		const d = new Date(start + iv.off);
		return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1) - iv.off;
	}
	return start - iv.ms;
}

// Exchange interval spellings -> [mdx code, offset].
const BINANCE_IV = {};
for (const c of Object.keys(MDX_INTERVALS))
	BINANCE_IV[c] = [c, 0];
const BYBIT_IV = {
	'1': ['1m', 0], '3': ['3m', 0], '5': ['5m', 0], '15': ['15m', 0],
	'30': ['30m', 0], '60': ['1h', 0], '120': ['2h', 0], '240': ['4h', 0],
	'360': ['6h', 0], '720': ['12h', 0], 'D': ['1d', 0], 'W': ['1w', 0],
	'M': ['1M', 0]
};
const OKX_IV = {
	'1m': ['1m', 0], '3m': ['3m', 0], '5m': ['5m', 0], '15m': ['15m', 0],
	'30m': ['30m', 0], '1H': ['1h', 0], '2H': ['2h', 0], '4H': ['4h', 0],
	'6H': ['6h', HKT], '12H': ['12h', HKT], '1D': ['1d', HKT],
	'1W': ['1w', HKT], '1M': ['1M', HKT],
	'6Hutc': ['6h', 0], '12Hutc': ['12h', 0], '1Dutc': ['1d', 0],
	'1Wutc': ['1w', 0], '1Mutc': ['1M', 0]
};
// Kraken's intervals in minutes; its weeks open on Thursdays (multiples
// of 604800 s since the epoch), unlike mdx's 1w, and 21600 is 15 days:
// those two are served, under codes mdx does not have.
const KRAKEN_IV = {
	'1': ['1m', 0], '5': ['5m', 0], '15': ['15m', 0], '30': ['30m', 0],
	'60': ['1h', 0], '240': ['4h', 0], '1440': ['1d', 0],
	'10080': ['kraken-1w', 0], '21600': ['kraken-15d', 0]
};
// Coinbase Exchange granularities in seconds.
const COINBASE_IV = {
	'60': ['1m', 0], '300': ['5m', 0], '900': ['15m', 0],
	'3600': ['1h', 0], '21600': ['6h', 0], '86400': ['1d', 0]
};

// The interval of a Kraken interval spelling, or null.
function krakenInterval(k) {
	if (!KRAKEN_IV[k])
		return null;
	if (k === '10080')
		return { code: 'kraken-1w', ms: WEEK, months: 0, off: 0 };
	if (k === '21600')
		return { code: 'kraken-15d', ms: 15 * DAY, months: 0, off: 0 };
	return mkiv(KRAKEN_IV[k][0], 0);
}

// mdx interval code -> the exchange's spelling (UTC-aligned variants).
function nativeInterval(exchange, code) {
	const tab = exchange === 'binance' ? BINANCE_IV :
	    exchange === 'bybit' ? BYBIT_IV : exchange === 'kraken' ?
	    KRAKEN_IV : exchange === 'coinbase' ? COINBASE_IV : OKX_IV;
	for (const k of Object.keys(tab))
		if (tab[k][0] === code && tab[k][1] === 0)
			return k;
	return null;
}

// ------------------------------------------------------------------------
// Decimal formatting of integers in minor units.  x (Number or BigInt) is
// x * 10^-scale.  dec === null prints the natural form without trailing
// fractional zeros; else exactly dec decimals (dec >= scale).

function fmtDec(x, scale, dec) {
	let s = typeof x === 'bigint' ? x.toString() : String(x);
	let neg = '';
	if (s.charCodeAt(0) === 45) {
		neg = '-';
		s = s.slice(1);
	}
	let ip, fp;
	if (scale > 0) {
		if (s.length <= scale)
			s = '0'.repeat(scale + 1 - s.length) + s;
		ip = s.slice(0, s.length - scale);
		fp = s.slice(s.length - scale);
	} else {
		ip = s;
		fp = '';
	}
	if (dec === null || dec === undefined) {
		let e = fp.length;
		while (e > 0 && fp.charCodeAt(e - 1) === 48)
			e--;
		fp = fp.slice(0, e);
	} else if (fp.length < dec) {
		fp += '0'.repeat(dec - fp.length);
	}
	return fp.length ? neg + ip + '.' + fp : neg + ip;
}

function normDec(s) {
	if (s.indexOf('.') < 0)
		return s;
	return s.replace(/0+$/, '').replace(/\.$/, '');
}

// ------------------------------------------------------------------------
// Hashing.  A 32-bit integer mixer; every random number of the market is a
// pure function of (seed, index).

function h32(a, b) {
	let x = Math.imul((a ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ b;
	x ^= x >>> 16;
	x = Math.imul(x, 0x7feb352d);
	x ^= x >>> 15;
	x = Math.imul(x, 0x846ca68b);
	x ^= x >>> 16;
	return x >>> 0;
}

function hstr(s) {
	return crypto.createHash('sha256').update(s).digest().readUInt32LE(0);
}

// A uniform number in [0, 1) from a 32-bit hash.
function unit(h) {
	return h / 4294967296;
}

// A small seeded generator for fault probabilities.
function mulberry32(a) {
	return function () {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

// ------------------------------------------------------------------------
// The instruments.
//
// Assets: name, typical price, price decimals, tick (in price units), base
// quantity decimals, lot (in quantity units), typical base volume per minute.
const ASSETS = [
	['BTC', 42000, 2, 1, 5, 1, 30],
	['ETH', 2300, 2, 1, 4, 1, 400],
	['BNB', 310, 2, 1, 3, 1, 800],
	['SOL', 100, 2, 1, 3, 1, 3000],
	['XRP', 0.6, 4, 1, 0, 1, 300000],
	['ADA', 0.5, 4, 1, 1, 1, 400000],
	['DOGE', 0.09, 5, 1, 0, 1, 2000000],
	['AVAX', 35, 2, 1, 2, 1, 5000],
	['DOT', 7, 3, 1, 2, 1, 20000],
	['LINK', 15, 2, 1, 2, 1, 15000],
	['LTC', 70, 2, 1, 3, 1, 2000],
	['TRX', 0.1, 5, 1, 1, 1, 1500000],
	['ATOM', 9, 3, 1, 2, 1, 10000],
	['UNI', 6, 3, 1, 2, 1, 10000],
	['ETC', 20, 2, 1, 2, 1, 5000],
	['XLM', 0.12, 4, 1, 0, 1, 500000],
	['BCH', 230, 1, 1, 3, 1, 300],
	['FIL', 5, 3, 1, 2, 1, 20000],
	['APT', 9, 3, 1, 2, 1, 8000],
	['NEAR', 3, 3, 1, 1, 1, 30000],
	['ARB', 1.5, 4, 1, 1, 1, 60000],
	['OP', 3, 3, 1, 2, 1, 25000],
	['INJ', 30, 2, 1, 2, 1, 3000],
	['SUI', 1.2, 4, 1, 1, 1, 80000]
];

// The market of an exchange is one of: binance spot|usdm, bybit
// spot|linear|inverse, okx spot|swap.
const MARKETS = {
	binance: ['spot', 'usdm'],
	bybit: ['spot', 'linear', 'inverse'],
	okx: ['spot', 'swap'],
	kraken: ['spot'],
	coinbase: ['spot']
};

// kind: 'direct' (volume is base quantity), 'contracts' (linear contracts
// of ctU * 10^-cdec base each), 'inverse' (contracts of ctUsd quote each).
function mkInst(ex, market, symbol, a, o) {
	const inst = {
		exchange: ex, market: market, symbol: symbol, asset: a[0],
		base: a[0], quote: 'USDT', price: a[1], pdec: a[2], tickU: a[3],
		qdec: a[4], lotU: a[5], vol: a[6], kind: 'direct',
		status: 'TRADING'
	};
	Object.assign(inst, o || {});
	inst.key = ex + '/' + market + '/' + symbol;
	return inst;
}

function okxCtVal(price) {
	// Base quantity per linear contract as [units, decimals].
	if (price >= 10000) return [1, 2];
	if (price >= 1000) return [1, 1];
	if (price >= 50) return [1, 0];
	if (price >= 2) return [10, 0];
	if (price >= 0.2) return [100, 0];
	return [1000, 0];
}

// Kraken pairs: altname, result key, base asset, ASSETS index, price
// decimals.
const KRAKEN_PAIRS = [
	['XBTUSD', 'XXBTZUSD', 'XXBT', 0, 1],
	['ETHUSD', 'XETHZUSD', 'XETH', 1, 2],
	['SOLUSD', 'SOLUSD', 'SOL', 3, 2]
];

function buildInstruments() {
	const list = [];
	for (const a of ASSETS)
		list.push(mkInst('binance', 'spot', a[0] + 'USDT', a));
	list.push(mkInst('binance', 'spot', 'ETHBTC',
	    ['ETH', 0.055, 5, 1, 3, 1, 200], { quote: 'BTC' }));
	list.push(mkInst('binance', 'spot', 'LUNAUSDT',
	    ['LUNA', 0.8, 4, 1, 2, 1, 50000], { status: 'BREAK' }));
	for (const a of ASSETS.slice(0, 20))
		list.push(mkInst('binance', 'usdm', a[0] + 'USDT', a));
	for (const a of ASSETS)
		list.push(mkInst('bybit', 'spot', a[0] + 'USDT', a));
	for (const a of ASSETS.slice(0, 20))
		list.push(mkInst('bybit', 'linear', a[0] + 'USDT', a));
	list.push(mkInst('bybit', 'inverse', 'BTCUSD', ASSETS[0],
	    { quote: 'USD', pdec: 1, tickU: 5, kind: 'inverse', ctUsd: 1 }));
	list.push(mkInst('bybit', 'inverse', 'ETHUSD', ASSETS[1],
	    { quote: 'USD', pdec: 2, tickU: 5, kind: 'inverse', ctUsd: 1 }));
	list.push(mkInst('bybit', 'inverse', 'XRPUSD', ASSETS[4],
	    { quote: 'USD', pdec: 4, tickU: 1, kind: 'inverse', ctUsd: 1 }));
	for (const a of ASSETS)
		list.push(mkInst('okx', 'spot', a[0] + '-USDT', a));
	for (const a of ASSETS.slice(0, 20)) {
		const cv = okxCtVal(a[1]);
		list.push(mkInst('okx', 'swap', a[0] + '-USDT-SWAP', a,
		    { kind: 'contracts', ctU: cv[0], cdec: cv[1], vdec: 2 }));
	}
	list.push(mkInst('okx', 'swap', 'BTC-USD-SWAP', ASSETS[0],
	    { quote: 'USD', pdec: 1, tickU: 1, kind: 'inverse', ctUsd: 100 }));
	list.push(mkInst('okx', 'swap', 'ETH-USD-SWAP', ASSETS[1],
	    { quote: 'USD', pdec: 2, tickU: 1, kind: 'inverse', ctUsd: 10 }));
	// Kraken: the pair's altname is the symbol, its own key (XXBTZUSD
	// for the old pairs) names the answer's result member; prices with
	// the pair's decimals, volumes with 8.
	for (const k of KRAKEN_PAIRS)
		list.push(mkInst('kraken', 'spot', k[0], ASSETS[k[3]],
		    { quote: 'USD', pdec: k[4], qdec: 8, krakenKey: k[1],
		    krakenBase: k[2], krakenQuote: 'ZUSD',
		    krakenWs: (k[2] === 'XXBT' ? 'XBT' : k[2].replace(/^X(...)$/,
		    '$1')) + '/USD' }));
	for (const a of ASSETS.slice(0, 3))
		list.push(mkInst('coinbase', 'spot', a[0] + '-USD', a,
		    { quote: 'USD', qdec: 8 }));
	for (const inst of list)
		prepInst(inst);
	return list;
}

// Derived constants: scales of base (bs) and quote (qs) quantities, seeds.
function prepInst(inst) {
	if (inst.kind === 'direct') {
		inst.vs = inst.qdec;
		inst.bs = inst.qdec;
		inst.qs = inst.qdec + inst.pdec;
		inst.vPerMin = inst.vol * Math.pow(10, inst.qdec);
	} else if (inst.kind === 'contracts') {
		inst.vs = inst.vdec;
		inst.bs = inst.vdec + inst.cdec;
		inst.qs = inst.bs + inst.pdec;
		const ct = inst.ctU * Math.pow(10, -inst.cdec);
		inst.vPerMin = inst.vol / ct * Math.pow(10, inst.vdec);
	} else {
		inst.vs = 0;
		inst.bs = 8;
		inst.qs = 0;
		inst.vPerMin = inst.vol * inst.price / inst.ctUsd;
	}
	inst.vPerMin *= 0.4 + 1.2 * unit(hstr('vol/' + inst.key));
	inst.pUnit = Math.pow(10, -inst.pdec);
	inst.seedAsset = hstr('asset/' + inst.asset);
	inst.seedVenue = hstr('venue/' + inst.key);
	inst.seedBar = hstr('bar/' + inst.key);
	inst.seedFunding = hstr('funding/' + inst.key);
	inst.seedOi = hstr('oi/' + inst.key);
	inst.pmemoM = NaN;
	inst.pmemoV = 0;
	inst.lattice = OCTAVES.map(() => [NaN, 0, 0]);
	inst.powQ = 10n ** BigInt(8 + inst.pdec);
}

// ------------------------------------------------------------------------
// The synthetic market.
//
// The log price at a minute boundary is a sum of value-noise octaves: slow
// ones seeded by the asset (so all venues of an asset move together) and
// fast ones seeded by the venue.  A 1m candle opens at the price of its
// start and closes at the price of its end; wicks, volume and trades come
// from hashes of the minute.  Longer candles are exact rollups of 1m
// candles, so every candle is a pure function of (exchange, market, symbol,
// interval, open time).
const OCTAVES = [
	// period in minutes, amplitude in log price, seeded by the venue?
	[1051200, 0.55, false], [262800, 0.3, false], [43200, 0.12, false],
	[10080, 0.06, false], [1440, 0.025, false], [240, 0.01, false],
	[60, 0.005, true], [15, 0.0025, true], [4, 0.0012, true],
	[1, 0.0006, true]
];

// The price at the start of minute m (minutes since the epoch), in price
// units, a positive multiple of the tick.  Each octave is value noise: a
// smooth step between hashed values at multiples of its period.  The
// lattice values of the current cell are kept per instrument, since
// consecutive minutes mostly share them.
function priceAt(inst, m) {
	if (m === inst.pmemoM)
		return inst.pmemoV;
	let lp = 0;
	const lat = inst.lattice;
	for (let k = 0; k < OCTAVES.length; k++) {
		const o = OCTAVES[k];
		const period = o[0];
		const i = Math.floor(m / period);
		const f = (m - i * period) / period;
		const L = lat[k];
		if (L[0] !== i) {
			const seed = ((o[2] ? inst.seedVenue : inst.seedAsset) +
			    k * 7919) >>> 0;
			L[0] = i;
			L[1] = unit(h32(seed, i)) * 2 - 1;
			L[2] = unit(h32(seed, i + 1)) * 2 - 1;
		}
		const sm = f * f * (3 - 2 * f);
		lp += o[1] * (L[1] + (L[2] - L[1]) * sm);
	}
	const p = inst.price * Math.exp(lp) / inst.pUnit;
	let t = Math.round(p / inst.tickU) * inst.tickU;
	if (t < inst.tickU)
		t = inst.tickU;
	inst.pmemoM = m;
	inst.pmemoV = t;
	return t;
}

// The full 1m candle starting at t (ms).  Fields: o h l c (price units), v
// (the exchange's volume: base or contracts, Number), b (base, BigInt at
// scale bs), q (quote, BigInt at scale qs), n (trades), tb tq (taker buy
// base and quote), all integers, so that sums are exact.
function minuteFull(inst, t) {
	const m = t / MIN;
	const o = priceAt(inst, m);
	const c = priceAt(inst, m + 1);
	const r = h32(inst.seedBar, m);
	const r2 = h32(r, 0x51ed);
	const r3 = h32(r2, 0x2545);
	const span = Math.max(inst.tickU, o * 0.0005);
	const up = Math.floor(unit(r & 0xffff0000) ** 2 * span / inst.tickU) *
	    inst.tickU;
	const dn = Math.floor(unit((r << 16) >>> 0) ** 2 * span / inst.tickU) *
	    inst.tickU;
	const h = Math.max(o, c) + up;
	let l = Math.min(o, c) - dn;
	if (l < inst.tickU)
		l = Math.min(inst.tickU, o, c);
	const mod = t % DAY / DAY;
	const act = (1 + 0.35 * Math.sin(2 * Math.PI * mod)) *
	    (0.25 + 1.5 * unit(r2));
	let v = Math.round(inst.vPerMin * act / inst.lotU) * inst.lotU;
	if (v < inst.lotU)
		v = inst.lotU;
	const share = 300 + (r3 % 401);
	const n = 1 + Math.floor(400 * act * (0.5 + unit(r3)));
	const x = { o: o, h: h, l: l, c: c, v: v, n: n };
	if (inst.kind === 'inverse')
		return amounts(inst, x, share);
	return tradeAmounts(inst, x, share, minuteTrades(inst, t, x, share));
}

// ------------------------------------------------------------------------
// Trades.
//
// Every closed minute holds TRADES_PER_MIN trades (Binance: aggregate
// trades, each of one or more individual trades), and its 1m candle is
// their aggregate: the first trade is at the open, the last at the close,
// one at the high and one at the low, the others anywhere between; the
// base volume is the sum of the quantities, the quote volume the sum of
// price x quantity, the taker-buy volumes the sums over the trades whose
// taker bought, and the Binance trade count the number of individual
// trades.  The amounts are integers in minor units, so all of it is exact.
// Inverse contracts keep the candle's own base turnover (contracts / price
// is not a finite decimal); their trades agree on the prices and the
// contracts.
const TRADES_PER_MIN = 8;
// Individual Binance trade ids of minute m are m * TRADE_ID_SPAN + k, so
// that they are contiguous within the minute without summing history.
const TRADE_ID_SPAN = 2048;

// Splits total (an integer >= k) into k positive integers with weights
// drawn from seed.
function splitInt(total, k, seed) {
	const w = [];
	let sw = 0;
	for (let i = 0; i < k; i++) {
		w.push(1 + (h32(seed, i) & 255));
		sw += w[i];
	}
	const out = [];
	let left = total - k, used = 0;
	for (let i = 0; i < k - 1; i++) {
		const a = Math.floor(left * w[i] / sw);
		out.push(1 + a);
		used += a;
	}
	out.push(1 + left - used);
	return out;
}

// The trades of the full minute at t whose candle is x (o h l c v n) with
// a taker-buy share in thousandths: an array of {us (time in µs since the
// epoch), p (price units), a (quantity units: base for direct instruments,
// contracts otherwise), buy (the taker bought), cnt (individual trades),
// i (index in the minute)}, oldest first.
function minuteTrades(inst, t, x, share) {
	const m = t / MIN;
	const K = TRADES_PER_MIN;
	const r = h32(inst.seedBar ^ 0x27d4eb2f, m);
	const ih = 1 + (r % (K - 2));
	let il = 1 + ((r >>> 8) % (K - 2));
	if (il === ih)
		il = ih % (K - 2) + 1;
	const steps = Math.round((x.h - x.l) / inst.tickU) + 1;
	const tr = [];
	let nb = 0;
	for (let i = 0; i < K; i++) {
		const hi = h32(r, i + 1);
		let p;
		if (i === 0)
			p = x.o;
		else if (i === K - 1)
			p = x.c;
		else if (i === ih)
			p = x.h;
		else if (i === il)
			p = x.l;
		else
			p = x.l + (hi % steps) * inst.tickU;
		const buy = ((r >>> (16 + i)) & 1) === 1;
		if (buy)
			nb++;
		tr.push({ us: t * 1000 + Math.floor((i + unit(hi)) * 60e6 / K),
		    p: p, a: 0, buy: buy, cnt: 1, i: i });
	}
	// At least one trade of each side.
	if (nb === 0 || nb === K) {
		tr[K - 1].buy = !tr[K - 1].buy;
		nb += tr[K - 1].buy ? 1 : -1;
	}
	const tb = Math.floor(x.v * share / 1000);
	if (tb < nb || x.v - tb < K - nb)
		throw new Error('volume too small for trades at ' + fmtTime(t));
	const qb = splitInt(tb, nb, r ^ 0x1b873593);
	const qs = splitInt(x.v - tb, K - nb, r ^ 0xcc9e2d51);
	const cn = splitInt(x.n, K, r ^ 0x85ebca77);
	let ib = 0, is = 0;
	for (let i = 0; i < K; i++) {
		tr[i].a = tr[i].buy ? qb[ib++] : qs[is++];
		tr[i].cnt = cn[i];
	}
	return tr;
}

// Fills in the base, quote and taker amounts of candle x from its trades.
// The sums are taken in doubles while they are exact integers (nearly
// always: they stay far below 2^53), else again as BigInt.
function tradeAmounts(inst, x, share, tr) {
	const ct = inst.kind === 'contracts' ? inst.ctU : 1;
	let q = 0, tb = 0, tq = 0, b = 0;
	for (const z of tr) {
		const a = z.a * ct;
		b += a;
		q += a * z.p;
		if (z.buy) {
			tb += a;
			tq += a * z.p;
		}
	}
	x.share = share;
	if (Number.isSafeInteger(q)) {
		x.b = BigInt(b);
		x.q = BigInt(q);
		x.tb = BigInt(tb);
		x.tq = BigInt(tq);
		return x;
	}
	x.b = x.q = x.tb = x.tq = 0n;
	for (const z of tr) {
		const a = BigInt(z.a) * BigInt(ct);
		const pq = a * BigInt(z.p);
		x.b += a;
		x.q += pq;
		if (z.buy) {
			x.tb += a;
			x.tq += pq;
		}
	}
	return x;
}

// Fills in the base, quote and taker amounts of candle x from its volume v
// (base quantity or contracts), a typical price, and the taker share in
// thousandths, as integers.
function amounts(inst, x, share) {
	const vwap = BigInt(Math.max(1, Math.round((x.o + x.h + x.l + x.c) / 4)));
	if (inst.kind === 'direct') {
		x.b = BigInt(x.v);
		x.q = x.b * vwap;
	} else if (inst.kind === 'contracts') {
		x.b = BigInt(x.v) * BigInt(inst.ctU);
		x.q = x.b * vwap;
	} else {
		x.q = BigInt(x.v) * BigInt(inst.ctUsd);
		x.b = x.q * inst.powQ / vwap;
	}
	x.tb = x.b * BigInt(share) / 1000n;
	x.tq = inst.kind === 'inverse' ? x.tb * vwap / inst.powQ : x.tb * vwap;
	x.share = share;
	return x;
}

// The forming 1m candle at fraction f of its minute: it has moved part of
// the way to its final close and traded a share of its final volume.
function minutePartial(inst, t, f) {
	const x = minuteFull(inst, t);
	const tk = inst.tickU;
	const c = x.o + Math.round((x.c - x.o) * f / tk) * tk;
	const h = Math.max(x.o, c) + Math.floor((x.h - Math.max(x.o, x.c)) * f /
	    tk) * tk;
	const l = Math.min(x.o, c) - Math.floor((Math.min(x.o, x.c) - x.l) * f /
	    tk) * tk;
	const v = Math.floor(x.v * f / inst.lotU) * inst.lotU;
	return amounts(inst, { o: x.o, h: h, l: Math.max(l, Math.min(tk, x.o)),
	    c: c, v: v, n: Math.floor(x.n * f) }, x.share);
}

function merge(acc, x) {
	if (!x)
		return acc;
	if (!acc)
		return { o: x.o, h: x.h, l: x.l, c: x.c, v: x.v, b: x.b, q: x.q,
		    n: x.n, tb: x.tb, tq: x.tq };
	if (x.h > acc.h) acc.h = x.h;
	if (x.l < acc.l) acc.l = x.l;
	acc.c = x.c;
	acc.v += x.v;
	acc.b += x.b;
	acc.q += x.q;
	acc.n += x.n;
	acc.tb += x.tb;
	acc.tq += x.tq;
	return acc;
}

// Market state: start, clock, holes, caches.
class Market {
	constructor(opts) {
		this.instruments = buildInstruments();
		this.byKey = new Map();
		for (const i of this.instruments)
			this.byKey.set(i.key, i);
		this.start = opts.start;
		this.holes = [];
		this.clearCaches();
	}

	find(ex, market, symbol) {
		return this.byKey.get(ex + '/' + market + '/' + symbol) || null;
	}

	list(ex, market) {
		return this.instruments.filter(
		    (i) => i.exchange === ex && i.market === market);
	}

	clearCaches() {
		this.hourCache = new Map();
		this.dayCache = new Map();
		this.cacheSize = 0;
		this.holeIndex = new Map();
	}

	setHoles(holes) {
		this.holes = holes;
		this.clearCaches();
	}

	// The holes of one instrument, as sorted [from, to) ranges.
	holesOf(inst) {
		let h = this.holeIndex.get(inst.key);
		if (h === undefined) {
			h = this.holes.filter((x) => x.exchange === inst.exchange &&
			    (!x.market || x.market === inst.market) &&
			    (x.symbol === '*' || x.symbol === inst.symbol))
			    .map((x) => [x.from, x.to]).sort((a, b) => a[0] - b[0]);
			this.holeIndex.set(inst.key, h);
		}
		return h;
	}

	inHole(inst, t) {
		const h = this.holesOf(inst);
		for (let i = 0; i < h.length; i++)
			if (t >= h[i][0] && t < h[i][1])
				return true;
		return false;
	}

	// The 1m candle at t as it is at time now, or null.
	minute(inst, t, now) {
		if (t < this.start || t >= now || this.inHole(inst, t))
			return null;
		if (t + MIN > now)
			return minutePartial(inst, t, (now - t) / MIN);
		return minuteFull(inst, t);
	}

	cached(cache, inst, t, fill) {
		const k = inst.key + '@' + t;
		let v = cache.get(k);
		if (v === undefined) {
			v = fill();
			if (this.cacheSize > 500000)
				this.clearCaches();
			cache.set(k, v);
			this.cacheSize++;
		}
		return v;
	}

	// The rollup of the whole closed hour or day at t (t >= start).
	hourAgg(inst, t) {
		return this.cached(this.hourCache, inst, t, () => {
			let acc = null;
			const hs = this.holesOf(inst);
			for (let x = t; x < t + HOUR; x += MIN)
				if (!hs.length || !this.inHole(inst, x))
					acc = merge(acc, minuteFull(inst, x));
			return acc;
		});
	}

	dayAgg(inst, t) {
		return this.cached(this.dayCache, inst, t, () => {
			let acc = null;
			for (let x = t; x < t + DAY; x += HOUR)
				acc = merge(acc, this.hourAgg(inst, x));
			return acc;
		});
	}

	// The rollup of the 1m candles in [a, b) as they are at time now, or
	// null when there is none.
	agg(inst, a, b, now) {
		let acc = null;
		let t = Math.max(a, Math.ceil(this.start / MIN) * MIN);
		const end = Math.min(b, now);
		while (t < end) {
			if (t % DAY === 0 && t + DAY <= end) {
				acc = merge(acc, this.dayAgg(inst, t));
				t += DAY;
			} else if (t % HOUR === 0 && t + HOUR <= end) {
				acc = merge(acc, this.hourAgg(inst, t));
				t += HOUR;
			} else {
				acc = merge(acc, this.minute(inst, t, now));
				t += MIN;
			}
		}
		return acc;
	}

	// The candle of interval iv opening at start, or null.
	candle(inst, iv, start, now) {
		const end = ivNext(iv, start);
		const c = iv.ms === MIN ? this.minute(inst, start, now) :
		    this.agg(inst, start, end, now);
		if (!c)
			return null;
		c.t = start;
		c.end = end;
		c.closed = end <= now;
		return c;
	}

	// Candles of interval iv with open time in [lo, hi] (ms, inclusive),
	// at most limit of them: the oldest ones when fromOldest, else the
	// newest ones.  Always returned oldest first.
	candles(inst, iv, lo, hi, limit, fromOldest, now) {
		const out = [];
		const first = Math.max(lo, ivFloor(iv, this.start));
		const last = Math.min(hi, now - 1);
		if (first > last || limit <= 0)
			return out;
		if (fromOldest) {
			let t = ivFloor(iv, first);
			if (t < first)
				t = ivNext(iv, t);
			for (; t <= last && out.length < limit; t = ivNext(iv, t)) {
				const c = this.candle(inst, iv, t, now);
				if (c)
					out.push(c);
			}
		} else {
			let t = ivFloor(iv, last);
			for (; t >= first && out.length < limit; t = ivPrev(iv, t)) {
				const c = this.candle(inst, iv, t, now);
				if (c)
					out.push(c);
			}
			out.reverse();
		}
		return out;
	}

	// The trades of minute m (minutes since the epoch) that exist at time
	// now, oldest first, each with its minute m: none before the start, in
	// a hole or after now; of the forming minute, those before now.
	tradesAt(inst, m, now) {
		const t = m * MIN;
		if (t < this.start || t >= now || this.inHole(inst, t))
			return [];
		const x = minuteFull(inst, t);
		let tr = minuteTrades(inst, t, x, x.share);
		if (t + MIN > now)
			tr = tr.filter((z) => z.us < now * 1000);
		let f = m * TRADE_ID_SPAN;
		for (const z of tr) {
			z.m = m;
			z.f = f;
			f += z.cnt;
		}
		return tr;
	}

	// Up to limit trades, oldest first, from trade i0 of minute m0 on, that
	// keep(z) accepts; the walk stops at the first trade keep() refuses
	// with null, and at now.
	tradesFrom(inst, m0, i0, limit, keep, now) {
		const out = [];
		let m = Math.max(m0, Math.floor(this.start / MIN));
		if (m > m0)
			i0 = 0;
		const last = Math.floor((now - 1) / MIN);
		for (; m <= last && out.length < limit; m++, i0 = 0) {
			for (const z of this.tradesAt(inst, m, now)) {
				if (z.i < i0)
					continue;
				const k = keep(z);
				if (k === null)
					return out;
				if (k && out.length < limit)
					out.push(z);
			}
		}
		return out;
	}

	// The funding events of inst with times in [lo, hi] (inclusive), at
	// most limit of them, the oldest when fromOldest, else the newest;
	// oldest first.  An event is {t, rate (1e-8 units), hours, mark (mark
	// shadow units)}; events at or before now only, none in a hole.
	fundings(inst, lo, hi, limit, fromOldest, now) {
		const out = [];
		const first = Math.max(lo, this.start);
		const last = Math.min(hi, now);
		const ev = (t) => ({ t: t, rate: fundingRate(inst, t),
		    hours: fundingHours(inst, t), mark: markAt(inst, t) });
		if (fromOldest) {
			for (let t = fundingCeil(inst, first); t <= last &&
			    out.length < limit; t = fundingCeil(inst, t + 1))
				if (!this.inHole(inst, t))
					out.push(ev(t));
		} else {
			for (let t = fundingFloor(inst, last); t >= first &&
			    out.length < limit; t = fundingFloor(inst, t - 1))
				if (!this.inHole(inst, t))
					out.push(ev(t));
			out.reverse();
		}
		return out;
	}

	// The newest limit trades before now that keep(z) accepts, newest
	// first, looking no later than minute top when it is given; the walk
	// stops at the first one keep() refuses with null.
	tradesBack(inst, limit, keep, now, top) {
		const out = [];
		const first = Math.floor(this.start / MIN);
		let m = Math.floor((now - 1) / MIN);
		if (top !== undefined && top < m)
			m = top;
		for (; m >= first &&
		    out.length < limit; m--) {
			const tr = this.tradesAt(inst, m, now);
			for (let j = tr.length - 1; j >= 0; j--) {
				const k = keep(tr[j]);
				if (k === null)
					return out;
				if (k && out.length < limit)
					out.push(tr[j]);
			}
		}
		return out;
	}

	// Open-interest samples of period iv with times in [lo, hi], before
	// now, at most limit of them (the oldest when fromOldest, else the
	// newest), oldest first, none in a hole: {t, oi (base units at scale
	// qdec, BigInt), price (the trade price at t, in price units)}.
	oiSamples(inst, iv, lo, hi, limit, fromOldest, now) {
		const out = [];
		const first = Math.max(lo, this.start);
		const last = Math.min(hi, now - 1);
		if (first > last)
			return out;
		const s = (t) => ({ t: t, oi: openInterest(inst, t),
		    price: priceAt(inst, Math.floor(t / MIN)) });
		if (fromOldest) {
			let t = ivFloor(iv, first);
			if (t < first)
				t = ivNext(iv, t);
			for (; t <= last && out.length < limit; t = ivNext(iv, t))
				if (!this.inHole(inst, t))
					out.push(s(t));
		} else {
			for (let t = ivFloor(iv, last); t >= first &&
			    out.length < limit; t = ivPrev(iv, t))
				if (!this.inHole(inst, t))
					out.push(s(t));
			out.reverse();
		}
		return out;
	}

	// A deterministic order book of depth n around the price at now.
	book(inst, n, now) {
		const m = Math.floor(now / MIN);
		const mid = priceAt(inst, Math.max(m, Math.ceil(this.start / MIN)));
		const sec = Math.floor(now / 1000);
		const seed = h32(inst.seedBar ^ 0x5bd1e995, sec);
		const bids = [], asks = [];
		const lots = Math.max(1, Math.round(inst.vPerMin / 50 / inst.lotU));
		for (let i = 0; i < n; i++) {
			const pb = mid - inst.tickU * (i + 1);
			const pa = mid + inst.tickU * (i + 1);
			const qb = (1 + (h32(seed, 2 * i) % (4 * lots))) * inst.lotU;
			const qa = (1 + (h32(seed, 2 * i + 1) % (4 * lots))) * inst.lotU;
			if (pb > 0)
				bids.push([pb, qb]);
			asks.push([pa, qa]);
		}
		return { bids: bids, asks: asks, id: Math.floor(now / 100) +
		    (inst.seedBar % 1000000), mid: mid };
	}
}

// ------------------------------------------------------------------------
// Derivatives data: mark, index and premium-index prices, funding and open
// interest, every one a pure function of the instrument and the time.
//
// The mark and index prices of a contract are synthetic markets of their
// own ("shadow" instruments): the same slow octaves as the contract's
// trades (they are seeded by the asset) and their own fast ones, at two
// more decimals than the tick.  The premium index is a shadow market around
// 0.001 at 8 decimals, shifted down by PREMIUM_SHIFT units so that it goes
// negative too.  Their candles are made, rolled up and holed exactly as
// trade candles are, so a 1h mark candle is the rollup of its 1m ones.

const PRICE_TYPES = ['mark', 'index', 'premium'];
const BYBIT_DERIV = ['/v5/market/mark-price-kline',
	'/v5/market/index-price-kline', '/v5/market/premium-index-price-kline',
	'/v5/market/funding/history', '/v5/market/open-interest'];
const OKX_DERIV = ['/api/v5/market/history-mark-price-candles',
	'/api/v5/market/history-index-candles',
	'/api/v5/public/funding-rate-history',
	'/api/v5/rubik/stat/contracts/open-interest-history'];
const OKX_PRICE_DEPTH = 92 * DAY;
const BINANCE_DERIV = ['/fapi/v1/markPriceKlines', '/fapi/v1/indexPriceKlines',
	'/fapi/v1/premiumIndexKlines', '/fapi/v1/fundingRate',
	'/fapi/v1/fundingInfo'];
const PREMIUM_SHIFT = 70000;	// 0.0007 in units of 1e-8

// Funding: every 8 hours, except the BTC contracts, whose interval changes
// to 4 hours at FUNDING_CHANGE (as Binance changes a symbol's interval).
const FUNDING_CHANGE = Date.UTC(2024, 1, 15);

function fundingSegments(inst) {
	return inst.asset === 'BTC' ? [[-Infinity, 8], [FUNDING_CHANGE, 4]] :
	    [[-Infinity, 8]];
}

// The funding interval in hours in force at time t.
function fundingHours(inst, t) {
	let h = 8;
	for (const s of fundingSegments(inst))
		if (t >= s[0])
			h = s[1];
	return h;
}

// The first funding time at or after t.
function fundingCeil(inst, t) {
	const segs = fundingSegments(inst);
	for (let i = 0; i < segs.length; i++) {
		const end = i + 1 < segs.length ? segs[i + 1][0] : Infinity;
		if (t >= end)
			continue;
		const step = segs[i][1] * HOUR;
		const x = Math.ceil(Math.max(t, segs[i][0]) / step) * step;
		if (x < end)
			return x;
	}
	return Infinity;
}

// The last funding time at or before t.
function fundingFloor(inst, t) {
	const segs = fundingSegments(inst);
	for (let i = segs.length - 1; i >= 0; i--) {
		if (t < segs[i][0])
			continue;
		const step = segs[i][1] * HOUR;
		return Math.floor(t / step) * step;
	}
	return -Infinity;
}

// The funding rate at t in units of 1e-8: -0.0001 to 0.0005.
function fundingRate(inst, t) {
	return 10000 + (h32(inst.seedFunding, Math.floor(t / HOUR)) % 60001) -
	    20000;
}

// Open interest at t (a multiple of 5 minutes) in base units at scale
// inst.qdec (contracts for OKX and Bybit inverse are derived from it):
// about 2000 minutes of typical volume, drifting.
function openInterest(inst, t) {
	const k = Math.floor(t / (5 * MIN));
	const slow = unit(h32(inst.seedOi, Math.floor(k / 288)));
	const fast = unit(h32(inst.seedOi ^ 0x3c6ef372, k));
	const base = inst.vol * 2000 * (0.6 + 0.6 * slow + 0.1 * fast);
	return BigInt(Math.max(1, Math.round(base * Math.pow(10, inst.qdec) /
	    inst.lotU) * inst.lotU));
}

// The shadow instrument of inst for a price type.
function shadowOf(inst, type) {
	inst.shadows = inst.shadows || {};
	let sh = inst.shadows[type];
	if (sh)
		return sh;
	sh = Object.assign({}, inst);
	sh.shadows = null;
	sh.key = inst.key + '#' + type;
	sh.priceType = type;
	if (type === 'premium') {
		sh.price = 0.001;
		sh.pdec = 8;
		sh.tickU = 1;
	} else {
		sh.pdec = inst.pdec + 2;
		sh.tickU = 1;
	}
	prepInst(sh);
	sh.seedVenue = hstr('venue/' + sh.key);
	sh.seedBar = hstr('bar/' + sh.key);
	sh.seedAsset = inst.seedAsset;
	inst.shadows[type] = sh;
	return sh;
}

// A price of a shadow instrument as a decimal string: the premium shifted.
function shadowStr(sh, x, dec) {
	return fmtDec(sh.priceType === 'premium' ? x - PREMIUM_SHIFT : x,
	    sh.pdec, dec);
}

// The mark price at t (ms) in the mark shadow's units: the open of its
// minute.
function markAt(inst, t) {
	return priceAt(shadowOf(inst, 'mark'), Math.floor(t / MIN));
}

// Binance's mark, index and premium klines: the kline row with the
// volumes zero and the number of 5 s samples in place of trades.
function binancePriceRow(sh, c) {
	return [c.t, shadowStr(sh, c.o, 8), shadowStr(sh, c.h, 8),
	    shadowStr(sh, c.l, 8), shadowStr(sh, c.c, 8), '0', c.end - 1, '0',
	    (c.end - c.t) / 5000, '0', '0', '0'];
}

function bybitPriceRow(sh, c) {
	return [String(c.t), shadowStr(sh, c.o, null), shadowStr(sh, c.h, null),
	    shadowStr(sh, c.l, null), shadowStr(sh, c.c, null)];
}

function okxPriceRow(sh, c) {
	return [String(c.t), shadowStr(sh, c.o, null), shadowStr(sh, c.h, null),
	    shadowStr(sh, c.l, null), shadowStr(sh, c.c, null),
	    c.closed ? '1' : '0'];
}

// A funding event f of inst as its exchange's REST API sends it.
function fundingRow(inst, f) {
	if (inst.exchange === 'binance')
		return { symbol: inst.symbol, fundingTime: f.t,
		    fundingRate: fmtDec(f.rate, 8, 8),
		    markPrice: fmtDec(f.mark, inst.pdec + 2, 8) };
	if (inst.exchange === 'bybit')
		return { symbol: inst.symbol, fundingRate: fmtDec(f.rate, 8, null),
		    fundingRateTimestamp: String(f.t) };
	return { instType: 'SWAP', instId: inst.symbol, formulaType: 'withRate',
	    fundingRate: fmtDec(f.rate, 8, null),
	    realizedRate: fmtDec(f.rate, 8, null), fundingTime: String(f.t),
	    method: 'current_period' };
}

// An open-interest sample x of inst as its exchange's REST API sends it.
// Binance: base units and quote value; Bybit: base units (linear) or
// contracts of 1 USD (inverse); OKX: [ts, contracts, base, USD].
function oiRow(inst, x) {
	const usd = x.oi * BigInt(x.price);
	const uscale = inst.qdec + inst.pdec;
	if (inst.exchange === 'binance')
		return { symbol: inst.symbol,
		    sumOpenInterest: fmtDec(x.oi, inst.qdec, 8),
		    sumOpenInterestValue: fmtDec(usd, uscale, 8), timestamp: x.t };
	if (inst.exchange === 'bybit')
		return { openInterest: inst.kind === 'inverse' ?
		    fmtDec(usd / (10n ** BigInt(uscale)), 0, null) :
		    fmtDec(x.oi, inst.qdec, null), timestamp: String(x.t) };
	const ct = inst.kind === 'inverse' ?
	    fmtDec(usd / (10n ** BigInt(uscale)) / BigInt(inst.ctUsd), 0, null) :
	    fmtDec(x.oi * (10n ** BigInt(inst.cdec)) / BigInt(inst.ctU),
	    inst.qdec, null);
	return [String(x.t), ct, fmtDec(x.oi, inst.qdec, null),
	    fmtDec(usd, uscale, null)];
}

// The canonical record of a mark, index or premium candle, built from the
// exchange's own row as mdx-transform builds it; normalize drops trailing
// fractional zeros (Binance prints 8 decimals, the others do not pad).
function canonicalPrice(inst, type, iv, c, normalize, fetchedAt) {
	const sh = shadowOf(inst, type);
	const n = normalize ? normDec : (x) => x;
	const r = inst.exchange === 'binance' ? binancePriceRow(sh, c) :
	    bybitPriceRow(sh, c);
	const rec = {
		kind: 'candle', exchange: inst.exchange, market: inst.market,
		symbol: inst.symbol, interval: iv.code, price: type,
		open_time: fmtTime(c.t), open: n(r[1]), high: n(r[2]),
		low: n(r[3]), close: n(r[4]), closed: c.closed,
		origin: 'exchange'
	};
	if (fetchedAt)
		rec.fetched_at = fetchedAt;
	return rec;
}

// ------------------------------------------------------------------------
// Formatting candles per exchange.

function priceStr(inst, x, dec) {
	return fmtDec(x, inst.pdec, dec);
}

function binanceRow(inst, c) {
	if (inst.market === 'spot') {
		return [c.t, priceStr(inst, c.o, 8), priceStr(inst, c.h, 8),
		    priceStr(inst, c.l, 8), priceStr(inst, c.c, 8),
		    fmtDec(c.b, inst.bs, 8), c.end - 1, fmtDec(c.q, inst.qs, 8),
		    c.n, fmtDec(c.tb, inst.bs, 8), fmtDec(c.tq, inst.qs, 8), '0'];
	}
	return [c.t, priceStr(inst, c.o, inst.pdec), priceStr(inst, c.h, inst.pdec),
	    priceStr(inst, c.l, inst.pdec), priceStr(inst, c.c, inst.pdec),
	    fmtDec(c.b, inst.bs, inst.bs), c.end - 1,
	    fmtDec(c.q, inst.qs, inst.qs), c.n, fmtDec(c.tb, inst.bs, inst.bs),
	    fmtDec(c.tq, inst.qs, inst.qs), '0'];
}

function bybitRow(inst, c) {
	const row = [String(c.t), priceStr(inst, c.o, null),
	    priceStr(inst, c.h, null), priceStr(inst, c.l, null),
	    priceStr(inst, c.c, null)];
	if (inst.kind === 'inverse')
		row.push(fmtDec(c.v, 0, null), fmtDec(c.b, inst.bs, null));
	else
		row.push(fmtDec(c.b, inst.bs, null), fmtDec(c.q, inst.qs, null));
	return row;
}

function okxRow(inst, c) {
	const row = [String(c.t), priceStr(inst, c.o, null),
	    priceStr(inst, c.h, null), priceStr(inst, c.l, null),
	    priceStr(inst, c.c, null)];
	if (inst.kind === 'direct')
		row.push(fmtDec(c.b, inst.bs, null), fmtDec(c.q, inst.qs, null),
		    fmtDec(c.q, inst.qs, null));
	else
		row.push(fmtDec(c.v, inst.vs, null), fmtDec(c.b, inst.bs, null),
		    fmtDec(c.q, inst.qs, null));
	row.push(c.closed ? '1' : '0');
	return row;
}

// Trades as each exchange sends them.  Binance aggregate trade ids are
// m * TRADES_PER_MIN + i (contiguous but for holes), OKX trade ids the
// same plus one, Bybit execIds UUIDs drawn from the trade.

function binanceAggId(z) {
	return z.m * TRADES_PER_MIN + z.i;
}

function binanceTrade(inst, z) {
	const spot = inst.market === 'spot';
	const d = spot ? 8 : inst.pdec;
	const r = { a: binanceAggId(z), p: fmtDec(z.p, inst.pdec, d),
	    q: fmtDec(z.a, inst.qdec, spot ? 8 : inst.qdec), f: z.f,
	    l: z.f + z.cnt - 1, T: Math.floor(z.us / 1000), m: !z.buy };
	if (spot)
		r.M = true;
	return r;
}

// A row of a Binance aggTrades archive: spot in microseconds from 2025
// (us), "True"/"False" and the best-match column; USD-M in milliseconds,
// "true"/"false".
function binanceTradeCsv(inst, z, us) {
	const r = binanceTrade(inst, z);
	const spot = inst.market === 'spot';
	const t = us ? String(z.us) : String(r.T);
	const bm = spot ? (r.m ? 'True' : 'False') : (r.m ? 'true' : 'false');
	return r.a + ',' + r.p + ',' + r.q + ',' + r.f + ',' + r.l + ',' + t +
	    ',' + bm + (spot ? ',True' : '');
}

function tradeSize(inst, z) {
	return fmtDec(z.a, inst.kind === 'direct' ? inst.qdec :
	    inst.kind === 'contracts' ? inst.vdec : 0, null);
}

function bybitExecId(inst, z) {
	const h = [0x11, 0x22, 0x33, 0x44].map((k) =>
	    h32(inst.seedBar ^ k, z.m * TRADES_PER_MIN + z.i).toString(16)
	    .padStart(8, '0')).join('');
	return h.slice(0, 8) + '-' + h.slice(8, 12) + '-4' + h.slice(13, 16) +
	    '-a' + h.slice(17, 20) + '-' + h.slice(20, 32);
}

function bybitTrade(inst, z) {
	return { execId: bybitExecId(inst, z), symbol: inst.symbol,
	    price: priceStr(inst, z.p, null), size: tradeSize(inst, z),
	    side: z.buy ? 'Buy' : 'Sell', time: String(Math.floor(z.us / 1000)),
	    isBlockTrade: false, isRPITrade: false,
	    seq: String(z.m * TRADES_PER_MIN + z.i) };
}

// A line of Bybit's public trading-history file (public.bybit.com/trading/):
// timestamp in seconds with four decimals, symbol, side, size, price,
// tickDirection, trdMatchID, grossValue, homeNotional, foreignNotional.
function bybitTradeCsv(inst, z, prev) {
	const ms = Math.floor(z.us / 1000);
	const ts = Math.floor(ms / 1000) + '.' +
	    String(ms % 1000).padStart(3, '0') + '0';
	const tick = prev === null || z.p === prev ? 'ZeroPlusTick' :
	    z.p > prev ? 'PlusTick' : 'MinusTick';
	const size = tradeSize(inst, z);
	const price = priceStr(inst, z.p, null);
	let home, foreign, gross;
	if (inst.kind === 'inverse') {
		// Size in USD contracts; the base notional is size / price.
		foreign = size;
		home = (Number(size) / Number(price)).toFixed(8);
		gross = String(Math.round(Number(home) * 1e8));
	} else {
		const qv = BigInt(z.a) * BigInt(z.p);
		home = size;
		foreign = fmtDec(qv, inst.qdec + inst.pdec, null);
		gross = fmtDec(qv * 100000000n, inst.qdec + inst.pdec, null);
	}
	return ts + ',' + inst.symbol + ',' + (z.buy ? 'Buy' : 'Sell') + ',' +
	    size + ',' + price + ',' + tick + ',' + bybitExecId(inst, z) + ',' +
	    gross + ',' + home + ',' + foreign;
}

function okxTrade(inst, z) {
	return { instId: inst.symbol, side: z.buy ? 'buy' : 'sell',
	    sz: tradeSize(inst, z), px: priceStr(inst, z.p, null), source: '0',
	    tradeId: String(z.m * TRADES_PER_MIN + z.i + 1),
	    ts: String(Math.floor(z.us / 1000)) };
}

// Kraken OHLC: [time (s, a number), open, high, low, close, vwap, volume,
// count], prices with the pair's decimals, the volume with 8, the vwap
// rounded to the pair's decimals (so vwap x volume is not the quote
// volume).
function krakenRow(inst, c) {
	const vw = c.b > 0n ? (c.q + c.b / 2n) / c.b : 0n;
	return [c.t / 1000, priceStr(inst, c.o, inst.pdec),
	    priceStr(inst, c.h, inst.pdec), priceStr(inst, c.l, inst.pdec),
	    priceStr(inst, c.c, inst.pdec), fmtDec(vw, inst.pdec, inst.pdec),
	    fmtDec(c.b, inst.bs, 8), c.n];
}

// Coinbase candles: [time (s), low, high, open, close, volume], all JSON
// numbers; each element here is the number's text.
function coinbaseRow(inst, c) {
	return [String(c.t / 1000), priceStr(inst, c.l, null),
	    priceStr(inst, c.h, null), priceStr(inst, c.o, null),
	    priceStr(inst, c.c, null), fmtDec(c.b, inst.bs, null)];
}

// The canonical record of a candle (HACKING.md "Canonical records"), built
// from the exchange's own row as mdx-transform builds it.  normalize drops
// trailing fractional zeros from the decimals.
function canonical(inst, iv, c, normalize, fetchedAt) {
	const n = normalize ? normDec : (s) => s;
	const rec = {
		kind: 'candle', exchange: inst.exchange, market: inst.market,
		symbol: inst.symbol, interval: iv.code, open_time: fmtTime(c.t)
	};
	let r;
	if (inst.exchange === 'binance') {
		r = binanceRow(inst, c);
		Object.assign(rec, { open: n(r[1]), high: n(r[2]), low: n(r[3]),
		    close: n(r[4]), volume: n(r[5]), quote_volume: n(r[7]),
		    trades: r[8], taker_buy_volume: n(r[9]),
		    taker_buy_quote_volume: n(r[10]) });
	} else if (inst.exchange === 'bybit') {
		r = bybitRow(inst, c);
		Object.assign(rec, { open: n(r[1]), high: n(r[2]), low: n(r[3]),
		    close: n(r[4]) });
		if (inst.kind === 'inverse') {
			rec.volume = n(r[6]);
			rec.quote_volume = n(fmtDec(c.q, inst.qs, null));
		} else {
			rec.volume = n(r[5]);
			rec.quote_volume = n(r[6]);
		}
	} else if (inst.exchange === 'kraken') {
		r = krakenRow(inst, c);
		Object.assign(rec, { open: n(r[1]), high: n(r[2]), low: n(r[3]),
		    close: n(r[4]), volume: n(r[6]), quote_volume: null,
		    trades: r[7] });
	} else if (inst.exchange === 'coinbase') {
		r = coinbaseRow(inst, c);
		Object.assign(rec, { open: r[3], high: r[2], low: r[1],
		    close: r[4], volume: r[5], quote_volume: null });
	} else {
		r = okxRow(inst, c);
		Object.assign(rec, { open: n(r[1]), high: n(r[2]), low: n(r[3]),
		    close: n(r[4]) });
		if (inst.kind === 'direct') {
			rec.volume = n(r[5]);
			rec.quote_volume = n(r[7]);
		} else {
			rec.volume = n(r[6]);
			rec.quote_volume = n(r[7]);
		}
	}
	rec.closed = c.closed;
	rec.origin = 'exchange';
	if (fetchedAt)
		rec.fetched_at = fetchedAt;
	return rec;
}

// ------------------------------------------------------------------------
// Instrument metadata per exchange.

function tickStr(inst) {
	return fmtDec(inst.tickU, inst.pdec, null);
}

function lotStr(inst) {
	return fmtDec(inst.lotU, inst.kind === 'contracts' ? inst.vdec :
	    inst.kind === 'inverse' ? 0 : inst.qdec, null);
}

function binanceSymbol(inst) {
	const tick = fmtDec(inst.tickU, inst.pdec, 8);
	const lot = fmtDec(inst.lotU, inst.qdec, 8);
	const s = {
		symbol: inst.symbol, status: inst.status,
		baseAsset: inst.base, baseAssetPrecision: 8,
		quoteAsset: inst.quote, quotePrecision: 8,
		quoteAssetPrecision: 8, baseCommissionPrecision: 8,
		quoteCommissionPrecision: 8,
		orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT',
		    'TAKE_PROFIT_LIMIT'],
		icebergAllowed: true, ocoAllowed: true,
		quoteOrderQtyMarketAllowed: true, allowTrailingStop: true,
		cancelReplaceAllowed: true, isSpotTradingAllowed: true,
		isMarginTradingAllowed: false,
		filters: [
			{ filterType: 'PRICE_FILTER', minPrice: tick,
			    maxPrice: '1000000.00000000', tickSize: tick },
			{ filterType: 'LOT_SIZE', minQty: lot,
			    maxQty: '9000.00000000', stepSize: lot },
			{ filterType: 'NOTIONAL', minNotional: '5.00000000',
			    applyMinToMarket: true, maxNotional: '9000000.00000000',
			    applyMaxToMarket: false, avgPriceMins: 5 }
		],
		permissions: [], permissionSets: [['SPOT']],
		defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
		allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER',
		    'EXPIRE_BOTH']
	};
	if (inst.market === 'usdm') {
		return {
			symbol: inst.symbol, pair: inst.symbol,
			contractType: 'PERPETUAL', deliveryDate: 4133404800000,
			onboardDate: 1569398400000, status: inst.status,
			maintMarginPercent: '2.5000', requiredMarginPercent: '5.0000',
			baseAsset: inst.base, quoteAsset: inst.quote,
			marginAsset: inst.quote, pricePrecision: inst.pdec,
			quantityPrecision: inst.qdec, baseAssetPrecision: 8,
			quotePrecision: 8, underlyingType: 'COIN',
			underlyingSubType: [], settlePlan: 0,
			triggerProtect: '0.0500',
			filters: [
				{ filterType: 'PRICE_FILTER', minPrice: tickStr(inst),
				    maxPrice: '1000000', tickSize: tickStr(inst) },
				{ filterType: 'LOT_SIZE', minQty: lotStr(inst),
				    maxQty: '1000', stepSize: lotStr(inst) },
				{ filterType: 'MARKET_LOT_SIZE', minQty: lotStr(inst),
				    maxQty: '120', stepSize: lotStr(inst) },
				{ filterType: 'MIN_NOTIONAL', notional: '5' }
			],
			orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET',
			    'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
			timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD']
		};
	}
	return s;
}

function bybitInstrument(inst, startMs) {
	const st = inst.status === 'TRADING' ? 'Trading' : 'Closed';
	if (inst.market === 'spot') {
		return {
			symbol: inst.symbol, baseCoin: inst.base, quoteCoin: inst.quote,
			innovation: '0', status: st, marginTrading: 'none',
			stTag: '0',
			lotSizeFilter: {
				basePrecision: lotStr(inst), quotePrecision: '0.00000001',
				minOrderQty: lotStr(inst), maxOrderQty: '10000',
				minOrderAmt: '1', maxOrderAmt: '2000000'
			},
			priceFilter: { tickSize: tickStr(inst) },
			riskParameters: { priceLimitRatioX: '0.01',
			    priceLimitRatioY: '0.02' }
		};
	}
	const inverse = inst.kind === 'inverse';
	return {
		symbol: inst.symbol,
		contractType: inverse ? 'InversePerpetual' : 'LinearPerpetual',
		status: st, baseCoin: inst.base, quoteCoin: inst.quote,
		launchTime: String(startMs), deliveryTime: '0',
		deliveryFeeRate: '', priceScale: String(inst.pdec),
		leverageFilter: { minLeverage: '1', maxLeverage: '100.00',
		    leverageStep: '0.01' },
		priceFilter: { minPrice: tickStr(inst), maxPrice: '1999999',
		    tickSize: tickStr(inst) },
		lotSizeFilter: {
			maxOrderQty: '1000', minOrderQty: lotStr(inst),
			qtyStep: lotStr(inst), postOnlyMaxOrderQty: '1000',
			maxMktOrderQty: '100', minNotionalValue: inverse ? '0' : '5'
		},
		unifiedMarginTrade: true, fundingInterval: 480,
		settleCoin: inverse ? inst.base : inst.quote,
		copyTrading: 'both', upperFundingRate: '0.005',
		lowerFundingRate: '-0.005', isPreListing: false,
		preListingInfo: null
	};
}

function okxInstrument(inst, startMs) {
	const st = inst.status === 'TRADING' ? 'live' : 'suspend';
	const common = {
		alias: '', auctionEndTime: '', category: '1', ctMult: '',
		ctType: '', ctVal: '', ctValCcy: '', expTime: '',
		instFamily: '', instId: inst.symbol, instType: 'SPOT',
		lever: '', listTime: String(startMs), lotSz: lotStr(inst),
		maxIcebergSz: '9999999999', maxLmtAmt: '20000000',
		maxLmtSz: '9999999999', maxMktAmt: '1000000',
		maxMktSz: '1000000', maxStopSz: '1000000',
		maxTriggerSz: '9999999999', maxTwapSz: '9999999999',
		minSz: lotStr(inst), optType: '', quoteCcy: '', settleCcy: '',
		state: st, stk: '', tickSz: tickStr(inst), uly: '', baseCcy: ''
	};
	if (inst.market === 'spot') {
		common.baseCcy = inst.base;
		common.quoteCcy = inst.quote;
		return common;
	}
	// Per OKX, baseCcy and quoteCcy are only for SPOT/MARGIN; a swap names
	// its underlying in uly/instFamily and its contract in ctVal/ctValCcy.
	const pair = inst.base + '-' + inst.quote;
	common.instType = 'SWAP';
	common.uly = pair;
	common.instFamily = pair;
	common.ctMult = '1';
	common.lever = '100';
	if (inst.kind === 'inverse') {
		common.ctType = 'inverse';
		common.ctVal = String(inst.ctUsd);
		common.ctValCcy = inst.quote;
		common.settleCcy = inst.base;
	} else {
		common.ctType = 'linear';
		common.ctVal = fmtDec(inst.ctU, inst.cdec, null);
		common.ctValCcy = inst.base;
		common.settleCcy = inst.quote;
	}
	return common;
}

// ------------------------------------------------------------------------
// Kraken trades.  Each minute of the market has 1 to 5 trades at hashed
// microseconds, near the minute's opening price; trade ids are the minute
// times 8 plus the trade's index (increasing, as Kraken's, though not
// consecutive).  These trades are not the ones counted by the candles.

// The trades of minute m (minutes since the epoch), oldest first:
// {us (time in microseconds, BigInt), p (price units), v (base units at
// qdec), side, type, id}.
function krakenMinuteTrades(market, inst, m) {
	const t = m * MIN;
	if (t < market.start || market.inHole(inst, t))
		return [];
	const seed = h32(inst.seedBar ^ 0x7a3d, m);
	const k = 1 + seed % 5;
	const offs = [];
	for (let j = 0; j < k; j++)
		offs.push(h32(seed, j) % 60000000);
	offs.sort((a, b) => a - b);
	for (let j = 1; j < k; j++)
		if (offs[j] <= offs[j - 1])
			offs[j] = offs[j - 1] + 1;
	const o = priceAt(inst, m);
	const out = [];
	for (let j = 0; j < k; j++) {
		const r = h32(seed ^ 0x3c6ef372, j);
		let p = o + ((r % 5) - 2) * inst.tickU;
		if (p < inst.tickU)
			p = inst.tickU;
		const lots = 1 + (r >>> 8) % 5000;
		out.push({ us: BigInt(t) * 1000n + BigInt(offs[j]), p: p,
		    v: BigInt(lots * inst.lotU) * 10000n, side: r & 0x10000 ?
		    'b' : 's', type: r & 0x20000 ? 'l' : 'm', id: m * 8 + j });
	}
	return out;
}

// The trades with a time in nanoseconds above sinceNs (BigInt) and before
// now (ms), oldest first, at most count.
function krakenTrades(market, inst, sinceNs, count, now) {
	const out = [];
	let m = Number(sinceNs / 60000000000n);
	if (m * MIN < market.start)
		m = Math.floor(market.start / MIN);
	const nowUs = BigInt(now) * 1000n;
	for (; m * MIN < now && out.length < count; m++)
		for (const x of krakenMinuteTrades(market, inst, m)) {
			if (x.us * 1000n <= sinceNs || x.us >= nowUs)
				continue;
			if (out.length < count)
				out.push(x);
		}
	return out;
}

// Seconds with microseconds as Kraken writes a trade's time (a JSON
// number, no trailing zeros).
function krakenTime(us) {
	const s = us / 1000000n, f = us % 1000000n;
	if (f === 0n)
		return s.toString();
	return s.toString() + '.' + f.toString().padStart(6, '0')
	    .replace(/0+$/, '');
}

function krakenTradeRow(inst, x) {
	return '["' + fmtDec(x.p, inst.pdec, 5) + '","' + fmtDec(x.v, 8, 8) +
	    '",' + krakenTime(x.us) + ',"' + x.side + '","' + x.type + '","",' +
	    x.id + ']';
}

// A trade's time as mdx writes it: milliseconds, or microseconds when
// there are any.
function tradeTime(us) {
	const ms = Number(us / 1000n), sub = Number(us % 1000n);
	const iso = new Date(ms).toISOString();
	if (ms % 1000 === 0 && sub === 0)
		return iso.replace('.000Z', 'Z');
	if (sub === 0)
		return iso;
	return iso.replace('Z', String(sub).padStart(3, '0') + 'Z');
}

// The canonical record of a Kraken trade (mdx-records(5)).
function canonicalTrade(inst, x) {
	return {
		kind: 'trade', exchange: inst.exchange, market: inst.market,
		symbol: inst.symbol, id: String(x.id), time: tradeTime(x.us),
		price: fmtDec(x.p, inst.pdec, null), quantity: fmtDec(x.v, 8, null),
		quote_quantity: fmtDec(BigInt(x.p) * x.v, inst.pdec + 8, null),
		side: x.side === 'b' ? 'buy' : 'sell', origin: 'exchange'
	};
}

function krakenPair(inst) {
	const lot = 8;
	return {
		altname: inst.symbol, wsname: inst.krakenWs,
		aclass_base: 'currency', base: inst.krakenBase,
		aclass_quote: 'currency', quote: inst.krakenQuote, lot: 'unit',
		cost_decimals: 5, pair_decimals: inst.pdec, lot_decimals: lot,
		lot_multiplier: 1, leverage_buy: [2, 3], leverage_sell: [2, 3],
		fees: [[0, 0.4], [10000, 0.35]], fees_maker: [[0, 0.25],
		    [10000, 0.2]],
		fee_volume_currency: 'ZUSD', margin_call: 80, margin_stop: 40,
		ordermin: '0.0001', costmin: '0.5',
		tick_size: fmtDec(inst.tickU, inst.pdec, null),
		status: inst.status === 'TRADING' ? 'online' : 'cancel_only'
	};
}

function coinbaseProduct(inst) {
	return {
		id: inst.symbol, base_currency: inst.base,
		quote_currency: inst.quote,
		quote_increment: fmtDec(inst.tickU, inst.pdec, null),
		base_increment: fmtDec(inst.lotU, inst.qdec, null),
		display_name: inst.base + '/' + inst.quote, min_market_funds: '1',
		margin_enabled: false, post_only: false, limit_only: false,
		cancel_only: false,
		status: inst.status === 'TRADING' ? 'online' : 'offline',
		status_message: '', trading_disabled: false,
		fx_stablecoin: false, max_slippage_percentage: '0.02000000',
		auction_mode: false, high_bid_limit_percentage: ''
	};
}

// ------------------------------------------------------------------------
// Options.

const DEFAULTS = {
	port: 0, start: '2017-08-17T00:00:00Z', now: null, clock: 'fixed',
	holes: [], faults: [], latency: 0, weightLimit: 6000,
	fapiWeightLimit: 2400, weightWindow: 60000, banSeconds: 120,
	banAfter: 3,
	bybitLimit: 600, bybitWindow: 5000, bybitBanSeconds: 0,
	okxCandlesLimit: 40, okxHistoryLimit: 20, okxWindow: 2000,
	okxCandlesDepth: 1440, krakenLimit: 15, krakenDecay: 1,
	krakenOhlcDepth: 720, coinbaseRate: 10, coinbaseBurst: 15,
	rateLimits: true, verbose: false, gzip: true,
	dump: false, exchange: null, market: null, symbol: null,
	interval: null, from: null, to: null, decimals: 'normalized',
	fetchedAt: null
};

const USAGE = `usage: node exchange.js --port PORT [--start TIME] [--now TIME]
       [--clock fixed|running] [--holes SPEC] [--fault SPEC]... [--latency MS]
       [--weight-limit N] [--fapi-weight-limit N] [--weight-window MS]
       [--ban-seconds S] [--ban-after N] [--bybit-limit N] [--bybit-window MS]
       [--bybit-ban-seconds S] [--okx-candles-limit N] [--okx-history-limit N]
       [--okx-window MS] [--okx-candles-depth N] [--kraken-limit N]
       [--kraken-decay N] [--kraken-ohlc-depth N] [--coinbase-rate N]
       [--coinbase-burst N] [--no-rate-limits]
       [--no-gzip] [--verbose]
   or: node exchange.js --dump --exchange EX --market MKT --symbol SYM
       --interval IV --from TIME --to TIME [--now TIME] [--start TIME]
       [--holes SPEC] [--decimals normalized|exchange] [--fetched-at TIME]
(see tests/mock/README)`;

function usage(msg) {
	if (msg)
		process.stderr.write('exchange.js: ' + msg + '\n');
	process.stderr.write(USAGE + '\n');
	process.exit(64);
}

// Parses one hole: EXCHANGE[:MARKET]:SYMBOL:FROM/TO (SYMBOL may be *).
// FROM is the first missing minute, TO the end (exclusive).
function parseHole(s, now) {
	const m = /^([a-z]+):(?:([a-z]+):)?([A-Za-z0-9_.*-]+):([^/]+)\/(.+)$/
	    .exec(s.trim());
	if (!m)
		throw new Error('bad hole "' + s + '"');
	const from = parseTime(m[4], now), to = parseTime(m[5], now);
	if (!MARKETS[m[1]])
		throw new Error('bad hole "' + s + '": unknown exchange');
	if (m[2] && MARKETS[m[1]].indexOf(m[2]) < 0)
		throw new Error('bad hole "' + s + '": unknown market');
	if (isNaN(from) || isNaN(to) || to <= from)
		throw new Error('bad hole "' + s + '": bad range');
	return { exchange: m[1], market: m[2] || null, symbol: m[3],
	    from: Math.floor(from / MIN) * MIN, to: Math.ceil(to / MIN) * MIN };
}

function parseHoles(spec, now) {
	const out = [];
	if (Array.isArray(spec)) {
		for (const h of spec) {
			if (typeof h === 'string') {
				out.push(parseHole(h, now));
				continue;
			}
			const s = h.exchange + ':' + (h.market ? h.market + ':' : '') +
			    h.symbol + ':' + h.from + '/' + h.to;
			out.push(parseHole(s, now));
		}
		return out;
	}
	for (const part of String(spec).split(/[,\s]+/))
		if (part)
			out.push(parseHole(part, now));
	return out;
}

const FAULT_TYPES = ['429', '418', '403', '500', '502', '503', '504', 'html',
	'slow', 'truncate', 'reset', 'badjson', 'empty', 'outside',
	'missing_field', 'duplicate', 'unordered', 'bad_number', 'high_low'];
// Faults that let the exchange answer and then alter the answer.
const ALTERING = ['slow', 'truncate', 'badjson', 'outside', 'missing_field',
	'duplicate', 'unordered', 'bad_number', 'high_low'];

// A fault rule, from JSON or from "type=500,path=/api/v3/klines,count=2".
function parseFault(x) {
	let r;
	if (typeof x === 'string') {
		if (x.trim()[0] === '{') {
			r = JSON.parse(x);
		} else {
			r = {};
			for (const kv of x.split(',')) {
				const i = kv.indexOf('=');
				if (i < 0)
					throw new Error('bad fault "' + x + '"');
				r[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
			}
		}
	} else {
		r = Object.assign({}, x);
	}
	r.type = String(r.type || '');
	if (FAULT_TYPES.indexOf(r.type) < 0)
		throw new Error('bad fault type "' + r.type + '" (one of ' +
		    FAULT_TYPES.join(' ') + ')');
	// retry_after is sent as given when it is not a plain number (an
	// HTTP-date, "1e9", a number too long for a double); "none" sends no
	// Retry-After at all.
	if (r.retry_after !== undefined &&
	    !/^[0-9]{1,15}$/.test(String(r.retry_after))) {
		r.retry_after_raw = String(r.retry_after);
		delete r.retry_after;
	}
	for (const k of ['count', 'after', 'latency', 'retry_after', 'seed',
	    'status'])
		if (r[k] !== undefined) {
			r[k] = Number(r[k]);
			if (!Number.isFinite(r[k]) || r[k] < 0)
				throw new Error('bad fault ' + k + ' "' + r[k] + '"');
		}
	if (r.probability !== undefined) {
		r.probability = Number(r.probability);
		if (!(r.probability >= 0 && r.probability <= 1))
			throw new Error('bad fault probability');
	}
	for (const k of ['from', 'to'])
		if (r[k] !== undefined) {
			const t = parseTime(r[k], NaN);
			if (Number.isNaN(t))
				throw new Error('bad fault ' + k + ' "' + r[k] + '"');
			r[k + '_ms'] = t;
		}
	if (r.count === undefined && r.probability === undefined &&
	    r.from === undefined && r.to === undefined)
		r.count = 1;
	r.seen = 0;
	r.fired = 0;
	r.rand = mulberry32(r.seed === undefined ? 1 : r.seed);
	return r;
}

function parseArgs(argv) {
	const o = Object.assign({}, DEFAULTS);
	o.holes = [];
	o.faults = [];
	const flags = {
		'--port': ['port', Number], '--start': ['start', String],
		'--now': ['now', String], '--clock': ['clock', String],
		'--latency': ['latency', Number],
		'--weight-limit': ['weightLimit', Number],
		'--fapi-weight-limit': ['fapiWeightLimit', Number],
		'--weight-window': ['weightWindow', Number],
		'--ban-seconds': ['banSeconds', Number],
		'--ban-after': ['banAfter', Number],
		'--bybit-limit': ['bybitLimit', Number],
		'--bybit-window': ['bybitWindow', Number],
		'--bybit-ban-seconds': ['bybitBanSeconds', Number],
		'--okx-candles-limit': ['okxCandlesLimit', Number],
		'--okx-history-limit': ['okxHistoryLimit', Number],
		'--okx-window': ['okxWindow', Number],
		'--okx-candles-depth': ['okxCandlesDepth', Number],
		'--kraken-limit': ['krakenLimit', Number],
		'--kraken-decay': ['krakenDecay', Number],
		'--kraken-ohlc-depth': ['krakenOhlcDepth', Number],
		'--coinbase-rate': ['coinbaseRate', Number],
		'--coinbase-burst': ['coinbaseBurst', Number],
		'--exchange': ['exchange', String], '--market': ['market', String],
		'--symbol': ['symbol', String], '--interval': ['interval', String],
		'--from': ['from', String], '--to': ['to', String],
		'--decimals': ['decimals', String],
		'--fetched-at': ['fetchedAt', String]
	};
	for (let i = 0; i < argv.length; i++) {
		let a = argv[i], val = null;
		const eq = a.indexOf('=');
		if (a.startsWith('--') && eq > 0) {
			val = a.slice(eq + 1);
			a = a.slice(0, eq);
		}
		const next = () => {
			if (val !== null)
				return val;
			if (i + 1 >= argv.length)
				usage('option ' + a + ' needs a value');
			return argv[++i];
		};
		if (a === '-h' || a === '--help') {
			process.stdout.write(USAGE + '\n');
			process.exit(0);
		} else if (a === '--verbose' || a === '-v') {
			o.verbose = true;
		} else if (a === '--no-rate-limits') {
			o.rateLimits = false;
		} else if (a === '--no-gzip') {
			o.gzip = false;
		} else if (a === '--dump') {
			o.dump = true;
		} else if (a === '--holes') {
			o.holesSpec = (o.holesSpec ? o.holesSpec + ',' : '') + next();
		} else if (a === '--fault') {
			o.faultSpecs = (o.faultSpecs || []).concat([next()]);
		} else if (flags[a]) {
			const f = flags[a];
			const v = f[1](next());
			if (f[1] === Number && !Number.isFinite(v))
				usage('bad number for ' + a);
			o[f[0]] = v;
		} else {
			usage('unknown option "' + a + '"');
		}
	}
	return o;
}

// ------------------------------------------------------------------------
// The server.

class Mock {
	constructor(o) {
		this.o = o;
		const realNow = Date.now();
		const nowSpec = o.now !== null ? o.now : process.env.MDX_NOW || null;
		this.clockFixed = null;
		this.clockBase = null;
		if (nowSpec !== null && nowSpec !== '') {
			const t = parseTime(nowSpec, realNow);
			if (isNaN(t))
				usage('bad time "' + nowSpec + '" for --now/MDX_NOW');
			if (o.clock === 'running')
				this.clockBase = [t, realNow];
			else
				this.clockFixed = t;
		}
		const st = parseTime(o.start, realNow);
		if (isNaN(st))
			usage('bad time "' + o.start + '" for --start');
		this.market = new Market({ start: st });
		this.initialClock = [this.clockFixed, this.clockBase];
		try {
			this.cliHoles = o.holesSpec ? parseHoles(o.holesSpec,
			    this.now()) : [];
			(o.faultSpecs || []).map(parseFault);
		} catch (e) {
			usage(e.message);
		}
		this.reset();
	}

	now() {
		if (this.clockFixed !== null)
			return this.clockFixed;
		if (this.clockBase !== null)
			return this.clockBase[0] + (Date.now() - this.clockBase[1]);
		return Date.now();
	}

	reset() {
		this.clockFixed = this.initialClock[0];
		this.clockBase = this.initialClock[1];
		this.market.setHoles(this.cliHoles.slice());
		this.faults = (this.o.faultSpecs || []).map(parseFault);
		this.weights = new Map();	// ip/api -> state
		this.weightHist = { spot: [], fapi: [] };
		this.bybitHits = new Map();	// ip -> [times]
		this.bybitBan = new Map();	// ip -> banned until
		this.okxHits = new Map();	// ip/endpoint -> [times]
		this.krakenCounters = new Map();	// ip[/pair] -> {c, t}
		this.coinbaseBuckets = new Map();	// ip -> {tokens, t}
		this.counts = new Map();	// name/ip -> {ws, n}
		this.stats = {
			requests: 0, by_endpoint: {}, by_status: {}, by_exchange: {},
			sent_429: 0, sent_418: 0, sent_403: 0, faults: {},
			faults_injected: 0, rate_limited: { binance: 0, bybit: 0,
			    okx: 0, kraken: 0, coinbase: 0 }, rows: 0, gzipped: 0,
			weight: {
				spot: { used: 0, limit: this.o.weightLimit, peak: 0,
				    total: 0 },
				fapi: { used: 0, limit: this.o.fapiWeightLimit, peak: 0,
				    total: 0 }
			}
		};
	}

	log(s) {
		if (this.o.verbose)
			process.stderr.write('mock: ' + s + '\n');
	}

	// ---- Binance weight accounting (a fixed window per IP and API).
	binanceAdmit(ip, api, weight) {
		const o = this.o;
		const limit = api === 'spot' ? o.weightLimit : o.fapiWeightLimit;
		const t = Date.now();
		const ws = Math.floor(t / o.weightWindow) * o.weightWindow;
		const key = ip + '/' + api;
		let s = this.weights.get(key);
		if (!s) {
			s = { ws: ws, used: 0, banUntil: 0, retryAt: 0, strikes: 0 };
			this.weights.set(key, s);
		}
		if (s.ws !== ws) {
			s.ws = ws;
			s.used = 0;
		}
		const st = this.stats.weight[api];
		if (s.banUntil > t) {
			return { status: 418, retry: Math.ceil((s.banUntil - t) / 1000),
			    used: s.used, banUntil: s.banUntil };
		}
		if (o.rateLimits && s.retryAt > t) {
			// It did not wait for Retry-After: refused again, and after
			// --ban-after such requests, banned.
			if (++s.strikes > o.banAfter) {
				s.banUntil = t + o.banSeconds * 1000;
				s.strikes = 0;
				return { status: 418, retry: o.banSeconds, used: s.used,
				    banUntil: s.banUntil };
			}
			return { status: 429, retry: Math.ceil((s.retryAt - t) / 1000),
			    used: s.used, limit: limit };
		}
		s.strikes = 0;
		s.used += weight;
		st.total += weight;
		st.used = s.used;
		if (s.used > st.peak)
			st.peak = s.used;
		const h = this.weightHist[api];
		if (!h.length || h[h.length - 1][0] !== ws) {
			h.push([ws, 0]);
			if (h.length > 240)
				h.shift();
		}
		if (s.used > h[h.length - 1][1])
			h[h.length - 1][1] = s.used;
		if (o.rateLimits && s.used > limit) {
			s.retryAt = ws + o.weightWindow;
			return { status: 429, retry: Math.ceil((s.retryAt - t) / 1000),
			    used: s.used, limit: limit };
		}
		return { status: 200, used: s.used };
	}

	// Sliding-window request counting (Bybit, OKX): true when admitted.
	slide(map, key, limit, window) {
		const t = Date.now();
		let a = map.get(key);
		if (!a) {
			a = [];
			map.set(key, a);
		}
		while (a.length && a[0] <= t - window)
			a.shift();
		if (this.o.rateLimits && a.length >= limit)
			return false;
		a.push(t);
		return true;
	}

	// ---- Faults.
	pickFault(ctx) {
		for (const r of this.faults) {
			if (r.path) {
				const p = String(r.path);
				if (p.endsWith('*') ? !ctx.path.startsWith(p.slice(0, -1)) :
				    p !== ctx.path)
					continue;
			}
			if (r.exchange && r.exchange !== ctx.exchange)
				continue;
			if (r.symbol && r.symbol !== ctx.symbol)
				continue;
			if (r.interval && r.interval !== ctx.interval)
				continue;
			if (r.count !== undefined && r.fired >= r.count)
				continue;
			if ((r.from_ms !== undefined && ctx.now < r.from_ms) ||
			    (r.to_ms !== undefined && ctx.now >= r.to_ms))
				continue;
			r.seen++;
			if (r.after !== undefined && r.seen <= r.after)
				continue;
			if (r.probability !== undefined && !(r.rand() < r.probability))
				continue;
			r.fired++;
			return r;
		}
		return null;
	}

	handle(req, res) {
		let u;
		try {
			u = new URL(req.url, 'http://127.0.0.1');
		} catch (e) {
			return send(res, 400, 'text/plain', 'bad request\n');
		}
		const path = u.pathname;
		const q = u.searchParams;
		if (path.startsWith('/mock/') || path === '/mock')
			return this.control(req, res, path, q);
		const ex = path.startsWith('/api/v5/') ? 'okx' :
		    path.startsWith('/v5/') ? 'bybit' :
		    path.startsWith('/api/v3/') || path.startsWith('/fapi/') ||
		    path.startsWith('/futures/data/') ||
		    path.startsWith('/dapi/') || path.startsWith('/eapi/') ?
		    'binance' : path.startsWith('/0/public/') ? 'kraken' :
		    path === '/products' || path.startsWith('/products/') ?
		    'coinbase' : null;
		const cbm = /^\/products\/([^/]+)/.exec(path);
		const ctx = {
			path: path, exchange: ex, ip: req.socket.remoteAddress,
			symbol: q.get('symbol') || q.get('instId') || q.get('pair') ||
			    (cbm ? decodeURIComponent(cbm[1]) : null),
			interval: q.get('interval') || q.get('bar') ||
			    q.get('granularity') || null,
			now: this.now()
		};
		const st = this.stats;
		st.requests++;
		st.by_endpoint[path] = (st.by_endpoint[path] || 0) + 1;
		if (ex)
			st.by_exchange[ex] = (st.by_exchange[ex] || 0) + 1;
		this.log(req.method + ' ' + req.url);
		const fault = ex ? this.pickFault(ctx) : null;
		if (fault) {
			st.faults[fault.type] = (st.faults[fault.type] || 0) + 1;
			st.faults_injected++;
		}
		const delay = this.o.latency + (fault && fault.type === 'slow' ?
		    (fault.latency !== undefined ? fault.latency : 2000) : 0);
		const go = () => {
			if (res.destroyed || req.socket.destroyed)
				return;
			let out;
			if (fault && ALTERING.indexOf(fault.type) < 0) {
				out = faultAnswer(fault, ex);
				if (out === null) {
					req.socket.destroy();
					return;
				}
			} else {
				try {
					out = this.route(ex, path, q, ctx);
				} catch (e) {
					process.stderr.write('mock: ' + (e.stack || e) + '\n');
					out = { status: 500, type: 'text/plain',
					    body: 'internal error\n' };
				}
			}
			if (out.status === 429) st.sent_429++;
			if (out.status === 418) st.sent_418++;
			if (out.status === 403) st.sent_403++;
			st.by_status[out.status] = (st.by_status[out.status] || 0) + 1;
			if (fault && fault.type === 'badjson')
				out.body = breakJson(out.body);
			else if (fault && out.status === 200)
				out.body = badRows(fault.type, ex, out.body);
			// Exchanges compress larger answers when asked to.
			const gz = this.o.gzip && out.body.length >= 1024 &&
			    /\bgzip\b/.test(req.headers['accept-encoding'] || '');
			if (gz)
				st.gzipped++;
			if (fault && fault.type === 'truncate')
				return sendTruncated(res, req, out, gz);
			send(res, out.status, out.type, out.body, out.headers, gz);
		};
		if (delay > 0)
			setTimeout(go, delay);
		else
			go();
	}

	route(ex, path, q, ctx) {
		if (ex === 'binance')
			return this.binance(path, q, ctx);
		if (ex === 'bybit')
			return this.bybit(path, q, ctx);
		if (ex === 'okx')
			return this.okx(path, q, ctx);
		if (ex === 'kraken')
			return this.kraken(path, q, ctx);
		if (ex === 'coinbase')
			return this.coinbase(path, q, ctx);
		return notFound();
	}

	// ---- Kraken.  Public calls raise a counter per IP (and pair, for
	// OHLC and Trades) by one; it decays by --kraken-decay a second, and
	// a call that would take it past --kraken-limit is refused with
	// EGeneral:Too many requests, and still counted: calling on while
	// refused keeps one refused longer.
	krakenAdmit(key) {
		const t = Date.now();
		let s = this.krakenCounters.get(key);
		if (!s) {
			s = { c: 0, t: t };
			this.krakenCounters.set(key, s);
		}
		s.c = Math.max(0, s.c - (t - s.t) / 1000 * this.o.krakenDecay);
		s.t = t;
		s.c += 1;
		return !this.o.rateLimits || s.c <= this.o.krakenLimit;
	}

	kraken(path, q, ctx) {
		const now = this.now();
		const ep = path.slice('/0/public/'.length);
		const known = ['OHLC', 'Trades', 'AssetPairs', 'Time'];
		if (known.indexOf(ep) < 0)
			return jsonOut(404, { error: ['EGeneral:Unknown method'] });
		const pair = q.get('pair');
		const key = ctx.ip + ((ep === 'OHLC' || ep === 'Trades') && pair ?
		    '/' + pair : '');
		const err = (e) => jsonOut(200, { error: [e] });
		if (!this.krakenAdmit(key)) {
			this.stats.rate_limited.kraken++;
			return err('EGeneral:Too many requests');
		}
		if (ep === 'Time')
			return jsonOut(200, { error: [], result: {
			    unixtime: Math.floor(now / 1000),
			    rfc1123: new Date(now).toUTCString() } });
		const byName = (name) => this.market.list('kraken', 'spot').find(
		    (i) => i.symbol === name || i.krakenKey === name) || null;
		if (ep === 'AssetPairs') {
			let list = this.market.list('kraken', 'spot');
			if (pair !== null && pair !== '') {
				const want = pair.split(',');
				for (const w of want)
					if (!byName(w))
						return err('EQuery:Unknown asset pair');
				list = list.filter((i) => want.indexOf(i.symbol) >= 0 ||
				    want.indexOf(i.krakenKey) >= 0);
			}
			const result = {};
			for (const i of list)
				result[i.krakenKey] = krakenPair(i);
			return jsonOut(200, { error: [], result: result });
		}
		if (pair === null || pair === '')
			return err('EGeneral:Invalid arguments:pair');
		const inst = byName(pair);
		if (!inst)
			return err('EQuery:Unknown asset pair');
		const sinceStr = q.get('since');
		if (sinceStr !== null && sinceStr !== '' &&
		    !/^[0-9]{1,20}$/.test(sinceStr))
			return err('EGeneral:Invalid arguments:since');
		if (ep === 'Trades') {
			const cs = q.get('count');
			let count = 1000;
			if (cs !== null && cs !== '') {
				if (!/^[0-9]+$/.test(cs) || Number(cs) < 1)
					return err('EGeneral:Invalid arguments:count');
				count = Math.min(1000, Number(cs));
			}
			let since;
			if (sinceStr === null || sinceStr === '')
				since = BigInt(now - HOUR) * 1000000n;
			else {
				since = BigInt(sinceStr);
				// A time in seconds, as Kraken also takes.
				if (since < 10000000000n)
					since *= 1000000000n;
			}
			const tr = krakenTrades(this.market, inst, since, count, now);
			this.stats.rows += tr.length;
			const last = tr.length ? tr[tr.length - 1].us * 1000n : since;
			const body = '{"error":[],"result":{"' + inst.krakenKey + '":[' +
			    tr.map((x) => krakenTradeRow(inst, x)).join(',') +
			    '],"last":"' + last.toString() + '"}}';
			return { status: 200, type: 'application/json; charset=utf-8',
			    body: body, headers: {} };
		}
		// OHLC: the newest --kraken-ohlc-depth rows (720) opening after
		// since, whatever since says, the forming one always last.
		const ivs = q.get('interval') === null ? '1' : q.get('interval');
		const iv = krakenInterval(ivs);
		if (!iv)
			return err('EGeneral:Invalid arguments:interval');
		const since = sinceStr === null || sinceStr === '' ? -Infinity :
		    Number(sinceStr) * 1000 + 1;
		const cs = this.market.candles(inst, iv, since, Infinity,
		    this.o.krakenOhlcDepth, false, now);
		this.stats.rows += cs.length;
		const rows = cs.map((c) => krakenRow(inst, c));
		let last = 0;
		for (const c of cs)
			if (c.closed)
				last = c.t / 1000;
		const body = '{"error":[],"result":{"' + inst.krakenKey + '":' +
		    rowsJson(rows) + ',"last":' + last + '}}';
		return { status: 200, type: 'application/json; charset=utf-8',
		    body: body, headers: {} };
	}

	// ---- Coinbase Exchange.  Public calls take a token from a bucket per
	// IP that holds --coinbase-burst and refills --coinbase-rate a second
	// (Coinbase's lazy-fill token bucket); an empty bucket answers 429.
	coinbaseAdmit(ip) {
		const t = Date.now();
		let s = this.coinbaseBuckets.get(ip);
		if (!s) {
			s = { tokens: this.o.coinbaseBurst, t: t };
			this.coinbaseBuckets.set(ip, s);
		}
		s.tokens = Math.min(this.o.coinbaseBurst, s.tokens + (t - s.t) /
		    1000 * this.o.coinbaseRate);
		s.t = t;
		if (this.o.rateLimits && s.tokens < 1)
			return false;
		s.tokens -= 1;
		return true;
	}

	coinbase(path, q, ctx) {
		const now = this.now();
		const msg = (status, m) => jsonOut(status, { message: m });
		if (!this.coinbaseAdmit(ctx.ip)) {
			this.stats.rate_limited.coinbase++;
			return msg(429, 'Public rate limit exceeded');
		}
		const list = this.market.list('coinbase', 'spot');
		if (path === '/products')
			return jsonOut(200, list.map(coinbaseProduct));
		const m = /^\/products\/([^/]+)(\/candles)?$/.exec(path);
		if (!m)
			return msg(404, 'route not found');
		const inst = list.find((i) => i.symbol ===
		    decodeURIComponent(m[1]).toUpperCase()) || null;
		if (!inst)
			return msg(404, 'NotFound');
		if (!m[2])
			return jsonOut(200, coinbaseProduct(inst));
		const g = q.get('granularity') === null ? '60' :
		    q.get('granularity');
		if (!COINBASE_IV[g])
			return msg(400, 'Unsupported granularity');
		const iv = mkiv(COINBASE_IV[g][0], 0);
		const ss = q.get('start'), es = q.get('end');
		let lo, hi;
		if (ss === null || ss === '' || es === null || es === '') {
			// Without both, both are ignored: the 300 ending now.
			hi = now;
			lo = ivFloor(iv, now) - 299 * iv.ms;
		} else {
			lo = parseTime(ss, now);
			hi = parseTime(es, now);
			if (Number.isNaN(lo))
				return msg(400, 'Invalid start');
			if (Number.isNaN(hi))
				return msg(400, 'Invalid end');
			if (hi < lo)
				return msg(400, 'start must be before end');
			if ((hi - lo) / iv.ms > 300)
				return msg(400, 'granularity too small for the ' +
				    'requested time range. Count of aggregations ' +
				    'requested exceeds 300');
		}
		// Buckets opening in [start, end), newest first, the forming
		// one included.
		const cs = this.market.candles(inst, iv, lo, hi - 1, 300, true,
		    now).reverse();
		this.stats.rows += cs.length;
		const body = '[' + cs.map((c) => '[' + coinbaseRow(inst, c)
		    .join(',') + ']').join(',') + ']';
		return { status: 200, type: 'application/json; charset=utf-8',
		    body: body, headers: {} };
	}

	// ---- Binance.
	// The answer to a request binanceAdmit() did not admit, or null.
	binanceRefusal(adm, hdr, fapi) {
		const limit = fapi ? this.o.fapiWeightLimit : this.o.weightLimit;
		if (adm.status === 429) {
			this.stats.rate_limited.binance++;
			hdr['Retry-After'] = String(adm.retry);
			return jsonOut(429, { code: -1003, msg: 'Too much request ' +
			    'weight used; current limit is ' + limit + ' request ' +
			    'weight per 1 MINUTE. Please use WebSocket Streams for ' +
			    'live updates to avoid polling the API.' }, hdr);
		}
		if (adm.status === 418) {
			this.stats.rate_limited.binance++;
			hdr['Retry-After'] = String(adm.retry);
			return jsonOut(418, { code: -1003, msg: 'Way too much request ' +
			    'weight used; IP banned until ' + adm.banUntil + '. Please ' +
			    'use WebSocket Streams for live updates to avoid bans.' },
			    hdr);
		}
		return null;
	}

	// A request count per IP in fixed windows of `window` ms (Binance's
	// funding and open-interest statistics endpoints count requests, not
	// weight): the seconds to wait, or 0 when admitted.
	countAdmit(name, ip, limit, window) {
		const t = Date.now();
		const ws = Math.floor(t / window) * window;
		const key = name + '/' + ip;
		let s = this.counts.get(key);
		if (!s || s.ws !== ws) {
			s = { ws: ws, n: 0 };
			this.counts.set(key, s);
		}
		if (this.o.rateLimits && s.n >= limit)
			return Math.max(1, Math.ceil((ws + window - t) / 1000));
		s.n++;
		return 0;
	}

	// The instrument named by parameter pname in market and the limit of
	// a Binance request: {inst, lim}, or {error} with the answer to give.
	binanceArgs(q, pname, market, err) {
		const symbol = q.get(pname);
		if (!symbol)
			return { error: err(-1102, "Mandatory parameter '" + pname +
			    "' was not sent, was empty/null, or malformed.") };
		const inst = this.market.find('binance', market, symbol);
		if (!inst)
			return { error: err(-1121, 'Invalid symbol.') };
		const limitStr = q.get('limit');
		let lim = null;
		if (limitStr !== null) {
			if (!/^[0-9]{1,20}$/.test(limitStr))
				return { error: err(-1100, "Illegal characters found in " +
				    "parameter 'limit'; legal range is '^[0-9]{1,20}$'.") };
			lim = Number(limitStr);
		}
		return { inst: inst, lim: lim };
	}

	binance(path, q, ctx) {
		if (path.startsWith('/futures/data/') ||
		    BINANCE_DERIV.indexOf(path) >= 0)
			return this.binanceDeriv(path, q, ctx);
		if (path === '/dapi/v1/exchangeInfo' ||
		    path === '/eapi/v1/exchangeInfo') {
			// COIN-M futures and options are not served; their market
			// lists are empty, so clients that load every market work.
			const body = { timezone: 'UTC', serverTime: this.now(),
			    rateLimits: [], exchangeFilters: [] };
			if (path.startsWith('/dapi/'))
				body.symbols = [];
			else
				Object.assign(body, { optionContracts: [],
				    optionAssets: [], optionSymbols: [] });
			return jsonOut(200, body);
		}
		const fapi = path.startsWith('/fapi/');
		const a = fapi ? 'fapi' : 'spot';
		const market = fapi ? 'usdm' : 'spot';
		const ep = path.replace(/^\/(api\/v3|fapi\/v1)\//, '');
		const known = ['klines', 'depth', 'exchangeInfo', 'ping', 'time',
			'aggTrades'];
		if ((fapi && !path.startsWith('/fapi/v1/')) ||
		    known.indexOf(ep) < 0)
			return notFound();
		const limitStr = q.get('limit');
		let weight = 1;
		if (ep === 'klines') {
			const lim = limitStr === null ? 500 : Number(limitStr);
			weight = fapi ? (lim < 100 ? 1 : lim < 500 ? 2 :
			    lim <= 1000 ? 5 : 10) : 2;
		} else if (ep === 'depth') {
			const lim = limitStr === null ? (fapi ? 500 : 100) :
			    Number(limitStr);
			weight = fapi ? (lim <= 50 ? 2 : lim <= 100 ? 5 :
			    lim <= 500 ? 10 : 20) : (lim <= 100 ? 5 : lim <= 500 ? 25 :
			    lim <= 1000 ? 50 : 250);
		} else if (ep === 'exchangeInfo') {
			weight = fapi ? 1 : 20;
		} else if (ep === 'aggTrades') {
			weight = fapi ? 20 : 4;
		}
		const adm = this.binanceAdmit(ctx.ip, a, weight);
		const hdr = { 'X-MBX-USED-WEIGHT-1M': String(adm.used),
		    'X-MBX-USED-WEIGHT': String(adm.used) };
		const refused = this.binanceRefusal(adm, hdr, fapi);
		if (refused)
			return refused;
		const now = this.now();
		const err = (code, msg) => jsonOut(400, { code: code, msg: msg }, hdr);
		if (ep === 'ping')
			return jsonOut(200, {}, hdr);
		if (ep === 'time')
			return jsonOut(200, { serverTime: now }, hdr);
		if (ep === 'exchangeInfo') {
			let list = this.market.list('binance', market);
			const sym = q.get('symbol'), syms = q.get('symbols');
			if (sym !== null || syms !== null) {
				let want;
				if (syms !== null) {
					try {
						want = JSON.parse(syms);
					} catch (e) {
						want = null;
					}
					if (!Array.isArray(want))
						return err(-1100, "Illegal characters found in " +
						    "parameter 'symbols'; legal range is " +
						    "'^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
				} else {
					want = [sym];
				}
				for (const w of want)
					if (!this.market.find('binance', market, w))
						return err(-1121, 'Invalid symbol.');
				list = list.filter((i) => want.indexOf(i.symbol) >= 0);
			}
			const body = {
				timezone: 'UTC', serverTime: now,
				rateLimits: fapi ? [
					{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE',
					    intervalNum: 1, limit: this.o.fapiWeightLimit },
					{ rateLimitType: 'ORDERS', interval: 'MINUTE',
					    intervalNum: 1, limit: 1200 }
				] : [
					{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE',
					    intervalNum: 1, limit: this.o.weightLimit },
					{ rateLimitType: 'ORDERS', interval: 'SECOND',
					    intervalNum: 10, limit: 100 },
					{ rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE',
					    intervalNum: 5, limit: 61000 }
				],
				exchangeFilters: [],
				symbols: list.map(binanceSymbol)
			};
			if (fapi) {
				body.futuresType = 'U_MARGINED';
				body.assets = [{ asset: 'USDT', marginAvailable: true,
				    autoAssetExchange: '-10000' }];
			}
			return jsonOut(200, body, hdr);
		}
		const args = this.binanceArgs(q, 'symbol', market, err);
		if (args.error)
			return args.error;
		const inst = args.inst, lim = args.lim;
		if (ep === 'aggTrades')
			return this.binanceAggTrades(inst, q, lim, now, hdr, err);
		if (ep === 'depth') {
			const max = fapi ? 1000 : 5000;
			let n = lim === null ? (fapi ? 500 : 100) : lim;
			if (n < 1)
				return err(-1130, "Data sent for parameter 'limit' is not valid.");
			if (n > max)
				n = max;
			const b = this.market.book(inst, n, now);
			const ps = (x) => fapi ? priceStr(inst, x, inst.pdec) :
			    priceStr(inst, x, 8);
			const qs = (x) => fmtDec(x, inst.qdec, fapi ? inst.qdec : 8);
			const body = fapi ? { lastUpdateId: b.id, E: now, T: now - 3 } :
			    { lastUpdateId: b.id };
			body.bids = b.bids.map((x) => [ps(x[0]), qs(x[1])]);
			body.asks = b.asks.map((x) => [ps(x[0]), qs(x[1])]);
			return jsonOut(200, body, hdr);
		}
		// klines
		const ivs = q.get('interval');
		if (!ivs)
			return err(-1102, "Mandatory parameter 'interval' was not " +
			    'sent, was empty/null, or malformed.');
		if (!BINANCE_IV[ivs])
			return err(-1120, 'Invalid interval.');
		const iv = mkiv(BINANCE_IV[ivs][0], 0);
		const max = fapi ? 1500 : 1000;
		let n = lim === null ? 500 : lim;
		if (n < 1)
			return err(-1130, "Data sent for parameter 'limit' is not valid.");
		if (n > max)
			n = max;
		const r = binanceRange(q, err);
		if (r.error)
			return r.error;
		const rows = this.market.candles(inst, iv, r.lo, r.hi, n, r.s0 !== null,
		    now).map((c) => binanceRow(inst, c));
		this.stats.rows += rows.length;
		return { status: 200, type: 'application/json;charset=UTF-8',
		    body: rowsJson(rows), headers: hdr };
	}

	// Binance /api/v3/aggTrades and /fapi/v1/aggTrades: by fromId (the
	// oldest limit from that aggregate id on), by time (startTime and
	// endTime inclusive, at most an hour apart; one alone stands for the
	// hour after or before it), or the newest limit.  Oldest first.
	binanceAggTrades(inst, q, lim, now, hdr, err) {
		let n = lim === null ? 500 : lim;
		if (n < 1)
			return err(-1130, "Data sent for parameter 'limit' is not valid.");
		if (n > 1000)
			n = 1000;
		const num = {};
		for (const k of ['fromId', 'startTime', 'endTime']) {
			const v = q.get(k);
			if (v === null || v === '')
				continue;
			if (!/^[0-9]{1,20}$/.test(v))
				return err(-1100, "Illegal characters found in parameter '" +
				    k + "'; legal range is '^[0-9]{1,20}$'.");
			num[k] = Number(v);
		}
		let rows;
		if (num.fromId !== undefined) {
			if (num.startTime !== undefined || num.endTime !== undefined)
				return err(-1128, 'Combination of optional parameters ' +
				    'invalid.');
			const id = num.fromId;
			rows = this.market.tradesFrom(inst, Math.floor(id /
			    TRADES_PER_MIN), id % TRADES_PER_MIN, n, () => true, now);
		} else if (num.startTime !== undefined || num.endTime !== undefined) {
			let a = num.startTime, b = num.endTime;
			if (a === undefined)
				a = b - HOUR;
			if (b === undefined)
				b = a + HOUR;
			if (a > b)
				return err(-1023, 'Start time is greater than end time.');
			if (b - a > HOUR)
				return err(-1127, 'More than 1 hours between startTime ' +
				    'and endTime.');
			rows = this.market.tradesFrom(inst, Math.floor(a / MIN), 0, n,
			    (z) => {
				const T = Math.floor(z.us / 1000);
				return T > b ? null : T >= a;
			}, now);
		} else {
			rows = this.market.tradesBack(inst, n, () => true, now)
			    .reverse();
		}
		this.stats.trades = (this.stats.trades || 0) + rows.length;
		return jsonOut(200, rows.map((z) => binanceTrade(inst, z)), hdr);
	}

	// ---- Binance USD-M derivatives data.
	binanceDeriv(path, q, ctx) {
		const now = this.now();
		const priceKl = { '/fapi/v1/markPriceKlines': 'mark',
		    '/fapi/v1/indexPriceKlines': 'index',
		    '/fapi/v1/premiumIndexKlines': 'premium' }[path];
		const funding = path === '/fapi/v1/fundingRate' ||
		    path === '/fapi/v1/fundingInfo';
		if (!priceKl && !funding &&
		    path !== '/futures/data/openInterestHist')
			return notFound();
		const limitStr = q.get('limit');
		let weight = 0;
		if (priceKl) {
			const lim = limitStr === null ? 500 : Number(limitStr);
			weight = lim < 100 ? 1 : lim < 500 ? 2 : lim <= 1000 ? 5 : 10;
		}
		const adm = this.binanceAdmit(ctx.ip, 'fapi', weight);
		const hdr = { 'X-MBX-USED-WEIGHT-1M': String(adm.used),
		    'X-MBX-USED-WEIGHT': String(adm.used) };
		const refused = this.binanceRefusal(adm, hdr, true);
		if (refused)
			return refused;
		const err = (code, msg) => jsonOut(400, { code: code, msg: msg }, hdr);
		if (!priceKl) {
			// 500 requests per 5 minutes for the two funding
			// endpoints together, 1000 for the statistics.
			const wait = funding ?
			    this.countAdmit('funding', ctx.ip, 500, 300000) :
			    this.countAdmit('futures-data', ctx.ip, 1000, 300000);
			if (wait > 0) {
				this.stats.rate_limited.binance++;
				hdr['Retry-After'] = String(wait);
				return jsonOut(429, { code: -1003, msg: 'Too many ' +
				    'requests; current limit of IP(' + ctx.ip + ') is ' +
				    (funding ? 500 : 1000) + ' requests per 5 MINUTE.' },
				    hdr);
			}
		}
		if (path === '/fapi/v1/fundingInfo') {
			// Only the symbols whose cap, floor or interval were
			// adjusted are listed.
			const list = this.market.list('binance', 'usdm')
			    .filter((i) => fundingHours(i, now) !== 8)
			    .map((i) => ({ symbol: i.symbol,
				adjustedFundingRateCap: '0.02000000',
				adjustedFundingRateFloor: '-0.02000000',
				fundingIntervalHours: fundingHours(i, now),
				disclaimer: false }));
			return jsonOut(200, list, hdr);
		}
		const a = this.binanceArgs(q, path === '/fapi/v1/indexPriceKlines' ?
		    'pair' : 'symbol', 'usdm', err);
		if (a.error)
			return a.error;
		const inst = a.inst, lim = a.lim, symbol = inst.symbol;
		const r = binanceRange(q, err);
		if (r.error)
			return r.error;
		const s0 = r.s0, e0 = r.e0, lo = r.lo, hi = r.hi;
		if (priceKl) {
			const ivs = q.get('interval');
			if (!ivs)
				return err(-1102, "Mandatory parameter 'interval' was " +
				    'not sent, was empty/null, or malformed.');
			if (!BINANCE_IV[ivs])
				return err(-1120, 'Invalid interval.');
			let n = lim === null ? 500 : lim;
			if (n < 1)
				return err(-1130, "Data sent for parameter 'limit' is " +
				    'not valid.');
			if (n > 1500)
				n = 1500;
			const sh = shadowOf(inst, priceKl);
			const rows = this.market.candles(sh, mkiv(BINANCE_IV[ivs][0], 0),
			    lo, hi, n, s0 !== null, now).map((c) =>
			    binancePriceRow(sh, c));
			this.stats.rows += rows.length;
			return { status: 200, type: 'application/json;charset=UTF-8',
			    body: rowsJson(rows), headers: hdr };
		}
		if (path === '/fapi/v1/fundingRate') {
			let n = lim === null ? 100 : lim;
			if (n < 1)
				return err(-1130, "Data sent for parameter 'limit' is " +
				    'not valid.');
			if (n > 1000)
				n = 1000;
			// Without a range, the latest 200; with a start, the
			// oldest from it; always oldest first.
			if (s0 === null && e0 === null)
				n = 200;
			const rows = this.market.fundings(inst, lo, hi, n, s0 !== null,
			    now).map((f) => fundingRow(inst, f));
			this.stats.rows += rows.length;
			return jsonOut(200, rows, hdr);
		}
		// openInterestHist
		const period = q.get('period');
		const periods = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h',
		    '1d'];
		if (!period)
			return err(-1102, "Mandatory parameter 'period' was not " +
			    'sent, was empty/null, or malformed.');
		if (periods.indexOf(period) < 0)
			return err(-1130, "Data sent for paramter 'period' is not " +
			    'valid.');
		let n = lim === null ? 30 : lim;
		if (n < 1)
			return err(-1130, "Data sent for parameter 'limit' is not " +
			    'valid.');
		if (n > 500)
			n = 500;
		// Only the latest 30 days are kept.
		const rows = this.market.oiSamples(inst, mkiv(period, 0),
		    Math.max(lo, now - 30 * DAY), hi, n, s0 !== null, now)
		    .map((x) => oiRow(inst, x));
		this.stats.rows += rows.length;
		return jsonOut(200, rows, hdr);
	}

	// ---- Bybit.
	bybit(path, q, ctx) {
		const now = this.now();
		const banned = (this.bybitBan.get(ctx.ip) || 0) > Date.now();
		if (banned || !this.slide(this.bybitHits, ctx.ip,
		    this.o.bybitLimit, this.o.bybitWindow)) {
			this.stats.rate_limited.bybit++;
			if (!banned && this.o.bybitBanSeconds > 0)
				this.bybitBan.set(ctx.ip, Date.now() +
				    this.o.bybitBanSeconds * 1000);
			return { status: 403, type: 'text/plain',
			    body: '403 Forbidden: access too frequent\n' };
		}
		const ok = (result) => jsonOut(200, { retCode: 0, retMsg: 'OK',
		    result: result, retExtInfo: {}, time: now });
		const err = (code, msg) => jsonOut(200, { retCode: code,
		    retMsg: msg, result: {}, retExtInfo: {}, time: now });
		if (path === '/v5/market/time') {
			return ok({ timeSecond: String(Math.floor(now / 1000)),
			    timeNano: String(now) + '000000' });
		}
		if (BYBIT_DERIV.indexOf(path) >= 0)
			return this.bybitDeriv(path, q, ok, err, now);
		const known = ['/v5/market/kline', '/v5/market/orderbook',
			'/v5/market/instruments-info', '/v5/market/recent-trade'];
		if (known.indexOf(path) < 0)
			return notFound();
		let cat = q.get('category');
		if (cat === null && path === '/v5/market/kline')
			cat = 'linear';
		if (cat === null || cat === '')
			return err(10001, 'params error: category is required');
		if (cat === 'option' && path === '/v5/market/instruments-info')
			return ok({ category: cat, list: [], nextPageCursor: '' });
		if (MARKETS.bybit.indexOf(cat) < 0)
			return err(10001, 'Illegal category');
		const symbol = q.get('symbol');
		if (path === '/v5/market/instruments-info') {
			let list = this.market.list('bybit', cat);
			if (symbol !== null && symbol !== '')
				list = list.filter((i) => i.symbol === symbol);
			return ok({ category: cat, list: list.map((i) =>
			    bybitInstrument(i, this.market.start)),
			    nextPageCursor: '' });
		}
		const a = this.bybitArgs(q, cat, err);
		if (a.error)
			return a.error;
		const inst = a.inst, lim = a.lim;
		if (path === '/v5/market/recent-trade') {
			// The newest trades only, newest first: spot up to 60
			// (default 60), the others up to 1000 (default 500).
			const max = cat === 'spot' ? 60 : 1000;
			let n = lim === null ? (cat === 'spot' ? 60 : 500) : lim;
			if (n < 1 || n > max)
				return err(10001, 'params error: limit invalid');
			const rows = this.market.tradesBack(inst, n, () => true, now);
			this.stats.trades = (this.stats.trades || 0) + rows.length;
			return ok({ category: cat, list: rows.map((z) =>
			    bybitTrade(inst, z)) });
		}
		if (path === '/v5/market/orderbook') {
			const max = cat === 'spot' ? 200 : 500;
			let n = lim === null ? (cat === 'spot' ? 1 : 25) : lim;
			if (n < 1)
				n = 1;
			if (n > max)
				n = max;
			const b = this.market.book(inst, n, now);
			const qs = inst.kind === 'inverse' ? 0 :
			    inst.kind === 'contracts' ? inst.vs : inst.qdec;
			const f = (x) => [priceStr(inst, x[0], null),
			    fmtDec(x[1], qs, null)];
			return ok({ s: symbol, b: b.bids.map(f), a: b.asks.map(f),
			    ts: now, u: b.id, seq: b.id * 7, cts: now - 2 });
		}
		const ivs = q.get('interval');
		if (!ivs || !BYBIT_IV[ivs])
			return err(10001, 'Invalid period!');
		const iv = mkiv(BYBIT_IV[ivs][0], 0);
		let n = lim === null ? 200 : lim;
		if (n < 1)
			n = 1;
		if (n > 1000)
			n = 1000;
		const num = (name) => {
			const s = q.get(name);
			if (s === null || s === '')
				return null;
			return /^[0-9]+$/.test(s) ? Number(s) : NaN;
		};
		const s0 = num('start'), e0 = num('end');
		if (Number.isNaN(s0) || Number.isNaN(e0))
			return err(10001, 'params error: start or end invalid');
		// With an end, the newest candles up to it; with only a start,
		// the oldest from it (as Bybit answers); always newest first.
		const rows = this.market.candles(inst, iv,
		    s0 === null ? -Infinity : s0, e0 === null ? Infinity : e0, n,
		    e0 === null && s0 !== null, now).reverse()
		    .map((c) => bybitRow(inst, c));
		this.stats.rows += rows.length;
		return ok({ symbol: symbol, category: cat, list: rows });
	}

	// The instrument of symbol= in category and the limit= of a Bybit
	// request: {inst, lim}, or {error} with the answer to give.
	bybitArgs(q, cat, err) {
		const symbol = q.get('symbol');
		if (!symbol)
			return { error: err(10001, 'params error: symbol is required') };
		const inst = this.market.find('bybit', cat, symbol);
		if (!inst)
			return { error: err(10001, 'Not supported symbols') };
		const limStr = q.get('limit');
		let lim = null;
		if (limStr !== null && limStr !== '') {
			lim = Number(limStr);
			if (!Number.isInteger(lim))
				return { error: err(10001, 'params error: limit invalid') };
		}
		return { inst: inst, lim: lim };
	}

	// ---- Bybit derivatives data: linear and inverse contracts only.
	bybitDeriv(path, q, ok, err, now) {
		const cat = q.get('category');
		const premium = path === '/v5/market/premium-index-price-kline';
		if (cat !== 'linear' && cat !== 'inverse' && !(premium &&
		    cat === null))
			return err(10001, 'Illegal category');
		if (premium && cat === 'inverse')
			return err(10001, 'Illegal category');
		const category = cat || 'linear';
		const a = this.bybitArgs(q, category, err);
		if (a.error)
			return a.error;
		const inst = a.inst, lim = a.lim, symbol = inst.symbol;
		const num = (name) => {
			const v = q.get(name);
			if (v === null || v === '')
				return null;
			return /^[0-9]+$/.test(v) ? Number(v) : NaN;
		};
		const priceKl = { '/v5/market/mark-price-kline': 'mark',
		    '/v5/market/index-price-kline': 'index',
		    '/v5/market/premium-index-price-kline': 'premium' }[path];
		if (priceKl) {
			const ivs = q.get('interval');
			if (!ivs || !BYBIT_IV[ivs])
				return err(10001, 'Invalid period!');
			const s0 = num('start'), e0 = num('end');
			if (Number.isNaN(s0) || Number.isNaN(e0))
				return err(10001, 'params error: start or end invalid');
			let n = lim === null ? 200 : lim;
			n = Math.min(Math.max(n, 1), 1000);
			const sh = shadowOf(inst, priceKl);
			const rows = this.market.candles(sh, mkiv(BYBIT_IV[ivs][0], 0),
			    s0 === null ? -Infinity : s0, e0 === null ? Infinity : e0,
			    n, e0 === null && s0 !== null, now).reverse()
			    .map((c) => bybitPriceRow(sh, c));
			this.stats.rows += rows.length;
			return ok({ symbol: symbol, category: category, list: rows });
		}
		const s0 = num('startTime'), e0 = num('endTime');
		if (Number.isNaN(s0) || Number.isNaN(e0))
			return err(10001, 'params error: startTime or endTime invalid');
		if (path === '/v5/market/funding/history') {
			// A start alone is refused; an end alone or both give the
			// newest up to the end; newest first.
			if (s0 !== null && e0 === null)
				return err(10001, 'params error: endTime is required ' +
				    'with startTime');
			let n = lim === null ? 200 : lim;
			n = Math.min(Math.max(n, 1), 200);
			const rows = this.market.fundings(inst,
			    s0 === null ? -Infinity : s0, e0 === null ? Infinity : e0,
			    n, false, now).reverse().map((f) => fundingRow(inst, f));
			this.stats.rows += rows.length;
			return ok({ category: category, list: rows });
		}
		// open-interest
		const periods = { '5min': '5m', '15min': '15m', '30min': '30m',
		    '1h': '1h', '4h': '4h', '1d': '1d' };
		const it = q.get('intervalTime');
		if (!it || !periods[it])
			return err(10001, 'params error: intervalTime invalid');
		let n = lim === null ? 50 : lim;
		n = Math.min(Math.max(n, 1), 200);
		// The cursor is the end of the next page, opaque to clients.
		let hi = e0 === null ? Infinity : e0;
		const cur = q.get('cursor');
		if (cur) {
			const c = Number(Buffer.from(cur, 'base64').toString());
			if (!Number.isInteger(c))
				return err(10001, 'params error: cursor invalid');
			hi = Math.min(hi, c);
		}
		const xs = this.market.oiSamples(inst, mkiv(periods[it], 0),
		    s0 === null ? -Infinity : s0, hi, n, false, now);
		const rows = xs.slice().reverse().map((x) => oiRow(inst, x));
		this.stats.rows += rows.length;
		const next = xs.length === n ?
		    Buffer.from(String(xs[0].t - 1)).toString('base64') : '';
		return ok({ symbol: symbol, category: category, list: rows,
		    nextPageCursor: next });
	}

	// ---- OKX derivatives data.
	okxDeriv(path, q, ok, err, now) {
		const id = q.get('instId');
		if (!id)
			return err(400, '50014', 'Parameter instId can not be empty.');
		const priceKl = { '/api/v5/market/history-mark-price-candles': 'mark',
		    '/api/v5/market/history-index-candles': 'index' }[path];
		// Index candles are asked for by index (BTC-USDT), the rest by
		// the swap (BTC-USDT-SWAP).
		const inst = this.market.find('okx', 'swap',
		    priceKl === 'index' ? id + '-SWAP' : id);
		if (!inst || (priceKl === 'index') !== !/-SWAP$/.test(id))
			return err(200, '51001', 'Instrument ID does not exist');
		const limStr = q.get('limit');
		let lim = null;
		if (limStr !== null && limStr !== '') {
			if (!/^[0-9]+$/.test(limStr))
				return err(200, '51000', 'Parameter limit error');
			lim = Number(limStr);
		}
		const num = (name) => {
			const v = q.get(name);
			if (v === null || v === '')
				return null;
			return /^[0-9]+$/.test(v) ? Number(v) : NaN;
		};
		if (path === '/api/v5/rubik/stat/contracts/open-interest-history') {
			const bar = q.get('period') === null ? '5m' : q.get('period');
			if (!OKX_IV[bar])
				return err(200, '51000', 'Parameter period error');
			const b0 = num('begin'), e0 = num('end');
			if (Number.isNaN(b0) || Number.isNaN(e0))
				return err(200, '51000', 'Parameter begin or end error');
			const n = Math.min(Math.max(lim === null ? 100 : lim, 1), 100);
			const xs = this.market.oiSamples(inst,
			    mkiv(OKX_IV[bar][0], OKX_IV[bar][1]),
			    b0 === null ? -Infinity : b0, e0 === null ? Infinity : e0,
			    n, false, now);
			const rows = xs.reverse().map((x) => oiRow(inst, x));
			this.stats.rows += rows.length;
			return ok(rows);
		}
		const after = num('after'), before = num('before');
		if (Number.isNaN(after))
			return err(200, '51000', 'Parameter after error');
		if (Number.isNaN(before))
			return err(200, '51000', 'Parameter before error');
		const lo = before === null ? -Infinity : before + 1;
		const hi = after === null ? Infinity : after - 1;
		const n = Math.min(Math.max(lim === null ? 100 : lim, 1), 100);
		if (path === '/api/v5/public/funding-rate-history') {
			const rows = this.market.fundings(inst, lo, hi, n, false, now)
			    .reverse().map((f) => fundingRow(inst, f));
			this.stats.rows += rows.length;
			return ok(rows);
		}
		const bar = q.get('bar') === null ? '1m' : q.get('bar');
		if (!OKX_IV[bar])
			return err(200, '51000', 'Parameter bar error');
		const iv = mkiv(OKX_IV[bar][0], OKX_IV[bar][1]);
		// OKX keeps about three months of mark and index candles.
		const sh = shadowOf(inst, priceKl);
		const rows = this.market.candles(sh, iv,
		    Math.max(lo, now - OKX_PRICE_DEPTH), hi, n, false, now)
		    .reverse().map((c) => okxPriceRow(sh, c));
		this.stats.rows += rows.length;
		return ok(rows);
	}

	// ---- OKX.
	okx(path, q, ctx) {
		const now = this.now();
		const limits = {
			'/api/v5/market/candles': this.o.okxCandlesLimit,
			'/api/v5/market/history-candles': this.o.okxHistoryLimit,
			'/api/v5/market/history-trades': this.o.okxHistoryLimit,
			'/api/v5/market/books': 40,
			'/api/v5/public/instruments': 20,
			'/api/v5/public/time': 10,
			'/api/v5/market/history-mark-price-candles': 10,
			'/api/v5/market/history-index-candles': 10,
			'/api/v5/public/funding-rate-history': 10,
			'/api/v5/rubik/stat/contracts/open-interest-history': 5
		};
		if (limits[path] === undefined)
			return notFound();
		if (!this.slide(this.okxHits, ctx.ip + path, limits[path],
		    this.o.okxWindow)) {
			this.stats.rate_limited.okx++;
			return jsonOut(429, { msg: 'Too Many Requests', code: '50011',
			    data: [] });
		}
		const ok = (data) => jsonOut(200, { code: '0', msg: '', data: data });
		const err = (status, code, msg) => jsonOut(status, { code: code,
		    data: [], msg: msg });
		if (path === '/api/v5/public/time')
			return ok([{ ts: String(now) }]);
		if (OKX_DERIV.indexOf(path) >= 0)
			return this.okxDeriv(path, q, ok, err, now);
		if (path === '/api/v5/public/instruments') {
			const t = q.get('instType');
			if (!t)
				return err(400, '50014',
				    'Parameter instType can not be empty.');
			const types = { SPOT: 'spot', SWAP: 'swap', MARGIN: null,
			    FUTURES: null, OPTION: null };
			if (!(t in types))
				return err(200, '51000', 'Parameter instType error');
			if (!types[t])
				return ok([]);
			let list = this.market.list('okx', types[t]);
			const id = q.get('instId');
			if (id) {
				list = list.filter((i) => i.symbol === id);
				if (!list.length)
					return err(200, '51001',
					    'Instrument ID does not exist');
			}
			return ok(list.map((i) => okxInstrument(i,
			    this.market.start)));
		}
		const id = q.get('instId');
		if (!id)
			return err(400, '50014', 'Parameter instId can not be empty.');
		const market = /-SWAP$/.test(id) ? 'swap' : 'spot';
		const inst = this.market.find('okx', market, id);
		if (!inst)
			return err(200, '51001', 'Instrument ID does not exist');
		const limStr = q.get('limit') !== null ? q.get('limit') :
		    q.get('sz');
		let lim = null;
		if (limStr !== null && limStr !== '') {
			if (!/^[0-9]+$/.test(limStr))
				return err(200, '51000', 'Parameter limit error');
			lim = Number(limStr);
		}
		if (path === '/api/v5/market/history-trades')
			return this.okxHistoryTrades(inst, q, lim, now, ok, err);
		if (path === '/api/v5/market/books') {
			let n = q.get('sz') !== null ? Number(q.get('sz')) : 1;
			if (!Number.isInteger(n) || n < 1)
				return err(200, '51000', 'Parameter sz error');
			if (n > 400)
				n = 400;
			const b = this.market.book(inst, n, now);
			const qs = inst.kind === 'direct' ? inst.qdec : inst.vs;
			const f = (x) => [priceStr(inst, x[0], null),
			    fmtDec(x[1], qs, null), '0', String(1 + (x[1] % 7))];
			return ok([{ asks: b.asks.map(f), bids: b.bids.map(f),
			    ts: String(now), seqId: b.id }]);
		}
		const bar = q.get('bar') === null ? '1m' : q.get('bar');
		if (!OKX_IV[bar])
			return err(200, '51000', 'Parameter bar error');
		const iv = mkiv(OKX_IV[bar][0], OKX_IV[bar][1]);
		const hist = path === '/api/v5/market/history-candles';
		const max = hist ? 100 : 300;
		let n = lim === null ? 100 : lim;
		if (n < 1)
			n = 1;
		if (n > max)
			n = max;
		const num = (name) => {
			const s = q.get(name);
			if (s === null || s === '')
				return null;
			return /^[0-9]+$/.test(s) ? Number(s) : NaN;
		};
		const after = num('after'), before = num('before');
		if (Number.isNaN(after))
			return err(200, '51000', 'Parameter after error');
		if (Number.isNaN(before))
			return err(200, '51000', 'Parameter before error');
		let lo = before === null ? -Infinity : before + 1;
		const hi = after === null ? Infinity : after - 1;
		if (!hist && this.o.okxCandlesDepth > 0 && iv.ms > 0) {
			// /market/candles only knows the latest bars.
			const newest = ivFloor(iv, now - 1);
			lo = Math.max(lo, newest - (this.o.okxCandlesDepth - 1) * iv.ms);
		}
		const rows = this.market.candles(inst, iv, lo, hi, n, false, now)
		    .reverse().map((c) => okxRow(inst, c));
		this.stats.rows += rows.length;
		return ok(rows);
	}

	// OKX /api/v5/market/history-trades: type 1 (the default) pages by
	// tradeId, type 2 by timestamp (ms); after=X gives trades older than X,
	// before=X trades newer than X, and of those the newest limit (at most
	// 100, default 100), newest first.
	okxHistoryTrades(inst, q, lim, now, ok, err) {
		const type = q.get('type') === null || q.get('type') === '' ? '1' :
		    q.get('type');
		if (type !== '1' && type !== '2')
			return err(200, '51000', 'Parameter type error');
		let n = lim === null ? 100 : lim;
		if (n < 1)
			n = 1;
		if (n > 100)
			n = 100;
		const num = (name) => {
			const v = q.get(name);
			if (v === null || v === '')
				return null;
			return /^[0-9]{1,20}$/.test(v) ? Number(v) : NaN;
		};
		const after = num('after'), before = num('before');
		if (Number.isNaN(after))
			return err(200, '51000', 'Parameter after error');
		if (Number.isNaN(before))
			return err(200, '51000', 'Parameter before error');
		const key = type === '1' ?
		    (z) => z.m * TRADES_PER_MIN + z.i + 1 :
		    (z) => Math.floor(z.us / 1000);
		const rows = this.market.tradesBack(inst, n, (z) => {
			const k = key(z);
			if (before !== null && k <= before)
				return null;
			return after === null || k < after;
		}, now, after === null ? undefined : type === '1' ?
		    Math.floor((after - 1) / TRADES_PER_MIN) :
		    Math.floor(after / MIN));
		this.stats.trades = (this.stats.trades || 0) + rows.length;
		return ok(rows.map((z) => okxTrade(inst, z)));
	}

	// ---- Control endpoints.
	control(req, res, path, q) {
		const body = [];
		req.on('data', (d) => body.push(d));
		req.on('end', () => {
			const text = Buffer.concat(body).toString('utf8');
			let out;
			try {
				out = this.control1(req.method, path, q, text);
			} catch (e) {
				out = jsonOut(400, { error: String(e.message || e) });
			}
			if (out.stream) {
				res.writeHead(out.status, { 'Content-Type': out.type });
				pump(res, out.stream, (e) => {
					if (e) {
						process.stderr.write('mock: ' + e.message + '\n');
						res.destroy();
					} else {
						res.end();
					}
				});
				return;
			}
			send(res, out.status, out.type, out.body, out.headers);
		});
	}

	control1(method, path, q, text) {
		const jbody = () => {
			if (!text.trim())
				return {};
			return JSON.parse(text);
		};
		if (path === '/mock/health')
			return jsonOut(200, { ok: true });
		if (path === '/mock/stats' && method === 'GET') {
			const s = JSON.parse(JSON.stringify(this.stats));
			s.weight.spot.used = this.windowUsed('spot');
			s.weight.fapi.used = this.windowUsed('fapi');
			for (const api of ['spot', 'fapi'])
				s.weight[api].windows = this.weightHist[api].map((w) =>
				    ({ start: fmtTime(w[0]), used: w[1] }));
			s.now = fmtTime(this.now());
			return jsonOut(200, s);
		}
		if (path === '/mock/reset' && method === 'POST') {
			this.reset();
			return jsonOut(200, { ok: true });
		}
		if (path === '/mock/faults') {
			if (method === 'GET')
				return jsonOut(200, this.faults.map(faultView));
			if (method === 'DELETE') {
				this.faults = [];
				return jsonOut(200, { ok: true });
			}
			if (method === 'POST') {
				const tt = text.trim();
				let b = tt[0] === '{' || tt[0] === '[' ? JSON.parse(tt) :
				    tt;
				if (b.clear) {
					this.faults = [];
					b = b.faults || [];
				}
				const list = (Array.isArray(b) ? b : [b]).map(parseFault);
				this.faults = this.faults.concat(list);
				return jsonOut(200, this.faults.map(faultView));
			}
		}
		if (path === '/mock/holes') {
			if (method === 'GET')
				return jsonOut(200, this.market.holes.map(holeView));
			if (method === 'DELETE') {
				this.market.setHoles([]);
				return jsonOut(200, { ok: true });
			}
			if (method === 'POST') {
				let b;
				const tt = text.trim();
				if (tt[0] === '{' || tt[0] === '[')
					b = JSON.parse(tt);
				else
					b = tt;
				let clear = false;
				if (b && typeof b === 'object' && !Array.isArray(b)) {
					clear = !!b.clear;
					b = b.holes || (b.exchange ? [b] : []);
				}
				const add = parseHoles(b, this.now());
				this.market.setHoles((clear ? [] : this.market.holes)
				    .concat(add));
				return jsonOut(200, this.market.holes.map(holeView));
			}
		}
		if (path === '/mock/clock') {
			if (method === 'POST') {
				const b = jbody();
				const cur = this.now();
				let t = cur;
				if (b.now !== undefined) {
					t = b.now === null ? null : parseTime(b.now, cur);
					if (Number.isNaN(t))
						throw new Error('bad time "' + b.now + '"');
				}
				if (b.advance !== undefined) {
					const adv = typeof b.advance === 'number' ? b.advance :
					    parseTime('+' + String(b.advance).replace(/^\+/, ''),
					    0);
					if (Number.isNaN(adv))
						throw new Error('bad advance "' + b.advance + '"');
					t = (t === null ? Date.now() : t) + adv;
				}
				const mode = b.clock || (this.clockBase !== null ?
				    'running' : 'fixed');
				if (t === null) {
					this.clockFixed = null;
					this.clockBase = null;
				} else if (mode === 'running') {
					this.clockFixed = null;
					this.clockBase = [t, Date.now()];
				} else {
					this.clockFixed = t;
					this.clockBase = null;
				}
			} else if (method !== 'GET') {
				return jsonOut(405, { error: 'method not allowed' });
			}
			const n = this.now();
			return jsonOut(200, { now: fmtTime(n), now_ms: n,
			    clock: this.clockFixed !== null ? 'fixed' :
			    this.clockBase !== null ? 'running' : 'real' });
		}
		if (path === '/mock/trades' && method === 'GET') {
			// The canonical trades of a Kraken pair in [from, to).
			const inst = this.market.find(q.get('exchange') || 'kraken',
			    'spot', q.get('symbol'));
			if (!inst || inst.exchange !== 'kraken')
				throw new Error('unknown Kraken pair "' + q.get('symbol') +
				    '"');
			const now = this.now();
			const from = parseTime(q.get('from'), now);
			const to = Math.min(parseTime(q.get('to'), now), now);
			if (Number.isNaN(from) || Number.isNaN(to))
				throw new Error('bad from/to');
			let out = '';
			for (let m = Math.floor(from / MIN); m * MIN < to; m++)
				for (const x of krakenMinuteTrades(this.market, inst, m))
					if (x.us >= BigInt(from) * 1000n &&
					    x.us < BigInt(to) * 1000n)
						out += JSON.stringify(canonicalTrade(inst, x)) +
						    '\n';
			return { status: 200, type: 'application/x-ndjson',
			    body: out };
		}
		if (path === '/mock/candles' && method === 'GET') {
			const p = {};
			for (const k of ['exchange', 'market', 'symbol', 'interval',
			    'from', 'to', 'decimals', 'fetched_at', 'now'])
				p[k] = q.get(k);
			return { status: 200, type: 'application/x-ndjson',
			    stream: dumpCandles(this.market, p, this.now()) };
		}
		return jsonOut(404, { error: 'no such control endpoint: ' +
		    method + ' ' + path });
	}

	windowUsed(api) {
		let u = 0;
		const t = Date.now();
		const ws = Math.floor(t / this.o.weightWindow) * this.o.weightWindow;
		for (const [k, s] of this.weights)
			if (k.endsWith('/' + api) && s.ws === ws && s.used > u)
				u = s.used;
		return u;
	}
}

function faultView(r) {
	const v = {};
	for (const k of Object.keys(r))
		if (k !== 'rand')
			v[k] = r[k];
	return v;
}

function holeView(h) {
	return { exchange: h.exchange, market: h.market, symbol: h.symbol,
	    from: fmtTime(h.from), to: fmtTime(h.to) };
}

// Canonical NDJSON of the synthetic candles for p = {exchange, market,
// symbol, interval (mdx code), from, to (open times, to exclusive),
// decimals, fetched_at, now}.  Returns a function giving the text in
// chunks of up to 10000 records, then null, so that a year of 1m candles
// never sits in memory at once.
function dumpCandles(market, p, now) {
	for (const k of ['exchange', 'market', 'symbol', 'interval', 'from',
	    'to'])
		if (!p[k])
			throw new Error('missing ' + k);
	if (p.now) {
		now = parseTime(p.now, now);
		if (Number.isNaN(now))
			throw new Error('bad now "' + p.now + '"');
	}
	const inst = market.find(p.exchange, p.market, p.symbol);
	if (!inst)
		throw new Error('unknown instrument "' + p.exchange + ' ' +
		    p.market + ' ' + p.symbol + '"');
	if (!(p.interval in MDX_INTERVALS) ||
	    !nativeInterval(p.exchange, p.interval))
		throw new Error('interval "' + p.interval + '" not served by ' +
		    p.exchange);
	const from = parseTime(p.from, now), to = parseTime(p.to, now);
	if (Number.isNaN(from) || Number.isNaN(to))
		throw new Error('bad from/to');
	const dec = p.decimals || 'normalized';
	if (dec !== 'normalized' && dec !== 'exchange')
		throw new Error('bad decimals "' + dec + '"');
	const iv = mkiv(p.interval, 0);
	let lo = from;
	return () => {
		if (lo >= to)
			return null;
		const cs = market.candles(inst, iv, lo, to - 1, 10000, true, now);
		if (!cs.length) {
			lo = to;
			return null;
		}
		lo = cs[cs.length - 1].t + 1;
		let out = '';
		for (const c of cs)
			out += JSON.stringify(canonical(inst, iv, c,
			    dec === 'normalized', p.fetched_at || null)) + '\n';
		return out;
	};
}

// Writes the chunks of next() to a stream, minding back-pressure.
function pump(stream, next, done) {
	for (;;) {
		let chunk;
		try {
			chunk = next();
		} catch (e) {
			return done(e);
		}
		if (chunk === null)
			return done(null);
		if (!stream.write(chunk)) {
			stream.once('drain', () => pump(stream, next, done));
			return;
		}
	}
}

// The startTime and endTime of a Binance request: {s0, e0 (null when not
// given), lo, hi (inclusive bounds)}, or {error} with the answer to give.
function binanceRange(q, err) {
	const tnum = (name) => {
		const s = q.get(name);
		if (s === null)
			return null;
		if (!/^-?[0-9]{1,20}$/.test(s))
			return NaN;
		return Number(s);
	};
	const s0 = tnum('startTime'), e0 = tnum('endTime');
	if (Number.isNaN(s0))
		return { error: err(-1100, "Illegal characters found in parameter " +
		    "'startTime'; legal range is '^[0-9]{1,20}$'.") };
	if (Number.isNaN(e0))
		return { error: err(-1100, "Illegal characters found in parameter " +
		    "'endTime'; legal range is '^[0-9]{1,20}$'.") };
	if (s0 !== null && e0 !== null && s0 > e0)
		return { error: err(-1023, 'Start time is greater than end time.') };
	return { s0: s0, e0: e0, lo: s0 === null ? -Infinity : s0,
	    hi: e0 === null ? Infinity : e0 };
}

function notFound() {
	return { status: 404, type: 'text/html',
	    body: '<html><body><h1>404 Not Found</h1></body></html>\n' };
}

// JSON text of rows of numbers and plain strings (digits, signs, dots),
// built directly: the hot path of a backfill.
function rowsJson(rows) {
	const parts = new Array(rows.length);
	for (let i = 0; i < rows.length; i++) {
		const r = rows[i];
		let s = '[';
		for (let j = 0; j < r.length; j++) {
			if (j)
				s += ',';
			s += typeof r[j] === 'string' ? '"' + r[j] + '"' : r[j];
		}
		parts[i] = s + ']';
	}
	return '[' + parts.join(',') + ']';
}

function jsonOut(status, obj, headers) {
	return { status: status, type: 'application/json;charset=UTF-8',
	    body: JSON.stringify(obj), headers: headers || {} };
}

const CLOUDFLARE_502 = `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>api.example.com | 502: Bad gateway</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head>
<body>
<div id="cf-wrapper">
<div id="cf-error-details" class="p-0">
<header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
<h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2">
<span class="inline-block">Bad gateway</span>
<span class="code-label">Error code 502</span>
</h1>
</header>
<p>The web server reported a bad gateway error.</p>
<p>Cloudflare Ray ID: <strong>7d2a1b3c4e5f6a7b</strong> &bull; Performance &amp; security by Cloudflare</p>
</div>
</div>
</body>
</html>
`;

// The answer of a fault that replaces the whole response; null means reset
// the connection.
function faultAnswer(f, ex) {
	const hdr = {};
	const ra = f.retry_after_raw !== undefined ? f.retry_after_raw :
	    String(f.retry_after !== undefined ? f.retry_after : 1);
	// The ban's end in Binance's 418 body: the one Retry-After gives when
	// it is a number of seconds, else two minutes (Binance's shortest).
	const raSecs = /^[0-9]{1,15}$/.test(ra) ? Number(ra) : 120;
	switch (f.type) {
	case 'reset':
		return null;
	case '429':
		if (ex === 'kraken')
			return jsonOut(200, { error: ['EGeneral:Too many requests'] });
		if (ra !== 'none')
			hdr['Retry-After'] = ra;
		if (ex === 'coinbase')
			return jsonOut(429, { message: 'Public rate limit exceeded' },
			    hdr);
		if (ex === 'okx')
			return jsonOut(429, { msg: 'Too Many Requests', code: '50011',
			    data: [] }, hdr);
		if (ex === 'bybit')
			return jsonOut(429, { retCode: 10006,
			    retMsg: 'Too many visits!', result: {}, retExtInfo: {},
			    time: Date.now() }, hdr);
		return jsonOut(429, { code: -1003, msg: 'Too much request weight ' +
		    'used; current limit is 6000 request weight per 1 MINUTE. ' +
		    'Please use WebSocket Streams for live updates to avoid ' +
		    'polling the API.' }, hdr);
	case '418':
		if (ra !== 'none')
			hdr['Retry-After'] = ra;
		return jsonOut(418, { code: -1003, msg: 'Way too much request ' +
		    'weight used; IP banned until ' + (Date.now() + raSecs * 1000) +
		    '. Please use WebSocket Streams for live updates to avoid ' +
		    'bans.' }, hdr);
	case '403':
		return { status: 403, type: 'text/plain',
		    body: '403 Forbidden: access too frequent\n' };
	case '500':
		if (ex === 'kraken')
			return jsonOut(500, { error: ['EService:Internal error'] });
		if (ex === 'coinbase')
			return jsonOut(500, { message: 'Internal server error' });
		if (ex === 'binance')
			return jsonOut(500, { code: -1000, msg: 'An unknown error ' +
			    'occurred while processing the request.' });
		if (ex === 'okx')
			return jsonOut(500, { code: '50001', msg: 'Service ' +
			    'temporarily unavailable. Please try again later.',
			    data: [] });
		return { status: 500, type: 'text/plain',
		    body: 'Internal Server Error\n' };
	case '502':
		return { status: 502, type: 'text/html',
		    body: '<html>\r\n<head><title>502 Bad Gateway</title></head>' +
		    '\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
		    '</body>\r\n</html>\r\n' };
	case '503':
		if (ex === 'kraken')
			return jsonOut(200, { error: ['EService:Unavailable'] });
		if (ex === 'binance')
			return jsonOut(503, { code: -1001, msg: 'Internal error; ' +
			    'unable to process your request. Please try again.' });
		if (ex === 'okx')
			return jsonOut(503, { code: '50001', msg: 'Service ' +
			    'temporarily unavailable. Please try again later.',
			    data: [] });
		return { status: 503, type: 'text/plain',
		    body: 'Service Unavailable\n' };
	case '504':
		return { status: 504, type: 'text/html',
		    body: '<html><body><h1>504 Gateway Time-out</h1>\nThe server ' +
		    'didn\'t respond in time.\n</body></html>\n' };
	case 'html':
		return { status: f.status || 502, type: 'text/html; charset=UTF-8',
		    body: CLOUDFLARE_502 };
	case 'empty':
		return { status: 200, type: 'application/json', body: '' };
	}
	return { status: 500, type: 'text/plain', body: 'bad fault\n' };
}

// Bad kline rows in a well-formed answer: a row before the range asked
// for, a row short of its last field, a row twice, the rows in the wrong
// order, a price that is not a number, or high below low.  Answers without
// kline rows are left alone.
function badRows(type, ex, body) {
	let doc;
	try {
		doc = JSON.parse(body);
	} catch (e) {
		return body;
	}
	let rows;
	if (ex === 'kraken') {
		const r = doc && doc.result || {};
		rows = r[Object.keys(r).find((k) => k !== 'last')];
	} else
		rows = ex === 'binance' || ex === 'coinbase' ? doc : ex === 'bybit' ?
		    doc && doc.result && doc.result.list : doc && doc.data;
	if (!Array.isArray(rows) || !rows.length || !Array.isArray(rows[0]))
		return body;
	const newestFirst = ex !== 'binance' && ex !== 'kraken';
	const oldest = newestFirst ? rows.length - 1 : 0;
	switch (type) {
	case 'outside': {
		const r = rows[oldest].slice();
		const t = Number(r[0]);
		const step = rows.length > 1 ? Math.abs(Number(rows[1][0]) -
		    Number(rows[0][0])) : MIN;
		r[0] = typeof r[0] === 'number' ? t - step : String(t - step);
		if (ex === 'binance')
			r[6] = t - 1;
		if (newestFirst)
			rows.push(r);
		else
			rows.unshift(r);
		break;
	}
	case 'missing_field':
		rows[0].pop();
		break;
	case 'duplicate':
		rows.splice(1, 0, rows[0].slice());
		break;
	case 'unordered':
		rows.reverse();
		if (rows.length === 1)
			rows.push(rows[0].slice());
		break;
	case 'bad_number':
		rows[0][1] = 'abc';
		break;
	case 'high_low': {
		const h = rows[0][2];
		rows[0][2] = rows[0][3];
		rows[0][3] = h;
		break;
	}
	}
	return JSON.stringify(doc);
}

// Invalid JSON: the answer cut short, with a stray byte at the end.
function breakJson(body) {
	const n = Math.max(1, Math.floor(body.length / 2));
	return body.slice(0, n) + '\u00ff';
}

function send(res, status, type, body, headers, gz) {
	let buf = Buffer.from(body, 'utf8');
	const h = Object.assign({ 'Content-Type': type }, headers || {});
	if (gz) {
		buf = zlib.gzipSync(buf, { level: 1 });
		h['Content-Encoding'] = 'gzip';
		h['Vary'] = 'Accept-Encoding';
	}
	h['Content-Length'] = buf.length;
	res.writeHead(status, h);
	res.end(buf);
}

// A truncated body: the full Content-Length is announced, half of the body
// is sent, and the connection is closed.
function sendTruncated(res, req, out, gz) {
	let buf = Buffer.from(out.body, 'utf8');
	const h = Object.assign({ 'Content-Type': out.type }, out.headers || {});
	if (gz) {
		buf = zlib.gzipSync(buf, { level: 1 });
		h['Content-Encoding'] = 'gzip';
	}
	h['Content-Length'] = buf.length;
	res.writeHead(out.status, h);
	res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => {
		setTimeout(() => req.socket.destroy(), 10);
	});
}

// ------------------------------------------------------------------------

function main() {
	const o = parseArgs(process.argv.slice(2));
	if (o.dump) {
		const realNow = Date.now();
		const nowSpec = o.now !== null ? o.now : process.env.MDX_NOW || null;
		const now = nowSpec ? parseTime(nowSpec, realNow) : realNow;
		if (Number.isNaN(now))
			usage('bad time for --now/MDX_NOW');
		const st = parseTime(o.start, now);
		if (Number.isNaN(st))
			usage('bad time "' + o.start + '" for --start');
		const market = new Market({ start: st });
		let next;
		try {
			market.setHoles(o.holesSpec ? parseHoles(o.holesSpec, now) : []);
			next = dumpCandles(market, {
				exchange: o.exchange, market: o.market, symbol: o.symbol,
				interval: o.interval, from: o.from, to: o.to,
				decimals: o.decimals, fetched_at: o.fetchedAt
			}, now);
		} catch (e) {
			process.stderr.write('exchange.js: ' + e.message + '\n');
			process.exit(64);
		}
		process.stdout.on('error', (e) => {
			if (e.code === 'EPIPE')
				process.exit(0);
			process.stderr.write('exchange.js: ' + e.message + '\n');
			process.exit(74);
		});
		pump(process.stdout, next, (e) => {
			if (e) {
				process.stderr.write('exchange.js: ' + e.message + '\n');
				process.exit(1);
			}
		});
		return;
	}
	if (!(o.port > 0 && o.port < 65536))
		usage('--port PORT is required');
	const mock = new Mock(o);
	const server = http.createServer((req, res) => mock.handle(req, res));
	server.keepAliveTimeout = 30000;
	server.headersTimeout = 35000;
	server.on('error', (e) => {
		process.stderr.write('exchange.js: ' + e.message + '\n');
		process.exit(69);
	});
	server.listen(o.port, '127.0.0.1', () => {
		mock.log('listening on 127.0.0.1:' + o.port);
	});
	const stop = () => {
		server.close();
		server.closeAllConnections();
		process.exit(0);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

module.exports = {
	Market, parseTime, fmtTime, fmtDec, normDec, mkiv, ivFloor, ivNext,
	binanceRow, parseHoles, canonical, nativeInterval, MDX_INTERVALS, MIN,
	HOUR, DAY, PRICE_TYPES, shadowOf, shadowStr, binancePriceRow,
	bybitPriceRow, okxPriceRow, canonicalPrice, fundingHours, fundingRate,
	openInterest, priceAt, FUNDING_CHANGE, fundingRow, oiRow, OKX_IV,
	BYBIT_IV, OKX_PRICE_DEPTH, TRADES_PER_MIN, binanceTrade, binanceTradeCsv,
	bybitTrade, bybitTradeCsv, okxTrade, priceStr
};

if (require.main === module)
	main();
