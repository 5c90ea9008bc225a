import { eq, sql } from 'drizzle-orm';
import { jobs, models, results, tasks } from '../db/schema';
import { acceptUnreplicated } from './accept-unreplicated';
import type { Db } from '../db';
import { checkOutputs } from './check-outputs';
import { endLease, failedAttempt, heldLease, type FailurePolicy } from './lease-transitions';
import { lockChunk, retrying } from './locks';
import { validateChunk, type Settlement, type ValidationPolicy } from './validate-chunk';
import { VolunteerTally } from './volunteer-tally';
import { queueLazyCheck } from './settle-checks';
import type { Completion } from './types';

export type SchedulerPolicy = FailurePolicy &
	ValidationPolicy & {
		/** Chance that an unreplicated result, once accepted, is re-checked behind its volunteer's back (EXOSTACK_LAZY_CHECK_RATE). */
		lazyCheckRate?: number;
		random?: () => number;
	};

export type CompletionOutcome =
	| { stored: true; jobId: string; inputs: number; settlement: Settlement }
	| { stored: false; reason: 'stale_lease' }
	| { stored: false; reason: 'rejected_output'; error: string; jobId: string; settlement: Settlement };

/**
 * Stores a replica's result exactly once, and only from the holder of the current lease, and settles
 * its chunk: in one statement for an unreplicated chunk (accept-unreplicated.ts), otherwise through the
 * validator in the same transaction.
 *
 * Locking (see locks.ts): the chunk's lock first, then SELECT … FOR UPDATE on the task row matched by
 * id, token, holder and state. A concurrent release, expiry or second delivery either committed first
 * (then the token no longer matches and this returns stale_lease) or waits. So a late, replayed or
 * forged result changes nothing. Call finishJobIfDone after this returns (after the commit).
 */
export async function completeTask(db: Db, sent: Completion, policy: SchedulerPolicy): Promise<CompletionOutcome> {
	const task = await currentLease(db, sent);
	if (!task) return { stored: false, reason: 'stale_lease' };
	// A resumed replica: the volunteer computed the inputs after the checkpoint; the result is both. The
	// checkpoint changes only under a lease token, so it cannot change before the fenced write below.
	const c = task.checkpoint ? { ...sent, outputs: [...task.checkpoint, ...sent.outputs] } : sent;
	const problem = checkOutputs(task.taskType, c.outputs, { inputCount: task.inputs, embedding: task.embedding, params: task.params });
	// A check (a re-check, a known answer) is compared with the accepted result even in an unreplicated job.
	if (problem || task.replication > 1 || task.recheck || task.spotCheck) return retrying(() => completeAndValidate(db, c, policy, problem));
	// Credit is for the inputs this volunteer computed: a checkpoint's outputs are its authors' (checkpoint-parts.ts), never the finisher's.
	const amount = (task.inputs - (task.checkpoint?.length ?? 0)) * task.cost;
	const fast = await retrying(() => acceptUnreplicated(db, { ...c, inputs: task.inputs, amount }));
	if (!fast.stored) return { stored: false, reason: 'stale_lease' };
	if (fast.accepted && (policy.random ?? Math.random)() < (policy.lazyCheckRate ?? 0)) await queueLazyCheck(db, sent.taskId);
	const settlement: Settlement = fast.accepted
		? {
				outcome: 'accepted',
				cancelledLeases: fast.cancelledLeases,
				credited: [{ volunteerId: c.volunteerId, amount }]
			}
		: { outcome: 'already' };
	return { stored: true, jobId: task.jobId, inputs: task.inputs, settlement };
}

/** The lease as it stands (no lock: whatever writes next re-checks it), with what checking and crediting need. */
async function currentLease(db: Db, c: Completion) {
	const [task] = await db
		.select({
			jobId: tasks.jobId,
			taskType: tasks.taskType,
			inputs: sql<number>`jsonb_array_length(${tasks.inputs})`,
			embedding: models.embedding,
			cost: models.cost,
			replication: jobs.replication,
			params: jobs.params,
			recheck: tasks.recheck,
			spotCheck: tasks.spotCheck,
			checkpoint: tasks.checkpoint
		})
		.from(tasks)
		.innerJoin(jobs, eq(jobs.id, tasks.jobId))
		.innerJoin(models, eq(models.id, tasks.modelId))
		.where(heldLease(c));
	return task ?? null;
}

/** The general path: replicated chunks, and rejected outputs (which count as a failed attempt). */
function completeAndValidate(db: Db, c: Completion, policy: SchedulerPolicy, problem: string | null): Promise<CompletionOutcome> {
	return db.transaction(async (tx) => {
		const [where] = await tx.select({ jobId: tasks.jobId, seq: tasks.seq }).from(tasks).where(eq(tasks.id, c.taskId));
		if (!where) return { stored: false, reason: 'stale_lease' } as const;
		await lockChunk(tx, where.jobId, where.seq);
		const [task] = await tx.select({ inputs: tasks.inputs }).from(tasks).where(heldLease(c)).for('update');
		if (!task) return { stored: false, reason: 'stale_lease' } as const;
		const tally = new VolunteerTally();
		if (problem) {
			await tx
				.update(tasks)
				.set(failedAttempt(policy, `rejected output: ${problem}`, 'reported'))
				.where(eq(tasks.id, c.taskId));
			const settlement = await validateChunk(tx, where.jobId, where.seq, policy, tally);
			await tally.apply(tx);
			return { stored: false, reason: 'rejected_output', error: problem, jobId: where.jobId, settlement } as const;
		}
		await tx
			.update(tasks)
			.set({ ...endLease, state: 'done', finishedAt: sql`now()` })
			.where(eq(tasks.id, c.taskId));
		await tx.insert(results).values({
			taskId: c.taskId,
			jobId: where.jobId,
			seq: where.seq,
			volunteerId: c.volunteerId,
			output: c.outputs,
			backend: c.backend,
			backendClass: c.resultClass,
			durationMs: c.durationMs
		});
		tally.add(c.volunteerId, { tasks: 1, inputs: task.inputs.length });
		const settlement = await validateChunk(tx, where.jobId, where.seq, policy, tally);
		await tally.apply(tx);
		return { stored: true, jobId: where.jobId, inputs: task.inputs.length, settlement } as const;
	});
}
