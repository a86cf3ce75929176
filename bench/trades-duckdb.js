// trades-duckdb.js - the peer of bench/trades-candles.sh: DuckDB (npm
// @duckdb/node-api, from tests/node) builds the same candles from the
// same canonical trade NDJSON with one thread: first and last price by
// aggregate id (Binance numbers them in time order, and trades of one
// microsecond need an order), extremes, exact DECIMAL sums of quantity
// and quote_quantity, the trade count of aggregates and the taker-buy
// sums, per symbol and interval bucket, written as CSV.
//
//   node bench/trades-duckdb.js INTERVAL_SECONDS IN.nd OUT.csv
'use strict';
const path = require('path');

async function main() {
	const [secs, input, output] = process.argv.slice(2);
	const api = require(path.join(__dirname, '..', 'tests', 'node',
	    'node_modules', '@duckdb', 'node-api'));
	const db = await api.DuckDBInstance.create(':memory:');
	const c = await db.connect();
	await c.run('SET threads = 1');
	const q = (s) => "'" + s.replace(/'/g, "''") + "'";
	await c.run(`COPY (
	    SELECT exchange, market, symbol,
		time_bucket(INTERVAL '${Number(secs)} seconds', t) AS open_time,
		arg_min(price, first_id) AS open, max(price) AS high,
		min(price) AS low, arg_max(price, first_id) AS close,
		sum(quantity) AS volume, sum(quote_quantity) AS quote_volume,
		sum(coalesce(last_id - first_id + 1, 1)) AS trades,
		coalesce(sum(quantity) FILTER (WHERE side = 'buy'), 0)
		    AS taker_buy_volume,
		coalesce(sum(quote_quantity) FILTER (WHERE side = 'buy'), 0)
		    AS taker_buy_quote_volume
	    FROM (SELECT *, CAST(time AS TIMESTAMP) AS t
		FROM read_ndjson(${q(input)}, columns = {
		    exchange: 'VARCHAR', market: 'VARCHAR', symbol: 'VARCHAR',
		    first_id: 'BIGINT', last_id: 'BIGINT', time: 'VARCHAR',
		    price: 'DECIMAL(38,10)', quantity: 'DECIMAL(38,10)',
		    quote_quantity: 'DECIMAL(38,10)', side: 'VARCHAR'}))
	    GROUP BY ALL ORDER BY ALL) TO ${q(output)} (HEADER false)`);
}

main().catch((e) => {
	console.error(`trades-duckdb.js: ${e.message}`);
	process.exit(1);
});
