/**
 * How fast volunteers get through a kind of work: inputs per second per task, from recently accepted
 * results (results.duration_ms over the task's input count). Chunk sizing (chunk-sizing.ts) multiplies it
 * by the target task duration.
 *
 * Durations are the volunteers' word, so the estimate is built to survive liars: only accepted results
 * count, each volunteer adds at most PER_VOLUNTEER of its newest ones (one fast reporter cannot fill the
 * sample), and the estimate is the sample's median (percentile_disc: a real sample, never a value
 * interpolated towards an outlier). Below MIN_RESULTS there is no estimate: one result alone never sizes a job.
 *
 * Cost: every query reads at most SCAN results through an index, newest first, and looks up each
 * chunk's size by its neighbour's first_input (tasks_job_idx) rather than reading its inputs, which may
 * be large (query-plans.spec.ts pins the plans).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
import type { TaskType } from '../../protocol/models';

/** Results the median is taken over. */
export const SAMPLE = 50;
/** At most this many of one volunteer's results in a sample. */
export const PER_VOLUNTEER = 5;
/** Fewer usable results than this: no estimate. */
export const MIN_RESULTS = 3;
/** Results older than this are not today's volunteers. */
const WINDOW = sql`interval '1 hour'`;
/** Newest results read per estimate at most: a model rarely run beside a busy one stays unmeasured rather than searched for. */
const SCAN = 1000;
/** A job's own latest results read at most: all of them are its model's, so fewer do (the tuner reads this at every sweep). */
const JOB_SCAN = 4 * SAMPLE;

export type ThroughputScope = { jobId: string } | { modelId: string; taskType: TaskType };

export interface Throughput {
	/** Inputs per second per task, the sample's median. */
	inputsPerSecond: number;
	/** Results the median was taken over. */
	results: number;
}

/** The median throughput of `scope`'s recent accepted results, or null with too few of them. */
export async function measureThroughput(db: Db, scope: ThroughputScope): Promise<Throughput | null> {
	const [row] = rowsOf<{ rate: number | string | null; n: number | string }>(await db.execute(throughputStatement(scope)));
	const n = Number(row?.n ?? 0);
	if (n < MIN_RESULTS || row?.rate === null || row?.rate === undefined) return null;
	return { inputsPerSecond: Number(row.rate), results: n };
}

/** measureThroughput's statement, not yet run (query-plans.spec.ts checks how PostgreSQL runs it). */
export function throughputStatement(scope: ThroughputScope): SQL {
	// A job's results come from results_chunk_idx (job_id, seq), its latest chunks first; a model's from
	// results_created_idx, newest first, filtered to the model after the limit.
	const recent =
		'jobId' in scope
			? sql`select r.task_id, r.job_id, r.seq, r.volunteer_id, r.duration_ms, r.created_at from results r
				where r.job_id = ${scope.jobId} and r.verdict = 'valid' and r.created_at > now() - ${WINDOW}
				order by r.seq desc limit ${JOB_SCAN}`
			: sql`select r.task_id, r.job_id, r.seq, r.volunteer_id, r.duration_ms, r.created_at from results r
				where r.created_at > now() - ${WINDOW} and r.verdict = 'valid'
				order by r.created_at desc limit ${SCAN}`;
	// Scalar subqueries, not joins: each is one primary-key lookup per sampled result, which the planner
	// cannot turn into a hash join over the whole table.
	const ofModel =
		'jobId' in scope
			? sql``
			: sql`and (select j.model_id = ${scope.modelId} and j.task_type = ${scope.taskType} from jobs j where j.id = rec.job_id)`;
	// A resumed replica's duration covers only the inputs after its checkpoint: left out.
	return sql`
		with recent as (${recent}),
		ranked as (
			select rec.*, row_number() over (partition by rec.volunteer_id order by rec.created_at desc) as nth
			from recent rec
			where (select t.checkpoint is null from tasks t where t.id = rec.task_id) ${ofModel}
		),
		picked as (
			select * from ranked where nth <= ${PER_VOLUNTEER} order by created_at desc limit ${SAMPLE}
		),
		rates as (
			select (${chunkInputs})::float8 * 1000 / greatest(p.duration_ms, 1) as rate from picked p
		)
		select percentile_disc(0.5) within group (order by rate) as rate, count(*)::int as n from rates`;
}

/**
 * Inputs of the chunk of sampled row `p` (task_id, job_id, seq): from its first input to where the next
 * chunk starts, or the job's end for its last chunk. A job's chunks are contiguous in seq order
 * (create-job.ts, rechunk-job.ts), so this never reads the inputs themselves, which may be large.
 */
const chunkInputs = sql`coalesce(
	(select n.first_input from tasks n where n.job_id = p.job_id and n.seq = p.seq + 1 limit 1),
	(select j.total_inputs from jobs j where j.id = p.job_id)
) - (select t.first_input from tasks t where t.id = p.task_id)`;
