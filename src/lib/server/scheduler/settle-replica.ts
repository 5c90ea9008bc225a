import { eq, sql } from 'drizzle-orm';
import { results, tasks } from '../db/schema';
import type { Db } from '../db';
import { endLease, failedAttempt, heldLease } from './lease-transitions';
import { validateChunk } from './validate-chunk';
import { VolunteerTally } from './volunteer-tally';
import type { CompletionOutcome, PreparedCompletion, SchedulerPolicy } from './completion-types';

/**
 * The general path, inside the caller's transaction, which already holds the chunk's lock (locks.ts):
 * replicated chunks, checks, and rejected outputs (which count as a failed attempt). The row is locked
 * by the lease fence; a lease lost since the caller read it is stale_lease and changes nothing.
 */
export async function settleReplica(tx: Db, p: PreparedCompletion, policy: SchedulerPolicy): Promise<CompletionOutcome> {
	const { c, problem } = p;
	const { jobId, seq } = p.task;
	const [task] = await tx.select({ inputs: tasks.inputs }).from(tasks).where(heldLease(c)).for('update');
	if (!task) return { stored: false, reason: 'stale_lease' };
	const tally = new VolunteerTally();
	if (problem) {
		await tx
			.update(tasks)
			.set(failedAttempt(policy, `rejected output: ${problem}`, 'reported'))
			.where(eq(tasks.id, c.taskId));
		const settlement = await validateChunk(tx, jobId, seq, policy, tally);
		await tally.apply(tx);
		return { stored: false, reason: 'rejected_output', error: problem, jobId, settlement };
	}
	await tx
		.update(tasks)
		.set({ ...endLease, state: 'done', finishedAt: sql`now()` })
		.where(eq(tasks.id, c.taskId));
	await tx.insert(results).values({
		taskId: c.taskId,
		jobId,
		seq,
		volunteerId: c.volunteerId,
		output: c.outputs,
		backend: c.backend,
		backendClass: c.resultClass,
		durationMs: c.durationMs
	});
	tally.add(c.volunteerId, { tasks: 1, inputs: task.inputs.length });
	const settlement = await validateChunk(tx, jobId, seq, policy, tally);
	await tally.apply(tx);
	return { stored: true, jobId, inputs: task.inputs.length, settlement };
}
