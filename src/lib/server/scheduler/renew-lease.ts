import { and, eq, sql } from 'drizzle-orm';
import { tasks } from '../db/schema';
import type { Db } from '../db';

/** Progress renews a lease: the holder is alive, so its expiry moves out by `leaseMs` from now. */
export async function renewLease(db: Db, taskId: number, leaseToken: string, volunteerId: string, leaseMs: number): Promise<Date | null> {
	const [row] = await db
		.update(tasks)
		.set({ leaseExpiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'` })
		.where(and(eq(tasks.id, taskId), eq(tasks.leaseToken, leaseToken), eq(tasks.leaseVolunteer, volunteerId), eq(tasks.state, 'leased')))
		.returning({ leaseExpiresAt: tasks.leaseExpiresAt });
	return row?.leaseExpiresAt ?? null;
}
