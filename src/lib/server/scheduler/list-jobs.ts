import { and, sql, desc, eq, lt } from 'drizzle-orm';
import { jobs, results, tasks } from '../db/schema';
import type { Db } from '../db';
import { isJobWork } from './job-work';

/**
 * Newest jobs first, a page at a time (`before` is the created_at of the last job of the previous page):
 * all of them (`owner` undefined, for the admin) or one key's.
 */
export async function listJobs(db: Db, limit: number, before?: Date, owner?: string) {
	return db
		.select({
			id: jobs.id,
			taskType: jobs.taskType,
			modelId: jobs.modelId,
			status: jobs.status,
			totalInputs: jobs.totalInputs,
			createdAt: jobs.createdAt,
			finishedAt: jobs.finishedAt
		})
		.from(jobs)
		.where(and(before ? lt(jobs.createdAt, before) : undefined, owner === undefined ? undefined : eq(jobs.ownerKeyId, owner)))
		.orderBy(desc(jobs.createdAt))
		.limit(limit);
}

/**
 * A job's replica tasks in chunk order, with who computed each and what the validator made of it: the job
 * page's task table. Checks of accepted work are no job's tasks (job-work.ts) and never listed.
 */
export async function listJobTasks(db: Db, jobId: string) {
	return db
		.select({
			seq: tasks.seq,
			replica: tasks.replica,
			state: tasks.state,
			solo: tasks.solo,
			firstInput: tasks.firstInput,
			inputs: tasks.inputs,
			attempts: tasks.attempts,
			failures: tasks.failures,
			lastError: tasks.lastError,
			checkpointed: sql<number>`coalesce(jsonb_array_length(${tasks.checkpoint}), 0)`.mapWith(Number),
			leaseSession: tasks.leaseSession,
			volunteerId: results.volunteerId,
			backend: results.backend,
			resultClass: results.backendClass,
			verdict: results.verdict,
			durationMs: results.durationMs
		})
		.from(tasks)
		.leftJoin(results, eq(results.taskId, tasks.id))
		.where(and(eq(tasks.jobId, jobId), isJobWork()))
		.orderBy(tasks.seq, tasks.replica);
}
