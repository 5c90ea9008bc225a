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
		Array.from({ length: job.replication }, (_, replica) => ({
			jobId: id,
			seq,
			replica,
			firstInput: seq * job.chunkSize,
			inputs,
			taskType: job.taskType,
			modelId: job.modelId,
			priority
		}))
	);
	if (replicas.length > 0 && replicas.length <= INSERT_SLICE) {
		// A data-modifying CTE runs whether or not the statement reads it; the foreign key is checked at the statement's end.
		await db.execute(sql`with job as (${db.insert(jobs).values(jobRow).getSQL()}) ${db.insert(tasks).values(replicas).getSQL()}`);
	} else {
		await db.transaction(async (tx) => {
			await tx.insert(jobs).values(jobRow);
			// In slices, so a 10,000-input job stays far below PostgreSQL's 65,535 bind-parameter cap.
			for (let i = 0; i < replicas.length; i += INSERT_SLICE) await tx.insert(tasks).values(replicas.slice(i, i + INSERT_SLICE));
		});
	}
	await refreshPlannerStats(db, chunks.length * job.replication);
	return { id, totalTasks: chunks.length };
}

/** Task rows per insert: 500 rows of 8 values stay far below PostgreSQL's 65,535 bind parameters. */
const INSERT_SLICE = 500;

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
