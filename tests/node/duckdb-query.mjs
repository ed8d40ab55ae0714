// Runs one SQL query in an in-memory DuckDB and prints the rows as JSON lines.
// Usage: node duckdb-query.mjs "SELECT ..."
import { DuckDBInstance } from '@duckdb/node-api';

const sql = process.argv[2];
if (!sql) {
	console.error('usage: node duckdb-query.mjs SQL');
	process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const result = await con.runAndReadAll(sql);
for (const row of result.getRowObjectsJson())
	console.log(JSON.stringify(row));
