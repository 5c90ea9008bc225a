import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { acceptedResults, creditLedger, jobs, results, tasks } from '../db/schema';
import type { Db } from '../db';
import { largestAgreeingGroup, outputsAgree } from './compare-outputs';
import type { VolunteerTally } from './volunteer-tally';
import { creditChecks } from './credit-checks';
import { PRIORITIES } from '../../protocol/jobs';

/** How many of a caught volunteer's results accepted on its word alone are re-checked, newest first, and how far back. */
export const RECHECK_LAST = 50;
export const RECHECK_WITHIN_MS = 24 * 3600_000;
/** Re-computations that must agree with each other, against the accepted result, to overturn it. */
export const OVERTURN_AGREEING = 2;
/** Most re-check replicas one chunk gets. */
const MAX_RECHECKS = 3;

const other = alias(results, 'other');

/**
 * A volunteer was caught (it lost a quorum): every result it had accepted on its word alone (an
 * unreplicated chunk, or a solo grant, with no other valid result beside it), within RECHECK_WITHIN_MS
 * and at most RECHECK_LAST of them, gets a re-check replica, unless one is already open. Its trust is
 * revoked by the caller's verdict (VolunteerTally resets the run).
 */
export async function queueRechecks(tx: Db, volunteerId: string): Promise<number> {
	const corroborated = tx
		.select({ one: sql`1` })
		.from(other)
		.where(
			and(eq(other.jobId, results.jobId), eq(other.seq, results.seq), sql`${other.taskId} <> ${results.taskId}`, eq(other.verdict, 'valid'))
		);
	const alone = await tx
		.select({ jobId: results.jobId, seq: results.seq })
		.from(results)
		.innerJoin(acceptedResults, eq(acceptedResults.taskId, results.taskId))
		.where(
			and(
				eq(results.volunteerId, volunteerId),
				gt(results.createdAt, sql`now() - ${RECHECK_WITHIN_MS} * interval '1 millisecond'`),
				sql`not exists (${corroborated})`
			)
		)
		.orderBy(desc(results.createdAt))
		.limit(RECHECK_LAST);
	let queued = 0;
	for (const c of alone) if (await spawnRecheck(tx, c.jobId, c.seq)) queued++;
	return queued;
}

/**
 * A lazy check: the chunk of a result just accepted on its volunteer's word alone (an unreplicated
 * job) is computed once more, decided after the result arrived, so nothing about the lease could have
 * told the volunteer. Settled like any re-check; its job never waits for it.
 */
export async function queueLazyCheck(db: Db, taskId: number): Promise<void> {
	await db.transaction(async (tx) => {
		const [t] = await tx.select({ jobId: tasks.jobId, seq: tasks.seq }).from(tasks).where(eq(tasks.id, taskId));
		if (t) await spawnRecheck(tx, t.jobId, t.seq);
	});
}

/**
 * One more re-check replica of an accepted chunk, unless one is open or the chunk had its share.
 *
 * At the job's priority, but never the interactive lane's: nobody waits for a re-check, and a lease at that
 * priority runs at once in a volunteer's lane slot (work-lease.ts). A lazy check of a synchronous request took
 * that slot from the next request, which then waited for the offer's answer to time out or for another claim:
 * a second or two, for about one request in twenty (bench/interactive, BENCHMARKS.md).
 */
async function spawnRecheck(tx: Db, jobId: string, seq: number): Promise<boolean> {
	const replicas = await tx
		.select()
		.from(tasks)
		.where(and(eq(tasks.jobId, jobId), eq(tasks.seq, seq)))
		.orderBy(asc(tasks.replica));
	const rechecks = replicas.filter((r) => r.recheck);
	if (rechecks.some((r) => r.state === 'queued' || r.state === 'leased') || rechecks.length >= MAX_RECHECKS) return false;
	const t = replicas[0];
	await tx.insert(tasks).values({
		jobId,
		seq,
		replica: replicas[replicas.length - 1].replica + 1,
		firstInput: t.firstInput,
		inputs: t.inputs,
		taskType: t.taskType,
		modelId: t.modelId,
		priority: Math.min(t.priority, PRIORITIES.high),
		recheck: true
	});
	return true;
}

