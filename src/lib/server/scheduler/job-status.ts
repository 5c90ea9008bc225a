import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { acceptedResults, jobs, results, tasks } from '../db/schema';
import type { Db } from '../db';
import { whyWaiting } from './job-waiting';
import { chunkFateOfGroup, type ChunkFate } from './chunk-fate';
import { PRIORITIES, type JobProgress, type PriorityName } from '../../protocol/jobs';
import type { JobStatusView } from '../../protocol/rest/jobs';
import { placeChunk } from './accepted-chunk';

const priorityName = Object.fromEntries(Object.entries(PRIORITIES).map(([k, v]) => [v, k])) as Record<number, PriorityName>;

/** A job as the status endpoints show it; `result` is filled once the job has finished (unless not wanted), `waiting` says why it is stuck. */
export async function getJobStatus(
	db: Db,
	jobId: string,
	opts: { withResult: boolean; distinctNetworks?: boolean; endedHint?: boolean } = { withResult: true }
): Promise<JobStatusView | null> {
	// Independent reads, sent together: a waiting /v1 request pays one round trip for them, not two or
	// three. The first page of results only when the caller was told the job ended (endedHint): a poll of
	// a running job would read results it does not show.
	const firstPage = opts.withResult && opts.endedHint ? resultPage(db, jobId, -1, RESULT_PAGE) : null;
	firstPage?.catch(() => {}); // read again below if wanted; unwanted, its failure is nobody's
	const [[job], chunks] = await Promise.all([db.select().from(jobs).where(eq(jobs.id, jobId)), chunkSummary(db, jobId)]);
	if (!job) return null;
	const finished = job.status === 'completed' || job.status === 'failed';
	return {
		job_id: job.id,
		status: job.status,
		task_type: job.taskType,
		model: job.modelId,
		priority: priorityName[job.priority] ?? 'normal',
		replication: job.replication,
		progress: { done: chunks.doneInputs, total: job.totalInputs },
		tasks: {
			total: job.totalTasks,
			done: chunks.done,
			leased: chunks.leased,
			queued: chunks.queued,
			dead: chunks.dead,
			cancelled: chunks.cancelled
		},
		errors: chunks.errors ?? [],
		created_at: job.createdAt.toISOString(),
		started_at: job.startedAt?.toISOString() ?? null,
		finished_at: job.finishedAt?.toISOString() ?? null,
		error: job.error,
		waiting: finished || job.status === 'cancelled' ? null : await whyWaiting(db, job, { distinctNetworks: opts.distinctNetworks ?? true }),
		corrections: job.corrections,
		corrected_at: job.correctedAt?.toISOString() ?? null,
		result: finished && opts.withResult ? await collectOutputs(db, jobId, job.totalInputs, firstPage) : null
	};
}

/**
 * A job's chunks counted by fate (chunk-fate.ts), the inputs of the done ones, and the dead ones listed:
 * one statement answering one row, so a client polling a large job costs one pass over its tasks in
 * PostgreSQL and nothing per chunk in the hub (reading a row per chunk cost the hub 0.7-1 s of CPU per
 * poll of a 100,000-task job, its event loop blocked throughout; BENCHMARKS.md, "10,000 vs 100,000 tasks").
 */
