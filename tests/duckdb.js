// duckdb.js - runs SQL with DuckDB (npm @duckdb/node-api, installed by
// make deps into tests/node) and prints each result row on a line, its
// values separated by tabs; for tests that read the lake as an outside
// engine would.  Usage: node tests/duckdb.js SQL...
'use strict';
const path = require('path');

async function main() {
	const api = require(path.join(__dirname, 'node', 'node_modules',
	    '@duckdb', 'node-api'));
	const db = await api.DuckDBInstance.create(':memory:');
	const c = await db.connect();
	for (const sql of process.argv.slice(2)) {
		const r = await c.runAndReadAll(sql);
		for (const row of r.getRows())
			console.log(row.map((v) => v === null ? 'NULL' :
			    String(v)).join('\t'));
	}
}

main().catch((e) => {
	console.error(`duckdb.js: ${e.message}`);
	process.exit(1);
});
