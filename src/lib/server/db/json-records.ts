import { sql, type SQL } from 'drizzle-orm';

/**
 * `rows` as a subquery: sent as one JSON parameter and unpacked by jsonb_to_recordset into `columns`
 * (`alias(name type, ...)`), for statements that carry a group of rows (results, renewals, leases, status
 * reports) in one round trip.
 *
 * The LIMIT is the number of rows, and it is there for the planner: PostgreSQL guesses 100 rows for any
 * set-returning function, and for that many it joined the few rows a statement carries to a sequential
 * scan of the table it updates (tasks, sessions) rather than a few index probes, a cost that grew with
 * the table (bench/dispatch, BENCHMARKS.md).
 */
export function jsonRecords(rows: readonly object[], columns: SQL): SQL {
	const { records, count } = recordsOf(rows);
	return recordsFrom(sql`${records}`, sql`${count}`, columns);
}

/** jsonRecords' subquery, its rows and their number given as SQL (values or placeholders). */
function recordsFrom(records: SQL, count: SQL, columns: SQL): SQL {
	return sql`(select * from jsonb_to_recordset(${records}::jsonb) as ${columns} limit ${count}::int)`;
}

/** The values of placedRecords' placeholders for `rows`. */
export type Records = { records: string; count: number };

/** Fills placedRecords' placeholders with `rows`. */
export function recordsOf(rows: readonly object[]): Records {
	return { records: JSON.stringify(rows), count: rows.length };
}

/**
 * jsonRecords in a statement built once (built-once.ts), the same subquery with its rows left to the
 * placeholders `records` and `count`, which each call fills (recordsOf).
 */
export function placedRecords(columns: SQL): SQL {
	return recordsFrom(sql`${sql.placeholder('records')}`, sql`${sql.placeholder('count')}`, columns);
}
