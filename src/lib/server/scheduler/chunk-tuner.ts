/**
 * Keeps the chunks of running jobs near the target task duration as measurements arrive: at each sweep,
 * a running job whose own measured throughput asks for chunks at least REBALANCE_RATIO times larger or
 * smaller than its latest ones has its untouched tail re-chunked (rechunk-job.ts). The ratio is the
 * hysteresis that keeps a job from being reshaped at every small change of pace.
 *
 * Which jobs are the hub's to resize is stored with the job (jobs.chunk_size_auto, set when its submitter named
 * no chunk size), so every hub process tunes every such job, also after a restart; a submitter's size is
 * never overridden. Two processes sweeping at once cannot both re-chunk a job: rechunkJob takes the job's
 * row with SKIP LOCKED.
 */
import { and, asc, sql } from 'drizzle-orm';
import { jobs } from '../db/schema';
import type { Db } from '../db';
import { chunkSizeFor, type ChunkSizing } from './chunk-sizing';
import { measureThroughput } from './measure-throughput';
import { rechunkJob, type Rechunked } from './rechunk-job';
import { stateIn } from '../db/schema/states';

/** Re-chunk only when the measured size is this many times the current one, or this many times smaller. */
export const REBALANCE_RATIO = 2;
/** Jobs looked at per sweep, oldest first: a bound on one sweep's work, whatever the queue holds. */
const MAX_PER_SWEEP = 100;

export interface Tuned {
	changed: (Rechunked & { size: number })[];
	/** Jobs whose re-chunking threw (rolled back, left as they were), for the caller to log. */
	failed: { jobId: string; err: unknown }[];
}

/**
 * Re-chunks the open hub-sized jobs whose pace calls for it. One job's failure is reported, not thrown, so
 * it cannot stop the others from being tuned.
 */
export async function tuneChunks(db: Db, sizing: ChunkSizing): Promise<Tuned> {
	const tuned: Tuned = { changed: [], failed: [] };
	if (sizing.targetTaskMs <= 0) return tuned;
	for (const job of await tunableJobs(db)) {
		if (job.status !== 'running') continue;
		const measured = await measureThroughput(db, { jobId: job.id });
		if (!measured) continue;
		const size = chunkSizeFor(measured.inputsPerSecond, sizing.targetTaskMs);
		if (size < job.size * REBALANCE_RATIO && size * REBALANCE_RATIO > job.size) continue;
		try {
			const done = await rechunkJob(db, job.id, size);
			if (done) tuned.changed.push({ ...done, size });
		} catch (err) {
			tuned.failed.push({ jobId: job.id, err });
		}
	}
	return tuned;
}

/**
 * The open hub-sized jobs (jobs_tuned_idx), each with the size of its latest chunking: the larger of its last
 * two chunks (the last may be a remainder), from their first inputs through tasks_job_idx.
 */
async function tunableJobs(db: Db) {
	const start = (back: number) =>
		// Written out: drizzle leaves column names unqualified in a select list, where "id" would be the task's.
		sql<number | null>`(select t.first_input from tasks t where t.job_id = jobs.id and t.seq = jobs.total_tasks - ${back} limit 1)`;
	const rows = await db
		.select({ id: jobs.id, status: jobs.status, totalInputs: jobs.totalInputs, last: start(1), previous: start(2) })
		.from(jobs)
		// The bare column, not `= $1`: like the literal states, it keeps jobs_tuned_idx's predicate within a generic plan's reach.
		.where(and(sql`${jobs.chunkSizeAuto}`, stateIn(jobs.status, ['queued', 'running'])))
		.orderBy(asc(jobs.createdAt))
		.limit(MAX_PER_SWEEP);
	return rows.map((r) => {
		const last = Number(r.last ?? 0);
		const size = Math.max(r.totalInputs - last, r.previous === null ? 0 : last - Number(r.previous));
		return { id: r.id, status: r.status, size };
	});
}
