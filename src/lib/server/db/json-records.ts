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
	return sql`(select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as ${columns} limit ${rows.length})`;
}
