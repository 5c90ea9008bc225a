import { and, eq } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { failedAttempt, type FailurePolicy } from './lease-transitions';

export interface Failure {
	taskId: number;
	leaseToken: string;
	volunteerId: string;
	error: string;
}

/**
 * A volunteer reports that it could not run its task: the lease ends and the failure is counted
 * (retry after back-off, or dead at the cap). Fenced like a completion: only the lease holder can.
 * Returns the task's job and new state, or null when the lease was not current.
 */
export async function failTask(db: Db, f: Failure, policy: FailurePolicy) {
	const [row] = await db
		.update(tasks)
		.set(failedAttempt(policy, f.error))
		.where(
			and(
				eq(tasks.id, f.taskId),
				eq(tasks.leaseToken, f.leaseToken),
				eq(tasks.leaseVolunteer, f.volunteerId),
				eq(tasks.state, 'leased')
			)
		)
		.returning({ jobId: tasks.jobId, state: tasks.state });
	return row ?? null;
}
