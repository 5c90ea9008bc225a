import { acceptUnreplicated } from './accept-unreplicated';
import type { Db } from '../db';
import { checkOutputs } from './check-outputs';
import { lockChunk, retrying } from './locks';
import type { Settlement } from './validate-chunk';
import type { CompletionOutcome, PreparedCompletion, SchedulerPolicy } from './completion-types';
import { queueLazyCheck } from './settle-checks';
import type { Completion } from './types';
import { leasesOf, type CurrentLease } from './current-leases';
import { settleReplica } from './settle-replica';
import { leaseResultClass } from './lease-variant';

export type { CompletionOutcome, PreparedCompletion, SchedulerPolicy } from './completion-types';

/** Checks a result against its current lease and picks its path; the same for one result and for a group. */
export function prepareCompletion(task: CurrentLease, sent: Completion): PreparedCompletion {
	// A resumed replica: the volunteer computed the inputs after the checkpoint; the result is both. The
	// checkpoint changes only under a lease token, so it cannot change before the fenced write.
	const outputs = task.checkpoint ? [...task.checkpoint, ...sent.outputs] : sent.outputs;
	const c = { ...sent, outputs, resultClass: sent.resultClass ?? leaseResultClass(task) };
	const problem = checkOutputs(task.taskType, c.outputs, { inputCount: task.inputs, embedding: task.embedding, params: task.params });
	// A check (a re-check, a known answer) is compared with the accepted result even in an unreplicated job.
	const fast = !problem && task.replication <= 1 && !task.recheck && !task.spotCheck;
	// Credit is for the inputs this volunteer computed: a checkpoint's outputs are its authors' (checkpoint-parts.ts), never the finisher's.
	const amount = (task.inputs - (task.checkpoint?.length ?? 0)) * task.cost;
	return { c, task, problem, fast, amount };
}

/** The fast path's outcome as a completion outcome. */
export function fastOutcome(
	p: PreparedCompletion,
	r: { stored: boolean; accepted: boolean; cancelledLeases: number[] }
): CompletionOutcome {
	if (!r.stored) return { stored: false, reason: 'stale_lease' };
	const settlement: Settlement = r.accepted
		? {
				outcome: 'accepted',
				cancelledLeases: r.cancelledLeases,
				credited: [{ volunteerId: p.c.volunteerId, amount: p.amount }],
				chunk: { firstInput: p.task.firstInput, outputs: p.c.outputs }
			}
		: { outcome: 'already' };
	return { stored: true, jobId: p.task.jobId, inputs: p.task.inputs, settlement };
}

/** After commit: an accepted unreplicated result may be drawn for a lazy re-check. */
export async function maybeLazyCheck(db: Db, policy: SchedulerPolicy, taskId: number, outcome: CompletionOutcome) {
	if (outcome.stored && outcome.settlement.outcome === 'accepted' && (policy.random ?? Math.random)() < (policy.lazyCheckRate ?? 0))
		await queueLazyCheck(db, taskId);
}

/**
 * Stores a replica's result exactly once, and only from the holder of the current lease, and settles
 * its chunk: in one statement for an unreplicated chunk (accept-unreplicated.ts), otherwise through the
 * validator in a transaction (settle-replica.ts). complete-group.ts does the same for many at once.
 *
 * Locking (see locks.ts): the chunk's lock first, then SELECT … FOR UPDATE on the task row matched by
 * the lease fence. A concurrent release, expiry or second delivery either committed first (then the
 * fence no longer matches and this returns stale_lease) or waits. So a late, replayed or forged result
 * changes nothing. Call finishJobIfDone after this returns (after the commit). `known`: the lease as its claim
 * granted it, not read again (lease-book.ts).
 */
export async function completeTask(db: Db, sent: Completion, policy: SchedulerPolicy, known?: CurrentLease): Promise<CompletionOutcome> {
	const [task] = await leasesOf(db, [sent], [known]);
	if (!task) return { stored: false, reason: 'stale_lease' };
	const p = prepareCompletion(task, sent);
	if (!p.fast)
		return retrying(() =>
			db.transaction(async (tx) => {
				await lockChunk(tx, task.jobId, task.seq);
				return settleReplica(tx, p, policy);
			})
		);
	const fast = await retrying(() => acceptUnreplicated(db, { ...p.c, inputs: task.inputs, amount: p.amount }));
	const outcome = fastOutcome(p, fast);
	await maybeLazyCheck(db, policy, sent.taskId, outcome);
	return outcome;
}
