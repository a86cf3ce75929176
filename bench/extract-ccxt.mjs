// extract-ccxt.mjs - the peer of bench/extract.sh: a plain CCXT
// fetchOHLCV loop, as a user would write it, pointed at the mock exchange.
//
//	node bench/extract-ccxt.mjs MOCK_URL SINCE_MS UNTIL_MS SYMBOL...
//
// Fetches the 1m candles of each symbol in [SINCE, UNTIL), 1000 at a time,
// with CCXT's own rate limiter on, and writes one JSON array per candle.
import { createRequire } from 'module';
import path from 'path';

const require = createRequire(import.meta.url);
const ccxt = require(path.resolve(process.env.MDX_SRC || '.',
    'tests/node/node_modules/ccxt/js/ccxt.js'));

const [base, sinceArg, untilArg, ...symbols] = process.argv.slice(2);
const since0 = Number(sinceArg), until = Number(untilArg);
const ex = new ccxt.binance({
	enableRateLimit: true,
	options: { defaultType: 'spot', fetchMarkets: ['spot'],
	    fetchCurrencies: false }
});
for (const k of Object.keys(ex.urls.api))
	ex.urls.api[k] = ex.urls.api[k].replace(/^https:\/\/[^/]+/, base);

let rows = 0;
const out = [];
const flush = () => {
	if (out.length) {
		process.stdout.write(out.join('\n') + '\n');
		out.length = 0;
	}
};
for (const id of symbols) {
	const sym = id.replace(/USDT$/, '/USDT');
	let since = since0;
	while (since < until) {
		const page = await ex.fetchOHLCV(sym, '1m', since, 1000,
		    { endTime: until - 1 });
		if (page.length === 0)
			break;
		for (const c of page)
			if (c[0] < until) {
				out.push(JSON.stringify(c));
				rows++;
			}
		flush();
		since = page[page.length - 1][0] + 60000;
	}
}
flush();
process.stderr.write(`ccxt ${ccxt.version}: ${rows} candles\n`);
