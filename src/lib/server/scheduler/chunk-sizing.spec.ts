import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import { MAX_CHUNK_SIZE } from '../../protocol/jobs';
import { chooseChunkSize, chunkSizeFor } from './chunk-sizing';
import { measureThroughput, throughputStatement } from './measure-throughput';
import { submitJob } from './submit-job';
import { claimFor, makeJob, seedModel, seedVolunteers, seededDatabase } from './testing';
import { completeRight, replicasOf } from './chunk-testing';

const HONEST = ['h1', 'h2', 'h3', 'h4'];
const sizing = { chunkSize: 8, targetTaskMs: 30_000 };

describe.each(TEST_DB_KINDS)('chunks sized to measured throughput on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, [...HONEST, 'liar']);
		},
		(opened) => (db = opened)
	);

	/** Volunteer `v` claims and answers `n` chunks of 2 inputs, each reported as taking `ms`. */
	async function compute(v: string, n: number, ms: number) {
		for (let i = 0; i < n; i++) {
			const [t] = await claimFor(db, v);
			expect(await completeRight(db, t, v, ms)).toMatchObject({ stored: true });
		}
	}

	it('measures inputs per second per task as the median of accepted results, which a liar reporting tiny durations does not move', async () => {
		const { id: jobId } = await makeJob(db, 40, { chunkSize: 2 });
		expect(await measureThroughput(db, { jobId })).toBeNull();
		for (const v of HONEST) await compute(v, 2, 1000); // 2 inputs in 1 s: 2 inputs/s
		// More results than all honest volunteers together, each claiming a millisecond: without the cap per volunteer they would be the median.
		await compute('liar', 12, 1);
		expect(await measureThroughput(db, { jobId })).toEqual({ inputsPerSecond: 2, results: 13 });
		expect(await measureThroughput(db, { modelId: 'm', taskType: 'embedding' })).toEqual({ inputsPerSecond: 2, results: 13 });
		// A liar claiming to be slow does no better.
		await db.execute(sql`update results set duration_ms = 3600000 where volunteer_id = 'liar'`);
		expect((await measureThroughput(db, { jobId }))?.inputsPerSecond).toBe(2);
	});

	it('gives no estimate from too few results, from other models or task types, or from results over an hour old', async () => {
		const { id: jobId } = await makeJob(db, 8, { chunkSize: 2 });
		await compute('h1', 2, 500);
		expect(await measureThroughput(db, { jobId })).toBeNull();
		await compute('h2', 1, 500);
		expect(await measureThroughput(db, { jobId })).toEqual({ inputsPerSecond: 4, results: 3 });
		expect(await measureThroughput(db, { modelId: 'other', taskType: 'embedding' })).toBeNull();
		expect(await measureThroughput(db, { modelId: 'm', taskType: 'classification' })).toBeNull();
		await db.execute(sql`update results set created_at = now() - interval '61 minutes'`);
		expect(await measureThroughput(db, { jobId })).toBeNull();
		expect(await measureThroughput(db, { modelId: 'm', taskType: 'embedding' })).toBeNull();
	});

	it("counts a chunk's inputs from where the next one starts, the last chunk's up to the job's end", async () => {
		const { id: jobId } = await makeJob(db, 7, { chunkSize: 3 }); // chunks of 3, 3 and 1
		for (const v of ['h1', 'h2', 'h3']) {
			const [t] = await claimFor(db, v);
			await completeRight(db, t, v, 1000 * t.inputs.length); // 1 input/s whatever the chunk's size
		}
		expect(await measureThroughput(db, { jobId })).toEqual({ inputsPerSecond: 1, results: 3 });
	});

	it('sizes a new job to the target duration from the measurement, a small first size before one, and never overrides chunk_size', async () => {
		const submit = (n: number, chunk_size?: number, s = sizing) =>
			submitJob(
				db,
				{
					task_type: 'embedding',
					model: 'm',
					input: Array.from({ length: n }, (_, i) => `input ${i}`),
					priority: 'normal',
					replication: 1,
					params: {},
					chunk_size
				},
				s
			);
		const chunksOf = async (outcome: Awaited<ReturnType<typeof submit>>) => {
			if (!outcome.ok) throw new Error(outcome.error);
			return (await replicasOf(db, outcome.id)).map((r) => r.inputs.length);
		};
		// Nothing measured yet: the configured first size.
		expect(await chunksOf(await submit(20))).toEqual([8, 8, 4]);
		for (const v of ['h1', 'h2', 'h3']) await compute(v, 1, 4000); // 8 inputs in 4 s: 2 inputs/s
		expect(await chooseChunkSize(db, sizing, { modelId: 'm', taskType: 'embedding', inputs: 150 })).toBe(60);
		expect(await chunksOf(await submit(150))).toEqual([60, 60, 30]);
		expect(await chunksOf(await submit(10, 3))).toEqual([3, 3, 3, 1]);
		expect(await chunksOf(await submit(20, undefined, { chunkSize: 8, targetTaskMs: 0 }))).toEqual([8, 8, 4]);
	});

	it('keeps a chosen size within 1 and the largest chunk a submitter may ask for', () => {
		expect(chunkSizeFor(2, 30_000)).toBe(60);
		expect(chunkSizeFor(0.001, 30_000)).toBe(1);
		expect(chunkSizeFor(1e9, 30_000)).toBe(MAX_CHUNK_SIZE);
		expect(chunkSizeFor(Infinity, 30_000)).toBe(MAX_CHUNK_SIZE);
	});

	it.runIf(kind === 'postgres')('reads a bounded sample through indexes, never scanning results or tasks', async () => {
		const { id: jobId } = await makeJob(db, 3000, { chunkSize: 1 });
		// A hub's worth of results, as the plan would meet them (written directly: only their shape matters here).
		await db.execute(sql`insert into results (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms, verdict)
			select id, job_id, seq, 'h1', '[]'::jsonb, 'wasm', 'wasm/fp32', 5, 'valid' from tasks`);
		await db.execute(sql`analyze`);
		for (const scope of [{ jobId }, { modelId: 'm', taskType: 'embedding' as const }]) {
			const q = new PgDialect().sqlToQuery(throughputStatement(scope));
			const text = q.sql.replace(/\$(\d+)/g, (_: string, i: string) => {
				const v = q.params[Number(i) - 1];
				return typeof v === 'number' ? String(v) : `'${String(v)}'`;
			});
			const plan = rowsOf<{ 'QUERY PLAN': string }>(await db.execute(sql.raw(`explain ${text}`)))
				.map((r) => r['QUERY PLAN'])
				.join('\n');
			expect(plan).not.toMatch(/Seq Scan on (tasks|results)\b/);
			expect(plan).toMatch(/results_(chunk|created)_idx/);
		}
	});
});
