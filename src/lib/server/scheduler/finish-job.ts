import { and, eq, inArray, sql } from 'drizzle-orm';
import { jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import type { JobStatus } from '../../protocol/jobs';

/**
 * Moves a job to `completed` (or `failed` when a task died) once no task is queued or leased.
 *
 * Call it after the transaction that finished a task has committed. Two volunteers finishing the
 * last two tasks at once each run this after their own commit, so the later one always sees both
 * tasks done; checking inside the transaction could let both see the other's task still leased.
 * It is idempotent: only a job still queued or running changes, and only once.
 */
export async function finishJobIfDone(db: Db, jobId: string): Promise<JobStatus | null> {
	const open = db
		.select({ one: sql`1` })
		.from(tasks)
		.where(and(eq(tasks.jobId, jobId), inArray(tasks.state, ['queued', 'leased'])));
	const dead = db
		.select({ one: sql`1` })
		.from(tasks)
		.where(and(eq(tasks.jobId, jobId), eq(tasks.state, 'dead')));
	const [row] = await db
		.update(jobs)
		.set({
			status: sql`case when exists (${dead}) then 'failed' else 'completed' end`,
			error: sql`case when exists (${dead}) then 'some tasks failed too many times; see their errors' else null end`,
			finishedAt: sql`now()`
		})
		.where(and(eq(jobs.id, jobId), inArray(jobs.status, ['queued', 'running']), sql`not exists (${open})`))
		.returning({ status: jobs.status });
	return row?.status ?? null;
}
