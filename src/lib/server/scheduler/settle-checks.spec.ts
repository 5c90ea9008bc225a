import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { results, tasks, volunteers } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { finishJobIfDone } from './finish-job';
import { getJobStatus } from './job-status';
import { claimFor, completeAs, makeJob, policy, seedModel, seedVolunteers, seededDatabase, vec } from './testing';
import { completeTask } from './complete-task';
import { PRIORITIES } from '../../protocol/jobs';

describe.each(TEST_DB_KINDS)('a caught volunteer’s unchecked results, on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['a', 'b', 'c', 'liar']);
		},
		(opened) => (db = opened)
	);
	const volunteer = async (id: string) => (await db.select().from(volunteers).where(eq(volunteers.id, id)))[0];

	/** The liar computes an unreplicated job alone (accepted on its word), then loses a quorum elsewhere. */
	async function liedThenCaught() {
		const { id: unchecked } = await makeJob(db, 2, { replication: 1, chunkSize: 1 });
		for (const t of await claimFor(db, 'liar', { slots: 2 })) await completeAs(db, t, 'liar', 9);
		expect(await finishJobIfDone(db, unchecked)).toBe('completed');
		// Credited, but no trust: nobody compared these.
		expect(await volunteer('liar')).toMatchObject({ credit: 2, consecutiveValid: 0 });
		await makeJob(db, 1, { replication: 3, priority: 'low' });
		const [tl] = await claimFor(db, 'liar');
		const [ta] = await claimFor(db, 'a');
		const [tb] = await claimFor(db, 'b');
		await completeAs(db, tl, 'liar', 9);
		await completeAs(db, ta, 'a');
		expect(await completeAs(db, tb, 'b')).toMatchObject({ settlement: { outcome: 'accepted' } });
		return unchecked;
	}

	it('revokes its trust and queues a re-check of every result it had accepted alone', async () => {
		const unchecked = await liedThenCaught();
		expect(await volunteer('liar')).toMatchObject({ consecutiveValid: 0, invalidResults: 1 });
		const rechecks = await db.select().from(tasks).where(eq(tasks.recheck, true));
		expect(rechecks.map((t) => [t.jobId, t.seq, t.state]).sort()).toEqual([
			[unchecked, 0, 'queued'],
			[unchecked, 1, 'queued']
		]);
		// The liar cannot check itself.
		expect(await claimFor(db, 'liar', { slots: 2 })).toHaveLength(0);
	});

	it('overturns a result two re-computations agree against: the job’s result is corrected and the credit taken back', async () => {
		const unchecked = await liedThenCaught();
		for (const t of await claimFor(db, 'a', { slots: 2 }))
			expect(await completeAs(db, t, 'a')).toMatchObject({ stored: true, settlement: { outcome: 'already' } });
		// One dissent is not enough: a second re-check is queued, and the stored result stands meanwhile.
		expect((await getJobStatus(db, unchecked))?.result).toEqual([vec(9), vec(9)]);
		for (const t of await claimFor(db, 'c', { slots: 2 })) await completeAs(db, t, 'c');
		const status = await getJobStatus(db, unchecked);
		expect(status).toMatchObject({ status: 'completed', corrections: 2, result: [vec(0), vec(0)] });
		expect(status?.corrected_at).not.toBeNull();
		expect(await volunteer('liar')).toMatchObject({ credit: 0, consecutiveValid: 0, invalidResults: 3 });
	});

	it('lets a result stand when the re-check agrees with it, and never holds its job open', async () => {
		const { id: jobId } = await makeJob(db, 1, { replication: 1 });
		const [mine] = await claimFor(db, 'liar');
		await completeAs(db, mine, 'liar');
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		await makeJob(db, 1, { replication: 3, priority: 'low' });
		const [tl] = await claimFor(db, 'liar');
		const [ta] = await claimFor(db, 'a');
		const [tb] = await claimFor(db, 'b');
		await completeAs(db, tl, 'liar', 9);
		await completeAs(db, ta, 'a');
		await completeAs(db, tb, 'b');
		const [check] = await claimFor(db, 'c');
		expect(check).toMatchObject({ jobId });
		await completeAs(db, check, 'c');
		// A re-check queued or running never reopened the finished job, and agreement leaves it as it was.
		expect(await getJobStatus(db, jobId)).toMatchObject({ status: 'completed', corrections: 0, result: [vec(0)] });
		expect(await db.select().from(tasks).where(eq(tasks.recheck, true))).toMatchObject([{ state: 'done' }]);
	});

	it('queues the lazy check of a synchronous request as batch work, never on the interactive lane', async () => {
		// Nobody waits for it, and on the lane it would take a volunteer's lane slot from the next request.
		const { id: jobId } = await makeJob(db, 1, { replication: 1, priority: 'interactive' });
		const [t] = await claimFor(db, 'a', { lane: 'interactive' });
		const lazy = { ...policy, lazyCheckRate: 1, random: () => 0 };
		const sent = { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'a', backend: 'wasm' as const, durationMs: 5 };
		await completeTask(db, { ...sent, outputs: t.inputs.map((_, i) => vec(i)), resultClass: 'wasm/fp32' }, lazy);
		const [check] = await db
			.select({ priority: tasks.priority })
			.from(tasks)
			.where(and(eq(tasks.jobId, jobId), eq(tasks.recheck, true)));
		expect(check).toEqual({ priority: PRIORITIES.high });
		expect(await claimFor(db, 'b', { lane: 'interactive' })).toEqual([]);
		expect(await claimFor(db, 'b')).toMatchObject([{ jobId }]);
	});

	it('re-checks an unreplicated result lazily, decided after it arrived, and never judges another class', async () => {
		const { id: jobId } = await makeJob(db, 1, { replication: 1 });
		const [t] = await claimFor(db, 'a');
		const lazy = { ...policy, lazyCheckRate: 1, random: () => 0 };
		const sent = { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'a', backend: 'wasm' as const, durationMs: 5 };
		await completeTask(db, { ...sent, outputs: t.inputs.map((_, i) => vec(i)), resultClass: 'wasm/fp32' }, lazy);
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		const [check] = await claimFor(db, 'b');
		expect(check).toMatchObject({ jobId });
		// Computed in another class (it outwaited its own): not comparable, so no verdict, and another re-check.
		await completeTask(
			db,
			{
				...sent,
				taskId: check.id,
				leaseToken: check.leaseToken,
				volunteerId: 'b',
				outputs: t.inputs.map((_, i) => vec(i + 9)),
				resultClass: 'native/fp32'
			},
			policy
		);
		expect((await db.select().from(results).where(eq(results.taskId, check.id)))[0].verdict).toBe('unchecked');
		expect(await db.select({ state: tasks.state }).from(tasks).where(eq(tasks.recheck, true))).toEqual(
			expect.arrayContaining([{ state: 'queued' }])
		);
		expect((await getJobStatus(db, jobId))?.result).toEqual([vec(0)]);
	});
});
