import { and, eq } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';
import { heldLease, releasedLease as release, type LeaseClaim } from './lease-transitions';

/**
 * Gives back every lease a session holds, at once: it disconnected or yielded, so its tasks should
 * move to another volunteer now rather than at their expiry. Returns the ids released.
 */
export async function releaseSessionLeases(db: Db, sessionId: string): Promise<number[]> {
	const rows = await db
		.update(tasks)
		.set(release)
		.where(and(eq(tasks.leaseSession, sessionId), eq(tasks.state, 'leased')))
		.returning({ id: tasks.id });
	return rows.map((r) => r.id);
}

/** Gives back one lease (a volunteer yielding a task it will not finish). Fenced by the token. */
export async function releaseLease(db: Db, lease: LeaseClaim): Promise<boolean> {
	const rows = await db.update(tasks).set(release).where(heldLease(lease)).returning({ id: tasks.id });
	return rows.length > 0;
}
