import { eq, inArray, sql } from 'drizzle-orm';
import { creditLedger, models, tasks } from '../db/schema';
import type { Db } from '../db';
import type { VolunteerTally } from './volunteer-tally';

/**
 * Credits checks that came out right (a re-check or a known-answer check agreeing with the accepted
 * answer, or re-computations that overturned it) as the work they were: inputs × the model's credit per
 * input, one ledger row per task (the task id is unique there, so never twice), and a valid result for
 * the volunteer's trust. Their outputs never enter a job's result unless they overturned it.
 */
export async function creditChecks(tx: Db, tally: VolunteerTally, checks: { taskId: number; volunteerId: string }[]) {
	if (checks.length === 0) return;
	const by = new Map(checks.map((c) => [c.taskId, c.volunteerId]));
	const rows = await tx
		.select({
			taskId: tasks.id,
			jobId: tasks.jobId,
			amount: sql<number>`jsonb_array_length(${tasks.inputs}) * ${models.cost}`.mapWith(Number)
		})
		.from(tasks)
		.innerJoin(models, eq(models.id, tasks.modelId))
		.where(inArray(tasks.id, [...by.keys()]));
	const granted = await tx
		.insert(creditLedger)
		.values(rows.map((r) => ({ volunteerId: by.get(r.taskId)!, jobId: r.jobId, taskId: r.taskId, amount: r.amount })))
		.onConflictDoNothing()
		.returning({ volunteerId: creditLedger.volunteerId, amount: creditLedger.amount });
	for (const g of granted) tally.add(g.volunteerId, { credit: g.amount, valid: 1 });
}
