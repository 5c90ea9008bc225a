import { sql, type SQL } from 'drizzle-orm';
import { tasks } from '../db/schema';

/** The columns that end a lease, whatever comes next. */
export const endLease = {
	leaseToken: null,
	leaseSession: null,
	leaseVolunteer: null,
	leaseExpiresAt: null,
	leasedAt: null
} as const;

export interface FailurePolicy {
	/** A task whose failures reach this is dead. */
	maxFailures: number;
	/** The first retry waits this long; each further one twice as long, up to MAX_BACKOFF_MS. */
	backoffMs: number;
}

/**
 * The longest a failed task waits before it is leased again (a longer configured first wait is kept).
 * Unbounded doubling outgrew any job (the 21st retry of a 1 s back-off waited 12 days) and, from the
 * 44th, PostgreSQL's interval range: the update that counts the failure threw, so the task stayed
 * leased, and the reaper's batch update failed for every expired lease with it. An hour still spaces
 * out a task that keeps failing, and lets its job finish soon after the cause is fixed.
 */
export const MAX_BACKOFF_MS = 3_600_000;
/** Past this many doublings every back-off is at the cap; stopping there keeps power() finite. */
const MAX_DOUBLINGS = 32;

/**
 * The update that counts one failed attempt: back to the queue after an exponential back-off,
 * or dead once `maxFailures` is reached. Shared by error reports, rejected outputs and expiries
 * so the three can never disagree on what a failure costs.
 */
export function failedAttempt(policy: FailurePolicy, error: string | SQL) {
	const dead = sql`${tasks.failures} + 1 >= ${policy.maxFailures}`;
	return {
		...endLease,
		solo: false,
		state: sql`case when ${dead} then 'dead' else 'queued' end`,
		failures: sql`${tasks.failures} + 1`,
		lastError: typeof error === 'string' ? error.slice(0, 2000) : error,
		availableAt: sql`now() + least(${policy.backoffMs} * power(2, least(${tasks.failures}, ${MAX_DOUBLINGS})), ${Math.max(policy.backoffMs, MAX_BACKOFF_MS)}) * interval '1 millisecond'`,
		finishedAt: sql`case when ${dead} then now() else null end`
	};
}
