import { describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import { TEST_DB_KINDS } from '../db/testing';
import type { Db } from '../db';
import { failTask } from './fail-task';
import { releaseExpiredLeases } from './release-expired-leases';
import { MAX_BACKOFF_MS } from './lease-transitions';
import { claimFor, makeJob, seedModel, seedVolunteers, seededDatabase } from './testing';

describe.each(TEST_DB_KINDS)('retry back-off on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['v']);
		},
		(opened) => (db = opened)
	);

	/** A leased task that has already failed `failures` times, failed once more; returns the wait before it may run again (ms). */
	async function waitAfterFailure(failures: number, backoffMs: number, expire = false): Promise<number> {
		await makeJob(db, 1);
		const [t] = await claimFor(db, 'v');
		await db.update(tasks).set({ failures }).where(eq(tasks.id, t.id));
		const policy = { maxFailures: 10_000, backoffMs, tolerance: 1e-3 };
		if (expire) {
			await db
				.update(tasks)
				.set({ leaseExpiresAt: sql`now() - interval '1 second'` })
				.where(eq(tasks.id, t.id));
			expect((await releaseExpiredLeases(db, policy)).taskIds).toEqual([t.id]);
		} else {
			expect(await failTask(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'v', error: 'x' }, policy)).toMatchObject({
				state: 'queued'
			});
		}
		const [row] = await db
			.select({ wait: sql<number>`extract(epoch from ${tasks.availableAt} - now()) * 1000` })
			.from(tasks)
			.where(eq(tasks.id, t.id));
		return Number(row.wait);
	}

	it('doubles the wait with each failure', async () => {
		expect(await waitAfterFailure(0, 1000)).toBeCloseTo(1000, -3);
		await db.delete(tasks);
		expect(await waitAfterFailure(3, 1000)).toBeCloseTo(8000, -3);
	});

	it('waits at most MAX_BACKOFF_MS, however many failures came before', async () => {
		// 2^12 s is over an hour: the doubling stops at the cap.
		expect(await waitAfterFailure(12, 1000)).toBeCloseTo(MAX_BACKOFF_MS, -3);
		await db.delete(tasks);
		// Unbounded, 2^60 s overflowed PostgreSQL's timestamps: the update threw and the task stayed leased.
		expect(await waitAfterFailure(60, 1000)).toBeCloseTo(MAX_BACKOFF_MS, -3);
		await db.delete(tasks);
		// The reaper's batch update shares the rule: one such task used to fail every expiry sweep.
		expect(await waitAfterFailure(5000, 1000, true)).toBeCloseTo(MAX_BACKOFF_MS, -3);
	});

	it('never shortens a configured first wait longer than the cap', async () => {
		expect(await waitAfterFailure(0, 2 * MAX_BACKOFF_MS)).toBeCloseTo(2 * MAX_BACKOFF_MS, -3);
		await db.delete(tasks);
		expect(await waitAfterFailure(4, 2 * MAX_BACKOFF_MS)).toBeCloseTo(2 * MAX_BACKOFF_MS, -3);
	});
});

describe.each(TEST_DB_KINDS)('failures counted per distinct volunteer on %s', (kind) => {
	let db: Db;
	seededDatabase(
		kind,
		async (d) => {
			await seedModel(d);
			await seedVolunteers(d, ['a', 'b', 'c']);
		},
		(opened) => (db = opened)
	);
	const policy = { maxFailures: 2, backoffMs: 0, tolerance: 1e-3 };

	async function taskRow() {
		const [row] = await db.select({ state: tasks.state, failures: tasks.failures, failedBy: tasks.failedBy }).from(tasks);
		return row;
	}

	it('never leases a task again to a volunteer that reported its failure, and a dead task takes distinct volunteers', async () => {
		await makeJob(db, 1);
		const [t] = await claimFor(db, 'a');
		await failTask(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'a', error: 'x' }, policy);
		expect(await taskRow()).toEqual({ state: 'queued', failures: 1, failedBy: ['a'] });
		// Under another session, too: the bar is on the identity.
		expect(await claimFor(db, 'a', { sessionId: 'a-second-tab' })).toEqual([]);
		const [again] = await claimFor(db, 'b');
		await failTask(db, { taskId: again.id, leaseToken: again.leaseToken, volunteerId: 'b', error: 'y' }, policy);
		expect(await taskRow()).toEqual({ state: 'dead', failures: 2, failedBy: ['a', 'b'] });
	});

	it('counts a volunteer whose leases keep expiring once, and lets it try again', async () => {
		await makeJob(db, 1);
		for (let i = 0; i < 3; i++) {
			const [t] = await claimFor(db, 'a');
			expect(t, `lease ${i}`).toBeDefined();
			await db
				.update(tasks)
				.set({ leaseExpiresAt: sql`now() - interval '1 second'` })
				.where(eq(tasks.id, t.id));
			await releaseExpiredLeases(db, policy);
		}
		expect(await taskRow()).toEqual({ state: 'queued', failures: 1, failedBy: ['~a'] });
		// Its later report of a failure is the same volunteer: recorded (so it is barred) but not counted again.
		const [t] = await claimFor(db, 'a');
		await failTask(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'a', error: 'x' }, policy);
		expect(await taskRow()).toEqual({ state: 'queued', failures: 1, failedBy: ['~a', 'a'] });
		expect(await claimFor(db, 'a')).toEqual([]);
	});

	it('does not give a replicated chunk to a volunteer that failed a replica of it', async () => {
		await makeJob(db, 1, { replication: 2 });
		const [t] = await claimFor(db, 'a');
		await failTask(db, { taskId: t.id, leaseToken: t.leaseToken, volunteerId: 'a', error: 'x' }, policy);
		expect(await claimFor(db, 'a', { slots: 2 })).toEqual([]);
		expect(await claimFor(db, 'b', { slots: 2 })).toHaveLength(1);
	});
});
