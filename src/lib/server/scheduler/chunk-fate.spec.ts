/**
 * A chunk's fate has one definition read in two shapes (chunk-fate.ts): per replica, asking about its
 * siblings (chunkDead), and over a chunk's replicas grouped together (chunkFateOfGroup, what a job's
 * status counts). Here every mix of replica states a chunk can be in is read both ways.
 */
import { describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { acceptedResults, tasks } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { claimFor, completeAs, makeJob, seedModel, seedVolunteers, seededDatabase } from './testing';
import { chunkDead, chunkFateOfGroup } from './chunk-fate';
import { getJobStatus } from './job-status';
import { cancelJob } from './cancel-job';
import { jobSummaries } from '../dashboard/job-summaries';

/** Replica states per chunk (seq 1 onward; chunk 0 is accepted through the real claim and hand-in), and the fate each must read as. */
const MIXES = [
	{ states: ['leased', 'queued'], fate: 'leased' },
	{ states: ['queued', 'queued'], fate: 'queued' },
	{ states: ['dead', 'dead'], fate: 'dead' },
	{ states: ['dead', 'queued'], fate: 'queued' },
	// A result computed but never accepted (its quorum never came), and the other replica gone: nothing can bring one now.
	{ states: ['done', 'dead'], fate: 'dead' },
	{ states: ['cancelled', 'cancelled'], fate: 'dead' },
	{ states: ['done', 'leased'], fate: 'leased' }
] as const;

describe.each(TEST_DB_KINDS)('chunk fates on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['v1', 'v2']);
		},
		(opened) => (db = opened)
	);

	it('reads the same dead chunks per replica and per chunk, and the job status counts each fate', async () => {
		const { id: jobId } = await makeJob(db, 2 * (MIXES.length + 1), { replication: 2 });
		const [a] = await claimFor(db, 'v1', { slots: 1 });
		const [b] = await claimFor(db, 'v2', { slots: 1 });
		expect([a.seq, b.seq]).toEqual([0, 0]);
		await completeAs(db, a, 'v1');
		expect(await completeAs(db, b, 'v2')).toMatchObject({ stored: true });
		for (const [k, mix] of MIXES.entries()) {
			const replicas = await db
				.select({ id: tasks.id })
				.from(tasks)
				.where(and(eq(tasks.jobId, jobId), eq(tasks.seq, k + 1)))
				.orderBy(tasks.id);
			for (const [r, state] of mix.states.entries())
				await db
					.update(tasks)
					.set({ state, lastError: state === 'dead' ? `failed ${k + 1}` : null })
					.where(eq(tasks.id, replicas[r].id));
		}

		const perChunk = await db
			.select({
				seq: tasks.seq,
				fate: chunkFateOfGroup(tasks.state, sql`${acceptedResults.seq} is not null`, sql`false`),
				deadPerReplica: sql<boolean>`bool_and(${chunkDead(db, tasks)})`
			})
			.from(tasks)
			.leftJoin(acceptedResults, and(eq(acceptedResults.jobId, tasks.jobId), eq(acceptedResults.seq, tasks.seq)))
			.where(eq(tasks.jobId, jobId))
			.groupBy(tasks.seq)
			.orderBy(tasks.seq);
		expect(perChunk.map((c) => c.fate)).toEqual(['done', ...MIXES.map((m) => m.fate)]);
		for (const c of perChunk) expect(c.deadPerReplica, `chunk ${c.seq}`).toBe(c.fate === 'dead');

		const status = await getJobStatus(db, jobId, { withResult: false });
		expect(status?.tasks).toEqual({ total: MIXES.length + 1, done: 1, leased: 2, queued: 2, dead: 3, cancelled: 0 });
		expect(status?.progress).toEqual({ done: 2, total: 2 * (MIXES.length + 1) });
		expect(status?.errors).toEqual([
			{ first_input: 6, inputs: 2, error: 'failed 3' },
			{ first_input: 10, inputs: 2, error: 'failed 5' },
			{ first_input: 12, inputs: 2, error: 'unknown' }
		]);
	});

	it('counts a cancelled job’s unfinished chunks as cancelled, not dead, in its status and on the dashboard alike', async () => {
		const { id: jobId } = await makeJob(db, 6, { replication: 1 });
		const [a] = await claimFor(db, 'v1', { slots: 1 });
		await completeAs(db, a, 'v1');
		const [failing] = await claimFor(db, 'v2', { slots: 1 });
		await db.update(tasks).set({ state: 'dead', lastError: 'out of memory' }).where(eq(tasks.id, failing.id));
		expect((await getJobStatus(db, jobId, { withResult: false }))?.tasks).toMatchObject({ done: 1, dead: 1, queued: 1, cancelled: 0 });
		await cancelJob(db, jobId);
		const status = await getJobStatus(db, jobId, { withResult: false });
		// The chunk that died before the cancel stays dead, with its error; the one never computed was cancelled.
		expect(status?.tasks).toEqual({ total: 3, done: 1, leased: 0, queued: 0, dead: 1, cancelled: 1 });
		expect(status?.errors).toEqual([{ first_input: failing.firstInput, inputs: 2, error: 'out of memory' }]);
		const [summary] = (await jobSummaries(db)).filter((j) => j.id === jobId);
		expect(summary).toMatchObject({ tasksDone: 1, tasksDead: 1, tasksTotal: 3 });
		const perReplica = await db
			.select({ seq: tasks.seq, dead: sql<boolean>`${chunkDead(db, tasks)}` })
			.from(tasks)
			.where(eq(tasks.jobId, jobId))
			.orderBy(tasks.seq);
		expect(perReplica.map((r) => r.dead)).toEqual([false, true, false]);
	});
});
