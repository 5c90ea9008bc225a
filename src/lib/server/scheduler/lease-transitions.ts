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
	/** The first retry waits this long; each further one twice as long. */
	backoffMs: number;
}

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
		availableAt: sql`now() + ${policy.backoffMs} * power(2, ${tasks.failures}) * interval '1 millisecond'`,
		finishedAt: sql`case when ${dead} then now() else null end`
	};
}
