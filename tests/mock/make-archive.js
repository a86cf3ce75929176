#!/usr/bin/env node
// make-archive.js - writes Binance public-data style archives from the
// mock exchange's synthetic market: SYMBOL-INTERVAL-YYYY-MM-DD.zip (daily)
// or SYMBOL-INTERVAL-YYYY-MM.zip (monthly), each holding one CSV of the same
// name, and NAME.zip.CHECKSUM ("HASH  NAME.zip", sha256sum format).  The
// rows are exactly the candles the mock serves from /api/v3/klines (or
// /fapi/v1/klines with --market usdm).  With --kind, the USD-M archives of
// the other kinds: markPriceKlines, indexPriceKlines, premiumIndexKlines
// (named like klines), fundingRate (SYMBOL-fundingRate-YYYY-MM.zip,
// monthly) and metrics (SYMBOL-metrics-YYYY-MM-DD.zip, daily), with the
// rows the mock serves from the matching REST endpoints.  With --kind
// aggTrades, the aggregate trades the mock serves from /api/v3/aggTrades,
// in SYMBOL-aggTrades-YYYY-MM-DD.zip (and -YYYY-MM.zip).  With --exchange
// bybit, Bybit's trading-history files SYMBOLYYYY-MM-DD.csv.gz (as under
// public.bybit.com/trading/SYMBOL/; --market linear or inverse).  See
// tests/mock/README.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const mx = require('./exchange.js');

const USAGE = `usage: node make-archive.js [--exchange binance|bybit]
       [--market spot|usdm|linear|inverse] [--symbol SYM]
       [--kind klines|aggTrades|markPriceKlines|indexPriceKlines|
       premiumIndexKlines|fundingRate|metrics]
       [--interval IV] [--date YYYY-MM-DD]... [--month YYYY-MM]...
       [--from DATE --to DATE [--monthly]] [--out DIR] [--header|--no-header]
       [--ts auto|ms|us] [--us] [--no-checksum] [--bad-checksum] [--corrupt] [--store]
       [--start TIME] [--holes SPEC]`;

function die(msg, code) {
	process.stderr.write('make-archive.js: ' + msg + '\n');
	process.exit(code || 64);
}

