import { eq } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { failedAttempt, heldLease, type LeaseClaim } from './lease-transitions';
import { lockChunk, retrying } from './locks';
import { validateChunk, type Settlement } from './validate-chunk';
import { VolunteerTally } from './volunteer-tally';
import type { SchedulerPolicy } from './complete-task';

export interface Failure extends LeaseClaim {
	error: string;
}

/**
 * A volunteer reports that it could not run its task: the lease ends and the failure is counted
 * (retry after back-off, or dead at the cap, and then the validator settles the chunk). Fenced like a
 * completion: only the lease holder can. Returns the job and new state, or null when the lease was not current.
 */
export async function failTask(
	db: Db,
	f: Failure,
	policy: SchedulerPolicy
): Promise<{ jobId: string; state: string; settlement: Settlement | null } | null> {
	return retrying(() =>
		db.transaction(async (tx) => {
			const [where] = await tx.select({ jobId: tasks.jobId, seq: tasks.seq }).from(tasks).where(eq(tasks.id, f.taskId));
			if (!where) return null;
			await lockChunk(tx, where.jobId, where.seq);
			const [row] = await tx
				.update(tasks)
				.set(failedAttempt(policy, f.error, 'reported'))
				.where(heldLease(f))
				.returning({ state: tasks.state });
			if (!row) return null;
			if (row.state !== 'dead') return { jobId: where.jobId, state: row.state, settlement: null };
			const tally = new VolunteerTally();
			const settlement = await validateChunk(tx, where.jobId, where.seq, policy, tally);
			await tally.apply(tx);
			return { jobId: where.jobId, state: row.state, settlement };
		})
	);
}
