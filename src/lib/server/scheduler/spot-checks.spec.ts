import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { results, tasks, volunteers } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { finishJobIfDone } from './finish-job';
import { getJobStatus } from './job-status';
import { claimFor, completeAs, makeJob, seedModel, seedVolunteers, seededDatabase, vec } from './testing';

describe.each(TEST_DB_KINDS)('known-answer checks, on %s', (kind) => {
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
	const spot = { spotCheckRate: 1, random: () => 0 };

	/** A running job whose first chunk two volunteers agreed on: the hub knows that answer. */
	async function knownAnswer() {
		const { id: jobId } = await makeJob(db, 4, { replication: 2 });
		const [ta] = await claimFor(db, 'a');
		const [tb] = await claimFor(db, 'b');
		await completeAs(db, ta, 'a');
		await completeAs(db, tb, 'b');
		return jobId;
	}

	it('leases a check like any other lease, and catches a wrong answer without touching the job', async () => {
		const { id: alone } = await makeJob(db, 1, { replication: 1, priority: 'low' });
		const [mine] = await claimFor(db, 'liar');
		await completeAs(db, mine, 'liar', 9);
		const jobId = await knownAnswer();
		const ordinary = await claimFor(db, 'c');
		const [check] = await claimFor(db, 'liar', spot);
		expect(check).toMatchObject({ jobId, seq: 0 });
		expect(Object.keys(check).sort()).toEqual(Object.keys(ordinary[0]).sort());
		// On the same clock as any lease: a deadline no renewal passes, and the first expiry no later than an ordinary one's.
		const clock = async (id: number) =>
			(await db.select({ deadline: tasks.deadlineAt, expires: tasks.leaseExpiresAt }).from(tasks).where(eq(tasks.id, id)))[0];
		const [checkClock, ordinaryClock] = [await clock(check.id), await clock(ordinary[0].id)];
		expect(checkClock.deadline).not.toBeNull();
		expect(checkClock.expires!.getTime()).toBeLessThanOrEqual(ordinaryClock.expires!.getTime() + 1000);
		expect(await completeAs(db, check, 'liar', 9)).toMatchObject({ stored: true, settlement: { outcome: 'already' } });
		expect(await volunteer('liar')).toMatchObject({ invalidResults: 1, consecutiveValid: 0, credit: 1 });
		expect((await db.select().from(results).where(eq(results.taskId, check.id)))[0].verdict).toBe('invalid');
		// Caught: what it had accepted alone is re-checked.
		expect(await db.select({ jobId: tasks.jobId }).from(tasks).where(eq(tasks.recheck, true))).toEqual([{ jobId: alone }]);
		expect((await getJobStatus(db, jobId))?.progress.done).toBe(2);
	});

	it('counts a right answer as valid work, and never holds the job open', async () => {
		const jobId = await knownAnswer();
		const [check] = await claimFor(db, 'c', spot);
		expect(check).toMatchObject({ jobId, seq: 0 });
		const [again] = await claimFor(db, 'liar', spot);
		// The job finishes while the liar still holds its check.
		for (const v of ['a', 'b']) {
			const [t] = await claimFor(db, v);
			await completeAs(db, t, v);
		}
		expect(await finishJobIfDone(db, jobId)).toBe('completed');
		await completeAs(db, check, 'c');
		expect(await volunteer('c')).toMatchObject({ validResults: 1, credit: 2 });
		expect((await getJobStatus(db, jobId))?.result).toEqual([vec(0), vec(1), vec(0), vec(1)]);
		expect(again).toBeDefined();
	});

	it('draws only chunks two volunteers agreed on, of running jobs', async () => {
		const { id: jobId } = await makeJob(db, 2, { replication: 1, chunkSize: 1 });
		const [t] = await claimFor(db, 'a');
		await completeAs(db, t, 'a');
		// Accepted on one word only: no check drawn, the ordinary lease instead.
		expect(await claimFor(db, 'c', spot)).toMatchObject([{ jobId, seq: 1 }]);
		expect(await db.select().from(tasks).where(eq(tasks.spotCheck, true))).toHaveLength(0);
	});
});
