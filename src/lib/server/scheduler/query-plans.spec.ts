import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { jsonRecords } from '../db/json-records';
import { PgDialect } from 'drizzle-orm/pg-core';
import { findClaimableStatement } from './find-claimable';
import { finishJobsStatement } from './finish-job';
import { makeJob, seedModel, seedVolunteers, seededDatabase } from './testing';
import { DEFAULT_LEASE_MAX_MS, leaseDeadline } from './lease-deadline';
import { heldLease } from './lease-transitions';

/**
 * The statements run for every task must not grow with the queue or the job: the claim should walk
 * tasks_claimable_idx in claim order and stop at its LIMIT, not sort every queued task (that takes an
 * index whose order matches the ORDER BY exactly, and statistics that know the queue is long: createJob
 * refreshes them after a large job); the finished-job check after each result should find a job's
 * open work from tasks_open_idx, not scan its done tasks.
 */
describe.each(TEST_DB_KINDS)('query plans on %s', (kind) => {
	let db: Db;
	// Each test queues its own job on emptied tables: neither reads what the other left.
	seededDatabase(kind, seedModel, (opened) => (db = opened));

	it('walks the claimable index to its limit right after a 3,000-task job arrives, without sorting or scanning whole tables', async () => {
		await makeJob(db, 3000, { chunkSize: 1 });
		const claimants = [{ volunteerId: 'v', backendClass: 'wasm' as const, taskTypes: ['embedding' as const], limit: 16 }];
		const plan = await explain(new PgDialect().sqlToQuery(findClaimableStatement(db, claimants)));
		expect(plan).toMatch(/Index Scan using tasks_claimable_idx/);
		expect(plan).not.toMatch(/\bSort\b/);
		// The sibling and already-computed checks probe per candidate row; a scan of a whole table per claim grows with it.
		expect(plan).not.toMatch(/Seq Scan on (tasks|results)\b/);
	});

	it('still walks the claimable index once some of the job is done and some leased, whatever the planner guesses of the rules', async () => {
		// The state a running job is in: right after statistics saw done and leased tasks, the rules' tests once looked
		// as if hardly any queued task passed them, and the claim sorted every queued task (20 ms at 3,000 on PostgreSQL).
		const { id: jobId } = await makeJob(db, 3000, { chunkSize: 1 });
		await seedVolunteers(db, ['v', 'w']);
		await db.execute(
			sql`update tasks set state = 'done', lease_volunteer = 'w', finished_at = now() where job_id = ${jobId} and seq < 100`
		);
		await db.execute(sql`update tasks set state = 'leased', lease_volunteer = 'w', lease_expires_at = now() + interval '1 minute'
			where job_id = ${jobId} and seq >= 100 and seq < 132`);
		await db.execute(sql`analyze`);
		for (const lane of [undefined, 'interactive' as const]) {
			const claimants = [
				{ volunteerId: 'v', backendClass: 'wasm' as const, taskTypes: ['embedding' as const], maxCost: 5, lane, limit: 16 }
			];
			const plan = await explain(new PgDialect().sqlToQuery(findClaimableStatement(db, claimants)));
			expect(plan).toMatch(/Index Scan using tasks_claimable_idx/);
			expect(plan).not.toMatch(/\bSort\b|Bitmap/);
		}
	});

	it('checks whether a job is finished from its open tasks alone, with most of it done', async () => {
		const { id: jobId } = await makeJob(db, 3000, { chunkSize: 1 });
		await db.execute(sql`update tasks set state = 'done' where job_id = ${jobId} and seq < 2990`);
		await db.execute(sql`analyze tasks`);
		const plan = await explain(finishJobsStatement(db, jobId).toSQL());
		expect(plan).toMatch(/tasks_open_idx/);
		expect(plan).not.toMatch(/Seq Scan on tasks\b/);
	});

	it('keeps the claim walk and the finished-job check on their partial indexes under a generic plan', async () => {
		// PostgreSQL may run a prepared statement with a generic plan from its sixth call (db/index.ts). A state bound as a
		// parameter implies no partial index's predicate there: the check after every result read the job's every task.
		const { id: jobId } = await makeJob(db, 3000, { chunkSize: 1 });
		await db.execute(sql`update tasks set state = 'done' where job_id = ${jobId} and seq < 2990`);
		await db.execute(sql`analyze tasks`);
		const claimants = [{ volunteerId: 'v', backendClass: 'wasm' as const, taskTypes: ['embedding' as const], limit: 16 }];
		const walk = await explainGeneric(new PgDialect().sqlToQuery(findClaimableStatement(db, claimants)));
		expect(walk).toMatch(/Index Scan using tasks_claimable_idx/);
		expect(walk).not.toMatch(/\bSort\b|Seq Scan on tasks\b/);
		const finish = await explainGeneric(finishJobsStatement(db, jobId).toSQL());
		expect(finish).toMatch(/tasks_open_idx/);
		expect(finish).not.toMatch(/Seq Scan on tasks\b|tasks_job_idx/);
	});

	it('reads a job’s pace for a lease deadline from its latest results alone, however many it has', async () => {
		const { id: jobId } = await makeJob(db, 3000, { chunkSize: 1 });
		await seedVolunteers(db, ['v']);
		await db.execute(sql`insert into results (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms)
			select id, job_id, seq, 'v', '[]'::jsonb, 'wasm', 'wasm', 5 from tasks where job_id = ${jobId}`);
		await db.execute(sql`analyze results`);
		const plan = await explain(new PgDialect().sqlToQuery(sql`select ${leaseDeadline(DEFAULT_LEASE_MAX_MS, sql`1`, sql`${jobId}::uuid`)}`));
		// Not a bitmap of all 3,000 (or 90,000) results before the LIMIT: an ordered walk that stops at it.
		expect(plan).toMatch(/Index Scan Backward using results_chunk_idx/);
		expect(plan).not.toMatch(/Bitmap|Seq Scan on results/);
	});

	it('reads a job’s pace from its latest results alone when the statistics still think the job is small', async () => {
		// A running hub's statistics are always behind its largest job: here analysed when it had 5 results beside
		// two smaller jobs' 400, interleaved as concurrent volunteers write them, and read once it has 3,005.
		const { id: jobId } = await makeJob(db, 3005, { chunkSize: 1 });
		const others = [(await makeJob(db, 200, { chunkSize: 1 })).id, (await makeJob(db, 200, { chunkSize: 1 })).id];
		await seedVolunteers(db, ['v']);
		const addResults = (jobIds: string[], to: number, from = 0) =>
			db.execute(sql`insert into results (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms)
				select id, job_id, seq, 'v', '[]'::jsonb, 'wasm', 'wasm', 5 from tasks
				where job_id in (${sql.join(
					jobIds.map((id) => sql`${id}::uuid`),
					sql`, `
				)}) and seq >= ${from} and seq < ${to} order by random()`);
		await addResults([jobId], 5);
		await addResults(others, 200);
		await db.execute(sql`analyze results`);
		await addResults([jobId], 3005, 5);
		// As the lease update reads it: the job named by the leased task's row.
		const deadline = leaseDeadline(DEFAULT_LEASE_MAX_MS, sql`1`, sql`t.job_id`);
		const query = new PgDialect().sqlToQuery(sql`select ${deadline} from tasks t where t.job_id = ${jobId}::uuid and t.seq = 0`);
		const plan = await explain(query, 'analyze');
		const read = [...plan.matchAll(/ on results\b.*actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/g)].map((m) => Number(m[1]));
		expect(read.length).toBeGreaterThan(0);
		expect(Math.max(...read)).toBeLessThanOrEqual(50);
	});

	it('joins a group of rows sent as JSON to the tasks by index, not by reading the whole table', async () => {
		const { id: jobId } = await makeJob(db, 3000, { chunkSize: 1 });
		await db.execute(sql`analyze tasks`);
		const ids = rowsOf<{ id: number }>(await db.execute(sql`select id from tasks where job_id = ${jobId} and seq < 3`)).map((r) => ({
			id: Number(r.id)
		}));
		const statement = sql`update tasks set progress = 1 from ${jsonRecords(ids, sql`input(id bigint)`)} as input where tasks.id = input.id`;
		// Planned for the values given, and once generic, as the hot path's statements built once (built-once.ts) are kept.
		for (const plan of [
			await explain(new PgDialect().sqlToQuery(statement)),
			await explainGeneric(new PgDialect().sqlToQuery(statement))
		]) {
			expect(plan).toMatch(/Index Scan using tasks_pkey/);
			expect(plan).not.toMatch(/Seq Scan on tasks\b/);
		}
	});

	it('finds a group of leases by id while the statistics still say nothing is leased', async () => {
		// A large job just started: analysed with every task queued, then thousands leased. Through a partial index on
		// leased tasks the fence read every live lease for each group of results or renewals (lease-transitions.ts).
		const { id: jobId } = await makeJob(db, 3000, { chunkSize: 1 });
		await seedVolunteers(db, ['v']);
		await db.execute(sql`analyze tasks`);
		await db.execute(sql`update tasks set state = 'leased', lease_token = gen_random_uuid(), lease_volunteer = 'v',
			lease_session = 's', network = 'n', lease_expires_at = now() + interval '1 minute' where job_id = ${jobId} and seq < 2500`);
		const leases = rowsOf<{ id: number; token: string }>(
			await db.execute(sql`select id, lease_token as token from tasks where job_id = ${jobId} and seq < 20`)
		).map((r) => ({ task_id: Number(r.id), lease_token: r.token, volunteer_id: 'v' }));
		const fence = heldLease({ taskId: sql`input.task_id`, leaseToken: sql`input.lease_token`, volunteerId: sql`input.volunteer_id` });
		const statement = sql`update tasks set progress = 1
			from ${jsonRecords(leases, sql`input(task_id bigint, lease_token uuid, volunteer_id text)`)} as input where ${fence}`;
		for (const plan of [
			await explain(new PgDialect().sqlToQuery(statement)),
			await explainGeneric(new PgDialect().sqlToQuery(statement))
		]) {
			expect(plan).toMatch(/tasks_pkey/);
			expect(plan).not.toMatch(/tasks_lease|Seq Scan on tasks\b/);
		}
	});

	async function explain(query: { sql: string; params: unknown[] }, options = ''): Promise<string> {
		const rows = rowsOf<{ 'QUERY PLAN': string }>(await db.execute(sql.raw(`explain ${options ? `(${options}) ` : ''}${inline(query)}`)));
		return rows.map((r) => r['QUERY PLAN']).join('\n');
	}

	/** The plan PostgreSQL keeps for a prepared statement once it goes generic: planned with its parameters unknown. */
	async function explainGeneric(query: { sql: string; params: unknown[] }): Promise<string> {
		return db.transaction(async (tx) => {
			await tx.execute(sql.raw(`prepare generic_probe as ${query.sql}`));
			await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
			const args = query.params.length > 0 ? `(${query.params.map(literal).join(', ')})` : '';
			const rows = rowsOf<{ 'QUERY PLAN': string }>(await tx.execute(sql.raw(`explain execute generic_probe${args}`)));
			await tx.execute(sql`deallocate generic_probe`);
			return rows.map((r) => r['QUERY PLAN']).join('\n');
		});
	}
});

/** A parameter's value as an SQL literal. */
function literal(v: unknown): string {
	return typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
}

/** The statement with its parameters written in (EXPLAIN takes no bind parameters on every driver). */
function inline({ sql: text, params }: { sql: string; params: unknown[] }): string {
	return text.replace(/\$(\d+)/g, (_, i) => literal(params[Number(i) - 1]));
}
