import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import { PRIORITIES, type PriorityName } from '../../protocol/jobs';
import type { TaskType } from '../../protocol/models';

export interface NewJob {
	taskType: TaskType;
	modelId: string;
	inputs: string[];
	priority: PriorityName;
	params: Record<string, unknown>;
	/** Inputs per chunk. */
	chunkSize: number;
	/** Replicas per chunk, leased to distinct volunteers. */
	replication: number;
	/** The hub chose `chunkSize` and may re-chunk the job as it runs (chunk-tuner.ts); absent: false. */
	chunkSizeAuto?: boolean;
	/** The API key submitting it; null or absent: the admin. */
	ownerKeyId?: string | null;
	/** Its id, when the caller chose it (a job stored in a lane claim keeps it across the claim's retries); absent: a new one. */
	id?: string;
}

/**
 * Splits a job into chunks of `chunkSize` inputs, each with `replication` replica tasks, and stores it
 * all at once: a job is never half-created. One statement when its tasks fit one insert (every
 * synchronous /v1 request, most jobs): the job and its tasks in one round trip; a larger job in one
 * transaction of several inserts.
 *
 * The task rows travel as one JSON parameter unpacked by jsonb_to_recordset, not as a bind parameter per
 * value: drizzle built 8 parameters per row, about 0.2 ms of the hub's CPU per task (a 24,000-task
 * job took 3.6-5.4 s to submit, bench/dispatch) and capped an insert at PostgreSQL's 65,535 parameters.
 */
export async function createJob(db: Db, job: NewJob): Promise<{ id: string; totalTasks: number }> {
	const rows = rowsOf(job);
	const { id, chunks, replicas, jobRow, insertTasks } = rows;
	if (fitsOneInsert(job)) {
		await oneStatement(db, rows);
	} else {
		await db.transaction(async (tx) => {
			await tx.insert(jobs).values(jobRow);
			// In slices, so no one statement carries a whole 100,000-task job.
			for (let i = 0; i < replicas.length; i += INSERT_SLICE) await tx.execute(insertTasks(replicas.slice(i, i + INSERT_SLICE)));
		});
	}
	await refreshPlannerStats(db, chunks.length * job.replication);
	return { id, totalTasks: chunks.length };
}

/**
 * A job that fitsOneInsert (every synchronous /v1 request) as its one statement, unsent (drizzle sends a query
 * when it is first awaited), with the id it stores the job under. A lane claim sends it first in its own
 * transaction (claim-rider.ts); createJob's planner-statistics refresh is not needed for so few tasks.
 */
export function insertWhole(db: Db, job: NewJob): { id: string; statement: PromiseLike<unknown> } {
	if (!fitsOneInsert(job))
		throw new Error(`a job of ${job.inputs.length} inputs in chunks of ${job.chunkSize} is not stored in one statement`);
	const rows = rowsOf(job);
	return { id: rows.id, statement: oneStatement(db, rows) };
}

/**
 * Stores a job whose id the caller chose, unless a transaction that may have committed it already did (a lane
 * claim that failed without saying whether its COMMIT went through): an insert of the same id waits for that
 * transaction's outcome, then either stores the job or fails on the job's key, which means it is stored.
 */
export async function createJobOnce(db: Db, job: NewJob & { id: string }): Promise<void> {
	try {
		await createJob(db, job);
	} catch (err) {
		if (!isDuplicateJob(err)) throw err;
	}
}

/** A unique violation of the jobs' key, as drizzle wraps the driver's error (postgres-js names it constraint_name, PGlite constraint). */
function isDuplicateJob(err: unknown): boolean {
	for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++, e = (e as { cause?: unknown }).cause) {
		const { code, constraint_name, constraint } = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown };
		if (code === '23505' && (constraint_name ?? constraint) === 'jobs_pkey') return true;
	}
	return false;
}

/** Whether `job` is stored in one statement: it has tasks, and no more than one insert carries. */
export function fitsOneInsert(job: NewJob): boolean {
	const tasks = Math.ceil(job.inputs.length / job.chunkSize) * job.replication;
	return tasks > 0 && tasks <= INSERT_SLICE;
}

/** The job and its tasks together, or not at all: a data-modifying CTE runs whether or not the statement reads it, and the foreign key is checked at the statement's end. */
function oneStatement(db: Db, { jobRow, replicas, insertTasks }: ReturnType<typeof rowsOf>) {
	return db.execute(sql`with job as (${db.insert(jobs).values(jobRow).getSQL()}) ${insertTasks(replicas)}`);
}

/** The job's row, its replicas' rows, and the statement inserting a slice of them. */
function rowsOf(job: NewJob) {
	const chunks = chunk(job.inputs, job.chunkSize);
	const priority = PRIORITIES[job.priority];
	// The id is chosen here (or by the caller), so the tasks can name their job in the same statement.
	const id = job.id ?? randomUUID();
	const jobRow = {
		id,
		taskType: job.taskType,
		modelId: job.modelId,
		params: job.params,
		priority,
		replication: job.replication,
		ownerKeyId: job.ownerKeyId ?? null,
		totalInputs: job.inputs.length,
		totalTasks: chunks.length,
		chunkSizeAuto: job.chunkSizeAuto ?? false
	};
	const replicas = chunks.flatMap((inputs, seq) =>
		Array.from({ length: job.replication }, (_, replica) => ({ seq, replica, first_input: seq * job.chunkSize, inputs }))
	);
	const insertTasks = (
		rows: typeof replicas
	) => sql`insert into ${tasks} (job_id, seq, replica, first_input, inputs, task_type, model_id, priority)
		select ${id}::uuid, r.seq, r.replica, r.first_input, r.inputs, ${job.taskType}, ${job.modelId}, ${priority}::int
		from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(seq int, replica int, first_input int, inputs jsonb)`;
	return { id, chunks, replicas, jobRow, insertTasks };
}

/** Task rows per insert: one round trip each, a few hundred kB of JSON at most for short inputs. */
const INSERT_SLICE = 2000;

/** After `added` queued replicas arrived at once (a new job, a job split into smaller chunks): see ANALYZE_AFTER. */
export async function refreshPlannerStats(db: Db, added: number) {
	if (added >= ANALYZE_AFTER) await db.execute(sql`analyze tasks`);
}

/**
 * Replicas added at once past which the planner's statistics are refreshed. Until autovacuum gets to it
 * (a minute or more), a table that just grew by thousands of queued tasks still looks nearly empty,
 * and the planner then sorts every queued task on each claim instead of walking tasks_claimable_idx
 * to its LIMIT: 7 ms instead of 0.4 ms per claim at 3,000 queued, growing with the queue.
 */
const ANALYZE_AFTER = 500;

function chunk<T>(items: T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}