async function chunkSummary(db: Db, jobId: string) {
	// Read in the same statement, once: the job row is read beside this one, not before it.
	const jobCancelled = sql`exists (select 1 from ${jobs} where ${jobs.id} = ${jobId} and ${jobs.status} = 'cancelled')`;
	const chunk = db.$with('chunk').as(
		db
			.select({
				fate: chunkFateOfGroup(tasks.state, sql`${acceptedResults.seq} is not null`, jobCancelled).as('fate'),
				firstInput: sql<number>`min(${tasks.firstInput})`.as('first_input'),
				inputs: sql<number>`max(jsonb_array_length(${tasks.inputs}))`.as('inputs'),
				error: sql<string | null>`max(${tasks.lastError})`.as('error')
			})
			.from(tasks)
			.leftJoin(acceptedResults, and(eq(acceptedResults.jobId, tasks.jobId), eq(acceptedResults.seq, tasks.seq)))
			.where(eq(tasks.jobId, jobId))
			.groupBy(tasks.seq)
	);
	const count = (fate: ChunkFate) => sql<number>`count(*) filter (where ${chunk.fate} = ${fate})`.mapWith(Number);
	const dead = sql`jsonb_build_object('first_input', ${chunk.firstInput}, 'inputs', ${chunk.inputs}, 'error', coalesce(${chunk.error}, 'unknown'))`;
	const [row] = await db
		.with(chunk)
		.select({
			done: count('done'),
			leased: count('leased'),
			queued: count('queued'),
			dead: count('dead'),
			cancelled: count('cancelled'),
			doneInputs: sql<number>`coalesce(sum(${chunk.inputs}) filter (where ${chunk.fate} = 'done'), 0)`.mapWith(Number),
			// drizzle leaves a jsonb expression's text for a column to parse; PGlite hands it over parsed.
			errors: sql<
				JobStatusView['errors'] | null
			>`jsonb_agg(${dead} order by ${chunk.firstInput}) filter (where ${chunk.fate} = 'dead')`.mapWith(
				(v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as JobStatusView['errors'] | null
			)
		})
		.from(chunk);
	return row;
}

/** A job's status alone (null: no such job): what a waiter checks between its waits. */
export async function getJobState(db: Db, jobId: string): Promise<JobStatusView['status'] | null> {
	const [job] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId));
	return job?.status ?? null;
}

/** Accepted inputs so far: the cheap query behind live progress updates. */
export async function getJobProgress(db: Db, jobId: string): Promise<{ status: JobStatusView['status']; progress: JobProgress } | null> {
	const [job] = await db.select({ status: jobs.status, total: jobs.totalInputs }).from(jobs).where(eq(jobs.id, jobId));
	if (!job) return null;
	const [row] = await db
		.select({ done: sql<number>`coalesce(sum(jsonb_array_length(${tasks.inputs})), 0)::int` })
		.from(acceptedResults)
		.innerJoin(tasks, eq(tasks.id, acceptedResults.taskId))
		.where(eq(acceptedResults.jobId, jobId));
	return { status: job.status, progress: { done: row.done, total: job.total } };
}

/** Every input's output in input order; inputs of chunks that died stay null. `firstPage`: already asked for. */
async function collectOutputs(db: Db, jobId: string, total: number, firstPage: Promise<ResultPage> | null): Promise<unknown[]> {
	const out: unknown[] = new Array(total).fill(null);
	for await (const page of resultPages(db, jobId, RESULT_PAGE, firstPage)) {
		for (const row of page) placeChunk(out, { firstInput: row.firstInput, outputs: row.output });
	}
	return out;
}

/** Chunks of accepted results per page read. */
const RESULT_PAGE = 200;

type ResultPage = Awaited<ReturnType<typeof resultPage>>;

/** Accepted results of a job, a page of chunks at a time in input order, so a large job streams in bounded memory. */
export async function* resultPages(db: Db, jobId: string, pageSize = RESULT_PAGE, firstPage: Promise<ResultPage> | null = null) {
	let page = await (firstPage ?? resultPage(db, jobId, -1, pageSize));
	for (;;) {
		if (page.length > 0) yield page;
		// A short page is the last: no query to find nothing after it.
		if (page.length < pageSize) return;
		page = await resultPage(db, jobId, page[page.length - 1].seq, pageSize);
	}
}

/** The accepted results of chunks after `afterSeq`, at most `pageSize`, in input order. */
function resultPage(db: Db, jobId: string, afterSeq: number, pageSize: number) {
	return db
		.select({ seq: acceptedResults.seq, firstInput: tasks.firstInput, inputs: tasks.inputs, output: results.output })
		.from(acceptedResults)
		.innerJoin(results, eq(results.taskId, acceptedResults.taskId))
		.innerJoin(tasks, eq(tasks.id, acceptedResults.taskId))
		.where(and(eq(acceptedResults.jobId, jobId), gt(acceptedResults.seq, afterSeq)))
		.orderBy(asc(acceptedResults.seq))
		.limit(pageSize)
		.execute();
}
