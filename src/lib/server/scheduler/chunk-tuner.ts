/**
 * Keeps the chunks of running jobs near the target task duration as measurements arrive: at each sweep,
 * a running job whose own measured throughput asks for chunks at least REBALANCE_RATIO times larger or
 * smaller than its latest ones has its untouched tail re-chunked (rechunk-job.ts). The ratio is the
 * hysteresis that keeps a job from being reshaped at every small change of pace.
 *
 * Which jobs are the hub's to resize is known only to the hub process that queued them: nothing stored
 * says whether a job's chunk size was its submitter's, and a submitter's size must never be overridden.
 * So a job queued by another hub process, or before a restart, keeps the chunks it has; jobs queued
 * later still start at the measured size (chunk-sizing.ts).
 */
import { and, inArray, sql } from 'drizzle-orm';
import { jobs } from '../db/schema';
import type { Db } from '../db';
import { chunkSizeFor, hubSizesChunks, type ChunkSizing } from './chunk-sizing';
import { measureThroughput } from './measure-throughput';
import { rechunkJob, type Rechunked } from './rechunk-job';

/** Re-chunk only when the measured size is this many times the current one, or this many times smaller. */
export const REBALANCE_RATIO = 2;
/** Jobs one process keeps resizing at once; later ones keep the size they were queued with until some finish. */
const MAX_TRACKED = 1000;

export class ChunkTuner {
	readonly #jobs = new Set<string>();

	constructor(private readonly sizing: ChunkSizing) {}

	/** A job was queued here: it is resized while it runs when its submitter named no chunk size. */
	queued(jobId: string, explicitChunkSize: number | undefined) {
		if (hubSizesChunks(this.sizing, explicitChunkSize) && this.#jobs.size < MAX_TRACKED) this.#jobs.add(jobId);
	}

	/**
	 * Re-chunks the tracked jobs whose pace calls for it (and forgets the ones that ended); what changed.
	 * A job whose re-chunking throws is forgotten before the error is passed on, so it cannot fail every sweep.
	 */
	async tune(db: Db): Promise<(Rechunked & { size: number })[]> {
		if (this.#jobs.size === 0) return [];
		const live = await latestChunkSizes(db, [...this.#jobs]);
		for (const id of this.#jobs) if (!live.has(id)) this.#jobs.delete(id);
		const changed: (Rechunked & { size: number })[] = [];
		for (const [jobId, job] of live) {
			if (job.status !== 'running') continue;
			const measured = await measureThroughput(db, { jobId });
			if (!measured) continue;
			const size = chunkSizeFor(measured.inputsPerSecond, this.sizing.targetTaskMs);
			if (size < job.size * REBALANCE_RATIO && size * REBALANCE_RATIO > job.size) continue;
			const done = await rechunkJob(db, jobId, size).catch((err) => {
				this.#jobs.delete(jobId);
				throw err;
			});
			if (done) changed.push({ ...done, size });
		}
		return changed;
	}
}

/**
 * The tracked jobs still open, each with the size of its latest chunking: the larger of its last two
 * chunks (the last may be a remainder), from their first inputs through tasks_job_idx.
 */
async function latestChunkSizes(db: Db, ids: string[]) {
	const start = (back: number) =>
		// Written out: drizzle leaves column names unqualified in a select list, where "id" would be the task's.
		sql<number | null>`(select t.first_input from tasks t where t.job_id = jobs.id and t.seq = jobs.total_tasks - ${back} limit 1)`;
	const rows = await db
		.select({ id: jobs.id, status: jobs.status, totalInputs: jobs.totalInputs, last: start(1), previous: start(2) })
		.from(jobs)
		.where(and(inArray(jobs.id, ids), inArray(jobs.status, ['queued', 'running'])));
	return new Map(
		rows.map((r) => {
			const last = Number(r.last ?? 0);
			const size = Math.max(r.totalInputs - last, r.previous === null ? 0 : last - Number(r.previous));
			return [r.id, { status: r.status, size }];
		})
	);
}
