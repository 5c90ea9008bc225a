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
 * all in one transaction: a job is never half-created.
 */
export async function createJob(db: Db, job: NewJob): Promise<{ id: string; totalTasks: number }> {
	const chunks = chunk(job.inputs, job.chunkSize);
	const priority = PRIORITIES[job.priority];
	const created = await db.transaction(async (tx) => {
		const [row] = await tx
			.insert(jobs)
			.values({
				taskType: job.taskType,
				modelId: job.modelId,
				params: job.params,
				priority,
				replication: job.replication,
				ownerKeyId: job.ownerKeyId ?? null,
				totalInputs: job.inputs.length,
				totalTasks: chunks.length,
				chunkSizeAuto: job.chunkSizeAuto ?? false
			})
			.returning({ id: jobs.id });
		const replicas = chunks.flatMap((inputs, seq) =>
			Array.from({ length: job.replication }, (_, replica) => ({
				jobId: row.id,
				seq,
				replica,
				firstInput: seq * job.chunkSize,
				inputs,
				taskType: job.taskType,
				modelId: job.modelId,
				priority
			}))
		);
		// Insert in slices so a 10,000-input job stays far below PostgreSQL's 65,535 bind-parameter cap.
		for (let i = 0; i < replicas.length; i += 500) await tx.insert(tasks).values(replicas.slice(i, i + 500));
		return { id: row.id, totalTasks: chunks.length };
	});
	await refreshPlannerStats(db, chunks.length * job.replication);
	return created;
}

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
