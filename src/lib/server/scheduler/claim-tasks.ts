import { and, asc, desc, eq, inArray, lte, notInArray, sql } from 'drizzle-orm';
import { jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import type { TaskType } from '../../protocol/models';

export interface ClaimRequest {
	sessionId: string;
	volunteerId: string;
	slots: number;
	/** Only tasks of these types are leased: what the volunteer's executor can run. */
	taskTypes: TaskType[];
	/** Models this volunteer cannot run (WebLLM models beyond its GPU): their tasks are left for others. */
	excludeModels?: string[];
	leaseMs: number;
}

export type ClaimedTask = Awaited<ReturnType<typeof claimTasks>>[number];

/**
 * Leases up to `slots` queued tasks to one volunteer session, atomically.
 *
 * Locking: the inner SELECT takes row locks with FOR UPDATE SKIP LOCKED, so concurrent claims from
 * any number of hub processes never wait on each other and never see the same row: a row locked by
 * another claim is skipped, not double-leased. `= ANY(ARRAY(subquery))` makes PostgreSQL evaluate
 * the subquery exactly once as an init-plan; with `IN (subquery … LIMIT n)` the planner may rescan
 * it and lock more than `slots` rows. Each lease gets a fresh random token: the only key that can
 * later complete, renew or release it (fencing).
 */
export async function claimTasks(db: Db, req: ClaimRequest) {
	const candidates = db
		.select({ id: tasks.id })
		.from(tasks)
		.where(
			and(
				eq(tasks.state, 'queued'),
				lte(tasks.availableAt, sql`now()`),
				inArray(tasks.taskType, req.taskTypes),
				req.excludeModels?.length ? notInArray(tasks.modelId, req.excludeModels) : undefined
			)
		)
		.orderBy(desc(tasks.priority), asc(tasks.id))
		.limit(req.slots)
		.for('update', { skipLocked: true });

	const claimed = await db
		.update(tasks)
		.set({
			state: 'leased',
			leaseToken: sql`gen_random_uuid()`,
			leaseSession: req.sessionId,
			leaseVolunteer: req.volunteerId,
			leaseExpiresAt: sql`now() + ${req.leaseMs} * interval '1 millisecond'`,
			attempts: sql`${tasks.attempts} + 1`
		})
		.from(jobs)
		.where(and(sql`${tasks.id} = ANY(ARRAY(${candidates}))`, eq(jobs.id, tasks.jobId)))
		.returning({
			id: tasks.id,
			jobId: tasks.jobId,
			params: jobs.params,
			taskType: tasks.taskType,
			modelId: tasks.modelId,
			inputs: tasks.inputs,
			leaseToken: tasks.leaseToken,
			leaseExpiresAt: tasks.leaseExpiresAt
		});
	if (claimed.length > 0) await markJobsRunning(db, [...new Set(claimed.map((t) => t.jobId))]);
	return claimed.map((t) => ({ ...t, leaseToken: t.leaseToken!, leaseExpiresAt: t.leaseExpiresAt! }));
}

/** The first lease of a job starts it. Only a queued job changes, so this is a no-op for running ones. */
async function markJobsRunning(db: Db, jobIds: string[]) {
	await db
		.update(jobs)
		.set({ status: 'running', startedAt: sql`now()` })
		.where(and(inArray(jobs.id, jobIds), eq(jobs.status, 'queued')));
}
