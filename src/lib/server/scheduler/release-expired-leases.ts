import { and, eq, lt, sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { failedAttempt, releasedLease } from './lease-transitions';
import { lockChunk, retrying } from './locks';
import { validateChunk } from './validate-chunk';
import { VolunteerTally } from './volunteer-tally';
import type { SchedulerPolicy } from './complete-task';

/** Why a lease ended uncharged: its holder may have renewed it in vain (sweeper.ts decides when). */
export const EXPIRED_UNREACHED = 'lease expired while the hub could not reach its database: not counted as a failure';

/**
 * The reaper: leases past their expiry end as failed attempts (the holder went silent), or, where
 * `charge` is false because this hub lately could not reach its database, go back to the queue
 * uncounted: the holder's renewals may be what was lost, and a database outage must not make tasks die.
 *
 * Safe to run in every hub process at once. The UPDATE takes only rows nobody holds (SKIP LOCKED: a
 * row being completed right now is that completion's business) and re-checks each against its latest
 * version, so of two sweepers exactly one wins a row. Chunks whose replica died are then settled one
 * by one, each under its chunk lock (locks.ts). Returns the tasks expired (their holders should stop)
 * and the jobs touched (to finish any that ended).
 */
export async function releaseExpiredLeases(
	db: Db,
	policy: SchedulerPolicy,
	charge = true
): Promise<{ taskIds: number[]; jobIds: string[] }> {
	const expired = db
		.select({ id: tasks.id })
		.from(tasks)
		.where(and(eq(tasks.state, 'leased'), lt(tasks.leaseExpiresAt, sql`now()`)))
		.for('update', { skipLocked: true });
	const rows = await db
		.update(tasks)
		.set(
			charge
				? failedAttempt(policy, 'lease expired: the volunteer went silent', 'expired')
				: { ...releasedLease, lastError: EXPIRED_UNREACHED }
		)
		.where(and(sql`${tasks.id} = ANY(ARRAY(${expired}))`, eq(tasks.state, 'leased'), lt(tasks.leaseExpiresAt, sql`now()`)))
		.returning({ id: tasks.id, jobId: tasks.jobId, seq: tasks.seq, state: tasks.state });
	for (const r of rows.filter((r) => r.state === 'dead')) {
		await retrying(() =>
			db.transaction(async (tx) => {
				await lockChunk(tx, r.jobId, r.seq);
				const tally = new VolunteerTally();
				await validateChunk(tx, r.jobId, r.seq, policy, tally);
				await tally.apply(tx);
			})
		);
	}
	return { taskIds: rows.map((r) => r.id), jobIds: [...new Set(rows.map((r) => r.jobId))] };
}
