import { and, eq, lt, sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { failedAttempt, type FailurePolicy } from './lease-transitions';

/**
 * The reaper: leases past their expiry end as failed attempts (the holder went silent).
 *
 * Safe to run in every hub process at once: it is one UPDATE whose WHERE is re-checked against the
 * latest row version, so of two sweepers (or a sweeper racing a late completion) exactly one wins
 * each row and the other skips it. Returns the jobs touched, so the caller can finish any that died.
 */
export async function releaseExpiredLeases(db: Db, policy: FailurePolicy): Promise<string[]> {
	const rows = await db
		.update(tasks)
		.set(failedAttempt(policy, 'lease expired: the volunteer went silent'))
		.where(and(eq(tasks.state, 'leased'), lt(tasks.leaseExpiresAt, sql`now()`)))
		.returning({ jobId: tasks.jobId });
	return [...new Set(rows.map((r) => r.jobId))];
}
