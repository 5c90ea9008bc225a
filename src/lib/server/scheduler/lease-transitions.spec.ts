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