let crcTable = null;
function crc32(buf) {
	if (typeof zlib.crc32 === 'function')
		return zlib.crc32(buf) >>> 0;
	if (!crcTable) {
		crcTable = new Uint32Array(256);
		for (let n = 0; n < 256; n++) {
			let c = n;
			for (let k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
			crcTable[n] = c >>> 0;
		}
	}
	let c = 0xffffffff;
	for (let i = 0; i < buf.length; i++)
		c = crcTable[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

// A zip file with one member, deflated (or stored), as the archives of
// data.binance.vision are.
function zipOne(name, data, store, mtime) {
	const nameBuf = Buffer.from(name, 'utf8');
	const comp = store ? data : zlib.deflateRawSync(data, { level: 6 });
	const method = store ? 0 : 8;
	const crc = crc32(data);
	const d = new Date(mtime);
	const dosTime = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) |
	    (d.getUTCSeconds() >> 1);
	const dosDate = ((d.getUTCFullYear() - 1980) << 9) |
	    ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
	const local = Buffer.alloc(30);
	local.writeUInt32LE(0x04034b50, 0);
	local.writeUInt16LE(20, 4);
	local.writeUInt16LE(0, 6);
	local.writeUInt16LE(method, 8);
	local.writeUInt16LE(dosTime, 10);
	local.writeUInt16LE(dosDate, 12);
	local.writeUInt32LE(crc, 14);
	local.writeUInt32LE(comp.length, 18);
	local.writeUInt32LE(data.length, 22);
	local.writeUInt16LE(nameBuf.length, 26);
	local.writeUInt16LE(0, 28);
	const central = Buffer.alloc(46);
	central.writeUInt32LE(0x02014b50, 0);
	central.writeUInt16LE(0x031e, 4);
	central.writeUInt16LE(20, 6);
	central.writeUInt16LE(0, 8);
	central.writeUInt16LE(method, 10);
	central.writeUInt16LE(dosTime, 12);
	central.writeUInt16LE(dosDate, 14);
	central.writeUInt32LE(crc, 16);
	central.writeUInt32LE(comp.length, 20);
	central.writeUInt32LE(data.length, 24);
	central.writeUInt16LE(nameBuf.length, 28);
	central.writeUInt16LE(0, 30);
	central.writeUInt16LE(0, 32);
	central.writeUInt16LE(0, 34);
	central.writeUInt16LE(0, 36);
	central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
	central.writeUInt32LE(0, 42);
	const cdOffset = local.length + nameBuf.length + comp.length;
	const cdSize = central.length + nameBuf.length;
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(0, 4);
	end.writeUInt16LE(0, 6);
	end.writeUInt16LE(1, 8);
	end.writeUInt16LE(1, 10);
	end.writeUInt32LE(cdSize, 12);
	end.writeUInt32LE(cdOffset, 16);
	end.writeUInt16LE(0, 20);
	return { zip: Buffer.concat([local, nameBuf, comp, central, nameBuf,
	    end]), dataOffset: local.length + nameBuf.length,
	    compLength: comp.length };
}

const HEADER = 'open_time,open,high,low,close,volume,close_time,' +
    'quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
const TRADES_HEADER = 'agg_trade_id,price,quantity,first_trade_id,' +
    'last_trade_id,transact_time,is_buyer_maker';
const BYBIT_HEADER = 'timestamp,symbol,side,size,price,tickDirection,' +
    'trdMatchID,grossValue,homeNotional,foreignNotional';

// The CSV lines of the trades of [from, to), as the period's archive
// holds them: every trade of the period (the clock is its end).
function tradeLines(market, inst, from, to, fmt) {
	const lines = [];
	let prev = null;
	for (let m = from / mx.MIN; m < to / mx.MIN; m++)
		for (const z of market.tradesAt(inst, m, to)) {
			lines.push(fmt(z, prev));
			prev = z.p;
		}
	return lines;
}

const FUNDING_HEADER = 'calc_time,funding_interval_hours,last_funding_rate';
const METRICS_HEADER = 'create_time,symbol,sum_open_interest,' +
    'sum_open_interest_value,count_toptrader_long_short_ratio,' +
    'sum_toptrader_long_short_ratio,count_long_short_ratio,' +
    'sum_taker_long_short_vol_ratio';
const PRICE_KINDS = { markPriceKlines: 'mark', indexPriceKlines: 'index',
	premiumIndexKlines: 'premium' };

// "2024-01-01 00:05:00", as the metrics archives write their times.
function metricsTime(t) {
	return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

// The rows of one archive of a kind other than klines: the header and
// the CSV lines, from the same functions the mock's REST endpoints use.
function derivRows(market, inst, kind, iv, from, to, header) {
	const lines = [];
	if (kind === 'fundingRate') {
		if (header)
			lines.push(FUNDING_HEADER);
		for (const f of market.fundings(inst, from, to - 1, Infinity, true,
		    to))
			lines.push([f.t, f.hours, mx.fmtDec(f.rate, 8, 8)].join(','));
	} else if (kind === 'metrics') {
		if (header)
			lines.push(METRICS_HEADER);
		for (const x of market.oiSamples(inst, mx.mkiv('5m', 0), from, to - 1,
		    Infinity, true, to)) {
			const r = x.t / (5 * mx.MIN) % 1000;
			lines.push([metricsTime(x.t), inst.symbol,
			    mx.fmtDec(x.oi, inst.qdec, 8),
			    mx.fmtDec(x.oi * BigInt(x.price), inst.qdec + inst.pdec, 8),
			    mx.fmtDec(1000 + r, 3, null), mx.fmtDec(900 + r, 3, null),
			    mx.fmtDec(1100 + r, 3, null), mx.fmtDec(950 + r, 3, null)]
			    .join(','));
		}
	} else {
		if (header)
			lines.push(HEADER);
		const sh = mx.shadowOf(inst, PRICE_KINDS[kind]);
		for (const c of market.candles(sh, iv, from, to - 1, Infinity, true,
		    to))
			lines.push(mx.binancePriceRow(sh, c).join(','));
	}
	return lines;
}

function main() {
	const o = { exchange: 'binance', kind: 'klines', market: null,
	    symbol: 'BTCUSDT', interval: '1m',
	    dates: [], months: [], out: '.', header: null, ts: 'auto',
	    checksum: true, badChecksum: false, corrupt: false, store: false,
	    start: '2017-08-17T00:00:00Z', holes: null, from: null, to: null,
	    monthly: false };
	const av = process.argv.slice(2);
	for (let i = 0; i < av.length; i++) {
		const a = av[i];
		const next = () => {
			if (i + 1 >= av.length)
				die('option ' + a + ' needs a value\n' + USAGE);
			return av[++i];
		};
		switch (a) {
		case '--market': o.market = next(); break;
		case '--exchange': o.exchange = next(); break;
		case '--kind': o.kind = next(); break;
		case '--symbol': o.symbol = next(); break;
		case '--interval': o.interval = next(); break;
		case '--date': o.dates.push(next()); break;
		case '--month': o.months.push(next()); break;
		case '--from': o.from = next(); break;
		case '--to': o.to = next(); break;
		case '--monthly': o.monthly = true; break;
		case '--out': o.out = next(); break;
		case '--header': o.header = true; break;
		case '--no-header': o.header = false; break;
		case '--us': o.ts = 'us'; break;
		case '--ts': o.ts = next(); break;
		case '--no-checksum': o.checksum = false; break;
		case '--bad-checksum': o.badChecksum = true; break;
		case '--corrupt': o.corrupt = true; break;
		case '--store': o.store = true; break;
		case '--start': o.start = next(); break;
		case '--holes':
			o.holes = (o.holes ? o.holes + ',' : '') + next();
			break;
		case '-h': case '--help':
			process.stdout.write(USAGE + '\n');
			return;
		default:
			die('unknown option "' + a + '"\n' + USAGE);
		}
	}
	if (o.exchange !== 'binance' && o.exchange !== 'bybit')
		die('bad exchange "' + o.exchange + '" (binance or bybit)');
	if (o.market === null)
		o.market = o.exchange === 'bybit' ? 'linear' : 'spot';
	if (o.exchange === 'binance' && o.market !== 'spot' &&
	    o.market !== 'usdm')
		die('bad market "' + o.market + '" (spot or usdm)');
	if (o.exchange === 'bybit' && o.market !== 'linear' &&
	    o.market !== 'inverse')
		die('bad market "' + o.market + '" (linear or inverse)');
	if (o.kind !== 'klines' && o.kind !== 'aggTrades' && !PRICE_KINDS[o.kind] &&
	    o.kind !== 'fundingRate' && o.kind !== 'metrics')
		die('bad kind "' + o.kind + '"');
	if (o.kind !== 'klines' && o.kind !== 'aggTrades' && o.market !== 'usdm')
		die('--kind ' + o.kind + ' is a USD-M archive: give --market usdm');
	if (!(o.interval in mx.MDX_INTERVALS))
		die('bad interval "' + o.interval + '"');
	if (['auto', 'ms', 'us'].indexOf(o.ts) < 0)
		die('bad --ts "' + o.ts + '" (auto, ms or us)');
	if (o.header === null)
		o.header = o.market === 'usdm';
	const periods = [];
	for (const d of o.dates) {
		if (!/^\d{4}-\d\d-\d\d$/.test(d))
			die('bad date "' + d + '"');
		periods.push([d, Date.parse(d + 'T00:00:00Z'), 0]);
	}
	for (const m of o.months) {
		if (!/^\d{4}-\d\d$/.test(m))
			die('bad month "' + m + '"');
		periods.push([m, Date.parse(m + '-01T00:00:00Z'), 1]);
	}
	if (o.from || o.to) {
		const f = Date.parse((o.from || '') + 'T00:00:00Z');
		const t = Date.parse((o.to || '') + 'T00:00:00Z');
		if (isNaN(f) || isNaN(t) || t < f)
			die('bad --from/--to (dates, from <= to)');
		if (o.monthly) {
			const d = new Date(f);
			for (let x = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
			    x <= t; ) {
				const dd = new Date(x);
				periods.push([dd.toISOString().slice(0, 7), x, 1]);
				x = Date.UTC(dd.getUTCFullYear(), dd.getUTCMonth() + 1, 1);
			}
		} else {
			for (let x = f; x <= t; x += mx.DAY)
				periods.push([new Date(x).toISOString().slice(0, 10), x, 0]);
		}
	}
	if (!periods.length)
		die('no period: give --date, --month or --from/--to\n' + USAGE);
	// Binance has funding archives by month and metrics by day only.
	for (const p of periods)
		if ((o.kind === 'fundingRate' && !p[2]) ||
		    (o.kind === 'metrics' && p[2]))
			die(o.kind + ' archives are ' + (p[2] ? 'daily' : 'monthly') +
			    ' only');
	for (const p of periods)
		if (isNaN(p[1]))
			die('bad period "' + p[0] + '"');
	const start = mx.parseTime(o.start, Date.now());
	if (isNaN(start))
		die('bad --start "' + o.start + '"');
	const market = new mx.Market({ start: start });
	const inst = market.find(o.exchange, o.market, o.symbol);
	if (!inst)
		die('unknown symbol "' + o.symbol + '" in ' + o.exchange + ' ' +
		    o.market);
	if (o.holes) {
		try {
			market.setHoles(mx.parseHoles(o.holes, Date.now()));
		} catch (e) {
			die(e.message);
		}
	}
	fs.mkdirSync(o.out, { recursive: true });
	const iv = mx.mkiv(o.interval, 0);
	for (const p of periods) {
		const from = p[1];
		const to = p[2] ? mx.ivNext(mx.mkiv('1M', 0), from) : from + mx.DAY;
		if (o.exchange === 'bybit') {
			// Bybit's daily trading-history file: gzip CSV with a header,
			// no checksum.
			const lines = [BYBIT_HEADER].concat(tradeLines(market, inst,
			    from, to, (z, prev) => mx.bybitTradeCsv(inst, z, prev)));
			let gz = zlib.gzipSync(Buffer.from(lines.join('\n') + '\n'));
			if (o.corrupt) {
				gz = Buffer.from(gz);
				const at = Math.floor(gz.length / 2);
				for (let i = 0; i < 8 && at + i < gz.length - 8; i++)
					gz[at + i] ^= 0x5a;
			}
			const gzPath = path.join(o.out, o.symbol + p[0] + '.csv.gz');
			fs.writeFileSync(gzPath, gz);
			process.stdout.write(gzPath + '\n');
			continue;
		}
		// Archives hold complete periods: the clock is the period's end.
		const trades = o.kind === 'aggTrades';
		let lines = [];
		// Binance's spot archives use microseconds from 2025-01-01.
		const us = o.ts === 'us' || (o.ts === 'auto' &&
		    o.market === 'spot' && from >= Date.UTC(2025, 0, 1));
		if (trades) {
			if (o.header)
				lines.push(TRADES_HEADER);
			lines = lines.concat(tradeLines(market, inst, from, to,
			    (z) => mx.binanceTradeCsv(inst, z, us)));
		} else if (o.kind !== 'klines') {
			lines = derivRows(market, inst, o.kind, iv, from, to, o.header);
		} else {
			const cs = market.candles(inst, iv, from, to - 1, Infinity, true,
			    to);
			if (o.header)
				lines.push(HEADER);
			for (const c of cs) {
				const r = mx.binanceRow(inst, c);
				if (us) {
					r[0] = String(r[0]) + '000';
					r[6] = String(r[6]) + '999';
				}
				lines.push(r.join(','));
			}
		}
		const base = o.symbol + '-' + (trades ? 'aggTrades' :
		    o.kind === 'fundingRate' || o.kind === 'metrics' ? o.kind :
		    o.interval) + '-' + p[0];
		const csv = Buffer.from(lines.join('\n') + '\n', 'utf8');
		const z = zipOne(base + '.csv', csv, o.store, to);
		if (o.corrupt) {
			// Damage the member's data; the headers and CRC stay.
			const at = z.dataOffset + Math.floor(z.compLength / 2);
			for (let i = 0; i < 8 && at + i < z.dataOffset + z.compLength;
			    i++)
				z.zip[at + i] ^= 0x5a;
		}
		const zipPath = path.join(o.out, base + '.zip');
		fs.writeFileSync(zipPath, z.zip);
		if (o.checksum) {
			let h = crypto.createHash('sha256').update(z.zip).digest('hex');
			if (o.badChecksum)
				h = crypto.createHash('sha256').update(h).digest('hex');
			fs.writeFileSync(zipPath + '.CHECKSUM', h + '  ' + base +
			    '.zip\n');
		}
		process.stdout.write(zipPath + '\n');
	}
}

main();
