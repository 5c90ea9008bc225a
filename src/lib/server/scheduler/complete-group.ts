import type { Db } from '../db';
import { acceptUnreplicatedGroup } from './accept-unreplicated';
import {
	completeTask,
	fastOutcome,
	maybeLazyCheck,
	prepareCompletion,
	type CompletionOutcome,
	type PreparedCompletion,
	type SchedulerPolicy
} from './complete-task';
import { leasesOf, type CurrentLease } from './current-leases';
import { lockChunk, retrying } from './locks';
import { settleReplica } from './settle-replica';
import type { Completion } from './types';

/**
 * Group commit: results that arrived together are fenced and settled in ONE transaction, so a group
 * costs one commit (and one read of its leases) instead of several round trips per result. A group
 * of unreplicated results alone is one statement, committed by itself.
 *
 *   - unreplicated results: one statement for all of them (acceptUnreplicatedGroup);
 *   - replicated results, checks and rejected outputs: the validator, each under its chunk's lock,
 *     the locks taken in (job, seq) order, so two groups can never wait on each other in a cycle;
 *     these run first, so the transaction takes every advisory lock before the fast statement's row
 *     locks, keeping locks.ts's order (chunk lock, then rows).
 *
 * A result's own rejection (stale lease, bad output) is its outcome, never an error: the others are
 * unaffected. A database error for the group (after deadlock retries) rolls it all back, and each
 * result is then committed on its own (completeTask), so one poisonous row costs only itself.
 * Outcomes come back in the order of `sent`, each only after its commit.
 *
 * `known[i]`, where given, is the lease `sent[i]` claims as its claim granted it (lease-book.ts): it is not
 * read again. It decides only which checks apply; the settling statements still match the lease fence.
 */
export async function completeGroup(
	db: Db,
	sent: Completion[],
	policy: SchedulerPolicy,
	known: (CurrentLease | undefined)[] = []
): Promise<CompletionOutcome[]> {
	if (sent.length <= 1) return Promise.all(sent.map((c, i) => completeTask(db, c, policy, known[i])));
	let outcomes: CompletionOutcome[];
	try {
		outcomes = await retrying(() => commitGroup(db, sent, policy, known));
	} catch {
		const each: CompletionOutcome[] = [];
		for (const [i, c] of sent.entries()) each.push(await completeTask(db, c, policy, known[i]));
		return each;
	}
	for (const [i, o] of outcomes.entries()) await maybeLazyCheck(db, policy, sent[i].taskId, o);
	return outcomes;
}

async function commitGroup(
	db: Db,
	sent: Completion[],
	policy: SchedulerPolicy,
	known: (CurrentLease | undefined)[]
): Promise<CompletionOutcome[]> {
	const leases = await leasesOf(db, sent, known);
	const outcomes: CompletionOutcome[] = sent.map(() => ({ stored: false, reason: 'stale_lease' }));
	const prepared = leases.flatMap((task, i) => (task ? [{ i, p: prepareCompletion(task, sent[i]) }] : []));
	const fast = prepared.filter(({ p }) => p.fast);
	const general = prepared.filter(({ p }) => !p.fast).sort((a, b) => chunkOrder(a.p, b.p));
	if (prepared.length === 0) return outcomes;
	// Unreplicated results alone: their one statement is its own transaction; BEGIN and COMMIT would
	// only add two round trips.
	if (general.length === 0) return settleFast(db, fast, outcomes);
	return db.transaction(async (tx) => {
		for (const { p } of general) await lockChunk(tx, p.task.jobId, p.task.seq);
		for (const { i, p } of general) outcomes[i] = await settleReplica(tx, p, policy);
		return settleFast(tx, fast, outcomes);
	});
}

/** The group's unreplicated results, in one statement, their outcomes written into `outcomes`. */
async function settleFast(db: Db, fast: { i: number; p: PreparedCompletion }[], outcomes: CompletionOutcome[]) {
	if (fast.length === 0) return outcomes;
	const done = await acceptUnreplicatedGroup(
		db,
		fast.map(({ p }) => ({ ...p.c, inputs: p.task.inputs, amount: p.amount }))
	);
	fast.forEach(({ i, p }, k) => (outcomes[i] = fastOutcome(p, done[k])));
	return outcomes;
}

/** The fixed order chunk locks are taken in within a group. */
function chunkOrder(a: PreparedCompletion, b: PreparedCompletion): number {
	return a.task.jobId < b.task.jobId ? -1 : a.task.jobId > b.task.jobId ? 1 : a.task.seq - b.task.seq;
}
