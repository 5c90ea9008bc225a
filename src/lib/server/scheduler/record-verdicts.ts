import { inArray, sql } from 'drizzle-orm';
import { creditLedger, results } from '../db/schema';
import type { Db } from '../db';
import type { VolunteerTally } from './volunteer-tally';
import { checkpointAuthors } from './checkpoint-authors';
import { queueRechecks } from './settle-checks';

interface Judged {
	taskId: number;
	volunteerId: string;
	backendClass: string;
}

/**
 * Writes the validator's verdicts on a chunk's results and what follows from them: the agreeing
 * results are valid, credited (one ledger row each; the task id is unique there, so credit is never
 * granted twice) and extend their volunteers' trusted run; results of the same backend class that
 * disagreed are invalid and reset their volunteers' run (and the run of whoever checkpointed part of them); results of other classes were never compared.
 */
export async function recordVerdicts(tx: Db, tally: VolunteerTally, jobId: string, agreeing: Judged[], all: Judged[], amount: number) {
	const cls = agreeing[0].backendClass;
	const valid = new Set(agreeing.map((r) => r.taskId));
	const invalid = all.filter((r) => !valid.has(r.taskId) && r.backendClass === cls);
	const unchecked = all.filter((r) => !valid.has(r.taskId) && r.backendClass !== cls);

	// Independent of each other: sent together, one round trip.
	const [, , authors] = await Promise.all([
		setVerdicts(tx, [
			...agreeing.map((r) => [r.taskId, 'valid'] as const),
			...invalid.map((r) => [r.taskId, 'invalid'] as const),
			...unchecked.map((r) => [r.taskId, 'unchecked'] as const)
		]),
		tx.insert(creditLedger).values(agreeing.map((r) => ({ volunteerId: r.volunteerId, jobId, taskId: r.taskId, amount }))),
		checkpointAuthors(
			tx,
			invalid.map((r) => r.taskId)
		)
	]);
	for (const r of agreeing) tally.add(r.volunteerId, { credit: amount, valid: 1 });
	for (const r of invalid) tally.add(r.volunteerId, { invalid: 1 });
	for (const author of authors) tally.add(author, { invalid: 1 });
	// Caught: what it had accepted on its word alone is computed again (settle-checks.ts): new work to announce.
	let rechecks = 0;
	for (const r of invalid) rechecks += await queueRechecks(tx, r.volunteerId);
	return { credited: agreeing.map((r) => ({ volunteerId: r.volunteerId, amount })), rechecks };
}

/** All of a chunk's verdicts in one statement. */
async function setVerdicts(tx: Db, verdicts: (readonly [number, 'valid' | 'invalid' | 'unchecked'])[]) {
	const cases = sql.join(
		verdicts.map(([id, v]) => sql`when ${id} then ${v}`),
		sql` `
	);
	await tx
		.update(results)
		.set({ verdict: sql`case ${results.taskId} ${cases} end` })
		.where(
			inArray(
				results.taskId,
				verdicts.map(([id]) => id)
			)
		);
}
