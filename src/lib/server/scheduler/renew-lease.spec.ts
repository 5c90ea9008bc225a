import { describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { renewLease, renewLeases } from './renew-lease';
import { claimFor, makeJob, seedModel, seedVolunteers, seededDatabase } from './testing';

describe.each(TEST_DB_KINDS)('lease renewal by progress, within a deadline, on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['v', 'w']);
		},
		(opened) => (db = opened)
	);

	/** A lease on a 4-input task whose whole life is `maxMs` (the job's pace is unknown, so the ceiling decides). */
	async function lease(maxMs: number) {
		await makeJob(db, 4, { chunkSize: 4 });
		const [t] = await claimFor(db, 'v', { leaseMs: 10_000, leaseMaxMs: maxMs });
		const [row] = await db.select({ deadlineAt: tasks.deadlineAt, leasedAt: tasks.leasedAt }).from(tasks).where(eq(tasks.id, t.id));
		const renew = (done: number) => renewLease(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'v', done }, 10_000);
		return { t, deadline: row.deadlineAt!, leasedAt: row.leasedAt!, renew };
	}

	/** Moves the lease's clock `ms` into the past, as waiting would (so the spec does not sleep). */
	async function age(ms: number) {
		await db.execute(sql`update tasks set leased_at = leased_at - ${ms} * interval '1 millisecond',
			progress_at = progress_at - ${ms} * interval '1 millisecond', deadline_at = deadline_at - ${ms} * interval '1 millisecond'
			where state = 'leased'`);
	}

	it('sets a deadline from the ceiling when the pace is unknown, and the first expiry within it', async () => {
		const { t, deadline, leasedAt } = await lease(120_000);
		expect(deadline.getTime() - leasedAt.getTime()).toBeCloseTo(120_000, -3);
		expect(t.leaseExpiresAt.getTime()).toBeLessThanOrEqual(deadline.getTime());
	});

	it('gives a task the time its inputs need at the default pace, beyond the floor, under the ceiling', async () => {
		// 4 inputs × 60 s (the pace of a job with no results yet) × the slack of 4: 16 minutes, not the 5-minute floor.
		const { deadline, leasedAt } = await lease(3_600_000);
		expect(deadline.getTime() - leasedAt.getTime()).toBeCloseTo(16 * 60_000, -3);
	});

	it('renews on progress, never past the deadline, and not for progress beyond the inputs', async () => {
		const { t, deadline, renew } = await lease(60_000);
		const first = (await renew(1))!;
		expect(first.getTime()).toBeGreaterThan(t.leaseExpiresAt.getTime() - 1);
		await age(55_000);
		// Progress, but the deadline is 5 s away: the expiry stops there instead of 10 s out.
		const capped = (await renew(2))!;
		expect(capped.getTime()).toBeLessThanOrEqual(deadline.getTime() - 55_000 + 1);
		// 99 of 4 inputs is no progress: the expiry stays.
		expect((await renew(99))!.getTime()).toBe(capped.getTime());
	});

	it('renews without progress only within one input’s share of the lifetime, then lets the lease expire', async () => {
		const { renew } = await lease(400_000); // 100 s per input
		const waiting = (await renew(0))!;
		await age(50_000);
		expect((await renew(0))!.getTime()).toBeGreaterThan(waiting.getTime());
		await age(60_000);
		const stalled = (await renew(0))!;
		expect((await renew(0))!.getTime()).toBe(stalled.getTime());
		// Progress starts its allowance again.
		expect((await renew(1))!.getTime()).toBeGreaterThan(stalled.getTime());
	});

	it('answers a group of renewals in one statement, each on its own: renewed, held, or not its lease', async () => {
		await makeJob(db, 8, { chunkSize: 4 });
		const [a] = await claimFor(db, 'v', { leaseMs: 10_000, leaseMaxMs: 400_000 });
		const [b] = await claimFor(db, 'w', { leaseMs: 10_000, leaseMaxMs: 400_000 });
		await age(200_000); // past one input's share: only progress renews now
		const answers = await renewLeases(
			db,
			[
				{ taskId: a.id, leaseToken: a.leaseToken, volunteerId: 'v', done: 1 },
				{ taskId: b.id, leaseToken: b.leaseToken, volunteerId: 'w', done: 0 },
				{ taskId: b.id, leaseToken: b.leaseToken, volunteerId: 'v', done: 2 },
				{ taskId: a.id, leaseToken: crypto.randomUUID(), volunteerId: 'v', done: 2 },
				{ taskId: a.id, leaseToken: a.leaseToken, volunteerId: 'v', done: 1 }
			],
			10_000
		);
		const expiry = async (id: number) => (await db.select({ at: tasks.leaseExpiresAt }).from(tasks).where(eq(tasks.id, id)))[0].at!;
		// a progressed: renewed, and the same renewal twice in a group gets the same answer.
		expect(answers[0]!.getTime()).toBeGreaterThan(a.leaseExpiresAt.getTime());
		expect(answers[0]!.getTime()).toBe((await expiry(a.id)).getTime());
		expect(answers[4]!.getTime()).toBe(answers[0]!.getTime());
		// b stalled: still its holder's, not renewed; v presenting b's token is not its holder; a forged token is no one's.
		expect(answers[1]!.getTime()).toBe(b.leaseExpiresAt.getTime());
		expect((await expiry(b.id)).getTime()).toBe(b.leaseExpiresAt.getTime());
		expect(answers.slice(2, 4)).toEqual([null, null]);
	});

	it.runIf(kind === 'postgres')(
		'passes over a row another transaction holds and renews it after, holding nothing meanwhile, so it cannot deadlock with a settlement',
		async () => {
			await makeJob(db, 8, { chunkSize: 4 });
			const [a] = await claimFor(db, 'v', { leaseMs: 10_000, leaseMaxMs: 400_000 });
			const [b] = await claimFor(db, 'w', { leaseMs: 10_000, leaseMaxMs: 400_000 });
			const expiry = async (id: number) => (await db.select({ at: tasks.leaseExpiresAt }).from(tasks).where(eq(tasks.id, id)))[0].at!;
			let renewals: Promise<(Date | null)[]> | undefined;
			await db.transaction(async (tx) => {
				// As a result's settlement holds b and then wants a: a group holding a while it waits for b would deadlock with it.
				await tx.execute(sql`select 1 from tasks where id = ${b.id} for update`);
				renewals = renewLeases(
					db,
					[
						{ taskId: a.id, leaseToken: a.leaseToken, volunteerId: 'v', done: 1 },
						{ taskId: b.id, leaseToken: b.leaseToken, volunteerId: 'w', done: 1 }
					],
					10_000
				);
				await expect.poll(async () => (await expiry(a.id)).getTime(), { timeout: 5_000 }).toBeGreaterThan(a.leaseExpiresAt.getTime());
				await tx.execute(sql`set local lock_timeout = '3s'`);
				await tx.execute(sql`select 1 from tasks where id = ${a.id} for update`);
				expect((await expiry(b.id)).getTime()).toBe(b.leaseExpiresAt.getTime());
			});
			// Once the settlement is over, b is renewed too.
			const [untilA, untilB] = await renewals!;
			expect(untilA!.getTime()).toBe((await expiry(a.id)).getTime());
			expect(untilB!.getTime()).toBeGreaterThan(b.leaseExpiresAt.getTime());
			expect(untilB!.getTime()).toBe((await expiry(b.id)).getTime());
		}
	);
});
