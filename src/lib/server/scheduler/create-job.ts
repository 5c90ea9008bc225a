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
	const chunks = chunk(job.inputs, job.chunkSize);
	const priority = PRIORITIES[job.priority];
	// The id is chosen here, so the tasks can name their job in the same statement.
	const id = randomUUID();
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
	if (replicas.length > 0 && replicas.length <= INSERT_SLICE) {
		// A data-modifying CTE runs whether or not the statement reads it; the foreign key is checked at the statement's end.
		await db.execute(sql`with job as (${db.insert(jobs).values(jobRow).getSQL()}) ${insertTasks(replicas)}`);
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
