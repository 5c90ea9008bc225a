import { and, eq, sql } from 'drizzle-orm';
import { models, results, tasks } from '../db/schema';
import type { Db } from '../db';
import { checkOutputs } from './check-outputs';
import { endLease, failedAttempt, type FailurePolicy } from './lease-transitions';
import { lockChunk, retrying } from './locks';
import { validateChunk, type Settlement, type ValidationPolicy } from './validate-chunk';
import { VolunteerTally } from './volunteer-tally';
import { backendClassOf, type Backend } from '../../protocol/volunteer';

export interface Completion {
	taskId: number;
	leaseToken: string;
	volunteerId: string;
	outputs: unknown[];
	backend: Backend;
	durationMs: number;
}

export type SchedulerPolicy = FailurePolicy & ValidationPolicy;

export type CompletionOutcome =
	| { stored: true; jobId: string; inputs: number; settlement: Settlement }
	| { stored: false; reason: 'stale_lease' }
	| { stored: false; reason: 'rejected_output'; error: string; jobId: string; settlement: Settlement };

/**
 * Stores a replica's result exactly once, and only from the holder of the current lease, then lets the
 * validator settle its chunk in the same transaction.
 *
 * Locking (see locks.ts): the chunk's lock first, then SELECT … FOR UPDATE on the task row matched by
 * id, token, holder and state. A concurrent release, expiry or second delivery either committed first
 * (then the token no longer matches and this returns stale_lease) or waits. So a late, replayed or
 * forged result changes nothing. Call finishJobIfDone after this returns (after the commit).
 */
export async function completeTask(db: Db, c: Completion, policy: SchedulerPolicy): Promise<CompletionOutcome> {
	return retrying(() =>
		db.transaction(async (tx) => {
			const [where] = await tx.select({ jobId: tasks.jobId, seq: tasks.seq }).from(tasks).where(eq(tasks.id, c.taskId));
			if (!where) return { stored: false, reason: 'stale_lease' } as const;
			await lockChunk(tx, where.jobId, where.seq);
			const [task] = await tx
				.select({ taskType: tasks.taskType, inputs: tasks.inputs, embedding: models.embedding })
				.from(tasks)
				.innerJoin(models, eq(models.id, tasks.modelId))
				.where(and(eq(tasks.id, c.taskId), eq(tasks.leaseToken, c.leaseToken), eq(tasks.leaseVolunteer, c.volunteerId), eq(tasks.state, 'leased')))
				.for('update', { of: tasks });
			if (!task) return { stored: false, reason: 'stale_lease' } as const;

			const problem = checkOutputs(task.taskType, c.outputs, { inputCount: task.inputs.length, embedding: task.embedding });
			if (problem) {
				await tx.update(tasks).set(failedAttempt(policy, `rejected output: ${problem}`)).where(eq(tasks.id, c.taskId));
				const tally = new VolunteerTally();
				const settlement = await validateChunk(tx, where.jobId, where.seq, policy, tally);
				await tally.apply(tx);
				return { stored: false, reason: 'rejected_output', error: problem, jobId: where.jobId, settlement } as const;
			}
			await tx.update(tasks).set({ ...endLease, state: 'done', finishedAt: sql`now()` }).where(eq(tasks.id, c.taskId));
			await tx.insert(results).values({
				taskId: c.taskId,
				jobId: where.jobId,
				seq: where.seq,
				volunteerId: c.volunteerId,
				output: c.outputs,
				backend: c.backend,
				backendClass: backendClassOf(c.backend),
				durationMs: c.durationMs
			});
			const tally = new VolunteerTally();
			tally.add(c.volunteerId, { tasks: 1, inputs: task.inputs.length });
			const settlement = await validateChunk(tx, where.jobId, where.seq, policy, tally);
			await tally.apply(tx);
			return { stored: true, jobId: where.jobId, inputs: task.inputs.length, settlement } as const;
		})
	);
}
