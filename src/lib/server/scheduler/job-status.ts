import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { jobs, results, tasks } from '../db/schema';
import type { Db } from '../db';
import { PRIORITIES, type JobStatusView, type PriorityName, type TaskState } from '../../protocol/jobs';

const priorityName = Object.fromEntries(Object.entries(PRIORITIES).map(([k, v]) => [v, k])) as Record<
	number,
	PriorityName
>;

/** A job as the status endpoints show it; `result` is filled once no task is left to run (unless not wanted). */
export async function getJobStatus(db: Db, jobId: string, opts = { withResult: true }): Promise<JobStatusView | null> {
	const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId));
	if (!job) return null;
	const counts = await taskCounts(db, jobId);
	const finished = job.status === 'completed' || job.status === 'failed';
	return {
		task_id: job.id,
		status: job.status,
		task_type: job.taskType,
		model: job.modelId,
		priority: priorityName[job.priority] ?? 'normal',
		progress: { done: counts.doneInputs, total: job.totalInputs },
		tasks: { total: job.totalTasks, ...counts.byState },
		created_at: job.createdAt.toISOString(),
		started_at: job.startedAt?.toISOString() ?? null,
		finished_at: job.finishedAt?.toISOString() ?? null,
		error: job.error,
		result: finished && opts.withResult ? await collectOutputs(db, jobId, job.totalInputs) : null
	};
}

async function taskCounts(db: Db, jobId: string) {
	const rows = await db
		.select({
			state: tasks.state,
			count: sql<number>`count(*)::int`,
			inputs: sql<number>`coalesce(sum(jsonb_array_length(${tasks.inputs})), 0)::int`
		})
		.from(tasks)
		.where(eq(tasks.jobId, jobId))
		.groupBy(tasks.state);
	const byState: Record<'done' | 'leased' | 'queued' | 'dead', number> = { done: 0, leased: 0, queued: 0, dead: 0 };
	let doneInputs = 0;
	for (const row of rows) {
		if (row.state in byState) byState[row.state as keyof typeof byState] = row.count;
		if (row.state === ('done' satisfies TaskState)) doneInputs = row.inputs;
	}
	return { byState, doneInputs };
}

/** Every input's output in input order; inputs of tasks that died stay null. */
async function collectOutputs(db: Db, jobId: string, total: number): Promise<unknown[]> {
	const out: unknown[] = new Array(total).fill(null);
	for await (const page of resultPages(db, jobId)) {
		for (const row of page) row.output.forEach((o, k) => (out[row.firstInput + k] = o));
	}
	return out;
}

/** Accepted results of a job, a page of tasks at a time in input order, so a large job streams in bounded memory. */
export async function* resultPages(db: Db, jobId: string, pageSize = 200) {
	let afterSeq = -1;
	for (;;) {
		const page = await db
			.select({ seq: tasks.seq, firstInput: tasks.firstInput, inputs: tasks.inputs, output: results.output })
			.from(tasks)
			.innerJoin(results, eq(results.taskId, tasks.id))
			.where(and(eq(tasks.jobId, jobId), gt(tasks.seq, afterSeq)))
			.orderBy(asc(tasks.seq))
			.limit(pageSize);
		if (page.length === 0) return;
		yield page;
		afterSeq = page[page.length - 1].seq;
	}
}
