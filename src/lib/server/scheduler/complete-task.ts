import { and, eq, sql } from 'drizzle-orm';
import { models, results, tasks, volunteers } from '../db/schema';
import type { Db } from '../db';
import { checkOutputs } from './check-outputs';
import { endLease, failedAttempt, type FailurePolicy } from './lease-transitions';
import type { Backend } from '../../protocol/volunteer';
import { resultClass, type ModelVariant } from '../../protocol/variants';

export interface Completion {
	taskId: number;
	leaseToken: string;
	volunteerId: string;
	outputs: unknown[];
	backend: Backend;
	/** The model variant that computed the outputs; recorded with the backend so results of different variants are never compared. */
	variant?: ModelVariant;
	durationMs: number;
}

export type CompletionOutcome =
	| { accepted: true; jobId: string; inputs: number }
	| { accepted: false; reason: 'stale_lease' }
	| { accepted: false; reason: 'rejected_output'; error: string; jobId: string };

/**
 * Accepts a task's result exactly once, and only from the holder of the current lease.
 *
 * Locking: SELECT … FOR UPDATE on the task row matched by id, token, holder and state. A concurrent
 * release, expiry sweep or second delivery of the same result either commits first (then PostgreSQL
 * re-checks our WHERE against the new row version, finds the token gone, and we return stale_lease)
 * or waits for us. So a late, replayed or forged result changes nothing. Call finishJobIfDone after
 * this returns (after the commit), not inside it.
 */
export async function completeTask(db: Db, c: Completion, policy: FailurePolicy): Promise<CompletionOutcome> {
	return db.transaction(async (tx) => {
		const [task] = await tx
			.select({ jobId: tasks.jobId, taskType: tasks.taskType, inputs: tasks.inputs, embedding: models.embedding })
			.from(tasks)
			.innerJoin(models, eq(models.id, tasks.modelId))
			.where(
				and(
					eq(tasks.id, c.taskId),
					eq(tasks.leaseToken, c.leaseToken),
					eq(tasks.leaseVolunteer, c.volunteerId),
					eq(tasks.state, 'leased')
				)
			)
			.for('update', { of: tasks });
		if (!task) return { accepted: false, reason: 'stale_lease' } as const;

		const problem = checkOutputs(task.taskType, c.outputs, {
			inputCount: task.inputs.length,
			embedding: task.embedding
		});
		if (problem) {
			await tx.update(tasks).set(failedAttempt(policy, `rejected output: ${problem}`)).where(eq(tasks.id, c.taskId));
			return { accepted: false, reason: 'rejected_output', error: problem, jobId: task.jobId } as const;
		}

		await tx
			.update(tasks)
			.set({ ...endLease, state: 'done', finishedAt: sql`now()` })
			.where(eq(tasks.id, c.taskId));
		await tx.insert(results).values({
			taskId: c.taskId,
			jobId: task.jobId,
			volunteerId: c.volunteerId,
			output: c.outputs,
			backend: resultClass(c.backend, c.variant ?? 'fp32'),
			durationMs: c.durationMs
		});
		await tx
			.update(volunteers)
			.set({
				tasksDone: sql`${volunteers.tasksDone} + 1`,
				inputsDone: sql`${volunteers.inputsDone} + ${task.inputs.length}`
			})
			.where(eq(volunteers.id, c.volunteerId));
		return { accepted: true, jobId: task.jobId, inputs: task.inputs.length } as const;
	});
}
