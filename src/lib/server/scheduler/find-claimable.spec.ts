import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase, TEST_DB_KINDS } from '../db/testing';
import type { Database } from '../db';
import { rowsOf } from '../db/rows';
import { findClaimable } from './find-claimable';
import { makeJob, seedModel } from './testing';

/**
 * The claim runs on every task request, so its cost must not grow with the queue: PostgreSQL should
 * walk tasks_claimable_idx in claim order and stop at the LIMIT, not sort every queued task. That
 * takes an index whose order matches the ORDER BY exactly and statistics that know the queue is long
 * (createJob refreshes them after a large job).
 */
describe.each(TEST_DB_KINDS)('the claim query on %s', (kind) => {
	let database: Database;

	beforeAll(async () => {
		database = await openTestDatabase(kind);
		await seedModel(database.db);
	});
	afterAll(() => database.close());

	it('walks the claimable index to its limit right after a 3,000-task job arrives, without sorting the queue', async () => {
		await makeJob(database.db, 3000, { chunkSize: 1 });
		const query = findClaimable(database.db, { volunteerId: 'v', backendClass: 'wasm', taskTypes: ['embedding'], limit: 16 }).toSQL();
		const plan = rowsOf<{ 'QUERY PLAN': string }>(await database.db.execute(sql.raw(`explain ${inline(query)}`)))
			.map((r) => r['QUERY PLAN'])
			.join('\n');
		expect(plan).toMatch(/Index Scan using tasks_claimable_idx/);
		expect(plan).not.toMatch(/\bSort\b/);
	});
});

/** The statement with its parameters written in (EXPLAIN takes no bind parameters on every driver). */
function inline({ sql: text, params }: { sql: string; params: unknown[] }): string {
	return text.replace(/\$(\d+)/g, (_, i) => {
		const v = params[Number(i) - 1];
		return typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
	});
}
