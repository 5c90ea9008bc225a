import { eq, sql } from 'drizzle-orm';
import { jobs, models, tasks, type CheckpointPart } from '../db/schema';
import type { Db } from '../db';
import { checkOutputs } from './check-outputs';
import { endLease, heldLease, type LeaseClaim } from './lease-transitions';

export interface Checkpoint extends LeaseClaim {
	/** Outputs of the lease's first inputs, in order: fewer than it was given. */
	outputs: unknown[];
}

export type CheckpointOutcome = { kept: number } | { error: string; code: 'stale_lease' | 'invalid' };

/**
 * A volunteer yields mid-task (its owner came back): the lease goes back to the queue at once and,
 * for an unreplicated chunk, the finished inputs' outputs are kept on the replica so the next volunteer
 * computes only the rest and no finished work is lost. Like a release, it is not a failure.
 *
 * Correctness: a checkpoint is a claim like a result. Its outputs are checked like a result's, within
 * the job's params (check-outputs.ts), before anything is kept; its author is recorded per part
 * (`checkpoint_parts`: credit and blame follow the part, not the volunteer that finishes the task) and
 * in `checkpoint_by` in the same statement that ends its lease, so it can never claim a sibling; the
 * update is fenced by the lease token (a stale or replayed checkpoint changes nothing). A replicated
 * chunk keeps nothing: each replica is computed whole by one volunteer, or one author's fake prefix would
 * sit inside another's result and a quorum would no longer be independent volunteers agreeing.
 */
export async function checkpointTask(db: Db, c: Checkpoint): Promise<CheckpointOutcome> {
	const fence = heldLease(c);
	const [task] = await db
		.select({
			taskType: tasks.taskType,
			left: sql<number>`jsonb_array_length(${tasks.inputs}) - coalesce(jsonb_array_length(${tasks.checkpoint}), 0)`.mapWith(Number),
			embedding: models.embedding,
			params: jobs.params,
			replication: jobs.replication
		})
		.from(tasks)
		.innerJoin(models, eq(models.id, tasks.modelId))
		.innerJoin(jobs, eq(jobs.id, tasks.jobId))
		.where(fence);
	if (!task) return { error: 'this lease is no longer yours', code: 'stale_lease' };
	if (c.outputs.length >= task.left)
		return { error: `a checkpoint holds fewer outputs than the ${task.left} inputs left; send the result instead`, code: 'invalid' };
	const problem = checkOutputs(task.taskType, c.outputs, { inputCount: c.outputs.length, embedding: task.embedding, params: task.params });
	if (problem) return { error: `checkpoint rejected: ${problem}`, code: 'invalid' };
	const kept = task.replication > 1 ? 0 : c.outputs.length;
	const rows = await db
		.update(tasks)
		.set({ ...endLease, ...keepCheckpoint(c.volunteerId, c.outputs.slice(0, kept)), solo: false, state: 'queued', availableAt: sql`now()` })
		.where(fence)
		.returning({ id: tasks.id });
	return rows.length > 0 ? { kept } : { error: 'this lease is no longer yours', code: 'stale_lease' };
}

/** The columns that append `outputs` to the replica's checkpoint, with their author. */
function keepCheckpoint(volunteerId: string, outputs: unknown[]) {
	if (outputs.length === 0) return {};
	const part: CheckpointPart = { volunteerId, outputs: outputs.length };
	return {
		checkpoint: sql`coalesce(${tasks.checkpoint}, '[]'::jsonb) || ${JSON.stringify(outputs)}::jsonb`,
		checkpointParts: sql`coalesce(${tasks.checkpointParts}, '[]'::jsonb) || ${JSON.stringify([part])}::jsonb`,
		checkpointBy: sql`case when coalesce(${tasks.checkpointBy}, '[]'::jsonb) @> ${JSON.stringify([volunteerId])}::jsonb
			then ${tasks.checkpointBy} else coalesce(${tasks.checkpointBy}, '[]'::jsonb) || ${JSON.stringify([volunteerId])}::jsonb end`
	};
}
