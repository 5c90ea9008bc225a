import { inArray } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';

/**
 * The volunteers whose checkpointed outputs are inside these replicas' results (checkpoint-task.ts).
 * A result found invalid is blamed on them as well as on the volunteer that handed it in: the finisher
 * cannot tell a made-up prefix from a real one, so blaming it alone would punish the honest one and
 * let the author go on.
 */
export async function checkpointAuthors(tx: Db, taskIds: number[]): Promise<string[]> {
	if (taskIds.length === 0) return [];
	const rows = await tx.select({ parts: tasks.checkpointParts }).from(tasks).where(inArray(tasks.id, taskIds));
	return [...new Set(rows.flatMap((r) => (r.parts ?? []).map((p) => p.volunteerId)))];
}
