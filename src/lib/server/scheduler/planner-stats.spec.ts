import { describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { analyzeTasksIfStale } from './planner-stats';
import { makeJob, seedModel, seedVolunteers, seededDatabase } from './testing';

describe.each(TEST_DB_KINDS)('the statistics of tasks on %s', (kind) => {
	let db: Db;
	seededDatabase(kind, seedModel, (opened) => (db = opened));

	/** Runs `statement` and has its changes counted at once (the server otherwise reports them within a second or so). */
	const change = (statement: SQL) =>
		db.transaction(async (tx) => {
			await tx.execute(statement);
			await tx.execute(sql`select pg_stat_force_next_flush()`);
		});

	/** Waits until the server has counted `n` rows inserted into tasks (a backend reports its counts within a second or so). */
	async function counted(n: number) {
		for (let waited = 0; waited < 15_000; waited += 50) {
			const [row] = rowsOf<{ n: number | string }>(
				await db.execute(sql`select n_tup_ins as n from pg_stat_user_tables where relid = 'tasks'::regclass`)
			);
			if (Number(row.n) >= n) return;
			await new Promise((r) => setTimeout(r, 50));
		}
		throw new Error(`the server never counted ${n} rows inserted into tasks`);
	}

	/** The planner's estimate of leased tasks. */
	async function leasedEstimate(): Promise<number> {
		const [top] = rowsOf<{ 'QUERY PLAN': string }>(await db.execute(sql`explain select id from tasks where state = 'leased'`));
		return Number(/rows=(\d+)/.exec(top['QUERY PLAN'])![1]);
	}

	it('are refreshed once a tenth of the table changed, not before, and then know what a job’s start leased', async () => {
		const { id: jobId } = await makeJob(db, 3000, { chunkSize: 1 });
		await seedVolunteers(db, ['v']);
		// Analysed once the job's inserts are counted (its own analysis may have run before they were): 3,000 queued, none leased.
		await counted(3000);
		await change(sql`analyze tasks`);
		await change(sql`update tasks set progress = 1 where job_id = ${jobId} and seq < 100`);
		expect(await analyzeTasksIfStale(db)).toBe(false);
		await change(sql`update tasks set state = 'leased', lease_token = gen_random_uuid(), lease_volunteer = 'v',
			lease_expires_at = now() + interval '1 minute' where job_id = ${jobId} and seq < 2500`);
		expect(await leasedEstimate()).toBeLessThan(100);
		expect(await analyzeTasksIfStale(db)).toBe(true);
		expect(await leasedEstimate()).toBeGreaterThan(2000);
		expect(await analyzeTasksIfStale(db)).toBe(false);
	});
});
