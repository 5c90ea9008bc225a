import { and, eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { tasks } from '../db/schema';

/** The columns that end a lease, whatever comes next. */
export const endLease = {
	leaseToken: null,
	leaseSession: null,
	leaseVolunteer: null,
	leaseExpiresAt: null,
	leasedAt: null,
	deadlineAt: null,
	progress: 0,
	progressAt: null
} as const;

/**
 * `endLease` as a raw SQL SET list, for statements written as SQL (accept-unreplicated.ts): derived from
 * the object above, so the two spellings cannot drift.
 */
export const endLeaseAssignments = sql.join(
	Object.entries(endLease).map(([key, value]) => sql`${sql.identifier(tasks[key as keyof typeof endLease].name)} = ${value}`),
	sql`, `
);

/**
 * A lease given back: not a failure. The task goes straight back to the queue, its failure count
 * untouched. A solo grant was for its holder alone, so it ends with the lease and the chunk is
 * replicated again.
 */
export const releasedLease = { ...endLease, solo: false, state: 'queued' as const, availableAt: sql`now()` };

/** Who presents a lease: the task, the token it was leased under, and the volunteer it was leased to. */
export interface LeaseClaim {
	taskId: number;
	leaseToken: string;
	volunteerId: string;
}

/**
 * The lease fence: the task row still leased under this token to this volunteer. Every write by a
 * holder (result, failure, renewal, release, checkpoint) matches only this, so a late, replayed or
 * forged message changes nothing. The one definition: raw SQL interpolates it too, and a batch
 * passes its input's columns instead of values (accept-unreplicated.ts).
 *
 * Its rows are found by id (tasks_pkey), and the state is tested on an expression, not on the bare column, so
 * that no partial index on leased tasks can serve the statement instead: the planner prefers one of those while
 * the statistics still say almost nothing is leased (a large job just started, not yet analysed), and then reads
 * every live lease for each group of results or renewals. In bench/dispatch's busy part, 10,000 live leases, that
 * was 30 ms a group of hand-ins and up to a second a group of renewals, which then deadlocked with each other.
 */
export function heldLease(l: LeaseClaim | { taskId: SQL; leaseToken: SQL; volunteerId: SQL }): SQL {
	return and(
		eq(tasks.id, l.taskId),
		eq(tasks.leaseToken, l.leaseToken),
		eq(tasks.leaseVolunteer, l.volunteerId),
		sql`(${tasks.state} || '') = 'leased'`
	)!;
}

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
 * How a lease failed: `reported` (the holder sent task:fail or a rejected output) or `expired` (it
 * went silent). A silent holder is recorded as `~id`: its failure counts, but it is not barred from
 * the task (a dropped connection is no reason to distrust it), while one that reported a failure is.
 */
export type FailureKind = 'reported' | 'expired';

/** The entry a failure of this kind adds to `failed_by`: the holder's id, marked `~` for an expiry. */
function failureEntry(kind: FailureKind) {
	const holder = sql`coalesce(${tasks.leaseVolunteer}, '')`;
	return kind === 'expired' ? sql`('~' || ${holder})` : holder;
}

/**
 * Whether this failure counts: only a volunteer that has not failed the task before (in either way)
 * adds to `failures`. So one identity cannot kill a task by failing it repeatedly: dead takes
 * `maxFailures` distinct volunteers (BOINC counts errors per host the same way).
 */
const counts = sql`(select count(*) from unnest(${tasks.failedBy}) f where ltrim(f, '~') = coalesce(${tasks.leaseVolunteer}, '')) = 0`;

/**
 * The claim filter: `volunteerId` reported a failure of this task row (`table` is tasks or an alias of
 * it), so it is never leased it (or a replica or duplicate beside it) again.
 */
export function failedBy(table: { failedBy: SQLWrapper }, volunteerId: string | SQLWrapper) {
	return sql`${volunteerId} = any(${table.failedBy})`;
}

/**
 * The update that counts one failed attempt: back to the queue after an exponential back-off,
 * or dead once `maxFailures` distinct volunteers failed it (the one definition of a dead task). Shared
 * by error reports, rejected outputs and expiries so the three can never disagree on what a failure costs.
 */
export function failedAttempt(policy: FailurePolicy, error: string | SQL, kind: FailureKind) {
	const added = sql`(case when ${counts} then 1 else 0 end)`;
	const dead = sql`${tasks.failures} + ${added} >= ${policy.maxFailures}`;
	const entry = failureEntry(kind);
	return {
		...endLease,
		solo: false,
		state: sql`case when ${dead} then 'dead' else 'queued' end`,
		failures: sql`${tasks.failures} + ${added}`,
		failedBy: sql`case when ${entry} = any(${tasks.failedBy}) then ${tasks.failedBy} else array_append(${tasks.failedBy}, ${entry}) end`,
		lastError: typeof error === 'string' ? error.slice(0, 2000) : error,
		availableAt: sql`now() + least(${policy.backoffMs} * power(2, least(${tasks.failures}, ${MAX_DOUBLINGS})), ${Math.max(policy.backoffMs, MAX_BACKOFF_MS)}) * interval '1 millisecond'`,
		finishedAt: sql`case when ${dead} then now() else null end`
	};
}