/**
 * A re-check's result arrived for an accepted chunk (the caller holds the chunk's lock). It agrees
 * with the accepted result: the accepted one stands, now corroborated. It disagrees: when
 * OVERTURN_AGREEING re-computations agree with each other against it, the majority of the
 * re-computation decides: they become the accepted result (the job's stored result changes, a finished
 * job counts a correction), the overturned result is invalid, its credit is taken back and its
 * volunteer's trust revoked (and what it had accepted alone re-checked). Otherwise one more re-check is
 * queued. Returns how many re-checks it queued: new work its caller announces.
 */
export async function settleRecheck(tx: Db, jobId: string, seq: number, tolerance: number, tally: VolunteerTally): Promise<number> {
	const [accepted] = await tx
		.select({ taskId: results.taskId, volunteerId: results.volunteerId, output: results.output, resultClass: results.backendClass })
		.from(acceptedResults)
		.innerJoin(results, eq(results.taskId, acceptedResults.taskId))
		.where(and(eq(acceptedResults.jobId, jobId), eq(acceptedResults.seq, seq)));
	const all = await tx
		.select({
			taskId: results.taskId,
			volunteerId: results.volunteerId,
			output: results.output,
			verdict: results.verdict,
			resultClass: results.backendClass
		})
		.from(results)
		.innerJoin(tasks, eq(tasks.id, results.taskId))
		.where(and(eq(results.jobId, jobId), eq(results.seq, seq), eq(tasks.recheck, true)));
	// Only re-computations of the accepted result's class and variant are compared with it; others are never judged.
	const incomparable = all.filter((c) => c.resultClass !== accepted.resultClass && c.verdict === 'pending').map((c) => c.taskId);
	if (incomparable.length > 0) await tx.update(results).set({ verdict: 'unchecked' }).where(inArray(results.taskId, incomparable));
	const checks = all.filter((c) => c.resultClass === accepted.resultClass);
	if (checks.length === 0) return (await spawnRecheck(tx, jobId, seq)) ? 1 : 0;
	const agreeing = checks.filter((c) => outputsAgree(c.output, accepted.output, tolerance));
	const dissent = largestAgreeingGroup(
		checks.filter((c) => !outputsAgree(c.output, accepted.output, tolerance)),
		tolerance
	);
	const fresh = agreeing.filter((c) => c.verdict === 'pending');
	await verdicts(
		tx,
		fresh.map((c) => c.taskId),
		'valid'
	);
	await creditChecks(tx, tally, fresh);
	if (agreeing.length > 0 || dissent.length === 0) return 0;
	if (dissent.length < OVERTURN_AGREEING) return (await spawnRecheck(tx, jobId, seq)) ? 1 : 0;
	await tx
		.update(acceptedResults)
		.set({ taskId: dissent[0].taskId })
		.where(and(eq(acceptedResults.jobId, jobId), eq(acceptedResults.seq, seq)));
	await verdicts(tx, [accepted.taskId], 'invalid');
	await verdicts(
		tx,
		dissent.map((c) => c.taskId),
		'valid'
	);
	const taken = await tx.delete(creditLedger).where(eq(creditLedger.taskId, accepted.taskId)).returning({ amount: creditLedger.amount });
	tally.add(accepted.volunteerId, { credit: -(taken[0]?.amount ?? 0), valid: -1, invalid: 1 });
	await creditChecks(tx, tally, dissent);
	const queued = await queueRechecks(tx, accepted.volunteerId);
	await tx
		.update(jobs)
		.set({ corrections: sql`${jobs.corrections} + 1`, correctedAt: sql`now()` })
		.where(eq(jobs.id, jobId));
	return queued;
}

async function verdicts(tx: Db, taskIds: number[], verdict: 'valid' | 'invalid') {
	if (taskIds.length > 0) await tx.update(results).set({ verdict }).where(inArray(results.taskId, taskIds));
}
