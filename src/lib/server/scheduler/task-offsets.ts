import { inArray } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';

/** Where each task's inputs start within its job, for mapping a task's input to the job's. */
export async function taskOffsets(db: Db, taskIds: number[]): Promise<Map<number, number>> {
	if (taskIds.length === 0) return new Map();
	const rows = await db.select({ id: tasks.id, firstInput: tasks.firstInput }).from(tasks).where(inArray(tasks.id, taskIds));
	return new Map(rows.map((r) => [r.id, r.firstInput]));
}
