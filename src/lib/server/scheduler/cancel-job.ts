import { and, eq, sql } from 'drizzle-orm';
import { jobs, tasks } from '../db/schema';
import type { Db } from '../db';
import { endLease } from './lease-transitions';
import { retrying } from './locks';
import { stateIn } from '../db/schema/states';

/**
 * Cancels a job that has not finished: its open tasks are cancelled (leased ones too, so their late
 * results are refused as stale). Returns the ids of tasks that were leased, so volunteers can be told
 * to stop, or null when the job does not exist or had already finished.
 */
export async function cancelJob(db: Db, jobId: string): Promise<{ leasedTaskIds: number[] } | null> {
	// It waits on rows a validator may hold, so it can be chosen as a deadlock victim: retried then.
	return retrying(() =>
		db.transaction(async (tx) => {
			const [job] = await tx
				.update(jobs)
				.set({ status: 'cancelled', finishedAt: sql`now()` })
				.where(and(eq(jobs.id, jobId), stateIn(jobs.status, ['queued', 'running'])))
				.returning({ id: jobs.id });
			if (!job) return null;
			const cancel = { ...endLease, state: 'cancelled' as const, finishedAt: sql`now()` };
			// RETURNING shows the new row, so leased and queued tasks are cancelled apart to know which were leased.
			const leased = await tx
				.update(tasks)
				.set(cancel)
				.where(and(eq(tasks.jobId, jobId), stateIn(tasks.state, ['leased'])))
				.returning({ id: tasks.id });
			await tx
				.update(tasks)
				.set(cancel)
				.where(and(eq(tasks.jobId, jobId), stateIn(tasks.state, ['queued'])));
			return { leasedTaskIds: leased.map((t) => t.id) };
		})
	);
}
