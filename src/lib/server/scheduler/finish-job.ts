import { and, eq, sql, type Placeholder } from 'drizzle-orm';
import { acceptedResults, jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import type { JobStatus } from '../../protocol/jobs';
import { isJobWork } from './job-work';
import { jobEventsInsert } from '../webhooks/enqueue-events';
import { rowsOf } from '../db/rows';
import { builtOnce } from '../db/built-once';
import { isOpen } from './chunk-fate';
import { stateIn } from '../db/schema/states';

/**
 * Moves jobs to `completed` (every chunk accepted) or `failed` (some chunk died) once none of their
 * replicas is queued or leased: one job, or (without an id, as the sweeper's backstop) every open job.
 *
 * Call it after the transaction that settled a chunk has committed. Two volunteers finishing the last
 * two chunks at once each run this after their own commit, so the later one always sees both done;
 * checking inside the transaction could let both see the other's still open. Idempotent: only a job
 * still queued or running changes, and only once.
 */
export async function finishJobs(db: Db, jobId?: string): Promise<{ id: string; status: JobStatus }[]> {
	return rowsOf<{ id: string; status: JobStatus }>(await (jobId === undefined ? finishEvery(db, {}) : finishOne(db, { jobId })));
}

/**
 * One statement: the final statuses and their webhook events are written together or not at all (a
 * crash can lose neither alone), in one round trip where a transaction would take three. Its text is
 * built once (built-once.ts): every accepted chunk runs it.
 */
const finishing = (jobId?: Placeholder) => (db: Db) =>
	sql`with finished as (${finishJobsStatement(db, jobId).getSQL()}),
		events as (${jobEventsInsert(sql`finished`)})
		select id, status from finished`;
const finishOne = builtOnce<{ jobId: string }>(finishing(sql.placeholder('jobId')));
const finishEvery = builtOnce(finishing());

/** finishJobs's statement, not yet run (query-plans.spec.ts checks how PostgreSQL runs it). */
export function finishJobsStatement(db: Db, jobId?: string | Placeholder) {
	const open = db
		.select({ one: sql`1` })
		.from(tasks)
		// Checks of accepted chunks (job-work.ts) are not the job's work: it never waits for them.
		.where(and(eq(tasks.jobId, jobs.id), isOpen(tasks.state), isJobWork()));
	const accepted = db
		.select({ n: sql`count(*)` })
		.from(acceptedResults)
		.where(eq(acceptedResults.jobId, jobs.id));
	const allAccepted = sql`(${accepted}) = ${jobs.totalTasks}`;
	return (
		db
			.update(jobs)
			.set({
				status: sql`case when ${allAccepted} then 'completed' else 'failed' end`,
				error: sql`case when ${allAccepted} then null else 'some chunks could not be computed or agreed on; see errors' end`,
				finishedAt: sql`now()`
			})
			.where(and(jobId ? eq(jobs.id, jobId) : undefined, stateIn(jobs.status, ['queued', 'running']), sql`not exists (${open})`))
			// What the job's webhook event carries (enqueue-events.ts), under the columns' own names.
			.returning({
				id: jobs.id,
				status: jobs.status,
				task_type: jobs.taskType,
				model_id: jobs.modelId,
				total_inputs: jobs.totalInputs,
				error: jobs.error,
				created_at: jobs.createdAt,
				finished_at: jobs.finishedAt,
				owner_key_id: jobs.ownerKeyId
			})
	);
}

/** finishJobs for one job: its new status, or null when it is not finished (or already was). */
export async function finishJobIfDone(db: Db, jobId: string): Promise<JobStatus | null> {
	const [row] = await finishJobs(db, jobId);
	return row?.status ?? null;
}
