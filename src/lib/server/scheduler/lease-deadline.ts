import { sql, type SQL } from 'drizzle-orm';
import { jobs, results, tasks } from '../db/schema';

/** A lease's total lifetime when its job's pace is unknown: this per input, times the slack, within floor and ceiling. */
const DEFAULT_MS_PER_INPUT = 60_000;
/** Honest volunteers are slower than the job's mean (a laptop beside a GPU, a busy tab): their lease may run this many times longer. */
const SLACK = 4;
/** No lease is given less than this in all (a model still to download, a slow first run), unless the ceiling is lower. */
const FLOOR_MS = 300_000;
/**
 * The job's pace is read from this many of its latest results: enough for a mean, and bounded so the claim
 * never scans a large job's results. Latest by chunk number, among the chunks within SPAN of the job's
 * highest computed one (an index probe): ordering alone was not enough, since PostgreSQL walks
 * results_chunk_idx backwards only while its statistics know the job is large, and otherwise collects
 * every result of the job before taking 20 (29 ms per leased task once a job had 90,000 results; 1.3 ms
 * a leased task at 500 in bench/dispatch, whose statistics are always behind).
 */
const SAMPLE = 20;
/** Chunk numbers the sample looks back over: room for SAMPLE results where some chunks are still out. */
const SPAN = 2 * SAMPLE;
/** The default ceiling (EXOSTACK_LEASE_MAX_SECONDS) for callers that set none. */
export const DEFAULT_LEASE_MAX_MS = 3_600_000;

/**
 * When a lease granted now must end, whatever its renewals say: the inputs it has to compute × the
 * job's measured time per input (the mean of its latest results' durations over its mean chunk
 * size; the default when it has none yet) × SLACK, at least FLOOR_MS and at most `maxMs`. `inputs` and
 * `jobId` are SQL of the row being leased. One definition for the claim and the tail duplicate.
 *
 * Durations are the volunteers' word: a liar can make the mean short, but never a lease shorter than
 * the floor, and a short mean only ends leases sooner (the task then goes to someone else).
 */
export function leaseDeadline(maxMs: number | SQL, inputs: SQL, jobId: SQL | typeof tasks.jobId): SQL {
	const chunk = sql`(select ${jobs.totalInputs}::float8 / greatest(${jobs.totalTasks}, 1) from ${jobs} where ${jobs.id} = ${jobId})`;
	const perInput = sql`coalesce(${recentTaskMs(jobId)} / ${chunk}, ${DEFAULT_MS_PER_INPUT})`;
	const ms = sql`least(${maxMs}::float8, greatest(least(${FLOOR_MS}::float8, ${maxMs}::float8), (${inputs}) * ${perInput} * ${SLACK}))`;
	return sql`now() + ${ms} * interval '1 millisecond'`;
}

/**
 * The job's recent time per task in ms: the mean duration of its latest SAMPLE results (null before its
 * first). Read per leased task, so it costs an index probe and at most SAMPLE rows however large the job.
 */
export function recentTaskMs(jobId: SQL | typeof tasks.jobId): SQL {
	const highest = sql`(select max(${results.seq}) from ${results} where ${results.jobId} = ${jobId})`;
	const sample = sql`(select ${results.durationMs} as ms from ${results}
		where ${results.jobId} = ${jobId} and ${results.seq} > ${highest} - ${SPAN} order by ${results.seq} desc limit ${SAMPLE})`;
	return sql`(select avg(s.ms) from ${sample} s)`;
}

/**
 * The short expiry of a lease granted now, in ms from now: `leaseMs`, but no later than the shortest
 * deadline any lease can get (the floor, or the ceiling below it), so a new lease's expiry never passes
 * its deadline without reading it. Renewals use leaseExpiry.
 */
export function firstExpiryMs(leaseMs: number, maxMs: number): number {
	return Math.min(leaseMs, FLOOR_MS, maxMs);
}

/** The expiry of a lease renewed now: `leaseMs` from now, never past its deadline (a lease from before deadlines has none). */
export function leaseExpiry(leaseMs: number | SQL): SQL {
	return sql`least(now() + ${leaseMs} * interval '1 millisecond', coalesce(${tasks.deadlineAt}, 'infinity'))`;
}

/** The columns that start a lease's clock: its deadline, and no progress yet. */
export function leaseClock(maxMs: number | SQL, inputs: SQL, jobId: SQL | typeof tasks.jobId) {
	return { deadlineAt: leaseDeadline(maxMs, inputs, jobId), progress: 0, progressAt: sql`now()` };
}
