import { sql } from 'drizzle-orm';
import { results, tasks } from '../db/schema';
import type { Db } from '../db';
import { rowsOf } from '../db/rows';
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
	const tally = new VolunteerTally();
	if (problem) {
		const [failed] = await tx
			.update(tasks)
			.set(failedAttempt(policy, `rejected output: ${problem}`, 'reported'))
			.where(heldLease(c))
			.returning({ id: tasks.id });
		if (!failed) return { stored: false, reason: 'stale_lease' };
		const settlement = await validateChunk(tx, jobId, seq, policy, tally);
		await tally.apply(tx);
		return { stored: false, reason: 'rejected_output', error: problem, jobId, settlement };
	}
	if (!(await storeReplica(tx, c, jobId, seq))) return { stored: false, reason: 'stale_lease' };
	// The lease's input count, as its claim or a read of it found it: the fence matched that same lease.
	const { inputs } = p.task;
	tally.add(c.volunteerId, { tasks: 1, inputs });
	const settlement = await validateChunk(tx, jobId, seq, policy, tally);
	await tally.apply(tx);
	return { stored: true, jobId, inputs, settlement };
}

/**
 * Ends the lease as done and stores its result, in one statement: the fenced update, and the insert only of
 * the row it ended (nothing when the lease is no longer held). Returns whether the lease was still held. Three statements before (the row locked, then updated, then the result inserted): two round
 * trips more for every replicated result and every check (bench/dispatch counts them, BENCHMARKS.md).
 */
async function storeReplica(tx: Db, c: PreparedCompletion['c'], jobId: string, seq: number): Promise<boolean> {
	const ended = tx
		.update(tasks)
		.set({ ...endLease, state: 'done', finishedAt: sql`now()` })
		.where(heldLease(c))
		.returning({ id: tasks.id });
	// A query builder inside sql`` is rendered in parentheses, as a CTE's body needs.
	const rows = rowsOf<{ id: number }>(
		await tx.execute(sql`with ended as ${ended},
			stored as (insert into ${results} (task_id, job_id, seq, volunteer_id, output, backend, backend_class, duration_ms)
				select ${c.taskId}::bigint, ${jobId}::uuid, ${seq}::int, ${c.volunteerId}::text, ${JSON.stringify(c.outputs)}::jsonb,
					${c.backend}::text, ${c.resultClass}::text, ${c.durationMs}::real from ended)
			select id from ended`)
	);
	return rows.length > 0;
}
