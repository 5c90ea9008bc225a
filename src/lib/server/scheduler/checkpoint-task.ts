import { and, eq, sql } from 'drizzle-orm';
import { models, tasks } from '../db/schema';
import type { Db } from '../db';
import { checkOutputs } from './check-outputs';
import { endLease } from './lease-transitions';

export interface Checkpoint {
	taskId: number;
	leaseToken: string;
	volunteerId: string;
	/** Outputs of the lease's first inputs, in order: fewer than it was given. */
	outputs: unknown[];
}

export type CheckpointOutcome = { kept: number } | { error: string; code: 'stale_lease' | 'invalid' };

/**
 * A volunteer yields mid-task (its owner came back): the finished inputs' outputs are kept on the
 * replica and the lease goes back to the queue at once, so the next volunteer computes only the rest
 * and no finished work is lost. Like a release, it is not a failure.
 *
 * Correctness: the outputs are shape-checked like a result's; the update is fenced by the lease token
 * (a stale or replayed checkpoint changes nothing); the contributor is recorded in `checkpoint_by` in
 * the same statement that ends its lease, so there is no moment where it could claim a sibling replica
 * of the chunk (findClaimable); and `backend_class` stays, so only the same class resumes it. The
 * completion then hands in checkpoint + rest as one result (complete-task.ts), compared, accepted and
 * credited as usual: the volunteer that completes it is the one its result is bound to.
 */
export async function checkpointTask(db: Db, c: Checkpoint): Promise<CheckpointOutcome> {
	const fence = and(
		eq(tasks.id, c.taskId),
		eq(tasks.leaseToken, c.leaseToken),
		eq(tasks.leaseVolunteer, c.volunteerId),
		eq(tasks.state, 'leased')
	);
	const [task] = await db
		.select({
			taskType: tasks.taskType,
			left: sql<number>`jsonb_array_length(${tasks.inputs}) - coalesce(jsonb_array_length(${tasks.checkpoint}), 0)`.mapWith(Number),
			embedding: models.embedding
		})
		.from(tasks)
		.innerJoin(models, eq(models.id, tasks.modelId))
		.where(fence);
	if (!task) return { error: 'this lease is no longer yours', code: 'stale_lease' };
	if (c.outputs.length >= task.left)
		return { error: `a checkpoint holds fewer outputs than the ${task.left} inputs left; send the result instead`, code: 'invalid' };
	const problem = checkOutputs(task.taskType, c.outputs, { inputCount: c.outputs.length, embedding: task.embedding });
	if (problem) return { error: `checkpoint rejected: ${problem}`, code: 'invalid' };
	const keep =
		c.outputs.length === 0
			? {}
			: {
					checkpoint: sql`coalesce(${tasks.checkpoint}, '[]'::jsonb) || ${JSON.stringify(c.outputs)}::jsonb`,
					checkpointBy: sql`case when coalesce(${tasks.checkpointBy}, '[]'::jsonb) @> ${JSON.stringify([c.volunteerId])}::jsonb
						then ${tasks.checkpointBy} else coalesce(${tasks.checkpointBy}, '[]'::jsonb) || ${JSON.stringify([c.volunteerId])}::jsonb end`
				};
	const rows = await db
		.update(tasks)
		.set({ ...endLease, ...keep, solo: false, state: 'queued', availableAt: sql`now()` })
		.where(fence)
		.returning({ id: tasks.id });
	return rows.length > 0 ? { kept: c.outputs.length } : { error: 'this lease is no longer yours', code: 'stale_lease' };
}
