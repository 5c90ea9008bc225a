import { and, eq, inArray, sql } from 'drizzle-orm';
import { acceptedResults, jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import type { JobStatus } from '../../protocol/jobs';

/**
 * Moves a job to `completed` (every chunk accepted) or `failed` (some chunk died) once no replica is
 * queued or leased.
 *
 * Call it after the transaction that settled a chunk has committed. Two volunteers finishing the last
 * two chunks at once each run this after their own commit, so the later one always sees both done;
 * checking inside the transaction could let both see the other's still open. Idempotent: only a job
 * still queued or running changes, and only once.
 */
export async function finishJobIfDone(db: Db, jobId: string): Promise<JobStatus | null> {
	const open = db
		.select({ one: sql`1` })
		.from(tasks)
		.where(and(eq(tasks.jobId, jobId), inArray(tasks.state, ['queued', 'leased'])));
	const accepted = db.select({ n: sql`count(*)` }).from(acceptedResults).where(eq(acceptedResults.jobId, jobId));
	const allAccepted = sql`(${accepted}) = ${jobs.totalTasks}`;
	const [row] = await db
		.update(jobs)
		.set({
			status: sql`case when ${allAccepted} then 'completed' else 'failed' end`,
			error: sql`case when ${allAccepted} then null else 'some chunks could not be computed or agreed on; see errors' end`,
			finishedAt: sql`now()`
		})
		.where(and(eq(jobs.id, jobId), inArray(jobs.status, ['queued', 'running']), sql`not exists (${open})`))
		.returning({ status: jobs.status });
	return row?.status ?? null;
}
